//! A fast, read-only reader of git's index file (`.git/index`, or `GIT_INDEX_FILE`).
//!
//! libgit2 loads a 50,000-entry index in tens of milliseconds (it hashes and indexes every
//! entry); the pre-commit hook has a budget of a few. This reader only slices the file: entries
//! keep their path as a range into one buffer, and the cache-tree (`TREE` extension) tells which
//! directories are unchanged since they were last written as trees, so the staged diff can skip
//! them without reading their objects. The trailing checksum is not verified (git's own
//! `index.skipHash` writes none).
//!
//! Formats: versions 2, 3 (extended flags) and 4 (path prefix compression), with SHA-1 or
//! SHA-256 ids; split indexes (`core.splitIndex`: the `link` extension names a shared index whose
//! entries the split file replaces, deletes and adds to); sparse indexes (`sdir`: directories
//! outside the sparse-checkout cone are single entries holding a tree id). Optional extensions
//! (signature starting with `A`–`Z`: `UNTR`, `FSMN`, `EOIE`, `IEOT`, `REUC`, …) are skipped;
//! any other unknown extension is [`IndexError::Unsupported`], as git itself refuses it.
//!
//! Parts: `raw` reads one index file (header, entries, extensions; `cursor` bounds every read),
//! `extensions` decodes the cache tree and the split index's `link`, `split` merges a split
//! index with its shared index (`ewah` decodes its bitmaps).

mod cursor;
mod ewah;
mod extensions;
mod raw;
mod split;
#[cfg(test)]
mod tests;

use crate::git::oid::{HashKind, ObjectId};
use rustc_hash::FxHashMap as HashMap;
use std::ops::Range;
use std::path::Path;

const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_DIR: u32 = 0o040000;

/// One stage-0 entry of the index: a file, a submodule, or (in a sparse index) a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Byte range of the path in the index's path buffer (see [`Index::path`]).
    pub path: Range<usize>,
    /// The file mode (`0o100644`, `0o100755`, `0o120000` symlink, `0o160000` gitlink), or
    /// `0o040000` for a sparse directory entry.
    pub mode: u32,
    /// The blob id; the commit id for a gitlink; the tree id for a sparse directory entry.
    pub oid: ObjectId,
    /// Set by `git update-index --skip-worktree` and sparse checkouts; always set on a sparse
    /// directory entry.
    pub skip_worktree: bool,
    /// Set by `git add -N`: the path is known but its content is not staged (the id is the
    /// empty blob's).
    pub intent_to_add: bool,
}

impl Entry {
    /// Whether this entry stands for a whole directory outside a sparse-checkout cone (its
    /// path ends with `/` and its id names a tree).
    pub fn is_sparse_dir(&self) -> bool {
        self.mode & MODE_TYPE_MASK == MODE_DIR
    }
}

/// A parsed index.
#[derive(Debug, Default)]
pub struct Index {
    paths: Vec<u8>,
    entries: Vec<Entry>,
    /// Directory path (no trailing `/`, root is empty) → tree id, for valid cache-tree entries.
    cache_tree: HashMap<Vec<u8>, ObjectId>,
    sparse: bool,
    conflicts: bool,
}

/// Why an index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The file (the index, or a split index's shared index) could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not a valid index.
    #[error("{path} is not a valid git index: {reason}")]
    Corrupt {
        /// The index file (empty when parsing bytes).
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A valid index using a feature this reader does not know (a newer version or a required
    /// extension), or a split index given to [`Index::parse`].
    #[error("{0}")]
    Unsupported(String),
}

impl IndexError {
    fn corrupt(reason: &'static str) -> IndexError {
        IndexError::Corrupt {
            path: String::new(),
            reason,
        }
    }

    /// Names `path` in a [`IndexError::Corrupt`] that has no path yet.
    fn at(self, path: &Path) -> IndexError {
        match self {
            IndexError::Corrupt { path: p, reason } if p.is_empty() => IndexError::Corrupt {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        }
    }
}

impl Index {
    /// Reads and parses the index file at `path`, resolving a split index. A missing file is an
    /// empty index, as in git (a repository where nothing was ever staged has none).
    ///
    /// `git_dir` is the repository's git directory for this index: for a linked worktree its
    /// own `$GIT_COMMON_DIR/worktrees/<name>`, which is where git writes that worktree's
    /// `index` and `sharedindex.<id>`. Like git's `read_index_from()`, a split index's shared
    /// file is looked up as `<git_dir>/sharedindex.<hex id>` first, then next to the index
    /// file itself (for a `GIT_INDEX_FILE` outside the git directory, git still writes the
    /// shared file into the git directory).
    pub fn read(path: &Path, git_dir: &Path, hash: HashKind) -> Result<Index, IndexError> {
        let data = match map_file(path) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
            Err(source) => {
                return Err(IndexError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let mut front = raw::parse_raw(&data, hash).map_err(|e| e.at(path))?;
        match front.link.take() {
            Some(link) if !link.shared.is_null() => {
                split::read_split(front, link, path, git_dir, hash).map_err(|e| e.at(path))
            }
            _ => front.finish().map_err(|e| e.at(path)),
        }
    }

    /// Parses the bytes of one index file. A split index (whose `link` extension names a
    /// shared index) is [`IndexError::Unsupported`]: [`Index::read`] resolves it.
    pub fn parse(data: &[u8], hash: HashKind) -> Result<Index, IndexError> {
        let raw = raw::parse_raw(data, hash)?;
        if raw.link.as_ref().is_some_and(|link| !link.shared.is_null()) {
            return Err(IndexError::Unsupported(
                "the index is split (core.splitIndex): its shared index must be read too, \
                 which Index::read does"
                    .into(),
            ));
        }
        raw.finish()
    }

    /// The stage-0 entries, sorted by path as git keeps them; in a sparse index, including the
    /// sparse directory entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The path of an entry (a sparse directory's ends with `/`, as git stores it).
    pub fn path(&self, entry: &Entry) -> &[u8] {
        &self.paths[entry.path.clone()]
    }

    /// The tree id the cache-tree records for a directory (`b""` is the root), when valid.
    pub fn cached_tree(&self, dir: &[u8]) -> Option<&ObjectId> {
        self.cache_tree.get(dir)
    }

    /// Whether this is a sparse index (the `sdir` extension): some entries may be directories.
    pub fn is_sparse(&self) -> bool {
        self.sparse
    }

    /// Whether the index holds unmerged entries (stages 1–3), which [`Index::entries`] leaves
    /// out.
    pub fn has_conflicts(&self) -> bool {
        self.conflicts
    }
}

/// Refuses directory entries where git writes none: outside a sparse index (no `sdir`
/// extension), or without the trailing `/` that names a sparse directory. Walking such an
/// entry as a file would read a tree as a blob.
fn checked_sparse_dirs(index: Index) -> Result<Index, &'static str> {
    for entry in index.entries.iter().filter(|e| e.is_sparse_dir()) {
        if !index.sparse {
            return Err("a directory entry in an index that is not sparse");
        }
        if !index.path(entry).ends_with(b"/") {
            return Err("a sparse directory entry whose path does not end in /");
        }
    }
    Ok(index)
}

/// Drops the entries of stages 1–3 (`stages` as in [`raw::Raw::stages`]) and notes that
/// there were.
fn keep_stage_zero(mut index: Index, stages: &[u8]) -> Index {
    if stages.iter().any(|&s| s != 0) {
        index.conflicts = true;
        let mut stage = stages.iter();
        index
            .entries
            .retain(|_| stage.next().is_none_or(|&s| s == 0));
    }
    index
}

/// An index file's bytes, mapped rather than copied: the pre-commit hook reads a 10 MiB index
/// of which it needs a few slices, and copying it into fresh memory costs more than parsing it.
enum FileBytes {
    Mapped(memmap2::Mmap),
    /// An empty file (which cannot be mapped).
    Empty,
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Empty => &[],
        }
    }
}

fn map_file(path: &Path) -> std::io::Result<FileBytes> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(FileBytes::Empty);
    }
    // SAFETY: git never rewrites an index in place: it writes `index.lock` and renames it over
    // the old file, so the mapped file keeps its bytes for as long as it is mapped. (Another
    // program truncating it meanwhile would be the same hazard as for git, which maps it too.)
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(FileBytes::Mapped(map))
}
