//! A directory → the Kubernetes objects it renders, each with the span it came from.
//!
//! Models kustomize (resources, components, crds, patches, generators, namespace, prefixes) and
//! Flux's generator rules for paths without a kustomization file (FLUX-SEMANTICS §2.3). Renders
//! are memoised per (directory, context) so a base shared by many clusters is rendered once.
//! This module never decides what is a finding: it records [`Problem`]s as data for the checks.

mod file;
mod generator;
pub mod patch;
pub mod substitute;

use compact_str::CompactString;
use std::sync::{Arc, Mutex};

use crate::source::processing::processing;
use crate::source::{self, Entry, LoadError, Node, Repo, Span};

pub use file::{Layer, PathRef, parse_patches as file_patches};
pub use patch::Patch;

/// One rendered Kubernetes object.
#[derive(Debug, Clone)]
pub struct Object {
    // Short strings, kept inline: a fleet copies objects by the hundred thousand (every
    // Kustomization that shares a base gets its own), and inline strings copy without
    // allocating.
    pub api_version: CompactString,
    pub kind: CompactString,
    pub name: CompactString,
    pub namespace: Option<CompactString>,
    /// The document (possibly patched or substituted).
    pub body: Arc<Node>,
    /// Where the object is defined: the `kind` value of its document.
    pub origin: Span,
    /// The `metadata.name` value.
    pub name_span: Span,
}

/// An `apiVersion` as its group and version: `apps/v1` is `apps` and `v1`, `v1` is `` and
/// `v1`. Looked for from the end by hand: API versions are short, and every object of every
/// build asks (a reverse `char` search costs more than the few bytes it looks at).
pub fn split_api_version(api_version: &str) -> (&str, &str) {
    match api_version.bytes().rposition(|b| b == b'/') {
        Some(at) => (&api_version[..at], &api_version[at + 1..]),
        None => ("", api_version),
    }
}

impl Object {
    /// The API group: the part of `apiVersion` before `/`, empty for the core group.
    pub fn group(&self) -> &str {
        split_api_version(&self.api_version).0
    }

    /// `Kind "namespace/name"`, or `Kind "name"` without a namespace.
    pub fn display(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{} \"{}/{}\"", self.kind, ns, self.name),
            None => format!("{} \"{}\"", self.kind, self.name),
        }
    }
}

/// What part of a kustomization names a missing entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    Resource,
    Component,
    Crd,
    Patch,
    GeneratorFile,
}

impl EntryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Resource => "resource",
            EntryKind::Component => "component",
            EntryKind::Crd => "crd",
            EntryKind::Patch => "patch",
            EntryKind::GeneratorFile => "generator file",
        }
    }
}

/// Something the renderer could not do, recorded as data for the checks to report.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Problem {
    /// A kustomization entry that does not resolve.
    MissingEntry {
        span: Span,
        kind: EntryKind,
        path: String,
        why: String,
    },
    /// A file that does not parse as YAML, or cannot be read.
    InvalidYaml { span: Span, message: String },
    /// A YAML document that is not a Kubernetes object where one is required.
    NotAnObject { span: Span, message: String },
    /// A remote base or other input that is not fetched offline.
    Remote {
        span: Span,
        kind: EntryKind,
        url: String,
    },
    /// An object accumulated twice in one kustomization (kustomize: "may not add resource with
    /// an already registered id"). `second` and `first` are where the two are defined; `entry`
    /// is the kustomization entry that adds the second, when a kustomization file names it.
    DuplicateId {
        entry: Option<Span>,
        second: Span,
        first: Span,
        display: String,
    },
    /// A kustomize feature that Flux's build disables: `helmCharts` inflation (kustomize's
    /// `--enable-helm`) and generator, transformer or validator plugins.
    Unsupported {
        span: Span,
        /// What it is, for the message: `helmCharts`, `transformer plugin "SopsGenerator"`.
        feature: String,
        /// Why Flux cannot build it.
        why: String,
    },
}

/// The objects a directory renders and what went wrong on the way.
#[derive(Debug, Default)]
pub struct Rendered {
    pub objects: Vec<Object>,
    pub problems: Vec<Problem>,
}

/// Decides whether a kind is namespaced. Unknown kinds are namespaced, as in kustomize.
pub trait Scope: Sync {
    fn is_cluster_scoped(&self, api_version: &str, kind: &str) -> bool;
}

/// Components applied in one build at most (see `apply_component`).
pub const MAX_COMPONENTS: usize = 1_000;

/// Bytes that patches may copy into objects in one build (see `transform`).
pub const MAX_PATCHED_BYTES: usize = 256 * 1024 * 1024;

/// The state of one build: the directories being included, to stop loops, and how much work
/// was done so far (components applied, bytes patched).
struct Walk {
    stack: Vec<String>,
    components: usize,
    patched: usize,
}

/// kustomize's identity of an object: apiVersion, kind, effective namespace, name.
type Id<'o> = [&'o str; 4];

/// The identities of the objects accumulated so far, by hash, as indices into the accumulated
/// list: no allocation per object (a cluster may apply a million).
#[derive(Default)]
struct Ids {
    first: foldhash::HashMap<u64, usize>,
    /// Objects whose identity hash another, different identity already had.
    collided: Vec<usize>,
}

/// A hash of an identity. Collisions are told apart by `Ids::collided`, so a fast hash does:
/// it is computed for every rendered object.
fn id_hash(id: &Id) -> u64 {
    use std::hash::BuildHasher;
    static STATE: std::sync::LazyLock<foldhash::fast::RandomState> =
        std::sync::LazyLock::new(foldhash::fast::RandomState::default);
    STATE.hash_one(id)
}

/// Renders directories, memoised.
pub struct Renderer<'a> {
    repo: &'a Repo,
    scope: &'a dyn Scope,
    cache: Mutex<foldhash::HashMap<String, Arc<Rendered>>>,
    /// Flux's ignore rules per source root, for generated kustomizations: compiling them
    /// (gitignore globs into a regex set) costs more than the walk they filter.
    ignores: Mutex<foldhash::HashMap<String, Arc<generator::IgnoreRules>>>,
}

impl<'a> Renderer<'a> {
    pub fn new(repo: &'a Repo, scope: &'a dyn Scope) -> Self {
        Renderer {
            repo,
            scope,
            cache: Mutex::new(foldhash::HashMap::default()),
            ignores: Mutex::new(foldhash::HashMap::default()),
        }
    }

    pub fn repo(&self) -> &Repo {
        self.repo
    }

    /// What Flux builds for `dir`: its kustomization file with `extra` merged in (the Flux
    /// Kustomization's own transforms), or the generated one when there is none.
    ///
    /// Not memoised: each Kustomization's build is its own (the directories it includes are
    /// memoised), and its objects move into the cluster's inventory without a copy.
    pub fn flux_build(&self, dir: &str, source_root: &str, extra: &Layer) -> Arc<Rendered> {
        let mut out = Rendered::default();
        let kustomization = file::find(self.repo, dir);
        let _mark = processing(kustomization.as_deref().unwrap_or(dir));
        let mut layer = match kustomization {
            Some(path) => self.read_layer(&path, &mut out),
            None => {
                generator::generate(self.repo, dir, source_root, &self.ignore_rules(source_root))
            }
        };
        layer.merge_flux(extra);
        let mut walk = Walk {
            stack: vec![dir.to_string()],
            components: 0,
            patched: 0,
        };
        self.build_layer(dir, &layer, &mut walk, &mut out);
        dedupe_problems(&mut out);
        // Builds are kept to the end of the run (as inventories and substitution inputs).
        out.objects.shrink_to_fit();
        Arc::new(out)
    }

    /// The ignore rules of a source root, compiled once per run (those of the repository root
    /// ahead of the first build, while the repository is walked: see [`crate::load_with`]).
    pub fn ignore_rules(&self, source_root: &str) -> Arc<generator::IgnoreRules> {
        let lock = || self.ignores.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(rules) = lock().get(source_root) {
            return Arc::clone(rules);
        }
        let rules = Arc::new(generator::ignore_rules(self.repo, source_root));
        Arc::clone(lock().entry(source_root.to_string()).or_insert(rules))
    }

    fn cached(&self, key: &str) -> Option<Arc<Rendered>> {
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(key)
            .cloned()
    }

    fn store(&self, key: String, mut rendered: Rendered) -> Arc<Rendered> {
        dedupe_problems(&mut rendered);
        rendered.objects.shrink_to_fit();
        let rendered = Arc::new(rendered);
        self.cache
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(key)
            .or_insert(rendered)
            .clone()
    }

    fn read_layer(&self, path: &str, out: &mut Rendered) -> Layer {
        // `find` only returns paths of existing files, and unreadable ones still get an id.
        let Ok(id) = self.repo.load(path) else {
            return Layer::default();
        };
        let file = self.repo.file(id);
        for err in &file.errors {
            out.problems.push(Problem::InvalidYaml {
                span: err.span,
                message: err.message.clone(),
            });
        }
        file::unsupported(self.repo, source::parent(path), &file, out);
        file::parse(&file, out)
    }

    /// A directory used as a kustomize resource or component: it must have a kustomization file.
    fn render_kustomization_dir(&self, dir: &str, walk: &mut Walk) -> Arc<Rendered> {
        let key = format!("dir\0{dir}");
        if let Some(hit) = self.cached(&key) {
            return hit;
        }
        let mut out = Rendered::default();
        if let Some(path) = file::find(self.repo, dir) {
            let _mark = processing(&path);
            let layer = self.read_layer(&path, &mut out);
            walk.stack.push(dir.to_string());
            self.build_layer(dir, &layer, walk, &mut out);
            walk.stack.pop();
        }
        self.store(key, out)
    }

    /// Accumulates a layer's resources, applies its components, generators and transforms.
    fn build_layer(&self, dir: &str, layer: &Layer, walk: &mut Walk, out: &mut Rendered) {
        let mut objects = Vec::new();
        let mut ids = Ids::default();
        for entry in &layer.resources {
            let added = self.add_entry(dir, entry, EntryKind::Resource, walk, out);
            self.accumulate(&mut objects, &mut ids, added, entry, out);
        }
        for entry in &layer.crds {
            let added = self.add_entry(dir, entry, EntryKind::Crd, walk, out);
            self.accumulate(&mut objects, &mut ids, added, entry, out);
        }
        for entry in &layer.components {
            self.apply_component(dir, entry, walk, &mut objects, &mut ids, out);
        }
        file::generate(self.repo, dir, layer, &mut objects, out);
        self.transform(dir, layer, walk, &mut objects, out);
        out.objects.extend(objects);
    }

    /// A component adds its resources (and its own components), then transforms everything
    /// accumulated so far.
    fn apply_component(
        &self,
        dir: &str,
        entry: &PathRef,
        walk: &mut Walk,
        objects: &mut Vec<Object>,
        ids: &mut Ids,
        out: &mut Rendered,
    ) {
        let Some(comp_dir) = self.resolve_dir(dir, entry, EntryKind::Component, &walk.stack, out)
        else {
            return;
        };
        // kustomize applies a component as often as it is listed, so components listed twice
        // at every level of a chain cost 2^depth applications: bound them.
        walk.components += 1;
        if walk.components > MAX_COMPONENTS {
            if walk.components == MAX_COMPONENTS + 1 {
                out.problems.push(Problem::MissingEntry {
                    span: entry.span,
                    kind: EntryKind::Component,
                    path: entry.value.clone(),
                    why: format!(
                        "fleetlint applies at most {MAX_COMPONENTS} components in one build (components listed repeatedly at several levels multiply)"
                    ),
                });
            }
            return;
        }
        let Some(path) = file::find(self.repo, &comp_dir) else {
            return;
        };
        let _mark = processing(&path);
        let layer = self.read_layer(&path, out);
        walk.stack.push(comp_dir.clone());
        for e in &layer.resources {
            let added = self.add_entry(&comp_dir, e, EntryKind::Resource, walk, out);
            self.accumulate(objects, ids, added, e, out);
        }
        for e in &layer.components {
            self.apply_component(&comp_dir, e, walk, objects, ids, out);
        }
        walk.stack.pop();
        file::generate(self.repo, &comp_dir, &layer, objects, out);
        self.transform(&comp_dir, &layer, walk, objects, out);
        // The transforms renamed what was accumulated: later resources meet the new names.
        *ids = Ids::default();
        for index in 0..objects.len() {
            self.add_id(ids, objects, index);
        }
    }

    /// kustomize's identity of an accumulated object: apiVersion, kind, name, and the
    /// namespace, where no namespace means `default` (and cluster-scoped kinds have none).
    fn id_of<'o>(&self, obj: &'o Object) -> Id<'o> {
        let namespace = if self.scope.is_cluster_scoped(&obj.api_version, &obj.kind) {
            ""
        } else {
            obj.namespace.as_deref().unwrap_or("default")
        };
        [&obj.api_version, &obj.kind, namespace, &obj.name]
    }

    /// The accumulated object with the identity of `obj`, if any.
    fn find_id(&self, ids: &Ids, objects: &[Object], obj: &Object) -> Option<usize> {
        let id = self.id_of(obj);
        let same = |i: &&usize| self.id_of(&objects[**i]) == id;
        ids.first
            .get(&id_hash(&id))
            .filter(same)
            .or_else(|| ids.collided.iter().find(same))
            .copied()
    }

    fn add_id(&self, ids: &mut Ids, objects: &[Object], index: usize) {
        match ids.first.entry(id_hash(&self.id_of(&objects[index]))) {
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(index);
            }
            std::collections::hash_map::Entry::Occupied(_) => ids.collided.push(index),
        }
    }

    /// Adds what an entry rendered to the accumulated objects. As in kustomize, an object
    /// whose identity is already there is not added again: kustomize fails the build with
    /// "may not add resource with an already registered id".
    fn accumulate(
        &self,
        objects: &mut Vec<Object>,
        ids: &mut Ids,
        added: Vec<Object>,
        entry: &PathRef,
        out: &mut Rendered,
    ) {
        for obj in added {
            match self.find_id(ids, objects, &obj) {
                Some(first) => out.problems.push(Problem::DuplicateId {
                    entry: Some(entry.span).filter(|s| s.file != source::FileId::DETACHED),
                    second: obj.name_span,
                    first: objects[first].name_span,
                    display: obj.display(),
                }),
                None => {
                    objects.push(obj);
                    self.add_id(ids, objects, objects.len() - 1);
                }
            }
        }
    }

    fn transform(
        &self,
        dir: &str,
        layer: &Layer,
        walk: &mut Walk,
        objects: &mut Vec<Object>,
        out: &mut Rendered,
    ) {
        for entry in &layer.patches {
            let patch = match entry.load(self.repo, dir) {
                Ok(p) => p,
                Err(problem) => {
                    out.problems.push(problem);
                    continue;
                }
            };
            // A large patch applied to many objects copies itself into each of them.
            walk.patched = walk.patched.saturating_add(patch.cost(objects));
            if walk.patched > MAX_PATCHED_BYTES {
                out.problems.push(Problem::InvalidYaml {
                    span: entry.span,
                    message: format!(
                        "patches copy more than {} MiB into the objects of this build (a large patch applied to many objects), so this patch and the ones after it are not applied",
                        MAX_PATCHED_BYTES / (1024 * 1024)
                    ),
                });
                break;
            }
            patch.apply(objects, out);
        }
        if let Some(ns) = &layer.namespace {
            for obj in objects.iter_mut() {
                if obj.kind == "Namespace" && obj.api_version == "v1" {
                    // kustomize's namespace transformer renames Namespace objects too: real
                    // fleets write `name: _` in shared components and rely on it.
                    obj.name = ns.value.as_str().into();
                } else if !self.scope.is_cluster_scoped(&obj.api_version, &obj.kind) {
                    obj.namespace = Some(ns.value.as_str().into());
                }
            }
        }
        if layer.name_prefix.is_some() || layer.name_suffix.is_some() {
            let prefix = layer.name_prefix.as_ref().map_or("", |p| p.value.as_str());
            let suffix = layer.name_suffix.as_ref().map_or("", |p| p.value.as_str());
            for obj in objects.iter_mut() {
                // kustomize leaves these kinds' names alone (PrefixSuffixTransformer skip list).
                if matches!(
                    obj.kind.as_str(),
                    "CustomResourceDefinition" | "APIService" | "Namespace"
                ) {
                    continue;
                }
                obj.name = compact_str::format_compact!("{prefix}{}{suffix}", obj.name);
            }
        }
    }

    fn resolve_dir(
        &self,
        dir: &str,
        entry: &PathRef,
        kind: EntryKind,
        stack: &[String],
        out: &mut Rendered,
    ) -> Option<String> {
        if is_remote(&entry.value) {
            out.problems.push(Problem::Remote {
                span: entry.span,
                kind,
                url: entry.value.clone(),
            });
            return None;
        }
        let missing = |why: String| Problem::MissingEntry {
            span: entry.span,
            kind,
            path: entry.value.clone(),
            why,
        };
        let Some(path) = source::resolve(dir, &entry.value) else {
            out.problems
                .push(missing("it climbs out of the repository root".into()));
            return None;
        };
        match self.repo.entry(&path) {
            Entry::Dir if file::find(self.repo, &path).is_some() => {
                if stack.contains(&path) {
                    out.problems.push(missing(format!(
                        "it includes itself: {} → {path}",
                        stack.join(" → ")
                    )));
                    return None;
                }
                Some(path)
            }
            Entry::Dir => {
                out.problems.push(missing(format!(
                    "directory \"{path}\" has no kustomization.yaml"
                )));
                None
            }
            Entry::File => {
                out.problems
                    .push(missing(format!("\"{path}\" is a file, not a directory")));
                None
            }
            Entry::Missing => {
                out.problems
                    .push(missing(format!("\"{path}\" does not exist")));
                None
            }
            e @ (Entry::Escapes | Entry::Symlink) => {
                out.problems.push(missing(e.symlink_reason(&path)));
                None
            }
        }
    }

    /// A `resources` (or `crds`) entry: a file of objects or a kustomization directory. Returns
    /// its objects, to be accumulated.
    fn add_entry(
        &self,
        dir: &str,
        entry: &PathRef,
        kind: EntryKind,
        walk: &mut Walk,
        out: &mut Rendered,
    ) -> Vec<Object> {
        let mut objects = Vec::new();
        if is_remote(&entry.value) {
            out.problems.push(Problem::Remote {
                span: entry.span,
                kind,
                url: entry.value.clone(),
            });
            return objects;
        }
        let Some(path) = source::resolve(dir, &entry.value) else {
            out.problems.push(Problem::MissingEntry {
                span: entry.span,
                kind,
                path: entry.value.clone(),
                why: "it climbs out of the repository root".into(),
            });
            return objects;
        };
        match self.repo.entry(&path) {
            Entry::File => {
                let referenced_at = Some(entry.span).filter(|s| s.file != source::FileId::DETACHED);
                self.add_file(&path, referenced_at, &mut objects, out);
            }
            _ => {
                if let Some(sub) = self.resolve_dir(dir, entry, kind, &walk.stack, out) {
                    let rendered = self.render_kustomization_dir(&sub, walk);
                    objects.extend(rendered.objects.iter().cloned());
                    out.problems.extend(rendered.problems.iter().cloned());
                }
            }
        }
        objects
    }

    /// The objects of one manifest file. `referenced_at` is the kustomization entry naming it.
    pub fn add_file(
        &self,
        path: &str,
        referenced_at: Option<Span>,
        objects: &mut Vec<Object>,
        out: &mut Rendered,
    ) {
        let _mark = processing(path);
        let file = match self.repo.load(path) {
            Ok(id) => self.repo.file(id),
            Err(err) => {
                let problem = match (&err, referenced_at) {
                    (LoadError::Missing | LoadError::Escapes | LoadError::Symlink, Some(span)) => {
                        Problem::MissingEntry {
                            span,
                            kind: EntryKind::Resource,
                            path: path.to_string(),
                            why: err.to_string(),
                        }
                    }
                    (_, Some(span)) => Problem::InvalidYaml {
                        span,
                        message: format!("cannot read \"{path}\": {err}"),
                    },
                    (_, None) => return,
                };
                out.problems.push(problem);
                return;
            }
        };
        for err in &file.errors {
            out.problems.push(Problem::InvalidYaml {
                span: err.span,
                message: err.message.clone(),
            });
        }
        for doc in &file.docs {
            let Some(root) = &doc.root else { continue };
            // A `v1` List (which has no name of its own) stands for its items.
            let (objs, at_root): (Vec<_>, bool) = match list_items(root) {
                Some(items) => (items.iter().map(|i| (object_from(i), i)).collect(), false),
                None => (vec![(object_from_shared(root), root.as_ref())], true),
            };
            for (result, node) in objs {
                match result {
                    Ok(Some(obj)) => objects.push(obj),
                    Ok(None) => {}
                    Err(message) => {
                        let at = if at_root { doc.start } else { node.span.start };
                        out.problems.push(Problem::NotAnObject {
                            span: node.get_entry("kind").map_or(
                                Span {
                                    file: file.id,
                                    start: at,
                                    end: at,
                                },
                                |(k, _)| k.span,
                            ),
                            message,
                        });
                    }
                }
            }
        }
    }
}

/// A base reached along several paths (a diamond) brings its problems once: without this,
/// diamonds stacked on diamonds would double the list at every level.
fn dedupe_problems(rendered: &mut Rendered) {
    let mut seen = std::collections::HashSet::new();
    rendered.problems.retain(|p| seen.insert(p.clone()));
}

/// The items of a `v1` `List` (`kind: List`, `ConfigMapList`, ...), which kustomize expands.
fn list_items(root: &Node) -> Option<&[Node]> {
    let kind = root.str_at(&["kind"])?;
    if root.str_at(&["apiVersion"]) != Some("v1") || !kind.ends_with("List") {
        return None;
    }
    root.get("items")?.as_seq()
}

/// Reads the identity of a Kubernetes object. `Ok(None)` for kustomize's own config documents,
/// which Flux filters out.
pub fn object_from(root: &Node) -> Result<Option<Object>, String> {
    object_from_shared(&Arc::new(root.clone()))
}

/// [`object_from`] for a document tree that is already shared: the object points at it.
pub fn object_from_shared(root: &Arc<Node>) -> Result<Option<Object>, String> {
    if root.as_map().is_none() {
        return Err("document is not a mapping, so not a Kubernetes object".into());
    }
    let api_version = root.str_at(&["apiVersion"]);
    let kind = root.get("kind");
    let name = root.path(&["metadata", "name"]);
    let (Some(api_version), Some(kind_node), Some(name_node)) = (api_version, kind, name) else {
        let missing: Vec<&str> = [
            ("apiVersion", api_version.is_none()),
            ("kind", kind.and_then(Node::as_str).is_none()),
            ("metadata.name", name.and_then(Node::as_str).is_none()),
        ]
        .iter()
        .filter(|(_, m)| *m)
        .map(|(f, _)| *f)
        .collect();
        return Err(format!(
            "not a Kubernetes object: missing {}",
            missing.join(", ")
        ));
    };
    let (Some(kind), Some(name)) = (kind_node.as_str(), name_node.as_str()) else {
        return Err("not a Kubernetes object: kind and metadata.name must be strings".into());
    };
    if api_version.starts_with("kustomize.config.k8s.io/") {
        return Ok(None);
    }
    Ok(Some(Object {
        api_version: api_version.into(),
        kind: kind.into(),
        name: name.into(),
        namespace: root.str_at(&["metadata", "namespace"]).map(Into::into),
        origin: kind_node.span,
        name_span: name_node.span,
        body: Arc::clone(root),
    }))
}

/// Remote bases and resources (URLs, `github.com/...` shorthands) are not fetched.
pub fn is_remote(path: &str) -> bool {
    path.contains("://")
        || path.starts_with("github.com/")
        || path.starts_with("git@")
        || path.starts_with("gitlab.com/")
        || path.starts_with("bitbucket.org/")
}

#[cfg(test)]
mod api_version_tests {
    use super::split_api_version;

    proptest::proptest! {
        /// The same split as `rsplit_once('/')`, with no group for a core version.
        #[test]
        fn an_api_version_splits_as_rsplit_once_does(text in "[a-z./0-9]{0,12}") {
            let expected = text.rsplit_once('/').unwrap_or(("", text.as_str()));
            proptest::prop_assert_eq!(split_api_version(&text), expected);
        }
    }

    #[test]
    fn groups_and_versions() {
        assert_eq!(split_api_version("apps/v1"), ("apps", "v1"));
        assert_eq!(split_api_version("v1"), ("", "v1"));
        assert_eq!(
            split_api_version("kustomize.toolkit.fluxcd.io/v1"),
            ("kustomize.toolkit.fluxcd.io", "v1")
        );
        assert_eq!(split_api_version(""), ("", ""));
    }
}
