//! One fixture pair per rule: `testdata/<code>-<name>/fail` snapshots what the user sees with
//! only that rule on, and `pass` must be silent.

use std::path::{Path, PathBuf};

use fleetlint::checks::{self, Check};

fn testdata(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)
}

/// Lints with only `check` on. FL021 reports on the other rules' suppressions, so its
/// fixtures run with every rule on (and must report nothing but FL021).
fn lint(dir: &Path, check: &'static Check) -> (String, usize) {
    let rules: Vec<&Check> = if check.code == checks::UNUSED_SUPPRESSION.code {
        checks::ALL.iter().collect()
    } else {
        vec![check]
    };
    let analysis = fleetlint::analyze(None, &[dir.to_path_buf()], &rules)
        .unwrap_or_else(|e| panic!("{}: {e:#}", dir.display()));
    for f in &analysis.findings {
        assert_eq!(f.code, check.code, "{}: {}", dir.display(), f.message);
    }
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
