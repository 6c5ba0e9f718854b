//! Cluster discovery (DESIGN §5): which roots a run starts from.
//!
//! In order: sync definitions (a bootstrap Kustomization that applies its own definition from
//! this repository's GitRepository, a `FluxInstance`, the flux-instance HelmRelease); else each
//! `clusters/<name>/` folder; else the Flux Kustomizations of a plain directory that no other
//! one renders (found while building, see `fleet::build`); else the directory itself.

use std::sync::{Arc, LazyLock};

use rayon::prelude::*;

use super::flux::{self, HELM_GROUP};
use crate::kustomize::{Object, PathRef, object_from_shared};
use crate::source::{self, Entry, FileId, Node, Repo, Span};

/// Where a cluster starts.
#[derive(Debug, Clone)]
pub enum RootSource {
    /// A bootstrap Kustomization found in the repository, and the GitRepository beside it.
    Kustomization {
        object: Box<Object>,
        repository: Option<Box<Object>>,
    },
    /// A root that Flux creates from elsewhere (Flux Operator) or that is not committed yet.
    Synthetic { path: PathRef },
    /// A plain directory's top-level Flux Kustomizations.
    Virtual { seeds: Vec<Object> },
}

#[derive(Debug, Clone)]
pub struct Root {
    pub name: String,
    /// The directory the root applies (shown in the report).
    pub path: String,
    pub source_root: String,
    /// The file (or folder) that defines the root.
    pub defined_in: String,
    /// Flux is installed by the Flux Operator (a `FluxInstance` or the flux-instance chart).
    pub via_operator: bool,
    pub source: RootSource,
}

/// What discovery found: the roots, and every Flux Kustomization seen under the targets (so
/// that the ones no root reaches can be listed).
pub struct Discovery {
    pub roots: Vec<Root>,
    pub flux_objects: Vec<Object>,
}

/// Only documents of files holding one of these words can define a root.
const MARKERS: [&str; 3] = ["kustomize.toolkit.fluxcd.io", "FluxInstance", "instance:"];

/// Whether a text holds one of the [`MARKERS`]: every file of the repository is asked, so the
/// searchers are built once (a `str::contains` sets one up per call).
fn has_marker(text: &str) -> bool {
    static FINDERS: LazyLock<[memchr::memmem::Finder<'static>; 3]> =
        LazyLock::new(|| MARKERS.map(memchr::memmem::Finder::new));
    FINDERS.iter().any(|f| f.find(text.as_bytes()).is_some())
}

/// Directories never walked: VCS and CI metadata.
fn skip_dir(name: &str) -> bool {
    name.starts_with('.') || name == "node_modules"
}

/// Directories listed one after another before the walk goes parallel: a small repository is
/// walked faster on one thread than by waking others.
const SEQUENTIAL_DIRS: usize = 256;

/// All YAML files under `dir`, sorted, walked once per run.
pub fn yaml_files(repo: &Repo, dir: &str) -> Arc<[String]> {
    repo.walk_once(dir, || walk(repo, dir))
}

/// The tree is walked level by level; once a level is large, its directories are listed in
/// parallel (a large fleet has thousands of them).
fn walk(repo: &Repo, dir: &str) -> Vec<String> {
    let mut files = Vec::new();
    let mut level = vec![dir.to_string()];
    let mut listed = 0;
    for _depth in 0..=64 {
        if level.is_empty() {
            break;
        }
        listed += level.len();
        let listings: Vec<(Vec<String>, Vec<String>)> = if listed > SEQUENTIAL_DIRS {
            level.par_iter().map(|d| yaml_and_dirs(repo, d)).collect()
        } else {
            level.iter().map(|d| yaml_and_dirs(repo, d)).collect()
        };
        level = Vec::new();
        for (yaml, dirs) in listings {
            files.extend(yaml);
            level.extend(dirs);
        }
    }
    files.sort();
    files
}

/// The YAML files and the directories to walk in one directory.
fn yaml_and_dirs(repo: &Repo, dir: &str) -> (Vec<String>, Vec<String>) {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    for (name, entry) in repo.list_dir(dir).iter() {
        match entry {
            Entry::Dir if !skip_dir(name) => dirs.push(source::join(dir, name)),
            Entry::File if name.ends_with(".yaml") || name.ends_with(".yml") => {
                files.push(source::join(dir, name))
            }
            _ => {}
        }
    }
    (files, dirs)
}

/// The roots a candidate file defines, and its Flux Kustomizations.
fn candidate_roots(repo: &Repo, id: FileId) -> (Vec<Root>, Vec<Object>) {
    let mut roots: Vec<Root> = Vec::new();
    let mut flux_objects = Vec::new();
    let file = repo.file(id);
    let objects: Vec<Object> = file
        .docs
        .iter()
        .filter_map(|d| d.root.as_ref())
        .filter_map(|root| object_from_shared(root).ok().flatten())
        .collect();
    let is_gotk_sync = file.path.ends_with("/gotk-sync.yaml") || file.path == "gotk-sync.yaml";
    if is_gotk_sync && objects.is_empty() {
        // An empty placeholder: the cluster folder is the one holding `flux-system/`.
        let cluster_dir = source::parent(source::parent(&file.path)).to_string();
        roots.push(synthetic_root(&cluster_dir, file.start_span(), &file.path));
    }
    for obj in &objects {
        if flux::is_kustomization(obj) {
            flux_objects.push(obj.clone());
            if let Some(root) = bootstrap_root(repo, obj, &objects, &file.path, is_gotk_sync) {
                roots.push(root);
            }
        } else if let Some(path) = instance_sync_path(obj) {
            let source_root = locate_source_root(repo, &path.value, &file.path);
            let dir = source::resolve(&source_root, &path.value).unwrap_or_default();
            roots.push(Root {
                name: String::new(),
                path: dir,
                source_root,
                defined_in: file.path.clone(),
                via_operator: true,
                source: RootSource::Synthetic { path },
            });
        }
    }
    (roots, flux_objects)
}

pub fn discover(repo: &Repo, targets: &[String]) -> Discovery {
    // Every YAML file under the targets is read and parsed once, on all cores: most of them
    // are rendered later anyway, and the renders then find them parsed.
    let mut files: Vec<String> = targets
        .iter()
        .flat_map(|t| yaml_files(repo, t).to_vec())
        .collect();
    files.sort();
    files.dedup();
    // Which files may define a root, and the roots they define, are found on the thread that
    // parsed each one, while its text and trees are in cache; collected in file order.
    let found: Vec<(Vec<Root>, Vec<Object>)> = files
        .par_iter()
        .filter_map(|path| {
            let id = repo.load(path).ok()?;
            let file = repo.file(id);
            // A placeholder gotk-sync.yaml holds only a comment, and is a root all the same.
            let candidate = file.path.ends_with("gotk-sync.yaml") || has_marker(file.text());
            candidate.then(|| candidate_roots(repo, id))
        })
        .collect();
    let mut roots: Vec<Root> = Vec::new();
    let mut flux_objects = Vec::new();
    for (file_roots, file_objects) in found {
        roots.extend(file_roots);
        flux_objects.extend(file_objects);
    }

    // One root per applied directory; a real bootstrap Kustomization wins over a synthetic one.
    roots.sort_by_key(|r| !matches!(r.source, RootSource::Kustomization { .. }));
    let mut unique: Vec<Root> = Vec::new();
    for root in roots {
        if !unique
            .iter()
            .any(|u| u.path == root.path && u.source_root == root.source_root)
        {
            unique.push(root);
        }
    }
    let mut roots: Vec<Root> = unique
        .into_iter()
        .filter(|r| {
            targets.iter().any(|t| {
                source::is_under(&r.path, t)
                    || source::is_under(t, &r.path)
                    || source::is_under(&r.defined_in, t)
            })
        })
        .collect();

    if roots.is_empty() {
        roots = cluster_folders(repo, targets);
    }
    if roots.is_empty() {
        for target in targets {
            let seeds: Vec<Object> = flux_objects
                .iter()
                .filter(|o| source::is_under(&repo.file(o.origin.file).path, target))
                .cloned()
                .collect();
            let name = folder_name(repo, target);
            if seeds.is_empty() {
                let span = Span {
                    file: FileId::DETACHED,
                    start: 0,
                    end: 0,
                };
                let mut root = synthetic_root(target, span, target);
                root.name = name;
                roots.push(root);
            } else {
                roots.push(Root {
                    name,
                    path: target.clone(),
                    source_root: String::new(),
                    defined_in: target.clone(),
                    via_operator: false,
                    source: RootSource::Virtual { seeds },
                });
            }
        }
    }
    name_clusters(repo, &mut roots);
    roots.sort_by(|a, b| a.name.cmp(&b.name));
    Discovery {
        roots,
        flux_objects,
    }
}

fn synthetic_root(dir: &str, span: Span, defined_in: &str) -> Root {
    Root {
        name: String::new(),
        path: dir.to_string(),
        source_root: String::new(),
        defined_in: defined_in.to_string(),
        via_operator: false,
        source: RootSource::Synthetic {
            path: PathRef {
                value: format!("./{dir}"),
                span,
            },
        },
    }
}

/// A Kustomization is a bootstrap root when it applies the directory holding its own
/// definition from a GitRepository defined beside it (gotk-sync.yaml, a `flux/config` folder).
fn bootstrap_root(
    repo: &Repo,
    obj: &Object,
    neighbours: &[Object],
    file_path: &str,
    is_gotk_sync: bool,
) -> Option<Root> {
    let spec = obj.body.get("spec")?;
    if spec.str_at(&["sourceRef", "kind"]) != Some("GitRepository") {
        return None;
    }
    let source_name = spec.str_at(&["sourceRef", "name"])?;
    let repository = neighbours
        .iter()
        .find(|o| {
            o.kind == "GitRepository" && o.group() == flux::SOURCE_GROUP && o.name == source_name
        })
        .cloned();
    let path = spec.str_at(&["path"]).unwrap_or("");
    // The source root is the ancestor of the file from which the path contains the file.
    let mut ancestors = vec![String::new()];
    let mut acc = String::new();
    for part in source::parent(file_path)
        .split('/')
        .filter(|p| !p.is_empty())
    {
        acc = source::join(&acc, part);
        ancestors.push(acc.clone());
    }
    let source_root = ancestors.into_iter().find(|a| {
        source::resolve(a, path)
            .is_some_and(|dir| source::is_under(file_path, &dir) && dir != *file_path)
            && repo.entry(a) == Entry::Dir
    });
    // A sync definition whose path does not hold it is a template or a copy, not a root.
    let source_root = source_root?;
    let dir = source::resolve(&source_root, path).unwrap_or_default();
    // A Kustomization of the whole source beside its GitRepository syncs some other
    // repository (a tenant's), unless it is the bootstrap's own gotk-sync.yaml.
    if dir == source_root && !is_gotk_sync {
        return None;
    }
    Some(Root {
        name: String::new(),
        path: dir,
        source_root,
        defined_in: file_path.to_string(),
        via_operator: false,
        source: RootSource::Kustomization {
            object: Box::new(obj.clone()),
            repository: repository.map(Box::new),
        },
    })
}

/// `spec.sync.path` of a Flux Operator `FluxInstance`, or `values.instance.sync.path` of the
/// flux-instance HelmRelease, when it syncs from a GitRepository.
fn instance_sync_path(obj: &Object) -> Option<PathRef> {
    let sync = if obj.kind == "FluxInstance" && obj.group() == "fluxcd.controlplane.io" {
        obj.body.path(&["spec", "sync"])?
    } else if obj.kind == "HelmRelease" && obj.group() == HELM_GROUP {
        obj.body.path(&["spec", "values", "instance", "sync"])?
    } else {
        return None;
    };
    if sync.str_at(&["kind"]).unwrap_or("GitRepository") != "GitRepository" {
        return None;
    }
    let node: &Node = sync.get("path")?;
    Some(PathRef {
        value: node.as_str()?.to_string(),
        span: node.span,
    })
}

/// The repository root, unless the path only exists below an ancestor of the defining file.
fn locate_source_root(repo: &Repo, path: &str, file_path: &str) -> String {
    if source::resolve("", path).is_some_and(|d| repo.entry(&d) == Entry::Dir) {
        return String::new();
    }
    let mut acc = String::new();
    for part in source::parent(file_path)
        .split('/')
        .filter(|p| !p.is_empty())
    {
        acc = source::join(&acc, part);
        if source::resolve(&acc, path).is_some_and(|d| repo.entry(&d) == Entry::Dir) {
            return acc;
        }
    }
    String::new()
}

/// `clusters/<name>/` folders under the targets (or a target that is one).
fn cluster_folders(repo: &Repo, targets: &[String]) -> Vec<Root> {
    let mut roots = Vec::new();
    for target in targets {
        if source::parent(target).rsplit('/').next() == Some("clusters") {
            roots.push(folder_root(target));
            continue;
        }
        let clusters = if target.rsplit('/').next() == Some("clusters") {
            target.clone()
        } else {
            source::join(target, "clusters")
        };
        for (name, entry) in repo.list_dir(&clusters).iter() {
            if *entry == Entry::Dir && !skip_dir(name) {
                roots.push(folder_root(&source::join(&clusters, name)));
            }
        }
    }
    roots
}

fn folder_root(dir: &str) -> Root {
    let span = Span {
        file: FileId::DETACHED,
        start: 0,
        end: 0,
    };
    synthetic_root(dir, span, dir)
}

/// Path segments that say nothing about which cluster a folder is for.
const GENERIC: &[&str] = &[
    "flux",
    "config",
    "cluster",
    "clusters",
    "flux-system",
    "sync",
    "bootstrap",
    "kubernetes",
    "k8s",
    "gitops",
    "base",
    "apps",
];

fn cluster_name(repo: &Repo, path: &str) -> String {
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    if let Some(i) = parts.iter().position(|p| *p == "clusters")
        && let Some(name) = parts.get(i + 1)
    {
        return (*name).to_string();
    }
    if let Some(name) = parts.iter().rev().find(|p| !GENERIC.contains(p)) {
        return (*name).to_string();
    }
    folder_name(repo, "")
}

fn folder_name(repo: &Repo, dir: &str) -> String {
    let full = repo.root().join(dir);
    full.file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("cluster")
        .to_string()
}

/// Names each root after its folder, unique within the run.
fn name_clusters(repo: &Repo, roots: &mut [Root]) {
    let mut taken: Vec<String> = Vec::new();
    for root in roots.iter_mut() {
        let base = if root.name.is_empty() {
            cluster_name(repo, &root.path)
        } else {
            root.name.clone()
        };
        let mut name = base.clone();
        let mut n = 2;
        while taken.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        taken.push(name.clone());
        root.name = name;
    }
}
