//! FL007 `unwaited-provider`: K depends on P for CRDs that a HelmRelease in P installs, but P
//! neither waits nor health-checks that HelmRelease, so P is Ready as soon as the HelmRelease
//! object exists — before its chart (and CRDs) are installed.

use std::collections::BTreeMap;

use super::{Check, Context, ordering};
use crate::finding::{Finding, Severity};
use crate::fleet::providers::{ProviderKind, checks_crds, waits_for};
use crate::kustomize::Object;

pub const CHECK: Check = Check {
    code: "FL007",
    name: "unwaited-provider",
    summary: "a dependency provides CRDs through a HelmRelease it does not wait for",
    severity: Severity::Warning,
    docs: include_str!("../../docs/rules/FL007.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        // (P, HelmRelease) → the dependent Kustomizations' resources that need it.
        let mut unwaited: BTreeMap<(usize, usize), Vec<(usize, &Object)>> = BTreeMap::new();
        for use_ in ordering::custom_resources(cx, model) {
            let ordering::CrdStatus::InPlace(Some(provider)) = use_.status else {
                continue;
            };
            let ProviderKind::HelmRelease { release, .. } = provider.kind else {
                continue;
            };
            let p = &cluster.kustomizations[provider.kustomization];
            let hr = &cluster.helm_releases[release];
            if waits_for(p.object.as_ref(), "HelmRelease", &hr.namespace, &hr.name)
                || checks_crds(p.object.as_ref())
            {
                continue;
            }
            unwaited
                .entry((provider.kustomization, release))
                .or_default()
                .push((use_.kustomization, use_.object));
        }
        for ((p, release), users) in unwaited {
            let owner = &cluster.kustomizations[p];
            let hr = &cluster.helm_releases[release];
            let (k, first) = users[0];
            let span = owner.name_span().unwrap_or(hr.object.name_span);
            findings.push(
                CHECK
                    .finding(
                        format!(
                            "Kustomization \"{}\" depends on \"{}\" for the CRDs that HelmRelease \"{}\" installs, but \"{}\" neither waits for nor health-checks that HelmRelease",
                            cluster.kustomizations[k].id(),
                            owner.id(),
                            hr.id(),
                            owner.id()
                        ),
                        span,
                        "becomes Ready before the chart is installed",
                    )
                    .label(hr.object.name_span, "installs the CRDs")
                    .label(first.origin, format!("{} needs them", first.kind))
                    .help(format!(
                        "set `wait: true` on Kustomization \"{}\", or add `{{apiVersion: helm.toolkit.fluxcd.io/v2, kind: HelmRelease, name: {}, namespace: {}}}` to its `healthChecks`",
                        owner.id(),
                        hr.name,
                        hr.namespace
                    ))
                    .in_cluster(&cluster.name),
            );
        }
    }
    findings
}
