//! Command-line flags, as clap parses them. Resolved settings live in `config.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "fleetlint",
    version,
    about = "Offline validator for Flux CD fleet repositories",
    long_about = "Reads a Flux fleet repository the way Flux's controllers would and reports what \
would otherwise fail at reconcile time: dependsOn cycles, dangling dependencies, missing paths \
and resources, missing sources, duplicate objects, broken YAML. No cluster, network or other \
binary is needed.",
    after_help = "Examples:\n  fleetlint                      lint every cluster of the repository in .\n  fleetlint clusters/prod        lint one cluster\n  fleetlint --format json .      machine-readable output (contract: JSON v1)\n  fleetlint explain FL002        what a rule finds and how to fix it",
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
    Explain { rule: String },
    /// List every rule with its code, name and default severity
    Rules,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
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
