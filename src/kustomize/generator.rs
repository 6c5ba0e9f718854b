//! Flux's kustomization generator for a path without a kustomization file (fluxcd/pkg
//! `kustomize_generator.go`): YAML files are included one by one, recursively; a subdirectory
//! with its own kustomization file is one resource and is not descended; files matched by the
//! default ignore patterns or `.sourceignore` are skipped.

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::file::{self, Layer, PathRef};
use crate::source::{self, Entry, Repo, Span};

/// fluxcd/pkg `sourceignore`: VCS, CI and extra exclusions applied to every artifact.
const DEFAULT_IGNORES: &[&str] = &[
    ".git/",
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
    "*.jpg",
    "*.jpeg",
    "*.gif",
    "*.png",
    "*.wmv",
    "*.flv",
    "*.tar.gz",
    "*.zip",
    ".github/",
    ".circleci/",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    "**/.goreleaser.yml",
    "**/.sops.yaml",
    "**/.flux.yaml",
];

/// Depth bound for the directory walk; a symlink loop inside the repository stops here.
const MAX_WALK_DEPTH: usize = 64;

/// Flux's default ignore patterns and the source root's `.sourceignore`.
pub fn ignore_rules(repo: &Repo, source_root: &str) -> Gitignore {
    let root = repo.root().join(source_root);
    let mut builder = GitignoreBuilder::new(&root);
    for pattern in DEFAULT_IGNORES {
        let _ = builder.add_line(None, pattern);
    }
    let sourceignore = source::join(source_root, ".sourceignore");
    if repo.entry(&sourceignore) == Entry::File
        && let Ok(id) = repo.load(&sourceignore)
    {
        for line in repo.file(id).text().lines() {
            let _ = builder.add_line(None, line);
        }
    }
    builder.build().unwrap_or_else(|_| Gitignore::empty())
}

/// The layer Flux generates for `dir`: every manifest file and kustomization subdirectory.
/// Resource spans point at the files themselves (there is no kustomization file to point at).
pub fn generate(repo: &Repo, dir: &str, source_root: &str, ignore: &Gitignore) -> Layer {
    let mut layer = Layer::default();
    let mut pending = vec![(dir.to_string(), 0usize)];
    let mut dirs_seen = Vec::new();
    while let Some((current, depth)) = pending.pop() {
        if depth > MAX_WALK_DEPTH || dirs_seen.contains(&current) {
            continue;
        }
        dirs_seen.push(current.clone());
        let mut subdirs = Vec::new();
        for (name, entry) in repo.list_dir(&current).iter() {
            let path = source::join(&current, name);
            let rel_to_source = path
                .strip_prefix(source_root)
                .map_or(path.as_str(), |p| p.trim_start_matches('/'));
            let is_dir = *entry == Entry::Dir;
            if ignore
                .matched_path_or_any_parents(Path::new(rel_to_source), is_dir)
                .is_ignore()
            {
                continue;
            }
            match entry {
                Entry::Dir if file::find(repo, &path).is_some() && path != dir => {
                    layer.resources.push(generated_entry(&path, dir));
                }
                Entry::Dir => subdirs.push((path, depth + 1)),
                Entry::File if name.ends_with(".yaml") || name.ends_with(".yml") => {
                    layer.resources.push(generated_entry(&path, dir));
                }
                _ => {}
            }
        }
        pending.extend(subdirs.into_iter().rev());
    }
    // Keep the generated order stable: files and directories in path order.
    layer.resources.sort_by(|a, b| a.value.cmp(&b.value));
    layer
}

/// A resource entry relative to `dir`, as the generated kustomization.yaml would list it.
fn generated_entry(path: &str, dir: &str) -> PathRef {
    let rel = if dir.is_empty() {
        path.to_string()
    } else {
        path.strip_prefix(dir)
            .map_or(path, |p| p.trim_start_matches('/'))
            .to_string()
    };
    PathRef {
        value: rel,
        // No kustomization file names it; problems with it are reported in the file itself.
        span: Span {
            file: source::FileId::DETACHED,
            start: 0,
            end: 0,
        },
    }
}
