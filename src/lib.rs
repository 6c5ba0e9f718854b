//! fleetlint: an offline validator for Flux CD fleet repositories.
//!
//! Data flows one way: `source` reads and parses files → `kustomize` renders directories →
//! `fleet` builds each cluster from its root to a fixed point → `graph` orders it → `checks`
//! produce findings → `report` prints them.

#![forbid(unsafe_code)]

pub mod catalog;
pub mod checks;
pub mod cli;
pub mod config;
pub mod finding;
pub mod fleet;
pub mod graph;
pub mod kustomize;
pub mod report;
pub mod source;
pub mod suppress;

use std::collections::{BTreeMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use rayon::prelude::*;

use checks::{Check, ClusterModel, Context};
use clap::CommandFactory;
use cli::{Cli, Color, Command, FailOn, Format, GraphFormat, Target, TreeFormat};
use config::Config;
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
    pub timings: Timings,
    /// The models the checks read. Nothing reads them after the checks; they are kept here,
    /// not dropped in [`analyze_with`], so that the command line can exit without freeing
    /// millions of nodes one by one (a tenth of a large run).
    _models: Models,
}

/// What [`analyze_with`] built to run the checks on.
struct Models {
    _clusters: Vec<ClusterModel>,
    _orphans: Vec<kustomize::Object>,
    _reached: foldhash::HashSet<source::Span>,
}

/// Where the time of one run went (`--timings`).
#[derive(Debug, Clone, Default)]
pub struct Timings {
    /// Finding the roots, with every YAML file under the targets read and parsed.
    pub discover: std::time::Duration,
    /// Rendering every cluster to a fixed point, graphs and CRD providers.
    pub model: std::time::Duration,
    pub checks: std::time::Duration,
}

impl Timings {
    /// One line for stderr.
    pub fn display(&self, repo: &Repo, report: std::time::Duration) -> String {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        format!(
            "fleetlint timings: discover+parse {:.1} ms, render+model {:.1} ms, checks {:.1} ms, report {:.1} ms; {} files read ({:.1} MB)",
            ms(self.discover),
            ms(self.model),
            ms(self.checks),
            ms(report),
            repo.file_count(),
            repo.bytes_read() as f64 / 1e6
        )
    }
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
        Some(Command::Graph(args)) => {
            let fleet = load_target(&args.target)?;
            let model = pick_cluster(&fleet, args.target.cluster.as_deref())?;
            let mut view = report::graph::View::build(&fleet.repo, model);
            if args.providers {
                view = view.with_providers(model, &provider_edges(&fleet, model));
            }
            print(&match args.format {
                GraphFormat::Mermaid => report::graph::mermaid(&view),
                GraphFormat::Dot => report::graph::dot(&view),
                GraphFormat::Json => report::graph::json(&view),
            });
            return Ok(EXIT_CLEAN);
        }
        Some(Command::Tree(args)) => {
            let fleet = load_target(&args.target)?;
            let models: Vec<&ClusterModel> = match args.target.cluster.as_deref() {
                Some(name) => vec![pick_cluster(&fleet, Some(name))?],
                None => fleet.clusters.iter().collect(),
            };
            if models.is_empty() {
                bail!("no cluster found");
            }
            let options = report::tree::Options {
                compact: args.compact,
            };
            print(&match (args.format, args.objects) {
                (TreeFormat::Json, _) => report::tree::json(&fleet.repo, &models, options),
                (TreeFormat::Text, true) => report::tree::objects(&models, options),
                (TreeFormat::Text, false) => report::tree::text(&models, options),
            });
            return Ok(EXIT_CLEAN);
        }
        Some(Command::Completions { shell }) => {
            let mut out = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "fleetlint", &mut out);
            print(&String::from_utf8_lossy(&out));
            return Ok(EXIT_CLEAN);
        }
        None => {}
    }
    let targets = if cli.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        cli.paths.clone()
    };
    let root = find_root(cli.root.as_deref(), &targets)?;
    let config = Config::load(&root, cli.config.as_deref())?;
    let rules = selected_rules(&cli.select, &cli.ignore, &config)?;
    let analysis = analyze_with(&root, &targets, &rules, &config)?;
    let color = match cli.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let started = std::time::Instant::now();
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
        Format::Sarif => report::sarif::render(&analysis.repo, &analysis.findings),
        Format::Github => report::github::render(&analysis.repo, &analysis.findings),
    };
    print(&text);
    if cli.timings {
        eprintln!(
            "{}",
            analysis.timings.display(&analysis.repo, started.elapsed())
        );
    }
    let threshold = match cli.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let code = if analysis.findings.iter().any(|f| f.severity >= threshold) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    };
    // The process exits next: freeing every parsed tree one node at a time would cost more
    // than a tenth of a large run, and the operating system reclaims the memory anyway.
    std::mem::forget(analysis);
    Ok(code)
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

/// The rules a run uses: `--select` when given (flags win over the configuration), else every
/// rule the configuration does not turn off; minus `--ignore`.
fn selected_rules(
    select: &[String],
    ignore: &[String],
    config: &Config,
) -> Result<Vec<&'static Check>> {
    let selected: Vec<&Check> = if select.is_empty() {
        checks::ALL
            .iter()
            .filter(|c| !config.is_off(c.code))
            .collect()
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
    let width = checks::ALL.iter().map(|c| c.name.len()).max().unwrap_or(0);
    for check in checks::ALL {
        out.push_str(&format!(
            "{}  {:<width$} {:<8} {}\n",
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

/// A base shared by several Kustomizations or clusters reports its problem once; findings
/// and labels without a place in a file are dropped.
fn dedupe(mut findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = HashSet::new();
    findings.retain(|f| {
        f.primary.span.file != FileId::DETACHED
            && seen.insert((f.code, f.primary.span, f.message.clone()))
    });
    for f in &mut findings {
        f.labels.retain(|l| l.span.file != FileId::DETACHED);
    }
    findings
}

/// Lints the clusters under `targets` with the given rules and no configuration file.
pub fn analyze(root: Option<&Path>, targets: &[PathBuf], rules: &[&Check]) -> Result<Analysis> {
    let root = find_root(root, targets)?;
    analyze_with(&root, targets, rules, &Config::default())
}

/// The clusters under some targets, built and ordered, before any rule runs.
pub struct Fleet {
    pub repo: Repo,
    pub clusters: Vec<ClusterModel>,
    /// Flux objects found under the targets that no root reaches, in file order.
    pub orphans: Vec<kustomize::Object>,
    /// CRDs and namespaces installed before Flux (helmfile bootstraps).
    pub bootstrap: fleet::bootstrap::Bootstrap,
    /// Where every object some cluster applies (or a root) is defined.
    pub reached: foldhash::HashSet<source::Span>,
    pub timings: Timings,
}

/// Builds every cluster under `targets` with no configuration file: discovery, rendering to
/// a fixed point, graphs and CRD providers.
pub fn load(root: Option<&Path>, targets: &[PathBuf]) -> Result<Fleet> {
    let root = find_root(root, targets)?;
    load_with(&root, targets, &Config::default())
}

/// [`load`] for the repository at `root` with a configuration (source mappings, variables,
/// assumed CRDs, ignored paths).
pub fn load_with(root: &Path, targets: &[PathBuf], config: &Config) -> Result<Fleet> {
    let repo = Repo::open(root).with_context(|| format!("cannot open {}", root.display()))?;
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
    let mut timings = Timings::default();
    // The embedded catalogues are parsed on another core while the repository is walked and
    // the clusters are built: on a small fleet that work is shorter than parsing them. A
    // catalogue wanted before it is ready is waited for (or parsed) where it is wanted. So are
    // Flux's ignore rules for the repository's root, first: the first build of most clusters
    // wants them before anything else (they are compiled where they are wanted if they are
    // not ready).
    let ((discovery, bootstrap, clusters), ()) = rayon::join(
        || {
            let started = std::time::Instant::now();
            let discovery = fleet::discover::discover(&repo, &relative);
            timings.discover = started.elapsed();
            let started = std::time::Instant::now();
            let bootstrap = fleet::bootstrap::find(&repo);
            repo.release_schema_texts();
            let clusters: Vec<ClusterModel> = discovery
                .roots
                .par_iter()
                .map(|root| {
                    let options = fleet::Options {
                        sources: config.sources.clone(),
                        variables: config.variables_of(&root.name),
                    };
                    let cluster = fleet::build_with(&renderer, root, &options);
                    let graph = graph::Graph::build(&cluster);
                    let providers =
                        fleet::providers::Providers::build(&cluster, &bootstrap, &config.assume);
                    ClusterModel::new(cluster, graph, providers)
                })
                .collect();
            let clusters = drop_subtrees(clusters);
            timings.model = started.elapsed();
            (discovery, bootstrap, clusters)
        },
        || {
            renderer.ignore_rules("");
            catalog::warm_up();
        },
    );
    // Reached: applied by some Kustomization of some cluster (duplicates included), or a root.
    let reached: foldhash::HashSet<_> = clusters
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
    let ignored = |file: FileId| config.ignore.matches(&repo.file(file).path);
    let mut orphans: Vec<_> = discovery
        .flux_objects
        .iter()
        .filter(|o| !reached.contains(&o.origin) && !ignored(o.origin.file))
        .cloned()
        .collect();
    orphans.sort_by_key(|o| (repo.file(o.origin.file).path.clone(), o.origin.start));

    Ok(Fleet {
        repo,
        clusters,
        orphans,
        bootstrap,
        reached,
        timings,
    })
}

/// Lints the clusters under `targets` of the repository at `root` with the given rules and
/// configuration. The engine, not the checks, applies the configuration: ignored paths,
/// inline suppressions (and the unused ones, for FL021), then severity overrides.
pub fn analyze_with(
    root: &Path,
    targets: &[PathBuf],
    rules: &[&Check],
    config: &Config,
) -> Result<Analysis> {
    let Fleet {
        repo,
        clusters,
        orphans,
        bootstrap,
        reached,
        mut timings,
    } = load_with(root, targets, config)?;
    let started = std::time::Instant::now();
    let catalog = catalog::Catalog::new();
    let ignored = |file: FileId| config.ignore.matches(&repo.file(file).path);
    // FL021 reads what the engine learns from the other rules' findings, so it runs last.
    let (last, first): (Vec<&Check>, Vec<&Check>) = rules
        .iter()
        .partition(|c| c.code == checks::UNUSED_SUPPRESSION.code);
    let mut cx = Context {
        clusters: &clusters,
        orphans: &orphans,
        catalog: &catalog,
        bootstrap: &bootstrap,
        assume: &config.assume,
        unused_suppressions: &[],
    };
    let files: BTreeMap<FileId, std::sync::Arc<source::SourceFile>> = repo
        .files()
        .into_iter()
        .filter(|f| !config.ignore.matches(&f.path))
        .map(|f| (f.id, f))
        .collect();
    // Checks only read the model, so they run side by side, and beside the search for
    // suppression comments; the collected order is the rules' order whatever the schedule,
    // which keeps `dedupe` (first one wins) deterministic.
    let (mut findings, directives) = rayon::join(
        || {
            dedupe(
                first
                    .par_iter()
                    .flat_map_iter(|check| (check.run)(&cx))
                    .collect(),
            )
        },
        || -> Vec<suppress::Directive> { files.values().flat_map(|f| suppress::scan(f)).collect() },
    );
    findings.retain(|f| !ignored(f.primary.span.file));

    // Files whose content this run checked: stale suppressions are reported only there (a
    // draft that no root reaches is not checked, so its comments are not known to be stale).
    let mut checked: HashSet<FileId> = reached.iter().map(|s| s.file).collect();
    checked.extend(findings.iter().map(|f| f.primary.span.file));
    checked.extend(
        files
            .values()
            .filter(|f| source::is_kustomization_name(&f.path))
            .map(|f| f.id),
    );
    let (kept, used) = suppress::apply(findings, &directives);
    findings = kept;
    if !last.is_empty() {
        let ran = |code: &str| first.iter().any(|c| c.code == code);
        let unused = used.unused(&directives, &ran, &|file| checked.contains(&file));
        cx.unused_suppressions = &unused;
        findings.extend(last.iter().flat_map(|check| (check.run)(&cx)));
    }

    for f in &mut findings {
        f.severity = config.severity(f.code, f.severity);
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

    timings.checks = started.elapsed();
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
        timings,
        _models: Models {
            _clusters: clusters,
            _orphans: orphans,
            _reached: reached,
        },
    })
}

/// Loads the clusters a `graph` or `tree` command shows.
fn load_target(target: &Target) -> Result<Fleet> {
    let path = target.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let targets = [path];
    let root = find_root(target.root.as_deref(), &targets)?;
    let config = Config::load(&root, None)?;
    load_with(&root, &targets, &config)
}

/// The one cluster a view shows: the one named, else the only one.
fn pick_cluster<'a>(fleet: &'a Fleet, name: Option<&str>) -> Result<&'a ClusterModel> {
    let names = || {
        fleet
            .clusters
            .iter()
            .map(|m| m.cluster.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match (name, fleet.clusters.as_slice()) {
        (None, [only]) => Ok(only),
        (None, []) => bail!("no cluster found"),
        (None, _) => bail!(
            "{} clusters found ({}): pick one with --cluster NAME or give a cluster directory",
            fleet.clusters.len(),
            names()
        ),
        (Some(name), models) => models
            .iter()
            .find(|m| m.cluster.name == name)
            .with_context(|| {
                let hint =
                    checks::did_you_mean(name, models.iter().map(|m| m.cluster.name.as_str()))
                        .map(|m| format!(" (did you mean \"{m}\"?)"))
                        .unwrap_or_default();
                format!("no cluster \"{name}\"{hint}; clusters found: {}", names())
            }),
    }
}

/// (Kustomization applying custom resources, Kustomization providing their CRDs, API group)
/// for `fleetlint graph --providers`.
fn provider_edges(fleet: &Fleet, model: &ClusterModel) -> Vec<(usize, usize, String)> {
    let catalog = catalog::Catalog::new();
    let assume = config::Assume::default();
    let cx = Context {
        clusters: std::slice::from_ref(model),
        orphans: &[],
        catalog: &catalog,
        bootstrap: &fleet.bootstrap,
        assume: &assume,
        unused_suppressions: &[],
    };
    checks::ordering::custom_resources(&cx, model)
        .into_iter()
        .filter_map(|cr| {
            match cr.status {
                checks::ordering::CrdStatus::InPlace(Some(p))
                | checks::ordering::CrdStatus::Unordered(p) => Some(p),
                checks::ordering::CrdStatus::InPlace(None) => model
                    .providers
                    .of(cr.object.group(), &cr.object.kind)
                    .next(),
                _ => None,
            }
            // Flux's own kinds come from the root for everything: edges to it say nothing.
            .filter(|p| {
                p.kustomization != cr.kustomization
                    && !fleet::providers::FLUX_GROUPS.contains(&p.group.as_str())
            })
            .map(|p| (cr.kustomization, p.kustomization, p.group.clone()))
        })
        .collect()
}
