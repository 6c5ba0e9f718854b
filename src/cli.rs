//! Command-line flags, as clap parses them. Resolved settings live in `config.rs`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "fleetlint",
    version,
    about = "Offline validator for Flux CD fleet repositories",
    long_about = "Reads a Flux fleet repository the way Flux's controllers would and reports what \
would otherwise fail at reconcile time: dependsOn cycles, dangling dependencies, missing paths \
and resources, missing sources, duplicate objects, broken YAML. No cluster, network or other \
binary is needed.",
    after_help = "Examples:
  fleetlint                          lint every cluster of the repository in .
  fleetlint clusters/prod            lint one cluster
  fleetlint --format json .          machine-readable output (contract: JSON v1)
  fleetlint --format sarif > fleetlint.sarif
                                     SARIF 2.1.0 for GitHub code scanning
  fleetlint --format github          annotations in a GitHub Actions log
  fleetlint graph clusters/prod      the dependsOn graph as Mermaid
  fleetlint tree clusters/prod       the Kustomization tree, like `flux tree ks flux-system`
  fleetlint explain FL002            what a rule finds and how to fix it",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Cluster directories, folders of clusters, or the repository (default: .)
    pub paths: Vec<PathBuf>,

    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Exit with 1 when a finding at or above this severity is reported
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,

    /// Colour in human output (NO_COLOR is respected with `auto`)
    #[arg(long, value_enum, default_value_t = Color::Auto)]
    pub color: Color,

    /// The repository root (default: the nearest folder above PATH holding .git, .fleetlint.yaml
    /// or clusters/, else the current directory)
    #[arg(long)]
    pub root: Option<PathBuf>,

    /// The configuration file (default: .fleetlint.yaml at the repository root, when present)
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Only run these rules (codes or names, comma-separated or repeated); wins over `rules:`
    /// in the configuration
    #[arg(long, value_delimiter = ',')]
    pub select: Vec<String>,

    /// Do not run these rules (codes or names)
    #[arg(long, value_delimiter = ',')]
    pub ignore: Vec<String>,

    /// Print where the time went (stderr)
    #[arg(long)]
    pub timings: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print a rule's documentation (by code or name)
    #[command(after_help = "Examples:
  fleetlint explain FL005
  fleetlint explain crd-ordering")]
    Explain { rule: String },
    /// List every rule with its code, name and default severity
    #[command(after_help = "Example:
  fleetlint rules")]
    Rules,
    /// Draw the dependsOn graph of one cluster (Mermaid, Graphviz DOT or JSON)
    #[command(
        long_about = "Draw the dependsOn graph of one cluster: every Flux Kustomization and \
HelmRelease, grouped by the Kustomization that applies it. An arrow A → B means A dependsOn B; \
the edges of a dependency cycle are drawn in red, and a dependsOn entry that names nothing \
points at a dashed \"missing\" node. When PATH holds several clusters, pick one with --cluster.",
        after_help = "Examples:
  fleetlint graph clusters/prod                  Mermaid, ready for a README or a PR comment
  fleetlint graph --cluster prod                 one cluster of the repository in .
  fleetlint graph clusters/prod --format dot | dot -Tsvg > prod.svg
  fleetlint graph clusters/prod --format json    nodes and edges for other tools"
    )]
    Graph(GraphArgs),
    /// Print the Kustomization tree offline, like `flux tree ks flux-system`
    #[command(
        long_about = "Print each cluster's Kustomization tree offline, in the shape of `flux tree \
kustomization flux-system`: the root, then the objects each Kustomization applies (Kind/namespace/\
name, in the order Flux applies them), nested Kustomizations expanded under their parent. With \
several clusters under PATH, each tree gets a `# <cluster> (<path>)` header; --cluster picks one.",
        after_help = "Examples:
  fleetlint tree clusters/prod                   every applied object
  fleetlint tree clusters/prod --compact         Flux objects only
  fleetlint tree --objects                       each Kustomization with its full inventory
  fleetlint tree --format json                   the same as JSON (shape in the README)"
    )]
    Tree(TreeArgs),
    /// Print a shell completion script
    #[command(after_help = "Examples:
  fleetlint completions bash > ~/.local/share/bash-completion/completions/fleetlint
  fleetlint completions zsh > \"${fpath[1]}/_fleetlint\"
  fleetlint completions fish > ~/.config/fish/completions/fleetlint.fish
  fleetlint completions powershell >> $PROFILE")]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// Where to find the cluster(s) a view shows.
#[derive(Debug, Args)]
pub struct Target {
    /// A cluster directory, a folder of clusters, or the repository (default: .)
    pub path: Option<PathBuf>,

    /// The cluster to show, by name (clusters/prod → prod), when PATH holds several
    #[arg(long)]
    pub cluster: Option<String>,

    /// The repository root (default: as for linting)
    #[arg(long)]
    pub root: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[command(flatten)]
    pub target: Target,

    /// Output format
    #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
    pub format: GraphFormat,

    /// Also draw CRD-provider edges (dotted): from a Kustomization applying custom resources to
    /// the one whose CRDs or HelmRelease provide them
    #[arg(long)]
    pub providers: bool,
}

#[derive(Debug, Args)]
pub struct TreeArgs {
    #[command(flatten)]
    pub target: Target,

    /// Only Flux objects (Kustomizations, HelmReleases, sources and other toolkit kinds)
    #[arg(long)]
    pub compact: bool,

    /// List every Kustomization with its inventory instead of drawing the tree
    #[arg(long)]
    pub objects: bool,

    /// Output format (JSON always lists every Kustomization with its inventory)
    #[arg(long, value_enum, default_value_t = TreeFormat::Text)]
    pub format: TreeFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Reports with source snippets, then a summary line
    Human,
    /// The JSON contract, version 1
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers
    Sarif,
    /// GitHub Actions workflow commands (annotations)
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub Markdown)
    Mermaid,
    /// Graphviz DOT
    Dot,
    /// Nodes and edges
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TreeFormat {
    /// The tree drawn as `flux tree` draws it
    Text,
    /// Every Kustomization with its inventory
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    Auto,
    Always,
    Never,
}
