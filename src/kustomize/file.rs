//! A kustomization file read into a [`Layer`]: the entries and transforms of one level.

use std::sync::Arc;

use super::patch::Patch;
use super::{EntryKind, Object, Problem, Rendered};
use crate::source::{self, Entry, Node, Repo, SourceFile, Span, Value, yaml};

/// A string value with the span it was written at.
#[derive(Debug, Clone, PartialEq)]
pub struct PathRef {
    pub value: String,
    pub span: Span,
}

/// A `configMapGenerator` or `secretGenerator` entry.
#[derive(Debug, Clone)]
pub struct GeneratorSpec {
    pub kind: &'static str,
    pub name: PathRef,
    pub namespace: Option<String>,
    pub behavior: String,
    pub literals: Vec<(String, String)>,
    pub files: Vec<PathRef>,
    pub envs: Vec<PathRef>,
}

/// One level of kustomization: what it includes and how it transforms the result.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub resources: Vec<PathRef>,
    pub components: Vec<PathRef>,
    pub crds: Vec<PathRef>,
    pub patches: Vec<Patch>,
    pub generators: Vec<GeneratorSpec>,
    pub namespace: Option<PathRef>,
    pub name_prefix: Option<PathRef>,
    pub name_suffix: Option<PathRef>,
}

impl Layer {
    /// Merges a Flux Kustomization's own fields, as Flux's `GenerateManifest` does: its
    /// `targetNamespace`, prefix and suffix override the file's; components and patches append.
    pub fn merge_flux(&mut self, flux: &Layer) {
        self.components.extend(flux.components.iter().cloned());
        self.patches.extend(flux.patches.iter().cloned());
        if flux.namespace.is_some() {
            self.namespace.clone_from(&flux.namespace);
        }
        if flux.name_prefix.is_some() {
            self.name_prefix.clone_from(&flux.name_prefix);
        }
        if flux.name_suffix.is_some() {
            self.name_suffix.clone_from(&flux.name_suffix);
        }
    }

    /// Identifies a Flux Kustomization's own transforms (two with the same key and path build
    /// the same objects).
    pub fn cache_key(&self) -> String {
        let mut key = String::new();
        for c in &self.components {
            key.push_str(&c.value);
            key.push('\u{1}');
        }
        for p in &self.patches {
            key.push_str(&format!("{:?}\u{1}", p.span));
        }
        for v in [&self.namespace, &self.name_prefix, &self.name_suffix] {
            key.push_str(v.as_ref().map_or("", |v| v.value.as_str()));
            key.push('\u{2}');
        }
        key
    }
}

/// The kustomization file in `dir`, if any, in kustomize's order of preference.
pub fn find(repo: &Repo, dir: &str) -> Option<String> {
    ["kustomization.yaml", "kustomization.yml", "Kustomization"]
        .iter()
        .map(|name| source::join(dir, name))
        .find(|path| repo.entry(path) == Entry::File)
}

fn path_ref(node: &Node) -> Option<PathRef> {
    Some(PathRef {
        value: node.as_str()?.to_string(),
        span: node.span,
    })
}

fn path_list(root: &Node, key: &str) -> Vec<PathRef> {
    root.get(key)
        .and_then(Node::as_seq)
        .map(|items| items.iter().filter_map(path_ref).collect())
        .unwrap_or_default()
}

/// Reads the first document of a kustomization file.
pub fn parse(file: &SourceFile, out: &mut Rendered) -> Layer {
    let Some(root) = file.docs.iter().find_map(|d| d.root.as_ref()) else {
        return Layer::default();
    };
    if root.as_map().is_none() {
        out.problems.push(Problem::NotAnObject {
            span: root.span,
            message: "a kustomization file must be a mapping".into(),
        });
        return Layer::default();
    }
    let mut layer = Layer {
        resources: path_list(root, "resources"),
        components: path_list(root, "components"),
        crds: path_list(root, "crds"),
        namespace: root.get("namespace").and_then(path_ref),
        name_prefix: root.get("namePrefix").and_then(path_ref),
        name_suffix: root.get("nameSuffix").and_then(path_ref),
        ..Layer::default()
    };
    // `bases` is the deprecated spelling of directory resources.
    layer.resources.extend(path_list(root, "bases"));
    layer.patches = parse_patches(root);
    for (key, kind) in [
        ("configMapGenerator", "ConfigMap"),
        ("secretGenerator", "Secret"),
    ] {
        for item in root.get(key).and_then(Node::as_seq).unwrap_or_default() {
            let Some(name) = item.get("name").and_then(path_ref) else {
                continue;
            };
            let literals = item
                .get("literals")
                .and_then(Node::as_seq)
                .unwrap_or_default()
                .iter()
                .filter_map(Node::as_str)
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.trim().to_string(), unquote(v.trim())))
                .collect();
            let mut envs = path_list(item, "envs");
            envs.extend(item.get("env").and_then(path_ref));
            layer.generators.push(GeneratorSpec {
                kind,
                name,
                namespace: item.str_at(&["namespace"]).map(str::to_string),
                behavior: item.str_at(&["behavior"]).unwrap_or("create").to_string(),
                literals,
                files: path_list(item, "files"),
                envs,
            });
        }
    }
    layer
}

/// Kustomize features that Flux's build does not offer: `helmCharts` (Flux never passes
/// `--enable-helm`) and plugins (Flux builds with `DisabledPluginConfig`, so only kustomize's
/// builtin generators and transformers, `apiVersion: builtin`, load).
pub fn unsupported(repo: &Repo, dir: &str, file: &SourceFile, out: &mut Rendered) {
    let Some(root) = file.docs.iter().find_map(|d| d.root.as_ref()) else {
        return;
    };
    for key in ["helmCharts", "helmChartInflationGenerator"] {
        if let Some((k, v)) = root.get_entry(key)
            && !v.is_null()
            && v.as_seq().is_none_or(|items| !items.is_empty())
        {
            out.problems.push(Problem::Unsupported {
                span: k.span,
                feature: format!("`{key}`"),
                why:
                    "Helm chart inflation needs kustomize's `--enable-helm`, which Flux never sets"
                        .into(),
            });
        }
    }
    for (key, role) in [
        ("generators", "generator"),
        ("transformers", "transformer"),
        ("validators", "validator"),
    ] {
        for entry in root.get(key).and_then(Node::as_seq).unwrap_or_default() {
            for (api_version, kind) in plugin_configs(repo, dir, entry) {
                if api_version == "builtin" && role != "validator" {
                    continue;
                }
                out.problems.push(Problem::Unsupported {
                    span: entry.span,
                    feature: format!("{role} plugin \"{kind}\" ({api_version})"),
                    why: "Flux builds with kustomize plugins disabled; only builtin generators and transformers load".into(),
                });
            }
        }
    }
}

/// The `(apiVersion, kind)` of the plugin configurations a `generators`/`transformers` entry
/// names: a file of configurations or inline YAML. Directories and missing files give nothing.
fn plugin_configs(repo: &Repo, dir: &str, entry: &Node) -> Vec<(String, String)> {
    let identity = |n: &Node| {
        Some((
            n.str_at(&["apiVersion"])?.to_string(),
            n.str_at(&["kind"]).unwrap_or("?").to_string(),
        ))
    };
    if entry.as_map().is_some() {
        return identity(entry).into_iter().collect();
    }
    let Some(text) = entry.as_str() else {
        return Vec::new();
    };
    let docs = if text.contains('\n') || text.contains("kind:") {
        source::yaml::parse(source::FileId::DETACHED, text).0
    } else {
        let Some(path) = source::resolve(dir, text) else {
            return Vec::new();
        };
        if repo.entry(&path) != Entry::File {
            return Vec::new();
        }
        let Ok(id) = repo.load(&path) else {
            return Vec::new();
        };
        repo.file(id).docs.clone()
    };
    docs.iter()
        .filter_map(|d| d.root.as_deref())
        .filter_map(identity)
        .collect()
}

/// `patches`, `patchesStrategicMerge` and `patchesJson6902` of a kustomization (or of a Flux
/// Kustomization's `spec`, which uses the same shape for `patches`).
pub fn parse_patches(root: &Node) -> Vec<Patch> {
    let mut patches = Vec::new();
    for item in root
        .get("patches")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        patches.extend(Patch::from_entry(item));
    }
    for item in root
        .get("patchesStrategicMerge")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        patches.extend(Patch::from_strategic_merge_entry(item));
    }
    for item in root
        .get("patchesJson6902")
        .and_then(Node::as_seq)
        .unwrap_or_default()
    {
        patches.extend(Patch::from_entry(item));
    }
    patches
}

fn unquote(v: &str) -> String {
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
        .unwrap_or(v);
    v.to_string()
}

/// Adds the generated ConfigMaps and Secrets of a layer, checking their input files exist.
pub fn generate(
    repo: &Repo,
    dir: &str,
    layer: &Layer,
    objects: &mut Vec<Object>,
    out: &mut Rendered,
) {
    for spec in &layer.generators {
        let mut data: Vec<(String, String)> = spec.literals.clone();
        for env in &spec.envs {
            if let Some(path) = check_file(repo, dir, env, out)
                && let Ok(id) = repo.load(&path)
            {
                let file = repo.file(id);
                for line in file.text().lines() {
                    let line = line.trim();
                    if line.is_empty() || line.starts_with('#') {
                        continue;
                    }
                    if let Some((k, v)) = line.split_once('=') {
                        data.push((k.trim().to_string(), unquote(v.trim())));
                    }
                }
            }
        }
        for f in &spec.files {
            // `key=path` or just `path` (the key is then the file name).
            let (key, rel) = match f.value.split_once('=') {
                Some((k, p)) => (k.to_string(), p.to_string()),
                None => (
                    f.value.rsplit('/').next().unwrap_or(&f.value).to_string(),
                    f.value.clone(),
                ),
            };
            if super::is_remote(&rel) {
                out.problems.push(Problem::Remote {
                    span: f.span,
                    kind: EntryKind::GeneratorFile,
                    url: rel,
                });
                continue;
            }
            let entry = PathRef {
                value: rel,
                span: f.span,
            };
            if check_file(repo, dir, &entry, out).is_some() {
                // File contents are not read: their values only matter offline for substitution.
                data.push((key, String::new()));
            }
        }
        if spec.behavior != "create" {
            // `merge`/`replace` change an object from a base; they create nothing new.
            for obj in objects.iter_mut() {
                if obj.kind == spec.kind && obj.name == spec.name.value {
                    let body = Arc::make_mut(&mut obj.body);
                    merge_data(body, &data, spec.name.span);
                }
            }
            continue;
        }
        let span = spec.name.span;
        let mut body = Node::new(
            span,
            Value::map(vec![
                (Node::scalar("apiVersion", span), Node::scalar("v1", span)),
                (Node::scalar("kind", span), Node::scalar(spec.kind, span)),
                (
                    Node::scalar("metadata", span),
                    Node::new(
                        span,
                        Value::map(vec![(
                            Node::scalar("name", span),
                            Node::scalar(spec.name.value.clone(), span),
                        )]),
                    ),
                ),
            ]),
        );
        merge_data(&mut body, &data, span);
        objects.push(Object {
            api_version: "v1".into(),
            kind: spec.kind.into(),
            name: spec.name.value.as_str().into(),
            namespace: spec.namespace.as_deref().map(Into::into),
            body: Arc::new(body),
            origin: span,
            name_span: span,
        });
    }
}

fn merge_data(body: &mut Node, data: &[(String, String)], span: Span) {
    if body.get("data").is_none()
        && let Value::Map(entries) = &mut body.value
    {
        yaml::edit(entries, |entries| {
            entries.push((
                Node::scalar("data", span),
                Node::new(span, Value::map(Vec::new())),
            ))
        });
    }
    if let Some(Node {
        value: Value::Map(entries),
        ..
    }) = body.get_mut("data")
    {
        yaml::edit(entries, |entries| {
            for (k, v) in data {
                entries.retain(|(key, _)| key.as_str() != Some(k));
                entries.push((Node::scalar(k.clone(), span), Node::scalar(v.clone(), span)));
            }
        });
    }
}

fn check_file(repo: &Repo, dir: &str, entry: &PathRef, out: &mut Rendered) -> Option<String> {
    let missing = |why: String| Problem::MissingEntry {
        span: entry.span,
        kind: EntryKind::GeneratorFile,
        path: entry.value.clone(),
        why,
    };
    let Some(path) = source::resolve(dir, &entry.value) else {
        out.problems
            .push(missing("it climbs out of the repository root".into()));
        return None;
    };
    match repo.entry(&path) {
        Entry::File => Some(path),
        Entry::Dir => {
            out.problems
                .push(missing(format!("\"{path}\" is a directory, not a file")));
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
