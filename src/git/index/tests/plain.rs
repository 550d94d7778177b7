//! Unsplit, non-sparse indexes of every version, as git writes them.

use super::*;

/// A plain index of `version` (2 or 4): entries and cache tree as git sees them.
fn check_plain(hash: HashKind, version_wanted: u32) {
    let setting = format!("index.version={version_wanted}");
    let repo = Repo::new(hash, &[&setting]);
    assert_eq!(version(&repo.index_bytes()), version_wanted);
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_root_tree_is_head(&repo, &index);
    assert!(!index.is_sparse() && !index.has_conflicts());
    // A modification, an addition and a deletion after the commit.
    repo.write("a/b/file1.txt", "changed\n");
    repo.write("a/b/new.txt", "new\n");
    repo.git(&["add", "."]);
    repo.git(&["rm", "-q", "d/e/file2.txt"]);
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_eq!(index.cached_tree(b""), None, "changes invalidate the root");
    let parsed = Index::parse(&repo.index_bytes(), hash).expect("parses");
    assert_eq!(our_entries(&parsed), our_entries(&index));
}

#[test]
fn sha1_v2_matches_git() {
    check_plain(HashKind::Sha1, 2);
}

#[test]
fn sha1_v4_matches_git() {
    check_plain(HashKind::Sha1, 4);
}

#[test]
fn sha256_v2_matches_git() {
    check_plain(HashKind::Sha256, 2);
}

#[test]
fn sha256_v4_matches_git() {
    check_plain(HashKind::Sha256, 4);
}

/// Version 3: `git add -N` and `--skip-worktree` set extended flags.
fn check_extended_flags(hash: HashKind, version_setting: &str) {
    let repo = Repo::new(hash, &[version_setting]);
    repo.write("d/intent.txt", "later\n");
    repo.git(&["add", "-N", "d/intent.txt"]);
    repo.git(&["update-index", "--skip-worktree", "a/file3.txt"]);
    let data = repo.index_bytes();
    let index = repo.read();
    assert_same_entries(&repo, &index);
    for entry in index.entries() {
        let path = index.path(entry);
        assert_eq!(entry.intent_to_add, path == b"d/intent.txt", "{path:?}");
        assert_eq!(entry.skip_worktree, path == b"a/file3.txt", "{path:?}");
    }
    // `git ls-files -t` tags skip-worktree entries with S.
    let tagged = repo.git(&["ls-files", "-t"]);
    assert!(String::from_utf8_lossy(&tagged).contains("S a/file3.txt"));
    if version_setting.ends_with('2') {
        assert_eq!(version(&data), 3, "git upgrades to v3 for extended flags");
    }
}

#[test]
fn sha1_v3_extended_flags_match_git() {
    check_extended_flags(HashKind::Sha1, "index.version=2");
}

#[test]
fn sha256_v3_and_v4_extended_flags_match_git() {
    check_extended_flags(HashKind::Sha256, "index.version=2");
    check_extended_flags(HashKind::Sha256, "index.version=4");
}

#[test]
fn many_files_index_matches_git() {
    let repo = Repo::new(
        HashKind::Sha1,
        &[
            "feature.manyFiles=true",
            "index.recordEndOfIndexEntries=true",
            "index.recordOffsetTable=true",
            "index.threads=2",
        ],
    );
    repo.write("untracked.txt", "?\n");
    repo.write("d/untracked.txt", "?\n");
    repo.git(&["status", "--porcelain"]);
    let data = repo.index_bytes();
    assert_eq!(version(&data), 4);
    assert!(
        data.ends_with(&[0; 20]),
        "index.skipHash writes no checksum"
    );
    assert!(data.windows(4).any(|w| w == b"UNTR"));
    assert!(data.windows(4).any(|w| w == b"EOIE"));
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_root_tree_is_head(&repo, &index);
}

#[test]
fn conflicts_are_left_out_and_reported() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a/file1.txt", "side\n");
    repo.git(&["commit", "-q", "-am", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a/file1.txt", "main\n");
    repo.git(&["commit", "-q", "-am", "main"]);
    let merge = repo.run(&repo.work(), &["merge", "-q", "side"], &[]);
    assert!(!merge.status.success(), "the merge conflicts");
    let index = repo.read();
    assert!(index.has_conflicts());
    assert_same_entries(&repo, &index);
    assert!(!our_entries(&index)
        .iter()
        .any(|(p, ..)| p == b"a/file1.txt"));
    // Resolving leaves a REUC (resolve-undo) extension, which is optional.
    repo.write("a/file1.txt", "resolved\n");
    repo.git(&["add", "a/file1.txt"]);
    assert!(repo.index_bytes().windows(4).any(|w| w == b"REUC"));
    let index = repo.read();
    assert!(!index.has_conflicts());
    assert_same_entries(&repo, &index);
}
