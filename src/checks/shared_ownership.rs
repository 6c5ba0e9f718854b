//! FL010 `shared-ownership`: one object applied by two Flux Kustomizations of one cluster, or
//! two Kustomizations that build the same path with the same transforms. Each takes ownership
//! of the object on every reconcile; when one of them stops applying it, its garbage collection
//! deletes the object the other still wants. (Two *different* definitions of one object are
//! duplicate-object's findings; this rule is about one definition with two owners.)

use std::collections::{BTreeMap, BTreeSet};

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::fleet::Cluster;
use crate::kustomize::Object;
use crate::source::{FileId, Span};

pub const CHECK: Check = Check {
    code: "FL010",
    name: "shared-ownership",
    summary: "one object is applied by two Flux Kustomizations",
    severity: Severity::Warning,
    docs: include_str!("../../docs/rules/FL010.md"),
    run,
};

/// (target cluster, group, kind, namespace, name)
type ObjectKey<'a> = (Option<&'a str>, &'a str, &'a str, Option<&'a str>, &'a str);

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let pairs = same_build(cluster, &mut findings);
        shared_objects(cluster, &pairs, &mut findings);
    }
    findings
}

/// Where a Kustomization's output comes from: the directory it built, or for content
/// fleetlint did not fetch (another repository), the same source and path.
fn build_location(cluster: &Cluster, index: usize) -> Option<String> {
    let ks = &cluster.kustomizations[index];
    if ks.is_virtual {
        return None;
    }
    match (&ks.dir, &ks.spec.source_ref, &ks.spec.path) {
        (Some(dir), _, _) => Some(format!("dir {dir}")),
        (None, Some(src), Some(path)) if ks.not_checked.is_some() && !path.value.contains("${") => {
            Some(format!(
                "{}/{} {}",
                src.kind,
                src.id(),
                path.value.trim_start_matches("./").trim_end_matches('/')
            ))
        }
        _ => None,
    }
}

/// What decides a Kustomization's output beyond its location: where it applies, its
/// transforms and its variables.
fn build_key(cluster: &Cluster, index: usize, location: &str) -> String {
    let ks = &cluster.kustomizations[index];
    let vars = match &ks.substitution {
        Some(s) => format!("{:?}", s.vars.values),
        None => format!(
            "{:?} {:?}",
            ks.spec.substitute,
            ks.spec
                .substitute_from
                .iter()
                .map(|f| (&f.kind, &f.name))
                .collect::<Vec<_>>()
        ),
    };
    format!(
        "{:?}\u{1}{location}\u{1}{}\u{1}{vars}",
        cluster.target_of(index),
        ks.spec.transforms.cache_key()
    )
}

fn path_span(cluster: &Cluster, index: usize) -> Option<Span> {
    let ks = &cluster.kustomizations[index];
    ks.spec
        .path
        .as_ref()
        .map(|p| p.span)
        .filter(|s| s.file != FileId::DETACHED)
        .or_else(|| ks.name_span())
}

/// Kustomizations that build the same thing the same way: one finding per pair.
fn same_build(cluster: &Cluster, findings: &mut Vec<Finding>) -> BTreeSet<(usize, usize)> {
    // Most Kustomizations build a directory no other one builds: the rest of the key is
    // written out only for those that share their location with another.
    let locations: Vec<Option<String>> = (0..cluster.kustomizations.len())
        .map(|i| build_location(cluster, i))
        .collect();
    let mut at_location: foldhash::HashMap<&str, usize> = foldhash::HashMap::default();
    for location in locations.iter().flatten() {
        *at_location.entry(location).or_default() += 1;
    }
    let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (i, location) in locations.iter().enumerate() {
        if let Some(location) = location
            && at_location[location.as_str()] > 1
        {
            groups
                .entry(build_key(cluster, i, location))
                .or_default()
                .push(i);
        }
    }
    let mut pairs = BTreeSet::new();
    for members in groups.values() {
        let first = members[0];
        for &other in &members[1..] {
            let (a, b) = (
                &cluster.kustomizations[first],
                &cluster.kustomizations[other],
            );
            let (Some(here), Some(there)) = (path_span(cluster, other), path_span(cluster, first))
            else {
                continue;
            };
            pairs.insert((first, other));
            let path = b.spec.path.as_ref().map_or("", |p| p.value.as_str());
            findings.push(
                CHECK
                    .finding(
                        format!(
                            "Kustomizations \"{}\" and \"{}\" both build \"{path}\" with the same transforms in cluster \"{}\", so every object they apply has two owners",
                            a.id(),
                            b.id(),
                            cluster.name
                        ),
                        here,
                        format!("built by \"{}\" too", a.id()),
                    )
                    .label(there, format!("\"{}\" builds the same path", a.id()))
                    .help("keep one of the two Kustomizations; if they should differ, give them different paths, targetNamespace or patches")
                    .in_cluster(&cluster.name),
            );
        }
    }
    pairs
}

/// The same object (same definition, or an identical copy) applied by two Kustomizations: one
/// finding per pair of Kustomizations, at the first object they share.
fn shared_objects(
    cluster: &Cluster,
    pairs: &BTreeSet<(usize, usize)>,
    findings: &mut Vec<Finding>,
) {
    // Only looked up, never iterated: a hash map keeps this linear in the objects applied.
    // Looked up once per applied object of the fleet: a fast hash.
    let mut first_seen: foldhash::HashMap<ObjectKey, (usize, &Object)> =
        foldhash::HashMap::with_capacity_and_hasher(cluster.applied_len(), Default::default());
    // (first applier, second applier) → objects (first copy, second copy)
    let mut shared: BTreeMap<(usize, usize), Vec<(&Object, &Object)>> = BTreeMap::new();
    for (applier, obj) in cluster.applied() {
        let key = (
            cluster.target_of(applier),
            obj.group(),
            obj.kind.as_str(),
            obj.namespace.as_deref(),
            obj.name.as_str(),
        );
        // The first applier of each object is kept; a later one is compared with it.
        let (owner, first) = *first_seen.entry(key).or_insert((applier, obj));
        if owner != applier {
            let same = first.origin == obj.origin || first.body.same_content(&obj.body);
            let known = pairs.contains(&(owner, applier)) || pairs.contains(&(applier, owner));
            if same && !known {
                shared
                    .entry((owner, applier))
                    .or_default()
                    .push((first, obj));
            }
        }
    }
    for ((a, b), objects) in shared {
        let (first, second) = objects[0];
        let (ka, kb) = (&cluster.kustomizations[a], &cluster.kustomizations[b]);
        let more = match objects.len() - 1 {
            0 => String::new(),
            1 => " (and 1 more object they both apply)".to_string(),
            n => format!(" (and {n} more objects they both apply)"),
        };
        let mut finding = CHECK
            .finding(
                format!(
                    "{} is applied by both Kustomization \"{}\" and Kustomization \"{}\" in cluster \"{}\"{more}",
                    second.display(),
                    ka.id(),
                    kb.id(),
                    cluster.name
                ),
                second.name_span,
                "applied by two Kustomizations",
            )
            .help("apply it from one Kustomization only (move it to a shared base that only one of them builds); while both apply it, removing it from one prunes it from the cluster")
            .in_cluster(&cluster.name);
        if first.origin != second.origin {
            finding = finding.label(first.name_span, "an identical copy");
        }
        for (k, index) in [(ka, a), (kb, b)] {
            if let Some(span) = cluster.effective_object(index).map(|o| o.name_span) {
                finding = finding.label(span, format!("Kustomization \"{}\" applies it", k.id()));
            }
        }
        findings.push(finding);
    }
}
