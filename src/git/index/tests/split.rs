//! Split indexes (`core.splitIndex`, `git update-index --split-index`): the shared index found
//! and merged, in linked worktrees and for another index file too.

use super::*;
use crate::git::index::ewah::Ewah;
use crate::git::index::raw::parse_raw;
use std::path::Path;

/// How many shared entries a split index deletes and replaces (`None` if it is not split).
fn split_bitmaps(index_file: &Path, git_dir: &Path, hash: HashKind) -> Option<(usize, usize)> {
    let data = std::fs::read(index_file).expect("index");
    let front = parse_raw(&data, hash).expect("parses");
    let link = front.link.filter(|link| !link.shared.is_null())?;
    let shared = std::fs::read(git_dir.join(format!("sharedindex.{}", link.shared)));
    let shared = shared.expect("shared index");
    let base_len = parse_raw(&shared, hash)
        .expect("parses")
        .index
        .entries
        .len();
    let (delete, replace) = link.bitmaps?;
    let count = |ewah: Ewah<'_>| ewah.set_bits(base_len).expect("valid bitmap").len();
    Some((count(delete), count(replace)))
}

/// A split index with shared entries replaced, deleted and added to.
fn check_split(hash: HashKind, config: &[&str], split_command: bool) {
    let repo = Repo::new(hash, config);
    if split_command {
        repo.git(&["update-index", "--split-index"]);
    }
    let index = repo.read();
    assert_same_entries(&repo, &index);
    // Commit changes: the new index is still split, its cache tree valid.
    repo.write("a/b/file1.txt", "changed\n");
    repo.write("d/added.txt", "added\n");
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "-m", "more"]);
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_root_tree_is_head(&repo, &index);
    // Then edit, add and remove without committing: both bitmaps are used.
    repo.write("a/file0.txt", "edited\n");
    repo.write("a/b/c/file4.txt", "edited\n");
    repo.write("a/b/c/zz.txt", "new\n");
    repo.write("0first.txt", "new\n");
    repo.git(&["add", "."]);
    repo.git(&["rm", "-q", "z/file3.txt", "d/e/file0.txt"]);
    let (deleted, replaced) =
        split_bitmaps(&repo.git_dir().join("index"), &repo.git_dir(), hash).expect("split");
    assert!(deleted >= 2 && replaced >= 2, "{deleted} {replaced}");
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert!(matches!(
        Index::parse(&repo.index_bytes(), hash),
        Err(IndexError::Unsupported(_))
    ));
}

#[test]
fn sha1_split_index_matches_git() {
    check_split(HashKind::Sha1, &[], true);
}

#[test]
fn sha256_split_index_matches_git() {
    check_split(HashKind::Sha256, &[], true);
}

#[test]
fn split_index_from_config_v4_matches_git() {
    check_split(
        HashKind::Sha1,
        &["core.splitIndex=true", "index.version=4"],
        false,
    );
    check_split(HashKind::Sha256, &["core.splitIndex=true"], false);
}

#[test]
fn split_index_of_a_linked_worktree_and_of_another_index_file() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    let tree = repo.dir.path().join("tree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().expect("utf-8"),
        "HEAD",
    ]);
    repo.git_in(&tree, &["update-index", "--split-index"]);
    std::fs::write(tree.join("a/file1.txt"), "in the worktree\n").expect("write");
    std::fs::write(tree.join("a/new.txt"), "new\n").expect("write");
    repo.git_in(&tree, &["add", "."]);
    repo.git_in(&tree, &["rm", "-q", "d/file1.txt"]);
    let git_dir = repo.git_dir().join("worktrees/tree");
    assert!(split_bitmaps(&git_dir.join("index"), &git_dir, HashKind::Sha1).is_some());
    let index = Index::read(&git_dir.join("index"), &git_dir, HashKind::Sha1).expect("reads");
    let main = repo.git_in(&tree, &["ls-files", "-s"]);
    assert!(String::from_utf8_lossy(&main).contains("a/new.txt"));
    let listed: Vec<String> = String::from_utf8_lossy(&main)
        .lines()
        .map(str::to_string)
        .collect();
    let ours: Vec<String> = index
        .entries()
        .iter()
        .map(|e| {
            let path = String::from_utf8_lossy(index.path(e)).into_owned();
            format!("{:06o} {} 0\t{path}", e.mode, e.oid)
        })
        .collect();
    assert_eq!(ours, listed);

    // GIT_INDEX_FILE outside the git dir: git writes the shared index into the git dir.
    let alt = repo.dir.path().join("alt-index");
    let env = [("GIT_INDEX_FILE", alt.as_path())];
    repo.git_env(&repo.work(), &["read-tree", "HEAD"], &env);
    repo.git_env(&repo.work(), &["update-index", "--split-index"], &env);
    repo.git_env(&repo.work(), &["rm", "-q", "--cached", "a/file2.txt"], &env);
    let index = Index::read(&alt, &repo.git_dir(), HashKind::Sha1).expect("reads");
    let listed = repo.git_env(&repo.work(), &["ls-files"], &env);
    let ours: Vec<u8> = index
        .entries()
        .iter()
        .flat_map(|e| [index.path(e), b"\n"].concat())
        .collect();
    assert_eq!(ours, listed);
}

#[test]
fn missing_shared_index_is_a_clear_error() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    repo.git(&["update-index", "--split-index"]);
    for entry in std::fs::read_dir(repo.git_dir()).expect("git dir") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().contains("sharedindex.") {
            std::fs::remove_file(path).expect("remove");
        }
    }
    let git_dir = repo.git_dir();
    let err = Index::read(&git_dir.join("index"), &git_dir, HashKind::Sha1).unwrap_err();
    assert!(matches!(err, IndexError::Io { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("shared index of split index"), "{message}");
    assert!(message.contains(".git/sharedindex."), "{message}");
}
