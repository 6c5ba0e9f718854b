//! `fleetlint graph`, `fleetlint tree` and `fleetlint completions` as users run them.

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use assert_cmd::Command;
use serde_json::Value;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("fleetlint")
        .expect("the binary is built")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("fleetlint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).expect("UTF-8 output"),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs a command that must succeed and returns its stdout.
fn ok(args: &[&str]) -> String {
    let (code, stdout, stderr) = run(args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

fn root_placeholder(text: &str, fixture: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(fixture)
        .canonicalize()
        .expect("the fixture exists");
    text.replace(&root.display().to_string(), "<root>")
}

/// Graphviz's `dot` renders the text to SVG, when `dot` is installed.
fn check_with_graphviz(text: &str) {
    let child = std::process::Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let Ok(mut child) = child else {
        eprintln!("Graphviz `dot` is not installed: DOT syntax not checked");
        return;
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(text.as_bytes())
        .expect("dot reads the graph");
    let out = child.wait_with_output().expect("dot runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "dot rejected the graph: {stderr}\n{text}"
    );
    assert!(stderr.trim().is_empty(), "dot warned: {stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("<svg"));
}

#[test]
fn graph_mermaid() {
    insta::assert_snapshot!("graph-mermaid-views", ok(&["graph", "testdata/views"]));
    insta::assert_snapshot!(
        "graph-mermaid-cycle",
        ok(&["graph", "testdata/FL001-dependency-cycle/fail"])
    );
    insta::assert_snapshot!(
        "graph-mermaid-missing",
        ok(&["graph", "testdata/FL002-missing-dependency/fail"])
    );
}

#[test]
fn mermaid_stays_within_what_github_renders() {
    for dir in [
        "testdata/views",
        "testdata/FL001-dependency-cycle/fail",
        "testdata/fleet/clusters/prod",
    ] {
        let text = ok(&["graph", dir]);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("flowchart LR"));
        for line in lines {
            let line = line.trim_start();
            // Every label is quoted; ids are plain words (never `end`, never with `-`).
            if let Some((id, rest)) = line.split_once(['[', '('])
                && !line.starts_with("subgraph ")
            {
                assert!(
                    id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'),
                    "{line}"
                );
                assert!(
                    rest.starts_with('"') || rest.starts_with("[\"") || rest.starts_with("/\""),
                    "{line}"
                );
            }
            assert!(!line.contains("<br"), "{line}");
        }
    }
}

#[test]
fn graph_dot() {
    let views = ok(&["graph", "testdata/views", "--format", "dot"]);
    let cycle = ok(&[
        "graph",
        "testdata/FL001-dependency-cycle/fail",
        "--format",
        "dot",
    ]);
    let missing = ok(&[
        "graph",
        "testdata/FL002-missing-dependency/fail",
        "--format",
        "dot",
    ]);
    for text in [&views, &cycle, &missing] {
        check_with_graphviz(text);
    }
    insta::assert_snapshot!("graph-dot-views", views);
    insta::assert_snapshot!("graph-dot-cycle", cycle);
}

#[test]
fn graph_json() {
    let text = ok(&["graph", "testdata/views", "--format", "json"]);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    let ids: Vec<&str> = value["nodes"]
        .as_array()
        .expect("nodes")
        .iter()
        .map(|n| n["id"].as_str().expect("id"))
        .collect();
    for edge in value["edges"].as_array().expect("edges") {
        assert!(ids.contains(&edge["from"].as_str().expect("from")));
        assert!(ids.contains(&edge["to"].as_str().expect("to")));
    }
    insta::assert_snapshot!("graph-json-views", text);

    let cycle: Value = serde_json::from_str(&ok(&[
        "graph",
        "testdata/FL001-dependency-cycle/fail",
        "--format",
        "json",
    ]))
    .expect("JSON");
    let on_cycle: Vec<(&str, &str)> = cycle["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .filter(|e| e["cycle"] == true)
        .map(|e| {
            (
                e["from"].as_str().expect("from"),
                e["to"].as_str().expect("to"),
            )
        })
        .collect();
    assert_eq!(
        on_cycle,
        [
            ("Kustomization/flux-system/a", "Kustomization/flux-system/b"),
            ("Kustomization/flux-system/b", "Kustomization/flux-system/c"),
            ("Kustomization/flux-system/c", "Kustomization/flux-system/a"),
            ("Kustomization/flux-system/d", "Kustomization/flux-system/d"),
        ]
    );
}

#[test]
fn graph_needs_one_cluster() {
    let (code, _, stderr) = run(&["graph", "testdata/fleet"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("2 clusters found (non-prod, prod): pick one with --cluster NAME"),
        "{stderr}"
    );
    let (code, _, stderr) = run(&["graph", "testdata/fleet", "--cluster", "prd"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("no cluster \"prd\" (did you mean \"prod\"?)"),
        "{stderr}"
    );
    let picked = ok(&["graph", "testdata/fleet", "--cluster", "prod"]);
    assert_eq!(picked, ok(&["graph", "testdata/fleet/clusters/prod"]));
    insta::assert_snapshot!("graph-mermaid-fleet-prod", picked);
    assert_eq!(run(&["graph", "testdata/no-such-dir"]).0, 2);
    assert_eq!(run(&["graph", "testdata/views", "--format", "svg"]).0, 2);
}

#[test]
fn tree_text() {
    insta::assert_snapshot!("tree-views", ok(&["tree", "testdata/views"]));
    insta::assert_snapshot!(
        "tree-views-compact",
        ok(&["tree", "testdata/views", "--compact"])
    );
    // Several clusters: one tree each, under a header.
    insta::assert_snapshot!("tree-fleet", ok(&["tree", "testdata/fleet"]));
    let prod = ok(&["tree", "testdata/fleet", "--cluster", "prod", "--compact"]);
    assert!(
        prod.starts_with("Kustomization/flux-system/flux-system\n"),
        "{prod}"
    );
    assert_eq!(
        prod,
        ok(&["tree", "testdata/fleet/clusters/prod", "--compact"])
    );
}

#[test]
fn tree_objects() {
    insta::assert_snapshot!(
        "tree-views-objects",
        ok(&["tree", "testdata/views", "--objects"])
    );
}

#[test]
fn tree_json_lists_every_kustomization_with_its_inventory() {
    let text = ok(&["tree", "testdata/views", "--objects", "--format", "json"]);
    assert_eq!(text, ok(&["tree", "testdata/views", "--format", "json"]));
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["version"], 1);
    let cluster = &value["clusters"][0];
    assert_eq!(cluster["name"], "staging");
    let kustomizations = cluster["kustomizations"]
        .as_array()
        .expect("kustomizations");
    let names: Vec<&str> = kustomizations
        .iter()
        .map(|k| k["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        [
            "flux-system",
            "apps",
            "team-a",
            "edge",
            "edge-apps",
            "infra-configs",
            "infra-controllers"
        ]
    );
    // Every object any Kustomization applies is in exactly one inventory here.
    let total: usize = kustomizations
        .iter()
        .map(|k| k["inventory"].as_array().expect("inventory").len())
        .sum();
    assert_eq!(total, 25);
    insta::assert_snapshot!("tree-views-json", root_placeholder(&text, "views"));
}

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = ok(&["completions", shell]);
        for word in [
            "graph",
            "tree",
            "completions",
            "explain",
            "format",
            "compact",
            "cluster",
        ] {
            assert!(script.contains(word), "{shell} completes {word}");
        }
        // Syntax-check with the shell itself where it is installed.
        let check = match shell {
            "bash" => Some(("bash", "-n")),
            "zsh" => Some(("zsh", "-n")),
            "fish" => Some(("fish", "--no-execute")),
            _ => None,
        };
        if let Some((program, flag)) = check {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let file = dir.path().join("completion");
            std::fs::write(&file, &script).expect("write the script");
            match std::process::Command::new(program)
                .arg(flag)
                .arg(&file)
                .output()
            {
                Ok(out) => assert!(
                    out.status.success(),
                    "{program} rejects the script: {}",
                    String::from_utf8_lossy(&out.stderr)
                ),
                Err(_) => eprintln!("{program} is not installed: its script is not checked"),
            }
        }
    }
    assert_eq!(run(&["completions", "tcsh"]).0, 2);
}

#[test]
fn help_and_version() {
    assert_eq!(
        ok(&["--version"]),
        format!("fleetlint {}\n", env!("CARGO_PKG_VERSION"))
    );
    let help = ok(&["--help"]);
    for command in ["graph", "tree", "completions", "explain", "rules"] {
        assert!(
            help.contains(&format!("  {command} ")),
            "--help lists {command}"
        );
    }
    for command in ["graph", "tree", "completions", "explain", "rules"] {
        let text = ok(&[command, "--help"]);
        assert!(text.contains("Example"), "{command} --help has examples");
    }
    insta::assert_snapshot!("help-graph", ok(&["graph", "--help"]));
    insta::assert_snapshot!("help-tree", ok(&["tree", "--help"]));
    insta::assert_snapshot!("help-completions", ok(&["completions", "--help"]));
}

/// The text between the line after `start` and the line holding `end`, without its fence.
fn readme_block(start: &str, end: &str) -> String {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README.md");
    let from = readme.find(start).expect("start marker");
    let from = from + readme[from..].find('\n').expect("marker line ends") + 1;
    let to = from + readme[from..].find(end).expect("end marker");
    let block = &readme[from..to];
    let body = block.split_once('\n').expect("an opening fence").1;
    body.trim_end()
        .strip_suffix("```")
        .expect("a closing fence")
        .to_string()
}

#[test]
fn readme_shows_real_graph_and_tree_output() {
    assert_eq!(
        readme_block("<!-- graph-example:start", "<!-- graph-example:end"),
        ok(&["graph", "testdata/views"])
    );
    assert_eq!(
        readme_block("<!-- tree-example:start", "<!-- tree-example:end"),
        ok(&["tree", "testdata/views", "--compact"])
    );
}
