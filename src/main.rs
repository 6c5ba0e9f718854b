//! Thin entry point: parse arguments, run, exit with fleetlint's code.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = fleetlint::cli::Cli::parse();
    ExitCode::from(fleetlint::run(cli))
}
