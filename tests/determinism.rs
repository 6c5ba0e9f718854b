//! The same repository gives byte-identical output across runs and thread counts, in every
//! format: files are parsed in parallel, clusters are built in parallel (and within a
//! cluster, the builds of queued Kustomizations are made ahead of their turn, which one thread
//! never does), and checks run in parallel, but nothing that reaches the output may depend on
//! which thread finished first.

mod common;

use common::fleet::write;

use std::path::Path;

use assert_cmd::Command;

fn output(dir: &Path, format: &str, threads: &str) -> (i32, Vec<u8>) {
    let out = Command::cargo_bin("fleetlint")
        .expect("the binary is built")
        .arg(dir)
        .args(["--format", format, "--color", "never"])
        .env("RAYON_NUM_THREADS", threads)
        .output()
        .expect("fleetlint runs");
    (out.status.code().unwrap_or(-1), out.stdout)
}

/// Runs fleetlint three times on one thread and three times on four, in every format, and
/// asserts every run of a format printed the same bytes. Returns the human output.
fn assert_deterministic(dir: &Path) -> String {
    let mut human = String::new();
    for format in ["human", "json", "sarif", "github"] {
        let first = output(dir, format, "1");
        for threads in ["1", "1", "4", "4", "4"] {
            let again = output(dir, format, threads);
            assert_eq!(first.0, again.0, "exit code differs with {threads} threads");
            assert!(
                first.1 == again.1,
                "{format} output differs with {threads} threads:\n--- first\n{}\n--- again\n{}",
                String::from_utf8_lossy(&first.1),
                String::from_utf8_lossy(&again.1)
            );
        }
        if format == "human" {
            human = String::from_utf8_lossy(&first.1).into_owned();
        }
    }
    human
}

#[test]
fn the_tutorial_fleet_is_deterministic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/fleet");
    assert_deterministic(&dir);
}

fn flux_kustomization(name: &str, path: &str, depends_on: &[String]) -> String {
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
    text
}

/// Eight clusters sharing bases, each with a dozen Kustomizations and a different mix of
/// problems, so that many findings from many files and clusters must be ordered.
fn multi_cluster_fleet(root: &Path) {
    std::fs::create_dir(root.join(".git")).expect("mkdir .git");
    for b in 0..5 {
        let mut resources = String::from("resources:\n  - cm.yaml\n");
        if b == 3 {
            resources.push_str("  - missing-in-base.yaml\n");
        }
        write(root, &format!("bases/b{b}/kustomization.yaml"), &resources);
        write(
            root,
            &format!("bases/b{b}/cm.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b{b}\n  namespace: default\n"
            ),
        );
    }
    write(
        root,
        "bases/broken/kustomization.yaml",
        "resources:\n  - bad.yaml\n  - https://github.com/example/remote//base?ref=v1\n",
    );
    write(root, "bases/broken/bad.yaml", "apiVersion: v1\nkind: [\n");
    for c in 0..8 {
        let cluster = format!("c{c}");
        write(
            root,
            &format!("clusters/{cluster}/flux-system/gotk-sync.yaml"),
            format!(
                "apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: ssh://git@github.com/example/fleet
---
{}",
                flux_kustomization("flux-system", &format!("./clusters/{cluster}"), &[])
            ),
        );
        for k in 0..12 {
            let name = format!("app-{k}");
            let mut deps: Vec<String> = (0..k)
                .filter(|d| (k * 7 + d * 3 + c) % 4 == 0)
                .map(|d| format!("app-{d}"))
                .collect();
            if (k + c) % 5 == 0 {
                deps.push(format!("app-{}", k + 100));
            }
            if k == 11 && c % 2 == 0 {
                // A cycle app-11 → app-10 → app-11 in even clusters.
                deps.push("app-10".into());
            }
            if k == 10 && c % 2 == 0 {
                deps.push("app-11".into());
            }
            let path = if (k * c) % 7 == 3 {
                format!("./apps/{cluster}/nowhere-{k}")
            } else {
                format!("./apps/{cluster}/{name}")
            };
            write(
                root,
                &format!("clusters/{cluster}/{name}.yaml"),
                flux_kustomization(&name, &path, &deps),
            );
            let mut resources = format!("resources:\n  - ../../../bases/b{}\n", (k + c) % 5);
            if k == 4 {
                resources.push_str("  - ../../../bases/broken\n");
            }
            if (k + 2 * c) % 6 == 1 {
                resources.push_str("  - missing.yaml\n");
            }
            resources.push_str(&format!("namePrefix: {name}-\n"));
            write(
                root,
                &format!("apps/{cluster}/{name}/kustomization.yaml"),
                &resources,
            );
        }
    }
}

#[test]
fn a_generated_multi_cluster_fleet_is_deterministic() {
    let dir = tempfile::tempdir().expect("temp dir");
    multi_cluster_fleet(dir.path());
    let human = assert_deterministic(dir.path());
    // The fleet is meant to produce many findings of several rules across clusters.
    for code in ["FL001", "FL002", "FL003", "FL004", "FL012", "FL020"] {
        assert!(human.contains(code), "no {code} in:\n{human}");
    }
    assert!(human.contains("in 8 clusters"), "{human}");
}

/// Builds of several Kustomizations may ask for a file no one has read yet at the same
/// moment: it is read and parsed once, and registered once (a second registration would
/// scan its suppression comments twice).
#[test]
fn a_file_loaded_by_many_threads_at_once_is_registered_once() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (0..2000).map(|i| format!("k{i}: v{i}\n")).collect();
    write(dir.path(), "big.yaml", &body);
    let repo = fleetlint::source::Repo::open(dir.path()).unwrap();
    let ids: Vec<_> = std::thread::scope(|s| {
        let loads: Vec<_> = (0..8)
            .map(|_| s.spawn(|| repo.load("big.yaml").unwrap()))
            .collect();
        loads.into_iter().map(|l| l.join().unwrap()).collect()
    });
    assert!(ids.iter().all(|id| *id == ids[0]));
    assert_eq!(
        repo.file_count(),
        1,
        "one SourceFile, not one per racing thread"
    );
}
