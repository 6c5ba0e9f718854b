//! `.fleetlint.yaml` → a validated [`Config`]: what a run is configured with once the file is
//! read. Raw command-line flags stay in `cli.rs`.
//!
//! The file is read with the project's own YAML layer so every key and value keeps its span:
//! an unknown key or a bad value is an error at `file:line:column` with a did-you-mean, never a
//! setting that silently does nothing. `schemas/fleetlint.schema.json` describes the same keys
//! for editors; `tests/config.rs` keeps the two in step. Nothing here reads the repository
//! beyond checking that mapped source directories exist.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use globset::{GlobBuilder, GlobSet, GlobSetBuilder};

use crate::checks::{self, Check};
use crate::finding::Severity;
use crate::source::{FileId, Node, Span, yaml};

/// The configuration file looked for at the repository root.
pub const FILE_NAME: &str = ".fleetlint.yaml";
/// Top-level keys, in the order the README documents them.
pub const KEYS: &[&str] = &["rules", "ignore", "assume", "sources", "variables"];
/// Keys of `assume:`.
pub const ASSUME_KEYS: &[&str] = &["groups", "kinds"];
/// Values a rule can be set to in `rules:`.
pub const LEVELS: &[&str] = &["error", "warning", "info", "off"];

/// What `rules:` sets a rule to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Off,
    On(Severity),
}

/// The resolved configuration of a run. `Config::default()` is "no file".
#[derive(Debug, Default)]
pub struct Config {
    /// The file it was read from, as shown in messages.
    pub file: Option<String>,
    /// Severity overrides and rules turned off, by rule code.
    pub rules: BTreeMap<&'static str, Level>,
    /// Repository paths whose findings are not reported.
    pub ignore: IgnorePaths,
    /// CRDs installed outside the repository.
    pub assume: Assume,
    /// Flux sources (`namespace/name`) mapped to a directory of the repository.
    pub sources: BTreeMap<String, String>,
    /// Post-build variables from outside the repository, by cluster name.
    pub variables: BTreeMap<String, BTreeMap<String, String>>,
}

impl Config {
    /// Reads `--config FILE`, else `.fleetlint.yaml` at `root` when there is one.
    pub fn load(root: &Path, explicit: Option<&Path>) -> anyhow::Result<Config> {
        let (path, display) = match explicit {
            Some(path) => (path.to_path_buf(), path.display().to_string()),
            None => {
                // The repository's own file is read like any file of it: within the size
                // limit, and not through a symlink (which could lead out of the repository).
                let path = root.join(FILE_NAME);
                let display = shown_path(&path);
                let repo = crate::source::Repo::open(root)
                    .with_context(|| format!("cannot open {}", root.display()))?;
                let text = match repo.read(FILE_NAME) {
                    Ok(text) => text,
                    Err(crate::source::LoadError::Missing) => return Ok(Config::default()),
                    Err(err) => anyhow::bail!("cannot read the configuration {display}: {err}"),
                };
                return Ok(Config::parse(&display, &text, root)?);
            }
        };
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read the configuration {display}"))?;
        Ok(Config::parse(&display, &text, root)?)
    }

    /// Parses and validates a configuration text. `root` is the repository root that
    /// `sources:` directories are relative to.
    pub fn parse(display: &str, text: &str, root: &Path) -> Result<Config, ConfigError> {
        let cx = Reader { display, text };
        let (docs, errors) = yaml::parse(FileId(0), text);
        if let Some(err) = errors.first() {
            return Err(cx.error(err.span, format!("invalid YAML: {}", err.message)));
        }
        let mut roots = docs.iter().filter_map(|d| d.root.as_ref());
        let mut config = Config {
            file: Some(display.to_string()),
            ..Config::default()
        };
        let Some(top) = roots.next() else {
            return Ok(config);
        };
        if let Some(extra) = roots.next() {
            return Err(cx.error(
                extra.span,
                "the configuration must be one YAML document".into(),
            ));
        }
        for (key, value) in cx.map(top, "the configuration")? {
            match cx.key(key, KEYS, "configuration")? {
                "rules" => config.rules = cx.rules(value)?,
                "ignore" => config.ignore = cx.ignore(value)?,
                "assume" => config.assume = cx.assume(value)?,
                "sources" => config.sources = cx.sources(value, root)?,
                // `key` returns one of KEYS: this is "variables".
                _ => config.variables = cx.variables(value)?,
            }
        }
        Ok(config)
    }

    /// The level `rules:` sets for a rule, if any.
    pub fn level(&self, code: &str) -> Option<Level> {
        self.rules.get(code).copied()
    }

    pub fn is_off(&self, code: &str) -> bool {
        self.level(code) == Some(Level::Off)
    }

    /// The severity a finding of `code` is reported with.
    pub fn severity(&self, code: &str, default: Severity) -> Severity {
        match self.level(code) {
            Some(Level::On(severity)) => severity,
            _ => default,
        }
    }

    /// The variables given for a cluster (empty when none).
    pub fn variables_of(&self, cluster: &str) -> BTreeMap<String, String> {
        self.variables.get(cluster).cloned().unwrap_or_default()
    }
}

/// A path shown relative to the current directory when it is below it.
fn shown_path(path: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let cwd = cwd.and_then(|c| std::fs::canonicalize(c).ok());
    let shown: PathBuf = match cwd.as_deref().and_then(|c| path.strip_prefix(c).ok()) {
        Some(rel) => rel.to_path_buf(),
        None => path.to_path_buf(),
    };
    shown.display().to_string()
}

/// Repository paths to leave out of the report (`ignore:`), matched with globset. A pattern
/// that matches a directory covers every file under it.
#[derive(Debug, Clone)]
pub struct IgnorePaths {
    pub patterns: Vec<String>,
    set: GlobSet,
}

impl Default for IgnorePaths {
    fn default() -> Self {
        IgnorePaths {
            patterns: Vec::new(),
            set: GlobSet::empty(),
        }
    }
}

impl IgnorePaths {
    /// Whether a repository-relative path (`/`-separated) or a directory above it matches.
    pub fn matches(&self, path: &str) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let mut end = 0;
        loop {
            let next = path[end..].find('/').map(|i| end + i);
            let prefix = &path[..next.unwrap_or(path.len())];
            if self.set.is_match(prefix) {
                return true;
            }
            match next {
                Some(i) => end = i + 1,
                None => return false,
            }
        }
    }
}

/// CRDs installed outside the repository (`assume:`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assume {
    /// API groups, every kind of which is assumed installed.
    pub groups: Vec<String>,
    /// Single kinds, optionally qualified by group.
    pub kinds: Vec<AssumedKind>,
}

/// `Kind` or `group/Kind` from `assume.kinds`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedKind {
    pub group: Option<String>,
    pub kind: String,
}

impl Assume {
    /// Whether the configuration says the CRD of `kind` in API group `group` exists.
    pub fn covers(&self, group: &str, kind: &str) -> bool {
        self.groups.iter().any(|g| g == group)
            || self
                .kinds
                .iter()
                .any(|k| k.kind == kind && k.group.as_deref().is_none_or(|g| g == group))
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty() && self.kinds.is_empty()
    }
}

/// A configuration the run cannot use: exit 2 with the place and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// Reads nodes of one configuration text, turning problems into positioned errors.
struct Reader<'a> {
    display: &'a str,
    text: &'a str,
}

type Entries<'n> = &'n [(Node, Node)];

impl Reader<'_> {
    fn error(&self, span: Span, message: String) -> ConfigError {
        let (line, column) = crate::report::line_col(self.text, span.start);
        ConfigError {
            file: self.display.to_string(),
            line,
            column,
            message,
        }
    }

    /// The entries of a mapping; null (an empty section) is an empty mapping.
    fn map<'n>(&self, node: &'n Node, what: &str) -> Result<Entries<'n>, ConfigError> {
        if node.is_null() {
            return Ok(&[]);
        }
        node.as_map()
            .ok_or_else(|| self.error(node.span, format!("{what} must be a mapping")))
    }

    fn seq<'n>(&self, node: &'n Node, what: &str) -> Result<&'n [Node], ConfigError> {
        if node.is_null() {
            return Ok(&[]);
        }
        node.as_seq()
            .ok_or_else(|| self.error(node.span, format!("{what} must be a list")))
    }

    fn string<'n>(&self, node: &'n Node, what: &str) -> Result<&'n str, ConfigError> {
        node.as_str()
            .ok_or_else(|| self.error(node.span, format!("{what} must be a string")))
    }

    /// A key that must be one of `allowed`.
    fn key<'k>(
        &self,
        key: &Node,
        allowed: &[&'k str],
        section: &str,
    ) -> Result<&'k str, ConfigError> {
        let name = self.string(key, "a key")?;
        allowed
            .iter()
            .find(|k| **k == name)
            .copied()
            .ok_or_else(|| {
                let hint = match checks::did_you_mean(name, allowed.iter().copied()) {
                    Some(m) => format!("did you mean \"{m}\"?"),
                    None => format!("expected one of: {}", allowed.join(", ")),
                };
                self.error(
                    key.span,
                    format!("unknown key \"{name}\" in the {section} ({hint})"),
                )
            })
    }

    fn rules(&self, node: &Node) -> Result<BTreeMap<&'static str, Level>, ConfigError> {
        let mut rules: BTreeMap<&'static str, (Level, Span)> = BTreeMap::new();
        for (key, value) in self.map(node, "`rules`")? {
            let name = self.string(key, "a rule")?;
            let check = rule(name).ok_or_else(|| {
                let names = checks::ALL.iter().flat_map(|c| [c.code, c.name]);
                let hint = match checks::did_you_mean(name, names) {
                    Some(m) => format!("did you mean \"{m}\"?"),
                    None => "`fleetlint rules` lists them".to_string(),
                };
                self.error(key.span, format!("no rule \"{name}\" ({hint})"))
            })?;
            let level = match value.as_str() {
                Some("error") => Level::On(Severity::Error),
                Some("warning") => Level::On(Severity::Warning),
                Some("info") => Level::On(Severity::Info),
                Some("off") => Level::Off,
                other => {
                    let shown = other.map_or_else(|| "this".to_string(), |v| format!("\"{v}\""));
                    let hint = other
                        .and_then(|v| checks::did_you_mean(v, LEVELS.iter().copied()))
                        .map_or_else(
                            || format!("expected one of: {}", LEVELS.join(", ")),
                            |m| format!("did you mean \"{m}\"?"),
                        );
                    return Err(self.error(
                        value.span,
                        format!("bad level {shown} for rule \"{}\" ({hint})", check.code),
                    ));
                }
            };
            if let Some((_, first)) = rules.get(check.code) {
                let (line, _) = crate::report::line_col(self.text, first.start);
                return Err(self.error(
                    key.span,
                    format!(
                        "rule \"{}\" ({}) is already set on line {line}",
                        check.code, check.name
                    ),
                ));
            }
            rules.insert(check.code, (level, key.span));
        }
        Ok(rules.into_iter().map(|(k, (l, _))| (k, l)).collect())
    }

    fn ignore(&self, node: &Node) -> Result<IgnorePaths, ConfigError> {
        let mut patterns = Vec::new();
        let mut builder = GlobSetBuilder::new();
        for item in self.seq(node, "`ignore`")? {
            let raw = self.string(item, "an `ignore` pattern")?;
            let pattern = raw.trim_start_matches("./").trim_end_matches('/');
            if pattern.is_empty() {
                return Err(self.error(item.span, "empty `ignore` pattern".into()));
            }
            let glob = GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| {
                    self.error(
                        item.span,
                        format!("bad glob \"{raw}\" in `ignore`: {}", e.kind()),
                    )
                })?;
            builder.add(glob);
            patterns.push(pattern.to_string());
        }
        let set = builder
            .build()
            .map_err(|e| self.error(node.span, format!("bad `ignore` patterns: {e}")))?;
        Ok(IgnorePaths { patterns, set })
    }

    fn assume(&self, node: &Node) -> Result<Assume, ConfigError> {
        let mut assume = Assume::default();
        for (key, value) in self.map(node, "`assume`")? {
            match self.key(key, ASSUME_KEYS, "`assume` section")? {
                "groups" => {
                    for item in self.seq(value, "`assume.groups`")? {
                        let group = self.string(item, "an API group")?;
                        if !is_dns_subdomain(group) {
                            return Err(self.error(
                                item.span,
                                format!(
                                    "\"{group}\" is not an API group (lower-case DNS name such as \"monitoring.coreos.com\")"
                                ),
                            ));
                        }
                        assume.groups.push(group.to_string());
                    }
                }
                _ => {
                    for item in self.seq(value, "`assume.kinds`")? {
                        let text = self.string(item, "a kind")?;
                        let (group, kind) = match text.rsplit_once('/') {
                            Some((g, k)) => (Some(g), k),
                            None => (None, text),
                        };
                        if !group.is_none_or(is_dns_subdomain) || !is_kind(kind) {
                            return Err(self.error(
                                item.span,
                                format!(
                                    "\"{text}\" is not a kind (write \"Kind\" or \"group/Kind\", such as \"monitoring.coreos.com/ServiceMonitor\")"
                                ),
                            ));
                        }
                        assume.kinds.push(AssumedKind {
                            group: group.map(str::to_string),
                            kind: kind.to_string(),
                        });
                    }
                }
            }
        }
        Ok(assume)
    }

    fn sources(&self, node: &Node, root: &Path) -> Result<BTreeMap<String, String>, ConfigError> {
        let mut sources = BTreeMap::new();
        for (key, value) in self.map(node, "`sources`")? {
            let id = self.string(key, "a source")?;
            let valid = id
                .split_once('/')
                .is_some_and(|(ns, name)| is_dns_subdomain(ns) && is_dns_subdomain(name));
            if !valid {
                return Err(self.error(
                    key.span,
                    format!(
                        "\"{id}\" is not a source: write \"<namespace>/<name>\" of the Flux source, such as \"flux-system/platform\""
                    ),
                ));
            }
            let dir = self.string(value, "a source directory")?;
            let rel = self.directory(value.span, dir, root)?;
            sources.insert(id.to_string(), rel);
        }
        Ok(sources)
    }

    /// A directory relative to the repository root that exists and stays inside it.
    fn directory(&self, span: Span, dir: &str, root: &Path) -> Result<String, ConfigError> {
        if dir.starts_with('/') || Path::new(dir).is_absolute() || dir.contains('\\') {
            return Err(self.error(
                span,
                format!("\"{dir}\" must be a directory relative to the repository root, with `/`"),
            ));
        }
        let outside = || {
            self.error(
                span,
                format!(
                    "\"{dir}\" is outside the repository root {}: fleetlint never reads outside it (run with --root at a folder holding both)",
                    root.display()
                ),
            )
        };
        let rel = crate::source::resolve("", dir).ok_or_else(outside)?;
        let full = root.join(&rel);
        let real = std::fs::canonicalize(&full).ok().filter(|r| r.is_dir());
        let Some(real) = real else {
            return Err(self.error(span, format!("no directory \"{dir}\" in the repository")));
        };
        let canonical_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
        if !real.starts_with(&canonical_root) {
            return Err(outside());
        }
        Ok(rel)
    }

    fn variables(
        &self,
        node: &Node,
    ) -> Result<BTreeMap<String, BTreeMap<String, String>>, ConfigError> {
        let mut clusters = BTreeMap::new();
        for (key, value) in self.map(node, "`variables`")? {
            let cluster = self.string(key, "a cluster name")?;
            let mut vars = BTreeMap::new();
            for (name_node, value_node) in self.map(value, "the variables of a cluster")? {
                let name = self.string(name_node, "a variable name")?;
                if !is_var_name(name) {
                    return Err(self.error(
                        name_node.span,
                        format!(
                            "\"{name}\" is not a valid variable name (Flux requires ^[_[:alpha:]][_[:alpha:][:digit:]]*$)"
                        ),
                    ));
                }
                if value_node.is_null() {
                    return Err(self.error(
                        value_node.span,
                        format!("variable \"{name}\" needs a value (write \"\" for an empty one)"),
                    ));
                }
                let value = self.string(value_node, "a variable value")?;
                // Flux strips newlines from substituted values.
                vars.insert(name.to_string(), value.replace(['\r', '\n'], ""));
            }
            clusters.insert(cluster.to_string(), vars);
        }
        Ok(clusters)
    }
}

/// A rule by its exact code or name (the schema lists exactly these).
fn rule(name: &str) -> Option<&'static Check> {
    checks::ALL
        .iter()
        .find(|c| c.code == name || c.name == name)
}

/// A lower-case DNS subdomain (RFC 1123): Kubernetes names, namespaces and API groups.
fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

fn is_kind(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Flux's variable names: `^[_[:alpha:]][_[:alpha:][:digit:]]*$`.
fn is_var_name(s: &str) -> bool {
    s.starts_with(|c: char| c == '_' || c.is_ascii_alphabetic())
        && s.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
    }

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(".fleetlint.yaml", text, &root())
    }

    fn error(text: &str) -> String {
        parse(text).expect_err("an error").to_string()
    }

    #[test]
    fn a_full_configuration() {
        let config = parse(
            "rules:\n  FL020: off\n  missing-dependency: warning\nignore:\n  - archive/**\n  - ./drafts/\nassume:\n  groups: [monitoring.coreos.com]\n  kinds: [ClusterIssuer, gateway.networking.k8s.io/Gateway]\nsources:\n  flux-system/platform: testdata\nvariables:\n  prod:\n    CLUSTER: prod\n    REPLICAS: 3\n",
        )
        .expect("valid");
        assert_eq!(config.level("FL020"), Some(Level::Off));
        assert_eq!(config.level("FL002"), Some(Level::On(Severity::Warning)));
        assert_eq!(config.severity("FL002", Severity::Error), Severity::Warning);
        assert_eq!(config.severity("FL001", Severity::Error), Severity::Error);
        assert!(config.ignore.matches("archive/old/ks.yaml"));
        assert!(config.ignore.matches("drafts/x.yaml"));
        assert!(!config.ignore.matches("clusters/archive.yaml"));
        assert!(
            config
                .assume
                .covers("monitoring.coreos.com", "ServiceMonitor")
        );
        assert!(config.assume.covers("cert-manager.io", "ClusterIssuer"));
        assert!(config.assume.covers("gateway.networking.k8s.io", "Gateway"));
        assert!(!config.assume.covers("example.com", "Gateway"));
        assert_eq!(config.sources["flux-system/platform"], "testdata");
        assert_eq!(config.variables["prod"]["REPLICAS"], "3");
    }

    #[test]
    fn empty_files_and_sections_are_defaults() {
        let config = parse("# nothing yet\n").expect("valid");
        assert!(config.rules.is_empty() && config.sources.is_empty());
        let config = parse("rules:\nignore:\n").expect("valid");
        assert!(config.rules.is_empty() && config.ignore.patterns.is_empty());
    }

    #[test]
    fn unknown_keys_point_at_the_key_with_a_suggestion() {
        assert_eq!(
            error("ignore: []\nrule:\n  FL001: off\n"),
            ".fleetlint.yaml:2:1: unknown key \"rule\" in the configuration (did you mean \"rules\"?)"
        );
        assert_eq!(
            error("assume:\n  group: [x.io]\n"),
            ".fleetlint.yaml:2:3: unknown key \"group\" in the `assume` section (did you mean \"groups\"?)"
        );
        assert_eq!(
            error("zzzzzzzz: 1\n"),
            ".fleetlint.yaml:1:1: unknown key \"zzzzzzzz\" in the configuration (expected one of: rules, ignore, assume, sources, variables)"
        );
    }

    #[test]
    fn bad_values_point_at_the_value() {
        assert_eq!(
            error("rules:\n  FL002: eror\n"),
            ".fleetlint.yaml:2:10: bad level \"eror\" for rule \"FL002\" (did you mean \"error\"?)"
        );
        assert_eq!(
            error("rules:\n  missing-dependecy: off\n"),
            ".fleetlint.yaml:2:3: no rule \"missing-dependecy\" (did you mean \"missing-dependency\"?)"
        );
        assert_eq!(
            error("rules:\n  FL002: off\n  missing-dependency: error\n"),
            ".fleetlint.yaml:3:3: rule \"FL002\" (missing-dependency) is already set on line 2"
        );
        assert!(
            error("ignore: archive\n").starts_with(".fleetlint.yaml:1:9: `ignore` must be a list")
        );
        assert!(error("ignore: ['a[']\n").contains("1:10: bad glob \"a[\""));
        assert!(
            error("assume:\n  groups: [Monitoring]\n")
                .contains("2:12: \"Monitoring\" is not an API group")
        );
        assert!(error("assume:\n  kinds: [a/b/c]\n").contains("is not a kind"));
        assert!(
            error("sources:\n  platform: testdata\n").contains("2:3: \"platform\" is not a source")
        );
        assert!(
            error("sources:\n  a/b: no-such-dir\n").contains("2:8: no directory \"no-such-dir\"")
        );
        assert!(error("sources:\n  a/b: ../x\n").contains("is outside the repository root"));
        assert!(error("sources:\n  a/b: /etc\n").contains("relative to the repository root"));
        assert!(
            error("variables:\n  prod:\n    1X: a\n")
                .contains("3:5: \"1X\" is not a valid variable name")
        );
        assert!(error("variables:\n  prod:\n    X:\n").contains("needs a value"));
        assert!(
            error("variables:\n  prod: [a]\n")
                .contains("2:9: the variables of a cluster must be a mapping")
        );
        assert!(error("- rules\n").contains("1:1: the configuration must be a mapping"));
        assert!(
            error("a: 1\n---\nb: 2\n").contains("3:1: the configuration must be one YAML document")
        );
        assert!(error("rules: {FL001: off\n").starts_with(".fleetlint.yaml:"));
    }

    #[test]
    fn ignore_patterns_cover_directories() {
        let config = parse("ignore: ['clusters/*/secrets.yaml', 'old']\n").expect("valid");
        assert!(config.ignore.matches("clusters/prod/secrets.yaml"));
        assert!(!config.ignore.matches("clusters/prod/x/secrets.yaml"));
        assert!(config.ignore.matches("old/a/b.yaml"));
        assert!(!config.ignore.matches("older/a.yaml"));
    }
}
