//! Standard input as a source (`leakfence scan -`).

use super::decode::{decode, Decoded};
use super::{findings_in, Origin};
use crate::detect::Detector;
use crate::finding::Stats;
use crate::finding::{Finding, Provenance};
use std::io::Read;

/// The display path of standard input.
pub const STDIN_PATH: &str = "<stdin>";

/// Reads all of `input` and scans it as one file named `<stdin>`.
pub fn scan_reader(
    detector: &Detector,
    mut input: impl Read,
    stats: &mut Stats,
) -> std::io::Result<Vec<Finding>> {
    let mut bytes = Vec::new();
    input.read_to_end(&mut bytes)?;
    stats.bytes += bytes.len() as u64;
    match decode(&bytes) {
        Decoded::Binary => {
            stats.binary_skipped += 1;
            Ok(Vec::new())
        }
        Decoded::Text(text) => {
            stats.files += 1;
            let origin = Origin {
                path: STDIN_PATH.to_string(),
                provenance: Provenance::File,
            };
            Ok(findings_in(detector, &origin, &text))
        }
    }
}
