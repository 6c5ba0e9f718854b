//! CRD bundles are most of a large fleet's bytes, and their schemas are never parsed: after
//! discovery their texts are let go (`Repo::release_schema_texts`). Findings in them must
//! still point at the right line and column, in every format, and show their source.

mod common;

use common::fleet::{GOTK_SYNC, write};

use assert_cmd::Command;
use fleetlint::source::Repo;

/// A CRD whose schema is far over the release threshold, then a ConfigMap defined twice.
fn bundle(accent: &str) -> String {
    let properties: String = (0..1500)
        .map(|i| {
            format!(
                "                field{i}:\n                  type: string\n                  description: field {i} of a widget{accent}\n"
            )
        })
        .collect();
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names:
    kind: Widget
    plural: widgets
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
{properties}---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dup
  namespace: default
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: dup
  namespace: default
"
    )
}

/// 1-based lines of `name: dup` in the bundle.
fn dup_lines(text: &str) -> Vec<usize> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| *l == "  name: dup")
        .map(|(i, _)| i + 1)
        .collect()
}

#[test]
fn findings_in_a_released_bundle_keep_their_positions_and_snippets() {
    // ASCII (positions from the line index alone) and not (the text is read again).
    for accent in ["", " \u{e9}"] {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "clusters/dev/flux-system/gotk-sync.yaml",
            GOTK_SYNC,
        );
        let text = bundle(accent);
        write(dir.path(), "clusters/dev/crds.yaml", &text);
        let lines = dup_lines(&text);

        let out = Command::cargo_bin("fleetlint")
            .unwrap()
            .arg(dir.path())
            .args(["--format", "json"])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let finding = &json["diagnostics"][0];
        assert_eq!(finding["code"], "FL009", "{json}");
        assert_eq!(finding["file"], "clusters/dev/crds.yaml");
        assert_eq!(finding["line"], lines[1]);
        assert_eq!(finding["column"], 9);
        assert_eq!(finding["end_column"], 12);
        assert_eq!(finding["labels"][0]["line"], lines[0]);

        let human = Command::cargo_bin("fleetlint")
            .unwrap()
            .arg(dir.path())
            .args(["--color", "never"])
            .output()
            .unwrap();
        let human = String::from_utf8(human.stdout).unwrap();
        assert!(
            human.contains(&format!("{} │   name: dup", lines[1])),
            "the snippet is shown:\n{human}"
        );
    }
}

#[test]
fn a_released_text_is_read_again_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundle(" \u{e9}");
    write(dir.path(), "crds.yaml", &text);
    write(dir.path(), "small.yaml", "a: 1\n");
    let repo = Repo::open(dir.path()).unwrap();
    let big = repo.load("crds.yaml").unwrap();
    let small = repo.load("small.yaml").unwrap();
    let offset = text.rfind("name: dup").unwrap() as u32 + 6;
    let before = repo.file(big).line_col(offset);

    repo.release_schema_texts();
    assert!(repo.file(big).text_released());
    assert!(!repo.file(small).text_released(), "small texts are kept");
    assert_eq!(repo.file(big).len(), text.len());
    assert_eq!(repo.file(big).line_col(offset), before);
    assert_eq!(repo.file(big).text(), text);
}

#[test]
fn a_bundle_with_a_suppression_comment_keeps_its_text() {
    let dir = tempfile::tempdir().unwrap();
    let text = format!("# fleetlint: ignore[FL009]\n{}", bundle(""));
    write(dir.path(), "crds.yaml", &text);
    let repo = Repo::open(dir.path()).unwrap();
    let id = repo.load("crds.yaml").unwrap();
    repo.release_schema_texts();
    assert!(!repo.file(id).text_released());
}

#[test]
fn looking_into_a_released_text_does_not_keep_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = bundle("");
    write(dir.path(), "crds.yaml", &text);
    let repo = Repo::open(dir.path()).unwrap();
    let id = repo.load("crds.yaml").unwrap();
    repo.release_schema_texts();
    assert!(repo.text_matches("crds.yaml", |t| t.contains("name: dup")));
    assert!(
        repo.file(id).text_released(),
        "read for the search, not kept"
    );
}
