//! Flux's kustomization generator for a path without a kustomization file (fluxcd/pkg
//! `kustomize_generator.go`): YAML files are included one by one, recursively; a subdirectory
//! with its own kustomization file is one resource and is not descended; files matched by the
//! default ignore patterns or `.sourceignore` are skipped.

use std::path::Path;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use super::file::{self, Layer, PathRef};
use crate::source::{self, Entry, Repo, Span};

/// fluxcd/pkg `sourceignore` (`VCSPatterns`, `ExtraPatterns`): the VCS, CI and media files left
/// out of every artifact, as three lists. Each is a gitignore pattern without a slash but a
/// trailing one, so it matches a name at any depth (`**/.sops.yaml` is `.sops.yaml`).
/// Files and directories with these names.
const DEFAULT_IGNORED_NAMES: &[&str] = &[
    ".gitignore",
    ".gitmodules",
    ".gitattributes",
    ".travis.yml",
    ".gitlab-ci.yml",
    "appveyor.yml",
    ".drone.yml",
    "cloudbuild.yaml",
    "codeship-services.yml",
    "codeship-steps.yml",
    ".goreleaser.yml",
    ".sops.yaml",
    ".flux.yaml",
];
/// Directories with these names (`.git/`).
const DEFAULT_IGNORED_DIRS: &[&str] = &[".git", ".github", ".circleci"];
/// Files and directories whose names end so (`*.jpg`).
const DEFAULT_IGNORED_SUFFIXES: &[&str] = &[
    ".jpg", ".jpeg", ".gif", ".png", ".wmv", ".flv", ".tar.gz", ".zip",
];

/// Depth bound for the directory walk; a symlink loop inside the repository stops here.
const MAX_WALK_DEPTH: usize = 64;

/// What Flux leaves out of a source's artifact.
pub enum IgnoreRules {
    /// Flux's defaults alone (the source has no `.sourceignore`), matched name by name: fixed
    /// names need no glob compiler, which was a tenth of a small repository's start.
    Defaults,
    /// Flux's defaults followed by the source root's `.sourceignore` (which may negate them).
    Gitignore(Gitignore),
}

impl IgnoreRules {
    /// Whether `path` (relative to the source root) or one of its parent directories is
    /// ignored, as gitignore's `matched_path_or_any_parents`.
    pub fn ignores(&self, path: &str, is_dir: bool) -> bool {
        match self {
            IgnoreRules::Defaults => {
                let mut names = path.split('/').filter(|name| !name.is_empty()).peekable();
                while let Some(name) = names.next() {
                    // Every name but the last is a directory.
                    if ignored_by_default(name, is_dir || names.peek().is_some()) {
                        return true;
                    }
                }
                false
            }
            IgnoreRules::Gitignore(rules) => rules
                .matched_path_or_any_parents(Path::new(path), is_dir)
                .is_ignore(),
        }
    }
}

fn ignored_by_default(name: &str, is_dir: bool) -> bool {
    DEFAULT_IGNORED_NAMES.contains(&name)
        || (is_dir && DEFAULT_IGNORED_DIRS.contains(&name))
        || DEFAULT_IGNORED_SUFFIXES
            .iter()
            .any(|suffix| name.ends_with(suffix))
}

/// Flux's default ignore patterns and the source root's `.sourceignore`.
pub fn ignore_rules(repo: &Repo, source_root: &str) -> IgnoreRules {
    let sourceignore = source::join(source_root, ".sourceignore");
    if repo.entry(&sourceignore) != Entry::File {
        return IgnoreRules::Defaults;
    }
    let Ok(id) = repo.load(&sourceignore) else {
        return IgnoreRules::Defaults;
    };
    let file = repo.file(id);
    let text = file.text();
    // Flux's examples ship an empty `.sourceignore`: nothing to add to the defaults. (A line
    // of spaces counts as a pattern here; gitignore then decides.)
    let holds_patterns = text
        .lines()
        .any(|line| !line.is_empty() && !line.starts_with('#'));
    if !holds_patterns {
        return IgnoreRules::Defaults;
    }
    let mut builder = GitignoreBuilder::new(repo.root().join(source_root));
    add_default_lines(&mut builder);
    for line in text.lines() {
        let _ = builder.add_line(None, line);
    }
    IgnoreRules::Gitignore(builder.build().unwrap_or_else(|_| Gitignore::empty()))
}

/// Flux's defaults as gitignore lines, ahead of a `.sourceignore`'s.
fn add_default_lines(builder: &mut GitignoreBuilder) {
    let lines = DEFAULT_IGNORED_NAMES
        .iter()
        .map(|name| (*name).to_string())
        .chain(DEFAULT_IGNORED_DIRS.iter().map(|name| format!("{name}/")))
        .chain(
            DEFAULT_IGNORED_SUFFIXES
                .iter()
                .map(|suffix| format!("*{suffix}")),
        );
    for line in lines {
        let _ = builder.add_line(None, &line);
    }
}

/// The layer Flux generates for `dir`: every manifest file and kustomization subdirectory.
/// Resource spans point at the files themselves (there is no kustomization file to point at).
pub fn generate(repo: &Repo, dir: &str, source_root: &str, ignore: &IgnoreRules) -> Layer {
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
            if ignore.ignores(rel_to_source, is_dir) {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// fluxcd/pkg `sourceignore.VCSPatterns` and `ExtraPatterns` as written there: the oracle
    /// the name-by-name matcher must agree with.
    const FLUX_DEFAULT_PATTERNS: &[&str] = &[
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

    fn gitignore(lines: impl IntoIterator<Item = String>) -> Gitignore {
        let mut builder = GitignoreBuilder::new("/repo");
        for line in lines {
            builder.add_line(None, &line).unwrap();
        }
        builder.build().unwrap()
    }

    const NAMES: &[&str] = &[
        "apps",
        "kustomization.yaml",
        "release.yaml",
        ".git",
        ".github",
        ".circleci",
        ".gitignore",
        ".gitignore.yaml",
        "x.gitignore",
        ".sops.yaml",
        ".flux.yaml",
        ".goreleaser.yml",
        "appveyor.yml",
        "logo.png",
        "logo.PNG",
        ".png",
        "png",
        "chart.tar.gz",
        "chart.gz",
        "tar.gz",
        "bundle.zip",
        "a.jpeg.yaml",
        "cloudbuild.yaml",
        "codeship-steps.yml",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        #[test]
        fn the_default_matcher_is_fluxs_patterns(
            picks in proptest::collection::vec(0..NAMES.len(), 1..5),
            is_dir: bool,
        ) {
            let oracle = gitignore(FLUX_DEFAULT_PATTERNS.iter().map(|p| (*p).to_string()));
            let path = picks.iter().map(|&i| NAMES[i]).collect::<Vec<_>>().join("/");
            let expected = oracle.matched_path_or_any_parents(Path::new(&path), is_dir).is_ignore();
            proptest::prop_assert_eq!(IgnoreRules::Defaults.ignores(&path, is_dir), expected, "{}", path);
        }
    }

    #[test]
    fn the_default_lines_are_fluxs_patterns() {
        let mut builder = GitignoreBuilder::new("/repo");
        add_default_lines(&mut builder);
        let ours = builder.build().unwrap();
        let oracle = gitignore(FLUX_DEFAULT_PATTERNS.iter().map(|p| (*p).to_string()));
        assert_eq!(ours.num_ignores(), oracle.num_ignores());
        for a in NAMES {
            for b in NAMES {
                for is_dir in [false, true] {
                    let path = format!("{a}/{b}");
                    assert_eq!(
                        ours.matched_path_or_any_parents(Path::new(&path), is_dir)
                            .is_ignore(),
                        oracle
                            .matched_path_or_any_parents(Path::new(&path), is_dir)
                            .is_ignore(),
                        "{path}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_sourceignore_may_negate_a_default() {
        let mut builder = GitignoreBuilder::new("/repo");
        add_default_lines(&mut builder);
        builder.add_line(None, "!.github/").unwrap();
        let rules = IgnoreRules::Gitignore(builder.build().unwrap());
        assert!(!rules.ignores(".github/deploy.yaml", false));
        assert!(rules.ignores(".git/config", false));
        assert!(IgnoreRules::Defaults.ignores(".github/deploy.yaml", false));
    }
}
