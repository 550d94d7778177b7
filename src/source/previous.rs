//! What a file held before a change, so that only lines the change adds are reported: a line
//! whose exact text was already in the old version is not new, wherever it moved.

use super::decode::{decode, Decoded};
use super::tree_diff;
use crate::finding::Finding;
use crate::git::odb::{Kind, Odb};
use crate::git::ObjectId;
use std::collections::HashSet;

/// The lines of a blob (without a trailing `\r`), decoded as a scan decodes it: what an
/// earlier version of a file held, so that only lines a change adds are reported.
pub fn blob_lines(odb: &Odb, id: ObjectId) -> Option<HashSet<Vec<u8>>> {
    let content = odb.read_kind(&id, Kind::Blob).ok()?;
    let text = match decode(&content) {
        Decoded::Text(text) => text.into_owned(),
        Decoded::Transcoded(text, _) => text,
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
        tree_diff::Previous::Blob(id) | tree_diff::Previous::Renamed(id) => blob_lines(odb, *id),
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
