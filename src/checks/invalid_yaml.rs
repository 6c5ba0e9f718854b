//! FL012 `invalid-yaml`: YAML that does not parse, or a document under a Flux path that is not a
//! Kubernetes object. Flux fails the whole Kustomization with `failed to decode Kubernetes YAML`.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::kustomize::Problem;

pub const CHECK: Check = Check {
    code: "FL012",
    name: "invalid-yaml",
    summary: "YAML that does not parse, or a document that is not a Kubernetes object",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL012.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        for ks in &model.cluster.kustomizations {
            for problem in &ks.problems {
                let finding = match problem {
                    Problem::InvalidYaml { span, message } => CHECK
                        .finding(format!("invalid YAML: {message}"), *span, "here")
                        .help("Flux cannot decode this file, so the whole Kustomization fails to build"),
                    Problem::NotAnObject { span, message } => CHECK
                        .finding(message.clone(), *span, "not a Kubernetes object")
                        .help("Flux applies every .yaml file under a path without a kustomization.yaml: add a kustomization.yaml listing the manifests, move this file, or exclude it in .sourceignore"),
                    _ => continue,
                };
                findings.push(finding.in_cluster(&model.cluster.name));
            }
        }
    }
    findings
}
