//! The whole pipeline (`fleetlint::analyze` and both reports) on a one-cluster fleet written
//! from the input.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_harness.rs"]
mod harness;

static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let dir = DIR.get_or_init(|| tempfile::tempdir().expect("temp dir"));
    harness::pipeline(dir.path(), data);
});
