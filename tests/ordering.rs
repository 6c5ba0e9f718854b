//! The ordering scenarios of the seed tutorial (issue 3): each variant of the fleet is a
//! fixture whose output is snapshotted with only the ordering rules on.

use std::path::{Path, PathBuf};

use fleetlint::checks::{self, Check};

fn testdata(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)
}

fn ordering_rules() -> Vec<&'static Check> {
    ["FL005", "FL006", "FL007", "FL011"]
        .iter()
        .map(|code| checks::find(code).expect("registered"))
        .collect()
}

fn lint(dir: &str) -> (String, Vec<&'static str>) {
    let analysis = fleetlint::analyze(None, &[testdata(dir)], &ordering_rules()).expect("lints");
    let text = fleetlint::report::human::render(
        &analysis.repo,
        &analysis.clusters,
        &analysis.findings,
        false,
    );
    (text, analysis.findings.iter().map(|f| f.code).collect())
}

#[test]
fn issuers_without_dependency_name_the_controller() {
    let (text, codes) = lint("FL005-crd-ordering/fail");
    assert_eq!(codes, ["FL005"]);
    assert!(
        text.contains("{name: cert-manager-controller, namespace: flux-system}"),
        "{text}"
    );
}

#[test]
fn a_transitive_dependency_is_enough() {
    let (text, codes) = lint("FL005-crd-ordering/transitive");
    assert!(codes.is_empty(), "{text}");
}

#[test]
fn issuers_beside_the_helmrelease_deadlock() {
    let (text, codes) = lint("FL005-crd-ordering/deadlock");
    assert_eq!(codes, ["FL005"]);
    assert!(text.contains("(deadlock)"));
    insta::assert_snapshot!("FL005-deadlock", text);
}

#[test]
fn a_servicemonitor_without_the_crds_dependency() {
    let (text, codes) = lint("FL005-crd-ordering/servicemonitor");
    assert_eq!(codes, ["FL005"]);
    assert!(text.contains("{name: prometheus-operator-crds, namespace: flux-system}"));
    insta::assert_snapshot!("FL005-servicemonitor", text);
}

#[test]
fn the_tutorial_fleet_is_ordered() {
    let (text, codes) = lint("fleet");
    assert!(codes.is_empty(), "{text}");
}

#[test]
fn graph_shows_provider_edges_when_asked() {
    let run = |extra: &[&str]| {
        let mut cmd = assert_cmd::Command::cargo_bin("fleetlint").expect("built");
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(["graph", "testdata/FL005-crd-ordering/servicemonitor"])
            .args(extra);
        String::from_utf8(cmd.output().expect("runs").stdout).expect("utf-8")
    };
    let plain = run(&[]);
    assert!(!plain.contains("-. \""), "{plain}");
    let mermaid = run(&["--providers"]);
    insta::assert_snapshot!("graph-providers-mermaid", mermaid);
    let dot = run(&["--providers", "--format", "dot"]);
    assert!(
        dot.contains("style=dotted, label=\"monitoring.coreos.com\""),
        "{dot}"
    );
    let json = run(&["--providers", "--format", "json"]);
    assert!(json.contains("\"kind\": \"crdProvider\""), "{json}");
}
