//! Turns findings into output. Line and column are computed here, from byte spans.

pub mod github;
pub mod graph;
pub mod human;
pub mod json;
pub mod sarif;
pub mod tree;

use std::path::{Path, PathBuf};

use crate::finding::{Finding, Severity};
use crate::source::{Repo, Span};

/// A 1-based line and column (columns count characters) of a byte offset.
pub fn line_col(text: &str, offset: u32) -> (usize, usize) {
    let offset = (offset as usize).min(text.len());
    let offset = (0..=offset)
        .rev()
        .find(|o| text.is_char_boundary(*o))
        .unwrap_or(0);
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = before.matches('\n').count() + 1;
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// A span resolved to a file path and 1-based positions (the end is exclusive).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
}

pub fn locate(repo: &Repo, span: Span) -> Location {
    let file = repo.file(span.file);
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end.max(span.start));
    Location {
        file: file.path.clone(),
        line,
        column,
        end_line,
        end_column,
    }
}

/// Like [`locate`], for spans that may belong to no file (`None` then).
pub fn try_locate(repo: &Repo, span: Span) -> Option<Location> {
    (span.file != crate::source::FileId::DETACHED).then(|| locate(repo, span))
}

/// The directory that SARIF and GitHub output name files from, with the repository root's path
/// inside it (`""`, or `"fleet/"`): the Git work tree holding the root, because GitHub resolves
/// annotation and code-scanning paths from the top of the Git repository; else the root.
pub fn vcs_base(root: &Path) -> (PathBuf, String) {
    let base = root
        .ancestors()
        .find(|dir| dir.join(".git").exists())
        .unwrap_or(root);
    let inside = root
        .strip_prefix(base)
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let prefix = if inside.is_empty() {
        inside
    } else {
        format!("{inside}/")
    };
    (base.to_path_buf(), prefix)
}

/// Counts by severity: (errors, warnings, infos).
pub fn counts(findings: &[Finding]) -> (usize, usize, usize) {
    let count = |s| findings.iter().filter(|f| f.severity == s).count();
    (
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info),
    )
}

/// Summary facts about a cluster, for the reports.
#[derive(Debug, Clone)]
pub struct ClusterSummary {
    pub name: String,
    pub path: String,
    pub kustomizations: usize,
    pub helm_releases: usize,
}

#[cfg(test)]
mod tests {
    use super::line_col;

    #[test]
    fn columns_count_characters() {
        let text = "a: é\nbé: x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        let x = text.find('x').unwrap() as u32;
        assert_eq!(line_col(text, x), (2, 5));
    }
}
