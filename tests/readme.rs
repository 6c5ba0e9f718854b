//! The README shows real output and the real rule table; these tests keep it so.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text.find(start).expect("start marker") + start.len();
    let from = from + text[from..].find('\n').expect("marker line ends") + 1;
    let to = from + text[from..].find(end).expect("end marker");
    &text[from..to]
}

#[test]
fn example_output_is_the_snapshot() {
    let readme = read("README.md");
    let example = between(&readme, "<!-- example:start", "<!-- example:end");
    let example = example
        .trim()
        .trim_start_matches("```text")
        .trim_end_matches("```")
        .trim();
    let snapshot = read("tests/snapshots/rules__FL002-fail.snap");
    let body = snapshot.splitn(3, "---\n").nth(2).expect("snapshot body");
    assert_eq!(example, body.trim());
}

#[test]
fn rules_table_is_the_registry() {
    let readme = read("README.md");
    let table = between(&readme, "<!-- rules:start", "<!-- rules:end");
    let mut expected =
        String::from("| code | name | default | what it finds |\n|---|---|---|---|\n");
    for check in fleetlint::checks::ALL {
        expected.push_str(&format!(
            "| {} | `{}` | {} | {} |\n",
            check.code,
            check.name,
            check.severity.as_str(),
            check.summary
        ));
    }
    assert_eq!(table, expected);
}
