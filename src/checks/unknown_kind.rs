//! FL006 `unknown-kind`: a custom resource whose CRD nothing in the cluster, the bootstrap or
//! the configuration provides. One finding per kind per Kustomization.

use std::collections::BTreeMap;

use super::{Check, Context, ordering};
use crate::finding::{Finding, Severity};
use crate::kustomize::Object;

pub const CHECK: Check = Check {
    code: "FL006",
    name: "unknown-kind",
    summary: "a custom resource whose CRD nothing in the cluster provides",
    severity: Severity::Warning,
    docs: include_str!("../../docs/rules/FL006.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let mut unknown: BTreeMap<(usize, String, String), Vec<&Object>> = BTreeMap::new();
        for use_ in ordering::custom_resources(cx, model) {
            if matches!(use_.status, ordering::CrdStatus::Unknown) {
                unknown
                    .entry((
                        use_.kustomization,
                        use_.object.group().to_string(),
                        use_.object.kind.to_string(),
                    ))
                    .or_default()
                    .push(use_.object);
            }
        }
        for ((k, group, kind), objects) in unknown {
            let first = objects[0];
            let ks = &cluster.kustomizations[k];
            let count = if objects.len() == 1 {
                String::new()
            } else {
                format!(" ({} resources)", objects.len())
            };
            let mut finding = CHECK
                .finding(
                    format!(
                        "nothing in cluster \"{}\" provides the CRD of {kind} ({}) applied by Kustomization \"{}\"{count}",
                        cluster.name, first.api_version, ks.id()
                    ),
                    first.origin,
                    format!("no CRD for {kind}"),
                )
                .in_cluster(&cluster.name);
            let switched_off = model
                .providers
                .not_installing
                .iter()
                .find(|n| n.group == group);
            finding = match switched_off {
                Some(off) => {
                    let hr = &cluster.helm_releases[off.release];
                    finding
                        .label(hr.object.name_span, format!("HelmRelease \"{}\" does not install its CRDs", hr.id()))
                        .help(format!(
                            "HelmRelease \"{}\" would install the {group} CRDs, but {}: switch them on in its values",
                            hr.id(),
                            off.why
                        ))
                }
                None => finding.help(format!(
                    "apply the {group} CRDs in this cluster (CustomResourceDefinition manifests or the HelmRelease of the chart that ships them), or, if they are installed outside Flux, declare `assume: {{groups: [{group}]}}` in .fleetlint.yaml"
                )),
            };
            findings.push(finding);
        }
    }
    findings
}
