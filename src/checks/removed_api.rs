//! FL014 `removed-api`: a Flux object whose `apiVersion` Flux no longer serves: the beta
//! versions removed in Flux 2.7, 2.8 and 2.9 (FLUX-SEMANTICS §2.1), and any version that the
//! Flux CRDs applied in the cluster itself (`gotk-components.yaml`) do not serve. The apply
//! fails with `no matches for kind "<Kind>" in version "<apiVersion>"`.

use std::collections::BTreeMap;

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::kustomize::Object;
use crate::source::Span;

pub const CHECK: Check = Check {
    code: "FL014",
    name: "removed-api",
    summary: "a Flux apiVersion that Flux (or the cluster's own Flux CRDs) no longer serves",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL014.md"),
    run,
};

/// (group, version, the Flux release that removed it)
const REMOVED: &[(&str, &str, &str)] = &[
    ("kustomize.toolkit.fluxcd.io", "v1beta1", "2.7"),
    ("kustomize.toolkit.fluxcd.io", "v1beta2", "2.8"),
    ("helm.toolkit.fluxcd.io", "v2beta1", "2.7"),
    ("helm.toolkit.fluxcd.io", "v2beta2", "2.8"),
    ("source.toolkit.fluxcd.io", "v1beta1", "2.7"),
    ("source.toolkit.fluxcd.io", "v1beta2", "2.8"),
    ("notification.toolkit.fluxcd.io", "v1beta1", "2.7"),
    ("notification.toolkit.fluxcd.io", "v1beta2", "2.9"),
    ("image.toolkit.fluxcd.io", "v1beta1", "2.7"),
    ("image.toolkit.fluxcd.io", "v1beta2", "2.9"),
];

/// The version to move to. Alerts and Providers are served as `v1beta3`.
fn replacement(group: &str, kind: &str) -> &'static str {
    match (group, kind) {
        ("helm.toolkit.fluxcd.io", _) => "v2",
        ("notification.toolkit.fluxcd.io", "Alert" | "Provider") => "v1beta3",
        _ => "v1",
    }
}

/// What a Flux CRD applied in the cluster serves.
struct Served {
    versions: Vec<String>,
    /// The CRD's `metadata.name`.
    span: Span,
    /// `app.kubernetes.io/version` of the Flux that wrote it, when labelled.
    flux: Option<String>,
}

fn served(crd: &Object) -> Option<((String, String), Served)> {
    let spec = crd.body.get("spec")?;
    let group = spec.str_at(&["group"])?;
    if !group.ends_with(".fluxcd.io") {
        return None;
    }
    let kind = spec.str_at(&["names", "kind"])?;
    let versions = spec
        .get("versions")?
        .as_seq()?
        .iter()
        .filter(|v| v.get("served").and_then(|s| s.as_bool()) != Some(false))
        .filter_map(|v| v.str_at(&["name"]).map(str::to_string))
        .collect();
    let flux = crd
        .body
        .str_at(&["metadata", "labels", "app.kubernetes.io/version"])
        .map(str::to_string);
    Some((
        (group.to_string(), kind.to_string()),
        Served {
            versions,
            span: crd.name_span,
            flux,
        },
    ))
}

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let reached = cluster.reached();
        // Flux CRDs per target cluster (content sent through kubeConfig lands elsewhere).
        let mut crds: BTreeMap<(Option<&str>, String, String), Served> = BTreeMap::new();
        for (applier, obj) in &reached {
            if obj.kind == "CustomResourceDefinition"
                && obj.group() == "apiextensions.k8s.io"
                && let Some(((group, kind), s)) = served(obj)
            {
                crds.entry((cluster.target_of(*applier), group, kind))
                    .or_insert(s);
            }
        }
        for (applier, obj) in &reached {
            let group = obj.group();
            if !group.ends_with(".fluxcd.io") {
                continue;
            }
            let version = obj.api_version.rsplit_once('/').map_or("", |(_, v)| v);
            let Some(span) = obj.body.get("apiVersion").map(|n| n.span) else {
                continue;
            };
            let removed = REMOVED
                .iter()
                .find(|(g, v, _)| *g == group && *v == version)
                .map(|(_, _, release)| *release);
            let crd = crds.get(&(
                cluster.target_of(*applier),
                group.to_string(),
                obj.kind.to_string(),
            ));
            let not_served = crd.filter(|c| !c.versions.iter().any(|v| v == version));
            if not_served.is_none() && removed.is_none() {
                continue; // the usual case: nothing to say, nothing to format
            }
            // Without the namespace: one document applied in several namespaces is one fix.
            let id = format!("{} \"{}\"", obj.kind, obj.name);
            let new_version = format!("{group}/{}", replacement(group, &obj.kind));
            let finding = match (not_served, removed) {
                (Some(c), _) => {
                    let flux = c
                        .flux
                        .as_ref()
                        .map(|v| format!(" (Flux {v})"))
                        .unwrap_or_default();
                    let removal = removed
                        .map(|r| format!(", and Flux {r} removed it everywhere"))
                        .unwrap_or_default();
                    let help = if removed.is_some() {
                        format!("change apiVersion to \"{new_version}\"")
                    } else {
                        format!(
                            "upgrade the Flux installed in this cluster (gotk-components.yaml), or use a version it serves: {}",
                            c.versions.join(", ")
                        )
                    };
                    CHECK
                        .finding(
                            format!(
                                "{id} uses apiVersion \"{}\", which the Flux CRDs of cluster \"{}\"{flux} do not serve{removal}",
                                obj.api_version, cluster.name
                            ),
                            span,
                            "not served in this cluster",
                        )
                        .label(
                            c.span,
                            format!("this CRD serves {}", c.versions.join(", ")),
                        )
                        .help(help)
                }
                (None, Some(release)) => {
                    let still = crd
                        .map(|c| {
                            format!(
                                "; the Flux CRDs of cluster \"{}\"{} still serve it, so upgrading Flux will break it",
                                cluster.name,
                                c.flux.as_ref().map(|v| format!(" (Flux {v})")).unwrap_or_default()
                            )
                        })
                        .unwrap_or_default();
                    CHECK
                        .finding(
                            format!(
                                "{id} uses apiVersion \"{}\", which Flux {release} removed{still}",
                                obj.api_version
                            ),
                            span,
                            format!("removed in Flux {release}"),
                        )
                        .help(format!("change apiVersion to \"{new_version}\""))
                }
                (None, None) => continue,
            };
            findings.push(finding.in_cluster(&cluster.name));
        }
    }
    findings
}
