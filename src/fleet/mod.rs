//! Clusters: from each root, render Flux Kustomizations to a fixed point and record which
//! Kustomization applies which object, the parent of each Kustomization, and what could not
//! be resolved. This stage reads through the renderer only and reports nothing itself.

pub mod discover;
pub mod flux;

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use crate::kustomize::substitute::{self, Vars};
use crate::kustomize::{EntryKind, Object, PathRef, Problem, Renderer};
use crate::source::{self, Entry, FileId, Repo, Span};

pub use discover::{Root, RootSource};
use flux::{HelmReleaseSpec, KustomizationSpec, Reference};

/// Objects one cluster may apply in all. Real clusters apply thousands; a few kilobytes of
/// hostile YAML (10 000 Kustomizations applying one directory of 10 000 objects) would
/// otherwise hold a hundred million objects in memory.
pub const MAX_CLUSTER_OBJECTS: usize = 1_000_000;

/// Parent chains longer than this stop growing (a path that includes itself with a prefix
/// would otherwise create new Kustomizations forever).
const MAX_NESTING: usize = 64;

/// Why a Kustomization's `spec.path` cannot be built.
#[derive(Debug, Clone, PartialEq)]
pub enum PathProblem {
    Missing {
        suggestion: Option<String>,
    },
    /// No `spec.path`: Flux would build the whole source.
    Absent,
    NotADirectory,
    Backslash,
    EscapesRoot,
    SymlinkEscapes,
    /// A symlink inside the repository: Flux leaves symlinks out of the artifact.
    Symlink,
}

/// A Flux Kustomization in a cluster.
#[derive(Debug, Clone)]
pub struct Kustomization {
    pub namespace: String,
    pub name: String,
    /// The object as rendered by its parent; `None` for a root fleetlint made up.
    pub object: Option<Object>,
    pub spec: KustomizationSpec,
    pub parent: Option<usize>,
    /// Objects this Kustomization applies (its inventory).
    pub applied: Vec<Object>,
    /// The directory its path resolved to, when it was rendered.
    pub dir: Option<String>,
    pub problems: Vec<Problem>,
    pub path_problem: Option<(PathRef, PathProblem)>,
    /// Why its content was not checked (a source that is not this repository).
    pub not_checked: Option<(Span, String)>,
    /// A root that only groups Kustomizations found in a plain directory.
    pub is_virtual: bool,
}

impl Kustomization {
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }

    /// Where the Kustomization is defined: its `metadata.name` value.
    pub fn name_span(&self) -> Option<Span> {
        self.object.as_ref().map(|o| o.name_span)
    }
}

#[derive(Debug, Clone)]
pub struct HelmRelease {
    pub namespace: String,
    pub name: String,
    pub object: Object,
    pub spec: HelmReleaseSpec,
    pub applied_by: usize,
}

impl HelmRelease {
    pub fn id(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

/// A Flux source object (or one a bootstrap creates without a manifest in the repository).
#[derive(Debug, Clone)]
pub struct Source {
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub object: Option<Object>,
}

/// Two definitions of the same Flux object found while building a cluster.
#[derive(Debug, Clone)]
pub struct DuplicateDefinition {
    pub display: String,
    pub first: Span,
    pub second: Span,
}

pub struct Cluster {
    pub name: String,
    /// The directory that identifies the cluster (its root path).
    pub path: String,
    /// The directory that `spec.path` of this repository's Kustomizations is relative to.
    pub source_root: String,
    pub kustomizations: Vec<Kustomization>,
    pub helm_releases: Vec<HelmRelease>,
    pub sources: Vec<Source>,
    pub duplicates: Vec<DuplicateDefinition>,
    /// Content that exists but was not rendered (foreign sources, remote bases), by the
    /// namespace it can populate (`None`: any). A lookup that fails in such a namespace might
    /// succeed with it, so checks stay quiet about those.
    pub unseen: Vec<Option<String>>,
    own_sources: Vec<(String, String)>,
    own_url: Option<String>,
    by_id: BTreeMap<(String, String), usize>,
    /// HelmReleases by (namespace, name) and sources by (kind, namespace, name): lookups stay
    /// constant-time when a file defines tens of thousands of them.
    helm_release_ids: HashMap<(String, String), usize>,
    source_ids: HashMap<(String, String, String), usize>,
    /// Objects applied so far, against [`MAX_CLUSTER_OBJECTS`].
    applied_objects: usize,
}

impl Cluster {
    pub fn kustomization(&self, namespace: &str, name: &str) -> Option<usize> {
        self.by_id
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// Counts for the report: Kustomizations that exist as objects (virtual roots excluded).
    pub fn kustomization_count(&self) -> usize {
        self.kustomizations.iter().filter(|k| !k.is_virtual).count()
    }

    /// Every object applied in the cluster with the Kustomization that applies it.
    pub fn applied(&self) -> impl Iterator<Item = (usize, &Object)> {
        self.kustomizations
            .iter()
            .enumerate()
            .flat_map(|(i, k)| k.applied.iter().map(move |o| (i, o)))
    }

    /// Where a Kustomization's content is applied: `None` for this cluster, else the name of
    /// the kubeConfig of the nearest Kustomization (itself or an ancestor) that sets one.
    pub fn target_of(&self, index: usize) -> Option<&str> {
        let mut current = Some(index);
        let mut steps = 0;
        while let Some(i) = current {
            if let Some(kc) = &self.kustomizations[i].spec.kube_config {
                return Some(kc);
            }
            steps += 1;
            if steps > self.kustomizations.len() {
                break;
            }
            current = self.kustomizations[i].parent;
        }
        None
    }

    /// The origin of the root's definition, when the root is an object in the repository.
    pub fn root_origin(&self) -> Option<Span> {
        self.kustomizations
            .first()
            .and_then(|k| k.object.as_ref())
            .map(|o| o.origin)
    }

    /// Whether content fleetlint could not render may define objects in `namespace`.
    pub fn could_hide(&self, namespace: &str) -> bool {
        self.unseen
            .iter()
            .any(|ns| ns.as_deref().is_none_or(|ns| ns == namespace))
    }

    pub fn find_source(&self, kind: &str, namespace: &str, name: &str) -> Option<&Source> {
        self.source_ids
            .get(&(kind.to_string(), namespace.to_string(), name.to_string()))
            .map(|&i| &self.sources[i])
    }

    /// The index of a HelmRelease by namespace and name.
    pub fn helm_release(&self, namespace: &str, name: &str) -> Option<usize> {
        self.helm_release_ids
            .get(&(namespace.to_string(), name.to_string()))
            .copied()
    }

    /// Adds a source unless one of the same kind, namespace and name is already known.
    fn add_source(&mut self, source: Source) {
        let key = (
            source.kind.clone(),
            source.namespace.clone(),
            source.name.clone(),
        );
        if let std::collections::hash_map::Entry::Vacant(slot) = self.source_ids.entry(key) {
            slot.insert(self.sources.len());
            self.sources.push(source);
        }
    }
}

/// Builds one cluster from its root, to a fixed point.
pub fn build(renderer: &Renderer<'_>, root: &Root) -> Cluster {
    let _mark = crate::source::processing::processing(&root.defined_in);
    let mut cluster = Cluster {
        name: root.name.clone(),
        path: root.path.clone(),
        source_root: root.source_root.clone(),
        kustomizations: Vec::new(),
        helm_releases: Vec::new(),
        sources: Vec::new(),
        duplicates: Vec::new(),
        unseen: Vec::new(),
        own_sources: Vec::new(),
        own_url: None,
        by_id: BTreeMap::new(),
        helm_release_ids: HashMap::new(),
        source_ids: HashMap::new(),
        applied_objects: 0,
    };
    let mut queue = VecDeque::new();
    match &root.source {
        RootSource::Kustomization { object, repository } => {
            let namespace = object
                .namespace
                .clone()
                .unwrap_or_else(|| "flux-system".into());
            if let Some(repo_obj) = repository {
                let ns = repo_obj
                    .namespace
                    .clone()
                    .unwrap_or_else(|| namespace.clone());
                cluster.own_url = repo_obj.body.str_at(&["spec", "url"]).map(str::to_string);
                cluster.own_sources.push((ns, repo_obj.name.clone()));
            }
            let spec = KustomizationSpec::read(object, &namespace);
            if let Some(src) = &spec.source_ref {
                cluster
                    .own_sources
                    .push((src.namespace.clone(), src.name.clone()));
                if repository.is_none() {
                    // Applied by hand at bootstrap: its GitRepository is made outside the repo.
                    cluster.add_source(Source {
                        kind: src.kind.clone(),
                        namespace: src.namespace.clone(),
                        name: src.name.clone(),
                        object: None,
                    });
                }
            }
            queue.push_back(cluster.add(Kustomization::new(
                namespace,
                (**object).clone(),
                spec,
                None,
            )));
        }
        RootSource::Synthetic { path } => {
            let ns = "flux-system".to_string();
            // Flux Operator and `flux bootstrap` both create `flux-system/flux-system`.
            cluster.own_sources.push((ns.clone(), "flux-system".into()));
            cluster.add_source(Source {
                kind: "GitRepository".into(),
                namespace: ns.clone(),
                name: "flux-system".into(),
                object: None,
            });
            let spec = KustomizationSpec {
                path: Some(path.clone()),
                ..KustomizationSpec::default()
            };
            let ks = Kustomization::synthetic(ns, "flux-system".into(), spec);
            queue.push_back(cluster.add(ks));
        }
        RootSource::Virtual { seeds } => {
            let spec = KustomizationSpec::default();
            let mut virtual_root = Kustomization::synthetic(String::new(), root.name.clone(), spec);
            virtual_root.is_virtual = true;
            let root_index = cluster.add(virtual_root);
            cluster.by_id.clear();
            for seed in seeds {
                let ns = seed.namespace.clone().unwrap_or_else(|| "default".into());
                if cluster.kustomization(&ns, &seed.name).is_some() {
                    continue;
                }
                let spec = KustomizationSpec::read(seed, &ns);
                queue.push_back(cluster.add(Kustomization::new(
                    ns,
                    seed.clone(),
                    spec,
                    Some(root_index),
                )));
            }
        }
    }

    let mut deferred = HashSet::new();
    while let Some(index) = queue.pop_front() {
        match cluster.prepare(renderer.repo(), index) {
            Prepared::Render { dir, vars } => {
                let found = cluster.render(renderer, index, &dir, &vars);
                queue.extend(found);
            }
            Prepared::Wait if !queue.is_empty() && deferred.insert(index) => {
                queue.push_back(index);
            }
            Prepared::Wait => {
                // Its inputs never appeared: render what can be rendered without them.
                if let Prepared::Render { dir, vars } =
                    cluster.prepare_final(renderer.repo(), index)
                {
                    let found = cluster.render(renderer, index, &dir, &vars);
                    queue.extend(found);
                }
            }
            Prepared::Skip => {}
        }
    }
    let remote: Vec<Option<String>> = cluster
        .kustomizations
        .iter()
        .filter(|k| {
            k.problems.iter().any(|p| {
                matches!(p, Problem::Remote { kind, url, .. }
                    if *kind != EntryKind::GeneratorFile && !names_crds(url))
            })
        })
        .map(|k| {
            k.spec
                .transforms
                .namespace
                .as_ref()
                .map(|n| n.value.clone())
        })
        .collect();
    cluster.unseen.extend(remote);
    cluster
}

enum Prepared {
    Render {
        dir: String,
        vars: Vars,
    },
    /// Its source or substitution inputs have not been seen yet.
    Wait,
    Skip,
}

impl Kustomization {
    fn new(
        namespace: String,
        object: Object,
        spec: KustomizationSpec,
        parent: Option<usize>,
    ) -> Self {
        Kustomization {
            name: object.name.clone(),
            namespace,
            object: Some(object),
            spec,
            parent,
            applied: Vec::new(),
            dir: None,
            problems: Vec::new(),
            path_problem: None,
            not_checked: None,
            is_virtual: false,
        }
    }

    fn synthetic(namespace: String, name: String, spec: KustomizationSpec) -> Self {
        Kustomization {
            namespace,
            name,
            object: None,
            spec,
            parent: None,
            applied: Vec::new(),
            dir: None,
            problems: Vec::new(),
            path_problem: None,
            not_checked: None,
            is_virtual: false,
        }
    }

    fn depth(&self, all: &[Kustomization]) -> usize {
        let mut depth = 0;
        let mut current = self.parent;
        while let Some(p) = current {
            depth += 1;
            if depth > MAX_NESTING {
                break;
            }
            current = all[p].parent;
        }
        depth
    }
}

impl Cluster {
    fn add(&mut self, ks: Kustomization) -> usize {
        let index = self.kustomizations.len();
        self.by_id
            .insert((ks.namespace.clone(), ks.name.clone()), index);
        self.kustomizations.push(ks);
        index
    }

    fn is_own(&self, src: &Reference) -> bool {
        if src.kind != "GitRepository" {
            return false;
        }
        if self
            .own_sources
            .iter()
            .any(|(ns, name)| *ns == src.namespace && *name == src.name)
        {
            return true;
        }
        // Another GitRepository of the same URL is this repository too.
        let url = self
            .find_source("GitRepository", &src.namespace, &src.name)
            .and_then(|s| s.object.as_ref())
            .and_then(|o| o.body.str_at(&["spec", "url"]));
        url.is_some() && url == self.own_url.as_deref()
    }

    fn prepare(&mut self, repo: &Repo, index: usize) -> Prepared {
        self.prepare_inner(repo, index, false)
    }

    fn prepare_final(&mut self, repo: &Repo, index: usize) -> Prepared {
        self.prepare_inner(repo, index, true)
    }

    fn prepare_inner(&mut self, repo: &Repo, index: usize, last_chance: bool) -> Prepared {
        let ks = &self.kustomizations[index];
        if ks.is_virtual {
            return Prepared::Skip;
        }
        if let Some(src) = ks.spec.source_ref.clone()
            && !self.is_own(&src)
        {
            let exists = self
                .find_source(&src.kind, &src.namespace, &src.name)
                .is_some();
            // ExternalArtifacts are made at runtime by an ArtifactGenerator: never in the repo.
            if !exists && src.kind != "ExternalArtifact" && !last_chance {
                return Prepared::Wait;
            }
            // Content that exists but is not visible makes lookups unreliable. A missing
            // source is missing-source's finding; Flux applies nothing from it either.
            let source_spec = self
                .find_source(&src.kind, &src.namespace, &src.name)
                .and_then(|s| s.object.as_ref())
                .and_then(|o| o.body.get("spec"));
            // A GitRepository whose `ignore` rules include back only CRD directories.
            let includes: Vec<&str> = source_spec
                .and_then(|s| s.str_at(&["ignore"]))
                .map(|rules| {
                    rules
                        .lines()
                        .filter_map(|l| l.trim().strip_prefix('!'))
                        .collect()
                })
                .unwrap_or_default();
            let only_crds_or_flux = ks.spec.path.as_ref().is_some_and(|p| names_crds(&p.value))
                || (!includes.is_empty() && includes.iter().all(|i| names_crds(i)))
                || source_spec
                    .and_then(|s| s.str_at(&["url"]))
                    .is_some_and(names_crds);
            let namespace = ks
                .spec
                .transforms
                .namespace
                .as_ref()
                .map(|n| n.value.clone());
            if exists || src.kind == "ExternalArtifact" {
                let why = format!(
                    "{} \"{}\" is not this repository, so the content of Kustomization \"{}\" is not checked",
                    src.kind,
                    src.id(),
                    ks.id()
                );
                self.kustomizations[index].not_checked = Some((src.name_span, why));
                if !only_crds_or_flux {
                    self.unseen.push(namespace);
                }
            }
            return Prepared::Skip;
        }
        // Variables from `substituteFrom` must be known before the build.
        let mut vars = Vars::default();
        for from in &ks.spec.substitute_from {
            match self.lookup_applied(&from.kind, &ks.namespace, &from.name) {
                Some(obj) => {
                    for (key, value) in data_of(obj) {
                        vars.values.insert(key, value);
                    }
                }
                None if !last_chance && !from.optional => return Prepared::Wait,
                None => {}
            }
        }
        for (key, value) in &ks.spec.substitute {
            vars.values.insert(key.clone(), Some(value.clone()));
        }
        let path_ref = ks.spec.path.clone().unwrap_or(PathRef {
            value: String::new(),
            span: ks.name_span().unwrap_or(Span {
                file: FileId::DETACHED,
                start: 0,
                end: 0,
            }),
        });
        let from_this_repo = ks.spec.source_ref.is_some() || ks.object.is_none();
        let problem = if ks.spec.path.is_none() && from_this_repo && ks.parent.is_some() {
            Some(PathProblem::Absent)
        } else if path_ref.value.contains('\\') {
            Some(PathProblem::Backslash)
        } else {
            match source::resolve(&self.source_root, &path_ref.value) {
                None => Some(PathProblem::EscapesRoot),
                Some(dir) => match repo.entry(&dir) {
                    Entry::Dir => {
                        return Prepared::Render { dir, vars };
                    }
                    Entry::File => Some(PathProblem::NotADirectory),
                    Entry::Escapes => Some(PathProblem::SymlinkEscapes),
                    Entry::Symlink => Some(PathProblem::Symlink),
                    Entry::Missing => Some(PathProblem::Missing {
                        suggestion: closest_existing(repo, &dir),
                    }),
                },
            }
        };
        if let Some(problem) = problem {
            self.kustomizations[index].path_problem = Some((path_ref, problem));
        }
        Prepared::Skip
    }

    fn lookup_applied(&self, kind: &str, namespace: &str, name: &str) -> Option<&Object> {
        self.applied().map(|(_, o)| o).find(|o| {
            o.kind == kind
                && o.api_version == "v1"
                && o.name == name
                && o.namespace.as_deref() == Some(namespace)
        })
    }

    /// Renders one Kustomization and returns the indices of Kustomizations it revealed.
    fn render(
        &mut self,
        renderer: &Renderer<'_>,
        index: usize,
        dir: &str,
        vars: &Vars,
    ) -> Vec<usize> {
        let ks = &self.kustomizations[index];
        let rendered = renderer.flux_build(dir, &self.source_root, &ks.spec.transforms);
        if self.applied_objects.saturating_add(rendered.objects.len()) > MAX_CLUSTER_OBJECTS {
            let first_time = self.applied_objects <= MAX_CLUSTER_OBJECTS;
            self.applied_objects = MAX_CLUSTER_OBJECTS + 1;
            if first_time && let Some(span) = ks.name_span() {
                let message = format!(
                    "cluster \"{}\" applies more than {MAX_CLUSTER_OBJECTS} objects with Kustomization \"{}\", so it and the Kustomizations not yet rendered are not checked",
                    self.name,
                    ks.id()
                );
                self.kustomizations[index]
                    .problems
                    .push(Problem::InvalidYaml { span, message });
            }
            return Vec::new();
        }
        self.applied_objects += rendered.objects.len();
        let mut objects = rendered.objects.clone();
        let mut problems = rendered.problems.clone();
        if !vars.is_empty() || ks.spec.substitute_always {
            let mut budget = substitute::MAX_SUBSTITUTED_BYTES;
            for obj in &mut objects {
                if !substitute::apply_within(obj, vars, &mut budget) {
                    problems.push(Problem::InvalidYaml {
                        span: obj.name_span,
                        message: format!(
                            "post-build substitution of Kustomization \"{}\" grows past {} MiB at this object (variables with long values used many times), so the rest is not substituted",
                            ks.id(),
                            substitute::MAX_SUBSTITUTED_BYTES / (1024 * 1024)
                        ),
                    });
                    break;
                }
            }
        }
        let depth = ks.depth(&self.kustomizations);
        let parent_ns = ks.namespace.clone();
        let mut found = Vec::new();
        for obj in &objects {
            let namespace = obj.namespace.clone().unwrap_or_else(|| parent_ns.clone());
            if flux::is_kustomization(obj) {
                match self.kustomization(&namespace, &obj.name) {
                    Some(existing) => {
                        let same = self.kustomizations[existing]
                            .object
                            .as_ref()
                            .is_some_and(|o| o.origin == obj.origin);
                        if same {
                            // Found again, as a root finds its own definition. A seed of a
                            // virtual root belongs to the Kustomization that renders it.
                            let e = &self.kustomizations[existing];
                            let seeded =
                                e.parent.is_some_and(|p| self.kustomizations[p].is_virtual);
                            if seeded && existing != index && !self.is_ancestor(existing, index) {
                                self.kustomizations[existing].parent = Some(index);
                            }
                        } else if let Some(first) = self.kustomizations[existing]
                            .object
                            .as_ref()
                            .map(|o| o.name_span)
                        {
                            self.duplicates.push(DuplicateDefinition {
                                display: format!("Kustomization \"{namespace}/{}\"", obj.name),
                                first,
                                second: obj.name_span,
                            });
                        }
                    }
                    None if depth < MAX_NESTING => {
                        let spec = KustomizationSpec::read(obj, &namespace);
                        found.push(self.add(Kustomization::new(
                            namespace,
                            obj.clone(),
                            spec,
                            Some(index),
                        )));
                    }
                    None => {}
                }
            } else if flux::is_helm_release(obj) {
                let existing = self
                    .helm_release(&namespace, &obj.name)
                    .map(|i| &self.helm_releases[i]);
                match existing {
                    Some(h) if h.object.origin == obj.origin => {}
                    Some(h) => self.duplicates.push(DuplicateDefinition {
                        display: format!("HelmRelease \"{namespace}/{}\"", obj.name),
                        first: h.object.name_span,
                        second: obj.name_span,
                    }),
                    None => {
                        self.helm_release_ids.insert(
                            (namespace.clone(), obj.name.clone()),
                            self.helm_releases.len(),
                        );
                        self.helm_releases.push(HelmRelease {
                            spec: HelmReleaseSpec::read(obj, &namespace),
                            namespace,
                            name: obj.name.clone(),
                            object: obj.clone(),
                            applied_by: index,
                        });
                    }
                }
            } else if flux::is_source(obj) {
                self.add_source(Source {
                    kind: obj.kind.clone(),
                    namespace,
                    name: obj.name.clone(),
                    object: Some(obj.clone()),
                });
            }
        }
        let ks = &mut self.kustomizations[index];
        ks.dir = Some(dir.to_string());
        ks.applied = objects;
        ks.problems = problems;
        found
    }

    fn is_ancestor(&self, candidate: usize, of: usize) -> bool {
        let mut current = Some(of);
        let mut steps = 0;
        while let Some(i) = current {
            if i == candidate {
                return true;
            }
            steps += 1;
            if steps > self.kustomizations.len() {
                return false;
            }
            current = self.kustomizations[i].parent;
        }
        false
    }
}

/// The nearest existing directory to a missing one: the deepest existing ancestor, then the
/// closest name among its subdirectories, segment by segment.
fn closest_existing(repo: &Repo, missing: &str) -> Option<String> {
    let mut current = String::new();
    let mut changed = false;
    for segment in missing.split('/') {
        let candidate = source::join(&current, segment);
        if repo.entry(&candidate) == Entry::Dir {
            current = candidate;
            continue;
        }
        let best = repo
            .list_dir(&current)
            .into_iter()
            .filter(|(_, e)| *e == Entry::Dir)
            .map(|(name, _)| (strsim::damerau_levenshtein(&name, segment), name))
            .filter(|(d, name)| *d <= 2.max(segment.len() / 4) && *d < name.len())
            .min()?;
        current = source::join(&current, &best.1);
        changed = true;
    }
    changed.then_some(current)
}

/// A remote input whose path names CRDs (`.../crds.yaml`, `config/crd`) is taken to hold
/// only CustomResourceDefinitions, and Flux's own install manifests hold only Flux itself:
/// neither defines the Kustomizations, HelmReleases or sources that reference checks look for.
fn names_crds(path: &str) -> bool {
    let path = path.to_ascii_lowercase();
    path.contains("crd") || path.contains("github.com/fluxcd/flux2")
}

/// The keys and values of a ConfigMap or Secret. Secret values are unknown offline unless
/// written in plain `stringData`.
fn data_of(obj: &Object) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let secret = obj.kind == "Secret";
    for field in ["data", "stringData"] {
        let Some(entries) = obj.body.get(field).and_then(|n| n.as_map()) else {
            continue;
        };
        for (k, v) in entries {
            let Some(key) = k.as_str() else { continue };
            let value = v.as_str().unwrap_or("");
            let known = !secret || (field == "stringData" && !value.starts_with("ENC["));
            out.push((key.to_string(), known.then(|| value.to_string())));
        }
    }
    out
}
