//! Sparse indexes: directories outside the cone are single tree entries.

use super::*;

/// A sparse index: directories outside the cone are single tree entries.
fn check_sparse(hash: HashKind) {
    let repo = Repo::new(hash, &[]);
    repo.git(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    repo.git(&["sparse-checkout", "set", "a/b"]);
    let index = repo.read();
    assert!(index.is_sparse());
    assert_same_entries(&repo, &index);
    // The cache tree covers the directories the index holds (not those inside sparse ones).
    for dir in ["", "a", "a/b"] {
        let tree = repo.rev(&format!("HEAD:{dir}"));
        assert_eq!(index.cached_tree(dir.as_bytes()), Some(&tree), "{dir}");
    }
    assert_eq!(index.cached_tree(b""), Some(&repo.rev("HEAD^{tree}")));
    let sparse: Vec<&[u8]> = index
        .entries()
        .iter()
        .filter(|e| e.is_sparse_dir())
        .map(|e| index.path(e))
        .collect();
    assert_eq!(sparse, [b"a-b/".as_slice(), b"d/", b"z/"]);
    for entry in index.entries().iter().filter(|e| e.is_sparse_dir()) {
        assert!(entry.skip_worktree);
        let dir = String::from_utf8_lossy(index.path(entry)).into_owned();
        let tree = repo.rev(&format!("HEAD:{}", dir.trim_end_matches('/')));
        assert_eq!(entry.oid, tree);
    }
    repo.write("a/b/c/file0.txt", "changed\n");
    repo.write("top.txt", "new\n");
    repo.git(&["add", "."]);
    let index = repo.read();
    assert!(index.is_sparse());
    assert_same_entries(&repo, &index);
}

#[test]
fn sha1_sparse_index_matches_git() {
    check_sparse(HashKind::Sha1);
}

#[test]
fn sha256_sparse_index_matches_git() {
    check_sparse(HashKind::Sha256);
}
