//! Blobs known to hold nothing: shared by the history scans of one `--repos` run.
//!
//! Forks, mirrors, linked worktrees and clones of one project hold the same blobs, and a blob's
//! id is a hash of its content. A blob that one scan read whole and found nothing in yields
//! nothing in any repository, whatever its path or commit (findings are only ever kept, never
//! added, by where the blob was introduced), so the other scans need not read it again. Blobs
//! with findings, and blobs over the size limit (each repository warns about its own), are
//! not remembered.

use crate::git::ObjectId;
use rustc_hash::FxHashSet;
use std::sync::Mutex;

/// Ids of blobs read whole with nothing found in them.
#[derive(Debug, Default)]
pub struct CleanBlobs {
    ids: Mutex<FxHashSet<ObjectId>>,
}

impl CleanBlobs {
    /// An empty set.
    pub fn new() -> CleanBlobs {
        CleanBlobs::default()
    }

    /// Whether a scan found nothing in blob `id`.
    pub fn contains(&self, id: &ObjectId) -> bool {
        self.lock().contains(id)
    }

    /// Remembers that blob `id` holds nothing.
    pub fn insert(&self, id: ObjectId) {
        self.lock().insert(id);
    }

    /// How many blobs are remembered.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether no blob is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FxHashSet<ObjectId>> {
        // Inserting cannot leave the set half-changed, so a poisoned lock's set is sound.
        self.ids.lock().unwrap_or_else(|e| e.into_inner())
    }
}
