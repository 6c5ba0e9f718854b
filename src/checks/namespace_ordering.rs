//! FL011 `namespace-ordering`: a namespaced object whose namespace is neither well known nor
//! created before it is applied, or that has no namespace at all. Flux fails with
//! `<Kind>/<ns>/<name> not found: namespaces "<ns>" not found` or
//! `<Kind>/<name> namespace not specified`.

use std::collections::BTreeMap;

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::fleet::flux;
use crate::fleet::providers::is_custom;
use crate::kustomize::Object;
use crate::source::{Node, Span};

pub const CHECK: Check = Check {
    code: "FL011",
    name: "namespace-ordering",
    summary: "a namespaced object whose namespace is not created before it",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL011.md"),
    run,
};

/// Namespaces every cluster has; `flux-system` exists wherever Flux runs.
const WELL_KNOWN: &[&str] = &[
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "flux-system",
];

/// Something that creates a namespace: a Namespace manifest, or a HelmRelease with
/// `install.createNamespace: true` (which is only done once the release is installed).
struct Creator {
    kustomization: usize,
    span: Span,
    by_release: bool,
}

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let mut creators: BTreeMap<&str, Vec<Creator>> = BTreeMap::new();
        for (k, obj) in cluster.applied() {
            if obj.kind == "Namespace" && obj.api_version == "v1" && cluster.target_of(k).is_none()
            {
                creators
                    .entry(obj.name.as_str())
                    .or_default()
                    .push(Creator {
                        kustomization: k,
                        span: obj.name_span,
                        by_release: false,
                    });
            }
        }
        for hr in &cluster.helm_releases {
            let spec = hr.object.body.get("spec");
            if spec
                .and_then(|s| s.path(&["install", "createNamespace"]))
                .and_then(Node::as_bool)
                == Some(true)
            {
                let target = spec
                    .and_then(|s| s.str_at(&["targetNamespace"]))
                    .unwrap_or(&hr.namespace);
                creators.entry(target).or_default().push(Creator {
                    kustomization: hr.applied_by,
                    span: hr.object.name_span,
                    by_release: true,
                });
            }
        }
        let bootstrapped: Vec<&str> = cx
            .bootstrap
            .releases
            .iter()
            .filter_map(|r| r.namespace.as_deref())
            .collect();

        // (Kustomization, namespace) → objects in it that are not ordered after its creation.
        let mut missing: BTreeMap<(usize, String), Vec<&Object>> = BTreeMap::new();
        let mut unspecified: BTreeMap<usize, Vec<&Object>> = BTreeMap::new();
        for (k, obj) in cluster.applied() {
            if cluster.target_of(k).is_some() || cluster.kustomizations[k].is_virtual {
                continue;
            }
            match namespaced(cx, model, obj) {
                Some(true) => {}
                Some(false) => continue,
                // Unknown scope: only a namespace that is written can be checked.
                None if obj.namespace.is_some() && !obj.kind.starts_with("Cluster") => {}
                None => continue,
            }
            let Some(ns) = obj.namespace.as_deref() else {
                unspecified.entry(k).or_default().push(obj);
                continue;
            };
            if WELL_KNOWN.contains(&ns) || bootstrapped.contains(&ns) {
                continue;
            }
            let sets = model.before(k);
            let in_time = creators.get(ns).into_iter().flatten().any(|c| {
                if c.by_release {
                    sets.ready[c.kustomization]
                } else {
                    sets.in_place[c.kustomization]
                }
            });
            // A namespace nothing in the repository creates may come from a bootstrap done
            // elsewhere, unless the repository holds the cluster's bootstrap itself.
            let created_here = creators.contains_key(ns);
            if !in_time && (created_here || cluster.self_contained) {
                missing.entry((k, ns.to_string())).or_default().push(obj);
            }
        }

        for ((k, ns), objects) in missing {
            let ks = &cluster.kustomizations[k];
            let first = objects[0];
            let span = namespace_span(ks, first, &ns);
            let count = more(objects.len());
            let mut finding = match creators.get(ns.as_str()).and_then(|c| c.first()) {
                Some(creator) => {
                    let owner = &cluster.kustomizations[creator.kustomization];
                    CHECK
                        .finding(
                            format!(
                                "{} \"{ns}/{}\"{count} in Kustomization \"{}\" may be applied before namespace \"{ns}\" exists: it is created by Kustomization \"{}\", and nothing orders \"{}\" after it",
                                first.kind, first.name, ks.id(), owner.id(), ks.id()
                            ),
                            span,
                            format!("namespace \"{ns}\" may not exist yet"),
                        )
                        .label(creator.span, format!("namespace \"{ns}\" is created here"))
                        .help(format!(
                            "add `{{name: {}, namespace: {}}}` to `spec.dependsOn` of Kustomization \"{}\", or create the namespace in this Kustomization",
                            owner.name, owner.namespace, ks.id()
                        ))
                }
                None => CHECK
                    .finding(
                        format!(
                            "{} \"{ns}/{}\"{count} in Kustomization \"{}\" needs namespace \"{ns}\", which nothing in cluster \"{}\" creates",
                            first.kind, first.name, ks.id(), cluster.name
                        ),
                        span,
                        format!("namespace \"{ns}\" is not created"),
                    )
                    .help(format!(
                        "add a Namespace \"{ns}\" manifest to this Kustomization (Flux applies Namespaces first), or to one it depends on"
                    )),
            };
            if span != first.origin {
                finding = finding.label(first.origin, format!("{} \"{}\"", first.kind, first.name));
            }
            findings.push(finding.in_cluster(&cluster.name));
        }
        for (k, objects) in unspecified {
            let ks = &cluster.kustomizations[k];
            let first = objects[0];
            let count = more(objects.len());
            findings.push(
                CHECK
                    .finding(
                        format!(
                            "{} \"{}\"{count} in Kustomization \"{}\" has no namespace: Flux fails with `{}/{} namespace not specified`",
                            first.kind, first.name, ks.id(), first.kind, first.name
                        ),
                        first.name_span,
                        "no metadata.namespace, and no kustomize `namespace:` or `targetNamespace` sets one",
                    )
                    .help(format!(
                        "set `metadata.namespace`, a `namespace:` in the kustomization.yaml, or `targetNamespace` on Kustomization \"{}\"",
                        ks.id()
                    ))
                    .in_cluster(&cluster.name),
            );
        }
    }
    findings
}

/// Whether an object's kind is namespaced: built-in kinds from k8s-openapi, Flux kinds, and
/// custom kinds whose CRD is in the cluster. `None` when the scope is not known.
fn namespaced(cx: &Context, model: &super::ClusterModel, obj: &Object) -> Option<bool> {
    if obj.kind == "Namespace" && obj.api_version == "v1" {
        return Some(false);
    }
    if let Some(kind) = cx.catalog.builtin(obj.group(), &obj.kind) {
        return Some(!kind.cluster_scoped);
    }
    if flux::is_kustomization(obj) || flux::is_helm_release(obj) || flux::is_source(obj) {
        return Some(true);
    }
    if is_custom(obj, cx.catalog) {
        return model
            .providers
            .cluster_scoped(obj.group(), &obj.kind)
            .map(|cluster| !cluster);
    }
    None
}

/// The most telling place to point at: the Kustomization's `targetNamespace`, else the
/// object's `metadata.namespace`, else its kind.
fn namespace_span(ks: &crate::fleet::Kustomization, obj: &Object, ns: &str) -> Span {
    if let Some(target) = &ks.spec.transforms.namespace
        && target.value == ns
    {
        return target.span;
    }
    obj.body
        .path(&["metadata", "namespace"])
        .filter(|n| n.as_str() == Some(ns))
        .map_or(obj.origin, |n| n.span)
}

/// " and N more object(s)" after the first of `total` objects.
fn more(total: usize) -> String {
    match total {
        0 | 1 => String::new(),
        2 => " and 1 more object".to_string(),
        n => format!(" and {} more objects", n - 1),
    }
}
