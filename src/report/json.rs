//! The JSON contract, version 1 (DESIGN §4). Fields may be added, never renamed or removed.
//! Built from findings; the internal types are never serialised directly.

use serde::Serialize;

use super::{ClusterSummary, counts, locate};
use crate::finding::Finding;
use crate::source::Repo;

#[derive(Serialize)]
struct Output<'a> {
    version: u32,
    tool: Tool,
    root: String,
    clusters: Vec<Cluster<'a>>,
    diagnostics: Vec<Diagnostic>,
    summary: Summary,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Cluster<'a> {
    name: &'a str,
    path: &'a str,
    kustomizations: usize,
    helmreleases: usize,
}

#[derive(Serialize)]
struct Diagnostic {
    code: &'static str,
    rule: &'static str,
    severity: &'static str,
    message: String,
    help: Option<String>,
    cluster: Option<String>,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    labels: Vec<Label>,
}

#[derive(Serialize)]
struct Label {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    message: String,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    infos: usize,
}

pub fn render(repo: &Repo, clusters: &[ClusterSummary], findings: &[Finding]) -> String {
    let (errors, warnings, infos) = counts(findings);
    let output = Output {
        version: 1,
        tool: Tool {
            name: "fleetlint",
            version: env!("CARGO_PKG_VERSION"),
        },
        root: repo.root().display().to_string(),
        clusters: clusters
            .iter()
            .map(|c| Cluster {
                name: &c.name,
                path: &c.path,
                kustomizations: c.kustomizations,
                helmreleases: c.helm_releases,
            })
            .collect(),
        diagnostics: findings
            .iter()
            .map(|f| {
                let at = locate(repo, f.primary.span);
                Diagnostic {
                    code: f.code,
                    rule: f.rule,
                    severity: f.severity.as_str(),
                    message: f.message.clone(),
                    help: f.help.clone(),
                    cluster: f.cluster.clone(),
                    file: at.file,
                    line: at.line,
                    column: at.column,
                    end_line: at.end_line,
                    end_column: at.end_column,
                    labels: f
                        .labels
                        .iter()
                        .map(|l| {
                            let at = locate(repo, l.span);
                            Label {
                                file: at.file,
                                line: at.line,
                                column: at.column,
                                end_line: at.end_line,
                                end_column: at.end_column,
                                message: l.message.clone(),
                            }
                        })
                        .collect(),
                }
            })
            .collect(),
        summary: Summary {
            errors,
            warnings,
            infos,
        },
    };
    let mut text = serde_json::to_string_pretty(&output)
        .expect("the JSON output is made of strings and numbers only");
    text.push('\n');
    text
}
