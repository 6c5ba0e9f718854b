//! FL004 `missing-resource`: an entry of a kustomization (resources, components, crds, patch
//! paths, generator files) or of a Flux `spec.components` that does not exist.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::kustomize::Problem;

pub const CHECK: Check = Check {
    code: "FL004",
    name: "missing-resource",
    summary: "a kustomization entry or Flux component does not exist",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL004.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        for ks in &model.cluster.kustomizations {
            for problem in &ks.problems {
                let Problem::MissingEntry {
                    span,
                    kind,
                    path,
                    why,
                } = problem
                else {
                    continue;
                };
                findings.push(
                    CHECK
                        .finding(
                            format!("{} \"{path}\" cannot be loaded: {why}", kind.as_str()),
                            *span,
                            format!("missing {}", kind.as_str()),
                        )
                        .help("fix the entry or remove it; `kustomize build` (and so Flux) fails on it")
                        .in_cluster(&model.cluster.name),
                );
            }
        }
    }
    findings
}
