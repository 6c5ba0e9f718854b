//! FL016 `missing-substitution-source`: a non-optional `postBuild.substituteFrom` entry naming a
//! ConfigMap or Secret that nothing in the cluster provides in the Kustomization's namespace.
//! Flux fails the whole build: `substitute from 'ConfigMap/<name>' error: configmaps "<name>"
//! not found`.

use super::{Check, Context, did_you_mean};
use crate::finding::{Finding, Severity};

pub const CHECK: Check = Check {
    code: "FL016",
    name: "missing-substitution-source",
    summary: "substituteFrom names a ConfigMap or Secret nothing in the cluster provides",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL016.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        // The configuration's `variables` declare what sources made outside the repository
        // hold: those sources exist.
        if !cluster.outside_variables.is_empty() {
            continue;
        }
        for ks in &cluster.kustomizations {
            let ns = &ks.namespace;
            for from in &ks.spec.substitute_from {
                if from.optional
                    || from.name.contains("${")
                    || cluster.var_source(&from.kind, ns, &from.name).is_some()
                    || cluster.could_hide(ns)
                    || cluster.unapplied_sources.iter().any(|o| {
                        o.kind == from.kind
                            && o.name == from.name
                            && o.namespace.as_deref().is_none_or(|n| n == ns)
                    })
                {
                    continue;
                }
                let same_kind: Vec<_> = cluster
                    .applied()
                    .map(|(_, o)| o)
                    .filter(|o| o.kind == from.kind && o.api_version == "v1")
                    .collect();
                let mut finding = CHECK
                    .finding(
                        format!(
                            "Kustomization \"{}\" substitutes variables from {} \"{ns}/{}\", which nothing in cluster \"{}\" provides",
                            ks.id(),
                            from.kind,
                            from.name,
                            cluster.name
                        ),
                        from.name_span,
                        format!("no {} \"{}\" in namespace \"{ns}\"", from.kind, from.name),
                    )
                    .in_cluster(&cluster.name);
                let elsewhere = same_kind.iter().find(|o| o.name == from.name);
                let close = did_you_mean(
                    &from.name,
                    same_kind
                        .iter()
                        .filter(|o| o.namespace.as_deref() == Some(ns.as_str()))
                        .map(|o| o.name.as_str()),
                );
                if let Some(other) = elsewhere {
                    let other_ns = other.namespace.as_deref().unwrap_or("default");
                    finding = finding
                        .label(other.name_span, format!("{} \"{other_ns}/{}\"", from.kind, from.name))
                        .help(format!(
                            "substituteFrom looks only in the Kustomization's namespace \"{ns}\"; this {} is in \"{other_ns}\": create it in \"{ns}\" or move the Kustomization",
                            from.kind
                        ));
                } else if let Some(name) = close {
                    if let Some(o) = same_kind
                        .iter()
                        .find(|o| o.name == name && o.namespace.as_deref() == Some(ns.as_str()))
                    {
                        finding =
                            finding.label(o.name_span, format!("{} \"{ns}/{name}\"", from.kind));
                    }
                    finding = finding.help(format!("did you mean \"{name}\"?"));
                } else {
                    finding = finding.help(format!(
                        "add {} \"{}\" to namespace \"{ns}\" in this repository or mark the entry `optional: true`; if a script or Terraform creates it, give its variables for this cluster in .fleetlint.yaml (`variables:`)",
                        from.kind, from.name
                    ));
                }
                findings.push(finding);
            }
        }
    }
    findings
}
