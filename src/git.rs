//! Thin `git2` helpers shared by the sources.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Index entry modes that are not regular files: symlinks and submodules (gitlinks).
const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_REGULAR: u32 = 0o100000;

/// Regular files that git tracks below `root`, as paths relative to `root`.
///
/// Returns `Ok(None)` when `root` is not inside a git work tree. Nothing is written to the
/// repository: the index is only read.
pub fn tracked_files_under(root: &Path) -> Result<Option<HashSet<PathBuf>>, git2::Error> {
    let repo = match git2::Repository::discover(root) {
        Ok(repo) => repo,
        Err(e) if e.code() == git2::ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
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
    let index = repo.index()?;
    let mut tracked = HashSet::new();
    for entry in index.iter() {
        if entry.mode & MODE_TYPE_MASK != MODE_REGULAR {
            continue;
        }
        let path = path_from_bytes(&entry.path);
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
