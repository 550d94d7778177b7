//! Index entries with flags beyond the basic ones: intent-to-add (`git add -N`) and
//! skip-worktree. Both live in the extended flags, which make git write index v3 instead of v2.

use super::{paths, staged, token_line};
use crate::common::format::matrix_tests;
use crate::common::repo::TestRepo;

matrix_tests! {
    intent_to_add_entries_add_nothing_until_staged,
    skip_worktree_entries_are_read_from_the_index,
}

/// An intent-to-add entry records a path with the empty blob: its content is only in the
/// work tree, so there is nothing staged to scan yet.
fn intent_to_add_entries_add_nothing_until_staged() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    repo.write("later.env", token_line());
    repo.git(&["add", "-N", "later.env"]);
    repo.write("dir/staged.env", token_line());
    repo.add(&["dir/staged.env"]);
    let status = repo.git(&["status", "--porcelain=v1", "--", "later.env"]);
    assert_eq!(status, " A later.env\n", "an intent-to-add entry");

    let run = staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(paths(&run), ["dir/staged.env"]);

    repo.add(&["later.env"]);
    let run = staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(paths(&run), ["dir/staged.env", "later.env"]);
}

/// A skip-worktree entry's file may be missing from the work tree (as in sparse checkouts):
/// that is no deletion. What counts is the entry's blob, staged without touching the file.
fn skip_worktree_entries_are_read_from_the_index() {
    let repo = TestRepo::new();
    repo.write("conf/a.env", "A=1\n");
    repo.write("conf/b.env", "B=1\n");
    repo.add(&["conf"]);
    repo.commit("first");
    let skip = || {
        repo.git(&["update-index", "--skip-worktree", "conf/a.env"]);
        std::fs::remove_file(repo.path().join("conf/a.env")).ok();
        let listed = repo.git(&["ls-files", "-t", "--", "conf/a.env"]);
        assert_eq!(listed, "S conf/a.env\n", "a skip-worktree entry");
    };
    skip();
    let run = staged(&repo);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.findings().is_empty());

    let content = format!("A=2\n{}", token_line());
    let blob = repo.git_with_input(&["hash-object", "-w", "--stdin"], content.as_bytes());
    let cacheinfo = format!("100644,{},conf/a.env", blob.trim());
    repo.git(&["update-index", "--cacheinfo", &cacheinfo]);
    skip();
    let run = staged(&repo);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.findings(),
        [(
            "twilio-auth-token".to_string(),
            "conf/a.env".to_string(),
            2,
            19
        )]
    );
}
