//! FL005 `crd-ordering`: a custom resource whose CRD provider is in the cluster but not
//! guaranteed to be in place before the resource is applied. Flux fails the whole stage with
//! `<Kind>/<name> dry-run failed: no matches for kind "<Kind>"`.

use std::collections::BTreeMap;

use super::{Check, Context, ordering};
use crate::finding::{Finding, Severity};
use crate::fleet::providers::{Provider, ProviderKind};

pub const CHECK: Check = Check {
    code: "FL005",
    name: "crd-ordering",
    summary: "a custom resource whose CRD provider is not guaranteed to be applied first",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL005.md"),
    run,
};

/// Custom resources of one kind listed as extra labels before the rest are only counted.
const LISTED: usize = 4;

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        // (Kustomization, group, kind) → the resources without a provider in place, and the
        // provider that should have been ordered first.
        let mut unordered: BTreeMap<
            (usize, String, String),
            (Vec<&crate::kustomize::Object>, &Provider),
        > = BTreeMap::new();
        for use_ in ordering::custom_resources(cx, model) {
            let ordering::CrdStatus::Unordered(provider) = use_.status else {
                continue;
            };
            unordered
                .entry((
                    use_.kustomization,
                    use_.object.group().to_string(),
                    use_.object.kind.to_string(),
                ))
                .or_insert_with(|| (Vec::new(), provider))
                .0
                .push(use_.object);
        }
        for ((k, group, kind), (objects, provider)) in unordered {
            let ks = &cluster.kustomizations[k];
            let owner = &cluster.kustomizations[provider.kustomization];
            let first = objects[0];
            let (what, label) = match &provider.kind {
                ProviderKind::Unseen { chart } => (
                    format!(
                        "the {chart} CRDs of Kustomization \"{}\" (content not rendered)",
                        owner.id()
                    ),
                    format!("{chart} CRDs, applied by Kustomization \"{}\"", owner.id()),
                ),
                ProviderKind::Crd { .. } => (
                    format!("its CRD in Kustomization \"{}\"", owner.id()),
                    format!(
                        "CustomResourceDefinition for {kind} ({group}), applied by Kustomization \"{}\"",
                        owner.id()
                    ),
                ),
                ProviderKind::HelmRelease { release, chart, .. } => {
                    let hr = &cluster.helm_releases[*release];
                    (
                        format!(
                            "HelmRelease \"{}\" (chart {chart}) in Kustomization \"{}\"",
                            hr.id(),
                            owner.id()
                        ),
                        format!("HelmRelease \"{}\" installs the {group} CRDs", hr.id()),
                    )
                }
            };
            let deadlock = provider.kustomization == k;
            let (message, help) = if deadlock {
                let installer = match &provider.kind {
                    ProviderKind::HelmRelease { release, chart, .. } => format!(
                        "HelmRelease \"{}\" (chart {chart})",
                        cluster.helm_releases[*release].id()
                    ),
                    ProviderKind::Crd { .. } | ProviderKind::Unseen { .. } => "its CRD".to_string(),
                };
                (
                    format!(
                        "{kind} \"{}\" and {installer}, which installs its CRD, are both in Kustomization \"{}\": on a fresh cluster the {kind} fails the dry-run, so the HelmRelease is never applied (deadlock)",
                        display_name(first),
                        ks.id()
                    ),
                    format!(
                        "move the {kind} resources into their own Kustomization with `dependsOn: [{{name: {}, namespace: {}}}]`{}",
                        ks.name,
                        ks.namespace,
                        if waits(ks) {
                            String::new()
                        } else {
                            format!(
                                ", and set `wait: true` on \"{}\" so it is Ready only once the CRDs exist",
                                ks.id()
                            )
                        }
                    ),
                )
            } else {
                (
                    format!(
                        "{kind} \"{}\" in Kustomization \"{}\" may be applied before its CRD: it comes from {what}, and nothing orders \"{}\" after it",
                        display_name(first),
                        ks.id(),
                        ks.id()
                    ),
                    format!(
                        "add `{{name: {}, namespace: {}}}` to `spec.dependsOn` of Kustomization \"{}\"{}",
                        owner.name,
                        owner.namespace,
                        ks.id(),
                        if matches!(provider.kind, ProviderKind::HelmRelease { .. })
                            && !waits(owner)
                        {
                            format!(", and `wait: true` on \"{}\"", owner.id())
                        } else {
                            String::new()
                        }
                    ),
                )
            };
            let mut finding = CHECK
                .finding(
                    message,
                    first.origin,
                    format!("{kind} needs the {group} CRD"),
                )
                .label(provider.span, label)
                .help(help)
                .in_cluster(&cluster.name);
            for obj in objects.iter().skip(1).take(LISTED) {
                finding =
                    finding.label(obj.origin, format!("{kind} \"{}\" too", display_name(obj)));
            }
            findings.push(finding);
        }
    }
    findings
}

fn display_name(obj: &crate::kustomize::Object) -> String {
    match &obj.namespace {
        Some(ns) => format!("{ns}/{}", obj.name),
        None => obj.name.to_string(),
    }
}

fn waits(ks: &crate::fleet::Kustomization) -> bool {
    ks.object
        .as_ref()
        .and_then(|o| o.body.path(&["spec", "wait"]))
        .and_then(crate::source::Node::as_bool)
        == Some(true)
}
