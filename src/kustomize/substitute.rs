//! Flux post-build variable substitution (FLUX-SEMANTICS §2.9): bash-style `${VAR}` in braced
//! form only, defaults operators, `$${VAR}` as an escape, and the per-object opt-out.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::Object;
use crate::source::{Node, Value};

/// Variables available to a Kustomization. A `None` value is known to exist but its value is
/// not known offline (a Secret, possibly SOPS-encrypted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    pub values: BTreeMap<String, Option<String>>,
}

/// The outcome of substituting one string.
#[derive(Debug, PartialEq)]
pub struct Substituted {
    pub text: String,
    /// Variables used without a default that have no value at all.
    pub unset: Vec<String>,
    /// Variables whose values exist but are unknown offline (the text keeps them as written).
    pub unknown: Vec<String>,
}

impl Vars {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Replaces `${VAR}` forms in `text`. Unset and unknown variables are left as written, so
    /// that identities containing them stay recognisable.
    pub fn substitute(&self, text: &str) -> Substituted {
        self.substitute_within(text, usize::MAX)
            .expect("no output is longer than usize::MAX")
    }

    /// [`Vars::substitute`], or `None` as soon as the output would be longer than `limit`.
    pub fn substitute_within(&self, text: &str, limit: usize) -> Option<Substituted> {
        let mut out = String::with_capacity(text.len().min(limit));
        let mut unset = Vec::new();
        let mut unknown = Vec::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i..];
            if let Some(escaped) = after.strip_prefix("$${") {
                // `$${VAR}` is written out as `${VAR}`.
                out.push_str("${");
                rest = escaped;
                continue;
            }
            let Some(body_start) = after.strip_prefix("${") else {
                out.push('$');
                rest = &after[1..];
                continue;
            };
            let Some(close) = body_start.find('}') else {
                out.push_str(after);
                rest = "";
                break;
            };
            let expr = &body_start[..close];
            let whole = &after[..close + 3];
            rest = &body_start[close + 1..];
            let name_len = expr
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(expr.len());
            let (name, op) = expr.split_at(name_len);
            let default = ["=", ":=", "-", ":-"]
                .iter()
                .rev()
                .find_map(|o| op.strip_prefix(o));
            match (self.values.get(name), default) {
                (Some(Some(value)), _) => {
                    if out.len().saturating_add(value.len()) > limit {
                        return None;
                    }
                    out.push_str(value)
                }
                (Some(None), _) => {
                    unknown.push(name.to_string());
                    out.push_str(whole);
                }
                (None, Some(default)) => out.push_str(default),
                (None, None) if has_default_op(op) => out.push_str(whole),
                (None, None) => {
                    unset.push(name.to_string());
                    out.push_str(whole);
                }
            }
        }
        out.push_str(rest);
        if out.len() > limit {
            return None;
        }
        Some(Substituted {
            text: out,
            unset,
            unknown,
        })
    }
}

/// Bytes that post-build substitution may produce for one Kustomization: a variable with a
/// long value used many times must not turn a small repository into gigabytes.
pub const MAX_SUBSTITUTED_BYTES: usize = 64 * 1024 * 1024;

/// envsubst's default-providing operators exempt a variable from strict mode.
fn has_default_op(op: &str) -> bool {
    ["-", ":-", "+", ":+", "=", ":=", "?", ":?"]
        .iter()
        .any(|o| op.starts_with(o))
}

/// `kustomize.toolkit.fluxcd.io/substitute: disabled` as a label or annotation.
pub fn is_disabled(obj: &Object) -> bool {
    ["labels", "annotations"].iter().any(|field| {
        obj.body
            .str_at(&["metadata", field, "kustomize.toolkit.fluxcd.io/substitute"])
            == Some("disabled")
    })
}

/// Substitutes every string of an object, its identity included.
pub fn apply(obj: &mut Object, vars: &Vars) {
    let mut budget = usize::MAX;
    apply_within(obj, vars, &mut budget);
}

/// [`apply`], spending at most `budget` bytes of substituted text (what is spent is taken off
/// it). Returns false when the budget ran out: the strings not yet substituted keep their
/// `${VAR}` forms.
pub fn apply_within(obj: &mut Object, vars: &Vars, budget: &mut usize) -> bool {
    if is_disabled(obj) {
        return true;
    }
    let mut one = |text: &mut String| -> bool {
        if !text.contains("${") {
            return true;
        }
        match vars.substitute_within(text, *budget) {
            Some(done) => {
                *budget -= done.text.len();
                *text = done.text;
                true
            }
            None => false,
        }
    };
    for field in [&mut obj.name, &mut obj.kind, &mut obj.api_version] {
        if !one(field) {
            return false;
        }
    }
    if let Some(ns) = &mut obj.namespace
        && !one(ns)
    {
        return false;
    }
    if contains_var(&obj.body) {
        return substitute_node(Arc::make_mut(&mut obj.body), &mut one);
    }
    true
}

fn contains_var(node: &Node) -> bool {
    let mut found = false;
    node.walk(&mut |n| {
        if let Value::Scalar { text, .. } = &n.value {
            found |= text.contains("${");
        }
    });
    found
}

/// Substitutes every scalar with `one`, stopping (false) when it does.
fn substitute_node(node: &mut Node, one: &mut dyn FnMut(&mut String) -> bool) -> bool {
    match &mut node.value {
        Value::Scalar { text, .. } => one(text),
        Value::Seq(items) => items.iter_mut().all(|n| substitute_node(n, one)),
        Value::Map(entries) => entries
            .iter_mut()
            .all(|(k, v)| substitute_node(k, one) && substitute_node(v, one)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.values.insert("CLUSTER".into(), Some("prod".into()));
        v.values.insert("TOKEN".into(), None);
        v
    }

    #[test]
    fn braced_forms_defaults_and_escapes() {
        let v = vars();
        assert_eq!(v.substitute("./k/${CLUSTER}/apps").text, "./k/prod/apps");
        assert_eq!(v.substitute("${APP:=web}-db").text, "web-db");
        assert_eq!(v.substitute("${APP:-x}").text, "x");
        assert_eq!(
            v.substitute("$CLUSTER and $${CLUSTER}").text,
            "$CLUSTER and ${CLUSTER}"
        );
        let s = v.substitute("${MISSING}-${TOKEN}");
        assert_eq!(s.text, "${MISSING}-${TOKEN}");
        assert_eq!(s.unset, vec!["MISSING"]);
        assert_eq!(s.unknown, vec!["TOKEN"]);
    }
}
