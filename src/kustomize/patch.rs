//! Patches: strategic-merge (modelled as a JSON merge, which is what kustomize does for kinds it
//! has no schema for, Flux kinds included) and JSON 6902, with kustomize's target selectors.

use std::sync::{Arc, Mutex};

use regex_lite::Regex;

use super::file::PathRef;
use super::{EntryKind, Object, Problem, Rendered};
use crate::source::{self, Entry, FileId, Node, Repo, Span, Value, yaml};

/// A patch as written in a kustomization or a Flux Kustomization's `spec.patches`.
#[derive(Debug, Clone)]
pub struct Patch {
    /// The patch entry in its file.
    pub span: Span,
    pub path: Option<PathRef>,
    /// An inline patch, already parsed; its spans all point at the inline text.
    pub inline: Option<Node>,
    pub target: Option<Selector>,
}

/// kustomize's patch target. Name, namespace and kind are anchored regular expressions.
#[derive(Debug, Clone)]
pub struct Selector {
    pub group: Option<String>,
    pub version: Option<String>,
    pub kind: Option<Pattern>,
    pub name: Option<Pattern>,
    pub namespace: Option<Pattern>,
    pub label_selector: Option<String>,
    pub annotation_selector: Option<String>,
}

/// A selector field, an anchored regex in kustomize: kept as the string or strings it matches
/// when it has no other operator, compiled otherwise.
#[derive(Debug, Clone)]
pub enum Pattern {
    Exact(String),
    /// `(kustomize-controller|helm-controller)`: literal alternatives.
    OneOf(Vec<String>),
    Regex(Regex),
}

impl Pattern {
    fn new(text: &str) -> Pattern {
        if text
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        {
            return Pattern::Exact(text.to_string());
        }
        let regex = literal_braces(text);
        // `\${cluster_name}-app`, the usual selector with a variable, is one string, and Flux's
        // multi-tenancy lockdown names its controllers as `(a|b|c)`: compared, not compiled
        // (compiling was a twentieth of a small repository's run) and run as a regex for every
        // object of every build.
        if let Some(literal) = literal_of(&regex) {
            return Pattern::Exact(literal);
        }
        if let Some(alternatives) = alternatives_of(&regex) {
            return Pattern::OneOf(alternatives);
        }
        match Regex::new(&format!("^(?:{regex})$")) {
            Ok(re) => Pattern::Regex(re),
            Err(_) => Pattern::Exact(text.to_string()),
        }
    }

    fn matches(&self, value: &str) -> bool {
        match self {
            Pattern::Exact(text) => text == value,
            Pattern::OneOf(texts) => texts.iter().any(|text| text == value),
            Pattern::Regex(re) => re.is_match(value),
        }
    }
}

/// The strings a regex matches when it is an alternation of literals, `a|b` or `(a|b)` or
/// `(?:a|b)`.
fn alternatives_of(regex: &str) -> Option<Vec<String>> {
    let inner = regex
        .strip_prefix("(?:")
        .or_else(|| regex.strip_prefix('('))
        .and_then(|group| group.strip_suffix(')'))
        .unwrap_or(regex);
    let mut alternatives = Vec::new();
    let mut start = 0;
    let mut bytes = inner.bytes().enumerate();
    while let Some((i, byte)) = bytes.next() {
        match byte {
            b'\\' => {
                bytes.next();
            }
            b'|' => {
                alternatives.push(literal_of(&inner[start..i])?);
                start = i + 1;
            }
            _ => {}
        }
    }
    alternatives.push(literal_of(&inner[start..])?);
    (alternatives.len() > 1).then_some(alternatives)
}

/// The one string a regex matches when it has no operator: every character is itself or an
/// escaped meta character.
fn literal_of(regex: &str) -> Option<String> {
    const META: &str = r"\.+*?()|[]{}^$#&-~";
    let mut out = String::with_capacity(regex.len());
    let mut chars = regex.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(escaped) if META.contains(escaped) => out.push(escaped),
                _ => return None,
            },
            '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '^' | '$' => return None,
            _ => out.push(c),
        }
    }
    Some(out)
}

/// kustomize uses Go's RE2, where a `{` that does not start a repetition (`{2}`, `{2,}`,
/// `{2,5}`) is a literal: selectors such as `\${cluster_name}-app` rely on it. regex-lite
/// rejects those, so they are escaped first.
fn literal_braces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '{' => {
                let rest = &text[i + 1..];
                let repetition = rest.find('}').is_some_and(|end| {
                    let inner = &rest[..end];
                    let (min, max) = inner.split_once(',').unwrap_or((inner, "0"));
                    !min.is_empty()
                        && min.bytes().all(|b| b.is_ascii_digit())
                        && max.bytes().all(|b| b.is_ascii_digit())
                });
                out.push_str(if repetition { "{" } else { "\\{" });
            }
            _ => out.push(c),
        }
    }
    out
}

impl Selector {
    fn from_node(node: &Node) -> Selector {
        let s = |k: &str| node.str_at(&[k]).map(str::to_string);
        Selector {
            group: s("group"),
            version: s("version"),
            kind: node.str_at(&["kind"]).map(Pattern::new),
            name: node.str_at(&["name"]).map(Pattern::new),
            namespace: node.str_at(&["namespace"]).map(Pattern::new),
            label_selector: s("labelSelector"),
            annotation_selector: s("annotationSelector"),
        }
    }

    pub fn matches(&self, obj: &Object) -> bool {
        let (group, version) = super::split_api_version(&obj.api_version);
        self.group.as_deref().is_none_or(|g| g == group)
            && self.version.as_deref().is_none_or(|v| v == version)
            && self.kind.as_ref().is_none_or(|k| k.matches(&obj.kind))
            && self.name.as_ref().is_none_or(|n| n.matches(&obj.name))
            && self
                .namespace
                .as_ref()
                .is_none_or(|n| n.matches(obj.namespace.as_deref().unwrap_or("")))
            && self
                .label_selector
                .as_deref()
                .is_none_or(|sel| selector_matches(sel, obj.body.path(&["metadata", "labels"])))
            && self.annotation_selector.as_deref().is_none_or(|sel| {
                selector_matches(sel, obj.body.path(&["metadata", "annotations"]))
            })
    }
}

/// A Kubernetes label selector (`a=b,c!=d,e,!f,g in (x,y),h notin (z)`) against a label map.
fn selector_matches(selector: &str, labels: Option<&Node>) -> bool {
    let get = |key: &str| labels.and_then(|l| l.get(key)).and_then(Node::as_str);
    split_requirements(selector).iter().all(|req| {
        let req = req.trim();
        if req.is_empty() {
            return true;
        }
        if let Some((k, rest)) = req.split_once(" notin ") {
            let set = parse_set(rest);
            return get(k.trim()).is_none_or(|v| !set.contains(&v));
        }
        if let Some((k, rest)) = req.split_once(" in ") {
            let set = parse_set(rest);
            return get(k.trim()).is_some_and(|v| set.contains(&v));
        }
        if let Some((k, v)) = req.split_once("!=") {
            return get(k.trim()) != Some(v.trim());
        }
        if let Some((k, v)) = req.split_once("==").or_else(|| req.split_once('=')) {
            return get(k.trim()) == Some(v.trim());
        }
        if let Some(k) = req.strip_prefix('!') {
            return get(k.trim()).is_none();
        }
        get(req).is_some()
    })
}

/// Splits on commas outside parentheses.
fn split_requirements(selector: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in selector.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&selector[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&selector[start..]);
    parts
}

fn parse_set(text: &str) -> Vec<&str> {
    text.trim()
        .trim_start_matches('(')
        .trim_end_matches(')')
        .split(',')
        .map(str::trim)
        .collect()
}

/// Parses inline patch text and points every span at the text in its file.
fn parse_inline(text: &str, at: Span) -> Option<Node> {
    let lock = || INLINE_PATCHES.lock().unwrap_or_else(|e| e.into_inner());
    let placed = |memo: &InlineMemo| memo.get(text)?.placed.get(&at).cloned();
    if let Some(root) = lock().as_ref().and_then(placed) {
        return Some(Node::clone(&root));
    }
    let mut root = Node::clone(&*parsed_inline(text)?);
    repoint(&mut root, at);
    if let Some(patch) = lock().as_mut().and_then(|memo| memo.get_mut(text)) {
        if patch.placed.len() >= INLINE_PATCHES_KEPT {
            patch.placed.clear();
        }
        patch.placed.insert(at, Arc::new(root.clone()));
    }
    Some(root)
}

/// Inline patch texts seen so far. A parent Kustomization's patch that gives every child
/// the same `spec.patches` (a common way to set HelmRelease defaults) is the same text at the
/// same place in each child: parsed and pointed once, its tree is then shared (a tree's
/// collections are copied only when changed). Bounded: past the limit the memo starts over.
static INLINE_PATCHES: Mutex<Option<InlineMemo>> = Mutex::new(None);
type InlineMemo = foldhash::HashMap<Box<str>, InlinePatch>;
const INLINE_PATCHES_KEPT: usize = 1024;

/// One patch text: its first document (`None`: it does not parse), and that document pointed
/// at each place the text was met.
#[derive(Default)]
struct InlinePatch {
    parsed: Option<Arc<Node>>,
    placed: foldhash::HashMap<Span, Arc<Node>>,
}

/// The first document of an inline patch, or `None` when it does not parse.
fn parsed_inline(text: &str) -> Option<Arc<Node>> {
    let lock = || INLINE_PATCHES.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(patch) = lock().as_ref().and_then(|memo| memo.get(text)) {
        return patch.parsed.clone();
    }
    let (docs, errors) = yaml::parse(FileId::DETACHED, text);
    let parsed = if errors.is_empty() {
        docs.into_iter().find_map(|d| d.root)
    } else {
        None
    };
    let mut memo = lock();
    let memo = memo.get_or_insert_with(InlineMemo::default);
    if memo.len() >= INLINE_PATCHES_KEPT {
        memo.clear();
    }
    memo.entry(text.into()).or_default().parsed = parsed.clone();
    parsed
}

fn repoint(node: &mut Node, at: Span) {
    node.span = at;
    match &mut node.value {
        Value::Scalar(_) => {}
        Value::Seq(items) => Arc::make_mut(items).iter_mut().for_each(|n| repoint(n, at)),
        Value::Map(entries) => {
            for (k, v) in Arc::make_mut(entries) {
                repoint(k, at);
                repoint(v, at);
            }
        }
    }
}

impl Patch {
    /// An entry of `patches` / `patchesJson6902`: `{path | patch, target}`.
    pub fn from_entry(item: &Node) -> Option<Patch> {
        let path = item.get("path").and_then(|n| {
            Some(PathRef {
                value: n.as_str()?.to_string(),
                span: n.span,
            })
        });
        let inline = item
            .get("patch")
            .and_then(|n| parse_inline(n.as_str()?, n.span));
        if path.is_none() && inline.is_none() {
            return None;
        }
        Some(Patch {
            span: item.span,
            path,
            inline,
            target: item.get("target").map(Selector::from_node),
        })
    }

    /// An entry of `patchesStrategicMerge`: a path, or an inline patch as text or a mapping.
    pub fn from_strategic_merge_entry(item: &Node) -> Option<Patch> {
        match &item.value {
            Value::Scalar(text) if text.contains('\n') || text.contains(": ") => Some(Patch {
                span: item.span,
                path: None,
                inline: parse_inline(text, item.span),
                target: None,
            }),
            Value::Scalar(text) => Some(Patch {
                span: item.span,
                path: Some(PathRef {
                    value: text.to_string(),
                    span: item.span,
                }),
                inline: None,
                target: None,
            }),
            Value::Map(_) => Some(Patch {
                span: item.span,
                path: None,
                inline: Some(item.clone()),
                target: None,
            }),
            Value::Seq(_) => None,
        }
    }

    /// The patch body, reading the patch file when there is one.
    pub fn load(&self, repo: &Repo, dir: &str) -> Result<LoadedPatch<'_>, Problem> {
        if let Some(inline) = &self.inline {
            return Ok(LoadedPatch {
                patch: self,
                body: inline.clone(),
            });
        }
        let Some(path_ref) = &self.path else {
            return Err(Problem::NotAnObject {
                span: self.span,
                message: "patch has neither `path` nor a readable `patch`".into(),
            });
        };
        let missing = |why: String| Problem::MissingEntry {
            span: path_ref.span,
            kind: EntryKind::Patch,
            path: path_ref.value.clone(),
            why,
        };
        let Some(path) = source::resolve(dir, &path_ref.value) else {
            return Err(missing("it climbs out of the repository root".into()));
        };
        match repo.entry(&path) {
            Entry::File => {}
            Entry::Dir => return Err(missing(format!("\"{path}\" is a directory, not a file"))),
            Entry::Missing => return Err(missing(format!("\"{path}\" does not exist"))),
            e @ (Entry::Escapes | Entry::Symlink) => {
                return Err(missing(e.symlink_reason(&path)));
            }
        }
        let file = repo
            .load(&path)
            .map(|id| repo.file(id))
            .map_err(|e| missing(e.to_string()))?;
        if let Some(err) = file.errors.first() {
            return Err(Problem::InvalidYaml {
                span: err.span,
                message: err.message.clone(),
            });
        }
        let body = file
            .docs
            .iter()
            .find_map(|d| d.root.as_deref().cloned())
            .ok_or_else(|| Problem::NotAnObject {
                span: path_ref.span,
                message: format!("patch file \"{path}\" is empty"),
            })?;
        Ok(LoadedPatch { patch: self, body })
    }
}

/// A patch with its body read.
pub struct LoadedPatch<'a> {
    patch: &'a Patch,
    body: Node,
}

impl LoadedPatch<'_> {
    /// Whether the patch applies to `obj`: its target, or for a strategic-merge patch without
    /// one, the kind, name and namespace in the patch itself. A JSON patch needs a target.
    fn matches(&self, obj: &Object) -> bool {
        match (&self.patch.target, &self.body.value) {
            (Some(target), _) => target.matches(obj),
            (None, Value::Map(_)) => {
                self.body.str_at(&["kind"]) == Some(obj.kind.as_str())
                    && self.body.str_at(&["metadata", "name"]) == Some(obj.name.as_str())
                    && self
                        .body
                        .str_at(&["metadata", "namespace"])
                        .is_none_or(|ns| Some(ns) == obj.namespace.as_deref())
            }
            (None, _) => false,
        }
    }

    /// About how many bytes applying the patch copies into `objects`: its size for each
    /// object it applies to.
    pub fn cost(&self, objects: &[Object]) -> usize {
        let mut size = 0usize;
        self.body.walk(&mut |n| {
            size += 16;
            if let Value::Scalar(text) = &n.value {
                size += text.len();
            }
        });
        let targets = objects.iter().filter(|o| self.matches(o)).count();
        size.saturating_mul(targets)
    }

    pub fn apply(&self, objects: &mut Vec<Object>, _out: &mut Rendered) {
        match &self.body.value {
            Value::Seq(ops) => {
                for obj in objects.iter_mut().filter(|o| self.matches(o)) {
                    let body = std::sync::Arc::make_mut(&mut obj.body);
                    for op in ops.iter() {
                        apply_json6902(body, op);
                        // kustomize lets a JSON patch rename an object or move it to another
                        // namespace; the kind stays. (Only then: the name and namespace that
                        // transforms gave the object are not written back into its body.)
                        match op.str_at(&["path"]) {
                            Some("/metadata/name") => {
                                if let Some(name) = body.str_at(&["metadata", "name"]) {
                                    obj.name = name.into();
                                }
                            }
                            Some("/metadata/namespace") => {
                                obj.namespace =
                                    body.str_at(&["metadata", "namespace"]).map(Into::into);
                            }
                            _ => {}
                        }
                    }
                }
            }
            Value::Map(_) => {
                if self.body.str_at(&["$patch"]) == Some("delete") {
                    objects.retain(|o| !self.matches(o));
                    return;
                }
                // kustomize gives the patch the target's group/version/kind before merging
                // (`patchCopy.SetGvk(res.GetGvk())`): the object keeps its own apiVersion.
                let mut patch = self.body.clone();
                if let Value::Map(entries) = &mut patch.value {
                    yaml::edit(entries, |entries| {
                        entries.retain(|(k, _)| !matches!(k.as_str(), Some("apiVersion" | "kind")))
                    });
                }
                for obj in objects.iter_mut().filter(|o| self.matches(o)) {
                    merge(std::sync::Arc::make_mut(&mut obj.body), &patch);
                }
            }
            Value::Scalar(_) => {}
        }
    }
}

/// JSON merge of `patch` into `target`: maps merge key by key, `null` deletes, anything else
/// replaces. Keys starting with `$` are kustomize directives and are not copied.
pub fn merge(target: &mut Node, patch: &Node) {
    match (&mut target.value, &patch.value) {
        (Value::Map(entries), Value::Map(patch_entries)) => {
            // This level is copied once; below it, only the collections on the patched paths
            // are, the rest stays shared with the build.
            yaml::edit(entries, |entries| {
                for (key, value) in patch_entries.iter() {
                    let Some(name) = key.as_str() else { continue };
                    if name.starts_with('$') {
                        continue;
                    }
                    let existing = entries.iter().position(|(k, _)| k.as_str() == Some(name));
                    match existing {
                        Some(i) if value.is_null() => {
                            entries.remove(i);
                        }
                        Some(i) => merge(&mut entries[i].1, value),
                        None if value.is_null() => {}
                        None => entries.push((key.clone(), value.clone())),
                    }
                }
            });
        }
        _ => *target = patch.clone(),
    }
}

fn apply_json6902(body: &mut Node, op: &Node) {
    let (Some(kind), Some(path)) = (op.str_at(&["op"]), op.str_at(&["path"])) else {
        return;
    };
    let tokens: Vec<String> = path
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = tokens.split_last() else {
        return;
    };
    let mut node = body;
    for token in parents {
        let next = match &mut node.value {
            Value::Map(entries) => Arc::make_mut(entries)
                .iter_mut()
                .find(|(k, _)| k.as_str() == Some(token))
                .map(|(_, v)| v),
            Value::Seq(items) => token
                .parse::<usize>()
                .ok()
                .and_then(|i| Arc::make_mut(items).get_mut(i)),
            Value::Scalar(_) => None,
        };
        match next {
            Some(n) => node = n,
            None => return,
        }
    }
    let value = op.get("value").cloned();
    match (&mut node.value, kind) {
        (Value::Map(entries), "add" | "replace") => {
            let Some(value) = value else { return };
            match entries.iter().position(|(k, _)| k.as_str() == Some(last)) {
                Some(i) => Arc::make_mut(entries)[i].1 = value,
                None => yaml::edit(entries, |e| {
                    e.push((Node::scalar(last.clone(), value.span), value))
                }),
            }
        }
        (Value::Map(entries), "remove") => {
            yaml::edit(entries, |e| e.retain(|(k, _)| k.as_str() != Some(last)))
        }
        (Value::Seq(items), "add") => {
            let Some(value) = value else { return };
            match last.as_str() {
                "-" => yaml::edit(items, |items| items.push(value)),
                i => {
                    if let Ok(i) = i.parse::<usize>()
                        && i <= items.len()
                    {
                        yaml::edit(items, |items| items.insert(i, value));
                    }
                }
            }
        }
        (Value::Seq(items), "replace") => {
            if let (Some(value), Ok(i)) = (value, last.parse::<usize>())
                && i < items.len()
            {
                Arc::make_mut(items)[i] = value;
            }
        }
        (Value::Seq(items), "remove") => {
            if let Ok(i) = last.parse::<usize>()
                && i < items.len()
            {
                yaml::edit(items, |items| {
                    items.remove(i);
                });
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_copies_only_the_patched_paths() {
        let parse = |text: &str| {
            let (docs, errors) = yaml::parse(FileId(0), text);
            assert!(errors.is_empty());
            docs[0].root.clone().unwrap()
        };
        let base = parse(
            "kind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 1\n  template:\n    metadata: {labels: {app: web}}\n",
        );
        let patch = parse("spec:\n  replicas: 3\n");
        let mut patched = base.clone();
        merge(Arc::make_mut(&mut patched), &patch);
        assert_eq!(patched.str_at(&["spec", "replicas"]), Some("3"));
        assert_eq!(
            base.str_at(&["spec", "replicas"]),
            Some("1"),
            "the build is untouched"
        );
        let map_at = |node: &Node, path: &[&str]| match &node.path(path).unwrap().value {
            Value::Map(entries) => Arc::as_ptr(entries),
            _ => unreachable!(),
        };
        for untouched in [&["metadata"][..], &["spec", "template"]] {
            assert_eq!(map_at(&patched, untouched), map_at(&base, untouched));
        }
        assert_ne!(map_at(&patched, &["spec"]), map_at(&base, &["spec"]));
    }

    #[test]
    fn an_inline_patch_text_is_parsed_once_and_pointed_at_each_use() {
        let text = "kind: HelmRelease\nmetadata:\n  name: _\nspec:\n  interval: 5m\n";
        let first = parsed_inline(text).expect("parses");
        let again = parsed_inline(text).expect("parses");
        assert!(
            Arc::ptr_eq(&first, &again),
            "the second use reuses the first parse"
        );
        let at = |start| Span {
            file: FileId(7),
            start,
            end: start + 5,
        };
        let one = parse_inline(text, at(10)).expect("parses");
        let two = parse_inline(text, at(90)).expect("parses");
        assert!(one.same_content(&two));
        assert_eq!(one.str_at(&["spec", "interval"]), Some("5m"));
        assert_eq!(
            one.path(&["spec", "interval"]).map(|n| n.span),
            Some(at(10))
        );
        assert_eq!(
            two.path(&["spec", "interval"]).map(|n| n.span),
            Some(at(90))
        );
        // The same text at the same place again: the pointed tree is shared, not copied.
        let again = parse_inline(text, at(10)).expect("parses");
        assert!(
            matches!((&one.value, &again.value), (Value::Map(a), Value::Map(b)) if Arc::ptr_eq(a, b))
        );
        assert_eq!(
            again.path(&["spec", "interval"]).map(|n| n.span),
            Some(at(10))
        );
        assert!(parse_inline("a: [", at(0)).is_none());
        assert!(
            parse_inline("a: [", at(0)).is_none(),
            "a broken text stays broken"
        );
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 4096, ..Default::default() })]
        /// A selector taken as one string matches what its regex matches, and only that.
        #[test]
        fn a_selector_without_operators_matches_as_its_regex_does(
            text in r"[a\\$.{}_#&~0-9-]{0,8}",
            other in r"[a\\$.{}_#&~0-9-]{0,8}",
        ) {
            let regex = literal_braces(&text);
            if let Some(literal) = literal_of(&regex) {
                let re = Regex::new(&format!("^(?:{regex})$")).expect("a literal compiles");
                proptest::prop_assert!(re.is_match(&literal), "{} does not match {:?}", regex, literal);
                proptest::prop_assert_eq!(re.is_match(&other), other == literal, "{} on {:?}", regex, other);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 8192, ..Default::default() })]
        /// Whatever shape a selector takes (one string, alternatives, a regex), it matches what
        /// its anchored regex matches.
        #[test]
        fn a_selector_matches_as_its_regex_does(
            text in r"[ab\\.$|()?:{}-]{0,10}",
            other in r"[ab.|$-]{0,6}",
        ) {
            let regex = literal_braces(&text);
            if let Ok(re) = Regex::new(&format!("^(?:{regex})$")) {
                let pattern = Pattern::new(&text);
                proptest::prop_assert_eq!(pattern.matches(&other), re.is_match(&other), "{:?} on {:?}", pattern, other);
                if let Pattern::OneOf(alternatives) = &pattern {
                    for alternative in alternatives {
                        proptest::prop_assert!(re.is_match(alternative), "{} on {:?}", regex, alternative);
                    }
                }
            }
        }
    }

    #[test]
    fn alternatives_of_names_are_compared_not_compiled() {
        for (text, names) in [
            (
                "(kustomize-controller|helm-controller)",
                &["kustomize-controller", "helm-controller"][..],
            ),
            ("(?:a|b|c)", &["a", "b", "c"]),
            ("a|b", &["a", "b"]),
            (r"(a\|b|c)", &["a|b", "c"]),
        ] {
            assert!(
                matches!(Pattern::new(text), Pattern::OneOf(ref got) if got == names),
                "{text}"
            );
        }
    }

    #[test]
    fn selectors_with_variables_are_compared_not_compiled() {
        for (text, literal) in [
            (r"\${cluster_name}", "${cluster_name}"),
            (r"org-\${organization}", "org-${organization}"),
            (r"a\.b", "a.b"),
        ] {
            assert!(
                matches!(Pattern::new(text), Pattern::Exact(ref l) if l == literal),
                "{text}"
            );
        }
        for regex in ["web-.*", r"\d+", "a.b", "(a)|(b)", "x{2}", r"\${a}.+"] {
            assert!(matches!(Pattern::new(regex), Pattern::Regex(_)), "{regex}");
        }
    }

    #[test]
    fn braces_are_literal_unless_they_repeat() {
        assert_eq!(literal_braces(r"\${x}-app"), r"\$\{x}-app");
        assert_eq!(literal_braces("a{2}b{1,}c{1,3}"), "a{2}b{1,}c{1,3}");
        assert_eq!(literal_braces("{x}"), r"\{x}");
        let p = Pattern::new(r"\${cluster_name}-ingress-nginx");
        assert!(p.matches("${cluster_name}-ingress-nginx"));
        assert!(!p.matches("prod-ingress-nginx"));
        assert!(Pattern::new("web-[0-9]{2}").matches("web-42"));
    }
}
