//! The dependency graph of one cluster: `dependsOn` edges between Kustomizations and between
//! HelmReleases, and parent → child edges. Answers cycles (Tarjan SCC, each cycle rotated to
//! start at its smallest id) and happens-before questions.

use std::collections::{HashMap, VecDeque};

use fixedbitset::FixedBitSet;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;

use crate::fleet::Cluster;
use crate::fleet::flux::Reference;

/// A node: a Flux Kustomization or a HelmRelease of the cluster (by index).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Node {
    Kustomization(usize),
    HelmRelease(usize),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edge {
    /// `dependsOn`: the index of the entry in the referrer's `dependsOn` list.
    DependsOn(usize),
    /// The parent applies the child.
    Applies,
}

/// A `dependsOn` entry that names nothing of the right kind.
#[derive(Debug, Clone)]
pub struct Dangling {
    pub from: Node,
    pub reference: Reference,
}

/// One dependency cycle: nodes in order, with the `dependsOn` entry each one uses to reach the
/// next (the last one closes the cycle).
#[derive(Debug, Clone)]
pub struct Cycle {
    pub steps: Vec<(Node, Reference)>,
}

pub struct Graph {
    pub graph: DiGraph<Node, Edge>,
    kustomizations: Vec<NodeIndex>,
    helm_releases: Vec<NodeIndex>,
    pub dangling: Vec<Dangling>,
    /// Resolved `dependsOn` targets of each Kustomization.
    pub depends: Vec<Vec<usize>>,
    /// Child Kustomizations of each Kustomization.
    pub children: Vec<Vec<usize>>,
}

impl Graph {
    pub fn build(cluster: &Cluster) -> Graph {
        let mut graph = DiGraph::new();
        let kustomizations: Vec<NodeIndex> = (0..cluster.kustomizations.len())
            .map(|i| graph.add_node(Node::Kustomization(i)))
            .collect();
        let helm_releases: Vec<NodeIndex> = (0..cluster.helm_releases.len())
            .map(|i| graph.add_node(Node::HelmRelease(i)))
            .collect();
        let mut dangling = Vec::new();
        let n = cluster.kustomizations.len();
        let mut depends = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        for (i, ks) in cluster.kustomizations.iter().enumerate() {
            if let Some(parent) = ks.parent {
                graph.add_edge(kustomizations[parent], kustomizations[i], Edge::Applies);
                if parent != i {
                    children[parent].push(i);
                }
            }
            for (entry, dep) in ks.spec.depends_on.iter().enumerate() {
                match cluster.kustomization(&dep.namespace, &dep.name) {
                    Some(target) => {
                        depends[i].push(target);
                        graph.add_edge(
                            kustomizations[i],
                            kustomizations[target],
                            Edge::DependsOn(entry),
                        );
                    }
                    None => dangling.push(Dangling {
                        from: Node::Kustomization(i),
                        reference: dep.clone(),
                    }),
                }
            }
        }
        for (i, hr) in cluster.helm_releases.iter().enumerate() {
            for (entry, dep) in hr.spec.depends_on.iter().enumerate() {
                let target = cluster.helm_release(&dep.namespace, &dep.name);
                match target {
                    Some(t) => {
                        graph.add_edge(helm_releases[i], helm_releases[t], Edge::DependsOn(entry));
                    }
                    None => dangling.push(Dangling {
                        from: Node::HelmRelease(i),
                        reference: dep.clone(),
                    }),
                }
            }
        }
        Graph {
            graph,
            kustomizations,
            helm_releases,
            dangling,
            depends,
            children,
        }
    }

    /// Every dependsOn cycle, one per strongly connected component, in a stable order.
    pub fn cycles(&self, cluster: &Cluster) -> Vec<Cycle> {
        let depends_only = self.graph.filter_map(
            |_, n| Some(*n),
            |_, e| matches!(e, Edge::DependsOn(_)).then_some(*e),
        );
        let id = |n: &Node| node_id(cluster, *n);
        let mut cycles = Vec::new();
        for component in tarjan_scc(&depends_only) {
            let is_cycle = component.len() > 1
                || depends_only
                    .edges(component[0])
                    .any(|e| e.target() == component[0]);
            if !is_cycle {
                continue;
            }
            let members: std::collections::HashSet<NodeIndex> = component.iter().copied().collect();
            // Start at the smallest id so the output does not depend on discovery order.
            let start = *component
                .iter()
                .min_by_key(|n| id(&depends_only[**n]))
                .expect("a strongly connected component is never empty");
            // The shortest cycle through the start (breadth-first, smallest ids first), so that
            // the message shows a real loop rather than the whole component.
            let mut came_from: HashMap<NodeIndex, (NodeIndex, usize)> = HashMap::new();
            let mut queue = VecDeque::from([start]);
            let mut closing = None;
            while let Some(current) = queue.pop_front() {
                let mut edges: Vec<_> = depends_only
                    .edges(current)
                    .filter(|e| members.contains(&e.target()))
                    .collect();
                edges.sort_by_key(|e| id(&depends_only[e.target()]));
                for edge in edges {
                    let Edge::DependsOn(entry) = *edge.weight() else {
                        continue;
                    };
                    if edge.target() == start {
                        closing = Some((current, entry));
                        break;
                    }
                    if edge.target() != start && !came_from.contains_key(&edge.target()) {
                        came_from.insert(edge.target(), (current, entry));
                        queue.push_back(edge.target());
                    }
                }
                if closing.is_some() {
                    break;
                }
            }
            let Some((mut current, mut entry)) = closing else {
                continue;
            };
            let mut steps = Vec::new();
            loop {
                let node = depends_only[current];
                steps.push((node, reference(cluster, node, entry)));
                if current == start {
                    break;
                }
                (current, entry) = came_from[&current];
            }
            steps.reverse();
            cycles.push(Cycle { steps });
        }
        cycles.sort_by_key(|c| c.steps.first().map(|(n, _)| id(n)));
        cycles
    }

    pub fn node_index(&self, node: Node) -> NodeIndex {
        match node {
            Node::Kustomization(i) => self.kustomizations[i],
            Node::HelmRelease(i) => self.helm_releases[i],
        }
    }
}

fn reference(cluster: &Cluster, node: Node, entry: usize) -> Reference {
    match node {
        Node::Kustomization(i) => cluster.kustomizations[i].spec.depends_on[entry].clone(),
        Node::HelmRelease(i) => cluster.helm_releases[i].spec.depends_on[entry].clone(),
    }
}

/// `namespace/name` of a node.
pub fn node_id(cluster: &Cluster, node: Node) -> String {
    match node {
        Node::Kustomization(i) => cluster.kustomizations[i].id(),
        Node::HelmRelease(i) => cluster.helm_releases[i].id(),
    }
}

/// Happens-before sets of one Kustomization (FLUX-SEMANTICS §2.4–2.5), indexed like
/// `Cluster::kustomizations`.
#[derive(Debug, Clone)]
pub struct Before {
    /// Guaranteed Ready before it reconciles: `dependsOn` targets of it and of its ancestors,
    /// and, transitively, of those targets and their ancestors; and the child Kustomizations
    /// of a Ready one that waits for what it applies.
    pub ready: FixedBitSet,
    /// Plain manifests (CRDs, Namespaces: staged apply) in place before its own apply: itself,
    /// its ancestors, the Ready set, and their ancestors.
    pub in_place: FixedBitSet,
}

fn ancestors(cluster: &Cluster, k: usize) -> impl Iterator<Item = usize> + '_ {
    let mut current = cluster.kustomizations[k].parent;
    let mut steps = 0;
    std::iter::from_fn(move || {
        let p = current?;
        steps += 1;
        // A parent chain is a tree path; the bound only guards against a malformed model.
        if p == k || steps > cluster.kustomizations.len() {
            return None;
        }
        current = cluster.kustomizations[p].parent;
        Some(p)
    })
}

impl Before {
    pub fn of(cluster: &Cluster, graph: &Graph, k: usize) -> Before {
        let n = cluster.kustomizations.len();
        let mut ready = FixedBitSet::with_capacity(n);
        let mut expanded = FixedBitSet::with_capacity(n);
        let mut stack = vec![k];
        stack.extend(ancestors(cluster, k));
        let mut ready_now = Vec::new();
        while let Some(x) = stack.pop() {
            if expanded.put(x) {
                continue;
            }
            for &d in &graph.depends[x] {
                // A Ready Kustomization with `wait: true` has health-checked everything it
                // applied, child Kustomizations included (kstatus reads their Ready condition).
                ready_now.push(d);
                while let Some(r) = ready_now.pop() {
                    if ready.put(r) {
                        continue;
                    }
                    stack.push(r);
                    stack.extend(ancestors(cluster, r));
                    if cluster.kustomizations[r].spec.wait {
                        ready_now.extend(graph.children[r].iter().copied());
                    }
                }
            }
        }
        // A Kustomization in a cycle with itself is never Ready first; FL001 reports that.
        ready.set(k, false);
        let mut in_place = ready.clone();
        in_place.insert(k);
        for a in ancestors(cluster, k) {
            in_place.insert(a);
        }
        for r in ready.ones() {
            for a in ancestors(cluster, r) {
                in_place.insert(a);
            }
        }
        Before { ready, in_place }
    }
}
