//! FL020 `not-checked`: what fleetlint could not check offline (remote bases, sources that are
//! not this repository, Flux objects no root reaches), said once per cause.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::kustomize::Problem;

pub const CHECK: Check = Check {
    code: "FL020",
    name: "not-checked",
    summary: "something fleetlint could not check offline",
    severity: Severity::Info,
    docs: include_str!("../../docs/rules/FL020.md"),
    run,
};

/// Orphans listed in the message before "and N more".
const LISTED: usize = 5;

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        for ks in &model.cluster.kustomizations {
            if let Some((span, why)) = &ks.not_checked {
                // `span` is the name in the sourceRef.
                findings.push(
                    CHECK
                        .finding(why.clone(), *span, "not fetched")
                        .help("map the source to a local directory in .fleetlint.yaml (`sources:`) to check it")
                        .in_cluster(&model.cluster.name),
                );
            }
            for problem in &ks.problems {
                if let Problem::Remote { span, kind, url } = problem {
                    findings.push(
                        CHECK
                            .finding(
                                format!(
                                    "remote {} \"{url}\" is not fetched, so what it contains is not checked",
                                    kind.as_str()
                                ),
                                *span,
                                "not fetched",
                            )
                            .in_cluster(&model.cluster.name),
                    );
                }
            }
        }
    }
    if let Some(first) = cx.orphans.first() {
        let names: Vec<String> = cx
            .orphans
            .iter()
            .map(|o| format!("{}/{}", o.namespace.as_deref().unwrap_or("default"), o.name))
            .collect();
        let listed = names
            .iter()
            .take(LISTED)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        let more = names.len().saturating_sub(LISTED);
        let message = format!(
            "{} Flux Kustomization{} not reached from any cluster root, so not checked: {listed}{}",
            names.len(),
            if names.len() == 1 { " is" } else { "s are" },
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
        let mut finding = CHECK
            .finding(message, first.name_span, "not reached from any root")
            .help("if these should be applied, reference their directory from a Kustomization a root reaches; otherwise they are drafts or archives");
        for orphan in cx.orphans.iter().skip(1).take(LISTED - 1) {
            finding = finding.label(orphan.name_span, "not reached from any root");
        }
        findings.push(finding);
    }
    findings
}
