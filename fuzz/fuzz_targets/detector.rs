#![no_main]

use leakfence_fuzz::checks::{self, Detectors};
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

/// Built once per process: compiling the detector's automaton and regexes is the slow part.
static DETECTORS: LazyLock<Detectors> = LazyLock::new(Detectors::new);

fuzz_target!(|data: &[u8]| checks::detector(&DETECTORS, data));
