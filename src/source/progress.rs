//! How a long scan tells its advance to whoever shows it.
//!
//! Sources call a [`Progress`] and know nothing of terminals; the command layer decides
//! whether and how to draw it.

/// The advance of a history scan: its two phases, each counted in units of work. Every method
/// does nothing unless implemented.
pub trait Progress: Sync {
    /// The commit walk starts: `total` commits.
    fn start_commits(&self, _total: u64) {}

    /// One more commit was walked.
    fn commit_done(&self) {}

    /// The blob scan starts: `total` distinct blobs.
    fn start_blobs(&self, _total: u64) {}

    /// One more blob was scanned (or skipped), `bytes` long.
    fn blob_done(&self, _bytes: u64) {}

    /// The scan is over.
    fn finish(&self) {}
}

/// Shows nothing.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}
