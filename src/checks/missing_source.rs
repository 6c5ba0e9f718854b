//! FL008 `missing-source`: a `sourceRef`, `chart.spec.sourceRef` or `chartRef` that names no
//! source of that kind in the cluster. Flux reports `Source '<Kind>/<name>' not found`.

use std::collections::HashMap;

use super::{Check, Context, SUGGESTION_BUDGET, did_you_mean_within};
use crate::finding::{Finding, Severity};
use crate::fleet::flux::Reference;
use crate::fleet::{Cluster, Source};

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
        let mut known = Known {
            by_name: HashMap::new(),
            budget: SUGGESTION_BUDGET,
        };
        for source in &cluster.sources {
            known.by_name.entry(&source.name).or_default().push(source);
        }
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
                    &mut known,
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
                        &mut known,
                    ));
                }
            }
        }
    }
    findings
}

/// The cluster's sources by name, and what is left of the did-you-mean budget: lookups stay
/// cheap when tens of thousands of references are missing.
struct Known<'a> {
    by_name: HashMap<&'a str, Vec<&'a Source>>,
    budget: usize,
}

fn missing(cluster: &Cluster, referrer: &str, src: &Reference, known: &mut Known) -> Finding {
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
    let named = |name: &str| {
        known
            .by_name
            .get(name)
            .map(|v| v.as_slice())
            .unwrap_or_default()
            .iter()
    };
    let same_kind = || cluster.sources.iter().filter(|s| s.kind == src.kind);
    if let Some(other) =
        named(&src.name).find(|s| s.kind == src.kind && s.namespace != src.namespace)
    {
        finding = finding.help(format!(
            "{} \"{}\" exists in namespace \"{}\": set `namespace: {}` in the reference",
            src.kind, src.name, other.namespace, other.namespace
        ));
        if let Some(obj) = &other.object {
            finding = finding.label(obj.name_span, "defined here");
        }
    } else if let Some(name) = did_you_mean_within(
        &src.name,
        same_kind()
            .filter(|s| s.namespace == src.namespace)
            .map(|s| s.name.as_str()),
        &mut known.budget,
    ) {
        finding = finding.help(format!("did you mean \"{name}\"?"));
        if let Some(obj) = named(name)
            .find(|s| s.kind == src.kind && s.namespace == src.namespace)
            .and_then(|s| s.object.as_ref())
        {
            finding = finding.label(
                obj.name_span,
                format!("{} \"{}/{name}\" is defined here", src.kind, src.namespace),
            );
        }
    } else if let Some(other) = named(&src.name).find(|s| s.namespace == src.namespace) {
        finding = finding.help(format!(
            "a {} has this name: set `kind: {}`",
            other.kind, other.kind
        ));
    }
    finding
}
