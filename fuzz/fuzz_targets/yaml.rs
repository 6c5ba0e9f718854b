//! `source::yaml::parse` on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/fuzz_harness.rs"]
mod harness;

fuzz_target!(|data: &[u8]| harness::yaml(data));
