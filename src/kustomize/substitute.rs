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
        let mut out = String::with_capacity(text.len());
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
                (Some(Some(value)), _) => out.push_str(value),
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
        Substituted {
            text: out,
            unset,
            unknown,
        }
    }
}

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
    if is_disabled(obj) {
        return;
    }
    for field in [&mut obj.name, &mut obj.kind, &mut obj.api_version] {
        if field.contains("${") {
            *field = vars.substitute(field).text;
        }
    }
    if let Some(ns) = &mut obj.namespace
        && ns.contains("${")
    {
        *ns = vars.substitute(ns).text;
    }
    if contains_var(&obj.body) {
        substitute_node(Arc::make_mut(&mut obj.body), vars);
    }
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

fn substitute_node(node: &mut Node, vars: &Vars) {
    match &mut node.value {
        Value::Scalar { text, .. } => {
            if text.contains("${") {
                *text = vars.substitute(text).text.into();
            }
        }
        Value::Seq(items) => items.iter_mut().for_each(|n| substitute_node(n, vars)),
        Value::Map(entries) => {
            for (k, v) in entries {
                substitute_node(k, vars);
                substitute_node(v, vars);
            }
        }
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
