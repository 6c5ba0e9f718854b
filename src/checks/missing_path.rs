//! FL003 `missing-path`: a Flux Kustomization whose `spec.path` cannot be built: absent,
//! missing, a file, written with backslashes, or escaping the source root.

use super::{Check, Context};
use crate::finding::{Finding, Severity};
use crate::fleet::PathProblem;
use crate::source::FileId;

pub const CHECK: Check = Check {
    code: "FL003",
    name: "missing-path",
    summary: "spec.path is absent, missing, a file, uses backslashes or escapes the root",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL003.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        for ks in &cluster.kustomizations {
            let Some((path, problem)) = ks.path_problem.as_deref() else {
                continue;
            };
            if path.span.file == FileId::DETACHED {
                continue;
            }
            let id = ks.id();
            let p = &path.value;
            let (message, label, help) = match problem {
                PathProblem::Missing { suggestion } => (
                    format!("path \"{p}\" of Kustomization \"{id}\" does not exist"),
                    "no such directory".to_string(),
                    Some(match suggestion {
                        Some(s) => format!("did you mean \"./{s}\"?"),
                        None => format!(
                            "paths are relative to the root of the source (\"{}\"), not to this file",
                            match ks.mapped_root.as_deref().unwrap_or(&cluster.source_root) {
                                "" => ".",
                                root => root,
                            }
                        ),
                    }),
                ),
                PathProblem::Absent => (
                    format!("Kustomization \"{id}\" has no `spec.path`, so Flux builds the whole repository"),
                    "no `path` in this spec".to_string(),
                    Some("set `path` to the directory this Kustomization should apply".to_string()),
                ),
                PathProblem::NotADirectory => (
                    format!("path \"{p}\" of Kustomization \"{id}\" is a file, not a directory"),
                    "a file".to_string(),
                    Some(format!(
                        "point `path` at the directory that holds it: \"{}\"",
                        p.rsplit_once('/').map_or(".", |(d, _)| d)
                    )),
                ),
                PathProblem::Backslash => (
                    format!("path \"{p}\" of Kustomization \"{id}\" uses backslashes"),
                    "backslashes are not path separators in Flux".to_string(),
                    Some(format!("write it with forward slashes: \"{}\"", p.replace('\\', "/"))),
                ),
                PathProblem::EscapesRoot => (
                    format!("path \"{p}\" of Kustomization \"{id}\" climbs above the source root"),
                    "escapes the root".to_string(),
                    Some("Flux clamps `..` at the root of the source, so this is not the directory you meant; paths are relative to the source root".to_string()),
                ),
                PathProblem::SymlinkEscapes => (
                    format!("path \"{p}\" of Kustomization \"{id}\" is a symlink that leads outside the repository"),
                    "leaves the repository".to_string(),
                    None,
                ),
                PathProblem::Symlink => (
                    format!("path \"{p}\" of Kustomization \"{id}\" goes through a symlink"),
                    "a symlink".to_string(),
                    Some("Flux leaves symlinks out of the source artifact: point `path` at the real directory".to_string()),
                ),
            };
            findings.push(
                CHECK
                    .finding(message, path.span, label)
                    .maybe_help(help)
                    .in_cluster(&cluster.name),
            );
        }
    }
    findings
}
