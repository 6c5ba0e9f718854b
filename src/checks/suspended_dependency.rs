//! FL019 `suspended-dependency`: a `dependsOn` entry naming a Kustomization or HelmRelease
//! with `suspend: true`. A suspended object never becomes ready for a new generation, so its
//! dependents wait with `dependency '<ns/name>' is not ready` until it is resumed.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::fleet::flux::Reference;
use crate::kustomize::Object;
use crate::source::Span;

pub const CHECK: Check = Check {
    code: "FL019",
    name: "suspended-dependency",
    summary: "dependsOn names a suspended Kustomization or HelmRelease",
    severity: Severity::Warning,
    docs: include_str!("../../docs/rules/FL019.md"),
    run,
};

/// The span of `spec.suspend` when it is true.
fn suspend_span(obj: &Object) -> Option<Span> {
    let node = obj.body.path(&["spec", "suspend"])?;
    (node.as_bool() == Some(true)).then_some(node.span)
}

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let mut report = |kind: &str, from: String, dep: &Reference, target: Option<&Object>| {
            let Some(target) = target else { return };
            let Some(suspended) = suspend_span(target) else {
                return;
            };
            findings.push(
                CHECK
                    .finding(
                        format!(
                            "{kind} \"{from}\" depends on suspended {kind} \"{}\" and waits until it is resumed",
                            dep.id()
                        ),
                        dep.name_span,
                        format!("{kind} \"{}\" is suspended", dep.id()),
                    )
                    .label(suspended, "suspended here")
                    .help(format!(
                        "resume \"{}\" (remove `suspend: true` or `flux resume`), or drop this dependency while it is suspended",
                        dep.id()
                    ))
                    .in_cluster(&cluster.name),
            );
        };
        for (i, ks) in cluster.kustomizations.iter().enumerate() {
            for dep in &ks.spec.depends_on {
                let target = cluster
                    .kustomization(&dep.namespace, &dep.name)
                    .filter(|&t| t != i)
                    .and_then(|t| cluster.effective_object(t));
                report("Kustomization", ks.id(), dep, target);
            }
        }
        for hr in &cluster.helm_releases {
            for dep in &hr.spec.depends_on {
                let target = cluster
                    .helm_releases
                    .iter()
                    .filter(|h| h.namespace != hr.namespace || h.name != hr.name)
                    .find(|h| h.namespace == dep.namespace && h.name == dep.name)
                    .map(|h| &h.object);
                report("HelmRelease", hr.id(), dep, target);
            }
        }
    }
    findings
}
