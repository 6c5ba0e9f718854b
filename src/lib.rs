//! fleetlint: an offline validator for Flux CD fleet repositories.
//!
//! Data flows one way: `source` reads and parses files → `kustomize` renders directories →
//! `fleet` builds each cluster from its root to a fixed point → `graph` orders it → `checks`
//! produce findings → `report` prints them.

#![forbid(unsafe_code)]

pub mod catalog;
pub mod checks;
pub mod cli;
pub mod finding;
pub mod fleet;
pub mod graph;
pub mod kustomize;
pub mod report;
pub mod source;

use std::collections::HashSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use rayon::prelude::*;

use checks::{Check, ClusterModel, Context};
use cli::{Cli, Color, Command, FailOn, Format};
use finding::{Finding, Severity};
use report::ClusterSummary;
use source::{FileId, Repo};

/// Nothing at or above the failing severity.
pub const EXIT_CLEAN: u8 = 0;
/// Findings at or above the failing severity.
pub const EXIT_FINDINGS: u8 = 1;
/// fleetlint could not run: bad arguments, no such path, internal error.
pub const EXIT_ERROR: u8 = 2;

/// What a lint run produced, before it is printed.
pub struct Analysis {
    pub repo: Repo,
    pub clusters: Vec<ClusterSummary>,
    pub findings: Vec<Finding>,
}

/// Runs the command line and returns the exit code. A panic anywhere becomes exit 2.
pub fn run(cli: Cli) -> u8 {
    match guarded(|| run_cli(cli)) {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            eprintln!("fleetlint: error: {err:#}");
            EXIT_ERROR
        }
        Err(message) => {
            eprintln!("{message}");
            EXIT_ERROR
        }
    }
}

/// The first file a panicking thread was processing, recorded by the panic hook.
static PANICKED_WHILE: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

/// Runs `f`; a panic (on this thread or a rayon worker) becomes the "internal error" message,
/// naming the file that was being processed when one was. The panic's own message is printed
/// just before by the default hook.
pub fn guarded<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if let Some(file) = source::processing::current() {
                let mut first = PANICKED_WHILE.lock().unwrap_or_else(|e| e.into_inner());
                first.get_or_insert(file);
            }
            previous(info);
        }));
    });
    *PANICKED_WHILE.lock().unwrap_or_else(|e| e.into_inner()) = None;
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).map_err(|_| {
        let file = PANICKED_WHILE
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        let place = file.map_or(String::new(), |f| format!(" while processing {f}"));
        format!(
            "fleetlint: internal error{place}, please report it at https://github.com/fleetlint/fleetlint/issues with the message above"
        )
    })
}

fn run_cli(cli: Cli) -> Result<u8> {
    match &cli.command {
        Some(Command::Rules) => {
            print(&rules_table());
            return Ok(EXIT_CLEAN);
        }
        Some(Command::Explain { rule }) => {
            let check = find_rule(rule)?;
            print(check.docs);
            return Ok(EXIT_CLEAN);
        }
        None => {}
    }
    let rules = selected_rules(&cli.select, &cli.ignore)?;
    let targets = if cli.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cli.paths.clone()
    };
    let analysis = analyze(cli.root.as_deref(), &targets, &rules)?;
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let text = match cli.format {
        Format::Human => report::human::render(
            &analysis.repo,
            &analysis.clusters,
            &analysis.findings,
            color,
        ),
        Format::Json => {
            report::json::render(&analysis.repo, &analysis.clusters, &analysis.findings)
        }
    };
    print(&text);
    let threshold = match cli.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    Ok(
        if analysis.findings.iter().any(|f| f.severity >= threshold) {
            EXIT_FINDINGS
        } else {
            EXIT_CLEAN
        },
    )
}

/// Writes to stdout; a closed pipe (`fleetlint | head`) is not an error.
fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

fn find_rule(name: &str) -> Result<&'static Check> {
    checks::find(name).with_context(|| {
        let hint = checks::did_you_mean(name, checks::ALL.iter().flat_map(|c| [c.code, c.name]))
            .map(|m| format!(" (did you mean \"{m}\"?)"))
            .unwrap_or_default();
        format!("no rule \"{name}\"{hint}; `fleetlint rules` lists them")
    })
}

fn selected_rules(select: &[String], ignore: &[String]) -> Result<Vec<&'static Check>> {
    let selected: Vec<&Check> = if select.is_empty() {
        checks::ALL.iter().collect()
    } else {
        select.iter().map(|s| find_rule(s)).collect::<Result<_>>()?
    };
    let ignored: Vec<&Check> = ignore.iter().map(|s| find_rule(s)).collect::<Result<_>>()?;
    Ok(selected
        .into_iter()
        .filter(|c| !ignored.iter().any(|i| i.code == c.code))
        .collect())
}

/// `fleetlint rules`: code, name, default severity, summary.
pub fn rules_table() -> String {
    let mut out = String::new();
    for check in checks::ALL {
        out.push_str(&format!(
            "{}  {:<20} {:<8} {}\n",
            check.code,
            check.name,
            check.severity.as_str(),
            check.summary
        ));
    }
    out
}

/// The repository root for a run: `--root`, else the nearest folder at or above the first
/// target that holds `.git`, `.fleetlint.yaml` or `clusters/`, else the current directory.
fn find_root(explicit: Option<&Path>, targets: &[PathBuf]) -> Result<PathBuf> {
    if let Some(root) = explicit {
        return std::fs::canonicalize(root)
            .with_context(|| format!("--root {}: no such directory", root.display()));
    }
    let first = canonical_dir(&targets[0])?;
    for dir in first.ancestors() {
        if dir.join(".git").exists()
            || dir.join(".fleetlint.yaml").is_file()
            || dir.join("clusters").is_dir()
        {
            return Ok(dir.to_path_buf());
        }
    }
    let cwd = std::fs::canonicalize(".").context("cannot read the current directory")?;
    Ok(if first.starts_with(&cwd) { cwd } else { first })
}

fn canonical_dir(path: &Path) -> Result<PathBuf> {
    let full = std::fs::canonicalize(path)
        .with_context(|| format!("{}: no such file or directory", path.display()))?;
    Ok(if full.is_file() {
        full.parent().map(Path::to_path_buf).unwrap_or(full)
    } else {
        full
    })
}

/// A root that another cluster applies is part of that cluster, not a cluster of its own (a
/// kubectl-applied bootstrap Kustomization that the cluster also manages, say).
fn drop_subtrees(clusters: Vec<ClusterModel>) -> Vec<ClusterModel> {
    let applies = |m: &ClusterModel, origin: source::Span| {
        m.cluster.applied().any(|(_, o)| o.origin == origin)
    };
    let dropped: Vec<bool> = clusters
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let Some(origin) = a.cluster.root_origin() else {
                return false;
            };
            clusters.iter().enumerate().any(|(j, b)| {
                j != i
                    && applies(b, origin)
                    && !b.cluster.root_origin().is_some_and(|o| applies(a, o))
            })
        })
        .collect();
    clusters
        .into_iter()
        .zip(dropped)
        .filter(|(_, d)| !d)
        .map(|(m, _)| m)
        .collect()
}

/// Lints the clusters under `targets` with the given rules.
pub fn analyze(root: Option<&Path>, targets: &[PathBuf], rules: &[&Check]) -> Result<Analysis> {
    let root = find_root(root, targets)?;
    let repo = Repo::open(&root).with_context(|| format!("cannot open {}", root.display()))?;
    let mut relative = Vec::new();
    for target in targets {
        let full = canonical_dir(target)?;
        let Ok(rel) = full.strip_prefix(repo.root()) else {
            bail!(
                "{} is outside the repository root {}",
                target.display(),
                repo.root().display()
            );
        };
        relative.push(rel.to_string_lossy().replace('\\', "/"));
    }

    let catalog = catalog::Catalog::new();
    let renderer = kustomize::Renderer::new(&repo, &catalog);
    let discovery = fleet::discover::discover(&repo, &relative);
    let clusters: Vec<ClusterModel> = discovery
        .roots
        .par_iter()
        .map(|root| {
            let cluster = fleet::build(&renderer, root);
            let graph = graph::Graph::build(&cluster);
            ClusterModel { cluster, graph }
        })
        .collect();

    // Reached: applied by some Kustomization of some cluster (duplicates included), or a root.
    let clusters = drop_subtrees(clusters);
    let reached: HashSet<_> = clusters
        .iter()
        .flat_map(|m| {
            let applied = m.cluster.applied().map(|(_, o)| o.origin);
            let defined = m
                .cluster
                .kustomizations
                .iter()
                .filter_map(|k| k.object.as_ref().map(|o| o.origin));
            applied.chain(defined).collect::<Vec<_>>()
        })
        .collect();
    let mut orphans: Vec<_> = discovery
        .flux_objects
        .iter()
        .filter(|o| !reached.contains(&o.origin))
        .cloned()
        .collect();
    orphans.sort_by_key(|o| (repo.file(o.origin.file).path.clone(), o.origin.start));

    let cx = Context {
        clusters: &clusters,
        orphans: &orphans,
    };
    let mut findings: Vec<Finding> = rules.iter().flat_map(|check| (check.run)(&cx)).collect();
    // A base shared by several Kustomizations or clusters reports its problem once.
    let mut seen = HashSet::new();
    findings.retain(|f| {
        f.primary.span.file != FileId::DETACHED
            && seen.insert((f.code, f.primary.span, f.message.clone()))
    });
    for f in &mut findings {
        f.labels.retain(|l| l.span.file != FileId::DETACHED);
    }
    findings.sort_by_cached_key(|f| {
        (
            repo.file(f.primary.span.file).path.clone(),
            f.primary.span.start,
            f.primary.span.end,
            f.code,
            f.message.clone(),
        )
    });

    let summaries = clusters
        .iter()
        .map(|m| ClusterSummary {
            name: m.cluster.name.clone(),
            path: if m.cluster.path.is_empty() {
                ".".into()
            } else {
                m.cluster.path.clone()
            },
            kustomizations: m.cluster.kustomization_count(),
            helm_releases: m.cluster.helm_releases.len(),
        })
        .collect();
    Ok(Analysis {
        repo,
        clusters: summaries,
        findings,
    })
}
