//! Clusters: from each root, render Flux Kustomizations to a fixed point and record which
//! Kustomization applies which object, the parent of each Kustomization, and what could not
//! be resolved. This stage reads through the renderer only and reports nothing itself.

pub mod bootstrap;
pub mod discover;
pub mod flux;
pub mod providers;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use compact_str::CompactString;
use fixedbitset::FixedBitSet;
use rayon::prelude::*;

use crate::kustomize::substitute::{self, Vars};
use crate::kustomize::{EntryKind, Object, PathRef, Problem, Rendered, Renderer};
use crate::source::{self, Entry, FileId, Repo, Span};

pub use discover::{Root, RootSource};
use flux::{HelmReleaseSpec, KustomizationSpec, Reference};

/// Keys here are the fleet's own names and spans: no need for a DoS-resistant hasher.
type HashMap<K, V> = foldhash::HashMap<K, V>;

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

/// What the configuration adds to a cluster build (`.fleetlint.yaml`).
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Flux sources that are not this repository (`namespace/name`), mapped to a directory of
    /// the repository holding their content: Kustomizations of such a source are rendered from
    /// there (their `spec.path` is relative to it) instead of being left unchecked.
    pub sources: BTreeMap<String, String>,
    /// Post-build variables Flux gets from outside the repository in this cluster (a
    /// `cluster-settings` ConfigMap made at bootstrap, say).
    pub variables: BTreeMap<String, String>,
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
    /// Boxed, like the other fields most Kustomizations leave unset: a large fleet holds
    /// thousands of Kustomizations until the end of the run.
    pub path_problem: Option<Box<(PathRef, PathProblem)>>,
    /// Why its content was not checked (a source that is not this repository).
    pub not_checked: Option<Box<(Span, String)>>,
    /// A root that only groups Kustomizations found in a plain directory.
    pub is_virtual: bool,
    /// The repository directory its source is mapped to by the configuration (`sources:`):
    /// its `spec.path` is relative to that, not to the cluster's source root.
    pub mapped_root: Option<String>,
    /// Post-build substitution, when it ran on the output.
    pub substitution: Option<Box<Substitution>>,
}

/// What post-build substitution had to work with (FLUX-SEMANTICS §2.9).
#[derive(Debug, Clone)]
pub struct Substitution {
    /// The variables, from `substitute` and `substituteFrom` (a `None` value is unknown offline).
    pub vars: Vars,
    /// Every `substituteFrom` source was found with its keys (or is optional and absent), so a
    /// variable missing from `vars` is certainly unset.
    pub complete: bool,
    /// The output before substitution.
    pub input: Arc<Rendered>,
    /// The objects of `input` whose bodies may hold a `$` (the others have nothing to
    /// substitute; see [`substitute::may_change_body`]).
    pub bodies: FixedBitSet,
}

/// What provides a `substituteFrom` ConfigMap or Secret.
#[derive(Debug, Clone, Copy)]
pub enum VarSource<'a> {
    /// The ConfigMap or Secret itself.
    Object(&'a Object),
    /// An object that creates the Secret at runtime (an ExternalSecret, a SealedSecret, ...):
    /// its keys are not known offline.
    Generated(&'a Object),
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
    /// ConfigMaps and Secrets that a required `substituteFrom` names and no Kustomization
    /// applies, but that a manifest elsewhere in the repository defines (a bootstrap folder
    /// applied with kubectl): Flux finds them at runtime.
    pub unapplied_sources: Vec<Object>,
    /// Flux runs under the Flux Operator, which serves `fluxcd.controlplane.io`.
    pub via_operator: bool,
    /// The repository holds the cluster's own bootstrap (a sync definition beside its
    /// GitRepository, or a FluxInstance), so it describes the whole cluster. Otherwise the
    /// bootstrap happened elsewhere and may have created namespaces fleetlint cannot see.
    pub self_contained: bool,
    /// Variables the configuration gives for objects made outside the repository: they stand
    /// in, at the lowest precedence, for `substituteFrom` entries that name a ConfigMap or
    /// Secret not in the repository, and fill values that are unknown offline (encrypted).
    pub outside_variables: BTreeMap<String, String>,
    /// Sources mapped to a repository directory by the configuration.
    mapped_sources: BTreeMap<String, String>,
    own_sources: Vec<(String, String)>,
    own_url: Option<String>,
    by_id: BTreeMap<(String, String), usize>,
    /// HelmReleases by (namespace, name) and sources by (kind, namespace, name): lookups stay
    /// constant-time when a file defines tens of thousands of them.
    helm_release_ids: HashMap<(String, String), usize>,
    source_ids: HashMap<(String, String, String), usize>,
    /// Objects applied so far, against [`MAX_CLUSTER_OBJECTS`].
    applied_objects: usize,
    /// The applied objects that may create a Secret at runtime (an ExternalSecret, a
    /// SealedSecret, ...), as (Kustomization, object) in the order [`Cluster::applied`] gives
    /// them: `substituteFrom` Secrets are looked for among these, not among every object.
    secret_creators: BTreeSet<(usize, usize)>,
    /// Where the applied `v1` objects with a namespace are, as (Kustomization, object), by
    /// kind, namespace and name: `substituteFrom` ConfigMaps and Secrets are looked up here
    /// rather than by a scan of every object, once per Kustomization that names one.
    v1_objects: HashMap<(CompactString, CompactString, CompactString), Vec<(usize, usize)>>,
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
    /// How many objects [`Cluster::applied`] yields.
    pub fn applied_len(&self) -> usize {
        self.kustomizations.iter().map(|k| k.applied.len()).sum()
    }

    pub fn applied(&self) -> impl Iterator<Item = (usize, &Object)> {
        self.kustomizations
            .iter()
            .enumerate()
            .flat_map(|(i, k)| k.applied.iter().map(move |o| (i, o)))
    }

    /// Every object the cluster reaches, with the Kustomization that applies it: the applied
    /// objects, then the definitions of Kustomizations that nothing in the cluster applies (a
    /// root, a kubectl-applied bootstrap), attributed to themselves.
    pub fn reached(&self) -> Vec<(usize, &Object)> {
        let mut out: Vec<(usize, &Object)> = self.applied().collect();
        let applied: foldhash::HashSet<Span> = out.iter().map(|(_, o)| o.origin).collect();
        for (i, k) in self.kustomizations.iter().enumerate() {
            if let Some(obj) = &k.object
                && !applied.contains(&obj.origin)
            {
                out.push((i, obj));
            }
        }
        out
    }

    /// A Kustomization as the cluster holds it: for one that applies its own definition (the
    /// bootstrap root), that applied copy, which carries the patches of its own
    /// kustomization.yaml; else its definition as its parent rendered it.
    pub fn effective_object(&self, index: usize) -> Option<&Object> {
        let ks = &self.kustomizations[index];
        let object = ks.object.as_ref()?;
        Some(
            ks.applied
                .iter()
                .find(|o| o.origin == object.origin)
                .unwrap_or(object),
        )
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

    pub fn bootstrapped_by_operator(&self) -> bool {
        self.via_operator
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

    /// What provides the ConfigMap or Secret `namespace/name` that a `substituteFrom` names:
    /// the object applied by some Kustomization of the cluster, else an object that creates
    /// such a Secret at runtime.
    pub fn var_source(&self, kind: &str, namespace: &str, name: &str) -> Option<VarSource<'_>> {
        if let Some(obj) = self.lookup_applied(kind, namespace, name) {
            return Some(VarSource::Object(obj));
        }
        if kind != "Secret" {
            return None;
        }
        self.secret_creators
            .iter()
            .filter_map(|&position| self.applied_at(position))
            .find(|o| creates_secret(o, namespace, name))
            .map(VarSource::Generated)
    }
}

/// Builds one cluster from its root, to a fixed point.
pub fn build(renderer: &Renderer<'_>, root: &Root) -> Cluster {
    build_with(renderer, root, &Options::default())
}

/// Builds one cluster from its root with what the configuration adds.
pub fn build_with(renderer: &Renderer<'_>, root: &Root, options: &Options) -> Cluster {
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
        unapplied_sources: Vec::new(),
        via_operator: root.via_operator,
        self_contained: root.via_operator
            || matches!(
                &root.source,
                RootSource::Kustomization {
                    repository: Some(_),
                    ..
                }
            ),
        outside_variables: options.variables.clone(),
        mapped_sources: options.sources.clone(),
        own_sources: Vec::new(),
        own_url: None,
        by_id: BTreeMap::new(),
        helm_release_ids: HashMap::default(),
        source_ids: HashMap::default(),
        applied_objects: 0,
        secret_creators: BTreeSet::new(),
        v1_objects: HashMap::default(),
    };
    let mut queue = VecDeque::new();
    match &root.source {
        RootSource::Kustomization { object, repository } => {
            let namespace = object
                .namespace
                .as_deref()
                .unwrap_or("flux-system")
                .to_string();
            if let Some(repo_obj) = repository {
                let ns = repo_obj
                    .namespace
                    .as_deref()
                    .map_or_else(|| namespace.clone(), str::to_string);
                cluster.own_url = repo_obj.body.str_at(&["spec", "url"]).map(str::to_string);
                cluster.own_sources.push((ns, repo_obj.name.to_string()));
            }
            let spec = KustomizationSpec::read(object, &namespace);
            if let Some(src) = &spec.source_ref {
                cluster
                    .own_sources
                    .push((src.namespace.to_string(), src.name.to_string()));
                if repository.is_none() {
                    // Applied by hand at bootstrap: its GitRepository is made outside the repo.
                    cluster.add_source(Source {
                        kind: src.kind.to_string(),
                        namespace: src.namespace.to_string(),
                        name: src.name.to_string(),
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
                let ns = seed.namespace.as_deref().unwrap_or("default").to_string();
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

    // A Kustomization waits for its inputs while other renders may still reveal them.
    let mut renders = 0usize;
    let mut waited_at: HashMap<usize, usize> = HashMap::default();
    let prefetched = rayon::in_place_scope(|scope| {
        let mut prefetch = Prefetch::new(scope, renderer);
        prefetch.start(&cluster, queue.iter().copied());
        while let Some(index) = queue.pop_front() {
            let prepared = match cluster.prepare(renderer.repo(), index) {
                Prepared::Wait
                    if !queue.is_empty()
                        && waited_at.get(&index).is_none_or(|&at| at < renders) =>
                {
                    waited_at.insert(index, renders);
                    queue.push_back(index);
                    continue;
                }
                // Its inputs never appeared: render what can be rendered without them.
                Prepared::Wait => cluster.prepare_final(renderer.repo(), index),
                prepared => prepared,
            };
            if let Prepared::Render {
                dir,
                source_root,
                vars,
            } = prepared
            {
                // Past the limit nothing more is built: the pool stops, nothing is waited for.
                let built = if cluster.applied_objects > MAX_CLUSTER_OBJECTS {
                    prefetch.stop();
                    None
                } else {
                    prefetch.take(index, &dir, &source_root)
                };
                // The builds of the Kustomizations it applies are handed to the pool while the
                // rest of its objects are still being recorded.
                let mut hand_over = |cluster: &Cluster, found: &[usize]| {
                    prefetch.start(cluster, found.iter().copied());
                };
                let found = cluster.render(
                    renderer,
                    index,
                    (&dir, &source_root),
                    vars,
                    built,
                    &mut hand_over,
                );
                renders += 1;
                prefetch.start(&cluster, found.iter().copied());
                queue.extend(found);
            }
        }
        prefetch.finish()
    });
    // Every build handed to the pool has ended now: one that panicked, even unasked for, ends
    // the run as an internal error.
    for slot in prefetched {
        if let Some(Err(panic)) = slot.result.lock().unwrap_or_else(|e| e.into_inner()).take() {
            std::panic::resume_unwind(panic);
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
    cluster.unapplied_sources = unapplied_sources(renderer.repo(), &cluster);
    // Kept until the process exits: the room the vectors grew into is given back.
    cluster.kustomizations.shrink_to_fit();
    for ks in &mut cluster.kustomizations {
        ks.applied.shrink_to_fit();
    }
    cluster
}

/// Manifests anywhere in the repository for the required `substituteFrom` sources that nothing
/// in the cluster provides. A manifest without a namespace counts: a kustomization around it
/// (applied by hand) may set one.
fn unapplied_sources(repo: &Repo, cluster: &Cluster) -> Vec<Object> {
    let mut wanted: Vec<(&str, &str, &str)> = Vec::new();
    for ks in &cluster.kustomizations {
        for from in &ks.spec.substitute_from {
            if !from.optional
                && cluster
                    .var_source(&from.kind, &ks.namespace, &from.name)
                    .is_none()
            {
                wanted.push((&from.kind, &ks.namespace, &from.name));
            }
        }
    }
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut found = Vec::new();
    let names: Vec<memchr::memmem::Finder> = wanted
        .iter()
        .map(|(_, _, name)| memchr::memmem::Finder::new(name))
        .collect();
    let names_one = |text: &str| names.iter().any(|n| n.find(text.as_bytes()).is_some());
    // Files are parsed only if they might hold one; their texts are searched on all cores.
    let files = discover::yaml_files(repo, "");
    let candidates: Vec<&String> = files
        .par_iter()
        .filter(|path| repo.text_matches(path, names_one))
        .collect();
    for path in candidates {
        let Ok(id) = repo.load(path) else {
            continue;
        };
        let file = repo.file(id);
        for doc in &file.docs {
            let Some(Ok(Some(obj))) = doc.root.as_ref().map(crate::kustomize::object_from_shared)
            else {
                continue;
            };
            let matches = wanted.iter().any(|(kind, ns, name)| {
                obj.kind == *kind
                    && obj.api_version == "v1"
                    && obj.name == *name
                    && obj.namespace.as_deref().is_none_or(|n| n == *ns)
            });
            if matches {
                found.push(obj);
            }
        }
    }
    found
}

/// The variables for a render, and whether they are all known.
struct VarsInput {
    vars: Vars,
    complete: bool,
}

/// Builds of queued Kustomizations made ahead of their turn, on the other cores.
///
/// The fixed point itself is sequential: each render may reveal sources, variables and
/// Kustomizations that decide how the next one is prepared. The builds are not: a build reads
/// only the repository, its directory, the source root and the Kustomization's own transforms.
/// So as soon as a Kustomization of this repository's own source is queued, its build from
/// `spec.path` is handed to the thread pool, and the fixed point goes on with its own
/// (sequential) work meanwhile. A prefetched build is used only if `prepare` later asks for
/// exactly that directory and source root; one the pool has not started yet is made by the
/// fixed point itself when its turn comes, so no build is made twice and none waits in line.
struct Prefetch<'a, 'scope> {
    scope: &'a rayon::Scope<'scope>,
    renderer: &'scope Renderer<'scope>,
    slots: HashMap<usize, Arc<PrefetchSlot>>,
    /// Kustomizations already handed over: none is built twice.
    tried: foldhash::HashSet<usize>,
    /// Set when the fixed point is over (or the cluster past its limit): builds not started
    /// by then are not made.
    over: Arc<AtomicBool>,
    /// Objects built ahead and not yet taken: the pool stops building ahead past
    /// [`PREFETCHED_OBJECTS`], so that a fixed point slower than the builds does not hold
    /// them all at once.
    pending: Arc<AtomicUsize>,
}

/// Objects the pool may have built ahead of the fixed point (about 13 MB of them; a whole home
/// lab applies fewer than 2 000, a cluster of the 10 × 400 generated fleet 2 400).
const PREFETCHED_OBJECTS: usize = 100_000;

/// One build handed to the pool.
struct PrefetchSlot {
    dir: String,
    source_root: String,
    /// Whoever sets it first makes the build: a pool thread, or the fixed point at its turn.
    claimed: AtomicBool,
    done: AtomicBool,
    /// The build, or the panic that interrupted it: resumed where the build is wanted, so
    /// that an internal error surfaces exactly as if the fixed point had made the build.
    result: Mutex<Option<std::thread::Result<Arc<Rendered>>>>,
}

impl<'a, 'scope> Prefetch<'a, 'scope> {
    fn new(scope: &'a rayon::Scope<'scope>, renderer: &'scope Renderer<'scope>) -> Self {
        Prefetch {
            scope,
            renderer,
            slots: HashMap::default(),
            tried: foldhash::HashSet::default(),
            over: Arc::new(AtomicBool::new(false)),
            pending: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Hands the builds of newly queued Kustomizations to the pool: one job per other thread,
    /// each going through them in queue order and making those nobody has claimed (one job
    /// per build would wake a sleeping thread, a system call, per build).
    fn start(&mut self, cluster: &Cluster, queued: impl Iterator<Item = usize>) {
        let threads = rayon::current_num_threads();
        if cluster.applied_objects > MAX_CLUSTER_OBJECTS || threads < 2 {
            return;
        }
        let mut batch = Vec::new();
        for index in queued {
            // One not predictable yet (its source not seen) may be when it is handed over again.
            if self.tried.contains(&index) {
                continue;
            }
            let Some(dir) = cluster.predicted_dir(self.renderer.repo(), index) else {
                continue;
            };
            self.tried.insert(index);
            let slot = Arc::new(PrefetchSlot {
                dir,
                source_root: cluster.source_root.clone(),
                claimed: AtomicBool::new(false),
                done: AtomicBool::new(false),
                result: Mutex::new(None),
            });
            self.slots.insert(index, Arc::clone(&slot));
            batch.push((slot, cluster.kustomizations[index].spec.transforms.clone()));
        }
        if batch.is_empty() {
            return;
        }
        let batch = Arc::new(batch);
        for _ in 0..(threads - 1).min(batch.len()) {
            let batch = Arc::clone(&batch);
            let renderer = self.renderer;
            let over = Arc::clone(&self.over);
            let pending = Arc::clone(&self.pending);
            rayon::Scope::spawn(self.scope, move |_| {
                for (slot, transforms) in batch.iter() {
                    if over.load(Ordering::Relaxed)
                        || pending.load(Ordering::Relaxed) > PREFETCHED_OBJECTS
                    {
                        return; // what is left is built by the fixed point at its turn
                    }
                    if slot.claimed.swap(true, Ordering::AcqRel) {
                        continue;
                    }
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        renderer.flux_build(&slot.dir, &slot.source_root, transforms)
                    }));
                    if let Ok(rendered) = &result {
                        pending.fetch_add(rendered.objects.len(), Ordering::Relaxed);
                    }
                    *slot.result.lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
                    slot.done.store(true, Ordering::Release);
                }
            });
        }
    }

    /// The prefetched build of `index`, if it was made (or is being made) for this directory
    /// and source root; `None` when the caller is to build it.
    fn take(&mut self, index: usize, dir: &str, source_root: &str) -> Option<Arc<Rendered>> {
        // A build made for another directory is not used; its slot stays, so that a panic in
        // it is still seen once the fixed point is over.
        let same = |slot: &Arc<PrefetchSlot>| slot.dir == dir && slot.source_root == source_root;
        if !self.slots.get(&index).is_some_and(same) {
            return None;
        }
        let slot = self.slots.remove(&index)?;
        if !slot.claimed.swap(true, Ordering::AcqRel) {
            return None; // not started: made here, now
        }
        // Being made on another thread: help with the other queued builds meanwhile. A build
        // never waits for anything itself, so this wait always ends.
        while !slot.done.load(Ordering::Acquire) {
            if rayon::yield_now() != Some(rayon::Yield::Executed) {
                std::hint::spin_loop();
            }
        }
        let result = slot.result.lock().unwrap_or_else(|e| e.into_inner()).take();
        match result? {
            Ok(rendered) => {
                self.pending
                    .fetch_sub(rendered.objects.len(), Ordering::Relaxed);
                Some(rendered)
            }
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }

    /// No more builds ahead (those running finish).
    fn stop(&self) {
        self.over.store(true, Ordering::Relaxed);
    }

    /// The fixed point is over: builds not started are dropped. The slots are returned to be
    /// looked at once the scope has waited for the builds still running.
    fn finish(self) -> Vec<Arc<PrefetchSlot>> {
        self.stop();
        self.slots.into_values().collect()
    }
}

enum Prepared {
    Render {
        dir: String,
        /// The directory its source's content is in: what `spec.path` is relative to.
        source_root: String,
        vars: VarsInput,
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
            name: object.name.to_string(),
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
            substitution: None,
            mapped_root: None,
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
            substitution: None,
            mapped_root: None,
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

    /// The directory `prepare` will most likely render for a Kustomization: its `spec.path`
    /// in this repository's own source, when that is an existing directory. `None` for
    /// everything else (other sources, mapped sources, bad paths), which is built in turn.
    fn predicted_dir(&self, repo: &Repo, index: usize) -> Option<String> {
        let ks = &self.kustomizations[index];
        if ks.is_virtual || ks.object.is_none() {
            return None;
        }
        let src = ks.spec.source_ref.as_ref()?;
        if !self.is_own(src) {
            return None;
        }
        let path = ks.spec.path.as_ref()?;
        let dir = source::resolve(&self.source_root, &path.value)?;
        (repo.entry(&dir) == Entry::Dir).then_some(dir)
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
        // `Some` when the source is mapped to a directory by the configuration.
        let mut source_root: Option<String> = None;
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
            // A source the configuration maps to a directory is rendered from there.
            let mapped = self
                .mapped_sources
                .get(&src.id())
                .filter(|_| exists || src.kind == "ExternalArtifact")
                .cloned();
            if mapped.is_none() && (exists || src.kind == "ExternalArtifact") {
                let why = format!(
                    "{} \"{}\" is not this repository, so the content of Kustomization \"{}\" is not checked",
                    src.kind,
                    src.id(),
                    ks.id()
                );
                self.kustomizations[index].not_checked = Some(Box::new((src.name_span, why)));
                if !only_crds_or_flux {
                    self.unseen.push(namespace);
                }
            }
            let Some(mapped) = mapped else {
                return Prepared::Skip;
            };
            self.kustomizations[index].mapped_root = Some(mapped.clone());
            source_root = Some(mapped);
        }
        let ks = &self.kustomizations[index];
        // Variables from `substituteFrom` must be known before the build.
        let mut vars = Vars::default();
        let mut from_outside = false;
        // Some source's keys are not known offline (made at runtime, or missing).
        let mut unknown_keys = false;
        for from in &ks.spec.substitute_from {
            match self.var_source(&from.kind, &ks.namespace, &from.name) {
                Some(VarSource::Object(obj)) => {
                    for (key, value) in data_of(obj) {
                        // Flux strips newlines from values.
                        vars.values.insert(key, value.map(|v| v.replace('\n', "")));
                    }
                }
                Some(VarSource::Generated(_)) => {
                    from_outside = true;
                    unknown_keys = true;
                }
                None if !last_chance => return Prepared::Wait,
                // Not in the repository: made outside it, where the configuration's variables
                // come from. A missing optional source is empty; a missing required one fails
                // the build before substitution (missing-substitution-source reports it).
                None => {
                    from_outside = true;
                    unknown_keys |= !from.optional || self.could_hide(&ks.namespace);
                }
            }
        }
        for (key, value) in &ks.spec.substitute {
            vars.values
                .insert(key.clone(), Some(value.replace('\n', "")));
        }
        // The configuration's variables come last: they never override a value from the
        // repository, and a Kustomization that takes nothing from outside gets none (adding
        // variables would switch on a substitution Flux does not run, FLUX-SEMANTICS §2.9).
        for (key, value) in &self.outside_variables {
            match vars.values.get(key) {
                None if from_outside => {}
                Some(None) => {}
                _ => continue,
            }
            vars.values.insert(key.clone(), Some(value.clone()));
        }
        // The configuration's variables declare what the outside sources hold.
        let complete = !unknown_keys || !self.outside_variables.is_empty();
        let vars = VarsInput { vars, complete };
        let path_ref = ks.spec.path.clone().unwrap_or(PathRef {
            value: String::new(),
            span: ks.name_span().unwrap_or(Span {
                file: FileId::DETACHED,
                start: 0,
                end: 0,
            }),
        });
        let from_this_repo = ks.spec.source_ref.is_some() || ks.object.is_none();
        let resolved = match &source_root {
            // A mapped artifact's root is the mapped directory: a leading `/` means it, and
            // `..` cannot leave it (SecureJoin).
            Some(mapped) => source::resolve(mapped, path_ref.value.trim_start_matches('/'))
                .filter(|dir| source::is_under(dir, mapped)),
            None => source::resolve(&self.source_root, &path_ref.value),
        };
        let problem = if ks.spec.path.is_none() && from_this_repo && ks.parent.is_some() {
            Some(PathProblem::Absent)
        } else if path_ref.value.contains('\\') {
            Some(PathProblem::Backslash)
        } else {
            match resolved {
                None => Some(PathProblem::EscapesRoot),
                Some(dir) => match repo.entry(&dir) {
                    Entry::Dir => {
                        let source_root = source_root.unwrap_or_else(|| self.source_root.clone());
                        return Prepared::Render {
                            dir,
                            source_root,
                            vars,
                        };
                    }
                    Entry::File => Some(PathProblem::NotADirectory),
                    Entry::Escapes => Some(PathProblem::SymlinkEscapes),
                    Entry::Symlink => Some(PathProblem::Symlink),
                    Entry::Missing => {
                        // Suggested relative to the root the path is resolved against.
                        let root = source_root.as_deref().unwrap_or(&self.source_root);
                        let suggestion = closest_existing(repo, &dir).map(|s| {
                            match s.strip_prefix(root).and_then(|r| r.strip_prefix('/')) {
                                Some(rel) if !root.is_empty() => rel.to_string(),
                                _ => s,
                            }
                        });
                        Some(PathProblem::Missing { suggestion })
                    }
                },
            }
        };
        if let Some(problem) = problem {
            self.kustomizations[index].path_problem = Some(Box::new((path_ref, problem)));
        }
        Prepared::Skip
    }

    /// The first applied `v1` object of this kind, namespace and name, in the order
    /// [`Cluster::applied`] gives them.
    fn lookup_applied(&self, kind: &str, namespace: &str, name: &str) -> Option<&Object> {
        let key = (
            CompactString::from(kind),
            CompactString::from(namespace),
            CompactString::from(name),
        );
        let positions = self.v1_objects.get(&key)?;
        // Positions are checked again: an index is only ever added to, so it may name a place
        // that a later render filled differently.
        positions
            .iter()
            .copied()
            .filter(|&position| {
                self.applied_at(position).is_some_and(|o| {
                    o.kind == kind
                        && o.api_version == "v1"
                        && o.name == name
                        && o.namespace.as_deref() == Some(namespace)
                })
            })
            .min()
            .and_then(|position| self.applied_at(position))
    }

    /// The object at (Kustomization, object) of the applied objects, if there is one.
    fn applied_at(&self, (ks, object): (usize, usize)) -> Option<&Object> {
        self.kustomizations.get(ks)?.applied.get(object)
    }

    /// Applies the build of `dir` (from `source_root`) for Kustomization `index`: substitutes
    /// and records its objects, and returns the Kustomizations it applies that are new.
    /// `found_so_far` is told about them in batches (of 1, 2, 4, … of them) as they are
    /// recorded, so that their builds can start before the last object is recorded.
    fn render(
        &mut self,
        renderer: &Renderer<'_>,
        index: usize,
        (dir, source_root): (&str, &str),
        vars: VarsInput,
        built: Option<Arc<Rendered>>,
        found_so_far: &mut dyn FnMut(&Cluster, &[usize]),
    ) -> Vec<usize> {
        let ks = &self.kustomizations[index];
        if self.applied_objects > MAX_CLUSTER_OBJECTS {
            // Past the limit (and said so): nothing more is built.
            return Vec::new();
        }
        let rendered =
            built.unwrap_or_else(|| renderer.flux_build(dir, source_root, &ks.spec.transforms));
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
        let mut problems = rendered.problems.clone();
        let substituting = !vars.vars.is_empty() || ks.spec.substitute_always;
        // The build is this Kustomization's own: without substitution its objects are moved,
        // not copied; with it, the input is kept beside the output for unset-variable.
        let (mut objects, input) = if substituting {
            (rendered.objects.clone(), Some(rendered))
        } else {
            match Arc::try_unwrap(rendered) {
                Ok(owned) => (owned.objects, None),
                Err(shared) => (shared.objects.clone(), None),
            }
        };
        let substitution = input.map(|input| {
            // Most bodies hold no `$` at all: those are not walked here nor by unset-variable.
            let mut bodies = FixedBitSet::with_capacity(objects.len());
            for (i, obj) in objects.iter().enumerate() {
                bodies.set(i, substitute::may_change_body(obj, renderer.repo()));
            }
            // Bounded: a long variable used many times must not take gigabytes.
            let mut budget = substitute::MAX_SUBSTITUTED_BYTES;
            for (i, obj) in objects.iter_mut().enumerate() {
                if !substitute::apply_within(obj, &vars.vars, &mut budget, bodies[i]) {
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
            Substitution {
                vars: vars.vars,
                complete: vars.complete,
                input,
                bodies,
            }
        });
        let depth = ks.depth(&self.kustomizations);
        let parent_ns = ks.namespace.clone();
        let mut found = Vec::new();
        for obj in &objects {
            let namespace = obj
                .namespace
                .as_deref()
                .map_or_else(|| parent_ns.clone(), str::to_string);
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
                        if found.len().is_power_of_two() {
                            found_so_far(self, &found[found.len() / 2..]);
                        }
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
                            (namespace.clone(), obj.name.to_string()),
                            self.helm_releases.len(),
                        );
                        self.helm_releases.push(HelmRelease {
                            spec: HelmReleaseSpec::read(obj, &namespace),
                            namespace,
                            name: obj.name.to_string(),
                            object: obj.clone(),
                            applied_by: index,
                        });
                    }
                }
            } else if flux::is_source(obj) {
                self.add_source(Source {
                    kind: obj.kind.to_string(),
                    namespace,
                    name: obj.name.to_string(),
                    object: Some(obj.clone()),
                });
            }
        }
        for (i, obj) in objects.iter().enumerate() {
            if may_create_secret(obj) {
                self.secret_creators.insert((index, i));
            }
            if obj.api_version == "v1"
                && let Some(namespace) = &obj.namespace
            {
                let key = (obj.kind.clone(), namespace.clone(), obj.name.clone());
                self.v1_objects.entry(key).or_default().push((index, i));
            }
        }
        let ks = &mut self.kustomizations[index];
        ks.dir = Some(dir.to_string());
        ks.applied = objects;
        ks.substitution = substitution.map(Box::new);
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
            .iter()
            .filter(|(_, e)| *e == Entry::Dir)
            .map(|(name, _)| (strsim::damerau_levenshtein(name, segment), name.clone()))
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

/// Whether `obj` is of a kind [`creates_secret`] knows, told by its kind (or, for Vault, its
/// API group's prefix) alone: what [`Cluster::secret_creators`] keeps.
fn may_create_secret(obj: &Object) -> bool {
    matches!(
        obj.kind.as_str(),
        "ExternalSecret" | "ClusterExternalSecret" | "SealedSecret" | "OnePasswordItem"
    ) || obj.api_version.starts_with("secrets.hashicorp.com/")
}

/// Whether `obj` creates the Secret `namespace/name` at runtime: secret operators whose output
/// Secret is named in the object (External Secrets, Sealed Secrets, 1Password, Vault).
fn creates_secret(obj: &Object, namespace: &str, name: &str) -> bool {
    let same_ns = obj.namespace.as_deref() == Some(namespace);
    let body = &obj.body;
    let named = |path: &[&str]| body.str_at(path).unwrap_or(&obj.name) == name;
    match (obj.group(), obj.kind.as_str()) {
        ("external-secrets.io", "ExternalSecret") => same_ns && named(&["spec", "target", "name"]),
        // Creates the Secret in every namespace its selector picks.
        ("external-secrets.io", "ClusterExternalSecret") => {
            body.str_at(&["spec", "externalSecretSpec", "target", "name"])
                .or_else(|| body.str_at(&["spec", "externalSecretName"]))
                .unwrap_or(&obj.name)
                == name
        }
        ("bitnami.com", "SealedSecret") => {
            same_ns && named(&["spec", "template", "metadata", "name"])
        }
        ("onepassword.com", "OnePasswordItem") => same_ns && obj.name == name,
        ("secrets.hashicorp.com", _) => {
            same_ns && body.str_at(&["spec", "destination", "name"]) == Some(name)
        }
        _ => false,
    }
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
