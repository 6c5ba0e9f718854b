//! Helpers shared by integration tests.

pub mod fleet;
pub mod fuzz_harness;
