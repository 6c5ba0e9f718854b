//! The rule registry. One file per rule; each is a pure function over the model that returns
//! findings. Checks never read files, render, or apply severity overrides: the engine does.

mod crd_ordering;
mod dependency_cycle;
mod duplicate_object;
mod invalid_spec;
mod invalid_yaml;
mod missing_dependency;
mod missing_path;
mod missing_resource;
mod missing_source;
mod missing_substitution_source;
mod namespace_ordering;
mod not_checked;
pub mod ordering;
mod removed_api;
mod shared_ownership;
mod suspended_dependency;
mod undecrypted_secret;
mod unknown_kind;
mod unset_variable;
mod unsupported_kustomize;
mod unwaited_provider;

use std::sync::OnceLock;

use crate::catalog::Catalog;
mod unused_suppression;

use crate::config::Assume;
use crate::finding::{Finding, Label, Severity};
use crate::fleet::Cluster;
use crate::fleet::bootstrap::Bootstrap;
use crate::fleet::providers::Providers;
use crate::graph::{Before, Graph};
use crate::kustomize::Object;
use crate::source::Span;
use crate::suppress::Unused;

/// FL021, which words what the engine found about suppressions: it runs after the others.
pub use unused_suppression::CHECK as UNUSED_SUPPRESSION;

/// A cluster with its dependency graph.
pub struct ClusterModel {
    pub cluster: Cluster,
    pub graph: Graph,
    pub providers: Providers,
    /// Happens-before sets, computed on first use per Kustomization.
    before: Vec<OnceLock<Before>>,
    /// Custom resources and their CRD providers, computed on first use.
    crd_facts: OnceLock<Vec<ordering::Fact>>,
}

impl ClusterModel {
    pub fn new(cluster: Cluster, graph: Graph, providers: Providers) -> ClusterModel {
        let before = (0..cluster.kustomizations.len())
            .map(|_| OnceLock::new())
            .collect();
        ClusterModel {
            cluster,
            graph,
            providers,
            before,
            crd_facts: OnceLock::new(),
        }
    }

    /// What is in place before Kustomization `k` reconciles.
    pub fn before(&self, k: usize) -> &Before {
        self.before[k].get_or_init(|| Before::of(&self.cluster, &self.graph, k))
    }
}

/// Everything a check may look at.
pub struct Context<'a> {
    pub clusters: &'a [ClusterModel],
    /// Flux Kustomizations found under the targets that no root reaches.
    pub orphans: &'a [Object],
    pub catalog: &'a Catalog,
    /// CRDs and namespaces installed before Flux (helmfile bootstraps).
    pub bootstrap: &'a Bootstrap,
    /// CRDs the configuration says are installed outside the repository (`assume:`).
    pub assume: &'a Assume,
    /// Suppressions that matched no finding, computed by the engine once the other checks
    /// ran (empty while they run).
    pub unused_suppressions: &'a [Unused],
}

/// A rule: stable code and name, default severity, docs, and the function that runs it.
pub struct Check {
    pub code: &'static str,
    pub name: &'static str,
    pub summary: &'static str,
    pub severity: Severity,
    pub docs: &'static str,
    pub run: fn(&Context) -> Vec<Finding>,
}

impl Check {
    /// A finding of this rule with its primary label.
    pub fn finding(
        &self,
        message: impl Into<String>,
        span: Span,
        label: impl Into<String>,
    ) -> Finding {
        Finding {
            code: self.code,
            rule: self.name,
            severity: self.severity,
            message: message.into(),
            help: None,
            cluster: None,
            primary: Label {
                span,
                message: label.into(),
            },
            labels: Vec::new(),
        }
    }
}

/// Every rule, in code order.
pub const ALL: &[Check] = &[
    dependency_cycle::CHECK,
    missing_dependency::CHECK,
    missing_path::CHECK,
    missing_resource::CHECK,
    crd_ordering::CHECK,
    unknown_kind::CHECK,
    unwaited_provider::CHECK,
    missing_source::CHECK,
    duplicate_object::CHECK,
    shared_ownership::CHECK,
    namespace_ordering::CHECK,
    invalid_yaml::CHECK,
    invalid_spec::CHECK,
    removed_api::CHECK,
    unset_variable::CHECK,
    missing_substitution_source::CHECK,
    undecrypted_secret::CHECK,
    unsupported_kustomize::CHECK,
    suspended_dependency::CHECK,
    not_checked::CHECK,
    unused_suppression::CHECK,
];

/// A rule by code (`FL001`) or name (`dependency-cycle`), case-insensitively.
pub fn find(code_or_name: &str) -> Option<&'static Check> {
    ALL.iter().find(|c| {
        c.code.eq_ignore_ascii_case(code_or_name) || c.name.eq_ignore_ascii_case(code_or_name)
    })
}

/// The closest of `candidates` to `name` by edit distance, when close enough to be a typo.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let mut unbounded = usize::MAX;
    did_you_mean_within(name, candidates, &mut unbounded)
}

/// Candidates [`did_you_mean_within`] may compare per cluster and rule: suggestions for every
/// one of 10 000 dangling references among 10 000 names would take minutes.
pub const SUGGESTION_BUDGET: usize = 100_000;

/// [`did_you_mean`], comparing at most `budget` candidates (what it compares is taken off):
/// `None` once the budget is spent.
pub fn did_you_mean_within<'a>(
    name: &str,
    candidates: impl Iterator<Item = &'a str>,
    budget: &mut usize,
) -> Option<&'a str> {
    let limit = 3.max(name.len() / 4);
    let chars = name.chars().count();
    let mut best: Option<(usize, &'a str)> = None;
    for c in candidates {
        if *budget == 0 {
            return None;
        }
        *budget -= 1;
        // The distance is at least the difference in length: skip the comparison.
        if c == name || c.chars().count().abs_diff(chars) > limit {
            continue;
        }
        let d = strsim::damerau_levenshtein(name, c);
        if d <= limit && d < name.len().max(c.len()) && best.is_none_or(|b| (d, c) < b) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_documented() {
        for (i, a) in ALL.iter().enumerate() {
            assert!(
                a.docs.starts_with(&format!("# {} {}", a.code, a.name)),
                "{}",
                a.code
            );
            for b in &ALL[i + 1..] {
                assert_ne!(a.code, b.code);
                assert_ne!(a.name, b.name);
            }
        }
    }

    #[test]
    fn did_you_mean_finds_typos_only() {
        let names = ["infra-configs", "apps", "monitoring"];
        assert_eq!(
            did_you_mean("infra-config", names.iter().copied()),
            Some("infra-configs")
        );
        assert_eq!(did_you_mean("zzz", names.iter().copied()), None);
    }
}
