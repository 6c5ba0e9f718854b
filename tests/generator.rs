//! Flux's generator (a path without a kustomization file) leaves out of a build what Flux leaves
//! out of the source's artifact: its default VCS, CI and media patterns, and the source root's
//! `.sourceignore`, which may add to them or negate them.

mod common;

use common::fleet::{APPS, GOTK_SYNC, write};

fn config_map(name: &str) -> String {
    format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n  namespace: default\n")
}

fn fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".git/HEAD", "ref: refs/heads/main\n");
    write(root, "clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC);
    write(root, "clusters/dev/apps.yaml", APPS);
    write(root, "apps/web.yaml", config_map("web"));
    write(root, "apps/team/api.yml", config_map("api"));
    write(root, "apps/.github/workflow.yaml", config_map("workflow"));
    write(root, "apps/team/.git/hook.yaml", config_map("hook"));
    write(root, "apps/charts.zip/packed.yaml", config_map("packed"));
    write(root, "apps/skip/skipped.yaml", config_map("skipped"));
    write(
        root,
        "apps/.sops.yaml",
        "creation_rules:\n  - path_regex: .*\n",
    );
    write(root, "apps/.gitlab-ci.yml", "stages: [lint]\n");
    dir
}

/// The ConfigMaps the cluster applies, by name, in order.
fn applied(dir: &tempfile::TempDir) -> Vec<String> {
    let fleet = fleetlint::load(Some(dir.path()), &[dir.path().to_path_buf()]).unwrap();
    let mut names: Vec<String> = fleet.clusters[0]
        .cluster
        .applied()
        .filter(|(_, o)| o.kind == "ConfigMap")
        .map(|(_, o)| o.name.to_string())
        .collect();
    names.sort();
    names
}

#[test]
fn the_default_patterns_leave_out_vcs_ci_and_archives() {
    let dir = fleet();
    assert_eq!(applied(&dir), ["api", "skipped", "web"]);
}

#[test]
fn a_sourceignore_adds_to_and_negates_the_defaults() {
    let dir = fleet();
    write(
        dir.path(),
        ".sourceignore",
        "# not applied\nskip/\n!.github/\n",
    );
    assert_eq!(applied(&dir), ["api", "web", "workflow"]);
}

#[test]
fn the_defaults_also_leave_out_a_path_below_an_ignored_directory() {
    let dir = fleet();
    write(
        dir.path(),
        "clusters/dev/apps.yaml",
        APPS.replace("./apps", "./apps/.github"),
    );
    assert!(applied(&dir).is_empty());
}

#[test]
fn an_empty_or_commented_sourceignore_keeps_the_defaults() {
    let dir = fleet();
    write(dir.path(), ".sourceignore", "");
    assert_eq!(applied(&dir), ["api", "skipped", "web"]);
    write(dir.path(), ".sourceignore", "# nothing yet\n\n");
    assert_eq!(applied(&dir), ["api", "skipped", "web"]);
}
