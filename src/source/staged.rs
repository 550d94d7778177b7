//! The staged source: what `git commit` is about to record.
//!
//! Reads the index (honouring `GIT_INDEX_FILE`), never the work tree, and diffs it against
//! `HEAD` (or the empty tree before the first commit). Each added, modified, renamed or copied
//! entry's staged blob is scanned whole, so context on unchanged lines still counts, but only
//! findings on lines the change adds are reported: a line whose exact text was already in the
//! old version of the file is not new, wherever it moved.

use super::decode::{decode, Decoded};
use super::{findings_in, Origin};
use crate::detect::Detector;
use crate::finding::Finding;
use crate::git::{self, GitError};
use crate::messages::Messages;
use crate::report::Stats;
use std::collections::HashSet;

/// Index entry modes.
const MODE_SYMLINK: u32 = 0o120000;
const MODE_GITLINK: u32 = 0o160000;

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
    let head = git::head_tree(&repo)?;
    let index = git::staged_index(&repo)?;
    let mut diff_options = git2::DiffOptions::new();
    diff_options
        .context_lines(0)
        .ignore_submodules(true)
        .include_typechange(true);
    let mut diff = repo
        .diff_tree_to_index(head.as_ref(), Some(&index), Some(&mut diff_options))
        .map_err(|source| GitError::Read {
            what: "the staged changes".into(),
            source,
        })?;
    // Pair deletions with additions so that a renamed file is compared with its old self.
    let mut similar = git2::DiffFindOptions::new();
    similar.renames(true);
    diff.find_similar(Some(&mut similar))
        .map_err(|source| GitError::Read {
            what: "renames in the staged changes".into(),
            source,
        })?;

    let mut findings = Vec::new();
    let mut stats = Stats::default();
    for delta in diff.deltas() {
        if !matches!(
            delta.status(),
            git2::Delta::Added
                | git2::Delta::Modified
                | git2::Delta::Renamed
                | git2::Delta::Copied
                | git2::Delta::Typechange
        ) {
            continue;
        }
        let new = delta.new_file();
        let mode = u32::from(new.mode());
        if mode == MODE_GITLINK || new.id().is_zero() {
            continue;
        }
        let path = new
            .path_bytes()
            .map(|p| String::from_utf8_lossy(p).into_owned())
            .unwrap_or_default();
        if delta.old_file().id() == new.id() {
            continue; // mode change or pure rename: no new content
        }
        let old_id = delta.old_file().id();
        let old_is_text = u32::from(delta.old_file().mode()) != MODE_GITLINK && !old_id.is_zero();
        let blob_scan = BlobScan {
            repo: &repo,
            detector,
            messages,
            max_size: options.max_file_size,
            symlink: mode == MODE_SYMLINK,
        };
        blob_scan.scan(
            &path,
            new.id(),
            old_is_text.then_some(old_id),
            &mut findings,
            &mut stats,
        );
    }
    Ok((findings, stats))
}

struct BlobScan<'a> {
    repo: &'a git2::Repository,
    detector: &'a Detector,
    messages: &'a Messages,
    max_size: u64,
    symlink: bool,
}

impl BlobScan<'_> {
    fn scan(
        &self,
        path: &str,
        new_id: git2::Oid,
        old_id: Option<git2::Oid>,
        findings: &mut Vec<Finding>,
        stats: &mut Stats,
    ) {
        let blob = match self.repo.find_blob(new_id) {
            Ok(blob) => blob,
            Err(e) => {
                self.messages.error(
                    path,
                    format_args!("cannot read staged blob {new_id}: {}", e.message()),
                );
                return;
            }
        };
        let content = blob.content();
        if content.len() as u64 > self.max_size {
            stats.too_large_skipped += 1;
            self.messages.warn(
                path,
                format_args!(
                    "not scanned: the staged file is {} bytes, over the size limit",
                    content.len()
                ),
            );
            return;
        }
        stats.bytes += content.len() as u64;
        let text = match decode(content) {
            Decoded::Binary if !self.symlink => {
                stats.binary_skipped += 1;
                self.messages.warn(path, "not scanned: binary file");
                return;
            }
            Decoded::Binary => std::borrow::Cow::Borrowed(content),
            Decoded::Text(text) => text,
        };
        stats.files += 1;
        let origin = Origin {
            path: path.to_string(),
            commit: None,
        };
        let mut found = findings_in(self.detector, &origin, &text);
        if found.is_empty() {
            return;
        }
        if let Some(old_lines) = old_id.and_then(|id| self.old_lines(id)) {
            found.retain(|f| !old_lines.contains(trim_cr(f.line_text.as_bytes())));
        }
        findings.extend(found);
    }

    /// The set of lines of the previous version, decoded the same way as the new one.
    fn old_lines(&self, id: git2::Oid) -> Option<HashSet<Vec<u8>>> {
        let blob = self.repo.find_blob(id).ok()?;
        let text = match decode(blob.content()) {
            Decoded::Text(text) => text.into_owned(),
            Decoded::Binary => blob.content().to_vec(),
        };
        Some(
            text.split(|&b| b == b'\n')
                .map(|line| trim_cr(line).to_vec())
                .collect(),
        )
    }
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}
