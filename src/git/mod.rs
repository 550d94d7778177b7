//! leakfence's one git layer: every source reads repositories through it.
//!
//! - [`repo`]: discovery, `HEAD`, refs and revision ranges, answered by git's own plumbing
//!   (`rev-parse`, `rev-list`, `for-each-ref`), so that every repository git makes is read:
//!   SHA-1 or SHA-256 objects, `files` or `reftable` refs, worktrees, bare repositories;
//! - [`odb`]: objects, read by leakfence itself (packs, loose objects, alternates);
//! - [`index`]: the index file, read by leakfence itself (versions 2 to 4, split, sparse);
//! - [`tree`] and [`commit`]: the two object formats a walk parses.
//!
//! Nothing here writes to a repository, fetches a partial clone's missing objects, or runs a
//! program that the repository's configuration names.

pub mod command;
pub mod commit;
pub mod index;
pub mod odb;
pub mod oid;
pub mod pack;
pub mod repo;
#[cfg(test)]
mod test_support;
pub mod tree;

pub use oid::{HashKind, ObjectId};
pub use repo::Repository;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Index entry modes that are not regular files: symlinks and submodules (gitlinks).
const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_REGULAR: u32 = 0o100000;

/// Regular files that git tracks below `root`, as paths relative to `root`.
///
/// Returns `Ok(None)` when `root` is not inside a git work tree (or git cannot run). Nothing
/// is written to the repository: the index is only read.
pub fn tracked_files_under(root: &Path) -> Result<Option<HashSet<PathBuf>>, GitError> {
    let Some(repo) = Repository::find(root) else {
        return Ok(None);
    };
    let Some(workdir) = repo.work_tree() else {
        return Ok(None);
    };
    let (Ok(workdir), Ok(root)) = (workdir.canonicalize(), root.canonicalize()) else {
        return Ok(None);
    };
    let Ok(prefix) = root.strip_prefix(&workdir) else {
        return Ok(None);
    };
    // The repository's own index, not a hook's temporary one: this lists tracked files.
    let index_file = repo.git_dir().join("index");
    let index = index::Index::read(&index_file, repo.git_dir(), repo.hash())?;
    let mut tracked = HashSet::new();
    for entry in index.entries() {
        if entry.mode & MODE_TYPE_MASK != MODE_REGULAR {
            continue;
        }
        let path = path_from_bytes(index.path(entry));
        if let Ok(relative) = path.strip_prefix(prefix) {
            tracked.insert(relative.to_path_buf());
        }
    }
    Ok(Some(tracked))
}

/// A path from git's byte representation.
#[cfg(unix)]
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    use std::os::unix::ffi::OsStrExt;
    PathBuf::from(std::ffi::OsStr::from_bytes(bytes))
}

/// A path from git's byte representation.
#[cfg(not(unix))]
pub fn path_from_bytes(bytes: &[u8]) -> PathBuf {
    PathBuf::from(String::from_utf8_lossy(bytes).into_owned())
}

/// Errors from reading git data.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The path is not inside a git repository.
    #[error("{} is not in a git repository: {message}", path.display())]
    NotARepository {
        /// Where we looked.
        path: PathBuf,
        /// git's reason.
        message: String,
    },
    /// A git command failed (an unknown revision, say).
    #[error("{command}: {message}")]
    Git {
        /// The command, as run.
        command: String,
        /// git's own message.
        message: String,
    },
    /// A bare repository has no index to commit from.
    #[error("{} is a bare repository: it has no work tree and no staged changes", path.display())]
    Bare {
        /// The repository.
        path: PathBuf,
    },
    /// The repository has no commits yet.
    #[error("{} has no commits yet: there is no history to scan", path.display())]
    NoCommits {
        /// The repository.
        path: PathBuf,
    },
    /// The index file is unreadable or corrupt.
    #[error(transparent)]
    Index(#[from] index::IndexError),
    /// An object is missing, damaged or not of the expected kind.
    #[error(transparent)]
    Object(#[from] odb::ObjectError),
    /// Something read is not what git writes.
    #[error("cannot read {what}: {message}")]
    Read {
        /// What was being read.
        what: String,
        /// What is wrong.
        message: String,
    },
}
