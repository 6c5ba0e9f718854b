//! Differential test against real kustomize: for every directory with a kustomization file
//! under `testdata/` (and under `/work/shared/corpus/` when that folder exists; it is read in
//! place, never copied), the objects fleetlint's renderer resolves — as kustomize builds the
//! directory, without Flux's transforms — must be the objects that
//! `kubectl kustomize --load-restrictor LoadRestrictionsNone DIR` prints, compared by
//! (apiVersion, kind, namespace, name).
//!
//! Skipped, with a note, where `kubectl` is not on PATH (CI). Directories are counted apart when
//! fleetlint sees a remote base (kubectl would fetch it: no network here) or when kubectl
//! itself fails (missing files, cycles, duplicate ids, Flux Kustomizations in a file named
//! kustomization.yaml).
//!
//! One deliberate difference is normalised: kustomize appends `-<hash>` (10 characters of a
//! content hash) to generated ConfigMap and Secret names unless `disableNameSuffixHash` is set.
//! fleetlint does not model the hash: it would have to read every generator input file, and no
//! check needs it — Flux references that matter (`substituteFrom`, `valuesFrom`) must use
//! hash-free names, and kustomize rewrites the references it hashes. A kubectl name of a
//! ConfigMap or Secret is compared without that suffix when fleetlint has the unsuffixed name.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use fleetlint::catalog::Catalog;
use fleetlint::kustomize::{Layer, Problem, Renderer};
use fleetlint::source::{self, FileId, Repo};
use rayon::prelude::*;

/// (apiVersion, kind, namespace, name)
type Id = (String, String, Option<String>, String);

const CORPUS: &str = "/work/shared/corpus";

/// Directories whose render must match kubectl exactly, not just at the overall rate.
const CURATED: &[&str] = &[
    "fleet/clusters/prod/flux-system",
    "fleet/infrastructure/base/cert-manager-controller",
    "fleet/infrastructure/base/cert-manager-cluster-issuers",
    "fleet/infrastructure/overlays/prod/cert-manager-cluster-issuers",
    "fleet/infrastructure/overlays/prod/cert-manager-controller",
    "fleet/tenants/prod",
    "FL004-missing-resource/pass/apps/dev",
];

#[derive(Debug)]
enum Outcome {
    Match,
    Mismatch {
        only_fleetlint: Vec<Id>,
        only_kubectl: Vec<Id>,
    },
    Remote,
    KubectlFailed(String),
}

fn kubectl_available() -> bool {
    Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Every directory below `root` holding a kustomization file, sorted.
fn kustomization_dirs(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(read) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut has_kustomization = false;
        for entry in read.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() && !name.starts_with('.') {
                pending.push(entry.path());
            } else if kind.is_file() && source::is_kustomization_name(&name) {
                has_kustomization = true;
            }
        }
        if has_kustomization {
            dirs.push(dir);
        }
    }
    dirs.sort();
    dirs
}

fn id_of(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Id {
    (
        api_version.to_string(),
        kind.to_string(),
        namespace.map(str::to_string),
        name.to_string(),
    )
}

/// What fleetlint renders for `dir` (inside the repository at `root`) and how many problems it
/// found on the way, or `None` when it reaches a remote base.
fn fleetlint_ids(root: &Path, dir: &Path) -> Option<(Vec<Id>, usize)> {
    let repo = Repo::open(root).expect("repository root opens");
    let catalog = Catalog::new();
    let renderer = Renderer::new(&repo, &catalog);
    let rel = dir
        .strip_prefix(root)
        .expect("dir is under root")
        .to_string_lossy()
        .replace('\\', "/");
    let rendered = renderer.flux_build(&rel, "", &Layer::default());
    if rendered
        .problems
        .iter()
        .any(|p| matches!(p, Problem::Remote { .. }))
    {
        return None;
    }
    let mut ids: Vec<Id> = rendered
        .objects
        .iter()
        .map(|o| id_of(&o.api_version, &o.kind, o.namespace.as_deref(), &o.name))
        .collect();
    ids.sort();
    Some((ids, rendered.problems.len()))
}

/// What `kubectl kustomize` renders for `dir`, or its error.
fn kubectl_ids(dir: &Path) -> Result<Vec<Id>, String> {
    let out = Command::new("timeout")
        .arg("60")
        .args([
            "kubectl",
            "kustomize",
            "--load-restrictor",
            "LoadRestrictionsNone",
        ])
        .arg(dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let mut lines = err.lines().filter(|l| !l.starts_with("# Warning"));
        let mut line = lines.next().unwrap_or("").to_string();
        if line.ends_with("err=<") {
            line.push_str(lines.next().unwrap_or("").trim());
        }
        return Err(line.chars().take(300).collect());
    }
    let text = String::from_utf8(out.stdout).map_err(|e| e.to_string())?;
    let (docs, errors) = source::yaml::parse(FileId(0), &text);
    if let Some(e) = errors.first() {
        return Err(format!("kubectl output does not parse: {}", e.message));
    }
    let mut ids: Vec<Id> = docs
        .iter()
        .filter_map(|d| d.root.as_ref())
        .map(|root| {
            id_of(
                root.str_at(&["apiVersion"]).unwrap_or(""),
                root.str_at(&["kind"]).unwrap_or(""),
                root.str_at(&["metadata", "namespace"]),
                root.str_at(&["metadata", "name"]).unwrap_or(""),
            )
        })
        .collect();
    ids.sort();
    Ok(ids)
}

/// Strips kustomize's generated-name hash where fleetlint has the unsuffixed name.
fn normalise_hashes(kubectl: Vec<Id>, fleetlint: &[Id]) -> Vec<Id> {
    let mut ids: Vec<Id> = kubectl
        .into_iter()
        .map(|(api, kind, ns, name)| {
            let generated = matches!(kind.as_str(), "ConfigMap" | "Secret") && api == "v1";
            // kustomize's hash: 10 characters of hex with 0, 1, 3, a, e replaced by g, h, k, m, t.
            if generated
                && !fleetlint.contains(&(api.clone(), kind.clone(), ns.clone(), name.clone()))
                && let Some((base, hash)) = name.rsplit_once('-')
                && hash.len() == 10
                && hash.bytes().all(|b| b"2456789bcdfghkmt".contains(&b))
            {
                let unsuffixed = (api.clone(), kind.clone(), ns.clone(), base.to_string());
                if fleetlint.contains(&unsuffixed) {
                    return unsuffixed;
                }
            }
            (api, kind, ns, name)
        })
        .collect();
    ids.sort();
    ids
}

/// Multiset difference `a - b`.
fn minus(a: &[Id], b: &[Id]) -> Vec<Id> {
    let mut counts: BTreeMap<&Id, usize> = BTreeMap::new();
    for id in b {
        *counts.entry(id).or_default() += 1;
    }
    a.iter()
        .filter(|id| match counts.get_mut(id) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .cloned()
        .collect()
}

fn compare(root: &Path, dir: &Path) -> Outcome {
    let Some((ours, problems)) = fleetlint_ids(root, dir) else {
        return Outcome::Remote;
    };
    let theirs = match kubectl_ids(dir) {
        Ok(ids) => normalise_hashes(ids, &ours),
        Err(e) => {
            let ours = match problems {
                0 => "fleetlint renders it without a problem".to_string(),
                n => format!("fleetlint records {n} problem(s)"),
            };
            return Outcome::KubectlFailed(format!("{ours}; kubectl: {e}"));
        }
    };
    if ours == theirs {
        Outcome::Match
    } else {
        Outcome::Mismatch {
            only_fleetlint: minus(&ours, &theirs),
            only_kubectl: minus(&theirs, &ours),
        }
    }
}

#[derive(Default)]
struct Tally {
    compared: usize,
    matched: usize,
    remote: usize,
    kubectl_failed: usize,
    mismatches: Vec<String>,
}

impl Tally {
    fn add(&mut self, label: &str, outcome: &Outcome) {
        match outcome {
            Outcome::Match => {
                self.compared += 1;
                self.matched += 1;
            }
            Outcome::Mismatch {
                only_fleetlint,
                only_kubectl,
            } => {
                self.compared += 1;
                self.mismatches.push(format!(
                    "{label}\n    only fleetlint: {only_fleetlint:?}\n    only kubectl: {only_kubectl:?}"
                ));
            }
            Outcome::Remote => self.remote += 1,
            Outcome::KubectlFailed(e) => {
                self.kubectl_failed += 1;
                eprintln!("  kubectl fails on {label}: {e}");
            }
        }
    }

    fn report(&self, name: &str, elapsed: Duration) {
        eprintln!(
            "{name}: {} directories compared, {} matched, {} mismatched; skipped: {} with remote bases, {} where kubectl fails ({:.1}s)",
            self.compared,
            self.matched,
            self.mismatches.len(),
            self.remote,
            self.kubectl_failed,
            elapsed.as_secs_f64()
        );
        for m in &self.mismatches {
            eprintln!("  mismatch: {m}");
        }
    }
}

#[test]
fn fleetlint_renders_what_kubectl_kustomize_renders() {
    if !kubectl_available() {
        eprintln!("kubectl is not on PATH: differential test against kustomize skipped");
        return;
    }
    let testdata = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let mut curated_failures = Vec::new();
    let dirs = kustomization_dirs(&testdata);
    for curated in CURATED {
        assert!(
            dirs.contains(&testdata.join(curated)),
            "curated directory {curated} has no kustomization file"
        );
    }
    for dir in dirs {
        let label = dir
            .strip_prefix(&testdata)
            .expect("under testdata")
            .to_string_lossy()
            .into_owned();
        let outcome = compare(&testdata, &dir);
        if CURATED.contains(&label.as_str()) && !matches!(outcome, Outcome::Match) {
            curated_failures.push(format!("{label}: {outcome:?}"));
        }
        tally.add(&label, &outcome);
    }
    tally.report("testdata", started.elapsed());
    assert!(curated_failures.is_empty(), "{curated_failures:#?}");
    assert!(tally.compared >= 20, "too few directories compared");
    // Every comparable testdata directory matches; a mismatch is a bug to fix or a difference
    // to document above.
    assert_eq!(tally.matched, tally.compared, "{:#?}", tally.mismatches);
}

#[test]
fn corpus_renders_what_kubectl_kustomize_renders() {
    let corpus = Path::new(CORPUS);
    if !corpus.is_dir() || !kubectl_available() {
        eprintln!("no {CORPUS} or no kubectl: corpus differential test skipped");
        return;
    }
    let started = std::time::Instant::now();
    let mut tally = Tally::default();
    let mut repos: Vec<PathBuf> = std::fs::read_dir(corpus)
        .expect("corpus is readable")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    repos.sort();
    let dirs: Vec<(PathBuf, PathBuf)> = repos
        .iter()
        .flat_map(|repo| {
            kustomization_dirs(repo)
                .into_iter()
                .map(move |d| (repo.clone(), d))
        })
        .collect();
    // kubectl runs in its own process: a few at a time roughly halves the wall time.
    let outcomes: Vec<Outcome> = dirs
        .par_iter()
        .map(|(repo, dir)| compare(repo, dir))
        .collect();
    for ((_, dir), outcome) in dirs.iter().zip(&outcomes) {
        let label = dir
            .strip_prefix(corpus)
            .expect("under corpus")
            .to_string_lossy()
            .into_owned();
        tally.add(&label, outcome);
    }
    tally.report("corpus", started.elapsed());
    assert!(tally.compared > 0);
    assert!(
        tally.matched * 100 >= tally.compared * 99,
        "fewer than 99% of corpus directories match kubectl: {:#?}",
        tally.mismatches
    );
}
