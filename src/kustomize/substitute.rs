//! Flux post-build variable substitution (FLUX-SEMANTICS §2.9).
//!
//! A model of the envsubst dialect kustomize-controller runs (fluxcd/pkg `envsubst`, a fork of
//! drone/envsubst) in strict mode: only the braced form `${VAR}` is an expression; `$$` writes a
//! literal `$` (so `$${VAR}` stays `${VAR}`); default operators (`=`, `:=`, `:-`, `:+`, `:?`)
//! exempt a variable from strict mode; every argument of an expression is evaluated before the
//! expression itself, so in `${A:-${B}}` the variable `B` must be set even when `A` is. A
//! syntax error (`${a b}`, `${A-x}`, an unclosed `${`) fails the whole resource.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use super::Object;
use crate::source::{FileId, Node, Repo, Value};

/// Variables available to a Kustomization. A `None` value is known to exist but its value is
/// not known offline (a Secret, possibly SOPS-encrypted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Vars {
    pub values: BTreeMap<String, Option<String>>,
}

/// A `${...}` expression that uses a variable without a default, where the variable is unset.
#[derive(Debug, Clone, PartialEq)]
pub struct VarUse {
    pub name: String,
    /// The whole expression, as a byte range of the substituted text.
    pub range: Range<usize>,
}

/// Text that envsubst cannot parse: Flux fails the resource with this message.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntaxError {
    pub message: &'static str,
    /// Byte offset of the `${` whose expression does not parse.
    pub at: usize,
}

/// The outcome of substituting one string.
#[derive(Debug, PartialEq)]
pub struct Substituted {
    pub text: String,
    /// Variables used without a default that have no value at all.
    pub unset: Vec<VarUse>,
    /// Variables whose values exist but are unknown offline (the text keeps them as written).
    pub unknown: Vec<String>,
    pub error: Option<SyntaxError>,
}

impl Vars {
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Substitutes `text`. Expressions whose value is unknown offline, or that use an unset
    /// variable without a default, are left as written, so that identities containing them
    /// stay recognisable. Text that does not parse is returned unchanged.
    pub fn substitute(&self, text: &str) -> Substituted {
        self.substitute_within(text, MAX_SUBSTITUTED_BYTES)
            .unwrap_or_else(|| Substituted {
                // Too large to evaluate: treated like a value unknown offline.
                text: text.to_string(),
                unset: Vec::new(),
                unknown: Vec::new(),
                error: None,
            })
    }

    /// [`Vars::substitute`], or `None` when evaluating it would produce more than `limit`
    /// bytes (all intermediate values included): a variable with a long value used many
    /// times, or a replacement that multiplies it, must not take gigabytes.
    pub fn substitute_within(&self, text: &str, limit: usize) -> Option<Substituted> {
        if let Some(done) = self.substitute_plain(text, limit) {
            return Some(done);
        }
        self.substitute_parsed(text, limit)
    }

    /// The common cases, where every `$` starts a plain `${NAME}`, `${NAME:=default}` or
    /// `${NAME:-default}` (a default without `$`), without the template parser: the same
    /// result as [`Vars::substitute_parsed`] (tested against it). `None` for text in any other
    /// form, or when the budget might not suffice.
    fn substitute_plain(&self, text: &str, limit: usize) -> Option<Substituted> {
        let bytes = text.as_bytes();
        let mut out = Substituted {
            text: String::with_capacity(text.len()),
            unset: Vec::new(),
            unknown: Vec::new(),
            error: None,
        };
        // At least what the parser's evaluation charges: the text as written, a default
        // (twice: as an argument, and before the operator runs), a value (looked up), and the
        // expression's result (returned by its operator, written out).
        let mut charged = 0usize;
        let mut from = 0;
        for dollar in memchr::memchr_iter(b'$', bytes) {
            if dollar < from {
                return None; // a `$` inside a default
            }
            let name_start = dollar + 2;
            let name_len = bytes
                .get(name_start..)
                .unwrap_or_default()
                .iter()
                .take_while(|b| b.is_ascii_alphanumeric() || **b == b'_')
                .count();
            let name_end = name_start + name_len;
            if bytes.get(dollar + 1) != Some(&b'{') || name_len == 0 {
                return None;
            }
            let (default, end) = match bytes.get(name_end..name_end + 2) {
                Some(b":=" | b":-") => {
                    let close = memchr::memchr(b'}', &bytes[name_end..])? + name_end;
                    (Some(&text[name_end + 2..close]), close + 1)
                }
                _ if bytes.get(name_end) == Some(&b'}') => (None, name_end + 1),
                _ => return None,
            };
            let name = &text[name_start..name_end];
            let default_len = default.map_or(0, str::len);
            charged = charged.saturating_add(dollar - from + 2 * default_len);
            if charged > limit {
                return None;
            }
            out.text.push_str(&text[from..dollar]);
            let value = match (self.values.get(name), default) {
                (Some(Some(value)), Some(default)) if value.is_empty() => {
                    Some((value.len(), default))
                }
                (Some(Some(value)), _) => Some((value.len(), value.as_str())),
                (None, Some(default)) => Some((0, default)),
                (known, _) => {
                    if known.is_some() {
                        out.unknown.push(name.to_string());
                    } else {
                        out.unset.push(VarUse {
                            name: name.to_string(),
                            range: dollar..end,
                        });
                    }
                    None
                }
            };
            let (charge, written) = match value {
                Some((looked_up, result)) => (
                    looked_up.saturating_add(result.len().saturating_mul(2)),
                    result,
                ),
                None => (end - dollar, &text[dollar..end]),
            };
            charged = charged.saturating_add(charge);
            // Stopped as soon as the budget is spent: a long value used many times must not
            // be written out first (the text written is never more than what is charged).
            if charged > limit {
                return None;
            }
            out.text.push_str(written);
            from = end;
        }
        out.text.push_str(&text[from..]);
        charged = charged.saturating_add(text.len() - from);
        (charged <= limit).then_some(out)
    }

    /// [`Vars::substitute_within`] by the template parser.
    fn substitute_parsed(&self, text: &str, limit: usize) -> Option<Substituted> {
        let mut out = Substituted {
            text: String::new(),
            unset: Vec::new(),
            unknown: Vec::new(),
            error: None,
        };
        match parse(text) {
            Ok(nodes) => {
                let mut eval = Eval {
                    vars: self,
                    source: text,
                    unset: Vec::new(),
                    unknown: Vec::new(),
                    left: limit,
                    exceeded: false,
                };
                for node in &nodes {
                    let piece = eval.node_text(node);
                    if eval.exceeded || !eval.charge(piece.len()) {
                        return None;
                    }
                    out.text.push_str(&piece);
                }
                out.unset = eval.unset;
                out.unknown = eval.unknown;
            }
            Err(error) => {
                out.text = text.to_string();
                out.error = Some(error);
            }
        }
        Some(out)
    }
}

/// Bytes that post-build substitution may produce: per string, and in all for one
/// Kustomization's objects (`apply_within`).
pub const MAX_SUBSTITUTED_BYTES: usize = 64 * 1024 * 1024;

/// `${...}` expressions nested in each other at most. fleetlint's parser recurses once per
/// level, so ten thousand levels would overflow its stack; envsubst has no such limit, but no
/// real template comes near it.
pub const MAX_EXPRESSION_DEPTH: usize = 64;

/// Whether `name` may be a variable: `^[_[:alpha:]][_[:alpha:][:digit:]]*$`, ASCII classes as
/// in Go's regexp. Flux rejects every resource of a Kustomization with an invalid var name.
pub fn is_valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

/// The pattern a variable name must match, as Flux words it.
pub const NAME_PATTERN: &str = "^[_[:alpha:]][_[:alpha:][:digit:]]*$";

/// Whether substitution could change `text` at all.
pub fn has_expression(text: &str) -> bool {
    memchr::memchr(b'$', text.as_bytes()).is_some()
}

/// Whether substitution may find something to change in `obj`'s body. Not when the body is
/// the tree of a document without `$`, or a copy of one whose changes add none: transforms and
/// patches copy only the collections on the paths they change and share the rest, so only
/// those paths are looked at.
pub fn may_change_body(obj: &Object, repo: &Repo) -> bool {
    if obj.origin.file == FileId::DETACHED {
        return true;
    }
    let file = repo.file(obj.origin.file);
    match file.document_at(obj.origin.start) {
        Some(doc) if !doc.has_dollar => match &doc.root {
            Some(original) => has_dollar_beside(&obj.body, original),
            None => true,
        },
        _ => true,
    }
}

/// Whether a scalar of `node` that is not shared with `original` (which has no `$`) has one.
/// Collections are compared position by position; whatever is not the very same collection
/// as its counterpart is looked into, so a shift (an inserted entry) costs time, not
/// correctness.
fn has_dollar_beside(node: &Node, original: &Node) -> bool {
    match (&node.value, &original.value) {
        (Value::Seq(items), Value::Seq(before)) => {
            !Arc::ptr_eq(items, before)
                && items
                    .iter()
                    .enumerate()
                    .any(|(i, item)| match before.get(i) {
                        Some(old) => has_dollar_beside(item, old),
                        None => has_dollar(item),
                    })
        }
        (Value::Map(entries), Value::Map(before)) => {
            !Arc::ptr_eq(entries, before)
                && entries
                    .iter()
                    .enumerate()
                    .any(|(i, (key, value))| match before.get(i) {
                        Some((old_key, old_value)) => {
                            has_dollar_beside(key, old_key) || has_dollar_beside(value, old_value)
                        }
                        None => has_dollar(key) || has_dollar(value),
                    })
        }
        _ => has_dollar(node),
    }
}

/// Whether some scalar of `node` has a `$`.
fn has_dollar(node: &Node) -> bool {
    match &node.value {
        Value::Scalar(text) => has_expression(text),
        Value::Seq(items) => items.iter().any(has_dollar),
        Value::Map(entries) => entries.iter().any(|(k, v)| has_dollar(k) || has_dollar(v)),
    }
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
    apply_within(obj, vars, &mut budget, true);
}

/// [`apply`], spending at most `budget` bytes of substituted text (what is spent is taken off
/// it). Returns false when the budget ran out: the strings not yet substituted keep their
/// `${VAR}` forms. The body is looked into only when `in_body` (see [`may_change_body`]).
pub fn apply_within(obj: &mut Object, vars: &Vars, budget: &mut usize, in_body: bool) -> bool {
    if is_disabled(obj) {
        return true;
    }
    // Each string is substituted with at most what is left of the budget.
    let mut one = |text: &str| -> Result<Option<String>, ()> {
        if !has_expression(text) {
            return Ok(None);
        }
        let limit = (*budget).min(MAX_SUBSTITUTED_BYTES);
        let done = vars.substitute_within(text, limit).ok_or(())?;
        *budget -= done.text.len().min(*budget);
        Ok(Some(done.text))
    };
    for field in [&mut obj.name, &mut obj.kind, &mut obj.api_version] {
        match one(field) {
            Ok(Some(new)) => *field = new.into(),
            Ok(None) => {}
            Err(()) => return false,
        }
    }
    if let Some(ns) = &mut obj.namespace {
        match one(ns) {
            Ok(Some(new)) => *ns = new.into(),
            Ok(None) => {}
            Err(()) => return false,
        }
    }
    if !in_body {
        return true;
    }
    let (changed, complete) = substituted(&obj.body, &mut one);
    if let Some(body) = changed {
        obj.body = Arc::new(body);
    }
    complete
}

/// `node` with every scalar substituted by `one`, or `None` when nothing changed; and false
/// when `one` failed (the strings after that one are left as written). Only the collections
/// on the paths to changed scalars are copied: the rest of the tree stays shared with the
/// build.
fn substituted(
    node: &Node,
    one: &mut dyn FnMut(&str) -> Result<Option<String>, ()>,
) -> (Option<Node>, bool) {
    let with = |value: Value| Node::new(node.span, value);
    match &node.value {
        Value::Scalar(text) => match one(text) {
            // Flux substitutes the resource's YAML text, in which a string like "${REPLICAS}"
            // is written unquoted: the result is read again as YAML, so "3" becomes a number
            // and "true" a boolean.
            Ok(Some(new)) if new != *text => (
                Some(Node {
                    span: node.span,
                    plain: true,
                    value: Value::Scalar(new.into()),
                }),
                true,
            ),
            Ok(_) => (None, true),
            Err(()) => (None, false),
        },
        Value::Seq(items) => {
            let mut copy: Option<Vec<Node>> = None;
            for (i, item) in items.iter().enumerate() {
                let (new, complete) = substituted(item, one);
                if let Some(new) = new {
                    copy.get_or_insert_with(|| items.to_vec())[i] = new;
                }
                if !complete {
                    return (copy.map(|c| with(Value::seq(c))), false);
                }
            }
            (copy.map(|c| with(Value::seq(c))), true)
        }
        Value::Map(entries) => {
            let mut copy: Option<Vec<(Node, Node)>> = None;
            for (i, (key, value)) in entries.iter().enumerate() {
                let (new_key, complete) = substituted(key, one);
                let (new_value, complete) = if complete {
                    substituted(value, one)
                } else {
                    (None, false)
                };
                if new_key.is_some() || new_value.is_some() {
                    let entry = &mut copy.get_or_insert_with(|| entries.to_vec())[i];
                    if let Some(new_key) = new_key {
                        entry.0 = new_key;
                    }
                    if let Some(new_value) = new_value {
                        entry.1 = new_value;
                    }
                }
                if !complete {
                    return (copy.map(|c| with(Value::map(c))), false);
                }
            }
            (copy.map(|c| with(Value::map(c))), true)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The template language: a scanner and a recursive-descent parser with the same grammar as
// fluxcd/pkg `envsubst/parse`, recording where each expression is in the input.

/// A parsed template node.
#[derive(Debug, Clone, PartialEq)]
enum TNode {
    Text(String),
    Func(Func),
}

/// `${param}` or `${param<name>args...}`; `name` is the operator (`:-`, `/`, `#`, ...).
#[derive(Debug, Clone, PartialEq)]
struct Func {
    param: String,
    name: String,
    args: Vec<TNode>,
    range: Range<usize>,
}

const SCAN_IDENT: u8 = 1;
const SCAN_LBRACK: u8 = 2;
const SCAN_RBRACK: u8 = 4;
const SCAN_ESCAPE: u8 = 8;

const ESC_DOLLAR: u8 = 1;
const ESC_BACKSLASH: u8 = 2;

#[derive(Debug, PartialEq)]
enum Token {
    Eof,
    Ident(String),
    Lbrack,
    Rbrack,
    Illegal,
}

type Accept = fn(char, usize) -> bool;

struct Scanner<'a> {
    src: &'a str,
    pos: usize,
    escape: u8,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<char> {
        self.src[self.pos..].chars().next()
    }

    fn peek_second(&self) -> Option<char> {
        let mut chars = self.src[self.pos..].chars();
        chars.next();
        chars.next()
    }

    fn read(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// `$` just read, and `{` next.
    fn at_lbrack(&self, r: char, mode: u8) -> bool {
        mode & SCAN_LBRACK != 0 && r == '$' && self.peek() == Some('{')
    }

    /// `r` (just read) escapes the next character.
    fn escapes(&self, r: char, mode: u8) -> bool {
        if mode & SCAN_ESCAPE == 0 {
            return false;
        }
        match r {
            '$' => self.escape & ESC_DOLLAR != 0 && self.peek() == Some('$'),
            '\\' => self.escape & ESC_BACKSLASH != 0 && matches!(self.peek(), Some('/' | '\\')),
            _ => false,
        }
    }

    fn scan(&mut self, mode: u8, accept: Accept) -> Token {
        let Some(r) = self.read() else {
            return Token::Eof;
        };
        if self.at_lbrack(r, mode) {
            self.pos += 1;
            return Token::Lbrack;
        }
        if mode & SCAN_RBRACK != 0 && r == '}' {
            return Token::Rbrack;
        }
        if mode & SCAN_IDENT == 0 {
            return Token::Illegal;
        }
        let mut text = String::new();
        if self.escapes(r, mode) {
            // The escape character is dropped; the escaped one is taken as it is.
            if let Some(next) = self.read() {
                text.push(next);
            }
        } else if accept(r, r.len_utf8()) {
            text.push(r);
        } else {
            self.pos -= r.len_utf8();
            return Token::Illegal;
        }
        loop {
            let before = self.pos;
            let Some(r) = self.read() else { break };
            if self.at_lbrack(r, mode) {
                self.pos = before;
                break;
            }
            if self.escapes(r, mode) {
                if let Some(next) = self.read() {
                    text.push(next);
                }
                continue;
            }
            if !accept(r, text.len() + r.len_utf8()) {
                self.pos = before;
                break;
            }
            text.push(r);
        }
        Token::Ident(text)
    }
}

fn accept_rune(_: char, _: usize) -> bool {
    true
}
fn accept_ident(r: char, _: usize) -> bool {
    r.is_alphanumeric() || r == '_'
}
fn accept_colon(r: char, _: usize) -> bool {
    r == ':'
}
fn accept_one_hash(r: char, i: usize) -> bool {
    r == '#' && i == 1
}
fn accept_not_closing(r: char, _: usize) -> bool {
    r != '}'
}
fn accept_hash_func(r: char, i: usize) -> bool {
    r == '#' && i < 3
}
fn accept_percent_func(r: char, i: usize) -> bool {
    r == '%' && i < 3
}
fn accept_default_func(r: char, i: usize) -> bool {
    (i == 1 && r == ':') || (i == 2 && matches!(r, '=' | '-' | '?' | '+'))
}
fn accept_replace_func(r: char, i: usize) -> bool {
    (i == 1 && r == '/') || (i == 2 && matches!(r, '/' | '#' | '%'))
}
fn accept_one_equal(r: char, i: usize) -> bool {
    i == 1 && r == '='
}
fn accept_one_colon(r: char, i: usize) -> bool {
    i == 1 && r == ':'
}
fn reject_colon_close(r: char, _: usize) -> bool {
    r != ':' && r != '}'
}
fn accept_slash(r: char, _: usize) -> bool {
    r == '/'
}
fn accept_not_slash(r: char, _: usize) -> bool {
    r != '/'
}
fn accept_casing_func(r: char, i: usize) -> bool {
    (r == ',' || r == '^') && i < 3
}

const BAD_SUBSTITUTION: &str = "bad substitution";
const MISSING_CLOSING_BRACE: &str = "missing closing brace";
const PARSE_VARIABLE_NAME: &str = "unable to parse variable name";
const PARSE_FUNC_SUBSTITUTION: &str = "unable to parse substitution within function";
const PARSE_DEFAULT_FUNCTION: &str = "unable to parse default function";
const NESTED_TOO_DEEPLY: &str = "expressions nested more than 64 levels deep";

struct Parser<'a> {
    scanner: Scanner<'a>,
    /// Start of the innermost `${` being parsed, for error positions.
    open: usize,
    /// `${` expressions open around the position, against [`MAX_EXPRESSION_DEPTH`].
    depth: usize,
}

type Parsed<T> = Result<T, SyntaxError>;

fn parse(text: &str) -> Parsed<Vec<TNode>> {
    let mut parser = Parser {
        scanner: Scanner {
            src: text,
            pos: 0,
            escape: ESC_DOLLAR,
        },
        open: 0,
        depth: 0,
    };
    let mut nodes = Vec::new();
    loop {
        parser.scanner.escape = ESC_DOLLAR;
        let start = parser.scanner.pos;
        match parser
            .scanner
            .scan(SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE, accept_rune)
        {
            Token::Ident(text) => nodes.push(TNode::Text(text)),
            Token::Eof => return Ok(nodes),
            Token::Lbrack => nodes.push(TNode::Func(parser.func(start)?)),
            Token::Rbrack | Token::Illegal => return Err(parser.error(BAD_SUBSTITUTION)),
        }
    }
}

impl Parser<'_> {
    fn error(&self, message: &'static str) -> SyntaxError {
        SyntaxError {
            message,
            at: self.open,
        }
    }

    fn finish(&self, start: usize, param: String, name: &str, args: Vec<TNode>) -> Func {
        Func {
            param,
            name: name.to_string(),
            args,
            range: start..self.scanner.pos,
        }
    }

    /// After `${` (which starts at `start`).
    fn func(&mut self, start: usize) -> Parsed<Func> {
        let outer = self.open;
        self.open = start;
        if self.depth >= MAX_EXPRESSION_DEPTH {
            return Err(self.error(NESTED_TOO_DEEPLY));
        }
        self.depth += 1;
        let result = self.func_body(start);
        self.depth -= 1;
        if result.is_ok() {
            self.open = outer;
        }
        result
    }

    fn func_body(&mut self, start: usize) -> Parsed<Func> {
        self.scanner.escape = ESC_DOLLAR | ESC_BACKSLASH;
        if self.scanner.peek() == Some('#') {
            return self.len_func(start);
        }
        let Token::Ident(name) = self.scanner.scan(SCAN_IDENT, accept_ident) else {
            return Err(self.error(PARSE_VARIABLE_NAME));
        };
        match self.scanner.peek() {
            Some(':') => {
                if matches!(self.scanner.peek_second(), Some('=' | '-' | '?' | '+')) {
                    self.default_func(start, name)
                } else {
                    self.substr_func(start, name)
                }
            }
            Some('=') => self.default_func(start, name),
            Some(',' | '^') => self.casing_func(start, name),
            Some('/') => self.replace_func(start, name),
            Some('#') => self.remove_func(start, name, accept_hash_func),
            Some('%') => self.remove_func(start, name, accept_percent_func),
            _ => match self.scanner.scan(SCAN_RBRACK, accept_ident) {
                Token::Rbrack => Ok(self.finish(start, name, "", Vec::new())),
                _ => Err(self.error(MISSING_CLOSING_BRACE)),
            },
        }
    }

    fn param(&mut self, accept: Accept, mode: u8) -> Parsed<TNode> {
        let start = self.scanner.pos;
        match self.scanner.scan(mode | SCAN_LBRACK, accept) {
            Token::Lbrack => Ok(TNode::Func(self.func(start)?)),
            Token::Ident(text) => Ok(TNode::Text(text)),
            _ => Err(self.error(PARSE_FUNC_SUBSTITUTION)),
        }
    }

    fn consume_rbrack(&mut self) -> Parsed<()> {
        match self.scanner.scan(SCAN_RBRACK, accept_ident) {
            Token::Rbrack => Ok(()),
            _ => Err(self.error(BAD_SUBSTITUTION)),
        }
    }

    fn operator(&mut self, accept: Accept, message: &'static str) -> Parsed<String> {
        match self.scanner.scan(SCAN_IDENT, accept) {
            Token::Ident(op) => Ok(op),
            _ => Err(self.error(message)),
        }
    }

    fn default_func(&mut self, start: usize, param: String) -> Parsed<Func> {
        let accept = if self.scanner.peek() == Some('=') {
            accept_one_equal
        } else {
            accept_default_func
        };
        let op = self.operator(accept, PARSE_DEFAULT_FUNCTION)?;
        let mut args = Vec::new();
        loop {
            if self.scanner.peek() == Some('}') {
                self.consume_rbrack()?;
                return Ok(self.finish(start, param, &op, args));
            }
            args.push(self.param(accept_not_closing, SCAN_IDENT)?);
        }
    }

    fn substr_func(&mut self, start: usize, param: String) -> Parsed<Func> {
        let op = self.operator(accept_one_colon, BAD_SUBSTITUTION)?;
        let mut args = vec![self.param(reject_colon_close, SCAN_IDENT)?];
        match self.scanner.scan(SCAN_IDENT | SCAN_RBRACK, accept_colon) {
            Token::Rbrack => return Ok(self.finish(start, param, &op, args)),
            Token::Ident(_) => {}
            _ => return Err(self.error(BAD_SUBSTITUTION)),
        }
        args.push(self.param(accept_not_closing, SCAN_IDENT)?);
        self.consume_rbrack()?;
        Ok(self.finish(start, param, &op, args))
    }

    fn remove_func(&mut self, start: usize, param: String, accept: Accept) -> Parsed<Func> {
        let op = self.operator(accept, BAD_SUBSTITUTION)?;
        let args = vec![self.param(accept_not_closing, SCAN_IDENT)?];
        self.consume_rbrack()?;
        Ok(self.finish(start, param, &op, args))
    }

    fn replace_func(&mut self, start: usize, param: String) -> Parsed<Func> {
        let op = self.operator(accept_replace_func, BAD_SUBSTITUTION)?;
        let mut args = Vec::new();
        if self.scanner.peek() == Some('/') {
            args.push(TNode::Text(String::new()));
        } else {
            args.push(self.param(accept_not_slash, SCAN_IDENT | SCAN_ESCAPE)?);
        }
        if !matches!(self.scanner.scan(SCAN_IDENT, accept_slash), Token::Ident(_)) {
            return Err(self.error(BAD_SUBSTITUTION));
        }
        if self.scanner.peek() == Some('}') {
            self.consume_rbrack()?;
            return Ok(self.finish(start, param, &op, args));
        }
        args.push(self.param(accept_not_closing, SCAN_IDENT | SCAN_ESCAPE)?);
        self.consume_rbrack()?;
        Ok(self.finish(start, param, &op, args))
    }

    fn casing_func(&mut self, start: usize, param: String) -> Parsed<Func> {
        let op = self.operator(accept_casing_func, BAD_SUBSTITUTION)?;
        self.consume_rbrack()?;
        Ok(self.finish(start, param, &op, Vec::new()))
    }

    fn len_func(&mut self, start: usize) -> Parsed<Func> {
        let op = self.operator(accept_one_hash, BAD_SUBSTITUTION)?;
        let param = self.operator(accept_ident, BAD_SUBSTITUTION)?;
        self.consume_rbrack()?;
        Ok(self.finish(start, param, &op, Vec::new()))
    }
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

/// envsubst's default-providing operators exempt a variable from strict mode.
fn is_default_op(op: &str) -> bool {
    matches!(op, "-" | "+" | "=" | "?" | ":-" | ":+" | ":=" | ":?")
}

struct Eval<'a> {
    vars: &'a Vars,
    source: &'a str,
    unset: Vec<VarUse>,
    unknown: Vec<String>,
    /// Bytes the evaluation may still produce (values, arguments and results alike).
    left: usize,
    /// Set once `left` ran out: the whole substitution is abandoned.
    exceeded: bool,
}

impl Eval<'_> {
    /// Spends `n` bytes of the budget; false (and `exceeded`) when there are not that many.
    fn charge(&mut self, n: usize) -> bool {
        if n > self.left {
            self.exceeded = true;
            return false;
        }
        self.left -= n;
        true
    }

    /// The text a node becomes; an expression whose value is not known is kept as written.
    fn node_text(&mut self, node: &TNode) -> String {
        match node {
            TNode::Text(text) => text.clone(),
            TNode::Func(f) => match self.func(f) {
                Some(value) => value,
                None => self.source[f.range.clone()].to_string(),
            },
        }
    }

    /// The value of an expression, `None` when it is not known offline (or too large).
    fn value(&mut self, node: &TNode) -> Option<String> {
        match node {
            TNode::Text(text) => self.charge(text.len()).then(|| text.clone()),
            TNode::Func(f) => self.func(f),
        }
    }

    fn func(&mut self, f: &Func) -> Option<String> {
        if self.exceeded {
            return None;
        }
        // Arguments are evaluated first, whatever the variable's value (as envsubst does).
        let args: Vec<Option<String>> = f.args.iter().map(|a| self.value(a)).collect();
        if self.exceeded {
            return None;
        }
        let value = match self.vars.values.get(&f.param) {
            Some(Some(v)) if !self.charge(v.len()) => return None,
            Some(Some(v)) => v.clone(),
            Some(None) => {
                self.unknown.push(f.param.clone());
                return None;
            }
            None if is_default_op(&f.name) => String::new(),
            None => {
                self.unset.push(VarUse {
                    name: f.param.clone(),
                    range: f.range.clone(),
                });
                return None;
            }
        };
        match apply_func(&f.name, value, &args, self.left) {
            Ok(Some(result)) => self.charge(result.len()).then_some(result),
            Ok(None) => None,
            Err(TooLarge) => {
                self.exceeded = true;
                None
            }
        }
    }
}

/// A function result would be larger than what is left of the budget.
struct TooLarge;

/// Work a glob may take (pattern length × text length) before its result counts as unknown.
const MAX_GLOB_WORK: usize = 10_000_000;

/// fluxcd/pkg `envsubst/funcs.go`, by operator name.
///
/// `Ok(None)`: not known offline (or too costly to work out); `Err`: the result would take
/// more than `limit` bytes.
fn apply_func(
    name: &str,
    s: String,
    args: &[Option<String>],
    limit: usize,
) -> Result<Option<String>, TooLarge> {
    let known = |i: usize| args.get(i).cloned().flatten();
    let all_known = || args.iter().cloned().collect::<Option<Vec<String>>>();
    // A replacement repeats `to` once per match of `from` (between every character when
    // `from` is empty): its size is known before it is built.
    let replaced_len = |from: &str, to: &str, count: usize| {
        let matches = if from.is_empty() {
            s.chars().count() + 1
        } else {
            s.matches(from).count()
        }
        .min(count);
        s.len()
            .saturating_add(matches.saturating_mul(to.len()))
            .saturating_sub(matches.saturating_mul(from.len()))
    };
    if matches!(name, "/" | "//")
        && let Some(args) = all_known()
        && let [from, to, ..] = args.as_slice()
        && replaced_len(from, to, if name == "/" { 1 } else { usize::MAX }) > limit
    {
        return Err(TooLarge);
    }
    if name.is_empty() || is_default_op(name) {
        let total: usize = args.iter().flatten().map(String::len).sum();
        if total > limit {
            return Err(TooLarge);
        }
    }
    let result = || -> Option<String> {
        Some(match name {
            "," => first_mapped(&s, char::to_lowercase),
            ",," => s.to_lowercase(),
            "^" => first_mapped(&s, char::to_uppercase),
            "^^" => s.to_uppercase(),
            "#" if args.is_empty() => s.len().to_string(),
            "#" => trim_prefix(&s, &known(0)?, false)?,
            "##" => trim_prefix(&s, &known(0)?, true)?,
            "%" => trim_suffix(&s, &known(0)?, false)?,
            "%%" => trim_suffix(&s, &known(0)?, true)?,
            ":" => substr(&s, &all_known()?),
            "/" | "//" => {
                let args = all_known()?;
                let count = if name == "/" { 1 } else { usize::MAX };
                match args.as_slice() {
                    [] => s.clone(),
                    [from] => s.replacen(from.as_str(), "", count),
                    [from, to, ..] => s.replacen(from.as_str(), to, count),
                }
            }
            "/#" => match all_known()?.as_slice() {
                [from, to] if s.starts_with(from.as_str()) => s.replacen(from.as_str(), to, 1),
                _ => s.clone(),
            },
            "/%" => match all_known()?.as_slice() {
                [from, to] => match s.strip_suffix(from.as_str()) {
                    Some(rest) => format!("{rest}{to}"),
                    None => s.clone(),
                },
                _ => s.clone(),
            },
            _ => {
                if s.is_empty() && !args.is_empty() {
                    all_known()?.concat()
                } else {
                    s.clone()
                }
            }
        })
    };
    Ok(result())
}

fn first_mapped<I: Iterator<Item = char>>(s: &str, f: impl Fn(char) -> I) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => f(c).chain(chars).collect(),
        None => String::new(),
    }
}

fn substr(s: &str, args: &[String]) -> String {
    let Some(Ok(mut pos)) = args.first().map(|a| a.trim().parse::<i64>()) else {
        return s.to_string();
    };
    let len = s.len() as i64;
    if pos < 0 {
        pos = (len + pos).max(0);
    }
    let slice = |from: i64, to: i64| {
        s.get(from as usize..to as usize)
            .unwrap_or_default()
            .to_string()
    };
    let Some(length) = args.get(1) else {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    };
    let Ok(length) = length.trim().parse::<i64>() else {
        return s.to_string();
    };
    if length < 0 {
        let end = len + length;
        return if end < pos {
            String::new()
        } else {
            slice(pos, end)
        };
    }
    if pos + length >= len {
        return if pos < len {
            slice(pos, len)
        } else {
            String::new()
        };
    }
    slice(pos, pos + length)
}

/// Removes the shortest (or longest) prefix matching a glob (`*`, `?`). `None` when the
/// pattern and text are too long to match within [`MAX_GLOB_WORK`].
fn trim_prefix(s: &str, pattern: &str, longest: bool) -> Option<String> {
    let text: Vec<char> = s.chars().collect();
    let pattern: Vec<char> = pattern.chars().collect();
    let matches = glob_prefixes(&pattern, &text)?;
    let mut lengths = (1..=text.len()).filter(|&n| matches[n]);
    let cut = if longest {
        lengths.next_back()
    } else {
        lengths.next()
    };
    Some(match cut {
        Some(n) => text[n..].iter().collect(),
        None => s.to_string(),
    })
}

/// Removes the shortest (or longest) suffix matching a glob: a prefix of the reversed text,
/// since `*`, `?` and literal characters match the same way backwards.
fn trim_suffix(s: &str, pattern: &str, longest: bool) -> Option<String> {
    let text: Vec<char> = s.chars().rev().collect();
    let pattern: Vec<char> = pattern.chars().rev().collect();
    let matches = glob_prefixes(&pattern, &text)?;
    let mut lengths = (1..=text.len()).filter(|&n| matches[n]);
    let cut = if longest {
        lengths.next_back()
    } else {
        lengths.next()
    };
    Some(match cut {
        Some(n) => text[n..].iter().rev().collect(),
        None => s.to_string(),
    })
}

/// For every prefix length n of `text`, whether `pattern` matches `text[..n]`: one dynamic
/// programme over (pattern, text) for all prefixes at once.
fn glob_prefixes(pattern: &[char], text: &[char]) -> Option<Vec<bool>> {
    if pattern.len().saturating_mul(text.len()) > MAX_GLOB_WORK {
        return None;
    }
    let mut row = vec![false; text.len() + 1];
    row[0] = true;
    for pc in pattern {
        let mut next = vec![false; text.len() + 1];
        if *pc == '*' {
            let mut any = false;
            for j in 0..=text.len() {
                any |= row[j];
                next[j] = any;
            }
        } else {
            for j in 1..=text.len() {
                next[j] = row[j - 1] && (*pc == '?' || *pc == text[j - 1]);
            }
        }
        row = next;
    }
    Some(row)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        /// The plain fast path gives what the parser gives, whenever it answers.
        #[test]
        fn plain_substitution_agrees_with_the_parser(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec![
                    "${", "}", "$", "$$", "A", "B", "UNKNOWN", "_", "x", "é", ":-", ":=", "=", "-", "/", " ", "${A}", "${B}", "${NOPE}", "${UNKNOWN}", "${A:=d}", "${B:-d}", "${NOPE:=}", "${UNKNOWN:-x}",
                ]),
                0..12,
            ),
            limit in proptest::prop_oneof![0usize..64, proptest::strategy::Just(MAX_SUBSTITUTED_BYTES)],
        ) {
            let text: String = pieces.concat();
            let mut vars = Vars::default();
            vars.values.insert("A".into(), Some("value-a".into()));
            vars.values.insert("B".into(), Some(String::new()));
            vars.values.insert("UNKNOWN".into(), None);
            if let Some(plain) = vars.substitute_plain(&text, limit) {
                proptest::prop_assert_eq!(Some(plain), vars.substitute_parsed(&text, limit), "{}", text);
            }
        }
    }

    #[test]
    fn plain_substitution_takes_the_common_forms_only() {
        let mut vars = Vars::default();
        vars.values.insert("APP".into(), Some("web".into()));
        let plain = |t: &str| vars.substitute_plain(t, MAX_SUBSTITUTED_BYTES);
        assert_eq!(plain("${APP}-${APP}.svc").unwrap().text, "web-web.svc");
        assert_eq!(plain("no dollar").unwrap().text, "no dollar");
        let unset = plain("x-${NOPE}").unwrap();
        assert_eq!(unset.text, "x-${NOPE}");
        assert_eq!(unset.unset[0].range, 2..9);
        assert_eq!(plain("${APP:=x}/${NOPE:-5Gi}").unwrap().text, "web/5Gi");
        for other in [
            "$${APP}",
            "${APP:+x}",
            "${APP:-$x}",
            "$APP",
            "${}",
            "${APP",
            "${ APP}",
            "${APP^^}",
        ] {
            assert!(plain(other).is_none(), "{other}");
        }
        // Three bytes charged per value byte, as the parser does: "web" needs 9.
        assert!(vars.substitute_plain("${APP}", 8).is_none());
        assert!(vars.substitute_plain("${APP}", 9).is_some());
    }

    /// Brute force: the glob tried on every prefix (or suffix) separately.
    fn trim_slowly(s: &str, pattern: &str, longest: bool, prefix: bool) -> String {
        let glob = |text: &str| {
            let t: Vec<char> = text.chars().collect();
            let p: Vec<char> = pattern.chars().collect();
            glob_prefixes(&p, &t).expect("small")[t.len()]
        };
        let cuts: Vec<usize> = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).collect();
        if prefix {
            let matching = cuts.iter().filter(|&&i| i > 0 && glob(&s[..i]));
            let cut = if longest {
                matching.max()
            } else {
                matching.min()
            };
            cut.map_or_else(|| s.to_string(), |&i| s[i..].to_string())
        } else {
            let matching = cuts.iter().filter(|&&i| i < s.len() && glob(&s[i..]));
            let cut = if longest {
                matching.min()
            } else {
                matching.max()
            };
            cut.map_or_else(|| s.to_string(), |&i| s[..i].to_string())
        }
    }

    #[test]
    fn trims_match_trying_every_prefix_and_suffix() {
        let texts = ["", "a", "abcabc", "aaa", "héllo-wörld", "x.y.z", "ab*?"];
        let patterns = [
            "", "*", "a", "a*", "*c", "?", "??", "*.", ".*", "*a*", "h?l*", "b*?",
        ];
        for s in texts {
            for p in patterns {
                for longest in [false, true] {
                    assert_eq!(
                        trim_prefix(s, p, longest).as_deref(),
                        Some(trim_slowly(s, p, longest, true).as_str()),
                        "prefix {p:?} of {s:?}, longest {longest}"
                    );
                    assert_eq!(
                        trim_suffix(s, p, longest).as_deref(),
                        Some(trim_slowly(s, p, longest, false).as_str()),
                        "suffix {p:?} of {s:?}, longest {longest}"
                    );
                }
            }
        }
    }

    fn tree(text: &str) -> Node {
        let (docs, errors) = crate::source::yaml::parse(FileId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        (*docs[0].root.clone().expect("a tree")).clone()
    }

    #[test]
    fn a_copy_of_a_tree_without_dollar_is_looked_into_only_where_it_changed() {
        let original = tree("a: {b: [x, y], c: z}\nd: [1, 2]\n");
        assert!(!has_dollar_beside(&original.clone(), &original));

        // A value set deep down: the maps on its path are copies, the rest is shared.
        let mut deep = original.clone();
        let b = deep.get_mut("a").and_then(|a| a.get_mut("b")).expect("a.b");
        let Value::Seq(items) = &mut b.value else {
            panic!("a list")
        };
        Arc::make_mut(items)[1] = Node::scalar("${Y}", original.span);
        assert!(has_dollar_beside(&deep, &original));

        // Changes without `$` anywhere: looked into, nothing found.
        let mut renamed = original.clone();
        *renamed.get_mut("d").expect("d") = Node::scalar("plain", original.span);
        assert!(!has_dollar_beside(&renamed, &original));

        // An entry put first shifts every position: compared with the wrong neighbours, the
        // copy is looked into further, and a `$` after the shift is still found.
        let shifted = |value: &str| {
            let Value::Map(entries) = &original.value else {
                panic!("a map")
            };
            let mut entries = entries.to_vec();
            entries.insert(
                0,
                (
                    Node::scalar("first", original.span),
                    Node::scalar("one", original.span),
                ),
            );
            entries.push((Node::scalar("last", original.span), tree(value)));
            Node::new(original.span, Value::map(entries))
        };
        assert!(!has_dollar_beside(&shifted("[p, q]"), &original));
        assert!(has_dollar_beside(&shifted("[p, {q: $r}]"), &original));
    }

    #[test]
    fn bounded_substitution() {
        let mut vars = Vars::default();
        vars.values.insert("X".into(), Some("a".repeat(1_000)));
        // A replacement that would repeat X once per character of X.
        assert!(vars.substitute_within("${X//a/${X}}", 100_000).is_none());
        assert_eq!(vars.substitute("${X//a/${X}}").text.len(), 1_000_000);
        // Nested 65 levels: a syntax error, not a stack overflow.
        let deep = format!("{}x{}", "${A:-".repeat(65), "}".repeat(65));
        assert_eq!(
            vars.substitute(&deep).error.map(|e| e.message),
            Some(NESTED_TOO_DEEPLY)
        );
        let ok = format!("{}x{}", "${A:-".repeat(64), "}".repeat(64));
        assert_eq!(vars.substitute(&ok).text, "x");
    }

    #[test]
    fn substitution_copies_only_the_changed_paths() {
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  labels: {team: core}\ndata:\n  cluster: ${CLUSTER}\n  fixed: x\n";
        let (docs, errors) = crate::source::yaml::parse(crate::source::FileId(0), text);
        assert!(errors.is_empty());
        let root = docs[0].root.clone().unwrap();
        let mut obj = crate::kustomize::object_from_shared(&root)
            .unwrap()
            .unwrap();
        let mut budget = usize::MAX;
        assert!(apply_within(&mut obj, &vars(), &mut budget, true));
        assert_eq!(obj.body.str_at(&["data", "cluster"]), Some("prod"));
        assert_eq!(obj.body.str_at(&["data", "fixed"]), Some("x"));
        // The build's own tree is untouched, and `metadata` is still the build's.
        assert_eq!(root.str_at(&["data", "cluster"]), Some("${CLUSTER}"));
        let metadata = |node: &Node| match &node.get("metadata").unwrap().value {
            Value::Map(entries) => Arc::as_ptr(entries),
            _ => unreachable!(),
        };
        assert_eq!(metadata(&obj.body), metadata(&root));

        // Out of budget at the second string: the first is substituted, the second is not.
        let text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\ndata:\n  a: ${CLUSTER}\n  b: ${LONG}\n";
        let (docs, _) = crate::source::yaml::parse(crate::source::FileId(0), text);
        let mut obj = crate::kustomize::object_from_shared(docs[0].root.as_ref().unwrap())
            .unwrap()
            .unwrap();
        let mut long = vars();
        long.values.insert("LONG".into(), Some("x".repeat(1_000)));
        let mut budget = 100;
        assert!(!apply_within(&mut obj, &long, &mut budget, true));
        assert_eq!(obj.body.str_at(&["data", "a"]), Some("prod"));
        assert_eq!(obj.body.str_at(&["data", "b"]), Some("${LONG}"));
    }

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.values.insert("CLUSTER".into(), Some("prod".into()));
        v.values.insert("APP".into(), Some("web".into()));
        v.values.insert("EMPTY".into(), Some(String::new()));
        v.values.insert("TOKEN".into(), None);
        v
    }

    fn unset(text: &str) -> Vec<(String, &str)> {
        vars()
            .substitute(text)
            .unset
            .into_iter()
            .map(|u| {
                let range = u.range.clone();
                (u.name, &text[range])
            })
            .collect()
    }

    #[test]
    fn braced_forms_defaults_and_escapes() {
        let v = vars();
        assert_eq!(v.substitute("./k/${CLUSTER}/apps").text, "./k/prod/apps");
        assert_eq!(v.substitute("${NOPE:=web}-db").text, "web-db");
        assert_eq!(v.substitute("${NOPE:-x}").text, "x");
        assert_eq!(v.substitute("${EMPTY:-x}").text, "x");
        assert_eq!(
            v.substitute("$CLUSTER and $${CLUSTER}").text,
            "$CLUSTER and ${CLUSTER}"
        );
        let s = v.substitute("${MISSING}-${TOKEN}");
        assert_eq!(s.text, "${MISSING}-${TOKEN}");
        assert_eq!(s.unset.len(), 1);
        assert_eq!(s.unset[0].name, "MISSING");
        assert_eq!(s.unknown, vec!["TOKEN"]);
    }

    #[test]
    fn nested_defaults_evaluate_their_arguments() {
        let v = vars();
        assert_eq!(v.substitute("${CLAIM:-${APP}}").text, "web");
        assert_eq!(v.substitute("${CLUSTER:-${APP}}-x").text, "prod-x");
        // envsubst evaluates the default before looking at the variable.
        assert_eq!(
            unset("${CLUSTER:-${NOPE}}"),
            vec![("NOPE".into(), "${NOPE}")]
        );
        assert!(unset("${A:-${B:-c}}").is_empty());
        assert_eq!(v.substitute("${A:-${B:-c}}").text, "c");
        assert_eq!(v.substitute("${A:=${APP}-${CLUSTER}}").text, "web-prod");
    }

    #[test]
    fn functions() {
        let v = vars();
        assert_eq!(v.substitute("${APP^^}").text, "WEB");
        assert_eq!(v.substitute("${APP^}").text, "Web");
        assert_eq!(v.substitute("${#CLUSTER}").text, "4");
        assert_eq!(v.substitute("${CLUSTER:1:2}").text, "ro");
        assert_eq!(v.substitute("${CLUSTER/o/0}").text, "pr0d");
        assert_eq!(v.substitute("${CLUSTER#p*}").text, "rod");
        assert_eq!(v.substitute("${CLUSTER%%o*}").text, "pr");
        // Operators that read the value are strict.
        assert_eq!(unset("a ${NOPE^^} b"), vec![("NOPE".into(), "${NOPE^^}")]);
        assert_eq!(unset("${#NOPE}"), vec![("NOPE".into(), "${#NOPE}")]);
        assert!(unset("${NOPE:+set}").is_empty());
    }

    #[test]
    fn syntax_errors_fail_the_text() {
        let v = vars();
        for (text, message, at) in [
            ("a ${b c}", MISSING_CLOSING_BRACE, 2),
            ("${A-x}", MISSING_CLOSING_BRACE, 0),
            ("x ${unclosed", MISSING_CLOSING_BRACE, 2),
            ("${}", PARSE_VARIABLE_NAME, 0),
            ("${arr[@]}", MISSING_CLOSING_BRACE, 0),
            ("${A:-${B c}}", MISSING_CLOSING_BRACE, 5),
        ] {
            let s = v.substitute(text);
            assert_eq!(s.error, Some(SyntaxError { message, at }), "{text}");
            assert_eq!(s.text, text);
        }
        // `$$` escapes, `$x` and `$(cmd)` are plain text.
        assert_eq!(v.substitute("$$ $x $(date) $1").text, "$ $x $(date) $1");
    }

    #[test]
    fn names() {
        assert!(is_valid_name("CLUSTER_NAME"));
        assert!(is_valid_name("_x1"));
        assert!(!is_valid_name("cluster-name"));
        assert!(!is_valid_name("1x"));
        assert!(!is_valid_name(""));
    }
}
