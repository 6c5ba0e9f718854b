//! SARIF 2.1.0 output for GitHub code scanning and other SARIF viewers.
//!
//! A hand-written subset of the standard, built from findings: the rule table of the registry
//! in `tool.driver.rules`, one result per finding with its primary label as the location and
//! every other label as a related location. Paths are relative to `%SRCROOT%`, which
//! `originalUriBaseIds` binds to the top of the Git work tree holding the repository root. Columns count Unicode code points, as
//! everywhere in fleetlint, and the run says so (`columnKind`).

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

use super::{Location, locate, vcs_base};
use crate::checks::{self, Check};
use crate::finding::{Finding, Severity};
use crate::source::Repo;

/// Where the project lives; rule pages are under `docs/rules/` there.
pub const REPOSITORY: &str = "https://github.com/fleetlint/fleetlint";
const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const SRCROOT: &str = "%SRCROOT%";

/// The URL of a rule's documentation page.
pub fn help_uri(code: &str) -> String {
    format!("{REPOSITORY}/blob/main/docs/rules/{code}.md")
}

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: &'static str,
    name: &'static str,
    short_description: Text,
    help_uri: String,
    help: Help,
    default_configuration: Configuration,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: &'static str,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule_index: Option<usize>,
    level: &'static str,
    message: Text,
    locations: Vec<SarifLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<SarifLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<usize>,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

/// SARIF's name for a severity.
fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(check: &Check) -> Rule {
    Rule {
        id: check.code,
        name: check.name,
        short_description: Text {
            text: check.summary.to_string(),
        },
        help_uri: help_uri(check.code),
        help: Help {
            text: format!(
                "{}. Documentation: {} (or `fleetlint explain {}`)",
                check.summary,
                help_uri(check.code),
                check.code
            ),
            markdown: check.docs,
        },
        default_configuration: Configuration {
            level: level(check.severity),
        },
    }
}

fn location(prefix: &str, at: Location, id: Option<usize>, message: &str) -> SarifLocation {
    SarifLocation {
        id,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: encode_uri_path(&format!("{prefix}{}", at.file)),
                uri_base_id: Some(SRCROOT),
            },
            region: Region {
                start_line: at.line,
                start_column: at.column,
                end_line: at.end_line,
                end_column: at.end_column,
            },
        },
        message: Text {
            text: message.to_string(),
        },
    }
}

/// Paths are relative to `%SRCROOT%`: the top of the Git work tree holding the repository root
/// (GitHub code scanning reads paths from there and ignores the base), else the root itself.
pub fn render(repo: &Repo, findings: &[Finding]) -> String {
    let (base, prefix) = vcs_base(repo.root());
    let results = findings
        .iter()
        .map(|f| {
            let rule_index = checks::ALL.iter().position(|c| c.code == f.code);
            let mut text = f.message.clone();
            if let Some(help) = &f.help {
                text.push_str("\nhelp: ");
                text.push_str(help);
            }
            SarifResult {
                rule_id: f.code,
                rule_index,
                level: level(f.severity),
                message: Text { text },
                locations: vec![location(
                    &prefix,
                    locate(repo, f.primary.span),
                    None,
                    &f.primary.message,
                )],
                related_locations: f
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(i, l)| location(&prefix, locate(repo, l.span), Some(i + 1), &l.message))
                    .collect(),
            }
        })
        .collect();
    let log = Log {
        schema: SCHEMA,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "fleetlint",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: REPOSITORY,
                    rules: checks::ALL.iter().map(rule).collect(),
                },
            },
            original_uri_base_ids: BTreeMap::from([(
                SRCROOT,
                ArtifactLocation {
                    uri: file_uri(&base),
                    uri_base_id: None,
                },
            )]),
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = serde_json::to_string_pretty(&log)
        .expect("the SARIF output is made of strings and numbers only");
    text.push('\n');
    text
}

/// Percent-encodes a relative path for a URI: unreserved characters and `/` stay as they are.
fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// `file:///abs/dir/` for a directory (the trailing slash makes relative URIs resolve inside
/// it); on Windows `file:///C:/abs/dir/`.
pub fn file_uri(dir: &Path) -> String {
    let mut path = dir.to_string_lossy().replace('\\', "/");
    // A verbatim Windows path (`\\?\C:\...`) as canonicalize returns it.
    if let Some(rest) = path.strip_prefix("//?/") {
        path = rest.to_string();
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    // Keep the drive colon (`/C:/`) readable; encode everything else that needs it.
    let encoded = encode_uri_path(&path).replace("%3A", ":");
    format!("file://{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_percent_encoded() {
        assert_eq!(
            encode_uri_path("clusters/prod/a b/é.yaml"),
            "clusters/prod/a%20b/%C3%A9.yaml"
        );
        assert_eq!(encode_uri_path("a/b-c_d.~e.yml"), "a/b-c_d.~e.yml");
    }

    #[test]
    fn root_is_a_directory_uri() {
        assert_eq!(file_uri(Path::new("/srv/fleet")), "file:///srv/fleet/");
        assert_eq!(
            file_uri(Path::new("/srv/my fleet/")),
            "file:///srv/my%20fleet/"
        );
        assert_eq!(
            file_uri(Path::new(r"C:\work\fleet")),
            "file:///C:/work/fleet/"
        );
        assert_eq!(
            file_uri(Path::new(r"\\?\C:\work\fleet")),
            "file:///C:/work/fleet/"
        );
    }

    #[test]
    fn every_rule_is_in_the_table_with_its_page() {
        let rules: Vec<Rule> = checks::ALL.iter().map(rule).collect();
        assert_eq!(rules.len(), checks::ALL.len());
        assert_eq!(
            rules[0].help_uri,
            "https://github.com/fleetlint/fleetlint/blob/main/docs/rules/FL001.md"
        );
    }
}
