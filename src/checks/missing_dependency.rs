//! FL002 `missing-dependency`: a `dependsOn` entry that names no object of the right kind in
//! the effective namespace. Flux retries such a dependency forever.

use super::{Check, Context, SUGGESTION_BUDGET, did_you_mean_within};
use crate::finding::{Finding, Severity};
use crate::graph::Node;
use crate::source::Span;

pub const CHECK: Check = Check {
    code: "FL002",
    name: "missing-dependency",
    summary: "dependsOn names no Kustomization or HelmRelease in the cluster",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL002.md"),
    run,
};

/// The objects a `dependsOn` may name, with an index by name so that each lookup is constant
/// time however many there are.
struct Known<'a> {
    all: Vec<(&'a str, &'a str, Option<Span>)>,
    by_name: foldhash::HashMap<&'a str, Vec<usize>>,
}

impl<'a> Known<'a> {
    fn new(all: Vec<(&'a str, &'a str, Option<Span>)>) -> Known<'a> {
        let mut by_name: foldhash::HashMap<&str, Vec<usize>> = foldhash::HashMap::default();
        for (i, (_, name, _)) in all.iter().enumerate() {
            by_name.entry(name).or_default().push(i);
        }
        Known { all, by_name }
    }

    /// The first one named `name` whose namespace passes `ns`.
    fn find(
        &self,
        name: &str,
        ns: impl Fn(&str) -> bool,
    ) -> Option<&(&'a str, &'a str, Option<Span>)> {
        self.by_name
            .get(name)?
            .iter()
            .map(|&i| &self.all[i])
            .find(|(n, _, _)| ns(n))
    }
}

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let kustomizations = Known::new(
            cluster
                .kustomizations
                .iter()
                .filter(|k| !k.is_virtual)
                .map(|k| (k.namespace.as_str(), k.name.as_str(), k.name_span()))
                .collect(),
        );
        let helm_releases = Known::new(
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
        );
        let mut budget = SUGGESTION_BUDGET;
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
                    &kustomizations,
                    &helm_releases,
                ),
                Node::HelmRelease(i) => (
                    "HelmRelease",
                    "Kustomization",
                    cluster.helm_releases[i].id(),
                    &helm_releases,
                    &kustomizations,
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
            let elsewhere = same_kind.find(&dep.name, |ns| ns != dep.namespace);
            let as_other = other.find(&dep.name, |ns| ns == dep.namespace);
            let close = did_you_mean_within(
                &dep.name,
                same_kind
                    .all
                    .iter()
                    .filter(|(ns, _, _)| *ns == dep.namespace)
                    .map(|(_, name, _)| *name),
                &mut budget,
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
                if let Some((_, _, Some(span))) = same_kind.find(name, |ns| ns == dep.namespace) {
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
