//! `leakfence install`: where the pre-commit hook goes, an existing hook kept and chained,
//! and a hook that cannot find leakfence blocking the commit, in every git format.

use crate::common::format::matrix_tests;
use crate::common::repo::{TestDir, TestRepo};
use crate::common::Run;
use crate::staged::{commit, head, install, token_line};

matrix_tests! {
    hooks_path_is_honoured,
    an_existing_hook_is_chained_and_restored,
    missing_binary_blocks_the_commit,
}

fn hooks_path_is_honoured() {
    let repo = TestRepo::new();
    repo.write("README.md", "x\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    repo.git(&["config", "core.hooksPath", "custom-hooks"]);
    let run = install(&repo);
    assert!(run.stdout.contains("custom-hooks"), "{}", run.stdout);
    assert!(repo.path().join("custom-hooks/pre-commit").exists());
    repo.write(".env", token_line());
    repo.add(&[".env"]);
    assert_ne!(commit(&repo, &[]).code, 0);
}

fn an_existing_hook_is_chained_and_restored() {
    use std::os::unix::fs::PermissionsExt;
    let repo = TestRepo::new();
    let hook = repo.path().join(".git/hooks/pre-commit");
    let theirs =
        "#!/bin/sh\necho theirs-ran >> \"$(git rev-parse --git-dir)/theirs.log\"\nexit 0\n";
    std::fs::write(&hook, theirs).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    let run = install(&repo);
    assert!(run.stdout.contains("kept as"), "{}", run.stdout);
    assert!(
        repo.run(&["install"]).stdout.contains("already installed"),
        "installing twice is a no-op"
    );
    repo.write("ok.txt", "fine\n");
    repo.add(&["ok.txt"]);
    let run = commit(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        repo.path().join(".git/theirs.log").exists(),
        "the chained hook ran"
    );
    // Theirs failing fails the commit even when ours passes.
    std::fs::write(
        repo.path().join(".git/hooks/pre-commit.leakfence-previous"),
        "#!/bin/sh\nexit 3\n",
    )
    .unwrap();
    repo.write("ok2.txt", "fine\n");
    repo.add(&["ok2.txt"]);
    assert_ne!(commit(&repo, &[]).code, 0);
    std::fs::write(
        repo.path().join(".git/hooks/pre-commit.leakfence-previous"),
        theirs,
    )
    .unwrap();
    let run = repo.run(&["uninstall"]);
    assert!(run.stdout.contains("restored"), "{}", run.stdout);
    assert_eq!(std::fs::read_to_string(&hook).unwrap(), theirs);
}

fn missing_binary_blocks_the_commit() {
    let repo = TestRepo::new();
    let bin_dir = TestDir::new();
    let copy = bin_dir.path().join("leakfence");
    // Copied by `cp`, not std::fs::copy: a write descriptor open in this process could leak
    // into a child another test thread forks meanwhile, and executing the copy would then
    // fail with "text file busy".
    let copied = std::process::Command::new("cp")
        .arg(crate::common::bin())
        .arg(&copy)
        .status()
        .unwrap();
    assert!(copied.success());
    let mut install_copy = std::process::Command::new(&copy);
    crate::common::repo::isolate(&mut install_copy, repo.dir.home());
    let run = Run::of(install_copy.current_dir(repo.path()).arg("install"));
    assert_eq!(run.code, 0, "install: {}{}", run.stdout, run.stderr);
    std::fs::remove_file(&copy).unwrap();
    repo.write("x.txt", "x\n");
    repo.add(&["x.txt"]);
    // A PATH without leakfence, but with the git the tests use first: the system's may be
    // too old for the repository's format (and Command looks programs up in the new PATH).
    let exec_path = repo.git(&["--exec-path"]);
    let path = format!("{}:/usr/bin:/bin", exec_path.trim());
    let mut git_commit = repo.git_command(&["commit", "-m", "x"]);
    git_commit.env("PATH", &path);
    let run = Run::of(&mut git_commit);
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("cannot find the leakfence binary"),
        "{}",
        run.stderr
    );
    assert_eq!(head(&repo), None);
    // The documented escape hatch works, and says so loudly.
    let mut skipped = repo.git_command(&["commit", "-m", "x"]);
    skipped.env("PATH", &path).env("LEAKFENCE_SKIP", "1");
    let run = Run::of(&mut skipped);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stderr.contains("NOT scanned"), "{}", run.stderr);
}
