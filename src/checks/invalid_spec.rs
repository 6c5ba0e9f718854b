//! FL013 `invalid-spec`: the fields of a Flux object the cluster applies, against the Flux API
//! (`schemas/flux-fields.yaml`): required fields, unknown fields (with a did-you-mean), wrong
//! types, enum values, durations and URLs, and HelmRelease's exactly-one-of `chart`/`chartRef`.
//! The API server rejects such an object (`HelmRelease.helm.toolkit.fluxcd.io "x" is invalid:
//! [spec.chart.spec.chart: Required value, ...]`), or server-side apply fails with
//! `field not declared in schema`.

use rayon::prelude::*;

use super::{Check, Context, did_you_mean};
use crate::catalog::flux_fields::{self, ViolationKind};
use crate::finding::{Finding, Severity};
use crate::kustomize::Object;

pub const CHECK: Check = Check {
    code: "FL013",
    name: "invalid-spec",
    summary: "a Flux object with a missing, unknown or mistyped field",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL013.md"),
    run,
};

fn run(cx: &Context) -> Vec<Finding> {
    let schema = flux_fields::schema();
    // The costliest rule (every Flux object of every cluster, field by field): the objects
    // are picked per cluster, then validated in parallel, one cluster or many; the order
    // stays the clusters' and their objects'.
    let objects: Vec<(&str, &Object)> = cx
        .clusters
        .par_iter()
        .flat_map_iter(|model| {
            let cluster = &model.cluster;
            let mut seen = foldhash::HashSet::default();
            cluster
                .reached()
                .into_iter()
                .map(|(_, obj)| obj)
                .filter(|obj| {
                    schema.knows(&obj.api_version, &obj.kind)
                        && seen.insert((obj.origin, obj.body.span, obj.name.clone()))
                })
                .map(|obj| (cluster.name.as_str(), obj))
                .collect::<Vec<_>>()
        })
        .collect();
    objects
        .par_iter()
        .flat_map_iter(|&(cluster, obj)| {
            schema
                .validate(&obj.api_version, &obj.kind, &obj.body, obj.origin)
                .into_iter()
                .map(move |v| describe(obj, v).in_cluster(cluster))
        })
        .collect()
}

fn last(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

fn parent(path: &str) -> &str {
    path.rsplit_once('.').map_or("", |(p, _)| p)
}

fn describe(obj: &Object, v: flux_fields::Violation) -> Finding {
    // Without the namespace: one document applied in several namespaces is one fix.
    let id = format!("{} \"{}\"", obj.kind, obj.name);
    let path = v.path.as_str();
    match v.kind {
        ViolationKind::Missing => {
            let within = parent(path);
            let label = if within.is_empty() {
                format!("this {} has no `{}`", obj.kind, last(path))
            } else {
                format!("no `{}` in this `{}`", last(path), last(within))
            };
            CHECK
                .finding(
                    format!("{id} has no {path}, which is required"),
                    v.span,
                    label,
                )
                .help(missing_help(path))
        }
        ViolationKind::Unknown { known, belongs } => {
            let name = last(path);
            let within = if parent(path).is_empty() {
                obj.kind.to_string()
            } else {
                format!("`{}`", parent(path))
            };
            let help = if let Some(place) = belongs {
                Some(format!("`{name}` belongs under `spec`: move it to {place}"))
            } else if let Some(same) = flux_fields::same_word(name, &known) {
                Some(format!(
                    "did you mean \"{same}\"? (field names are camelCase)"
                ))
            } else {
                did_you_mean(name, known.iter().map(String::as_str))
                    .map(|m| format!("did you mean \"{m}\"?"))
            };
            CHECK
                .finding(
                    format!("{id} has an unknown field {path}; Flux rejects the object (field not declared in schema)"),
                    v.span,
                    format!("not a field of {within}"),
                )
                .maybe_help(help.or_else(|| Some(format!("remove it; the fields of {within} are: {}", known.join(", ")))))
        }
        ViolationKind::Removed { help } => {
            let (what, fix) = help
                .split_once(": ")
                .unwrap_or((help.as_str(), "remove it"));
            CHECK
                .finding(
                    format!("{id} uses {path}, which was {what}"),
                    v.span,
                    "not in this API version",
                )
                .help(fix)
        }
        ViolationKind::WrongType { expected, found } => {
            let help = match (expected, found) {
                ("a boolean", "a string") => format!(
                    "write it without quotes: `{}: true` or `{}: false`",
                    last(path),
                    last(path)
                ),
                ("a list", "a mapping") => format!(
                    "write it as a list, one `- ` entry per item: `{}:\\n  - name: ...`",
                    last(path)
                ),
                ("a list", _) => format!("write it as a list: `{}: [...]`", last(path)),
                ("a duration string", _) => "give it a unit: \"30s\", \"10m\", \"1h\"".to_string(),
                ("a string", "a number" | "a boolean") => {
                    "quote it, so that YAML reads it as a string".to_string()
                }
                ("an integer", "a string") => "write the number without quotes".to_string(),
                _ => format!("make it {expected}"),
            };
            CHECK
                .finding(
                    format!("{id} sets {path} to {found}; it must be {expected}"),
                    v.span,
                    format!("{found}, not {expected}"),
                )
                .help(help)
        }
        ViolationKind::NotInEnum { value, allowed } => {
            let lower = value.to_ascii_lowercase();
            let close = allowed
                .iter()
                .find(|a| a.eq_ignore_ascii_case(&value))
                .or_else(|| {
                    allowed
                        .iter()
                        .find(|a| !lower.is_empty() && a.to_ascii_lowercase().starts_with(&lower))
                })
                .map(String::as_str)
                .or_else(|| did_you_mean(&value, allowed.iter().map(String::as_str)));
            CHECK
                .finding(
                    format!(
                        "{id} sets {path} to \"{value}\", which is not one of {}",
                        allowed.join(", ")
                    ),
                    v.span,
                    "not an allowed value",
                )
                .help(match close {
                    Some(c) => format!("did you mean \"{c}\"?"),
                    None => format!("use one of: {}", allowed.join(", ")),
                })
        }
        ViolationKind::Pattern {
            value,
            pattern,
            example,
        } => {
            let help = duration_fix(&value)
                .map(|d| format!("write \"{d}\": Flux durations have no days or weeks"))
                .unwrap_or_else(|| format!("write {example}"));
            CHECK
                .finding(
                    format!("{id} sets {path} to \"{value}\", which does not match {pattern}"),
                    v.span,
                    format!(
                        "not {}",
                        example.split(" such as").next().unwrap_or(&example)
                    ),
                )
                .help(help)
        }
        ViolationKind::ExactlyOne { fields, present } => {
            let list = fields
                .iter()
                .map(|f| format!("{path}.{f}"))
                .collect::<Vec<_>>();
            let message = if present.is_empty() {
                format!(
                    "{id} sets neither {}; either chart or chartRef must be set",
                    list.join(" nor ")
                )
            } else {
                format!(
                    "{id} sets both {}; only one of them may be set",
                    list.join(" and ")
                )
            };
            CHECK
                .finding(message, v.span, format!("exactly one of {} here", fields.join(", ")))
                .help("keep exactly one: `chart` (a chart from a HelmRepository, GitRepository or Bucket) or `chartRef` (an OCIRepository or HelmChart)")
        }
    }
}

fn missing_help(path: &str) -> String {
    match last(path) {
        "prune" => "add `prune: true` (delete what is removed from Git) or `prune: false`; Flux requires it".into(),
        "interval" => "add `interval: 10m` (how often Flux reconciles it)".into(),
        "sourceRef" if path.contains("chart.spec") => "add `sourceRef: {kind: HelmRepository, name: <repository>}` naming where the chart comes from".into(),
        "sourceRef" => "add `sourceRef: {kind: GitRepository, name: flux-system}` naming the source".into(),
        "chart" if path.contains("chart.spec") => "add `chart: <name>`, the chart's name in its repository".into(),
        "spec" => "add the object's spec".into(),
        field => format!("add `{field}`"),
    }
}

/// `1d` → `24h`, `2w` → `336h`: the usual way to mean days and weeks in a Go duration.
fn duration_fix(value: &str) -> Option<String> {
    let (number, unit) = value.split_at(value.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = number.parse().ok()?;
    let hours = match unit {
        "d" => n * 24,
        "w" => n * 24 * 7,
        _ => return None,
    };
    Some(format!("{hours}h"))
}
