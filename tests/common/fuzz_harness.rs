//! What each fuzz target does with one input. Shared by the `cargo fuzz` targets in `fuzz/`
//! (which include this file by path) and by `tests/fuzz_regressions.rs`, which replays the
//! inputs that once found a bug, so that CI keeps them fixed without running the fuzzer.
//!
//! Multi-file targets split their input on [`SEPARATOR`] lines: part *i* becomes the *i*-th
//! file of a small fixed repository layout (missing parts keep a valid default), so that the
//! fuzzer mutates real kustomizations and Flux objects rather than random bytes.

#![allow(dead_code)]

use std::fs;
use std::path::Path;

use fleetlint::checks::{self, Check};
use fleetlint::kustomize::{Layer, Problem, Renderer};
use fleetlint::source::{self, FileId, Repo};

/// Separates the files of a multi-file input.
pub const SEPARATOR: &str = "\n%%\n";

/// The YAML layer on arbitrary bytes: never panics, and every span it returns lies inside the
/// text on character boundaries (otherwise a label would point at the wrong place, or slicing
/// the text for a report would panic).
pub fn yaml(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (docs, errors) = source::yaml::parse(FileId(0), &text);
    let check = |span: source::Span, what: &str| {
        assert!(
            span.start <= span.end && span.end as usize <= text.len(),
            "{what} span {span:?} outside text of {} bytes",
            text.len()
        );
        assert!(
            text.is_char_boundary(span.start as usize) && text.is_char_boundary(span.end as usize),
            "{what} span {span:?} splits a character"
        );
    };
    for doc in &docs {
        assert!(doc.start as usize <= text.len());
        if let Some(root) = &doc.root {
            root.walk(&mut |node| check(node.span, "node"));
        }
    }
    for err in &errors {
        check(err.span, "error");
    }
}

const KUSTOMIZE_FILES: &[(&str, &str)] = &[
    (
        "app/kustomization.yaml",
        "resources:\n  - base\n  - deploy.yaml\ncomponents:\n  - ../comp\nnamespace: apps\nnamePrefix: p-\npatches:\n  - path: patch.yaml\nconfigMapGenerator:\n  - name: env\n    envs: [env.txt]\n",
    ),
    ("app/base/kustomization.yaml", "resources:\n  - cm.yaml\n"),
    (
        "app/base/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n",
    ),
    (
        "app/patch.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n",
    ),
    (
        "app/deploy.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n",
    ),
];

const KUSTOMIZE_FIXED: &[(&str, &str)] = &[
    (
        "comp/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nresources:\n  - extra.yaml\n",
    ),
    (
        "comp/extra.yaml",
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n",
    ),
    ("app/env.txt", "A=1\nB=two\n"),
];

const PIPELINE_FILES: &[(&str, &str)] = &[
    (
        "clusters/dev/apps.yaml",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: apps\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./apps\n  prune: true\n  dependsOn:\n    - name: infra\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: infra\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./infra\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    ),
    (
        "apps/kustomization.yaml",
        "resources:\n  - app.yaml\nnamespace: apps\n",
    ),
    (
        "apps/app.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: b\n",
    ),
    (
        "infra/release.yaml",
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata:\n  name: redis\n  namespace: flux-system\nspec:\n  interval: 1h\n  chart:\n    spec:\n      chart: redis\n      sourceRef:\n        kind: HelmRepository\n        name: bitnami\n",
    ),
];

const PIPELINE_FIXED: &[(&str, &str)] = &[
    (
        "clusters/dev/flux-system/gotk-sync.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  ref:\n    branch: main\n  url: ssh://git@github.com/example/fleet\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/dev\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
    ),
    (
        "clusters/dev/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    ),
    (
        "infra/repository.yaml",
        "apiVersion: source.toolkit.fluxcd.io/v1\nkind: HelmRepository\nmetadata:\n  name: bitnami\n  namespace: flux-system\nspec:\n  interval: 1h\n  url: https://charts.bitnami.com/bitnami\n",
    ),
];

/// Writes the layout into `root`: the parts of `data` over the variable files, then the fixed
/// ones. Every path is written on every call, so a directory can be reused between inputs.
pub fn write_layout(root: &Path, data: &[u8], variable: &[(&str, &str)], fixed: &[(&str, &str)]) {
    let mut parts = split(data);
    parts.resize(variable.len(), None);
    for ((path, default), part) in variable.iter().zip(parts) {
        write(root, path, part.unwrap_or(default.as_bytes()));
    }
    for (path, text) in fixed {
        write(root, path, text.as_bytes());
    }
}

fn split(data: &[u8]) -> Vec<Option<&[u8]>> {
    let sep = SEPARATOR.as_bytes();
    let mut parts = Vec::new();
    let mut rest = data;
    while let Some(i) = rest.windows(sep.len()).position(|w| w == sep) {
        parts.push(Some(&rest[..i]));
        rest = &rest[i + sep.len()..];
    }
    parts.push(Some(rest));
    parts
}

fn write(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).expect("temp dir is writable");
    }
    fs::write(&path, bytes).expect("temp dir is writable");
}

/// The kustomize resolver on a small repository whose `app/` kustomization, base, patch and
/// manifest come from the input: renders `app` as kustomize would, and with Flux transforms.
pub fn kustomize(root: &Path, data: &[u8]) {
    write_layout(root, data, KUSTOMIZE_FILES, KUSTOMIZE_FIXED);
    let repo = Repo::open(root).expect("temp dir opens");
    let catalog = fleetlint::catalog::Catalog::new();
    let renderer = Renderer::new(&repo, &catalog);
    for dir in ["app", "app/base", ""] {
        let rendered = renderer.flux_build(dir, "", &Layer::default());
        for obj in &rendered.objects {
            span_in_file(&repo, obj.origin);
            span_in_file(&repo, obj.name_span);
        }
        for problem in &rendered.problems {
            let span = match problem {
                Problem::MissingEntry { span, .. }
                | Problem::InvalidYaml { span, .. }
                | Problem::NotAnObject { span, .. }
                | Problem::Remote { span, .. }
                | Problem::Unsupported { span, .. } => *span,
                Problem::DuplicateId {
                    entry,
                    second,
                    first,
                    ..
                } => {
                    span_in_file(&repo, *first);
                    span_in_file(&repo, *second);
                    entry.unwrap_or(*second)
                }
            };
            span_in_file(&repo, span);
        }
    }
}

/// A span that points into a file must lie inside its text, on character boundaries.
fn span_in_file(repo: &Repo, span: source::Span) {
    if span.file == FileId::DETACHED {
        return;
    }
    let file = repo.file(span.file);
    let text = file.text();
    assert!(
        span.start <= span.end
            && (span.end as usize) <= text.len()
            && text.is_char_boundary(span.start as usize)
            && text.is_char_boundary(span.end as usize),
        "span {span:?} does not fit its file of {} bytes",
        text.len()
    );
}

/// The whole pipeline (discovery, rendering, graph, every rule, both reports) on a one-cluster
/// fleet whose Flux Kustomizations, app kustomization and manifests come from the input.
pub fn pipeline(root: &Path, data: &[u8]) {
    write_layout(root, data, PIPELINE_FILES, PIPELINE_FIXED);
    let rules: Vec<&Check> = checks::ALL.iter().collect();
    let analysis = fleetlint::analyze(Some(root), &[root.to_path_buf()], &rules)
        .expect("the generated repository is a valid target");
    let _ = fleetlint::report::human::render(
        &analysis.repo,
        &analysis.clusters,
        &analysis.findings,
        false,
    );
    let _ = fleetlint::report::json::render(&analysis.repo, &analysis.clusters, &analysis.findings);
}
