//! `.fleetlint.yaml` end to end: the JSON Schema stays in step with what `config.rs` accepts,
//! and each key does what the README says through the command line (severities and `off`,
//! `ignore`, `sources`, `variables`), as do inline suppressions and FL021.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use fleetlint::config::{self, Config};
use fleetlint::source::{FileId, Node, Value, yaml};
use serde_json::{Value as Json, json};

fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(manifest_dir().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("fleetlint")
        .expect("the binary is built")
        .current_dir(manifest_dir())
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("fleetlint runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A configuration file in a scratch directory (kept alive by the returned guard).
fn config_file(text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let path = dir.path().join("fleetlint.yaml");
    std::fs::write(&path, text).expect("written");
    let shown = path.to_string_lossy().into_owned();
    (dir, shown)
}

/// Lints `target` with a configuration text; returns (exit code, JSON output).
fn lint_json(target: &str, config: &str, extra: &[&str]) -> (i32, Json) {
    let (_guard, path) = config_file(config);
    let mut args = vec![target, "--format", "json", "--config", path.as_str()];
    args.extend_from_slice(extra);
    let (code, stdout, stderr) = run(&args);
    let value = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stdout}{stderr}"));
    (code, value)
}

/// `(code, severity, file:line:column)` of each diagnostic.
fn diagnostics(output: &Json) -> Vec<(String, String, String)> {
    output["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["severity"].as_str().unwrap_or_default().to_string(),
                format!(
                    "{}:{}:{}",
                    d["file"].as_str().unwrap_or_default(),
                    d["line"],
                    d["column"]
                ),
            )
        })
        .collect()
}

fn codes(output: &Json) -> Vec<String> {
    diagnostics(output).into_iter().map(|(c, _, _)| c).collect()
}

// ---------------------------------------------------------------------------------------------
// The schema and the code agree.

fn schema() -> Json {
    serde_json::from_str(&read("schemas/fleetlint.schema.json")).expect("the schema is JSON")
}

fn keys(value: &Json) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}

fn sorted(items: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = items.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// YAML as JSON the way a YAML 1.2 editor sees it (plain scalars may be numbers, booleans,
/// null), built with fleetlint's own YAML layer.
fn to_json(node: &Node) -> Json {
    match &node.value {
        Value::Scalar(text) if node.plain => match text.as_str() {
            "" | "~" | "null" | "Null" | "NULL" => Json::Null,
            "true" | "True" | "TRUE" => Json::Bool(true),
            "false" | "False" | "FALSE" => Json::Bool(false),
            t => t
                .parse::<i64>()
                .map(Json::from)
                .or_else(|_| t.parse::<f64>().map(Json::from))
                .unwrap_or_else(|_| Json::String(t.to_string())),
        },
        Value::Scalar(text) => Json::String(text.to_string()),
        Value::Seq(items) => Json::Array(items.iter().map(to_json).collect()),
        Value::Map(entries) => Json::Object(
            entries
                .iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), to_json(v)))
                .collect(),
        ),
    }
}

fn yaml_to_json(text: &str) -> Json {
    let (docs, errors) = yaml::parse(FileId(0), text);
    assert!(errors.is_empty(), "{errors:?}");
    docs.iter()
        .find_map(|d| d.root.as_ref())
        .map_or(Json::Null, |n| to_json(n))
}

fn validator() -> jsonschema::Validator {
    jsonschema::validator_for(&schema()).expect("the schema compiles")
}

#[test]
fn schema_keys_are_the_keys_config_accepts() {
    let schema = schema();
    assert_eq!(schema["additionalProperties"], json!(false));
    assert_eq!(keys(&schema["properties"]), sorted(config::KEYS));
    let assume = &schema["properties"]["assume"];
    assert_eq!(assume["additionalProperties"], json!(false));
    assert_eq!(keys(&assume["properties"]), sorted(config::ASSUME_KEYS));
    assert_eq!(
        schema["definitions"]["level"]["enum"],
        json!(config::LEVELS)
    );
}

#[test]
fn schema_rules_are_the_registry() {
    let rules = &schema()["properties"]["rules"];
    assert_eq!(rules["additionalProperties"], json!(false));
    let mut expected = serde_json::Map::new();
    for check in fleetlint::checks::ALL {
        let describe = |other: &str| {
            json!({
                "$ref": "#/definitions/level",
                "description": format!(
                    "{other} (default: {}): {}",
                    check.severity.as_str(),
                    check.summary
                ),
            })
        };
        expected.insert(check.code.to_string(), describe(check.name));
        expected.insert(check.name.to_string(), describe(check.code));
    }
    let expected = Json::Object(expected);
    assert!(
        rules["properties"] == expected,
        "schemas/fleetlint.schema.json: `rules.properties` must list every rule of the registry; replace it with:\n{}",
        serde_json::to_string_pretty(&expected).unwrap_or_default()
    );
}

/// Every configuration in the repository: the fixtures' and the README's.
fn example_configs() -> Vec<(String, String)> {
    let mut configs = Vec::new();
    let mut pending = vec![manifest_dir().join("testdata")];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.file_name().is_some_and(|n| n == config::FILE_NAME) {
                let text = std::fs::read_to_string(&path).expect("readable");
                configs.push((path.display().to_string(), text));
            }
        }
    }
    let readme = read("README.md");
    let start = readme
        .find("```yaml\n# yaml-language-server")
        .expect("the README shows an example configuration");
    let body = &readme[start + "```yaml\n".len()..];
    let end = body.find("```").expect("the example ends");
    configs.push(("README.md".into(), body[..end].to_string()));
    configs.sort();
    assert!(configs.len() >= 3, "{configs:?}");
    configs
}

#[test]
fn every_example_configuration_is_valid_for_both() {
    let validator = validator();
    for (name, text) in example_configs() {
        let root = if name == "README.md" {
            // The README's example maps a source to `vendor/platform`, as this fixture does.
            manifest_dir().join("testdata/config/sources")
        } else {
            PathBuf::from(&name)
                .parent()
                .expect("in a folder")
                .to_path_buf()
        };
        // testdata/config/bad holds the typo the CLI test expects to be refused.
        if name.contains("/config/bad/") {
            assert!(!validator.is_valid(&yaml_to_json(&text)), "{name}");
            assert!(Config::parse(&name, &text, &root).is_err(), "{name}");
            continue;
        }
        let errors: Vec<String> = validator
            .iter_errors(&yaml_to_json(&text))
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{name}: schema says {errors:?}");
        Config::parse(&name, &text, &root).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn schema_and_code_reject_the_same_mistakes() {
    let validator = validator();
    // (configuration, accepted) — everything the schema can express.
    let cases: &[(&str, bool)] = &[
        ("", true),
        (
            "rules:\n  FL001: off\n  missing-dependency: warning\n",
            true,
        ),
        ("rules:\n  FL001: fatal\n", false),
        ("rules:\n  FL001:\n", false),
        ("rules:\n  FL999: off\n", false),
        ("rules:\n  fl001: off\n", false),
        ("rule:\n  FL001: off\n", false),
        ("ignore: [archive/**, 'clusters/*/drafts']\n", true),
        ("ignore: archive\n", false),
        (
            "assume:\n  groups: [monitoring.coreos.com]\n  kinds: [Gateway, cert-manager.io/ClusterIssuer]\n",
            true,
        ),
        ("assume:\n  group: [x.io]\n", false),
        ("assume:\n  groups: [Monitoring.io]\n", false),
        ("assume:\n  kinds: [gateway]\n", false),
        ("assume:\n  kinds: [a/b/Gateway]\n", false),
        ("sources:\n  flux-system/platform: testdata\n", true),
        ("sources:\n  platform: testdata\n", false),
        ("sources:\n  Flux/platform: testdata\n", false),
        ("sources:\n  flux-system/platform: /testdata\n", false),
        ("sources:\n  flux-system/platform: [testdata]\n", false),
        (
            "variables:\n  prod:\n    CLUSTER: prod\n    REPLICAS: 3\n    DEBUG: false\n",
            true,
        ),
        ("variables:\n  prod:\n    1CLUSTER: prod\n", false),
        ("variables:\n  prod:\n    CLUSTER:\n", false),
        ("variables:\n  prod:\n    CLUSTER: [a]\n", false),
        ("variables:\n  prod: [a]\n", false),
        ("- rules\n", false),
    ];
    for (text, accepted) in cases {
        let by_schema = validator.is_valid(&yaml_to_json(text));
        let by_code = Config::parse("t.yaml", text, manifest_dir()).is_ok();
        assert_eq!(
            (by_schema, by_code),
            (*accepted, *accepted),
            "(schema, code) for:\n{text}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Through the command line.

#[test]
fn a_config_error_is_exit_two_with_its_place() {
    let (code, stdout, stderr) = run(&["testdata/config/bad"]);
    assert_eq!(code, 2, "{stdout}");
    assert_eq!(
        stderr,
        "fleetlint: error: testdata/config/bad/.fleetlint.yaml:4:1: unknown key \"rule\" in the configuration (did you mean \"rules\"?)\n"
    );

    let (_guard, path) = config_file("rules:\n  FL002: eror\n");
    let (code, _, stderr) = run(&["testdata/fleet", "--config", &path]);
    assert_eq!(code, 2);
    assert_eq!(
        stderr,
        format!(
            "fleetlint: error: {path}:2:10: bad level \"eror\" for rule \"FL002\" (did you mean \"error\"?)\n"
        )
    );

    let (code, _, stderr) = run(&["testdata/fleet", "--config", "testdata/no-such.yaml"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("cannot read the configuration testdata/no-such.yaml"),
        "{stderr}"
    );
}

#[test]
fn severities_and_off_are_applied_by_the_engine() {
    let fail = "testdata/FL002-missing-dependency/fail";
    let (code, out) = lint_json(fail, "rules:\n  missing-dependency: warning\n", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        out["summary"],
        json!({"errors": 0, "warnings": 3, "infos": 0})
    );
    assert!(
        diagnostics(&out)
            .iter()
            .all(|(c, s, _)| c == "FL002" && s == "warning")
    );
    let (code, _) = lint_json(
        fail,
        "rules:\n  FL002: warning\n",
        &["--fail-on", "warning"],
    );
    assert_eq!(code, 1);

    // FL020 is info by default; raised to error it fails the run.
    let not_checked = "testdata/FL020-not-checked/fail";
    let (code, out) = lint_json(not_checked, "rules:\n  not-checked: error\n", &[]);
    assert_eq!(code, 1);
    assert_eq!(out["summary"]["errors"], 2);

    let (code, out) = lint_json(fail, "rules:\n  FL002: off\n", &[]);
    assert_eq!((code, codes(&out)), (0, vec![]));
    // Flags win: --select runs a rule the configuration turns off, --ignore drops one it sets.
    let (code, out) = lint_json(fail, "rules:\n  FL002: off\n", &["--select", "FL002"]);
    assert_eq!((code, codes(&out).len()), (1, 3));
    assert_eq!(out["summary"]["errors"], 3);
    let (_, out) = lint_json(fail, "rules:\n  FL002: info\n", &["--ignore", "FL002"]);
    assert!(codes(&out).is_empty());

    // The human summary counts the new severities.
    let (_guard, path) = config_file("rules:\n  FL002: info\n");
    let (code, stdout, _) = run(&[fail, "--config", &path]);
    assert_eq!(code, 0);
    assert!(
        stdout.ends_with("fleetlint: 0 errors, 0 warnings, 3 infos in 1 cluster (5 Kustomizations, 1 HelmRelease)\n"),
        "{stdout}"
    );
}

#[test]
fn ignored_paths_are_not_reported() {
    let fail = "testdata/FL002-missing-dependency/fail";
    for (pattern, left) in [
        ("clusters/dev/apps.yaml", 0),
        ("clusters", 0),
        ("clusters/**/*.yaml", 0),
        ("'*.yaml'", 3), // `*` stays within one segment: only top-level files
        ("clusters/*/tenants", 3),
        ("apps", 3),
    ] {
        let (_, out) = lint_json(fail, &format!("ignore: [{pattern}]\n"), &[]);
        assert_eq!(codes(&out).len(), left, "ignore: [{pattern}]");
    }
    // Orphans under an ignored path are not listed either.
    let (_, out) = lint_json("testdata/config/sources", "ignore: [vendor]\n", &[]);
    assert_eq!(
        diagnostics(&out),
        [(
            "FL020".to_string(),
            "info".to_string(),
            "clusters/dev/platform.yaml:23:11".to_string()
        )]
    );
}

#[test]
fn a_mapped_source_is_rendered_from_its_directory() {
    let dir = "testdata/config/sources";
    // With .fleetlint.yaml: `platform` and its nested `platform-addons` (path `/addons`,
    // relative to the artifact root) are rendered from vendor/platform.
    let (code, stdout, stderr) = run(&[dir, "--format", "json"]);
    assert_eq!(code, 1, "{stderr}");
    let out: Json = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        diagnostics(&out),
        [(
            "FL004".to_string(),
            "error".to_string(),
            "vendor/platform/deploy/kustomization.yaml:6:5".to_string()
        )]
    );
    assert_eq!(out["clusters"][0]["kustomizations"], 3);

    // Without it, the source is not checked and the nested Kustomization is an orphan.
    let (code, out) = lint_json(dir, "", &[]);
    assert_eq!(code, 0);
    assert_eq!(
        diagnostics(&out),
        [
            (
                "FL020".to_string(),
                "info".to_string(),
                "clusters/dev/platform.yaml:23:11".to_string()
            ),
            (
                "FL020".to_string(),
                "info".to_string(),
                "vendor/platform/deploy/addons.yaml:4:9".to_string()
            )
        ]
    );
    assert_eq!(out["clusters"][0]["kustomizations"], 2);
}

#[test]
fn a_source_mapped_to_the_repository_root_resolves_inside_it() {
    // Mapped to `.`: `./deploy` is looked for at the repository root, where it does not exist
    // (it is not a path that climbs above the source root).
    let (_, out) = lint_json(
        "testdata/config/sources",
        "sources:\n  flux-system/platform: .\n",
        &[],
    );
    let missing: Vec<(String, String)> = out["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "FL003")
        .map(|d| {
            (
                format!("{}:{}", d["file"].as_str().unwrap_or_default(), d["line"]),
                d["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        missing,
        [(
            "clusters/dev/platform.yaml:19".to_string(),
            "path \"./deploy\" of Kustomization \"flux-system/platform\" does not exist"
                .to_string()
        )]
    );
}

#[test]
fn a_mapped_path_is_relative_to_the_mapped_directory() {
    // Mapped one level too deep: `./deploy` is looked for in vendor/platform/deploy.
    let (_, out) = lint_json(
        "testdata/config/sources",
        "sources:\n  flux-system/platform: vendor/platform/deploy\n",
        &[],
    );
    let messages: Vec<(String, String)> = out["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter(|d| d["code"] == "FL003")
        .map(|d| {
            (
                format!(
                    "{}:{}:{}",
                    d["file"].as_str().unwrap_or_default(),
                    d["line"],
                    d["column"]
                ),
                d["help"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        messages,
        [(
            "clusters/dev/platform.yaml:19:9".to_string(),
            "paths are relative to the root of the source (\"vendor/platform/deploy\"), not to this file".to_string()
        )]
    );

    // `..` cannot leave the artifact: Flux clamps it at the artifact's root.
    let copy = tempfile::tempdir().expect("a scratch directory");
    copy_tree(&manifest_dir().join("testdata/config/sources"), copy.path());
    std::fs::create_dir(copy.path().join(".git")).expect("a repository root");
    let platform = copy.path().join("clusters/dev/platform.yaml");
    let text = std::fs::read_to_string(&platform).expect("read");
    std::fs::write(
        &platform,
        text.replace("path: ./deploy", "path: ../../clusters/dev"),
    )
    .expect("written");
    let (_, stdout, stderr) = run(&[copy.path().to_str().expect("utf-8"), "--format", "json"]);
    let out: Json = serde_json::from_str(&stdout).unwrap_or_else(|_| panic!("{stderr}"));
    let found: Vec<String> = out["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .map(|d| {
            format!(
                "{} {}",
                d["code"].as_str().unwrap_or_default(),
                d["message"].as_str().unwrap_or_default()
            )
        })
        .collect();
    assert!(
        found.contains(&"FL003 path \"../../clusters/dev\" of Kustomization \"flux-system/platform\" climbs above the source root".to_string()),
        "{found:?}"
    );
}

#[test]
fn outside_variables_reach_kustomizations_that_take_them() {
    let dir = "testdata/config/variables";
    let (code, stdout, _) = run(&[dir, "--format", "json"]);
    assert_eq!(code, 1);
    let out: Json = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(
        diagnostics(&out),
        [(
            "FL003".to_string(),
            "error".to_string(),
            "plain/team.yaml:8:9".to_string()
        )]
    );
    // Without them, nothing provides `cluster-settings` (FL016) and `${TEAM}` stays unresolved.
    let (_, out) = lint_json(dir, "", &[]);
    let found: Vec<String> = diagnostics(&out)
        .into_iter()
        .map(|(code, _, at)| format!("{code} {at}"))
        .collect();
    assert_eq!(
        found,
        [
            "FL003 apps/team.yaml:8:9",
            "FL016 clusters/dev/apps.yaml:17:15",
            "FL016 clusters/dev/apps.yaml:49:15",
            "FL003 plain/team.yaml:8:9"
        ]
    );
    // Variables of another cluster do not apply.
    let (_, out) = lint_json(dir, "variables:\n  prod:\n    TEAM: alpha\n", &[]);
    assert_eq!(codes(&out).len(), 4);
}

#[test]
fn outside_variables_have_the_lowest_precedence() {
    use fleetlint::fleet;
    let root = manifest_dir().join("testdata/config/variables");
    let repo = fleetlint::source::Repo::open(&root).expect("opens");
    let catalog = fleetlint::catalog::Catalog::new();
    let renderer = fleetlint::kustomize::Renderer::new(&repo, &catalog);
    let discovery = fleet::discover::discover(&repo, &[String::new()]);
    assert_eq!(discovery.roots.len(), 1);
    let config = Config::load(&root, None).expect("the fixture's configuration");
    let options = fleet::Options {
        sources: config.sources.clone(),
        variables: config.variables_of(&discovery.roots[0].name),
    };
    let cluster = fleet::build_with(&renderer, &discovery.roots[0], &options);
    let dir_of = |name: &str| {
        let index = cluster.kustomization("flux-system", name).expect(name);
        cluster.kustomizations[index].dir.clone()
    };
    assert_eq!(dir_of("team").as_deref(), Some("teams/alpha"));
    assert_eq!(dir_of("inline-team").as_deref(), Some("teams/beta"));
    assert_eq!(dir_of("plain-team"), None);
}

#[test]
fn suppressions_hide_findings_and_stale_ones_are_reported() {
    let pass = manifest_dir().join("testdata/FL021-unused-suppression/pass");
    let (code, stdout, _) = run(&[pass.to_str().expect("utf-8")]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("fleetlint: no problems"), "{stdout}");

    // The same fleet without its comments shows what they hide.
    let copy = tempfile::tempdir().expect("a scratch directory");
    copy_tree(&pass, copy.path());
    std::fs::create_dir(copy.path().join(".git")).expect("a repository root");
    for file in [
        "clusters/dev/apps.yaml",
        "clusters/dev/tenants.yaml",
        "infrastructure/dev/kustomization.yaml",
    ] {
        let path = copy.path().join(file);
        let text = std::fs::read_to_string(&path).expect("read");
        let stripped: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with("# fleetlint:"))
            .map(|l| l.split(" # fleetlint:").next().unwrap_or(l).to_string() + "\n")
            .collect();
        std::fs::write(&path, stripped).expect("written");
    }
    let (code, stdout, _) = run(&[copy.path().to_str().expect("utf-8"), "--format", "json"]);
    assert_eq!(code, 1);
    let out: Json = serde_json::from_str(&stdout).expect("JSON");
    let found: Vec<String> = diagnostics(&out)
        .into_iter()
        .map(|(c, _, at)| format!("{c} {at}"))
        .collect();
    assert_eq!(
        found,
        [
            "FL002 clusters/dev/apps.yaml:8:13",
            "FL002 clusters/dev/apps.yaml:9:13",
            "FL008 clusters/dev/tenants.yaml:12:11",
            "FL004 infrastructure/dev/kustomization.yaml:5:5",
        ]
    );
}

#[test]
fn unused_suppressions_only_for_rules_that_ran() {
    let fail = "testdata/FL021-unused-suppression/fail";
    let (code, stdout, _) = run(&[fail, "--format", "json"]);
    assert_eq!(code, 0, "FL021 is info");
    let out: Json = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(codes(&out), ["FL021"; 4]);

    // FL004 and FL008 did not run, so their suppressions cannot be known to be stale; an
    // unknown rule name is reported whatever ran.
    let (_, stdout, _) = run(&[fail, "--format", "json", "--select", "FL002,FL021"]);
    let out: Json = serde_json::from_str(&stdout).expect("JSON");
    let found: Vec<String> = diagnostics(&out).into_iter().map(|(_, _, at)| at).collect();
    assert_eq!(
        found,
        ["clusters/dev/apps.yaml:8:39", "clusters/dev/apps.yaml:9:25"]
    );

    let (_, out) = lint_json(fail, "rules:\n  unused-suppression: off\n", &[]);
    assert!(codes(&out).is_empty());
    let (code, out) = lint_json(
        fail,
        "rules:\n  FL021: warning\n",
        &["--fail-on", "warning"],
    );
    assert_eq!((code, codes(&out).len()), (1, 4));
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("readable").flatten() {
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).expect("created");
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copied");
        }
    }
}
