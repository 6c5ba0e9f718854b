//! Helpers shared by integration tests.

pub mod fuzz_harness;
