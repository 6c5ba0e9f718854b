//! Inputs that once made a fuzz target fail, replayed through the same harness the fuzzer uses
//! (`tests/common/fuzz_harness.rs`). A file's name says which target: `yaml-*`, `kustomize-*`
//! or `pipeline-*`. Add the input of every fixed fuzzing bug here.

mod common;

use std::path::Path;

use common::fuzz_harness as harness;

#[test]
fn every_fuzz_regression_input_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz-regressions");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/fuzz-regressions exists")
        .map(|e| e.expect("readable entry").path())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for path in names {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let data = std::fs::read(&path).expect("readable input");
        eprintln!("replaying {name}");
        if name.starts_with("yaml-") {
            harness::yaml(&data);
        } else if name.starts_with("kustomize-") {
            let tmp = tempfile::tempdir().expect("temp dir");
            harness::kustomize(tmp.path(), &data);
        } else if name.starts_with("pipeline-") {
            let tmp = tempfile::tempdir().expect("temp dir");
            harness::pipeline(tmp.path(), &data);
        } else {
            panic!("{name}: name it yaml-*, kustomize-* or pipeline-*");
        }
    }
}
