//! Sparse-directory entries: in a sparse index, a directory outside the cone can be a single
//! index entry naming a tree (mode 040000, path ending in `/`). One equal to HEAD's tree adds
//! nothing and needs no reading; one that differs holds staged changes like any other.

use super::{paths, staged, token_line};
use crate::common::format::RepoFormat;
use crate::common::repo::TestRepo;
use crate::common::Run;

/// The index entry git shows for a collapsed directory `dir` naming `tree`.
fn sparse_entry(tree: &str, dir: &str) -> String {
    format!("040000 {tree} 0\t{dir}/")
}

#[test]
fn an_unchanged_sparse_directory_is_skipped_and_the_cone_is_scanned() {
    let repo = TestRepo::with_format(RepoFormat::SparseIndex);
    for i in 0..10 {
        repo.write(&format!("outside/deep/f{i}.txt"), format!("{i}\n"));
    }
    // Committed before: not a staged change.
    repo.write("outside/old.env", token_line());
    repo.write("inside/app.txt", "x\n");
    repo.add(&["."]);
    repo.commit("base");
    repo.set_cone(&["inside"]);
    repo.write("inside/new.env", token_line());
    repo.add(&["inside/new.env"]);

    let tree = repo.git(&["rev-parse", "HEAD:outside"]);
    let tree = tree.trim();
    let entries = repo.git(&["ls-files", "--sparse", "-s"]);
    assert!(
        entries.contains(&sparse_entry(tree, "outside")),
        "outside/ is one sparse-directory entry: {entries}"
    );
    // Its tree is deleted, so a scan that opened it would fail: an entry equal to HEAD's tree
    // is known to add nothing without reading it.
    let object = repo
        .path()
        .join(".git/objects")
        .join(&tree[..2])
        .join(&tree[2..]);
    std::fs::remove_file(&object).expect("the tree is a loose object");

    let run = staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(paths(&run), ["inside/new.env"]);
}

#[test]
fn a_sparse_directory_that_differs_from_head_is_expanded() {
    let repo = TestRepo::with_format(RepoFormat::SparseIndex);
    repo.write("outside/a.txt", "a\n");
    repo.write("inside/b.txt", "b\n");
    repo.add(&["."]);
    repo.commit("base");
    repo.write("outside/nested/secret.env", token_line());
    repo.add(&["outside/nested/secret.env"]);
    let leak = repo.commit("leak");
    repo.set_cone(&["inside"]);
    // HEAD goes back; the index keeps the leak commit's outside/ as one entry.
    repo.git(&["reset", "-q", "--soft", "HEAD~1"]);

    let staged_tree = repo.git(&["rev-parse", &format!("{leak}:outside")]);
    let staged_tree = staged_tree.trim();
    let head_tree = repo.git(&["rev-parse", "HEAD:outside"]);
    assert_ne!(staged_tree, head_tree.trim());
    let entries = repo.git(&["ls-files", "--sparse", "-s"]);
    assert!(
        entries.contains(&sparse_entry(staged_tree, "outside")),
        "outside/ is one sparse-directory entry: {entries}"
    );

    let run = staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.findings(),
        [(
            "twilio-auth-token".to_string(),
            "outside/nested/secret.env".to_string(),
            1,
            19
        )]
    );
    let install = repo.run(&["install"]);
    assert_eq!(install.code, 0, "{}", install.stderr);
    let before = repo.git(&["rev-parse", "HEAD"]);
    let commit = Run::of(&mut repo.git_command(&["commit", "-m", "again"]));
    assert_ne!(commit.code, 0, "{}{}", commit.stdout, commit.stderr);
    assert_eq!(
        repo.git(&["rev-parse", "HEAD"]),
        before,
        "the hook blocked the commit"
    );
}
