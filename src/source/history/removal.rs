//! When a finding left the tree: after the blob scan, each finding introduced at (path, blob)
//! in some commit is matched with the first later commit, in the walk's history order, whose
//! diff against its first parent took that blob from that path (the path changed to other
//! content, or was deleted, renamed away or under a removed directory).
//!
//! A rename counts as the blob leaving that path: the credential itself may live on under the
//! new name, which `head` tells (a credential still at `HEAD` has no removal, see
//! `finding::Credential::removed`). A blob that comes back to the path later and leaves again
//! keeps its first removal. The walk records departures as ids and paths only; only blobs
//! with findings are looked up here, so the cost is one hash lookup per departure.

use super::blobs::InBlob;
use super::walk::CommitScan;
use crate::git::ObjectId;
use crate::source::tree_diff::Previous;
use std::collections::HashMap;

/// For each finding of `found` (in order): the position of the commit that first took its
/// blob from its path after the commit that introduced it, if one did.
pub(super) fn first_departures(scans: &[CommitScan], found: &[InBlob]) -> Vec<Option<usize>> {
    // Blob → path → positions of the commits where it left that path, oldest first.
    let mut left: HashMap<ObjectId, HashMap<&str, Vec<usize>>> = HashMap::new();
    for (blob, (_, finding)) in found {
        left.entry(*blob)
            .or_default()
            .entry(finding.path.as_str())
            .or_default();
    }
    if left.is_empty() {
        return Vec::new();
    }
    for (position, scan) in scans.iter().enumerate() {
        let replaced = scan.changes.iter().filter_map(|change| match change.old {
            Previous::Blob(old) => Some((change.path.as_slice(), old)),
            _ => None,
        });
        let removed = scan.removed.iter().map(|(path, id)| (path.as_slice(), *id));
        for (path, blob) in replaced.chain(removed) {
            let Some(paths) = left.get_mut(&blob) else {
                continue;
            };
            // Finding paths are the lossy UTF-8 form of the git path (see `blobs`).
            if let Some(positions) = paths.get_mut(String::from_utf8_lossy(path).as_ref()) {
                positions.push(position);
            }
        }
    }
    found
        .iter()
        .map(|(blob, (introduced, finding))| {
            let positions = &left[blob][finding.path.as_str()];
            let after = positions.partition_point(|&p| p <= *introduced);
            positions.get(after).copied()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;
    use crate::finding::Finding;
    use crate::source::tree_diff::Change;

    fn id(byte: u8) -> ObjectId {
        ObjectId::from_hex(&format!("{byte:02x}").repeat(20)).expect("40 hex digits")
    }

    fn changed(path: &str, new: ObjectId, old: Previous) -> Change {
        Change {
            path: path.as_bytes().to_vec(),
            new,
            mode: 0o100644,
            old,
        }
    }

    fn scan(changes: Vec<Change>, removed: &[(&str, ObjectId)]) -> CommitScan {
        CommitScan {
            changes,
            removed: removed
                .iter()
                .map(|(p, id)| (p.as_bytes().to_vec(), *id))
                .collect(),
            message_findings: Vec::new(),
        }
    }

    fn found(blob: ObjectId, commit: usize, path: &str) -> InBlob {
        let finding = Finding::example(pick::contextual_secret(), path, 1, 1, "s");
        (blob, (commit, finding))
    }

    #[test]
    fn a_change_in_place_or_a_deletion_removes_the_blob_from_its_path() {
        let (a, b, c) = (id(1), id(2), id(3));
        let scans = vec![
            scan(vec![changed("x.env", a, Previous::Nothing)], &[]),
            scan(vec![changed("y.env", a, Previous::Nothing)], &[]),
            // The blob leaves another path: not x.env's removal.
            scan(vec![], &[("y.env", a)]),
            scan(vec![changed("x.env", b, Previous::Blob(a))], &[]),
            scan(vec![changed("z.env", c, Previous::Nothing)], &[]),
            scan(vec![], &[("z.env", c)]),
        ];
        let found = vec![
            found(a, 0, "x.env"),
            found(a, 1, "y.env"),
            found(c, 4, "z.env"),
        ];
        assert_eq!(
            first_departures(&scans, &found),
            [Some(3), Some(2), Some(5)]
        );
    }

    #[test]
    fn a_departure_before_the_introduction_does_not_count() {
        let a = id(1);
        let scans = vec![
            scan(vec![changed("x.env", a, Previous::Nothing)], &[]),
            scan(vec![], &[("x.env", a)]),
            scan(vec![changed("x.env", a, Previous::Nothing)], &[]),
        ];
        assert_eq!(first_departures(&scans, &[found(a, 2, "x.env")]), [None]);
    }

    #[test]
    fn a_rename_with_edits_is_not_a_change_in_place() {
        let (a, b) = (id(1), id(2));
        let scans = vec![
            scan(vec![changed("x.env", a, Previous::Nothing)], &[]),
            scan(vec![changed("x.env", b, Previous::Renamed(a))], &[]),
        ];
        assert_eq!(first_departures(&scans, &[found(a, 0, "x.env")]), [None]);
    }
}
