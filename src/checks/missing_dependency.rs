//! FL002 `missing-dependency`: a `dependsOn` entry that names no object of the right kind in
//! the effective namespace. Flux retries such a dependency forever.

use super::{Check, Context, did_you_mean};
use crate::finding::{Finding, Severity};
use crate::graph::Node;

pub const CHECK: Check = Check {
    code: "FL002",
    name: "missing-dependency",
    summary: "dependsOn names no Kustomization or HelmRelease in the cluster",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL002.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        for dangling in &model.graph.dangling {
            let dep = &dangling.reference;
            if cluster.could_hide(&dep.namespace) {
                // Part of the cluster was not rendered: the dependency may be there.
                continue;
            }
            let (kind, other_kind, from_id, same_kind, other) = match dangling.from {
                Node::Kustomization(i) => (
                    "Kustomization",
                    "HelmRelease",
                    cluster.kustomizations[i].id(),
                    cluster
                        .kustomizations
                        .iter()
                        .filter(|k| !k.is_virtual)
                        .map(|k| (k.namespace.as_str(), k.name.as_str(), k.name_span()))
                        .collect::<Vec<_>>(),
                    cluster
                        .helm_releases
                        .iter()
                        .map(|h| {
                            (
                                h.namespace.as_str(),
                                h.name.as_str(),
                                Some(h.object.name_span),
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
                Node::HelmRelease(i) => (
                    "HelmRelease",
                    "Kustomization",
                    cluster.helm_releases[i].id(),
                    cluster
                        .helm_releases
                        .iter()
                        .map(|h| {
                            (
                                h.namespace.as_str(),
                                h.name.as_str(),
                                Some(h.object.name_span),
                            )
                        })
                        .collect(),
                    cluster
                        .kustomizations
                        .iter()
                        .filter(|k| !k.is_virtual)
                        .map(|k| (k.namespace.as_str(), k.name.as_str(), k.name_span()))
                        .collect(),
                ),
            };
            let mut finding = CHECK
                .finding(
                    format!(
                        "{kind} \"{from_id}\" depends on \"{}\", which does not exist in cluster \"{}\"",
                        dep.id(),
                        cluster.name
                    ),
                    dep.name_span,
                    format!("no {kind} \"{}\"", dep.id()),
                )
                .in_cluster(&cluster.name);
            let elsewhere = same_kind
                .iter()
                .find(|(ns, name, _)| *name == dep.name && *ns != dep.namespace);
            let as_other = other
                .iter()
                .find(|(ns, name, _)| *name == dep.name && *ns == dep.namespace);
            let close = did_you_mean(
                &dep.name,
                same_kind
                    .iter()
                    .filter(|(ns, _, _)| *ns == dep.namespace)
                    .map(|(_, name, _)| *name),
            );
            if let Some((ns, name, span)) = elsewhere {
                let help = if dep.explicit_namespace {
                    format!("\"{name}\" exists in namespace \"{ns}\": set `namespace: {ns}`")
                } else {
                    format!(
                        "\"{name}\" exists in namespace \"{ns}\", not \"{}\": add `namespace: {ns}`",
                        dep.namespace
                    )
                };
                finding = finding.help(help);
                if let Some(span) = span {
                    finding =
                        finding.label(*span, format!("{kind} \"{ns}/{name}\" is defined here"));
                }
            } else if let Some((ns, name, span)) = as_other {
                finding = finding.help(format!(
                    "a {other_kind} is named \"{ns}/{name}\", but a {kind} can only depend on {kind}s"
                ));
                if let Some(span) = span {
                    finding = finding.label(*span, format!("this is a {other_kind}"));
                }
            } else if let Some(name) = close {
                finding = finding.help(format!("did you mean \"{name}\"?"));
                if let Some((_, _, Some(span))) = same_kind
                    .iter()
                    .find(|(ns, n, _)| *n == name && *ns == dep.namespace)
                {
                    finding = finding.label(
                        *span,
                        format!("{kind} \"{}/{name}\" is defined here", dep.namespace),
                    );
                }
            }
            findings.push(finding);
        }
    }
    findings
}
