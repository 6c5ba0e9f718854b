//! A light YAML tree with byte spans, built from parse events (`TreeEvent`): those of the
//! fast scanner (`yaml_fast`) where it reads the file, `saphyr-parser`'s otherwise.
//!
//! Only this file knows the YAML crate (`yaml_fast` emits `TreeEvent`s of its own). saphyr reports character indices; every
//! span stored here is a byte offset into the file text, so labels land on the right line.
//! Aliases are expanded with a node budget and nesting is bounded, so a hostile file becomes
//! an error, never a hang or a stack overflow.

use std::borrow::Cow;
use std::sync::Arc;

use compact_str::CompactString;
use saphyr_parser::{Event, Parser, ScalarStyle};

use super::{FileId, Span};

type HashMap<K, V> = foldhash::HashMap<K, V>;

/// Deepest nesting accepted; kustomize's own YAML library gives up long before this.
pub const MAX_DEPTH: usize = 256;
/// The key whose value is never built into a tree: CRD validation schemas.
pub const SKIPPED_KEY: &str = "openAPIV3Schema";
/// Nodes that alias expansion may create per file (a "billion laughs" file stops here).
pub const MAX_ALIAS_NODES: usize = 100_000;
/// Scalar bytes that alias expansion may copy per file: a few aliases of one long string must
/// not turn a 1 MB file into gigabytes either.
pub const MAX_ALIAS_BYTES: usize = 16 * 1024 * 1024;

/// What anchors and aliases have copied so far in a file.
#[derive(Default)]
struct AliasBudget {
    nodes: usize,
    bytes: usize,
}

impl AliasBudget {
    /// Charges one copy of `node`; false once a limit is exceeded.
    fn charge(&mut self, node: &Node) -> bool {
        node.walk(&mut |n| {
            self.nodes += 1;
            if let Value::Scalar(text) = &n.value {
                self.bytes += text.len();
            }
        });
        self.nodes <= MAX_ALIAS_NODES && self.bytes <= MAX_ALIAS_BYTES
    }

    fn error(span: Span) -> YamlError {
        YamlError {
            span,
            message: format!(
                "alias expansion exceeds {MAX_ALIAS_NODES} nodes or {MAX_ALIAS_BYTES} bytes (a \"billion laughs\" document?)"
            ),
        }
    }
}

// Parsed trees are most of a large fleet's memory: a node must not grow unnoticed.
#[cfg(target_pointer_width = "64")]
const _: () = assert!(std::mem::size_of::<Node>() == 40);

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub span: Span,
    /// A plain (unquoted) scalar, which may be null, a boolean or a number; quoted ones are
    /// strings. False for collections. Kept here, not in [`Value::Scalar`], so that a value
    /// is one `CompactString` wide and a node 40 bytes, not 48.
    pub plain: bool,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar as written (whether it was quoted is [`Node::plain`]). Most scalars are
    /// short, and a `CompactString` keeps up to 24 bytes inline: no allocation for them,
    /// which is much of the cost of building a tree.
    Scalar(CompactString),
    /// Collections share their children: a copy of a tree (a patched object, a substituted
    /// one) copies only the collections on the paths it changes.
    Seq(Arc<[Node]>),
    Map(Arc<[(Node, Node)]>),
}

impl Value {
    /// A mapping of these entries.
    pub fn map(entries: Vec<(Node, Node)>) -> Value {
        Value::Map(entries.into())
    }

    /// A sequence of these items.
    pub fn seq(items: Vec<Node>) -> Value {
        Value::Seq(items.into())
    }
}

/// Edits the entries or items of a collection as a vector, to add or remove some: they are
/// copied into a vector, edited and frozen again. The copy is shallow: the children's own
/// collections stay shared. One call per edited collection, not per change.
pub fn edit<T: Clone>(shared: &mut Arc<[T]>, f: impl FnOnce(&mut Vec<T>)) {
    let mut items = shared.to_vec();
    f(&mut items);
    *shared = items.into();
}

/// A YAML problem at a place in a file.
#[derive(Debug, Clone, PartialEq)]
pub struct YamlError {
    pub span: Span,
    pub message: String,
}

/// One document of a multi-document file. `root` is `None` for an empty document. Shared, so
/// that every rendered object of it points at the same tree until a patch changes one.
#[derive(Debug, Clone)]
pub struct Document {
    pub index: usize,
    pub start: u32,
    pub root: Option<std::sync::Arc<Node>>,
    /// Some scalar of `root` (a key or a value) contains `$`. Without one, post-build
    /// substitution has nothing to do in the tree, nor in what shares its collections.
    pub has_dollar: bool,
}

impl Node {
    pub fn is_null(&self) -> bool {
        self.plain && matches!(&self.value, Value::Scalar(text) if is_null_text(text))
    }

    /// The text of a non-null scalar.
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(text) if !(self.plain && is_null_text(text)) => Some(text),
            _ => None,
        }
    }

    /// A boolean, read leniently: Flux users write `prune: yes` and Go's YAML 1.1 accepts it.
    pub fn as_bool(&self) -> Option<bool> {
        match &self.value {
            Value::Scalar(text) if self.plain => match text.as_str() {
                "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => Some(true),
                "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
                    Some(false)
                }
                _ => None,
            },
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Node]> {
        match &self.value {
            Value::Seq(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_map(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }

    /// The value under `key` in a mapping.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.get_entry(key).map(|(_, v)| v)
    }

    /// The key node and value node under `key` in a mapping.
    pub fn get_entry(&self, key: &str) -> Option<(&Node, &Node)> {
        let entries = self.as_map()?;
        // Keys are looked up by the million: a key that cannot read as null is compared as
        // text, without asking each key of the mapping whether it is null.
        let found = if is_null_text(key) {
            entries.iter().rev().find(|(k, _)| k.as_str() == Some(key))
        } else {
            entries
                .iter()
                .rev()
                .find(|(k, _)| matches!(&k.value, Value::Scalar(text) if text == key))
        };
        found.map(|(k, v)| (k, v))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => Arc::make_mut(entries)
                .iter_mut()
                .rev()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// Follows a path of mapping keys.
    pub fn path(&self, keys: &[&str]) -> Option<&Node> {
        keys.iter().try_fold(self, |node, key| node.get(key))
    }

    /// Text of the scalar at a path of mapping keys.
    pub fn str_at(&self, keys: &[&str]) -> Option<&str> {
        self.path(keys)?.as_str()
    }

    pub fn scalar(text: impl Into<CompactString>, span: Span) -> Node {
        Node {
            span,
            plain: false,
            value: Value::Scalar(text.into()),
        }
    }

    /// A collection (or a quoted scalar) at `span`.
    pub fn new(span: Span, value: Value) -> Node {
        Node {
            span,
            plain: false,
            value,
        }
    }

    /// Equal values, wherever they were written (spans are not compared).
    pub fn same_content(&self, other: &Node) -> bool {
        match (&self.value, &other.value) {
            (Value::Scalar(a), Value::Scalar(b)) => a == b,
            (Value::Seq(a), Value::Seq(b)) => {
                a.len() == b.len() && a.iter().zip(b.iter()).all(|(x, y)| x.same_content(y))
            }
            (Value::Map(a), Value::Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b.iter())
                        .all(|((ka, va), (kb, vb))| ka.same_content(kb) && va.same_content(vb))
            }
            _ => false,
        }
    }

    /// Calls `f` on every node, parents before children.
    pub fn walk(&self, f: &mut dyn FnMut(&Node)) {
        // Room for a typical object's pending nodes: grown only for wide or deep ones.
        let mut stack = Vec::with_capacity(64);
        stack.push(self);
        while let Some(node) = stack.pop() {
            f(node);
            match &node.value {
                Value::Scalar(_) => {}
                Value::Seq(items) => stack.extend(items.iter().rev()),
                Value::Map(entries) => {
                    for (k, v) in entries.iter().rev() {
                        stack.push(v);
                        stack.push(k);
                    }
                }
            }
        }
    }
}

fn is_null_text(text: &str) -> bool {
    matches!(text, "" | "~" | "null" | "Null" | "NULL")
}

/// `openAPIV3Schema:` bodies removed from a text before parsing, and the map back.
struct SchemaCuts {
    /// The text without the schema bodies, when something was cut.
    text: Option<String>,
    /// (byte offset in the cut text where a cut was made, bytes removed up to there)
    points: Vec<(u32, u32)>,
    /// A schema holds `${`: it is kept whole, and built, because post-build substitution
    /// reads it.
    keep_vars: bool,
}

impl SchemaCuts {
    fn find(text: &str) -> SchemaCuts {
        let mut cuts = SchemaCuts {
            text: None,
            points: Vec::new(),
            keep_vars: false,
        };
        // Every file is asked: the searcher is built once per run.
        static SKIPPED: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
            std::sync::LazyLock::new(|| memchr::memmem::Finder::new(SKIPPED_KEY));
        if SKIPPED.find(text.as_bytes()).is_none() {
            return cuts;
        }
        // (start, end) byte ranges of schema bodies: the lines after a block-style
        // `openAPIV3Schema:` key that are blank, comments, or indented deeper than the key.
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        let mut open: Option<(usize, usize)> = None; // (key column, body start)
        let mut at = 0;
        // Lines found with memchr: these files are the multi-megabyte CRD bundles.
        let lines = memchr::memchr_iter(b'\n', text.as_bytes())
            .map(|i| i + 1)
            .chain((!text.ends_with('\n')).then_some(text.len()))
            .scan(0, |start, end| {
                let line = &text[*start..end];
                *start = end;
                Some(line)
            });
        for line in lines {
            let content = line.trim_end_matches(['\n', '\r']);
            let indent = content.len() - content.trim_start_matches(' ').len();
            let rest = &content[indent..];
            if let Some((column, start)) = open {
                let blank = rest.is_empty() || rest.starts_with('#');
                if !blank && indent <= column {
                    if at > start {
                        ranges.push((start, at));
                    }
                    open = None;
                }
            }
            if open.is_none() {
                // `openAPIV3Schema:` alone on its line, possibly after `- ` sequence markers.
                let key = rest.trim_start_matches(['-', ' ']);
                let column = content.len() - key.len();
                if let Some(after) = key.strip_prefix("openAPIV3Schema:")
                    && (after.trim().is_empty() || after.trim_start().starts_with('#'))
                {
                    open = Some((column, at + line.len()));
                }
            }
            at += line.len();
        }
        if let Some((_, start)) = open
            && text.len() > start
        {
            ranges.push((start, text.len()));
        }
        // A schema holding `${` stays: post-build substitution reads it. The others go (the
        // Kustomization CRD of a `gotk-components.yaml` mentions `${var:=default}`; the other
        // CRDs of the file do not).
        let before = ranges.len();
        ranges.retain(|&(a, b)| memchr::memmem::find(&text.as_bytes()[a..b], b"${").is_none());
        cuts.keep_vars = ranges.len() < before;
        if ranges.is_empty() {
            return cuts;
        }
        let mut kept = String::with_capacity(text.len());
        let mut removed = 0u32;
        let mut from = 0;
        for (start, end) in ranges {
            kept.push_str(&text[from..start]);
            removed += (end - start) as u32;
            cuts.points.push((kept.len() as u32, removed));
            from = end;
        }
        kept.push_str(&text[from..]);
        cuts.text = Some(kept);
        cuts
    }

    /// The offset in the original text of an offset in the text that was parsed.
    fn original(&self, offset: u32) -> u32 {
        if self.points.is_empty() {
            return offset; // nothing was cut: the usual file
        }
        let i = self.points.partition_point(|&(at, _)| at <= offset);
        if i == 0 {
            offset
        } else {
            offset + self.points[i - 1].1
        }
    }
}

/// Maps saphyr's character indices to byte offsets. Only non-ASCII characters are recorded,
/// so an ASCII file costs nothing.
struct CharToByte {
    /// (char index after a multi-byte char, extra bytes so far)
    points: Vec<(usize, usize)>,
    /// The text's length: saphyr may place an error marker past the end of the input.
    len: usize,
}

impl CharToByte {
    fn new(text: &str) -> Self {
        let mut points = Vec::new();
        if !text.is_ascii() {
            let mut extra = 0;
            for (char_index, ch) in text.chars().enumerate() {
                let len = ch.len_utf8();
                if len > 1 {
                    extra += len - 1;
                    points.push((char_index + 1, extra));
                }
            }
        }
        CharToByte {
            points,
            len: text.len(),
        }
    }

    fn byte(&self, char_index: usize) -> u32 {
        let i = self.points.partition_point(|&(c, _)| c <= char_index);
        let extra = if i == 0 { 0 } else { self.points[i - 1].1 };
        u32::try_from((char_index + extra).min(self.len)).unwrap_or(u32::MAX)
    }
}

/// A collection being built. Its items (entries) so far are the tail of the builder's one
/// item (entry) stack from `first` on: no vector per collection grows and is copied again.
enum Frame {
    Seq {
        start: u32,
        anchor: usize,
        first: usize,
    },
    Map {
        start: u32,
        anchor: usize,
        first: usize,
        key: Option<Node>,
    },
}

/// Parses every document of a file. Documents before an error are kept; the error is returned
/// beside them so that one broken document does not hide the rest of what was readable.
pub fn parse(file: FileId, original: &str) -> (Vec<Document>, Vec<YamlError>) {
    let (docs, errors, _) = parse_with(file, original, true);
    (docs, errors)
}

/// [`parse`], and how many bytes of CRD schemas the documents leave out (nothing reads them).
pub fn parse_counting_cuts(file: FileId, original: &str) -> (Vec<Document>, Vec<YamlError>, usize) {
    parse_with(file, original, true)
}

/// [`parse`] with saphyr alone: the reference the fast scanner is tested against.
#[cfg(test)]
pub(crate) fn parse_reference(file: FileId, original: &str) -> (Vec<Document>, Vec<YamlError>) {
    let (docs, errors, _) = parse_with(file, original, false);
    (docs, errors)
}

fn parse_with(file: FileId, original: &str, fast: bool) -> (Vec<Document>, Vec<YamlError>, usize) {
    // Block-style CRD schemas are cut out of the text before the parser sees them: they are
    // most of a fleet's bytes and nothing reads them. Positions are mapped back through the
    // cuts, so every span still points into the original text.
    let schemas = SchemaCuts::find(original);
    let text: &str = schemas.text.as_deref().unwrap_or(original);
    let cut = original.len() - text.len();
    let with_cut = |(docs, errors)| (docs, errors, cut);
    // Most files are plain block YAML, which the fast scanner reads with saphyr's events and
    // positions (in bytes already); it declines everything else.
    if let Some(events) = fast.then(|| super::yaml_fast::events(text)).flatten() {
        let len = text.len();
        let located = events.into_iter().map(Ok);
        return with_cut(build(file, original, &schemas, located, |at| {
            at.min(len) as u32
        }));
    }
    let offsets = CharToByte::new(text);
    let located = Parser::new_from_str(text).map(|event| {
        event
            .map(|(event, marker)| {
                (
                    TreeEvent::from(event),
                    marker.start.index(),
                    marker.end.index(),
                )
            })
            .map_err(|err| (err.marker().index(), err.info().to_string()))
    });
    with_cut(build(file, original, &schemas, located, |at| {
        offsets.byte(at)
    }))
}

/// A parse event as the tree builder reads it, from saphyr or from the fast scanner: 40 bytes
/// where saphyr's `Event` takes 88. The fast scanner holds a whole file's events before the
/// tree is built, and each page they fill for the first time costs a page fault.
#[derive(Debug)]
pub(super) enum TreeEvent<'a> {
    DocumentStart,
    DocumentEnd,
    /// The text, whether it was written plain (unquoted, not a block), and its anchor (0: none).
    Scalar(Cow<'a, str>, bool, usize),
    Alias(usize),
    /// With its anchor (0: none).
    SequenceStart(usize),
    MappingStart(usize),
    SequenceEnd,
    MappingEnd,
    /// The stream's start and end: nothing to build.
    Stream,
}

impl<'a> From<Event<'a>> for TreeEvent<'a> {
    fn from(event: Event<'a>) -> Self {
        match event {
            Event::DocumentStart(_) => TreeEvent::DocumentStart,
            Event::DocumentEnd => TreeEvent::DocumentEnd,
            Event::Scalar(text, style, anchor, _) => {
                TreeEvent::Scalar(text, style == ScalarStyle::Plain, anchor)
            }
            Event::Alias(id) => TreeEvent::Alias(id),
            Event::SequenceStart(anchor, _) => TreeEvent::SequenceStart(anchor),
            Event::MappingStart(anchor, _) => TreeEvent::MappingStart(anchor),
            Event::SequenceEnd => TreeEvent::SequenceEnd,
            Event::MappingEnd => TreeEvent::MappingEnd,
            Event::StreamStart | Event::StreamEnd | Event::Nothing => TreeEvent::Stream,
        }
    }
}

/// An event with the start and end of its marker in the parsed text, or a parse error there.
type Located<'a> = Result<(TreeEvent<'a>, usize, usize), (usize, String)>;

/// Builds the documents from a stream of events. `byte` turns a marker position into a byte
/// offset of the parsed text.
fn build<'a>(
    file: FileId,
    original: &str,
    schemas: &SchemaCuts,
    events: impl Iterator<Item = Located<'a>>,
    byte: impl Fn(usize) -> u32,
) -> (Vec<Document>, Vec<YamlError>) {
    // Taken out (a parse within a parse would find it empty), and put back emptied.
    let mut scratch = SCRATCH.with(|s| std::mem::take(&mut *s.borrow_mut()));
    let built = build_in(&mut scratch, file, original, schemas, events, byte);
    if scratch.entries.capacity() <= KEPT_SCRATCH && scratch.items.capacity() <= KEPT_SCRATCH {
        scratch.stack.clear();
        scratch.items.clear();
        scratch.entries.clear();
        SCRATCH.with(|s| *s.borrow_mut() = scratch);
    }
    built
}

/// The work vectors of [`build`]: the open collections, and their items and entries. Kept
/// per thread from one file to the next, as a parse would otherwise grow them from nothing
/// for each of the hundreds of files of a fleet.
#[derive(Default)]
struct Scratch {
    stack: Vec<Frame>,
    items: Vec<Node>,
    entries: Vec<(Node, Node)>,
}

thread_local! {
    static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::new(Scratch::default());
}

/// Items or entries beyond which the work vectors are let go after a file rather than kept:
/// a file with one huge mapping must not hold its thread's memory to the end of the run.
const KEPT_SCRATCH: usize = 4096;

fn build_in<'a>(
    scratch: &mut Scratch,
    file: FileId,
    original: &str,
    schemas: &SchemaCuts,
    events: impl Iterator<Item = Located<'a>>,
    byte: impl Fn(usize) -> u32,
) -> (Vec<Document>, Vec<YamlError>) {
    let span = |start: usize, end: usize| Span {
        file,
        start: schemas.original(byte(start)),
        end: schemas.original(byte(end)),
    };
    let mut docs = Vec::new();
    let mut errors = Vec::new();
    let Scratch {
        stack,
        // The items and entries of the open collections, innermost last (see `Frame`).
        items,
        entries,
    } = scratch;
    let mut anchors: HashMap<usize, Node> = HashMap::default();
    let mut budget = AliasBudget::default();
    let mut doc_start = 0u32;
    let mut doc_root: Option<Node> = None;
    let mut doc_dollar = false;

    // Inside a CRD's `openAPIV3Schema` (most of the bytes of a fleet, and nothing fleetlint
    // reads): events are consumed without building nodes. (nesting, start, anchor)
    let mut skipping: Option<(usize, u32, usize)> = None;

    for event in events {
        let (event, start, end) = match event {
            Ok(located) => located,
            Err((at, message)) => {
                errors.push(YamlError {
                    span: span(at, at),
                    message,
                });
                return (docs, errors);
            }
        };
        if let Some((nesting, skip_start, skip_anchor)) = &mut skipping {
            match &event {
                TreeEvent::SequenceStart(anchor) | TreeEvent::MappingStart(anchor) => {
                    *nesting += 1;
                    if *anchor > 0 {
                        anchors.insert(*anchor, Node::scalar("", span(start, end)));
                    }
                    continue;
                }
                TreeEvent::Scalar(_, _, anchor) => {
                    if *anchor > 0 {
                        anchors.insert(*anchor, Node::scalar("", span(start, end)));
                    }
                    continue;
                }
                TreeEvent::SequenceEnd | TreeEvent::MappingEnd if *nesting > 1 => {
                    *nesting -= 1;
                    continue;
                }
                TreeEvent::SequenceEnd | TreeEvent::MappingEnd => {}
                _ => continue,
            }
            let placeholder = Node::new(
                Span {
                    file,
                    start: *skip_start,
                    end: schemas.original(byte(end)),
                },
                Value::map(Vec::new()),
            );
            if *skip_anchor > 0 {
                anchors.insert(*skip_anchor, placeholder.clone());
            }
            skipping = None;
            if let Some(Frame::Map { key, .. }) = stack.last_mut()
                && let Some(k) = key.take()
            {
                entries.push((k, placeholder));
            }
            continue;
        }
        let complete: Node = match event {
            TreeEvent::DocumentStart => {
                doc_start = schemas.original(byte(start));
                doc_root = None;
                doc_dollar = false;
                anchors.clear();
                continue;
            }
            TreeEvent::DocumentEnd => {
                docs.push(Document {
                    index: docs.len(),
                    start: doc_start,
                    root: doc_root
                        .take()
                        .filter(|n| !n.is_null())
                        .map(std::sync::Arc::new),
                    has_dollar: doc_dollar,
                });
                continue;
            }
            TreeEvent::Scalar(text, plain, anchor) => {
                doc_dollar |= memchr::memchr(b'$', text.as_bytes()).is_some();
                let node = Node {
                    span: span(start, end),
                    plain,
                    value: Value::Scalar(CompactString::from(text)),
                };
                if anchor > 0 {
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            TreeEvent::Alias(id) => {
                let Some(target) = anchors.get(&id) else {
                    errors.push(YamlError {
                        span: span(start, end),
                        message: "alias to an unknown anchor".into(),
                    });
                    return (docs, errors);
                };
                if !budget.charge(target) {
                    errors.push(AliasBudget::error(span(start, end)));
                    return (docs, errors);
                }
                target.clone()
            }
            TreeEvent::SequenceStart(anchor) | TreeEvent::MappingStart(anchor) => {
                // A `${VAR}` in a schema matters to post-build substitution: then it is built.
                if let Some(Frame::Map { key: Some(k), .. }) = stack.last()
                    && k.as_str() == Some(SKIPPED_KEY)
                    && !schemas.keep_vars
                {
                    skipping = Some((1, schemas.original(byte(start)), anchor));
                    continue;
                }
                if stack.len() >= MAX_DEPTH {
                    errors.push(YamlError {
                        span: span(start, end),
                        message: format!("nesting deeper than {MAX_DEPTH} levels"),
                    });
                    return (docs, errors);
                }
                let start = schemas.original(byte(start));
                stack.push(if matches!(event, TreeEvent::SequenceStart(..)) {
                    Frame::Seq {
                        start,
                        anchor,
                        first: items.len(),
                    }
                } else {
                    Frame::Map {
                        start,
                        anchor,
                        first: entries.len(),
                        key: None,
                    }
                });
                continue;
            }
            TreeEvent::SequenceEnd | TreeEvent::MappingEnd => {
                let end = schemas.original(byte(end));
                let (node, anchor) = match stack.pop() {
                    Some(Frame::Seq {
                        start,
                        anchor,
                        first,
                    }) => (
                        Node::new(
                            Span { file, start, end },
                            Value::Seq(items.drain(first..).collect()),
                        ),
                        anchor,
                    ),
                    Some(Frame::Map {
                        start,
                        anchor,
                        first,
                        ..
                    }) => (
                        Node::new(
                            Span { file, start, end },
                            finish_map(entries, first, original, &mut errors),
                        ),
                        anchor,
                    ),
                    None => continue,
                };
                if anchor > 0 {
                    // Anchors nested in anchors copy their content once per level.
                    if !budget.charge(&node) {
                        errors.push(AliasBudget::error(node.span));
                        return (docs, errors);
                    }
                    anchors.insert(anchor, node.clone());
                }
                node
            }
            TreeEvent::Stream => continue,
        };
        match stack.last_mut() {
            None => doc_root = Some(complete),
            Some(Frame::Seq { .. }) => items.push(complete),
            Some(Frame::Map { key, .. }) => match key.take() {
                None => *key = Some(complete),
                Some(k) => entries.push((k, complete)),
            },
        }
    }
    (docs, errors)
}

/// Problems reported per file beyond the first fatal one; a file with a million duplicate keys
/// says so a few times, not a million.
const MAX_ERRORS: usize = 16;

/// Applies merge keys (`<<`) and reports duplicate keys and keys that are not scalars, which
/// Kubernetes' YAML library (YAML → JSON) rejects. Linear in the size of the mapping.
/// The mapping is the entries from `first` on, which are taken off the stack.
fn finish_map(
    stack: &mut Vec<(Node, Node)>,
    first: usize,
    text: &str,
    errors: &mut Vec<YamlError>,
) -> Value {
    let is_merge =
        |key: &Node| key.plain && matches!(&key.value, Value::Scalar(text) if text == "<<");
    if !stack[first..].iter().any(|(key, _)| is_merge(key)) {
        // The usual mapping: checked where it is, and moved once into its final place.
        check_keys(&stack[first..], text, errors);
        return Value::Map(stack.drain(first..).collect());
    }
    let entries: Vec<(Node, Node)> = stack.drain(first..).collect();
    let mut report = |error: YamlError| {
        if errors.len() < MAX_ERRORS {
            errors.push(error);
        }
    };
    let mut out: Vec<(Node, Node)> = Vec::with_capacity(entries.len());
    let mut merged: Vec<(Node, Node)> = Vec::new();
    // Where each key was first seen; a map, so that a mapping with thousands of keys stays
    // linear.
    let mut seen: HashMap<CompactString, u32> =
        HashMap::with_capacity_and_hasher(entries.len(), Default::default());
    for (key, value) in entries {
        if is_merge(&key) {
            match value.value {
                Value::Map(m) => merged.extend(m.iter().cloned()),
                Value::Seq(items) => {
                    for item in items.iter() {
                        if let Value::Map(m) = &item.value {
                            merged.extend(m.iter().cloned());
                        }
                    }
                }
                Value::Scalar(_) => report(YamlError {
                    span: value.span,
                    message: "merge key `<<` needs a mapping".into(),
                }),
            }
            continue;
        }
        match &key.value {
            Value::Scalar(_) => {
                if let Some(name) = key.as_str() {
                    match seen.get(name) {
                        Some(first) => report(YamlError {
                            span: key.span,
                            message: format!(
                                "duplicate key \"{name}\" (first defined on line {})",
                                line_of(text, *first)
                            ),
                        }),
                        None => {
                            seen.insert(CompactString::from(name), key.span.start);
                        }
                    }
                }
            }
            Value::Seq(_) | Value::Map(_) => report(YamlError {
                span: key.span,
                message: "a mapping key must be a scalar: Kubernetes reads YAML as JSON, whose keys are strings".into(),
            }),
        }
        out.push((key, value));
    }
    // Merged keys never override the mapping's own, and earlier merged maps win.
    for (key, value) in merged {
        // Keys written in the mapping win over merged ones, and the first merged one wins.
        let fresh = match key.as_str() {
            Some(name) if seen.contains_key(name) => false,
            Some(name) => {
                seen.insert(CompactString::from(name), key.span.start);
                true
            }
            None => true,
        };
        if fresh {
            out.push((key, value));
        }
    }
    Value::map(out)
}

/// Mappings up to this many keys look for duplicates pairwise: cheaper than hashing them.
const PAIRWISE_KEYS: usize = 12;

/// Reports duplicate keys and keys that are not scalars of a mapping without merge keys, as
/// [`finish_map`] does for one with them.
fn check_keys(entries: &[(Node, Node)], text: &str, errors: &mut Vec<YamlError>) {
    let mut report = |error: YamlError| {
        if errors.len() < MAX_ERRORS {
            errors.push(error);
        }
    };
    let duplicate = |key: &Node, name: &str, first: u32| YamlError {
        span: key.span,
        message: format!(
            "duplicate key \"{name}\" (first defined on line {})",
            line_of(text, first)
        ),
    };
    // Where each key was first seen; a map for large mappings, so that a mapping with
    // thousands of keys stays linear. A small one compares its keys pairwise, each key's
    // name read once (most mappings of a fleet are small).
    let mut seen: HashMap<&str, u32> = HashMap::default();
    let mut names: [Option<&str>; PAIRWISE_KEYS] = [None; PAIRWISE_KEYS];
    for (i, (key, _)) in entries.iter().enumerate() {
        match &key.value {
            Value::Scalar(_) => {
                let Some(name) = key.as_str() else { continue };
                if entries.len() <= PAIRWISE_KEYS {
                    names[i] = Some(name);
                    if let Some(first) = names[..i].iter().position(|n| *n == Some(name)) {
                        report(duplicate(key, name, entries[first].0.span.start));
                    }
                } else {
                    match seen.get(name) {
                        Some(&first) => report(duplicate(key, name, first)),
                        None => {
                            seen.insert(name, key.span.start);
                        }
                    }
                }
            }
            Value::Seq(_) | Value::Map(_) => report(YamlError {
                span: key.span,
                message: "a mapping key must be a scalar: Kubernetes reads YAML as JSON, whose keys are strings".into(),
            }),
        }
    }
}

/// The 1-based line of a byte offset, for messages that name another place in the file.
fn line_of(text: &str, offset: u32) -> usize {
    let end = (offset as usize).min(text.len());
    text.as_bytes()[..end]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tree_event_is_less_than_half_a_saphyr_event() {
        assert!(std::mem::size_of::<TreeEvent>() * 2 < std::mem::size_of::<Event>());
    }

    fn parse_ok(text: &str) -> Vec<Document> {
        let (docs, errors) = parse(FileId(0), text);
        assert!(errors.is_empty(), "{errors:?}");
        docs
    }

    #[test]
    fn keys_are_found_as_text_and_null_keys_are_not() {
        let docs = parse_ok("a: 1\n'null': 2\nnull: 3\n~: 4\n'~': 5\nb: 6\n");
        let root = docs[0].root.as_ref().expect("a mapping");
        let value = |key: &str| root.get(key).and_then(Node::as_str).map(str::to_string);
        assert_eq!(value("a").as_deref(), Some("1"));
        assert_eq!(value("b").as_deref(), Some("6"));
        // Plain `null` and `~` keys are null, not text: only the quoted ones are found.
        assert_eq!(value("null").as_deref(), Some("2"));
        assert_eq!(value("~").as_deref(), Some("5"));
        assert_eq!(value("c"), None);
    }

    #[test]
    fn a_document_has_a_dollar_only_in_its_scalars() {
        let text = "# yaml-language-server: $schema=https://example.com/x.json\na: b\n---\nc: '${X}'\n---\n$key: v\n---\n- [x, \"y$\"]\n";
        let flags: Vec<bool> = parse_ok(text).iter().map(|d| d.has_dollar).collect();
        assert_eq!(flags, [false, true, true, true]);
        // The same answer through saphyr alone (flow style is not the fast scanner's).
        let (reference, _) = parse_reference(FileId(0), text);
        assert_eq!(
            reference.iter().map(|d| d.has_dollar).collect::<Vec<_>>(),
            flags
        );
    }

    #[test]
    fn spans_are_bytes_after_non_ascii_text() {
        let text = "# héllo wörld\na: b\n---\nname: café\nx: target\n";
        let docs = parse_ok(text);
        assert_eq!(docs.len(), 2);
        let x = docs[1].root.as_ref().unwrap().get("x").unwrap();
        assert_eq!(&text[x.span.start as usize..x.span.end as usize], "target");
    }

    #[test]
    fn crlf_and_flow_style() {
        let text = "a: 1\r\nspec: {dependsOn: [{name: x}, {name: \"yy\"}]}\r\n";
        let docs = parse_ok(text);
        let deps = docs[0]
            .root
            .as_ref()
            .unwrap()
            .path(&["spec", "dependsOn"])
            .unwrap();
        let second = deps.as_seq().unwrap()[1].get("name").unwrap();
        assert_eq!(second.as_str(), Some("yy"));
        assert_eq!(
            &text[second.span.start as usize..second.span.end as usize],
            "\"yy\""
        );
    }

    #[test]
    fn empty_documents_keep_their_index() {
        let docs = parse_ok("---\n---\na: 1\n");
        assert_eq!(docs.len(), 2);
        assert!(docs[0].root.is_none());
        assert!(docs[1].root.is_some());
    }

    #[test]
    fn alias_bomb_is_an_error() {
        let mut text = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 {
                "a".to_string()
            } else {
                format!("l{}", i - 1)
            };
            text.push_str(&format!(
                "l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let (_, errors) = parse(FileId(0), &text);
        assert!(errors[0].message.contains("alias expansion"));
    }

    #[test]
    fn deep_nesting_is_an_error() {
        let text = "[".repeat(100_000);
        let (_, errors) = parse(FileId(0), &text);
        assert!(!errors.is_empty());
    }

    #[test]
    fn crd_schemas_are_not_built() {
        // Block style is cut from the text; flow style is skipped while the tree is built.
        for text in [
            "kind: CustomResourceDefinition\nspec:\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          type: object\n          properties: {a: {type: string}}\n      served: true\n",
            "kind: CustomResourceDefinition\nspec:\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema: {type: object, properties: {a: {type: string}}}\n      served: true\n",
        ] {
            let docs = parse_ok(text);
            let version = &docs[0]
                .root
                .as_ref()
                .unwrap()
                .path(&["spec", "versions"])
                .unwrap()
                .as_seq()
                .unwrap()[0];
            let schema = version.path(&["schema", "openAPIV3Schema"]).unwrap();
            assert!(
                schema.is_null() || schema.as_map().is_some_and(<[_]>::is_empty),
                "{schema:?}"
            );
            assert_eq!(version.get("served").and_then(Node::as_bool), Some(true));
        }
    }

    #[test]
    fn schema_bodies_are_cut_and_later_spans_stay_exact() {
        let text = "kind: CustomResourceDefinition\nspec:\n  versions:\n    - name: v1\n      schema:\n        openAPIV3Schema:\n          type: object\n\n          # a comment\n          properties:\n            a: {type: string}\n      served: true\n    - name: v2\n      schema:\n        openAPIV3Schema:\n          type: object\n---\nname: after\n";
        let docs = parse_ok(text);
        let versions = docs[0]
            .root
            .as_ref()
            .unwrap()
            .path(&["spec", "versions"])
            .unwrap();
        let served = versions.as_seq().unwrap()[0].get("served").unwrap();
        assert_eq!(
            &text[served.span.start as usize..served.span.end as usize],
            "true"
        );
        let v2 = versions.as_seq().unwrap()[1].get("name").unwrap();
        assert_eq!(&text[v2.span.start as usize..v2.span.end as usize], "v2");
        let after = docs[1].root.as_ref().unwrap().get("name").unwrap();
        assert_eq!(
            &text[after.span.start as usize..after.span.end as usize],
            "after"
        );
    }

    #[test]
    fn schemas_with_variables_are_kept() {
        let text = "spec:\n  openAPIV3Schema:\n    description: uses ${var}\n";
        let docs = parse_ok(text);
        let schema = docs[0]
            .root
            .as_ref()
            .unwrap()
            .path(&["spec", "openAPIV3Schema"])
            .unwrap();
        assert_eq!(schema.str_at(&["description"]), Some("uses ${var}"));
    }

    #[test]
    fn only_the_schemas_with_variables_are_kept() {
        let text = "spec:\n  openAPIV3Schema:\n    description: plain\n---\nspec:\n  openAPIV3Schema:\n    description: uses ${var}\n---\nkind: After\n";
        let docs = parse_ok(text);
        let schema = |doc: usize| {
            docs[doc]
                .root
                .as_ref()
                .unwrap()
                .path(&["spec", "openAPIV3Schema"])
                .unwrap()
        };
        assert_eq!(schema(0).str_at(&["description"]), None, "cut");
        assert_eq!(schema(1).str_at(&["description"]), Some("uses ${var}"));
        let after = docs[2].root.as_ref().unwrap().get("kind").unwrap();
        assert_eq!(
            &text[after.span.start as usize..after.span.end as usize],
            "After"
        );
    }

    #[test]
    fn merge_keys_and_duplicates() {
        let (docs, errors) = parse(
            FileId(0),
            "base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\nk: 1\nk: 2\n",
        );
        let m = docs[0].root.as_ref().unwrap().get("m").unwrap();
        assert_eq!(m.get("x").and_then(Node::as_str), Some("1"));
        assert_eq!(m.get("y").and_then(Node::as_str), Some("3"));
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "duplicate key \"k\" (first defined on line 5)"
        );
    }
}
