//! Sources: where content comes from (files, standard input, git) and how it becomes findings.
//!
//! Sources own all I/O. They hand the detector whole contents and turn its detections into
//! [`Finding`]s with paths and positions.

pub mod decode;
pub mod fs;
pub mod staged;
pub mod stdin;

use crate::detect::lines::LineIndex;
use crate::detect::rules::rule;
use crate::detect::Detector;
use crate::finding::{Commit, Finding};

/// Where a piece of content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Display path: relative to the scan root, `/`-separated, or `<stdin>`.
    pub path: String,
    /// The commit it belongs to, for history scans.
    pub commit: Option<Commit>,
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
                commit: origin.commit.clone(),
            }
        })
        .collect()
}
