//! Human output: miette's graphical reports with source snippets, then a one-line summary.
//! The only file that knows miette.

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError,
    MietteSpanContents, SourceCode, SourceSpan, SpanContents,
};

use super::{ClusterSummary, counts};
use crate::finding::{Finding, Severity};
use crate::source::{FileId, Repo, SourceFile, Span};

/// One rendered diagnostic: labels in the primary file are drawn on its snippet; labels in
/// other files become related notes, each with its own snippet.
#[derive(Debug)]
struct Report {
    message: String,
    code: Option<String>,
    severity: miette::Severity,
    help: Option<String>,
    source: Windowed,
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

/// A file as miette reads it, through a window of lines around each requested span. miette's
/// own `SourceCode` for a string scans from the start of the text for every snippet, and the
/// text used to be copied for every finding: quadratic in a file with thousands of findings.
/// The window starts at a line boundary with more context lines than asked for, so miette
/// computes the same snippet, which is then moved back to the file's offsets and lines.
struct Windowed {
    file: Arc<SourceFile>,
    /// Where each line starts, with miette's line breaks (`\n`, `\r\n` and a lone `\r`).
    line_starts: Arc<Vec<usize>>,
}

impl fmt::Debug for Windowed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Windowed")
            .field("file", &self.file.path)
            .finish()
    }
}

impl SourceCode for Windowed {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let text = self.file.text();
        let (start, end) = (span.offset(), span.offset() + span.len());
        if end > text.len() {
            return Err(MietteError::OutOfBounds);
        }
        let line_of = |offset: usize| self.line_starts.partition_point(|&s| s <= offset) - 1;
        let first = line_of(start).saturating_sub(context_lines_before + 1);
        let last = line_of(end) + context_lines_after + 2;
        let from = self.line_starts[first];
        let to = self.line_starts.get(last).copied().unwrap_or(text.len());
        let local = SourceSpan::new((start - from).into(), span.len());
        let window = &text[from..to];
        let contents = window.read_span(&local, context_lines_before, context_lines_after)?;
        Ok(Box::new(
            MietteSpanContents::new_named(
                self.file.path.clone(),
                contents.data(),
                SourceSpan::new(
                    (contents.span().offset() + from).into(),
                    contents.span().len(),
                ),
                contents.line() + first,
                contents.column(),
                contents.line_count() + first,
            )
            .with_language("yaml"),
        ))
    }
}

/// Line indexes per file, computed once per render.
struct Sources<'r> {
    repo: &'r Repo,
    line_starts: HashMap<FileId, Arc<Vec<usize>>>,
}

impl Sources<'_> {
    fn get(&mut self, file: FileId) -> Windowed {
        let file = self.repo.file(file);
        let line_starts = self
            .line_starts
            .entry(file.id)
            .or_insert_with(|| {
                let bytes = file.text().as_bytes();
                let mut starts = vec![0];
                for (i, &b) in bytes.iter().enumerate() {
                    let ends_line = b == b'\n' || (b == b'\r' && bytes.get(i + 1) != Some(&b'\n'));
                    if ends_line {
                        starts.push(i + 1);
                    }
                }
                Arc::new(starts)
            })
            .clone();
        Windowed { file, line_starts }
    }
}

fn to_report(sources: &mut Sources, finding: &Finding) -> Report {
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
                source: sources.get(label.span.file),
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
        source: sources.get(file),
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
    let mut sources = Sources {
        repo,
        line_starts: HashMap::new(),
    };
    for finding in findings {
        let report = to_report(&mut sources, finding);
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
