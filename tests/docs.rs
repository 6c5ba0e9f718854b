//! Every rule has its page in `docs/rules/` in one shape, and the page's example is real: its
//! input blocks are the files of the rule's `fail` fixture and its output block is the fail
//! snapshot, byte for byte. Change what a rule prints and its page must change with it.

use std::path::{Path, PathBuf};

use fleetlint::checks::{self, Check};

const SECTIONS: &[&str] = &[
    "## Why it matters",
    "## Example",
    "## How to fix",
    "## Configuration",
];

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fenced code block: its info string and its body (without the fences).
struct Block {
    lang: String,
    body: String,
}

/// Splits a page into its `## ` sections (outside code blocks): (heading, text).
fn sections(page: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut in_fence = false;
    for line in page.lines() {
        if line.starts_with("```") {
            in_fence = !in_fence;
        }
        if !in_fence && line.starts_with("## ") {
            out.push((line.to_string(), String::new()));
        } else if let Some((_, text)) = out.last_mut() {
            text.push_str(line);
            text.push('\n');
        }
    }
    out
}

fn blocks(text: &str) -> Vec<Block> {
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    for line in text.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (None, Some(lang)) => {
                current = Some(Block {
                    lang: lang.to_string(),
                    body: String::new(),
                })
            }
            (Some(_), Some("")) => out.extend(current.take()),
            (Some(block), _) => {
                block.body.push_str(line);
                block.body.push('\n');
            }
            (None, None) => {}
        }
    }
    assert!(current.is_none(), "a code block is not closed");
    out
}

fn snapshot_body(check: &Check) -> String {
    let path = manifest_dir().join(format!("tests/snapshots/rules__{}-fail.snap", check.code));
    let snapshot = read(&path);
    let body = snapshot
        .splitn(3, "---\n")
        .nth(2)
        .unwrap_or_else(|| panic!("{}: no snapshot body", path.display()));
    body.trim_end_matches('\n').to_string()
}

fn check_page(check: &Check) {
    let code = check.code;
    let path = manifest_dir().join(format!("docs/rules/{code}.md"));
    assert!(path.is_file(), "{code}: no {}", path.display());
    let page = read(&path);
    assert_eq!(page, check.docs, "{code}: the binary embeds another page");

    // Title, then one paragraph saying what the rule finds.
    let title = format!("# {} {}\n\n", code, check.name);
    assert!(
        page.starts_with(&title),
        "{code}: must start with {title:?}"
    );
    let intro = &page[title.len()..page.find("\n## ").unwrap_or(page.len())];
    assert!(
        !intro.trim().is_empty() && !intro.contains("\n\n") && !intro.starts_with('#'),
        "{code}: one paragraph after the title says what the rule finds"
    );

    let sections = sections(&page);
    let headings: Vec<&str> = sections.iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(headings, SECTIONS, "{code}: sections");
    let section = |name: &str| {
        sections
            .iter()
            .find(|(h, _)| h == name)
            .map(|(_, t)| t.as_str())
            .unwrap_or_default()
    };

    // The example: fixture files as input, the snapshot as output.
    let fixture = manifest_dir().join(format!("testdata/{}-{}/fail", code, check.name));
    let example = blocks(section("## Example"));
    let inputs: Vec<&Block> = example.iter().filter(|b| b.lang == "yaml").collect();
    assert!(!inputs.is_empty(), "{code}: the example shows no input");
    for input in inputs {
        let (first, rest) = input.body.split_once('\n').unwrap_or((&input.body, ""));
        let file = first
            .strip_prefix("# ")
            .unwrap_or_else(|| panic!("{code}: an input block starts with `# <path>`"));
        let on_disk: PathBuf = fixture.join(file);
        assert!(on_disk.is_file(), "{code}: {} is not in the fixture", file);
        assert_eq!(
            rest,
            read(&on_disk),
            "{code}: the example's {file} differs from {}",
            on_disk.display()
        );
    }
    let outputs: Vec<&Block> = example.iter().filter(|b| b.lang == "text").collect();
    assert_eq!(
        outputs.len(),
        1,
        "{code}: the example has one ```text output block"
    );
    assert_eq!(
        outputs[0].body.trim_end_matches('\n'),
        snapshot_body(check),
        "{code}: the example output is not what fleetlint prints (tests/snapshots/rules__{code}-fail.snap)"
    );

    // The configuration section states the real default and how to change it.
    let config = section("## Configuration");
    let default = format!(
        "{code} is reported as `{}` by default",
        check.severity.as_str()
    );
    assert!(config.contains(&default), "{code}: say \"{default}\"");
    assert!(
        config.contains(&format!("  {}: ", check.name)),
        "{code}: show `rules:`"
    );
    assert!(
        config.contains(&format!("ignore[{code}]")),
        "{code}: show the suppression comment"
    );
    assert!(
        !section("## Why it matters").trim().is_empty(),
        "{code}: why it matters"
    );
    assert!(
        !section("## How to fix").trim().is_empty(),
        "{code}: how to fix"
    );
}

#[test]
fn every_rule_has_a_page_whose_example_is_real() {
    for check in checks::ALL {
        check_page(check);
    }
}

#[test]
fn every_page_is_a_rule() {
    for entry in std::fs::read_dir(manifest_dir().join("docs/rules")).expect("docs/rules") {
        let name = entry.expect("an entry").file_name();
        let name = name.to_string_lossy();
        let code = name.strip_suffix(".md").unwrap_or(&name);
        assert!(
            checks::ALL.iter().any(|c| c.code == code),
            "docs/rules/{name} documents no rule of the registry"
        );
    }
}
