//! Inline suppressions, applied by the engine after the checks ran (checks never see them).
//!
//! `# fleetlint: ignore[FL005]` or `# fleetlint: ignore[crd-ordering, FL002]` (codes or names,
//! comma-separated, any text after `]` is a free-form reason):
//! - at the end of a line, it applies to that line;
//! - on a line of its own, to the next line that is not a comment;
//! - before the first key of a YAML document, to every finding in that document.
//!
//! A finding matches when its primary span starts in that scope and its code is listed.
//! Comments are found in the text the YAML layer already parsed, without a second parse: a `#`
//! at the start of a line or after a blank, outside quotes, and not inside any scalar the parser
//! saw (a block scalar may hold `#` as text). Directives that suppress nothing are returned as
//! [`Unused`] for FL021 `unused-suppression` to report.

use std::collections::BTreeMap;

use crate::checks::{self, Check};
use crate::finding::Finding;
use crate::source::{FileId, SourceFile, Span, Value};

/// What a suppression comment starts with, after `#`.
pub const MARKER: &str = "fleetlint:";

/// Whether a text holds [`MARKER`] anywhere; the searcher is built once per run, not per
/// file.
pub fn holds_marker(text: &str) -> bool {
    static FINDER: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(MARKER));
    FINDER.find(text.as_bytes()).is_some()
}

/// The part of a file a directive covers, as a byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One line (its start and end, the newline excluded).
    Line { start: u32, end: u32 },
    /// One YAML document, from its top comments to the next document.
    Document { start: u32, end: u32 },
}

impl Scope {
    fn contains(self, offset: u32) -> bool {
        match self {
            Scope::Line { start, end } => start <= offset && offset <= end,
            Scope::Document { start, end } => start <= offset && offset < end,
        }
    }
}

/// One rule named in a directive, as written.
#[derive(Clone)]
pub struct Entry {
    pub text: String,
    pub span: Span,
    pub check: Option<&'static Check>,
}

/// A `# fleetlint: ...` comment.
#[derive(Clone)]
pub struct Directive {
    /// The comment, from `#` to the end of its line.
    pub span: Span,
    /// `None`: a comment on its own line with no line after it.
    pub scope: Option<Scope>,
    /// What the directive applies to when that is not its own line: the next line's text or
    /// the document's first key.
    pub target: Option<Span>,
    pub entries: Vec<Entry>,
    /// Starts with `fleetlint:` but is not `fleetlint: ignore[...]`.
    pub malformed: bool,
}

/// Why a directive (or one rule of it) suppresses nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Why {
    /// The rule ran and reported nothing in the directive's scope.
    NoMatch {
        code: &'static str,
        name: &'static str,
        document: bool,
    },
    /// The name is no rule.
    UnknownRule {
        suggestion: Option<&'static str>,
    },
    /// FL021 itself is configured in `.fleetlint.yaml`, not suppressed inline.
    NotSuppressible,
    Malformed,
}

/// A suppression that matched nothing: the data FL021 reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unused {
    /// The rule as written inside the brackets (the whole comment when malformed).
    pub span: Span,
    pub written: String,
    pub target: Option<Span>,
    pub why: Why,
}

/// The directives of one file, in order.
pub fn scan(file: &SourceFile) -> Vec<Directive> {
    if file.text_released() {
        return Vec::new(); // only texts without a directive are let go
    }
    let text = file.text();
    // Most files have no directive: one vectorised search over the text tells.
    if !holds_marker(text) {
        return Vec::new();
    }
    let lines = line_ranges(text);
    let mut found: Vec<(usize, usize)> = Vec::new(); // (line index, offset of `#`)
    for (index, &(start, end)) in lines.iter().enumerate() {
        let line = &text[start..end];
        if !line.contains(MARKER) {
            continue;
        }
        if let Some(hash) = comment_start(line)
            && line[hash + 1..].trim_start().starts_with(MARKER)
        {
            found.push((index, start + hash));
        }
    }
    if found.is_empty() {
        return Vec::new();
    }
    // A `#` inside a scalar (a block scalar, a multi-line quoted string) is text.
    let mut in_scalar = vec![false; found.len()];
    for root in file.docs.iter().filter_map(|d| d.root.as_ref()) {
        root.walk(&mut |node| {
            if let Value::Scalar(_) = node.value {
                for (i, &(_, hash)) in found.iter().enumerate() {
                    let hash = hash as u32;
                    in_scalar[i] |= node.span.start <= hash && hash < node.span.end;
                }
            }
        });
    }
    let documents = documents(file);
    found
        .iter()
        .zip(in_scalar)
        .filter(|(_, inside)| !inside)
        .map(|(&(index, hash), _)| directive(file, &lines, &documents, index, hash))
        .collect()
}

/// Byte ranges of the lines of a text, without their line breaks.
fn line_ranges(text: &str) -> Vec<(usize, usize)> {
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, b) in text.bytes().enumerate() {
        if b == b'\n' {
            let end = if i > start && text.as_bytes()[i - 1] == b'\r' {
                i - 1
            } else {
                i
            };
            lines.push((start, end));
            start = i + 1;
        }
    }
    if start < text.len() {
        lines.push((start, text.len()));
    }
    lines
}

/// Where a comment starts in a line: a `#` at the start or after a blank, outside quotes.
fn comment_start(line: &str) -> Option<usize> {
    let bytes = line.as_bytes();
    let mut quote: Option<u8> = None;
    let mut prev = b' ';
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match quote {
            Some(b'"') if b == b'\\' => i += 1,
            Some(q) if b == q => quote = None,
            Some(_) => {}
            None if b == b'#' && matches!(prev, b' ' | b'\t') => return Some(i),
            None if (b == b'"' || b == b'\'')
                && matches!(prev, b' ' | b'\t' | b'[' | b'{' | b',') =>
            {
                quote = Some(b)
            }
            None => {}
        }
        prev = b;
        i += 1;
    }
    None
}

/// A document: where its top comments start, where its first key is, where it ends.
struct DocumentRange {
    top: u32,
    first_key: Span,
    end: u32,
}

fn documents(file: &SourceFile) -> Vec<DocumentRange> {
    let mut out: Vec<DocumentRange> = Vec::new();
    let mut previous_end = 0;
    for root in file.docs.iter().filter_map(|d| d.root.as_ref()) {
        let first_key = match root.as_map().and_then(|m| m.first()) {
            Some((key, _)) => key.span,
            None => root.span,
        };
        if let Some(last) = out.last_mut() {
            last.end = previous_end;
        }
        out.push(DocumentRange {
            top: previous_end,
            first_key,
            end: u32::MAX,
        });
        previous_end = root.span.end.max(root.span.start);
    }
    // Documents partition the file: each ends where the next one's top begins.
    for i in 1..out.len() {
        out[i - 1].end = out[i].top;
    }
    out
}

fn directive(
    file: &SourceFile,
    lines: &[(usize, usize)],
    documents: &[DocumentRange],
    index: usize,
    hash: usize,
) -> Directive {
    let text = file.text();
    let span = |start: usize, end: usize| Span {
        file: file.id,
        start: start as u32,
        end: end as u32,
    };
    let (line_start, line_end) = lines[index];
    let (entries, malformed) = parse_entries(file, hash, line_end);
    // A comment after a `---` separator belongs to the document that follows it.
    let before = text[line_start..hash].trim();
    let own_line = before.is_empty() || before == "---";
    let document = documents
        .iter()
        .find(|d| d.top as usize <= hash && hash < d.first_key.start as usize);
    let (scope, target) = if !own_line {
        (
            Some(Scope::Line {
                start: line_start as u32,
                end: line_end as u32,
            }),
            None,
        )
    } else if let Some(doc) = document {
        (
            Some(Scope::Document {
                start: doc.top,
                end: doc.end,
            }),
            Some(doc.first_key),
        )
    } else {
        let next = lines[index + 1..]
            .iter()
            .find(|&&(s, e)| !text[s..e].trim_start().starts_with('#'));
        match next {
            Some(&(s, e)) => {
                let content = &text[s..e];
                let lead = content.len() - content.trim_start().len();
                let trimmed = content.trim();
                (
                    Some(Scope::Line {
                        start: s as u32,
                        end: e as u32,
                    }),
                    Some(span(s + lead, s + lead + trimmed.len())),
                )
            }
            None => (None, None),
        }
    };
    Directive {
        span: span(hash, line_end),
        scope,
        target,
        entries,
        malformed,
    }
}

/// The rules of `fleetlint: ignore[a, b]` in the comment at `hash`, and whether it is malformed.
fn parse_entries(file: &SourceFile, hash: usize, line_end: usize) -> (Vec<Entry>, bool) {
    let comment = &file.text()[hash..line_end];
    let after_marker = comment
        .find(MARKER)
        .map(|i| i + MARKER.len())
        .unwrap_or(comment.len());
    let rest = &comment[after_marker..];
    let Some(list) = rest
        .trim_start()
        .strip_prefix("ignore")
        .map(str::trim_start)
        .and_then(|r| r.strip_prefix('['))
    else {
        return (Vec::new(), true);
    };
    let Some(close) = list.find(']') else {
        return (Vec::new(), true);
    };
    // `list` is a suffix of the comment, which ends at `line_end`.
    let list_start = line_end - list.len();
    let mut entries = Vec::new();
    let mut offset = 0;
    for part in list[..close].split(',') {
        let lead = part.len() - part.trim_start().len();
        let name = part.trim();
        if !name.is_empty() {
            let start = list_start + offset + lead;
            entries.push(Entry {
                text: name.to_string(),
                span: Span {
                    file: file.id,
                    start: start as u32,
                    end: (start + name.len()) as u32,
                },
                check: checks::find(name),
            });
        }
        offset += part.len() + 1;
    }
    let malformed = entries.is_empty();
    (entries, malformed)
}

/// Which entries of which directives suppressed something.
pub struct Used {
    used: Vec<Vec<bool>>,
}

/// Drops the findings a directive covers and records which entries were used. `FL021`
/// findings are never suppressed inline.
pub fn apply(findings: Vec<Finding>, directives: &[Directive]) -> (Vec<Finding>, Used) {
    let mut used: Vec<Vec<bool>> = directives
        .iter()
        .map(|d| vec![false; d.entries.len()])
        .collect();
    let mut by_file: BTreeMap<FileId, Vec<usize>> = BTreeMap::new();
    for (i, d) in directives.iter().enumerate() {
        by_file.entry(d.span.file).or_default().push(i);
    }
    let kept = findings
        .into_iter()
        .filter(|f| {
            if f.code == checks::UNUSED_SUPPRESSION.code {
                return true;
            }
            let at = f.primary.span;
            let mut suppressed = false;
            for &i in by_file.get(&at.file).map(Vec::as_slice).unwrap_or_default() {
                let d = &directives[i];
                if !d.scope.is_some_and(|s| s.contains(at.start)) {
                    continue;
                }
                for (j, entry) in d.entries.iter().enumerate() {
                    if entry.check.is_some_and(|c| c.code == f.code) {
                        used[i][j] = true;
                        suppressed = true;
                    }
                }
            }
            !suppressed
        })
        .collect();
    (kept, Used { used })
}

impl Used {
    /// The suppressions that matched nothing. `ran` says whether a rule ran (a rule that did
    /// not run cannot have matched, so its suppressions are not stale); `reported` says whether
    /// a file's problems are reported at all in this run.
    pub fn unused(
        &self,
        directives: &[Directive],
        ran: &dyn Fn(&str) -> bool,
        reported: &dyn Fn(FileId) -> bool,
    ) -> Vec<Unused> {
        let mut out = Vec::new();
        for (d, used) in directives.iter().zip(&self.used) {
            if !reported(d.span.file) {
                continue;
            }
            if d.malformed {
                out.push(Unused {
                    span: d.span,
                    written: String::new(),
                    target: None,
                    why: Why::Malformed,
                });
                continue;
            }
            for (entry, &used) in d.entries.iter().zip(used) {
                let why = match entry.check {
                    None => Why::UnknownRule {
                        suggestion: checks::did_you_mean(
                            &entry.text,
                            checks::ALL.iter().flat_map(|c| [c.code, c.name]),
                        ),
                    },
                    Some(c) if c.code == checks::UNUSED_SUPPRESSION.code => Why::NotSuppressible,
                    Some(c) if !used && ran(c.code) => Why::NoMatch {
                        code: c.code,
                        name: c.name,
                        document: matches!(d.scope, Some(Scope::Document { .. })),
                    },
                    Some(_) => continue,
                };
                out.push(Unused {
                    span: entry.span,
                    written: entry.text.clone(),
                    target: d.target,
                    why,
                });
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Label, Severity};
    use crate::source::yaml;

    fn file(text: &str) -> SourceFile {
        let (docs, errors) = yaml::parse(FileId(0), text);
        SourceFile::new(FileId(0), "x.yaml".into(), text.into(), docs, errors)
    }

    fn finding(code: &'static str, at: usize) -> Finding {
        let check = checks::find(code).expect("a rule");
        Finding {
            code: check.code,
            rule: check.name,
            severity: Severity::Error,
            message: String::new(),
            help: None,
            cluster: None,
            primary: Label {
                span: Span {
                    file: FileId(0),
                    start: at as u32,
                    end: at as u32 + 1,
                },
                message: String::new(),
            },
            labels: Vec::new(),
        }
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start as usize..span.end as usize]
    }

    #[test]
    fn comments_outside_quotes_only() {
        assert_eq!(comment_start("a: b # c"), Some(5));
        assert_eq!(comment_start("# c"), Some(0));
        assert_eq!(comment_start("a: b#c"), None);
        assert_eq!(comment_start("a: 'x # y' # z"), Some(11));
        assert_eq!(comment_start("a: \"x \\\" # y\" # z"), Some(14));
        assert_eq!(comment_start("a: [\"#\", '#'] # z"), Some(14));
    }

    #[test]
    fn line_above_trailing_and_document_top() {
        let text = "# fleetlint: ignore[FL008] whole document\napiVersion: v1\nkind: A\nspec:\n  # fleetlint: ignore[FL002, missing-path]\n  # (a note)\n  a: x\n  b: y # fleetlint: ignore[dependency-cycle]\n---\nkind: B\n";
        let f = file(text);
        let ds = scan(&f);
        assert_eq!(ds.len(), 3);
        let texts: Vec<Vec<&str>> = ds
            .iter()
            .map(|d| d.entries.iter().map(|e| slice(text, e.span)).collect())
            .collect();
        assert_eq!(
            texts,
            [
                vec!["FL008"],
                vec!["FL002", "missing-path"],
                vec!["dependency-cycle"]
            ]
        );
        assert_eq!(ds[1].entries[1].check.map(|c| c.code), Some("FL003"));
        assert!(matches!(ds[0].scope, Some(Scope::Document { .. })));
        assert_eq!(slice(text, ds[0].target.expect("target")), "apiVersion");
        assert_eq!(slice(text, ds[1].target.expect("target")), "a: x");
        assert_eq!(ds[2].target, None);

        let at = |s: &str| text.find(s).expect("in text");
        let findings = vec![
            finding("FL008", at("kind: A")), // document
            finding("FL008", at("kind: B")), // other document
            finding("FL002", at("x\n")),     // line above
            finding("FL001", at("y #")),     // trailing
            finding("FL001", at("x\n")),     // not listed above "a: x"
            finding("FL003", at("b: y")),    // listed above "a: x", not here
        ];
        let (kept, used) = apply(findings, &ds);
        let left: Vec<(&str, usize)> = kept
            .iter()
            .map(|f| (f.code, f.primary.span.start as usize))
            .collect();
        assert_eq!(
            left,
            [
                ("FL008", at("kind: B")),
                ("FL001", at("x\n")),
                ("FL003", at("b: y"))
            ]
        );
        let unused = used.unused(&ds, &|_| true, &|_| true);
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].written, "missing-path");
        assert_eq!(
            unused[0].why,
            Why::NoMatch {
                code: "FL003",
                name: "missing-path",
                document: false
            }
        );
        // A rule that did not run cannot be stale.
        assert!(used.unused(&ds, &|c| c != "FL003", &|_| true).is_empty());
        assert!(used.unused(&ds, &|_| true, &|_| false).is_empty());
    }

    #[test]
    fn a_comment_on_a_separator_covers_the_next_document() {
        let text = "kind: A\n--- # fleetlint: ignore[FL008]\nkind: B\n";
        let ds = scan(&file(text));
        let b = text.find("B").expect("in text") as u32;
        let a = text.find("A").expect("in text") as u32;
        let scope = ds[0].scope.expect("a scope");
        assert!(scope.contains(b) && !scope.contains(a));
    }

    #[test]
    fn block_scalars_and_quotes_hold_no_directives() {
        let text = "a: |\n  # fleetlint: ignore[FL001]\nb: '# fleetlint: ignore[FL001]'\n";
        assert!(scan(&file(text)).is_empty());
    }

    #[test]
    fn unknown_malformed_and_self() {
        let text = "a: 1 # fleetlint: ignore[FL999, missing-dependecy, FL021]\nb: 2 # fleetlint: ignore FL001\nc: 3 # fleetlint: ignore[]\n";
        let ds = scan(&file(text));
        let (_, used) = apply(Vec::new(), &ds);
        let whys: Vec<Why> = used
            .unused(&ds, &|_| true, &|_| true)
            .into_iter()
            .map(|u| u.why)
            .collect();
        assert_eq!(
            whys,
            [
                Why::UnknownRule {
                    suggestion: Some("FL009")
                },
                Why::UnknownRule {
                    suggestion: Some("missing-dependency")
                },
                Why::NotSuppressible,
                Why::Malformed,
                Why::Malformed,
            ]
        );
    }

    #[test]
    fn crlf_and_last_line_without_newline() {
        let text = "a: 1\r\n# fleetlint: ignore[FL001]\r\nb: 2";
        let ds = scan(&file(text));
        assert_eq!(slice(text, ds[0].target.expect("target")), "b: 2");
        let text = "a: 1\n# fleetlint: ignore[FL001]";
        assert_eq!(scan(&file(text))[0].scope, None);
    }
}
