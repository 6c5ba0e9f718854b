//! FL001 `dependency-cycle`: Kustomizations (or HelmReleases) whose `dependsOn` form a cycle
//! never become ready.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::graph::{Node, node_id};

pub const CHECK: Check = Check {
    code: "FL001",
    name: "dependency-cycle",
    summary: "Kustomizations or HelmReleases depend on each other in a cycle",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL001.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        for cycle in model.graph.cycles(cluster) {
            let kind = match cycle.steps[0].0 {
                Node::Kustomization(_) => "Kustomization",
                Node::HelmRelease(_) => "HelmRelease",
            };
            let mut path: Vec<String> = cycle
                .steps
                .iter()
                .map(|(n, _)| node_id(cluster, *n))
                .collect();
            path.push(path[0].clone());
            let (first, first_ref) = &cycle.steps[0];
            let message = if cycle.steps.len() == 1 {
                format!("{kind} \"{}\" depends on itself", node_id(cluster, *first))
            } else {
                format!("dependsOn cycle: {}", path.join(" → "))
            };
            let mut finding = CHECK
                .finding(
                    message,
                    first_ref.name_span,
                    format!("{} depends on {}", node_id(cluster, *first), first_ref.id()),
                )
                .help(if cycle.steps.len() == 1 {
                    "remove this dependsOn entry: a Kustomization that waits for itself is never applied".to_string()
                } else {
                    "remove one of these dependsOn entries: every member of the cycle waits for the next and none is ever applied".to_string()
                })
                .in_cluster(&cluster.name);
            for (node, reference) in &cycle.steps[1..] {
                finding = finding.label(
                    reference.name_span,
                    format!("{} depends on {}", node_id(cluster, *node), reference.id()),
                );
            }
            findings.push(finding);
        }
    }
    findings
}
