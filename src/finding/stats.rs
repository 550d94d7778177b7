//! `Stats`: the counters of one scan, kept by the sources and printed by the reporters.

use serde::Serialize;

/// Counters of one scan, summed over threads.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Text files scanned.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Wall-clock seconds of the scan.
    pub seconds: f64,
    /// Files skipped because they are binary.
    pub binary_skipped: u64,
    /// Files skipped because they are over the size limit.
    pub too_large_skipped: u64,
    /// Symbolic links not followed.
    pub symlinks_skipped: u64,
    /// FIFOs, sockets and devices never opened.
    pub special_skipped: u64,
    /// Paths that could not be read (the scan is incomplete when this is not zero).
    pub errors: u64,
    /// Commits walked (history scans).
    pub commits: u64,
    /// Distinct blobs read (history scans): each is scanned once, however many commits hold it.
    pub blobs: u64,
    /// With `--repos`: every repository the run covered, by name (reporters that describe
    /// each one, such as SARIF's runs, read them here).
    #[serde(skip)]
    pub repositories: Vec<ScannedRepository>,
}

/// One repository of a `--repos` run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScannedRepository {
    /// Its name: the path relative to the scanned directory, `/` separators, `.` for the
    /// directory itself.
    pub name: String,
    /// Its absolute path (its work tree, or a bare repository's git directory).
    pub path: std::path::PathBuf,
    /// The commit `HEAD` named when it was scanned, if it could be opened and has one.
    pub head: Option<String>,
    /// Errors while scanning it (it could not be opened, an object is damaged).
    pub errors: u64,
}

impl Stats {
    /// Adds another thread's counters (not `seconds`, which is measured once).
    pub fn add(&mut self, other: &Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.binary_skipped += other.binary_skipped;
        self.too_large_skipped += other.too_large_skipped;
        self.symlinks_skipped += other.symlinks_skipped;
        self.special_skipped += other.special_skipped;
        self.errors += other.errors;
        self.commits += other.commits;
        self.blobs += other.blobs;
    }
}
