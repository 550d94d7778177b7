//! Running git's own plumbing, for what git alone can answer for every repository it makes:
//! where the repository is and in which formats (`rev-parse`), which commits a selection
//! names (`rev-list`), which refs exist (`for-each-ref`). Objects and the index are read by
//! leakfence itself ([`super::odb`], [`super::index`]).
//!
//! Every command runs read-only and offline: no optional locks (so `git` never rewrites the
//! index), no lazy fetch of a partial clone's missing objects, no terminal prompt, and none
//! of the plumbing used here runs a program named by the repository's configuration.

use super::GitError;
use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

/// Environment variables that would make git discover another repository than the one
/// named with `--repo`.
const DISCOVERY_VARS: [&str; 5] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_COMMON_DIR",
    "GIT_NAMESPACE",
    "GIT_PREFIX",
];

/// What a git command printed, and whether it succeeded.
pub struct Output {
    /// Whether it exited with status 0.
    pub success: bool,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
}

/// A git command, set up to be read-only and offline.
pub struct Git {
    command: Command,
    what: String,
}

impl Git {
    /// `git <args>` run in `dir` (the current directory when `None`).
    pub fn new<I, S>(dir: Option<&Path>, args: I) -> Git
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut command = Command::new("git");
        if let Some(dir) = dir {
            command.current_dir(dir);
        }
        command
            .args(args)
            .env("GIT_OPTIONAL_LOCKS", "0")
            .env("GIT_NO_LAZY_FETCH", "1")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_NO_REPLACE_OBJECTS", "1")
            .env_remove("GIT_EXTERNAL_DIFF")
            .env_remove("GIT_PAGER")
            .stdin(Stdio::null());
        let what = format!("git {}", display_args(&command));
        Git { command, what }
    }

    /// Adds one more argument.
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Git {
        self.command.arg(arg);
        self
    }

    /// Forgets the discovery variables a hook inherits, for a repository named explicitly.
    pub fn without_discovery_env(mut self) -> Git {
        for var in DISCOVERY_VARS {
            self.command.env_remove(var);
        }
        self
    }

    /// Names the git directory explicitly (`GIT_DIR`), as `safe.bareRepository=explicit`
    /// requires for a bare repository.
    pub fn git_dir(mut self, dir: &Path) -> Git {
        self.command.env("GIT_DIR", dir);
        self
    }

    /// Sets one more environment variable for git.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Git {
        self.command.env(key, value);
        self
    }

    /// Runs it, whatever its exit status; `Err` with the reason when git cannot be run.
    pub fn run(mut self) -> Result<Output, String> {
        let output = self
            .command
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        Ok(Output {
            success: output.status.success(),
            stdout: output.stdout,
            stderr: output.stderr,
        })
    }

    /// Runs it; its standard output when it succeeds, else git's own message.
    pub fn output(self) -> Result<Vec<u8>, GitError> {
        let command = self.what.clone();
        let output = self.run().map_err(|message| GitError::Git {
            command: command.clone(),
            message,
        })?;
        if output.success {
            return Ok(output.stdout);
        }
        Err(GitError::Git {
            command,
            message: git_message(&output.stderr),
        })
    }

    /// Runs it and splits its output into lines (without their line feeds).
    pub fn lines(self) -> Result<Vec<String>, GitError> {
        let out = self.output()?;
        Ok(String::from_utf8_lossy(&out)
            .lines()
            .map(str::to_owned)
            .collect())
    }
}

fn display_args(command: &Command) -> String {
    command
        .get_args()
        .map(|a| a.to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Git's error message without its `fatal: ` / `error: ` prefixes, on one line.
pub fn git_message(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let lines: Vec<&str> = text
        .lines()
        .map(|line| {
            line.trim_start_matches("fatal: ")
                .trim_start_matches("error: ")
                .trim()
        })
        .filter(|line| !line.is_empty() && !line.starts_with("hint: "))
        .collect();
    if lines.is_empty() {
        "git failed without a message".to_string()
    } else {
        lines.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_lose_prefixes_and_hints() {
        let stderr = b"fatal: not a git repository (or any of the parent directories): .git\n";
        assert_eq!(
            git_message(stderr),
            "not a git repository (or any of the parent directories): .git"
        );
        assert_eq!(
            git_message(b"error: a\nhint: b\nfatal: c\n"),
            "a; c".to_string()
        );
        assert_eq!(git_message(b""), "git failed without a message");
    }

    #[test]
    fn a_failing_command_reports_gits_words() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Git::new(Some(dir.path()), ["rev-parse", "--git-dir"])
            .without_discovery_env()
            .env(
                "GIT_CEILING_DIRECTORIES",
                dir.path().parent().expect("a parent"),
            )
            .output()
            .unwrap_err();
        assert!(err.to_string().contains("not a git repository"), "{err}");
    }
}
