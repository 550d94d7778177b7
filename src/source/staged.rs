//! The staged source: what `git commit` is about to record.
//!
//! Reads the index (honouring `GIT_INDEX_FILE`), never the work tree, and compares it with
//! `HEAD` (or the empty tree before the first commit). Directories whose cache-tree entry still
//! names HEAD's tree are skipped unread, so the cost follows the size of the change, not of the
//! repository. Each added or modified file's staged blob is scanned whole, so context on
//! unchanged lines still counts, but only findings on lines the change adds are reported: a
//! line whose exact text was already in the old version of the file is not new, wherever it
//! moved. A renamed file is compared with the file it came from.

use super::decode::{decode, Decoded};
use super::tree_diff::{self, Change};
use super::{findings_in, Origin};
use crate::detect::Detector;
use crate::finding::Finding;
use crate::git::{self, GitError};
use crate::messages::Messages;
use crate::report::Stats;

/// Index entry modes.
const MODE_SYMLINK: u32 = 0o120000;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct StagedOptions {
    /// Repository directory (`None`: from the environment and current directory).
    pub repo: Option<std::path::PathBuf>,
    /// Blobs larger than this are skipped with a note.
    pub max_file_size: u64,
}

/// Scans the staged changes; returns findings on added lines and statistics.
pub fn scan(
    options: &StagedOptions,
    detector: &Detector,
    messages: &Messages,
) -> Result<(Vec<Finding>, Stats), GitError> {
    let repo = git::open_repository(options.repo.as_deref())?;
    if repo.is_bare() {
        return Err(GitError::Bare {
            path: repo.path().to_path_buf(),
        });
    }
    let head = git::head_tree(&repo)?;
    let changes = tree_diff::staged_changes(&repo, head.as_ref())?;
    let mut findings = Vec::new();
    let mut stats = Stats::default();
    let scanner = BlobScan {
        repo: &repo,
        detector,
        messages,
        max_size: options.max_file_size,
    };
    for change in &changes {
        scanner.scan(change, &mut findings, &mut stats);
    }
    Ok((findings, stats))
}

struct BlobScan<'a> {
    repo: &'a git2::Repository,
    detector: &'a Detector,
    messages: &'a Messages,
    max_size: u64,
}

impl BlobScan<'_> {
    fn scan(&self, change: &Change, findings: &mut Vec<Finding>, stats: &mut Stats) {
        let path = String::from_utf8_lossy(&change.path).into_owned();
        let blob = match self.repo.find_blob(change.new) {
            Ok(blob) => blob,
            Err(e) => {
                self.messages.error(
                    &path,
                    format_args!("cannot read staged blob {}: {}", change.new, e.message()),
                );
                return;
            }
        };
        let content = blob.content();
        if content.len() as u64 > self.max_size {
            stats.too_large_skipped += 1;
            self.messages.warn(
                &path,
                format_args!(
                    "not scanned: the staged file is {} bytes, over the size limit",
                    content.len()
                ),
            );
            return;
        }
        stats.bytes += content.len() as u64;
        let text = match decode(content) {
            // A symlink's blob is its target path: scan it as text whatever it holds.
            Decoded::Binary if change.mode == MODE_SYMLINK => std::borrow::Cow::Borrowed(content),
            Decoded::Binary => {
                stats.binary_skipped += 1;
                self.messages.warn(&path, "not scanned: binary file");
                return;
            }
            Decoded::Text(text) => text,
        };
        stats.files += 1;
        let origin = Origin { path, commit: None };
        let mut found = findings_in(self.detector, &origin, &text);
        if found.is_empty() {
            return;
        }
        if let Some(old_lines) = super::previous_lines(self.repo, &change.old, &text) {
            super::retain_new_lines(&mut found, &old_lines);
        }
        findings.extend(found);
    }
}
