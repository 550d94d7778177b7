//! Repository layouts beyond one work tree with its `.git`: a linked worktree of a SHA-256 +
//! reftable repository, a blobless partial clone, a bare repository that git only opens when
//! named explicitly.

use super::{paths, staged, token_line};
use crate::common::format::{matrix_tests, RepoFormat};
use crate::common::repo::{TestDir, TestRepo};
use crate::common::Run;
use std::path::Path;

matrix_tests! {
    a_blobless_partial_clone_names_the_blobs_it_lacks,
    a_bare_repository_is_read_when_named_explicitly,
}

/// `leakfence args...` run in `dir` with `repo`'s isolated environment.
fn leakfence_in(repo: &TestRepo, dir: &Path, args: &[&str]) -> Run {
    Run::of(repo.dir.leakfence().current_dir(dir).args(args))
}

/// In reftable, a linked worktree's HEAD and per-worktree refs live in a stack of their own
/// (`.git/worktrees/<name>/reftable`), and object ids are 64 hex digits.
#[test]
fn a_linked_worktree_of_a_sha256_reftable_repository() {
    let repo = TestRepo::with_format(RepoFormat::Sha256Reftable);
    repo.write("README.md", "x\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    let worktrees = TestDir::new();
    let wt = worktrees.path().join("wt");
    let wt_str = wt.to_str().unwrap();
    repo.git(&["worktree", "add", "-q", "-b", "feature", wt_str]);
    let ref_format = repo.git(&["-C", wt_str, "rev-parse", "--show-ref-format"]);
    assert_eq!(ref_format.trim(), "reftable");

    std::fs::write(wt.join("secret.env"), token_line()).unwrap();
    repo.git(&["-C", wt_str, "add", "secret.env"]);
    let run = leakfence_in(&repo, &wt, &["staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(paths(&run), ["secret.env"]);
    assert!(
        staged(&repo).findings().is_empty(),
        "the main work tree's index has nothing staged"
    );

    repo.git(&["-C", wt_str, "commit", "-q", "-m", "leak"]);
    let leak = repo.git(&["-C", wt_str, "rev-parse", "HEAD"]);
    let leak = leak.trim();
    assert_eq!(leak.len(), 64, "{leak}");
    let run = leakfence_in(&repo, &wt, &["history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{doc}");
    assert_eq!(findings[0]["commit"], leak);
    assert_eq!(findings[0]["path"], "secret.env");
    assert_eq!(findings[0]["in_head"], true);
    // The main work tree's HEAD is still `main`, without the leak.
    let main = repo.run(&["history", "--format", "json"]);
    assert_eq!(main.code, 0, "{}{}", main.stdout, main.stderr);
}

/// A blobless clone lacks the blobs of old commits. Scanning what is there and calling the
/// result clean would hide the leak: the scan names what it could not read and exits 2.
fn a_blobless_partial_clone_names_the_blobs_it_lacks() {
    let origin = TestRepo::new();
    origin.git(&["config", "uploadpack.allowFilter", "true"]);
    origin.write("config/app.env", token_line());
    origin.add(&["config/app.env"]);
    origin.commit("leak");
    let missing = origin.git(&["rev-parse", "HEAD:config/app.env"]);
    let missing = missing.trim();
    origin.git(&["rm", "-q", "config/app.env"]);
    origin.write("README.md", "x\n");
    origin.add(&["README.md"]);
    origin.commit("remove the token");

    let clones = TestDir::new();
    let clone = clones.path().join("partial");
    origin.clone_into(&clone, &["--filter=blob:none"]);
    let listed = origin.git(&[
        "-C",
        clone.to_str().unwrap(),
        "rev-list",
        "--objects",
        "--all",
        "--missing=print",
    ]);
    assert!(
        listed.lines().any(|l| l == format!("?{missing}")),
        "the clone lacks the old blob: {listed}"
    );
    let run = leakfence_in(&origin, &clone, &["history", "--all", "--format", "json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains(missing), "{}", run.stderr);
}

/// With `safe.bareRepository=explicit`, git opens a bare repository only when told where it
/// is (`--git-dir`, `GIT_DIR`), never by discovery; `--repo` is such an explicit naming.
fn a_bare_repository_is_read_when_named_explicitly() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    let leak = repo.commit("leak");
    let clones = TestDir::new();
    let bare = clones.path().join("bare.git");
    repo.clone_into(&bare, &["--bare"]);
    repo.git(&["config", "--global", "safe.bareRepository", "explicit"]);
    let discovered = repo
        .git_command(&["rev-parse", "--git-dir"])
        .current_dir(&bare)
        .output()
        .unwrap();
    assert!(
        !discovered.status.success(),
        "git no longer discovers the bare repository by itself"
    );

    let run = Run::of(repo.dir.leakfence().args([
        "history",
        "--format",
        "json",
        "--repo",
        bare.to_str().unwrap(),
    ]));
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["findings"][0]["commit"], leak.as_str(), "{doc}");
    assert_eq!(doc["findings"][0]["path"], "a.env");
}
