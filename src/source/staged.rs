//! The staged source: what `git commit` is about to record.
//!
//! Reads the index (honouring `GIT_INDEX_FILE`), never the work tree, and compares it with
//! `HEAD` (or the empty tree before the first commit). Directories whose cache-tree entry still
//! names HEAD's tree are skipped unread, so the cost follows the size of the change, not of the
//! repository. Each added or modified file's staged blob is scanned whole, so context on
//! unchanged lines still counts, but only findings on lines the change adds are reported: a
//! line whose exact text was already in the old version of the file is not new, wherever it
//! moved. A renamed file is compared with the file it came from.

use super::tree_diff::{self, Change};
use super::{Origin, Scanner, Skip};
use crate::detect::Detector;
use crate::finding::Stats;
use crate::finding::{Finding, Provenance};
use crate::git::commit;
use crate::git::index::Index;
use crate::git::odb::{Kind, Odb, Read};
use crate::git::{GitError, Repository};
use crate::messages::Messages;

/// Index entry modes.
const MODE_SYMLINK: u32 = 0o120000;

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct StagedOptions {
    /// The repository, opened.
    pub repo: Repository,
    /// Blobs larger than this are skipped with a note.
    pub max_file_size: u64,
}

/// Scans the staged changes; returns findings on added lines and statistics.
pub fn scan(
    options: &StagedOptions,
    detector: &Detector,
    messages: &Messages,
) -> Result<(Vec<Finding>, Stats), GitError> {
    let repo = &options.repo;
    if repo.is_bare() {
        return Err(GitError::Bare {
            path: repo.git_dir().to_path_buf(),
        });
    }
    let odb = repo.odb();
    let index = Index::read(repo.index_file(), repo.git_dir(), repo.hash())?;
    let head = repo
        .head()
        .map(|commit| commit::tree_of(&odb, commit))
        .transpose()?;
    let changes = tree_diff::staged_changes(&odb, &index, head)?;
    let mut findings = Vec::new();
    let mut stats = Stats::default();
    let scanner = BlobScan {
        odb: &odb,
        scanner: Scanner::new(detector, Some(options.max_file_size)),
        messages,
        max_size: options.max_file_size,
    };
    for change in &changes {
        scanner.scan(change, &mut findings, &mut stats);
    }
    Ok((findings, stats))
}

struct BlobScan<'a> {
    odb: &'a Odb,
    scanner: Scanner<'a>,
    messages: &'a Messages,
    max_size: u64,
}

impl BlobScan<'_> {
    fn scan(&self, change: &Change, findings: &mut Vec<Finding>, stats: &mut Stats) {
        let path = String::from_utf8_lossy(&change.path).into_owned();
        let content = match self.odb.read_limited(&change.new, self.max_size) {
            Ok(Read::Data {
                kind: Kind::Blob,
                data,
            }) => data,
            Ok(Read::Data { kind, .. }) => {
                self.messages.error(
                    &path,
                    format_args!("staged object {} is a {kind:?}, not a file", change.new),
                );
                return;
            }
            Ok(Read::TooLarge { size, .. }) => {
                let skip = self.scanner.too_large(size, stats);
                self.skipped(&path, skip);
                return;
            }
            Err(e) => {
                self.messages
                    .error(&path, format_args!("cannot read the staged file: {e}"));
                return;
            }
        };
        let origin = Origin {
            path,
            provenance: Provenance::Staged,
        };
        let scanned = if change.mode == MODE_SYMLINK {
            self.scanner.scan_link(&content, &origin, stats)
        } else {
            self.scanner.scan(&content, &origin, stats)
        };
        match scanned {
            Ok(scanned) => findings.extend(scanned.on_new_lines(self.odb, &change.old)),
            Err(skip) => self.skipped(&origin.path, skip),
        }
    }

    fn skipped(&self, path: &str, skip: Skip) {
        match skip {
            Skip::TooLarge { size } => self.messages.warn(
                path,
                format_args!("not scanned: the staged file is {size} bytes, over the size limit"),
            ),
            Skip::Binary => self.messages.warn(path, "not scanned: binary file"),
        }
    }
}
