//! FL009 `duplicate-object`: two definitions of the same kind/namespace/name in one cluster.
//! kustomize fails with `may not add resource with an already registered id`, or, across
//! Kustomizations, the two copies overwrite each other on every reconcile.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::fleet::flux;
use crate::kustomize::{Object, Problem};

/// (target cluster, group, kind, namespace, name)
type ObjectKey<'a> = (Option<&'a str>, &'a str, &'a str, Option<&'a str>, &'a str);

pub const CHECK: Check = Check {
    code: "FL009",
    name: "duplicate-object",
    summary: "the same kind/namespace/name is defined twice in one cluster",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL009.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        for dup in &cluster.duplicates {
            findings.push(
                CHECK
                    .finding(
                        format!(
                            "{} is defined twice in cluster \"{}\"",
                            dup.display, cluster.name
                        ),
                        dup.second,
                        "second definition",
                    )
                    .label(dup.first, "first definition")
                    .help("remove one definition or rename it; only one of them can exist")
                    .in_cluster(&cluster.name),
            );
        }
        // Accumulated twice in one kustomization: kustomize fails the whole build.
        for ks in &cluster.kustomizations {
            for problem in &ks.problems {
                let Problem::DuplicateId {
                    entry,
                    second,
                    first,
                    display,
                } = problem
                else {
                    continue;
                };
                let mut finding = match entry {
                    // The same file or base listed twice: point at the second entry.
                    Some(entry) => CHECK
                        .finding(
                            format!("{display} is added twice to one kustomization in cluster \"{}\"", cluster.name),
                            *entry,
                            "added again here",
                        )
                        .help("list each file or base once: kustomize refuses an object it already has (\"may not add resource with an already registered id\")"),
                    None => CHECK
                        .finding(
                            format!("{display} is defined twice in cluster \"{}\"", cluster.name),
                            *second,
                            "second definition",
                        )
                        .help("remove one definition or rename it; only one of them can exist"),
                };
                if first != second {
                    finding = finding.label(*first, "first definition");
                }
                findings.push(finding.in_cluster(&cluster.name));
            }
        }
        // Flux Kustomizations and HelmReleases are compared while the cluster is built.
        // Objects sent to another cluster through `kubeConfig` live in that cluster's names.
        // Looked up once per applied object of the cluster: a fast hash.
        let mut first_seen: foldhash::HashMap<ObjectKey, &Object> =
            foldhash::HashMap::with_capacity_and_hasher(cluster.applied_len(), Default::default());
        for (applier, obj) in cluster.applied() {
            if flux::is_kustomization(obj) || flux::is_helm_release(obj) {
                continue;
            }
            let key = (
                cluster.target_of(applier),
                obj.group(),
                obj.kind.as_str(),
                obj.namespace.as_deref(),
                obj.name.as_str(),
            );
            let first = *first_seen.entry(key).or_insert(obj);
            // The first definition itself, the same document applied twice, or an identical
            // copy (shared ownership: two appliers of one object) is no second definition.
            if std::ptr::eq(first, obj)
                || first.origin == obj.origin
                || first.body.same_content(&obj.body)
            {
                continue;
            }
            findings.push(
                CHECK
                    .finding(
                        format!(
                            "{} is defined twice in cluster \"{}\"",
                            obj.display(),
                            cluster.name
                        ),
                        obj.name_span,
                        "second definition",
                    )
                    .label(first.name_span, "first definition")
                    .help("remove one definition or rename it; only one of them can exist")
                    .in_cluster(&cluster.name),
            );
        }
    }
    findings
}
