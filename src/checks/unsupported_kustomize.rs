//! FL018 `unsupported-kustomize`: kustomize features that Flux's build disables, under a path
//! a Flux Kustomization builds: `helmCharts` (Flux never passes `--enable-helm`) and generator,
//! transformer or validator plugins (Flux builds with plugins disabled).

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::kustomize::Problem;

pub const CHECK: Check = Check {
    code: "FL018",
    name: "unsupported-kustomize",
    summary: "a kustomize feature Flux disables (helmCharts, plugins)",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL018.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        for ks in &model.cluster.kustomizations {
            for problem in &ks.problems {
                let Problem::Unsupported { span, feature, why } = problem else {
                    continue;
                };
                let help = if feature.to_ascii_lowercase().contains("sops") {
                    "commit the SOPS-encrypted Secret itself and set `spec.decryption` on the Flux Kustomization: Flux decrypts it while building"
                } else if feature.starts_with("`helm") {
                    "render the chart with a Flux HelmRelease (and a HelmRepository or OCIRepository) instead of kustomize's helmCharts"
                } else {
                    "use a builtin kustomize transformer (`apiVersion: builtin`), a Flux `spec.patches` entry, or render the output before committing it"
                };
                let mut finding = CHECK
                    .finding(
                        format!("{feature} cannot be built by Flux: {why}"),
                        *span,
                        "not available in Flux",
                    )
                    .help(help)
                    .in_cluster(&model.cluster.name);
                if let Some(name) = ks.name_span() {
                    finding =
                        finding.label(name, format!("Kustomization \"{}\" builds it", ks.id()));
                }
                findings.push(finding);
            }
        }
    }
    findings
}
