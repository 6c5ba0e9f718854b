//! The fields of Flux's own objects (`schemas/flux-fields.yaml`, built at run time from Rust
//! code generated from that file, see [`schema`]) and a validator that reports where an object departs from them: missing
//! required fields, unknown fields where the field set is known, wrong types, enum values,
//! patterns (durations, URLs) and exactly-one-of groups. It returns plain data; the FL013 check
//! words the findings.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::OnceLock;

use regex_lite::Regex;

use crate::source::{FileId, Node, Span, Value, yaml};

const SCHEMA: &str = include_str!("../../schemas/flux-fields.yaml");

/// A type of the schema.
#[derive(Debug, Clone, PartialEq)]
enum Ty {
    Any,
    Bool,
    Int,
    String {
        enums: Vec<String>,
        pattern: Option<String>,
    },
    Object(Obj),
    Array(Box<Ty>),
    Map(Box<Ty>),
    Ref(String),
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Obj {
    fields: Vec<(String, Ty)>,
    required: Vec<String>,
    closed: bool,
    exactly_one: Vec<Vec<String>>,
    removed: Vec<(String, String)>,
}

#[derive(Debug)]
struct Pattern {
    regex: Matcher,
    text: String,
    example: String,
}

/// How a pattern is tested: the schema's own patterns by hand (`regex-lite` takes thousands of
/// instructions per value, and a fleet writes a duration or a URL in every Flux object), any
/// other one by its regular expression.
#[derive(Debug)]
enum Matcher {
    Hand(fn(&str) -> bool),
    Regex(Memoised),
}

impl Matcher {
    fn new(pattern: &str) -> Result<Matcher, regex_lite::Error> {
        Ok(match by_hand(pattern) {
            Some(test) => Matcher::Hand(test),
            None => Matcher::Regex(Memoised::new(pattern)?),
        })
    }

    fn is_match(&self, text: &str) -> bool {
        match self {
            Matcher::Hand(test) => test(text),
            Matcher::Regex(regex) => regex.is_match(text),
        }
    }
}

/// The hand-written test of a pattern of `schemas/flux-fields.yaml`, by its exact text (tested
/// to agree with the regular expression).
fn by_hand(pattern: &str) -> Option<fn(&str) -> bool> {
    Some(match pattern {
        r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$" => |t| is_duration(t, true),
        r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$" => |t| is_duration(t, false),
        r"^(http|https|ssh)://.*$" => |t| has_scheme(t, &["http", "https", "ssh"]),
        r"^(http|https|oci)://.*$" => |t| has_scheme(t, &["http", "https", "oci"]),
        r"^oci://.*$" => |t| has_scheme(t, &["oci"]),
        _ => return None,
    })
}

/// One or more `<digits>[.<digits>]<unit>` with the units `ms`, `s`, `m` (and `h`).
fn is_duration(text: &str, hours: bool) -> bool {
    let bytes = text.as_bytes();
    let digits = |mut i: usize| {
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        (i > start).then_some(i)
    };
    let mut i = 0;
    while i < bytes.len() {
        let Some(mut at) = digits(i) else {
            return false;
        };
        if bytes.get(at) == Some(&b'.') {
            let Some(after) = digits(at + 1) else {
                return false;
            };
            at = after;
        }
        i = match (bytes.get(at), bytes.get(at + 1)) {
            (Some(b'm'), Some(b's')) => at + 2,
            (Some(b'm' | b's'), _) => at + 1,
            (Some(b'h'), _) if hours => at + 1,
            _ => return false,
        };
    }
    !bytes.is_empty()
}

/// `<scheme>://` then anything on one line (`.` does not match a line feed).
fn has_scheme(text: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|scheme| {
        text.strip_prefix(scheme)
            .and_then(|rest| rest.strip_prefix("://"))
            .is_some_and(|rest| !rest.contains('\n'))
    })
}

/// A regular expression with its answers remembered. A fleet writes the same few values
/// (`interval: 1h`, `timeout: 5m`) thousands of times, and `regex-lite` matches slowly.
#[derive(Debug)]
struct Memoised {
    regex: Regex,
    answers: std::sync::Mutex<foldhash::HashMap<Box<str>, bool>>,
}

/// Answers kept per expression; past this the memo starts over.
const MEMOISED_ANSWERS: usize = 4096;

impl Memoised {
    fn new(pattern: &str) -> Result<Memoised, regex_lite::Error> {
        Ok(Memoised {
            regex: Regex::new(pattern)?,
            answers: std::sync::Mutex::new(foldhash::HashMap::default()),
        })
    }

    fn is_match(&self, text: &str) -> bool {
        let lock = || self.answers.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&known) = lock().get(text) {
            return known;
        }
        let answer = self.regex.is_match(text);
        let mut answers = lock();
        if answers.len() >= MEMOISED_ANSWERS {
            answers.clear();
        }
        answers.insert(text.into(), answer);
        answer
    }
}

/// The kinds the schema knows, by `apiVersion` and `kind`.
#[derive(Debug)]
pub struct FluxSchema {
    types: BTreeMap<String, Ty>,
    patterns: BTreeMap<String, Pattern>,
    kinds: Vec<(String, String, Ty)>,
}

/// Where an object departs from its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// The field, as a path: `spec.dependsOn[0].name`.
    pub path: String,
    pub span: Span,
    pub kind: ViolationKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ViolationKind {
    /// A required field is absent (or null); `path` is the field.
    Missing,
    /// A field the API does not have, at a level whose fields are all known.
    Unknown {
        /// The fields that level does have.
        known: Vec<String>,
        /// Where a field of this name belongs instead (`spec.dependsOn`).
        belongs: Option<String>,
    },
    /// A field an older API version had.
    Removed {
        help: String,
    },
    WrongType {
        expected: &'static str,
        found: &'static str,
    },
    NotInEnum {
        value: String,
        allowed: Vec<String>,
    },
    Pattern {
        value: String,
        pattern: String,
        example: String,
    },
    /// Exactly one of `fields` must be set; `present` are the ones that are.
    ExactlyOne {
        fields: Vec<String>,
        present: Vec<String>,
    },
}

/// The schema, built on first use from the Rust code generated from
/// `schemas/flux-fields.yaml` (`flux_fields_generated.rs`): parsing the YAML at every start
/// was most of the start-up work of a run, on the small repositories often on its critical
/// path. A test holds the built schema equal to the parsed file, and regenerates the code
/// when asked (see `tests/generated.rs`).
pub fn schema() -> &'static FluxSchema {
    static SCHEMA_CELL: OnceLock<FluxSchema> = OnceLock::new();
    SCHEMA_CELL.get_or_init(|| {
        generated::schema().expect("the generated schema's patterns compile (tested)")
    })
}

mod generated {
    //! Builders the generated code is written with, so that it reads like the YAML.
    use super::{FluxSchema, Matcher, Obj, Pattern, Ty, kind_object};

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    fn pattern(regex: &str, example: &str) -> Result<Pattern, String> {
        Ok(Pattern {
            regex: Matcher::new(regex).map_err(|e| e.to_string())?,
            text: regex.to_string(),
            example: example.to_string(),
        })
    }

    fn string(enums: &[&str], pattern: Option<&str>) -> Ty {
        Ty::String {
            enums: strings(enums),
            pattern: pattern.map(str::to_string),
        }
    }

    fn text() -> Ty {
        string(&[], None)
    }

    fn fields(fields: Vec<(&str, Ty)>) -> Ty {
        object(fields, &[], true, &[], &[])
    }

    fn reference(name: &str) -> Ty {
        Ty::Ref(name.to_string())
    }

    fn array(item: Ty) -> Ty {
        Ty::Array(Box::new(item))
    }

    fn map(value: Ty) -> Ty {
        Ty::Map(Box::new(value))
    }

    fn object(
        fields: Vec<(&str, Ty)>,
        required: &[&str],
        closed: bool,
        exactly_one: &[&[&str]],
        removed: &[(&str, &str)],
    ) -> Ty {
        Ty::Object(Obj {
            fields: fields
                .into_iter()
                .map(|(name, t)| (name.to_string(), t))
                .collect(),
            required: strings(required),
            closed,
            exactly_one: exactly_one.iter().map(|group| strings(group)).collect(),
            removed: removed
                .iter()
                .map(|(f, help)| (f.to_string(), help.to_string()))
                .collect(),
        })
    }

    include!("flux_fields_generated.rs");
}

/// The Rust source of `flux_fields_generated.rs` for the schema file: what `tests/generated.rs`
/// compares with the committed file, and writes when asked to regenerate it.
#[doc(hidden)]
pub fn generated_source() -> String {
    let schema = FluxSchema::parse(SCHEMA).expect("schemas/flux-fields.yaml is valid (tested)");
    let mut out = String::from(
        "// Generated from schemas/flux-fields.yaml by tests/generated.rs: do not edit; run\n\
         // `FLEETLINT_REGENERATE=1 cargo test --test generated` after changing the schema.\n\n\
         pub(super) fn schema() -> Result<FluxSchema, String> {\n    let mut patterns = std::collections::BTreeMap::new();\n",
    );
    for (name, p) in &schema.patterns {
        let _ = writeln!(
            out,
            "    patterns.insert({name:?}.to_string(), pattern({:?}, {:?})?);",
            p.text, p.example
        );
    }
    out.push_str("    let mut types = std::collections::BTreeMap::new();\n");
    for (name, t) in &schema.types {
        let _ = writeln!(
            out,
            "    types.insert({name:?}.to_string(), {});",
            rust_of(t, 1)
        );
    }
    out.push_str("    let kinds = vec![\n");
    for (api_version, kind, t) in &schema.kinds {
        let spec = spec_of(t).expect("a kind's type is the envelope around its spec");
        let _ = writeln!(
            out,
            "        ({api_version:?}.to_string(), {kind:?}.to_string(), kind_object({})),",
            rust_of(spec, 2)
        );
    }
    out.push_str("    ];\n    Ok(FluxSchema { types, patterns, kinds })\n}\n");
    out
}

/// A type as a Rust expression of the generated code's builders.
fn rust_of(t: &Ty, depth: usize) -> String {
    let indent = "    ".repeat(depth + 1);
    match t {
        Ty::Any => "Ty::Any".into(),
        Ty::Bool => "Ty::Bool".into(),
        Ty::Int => "Ty::Int".into(),
        Ty::String { enums, pattern } if enums.is_empty() && pattern.is_none() => "text()".into(),
        Ty::String { enums, pattern } => format!("string(&{enums:?}, {pattern:?})"),
        Ty::Ref(name) => format!("reference({name:?})"),
        Ty::Array(item) => format!("array({})", rust_of(item, depth)),
        Ty::Map(value) => format!("map({})", rust_of(value, depth)),
        Ty::Object(o) => {
            let mut fields = String::from("vec![\n");
            for (name, t) in &o.fields {
                let _ = writeln!(fields, "{indent}    ({name:?}, {}),", rust_of(t, depth + 1));
            }
            fields.push_str(&indent);
            fields.push(']');
            // The usual object: its field set complete, nothing required, grouped or removed.
            let plain = o.required.is_empty()
                && o.closed
                && o.exactly_one.is_empty()
                && o.removed.is_empty();
            if plain {
                return format!("fields({fields})");
            }
            let groups: Vec<String> = o.exactly_one.iter().map(|g| format!("&{g:?}")).collect();
            format!(
                "object(\n{indent}{fields},\n{indent}&{:?},\n{indent}{},\n{indent}&[{}],\n{indent}&{:?},\n{})",
                o.required,
                o.closed,
                groups.join(", "),
                o.removed,
                "    ".repeat(depth)
            )
        }
    }
}

impl FluxSchema {
    fn parse(text: &str) -> Result<FluxSchema, String> {
        let (docs, errors) = yaml::parse(FileId::DETACHED, text);
        if let Some(e) = errors.first() {
            return Err(e.message.clone());
        }
        let root = docs
            .first()
            .and_then(|d| d.root.as_ref())
            .ok_or("empty schema")?;
        let mut patterns = BTreeMap::new();
        for (k, v) in root
            .get("patterns")
            .and_then(Node::as_map)
            .unwrap_or_default()
        {
            let name = k.as_str().ok_or("pattern name")?.to_string();
            let regex = v.str_at(&["regex"]).ok_or("pattern regex")?;
            patterns.insert(
                name,
                Pattern {
                    regex: Matcher::new(regex).map_err(|e| e.to_string())?,
                    text: regex.to_string(),
                    example: v.str_at(&["example"]).unwrap_or_default().to_string(),
                },
            );
        }
        let mut types = BTreeMap::new();
        for (k, v) in root.get("types").and_then(Node::as_map).unwrap_or_default() {
            types.insert(k.as_str().ok_or("type name")?.to_string(), ty(v)?);
        }
        let mut kinds = Vec::new();
        for item in root.get("kinds").and_then(Node::as_seq).unwrap_or_default() {
            let spec = ty(item.get("spec").ok_or("kind without spec")?)?;
            let object = kind_object(spec);
            kinds.push((
                item.str_at(&["apiVersion"])
                    .ok_or("apiVersion")?
                    .to_string(),
                item.str_at(&["kind"]).ok_or("kind")?.to_string(),
                object,
            ));
        }
        let schema = FluxSchema {
            types,
            patterns,
            kinds,
        };
        schema.check_refs()?;
        Ok(schema)
    }

    /// Every named type and pattern used exists.
    fn check_refs(&self) -> Result<(), String> {
        fn walk(s: &FluxSchema, t: &Ty) -> Result<(), String> {
            match t {
                Ty::Ref(name) if !s.types.contains_key(name) && !is_primitive(name) => {
                    Err(format!("unknown type \"{name}\""))
                }
                Ty::String {
                    pattern: Some(p), ..
                } if !s.patterns.contains_key(p) => Err(format!("unknown pattern \"{p}\"")),
                Ty::Object(o) => o.fields.iter().try_for_each(|(_, t)| walk(s, t)),
                Ty::Array(t) | Ty::Map(t) => walk(s, t),
                _ => Ok(()),
            }
        }
        self.types.values().try_for_each(|t| walk(self, t))?;
        self.kinds.iter().try_for_each(|(_, _, t)| walk(self, t))
    }

    /// Whether the schema describes this `apiVersion` and `kind`.
    pub fn knows(&self, api_version: &str, kind: &str) -> bool {
        self.kind(api_version, kind).is_some()
    }

    fn kind(&self, api_version: &str, kind: &str) -> Option<&Ty> {
        self.kinds
            .iter()
            .find(|(a, k, _)| a == api_version && k == kind)
            .map(|(_, _, t)| t)
    }

    /// Checks an object of a known kind; `anchor` is where to point for fields missing at its
    /// top level (its `kind` value, say).
    pub fn validate(
        &self,
        api_version: &str,
        kind: &str,
        root: &Node,
        anchor: Span,
    ) -> Vec<Violation> {
        let Some(t) = self.kind(api_version, kind) else {
            return Vec::new();
        };
        let mut cx = Validation {
            schema: self,
            spec: spec_of(t),
            path: String::new(),
            out: Vec::new(),
        };
        cx.check(t, root, anchor, anchor);
        cx.out
    }

    fn resolve<'a>(&'a self, t: &'a Ty) -> &'a Ty {
        let mut t = t;
        while let Ty::Ref(name) = t {
            match (name.as_str(), self.types.get(name)) {
                (_, Some(next)) => t = next,
                _ => break,
            }
        }
        t
    }
}

fn is_primitive(name: &str) -> bool {
    matches!(name, "string" | "bool" | "int" | "any")
}

fn strings(node: Option<&Node>) -> Vec<String> {
    node.and_then(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

/// The type of a whole object of a kind whose `spec` is `spec`: the same envelope for every
/// kind (the generated code builds it with this function too).
fn kind_object(spec: Ty) -> Ty {
    Ty::Object(Obj {
        fields: vec![
            ("apiVersion".into(), Ty::Ref("string".into())),
            ("kind".into(), Ty::Ref("string".into())),
            ("metadata".into(), Ty::Ref("ObjectMeta".into())),
            ("spec".into(), spec),
            ("status".into(), Ty::Any),
        ],
        required: vec!["spec".into()],
        closed: true,
        ..Obj::default()
    })
}

/// The `spec` type of a kind's object type (see [`kind_object`]).
fn spec_of(object: &Ty) -> Option<&Ty> {
    match object {
        Ty::Object(o) => o.fields.iter().find(|(n, _)| n == "spec").map(|(_, t)| t),
        _ => None,
    }
}

/// A type expression of the schema file.
fn ty(node: &Node) -> Result<Ty, String> {
    if let Some(name) = node.as_str() {
        return Ok(match name {
            "any" => Ty::Any,
            "bool" => Ty::Bool,
            "int" => Ty::Int,
            "string" => Ty::String {
                enums: Vec::new(),
                pattern: None,
            },
            other => Ty::Ref(other.to_string()),
        });
    }
    if node.as_map().is_none() {
        return Err("a type is a name or a mapping".into());
    }
    if let Some(items) = node.get("items") {
        return Ok(Ty::Array(Box::new(ty(items)?)));
    }
    if let Some(values) = node.get("map") {
        return Ok(Ty::Map(Box::new(ty(values)?)));
    }
    if node.str_at(&["type"]) == Some("string") {
        return Ok(Ty::String {
            enums: strings(node.get("enum")),
            pattern: node.str_at(&["pattern"]).map(str::to_string),
        });
    }
    let fields = node
        .get("fields")
        .and_then(Node::as_map)
        .ok_or("an object type needs `fields`")?
        .iter()
        .map(|(k, v)| Ok((k.as_str().ok_or("field name")?.to_string(), ty(v)?)))
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Ty::Object(Obj {
        fields,
        required: strings(node.get("required")),
        closed: node.get("closed").and_then(Node::as_bool).unwrap_or(true),
        exactly_one: node
            .get("exactlyOne")
            .and_then(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .map(|g| strings(Some(g)))
            .collect(),
        removed: node
            .get("removed")
            .and_then(Node::as_map)
            .unwrap_or_default()
            .iter()
            .filter_map(|(k, v)| Some((k.as_str()?.to_string(), v.as_str()?.to_string())))
            .collect(),
    }))
}

/// What YAML makes of a plain scalar (YAML 1.2 core schema): `null`, `bool`, `int`, `float`
/// or `string`. Quoted scalars are strings.
fn scalar_kind(text: &str, plain: bool) -> &'static str {
    if !plain || !may_be_other_than_string(text) {
        return "string";
    }
    plain_scalar_kind(text)
}

/// [`scalar_kind`] of a plain scalar, without the first-byte shortcut.
fn plain_scalar_kind(text: &str) -> &'static str {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => "null",
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" => "bool",
        _ if is_int(text) => "int",
        _ if is_float(text) => "float",
        _ => "string",
    }
}

/// Whether a plain scalar may be read as something else than a string: nulls and booleans
/// start with `~`, `n`, `t` or `f` (in any case), numbers with a digit, a sign or `.`. Most
/// scalars (names, images, hosts) are told by their first byte.
fn may_be_other_than_string(text: &str) -> bool {
    match text.as_bytes().first() {
        None => true,
        Some(b) => {
            b.is_ascii_digit()
                || matches!(
                    b,
                    b'-' | b'+' | b'.' | b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F'
                )
        }
    }
}

/// `[-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+`, the core schema's integers (checked by hand:
/// every scalar of every Flux object asks, and a regex match costs microseconds).
fn is_int(text: &str) -> bool {
    let digits = |s: &str, radix: u32| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    if let Some(octal) = text.strip_prefix("0o") {
        return digits(octal, 8);
    }
    if let Some(hex) = text.strip_prefix("0x") {
        return digits(hex, 16);
    }
    digits(text.strip_prefix(['-', '+']).unwrap_or(text), 10)
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)? | [-+]?\.(inf|Inf|INF) |
/// \.(nan|NaN|NAN)`, the core schema's floats.
fn is_float(text: &str) -> bool {
    if matches!(text, ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let unsigned = text.strip_prefix(['-', '+']).unwrap_or(text);
    if matches!(unsigned, ".inf" | ".Inf" | ".INF") {
        return true;
    }
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(at) => (&unsigned[..at], Some(&unsigned[at + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        None => !mantissa.is_empty() && digits(mantissa),
        Some((whole, fraction)) => {
            digits(whole) && digits(fraction) && !(whole.is_empty() && fraction.is_empty())
        }
    };
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

/// Whether a value holds `${`: looked for from each `$` (most values have none), not with a
/// substring searcher built for each of the many short values of every Flux object.
fn holds_variable(text: &str) -> bool {
    let bytes = text.as_bytes();
    memchr::memchr_iter(b'$', bytes).any(|at| bytes.get(at + 1) == Some(&b'{'))
}

fn found(node: &Node) -> &'static str {
    match &node.value {
        Value::Seq(_) => "a list",
        Value::Map(_) => "a mapping",
        Value::Scalar(text) => match scalar_kind(text, node.plain) {
            "bool" => "a boolean",
            "int" | "float" => "a number",
            "null" => "null",
            _ => "a string",
        },
    }
}

/// Lower case without `_` and `-`: `depends_on` and `DependsOn` are `dependson`.
fn normalized(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

struct Validation<'a> {
    schema: &'a FluxSchema,
    /// The kind's `spec` type, to say where a misplaced field belongs.
    spec: Option<&'a Ty>,
    /// The path of the node being checked (`spec.values[0].name`): one buffer, grown and cut
    /// back as the walk goes, because a path is only copied when a violation is found.
    path: String,
    out: Vec<Violation>,
}

impl Validation<'_> {
    fn push(&mut self, span: Span, kind: ViolationKind) {
        self.out.push(Violation {
            path: self.path.clone(),
            span,
            kind,
        });
    }

    /// Runs `f` with `.name` (or `name` at the top) added to the path.
    fn under_field(&mut self, name: &str, f: impl FnOnce(&mut Self)) {
        let len = self.path.len();
        if len > 0 {
            self.path.push('.');
        }
        self.path.push_str(name);
        f(self);
        self.path.truncate(len);
    }

    /// Checks `node` against `t`. `key` is the span of the key it is under (used for
    /// containers, whose own spans run to the next token).
    fn check(&mut self, t: &Ty, node: &Node, key: Span, anchor: Span) {
        let schema = self.schema;
        let t = schema.resolve(t);
        let wrong = |expected: &'static str| ViolationKind::WrongType {
            expected,
            found: found(node),
        };
        let container_span = if matches!(node.value, Value::Scalar(_)) {
            node.span
        } else {
            key
        };
        match t {
            Ty::Any | Ty::Ref(_) => {}
            Ty::Bool => {
                if node.as_bool().is_none() {
                    self.push(container_span, wrong("a boolean"));
                }
            }
            Ty::Int => {
                let ok = matches!(&node.value, Value::Scalar(text) if scalar_kind(text, node.plain) == "int");
                if !ok {
                    self.push(container_span, wrong("an integer"));
                }
            }
            Ty::String { enums, pattern } => {
                let Value::Scalar(text) = &node.value else {
                    self.push(container_span, wrong("a string"));
                    return;
                };
                if scalar_kind(text, node.plain) != "string" {
                    let expected = if pattern
                        .as_deref()
                        .is_some_and(|p| p.starts_with("duration"))
                    {
                        "a duration string"
                    } else {
                        "a string"
                    };
                    self.push(node.span, wrong(expected));
                    return;
                }
                // A variable Flux has not substituted here: its value is not known.
                if holds_variable(text) {
                    return;
                }
                if !enums.is_empty() && !enums.iter().any(|e| e == text) {
                    self.push(
                        node.span,
                        ViolationKind::NotInEnum {
                            value: text.to_string(),
                            allowed: enums.clone(),
                        },
                    );
                }
                if let Some(p) = pattern.as_ref().and_then(|p| schema.patterns.get(p))
                    && !p.regex.is_match(text)
                {
                    self.push(
                        node.span,
                        ViolationKind::Pattern {
                            value: text.to_string(),
                            pattern: p.text.clone(),
                            example: p.example.clone(),
                        },
                    );
                }
            }
            Ty::Array(item) => {
                let Some(items) = node.as_seq() else {
                    self.push(container_span, wrong("a list"));
                    return;
                };
                for (i, n) in items.iter().enumerate() {
                    let first_key = n
                        .as_map()
                        .and_then(|m| m.first())
                        .map_or(n.span, |(k, _)| k.span);
                    if n.is_null() {
                        continue;
                    }
                    let len = self.path.len();
                    // Writing to a String cannot fail.
                    let _ = write!(self.path, "[{i}]");
                    self.check(item, n, first_key, first_key);
                    self.path.truncate(len);
                }
            }
            Ty::Map(value) => {
                let Some(entries) = node.as_map() else {
                    self.push(container_span, wrong("a mapping"));
                    return;
                };
                for (k, v) in entries {
                    if v.is_null() {
                        continue;
                    }
                    let name = k.as_str().unwrap_or_default();
                    self.under_field(name, |cx| cx.check(value, v, k.span, k.span));
                }
            }
            Ty::Object(obj) => {
                let Some(entries) = node.as_map() else {
                    self.push(container_span, wrong("a mapping"));
                    return;
                };
                self.check_object(obj, entries, anchor);
            }
        }
    }

    fn check_object(&mut self, obj: &Obj, entries: &[(Node, Node)], anchor: Span) {
        let present = |name: &str| {
            entries
                .iter()
                .any(|(k, v)| k.as_str() == Some(name) && !v.is_null())
        };
        for name in &obj.required {
            if !present(name) {
                self.under_field(name, |cx| cx.push(anchor, ViolationKind::Missing));
            }
        }
        for group in &obj.exactly_one {
            let set: Vec<String> = group.iter().filter(|f| present(f)).cloned().collect();
            if set.len() != 1 {
                self.push(
                    anchor,
                    ViolationKind::ExactlyOne {
                        fields: group.clone(),
                        present: set,
                    },
                );
            }
        }
        for (k, v) in entries {
            let Some(name) = k.as_str() else { continue };
            if let Some((_, t)) = obj.fields.iter().find(|(f, _)| f == name) {
                if !v.is_null() {
                    self.under_field(name, |cx| cx.check(t, v, k.span, k.span));
                }
            } else if let Some((_, help)) = obj.removed.iter().find(|(f, _)| f == name) {
                let kind = ViolationKind::Removed { help: help.clone() };
                self.under_field(name, |cx| cx.push(k.span, kind));
            } else if obj.closed {
                let known = obj.fields.iter().map(|(f, _)| f.clone()).collect();
                let belongs = self.belongs(name);
                let kind = ViolationKind::Unknown { known, belongs };
                self.under_field(name, |cx| cx.push(k.span, kind));
            }
        }
    }

    /// Where a field written at the current path belongs: `spec.<field>` for a spec field
    /// written at the top level or under `metadata`.
    fn belongs(&self, name: &str) -> Option<String> {
        if self.path == "spec" {
            return None;
        }
        let Some(Ty::Object(spec)) = self.spec.map(|t| self.schema.resolve(t)) else {
            return None;
        };
        spec.fields
            .iter()
            .find(|(f, _)| normalized(f) == normalized(name))
            .map(|(f, _)| format!("spec.{f}"))
    }
}

/// For did-you-mean: a known field that is the same word written differently (`depends_on`).
pub fn same_word<'a>(name: &str, known: &'a [String]) -> Option<&'a str> {
    let n = normalized(name);
    known
        .iter()
        .find(|k| normalized(k) == n)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_other_kind_passes_the_first_byte_shortcut() {
        let others = [
            "", "~", "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
            "0", "-1", "+2", ".5", "1.5e3", ".inf", "-.Inf", "+.INF", ".nan", ".NaN", "0x1F",
            "0o17",
        ];
        for text in others {
            assert_ne!(scalar_kind(text, true), "string", "{text}");
            assert!(may_be_other_than_string(text), "{text}");
        }
    }

    proptest::proptest! {
        /// A scalar told a string by its first byte is one the full classification calls a
        /// string too.
        #[test]
        fn the_first_byte_shortcut_only_skips_strings(text in "[-+.~0-9a-zA-Z_ /:]{0,8}") {
            if !may_be_other_than_string(&text) {
                proptest::prop_assert_eq!(plain_scalar_kind(&text), "string", "{}", text);
            }
        }

        /// Looking for `${` from each `$` finds it exactly where a substring search does.
        #[test]
        fn a_variable_is_found_as_a_substring_search_finds_it(text in "[${}a ]{0,8}") {
            proptest::prop_assert_eq!(holds_variable(&text), text.contains("${"), "{}", text);
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 8192, ..Default::default() })]
        /// The hand-written number checks agree with the core schema's regular expressions.
        #[test]
        fn numbers_are_told_as_the_core_schema_regexes_tell_them(
            text in "[-+0-9.eExoabfAFinINtT\u{e9}]{0,7}"
        ) {
            let int = Regex::new(r"^([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$").unwrap();
            let float = Regex::new(r"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$").unwrap();
            proptest::prop_assert_eq!(is_int(&text), int.is_match(&text), "int {}", text);
            proptest::prop_assert_eq!(is_float(&text), float.is_match(&text), "float {}", text);
        }
    }

    #[test]
    fn a_variable_is_told_wherever_it_is() {
        for text in ["${a}", "x${a}", "$${a}", "$ ${a}", "a-${b}-c", "${"] {
            assert!(holds_variable(text), "{text}");
        }
        for text in ["", "$", "$a", "a$", "{a}", "$ {a}", "$$", "}$"] {
            assert!(!holds_variable(text), "{text}");
        }
    }

    #[test]
    fn the_generated_schema_is_the_schema_file() {
        let parsed = FluxSchema::parse(SCHEMA).expect("the schema file parses");
        let built = generated::schema().expect("the generated schema builds");
        assert_eq!(
            built.types, parsed.types,
            "regenerate: FLEETLINT_REGENERATE=1 cargo test --test generated"
        );
        assert_eq!(
            built.kinds, parsed.kinds,
            "regenerate: FLEETLINT_REGENERATE=1 cargo test --test generated"
        );
        let patterns = |s: &FluxSchema| -> Vec<(String, String, String)> {
            s.patterns
                .iter()
                .map(|(n, p)| (n.clone(), p.text.clone(), p.example.clone()))
                .collect()
        };
        assert_eq!(patterns(&built), patterns(&parsed));
        built
            .check_refs()
            .expect("every name the generated schema uses exists");
    }

    #[test]
    fn number_forms() {
        for yes in ["0", "-12", "+3", "0o17", "0x1F"] {
            assert!(is_int(yes), "{yes}");
        }
        for no in ["", "-", "0o8", "0x", "1.0", "1_000"] {
            assert!(!is_int(no), "{no}");
        }
        for yes in ["1.", ".5", "-1.5e3", "2E-7", "1e5", ".inf", "-.Inf", ".NaN"] {
            assert!(is_float(yes), "{yes}");
        }
        for no in [".", "-.", "1e", "e5", "1.2.3", "-.nan", "inf"] {
            assert!(!is_float(no), "{no}");
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 8192, ..Default::default() })]
        /// The patterns tested by hand agree with their regular expressions.
        #[test]
        fn hand_written_patterns_agree_with_their_regexes(
            text in proptest::prop_oneof![
                "[0-9.mshx]{0,8}",
                "(http|https|ssh|oci|htt|ocis)?:?/{0,3}[a-z.\n/:]{0,6}",
            ]
        ) {
            for pattern in SHIPPED_PATTERNS {
                let regex = Regex::new(pattern).unwrap();
                let test = by_hand(pattern).expect("tested by hand");
                proptest::prop_assert_eq!(test(&text), regex.is_match(&text), "{} on {:?}", pattern, text);
            }
        }
    }

    /// The regular expressions of `schemas/flux-fields.yaml`.
    const SHIPPED_PATTERNS: &[&str] = &[
        r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$",
        r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$",
        r"^(http|https|ssh)://.*$",
        r"^(http|https|oci)://.*$",
        r"^oci://.*$",
    ];

    #[test]
    fn every_pattern_of_the_schema_is_tested_by_hand() {
        for pattern in schema().patterns.values() {
            assert!(
                matches!(pattern.regex, Matcher::Hand(_)),
                "{} has no hand-written test",
                pattern.text
            );
            assert!(
                SHIPPED_PATTERNS.contains(&pattern.text.as_str()),
                "{}",
                pattern.text
            );
        }
        for yes in ["1h30m", "0.5s", "10ms", "1m1s1ms"] {
            assert!(is_duration(yes, true), "{yes}");
        }
        for no in ["", "1", "h", "1.h", "1.5", "1hm", "1d", " 1s", "1s "] {
            assert!(!is_duration(no, true), "{no}");
        }
        assert!(!is_duration("1h", false));
    }

    #[test]
    fn a_memoised_regex_answers_as_the_regex_does_past_its_limit() {
        let pattern = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h|d))+$";
        let memo = Memoised::new(pattern).expect("valid");
        let plain = Regex::new(pattern).expect("valid");
        let values: Vec<String> = (0..MEMOISED_ANSWERS + 50)
            .map(|i| {
                if i % 3 == 0 {
                    format!("{i}m")
                } else {
                    format!("{i}x")
                }
            })
            .collect();
        for round in 0..2 {
            for v in &values {
                assert_eq!(memo.is_match(v), plain.is_match(v), "{v} (round {round})");
            }
        }
        assert!(memo.answers.lock().unwrap().len() <= MEMOISED_ANSWERS);
    }

    fn violations(text: &str) -> Vec<(String, String)> {
        let (docs, errors) = yaml::parse(FileId(0), text);
        assert!(errors.is_empty());
        let root = docs[0].root.as_ref().expect("a document");
        let api = root.str_at(&["apiVersion"]).unwrap_or_default();
        let kind = root.str_at(&["kind"]).unwrap_or_default();
        schema()
            .validate(api, kind, root, root.span)
            .into_iter()
            .map(|v| {
                let what = match v.kind {
                    ViolationKind::Missing => "missing".to_string(),
                    ViolationKind::Unknown { belongs, .. } => {
                        format!(
                            "unknown{}",
                            belongs.map(|b| format!(" → {b}")).unwrap_or_default()
                        )
                    }
                    ViolationKind::Removed { .. } => "removed".into(),
                    ViolationKind::WrongType { expected, found } => format!("{found} ≠ {expected}"),
                    ViolationKind::NotInEnum { value, .. } => format!("enum {value}"),
                    ViolationKind::Pattern { value, .. } => format!("pattern {value}"),
                    ViolationKind::ExactlyOne { present, .. } => format!("one of {present:?}"),
                };
                (v.path, what)
            })
            .collect()
    }

    #[test]
    fn the_schema_parses() {
        assert!(schema().knows("kustomize.toolkit.fluxcd.io/v1", "Kustomization"));
        assert!(schema().knows("helm.toolkit.fluxcd.io/v2", "HelmRelease"));
        assert!(!schema().knows("kustomize.toolkit.fluxcd.io/v1beta2", "Kustomization"));
    }

    #[test]
    fn a_valid_kustomization_is_clean() {
        let v = violations(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: a, namespace: flux-system}\nspec:\n  interval: 1h30m\n  prune: yes\n  sourceRef: {kind: GitRepository, name: flux-system}\n  dependsOn: [{name: b}]\n  postBuild: {substitute: {A: \"1\"}}\n",
        );
        assert!(v.is_empty(), "{v:?}");
    }

    #[test]
    fn kustomization_mistakes() {
        let v = violations(
            "apiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata:\n  name: a\n  dependsOn: [{name: b}]\nspec:\n  interval: 1d\n  prune: \"yes\"\n  sourceRef: {kind: GitRepo}\n  dependOn: x\n  depends_on: x\n  dependsOn: {name: b}\n  timeout: 10\n  patchesStrategicMerge: []\n  postBuild: {substitute: {A: 1}}\n",
        );
        let expect = [
            ("metadata.dependsOn", "unknown → spec.dependsOn"),
            ("spec.interval", "pattern 1d"),
            ("spec.prune", "a string ≠ a boolean"),
            ("spec.sourceRef.name", "missing"),
            ("spec.sourceRef.kind", "enum GitRepo"),
            ("spec.dependOn", "unknown"),
            ("spec.depends_on", "unknown"),
            ("spec.dependsOn", "a mapping ≠ a list"),
            ("spec.timeout", "a number ≠ a duration string"),
            ("spec.patchesStrategicMerge", "removed"),
            ("spec.postBuild.substitute.A", "a number ≠ a string"),
        ];
        let got: Vec<(&str, &str)> = v.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn helm_release_chart_and_chart_ref() {
        let both = violations(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  interval: 5m\n  chart:\n    spec: {chart: x, sourceRef: {kind: HelmRepository, name: r}}\n  chartRef: {kind: OCIRepository, name: o}\n  install: {crds: Always}\n",
        );
        assert_eq!(
            both,
            vec![
                (
                    "spec".to_string(),
                    "one of [\"chart\", \"chartRef\"]".to_string()
                ),
                ("spec.install.crds".to_string(), "enum Always".to_string()),
            ]
        );
        let neither = violations(
            "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: a}\nspec:\n  interval: 5m\n  chart:\n    spec: {version: 1.x}\n",
        );
        assert_eq!(
            neither,
            vec![
                ("spec.chart.spec.chart".to_string(), "missing".to_string()),
                (
                    "spec.chart.spec.sourceRef".to_string(),
                    "missing".to_string()
                ),
            ]
        );
    }

    #[test]
    fn same_word_matches_spellings() {
        let known = vec!["dependsOn".to_string(), "path".to_string()];
        assert_eq!(same_word("depends_on", &known), Some("dependsOn"));
        assert_eq!(same_word("DependsOn", &known), Some("dependsOn"));
        assert_eq!(same_word("dependOn", &known), None);
    }
}
