//! Thin `git2` helpers shared by the sources, and a fast index reader.

pub mod index;
pub mod oid;
pub mod pack;
pub mod tree;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Index entry modes that are not regular files: symlinks and submodules (gitlinks).
const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_REGULAR: u32 = 0o100000;

/// Regular files that git tracks below `root`, as paths relative to `root`.
///
/// Returns `Ok(None)` when `root` is not inside a git work tree. Nothing is written to the
/// repository: the index is only read.
pub fn tracked_files_under(root: &Path) -> Result<Option<HashSet<PathBuf>>, GitError> {
    let repo = match git2::Repository::discover(root) {
        Ok(repo) => repo,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(source) => {
            return Err(GitError::NotARepository {
                path: root.to_path_buf(),
                source,
            })
        }
    };
    let Some(workdir) = repo.workdir() else {
        return Ok(None);
    };
    let (Ok(workdir), Ok(root)) = (workdir.canonicalize(), root.canonicalize()) else {
        return Ok(None);
    };
    let Ok(prefix) = root.strip_prefix(&workdir) else {
        return Ok(None);
    };
    let index = index::Index::read(&repo.path().join("index"))?;
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

/// Opens the repository for a command: `--repo DIR` when given (discovered upwards from it),
/// otherwise as git would from the environment (`GIT_DIR`, worktrees, the current directory).
pub fn open_repository(repo: Option<&Path>) -> Result<git2::Repository, GitError> {
    let opened = match repo {
        Some(dir) => git2::Repository::discover(dir),
        None => git2::Repository::open_from_env(),
    };
    opened.map_err(|source| GitError::NotARepository {
        path: repo.map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        source,
    })
}

/// The tree of `HEAD`, or `None` before the first commit (unborn branch).
pub fn head_tree(repo: &git2::Repository) -> Result<Option<git2::Tree<'_>>, GitError> {
    match repo.head() {
        Ok(head) => head
            .peel_to_tree()
            .map(Some)
            .map_err(|source| GitError::Read {
                what: "HEAD".into(),
                source,
            }),
        Err(e)
            if matches!(
                e.code(),
                git2::ErrorCode::UnbornBranch | git2::ErrorCode::NotFound
            ) =>
        {
            Ok(None)
        }
        Err(source) => Err(GitError::Read {
            what: "HEAD".into(),
            source,
        }),
    }
}

/// The index a hook must look at, opened with libgit2 (see [`index_path`]).
pub fn staged_index(repo: &git2::Repository) -> Result<git2::Index, GitError> {
    let path = index_path(repo);
    git2::Index::open(&path).map_err(|source| GitError::Read {
        what: format!("index {}", path.display()),
        source,
    })
}

/// The index file a hook must read: `GIT_INDEX_FILE` when git set one (`git commit -a`,
/// `git commit -- PATH` and `--only` use a temporary index), else the repository's own.
pub fn index_path(repo: &git2::Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE").filter(|v| !v.is_empty()) {
        Some(path) => PathBuf::from(path),
        None => repo.path().join("index"),
    }
}

/// The directory git runs hooks from: `core.hooksPath` (relative to the work tree) or
/// `hooks/` in the common git directory (shared by linked worktrees).
pub fn hooks_dir(repo: &git2::Repository) -> Result<PathBuf, GitError> {
    let config = repo.config().map_err(|source| GitError::Read {
        what: "the git config".into(),
        source,
    })?;
    if let Ok(configured) = config.get_path("core.hooksPath") {
        if configured.is_absolute() {
            return Ok(configured);
        }
        let base = repo.workdir().unwrap_or_else(|| repo.path());
        return Ok(base.join(configured));
    }
    Ok(repo.commondir().join("hooks"))
}

/// Errors from reading git data.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The path is not inside a git repository.
    #[error("{} is not in a git repository: {}", path.display(), source.message())]
    NotARepository {
        /// Where we looked.
        path: PathBuf,
        /// libgit2's reason.
        source: git2::Error,
    },
    /// A revision argument names nothing.
    #[error("unknown revision '{spec}': {}", source.message())]
    Revision {
        /// What the user typed.
        spec: String,
        /// libgit2's reason.
        source: git2::Error,
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
    /// An object, the index or a reference could not be read.
    #[error("cannot read {what}: {}", source.message())]
    Read {
        /// What was being read.
        what: String,
        /// libgit2's reason.
        source: git2::Error,
    },
}
