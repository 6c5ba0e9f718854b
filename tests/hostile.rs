//! Hostile and broken repositories. fleetlint runs on untrusted pull requests: whatever a
//! repository holds, the binary exits 0 or 1 (never 2 for repository content, never a panic),
//! reports the problem at the right file, line and column, never reads outside the root, and
//! still checks the rest of the repository.
//!
//! Each test builds a small fleet in a temporary directory (large, binary and symlinked inputs
//! are generated here, never committed), adds one hostile input, and checks the finding for it
//! and the *sentinel*: an unrelated dangling `dependsOn` elsewhere in the fleet that must be
//! reported whatever else is broken.

mod common;

use common::fleet::{GOTK_SYNC, write};

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// One diagnostic of the JSON report, reduced to what these tests compare.
#[derive(Debug, Clone, PartialEq)]
struct Diag {
    code: String,
    file: String,
    line: u64,
    column: u64,
    message: String,
}

struct Outcome {
    code: i32,
    diags: Vec<Diag>,
    kustomizations: u64,
    stderr: String,
}

impl Outcome {
    /// The one diagnostic of `code` in `file`; fails when there is none or several.
    fn one(&self, code: &str, file: &str) -> &Diag {
        let found: Vec<&Diag> = self
            .diags
            .iter()
            .filter(|d| d.code == code && d.file == file)
            .collect();
        assert_eq!(found.len(), 1, "{code} in {file}: {:#?}", self.diags);
        found[0]
    }

    /// Asserts the diagnostics other than the sentinel, as (code, file, line, column).
    fn assert_findings(&self, expected: &[(&str, &str, u64, u64)]) {
        let mut got: Vec<(&str, &str, u64, u64)> = self
            .diags
            .iter()
            .filter(|d| d.file != SENTINEL_FILE)
            .map(|d| (d.code.as_str(), d.file.as_str(), d.line, d.column))
            .collect();
        got.sort();
        let mut expected = expected.to_vec();
        expected.sort();
        assert_eq!(got, expected, "{:#?}", self.diags);
    }
}

const SENTINEL_FILE: &str = "clusters/dev/sentinel.yaml";

/// A Flux Kustomization named `name` applying `path`, with optional `dependsOn` names.
fn flux_kustomization(name: &str, path: &str, depends_on: &[&str]) -> String {
    let mut text = format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: flux-system
spec:
  interval: 10m0s
  path: {path}
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
"
    );
    if !depends_on.is_empty() {
        text.push_str("  dependsOn:\n");
        for d in depends_on {
            text.push_str(&format!("    - name: {d}\n"));
        }
    }
    // Several Kustomizations build `apps/dev`: a prefix of their own keeps their objects
    // apart (no shared ownership), and comes last so that line numbers above stay put.
    text.push_str(&format!("  namePrefix: {name}-\n"));
    text
}

fn config_map(name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\ndata:\n  a: b\n"
    )
}

/// The base fleet: cluster `dev` whose Kustomization `apps` applies `apps/dev` (a kustomization
/// with one ConfigMap), and the sentinel.
fn fleet() -> TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).expect("mkdir .git");
    write(root, "clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC);
    write(
        root,
        "clusters/dev/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    );
    write(
        root,
        "clusters/dev/apps.yaml",
        flux_kustomization("apps", "./apps/dev", &[]),
    );
    // Line 14, column 13: the sentinel's dangling dependency.
    write(
        root,
        SENTINEL_FILE,
        flux_kustomization("sentinel", "./apps/dev", &["no-such-thing"]),
    );
    write(
        root,
        "apps/dev/kustomization.yaml",
        "resources:\n  - cm.yaml\n",
    );
    write(root, "apps/dev/cm.yaml", config_map("settings"));
    dir
}

/// `apps/dev/kustomization.yaml` listing cm.yaml and `extra`.
fn resources(root: &Path, extra: &[&str]) {
    let mut text = String::from("resources:\n  - cm.yaml\n");
    for e in extra {
        text.push_str(&format!("  - {e}\n"));
    }
    write(root, "apps/dev/kustomization.yaml", text);
}

#[cfg(unix)]
fn symlink(target: &str, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

fn lint(root: &Path) -> Outcome {
    lint_with(root, &[])
}

fn lint_with(root: &Path, env: &[(&str, &str)]) -> Outcome {
    let mut cmd = Command::cargo_bin("fleetlint").expect("the binary is built");
    cmd.current_dir(root)
        .args(["--format", "json"])
        .timeout(Duration::from_secs(120));
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("fleetlint runs");
    let code = out.status.code().unwrap_or(-1);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let mut outcome = Outcome {
        code,
        diags: Vec::new(),
        kustomizations: 0,
        stderr,
    };
    if code == 2 || stdout.is_empty() {
        return outcome;
    }
    let json: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    outcome.kustomizations = json["clusters"]
        .as_array()
        .expect("clusters")
        .iter()
        .map(|c| c["kustomizations"].as_u64().expect("count"))
        .sum();
    outcome.diags = json["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| Diag {
            code: d["code"].as_str().expect("code").to_string(),
            file: d["file"].as_str().expect("file").to_string(),
            line: d["line"].as_u64().expect("line"),
            column: d["column"].as_u64().expect("column"),
            message: d["message"].as_str().expect("message").to_string(),
        })
        .collect();
    outcome
}

/// Lints, checks the run was not an internal error and the sentinel is still found.
fn checked(root: &Path) -> Outcome {
    let outcome = lint(root);
    assert!(
        outcome.code == 0 || outcome.code == 1,
        "exit {}: {}",
        outcome.code,
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("panicked"), "{}", outcome.stderr);
    let sentinel = outcome.one("FL002", SENTINEL_FILE);
    assert_eq!((sentinel.line, sentinel.column), (14, 13), "{sentinel:?}");
    assert!(sentinel.message.contains("no-such-thing"));
    outcome
}

fn contains(diag: &Diag, text: &str) {
    assert!(
        diag.message.contains(text),
        "{:?} lacks {text:?}",
        diag.message
    );
}

#[test]
fn the_base_fleet_has_only_the_sentinel() {
    let dir = fleet();
    let outcome = checked(dir.path());
    assert_eq!(outcome.code, 1);
    outcome.assert_findings(&[]);
    assert_eq!(outcome.kustomizations, 3);
}

// ---------------------------------------------------------------------------------------------
// Paths and symlinks: nothing outside the root is ever read.

#[cfg(unix)]
#[test]
fn symlink_to_a_file_outside_the_root() {
    let outside = tempfile::tempdir().expect("temp dir");
    write(outside.path(), "secret.yaml", config_map("stolen"));
    let dir = fleet();
    let root = dir.path();
    let target = outside.path().join("secret.yaml");
    symlink(
        target.to_str().expect("utf-8 path"),
        &root.join("apps/dev/secret.yaml"),
    );
    // Also where Flux's generator would list it: never read, never reported as an object.
    symlink(
        target.to_str().expect("utf-8 path"),
        &root.join("clusters/dev/secret.yaml"),
    );
    resources(root, &["secret.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL004", "apps/dev/kustomization.yaml", 3, 5)]);
    contains(
        outcome.one("FL004", "apps/dev/kustomization.yaml"),
        "\"apps/dev/secret.yaml\" is a symlink that leads outside the repository",
    );
}

#[cfg(unix)]
#[test]
fn symlink_to_a_directory_outside_the_root() {
    let outside = tempfile::tempdir().expect("temp dir");
    write(
        outside.path(),
        "kustomization.yaml",
        "resources: [x.yaml]\n",
    );
    write(outside.path(), "x.yaml", config_map("stolen"));
    let dir = fleet();
    let root = dir.path();
    symlink(
        outside.path().to_str().expect("utf-8 path"),
        &root.join("apps/outside"),
    );
    resources(root, &["../outside", "../outside/x.yaml"]);
    write(
        root,
        "clusters/dev/outside.yaml",
        flux_kustomization("outside", "./apps/outside", &[]),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL003", "clusters/dev/outside.yaml", 8, 9),
        ("FL004", "apps/dev/kustomization.yaml", 3, 5),
        ("FL004", "apps/dev/kustomization.yaml", 4, 5),
    ]);
    contains(
        outcome.one("FL003", "clusters/dev/outside.yaml"),
        "is a symlink that leads outside the repository",
    );
    for d in &outcome.diags {
        assert!(!d.message.contains("stolen"), "{d:?}");
    }
}

#[cfg(unix)]
#[test]
fn symlink_loops_are_not_followed() {
    let dir = fleet();
    let root = dir.path();
    symlink("b", &root.join("apps/dev/a"));
    symlink("a", &root.join("apps/dev/b"));
    symlink(".", &root.join("apps/dev/self"));
    resources(root, &["a", "self"]);
    // A generated kustomization over a directory with loops in it: `up` leads back to its
    // parent, `x.yaml` to itself. Flux's artifact has no symlinks; neither does the walk.
    write(root, "apps/gen/cm.yaml", config_map("gen"));
    symlink("..", &root.join("apps/gen/up"));
    symlink("x.yaml", &root.join("apps/gen/x.yaml"));
    write(
        root,
        "clusters/dev/gen.yaml",
        flux_kustomization("gen", "./apps/gen", &[]),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL004", "apps/dev/kustomization.yaml", 3, 5),
        ("FL004", "apps/dev/kustomization.yaml", 4, 5),
    ]);
    for d in outcome.diags.iter().filter(|d| d.code == "FL004") {
        contains(d, "Flux leaves symlinks out of the source artifact");
    }
}

#[test]
fn path_climbing_above_the_root() {
    let dir = fleet();
    let root = dir.path();
    write(
        root,
        "clusters/dev/apps.yaml",
        flux_kustomization("apps", "../../..", &[]),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL003", "clusters/dev/apps.yaml", 8, 9)]);
    contains(
        outcome.one("FL003", "clusters/dev/apps.yaml"),
        "climbs above the source root",
    );
}

#[test]
fn absolute_path_is_relative_to_the_source_root() {
    // SecureJoin: `/etc` is the repository's `etc`, which does not exist. The host's /etc is
    // never looked at.
    let dir = fleet();
    let root = dir.path();
    write(
        root,
        "clusters/dev/apps.yaml",
        flux_kustomization("apps", "/etc", &[]),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL003", "clusters/dev/apps.yaml", 8, 9)]);
    contains(
        outcome.one("FL003", "clusters/dev/apps.yaml"),
        "path \"/etc\" of Kustomization \"flux-system/apps\" does not exist",
    );
}

#[test]
fn backslash_path() {
    let dir = fleet();
    let root = dir.path();
    write(
        root,
        "clusters/dev/apps.yaml",
        flux_kustomization("apps", "..\\..", &[]),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL003", "clusters/dev/apps.yaml", 8, 9)]);
    contains(
        outcome.one("FL003", "clusters/dev/apps.yaml"),
        "uses backslashes",
    );
}

#[test]
fn resource_climbing_to_etc_passwd() {
    let dir = fleet();
    let root = dir.path();
    resources(root, &["../../../../etc/passwd"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL004", "apps/dev/kustomization.yaml", 3, 5)]);
    contains(
        outcome.one("FL004", "apps/dev/kustomization.yaml"),
        "climbs out of the repository root",
    );
}

// ---------------------------------------------------------------------------------------------
// YAML bombs and limits.

#[test]
fn billion_laughs() {
    let dir = fleet();
    let root = dir.path();
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: lol\n  namespace: default\ndata:\n  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n",
    );
    let mut previous = 'a';
    for c in 'b'..='i' {
        let refs = vec![format!("*{previous}"); 9].join(", ");
        text.push_str(&format!("  {c}: &{c} [{refs}]\n"));
        previous = c;
    }
    write(root, "apps/dev/lol.yaml", text);
    resources(root, &["lol.yaml"]);
    let outcome = checked(root);
    // Line 11 is `h: &h [...]`, nine copies of `g` (9^8 nodes in all): the budget, which also
    // counts what anchors copy, runs out at that anchored sequence.
    outcome.assert_findings(&[("FL012", "apps/dev/lol.yaml", 11, 6)]);
    contains(
        outcome.one("FL012", "apps/dev/lol.yaml"),
        &format!(
            "alias expansion exceeds {} nodes",
            fleetlint::source::yaml::MAX_ALIAS_NODES
        ),
    );
}

#[test]
fn aliases_of_a_long_string() {
    // Few nodes, many bytes: 2 000 aliases of a 100 kB string would copy 200 MB.
    let dir = fleet();
    let root = dir.path();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: long\n  namespace: default\ndata:\n  a: &a \"{}\"\n  b: [{}]\n",
        "x".repeat(100_000),
        vec!["*a"; 2_000].join(", ")
    );
    write(root, "apps/dev/long.yaml", text);
    resources(root, &["long.yaml"]);
    let outcome = checked(root);
    let d = outcome.one("FL012", "apps/dev/long.yaml");
    assert_eq!(d.line, 8);
    contains(
        d,
        &format!("{} bytes", fleetlint::source::yaml::MAX_ALIAS_BYTES),
    );
}

#[test]
fn nesting_100_000_levels_deep() {
    let dir = fleet();
    let root = dir.path();
    let text = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n  namespace: default\ndata:\n  x: {}{}\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(root, "apps/dev/deep.yaml", text);
    // Block style nests one level per line (and one more space each time, so 1 000 levels).
    let mut block = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep\n  namespace: default\ndata:\n",
    );
    for i in 0..1_000 {
        block.push_str(&" ".repeat(i + 2));
        block.push_str(&format!("k{i}:\n"));
    }
    write(root, "apps/dev/deep-block.yaml", block);
    resources(root, &["deep.yaml", "deep-block.yaml"]);
    let outcome = checked(root);
    let flow = outcome.one("FL012", "apps/dev/deep.yaml");
    assert_eq!(flow.line, 7);
    let block = outcome.one("FL012", "apps/dev/deep-block.yaml");
    contains(
        block,
        &format!(
            "nesting deeper than {} levels",
            fleetlint::source::yaml::MAX_DEPTH
        ),
    );
    // `data:` is level 1 (line 6), so the first level too deep is on line 6 + MAX_DEPTH.
    assert_eq!(block.line, 6 + fleetlint::source::yaml::MAX_DEPTH as u64);
}

#[test]
fn a_mapping_with_300_000_keys_is_linear() {
    let dir = fleet();
    let root = dir.path();
    let mut text = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: wide\n  namespace: default\ndata:\n",
    );
    for i in 0..300_000 {
        text.push_str(&format!("  k{i}: v\n"));
    }
    text.push_str("  k7: again\n");
    write(root, "apps/dev/wide.yaml", text);
    resources(root, &["wide.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "apps/dev/wide.yaml", 300_007, 3)]);
    contains(
        outcome.one("FL012", "apps/dev/wide.yaml"),
        "duplicate key \"k7\" (first defined on line 14)",
    );
}

#[test]
fn a_200_mb_file_is_not_read() {
    let dir = fleet();
    let root = dir.path();
    let limit = fleetlint::source::MAX_FILE_BYTES;
    assert_eq!(limit, 64 * 1024 * 1024);
    // Valid YAML followed by a sparse tail of zeros: instant to create, takes no disk space,
    // and reading it would report NUL bytes rather than its size.
    for rel in ["apps/dev/big.yaml", "clusters/dev/big.yaml"] {
        write(root, rel, config_map("big"));
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(root.join(rel))
            .expect("open");
        file.set_len(200 * 1024 * 1024).expect("set_len");
    }
    resources(root, &["big.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL012", "apps/dev/big.yaml", 1, 1),
        ("FL012", "clusters/dev/big.yaml", 1, 1),
    ]);
    for d in outcome.diags.iter().filter(|d| d.code == "FL012") {
        contains(
            d,
            "file is 200 MiB (209715200 bytes), larger than fleetlint's 64 MiB limit",
        );
    }
}

#[test]
fn substitution_of_a_long_variable_many_times() {
    // A 1 MB variable used 20 000 times would be 20 GB of substituted text.
    let dir = fleet();
    let root = dir.path();
    let mut apps = flux_kustomization("apps", "./apps/dev", &[]);
    apps.push_str(&format!(
        "  postBuild:\n    substitute:\n      BIG: \"{}\"\n",
        "x".repeat(1_000_000)
    ));
    write(root, "clusters/dev/apps.yaml", apps);
    write(
        root,
        "apps/dev/cm.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: \"{}\"\n",
            "${BIG}".repeat(20_000)
        ),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "apps/dev/cm.yaml", 4, 9)]);
    contains(
        outcome.one("FL012", "apps/dev/cm.yaml"),
        &format!(
            "post-build substitution of Kustomization \"flux-system/apps\" grows past {} MiB",
            fleetlint::kustomize::substitute::MAX_SUBSTITUTED_BYTES / (1024 * 1024)
        ),
    );
}

#[test]
fn substitution_expressions_nested_50_000_deep() {
    // `${A:-${A:-...}}`: a recursive parser overflows its stack long before this.
    let dir = fleet();
    let root = dir.path();
    let mut apps = flux_kustomization("apps", "./apps/dev", &[]);
    apps.push_str("  postBuild:\n    substitute:\n      X: \"y\"\n");
    write(root, "clusters/dev/apps.yaml", apps);
    let n = 50_000;
    write(
        root,
        "apps/dev/cm.yaml",
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: \"{}x{}\"\n",
            "${A:-".repeat(n),
            "}".repeat(n)
        ),
    );
    let outcome = checked(root);
    let nested: Vec<&Diag> = outcome
        .diags
        .iter()
        .filter(|d| d.file == "apps/dev/cm.yaml")
        .collect();
    assert_eq!(nested.len(), 1, "{:#?}", outcome.diags);
    assert_eq!((nested[0].line, nested[0].code.as_str()), (7, "FL015"));
    contains(nested[0], "expressions nested more than 64 levels deep");
}

#[test]
fn substitution_that_multiplies_a_value() {
    // `${X//a/${BIG}}` repeats a 100 kB value once per `a` of a 100 kB value: 10 GB.
    let dir = fleet();
    let root = dir.path();
    let mut apps = flux_kustomization("apps", "./apps/dev", &[]);
    apps.push_str(&format!(
        "  postBuild:\n    substitute:\n      X: \"{0}\"\n      BIG: \"{0}\"\n",
        "a".repeat(100_000)
    ));
    write(root, "clusters/dev/apps.yaml", apps);
    write(
        root,
        "apps/dev/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: \"${X//a/${BIG}}\"\n",
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "apps/dev/cm.yaml", 4, 9)]);
    contains(
        outcome.one("FL012", "apps/dev/cm.yaml"),
        "post-build substitution of Kustomization \"flux-system/apps\" grows past",
    );
}

#[test]
fn substitution_glob_on_a_long_value() {
    // `${X##*a*a*a*b}` matched prefix by prefix would be quadratic in the value's length.
    let dir = fleet();
    let root = dir.path();
    let mut apps = flux_kustomization("apps", "./apps/dev", &[]);
    apps.push_str(&format!(
        "  postBuild:\n    substitute:\n      X: \"{}\"\n",
        "a".repeat(1_000_000)
    ));
    write(root, "clusters/dev/apps.yaml", apps);
    write(
        root,
        "apps/dev/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: default\ndata:\n  a: \"${X##*a*a*a*b}\"\n  b: \"${X%%a}\"\n",
    );
    // The run itself is the test: a backtracking pattern must not hang it (the harness's
    // timeout fails it).
    let outcome = checked(root);
    // Too costly to work out offline: the value counts as unknown, so nothing is reported.
    outcome.assert_findings(&[]);
}

#[test]
fn a_resource_path_of_100_000_components() {
    // Looking a path up one component at a time by recursion overflows the stack.
    let dir = fleet();
    let root = dir.path();
    let long = vec!["a"; 100_000].join("/");
    resources(root, &[&long]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL004", "apps/dev/kustomization.yaml", 3, 5)]);
}

// ---------------------------------------------------------------------------------------------
// Bytes that are not YAML text.

#[test]
fn binary_file_named_yaml() {
    let dir = fleet();
    let root = dir.path();
    let mut bytes = b"\x7fELF\x02\x01\x01\x00".to_vec();
    bytes.extend((0..4096u32).map(|i| (i * 7 % 256) as u8));
    write(root, "apps/dev/tool.yaml", &bytes);
    write(root, "clusters/dev/tool.yaml", &bytes);
    resources(root, &["tool.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL012", "apps/dev/tool.yaml", 1, 1),
        ("FL012", "clusters/dev/tool.yaml", 1, 1),
    ]);
    contains(
        outcome.one("FL012", "apps/dev/tool.yaml"),
        "binary (it contains NUL bytes)",
    );
}

#[test]
fn invalid_utf8_points_at_the_bad_byte() {
    let dir = fleet();
    let root = dir.path();
    write(
        root,
        "clusters/dev/latin1.yaml",
        b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: latin1\ndata:\n  city: \"K\xf6ln\"\n",
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "clusters/dev/latin1.yaml", 6, 11)]);
    contains(
        outcome.one("FL012", "clusters/dev/latin1.yaml"),
        "not UTF-8",
    );
}

#[test]
fn byte_order_mark() {
    let dir = fleet();
    let root = dir.path();
    // A BOM before a Kustomization with a dangling dependency and a non-ASCII name: the finding
    // must land on the same line and column as without the BOM.
    let text = format!(
        "\u{feff}{}",
        flux_kustomization("bom-café", "./apps/dev", &["nope"])
    );
    write(root, "clusters/dev/bom.yaml", text);
    write(
        root,
        "apps/dev/kustomization.yaml",
        "\u{feff}resources:\n  - cm.yaml\n  - missing.yaml\n",
    );
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL002", "clusters/dev/bom.yaml", 14, 13),
        ("FL004", "apps/dev/kustomization.yaml", 3, 5),
    ]);
}

#[test]
fn crlf_line_endings() {
    let dir = fleet();
    let root = dir.path();
    let text = flux_kustomization("crlf", "./apps/dev", &["nope"]).replace('\n', "\r\n");
    write(root, "clusters/dev/crlf.yaml", text);
    write(
        root,
        "apps/dev/kustomization.yaml",
        "resources:\r\n  - cm.yaml\r\n  - missing.yaml\r\n",
    );
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL002", "clusters/dev/crlf.yaml", 14, 13),
        ("FL004", "apps/dev/kustomization.yaml", 3, 5),
    ]);
}

#[test]
fn old_mac_line_endings() {
    // A lone `\r` ends a line for YAML: positions must count it as one.
    let dir = fleet();
    let root = dir.path();
    let text = flux_kustomization("cr", "./apps/dev", &["nope"]).replace('\n', "\r");
    write(root, "clusters/dev/cr.yaml", text);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL002", "clusters/dev/cr.yaml", 14, 13)]);
}

#[test]
fn tabs_as_indentation() {
    let dir = fleet();
    let root = dir.path();
    write(
        root,
        "apps/dev/tabs.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n\tname: tabbed\n",
    );
    // A tab inside a value is fine.
    write(
        root,
        "apps/dev/tab-value.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: tab-value\n  namespace: default\ndata:\n  a: \"x\ty\"\n",
    );
    resources(root, &["tabs.yaml", "tab-value.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "apps/dev/tabs.yaml", 4, 2)]);
    contains(outcome.one("FL012", "apps/dev/tabs.yaml"), "tabs");
}

#[test]
fn duplicate_keys() {
    let dir = fleet();
    let root = dir.path();
    write(
        root,
        "apps/dev/dup.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  namespace: default\n  name: first\n  name: second\n",
    );
    resources(root, &["dup.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "apps/dev/dup.yaml", 6, 3)]);
    contains(
        outcome.one("FL012", "apps/dev/dup.yaml"),
        "duplicate key \"name\" (first defined on line 5)",
    );
}

#[test]
fn empty_files_and_documents() {
    let dir = fleet();
    let root = dir.path();
    // Under a generated path (clusters/dev) and as kustomization resources.
    write(root, "clusters/dev/empty.yaml", "");
    write(root, "clusters/dev/dashes.yaml", "---\n");
    write(
        root,
        "clusters/dev/comments.yaml",
        "---\n---\n\n---\n# only a comment\n...\n",
    );
    // A real object after empty documents is still read: its dangling dependency is reported.
    let text = format!(
        "---\n---\n{}---\n",
        flux_kustomization("after-empty", "./apps/dev", &["nope"])
    );
    write(root, "clusters/dev/after-empty.yaml", text);
    write(root, "apps/dev/empty.yaml", "");
    write(root, "apps/dev/dashes.yaml", "---\n---\n");
    resources(root, &["empty.yaml", "dashes.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL002", "clusters/dev/after-empty.yaml", 16, 13)]);
    assert_eq!(outcome.kustomizations, 4);
}

#[test]
fn empty_kustomization_file() {
    let dir = fleet();
    let root = dir.path();
    write(root, "apps/dev/kustomization.yaml", "");
    let outcome = checked(root);
    outcome.assert_findings(&[]);
}

#[test]
fn non_string_keys() {
    let dir = fleet();
    let root = dir.path();
    // Scalars of any type are fine as keys (Kubernetes turns them into strings)...
    write(
        root,
        "apps/dev/scalar-keys.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: scalar-keys\n  namespace: default\ndata:\n  1: one\n  true: yes\n  ~: null-key\n",
    );
    // ...sequences and mappings are not.
    write(
        root,
        "apps/dev/complex-keys.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: complex-keys\n  namespace: default\ndata:\n  [a, b]: seq\n  ? {x: 1}\n  : map\n",
    );
    resources(root, &["scalar-keys.yaml", "complex-keys.yaml"]);
    let outcome = checked(root);
    let complex: Vec<(u64, u64)> = outcome
        .diags
        .iter()
        .filter(|d| d.file == "apps/dev/complex-keys.yaml")
        .map(|d| (d.line, d.column))
        .collect();
    assert_eq!(complex, vec![(7, 3), (8, 5)], "{:#?}", outcome.diags);
    for d in outcome.diags.iter().filter(|d| d.code == "FL012") {
        contains(d, "a mapping key must be a scalar");
    }
    outcome.assert_findings(&[
        ("FL012", "apps/dev/complex-keys.yaml", 7, 3),
        ("FL012", "apps/dev/complex-keys.yaml", 8, 5),
    ]);
}

#[test]
fn merge_keys() {
    let dir = fleet();
    let root = dir.path();
    // Anchors live within one document, so two Kustomizations sharing a spec are a List.
    write(
        root,
        "clusters/dev/merged.yaml",
        "apiVersion: v1
kind: List
items:
  - apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: base
      namespace: flux-system
    spec: &defaults
      interval: 10m0s
      prune: true
      path: ./apps/dev
      sourceRef:
        kind: GitRepository
        name: flux-system
  - apiVersion: kustomize.toolkit.fluxcd.io/v1
    kind: Kustomization
    metadata:
      name: merged
      namespace: flux-system
    spec:
      <<: *defaults
      path: ./apps/missing
      dependsOn:
        - name: nope
",
    );
    let outcome = checked(root);
    // The merged sourceRef makes `merged` this repository's, so its path is checked: its own
    // `path` wins over the merged one.
    outcome.assert_findings(&[
        ("FL002", "clusters/dev/merged.yaml", 25, 17),
        ("FL003", "clusters/dev/merged.yaml", 23, 13),
    ]);
    contains(
        outcome.one("FL003", "clusters/dev/merged.yaml"),
        "\"./apps/missing\"",
    );
    assert_eq!(outcome.kustomizations, 5);
}

// ---------------------------------------------------------------------------------------------
// Loops between kustomizations and Flux Kustomizations.

#[test]
fn kustomization_that_includes_itself() {
    let dir = fleet();
    let root = dir.path();
    resources(root, &[".", "../dev"]);
    let outcome = checked(root);
    outcome.assert_findings(&[
        ("FL004", "apps/dev/kustomization.yaml", 3, 5),
        ("FL004", "apps/dev/kustomization.yaml", 4, 5),
    ]);
    for d in outcome.diags.iter().filter(|d| d.code == "FL004") {
        contains(d, "it includes itself: apps/dev → apps/dev");
    }
}

#[test]
fn kustomizations_that_include_each_other() {
    let dir = fleet();
    let root = dir.path();
    resources(root, &["../other"]);
    write(
        root,
        "apps/other/kustomization.yaml",
        "resources:\n  - ../dev\n",
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL004", "apps/other/kustomization.yaml", 2, 5)]);
    contains(
        outcome.one("FL004", "apps/other/kustomization.yaml"),
        "it includes itself: apps/dev → apps/other → apps/dev",
    );
}

#[test]
fn diamonds_of_bases_and_components_stay_linear() {
    // Each level lists the next twice: 2^30 copies of one ConfigMap, and 2^30 applications of
    // a component, if nothing stopped them. kustomize refuses the second copy of an object
    // ("may not add resource with an already registered id"), so fleetlint keeps one and
    // reports each level once; component applications are bounded.
    let dir = fleet();
    let root = dir.path();
    for i in 0..30 {
        write(
            root,
            &format!("apps/d{i}/kustomization.yaml"),
            format!("resources:\n  - ../d{0}\n  - ../d{0}/\n", i + 1),
        );
        write(
            root,
            &format!("apps/c{i}/kustomization.yaml"),
            format!(
                "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\ncomponents:\n  - ../c{0}\n  - ../c{0}\n",
                i + 1
            ),
        );
    }
    write(
        root,
        "apps/d30/kustomization.yaml",
        "resources:\n  - cm.yaml\n",
    );
    write(root, "apps/d30/cm.yaml", config_map("x"));
    write(
        root,
        "apps/c30/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\nnamePrefix: p-\n",
    );
    write(
        root,
        "apps/dev/kustomization.yaml",
        "resources:\n  - cm.yaml\n  - ../d0\ncomponents:\n  - ../c0\n",
    );
    let outcome = checked(root);
    let mut expected: Vec<(String, String, u64, u64)> = (0..30)
        .map(|i| {
            (
                "FL009".to_string(),
                format!("apps/d{i}/kustomization.yaml"),
                3,
                5,
            )
        })
        .collect();
    expected.push(("FL004".into(), "apps/c28/kustomization.yaml".into(), 4, 5));
    let expected: Vec<(&str, &str, u64, u64)> = expected
        .iter()
        .map(|(c, f, l, col)| (c.as_str(), f.as_str(), *l, *col))
        .collect();
    outcome.assert_findings(&expected);
    contains(
        outcome.one("FL009", "apps/d29/kustomization.yaml"),
        "ConfigMap \"default/x\" is added twice to one kustomization",
    );
    contains(
        outcome.one("FL004", "apps/c28/kustomization.yaml"),
        "fleetlint applies at most 1000 components in one build",
    );
}

#[test]
fn the_same_file_listed_twice() {
    let dir = fleet();
    let root = dir.path();
    resources(root, &["cm.yaml"]);
    let outcome = checked(root);
    outcome.assert_findings(&[("FL009", "apps/dev/kustomization.yaml", 3, 5)]);
    contains(
        outcome.one("FL009", "apps/dev/kustomization.yaml"),
        "ConfigMap \"default/settings\" is added twice to one kustomization",
    );
}

#[test]
fn flux_kustomization_whose_path_is_its_own_directory() {
    let dir = fleet();
    let root = dir.path();
    // `own` is defined in apps/own and applies apps/own, so it applies its own definition,
    // as flux-system does: normal, and the build terminates. (No name prefixes here: `apps`
    // would rename the `own` it applies.)
    let unprefixed = |name: &str, path: &str| {
        flux_kustomization(name, path, &[]).replace(&format!("  namePrefix: {name}-\n"), "")
    };
    write(root, "apps/own/ks.yaml", unprefixed("own", "./apps/own"));
    write(root, "apps/own/cm.yaml", config_map("own"));
    write(
        root,
        "clusters/dev/apps.yaml",
        unprefixed("apps", "./apps/own"),
    );
    let outcome = checked(root);
    // `apps` applies apps/own, and so does `own`: both own its ConfigMap, a real warning.
    outcome.assert_findings(&[("FL010", "apps/own/ks.yaml", 8, 9)]);
    contains(
        outcome.one("FL010", "apps/own/ks.yaml"),
        "Kustomizations \"flux-system/apps\" and \"flux-system/own\" both build \"./apps/own\"",
    );
    assert_eq!(outcome.kustomizations, 4);
}

#[test]
fn ten_thousand_kustomizations_in_one_file() {
    let dir = fleet();
    let root = dir.path();
    let mut docs = Vec::new();
    for i in 0..10_000 {
        let previous = format!("ks-{}", i.max(1) - 1);
        let deps: Vec<&str> = match i {
            0 => vec![],
            5_000 => vec!["ks-missing"],
            _ => vec![previous.as_str()],
        };
        docs.push(flux_kustomization(&format!("ks-{i}"), "./apps/dev", &deps));
    }
    write(root, "clusters/dev/many.yaml", docs.join("---\n"));
    let outcome = checked(root);
    // Document 0 has 13 lines, the others 15, each after a `---` line: document 1 starts on
    // line 15, document 5000 on line 15 + 4999 * 16, and its dependency is its 14th line.
    let line = 15 + 4_999 * 16 + 13;
    outcome.assert_findings(&[("FL002", "clusters/dev/many.yaml", line, 13)]);
    contains(
        outcome.one("FL002", "clusters/dev/many.yaml"),
        "\"flux-system/ks-missing\"",
    );
    assert_eq!(outcome.kustomizations, 10_003);
}

#[test]
fn many_kustomizations_applying_one_large_directory() {
    // 2 000 Kustomizations × 1 000 ConfigMaps: 2 million applied objects from 400 kB of YAML.
    let dir = fleet();
    let root = dir.path();
    let docs: Vec<String> = (0..2_000)
        .map(|i| flux_kustomization(&format!("ks-{i}"), "./apps/big", &[]))
        .collect();
    write(root, "clusters/dev/many.yaml", docs.join("---\n"));
    let maps: Vec<String> = (0..1_000).map(|i| config_map(&format!("cm-{i}"))).collect();
    write(root, "apps/big/cms.yaml", maps.join("---\n"));
    let outcome = checked(root);
    let limit: Vec<&Diag> = outcome
        .diags
        .iter()
        .filter(|d| d.file != SENTINEL_FILE)
        .collect();
    assert_eq!(limit.len(), 1, "{:#?}", outcome.diags);
    assert_eq!(
        (limit[0].code.as_str(), limit[0].file.as_str()),
        ("FL012", "clusters/dev/many.yaml")
    );
    contains(
        limit[0],
        &format!(
            "cluster \"dev\" applies more than {} objects",
            fleetlint::fleet::MAX_CLUSTER_OBJECTS
        ),
    );
}

#[test]
fn a_large_patch_applied_to_many_objects() {
    // A 1 MB patch applied to 1 000 ConfigMaps would copy 1 GB.
    let dir = fleet();
    let root = dir.path();
    let maps: Vec<String> = (0..1_000).map(|i| config_map(&format!("cm-{i}"))).collect();
    write(root, "apps/dev/many.yaml", maps.join("---\n"));
    write(
        root,
        "apps/dev/kustomization.yaml",
        format!(
            "resources:\n  - cm.yaml\n  - many.yaml\npatches:\n  - target:\n      kind: ConfigMap\n    patch: |\n      - op: add\n        path: /data/big\n        value: \"{}\"\n",
            "x".repeat(1_000_000)
        ),
    );
    let outcome = checked(root);
    outcome.assert_findings(&[("FL012", "apps/dev/kustomization.yaml", 5, 5)]);
    contains(
        outcome.one("FL012", "apps/dev/kustomization.yaml"),
        &format!(
            "patches copy more than {} MiB",
            fleetlint::kustomize::MAX_PATCHED_BYTES / (1024 * 1024)
        ),
    );
}

#[test]
fn thousands_of_findings_in_one_file() {
    // Each finding used to rescan its file from the start (twice, with a copy of the text for
    // the human report), and each did-you-mean compared every name: quadratic, minutes here.
    let dir = fleet();
    let root = dir.path();
    let docs: Vec<String> = (0..5_000)
        .map(|i| flux_kustomization(&format!("ks-{i}"), "./apps/dev", &[&format!("nope-{i}")]))
        .collect();
    write(root, "clusters/dev/many.yaml", docs.join("---\n"));
    let outcome = checked(root);
    let many: Vec<&Diag> = outcome
        .diags
        .iter()
        .filter(|d| d.file == "clusters/dev/many.yaml")
        .collect();
    assert_eq!(many.len(), 5_000);
    // Document i starts on line 16 * i + 1; its dependency is its 14th line.
    assert!(
        many.iter()
            .all(|d| d.code == "FL002" && d.column == 13 && (d.line - 14) % 16 == 0)
    );
    let human = Command::cargo_bin("fleetlint")
        .expect("the binary is built")
        .current_dir(root)
        .args(["--color", "never"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("fleetlint runs");
    assert_eq!(human.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&human.stdout)
            .contains("fleetlint: 5001 errors, 0 warnings, 0 infos")
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_named_yaml_does_not_block() {
    let dir = fleet();
    let root = dir.path();
    let fifo = root.join("clusters/dev/pipe.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !made {
        eprintln!("mkfifo is not available: skipped");
        return;
    }
    let outcome = checked(root);
    outcome.assert_findings(&[]);
}

#[cfg(unix)]
#[test]
fn the_configuration_file_is_read_like_the_repository() {
    // A configuration that cannot be used is exit 2 by design; but it is never read through a
    // symlink (here to a file outside the repository) nor past the size limit.
    let outside = tempfile::tempdir().expect("temp dir");
    write(
        outside.path(),
        "secret.yaml",
        "rules:\n  top-secret-value: off\n",
    );
    let dir = fleet();
    let root = dir.path();
    let target = outside.path().join("secret.yaml");
    symlink(
        target.to_str().expect("utf-8 path"),
        &root.join(".fleetlint.yaml"),
    );
    let outcome = lint(root);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome.stderr.contains(
            "cannot read the configuration .fleetlint.yaml: a symlink leads outside the repository"
        ),
        "{}",
        outcome.stderr
    );
    assert!(!outcome.stderr.contains("top-secret-value"));

    std::fs::remove_file(root.join(".fleetlint.yaml")).expect("rm");
    write(root, ".fleetlint.yaml", "rules: {}\n");
    std::fs::OpenOptions::new()
        .write(true)
        .open(root.join(".fleetlint.yaml"))
        .expect("open")
        .set_len(200 * 1024 * 1024)
        .expect("set_len");
    let outcome = lint(root);
    assert_eq!(outcome.code, 2);
    assert!(
        outcome
            .stderr
            .contains("larger than fleetlint's 64 MiB limit"),
        "{}",
        outcome.stderr
    );
}

// ---------------------------------------------------------------------------------------------
// The last line of defence: an internal error names the file and exits 2.

#[test]
fn internal_error_names_the_file_being_processed() {
    if !cfg!(debug_assertions) {
        eprintln!("FLEETLINT_DEBUG_PANIC_ON exists in debug builds only: skipped");
        return;
    }
    let dir = fleet();
    let root = dir.path();
    // Read while rendering (on a rayon thread that builds a cluster), and during discovery
    // (parsed in parallel).
    for file in ["apps/dev/cm.yaml", SENTINEL_FILE] {
        let outcome = lint_with(root, &[("FLEETLINT_DEBUG_PANIC_ON", file)]);
        assert_eq!(outcome.code, 2, "{}", outcome.stderr);
        assert!(
            outcome.stderr.contains(&format!(
                "fleetlint: internal error while processing {file}, please report it"
            )),
            "{}",
            outcome.stderr
        );
        assert!(
            outcome.stderr.contains("deliberate panic while reading"),
            "{}",
            outcome.stderr
        );
    }
}

/// The same when the file is first read by a build made ahead of its turn on another thread:
/// with the target `clusters/dev`, the apps are read only when built, and the Kustomizations
/// queued behind the first are built by the pool while the fixed point renders. The panic is
/// carried to where the build is wanted (or to the end of the fixed point), never lost and
/// never waited on forever.
#[test]
fn internal_error_in_a_build_made_ahead_names_the_file() {
    if !cfg!(debug_assertions) {
        eprintln!("FLEETLINT_DEBUG_PANIC_ON exists in debug builds only: skipped");
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path();
    std::fs::create_dir(root.join(".git")).expect("mkdir .git");
    write(root, "clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC);
    for i in 0..12 {
        write(
            root,
            &format!("clusters/dev/app-{i}.yaml"),
            flux_kustomization(&format!("app-{i}"), &format!("./apps/app-{i}"), &[]),
        );
        write(
            root,
            &format!("apps/app-{i}/kustomization.yaml"),
            "resources:\n  - cm.yaml\n",
        );
        write(
            root,
            &format!("apps/app-{i}/cm.yaml"),
            config_map(&format!("settings-{i}")),
        );
    }
    for (file, threads) in [
        ("apps/app-11/cm.yaml", "4"),
        ("apps/app-5/cm.yaml", "2"),
        ("apps/app-11/cm.yaml", "1"),
    ] {
        let out = Command::cargo_bin("fleetlint")
            .expect("the binary is built")
            .current_dir(root)
            .args(["clusters/dev", "--format", "json"])
            .env("FLEETLINT_DEBUG_PANIC_ON", file)
            .env("RAYON_NUM_THREADS", threads)
            .timeout(Duration::from_secs(120))
            .output()
            .expect("fleetlint runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{threads} threads: {stderr}");
        assert!(
            stderr.contains(&format!(
                "fleetlint: internal error while processing {file}, please report it"
            )),
            "{threads} threads: {stderr}"
        );
    }
}
