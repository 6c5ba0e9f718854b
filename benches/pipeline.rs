//! Per-stage benchmarks on a generated fleet: parse, discover (+ parallel parse), render and
//! model, checks, report. `cargo bench` — regressions show per stage.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use criterion::{Criterion, criterion_group, criterion_main};
use fleetlint::checks::{self, ClusterModel, Context};
use fleetlint::config::Assume;
use fleetlint::fleet::bootstrap::Bootstrap;
use fleetlint::fleet::providers::Providers;
use fleetlint::source::{FileId, Repo};
use fleetlint::{catalog, fleet, graph, kustomize, report};

/// A seed-shaped fleet: `clusters` clusters sharing bases, `apps` apps each, CRDs of a few
/// hundred KB (the byte mass of real fleets).
fn generate(root: &Path, clusters: usize, apps: usize) {
    let write = |path: &str, text: &str| {
        let full = root.join(path);
        std::fs::create_dir_all(full.parent().expect("files are in folders")).expect("mkdir");
        std::fs::write(full, text).expect("write");
    };
    let mut schema = String::new();
    for i in 0..4000 {
        writeln!(schema, "          field{i}:\n            type: string\n            description: a field of the schema").expect("string");
    }
    for g in 0..4 {
        write(
            &format!("infrastructure/base/crds/crd{g}.yaml"),
            &format!(
                "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: things{g}.example{g}.io\nspec:\n  group: example{g}.io\n  names:\n    kind: Thing{g}\n    plural: things{g}\n  scope: Namespaced\n  versions:\n    - name: v1\n      served: true\n      storage: true\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties:\n{schema}"
            ),
        );
    }
    write(
        "infrastructure/base/crds/kustomization.yaml",
        "resources: [crd0.yaml, crd1.yaml, crd2.yaml, crd3.yaml]\n",
    );
    for a in 0..apps {
        write(
            &format!("apps/base/app{a}/kustomization.yaml"),
            "resources: [deployment.yaml, thing.yaml]\n",
        );
        write(
            &format!("apps/base/app{a}/deployment.yaml"),
            &format!(
                "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app{a}\n  namespace: default\nspec:\n  template:\n    spec:\n      containers:\n        - name: app\n          image: ghcr.io/example/app{a}:1.0.0\n"
            ),
        );
        write(
            &format!("apps/base/app{a}/thing.yaml"),
            &format!(
                "apiVersion: example{}.io/v1\nkind: Thing{}\nmetadata:\n  name: app{a}\n  namespace: default\n",
                a % 4,
                a % 4
            ),
        );
    }
    for c in 0..clusters {
        write(
            &format!("clusters/c{c}/flux-system/gotk-sync.yaml"),
            &format!(
                "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 1m\n  url: https://example.com/fleet\n---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: flux-system\n  namespace: flux-system\nspec:\n  interval: 10m\n  path: ./clusters/c{c}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n"
            ),
        );
        write(
            &format!("clusters/c{c}/flux-system/kustomization.yaml"),
            "resources: [gotk-sync.yaml]\n",
        );
        let mut ks = String::from(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: crds\n  namespace: flux-system\nspec:\n  interval: 1h\n  path: ./infrastructure/base/crds\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n",
        );
        for a in 0..apps {
            write!(ks, "---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: app{a}\n  namespace: flux-system\nspec:\n  dependsOn:\n    - name: crds\n  interval: 1h\n  path: ./apps/base/app{a}\n  prune: true\n  sourceRef:\n    kind: GitRepository\n    name: flux-system\n").expect("string");
        }
        write(&format!("clusters/c{c}/apps.yaml"), &ks);
    }
}

fn fleet_dir(clusters: usize, apps: usize) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("fleetlint-bench-{clusters}x{apps}"));
    if !dir.join("clusters").is_dir() {
        generate(&dir, clusters, apps);
    }
    dir
}

fn stages(c: &mut Criterion) {
    let dir = fleet_dir(4, 100);
    let rules: Vec<_> = checks::ALL.iter().collect();
    let texts: Vec<String> = fleet::discover::yaml_files(&Repo::open(&dir).expect("repo"), "")
        .iter()
        .map(|p| std::fs::read_to_string(dir.join(p)).expect("read"))
        .collect();

    c.bench_function("parse (span trees, one core)", |b| {
        b.iter(|| {
            for (i, text) in texts.iter().enumerate() {
                std::hint::black_box(fleetlint::source::yaml::parse(FileId(i as u32), text));
            }
        })
    });
    c.bench_function("discover (read + parse all files, all cores)", |b| {
        b.iter(|| {
            let repo = Repo::open(&dir).expect("repo");
            std::hint::black_box(
                fleet::discover::discover(&repo, &[String::new()])
                    .roots
                    .len(),
            )
        })
    });

    let repo = Repo::open(&dir).expect("repo");
    let catalog = catalog::Catalog::new();
    let discovery = fleet::discover::discover(&repo, &[String::new()]);
    c.bench_function("render + model (files already parsed)", |b| {
        b.iter(|| {
            let renderer = kustomize::Renderer::new(&repo, &catalog);
            for root in &discovery.roots {
                let cluster = fleet::build(&renderer, root);
                std::hint::black_box(graph::Graph::build(&cluster));
            }
        })
    });

    let renderer = kustomize::Renderer::new(&repo, &catalog);
    let bootstrap = Bootstrap::default();
    let models: Vec<ClusterModel> = discovery
        .roots
        .iter()
        .map(|root| {
            let cluster = fleet::build(&renderer, root);
            let graph = graph::Graph::build(&cluster);
            let providers = Providers::build(&cluster, &bootstrap, &Assume::default());
            ClusterModel::new(cluster, graph, providers)
        })
        .collect();
    let assume = Assume::default();
    let cx = Context {
        clusters: &models,
        orphans: &[],
        catalog: &catalog,
        bootstrap: &bootstrap,
        assume: &assume,
        unused_suppressions: &[],
    };
    c.bench_function("checks (all rules)", |b| {
        b.iter(|| {
            let n: usize = rules.iter().map(|check| (check.run)(&cx).len()).sum();
            std::hint::black_box(n)
        })
    });

    let analysis = fleetlint::analyze(None, std::slice::from_ref(&dir), &rules).expect("lints");
    c.bench_function("report (json)", |b| {
        b.iter(|| report::json::render(&analysis.repo, &analysis.clusters, &analysis.findings))
    });
    c.bench_function("whole run", |b| {
        b.iter(|| {
            fleetlint::analyze(None, std::slice::from_ref(&dir), &rules)
                .expect("lints")
                .findings
                .len()
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = stages
}
criterion_main!(benches);
