//! Human output: miette's graphical reports with source snippets, then a one-line summary.
//! The only file that knows miette.

use std::fmt;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan,
};

use super::{ClusterSummary, counts};
use crate::finding::{Finding, Severity};
use crate::source::{FileId, Repo, Span};

/// One rendered diagnostic: labels in the primary file are drawn on its snippet; labels in
/// other files become related notes, each with its own snippet.
#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: NamedSource<String>,
    labels: Vec<LabeledSpan>,
    related: Vec<Report>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.code
            .as_ref()
            .map(|c| Box::new(c) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn Diagnostic)))
    }
}

fn source_span(span: Span) -> SourceSpan {
    SourceSpan::from((
        span.start as usize,
        (span.end.saturating_sub(span.start)) as usize,
    ))
}

fn source_of(repo: &Repo, file: FileId) -> NamedSource<String> {
    let f = repo.file(file);
    NamedSource::new(f.path.clone(), f.text.clone()).with_language("yaml")
}

fn to_report(repo: &Repo, finding: &Finding) -> Report {
    let file = finding.primary.span.file;
    let mut labels = vec![LabeledSpan::new_primary_with_span(
        Some(finding.primary.message.clone()),
        source_span(finding.primary.span),
    )];
    let mut related = Vec::new();
    for label in &finding.labels {
        if label.span.file == file {
            labels.push(LabeledSpan::new_with_span(
                Some(label.message.clone()),
                source_span(label.span),
            ));
        } else if label.span.file != FileId::DETACHED {
            related.push(Report {
                message: label.message.clone(),
                code: None,
                severity: miette::Severity::Advice,
                help: None,
                source: source_of(repo, label.span.file),
                labels: vec![LabeledSpan::new_primary_with_span(
                    None,
                    source_span(label.span),
                )],
                related: Vec::new(),
            });
        }
    }
    Report {
        message: finding.message.clone(),
        code: Some(format!("{} {}", finding.code, finding.rule)),
        severity: match finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        },
        help: finding.help.clone(),
        source: source_of(repo, file),
        labels,
        related,
    }
}

pub fn render(
    repo: &Repo,
    clusters: &[ClusterSummary],
    findings: &[Finding],
    color: bool,
) -> String {
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(100)
        .with_links(false);
    let mut out = String::new();
    for finding in findings {
        let report = to_report(repo, finding);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", finding.code, finding.message));
        }
        out.push('\n');
    }
    out.push_str(&summary(clusters, findings));
    out.push('\n');
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// The one-line summary.
pub fn summary(clusters: &[ClusterSummary], findings: &[Finding]) -> String {
    let (errors, warnings, infos) = counts(findings);
    let kustomizations: usize = clusters.iter().map(|c| c.kustomizations).sum();
    let helm_releases: usize = clusters.iter().map(|c| c.helm_releases).sum();
    let scope = format!(
        "{} ({}, {})",
        plural(clusters.len(), "cluster"),
        plural(kustomizations, "Kustomization"),
        plural(helm_releases, "HelmRelease")
    );
    if findings.is_empty() {
        format!("fleetlint: no problems in {scope}")
    } else {
        format!(
            "fleetlint: {}, {}, {} in {scope}",
            plural(errors, "error"),
            plural(warnings, "warning"),
            plural(infos, "info")
        )
    }
}
