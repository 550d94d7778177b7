//! `--state FILE`: the tips of the refs each repository's last successful history scan
//! covered, so that the next run reads only commits that are new since then.
//!
//! The file is JSON with a `version`: `{"version": 1, "repositories": {"<path>": {"<ref>":
//! "<commit or tag id>"}}}`, keyed by each repository's absolute path. It is rewritten whole
//! through a temporary file and a rename, so a crash leaves the old file or the new one,
//! never half of one. A recorded tip that the repository no longer has (a force push and a
//! garbage collection) only makes the next scan read more.

use crate::git::{GitError, ObjectId, Repository};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The state file format this version reads and writes.
pub const STATE_VERSION: u32 = 1;

/// The ref tips of one repository, by ref name (`HEAD`, `refs/heads/main`).
pub type Tips = BTreeMap<String, String>;

/// Errors reading or writing the state file.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file exists but cannot be read.
    #[error("cannot read the state file {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a state file this version understands.
    #[error("the state file {} is corrupt ({message}); delete it to scan everything again", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The file cannot be written.
    #[error("cannot write the state file {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
}

/// What the state file holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct State {
    version: u32,
    repositories: BTreeMap<String, Tips>,
}

impl State {
    /// Reads the state file; a file that does not exist yet is an empty state.
    pub fn load(path: &Path) -> Result<State, StateError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(State {
                    version: STATE_VERSION,
                    repositories: BTreeMap::new(),
                })
            }
            Err(source) => {
                return Err(StateError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let corrupt = |message: String| StateError::Corrupt {
            path: path.to_path_buf(),
            message,
        };
        let state: State = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if state.version != STATE_VERSION {
            return Err(corrupt(format!(
                "version {} where {STATE_VERSION} was expected",
                state.version
            )));
        }
        let bad_id = state
            .repositories
            .values()
            .flat_map(|tips| tips.values())
            .find(|id| ObjectId::from_hex(id).is_none());
        if let Some(id) = bad_id {
            return Err(corrupt(format!("'{id}' is not a commit id")));
        }
        Ok(state)
    }

    /// The tips recorded for the repository at `key`.
    pub fn tips(&self, key: &str) -> Option<&Tips> {
        self.repositories.get(key)
    }

    /// Records `tips` for the repository at `key`.
    pub fn record(&mut self, key: String, tips: Tips) {
        self.repositories.insert(key, tips);
    }

    /// Writes the whole state to `path` atomically: a temporary file beside it, then a rename.
    pub fn save(&self, path: &Path) -> Result<(), StateError> {
        let failed = |source| StateError::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut text = serde_json::to_string_pretty(self).map_err(|e| failed(e.into()))?;
        text.push('\n');
        let name = path
            .file_name()
            .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
        let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        let written = write_synced(&temporary, text.as_bytes())
            .and_then(|()| std::fs::rename(&temporary, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(failed(e));
        }
        Ok(())
    }
}

fn write_synced(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::File::create(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// The key a repository is recorded under: its absolute path.
pub fn key(repo: &Repository) -> String {
    let path = repo.display_path();
    path.canonicalize()
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// The tips a scan of `repo` covers: `HEAD` alone, or with `all` every ref that names a
/// commit or a tag, and `HEAD`.
pub fn current_tips(repo: &Repository, all: bool) -> Result<Tips, GitError> {
    let mut tips = Tips::new();
    if let Some(head) = repo.head() {
        tips.insert("HEAD".to_string(), head.to_string());
    }
    if all {
        let format = "--format=%(objectname) %(objecttype) %(refname)";
        for line in repo.git(["for-each-ref", format]).lines()? {
            let mut fields = line.splitn(3, ' ');
            if let (Some(id), Some("commit" | "tag"), Some(name)) =
                (fields.next(), fields.next(), fields.next())
            {
                tips.insert(name.to_string(), id.to_string());
            }
        }
    }
    Ok(tips)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let mut state = State::load(&path).unwrap();
        assert_eq!(state.tips("/r"), None);
        let tips = Tips::from([("HEAD".to_string(), "ab".repeat(20))]);
        state.record("/r".into(), tips.clone());
        state.save(&path).unwrap();
        assert_eq!(State::load(&path).unwrap().tips("/r"), Some(&tips));
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "the temporary file is renamed away");
    }

    #[test]
    fn corrupt_files_are_named_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        for text in [
            "{not json",
            r#"{"version": 9, "repositories": {}}"#,
            r#"{"version": 1, "repositories": {"/r": {"HEAD": "nope"}}}"#,
        ] {
            std::fs::write(&path, text).unwrap();
            let error = State::load(&path).unwrap_err();
            assert!(matches!(error, StateError::Corrupt { .. }), "{text}");
            assert!(error.to_string().contains("state.json"));
        }
    }
}
