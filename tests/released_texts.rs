//! CRD bundles are most of a large fleet's bytes, and their schemas are never parsed: after
//! discovery their texts are let go (`Repo::release_schema_texts`). Findings in them must
//! still point at the right line and column, in every format, and show their source.

mod common;

use std::path::Path;

use common::fleet::{GOTK_SYNC, WIDGET_CRD, write};

use assert_cmd::Command;
use fleetlint::source::{FileId, Repo};

/// The Widget CRD with a schema far over the release threshold, then a ConfigMap defined
/// twice. `accent` ends every description (a non-ASCII one makes the text non-ASCII).
fn bundle(accent: &str) -> String {
    let properties: String = (0..1500)
        .map(|i| {
            format!(
                "                field{i}:\n                  type: string\n                  description: field {i} of a widget{accent}\n"
            )
        })
        .collect();
    format!(
        "{WIDGET_CRD}      schema:
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

/// What fleetlint prints on stdout for the repository at `dir`.
fn stdout(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("fleetlint")
        .unwrap()
        .arg(dir)
        .args(args)
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap()
}

/// A repository holding `text` as `crds.yaml`, loaded, with its texts let go.
fn released(text: &str) -> (tempfile::TempDir, Repo, FileId) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "crds.yaml", text);
    let repo = Repo::open(dir.path()).unwrap();
    let id = repo.load("crds.yaml").unwrap();
    repo.release_schema_texts();
    (dir, repo, id)
}

#[test]
fn findings_in_a_released_bundle_keep_their_positions_and_snippets() {
    // ASCII (lines indexed from one reading, the text not kept) and not (the text is kept).
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

        let json: serde_json::Value =
            serde_json::from_str(&stdout(dir.path(), &["--format", "json"])).unwrap();
        let finding = &json["diagnostics"][0];
        assert_eq!(finding["code"], "FL009", "{json}");
        assert_eq!(finding["file"], "clusters/dev/crds.yaml");
        assert_eq!(finding["line"], lines[1]);
        assert_eq!(finding["column"], 9);
        assert_eq!(finding["end_column"], 12);
        assert_eq!(finding["labels"][0]["line"], lines[0]);

        let human = stdout(dir.path(), &["--color", "never"]);
        assert!(
            human.contains(&format!("{} │   name: dup", lines[1])),
            "the snippet is shown:\n{human}"
        );
    }
}

#[test]
fn a_released_text_is_placed_and_read_again_the_same() {
    for accent in ["", " \u{e9}"] {
        let text = bundle(accent);
        let offset = text.rfind("name: dup").unwrap() + 6;
        let line = text[..offset].matches('\n').count() + 1;
        let column = text[..offset].rsplit('\n').next().unwrap().chars().count() + 1;
        let (_dir, repo, id) = released(&text);
        let file = repo.file(id);
        assert!(file.text_released());
        assert_eq!(file.len(), text.len());
        assert_eq!(file.line_col(offset as u32), (line, column));
        // An ASCII text is indexed without being kept; another is kept to count characters.
        assert_eq!(file.text_released(), accent.is_empty(), "{accent:?}");
        assert_eq!(file.text(), text);
    }
}

#[test]
fn small_texts_are_kept() {
    let (_dir, repo, id) = released("a: 1\n");
    assert!(!repo.file(id).text_released());
}

#[test]
fn a_bundle_with_a_suppression_comment_keeps_its_text() {
    let (_dir, repo, id) = released(&format!("# fleetlint: ignore[FL009]\n{}", bundle("")));
    assert!(!repo.file(id).text_released());
}

#[test]
fn looking_into_a_released_text_does_not_keep_it() {
    let (_dir, repo, id) = released(&bundle(""));
    assert!(repo.text_matches("crds.yaml", |t| t.contains("name: dup")));
    assert!(
        repo.file(id).text_released(),
        "read for the search, not kept"
    );
}

/// A text let go that is a link since (to a file outside the repository) is neither followed
/// nor opened to place a position: it reads as empty, as when it is gone.
#[cfg(unix)]
#[test]
fn a_released_text_replaced_by_a_link_is_not_followed() {
    let text = bundle("");
    let (dir, repo, id) = released(&text);
    let outside = tempfile::tempdir().unwrap();
    write(outside.path(), "elsewhere.yaml", &text);
    let inside = dir.path().join("crds.yaml");
    std::fs::remove_file(&inside).unwrap();
    std::os::unix::fs::symlink(outside.path().join("elsewhere.yaml"), &inside).unwrap();
    let offset = text.rfind("name: dup").unwrap() + 6;
    assert_eq!(repo.file(id).line_col(offset as u32), (1, offset + 1));
}
