//! `--format sarif` and `--format github` as users get them: snapshots of the real binary's
//! output, SARIF checked against the SARIF 2.1.0 object model of the `serde-sarif` crate, and the
//! paths both formats write checked to name real files.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Runs fleetlint in `dir`; returns the exit code and stdout.
fn run_in(dir: &Path, args: &[&str]) -> (i32, String) {
    let out = Command::cargo_bin("fleetlint")
        .expect("the binary is built")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("fleetlint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
    )
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create a directory");
    for entry in std::fs::read_dir(from).expect("read a fixture directory") {
        let entry = entry.expect("a directory entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("a file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a fixture file");
        }
    }
}

/// A copy of a fixture as the top of its own Git work tree (at `inside` below the top, when
/// given), so that the paths in the output do not depend on where this repository is checked
/// out. Returns the temporary directory and the canonical path of the top.
fn checkout(fixture: &str, inside: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("a temporary directory");
    let top = tmp.path().canonicalize().expect("a canonical path");
    std::fs::create_dir(top.join(".git")).expect("mark the work tree");
    let dest = match inside {
        Some(sub) => top.join(sub),
        None => top.clone(),
    };
    copy_dir(&manifest_dir().join("testdata").join(fixture), &dest);
    (tmp, top)
}

fn file_uri(dir: &Path) -> String {
    format!("file://{}/", dir.display())
}

/// Minimal percent-decoding for the URIs fleetlint writes.
fn decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII escape");
            out.push(u8::from_str_radix(hex, 16).expect("a hex escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 path")
}

/// Checks a SARIF log against the SARIF 2.1.0 object model and the fields fleetlint promises;
/// returns it parsed.
fn validate_sarif(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let typed: serde_sarif::sarif::Sarif =
        serde_json::from_value(value.clone()).expect("SARIF 2.1.0 object model");
    // serde-sarif keeps every property the standard defines and drops the rest: a property
    // that does not survive the round trip is not SARIF (a typo, a wrong nesting or type).
    let round_trip = serde_json::to_value(&typed).expect("serialise SARIF");
    assert_eq!(
        round_trip, value,
        "the log has properties SARIF does not define"
    );

    assert_eq!(value["version"], "2.1.0");
    assert!(
        value["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("sarif-2.1.0"))
    );
    let runs = value["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "fleetlint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(
        driver["informationUri"],
        "https://github.com/fleetlint/fleetlint"
    );
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), fleetlint::checks::ALL.len());
    for (rule, check) in rules.iter().zip(fleetlint::checks::ALL) {
        assert_eq!(rule["id"], check.code);
        assert_eq!(rule["name"], check.name);
        assert_eq!(rule["shortDescription"]["text"], check.summary);
        assert_eq!(
            rule["helpUri"],
            format!(
                "https://github.com/fleetlint/fleetlint/blob/main/docs/rules/{}.md",
                check.code
            )
        );
        assert_eq!(rule["help"]["markdown"], check.docs);
        let level = rule["defaultConfiguration"]["level"].clone();
        serde_json::from_value::<serde_sarif::sarif::ResultLevel>(level).expect("a SARIF level");
    }

    let base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        .as_str()
        .expect("%SRCROOT% is bound");
    assert!(
        base.starts_with("file:///") && base.ends_with('/'),
        "{base}"
    );
    let base_dir = PathBuf::from(decode(base.trim_start_matches("file://")));
    for result in run["results"].as_array().expect("results") {
        let rule_id = result["ruleId"].as_str().expect("ruleId");
        let index = result["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], rule_id);
        serde_json::from_value::<serde_sarif::sarif::ResultLevel>(result["level"].clone())
            .expect("a SARIF level");
        assert!(
            !result["message"]["text"]
                .as_str()
                .expect("message")
                .is_empty()
        );
        let locations = result["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1, "one primary location");
        let related = result["relatedLocations"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut ids = HashSet::new();
        for rel in &related {
            assert!(ids.insert(rel["id"].as_u64().expect("a related location id")));
        }
        for loc in locations.iter().chain(&related) {
            assert!(
                loc["message"]["text"]
                    .as_str()
                    .is_some_and(|t| !t.is_empty())
            );
            let artifact = &loc["physicalLocation"]["artifactLocation"];
            assert_eq!(artifact["uriBaseId"], "%SRCROOT%");
            let uri = artifact["uri"].as_str().expect("uri");
            assert!(
                !uri.contains(':') && !uri.starts_with('/'),
                "relative: {uri}"
            );
            assert!(base_dir.join(decode(uri)).is_file(), "{uri} names a file");
            let region = &loc["physicalLocation"]["region"];
            let n = |k: &str| region[k].as_u64().unwrap_or_else(|| panic!("region.{k}"));
            assert!(n("startLine") >= 1 && n("startColumn") >= 1);
            assert!(
                (n("endLine"), n("endColumn")) >= (n("startLine"), n("startColumn")),
                "{region}"
            );
        }
    }
    value
}

#[test]
fn sarif_snapshot() {
    let (_tmp, top) = checkout("FL002-missing-dependency/fail", None);
    let (code, stdout) = run_in(&top, &["--format", "sarif"]);
    assert_eq!(code, 1, "findings still fail the run");
    validate_sarif(&stdout);
    // The rule table is checked against the registry above and grows with every rule: the
    // snapshot shows its first entry only.
    let text = stdout
        .replace(&file_uri(&top), "file:///<root>/")
        .replace(env!("CARGO_PKG_VERSION"), "<version>");
    let first = &fleetlint::checks::ALL[0];
    let first_docs = serde_json::to_string(first.docs).expect("JSON string");
    let text = text.replace(&first_docs, &format!("\"<docs/rules/{}.md>\"", first.code));
    let mut lines: Vec<&str> = text.lines().collect();
    let start = lines
        .iter()
        .position(|l| *l == "          \"rules\": [")
        .expect("the rule table");
    let end = start
        + lines[start..]
            .iter()
            .position(|l| *l == "          ]")
            .expect("the end of the rule table");
    // The first rule's `{` is on the line after `"rules": [`; find where the second begins.
    let second = start
        + 2
        + lines[start + 2..]
            .iter()
            .position(|l| *l == "            {")
            .expect("a second rule");
    lines.splice(
        second..end,
        ["            \"<the other rules of checks::ALL>\""],
    );
    let text = lines.join("\n");
    insta::assert_snapshot!("sarif-FL002-fail", text);
}

#[test]
fn sarif_is_valid_for_every_fail_fixture() {
    for check in fleetlint::checks::ALL {
        let dir = manifest_dir()
            .join("testdata")
            .join(format!("{}-{}", check.code, check.name))
            .join("fail");
        let dir = dir.to_str().expect("UTF-8 path");
        let (code, stdout) = run_in(manifest_dir(), &[dir, "--format", "sarif"]);
        assert!(code == 0 || code == 1, "{dir}: exit {code}");
        let value = validate_sarif(&stdout);
        let results = value["runs"][0]["results"].as_array().expect("results");
        assert!(
            results.iter().any(|r| r["ruleId"] == check.code),
            "{dir} reports {}",
            check.code
        );
    }
}

#[test]
fn sarif_of_a_clean_fleet_has_the_rule_table_and_no_results() {
    let (code, stdout) = run_in(manifest_dir(), &["testdata/fleet", "--format", "sarif"]);
    assert_eq!(code, 0);
    let value = validate_sarif(&stdout);
    assert_eq!(value["runs"][0]["results"], serde_json::json!([]));
}

#[test]
fn github_snapshot() {
    let (_tmp, top) = checkout("FL002-missing-dependency/fail", None);
    let (code, stdout) = run_in(&top, &["--format", "github"]);
    assert_eq!(code, 1);
    insta::assert_snapshot!("github-FL002-fail", stdout);
}

#[test]
fn github_notices_for_info_findings() {
    let (_tmp, top) = checkout("FL020-not-checked/fail", None);
    let (code, stdout) = run_in(&top, &["--format", "github"]);
    assert_eq!(code, 0, "info findings do not fail the run by default");
    assert!(
        stdout.lines().all(|l| l.starts_with("::notice file=")),
        "{stdout}"
    );
    insta::assert_snapshot!("github-FL020-fail", stdout);
}

#[test]
fn paths_are_relative_to_the_top_of_the_git_work_tree() {
    // A fleet kept in a subfolder of its Git repository: GitHub resolves annotation and SARIF
    // paths from the top of the repository, so both formats name files from there.
    let (_tmp, top) = checkout("FL002-missing-dependency/fail", Some("deploy/fleet"));
    let (_, github) = run_in(&top, &["deploy/fleet", "--format", "github"]);
    let first = github.lines().next().expect("an annotation");
    assert!(
        first.starts_with("::error file=deploy/fleet/clusters/dev/apps.yaml,line=8,col=13,"),
        "{first}"
    );
    let (_, sarif) = run_in(&top, &["deploy/fleet", "--format", "sarif"]);
    let value = validate_sarif(&sarif);
    let run = &value["runs"][0];
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        file_uri(&top)
    );
    assert_eq!(
        run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy/fleet/clusters/dev/apps.yaml"
    );
    // The JSON contract keeps naming files from the repository root fleetlint found.
    let (_, json) = run_in(&top, &["deploy/fleet", "--format", "json"]);
    let json: Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(json["diagnostics"][0]["file"], "clusters/dev/apps.yaml");
}

#[test]
fn sarif_validation_rejects_what_sarif_does_not_define() {
    let (_, stdout) = run_in(
        manifest_dir(),
        &[
            "testdata/FL002-missing-dependency/fail",
            "--format",
            "sarif",
        ],
    );
    validate_sarif(&stdout);
    for (from, to) in [
        ("\"startLine\"", "\"startline\""),
        ("\"uriBaseId\"", "\"baseUriId\""),
        ("\"ruleId\": \"FL002\"", "\"ruleId\": 2"),
    ] {
        let broken = stdout.replacen(from, to, 1);
        assert_ne!(broken, stdout);
        let outcome = std::panic::catch_unwind(|| validate_sarif(&broken));
        assert!(outcome.is_err(), "{from} → {to} passed validation");
    }
}
