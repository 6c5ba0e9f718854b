//! FL017 `undecrypted-secret`: a SOPS-encrypted Secret (`v1` `Secret` with a top-level `sops`
//! field) applied by a Kustomization without `spec.decryption`. kustomize-controller refuses to
//! apply it: `<Kind>/<ns>/<name> is SOPS encrypted, configuring decryption is required for this
//! secret to be reconciled`.

use super::{Check, Context};
use crate::finding::{Finding, Severity};

pub const CHECK: Check = Check {
    code: "FL017",
    name: "undecrypted-secret",
    summary: "a SOPS-encrypted Secret in a Kustomization without spec.decryption",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL017.md"),
    run,
};

const DECRYPT_ANNOTATION: &str = "kustomize.toolkit.fluxcd.io/decrypt";

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        for (i, ks) in cluster.kustomizations.iter().enumerate() {
            // A root made up by fleetlint (Flux Operator, placeholder gotk-sync) may be given
            // decryption outside the repository: nothing to say about it.
            let Some(object) = cluster.effective_object(i) else {
                continue;
            };
            let decrypts = object
                .body
                .path(&["spec", "decryption"])
                .is_some_and(|d| !d.is_null());
            if decrypts {
                continue;
            }
            for obj in &ks.applied {
                let Some((sops, _)) = obj.body.get_entry("sops") else {
                    continue;
                };
                if obj.kind != "Secret"
                    || obj.api_version != "v1"
                    || obj
                        .body
                        .str_at(&["metadata", "annotations", DECRYPT_ANNOTATION])
                        == Some("disabled")
                {
                    continue;
                }
                findings.push(
                    CHECK
                        .finding(
                            format!(
                                "{} is encrypted with SOPS, but Kustomization \"{}\" has no `spec.decryption`, so Flux refuses to apply it",
                                obj.display(),
                                ks.id()
                            ),
                            sops.span,
                            "SOPS-encrypted",
                        )
                        .label(object.name_span, "no `spec.decryption` in this Kustomization")
                        .help("add `decryption: {provider: sops, secretRef: {name: sops-age}}` to the Kustomization's spec (the Secret holding the private key), or annotate the Secret `kustomize.toolkit.fluxcd.io/decrypt: disabled` if it must stay encrypted")
                        .in_cluster(&cluster.name),
                );
            }
        }
    }
    findings
}
