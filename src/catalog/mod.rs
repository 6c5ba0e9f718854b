//! What fleetlint knows without reading the repository: built-in Kubernetes kinds and the
//! CRD-provider catalogue of Helm charts.

pub mod builtin;
pub mod flux_fields;
pub mod providers;

use builtin::{BUILTIN_KINDS, BuiltinKind};

use crate::kustomize::Scope;

/// Parses the embedded catalogues (Flux's fields, CRD providers) now, so that the first
/// check or cluster that needs them does not wait for it. Each is parsed once per process
/// whoever asks first.
pub fn warm_up() {
    // In the order they are wanted: CRD providers while clusters are modelled, Flux's fields
    // when the checks run.
    providers::charts();
    providers::platform_groups();
    flux_fields::schema();
}

/// Built-in kinds, looked up by (group, kind). Every rendered object asks for its scope, so
/// the lookup is one hash of two short strings, not a binary search of string comparisons.
pub struct Catalog {
    builtin: Vec<BuiltinKind>,
    by_kind: foldhash::HashMap<(&'static str, &'static str), usize>,
    groups: foldhash::HashSet<&'static str>,
}

impl Catalog {
    pub fn new() -> Catalog {
        let builtin = BUILTIN_KINDS.to_vec();
        let mut by_kind = foldhash::HashMap::default();
        for (i, k) in builtin.iter().enumerate() {
            // Kinds served at several versions: the first listed is the one kept.
            by_kind.entry((k.group, k.kind)).or_insert(i);
        }
        let groups = builtin.iter().map(|k| k.group).collect();
        Catalog {
            builtin,
            by_kind,
            groups,
        }
    }

    /// Whether an API group has built-in kinds (the core group included).
    pub fn is_builtin_group(&self, group: &str) -> bool {
        self.groups.contains(group)
    }

    /// A built-in kind (any served version).
    pub fn builtin(&self, group: &str, kind: &str) -> Option<&BuiltinKind> {
        self.by_kind.get(&(group, kind)).map(|&i| &self.builtin[i])
    }
}

impl Default for Catalog {
    fn default() -> Self {
        Catalog::new()
    }
}

/// kustomize knows the scope of built-in kinds only; everything else is namespaced to it.
impl Scope for Catalog {
    fn is_cluster_scoped(&self, api_version: &str, kind: &str) -> bool {
        let (group, _) = crate::kustomize::split_api_version(api_version);
        self.builtin(group, kind).is_some_and(|k| k.cluster_scoped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_come_from_k8s_openapi() {
        let c = Catalog::new();
        assert!(c.is_cluster_scoped("v1", "Namespace"));
        assert!(c.is_cluster_scoped("apiextensions.k8s.io/v1", "CustomResourceDefinition"));
        assert!(c.is_cluster_scoped("rbac.authorization.k8s.io/v1", "ClusterRole"));
        assert!(!c.is_cluster_scoped("apps/v1", "Deployment"));
        assert!(!c.is_cluster_scoped("cert-manager.io/v1", "ClusterIssuer"));
    }
}
