//! Pictures of one cluster's dependency graph: Mermaid (renders in GitHub Markdown), Graphviz
//! DOT and JSON.
//!
//! [`View`] is the picture as data, built once from the cluster and its graph: nodes (Flux
//! Kustomizations and HelmReleases, plus a node for each `dependsOn` entry that names nothing),
//! each grouped under the Kustomization that applies it, and typed edges. An arrow A → B means
//! A depends on B. The renderers only draw the view; a new kind of edge is one [`EdgeKind`]
//! variant plus one style in each renderer.

use std::collections::{BTreeMap, HashSet};

use petgraph::visit::EdgeRef;
use serde::Serialize;

use super::{Location, try_locate};
use crate::checks::ClusterModel;
use crate::graph::{self, Edge};
use crate::source::Repo;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeKind {
    Kustomization,
    HelmRelease,
}

impl NodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            NodeKind::Kustomization => "Kustomization",
            NodeKind::HelmRelease => "HelmRelease",
        }
    }

    fn short(self) -> &'static str {
        match self {
            NodeKind::Kustomization => "ks",
            NodeKind::HelmRelease => "hr",
        }
    }
}

/// The kinds of edges a view draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EdgeKind {
    /// `spec.dependsOn`: the source waits for the target to be ready.
    DependsOn,
    /// The source applies custom resources whose CRDs the target provides (`--providers`).
    Provides,
}

impl EdgeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EdgeKind::DependsOn => "dependsOn",
            EdgeKind::Provides => "crdProvider",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ViewNode {
    pub kind: NodeKind,
    pub namespace: String,
    pub name: String,
    /// The node of the Kustomization that applies this one (`None` for a root).
    pub parent: Option<usize>,
    /// Where it is defined (its `metadata.name`), when it is defined in the repository.
    pub location: Option<Location>,
    pub suspended: bool,
    /// Named by a `dependsOn` entry, but no such object is in the cluster.
    pub missing: bool,
    /// On a dependency cycle.
    pub cycle: bool,
}

impl ViewNode {
    /// `Kind/namespace/name`, as `flux tree` prints objects.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.kind.as_str(), self.namespace, self.name)
    }

    fn label(&self) -> String {
        let mut label = format!("{}/{}", self.namespace, self.name);
        if self.kind == NodeKind::HelmRelease {
            label.push_str(" (HelmRelease)");
        }
        if self.missing {
            label.push_str(" (missing)");
        } else if self.suspended {
            label.push_str(" (suspended)");
        }
        label
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewEdge {
    pub from: usize,
    pub to: usize,
    pub kind: EdgeKind,
    /// Part of a dependency cycle (as FL001 reports it).
    pub cycle: bool,
    /// What a provider edge provides (API groups).
    pub label: Option<String>,
}

/// One cluster's graph, ready to draw.
#[derive(Debug, Clone)]
pub struct View {
    pub cluster: String,
    pub nodes: Vec<ViewNode>,
    pub edges: Vec<ViewEdge>,
}

impl View {
    pub fn build(repo: &Repo, model: &ClusterModel) -> View {
        let cluster = &model.cluster;
        let mut nodes = Vec::new();
        let mut index: BTreeMap<graph::Node, usize> = BTreeMap::new();
        for (i, ks) in cluster.kustomizations.iter().enumerate() {
            if ks.is_virtual {
                continue;
            }
            index.insert(graph::Node::Kustomization(i), nodes.len());
            nodes.push(ViewNode {
                kind: NodeKind::Kustomization,
                namespace: ks.namespace.clone(),
                name: ks.name.clone(),
                parent: None,
                location: ks.name_span().and_then(|s| try_locate(repo, s)),
                suspended: ks.spec.suspend,
                missing: false,
                cycle: false,
            });
        }
        for (i, hr) in cluster.helm_releases.iter().enumerate() {
            index.insert(graph::Node::HelmRelease(i), nodes.len());
            nodes.push(ViewNode {
                kind: NodeKind::HelmRelease,
                namespace: hr.namespace.clone(),
                name: hr.name.clone(),
                parent: index
                    .get(&graph::Node::Kustomization(hr.applied_by))
                    .copied(),
                location: try_locate(repo, hr.object.name_span),
                suspended: hr.spec.suspend,
                missing: false,
                cycle: false,
            });
        }
        for (i, ks) in cluster.kustomizations.iter().enumerate() {
            let (Some(&node), Some(parent)) =
                (index.get(&graph::Node::Kustomization(i)), ks.parent)
            else {
                continue;
            };
            nodes[node].parent = index.get(&graph::Node::Kustomization(parent)).copied();
        }

        // dependsOn edges in the order they are written.
        let g = &model.graph.graph;
        let mut written: Vec<(usize, usize, usize)> = g
            .edge_references()
            .filter_map(|e| match *e.weight() {
                Edge::DependsOn(entry) => Some((
                    *index.get(&g[e.source()])?,
                    entry,
                    *index.get(&g[e.target()])?,
                )),
                Edge::Applies => None,
            })
            .collect();
        // Entries that name nothing point at one "missing" node per name.
        let mut missing: BTreeMap<(NodeKind, String, String), usize> = BTreeMap::new();
        for dangling in &model.graph.dangling {
            let Some(&from) = index.get(&dangling.from) else {
                continue;
            };
            let kind = match dangling.from {
                graph::Node::Kustomization(_) => NodeKind::Kustomization,
                graph::Node::HelmRelease(_) => NodeKind::HelmRelease,
            };
            let reference = &dangling.reference;
            let key = (
                kind,
                reference.namespace.to_string(),
                reference.name.to_string(),
            );
            let to = *missing.entry(key).or_insert_with(|| {
                nodes.push(ViewNode {
                    kind,
                    namespace: reference.namespace.to_string(),
                    name: reference.name.to_string(),
                    parent: None,
                    location: None,
                    suspended: false,
                    missing: true,
                    cycle: false,
                });
                nodes.len() - 1
            });
            let entry = depends_on_entry(model, dangling.from, reference);
            written.push((from, entry, to));
        }
        // Nodes by kind and name, so the pictures do not depend on discovery order.
        let mut order: Vec<usize> = (0..nodes.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |n: &ViewNode| (n.missing, n.kind, n.namespace.clone(), n.name.clone());
            key(&nodes[a]).cmp(&key(&nodes[b]))
        });
        let mut renumber = vec![0; nodes.len()];
        for (new, &old) in order.iter().enumerate() {
            renumber[old] = new;
        }
        let nodes: Vec<ViewNode> = order
            .iter()
            .map(|&old| ViewNode {
                parent: nodes[old].parent.map(|p| renumber[p]),
                ..nodes[old].clone()
            })
            .collect();
        for node in index.values_mut() {
            *node = renumber[*node];
        }
        let mut written: Vec<(usize, usize, usize)> = written
            .into_iter()
            .map(|(from, entry, to)| (renumber[from], entry, renumber[to]))
            .collect();
        written.sort();
        written.dedup();

        let mut nodes = nodes;
        let mut on_cycle = HashSet::new();
        for cycle in model.graph.cycles(cluster) {
            let steps: Vec<usize> = cycle
                .steps
                .iter()
                .filter_map(|(n, _)| index.get(n).copied())
                .collect();
            for (i, &from) in steps.iter().enumerate() {
                on_cycle.insert((from, steps[(i + 1) % steps.len()]));
                nodes[from].cycle = true;
            }
        }
        let edges = written
            .into_iter()
            .map(|(from, _, to)| ViewEdge {
                from,
                to,
                kind: EdgeKind::DependsOn,
                cycle: on_cycle.contains(&(from, to)),
                label: None,
            })
            .collect();
        View {
            cluster: cluster.name.clone(),
            nodes,
            edges,
        }
    }

    /// Adds CRD-provider edges: (Kustomization needing CRDs, Kustomization providing them,
    /// API group), as indices of `Cluster::kustomizations`.
    pub fn with_providers(
        mut self,
        model: &ClusterModel,
        provided: &[(usize, usize, String)],
    ) -> View {
        let find = |k: usize| {
            let ks = &model.cluster.kustomizations[k];
            self.nodes.iter().position(|n| {
                n.kind == NodeKind::Kustomization
                    && !n.missing
                    && n.namespace == ks.namespace
                    && n.name == ks.name
            })
        };
        let mut groups: BTreeMap<(usize, usize), Vec<&str>> = BTreeMap::new();
        for (from, to, group) in provided {
            if let (Some(f), Some(t)) = (find(*from), find(*to)) {
                let entry = groups.entry((f, t)).or_default();
                if !entry.contains(&group.as_str()) {
                    entry.push(group);
                }
            }
        }
        for ((from, to), mut names) in groups {
            names.sort_unstable();
            self.edges.push(ViewEdge {
                from,
                to,
                kind: EdgeKind::Provides,
                cycle: false,
                label: Some(names.join(", ")),
            });
        }
        self
    }

    /// Nodes without a parent, then each Kustomization that applies something with the nodes
    /// it applies.
    fn groups(&self) -> (Vec<usize>, Vec<(usize, Vec<usize>)>) {
        let roots = (0..self.nodes.len())
            .filter(|&i| self.nodes[i].parent.is_none())
            .collect();
        let mut children: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(parent) = node.parent {
                children.entry(parent).or_default().push(i);
            }
        }
        // Outer boxes first: by depth below a root, then in node order.
        let depth = |mut i: usize| {
            let mut d = 0;
            while let Some(p) = self.nodes[i].parent {
                d += 1;
                if d > self.nodes.len() {
                    break;
                }
                i = p;
            }
            d
        };
        let mut groups: Vec<(usize, Vec<usize>)> = children.into_iter().collect();
        groups.sort_by_key(|(parent, _)| (depth(*parent), *parent));
        (roots, groups)
    }
}

/// The position of a `dependsOn` entry in its referrer's list, for ordering edges as written.
fn depends_on_entry(
    model: &ClusterModel,
    from: graph::Node,
    reference: &crate::fleet::flux::Reference,
) -> usize {
    let list = match from {
        graph::Node::Kustomization(i) => &model.cluster.kustomizations[i].spec.depends_on,
        graph::Node::HelmRelease(i) => &model.cluster.helm_releases[i].spec.depends_on,
    };
    list.iter()
        .position(|r| r == reference)
        .unwrap_or(list.len())
}

/// Identifiers made of `[A-Za-z0-9_]`, unique within the view, stable across runs: derived
/// from kind, namespace and name, with a numeric suffix on the rare collision.
fn safe_ids(view: &View) -> Vec<String> {
    let mut used = HashSet::new();
    view.nodes
        .iter()
        .map(|n| {
            let prefix = if n.missing { "missing" } else { n.kind.short() };
            let base: String = format!("{prefix}_{}_{}", n.namespace, n.name)
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                .collect();
            let mut id = base.clone();
            let mut k = 2;
            while !used.insert(id.clone()) {
                id = format!("{base}_{k}");
                k += 1;
            }
            id
        })
        .collect()
}

/// The title of the box around what a Kustomization applies.
fn group_title(parent: &ViewNode) -> String {
    format!("applied by {}/{}", parent.namespace, parent.name)
}

/// Text inside a quoted Mermaid label: quotes and angle brackets as entity codes.
fn mermaid_text(text: &str) -> String {
    text.replace('#', "#35;")
        .replace('"', "#quot;")
        .replace('<', "#lt;")
        .replace('>', "#gt;")
}

const CYCLE_COLOR: &str = "#d73a49";

/// A Mermaid flowchart. GitHub renders it in Markdown inside a ```` ```mermaid ```` block.
pub fn mermaid(view: &View) -> String {
    let ids = safe_ids(view);
    let mut out = String::from("flowchart LR\n");
    let node_line = |i: usize, indent: &str| {
        let n = &view.nodes[i];
        let label = mermaid_text(&n.label());
        match (n.kind, n.missing) {
            (_, true) => format!("{indent}{}[/\"{label}\"/]\n", ids[i]),
            (NodeKind::Kustomization, false) => format!("{indent}{}[\"{label}\"]\n", ids[i]),
            (NodeKind::HelmRelease, false) => format!("{indent}{}([\"{label}\"])\n", ids[i]),
        }
    };
    let (roots, groups) = view.groups();
    for &i in &roots {
        out.push_str(&node_line(i, "  "));
    }
    for (parent, members) in &groups {
        out.push_str(&format!(
            "  subgraph g_{}[\"{}\"]\n",
            ids[*parent],
            mermaid_text(&group_title(&view.nodes[*parent]))
        ));
        for &i in members {
            out.push_str(&node_line(i, "    "));
        }
        out.push_str("  end\n");
    }
    for edge in &view.edges {
        let arrow = match (edge.kind, view.nodes[edge.to].missing) {
            (EdgeKind::DependsOn, false) => "-->".to_string(),
            (EdgeKind::DependsOn, true) => "-.->".to_string(),
            (EdgeKind::Provides, _) => format!(
                "-. \"{}\" .->",
                mermaid_text(edge.label.as_deref().unwrap_or("CRDs"))
            ),
        };
        out.push_str(&format!("  {} {arrow} {}\n", ids[edge.from], ids[edge.to]));
    }
    let class = |name: &str, pick: &dyn Fn(&ViewNode) -> bool| {
        let members: Vec<&str> = view
            .nodes
            .iter()
            .zip(&ids)
            .filter(|(n, _)| pick(n))
            .map(|(_, id)| id.as_str())
            .collect();
        if members.is_empty() {
            String::new()
        } else {
            format!("  class {} {name}\n", members.join(","))
        }
    };
    out.push_str("  classDef helmrelease fill:#eef6ff,stroke:#0969da\n");
    out.push_str("  classDef missing fill:#ffffff,stroke:#8c959f,stroke-dasharray:4 4\n");
    out.push_str("  classDef suspended fill:#f6f8fa,stroke:#8c959f,color:#57606a\n");
    out.push_str(&format!(
        "  classDef cycle fill:#ffebe9,stroke:{CYCLE_COLOR},stroke-width:2px\n"
    ));
    out.push_str(&class("helmrelease", &|n| {
        n.kind == NodeKind::HelmRelease && !n.missing
    }));
    out.push_str(&class("missing", &|n| n.missing));
    out.push_str(&class("suspended", &|n| n.suspended));
    out.push_str(&class("cycle", &|n| n.cycle));
    let cycle_links: Vec<String> = view
        .edges
        .iter()
        .enumerate()
        .filter(|(_, e)| e.cycle)
        .map(|(i, _)| i.to_string())
        .collect();
    if !cycle_links.is_empty() {
        out.push_str(&format!(
            "  linkStyle {} stroke:{CYCLE_COLOR},stroke-width:3px\n",
            cycle_links.join(",")
        ));
    }
    out
}

/// A quoted DOT identifier or string.
fn dot_quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Graphviz DOT: `fleetlint graph --format dot | dot -Tsvg > graph.svg`.
pub fn dot(view: &View) -> String {
    let mut out = format!("digraph {} {{\n", dot_quote(&view.cluster));
    out.push_str("  rankdir=LR;\n");
    out.push_str("  graph [fontname=\"Helvetica\"];\n");
    out.push_str("  node [shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", fontname=\"Helvetica\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\"];\n");
    let node_line = |i: usize, indent: &str| {
        let n = &view.nodes[i];
        let mut attrs = vec![format!("label={}", dot_quote(&n.label()))];
        if n.kind == NodeKind::HelmRelease && !n.missing {
            attrs.push("shape=oval".into());
            attrs.push("fillcolor=\"#eef6ff\"".into());
        }
        if n.missing {
            attrs.push("style=\"rounded,dashed\"".into());
            attrs.push("color=\"#8c959f\"".into());
        } else if n.suspended {
            attrs.push("fillcolor=\"#f6f8fa\"".into());
            attrs.push("fontcolor=\"#57606a\"".into());
        }
        if n.cycle {
            attrs.push(format!("color=\"{CYCLE_COLOR}\""));
            attrs.push("penwidth=2".into());
        }
        format!("{indent}{} [{}];\n", dot_quote(&n.id()), attrs.join(", "))
    };
    let (roots, groups) = view.groups();
    for &i in &roots {
        out.push_str(&node_line(i, "  "));
    }
    for (k, (parent, members)) in groups.iter().enumerate() {
        out.push_str(&format!(
            "  subgraph {} {{\n",
            dot_quote(&format!("cluster_{k}"))
        ));
        let title = group_title(&view.nodes[*parent]);
        out.push_str(&format!("    label={};\n", dot_quote(&title)));
        out.push_str("    style=\"dashed\";\n    color=\"#8c959f\";\n");
        for &i in members {
            out.push_str(&node_line(i, "    "));
        }
        out.push_str("  }\n");
    }
    for edge in &view.edges {
        let mut attrs = Vec::new();
        match edge.kind {
            EdgeKind::DependsOn if view.nodes[edge.to].missing => {
                attrs.push("style=dashed".to_string())
            }
            EdgeKind::DependsOn => {}
            EdgeKind::Provides => {
                attrs.push("style=dotted".to_string());
                attrs.push(format!(
                    "label={}",
                    dot_quote(edge.label.as_deref().unwrap_or("CRDs"))
                ));
            }
        }
        if edge.cycle {
            attrs.push(format!("color=\"{CYCLE_COLOR}\""));
            attrs.push("penwidth=2".into());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        out.push_str(&format!(
            "  {} -> {}{attrs};\n",
            dot_quote(&view.nodes[edge.from].id()),
            dot_quote(&view.nodes[edge.to].id())
        ));
    }
    out.push_str("}\n");
    out
}

#[derive(Serialize)]
struct JsonGraph<'a> {
    version: u32,
    cluster: &'a str,
    nodes: Vec<JsonNode<'a>>,
    edges: Vec<JsonEdge>,
}

#[derive(Serialize)]
struct JsonNode<'a> {
    id: String,
    kind: &'static str,
    namespace: &'a str,
    name: &'a str,
    parent: Option<String>,
    file: Option<&'a str>,
    line: Option<usize>,
    column: Option<usize>,
    suspended: bool,
    missing: bool,
    cycle: bool,
}

#[derive(Serialize)]
struct JsonEdge {
    from: String,
    to: String,
    kind: &'static str,
    cycle: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    label: Option<String>,
}

/// Nodes and edges as JSON (shape documented in the README).
pub fn json(view: &View) -> String {
    let output = JsonGraph {
        version: 1,
        cluster: &view.cluster,
        nodes: view
            .nodes
            .iter()
            .map(|n| JsonNode {
                id: n.id(),
                kind: n.kind.as_str(),
                namespace: &n.namespace,
                name: &n.name,
                parent: n.parent.map(|p| view.nodes[p].id()),
                file: n.location.as_ref().map(|l| l.file.as_str()),
                line: n.location.as_ref().map(|l| l.line),
                column: n.location.as_ref().map(|l| l.column),
                suspended: n.suspended,
                missing: n.missing,
                cycle: n.cycle,
            })
            .collect(),
        edges: view
            .edges
            .iter()
            .map(|e| JsonEdge {
                from: view.nodes[e.from].id(),
                to: view.nodes[e.to].id(),
                kind: e.kind.as_str(),
                cycle: e.cycle,
                label: e.label.clone(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&output)
        .expect("the graph JSON is made of strings, numbers and booleans only");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(kind: NodeKind, namespace: &str, name: &str) -> ViewNode {
        ViewNode {
            kind,
            namespace: namespace.into(),
            name: name.into(),
            parent: None,
            location: None,
            suspended: false,
            missing: false,
            cycle: false,
        }
    }

    #[test]
    fn ids_are_safe_and_unique() {
        let view = View {
            cluster: "c".into(),
            nodes: vec![
                node(NodeKind::Kustomization, "flux-system", "a-b"),
                node(NodeKind::Kustomization, "flux-system", "a.b"),
                node(NodeKind::HelmRelease, "flux-system", "a-b"),
                node(NodeKind::Kustomization, "x", "end"),
            ],
            edges: vec![],
        };
        assert_eq!(
            safe_ids(&view),
            [
                "ks_flux_system_a_b",
                "ks_flux_system_a_b_2",
                "hr_flux_system_a_b",
                "ks_x_end"
            ]
        );
    }

    #[test]
    fn labels_cannot_break_out_of_quotes() {
        assert_eq!(mermaid_text("a\"b<c>#d"), "a#quot;b#lt;c#gt;#35;d");
        assert_eq!(dot_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
