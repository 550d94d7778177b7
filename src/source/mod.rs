//! Sources: where content comes from (files, standard input, git) and how it becomes findings.
//!
//! Sources own all I/O. They hand the detector whole contents and turn its detections into
//! [`Finding`]s with paths and positions.

pub mod decode;
pub mod fs;
pub mod history;
pub mod progress;
pub mod staged;
pub mod stdin;
pub mod tree_diff;

use crate::detect::lines::LineIndex;
use crate::detect::rules::rule;
use crate::detect::Detector;
use crate::finding::{Finding, Provenance};
use crate::git::odb::{Kind, Odb};
use crate::git::ObjectId;
use decode::{decode, Decoded};
use std::collections::HashSet;

/// Where a piece of content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Display path: relative to the scan root, `/`-separated, or `<stdin>`.
    pub path: String,
    /// What the content is.
    pub provenance: Provenance,
}

/// Runs the detector over one decoded content and turns detections into findings.
pub fn findings_in(detector: &Detector, origin: &Origin, content: &[u8]) -> Vec<Finding> {
    let detections = detector.detect(content);
    if detections.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(content);
    detections
        .into_iter()
        .map(|d| {
            let location = lines.location(content, d.span.start);
            let end = lines.location(content, d.span.end);
            let line_range = lines.line_range(content, location.line - 1);
            Finding {
                rule: d.rule,
                severity: rule(d.rule).severity,
                path: origin.path.clone(),
                location,
                end_column: if end.line == location.line {
                    end.column
                } else {
                    location.column + 1
                },
                span: d.span,
                secret: String::from_utf8_lossy(&content[d.span.start..d.span.end]).into_owned(),
                line_text: String::from_utf8_lossy(&content[line_range]).into_owned(),
                provenance: origin.provenance.clone(),
                in_head: None,
                head_path: None,
                verification: None,
            }
        })
        .collect()
}

/// The lines of a blob (without a trailing `\r`), decoded as a scan decodes it: what an
/// earlier version of a file held, so that only lines a change adds are reported.
pub fn blob_lines(odb: &Odb, id: ObjectId) -> Option<HashSet<Vec<u8>>> {
    let content = odb.read_kind(&id, Kind::Blob).ok()?;
    let text = match decode(&content) {
        Decoded::Text(text) => text.into_owned(),
        Decoded::Binary => content.to_vec(),
    };
    Some(
        text.split(|&b| b == b'\n')
            .map(|line| trim_cr(line).to_vec())
            .collect(),
    )
}

/// Most removed files compared with a renamed-and-edited one before giving up.
const MAX_RENAME_CANDIDATES: usize = 64;

/// The lines a changed file had before the change, so that they are not reported as new.
/// For a file that may be a renamed one, the removed file sharing the most lines with it (at
/// least half of its own) is taken.
pub fn previous_lines(
    odb: &Odb,
    previous: &tree_diff::Previous,
    new_text: &[u8],
) -> Option<HashSet<Vec<u8>>> {
    match previous {
        tree_diff::Previous::Nothing => None,
        tree_diff::Previous::Blob(id) => blob_lines(odb, *id),
        tree_diff::Previous::Removed(candidates) => {
            let new_lines: HashSet<&[u8]> = new_text.split(|&b| b == b'\n').map(trim_cr).collect();
            candidates
                .iter()
                .take(MAX_RENAME_CANDIDATES)
                .filter_map(|id| blob_lines(odb, *id))
                .map(|old| {
                    (
                        old.iter()
                            .filter(|l| new_lines.contains(l.as_slice()))
                            .count(),
                        old,
                    )
                })
                .filter(|(shared, old)| shared * 2 >= old.len())
                .max_by_key(|(shared, _)| *shared)
                .map(|(_, old)| old)
        }
    }
}

/// Keeps the findings whose line is not among `old` lines: a line that only moved is not new.
pub fn retain_new_lines(findings: &mut Vec<Finding>, old: &HashSet<Vec<u8>>) {
    findings.retain(|f| !old.contains(trim_cr(f.line_text.as_bytes())));
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}
