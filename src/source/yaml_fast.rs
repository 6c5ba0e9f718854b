//! A scanner for the plain block YAML that fleets are made of, emitting the events
//! `saphyr-parser` would (as the tree builder's compact `TreeEvent`s), with the marker
//! positions fleetlint's tree reads, several times faster.
//!
//! Parsing is most of a run: nearly every byte of a fleet is YAML, and almost all of it is the
//! same simple dialect (block mappings and sequences, one-line scalars, literal and folded
//! blocks, anchors and aliases, flow collections on one line). This scanner reads that dialect
//! and nothing else: on anything outside it (flow collections over several lines, tags,
//! quoted or plain scalars over several lines, folded blocks with more-indented lines,
//! escapes, tabs, errors of any kind) it returns `None` and the caller parses the file with
//! saphyr. Differential tests hold the trees built from its events (spans included) equal to
//! those built from saphyr's, on every YAML file of the test data and the corpus, and on
//! generated and randomly mutated YAML.
//!
//! The tree reads where each node starts and where scalars and collections end, not where a
//! collection's start marker ends: after `{ ` saphyr's start marker runs over the space, this
//! scanner's does not.
//!
//! Positions are byte offsets (saphyr's are character indices; the two agree on ASCII and the
//! caller maps saphyr's).

use std::borrow::Cow;

use super::yaml::TreeEvent;

/// An event with the start and end of its marker, in bytes.
pub type Marked<'a> = (TreeEvent<'a>, usize, usize);

/// The events of `text`, or `None` when it is not in the dialect this scanner reads.
pub fn events(text: &str) -> Option<Vec<Marked<'_>>> {
    if !plain_characters(text) {
        return None;
    }
    let mut scanner = Scanner {
        text,
        bytes: text.as_bytes(),
        out: Vec::with_capacity(text.len() / 8),
        // Room for the usual nesting: grown only for deeper files.
        stack: Vec::with_capacity(16),
        pending: None,
        scalar_indent: None,
        in_document: false,
        has_root: false,
        anchors: Vec::new(),
        next_anchor: 1,
    };
    scanner.run()?;
    Some(scanner.out)
}

/// No tabs, carriage returns, control characters, byte-order marks or Unicode line breaks:
/// saphyr handles them in ways this scanner does not model.
fn plain_characters(text: &str) -> bool {
    // Whole chunks without early exit: the compiler turns this into vector code.
    let control = |chunk: &[u8]| {
        chunk.iter().fold(false, |bad, &b| {
            bad | ((b < 0x20) & (b != b'\n')) | (b == 0x7f)
        })
    };
    if text.as_bytes().chunks(64).any(control) {
        return false;
    }
    text.is_ascii()
        || !text.chars().any(|c| {
            matches!(
                c,
                '\u{80}'
                    ..='\u{9f}' | '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{fffe}' | '\u{ffff}'
            )
        })
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Map,
    Seq,
}

/// An open block collection: its kind and the column of its keys or dashes.
#[derive(Clone, Copy)]
struct Open {
    kind: Kind,
    indent: usize,
}

struct Scanner<'a> {
    text: &'a str,
    bytes: &'a [u8],
    out: Vec<Marked<'a>>,
    stack: Vec<Open>,
    /// A key whose value has not been seen yet.
    pending: Option<Pending>,
    /// After a one-line scalar value: the indentation of the collection holding it. A later
    /// content line indented deeper would continue it over several lines, which is declined.
    scalar_indent: Option<usize>,
    in_document: bool,
    has_root: bool,
    /// The anchors of the current document, latest last: (name, id). saphyr numbers anchors
    /// from 1 across the whole stream.
    anchors: Vec<(&'a str, usize)>,
    next_anchor: usize,
}

/// A key, or a sequence item's dash, whose value starts on a later line.
#[derive(Clone, Copy)]
struct Pending {
    /// Where a null value is reported: the key's colon, or the end of the dash's line.
    colon: usize,
    /// The column of the key or the dash.
    key_indent: usize,
    /// A dash: a dash in its own column starts the next item, not this item's value.
    item: bool,
    /// `key: &name` with the anchored node below: (position of `&`, anchor id).
    anchor: Option<(usize, usize)>,
}

/// A line: where it starts, where its content starts, and where it ends (before the `\n`).
#[derive(Clone, Copy)]
struct Line {
    start: usize,
    content: usize,
    end: usize,
}

impl Line {
    fn indent(&self) -> usize {
        self.content - self.start
    }
}

fn is_blank_or_end(b: Option<&u8>) -> bool {
    matches!(b, None | Some(b' ' | b'\n'))
}

impl<'a> Scanner<'a> {
    fn line_at(&self, start: usize) -> Line {
        let end = memchr_newline(self.bytes, start);
        let mut content = start;
        while content < end && self.bytes[content] == b' ' {
            content += 1;
        }
        Line {
            start,
            content,
            end,
        }
    }

    fn run(&mut self) -> Option<()> {
        let len = self.bytes.len();
        let mut at = 0;
        while at < len {
            let line = self.line_at(at);
            let next = next_line(self.bytes, line);
            let content = &self.bytes[line.content..line.end];
            if line.indent() == 0 && (content.starts_with(b"---") || content.starts_with(b"...")) {
                if content.starts_with(b"...") || !is_blank_or_end(content.get(3)) {
                    return None;
                }
                // Only a comment may follow a document marker on its line.
                let rest = trim_spaces(&content[3..]);
                if !rest.is_empty() && rest[0] != b'#' {
                    return None;
                }
                self.document_marker(line.start)?;
                at = next;
                continue;
            }
            if content.is_empty() || content[0] == b'#' {
                at = next;
                continue;
            }
            if content[0] == b'%' && line.indent() == 0 {
                return None;
            }
            at = self.content_line(line)?;
        }
        self.finish(len)
    }

    /// A `---` line: ends the open document (if any) and starts an explicit one.
    fn document_marker(&mut self, at: usize) -> Option<()> {
        if self.in_document {
            self.close_document(at, at + 3)?;
        }
        self.out.push((TreeEvent::DocumentStart, at, at + 3));
        self.in_document = true;
        self.has_root = false;
        self.anchors.clear();
        Some(())
    }

    /// Closes every open node and the document at `at` (`end` is the document end's marker end).
    fn close_document(&mut self, at: usize, end: usize) -> Option<()> {
        self.resolve_pending()?;
        while self.stack.pop().is_some_and(|open| {
            self.push_end(open.kind, at);
            true
        }) {}
        if !self.has_root {
            // An empty document: saphyr reports a null scalar; it never becomes a root.
            self.out
                .push((TreeEvent::Scalar(Cow::Borrowed(""), true, 0), at, at));
        }
        self.out.push((TreeEvent::DocumentEnd, at, end));
        self.in_document = false;
        self.has_root = false;
        self.scalar_indent = None;
        Some(())
    }

    fn finish(&mut self, len: usize) -> Option<()> {
        if self.in_document {
            self.close_document(len, len)?;
        }
        Some(())
    }

    fn push_end(&mut self, kind: Kind, at: usize) {
        let event = match kind {
            Kind::Map => TreeEvent::MappingEnd,
            Kind::Seq => TreeEvent::SequenceEnd,
        };
        self.out.push((event, at, at));
    }

    /// A key without a value is null, reported at its colon. An anchored null is declined.
    fn resolve_pending(&mut self) -> Option<()> {
        if let Some(pending) = self.pending.take() {
            if pending.anchor.is_some() {
                return None;
            }
            self.out.push((
                TreeEvent::Scalar(Cow::Borrowed(""), true, 0),
                pending.colon,
                pending.colon,
            ));
        }
        Some(())
    }

    /// Registers the anchor `&name` whose name spans `start..end`; returns its id.
    fn anchor(&mut self, start: usize, end: usize) -> usize {
        let id = self.next_anchor;
        self.next_anchor += 1;
        self.anchors.push((&self.text[start..end], id));
        id
    }

    /// A line with content (not blank, not only a comment). Returns where the next line to
    /// read starts: a literal block scalar consumes the lines after its header.
    fn content_line(&mut self, line: Line) -> Option<usize> {
        let indent = line.indent();
        let p = line.content;
        if self
            .scalar_indent
            .take()
            .is_some_and(|holder| indent > holder)
        {
            return None;
        }
        if !self.in_document {
            self.out.push((TreeEvent::DocumentStart, p, p));
            self.in_document = true;
            self.has_root = false;
        }
        let dash = self.bytes[p] == b'-' && is_blank_or_end(self.bytes.get(p + 1));
        if let Some(pending) = self.pending {
            let key_indent = pending.key_indent;
            if indent > key_indent || (indent == key_indent && dash && !pending.item) {
                // The value of the pending key starts on this line.
                self.pending = None;
                return self.node_at(line, p, indent == key_indent, pending.anchor);
            }
            self.resolve_pending()?;
        }
        while let Some(top) = self.stack.last().copied() {
            let close =
                top.indent > indent || (top.kind == Kind::Seq && top.indent == indent && !dash);
            if !close {
                break;
            }
            self.stack.pop();
            self.push_end(top.kind, p);
        }
        match self.stack.last().copied() {
            None => {
                if self.has_root {
                    return None;
                }
                self.node_at(line, p, false, None)
            }
            Some(top) if top.indent == indent => match (top.kind, dash) {
                (Kind::Seq, true) => self.seq_item(line, p),
                (Kind::Map, false) => self.map_entry(line, p),
                _ => None,
            },
            Some(_) => None,
        }
    }

    /// A new collection starting at `p` (a root, or the value of a key on an earlier line).
    /// An `indentless` sequence (its dashes in the column of its key) is reported where its
    /// first item starts, as saphyr does. An anchored node starts at its anchor.
    fn node_at(
        &mut self,
        line: Line,
        p: usize,
        indentless: bool,
        anchor: Option<(usize, usize)>,
    ) -> Option<usize> {
        self.has_root = true;
        if self.stack.len() >= super::yaml::MAX_DEPTH {
            return None;
        }
        let (anchor_at, id) = anchor.unzip();
        let id = id.unwrap_or(0);
        if self.bytes[p] == b'-' && is_blank_or_end(self.bytes.get(p + 1)) {
            let marker = if indentless {
                // The item's start; an item on later lines starts at the end of this one.
                let item = skip_spaces(self.bytes, p + 1, line.end);
                if self.bytes.get(item) == Some(&b'#') {
                    line.end
                } else {
                    item
                }
            } else {
                p
            };
            let start = anchor_at.unwrap_or(marker);
            self.out.push((TreeEvent::SequenceStart(id), start, marker));
            self.stack.push(Open {
                kind: Kind::Seq,
                indent: p - line.start,
            });
            self.seq_item(line, p)
        } else {
            // Only mappings: a scalar alone on its line may run over several lines.
            self.key_end(line, p)?;
            self.out
                .push((TreeEvent::MappingStart(id), anchor_at.unwrap_or(p), p));
            self.stack.push(Open {
                kind: Kind::Map,
                indent: p - line.start,
            });
            self.map_entry(line, p)
        }
    }

    /// `- item` at `p`.
    fn seq_item(&mut self, line: Line, p: usize) -> Option<usize> {
        let c = skip_spaces(self.bytes, p + 1, line.end);
        if c >= line.end || self.bytes[c] == b'#' {
            // `- # comment` with the item on the next lines, or a null item.
            self.pending = Some(Pending {
                colon: line.end,
                key_indent: p - line.start,
                item: true,
                anchor: None,
            });
            return Some(next_line(self.bytes, line));
        }
        if self.bytes[c] == b'-' && is_blank_or_end(self.bytes.get(c + 1)) {
            return None; // `- - x`
        }
        let seq_indent = p - line.start;
        if self.key_end(line, c).is_some() {
            if self.stack.len() >= super::yaml::MAX_DEPTH {
                return None;
            }
            self.out.push((TreeEvent::MappingStart(0), c, c));
            self.stack.push(Open {
                kind: Kind::Map,
                indent: c - line.start,
            });
            return self.map_entry(line, c);
        }
        self.value(line, c, seq_indent)
    }

    /// Where the key starting at `p` ends and where its colon is: (key end, colon).
    fn key_end(&self, line: Line, p: usize) -> Option<(usize, usize)> {
        let b = self.bytes;
        match b[p] {
            q @ (b'"' | b'\'') => {
                let close = quoted_end(b, p, line.end, q)?;
                (b.get(close) == Some(&b':') && is_blank_or_end(b.get(close + 1)))
                    .then_some((close, close))
            }
            _ => {
                if !plain_start(b, p) {
                    return None;
                }
                let mut i = p;
                while i < line.end {
                    match b[i] {
                        b':' if is_blank_or_end(b.get(i + 1)) => {
                            if b[i - 1] == b' ' {
                                return None; // `key :` is not read here
                            }
                            return Some((i, i));
                        }
                        b'#' if b[i - 1] == b' ' => return None,
                        _ => i += 1,
                    }
                }
                None
            }
        }
    }

    /// `key: value` at `p`, in the mapping on top of the stack.
    fn map_entry(&mut self, line: Line, p: usize) -> Option<usize> {
        let (key_end, colon) = self.key_end(line, p)?;
        let key = self.scalar(p, key_end);
        self.out.push((key, p, key_end));
        let mut v = colon + 1;
        while v < line.end && self.bytes[v] == b' ' {
            v += 1;
        }
        if v >= line.end || self.bytes[v] == b'#' {
            self.pending = Some(Pending {
                colon,
                key_indent: p - line.start,
                item: false,
                anchor: None,
            });
            return Some(next_line(self.bytes, line));
        }
        if self.bytes[v] == b'&' {
            let name_end = anchor_name_end(self.bytes, v + 1, line.end)?;
            let after = skip_spaces(self.bytes, name_end, line.end);
            if after >= line.end || self.bytes[after] == b'#' {
                // `key: &name`, the anchored collection on the next lines.
                if after < line.end && after == name_end {
                    return None;
                }
                let id = self.anchor(v + 1, name_end);
                self.pending = Some(Pending {
                    colon,
                    key_indent: p - line.start,
                    item: false,
                    anchor: Some((v, id)),
                });
                return Some(next_line(self.bytes, line));
            }
        }
        self.value(line, v, p - line.start)
    }

    /// A value written on the line of its key or dash, starting at `v`; `holder` is the
    /// indentation of the collection it belongs to.
    fn value(&mut self, line: Line, v: usize, holder: usize) -> Option<usize> {
        let b = self.bytes;
        if b[v] == b'*' {
            // An alias: to an anchor of this document, with nothing after it but a comment.
            let name_end = anchor_name_end(b, v + 1, line.end)?;
            if !only_comment(b, name_end, line.end) {
                return None;
            }
            let name = &self.text[v + 1..name_end];
            let &(_, id) = self.anchors.iter().rev().find(|(n, _)| *n == name)?;
            self.out.push((TreeEvent::Alias(id), v, name_end));
            self.scalar_indent = Some(holder);
            return Some(next_line(b, line));
        }
        // `&name scalar`: the scalar's marker starts at the anchor.
        let (anchor_at, v, id) = if b[v] == b'&' {
            let name_end = anchor_name_end(b, v + 1, line.end)?;
            let scalar = skip_spaces(b, name_end, line.end);
            if scalar == name_end || scalar >= line.end {
                return None;
            }
            if matches!(b[scalar], b'|' | b'>' | b'[' | b'{' | b'&' | b'*' | b'#')
                || self.key_end(line, scalar).is_some()
            {
                return None;
            }
            let id = self.anchor(v + 1, name_end);
            (v, scalar, id)
        } else {
            (v, v, 0)
        };
        match b[v] {
            b'|' | b'>' => return self.block_scalar(line, v, holder),
            b'[' | b'{' => {
                let after = self.flow(v, line.end, 1)?;
                if !only_comment(b, after, line.end) {
                    return None;
                }
                // saphyr's end marker runs over the spaces and comment after the last bracket.
                if let Some(last) = self.out.last_mut() {
                    last.2 = line.end;
                }
            }
            q @ (b'"' | b'\'') => {
                let close = quoted_end(b, v, line.end, q)?;
                if !only_comment(b, close, line.end) {
                    return None;
                }
                // As after a bracket, the marker runs to the end of the line.
                let scalar = with_anchor(self.scalar(v, close), id);
                self.out.push((scalar, anchor_at, line.end));
            }
            _ => {
                if !plain_start(b, v) {
                    return None;
                }
                let mut end = line.end;
                let mut i = v;
                while i < line.end {
                    match b[i] {
                        b':' if is_blank_or_end(b.get(i + 1)) => return None,
                        b'#' if b[i - 1] == b' ' => {
                            end = i;
                            break;
                        }
                        _ => i += 1,
                    }
                }
                while b[end - 1] == b' ' {
                    end -= 1;
                }
                self.out.push((
                    TreeEvent::Scalar(Cow::Borrowed(&self.text[v..end]), true, id),
                    anchor_at,
                    end,
                ));
            }
        }
        self.scalar_indent = Some(holder);
        Some(next_line(b, line))
    }

    /// A flow collection on one line, `[a, "b", {c: d}]`, opening at `p`; returns the position
    /// after its closing bracket. Flow collections over several lines, empty entries, trailing
    /// commas, anchors and tags are declined.
    fn flow(&mut self, p: usize, end: usize, depth: usize) -> Option<usize> {
        if self.stack.len() + depth >= super::yaml::MAX_DEPTH {
            return None;
        }
        let b = self.bytes;
        let is_seq = b[p] == b'[';
        let (start, close_event, close) = if is_seq {
            (TreeEvent::SequenceStart(0), TreeEvent::SequenceEnd, b']')
        } else {
            (TreeEvent::MappingStart(0), TreeEvent::MappingEnd, b'}')
        };
        self.out.push((start, p, p + 1));
        let mut at = skip_spaces(b, p + 1, end);
        if at < end && b[at] == close {
            self.out.push((close_event, at, at + 1));
            return Some(at + 1);
        }
        loop {
            if !is_seq {
                at = self.flow_key(at, end)?;
            }
            at = self.flow_node(at, end, depth)?;
            match b.get(at) {
                Some(b',') if at < end => {
                    at = skip_spaces(b, at + 1, end);
                    if at >= end || b[at] == close {
                        return None; // a trailing comma
                    }
                }
                Some(&c) if c == close && at < end => {
                    self.out.push((close_event, at, at + 1));
                    return Some(at + 1);
                }
                _ => return None,
            }
        }
    }

    /// A node inside a flow collection at `at`; returns where the text after it continues
    /// (after the spaces that follow a plain scalar).
    fn flow_node(&mut self, at: usize, end: usize, depth: usize) -> Option<usize> {
        let b = self.bytes;
        if at >= end {
            return None;
        }
        let after = match b[at] {
            b'[' | b'{' => self.flow(at, end, depth + 1)?,
            q @ (b'"' | b'\'') => {
                let close = quoted_end(b, at, end, q)?;
                let scalar = self.scalar(at, close);
                self.out.push((scalar, at, close));
                close
            }
            _ => {
                let (scalar_end, stop) = self.flow_plain(at, end)?;
                if b.get(stop) == Some(&b':') {
                    return None; // `[a: b]`, `{a: b: c}`
                }
                return Some(stop).filter(|_| scalar_end > at);
            }
        };
        Some(self.spaces_join_marker(after, end))
    }

    /// saphyr's marker of a quoted scalar or a closing bracket inside a flow collection runs
    /// over the spaces after it: the last event's end moves there. Returns where the text
    /// continues.
    fn spaces_join_marker(&mut self, after: usize, end: usize) -> usize {
        let next = skip_spaces(self.bytes, after, end);
        if next > after
            && let Some(last) = self.out.last_mut()
        {
            last.2 = next;
        }
        next
    }

    /// A plain scalar inside a flow collection: pushed, with (its end, where it stopped).
    fn flow_plain(&mut self, at: usize, end: usize) -> Option<(usize, usize)> {
        let b = self.bytes;
        if !plain_start(b, at)
            || (matches!(b[at], b'-' | b'?' | b':') && is_flow_indicator(b.get(at + 1)))
        {
            return None;
        }
        let mut i = at;
        while i < end {
            match b[i] {
                b',' | b'[' | b']' | b'{' | b'}' => break,
                b':' if b.get(i + 1) == Some(&b' ') || is_flow_indicator(b.get(i + 1)) => break,
                b'#' if b[i - 1] == b' ' => return None, // a comment inside an open collection
                // saphyr reads a word starting with an indicator as a new scalar here.
                b'-' | b'?' | b':' if b[i - 1] == b' ' => return None,
                _ => i += 1,
            }
        }
        if i >= end {
            return None;
        }
        let mut scalar_end = i;
        while scalar_end > at && b[scalar_end - 1] == b' ' {
            scalar_end -= 1;
        }
        if scalar_end == at {
            return None;
        }
        self.out.push((
            TreeEvent::Scalar(Cow::Borrowed(&self.text[at..scalar_end]), true, 0),
            at,
            scalar_end,
        ));
        Some((scalar_end, i))
    }

    /// A key and its `: ` inside a flow mapping at `at`; returns where its value starts.
    fn flow_key(&mut self, at: usize, end: usize) -> Option<usize> {
        let b = self.bytes;
        if at >= end {
            return None;
        }
        let colon = match b[at] {
            q @ (b'"' | b'\'') => {
                let close = quoted_end(b, at, end, q)?;
                let scalar = self.scalar(at, close);
                self.out.push((scalar, at, close));
                self.spaces_join_marker(close, end)
            }
            _ => {
                let (scalar_end, stop) = self.flow_plain(at, end)?;
                if stop != scalar_end {
                    return None; // `{a : b}`
                }
                stop
            }
        };
        (b.get(colon) == Some(&b':') && b.get(colon + 1) == Some(&b' '))
            .then(|| skip_spaces(b, colon + 1, end))
    }

    /// A plain or quoted scalar spanning `start..end` (quotes included).
    fn scalar(&self, start: usize, end: usize) -> TreeEvent<'a> {
        let raw = &self.text[start..end];
        match self.bytes[start] {
            b'"' => {
                let inner = &raw[1..raw.len() - 1];
                TreeEvent::Scalar(Cow::Borrowed(inner), false, 0)
            }
            b'\'' => {
                let inner = &raw[1..raw.len() - 1];
                let text = if inner.contains("''") {
                    Cow::Owned(inner.replace("''", "'"))
                } else {
                    Cow::Borrowed(inner)
                };
                TreeEvent::Scalar(text, false, 0)
            }
            _ => TreeEvent::Scalar(Cow::Borrowed(raw), true, 0),
        }
    }

    /// A literal (`|`, `|-`) or folded (`>`, `>-`) block scalar whose header is at `v`. Reads
    /// the lines after the header and returns where the first line after the scalar starts.
    /// A folded scalar with more-indented lines (whose breaks are kept) is declined.
    fn block_scalar(&mut self, line: Line, v: usize, holder: usize) -> Option<usize> {
        let b = self.bytes;
        let len = b.len();
        let folded = b[v] == b'>';
        let (strip, after) = match b.get(v + 1) {
            Some(b'-') => (true, v + 2),
            _ => (false, v + 1),
        };
        if !is_blank_or_end(b.get(after)) || !only_comment(b, after, line.end) {
            return None; // `|+`, indentation indicators, or text after the header
        }
        if line.end >= len {
            return None;
        }
        let first = self.line_at(line.end + 1);
        if first.content == first.end || first.indent() <= holder {
            return None; // leading blank lines, or an empty scalar
        }
        let indent = first.indent();
        let mut value = String::new();
        let mut started = false;
        let mut pending_breaks = 0usize;
        let mut at = first.start;
        let mut end_marker = len;
        let mut resume = len;
        while at < len {
            let l = self.line_at(at);
            let next = if l.end < len { l.end + 1 } else { len };
            if l.content == l.end {
                // A blank line: only as long as the indentation, or shorter, and not spaces
                // ending the file (saphyr counts one more line break there).
                if l.end - l.start > indent || (l.end == len && l.end > l.start) {
                    return None;
                }
                pending_breaks += 1;
                at = next;
                continue;
            }
            if l.indent() < indent {
                end_marker = l.content;
                resume = l.start;
                break;
            }
            if folded && l.indent() > indent {
                return None;
            }
            // Folding turns a single line break into a space; blank lines stay line breaks.
            if started && !(folded && pending_breaks > 0) {
                value.push(if folded { ' ' } else { '\n' });
            }
            started = true;
            for _ in 0..pending_breaks {
                value.push('\n');
            }
            pending_breaks = 0;
            value.push_str(&self.text[l.start + indent..l.end]);
            at = next;
        }
        if !strip {
            value.push('\n');
        }
        self.out.push((
            TreeEvent::Scalar(Cow::Owned(value), false, 0),
            first.content,
            end_marker,
        ));
        Some(resume)
    }
}

/// Sets the anchor id of a scalar event.
fn with_anchor(event: TreeEvent<'_>, id: usize) -> TreeEvent<'_> {
    match event {
        TreeEvent::Scalar(text, plain, _) => TreeEvent::Scalar(text, plain, id),
        other => other,
    }
}

/// Where the anchor or alias name starting at `from` ends: at a space or the end of the
/// line. Names are kept to the characters fleets use; anything else is declined.
fn anchor_name_end(bytes: &[u8], from: usize, end: usize) -> Option<usize> {
    let stop = bytes[from..end]
        .iter()
        .position(|&b| b == b' ')
        .map_or(end, |i| from + i);
    let name = &bytes[from..stop];
    (!name.is_empty()
        && name
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
    .then_some(stop)
}

/// The start of the line after `line`.
fn next_line(bytes: &[u8], line: Line) -> usize {
    if line.end < bytes.len() {
        line.end + 1
    } else {
        bytes.len()
    }
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    memchr::memchr(b'\n', &bytes[from..]).map_or(bytes.len(), |i| from + i)
}

/// The first position from `from` (up to `end`) that is not a space.
fn skip_spaces(bytes: &[u8], from: usize, end: usize) -> usize {
    bytes[from..end]
        .iter()
        .position(|&b| b != b' ')
        .map_or(end, |i| from + i)
}

fn trim_spaces(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b' ').unwrap_or(bytes.len());
    &bytes[start..]
}

/// Nothing but spaces and an optional comment (after a space) from `from` to `end`.
fn only_comment(bytes: &[u8], from: usize, end: usize) -> bool {
    let rest = &bytes[from..end];
    let trimmed = trim_spaces(rest);
    trimmed.is_empty() || (trimmed[0] == b'#' && trimmed.len() < rest.len())
}

/// The position after the closing quote of the one-line quoted scalar opening at `p`; `None`
/// when it does not close on its line or holds an escape.
fn quoted_end(bytes: &[u8], p: usize, end: usize, quote: u8) -> Option<usize> {
    let mut i = p + 1;
    while i < end {
        match bytes[i] {
            b'\\' if quote == b'"' => return None,
            b if b == quote => {
                if quote == b'\'' && bytes.get(i + 1) == Some(&b'\'') && i + 1 < end {
                    i += 2;
                    continue;
                }
                return Some(i + 1);
            }
            _ => i += 1,
        }
    }
    None
}

fn is_flow_indicator(b: Option<&u8>) -> bool {
    matches!(b, Some(b',' | b'[' | b']' | b'{' | b'}'))
}

/// A plain scalar may start at `p`: not an indicator, not a `-`, `?` or `:` followed by a space.
fn plain_start(bytes: &[u8], p: usize) -> bool {
    match bytes[p] {
        b',' | b'[' | b']' | b'{' | b'}' | b'#' | b'&' | b'*' | b'!' | b'|' | b'>' | b'\''
        | b'"' | b'%' | b'@' | b'`' => false,
        b'-' | b'?' | b':' => !is_blank_or_end(bytes.get(p + 1)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use super::events;
    use crate::source::FileId;
    use crate::source::yaml::{parse, parse_reference};

    /// The fast path must build exactly what saphyr builds: documents, trees, spans, errors.
    fn same_as_saphyr(text: &str) -> Result<(), String> {
        let file = FileId(0);
        let fast = format!("{:?}", parse(file, text));
        let reference = format!("{:?}", parse_reference(file, text));
        if fast == reference {
            return Ok(());
        }
        let at = fast
            .bytes()
            .zip(reference.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(fast.len().min(reference.len()));
        let from = at.saturating_sub(300);
        let window = |s: &str| {
            s.get(from..(at + 200).min(s.len()))
                .unwrap_or("")
                .to_string()
        };
        Err(format!(
            "fast:\n...{}\nsaphyr:\n...{}",
            window(&fast),
            window(&reference)
        ))
    }

    fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                yaml_files(&path, out);
            } else if kind.is_file() && path.extension().is_some_and(|e| e == "yaml" || e == "yml")
            {
                out.push(path);
            }
        }
    }

    /// Checks every YAML file under `dir`; returns (files, files the fast path read).
    fn check_tree(dir: &Path) -> (usize, usize) {
        let mut files = Vec::new();
        yaml_files(dir, &mut files);
        files.sort();
        let mut accepted = 0;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            if events(&text).is_some() {
                accepted += 1;
            }
            if let Err(diff) = same_as_saphyr(&text) {
                panic!("{} parses differently:\n{diff}", path.display());
            }
        }
        (files.len(), accepted)
    }

    #[test]
    fn testdata_parses_as_saphyr_does() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let (files, accepted) = check_tree(&root.join("testdata"));
        assert!(files > 100, "found only {files} YAML files");
        // The scanner earns its keep only if it reads most files itself.
        assert!(
            accepted * 2 > files,
            "fast path read {accepted} of {files} files"
        );
    }

    /// The public fleets in `../shared/corpus`, where that checkout exists (not in CI).
    #[test]
    fn corpus_parses_as_saphyr_does() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
        if !corpus.is_dir() {
            eprintln!("skipped: no corpus at {}", corpus.display());
            return;
        }
        let (files, accepted) = check_tree(&corpus);
        eprintln!("corpus: fast path read {accepted} of {files} files");
    }

    #[test]
    fn declines_what_it_does_not_model() {
        for text in [
            "a: *unknown\n",
            "a-: |\n  a\n  ",
            "a: &x\nb: 1\n",
            "- &a key: v\n",
            "a: &x |\n  text\n",
            "a: [1, 2\n  , 3]\n",
            "a: [1, 2,]\n",
            "a: {b}\n",
            "a: {b: }\n",
            "a: [&x 1]\n",
            "- [0a -, '']\n",
            "a: >\n  folded\n   more indented\n",
            "a: &x >\n  folded\n",
            "a: |+\n  kept\n",
            "a: |2\n  text\n",
            "a: \"esc\\n\"\n",
            "a: 'two\n  lines'\n",
            "a: plain\n  continued\n",
            "a:\n\tb: 1\n",
            "a: 1\r\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 1\n...\n",
            "? a\n: b\n",
            "- - a\n",
            "a : 1\n",
            "!tag a: 1\n",
            "scalar document\n",
            "a: b: c\n",
            "a: 1\nb\n",
            "\u{feff}a: 1\n",
        ] {
            assert!(events(text).is_none(), "should decline {text:?}");
            same_as_saphyr(text).unwrap();
        }
    }

    #[test]
    fn reads_plain_block_yaml_exactly_as_saphyr() {
        for text in [
            "",
            "# only a comment\n",
            "a: 1\n",
            "a: 1",
            "---\na: 1\n---\nb: 2\n",
            "---\n---\n",
            "a: 1\n---\n",
            "---\n# nothing\n",
            "a:\nb: 2\nc:\n",
            "a:\n- x\n- y: 1\n  z: 2\nb: 3\n",
            "a:\n  - x\n  -   y\n  - \"q\"\n  - 'it''s'\n",
            "- a\n- b: 1\n  c:\n    d: e # comment\n",
            "a: []\nb: {}\nc: [] # empty\n",
            "a: [1, 2]\nb: {c: d, e: [1,2], \"f\": g}   # c\nc: [ ]\nd: {k: v}\n",
            "capabilities: { drop: [\"ALL\"] }\nargs: [--flag=a:b, 'x y', z ]\n",
            "- [a, b]\n",
            "- [a, {b: c}]\n- {k: [1, 2], 'q': \"r\"}\n",
            "a: >\n  folded\n  text\n\n  para  \n\n\n  three\nb: >-\n  x\n  y\n\nc: 1\n",
            "- >\n  item\n\n- >-\n  last\n  one",
            "- # c\n  a: 1\n-\n  - x\n- # null\n\n# x\n-   \n- 'q': [1]\n-\n",
            "k:\n  - # c\n\nj:\n- # c\n  a: 1\n- # c\n---\n- x\n-\n  -\n    y: 1\n",
            "a: [\"q\" , 1]\nb: {\"k\" : v, c: ['x'  ]  }\nc: [ [x] , {y: z}  ]\n",
            "- {a: [b] , 'c'  : d}\n",
            "a: |\n  line one\n\n  line three\n    deeper\nb: |-\n  stripped\n\n\nc: x\n",
            "a: |\n  at end",
            "a: |\n  x\n# comment\nb: 1\n",
            "a:\n  b: |\n    x\n  # c\n  e: f\n",
            "- |\n  item\n- x\n",
            "url: http://example.com:8080/x#frag\nkey:with:colons: v\n",
            "a: x # c\n    # deeper comment\nb: y\n",
            "\"quoted key\": 1\n'single': 2\n",
            "name: héllo wörld ✓\nnext: ascii\n",
            "a: -1\nb: --flag\nc: ---\nd: a,b]c{\n",
            "  indented: root\n  b: 2\n",
            "a:\n  b:\n  - x\n  c: 1\n",
            "- a:\n  - x\n- b\n",
            "a: &app x\nb: *app\nc: &m\n  d: 1\ne: *m\nf: &s\n- 1\ng: &q \"q\" # c\n",
            "h:\n  - &i item\n  - *i  # c\n---\nz: &app y\nw: *app\n",
            "base: &base\n  a: 1\nderived:\n  <<: *base\n  b: 2\n",
            "a: &x 1\na: *x\n",
        ] {
            assert!(events(text).is_some(), "declined {text:?}");
            if let Err(diff) = same_as_saphyr(text) {
                panic!("{text:?} parses differently:\n{diff}");
            }
        }
    }

    /// Generated block YAML in the scanner's dialect, rendered by hand.
    mod generated {
        use proptest::prelude::*;

        #[derive(Debug, Clone)]
        pub enum Gen {
            Plain(String),
            Single(String),
            Double(String),
            /// A block scalar: its lines, stripped (`|-`), folded (`>`).
            Block(Vec<String>, bool, bool),
            Map(Vec<(String, Gen)>),
            Seq(Vec<Gen>),
            EmptySeq,
            EmptyMap,
            /// `[a, "b", c]`, items already written as YAML.
            FlowSeq(Vec<String>),
            /// `{a: b, c: [d]}`, values already written as YAML.
            FlowMap(Vec<(String, String)>),
        }

        /// A scalar or small collection written in flow style.
        /// Quoted scalars and brackets may be followed by spaces, which saphyr's marker covers.
        fn flow_item() -> impl Strategy<Value = String> {
            prop_oneof![
                "[a-z0-9][a-z0-9./=-]{0,6}",
                ("[a-z ]{0,5}", " {0,2}").prop_map(|(s, pad)| format!("\"{s}\"{pad}")),
                ("[a-z ]{0,5}", " {0,2}").prop_map(|(s, pad)| format!("'{s}'{pad}")),
                (
                    " {0,1}",
                    prop::collection::vec("[a-z0-9]{1,4}|\"[a-z]{0,3}\" ?", 0..3),
                    " {0,2}"
                )
                    .prop_map(|(open, v, pad)| format!("[{open}{}]{pad}", v.join(", "))),
            ]
        }

        /// A key of a flow mapping: plain, or quoted with spaces before its colon.
        fn flow_key() -> impl Strategy<Value = String> {
            prop_oneof!["[a-z][a-z0-9]{0,4}", "\"[a-z]{0,4}\" {0,2}"]
        }

        fn leaf() -> impl Strategy<Value = Gen> {
            prop_oneof![
                "[a-z0-9][a-z0-9 ./_,-]{0,10}".prop_map(|s| Gen::Plain(s.trim_end().to_string())),
                "[a-z \"#:]{0,8}".prop_map(Gen::Single),
                "[a-z ':#]{0,8}".prop_map(Gen::Double),
                (
                    prop::collection::vec("[a-z #:-]{0,10}", 0..4),
                    "[a-z][a-z ]{0,6}",
                    any::<bool>(),
                    any::<bool>()
                )
                    .prop_map(|(mut lines, first, strip, folded)| {
                        lines.insert(0, first);
                        Gen::Block(lines, strip, folded)
                    }),
                Just(Gen::EmptySeq),
                Just(Gen::EmptyMap),
                prop::collection::vec(flow_item(), 1..4).prop_map(Gen::FlowSeq),
                prop::collection::vec((flow_key(), flow_item()), 1..4).prop_map(Gen::FlowMap),
            ]
        }

        pub fn tree() -> impl Strategy<Value = Gen> {
            let key = "[a-z][a-z0-9_.-]{0,6}";
            leaf().prop_recursive(4, 48, 6, move |inner| {
                prop_oneof![
                    prop::collection::vec((key, inner.clone()), 1..6).prop_map(Gen::Map),
                    prop::collection::vec(inner, 1..5).prop_map(Gen::Seq),
                ]
            })
        }

        fn pad(out: &mut String, n: usize) {
            out.extend(std::iter::repeat_n(' ', n));
        }

        /// A value after `key:` or `- ` on the same line, or below it at `indent`.
        fn inline(node: &Gen, indent: usize, comment: bool, out: &mut String) {
            let tail = if comment { " # note" } else { "" };
            match node {
                Gen::Plain(s) if s.is_empty() => out.push_str(&format!("''{tail}\n")),
                Gen::Plain(s) => out.push_str(&format!("{s}{tail}\n")),
                Gen::Single(s) => out.push_str(&format!("'{}'{tail}\n", s.replace('\'', "''"))),
                Gen::Double(s) => out.push_str(&format!("\"{s}\"{tail}\n")),
                Gen::EmptySeq => out.push_str(&format!("[]{tail}\n")),
                Gen::EmptyMap => out.push_str(&format!("{{}}{tail}\n")),
                Gen::FlowSeq(items) => out.push_str(&format!("[{}]{tail}\n", items.join(", "))),
                Gen::FlowMap(entries) => {
                    let entries: Vec<String> =
                        entries.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                    out.push_str(&format!("{{{}}}{tail}\n", entries.join(", ")));
                }
                Gen::Block(lines, strip, folded) => {
                    out.push_str(if *folded { ">" } else { "|" });
                    out.push_str(if *strip { "-\n" } else { "\n" });
                    for line in lines {
                        if !line.trim().is_empty() {
                            pad(out, indent + 2);
                            // A more-indented line keeps its breaks in a folded scalar: the
                            // scanner declines it.
                            out.push_str(if *folded { line.trim_start() } else { line });
                        }
                        out.push('\n');
                    }
                }
                Gen::Map(_) | Gen::Seq(_) => unreachable!(),
            }
        }

        pub fn render(node: &Gen, indent: usize, out: &mut String) {
            match node {
                Gen::Map(entries) => {
                    for (i, (key, value)) in entries.iter().enumerate() {
                        pad(out, indent);
                        out.push_str(key);
                        out.push(':');
                        match value {
                            Gen::Map(_) => {
                                out.push('\n');
                                render(value, indent + 2, out);
                            }
                            // Sequences alternate between indented and in the key's column.
                            Gen::Seq(_) => {
                                out.push('\n');
                                render(value, indent + 2 * (i % 2), out);
                            }
                            _ => {
                                out.push(' ');
                                inline(value, indent, i % 3 == 1, out);
                            }
                        }
                    }
                }
                Gen::Seq(items) => {
                    for (i, item) in items.iter().enumerate() {
                        pad(out, indent);
                        // Some collections start on the line after their dash.
                        if i % 3 == 2 && matches!(item, Gen::Map(_) | Gen::Seq(_)) {
                            out.push_str(if i % 2 == 0 { "- # below\n" } else { "-\n" });
                            render(item, indent + 2 + 2 * (i % 2), out);
                            continue;
                        }
                        if matches!(item, Gen::Plain(s) if s.is_empty()) && i % 2 == 1 {
                            out.push_str("-\n"); // a null item
                            continue;
                        }
                        out.push_str("- ");
                        match item {
                            Gen::Map(entries) => {
                                // The first entry on the dash's line, the rest below it.
                                let mut first = String::new();
                                render(&Gen::Map(entries[..1].to_vec()), indent + 2, &mut first);
                                out.push_str(&first[indent + 2..]);
                                render(&Gen::Map(entries[1..].to_vec()), indent + 2, out);
                            }
                            Gen::Seq(_) => {
                                out.push_str("items:\n");
                                render(item, indent + 4, out);
                            }
                            _ => inline(item, indent, false, out),
                        }
                    }
                }
                _ => {
                    out.push_str("value: ");
                    inline(node, indent, false, out);
                }
            }
        }
    }

    /// Text fragments that take YAML out of the scanner's dialect, or break it.
    const MUTATIONS: &[&str] = &[
        "&a ", "*a", "[", "]", "{", "}", ", ", "\"", "'", ": ", "- ", " #", "#", "\n", " ", "  ",
        "|", ">", "!", "? ", "---\n", "...\n", "\t", "\u{e9}", "\\", "&a\n", "%", "@", ":", "-",
    ];

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 512, ..Default::default() })]

        #[test]
        fn generated_yaml_is_read_and_read_as_saphyr_does(
            docs in proptest::collection::vec(generated::tree(), 1..3),
        ) {
            let mut text = String::new();
            for (i, doc) in docs.iter().enumerate() {
                if i > 0 {
                    text.push_str("---\n");
                }
                generated::render(doc, 0, &mut text);
            }
            proptest::prop_assert!(events(&text).is_some(), "declined:\n{}", text);
            if let Err(diff) = same_as_saphyr(&text) {
                proptest::prop_assert!(false, "{}\n{}", text, diff);
            }
        }

        #[test]
        fn mutated_yaml_is_declined_or_read_as_saphyr_does(
            doc in generated::tree(),
            edits in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), 0..MUTATIONS.len()), 1..4),
        ) {
            use proptest::prelude::*;
            let mut text = String::new();
            generated::render(&doc, 0, &mut text);
            for (at, mutation) in edits {
                let mut at = at.index(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                text.insert_str(at, MUTATIONS[mutation]);
            }
            if let Err(diff) = same_as_saphyr(&text) {
                prop_assert!(false, "{:?}\n{}", text, diff);
            }
        }
    }
}
