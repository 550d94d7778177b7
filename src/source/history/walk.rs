//! Step (1) of a history scan: the commit walk. Each selected commit is compared with its
//! first parent (a root or grafted commit with nothing), skipping unchanged subtrees by id, and
//! its message is scanned; in parallel, results in commit order.

use super::with_detector;
use crate::detect::Detector;
use crate::finding::{Finding, Provenance, COMMIT_MESSAGE_PATH};
use crate::git::commit;
use crate::git::odb::Odb;
use crate::git::{GitError, ObjectId};
use crate::messages::Messages;
use crate::source::progress::Progress;
use crate::source::tree_diff::{self, Change};
use crate::source::{findings_in, Origin};
use rayon::prelude::*;
use std::collections::HashSet;

/// What the walk learned about one commit.
#[derive(Default)]
pub(super) struct CommitScan {
    /// Files the commit added or changed.
    pub(super) changes: Vec<Change>,
    /// Files that left their path in it, with the blob each held (ids and paths only: what
    /// `removal` needs to tell when a credential left the tree).
    pub(super) removed: Vec<(Vec<u8>, ObjectId)>,
    /// Findings in its message (provenance set later, see `attribute::CommitInfos`).
    pub(super) message_findings: Vec<Finding>,
}

/// What the walk needs.
pub(super) struct Walk<'a> {
    pub(super) odb: &'a Odb,
    /// A shallow clone's grafted commits, walked as roots (their parents are absent).
    pub(super) grafted: HashSet<ObjectId>,
    pub(super) detector: &'a Detector,
    pub(super) messages: &'a Messages,
}

impl Walk<'_> {
    /// Walks `commits` in parallel; a commit that cannot be read is named and counts as empty.
    pub(super) fn commits(&self, commits: &[ObjectId], progress: &dyn Progress) -> Vec<CommitScan> {
        progress.start_commits(commits.len() as u64);
        commits
            .par_iter()
            .map(|&id| {
                progress.commit_done();
                with_detector(self.detector, |detector| self.commit(detector, id)).unwrap_or_else(
                    |e| {
                        let what = format!("commit {id}");
                        self.messages.error(&what, format_args!("cannot read: {e}"));
                        CommitScan::default()
                    },
                )
            })
            .collect()
    }

    fn commit(&self, detector: &Detector, id: ObjectId) -> Result<CommitScan, GitError> {
        let odb = self.odb;
        let data = commit::read(odb, id)?;
        let parsed = commit::parse(&data).expect("checked by commit::read");
        let tree = parsed.tree;
        let parent_tree = match parsed.parents.first() {
            Some(&parent) if !self.grafted.contains(&id) => Some(commit::tree_of(odb, parent)?),
            _ => None,
        };
        let diff = tree_diff::commit_diff(odb, parent_tree, tree)?;
        // A message is scanned as it is (no size limit, no decoding). The provenance names the
        // commit once its metadata is read (`attribute::CommitInfos::attach`).
        let origin = Origin {
            path: COMMIT_MESSAGE_PATH.to_string(),
            provenance: Provenance::File,
        };
        let message_findings = findings_in(detector, &origin, parsed.message);
        Ok(CommitScan {
            changes: diff.changes,
            removed: diff.removed,
            message_findings,
        })
    }
}
