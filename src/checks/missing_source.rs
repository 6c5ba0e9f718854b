//! FL008 `missing-source`: a `sourceRef`, `chart.spec.sourceRef` or `chartRef` that names no
//! source of that kind in the cluster. Flux reports `Source '<Kind>/<name>' not found`.

use super::{Check, Context, did_you_mean};
use crate::finding::{Finding, Severity};
use crate::fleet::Cluster;
use crate::fleet::flux::Reference;

pub const CHECK: Check = Check {
    code: "FL008",
    name: "missing-source",
    summary: "sourceRef, chart sourceRef or chartRef names no source",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL008.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        for ks in &cluster.kustomizations {
            if let Some(src) = &ks.spec.source_ref
                && src.kind != "ExternalArtifact"
                && ks.not_checked.is_none()
                && ks.dir.is_none()
                && ks.path_problem.is_none()
                && cluster
                    .find_source(&src.kind, &src.namespace, &src.name)
                    .is_none()
            {
                findings.push(missing(
                    cluster,
                    &format!("Kustomization \"{}\"", ks.id()),
                    src,
                ));
            }
        }
        for hr in &cluster.helm_releases {
            for src in [&hr.spec.chart_source, &hr.spec.chart_ref]
                .into_iter()
                .flatten()
            {
                if src.kind != "ExternalArtifact"
                    && !cluster.could_hide(&src.namespace)
                    && cluster
                        .find_source(&src.kind, &src.namespace, &src.name)
                        .is_none()
                {
                    findings.push(missing(
                        cluster,
                        &format!("HelmRelease \"{}\"", hr.id()),
                        src,
                    ));
                }
            }
        }
    }
    findings
}

fn missing(cluster: &Cluster, referrer: &str, src: &Reference) -> Finding {
    let mut finding = CHECK
        .finding(
            format!(
                "{referrer} uses {} \"{}\", which does not exist in cluster \"{}\"",
                src.kind,
                src.id(),
                cluster.name
            ),
            src.name_span,
            format!("no {} \"{}\"", src.kind, src.id()),
        )
        .in_cluster(&cluster.name);
    let same_kind = || cluster.sources.iter().filter(|s| s.kind == src.kind);
    if let Some(other) = same_kind().find(|s| s.name == src.name && s.namespace != src.namespace) {
        finding = finding.help(format!(
            "{} \"{}\" exists in namespace \"{}\": set `namespace: {}` in the reference",
            src.kind, src.name, other.namespace, other.namespace
        ));
        if let Some(obj) = &other.object {
            finding = finding.label(obj.name_span, "defined here");
        }
    } else if let Some(name) = did_you_mean(
        &src.name,
        same_kind()
            .filter(|s| s.namespace == src.namespace)
            .map(|s| s.name.as_str()),
    ) {
        finding = finding.help(format!("did you mean \"{name}\"?"));
        if let Some(obj) = same_kind()
            .find(|s| s.name == name && s.namespace == src.namespace)
            .and_then(|s| s.object.as_ref())
        {
            finding = finding.label(
                obj.name_span,
                format!("{} \"{}/{name}\" is defined here", src.kind, src.namespace),
            );
        }
    } else if let Some(other) = cluster
        .sources
        .iter()
        .find(|s| s.name == src.name && s.namespace == src.namespace)
    {
        finding = finding.help(format!(
            "a {} has this name: set `kind: {}`",
            other.kind, other.kind
        ));
    }
    finding
}
