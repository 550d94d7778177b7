//! `leakfence install` / `uninstall`: put the hook where git runs it, and take it away again.
//!
//! The hook directory follows `git rev-parse --git-path hooks` (`core.hooksPath`, or the common
//! git directory shared by linked worktrees). A hook that is not ours is never lost: it is kept
//! as `<hook>.leakfence-previous` and run after ours, and `uninstall` puts it back.

use crate::git::{self, GitError};
use std::path::{Path, PathBuf};

/// The hook shim. One script for both hooks: it runs `leakfence staged` as `pre-commit` and
/// `leakfence pre-push` as `pre-push`, deciding by its own file name.
pub const HOOK_SHIM: &str = include_str!("../hooks/pre-commit");

/// The line that marks a hook file as ours.
pub const MARKER: &str = "# leakfence-hook:";

/// Suffix of a foreign hook kept aside and chained.
pub const PREVIOUS_SUFFIX: &str = ".leakfence-previous";

/// The line of the shim that records the installed binary's path.
const INSTALLED_BIN_LINE: &str = "LEAKFENCE_INSTALLED_BIN=\"\"";

/// Which hook to install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HookKind {
    /// `pre-commit`: scans staged changes.
    PreCommit,
    /// `pre-push`: scans the commits a push would send.
    PrePush,
}

impl HookKind {
    /// The hook's file name.
    pub fn file_name(self) -> &'static str {
        match self {
            HookKind::PreCommit => "pre-commit",
            HookKind::PrePush => "pre-push",
        }
    }
}

/// What `install` or `uninstall` did, for the message to the user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The hook was written.
    Installed {
        /// Where.
        path: PathBuf,
        /// A foreign hook that was kept and chained.
        chained: Option<PathBuf>,
    },
    /// The same hook was already there.
    AlreadyInstalled(PathBuf),
    /// Our hook was removed; a chained hook was put back if there was one.
    Uninstalled {
        /// Where.
        path: PathBuf,
        /// The hook that was restored.
        restored: bool,
    },
    /// There was no leakfence hook to remove.
    NotInstalled(PathBuf),
}

/// Errors of `install` and `uninstall`.
#[derive(Debug, thiserror::Error)]
pub enum HookError {
    /// The repository could not be opened or read.
    #[error(transparent)]
    Git(#[from] GitError),
    /// Writing or renaming a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// A foreign hook and an already chained one are both present.
    #[error(
        "{} already exists and is not a leakfence hook, and {} already holds a chained hook; \
         move one of them away, or run again with --force to replace the first",
        hook.display(),
        previous.display()
    )]
    WouldLoseHook {
        /// The hook in place.
        hook: PathBuf,
        /// The chained hook that is already there.
        previous: PathBuf,
    },
}

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> HookError + '_ {
    move |source| HookError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// The hook text with the path of the running binary recorded in it.
pub fn hook_text(kind: HookKind, binary: Option<&Path>) -> String {
    let _ = kind; // the shim finds its role from its file name
    let template = HOOK_SHIM;
    match binary
        .and_then(Path::to_str)
        .filter(|p| !p.contains(['"', '$', '`', '\\', '\n']))
    {
        Some(path) => template.replacen(
            INSTALLED_BIN_LINE,
            &format!("LEAKFENCE_INSTALLED_BIN=\"{path}\""),
            1,
        ),
        None => template.to_string(),
    }
}

/// Installs the hook into the repository at (or above) `repo`.
pub fn install(
    repo: Option<&Path>,
    kind: HookKind,
    force: bool,
    binary: Option<&Path>,
) -> Result<Outcome, HookError> {
    let repository = git::Repository::open(repo)?;
    let dir = repository.hooks_dir()?;
    std::fs::create_dir_all(&dir).map_err(io_error(&dir))?;
    let path = dir.join(kind.file_name());
    let previous = previous_path(&path);
    let text = hook_text(kind, binary);
    let mut chained = None;
    match std::fs::read(&path) {
        Ok(existing) if existing == text.as_bytes() => return Ok(Outcome::AlreadyInstalled(path)),
        Ok(existing) if is_ours(&existing) => {} // an older leakfence hook: rewrite it
        Ok(_) if previous.exists() && !force => {
            return Err(HookError::WouldLoseHook {
                hook: path,
                previous,
            })
        }
        Ok(_) if previous.exists() => {} // --force: replace the foreign hook, keep the chained one
        Ok(_) => {
            std::fs::rename(&path, &previous).map_err(io_error(&path))?;
            chained = Some(previous);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(HookError::Io { path, source: e }),
    }
    write_executable(&path, &text)?;
    Ok(Outcome::Installed { path, chained })
}

/// Removes our hook and restores the one it chained, if any.
pub fn uninstall(repo: Option<&Path>, kind: HookKind) -> Result<Outcome, HookError> {
    let repository = git::Repository::open(repo)?;
    let path = repository.hooks_dir()?.join(kind.file_name());
    match std::fs::read(&path) {
        Ok(existing) if is_ours(&existing) => {}
        Ok(_) => return Ok(Outcome::NotInstalled(path)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(Outcome::NotInstalled(path))
        }
        Err(e) => return Err(HookError::Io { path, source: e }),
    }
    let previous = previous_path(&path);
    let restored = previous.exists();
    if restored {
        std::fs::rename(&previous, &path).map_err(io_error(&previous))?;
    } else {
        std::fs::remove_file(&path).map_err(io_error(&path))?;
    }
    Ok(Outcome::Uninstalled { path, restored })
}

fn is_ours(text: &[u8]) -> bool {
    memchr::memmem::find(text, MARKER.as_bytes()).is_some()
}

fn previous_path(hook: &Path) -> PathBuf {
    let mut name = hook.file_name().unwrap_or_default().to_os_string();
    name.push(PREVIOUS_SUFFIX);
    hook.with_file_name(name)
}

fn write_executable(path: &Path, text: &str) -> Result<(), HookError> {
    std::fs::write(path, text).map_err(io_error(path))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
            .map_err(io_error(path))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shim_is_marked_and_records_the_binary() {
        assert!(is_ours(HOOK_SHIM.as_bytes()));
        assert!(HOOK_SHIM.contains(INSTALLED_BIN_LINE));
        let text = hook_text(HookKind::PreCommit, Some(Path::new("/opt/bin/leakfence")));
        assert!(text.contains("LEAKFENCE_INSTALLED_BIN=\"/opt/bin/leakfence\""));
        // A path that would need shell quoting is not recorded; PATH lookup still works.
        let odd = hook_text(HookKind::PreCommit, Some(Path::new("/tmp/a\"b/leakfence")));
        assert!(odd.contains(INSTALLED_BIN_LINE));
    }

    #[test]
    fn previous_hook_name() {
        assert_eq!(
            previous_path(Path::new("/r/.git/hooks/pre-commit")),
            Path::new("/r/.git/hooks/pre-commit.leakfence-previous")
        );
    }
}
