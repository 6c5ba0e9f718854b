//! Property test: random valid fleets with randomly planted defects of known truth. fleetlint
//! must report exactly the planted defects — codes and locations — no more, no fewer.
//!
//! A fleet is one cluster (`clusters/dev`, bootstrapped by gotk-sync.yaml) with N Flux
//! Kustomizations `ks-00`…, each in its own file and applying its own app directory, whose
//! `dependsOn` form a random DAG; shared kustomize bases of ConfigMaps included by random apps
//! (each app prefixes names, so objects stay unique); optionally a `crds` Kustomization with a
//! CustomResourceDefinition and custom resources in apps that depend on it.
//!
//! Planted defects: a dependsOn cycle (or a self-dependency), dangling dependsOn entries,
//! missing paths, missing resources in an app, a missing resource in a shared base, custom
//! resources in apps that nothing orders after the CRD (CR-before-CRD).

mod common;

use common::fleet::{GOTK_SYNC, WIDGET_CRD, write};

use std::collections::BTreeSet;
use std::path::Path;

use fleetlint::checks::{self, Check};
use proptest::prelude::*;

const NS: &str = "flux-system";

#[derive(Debug, Clone)]
struct Fleet {
    n: usize,
    /// `deps[i]`: the Kustomizations `ks-i` depends on (indices below i: a DAG).
    deps: Vec<Vec<usize>>,
    /// `bases[i]`: the shared bases app i includes.
    app_bases: Vec<Vec<usize>>,
    bases: usize,
    crds: bool,
    /// Apps with a custom resource (they then depend on `crds`).
    cr: Vec<bool>,
    // Defects.
    cycle: Option<(usize, usize)>,
    dangling: Vec<bool>,
    missing_path: Vec<bool>,
    missing_resource: Vec<bool>,
    missing_base_resource: Option<usize>,
    /// Apps with a custom resource whose Kustomization does not depend on `crds`.
    unordered_cr: Vec<bool>,
}

fn fleet() -> impl Strategy<Value = Fleet> {
    (1usize..=7, 0usize..=3)
        .prop_flat_map(|(n, bases)| {
            (
                Just(n),
                Just(bases),
                proptest::collection::vec(proptest::collection::vec(any::<bool>(), n), n),
                proptest::collection::vec(proptest::collection::vec(any::<bool>(), bases), n),
                any::<bool>(),
                proptest::collection::vec(any::<bool>(), n),
                proptest::option::of((0..n, 0..n)),
                proptest::collection::vec(proptest::bool::weighted(0.2), n),
                proptest::collection::vec(proptest::bool::weighted(0.15), n),
                proptest::collection::vec(proptest::bool::weighted(0.15), n),
                proptest::option::weighted(0.3, 0..bases.max(1)),
                proptest::collection::vec(proptest::bool::weighted(0.15), n),
            )
        })
        .prop_map(
            |(
                n,
                bases,
                matrix,
                uses,
                crds,
                cr,
                cycle,
                dangling,
                missing_path,
                missing_resource,
                missing_base,
                unordered_cr,
            )| {
                let mut deps: Vec<Vec<usize>> = (0..n)
                    .map(|i| (0..i).filter(|&j| matrix[i][j]).collect())
                    .collect();
                // A cycle x → y → x: y must reach x, then x depends on y. x == y is a
                // self-dependency.
                let cycle = cycle.map(|(a, b)| (a.min(b), a.max(b)));
                if let Some((x, y)) = cycle
                    && x != y
                    && !deps[y].contains(&x)
                {
                    deps[y].push(x);
                    deps[y].sort();
                }
                Fleet {
                    n,
                    deps,
                    app_bases: uses
                        .iter()
                        .map(|u| (0..bases).filter(|&j| u[j]).collect())
                        .collect(),
                    bases,
                    crds,
                    cr: cr.iter().map(|&c| c && crds).collect(),
                    cycle,
                    dangling,
                    missing_path,
                    missing_resource,
                    missing_base_resource: missing_base.filter(|_| bases > 0),
                    unordered_cr: unordered_cr
                        .iter()
                        .zip(&cr)
                        .map(|(&u, &c)| u && crds && !c)
                        .collect(),
                }
            },
        )
}

fn ks_name(i: usize) -> String {
    format!("ks-{i:02}")
}

/// The `dependsOn` entries of ks-i, in the order written: its DAG edges, the planted cycle edge,
/// `crds` when its app has a custom resource, the planted dangling name.
fn entries(f: &Fleet, i: usize) -> Vec<String> {
    let mut out: Vec<String> = f.deps[i].iter().map(|&j| ks_name(j)).collect();
    if let Some((x, y)) = f.cycle
        && x == i
    {
        out.push(ks_name(y));
    }
    if f.cr[i] {
        out.push("crds".into());
    }
    if f.dangling[i] {
        out.push(format!("missing-{i:02}"));
    }
    out
}

fn flux_kustomization(name: &str, path: &str, depends_on: &[String]) -> String {
    // Line 8: `path` (value at column 9); line 14 + k: the k-th dependsOn name (column 13).
    let mut text = format!(
        "apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: {name}
  namespace: {NS}
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

/// (code, file, line, column)
type Expected = (String, String, u64, u64);

/// Writes the fleet and returns the findings it must produce.
fn build(f: &Fleet, root: &Path) -> Vec<Expected> {
    let mut expected = Vec::new();
    let mut expect = |code: &str, file: &str, line: usize, column: usize| {
        expected.push((
            code.to_string(),
            file.to_string(),
            line as u64,
            column as u64,
        ));
    };
    std::fs::create_dir(root.join(".git")).expect("mkdir .git");
    write(root, "clusters/dev/flux-system/gotk-sync.yaml", GOTK_SYNC);
    write(
        root,
        "clusters/dev/flux-system/kustomization.yaml",
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - gotk-sync.yaml\n",
    );
    if f.crds {
        write(
            root,
            "clusters/dev/crds.yaml",
            flux_kustomization("crds", "./apps/crds", &[]),
        );
        write(root, "apps/crds/crd.yaml", WIDGET_CRD);
    }
    for j in 0..f.bases {
        let mut text = String::from("resources:\n  - cm.yaml\n");
        if f.missing_base_resource == Some(j) {
            text.push_str("  - missing-base.yaml\n");
        }
        write(root, &format!("apps/base-{j}/kustomization.yaml"), &text);
        write(
            root,
            &format!("apps/base-{j}/cm.yaml"),
            format!(
                "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: base-{j}\n  namespace: default\n"
            ),
        );
    }
    let mut rendered_bases = BTreeSet::new();
    for i in 0..f.n {
        let name = ks_name(i);
        let file = format!("clusters/dev/{name}.yaml");
        let deps = entries(f, i);
        let path = if f.missing_path[i] {
            expect("FL003", &file, 8, 9);
            format!("./apps/missing-{i:02}")
        } else {
            format!("./apps/app-{i:02}")
        };
        write(root, &file, flux_kustomization(&name, &path, &deps));
        if f.dangling[i] {
            expect("FL002", &file, 14 + deps.len() - 1, 13);
        }

        let app = format!("apps/app-{i:02}");
        let mut text = String::from("resources:\n  - cm.yaml\n");
        for &j in &f.app_bases[i] {
            text.push_str(&format!("  - ../base-{j}\n"));
        }
        if f.cr[i] || f.unordered_cr[i] {
            text.push_str("  - widget.yaml\n");
            write(
                root,
                &format!("{app}/widget.yaml"),
                "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\n",
            );
        }
        if f.missing_resource[i] {
            let line = text.lines().count() + 1;
            text.push_str("  - missing.yaml\n");
            if !f.missing_path[i] {
                expect("FL004", &format!("{app}/kustomization.yaml"), line, 5);
            }
        }
        text.push_str(&format!("namePrefix: app-{i:02}-\n"));
        write(root, &format!("{app}/kustomization.yaml"), &text);
        write(
            root,
            &format!("{app}/cm.yaml"),
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  namespace: default\n",
        );
        if !f.missing_path[i] {
            rendered_bases.extend(f.app_bases[i].iter().copied());
            // The custom resource's `kind` value, when nothing orders its Kustomization after
            // the one applying the CRD.
            if f.unordered_cr[i] && !reaches_crds(f, i) {
                expect("FL005", &format!("{app}/widget.yaml"), 2, 7);
            }
        }
    }
    // A base's problem is reported once, however many apps include it, if any app is rendered.
    if let Some(j) = f.missing_base_resource
        && rendered_bases.contains(&j)
    {
        expect("FL004", &format!("apps/base-{j}/kustomization.yaml"), 3, 5);
    }
    for (file, line) in expected_cycles(f) {
        expect("FL001", &file, line, 13);
    }
    expected.sort();
    expected
}

/// Whether ks-i reaches `crds` through dependsOn (directly or through other Kustomizations).
fn reaches_crds(f: &Fleet, i: usize) -> bool {
    let mut seen = vec![false; f.n];
    let mut stack = vec![i];
    while let Some(x) = stack.pop() {
        if seen[x] {
            continue;
        }
        seen[x] = true;
        for e in entries(f, x) {
            if e == "crds" {
                return true;
            }
            if let Some(j) = (0..f.n).find(|&j| ks_name(j) == e) {
                stack.push(j);
            }
        }
    }
    false
}

/// FL001's contract: one finding per strongly connected component of the dependsOn graph that
/// holds a cycle, at the dependsOn entry by which its smallest member starts the shortest
/// cycle through itself (ties broken by the smallest target), as (file, line).
fn expected_cycles(f: &Fleet) -> Vec<(String, usize)> {
    let n = f.n;
    // Edges between ks indices, with the entry position (dangling and `crds` entries are not
    // edges between ks nodes; `crds` never depends on anything, so it is in no cycle).
    let edges: Vec<Vec<(usize, usize)>> = (0..n)
        .map(|i| {
            entries(f, i)
                .iter()
                .enumerate()
                .filter_map(|(pos, e)| (0..n).find(|&j| ks_name(j) == *e).map(|j| (j, pos)))
                .collect()
        })
        .collect();
    let reaches = |from: usize, to: usize| {
        let mut seen = vec![false; n];
        let mut stack = vec![from];
        while let Some(x) = stack.pop() {
            for &(y, _) in &edges[x] {
                if y == to {
                    return true;
                }
                if !seen[y] {
                    seen[y] = true;
                    stack.push(y);
                }
            }
        }
        false
    };
    let mut out = Vec::new();
    let mut done = vec![false; n];
    // Names sort like indices (zero-padded), so the smallest member is the lowest index.
    for start in 0..n {
        if done[start] || !reaches(start, start) {
            continue;
        }
        let members: Vec<usize> = (0..n)
            .filter(|&m| m == start || (reaches(start, m) && reaches(m, start)))
            .collect();
        for &m in &members {
            done[m] = true;
        }
        // Breadth-first from `start` within the component, targets in name order; the first
        // edge back to `start` closes the shortest cycle; its first hop is what is reported.
        let mut first_hop: Vec<Option<usize>> = vec![None; n];
        let mut queue = std::collections::VecDeque::from([start]);
        let mut visited = vec![false; n];
        'search: while let Some(current) = queue.pop_front() {
            let mut next: Vec<(usize, usize)> = edges[current]
                .iter()
                .copied()
                .filter(|(t, _)| members.contains(t))
                .collect();
            next.sort();
            for (target, pos) in next {
                let hop = if current == start {
                    pos
                } else {
                    first_hop[current].expect("reached nodes have a first hop")
                };
                if target == start {
                    out.push((format!("clusters/dev/{}.yaml", ks_name(start)), 14 + hop));
                    break 'search;
                }
                if !visited[target] {
                    visited[target] = true;
                    first_hop[target] = Some(hop);
                    queue.push_back(target);
                }
            }
        }
    }
    out
}

fn findings(root: &Path) -> Vec<Expected> {
    let rules: Vec<&Check> = checks::ALL.iter().collect();
    let analysis =
        fleetlint::analyze(Some(root), &[root.to_path_buf()], &rules).expect("the fleet lints");
    let mut got: Vec<Expected> = analysis
        .findings
        .iter()
        .map(|f| {
            let at = fleetlint::report::locate(&analysis.repo, f.primary.span);
            (
                f.code.to_string(),
                at.file,
                at.line as u64,
                at.column as u64,
            )
        })
        .collect();
    got.sort();
    got
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn reports_exactly_the_planted_defects(f in fleet()) {
        let dir = tempfile::tempdir().expect("temp dir");
        let expected = build(&f, dir.path());
        let got = findings(dir.path());
        prop_assert_eq!(got, expected, "fleet: {:#?}", f);
    }
}

/// A fleet without defects is silent, whatever its shape (the generator's own sanity check).
#[test]
fn a_valid_fleet_is_silent() {
    let f = Fleet {
        n: 4,
        deps: vec![vec![], vec![0], vec![0, 1], vec![2]],
        app_bases: vec![vec![0], vec![0, 1], vec![], vec![1]],
        bases: 2,
        crds: true,
        cr: vec![false, true, false, true],
        cycle: None,
        dangling: vec![false; 4],
        missing_path: vec![false; 4],
        missing_resource: vec![false; 4],
        missing_base_resource: None,
        unordered_cr: vec![false; 4],
    };
    let dir = tempfile::tempdir().expect("temp dir");
    assert!(build(&f, dir.path()).is_empty());
    assert_eq!(findings(dir.path()), vec![]);
}

/// Every kind of defect at once, with a three-node cycle, checked by hand.
#[test]
fn planted_defects_by_hand() {
    let f = Fleet {
        n: 3,
        deps: vec![vec![], vec![0], vec![1]],
        app_bases: vec![vec![0], vec![0], vec![]],
        bases: 1,
        crds: false,
        cr: vec![false; 3],
        cycle: Some((0, 2)),
        dangling: vec![false, true, false],
        missing_path: vec![false, false, true],
        missing_resource: vec![true, false, false],
        missing_base_resource: Some(0),
        unordered_cr: vec![false; 3],
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = build(&f, dir.path());
    let e = |code: &str, file: &str, line: u64, column: u64| {
        (code.to_string(), file.to_string(), line, column)
    };
    let mut by_hand = vec![
        // ks-00 → ks-02 → ks-01 → ks-00: ks-00's only entry.
        e("FL001", "clusters/dev/ks-00.yaml", 14, 13),
        // ks-01: [ks-00, missing-01].
        e("FL002", "clusters/dev/ks-01.yaml", 15, 13),
        e("FL003", "clusters/dev/ks-02.yaml", 8, 9),
        // app-00: cm.yaml, ../base-0, missing.yaml.
        e("FL004", "apps/app-00/kustomization.yaml", 4, 5),
        e("FL004", "apps/base-0/kustomization.yaml", 3, 5),
    ];
    by_hand.sort();
    assert_eq!(expected, by_hand);
    assert_eq!(findings(dir.path()), by_hand);
}

/// A custom resource is in order when its Kustomization reaches `crds` through any chain of
/// dependsOn, and out of order otherwise.
#[test]
fn custom_resources_before_their_crd_by_hand() {
    let f = Fleet {
        n: 3,
        deps: vec![vec![], vec![0], vec![]],
        app_bases: vec![vec![]; 3],
        bases: 0,
        crds: true,
        cr: vec![true, false, false],
        cycle: None,
        dangling: vec![false; 3],
        missing_path: vec![false; 3],
        missing_resource: vec![false; 3],
        missing_base_resource: None,
        // ks-01 depends on ks-00, which depends on crds: in order. ks-02: not.
        unordered_cr: vec![false, true, true],
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let expected = build(&f, dir.path());
    let by_hand = vec![(
        "FL005".to_string(),
        "apps/app-02/widget.yaml".to_string(),
        2,
        7,
    )];
    assert_eq!(expected, by_hand);
    assert_eq!(findings(dir.path()), by_hand);
}
