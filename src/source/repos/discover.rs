//! Finds every git repository under a directory: work trees (a `.git` directory), linked
//! worktrees and submodule checkouts (a `.git` file), and bare repositories (a directory with
//! git's own layout, such as a `*.git` clone).
//!
//! The walk never enters a git directory, but does go on into a work tree's subdirectories:
//! a vendored clone or a submodule checkout inside it is a repository of its own. Symbolic
//! links are never followed, so a link loop cannot trap the walk. A directory that cannot be
//! read is reported back, and the walk goes on.

use std::fs::FileType;
use std::path::{Path, PathBuf};

/// A repository found under the scanned directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundRepository {
    /// Its name: the path relative to the scanned directory with `/` separators, `.` for the
    /// directory itself.
    pub name: String,
    /// Where it is: its work tree, or a bare repository's git directory.
    pub path: PathBuf,
    /// Whether it is a bare repository (no work tree).
    pub bare: bool,
}

/// What a discovery found.
#[derive(Debug, Default)]
pub struct Discovery {
    /// The repositories, sorted by name.
    pub repositories: Vec<FoundRepository>,
    /// Directories that could not be read, with why.
    pub unreadable: Vec<(PathBuf, std::io::Error)>,
}

/// Lists the repositories under `root` (including `root` itself).
pub fn discover(root: &Path) -> Discovery {
    let mut discovery = Discovery::default();
    let mut pending = vec![(root.to_path_buf(), Vec::<String>::new())];
    while let Some((dir, parts)) = pending.pop() {
        let entries = match read_entries(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                discovery.unreadable.push((dir, e));
                continue;
            }
        };
        let kind = kind_of(&entries);
        if kind != Kind::Plain {
            discovery.repositories.push(FoundRepository {
                name: name_of(&parts),
                path: dir.clone(),
                bare: kind == Kind::Bare,
            });
        }
        if kind == Kind::Bare {
            continue; // a git directory: nothing inside is a work tree
        }
        for (name, file_type) in entries {
            if !file_type.is_dir() || name == ".git" {
                continue;
            }
            let mut child = parts.clone();
            child.push(name.to_string_lossy().into_owned());
            pending.push((dir.join(&name), child));
        }
    }
    discovery.repositories.sort_by(|a, b| a.name.cmp(&b.name));
    discovery
}

/// A directory's entries with their types (symbolic links stay links: never followed).
fn read_entries(dir: &Path) -> std::io::Result<Vec<(std::ffi::OsString, FileType)>> {
    let mut entries = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        entries.push((entry.file_name(), entry.file_type()?));
    }
    Ok(entries)
}

/// What a directory is, judged by its entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A work tree: it has a `.git` directory, or a `.git` file (a linked worktree or a
    /// submodule checkout).
    WorkTree,
    /// A bare repository's git directory: `HEAD`, `objects/`, and `refs/` or `reftable/`.
    Bare,
    /// Anything else.
    Plain,
}

fn kind_of(entries: &[(std::ffi::OsString, FileType)]) -> Kind {
    let has = |wanted: &str, test: fn(&FileType) -> bool| {
        entries
            .iter()
            .any(|(name, file_type)| name == wanted && test(file_type))
    };
    let dir = |t: &FileType| t.is_dir();
    let file = |t: &FileType| t.is_file();
    if has(".git", dir) || has(".git", file) {
        Kind::WorkTree
    } else if has("HEAD", file) && has("objects", dir) && (has("refs", dir) || has("reftable", dir))
    {
        Kind::Bare
    } else {
        Kind::Plain
    }
}

fn name_of(parts: &[String]) -> String {
    if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(discovery: &Discovery) -> Vec<&str> {
        discovery
            .repositories
            .iter()
            .map(|r| r.name.as_str())
            .collect()
    }

    fn make_git_dir(dir: &Path) {
        std::fs::create_dir_all(dir.join("objects")).unwrap();
        std::fs::create_dir_all(dir.join("refs")).unwrap();
        std::fs::write(dir.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    }

    #[test]
    fn finds_work_trees_bare_repositories_and_nested_ones() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        make_git_dir(&root.join("app/.git"));
        make_git_dir(&root.join("app/vendor/lib/.git"));
        std::fs::create_dir_all(root.join("app/src")).unwrap();
        make_git_dir(&root.join("mirrors/app.git"));
        std::fs::create_dir_all(root.join("linked")).unwrap();
        std::fs::write(root.join("linked/.git"), "gitdir: elsewhere\n").unwrap();
        std::fs::create_dir_all(root.join("plain/deeper")).unwrap();
        let found = discover(root);
        assert_eq!(
            names(&found),
            ["app", "app/vendor/lib", "linked", "mirrors/app.git"]
        );
        assert!(found.unreadable.is_empty());
    }

    #[test]
    fn the_directory_itself_is_named_dot() {
        let root = tempfile::tempdir().unwrap();
        make_git_dir(&root.path().join(".git"));
        assert_eq!(names(&discover(root.path())), ["."]);
    }

    #[cfg(unix)]
    #[test]
    fn symbolic_link_loops_are_not_followed() {
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        make_git_dir(&root.join("a/.git"));
        std::os::unix::fs::symlink(root, root.join("a/loop")).unwrap();
        assert_eq!(names(&discover(root)), ["a"]);
    }
}
