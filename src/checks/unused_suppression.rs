//! FL021 `unused-suppression`: a `# fleetlint: ignore[...]` comment that suppresses nothing.
//!
//! Which suppressions matched is the engine's knowledge (it applies them after the checks ran);
//! it hands the unused ones over in [`Context::unused_suppressions`] and this check only words
//! them, so stale comments are found and removed instead of hiding the next real problem.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::suppress::Why;

pub const CHECK: Check = Check {
    code: "FL021",
    name: "unused-suppression",
    summary: "a fleetlint: ignore[...] comment that suppresses nothing",
    severity: Severity::Info,
    docs: include_str!("../../docs/rules/FL021.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    cx.unused_suppressions
        .iter()
        .map(|unused| {
            let written = &unused.written;
            let finding = match &unused.why {
                Why::NoMatch {
                    code,
                    name,
                    document,
                } => {
                    let place = if *document {
                        "in this document"
                    } else {
                        "on this line"
                    };
                    CHECK
                        .finding(
                            format!("suppression of {code} ({name}) matches no finding {place}"),
                            unused.span,
                            "suppresses nothing",
                        )
                        .help(if *document {
                            format!("remove \"{written}\" from the comment: the problem it silenced is gone")
                        } else {
                            format!(
                                "remove \"{written}\" from the comment: the problem it silenced is gone, or the comment is not on its line"
                            )
                        })
                }
                Why::UnknownRule { suggestion } => CHECK
                    .finding(
                        format!("suppression names \"{written}\", which is not a rule"),
                        unused.span,
                        "no such rule",
                    )
                    .help(match suggestion {
                        Some(s) => format!("did you mean \"{s}\"?"),
                        None => "`fleetlint rules` lists the codes and names".to_string(),
                    }),
                Why::NotSuppressible => CHECK
                    .finding(
                        format!("\"{written}\" cannot be suppressed inline"),
                        unused.span,
                        "suppresses nothing",
                    )
                    .help("turn the rule off in .fleetlint.yaml instead: `rules: {unused-suppression: off}`"),
                Why::Malformed => CHECK
                    .finding(
                        "comment starts with \"fleetlint:\" but is not a suppression",
                        unused.span,
                        "not understood",
                    )
                    .help("write `# fleetlint: ignore[FL005]` (rule codes or names, comma-separated)"),
            };
            match (&unused.why, unused.target) {
                (Why::NoMatch { document, .. }, Some(target)) => finding.label(
                    target,
                    if *document {
                        "the document it applies to"
                    } else {
                        "the line it applies to"
                    },
                ),
                _ => finding,
            }
        })
        .collect()
}
