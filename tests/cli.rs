//! The command line as users run it: exit codes, formats, subcommands.

use std::path::Path;

use assert_cmd::Command;

fn fleetlint() -> Command {
    let mut cmd = Command::cargo_bin("fleetlint").expect("the binary is built");
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd.env_remove("NO_COLOR");
    cmd
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = fleetlint().args(args).output().expect("fleetlint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn clean_fleet_exits_zero_with_a_summary() {
    let (code, stdout, _) = run(&["testdata/fleet"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(
        stdout,
        "fleetlint: no problems in 2 clusters (10 Kustomizations, 2 HelmReleases)\n"
    );
}

#[test]
fn one_cluster_of_a_fleet() {
    let (code, stdout, _) = run(&["testdata/fleet/clusters/prod"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("in 1 cluster (5 Kustomizations, 1 HelmRelease)"),
        "{stdout}"
    );
}

#[test]
fn findings_exit_one() {
    let (code, stdout, _) = run(&["testdata/FL001-dependency-cycle/fail"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("dependsOn cycle: flux-system/a → flux-system/b"));
}

#[test]
fn fail_on_sets_the_threshold() {
    // FL020 findings are info: they fail the run only with --fail-on info.
    let dir = "testdata/FL020-not-checked/fail";
    assert_eq!(run(&[dir]).0, 0);
    assert_eq!(run(&[dir, "--fail-on", "warning"]).0, 0);
    assert_eq!(run(&[dir, "--fail-on", "info"]).0, 1);
}

#[test]
fn could_not_run_exits_two() {
    let (code, _, stderr) = run(&["testdata/no-such-dir"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-dir"), "{stderr}");

    let (code, _, stderr) = run(&["testdata/fleet", "--select", "missing-dependecy"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean \"missing-dependency\""),
        "{stderr}"
    );

    let (code, _, _) = run(&["--format", "yaml"]);
    assert_eq!(code, 2);
}

#[test]
fn select_and_ignore_rules() {
    let dir = "testdata/FL020-not-checked/fail";
    let (_, all, _) = run(&[dir, "--format", "json"]);
    assert!(all.contains("\"FL020\""));
    let (_, only, _) = run(&[dir, "--format", "json", "--select", "FL001,FL002"]);
    assert!(!only.contains("\"FL020\""));
    let (_, ignored, _) = run(&[dir, "--format", "json", "--ignore", "not-checked"]);
    assert!(!ignored.contains("\"FL020\""));
    let (_, selected, _) = run(&[dir, "--format", "json", "--select", "not-checked"]);
    assert!(selected.contains("\"FL020\""));
}

#[test]
fn json_matches_the_v1_contract() {
    let (code, stdout, _) = run(&["testdata/FL002-missing-dependency/fail", "--format", "json"]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).expect("valid JSON");
    let keys = |v: &serde_json::Value| {
        let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        keys(&value),
        [
            "clusters",
            "diagnostics",
            "root",
            "summary",
            "tool",
            "version"
        ]
    );
    assert_eq!(value["version"], 1);
    assert_eq!(value["tool"]["name"], "fleetlint");
    assert!(Path::new(value["root"].as_str().unwrap()).is_absolute());
    assert_eq!(
        value["clusters"][0],
        serde_json::json!({"name": "dev", "path": "clusters/dev", "kustomizations": 5, "helmreleases": 1})
    );
    let first = &value["diagnostics"][0];
    assert_eq!(
        keys(first),
        [
            "cluster",
            "code",
            "column",
            "end_column",
            "end_line",
            "file",
            "help",
            "labels",
            "line",
            "message",
            "rule",
            "severity"
        ]
    );
    assert_eq!(first["code"], "FL002");
    assert_eq!(first["rule"], "missing-dependency");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["cluster"], "dev");
    assert_eq!(first["file"], "clusters/dev/apps.yaml");
    assert_eq!(
        (first["line"].as_u64(), first["column"].as_u64()),
        (Some(8), Some(13))
    );
    assert_eq!(
        (first["end_line"].as_u64(), first["end_column"].as_u64()),
        (Some(8), Some(25))
    );
    assert_eq!(first["help"], "did you mean \"infra-configs\"?");
    let label = &first["labels"][0];
    assert_eq!(
        keys(label),
        [
            "column",
            "end_column",
            "end_line",
            "file",
            "line",
            "message"
        ]
    );
    assert_eq!(label["file"], "clusters/dev/infrastructure.yaml");
    assert_eq!(
        value["summary"],
        serde_json::json!({"errors": 3, "warnings": 0, "infos": 0})
    );
}

#[test]
fn rules_and_explain() {
    let (code, stdout, _) = run(&["rules"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("FL001  dependency-cycle"), "{stdout}");
    let (code, stdout, _) = run(&["explain", "missing-path"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("# FL003 missing-path"));
    assert_eq!(run(&["explain", "FL999"]).0, 2);
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let dir = "testdata/FL001-dependency-cycle/fail";
    let (_, plain, _) = run(&[dir]);
    assert!(!plain.contains('\u{1b}'));
    let (_, colored, _) = run(&[dir, "--color", "always"]);
    assert!(colored.contains('\u{1b}'));
}
