//! Shared code of the leakfence fuzz targets: the invariants live in [`checks`], which
//! `tests/fuzz_replay.rs` also includes, so a saved crash input is checked the same way in CI.

pub mod checks;
