//! One fixture pair per rule: `testdata/<code>-<name>/fail` snapshots what the user sees with
//! only that rule on, and `pass` must be silent.

use std::path::{Path, PathBuf};

use fleetlint::checks::{self, Check};

fn testdata(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)
}

fn lint(dir: &Path, check: &'static Check) -> (String, usize) {
    let analysis = fleetlint::analyze(None, &[dir.to_path_buf()], &[check])
        .unwrap_or_else(|e| panic!("{}: {e:#}", dir.display()));
    let text = fleetlint::report::human::render(
        &analysis.repo,
        &analysis.clusters,
        &analysis.findings,
        false,
    );
    (text, analysis.findings.len())
}

#[test]
fn every_rule_has_fixtures_and_its_fail_case_is_snapshotted() {
    for check in checks::ALL {
        let base = format!("{}-{}", check.code, check.name);
        let fail = testdata(&format!("{base}/fail"));
        let pass = testdata(&format!("{base}/pass"));
        assert!(fail.is_dir(), "{base}: no fail fixture");
        assert!(pass.is_dir(), "{base}: no pass fixture");

        let (text, count) = lint(&fail, check);
        assert!(count > 0, "{base}/fail reports nothing");
        insta::assert_snapshot!(format!("{}-fail", check.code), text);

        let (text, count) = lint(&pass, check);
        assert_eq!(count, 0, "{base}/pass is not silent:\n{text}");
    }
}

#[test]
fn the_tutorial_fleet_is_clean_with_every_rule() {
    let rules: Vec<&Check> = checks::ALL.iter().collect();
    let analysis = fleetlint::analyze(None, &[testdata("fleet")], &rules).expect("fleet lints");
    let text = fleetlint::report::human::render(
        &analysis.repo,
        &analysis.clusters,
        &analysis.findings,
        false,
    );
    assert!(analysis.findings.is_empty(), "{text}");
    let names: Vec<(&str, usize, usize)> = analysis
        .clusters
        .iter()
        .map(|c| (c.name.as_str(), c.kustomizations, c.helm_releases))
        .collect();
    assert_eq!(names, vec![("non-prod", 5, 1), ("prod", 5, 1)]);
}

/// A rule page's example output is its fail snapshot, byte for byte (pages without an example
/// section are not checked yet).
#[test]
fn docs_examples_are_the_fail_snapshots() {
    for check in checks::ALL {
        let Some(example) = check.docs.split("## Example").nth(1) else {
            continue;
        };
        let example = example.split("\n## ").next().unwrap_or_default();
        let output = example
            .rsplit_once("```text\n")
            .and_then(|(_, rest)| rest.split_once("\n```"))
            .map(|(block, _)| block)
            .unwrap_or_else(|| panic!("{}: no ```text block in the example", check.code));
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("tests/snapshots/rules__{}-fail.snap", check.code));
        let snapshot = std::fs::read_to_string(&path).expect("the fail snapshot exists");
        let body = snapshot.splitn(3, "---\n").nth(2).expect("a snapshot body");
        assert_eq!(output, body.trim_end_matches('\n'), "{}", check.code);
    }
}
