//! Step (2) of a history scan: attribution. In history order, each (path, blob) pair belongs
//! to the first commit that introduced it (a blob that reappears later at the same path is not
//! new); at the end each finding gets its commit's metadata, read once per commit.

use super::walk::CommitScan;
use crate::finding::{Commit, Finding, Provenance};
use crate::git::commit;
use crate::git::odb::Odb;
use crate::git::ObjectId;
use crate::messages::Messages;
use crate::source::tree_diff::Previous;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A place that introduced a blob.
pub(super) struct Occurrence {
    /// The introducing commit's position in the walk.
    pub(super) commit: usize,
    /// The file's path there.
    pub(super) path: Arc<[u8]>,
    /// What the file held before.
    pub(super) old: Previous,
}

/// A finding and the position of the commit that introduced it, until commit metadata is
/// read once per commit: its provenance is set then (see [`CommitInfos::attach`]).
pub(super) type Attributed = (usize, Finding);

/// The first commit, in history order, that gave each path each blob; blobs in the order they
/// are best read in one by one.
pub(super) fn occurrences(scans: &[CommitScan]) -> Vec<(ObjectId, Vec<Occurrence>)> {
    let mut seen: HashSet<(Arc<[u8]>, ObjectId)> = HashSet::new();
    let mut by_blob: HashMap<ObjectId, Vec<Occurrence>> = HashMap::new();
    for (commit, scan) in scans.iter().enumerate() {
        for change in &scan.changes {
            let path: Arc<[u8]> = Arc::from(change.path.as_slice());
            if seen.insert((path.clone(), change.new)) {
                by_blob.entry(change.new).or_default().push(Occurrence {
                    commit,
                    path,
                    old: change.old.clone(),
                });
            }
        }
    }
    let mut blobs: Vec<_> = by_blob.into_iter().collect();
    // Blobs the delta forest cannot serve are read one by one in this order: versions of one
    // path together, newest first, so that the pack cache keeps each chain's bases.
    blobs.sort_by(|(_, a), (_, b)| {
        let key =
            |places: &[Occurrence]| (places[0].path.clone(), std::cmp::Reverse(places[0].commit));
        key(a).cmp(&key(b))
    });
    blobs
}

/// The message findings of every commit, with the commit's position.
pub(super) fn in_messages(scans: Vec<CommitScan>) -> Vec<Attributed> {
    scans
        .into_iter()
        .enumerate()
        .flat_map(|(commit, scan)| scan.message_findings.into_iter().map(move |f| (commit, f)))
        .collect()
}

/// Commit metadata (id, author, date), read once per commit that has findings.
pub(super) struct CommitInfos<'a> {
    odb: &'a Odb,
    commits: &'a [ObjectId],
    messages: &'a Messages,
    cache: HashMap<usize, Commit>,
}

impl<'a> CommitInfos<'a> {
    /// Metadata of `commits` (the walk's), read from `odb` on demand.
    pub(super) fn new(odb: &'a Odb, commits: &'a [ObjectId], messages: &'a Messages) -> Self {
        CommitInfos {
            odb,
            commits,
            messages,
            cache: HashMap::new(),
        }
    }

    /// Gives each finding the provenance `make` builds from its commit's metadata.
    pub(super) fn attach(
        &mut self,
        attributed: Vec<Attributed>,
        make: impl Fn(Commit) -> Provenance,
    ) -> Vec<Finding> {
        attributed
            .into_iter()
            .map(|(index, mut finding)| {
                finding.provenance = make(self.commit(index));
                finding
            })
            .collect()
    }

    /// The metadata of the commit at `index` in the walk.
    pub(super) fn commit(&mut self, index: usize) -> Commit {
        self.cache
            .entry(index)
            .or_insert_with(|| commit_info(self.odb, self.commits[index], self.messages))
            .clone()
    }
}

/// A commit's metadata; one that cannot be read is named, and keeps only its id.
fn commit_info(odb: &Odb, id: ObjectId, messages: &Messages) -> Commit {
    let read = commit::read(odb, id);
    match read.as_ref().map(|data| commit::parse(data)) {
        Ok(Some(commit)) => Commit {
            id: id.to_string(),
            author: String::from_utf8_lossy(commit.author_name).into_owned(),
            email: String::from_utf8_lossy(commit.author_email).into_owned(),
            time: commit.author_time,
        },
        Ok(None) | Err(_) => {
            let reason = read
                .err()
                .map_or("not a valid commit".into(), |e| e.to_string());
            messages.error(&format!("commit {id}"), reason);
            Commit {
                id: id.to_string(),
                author: String::new(),
                email: String::new(),
                time: 0,
            }
        }
    }
}
