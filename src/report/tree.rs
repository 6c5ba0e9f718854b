//! `fleetlint tree`: each cluster's Kustomizations with the objects they apply, offline, in the
//! shape of `flux tree kustomization flux-system`.
//!
//! What a Kustomization applies is listed as Flux records it in its inventory: each object
//! once, in apply order — the stages of fluxcd/pkg `ApplyAllStaged` (CRDs, Namespaces and
//! ClusterRoles; then `*Class` kinds; then the rest), each sorted as `ssa.SortableUnstructureds`
//! sorts (a fixed kind order, then group, kind, namespace, name). Like `flux tree`, the root
//! does not list itself, `--compact` keeps only `*.toolkit.fluxcd.io` kinds, and the objects of
//! a Kustomization with a `kubeConfig` (another cluster's) are listed but not expanded.
//! HelmReleases are not expanded: their objects come from charts, which are not rendered offline.

use std::cmp::Ordering;
use std::collections::HashSet;

use serde::Serialize;

use super::try_locate;
use crate::checks::ClusterModel;
use crate::fleet::{Cluster, Kustomization, flux};
use crate::kustomize::Object;
use crate::source::Repo;

#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only Flux objects (`*.toolkit.fluxcd.io`), as `flux tree --compact`.
    pub compact: bool,
}

/// The rank of a kind in fluxcd/pkg `ssa` (`kind2index`): listed kinds first in this order,
/// webhooks last, all others in between.
fn kind_rank(kind: &str) -> i32 {
    const FIRST: [&str; 19] = [
        "CustomResourceDefinition",
        "Namespace",
        "ResourceQuota",
        "StorageClass",
        "ServiceAccount",
        "PodSecurityPolicy",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "Service",
        "LimitRange",
        "PriorityClass",
        "Deployment",
        "StatefulSet",
        "CronJob",
        "PodDisruptionBudget",
    ];
    const LAST: [&str; 2] = [
        "MutatingWebhookConfiguration",
        "ValidatingWebhookConfiguration",
    ];
    if let Some(i) = FIRST.iter().position(|k| *k == kind) {
        return i as i32 - FIRST.len() as i32;
    }
    LAST.iter()
        .position(|k| *k == kind)
        .map_or(0, |i| i as i32 + 1)
}

/// The apply stage of an object in `ApplyAllStaged`.
fn stage(obj: &Object) -> u8 {
    let cluster_definition = (obj.kind == "CustomResourceDefinition"
        && obj.api_version.starts_with("apiextensions.k8s.io/"))
        || (obj.kind == "Namespace" && obj.api_version == "v1")
        || (obj.kind == "ClusterRole" && obj.api_version.starts_with("rbac.authorization.k8s.io/"));
    if cluster_definition {
        0
    } else if obj.kind.ends_with("Class") {
        1
    } else {
        2
    }
}

fn namespace_of(obj: &Object) -> &str {
    obj.namespace.as_deref().unwrap_or("")
}

/// Flux's apply order.
fn apply_order(a: &Object, b: &Object) -> Ordering {
    stage(a)
        .cmp(&stage(b))
        .then_with(|| kind_rank(&a.kind).cmp(&kind_rank(&b.kind)))
        .then_with(|| a.group().cmp(b.group()))
        .then_with(|| a.kind.cmp(&b.kind))
        .then_with(|| namespace_of(a).cmp(namespace_of(b)))
        .then_with(|| a.name.cmp(&b.name))
}

/// What a Kustomization applies, as its inventory would list it: each object once (by group,
/// kind, namespace and name), in apply order.
pub fn inventory(ks: &Kustomization) -> Vec<&Object> {
    let mut seen = HashSet::new();
    let mut objects: Vec<&Object> = ks
        .applied
        .iter()
        .filter(|o| seen.insert((o.group(), o.kind.as_str(), namespace_of(o), o.name.as_str())))
        .collect();
    objects.sort_by(|a, b| apply_order(a, b));
    objects
}

fn is_toolkit(obj: &Object) -> bool {
    obj.group().contains("toolkit.fluxcd.io")
}

/// `Kind/namespace/name`, or `Kind/name` without a namespace (fluxcd/pkg `FmtObjMetadata`).
fn display(kind: &str, namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) if !ns.is_empty() => format!("{kind}/{ns}/{name}"),
        _ => format!("{kind}/{name}"),
    }
}

fn ks_display(ks: &Kustomization) -> String {
    display("Kustomization", Some(&ks.namespace), &ks.name)
}

/// The Kustomization of the cluster that an applied Flux Kustomization object is.
fn child_of(cluster: &Cluster, parent: &Kustomization, obj: &Object) -> Option<usize> {
    if !flux::is_kustomization(obj) {
        return None;
    }
    let namespace = obj.namespace.as_deref().unwrap_or(&parent.namespace);
    cluster.kustomization(namespace, &obj.name)
}

struct Node {
    text: String,
    children: Vec<Node>,
}

fn items(cluster: &Cluster, index: usize, options: Options, path: &mut Vec<usize>) -> Vec<Node> {
    let ks = &cluster.kustomizations[index];
    path.push(index);
    let mut nodes = Vec::new();
    for obj in inventory(ks) {
        if options.compact && !is_toolkit(obj) {
            continue;
        }
        let child = child_of(cluster, ks, obj);
        if child == Some(index) {
            continue;
        }
        let children = match child {
            Some(c) if ks.spec.kube_config.is_none() && !path.contains(&c) => {
                items(cluster, c, options, path)
            }
            _ => Vec::new(),
        };
        nodes.push(Node {
            text: display(&obj.kind, obj.namespace.as_deref(), &obj.name),
            children,
        });
    }
    path.pop();
    nodes
}

/// The Kustomizations each tree starts from: the root, or, for a cluster found without a
/// bootstrap root, each top-level Kustomization.
fn roots(cluster: &Cluster) -> Vec<usize> {
    match cluster.kustomizations.first() {
        Some(root) if root.is_virtual => {
            let mut top: Vec<usize> = (0..cluster.kustomizations.len())
                .filter(|&i| cluster.kustomizations[i].parent == Some(0))
                .collect();
            top.sort_by_key(|&i| ks_display(&cluster.kustomizations[i]));
            top
        }
        Some(_) => vec![0],
        None => Vec::new(),
    }
}

fn draw(nodes: &[Node], prefix: &str, out: &mut String) {
    for (i, node) in nodes.iter().enumerate() {
        let last = i + 1 == nodes.len();
        out.push_str(prefix);
        out.push_str(if last { "└── " } else { "├── " });
        out.push_str(&node.text);
        out.push('\n');
        let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
        draw(&node.children, &deeper, out);
    }
}

fn header(model: &ClusterModel) -> String {
    let path = if model.cluster.path.is_empty() {
        "."
    } else {
        &model.cluster.path
    };
    format!("# {} ({path})\n", model.cluster.name)
}

/// The tree of each cluster; with several clusters, each under a `# name (path)` header.
pub fn text(models: &[&ClusterModel], options: Options) -> String {
    let mut out = String::new();
    for (k, model) in models.iter().enumerate() {
        if models.len() > 1 {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(&header(model));
        }
        let cluster = &model.cluster;
        for (r, root) in roots(cluster).into_iter().enumerate() {
            if r > 0 {
                out.push('\n');
            }
            out.push_str(&ks_display(&cluster.kustomizations[root]));
            out.push('\n');
            let nodes = items(cluster, root, options, &mut Vec::new());
            draw(&nodes, "", &mut out);
        }
    }
    out
}

/// Every Kustomization of a cluster, parents before children (children in apply order).
fn all_kustomizations(cluster: &Cluster) -> Vec<usize> {
    let mut order = Vec::new();
    let mut seen = HashSet::new();
    let mut stack: Vec<usize> = roots(cluster).into_iter().rev().collect();
    while let Some(i) = stack.pop() {
        if !seen.insert(i) {
            continue;
        }
        order.push(i);
        let ks = &cluster.kustomizations[i];
        let children: Vec<usize> = inventory(ks)
            .into_iter()
            .filter_map(|o| child_of(cluster, ks, o))
            .filter(|&c| cluster.kustomizations[c].parent == Some(i))
            .collect();
        stack.extend(children.into_iter().rev());
    }
    // Anything the walk missed (a parent chain cut short), in discovery order.
    for (i, ks) in cluster.kustomizations.iter().enumerate() {
        if !ks.is_virtual && seen.insert(i) {
            order.push(i);
        }
    }
    order
}

/// `--objects`: each Kustomization, then its inventory indented by two spaces.
pub fn objects(models: &[&ClusterModel], options: Options) -> String {
    let mut out = String::new();
    for (k, model) in models.iter().enumerate() {
        if models.len() > 1 {
            if k > 0 {
                out.push('\n');
            }
            out.push_str(&header(model));
        }
        let cluster = &model.cluster;
        for (n, i) in all_kustomizations(cluster).into_iter().enumerate() {
            let ks = &cluster.kustomizations[i];
            if n > 0 {
                out.push('\n');
            }
            out.push_str(&ks_display(ks));
            match &ks.dir {
                Some(dir) if dir.is_empty() => out.push_str(" (.)"),
                Some(dir) => out.push_str(&format!(" ({dir})")),
                None => out.push_str(" (not rendered)"),
            }
            out.push('\n');
            for obj in inventory(ks) {
                if options.compact && !is_toolkit(obj) {
                    continue;
                }
                out.push_str("  ");
                out.push_str(&display(&obj.kind, obj.namespace.as_deref(), &obj.name));
                out.push('\n');
            }
        }
    }
    out
}

#[derive(Serialize)]
struct JsonOutput<'a> {
    version: u32,
    root: String,
    clusters: Vec<JsonCluster<'a>>,
}

#[derive(Serialize)]
struct JsonCluster<'a> {
    name: &'a str,
    path: &'a str,
    kustomizations: Vec<JsonKustomization<'a>>,
}

#[derive(Serialize)]
struct JsonKustomization<'a> {
    #[serde(rename = "apiVersion")]
    api_version: Option<&'a str>,
    namespace: &'a str,
    name: &'a str,
    parent: Option<String>,
    file: Option<String>,
    line: Option<usize>,
    path: Option<&'a str>,
    directory: Option<&'a str>,
    kube_config: Option<&'a str>,
    flux_transforms: Vec<&'static str>,
    inventory: Vec<JsonObject<'a>>,
}

#[derive(Serialize)]
struct JsonObject<'a> {
    #[serde(rename = "apiVersion")]
    api_version: &'a str,
    kind: &'a str,
    namespace: Option<&'a str>,
    name: &'a str,
    file: Option<String>,
    line: Option<usize>,
}

/// The Flux-side changes made to the kustomize build of `spec.path` (so that a comparison with
/// `kubectl kustomize` knows where the two must differ).
fn flux_transforms(ks: &Kustomization) -> Vec<&'static str> {
    let t = &ks.spec.transforms;
    let mut out = Vec::new();
    if t.namespace.is_some() {
        out.push("targetNamespace");
    }
    if t.name_prefix.is_some() {
        out.push("namePrefix");
    }
    if t.name_suffix.is_some() {
        out.push("nameSuffix");
    }
    if !t.components.is_empty() {
        out.push("components");
    }
    if !t.patches.is_empty() {
        out.push("patches");
    }
    if !ks.spec.substitute.is_empty() || !ks.spec.substitute_from.is_empty() {
        out.push("postBuild");
    }
    out
}

/// Every Kustomization of every cluster with its inventory (shape documented in the README).
pub fn json(repo: &Repo, models: &[&ClusterModel], options: Options) -> String {
    let clusters = models
        .iter()
        .map(|model| {
            let cluster = &model.cluster;
            let kustomizations = all_kustomizations(cluster)
                .into_iter()
                .map(|i| {
                    let ks = &cluster.kustomizations[i];
                    let at = ks.name_span().and_then(|s| try_locate(repo, s));
                    let parent = ks
                        .parent
                        .map(|p| &cluster.kustomizations[p])
                        .filter(|p| !p.is_virtual)
                        .map(Kustomization::id);
                    let inventory = inventory(ks)
                        .into_iter()
                        .filter(|o| !options.compact || is_toolkit(o))
                        .map(|o| {
                            let at = try_locate(repo, o.name_span);
                            JsonObject {
                                api_version: &o.api_version,
                                kind: &o.kind,
                                namespace: o.namespace.as_deref(),
                                name: &o.name,
                                line: at.as_ref().map(|l| l.line),
                                file: at.map(|l| l.file),
                            }
                        })
                        .collect();
                    JsonKustomization {
                        api_version: ks.object.as_ref().map(|o| o.api_version.as_str()),
                        namespace: &ks.namespace,
                        name: &ks.name,
                        parent,
                        line: at.as_ref().map(|l| l.line),
                        file: at.map(|l| l.file),
                        path: ks.spec.path.as_ref().map(|p| p.value.as_str()),
                        directory: ks.dir.as_deref(),
                        kube_config: ks.spec.kube_config.as_deref(),
                        flux_transforms: flux_transforms(ks),
                        inventory,
                    }
                })
                .collect();
            JsonCluster {
                name: &cluster.name,
                path: if cluster.path.is_empty() {
                    "."
                } else {
                    &cluster.path
                },
                kustomizations,
            }
        })
        .collect();
    let output = JsonOutput {
        version: 1,
        root: repo.root().display().to_string(),
        clusters,
    };
    let mut text = serde_json::to_string_pretty(&output)
        .expect("the tree JSON is made of strings and numbers only");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_rank_as_in_fluxcd_ssa() {
        assert!(kind_rank("CustomResourceDefinition") < kind_rank("Namespace"));
        assert!(kind_rank("PodDisruptionBudget") < kind_rank("Kustomization"));
        assert_eq!(kind_rank("Kustomization"), kind_rank("GitRepository"));
        assert!(kind_rank("GitRepository") < kind_rank("MutatingWebhookConfiguration"));
        assert!(
            kind_rank("MutatingWebhookConfiguration") < kind_rank("ValidatingWebhookConfiguration")
        );
    }

    #[test]
    fn drawing_matches_flux_tree() {
        let leaf = |t: &str| Node {
            text: t.into(),
            children: vec![],
        };
        let nodes = vec![
            Node {
                text: "a".into(),
                children: vec![leaf("a1"), leaf("a2")],
            },
            Node {
                text: "b".into(),
                children: vec![leaf("b1")],
            },
        ];
        let mut out = String::new();
        draw(&nodes, "", &mut out);
        assert_eq!(out, "├── a\n│   ├── a1\n│   └── a2\n└── b\n    └── b1\n");
    }
}
