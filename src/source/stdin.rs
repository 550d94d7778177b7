//! Standard input as a source (`leakfence scan -`).

use super::{Origin, Scanner};
use crate::detect::Detector;
use crate::finding::{Finding, Provenance, Stats};
use std::io::Read;

/// The display path of standard input.
pub const STDIN_PATH: &str = "<stdin>";

/// Reads all of `input` (no size limit) and scans it as one file named `<stdin>`.
pub fn scan_reader(
    detector: &Detector,
    input: impl Read,
    stats: &mut Stats,
) -> std::io::Result<Vec<Finding>> {
    let origin = Origin {
        path: STDIN_PATH.to_string(),
        provenance: Provenance::File,
    };
    let mut buffer = Vec::new();
    let scanned =
        Scanner::new(detector, None).scan_reader(input, None, &mut buffer, &origin, stats)?;
    // Binary input is counted, not reported.
    Ok(scanned.map(|scanned| scanned.findings).unwrap_or_default())
}
