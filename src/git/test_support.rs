//! Helpers for the git layer's unit tests: git itself, run with an isolated configuration, is
//! the oracle that leakfence's readers are compared with.

use super::odb::Kind;
use super::oid::ObjectId;
use std::path::Path;
use std::process::Command;

/// Runs git in `dir` with no system or global configuration; its standard output. Panics
/// with git's message if it fails.
pub fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "a")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "a")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// Every object of the repository in `dir`: id, kind and content, as `git cat-file` prints
/// them.
pub fn all_objects(dir: &Path) -> Vec<(ObjectId, Kind, Vec<u8>)> {
    let listing = git(
        dir,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype)",
        ],
    );
    String::from_utf8(listing)
        .expect("git prints ids and kinds in ASCII")
        .lines()
        .map(|line| {
            let (id, kind_name) = line.split_once(' ').expect("id and kind");
            let kind = match kind_name {
                "commit" => Kind::Commit,
                "tree" => Kind::Tree,
                "blob" => Kind::Blob,
                _ => Kind::Tag,
            };
            let content = git(dir, &["cat-file", kind_name, id]);
            (ObjectId::from_hex(id).expect("a hex id"), kind, content)
        })
        .collect()
}
