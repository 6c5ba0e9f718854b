//! Post-build substitution skips the bodies that hold no `$` (most of a fleet's objects). A
//! `$` that a kustomize transform or patch brings into such a body, from another file, must
//! still be substituted and checked.

mod common;

use common::fleet::{APPS, GOTK_SYNC, write};

use fleetlint::checks;

/// The variables of `apps` (indented under its `spec`).
const POST_BUILD: &str = "  postBuild:\n    substitute:\n      CLUSTER: dev\n      NS: web\n";

/// The variables come from the kustomization: the namespace it sets and a patch.
const KUSTOMIZATION: &str = "\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: ${NS}
resources:
  - settings.yaml
patches:
  - target:
      kind: ConfigMap
      name: settings
    patch: |
      - op: add
        path: /data/cluster
        value: ${CLUSTER}
      - op: add
        path: /data/team
        value: ${TEAM}
";

/// No `$` in any scalar: only in a comment, which substitution never sees.
const SETTINGS: &str = "\
# yaml-language-server: $schema=https://example.com/configmap.json
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  level: info
";

fn fleet() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, ".git/HEAD", "ref: refs/heads/main\n");
    write(root, "clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC);
    write(
        root,
        "clusters/dev/apps.yaml",
        format!("{APPS}{POST_BUILD}"),
    );
    write(root, "apps/kustomization.yaml", KUSTOMIZATION);
    write(root, "apps/settings.yaml", SETTINGS);
    dir
}

#[test]
fn a_dollar_brought_in_by_a_transform_or_a_patch_is_substituted() {
    let dir = fleet();
    let fleet = fleetlint::load(Some(dir.path()), &[dir.path().to_path_buf()]).unwrap();
    let cluster = &fleet.clusters[0].cluster;
    let (_, settings) = cluster
        .applied()
        .find(|(_, o)| o.name == "settings")
        .expect("the ConfigMap is applied");
    assert_eq!(settings.namespace.as_deref(), Some("web"));
    let body = &settings.body;
    assert_eq!(body.str_at(&["data", "cluster"]), Some("dev"));
    assert_eq!(body.str_at(&["data", "level"]), Some("info"));
    // Unset: left as written, and reported.
    assert_eq!(body.str_at(&["data", "team"]), Some("${TEAM}"));
}

#[test]
fn a_dollar_brought_in_by_a_patch_is_checked_for_unset_variables() {
    let dir = fleet();
    let analysis = fleetlint::analyze(
        Some(dir.path()),
        &[dir.path().to_path_buf()],
        &[checks::ALL
            .iter()
            .find(|c| c.code == "FL015")
            .expect("FL015")],
    )
    .unwrap();
    let messages: Vec<&str> = analysis
        .findings
        .iter()
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains("TEAM"), "{messages:?}");
}
