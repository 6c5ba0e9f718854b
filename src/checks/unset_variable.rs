//! FL015 `unset-variable`: post-build substitution that fails in Flux's strict mode (the
//! default since Flux 2.9): a `${VAR}` without a default whose variable the Kustomization does
//! not define (`variable not set (strict mode): "VAR"`), text envsubst cannot parse, and
//! variable names Flux rejects (`'<v>' var name is invalid`). Only where substitution runs
//! (the Kustomization has variables, or `substituteStrategy: Always`) and every variable source
//! is known.

use std::collections::BTreeMap;
use std::ops::Range;

use super::{Check, Context, did_you_mean};
use crate::finding::{Finding, Severity};
use crate::fleet::{Cluster, Substitution, VarSource};
use crate::kustomize::substitute::{self, NAME_PATTERN};
use crate::source::{Node, Span, Value};

pub const CHECK: Check = Check {
    code: "FL015",
    name: "unset-variable",
    summary: "${VAR} that strict post-build substitution cannot resolve",
    severity: Severity::Error,
    docs: include_str!("../../docs/rules/FL015.md"),
    run,
};

/// Kustomizations named in one message before "and N more".
const LISTED: usize = 3;

/// What goes wrong at one place, for one or more Kustomizations.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
enum Failure {
    Unset(String),
    Syntax(&'static str),
}

fn run(cx: &Context) -> Vec<Finding> {
    let mut findings = Vec::new();
    for model in cx.clusters {
        let cluster = &model.cluster;
        let mut at: BTreeMap<(Span, Failure), Vec<usize>> = BTreeMap::new();
        for (i, ks) in cluster.kustomizations.iter().enumerate() {
            let Some(sub) = ks.substitution.as_ref().filter(|s| s.complete) else {
                continue;
            };
            invalid_names(cluster, i, sub, &mut findings);
            for (j, obj) in sub.input.objects.iter().enumerate() {
                if !sub.bodies[j] || substitute::is_disabled(obj) {
                    continue;
                }
                obj.body.walk(&mut |node| {
                    let Value::Scalar(text) = &node.value else {
                        return;
                    };
                    if !substitute::has_expression(text) {
                        return;
                    }
                    let result = sub.vars.substitute(text);
                    for u in result.unset {
                        at.entry((inner_span(node, u.range), Failure::Unset(u.name)))
                            .or_default()
                            .push(i);
                    }
                    if let Some(e) = result.error {
                        at.entry((inner_span(node, e.at..e.at + 2), Failure::Syntax(e.message)))
                            .or_default()
                            .push(i);
                    }
                });
            }
        }
        for ((span, problem), mut users) in at {
            users.dedup();
            findings.push(describe(cluster, span, &problem, &users));
        }
    }
    findings
}

/// The byte span of `range` (a range of the scalar's text) in the file, when the scalar is
/// written on one line without escapes (so text and source line up); else the whole scalar.
fn inner_span(node: &Node, range: Range<usize>) -> Span {
    let Value::Scalar(text) = &node.value else {
        return node.span;
    };
    if text.contains('\n') {
        // A block scalar, or one folded over lines: text and source do not line up.
        return node.span;
    }
    let written = (node.span.end - node.span.start) as usize;
    let offset = match (node.plain, written) {
        (true, w) if w == text.len() => 0,
        // A quoted scalar without escapes: the text between the quotes.
        (false, w) if w == text.len() + 2 => 1,
        _ => return node.span,
    };
    let (Ok(start), Ok(end)) = (
        u32::try_from(offset + range.start),
        u32::try_from(offset + range.end.min(text.len())),
    ) else {
        return node.span;
    };
    Span {
        file: node.span.file,
        start: node.span.start + start,
        end: node.span.start + end,
    }
}

fn who(cluster: &Cluster, users: &[usize]) -> String {
    let ids: Vec<String> = users
        .iter()
        .map(|&i| format!("\"{}\"", cluster.kustomizations[i].id()))
        .collect();
    match ids.len() {
        1 => format!("Kustomization {}", ids[0]),
        n if n <= LISTED => format!("Kustomizations {}", ids.join(", ")),
        n => format!(
            "Kustomizations {} and {} more",
            ids[..LISTED].join(", "),
            n - LISTED
        ),
    }
}

/// Where a Kustomization defines its variables: its `postBuild` key, else its name.
fn vars_span(cluster: &Cluster, index: usize) -> Option<Span> {
    let obj = cluster.effective_object(index)?;
    Some(
        obj.body
            .get("spec")
            .and_then(|s| s.get_entry("postBuild"))
            .map_or(obj.name_span, |(k, _)| k.span),
    )
}

fn describe(cluster: &Cluster, span: Span, problem: &Failure, users: &[usize]) -> Finding {
    let first = users[0];
    let vars = cluster.kustomizations[first]
        .substitution
        .as_ref()
        .map(|s| s.vars.values.keys().map(String::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    let mut finding = match problem {
        Failure::Unset(name) => {
            let close = did_you_mean(name, vars.iter().copied());
            CHECK
                .finding(
                    format!(
                        "variable \"{name}\" is not set for {}: Flux's strict substitution fails with `variable not set (strict mode): \"{name}\"`",
                        who(cluster, users)
                    ),
                    span,
                    format!("\"{name}\" is not set"),
                )
                .help(match close {
                    Some(c) => format!("did you mean \"{c}\"?"),
                    None => format!(
                        "define \"{name}\" in postBuild.substitute or a substituteFrom source, give it a default (`${{{name}:=value}}`), or write `$${{{name}}}` to keep it literally"
                    ),
                })
        }
        Failure::Syntax(message) => CHECK
            .finding(
                format!(
                    "Flux cannot substitute this text for {}: `variable substitution failed: {message}`",
                    who(cluster, users)
                ),
                span,
                (*message).to_string(),
            )
            .help("only `${NAME}` and `${NAME:=default}`-style expressions are allowed; write `$${` to keep a literal `${` (shell scripts), or annotate the object `kustomize.toolkit.fluxcd.io/substitute: disabled`"),
    }
    .in_cluster(&cluster.name);
    for &i in users.iter().take(LISTED) {
        if let Some(s) = vars_span(cluster, i) {
            let listed: Vec<&str> = cluster.kustomizations[i]
                .substitution
                .as_ref()
                .map(|s| s.vars.values.keys().map(String::as_str).take(6).collect())
                .unwrap_or_default();
            finding = finding.label(
                s,
                format!(
                    "variables of \"{}\": {}",
                    cluster.kustomizations[i].id(),
                    if listed.is_empty() {
                        "none".to_string()
                    } else {
                        listed.join(", ")
                    }
                ),
            );
        }
    }
    finding
}

/// Variable names Flux rejects: keys of `postBuild.substitute` and of the `substituteFrom`
/// ConfigMaps and Secrets.
fn invalid_names(cluster: &Cluster, index: usize, sub: &Substitution, findings: &mut Vec<Finding>) {
    let ks = &cluster.kustomizations[index];
    let bad = |name: &str| sub.vars.values.contains_key(name) && !substitute::is_valid_name(name);
    let message = |name: &str, from: &str| {
        format!(
            "variable name \"{name}\" ({from}) is invalid, so Flux fails every object of Kustomization \"{}\": `'{name}' var name is invalid, must match '{NAME_PATTERN}'`",
            ks.id()
        )
    };
    let help = |name: &str| {
        format!(
            "rename it to letters, digits and `_` only, such as \"{}\"",
            name.replace(|c: char| !(c.is_ascii_alphanumeric() || c == '_'), "_")
        )
    };
    if let Some(entries) = cluster
        .effective_object(index)
        .and_then(|o| o.body.path(&["spec", "postBuild", "substitute"]))
        .and_then(Node::as_map)
    {
        for (k, _) in entries {
            if let Some(name) = k.as_str().filter(|n| bad(n)) {
                findings.push(
                    CHECK
                        .finding(
                            message(name, "postBuild.substitute"),
                            k.span,
                            "invalid variable name",
                        )
                        .help(help(name))
                        .in_cluster(&cluster.name),
                );
            }
        }
    }
    for from in &ks.spec.substitute_from {
        let Some(VarSource::Object(obj)) =
            cluster.var_source(&from.kind, &ks.namespace, &from.name)
        else {
            continue;
        };
        for field in ["data", "stringData"] {
            for (k, _) in obj
                .body
                .get(field)
                .and_then(Node::as_map)
                .unwrap_or_default()
            {
                if let Some(name) = k.as_str().filter(|n| bad(n)) {
                    findings.push(
                        CHECK
                            .finding(
                                message(
                                    name,
                                    &format!(
                                        "a key of {} \"{}/{}\"",
                                        from.kind, ks.namespace, from.name
                                    ),
                                ),
                                k.span,
                                "invalid variable name",
                            )
                            .label(from.name_span, "substituted from here")
                            .help(help(name))
                            .in_cluster(&cluster.name),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{FileId, yaml};

    /// The `${...}` of each scalar, located in the file text.
    fn located(text: &str) -> Vec<String> {
        let (docs, _) = yaml::parse(FileId(0), text);
        let mut out = Vec::new();
        docs[0].root.as_ref().expect("a document").walk(&mut |n| {
            if let Value::Scalar(s) = &n.value
                && let Some(start) = s.find("${")
            {
                let end = start + s[start..].find('}').expect("closed") + 1;
                let span = inner_span(n, start..end);
                out.push(text[span.start as usize..span.end as usize].to_string());
            }
        });
        out
    }

    #[test]
    fn expressions_are_located_inside_one_line_scalars() {
        let text = "a: x ${A}\nb: \"q ${B}\"\nc: 'r ${C}'\nd: \"esc\\t${D}\"\ne: |\n  line ${E}\n  two\nf: |-\n  x ${F}\n";
        assert_eq!(
            located(text),
            vec![
                "${A}".to_string(),
                "${B}".to_string(),
                "${C}".to_string(),
                // An escape shifts the text: the whole scalar instead.
                "\"esc\\t${D}\"".to_string(),
                // Block scalars: the whole scalar (as the parser spans it).
                "line ${E}\n  two\n".to_string(),
                "x ${F}\n".to_string(),
            ]
        );
    }
}
