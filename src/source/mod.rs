//! The repository on disk: safe path handling, reading and parsing each file once.
//!
//! Every path inside the repository is a [`RelPath`]-style string: relative to the root, `/`
//! separated, without `.` or `..` (the root itself is `""`). Nothing here follows a path or a
//! symlink out of the root, and nothing here writes.

mod lines;
pub mod processing;
pub mod yaml;
mod yaml_fast;

/// The repository's maps are hit for every file and path lookup: a fast hash (foldhash, with
/// a per-process seed) instead of SipHash.
type HashMap<K, V> = foldhash::HashMap<K, V>;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, RwLock};

pub use yaml::{Document, Node, Value, YamlError};

/// Files larger than this are not read (a finding says so).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

impl FileId {
    /// Marks a span that belongs to no file yet (text parsed from inside another file before
    /// its spans are re-pointed, or a resource entry that Flux's generator made up).
    pub const DETACHED: FileId = FileId(u32::MAX);
}

/// A byte range in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

/// A file that was read: its text and its YAML documents (when it is YAML).
#[derive(Debug)]
pub struct SourceFile {
    pub id: FileId,
    pub path: String,
    /// The text, unset only after [`Repo::release_schema_texts`] let it go; then it is read
    /// again from `reread_from` if something asks for it.
    text: OnceLock<String>,
    text_len: usize,
    reread_from: Option<PathBuf>,
    /// Mostly CRD schemas, which the documents leave out, and no suppression comment: the
    /// text may be let go after discovery (see [`Repo::release_schema_texts`]).
    releasable: bool,
    pub docs: Vec<Document>,
    pub errors: Vec<YamlError>,
    /// Byte offsets where lines start, computed on first use by [`SourceFile::line_col`]
    /// (of a kept text).
    line_starts: OnceLock<Vec<u32>>,
    /// Where some lines of a text that was let go start, to place positions in it without
    /// reading it back for good (when it is ASCII: columns are then byte distances).
    released_lines: OnceLock<lines::SparseLines>,
}

impl SourceFile {
    pub fn new(
        id: FileId,
        path: String,
        text: String,
        docs: Vec<Document>,
        errors: Vec<YamlError>,
    ) -> Self {
        SourceFile {
            id,
            path,
            text_len: text.len(),
            text: OnceLock::from(text),
            reread_from: None,
            releasable: false,
            docs,
            errors,
            line_starts: OnceLock::new(),
            released_lines: OnceLock::new(),
        }
    }

    /// The file's text. A text let go after parsing is read again (a file that vanished or
    /// became something else since reads as empty: spans are clamped to it).
    pub fn text(&self) -> &str {
        self.text.get_or_init(|| self.read_again())
    }

    fn read_again(&self) -> String {
        let Some(full) = &self.reread_from else {
            return String::new();
        };
        // Still a regular file, not a link put in its place since it was first read.
        match fs::symlink_metadata(full) {
            Ok(m) if m.is_file() => read_text(full).unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// Whether the text was let go (and not read again since): such a text holds no
    /// suppression comment (see [`Repo::release_schema_texts`]).
    pub fn text_released(&self) -> bool {
        self.reread_from.is_some() && self.text.get().is_none()
    }

    /// Bytes in the text when it was read.
    pub fn len(&self) -> usize {
        self.text_len
    }

    pub fn is_empty(&self) -> bool {
        self.text_len == 0
    }

    /// The document that holds the byte at `offset`.
    pub fn document_at(&self, offset: u32) -> Option<&Document> {
        let after = self.docs.partition_point(|d| d.start <= offset);
        self.docs.get(after.checked_sub(1)?)
    }

    /// The 1-based line and column (in characters) of a byte offset, clamped to the text.
    /// Lines are indexed once per file, so a file with thousands of findings is not rescanned
    /// from its start for each of them.
    pub fn line_col(&self, offset: u32) -> (usize, usize) {
        // A text that was let go is streamed once to note where some of its lines start, and
        // not kept: in an ASCII text (CRD bundles usually are), columns are byte distances.
        if self.text_released()
            && let Some(full) = &self.reread_from
        {
            let lines = self
                .released_lines
                .get_or_init(|| lines::SparseLines::read(full));
            if lines.ascii {
                return lines.line_col(full, (offset as usize).min(self.text_len));
            }
        }
        let text = self.text();
        let mut offset = (offset as usize).min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let starts = self.line_starts.get_or_init(|| line_starts(text));
        let line = starts.partition_point(|&s| s as usize <= offset);
        let start = starts[line - 1] as usize;
        (line, text[start..offset].chars().count() + 1)
    }

    /// A span covering nothing at the start of the file, for findings about the file itself.
    pub fn start_span(&self) -> Span {
        let text = self.text();
        let end = text.find('\n').unwrap_or(text.len()) as u32;
        Span {
            file: self.id,
            start: 0,
            end: end.min(text.len() as u32),
        }
    }
}

/// What is at a path inside the repository.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    File,
    Dir,
    Missing,
    /// A symlink (somewhere along the path) that leads out of the repository.
    Escapes,
    /// A symlink (somewhere along the path) inside the repository, dangling or looping ones
    /// included. Flux's source-controller leaves symlinks out of the artifact it builds, so for
    /// Flux the path does not exist; fleetlint never follows one either.
    Symlink,
}

impl Entry {
    /// Why a path through a symlink cannot be used, for findings.
    pub fn symlink_reason(self, path: &str) -> String {
        match self {
            Entry::Escapes => format!("\"{path}\" is a symlink that leads outside the repository"),
            _ => format!(
                "\"{path}\" is a symlink, and Flux leaves symlinks out of the source artifact"
            ),
        }
    }
}

/// Why a file could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadError {
    Missing,
    Escapes,
    Symlink,
    TooLarge(u64),
    /// Not UTF-8 from byte `at`; `text` is the file decoded lossily, to show where.
    NotUtf8 {
        text: String,
        at: u32,
    },
    Binary,
    Io(String),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Missing => write!(f, "no such file"),
            LoadError::Escapes => write!(f, "a symlink leads outside the repository"),
            LoadError::Symlink => write!(
                f,
                "it is a symlink, and Flux leaves symlinks out of the source artifact"
            ),
            LoadError::TooLarge(n) => write!(
                f,
                "file is {} MiB ({n} bytes), larger than fleetlint's {} MiB limit, so it was not read",
                n / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            LoadError::NotUtf8 { .. } => {
                write!(f, "file is not UTF-8 text: this byte is not valid UTF-8")
            }
            LoadError::Binary => write!(f, "file is binary (it contains NUL bytes)"),
            LoadError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// A directory's entries, sorted by name, shared between the walks that read it.
pub type Listing = Arc<[(String, Entry)]>;

/// Byte offsets where lines start. Line breaks as YAML (and miette) count them: `\n`,
/// `\r\n` and a lone `\r`. Found with memchr: the files with findings include
/// multi-megabyte CRD bundles.
pub(crate) fn line_starts(text: &str) -> Vec<u32> {
    let bytes = text.as_bytes();
    let mut starts = vec![0];
    for i in memchr::memchr2_iter(b'\n', b'\r', bytes) {
        if bytes[i] == b'\n' || bytes.get(i + 1) != Some(&b'\n') {
            starts.push(i as u32 + 1);
        }
    }
    starts
}

/// Files with at least this many bytes of CRD schemas may have their text let go after
/// discovery (see [`Repo::release_schema_texts`]).
const RELEASED_SCHEMA_BYTES: usize = 64 * 1024;

/// One path's load: unset until the thread that reads and parses it is done.
type LoadCell = Arc<OnceLock<Result<FileId, LoadError>>>;

/// The repository being checked. Shared by all stages; caches are behind locks so that files
/// can be parsed in parallel.
pub struct Repo {
    /// The root, canonicalised: every read is checked to stay below it.
    root: PathBuf,
    files: RwLock<HashMap<FileId, Arc<SourceFile>>>,
    next_id: AtomicU32,
    /// Each path's load, made once by the first thread that asks; the others wait for it.
    loaded: Mutex<HashMap<String, LoadCell>>,
    entries: Mutex<HashMap<String, Entry>>,
    /// Directory listings, read once: discovery, the bootstrap search, generators and the
    /// search for unapplied sources all walk the same directories.
    listings: Mutex<HashMap<String, Listing>>,
    /// The files found by walking a whole subtree, walked once: discovery walks the targets,
    /// the search for unapplied sources the whole repository, often the same tree.
    walks: Mutex<HashMap<String, Arc<[String]>>>,
}

impl Repo {
    pub fn open(root: &Path) -> std::io::Result<Repo> {
        Ok(Repo {
            root: fs::canonicalize(root)?,
            files: RwLock::new(HashMap::default()),
            next_id: AtomicU32::new(0),
            loaded: Mutex::new(HashMap::default()),
            entries: Mutex::new(HashMap::default()),
            listings: Mutex::new(HashMap::default()),
            walks: Mutex::new(HashMap::default()),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn file(&self, id: FileId) -> Arc<SourceFile> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        Arc::clone(
            files
                .get(&id)
                .expect("file ids are only made by add_file, which stores them"),
        )
    }

    /// Bytes of text read so far.
    pub fn bytes_read(&self) -> usize {
        self.files
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .map(|f| f.len())
            .sum()
    }

    /// Every file read so far, in the order they were read.
    pub fn files(&self) -> Vec<Arc<SourceFile>> {
        let files = self.files.read().unwrap_or_else(|e| e.into_inner());
        let mut all: Vec<Arc<SourceFile>> = files.values().cloned().collect();
        all.sort_by_key(|f| f.id);
        all
    }

    pub fn file_count(&self) -> usize {
        self.files.read().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// What is at `rel`, checked without leaving the root. Each component is looked at with
    /// `lstat`, from the root down, so a symlink is never followed: loops cannot recur, and an
    /// escaping link is only resolved to say where it leads.
    pub fn entry(&self, rel: &str) -> Entry {
        if rel.is_empty() {
            return Entry::Dir;
        }
        if let Some(e) = self.lock_entries().get(rel) {
            return *e;
        }
        // Every prefix ends before a `/` or at the end of `rel`.
        let ends = rel
            .match_indices('/')
            .map(|(i, _)| i)
            .chain(std::iter::once(rel.len()));
        let mut entry = Entry::Dir;
        for end in ends {
            let prefix = &rel[..end];
            if prefix.is_empty() || prefix.ends_with('/') {
                continue;
            }
            let cached = self.lock_entries().get(prefix).copied();
            entry = match cached {
                Some(e) => e,
                None => {
                    let e = self.classify(prefix);
                    self.lock_entries().insert(prefix.to_string(), e);
                    e
                }
            };
            match entry {
                Entry::Dir => {}
                // A file in the middle of a path: nothing is below it.
                Entry::File if end < rel.len() => entry = Entry::Missing,
                _ => break,
            }
        }
        self.lock_entries().insert(rel.to_string(), entry);
        entry
    }

    /// One path whose parent is known to be a real directory below the root.
    fn classify(&self, rel: &str) -> Entry {
        let full = self.root.join(rel);
        match fs::symlink_metadata(&full) {
            Err(_) => Entry::Missing,
            Ok(m) if m.file_type().is_symlink() => match fs::canonicalize(&full) {
                Ok(real) if !real.starts_with(&self.root) => Entry::Escapes,
                _ => Entry::Symlink,
            },
            Ok(m) if m.is_dir() => Entry::Dir,
            Ok(m) if m.is_file() => Entry::File,
            // FIFOs, sockets, devices: never in a Git checkout, and reading one could block.
            Ok(_) => Entry::Missing,
        }
    }

    fn lock_entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The names in a directory, sorted, with what each is. Entries whose symlinks escape the
    /// root are left out. Listed once per run; later calls share the first listing.
    pub fn list_dir(&self, rel: &str) -> Arc<[(String, Entry)]> {
        if let Some(listed) = self.lock_listings().get(rel) {
            return Arc::clone(listed);
        }
        let listed = self.read_listing(rel);
        Arc::clone(
            self.lock_listings()
                .entry(rel.to_string())
                .or_insert(listed),
        )
    }

    /// The files `walk` finds under `dir`, walked once per run; later calls share the first
    /// walk (each directory of which is also listed once, see [`Repo::list_dir`]).
    pub fn walk_once(&self, dir: &str, walk: impl FnOnce() -> Vec<String>) -> Arc<[String]> {
        let lock = || self.walks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(walked) = lock().get(dir) {
            return Arc::clone(walked);
        }
        let walked: Arc<[String]> = walk().into();
        Arc::clone(lock().entry(dir.to_string()).or_insert(walked))
    }

    fn lock_listings(&self) -> std::sync::MutexGuard<'_, HashMap<String, Listing>> {
        self.listings.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_listing(&self, rel: &str) -> Arc<[(String, Entry)]> {
        if self.entry(rel) != Entry::Dir {
            return Arc::from([]);
        }
        let Ok(read) = fs::read_dir(self.root.join(rel)) else {
            return Arc::from([]);
        };
        let mut listed: Vec<(String, Option<Entry>)> = read
            .filter_map(|e| e.ok())
            .filter_map(|e| {
                let name = e.file_name().into_string().ok()?;
                // The directory entry says what it is without another system call; only
                // symlinks need resolving.
                let known = match e.file_type() {
                    Ok(t) if t.is_dir() => Some(Entry::Dir),
                    Ok(t) if t.is_file() => Some(Entry::File),
                    _ => None,
                };
                Some((name, known))
            })
            .collect();
        listed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut entries = self.lock_entries();
        for (name, known) in &listed {
            if let Some(entry) = known {
                entries.entry(join(rel, name)).or_insert(*entry);
            }
        }
        drop(entries);
        listed
            .into_iter()
            .map(|(name, known)| {
                let entry = known.unwrap_or_else(|| self.entry(&join(rel, &name)));
                (name, entry)
            })
            .collect()
    }

    /// The text of a file, without parsing or registering it, under the same rules as
    /// [`Repo::load`]: no symlink is followed, and nothing larger than [`MAX_FILE_BYTES`] or
    /// not UTF-8 is returned.
    pub fn read(&self, rel: &str) -> Result<String, LoadError> {
        match self.entry(rel) {
            Entry::Missing | Entry::Dir => Err(LoadError::Missing),
            Entry::Escapes => Err(LoadError::Escapes),
            Entry::Symlink => Err(LoadError::Symlink),
            Entry::File => read_text(&self.root.join(rel)),
        }
    }

    /// Reads and parses a file once; later calls return the same id. A thread asking for a
    /// file another one is parsing waits for that parse, so no file is parsed twice.
    pub fn load(&self, rel: &str) -> Result<FileId, LoadError> {
        self.load_cell(rel)
            .get_or_init(|| self.read_and_parse(rel))
            .clone()
    }

    /// The id of a file already read and parsed, without touching the disk.
    pub fn loaded(&self, rel: &str) -> Option<FileId> {
        self.lock_loaded()
            .get(rel)
            .and_then(|cell| cell.get())
            .and_then(|r| r.as_ref().ok().copied())
    }

    /// Lets go of the texts that are mostly CRD schemas, which the parsed documents leave out:
    /// they are most of a large fleet's bytes, and after discovery only a finding in one of
    /// these files needs its text again, which is then read again (to place the finding; and
    /// kept, only to show a snippet or a column on a non-ASCII line). A text holding a
    /// suppression comment is kept: every file's comments are read after the checks.
    pub fn release_schema_texts(&self) {
        let mut files = self.files.write().unwrap_or_else(|e| e.into_inner());
        for file in files.values_mut() {
            let Some(file) = Arc::get_mut(file) else {
                continue; // someone still reads it
            };
            if file.releasable {
                file.text.take();
                file.line_starts.take();
                file.reread_from = Some(self.root.join(&file.path));
            }
        }
    }

    /// Whether `f` holds of a file's text, looked at without parsing it: the text of a loaded
    /// file, else the file read again (and not kept, for a text that was let go). False for a
    /// file that cannot be read.
    pub fn text_matches(&self, rel: &str, f: impl Fn(&str) -> bool) -> bool {
        if let Some(id) = self.loaded(rel) {
            let file = self.file(id);
            if !file.text_released() {
                return f(file.text());
            }
        }
        self.read(rel).is_ok_and(|text| f(&text))
    }

    fn load_cell(&self, rel: &str) -> LoadCell {
        let mut loaded = self.lock_loaded();
        if let Some(cell) = loaded.get(rel) {
            return Arc::clone(cell);
        }
        let cell = LoadCell::default();
        loaded.insert(rel.to_string(), Arc::clone(&cell));
        cell
    }

    fn lock_loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, LoadCell>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn read_and_parse(&self, rel: &str) -> Result<FileId, LoadError> {
        let _mark = processing::processing(rel);
        processing::debug_panic_on(rel);
        match self.entry(rel) {
            Entry::Missing | Entry::Dir => return Err(LoadError::Missing),
            Entry::Escapes => return Err(LoadError::Escapes),
            Entry::Symlink => return Err(LoadError::Symlink),
            Entry::File => {}
        }
        let full = self.root.join(rel);
        // A file that exists but cannot be used still gets an id (with empty text), so that
        // the problem is reported at that file like any YAML error.
        let text = match read_text(&full) {
            Ok(text) => text,
            Err(err) => return Ok(self.add_unreadable(rel.to_string(), &err)),
        };
        Ok(self.add_file(rel.to_string(), text))
    }

    fn add_unreadable(&self, path: String, err: &LoadError) -> FileId {
        let id = FileId(self.next_id.fetch_add(1, Ordering::Relaxed));
        // Text that is UTF-8 up to a bad byte is kept (lossily) so the finding shows its line.
        let (text, at) = match err {
            LoadError::NotUtf8 { text, at } => (text.clone(), *at),
            _ => (String::new(), 0),
        };
        let end = text[at as usize..]
            .chars()
            .next()
            .map_or(at, |c| at + c.len_utf8() as u32);
        let error = YamlError {
            span: Span {
                file: id,
                start: at,
                end,
            },
            message: err.to_string(),
        };
        let file = Arc::new(SourceFile::new(id, path, text, Vec::new(), vec![error]));
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, file);
        id
    }

    /// Registers a text under a path and parses it as YAML. Ids come from a counter so that
    /// files parsed on several threads never share one.
    fn add_file(&self, path: String, text: String) -> FileId {
        let id = FileId(self.next_id.fetch_add(1, Ordering::Relaxed));
        let is_yaml = path.ends_with(".yaml")
            || path.ends_with(".yml")
            || path.ends_with(".yaml.gotmpl")
            || is_kustomization_name(&path);
        let (docs, errors, schema_bytes) = if is_yaml {
            yaml::parse_counting_cuts(id, &text)
        } else {
            (Vec::new(), Vec::new(), 0)
        };
        // Decided here, on the thread that parsed the text, while it is in cache.
        let releasable = schema_bytes >= RELEASED_SCHEMA_BYTES
            && schema_bytes * 2 >= text.len()
            && !crate::suppress::holds_marker(&text);
        let mut file = SourceFile::new(id, path, text, docs, errors);
        file.releasable = releasable;
        let file = Arc::new(file);
        self.files
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(id, file);
        id
    }
}

fn read_text(full: &Path) -> Result<String, LoadError> {
    let io = |e: std::io::Error| LoadError::Io(e.to_string());
    let file = fs::File::open(full).map_err(io)?;
    // The size of the open file (fstat), not of the path again.
    let size = file.metadata().map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge(size));
    }
    // Read at most one byte past the limit, in case the file grew since `metadata`.
    let mut bytes = Vec::with_capacity(size as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(LoadError::TooLarge(bytes.len() as u64));
    }
    if bytes.contains(&0) {
        return Err(LoadError::Binary);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to() as u32;
        LoadError::NotUtf8 {
            text: String::from_utf8_lossy(e.as_bytes()).into_owned(),
            at,
        }
    })
}

/// Is this file name one that kustomize recognises as a kustomization?
pub fn is_kustomization_name(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Joins a repository-relative directory and a name.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        return name.to_string();
    }
    let mut path = String::with_capacity(dir.len() + 1 + name.len());
    path.push_str(dir);
    path.push('/');
    path.push_str(name);
    path
}

/// Whether a repository-relative `path` is `dir` or inside it; everything is inside the
/// repository root (`""`).
pub fn is_under(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path
            .strip_prefix(dir)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// The directory part of a repository-relative path.
pub fn parent(path: &str) -> &str {
    path.rfind('/').map_or("", |i| &path[..i])
}

/// Resolves `rel` against `base` (both inside the repository), lexically. `None` when `..`
/// climbs above the repository root. A leading `/` means the repository root, as with Flux's
/// SecureJoin.
pub fn resolve(base: &str, rel: &str) -> Option<String> {
    if let Some(joined) = resolve_plain(base, rel) {
        return Some(joined);
    }
    resolve_segments(base, rel)
}

/// [`resolve`] for the usual case, without splitting: `rel` is `./`-prefixed or not, and no
/// segment of it is `..`, `.` or empty, nor of `base` empty. `None` when that is not so.
fn resolve_plain(base: &str, rel: &str) -> Option<String> {
    let mut rel = rel;
    while let Some(rest) = rel.strip_prefix("./") {
        rel = rest;
    }
    // Every segment between slashes passes `ok`; an empty path has none.
    let segments_pass = |path: &str, ok: fn(&[u8]) -> bool| {
        path.is_empty() || path.as_bytes().split(|&b| b == b'/').all(ok)
    };
    let plain_rel = segments_pass(rel, |seg| !seg.is_empty() && seg != b"." && seg != b"..");
    let plain_base = segments_pass(base, |seg| !seg.is_empty());
    if !(plain_rel && plain_base) {
        return None;
    }
    let mut joined = String::with_capacity(base.len() + 1 + rel.len());
    joined.push_str(base);
    if !base.is_empty() && !rel.is_empty() {
        joined.push('/');
    }
    joined.push_str(rel);
    Some(joined)
}

/// [`resolve`], segment by segment.
fn resolve_segments(base: &str, rel: &str) -> Option<String> {
    // One buffer, cut back at its last `/` for each `..`: no vector of segments to join
    // (`../../components/x` is in most kustomizations of a home lab).
    let mut out = String::with_capacity(base.len() + 1 + rel.len());
    let push = |out: &mut String, part: &str| -> Option<()> {
        match part {
            "" | "." => {}
            ".." => {
                if out.is_empty() {
                    return None;
                }
                let cut = out.rfind('/').unwrap_or(0);
                out.truncate(cut);
            }
            part => {
                if !out.is_empty() {
                    out.push('/');
                }
                out.push_str(part);
            }
        }
        Some(())
    };
    if !rel.starts_with('/') {
        for part in base.split('/').filter(|p| !p.is_empty()) {
            // A `..` in the base counts as a name, as the segment walk always did.
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(part);
        }
    }
    for part in rel.split('/') {
        push(&mut out, part)?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 8192, ..Default::default() })]
        /// The shortcut for plain paths resolves as the segment-by-segment walk does.
        #[test]
        fn plain_paths_resolve_as_segments_do(
            base in proptest::collection::vec(proptest::sample::select(vec!["", "a", "b", ".", "..", "/", "c.d"]), 0..5),
            rel in proptest::collection::vec(proptest::sample::select(vec!["", "a", "b", ".", "..", "/", "./", "x..y", "c.d"]), 0..6),
        ) {
            let base = base.join("/");
            let rel = rel.concat();
            if let Some(plain) = resolve_plain(&base, &rel) {
                proptest::prop_assert_eq!(Some(plain), resolve_segments(&base, &rel), "{:?} + {:?}", base, rel);
            }
        }

        /// The one-buffer walk resolves as the plain segment walk (a vector of segments, one
        /// popped per `..`) does.
        #[test]
        fn segments_resolve_as_a_vector_of_segments_does(
            base in proptest::collection::vec(proptest::sample::select(vec!["", "a", "b", ".", "..", "/", "c.d"]), 0..5),
            rel in proptest::collection::vec(proptest::sample::select(vec!["", "a", "b", ".", "..", "/", "./", "../", "x..y", "c.d"]), 0..6),
        ) {
            let base = base.join("/");
            let rel = rel.concat();
            proptest::prop_assert_eq!(resolve_segments(&base, &rel), segment_walk(&base, &rel), "{:?} + {:?}", base, rel);
        }
    }

    /// The obvious segment walk, the reference for [`resolve_segments`].
    fn segment_walk(base: &str, rel: &str) -> Option<String> {
        let mut parts: Vec<&str> = if rel.starts_with('/') {
            Vec::new()
        } else {
            base.split('/').filter(|p| !p.is_empty()).collect()
        };
        for part in rel.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                p => parts.push(p),
            }
        }
        Some(parts.join("/"))
    }

    #[test]
    fn plain_paths_take_the_shortcut() {
        assert_eq!(
            resolve_plain("apps", "./base/app").as_deref(),
            Some("apps/base/app")
        );
        assert_eq!(resolve_plain("", "./apps").as_deref(), Some("apps"));
        assert_eq!(resolve_plain("apps", "./").as_deref(), Some("apps"));
        assert_eq!(resolve_plain("apps", "../base"), None);
        assert_eq!(resolve("apps/dev", "../base").as_deref(), Some("apps/base"));
        assert_eq!(resolve("apps", "../../x"), None);
    }

    #[test]
    fn line_col_counts_characters_and_clamps() {
        let file = SourceFile::new(
            FileId(0),
            "x.yaml".into(),
            "a: é\nbé: x\n".into(),
            Vec::new(),
            Vec::new(),
        );
        assert_eq!(file.line_col(0), (1, 1));
        assert_eq!(file.line_col(file.text().find('x').unwrap() as u32), (2, 5));
        // Inside a character: its start; past the end: the end.
        assert_eq!(file.line_col(4), (1, 4));
        assert_eq!(file.line_col(1000), (3, 1));
        let old_mac = SourceFile::new(
            FileId(0),
            "x.yaml".into(),
            "a: 1\rb: 2\r\nc: 3\n".into(),
            Vec::new(),
            Vec::new(),
        );
        assert_eq!(old_mac.line_col(5), (2, 1));
        assert_eq!(old_mac.line_col(11), (3, 1));
    }

    #[test]
    fn resolve_paths() {
        assert_eq!(resolve("a/b", "../c").as_deref(), Some("a/c"));
        assert_eq!(resolve("a", "./x/./y/").as_deref(), Some("a/x/y"));
        assert_eq!(resolve("a", "../..").as_deref(), None);
        assert_eq!(resolve("a/b", "/clusters/x").as_deref(), Some("clusters/x"));
        assert_eq!(resolve("", ".").as_deref(), Some(""));
    }
}
