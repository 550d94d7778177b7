//! `leakfence pre-push` and the installed pre-push hook, in every git format.

use crate::common::format::matrix_tests;
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};

matrix_tests! {
    pre_push_scans_what_the_remote_does_not_have,
    the_installed_pre_push_hook_blocks_a_real_push,
}

fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

fn pre_push(repo: &TestRepo, input: &str) -> Run {
    Run::with_input(
        repo.dir
            .leakfence()
            .args(["pre-push", "origin", "file:///remote", "--format", "json"]),
        input.as_bytes(),
    )
}

fn pre_push_scans_what_the_remote_does_not_have() {
    let remote = TestDir::new();
    let repo = TestRepo::new();
    let remote_path = remote.path().join("remote.git");
    repo.init_bare(&remote_path);
    repo.git(&["remote", "add", "origin", remote_path.to_str().unwrap()]);
    repo.write("old.env", token_line());
    repo.add(&["old.env"]);
    let pushed = repo.commit("already on the remote");
    repo.git(&["push", "-q", "origin", "main"]);
    repo.write("new.env", token_line());
    repo.add(&["new.env"]);
    let local = repo.commit("new leak");
    // git's null id is as long as the repository's ids: 40 or 64 zeros.
    let zero = "0".repeat(local.len());

    // Updating a branch: only what is new since the remote's commit.
    let run = pre_push(
        &repo,
        &format!("refs/heads/main {local} refs/heads/main {pushed}\n"),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let paths: Vec<String> = run.findings().into_iter().map(|f| f.1).collect();
    assert_eq!(paths, ["new.env"]);

    // A new branch: what no remote-tracking ref has.
    let run = pre_push(
        &repo,
        &format!("refs/heads/main {local} refs/heads/feature {zero}\n"),
    );
    let paths: Vec<String> = run.findings().into_iter().map(|f| f.1).collect();
    assert_eq!(paths, ["new.env"]);

    // A deletion sends nothing.
    let run = pre_push(&repo, &format!("(delete) {zero} refs/heads/old {pushed}\n"));
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);

    // Garbage input is an error, not a pass.
    assert_eq!(pre_push(&repo, "what is this\n").code, 2);
}

fn the_installed_pre_push_hook_blocks_a_real_push() {
    let remote = TestDir::new();
    let repo = TestRepo::new();
    let remote_path = remote.path().join("remote.git");
    repo.init_bare(&remote_path);
    repo.git(&["remote", "add", "origin", remote_path.to_str().unwrap()]);
    repo.write("ok.txt", "fine\n");
    repo.add(&["ok.txt"]);
    repo.commit("clean");
    let install = repo.run(&["install", "--hook", "pre-push"]);
    assert_eq!(install.code, 0, "{}", install.stderr);
    let clean = Run::of(&mut repo.git_command(&["push", "-q", "origin", "main"]));
    assert_eq!(clean.code, 0, "{}{}", clean.stdout, clean.stderr);
    // A commit made with --no-verify (or before the hooks) is caught at push time.
    repo.write("leak.env", token_line());
    repo.add(&["leak.env"]);
    repo.git(&["commit", "-q", "--no-verify", "-m", "sneaky"]);
    let run = Run::of(&mut repo.git_command(&["push", "origin", "main"]));
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    // git passes a pre-push hook's standard output through to its own.
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(output.contains("leak.env:1:19"), "{output}");
    assert!(output.contains("The push was blocked"), "{output}");
    let remote_head = repo.git(&["ls-remote", "origin", "refs/heads/main"]);
    assert!(!remote_head.contains(&repo.git(&["rev-parse", "HEAD"]).trim().to_string()));
}
