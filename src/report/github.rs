//! GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per
//! finding, placed on the offending value, titled `FL002 missing-dependency`.
//!
//! Values are escaped as GitHub's toolkit (`@actions/core`, `command.ts`) escapes them: data
//! (the message) `%`, `\r`, `\n`; properties (file, title) also `:` and `,`.

use super::{locate, vcs_base};
use crate::finding::{Finding, Severity};
use crate::source::Repo;

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// Escapes the message of a workflow command.
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Annotations name files from the top of the Git work tree (see [`vcs_base`]).
pub fn render(repo: &Repo, findings: &[Finding]) -> String {
    let (_, prefix) = vcs_base(repo.root());
    let mut out = String::new();
    for f in findings {
        let at = locate(repo, f.primary.span);
        let mut message = f.message.clone();
        if let Some(help) = &f.help {
            message.push_str("\nhelp: ");
            message.push_str(help);
        }
        out.push_str(&format!(
            "::{} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            command(f.severity),
            escape_property(&format!("{prefix}{}", at.file)),
            at.line,
            at.column,
            at.end_line,
            at.end_column,
            escape_property(&format!("{} {}", f.code, f.rule)),
            escape_data(&message),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escapes_percent_and_line_breaks() {
        assert_eq!(
            escape_data("100% done\r\nnext: a, b"),
            "100%25 done%0D%0Anext: a, b"
        );
        // `%` first, so an escape is never escaped twice.
        assert_eq!(escape_data("%0A"), "%250A");
    }

    #[test]
    fn properties_also_escape_colon_and_comma() {
        assert_eq!(escape_property("a:b,c%d\ne"), "a%3Ab%2Cc%25d%0Ae");
        assert_eq!(
            escape_property("FL002 missing-dependency"),
            "FL002 missing-dependency"
        );
    }
}
