//! The files that plug fleetlint into pre-commit and GitHub Actions, and the README snippets
//! that show them, kept in step with each other.

use std::path::Path;

use fleetlint::source::FileId;
use fleetlint::source::yaml::{self, Node};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The one YAML document of a file, parsed by fleetlint's own parser.
fn document(path: &str, text: &str) -> Node {
    let (docs, errors) = yaml::parse(FileId(0), text);
    assert!(errors.is_empty(), "{path} is not valid YAML: {errors:?}");
    assert_eq!(docs.len(), 1, "{path} holds one document");
    Node::clone(
        &docs
            .into_iter()
            .next()
            .and_then(|d| d.root)
            .expect("one document"),
    )
}

fn str_at<'a>(node: &'a Node, keys: &[&str]) -> &'a str {
    node.str_at(keys)
        .unwrap_or_else(|| panic!("{} is a string", keys.join(".")))
}

#[test]
fn pre_commit_hook_manifest() {
    let text = read(".pre-commit-hooks.yaml");
    let root = document(".pre-commit-hooks.yaml", &text);
    let hooks = root.as_seq().expect("a list of hooks");
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(str_at(hook, &["id"]), "fleetlint");
    assert_eq!(str_at(hook, &["name"]), "fleetlint");
    assert_eq!(str_at(hook, &["entry"]), "fleetlint");
    assert_eq!(str_at(hook, &["language"]), "rust");
    assert_eq!(
        hook.get("pass_filenames").and_then(Node::as_bool),
        Some(false)
    );
    let files = regex_lite::Regex::new(str_at(hook, &["files"])).expect("a regex");
    for yes in ["kustomization.yaml", "clusters/prod/apps.yml"] {
        assert!(files.is_match(yes), "{yes}");
    }
    for no in ["README.md", "values.yaml.tpl", "a.json"] {
        assert!(!files.is_match(no), "{no}");
    }
    // The README shows the snippet with this hook id.
    let readme = read("README.md");
    assert!(readme.contains("repo: https://github.com/fleetlint/fleetlint"));
    assert!(readme.contains("      - id: fleetlint\n"));
}

#[test]
fn github_action_inputs_are_used_and_documented() {
    let text = read("action.yml");
    let root = document("action.yml", &text);
    assert_eq!(str_at(&root, &["runs", "using"]), "composite");
    let inputs = root.get("inputs").and_then(Node::as_map).expect("inputs");
    let names: Vec<&str> = inputs.iter().filter_map(|(k, _)| k.as_str()).collect();
    assert_eq!(names, ["path", "version", "sarif", "fail-on", "args"]);
    let defaults: Vec<&str> = inputs
        .iter()
        .map(|(_, v)| v.str_at(&["default"]).expect("a default"))
        .collect();
    assert_eq!(defaults, [".", "latest", "", "error", ""]);
    let readme = read("README.md");
    for name in &names {
        assert!(
            text.contains(&format!("${{{{ inputs.{name} }}}}")),
            "action.yml uses input {name}"
        );
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "the README documents input {name}"
        );
    }
    // It annotates with --format github, installs a release or builds from its own source.
    assert!(text.contains("run --format github"));
    assert!(text.contains("cargo install --locked --path \"$FLEETLINT_SOURCE\""));
    assert!(text.contains("releases/latest/download/$asset"));
    // The README's workflow uploads the SARIF file the action writes.
    assert!(readme.contains("uses: fleetlint/fleetlint@"));
    assert!(readme.contains("sarif: fleetlint.sarif"));
    assert!(readme.contains("sarif_file: fleetlint.sarif"));
}

#[test]
fn release_assets_are_the_ones_the_action_downloads() {
    let action = read("action.yml");
    let release = read(".github/workflows/release.yml");
    let root = document(".github/workflows/release.yml", &release);
    let matrix = root
        .path(&["jobs", "build", "strategy", "matrix", "include"])
        .and_then(Node::as_seq)
        .expect("a build matrix");
    let targets: Vec<&str> = matrix.iter().map(|m| str_at(m, &["target"])).collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-gnu",
            "x86_64-unknown-linux-musl",
            "aarch64-apple-darwin",
            "x86_64-apple-darwin",
            "x86_64-pc-windows-msvc",
        ]
    );
    // Every target the action downloads is built, under the name the action expects.
    for target in [
        "x86_64-unknown-linux-gnu",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(action.contains(&format!("target={target};")), "{target}");
        assert!(targets.contains(&target));
    }
    // The glibc build is linked statically, and checked to be.
    assert!(release.contains(
        "if [[ \"$TARGET\" == *-linux-gnu ]]; then export RUSTFLAGS=\"-C target-feature=+crt-static\"; fi"
    ));
    assert!(release.contains("the Linux binary is linked dynamically"));
    assert!(action.contains("asset=\"fleetlint-$target.$ext\""));
    assert!(release.contains("asset=\"fleetlint-$TARGET.tar.gz\""));
    assert!(release.contains("asset=\"fleetlint-$TARGET.zip\""));
    assert!(release.contains("\"$ASSET.sha256\""));
    assert!(action.contains("\"$url.sha256\""));
    let tags = root
        .path(&["on", "push", "tags"])
        .and_then(Node::as_seq)
        .expect("tag trigger");
    assert_eq!(tags[0].as_str(), Some("v*"));
}

#[test]
fn the_static_build_links_the_binary_alone_statically() {
    let config = read(".cargo/config.toml");
    assert!(config.contains(
        r#"build-static = "rustc --release --locked --bin fleetlint -- -C target-feature=+crt-static""#
    ));
    // An alias, not flags for every crate: those would reach the proc macros, which cannot be
    // linked statically, and break every other build.
    assert!(!config.contains("rustflags"));
    assert!(read("README.md").contains("cargo build-static"));
}
