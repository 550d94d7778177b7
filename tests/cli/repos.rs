//! `--repos DIR` and `--state FILE`: many repositories in one run, made with the git CLI under
//! one temporary directory (a work tree, a bare clone, a linked worktree, a nested clone, an
//! empty repository and a corrupt one).

use crate::common::repo::{isolate, TestDir};
use crate::common::{secrets, Run};
use crate::formats::valid_sarif;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;

/// Runs git in `dir` (relative to the test directory) with the isolated environment.
fn git(root: &TestDir, dir: &str, args: &[&str]) -> String {
    let mut command = Command::new("git");
    isolate(&mut command, root.home());
    let output = command
        .current_dir(root.path().join(dir))
        .args(args)
        .output()
        .expect("run git");
    assert!(
        output.status.success(),
        "git {args:?} in {dir}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

/// `git init` at `dir` with one commit holding `files`; returns the commit id.
fn repo_with(root: &TestDir, dir: &str, files: &[(&str, &str)]) -> String {
    std::fs::create_dir_all(root.path().join(dir)).expect("mkdir");
    git(root, dir, &["init", "-q", "-b", "main"]);
    git(root, dir, &["config", "commit.gpgsign", "false"]);
    commit_files(root, dir, files, "add files")
}

/// Writes `files` in the work tree at `dir` and commits them; returns the commit id.
fn commit_files(root: &TestDir, dir: &str, files: &[(&str, &str)], message: &str) -> String {
    for (path, text) in files {
        root.write(&format!("{dir}/{path}"), text);
        git(root, dir, &["add", "--", path]);
    }
    git(root, dir, &["commit", "-q", "--allow-empty", "-m", message]);
    git(root, dir, &["rev-parse", "HEAD"])
}

fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

fn run(root: &TestDir, args: &[&str]) -> Run {
    root.run(args)
}

/// The `repository` of every finding.
fn repositories(doc: &Value) -> BTreeSet<String> {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| f["repository"].as_str().expect("repository").to_string())
        .collect()
}

/// A directory with four good repositories, all holding a credential: `app` (a work tree
/// with `vendor/lib` cloned inside it), `mirror.git` (a bare clone of `app`) and
/// `app-feature` (a linked worktree of `app` on a branch with one more credential).
fn four_good_repositories(root: &TestDir) {
    repo_with(root, "app", &[("config/app.env", &token_line())]);
    repo_with(root, "app/vendor/lib", &[("lib.env", &token_line())]);
    git(root, ".", &["clone", "-q", "--bare", "app", "mirror.git"]);
    git(
        root,
        "app",
        &["worktree", "add", "-q", "-b", "feature", "../app-feature"],
    );
    commit_files(
        root,
        "app-feature",
        &[("feature.env", &token_line())],
        "feature",
    );
}

#[test]
fn every_kind_of_repository_is_found_and_broken_ones_are_named() {
    let root = TestDir::new();
    four_good_repositories(&root);
    std::fs::create_dir_all(root.path().join("empty")).unwrap();
    git(&root, "empty", &["init", "-q"]);
    repo_with(&root, "corrupt", &[("a.env", &token_line())]);
    let objects = root.path().join("corrupt/.git/objects");
    let blob = git(&root, "corrupt", &["rev-parse", "HEAD:a.env"]);
    std::fs::remove_file(objects.join(&blob[..2]).join(&blob[2..])).unwrap();

    let run = run(&root, &["history", "--repos", ".", "--format", "json"]);
    assert_eq!(run.code, 2, "errors win over findings: {}", run.stderr);
    assert!(run.stderr.contains("leakfence: empty: "), "{}", run.stderr);
    assert!(run.stderr.contains("no commits"), "{}", run.stderr);
    assert!(run.stderr.contains("leakfence: corrupt"), "{}", run.stderr);
    let doc = run.json();
    let found: BTreeSet<String> = ["app", "app-feature", "app/vendor/lib", "mirror.git"]
        .map(String::from)
        .into();
    assert_eq!(repositories(&doc), found);
    let paths: BTreeSet<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains("lib.env"), "{paths:?}");
    assert!(
        !paths.contains("vendor/lib/lib.env"),
        "a nested repository's files are its own"
    );
    for credential in doc["credentials"].as_array().unwrap() {
        assert!(credential["repositories"].is_array(), "{credential}");
    }
}

#[test]
fn a_credential_in_two_repositories_is_one_credential_with_occurrences_in_both() {
    let root = TestDir::new();
    let shared = token_line();
    repo_with(&root, "one", &[("a.env", &shared)]);
    repo_with(&root, "two", &[("b.env", &shared)]);
    let run = run(&root, &["history", "--repos", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let credentials = doc["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1, "{credentials:?}");
    assert_eq!(
        credentials[0]["repositories"],
        serde_json::json!(["one", "two"])
    );
    assert_eq!(doc["findings"].as_array().unwrap().len(), 2);
}

#[test]
fn human_github_and_gitlab_output_name_the_repository() {
    let root = TestDir::new();
    repo_with(&root, "svc/api", &[("conf.env", &token_line())]);
    let credentials = run(&root, &["history", "--repos", ".", "--color", "never"]);
    assert_eq!(credentials.code, 1, "{}", credentials.stderr);
    assert!(
        credentials.stdout.contains("in svc/api: conf.env:1")
            && credentials
                .stdout
                .contains("still at HEAD in svc/api: conf.env"),
        "{}",
        credentials.stdout
    );
    let human = run(
        &root,
        &[
            "history",
            "--repos",
            ".",
            "--color",
            "never",
            "--group-by",
            "commit",
        ],
    );
    assert_eq!(human.code, 1, "{}", human.stderr);
    assert!(
        human.stdout.contains("repository svc/api"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("svc/api/conf.env:1:"),
        "{}",
        human.stdout
    );
    let github = run(&root, &["history", "--repos", ".", "--format", "github"]);
    assert!(
        github.stdout.contains("file=svc/api/conf.env"),
        "{}",
        github.stdout
    );
    let gitlab = run(&root, &["history", "--repos", ".", "--format", "gitlab"]);
    let doc = crate::formats::valid_gitlab(&gitlab, "gitlab --repos");
    assert_eq!(
        doc["vulnerabilities"][0]["location"]["file"],
        "svc/api/conf.env"
    );
}

#[test]
fn sarif_has_one_valid_run_per_repository() {
    let root = TestDir::new();
    let head = repo_with(&root, "a", &[("x.env", &token_line())]);
    repo_with(&root, "b", &[("README", "nothing here\n")]);
    let run = run(&root, &["history", "--repos", ".", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = valid_sarif(&run, "history --repos");
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2, "a clean repository has its run too");
    let provenance = &runs[0]["versionControlProvenance"][0];
    assert_eq!(provenance["revisionId"], head.as_str());
    assert_eq!(provenance["mappedTo"]["uri"], "a/");
    assert_eq!(
        runs[0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "a/x.env"
    );
    assert_eq!(runs[1]["results"].as_array().unwrap().len(), 0);
    assert_ne!(
        runs[0]["automationDetails"]["id"],
        runs[1]["automationDetails"]["id"]
    );
}

fn commits_read(run: &Run) -> u64 {
    run.json()["stats"]["commits"]
        .as_u64()
        .expect("stats.commits")
}

#[test]
fn state_scans_only_new_commits_per_repository() {
    let root = TestDir::new();
    repo_with(&root, "one", &[("a.env", &token_line())]);
    repo_with(&root, "two", &[("b.env", &token_line())]);
    let state = root.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let args = [
        "history", "--repos", ".", "--format", "json", "--state", state_arg,
    ];

    let first = run(&root, &args);
    assert_eq!(first.code, 1, "{}", first.stderr);
    assert_eq!(commits_read(&first), 2);
    assert_eq!(first.json()["findings"].as_array().unwrap().len(), 2);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(saved["version"], 1);

    let again = run(&root, &args);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(commits_read(&again), 0);
    assert_eq!(again.json()["findings"].as_array().unwrap().len(), 0);

    let new = commit_files(&root, "two", &[("c.env", &token_line())], "another");
    let third = run(&root, &args);
    assert_eq!(third.code, 1, "{}", third.stderr);
    assert_eq!(commits_read(&third), 1);
    let findings = third.json()["findings"].as_array().unwrap().clone();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["commit"], new.as_str());
    assert_eq!(findings[0]["repository"], "two");
}

#[test]
fn state_works_for_one_repository_and_a_corrupt_state_file_is_a_clear_error() {
    let root = TestDir::new();
    repo_with(&root, "r", &[("a.env", &token_line())]);
    let state = root.path().join("state.json");
    let args = [
        "history",
        "--repo",
        "r",
        "--format",
        "json",
        "--state",
        state.to_str().unwrap(),
    ];
    let first = run(&root, &args);
    assert_eq!(
        (first.code, commits_read(&first)),
        (1, 1),
        "{}",
        first.stderr
    );
    assert!(first.json()["findings"][0].get("repository").is_none());
    let again = run(&root, &args);
    assert_eq!(
        (again.code, commits_read(&again)),
        (0, 0),
        "{}",
        again.stderr
    );

    std::fs::write(&state, "{\"version\": 1, \"repositories\": [").unwrap();
    let corrupt = run(&root, &args);
    assert_eq!(corrupt.code, 2);
    assert!(
        corrupt.stderr.contains("state.json is corrupt"),
        "{}",
        corrupt.stderr
    );
    assert!(corrupt.stdout.is_empty());
}

#[test]
fn a_failed_repository_keeps_its_old_state() {
    let root = TestDir::new();
    repo_with(&root, "good", &[("a.env", &token_line())]);
    std::fs::create_dir_all(root.path().join("empty")).unwrap();
    git(&root, "empty", &["init", "-q"]);
    let state = root.path().join("state.json");
    let args = [
        "history",
        "--repos",
        ".",
        "--format",
        "json",
        "--state",
        state.to_str().unwrap(),
    ];
    let first = run(&root, &args);
    assert_eq!(first.code, 2, "{}", first.stderr);
    let saved = std::fs::read_to_string(&state).unwrap();
    assert!(saved.contains("good"), "{saved}");
    assert!(!saved.contains("empty"), "{saved}");
}

#[test]
fn scan_repos_scans_each_work_tree() {
    let root = TestDir::new();
    repo_with(&root, "app", &[("committed.env", "A=1\n")]);
    repo_with(&root, "app/vendor/lib", &[("lib.txt", "nothing\n")]);
    root.write("app/untracked.env", token_line());
    root.write("app/vendor/lib/local.env", token_line());
    git(&root, ".", &["clone", "-q", "--bare", "app", "app.git"]);
    let run = run(&root, &["scan", "--repos", ".", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("warning: app.git: a bare repository has no work tree to scan"),
        "{}",
        run.stderr
    );
    let places: BTreeSet<(String, String)> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["repository"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> =
        [("app", "untracked.env"), ("app/vendor/lib", "local.env")]
            .map(|(r, p)| (r.to_string(), p.to_string()))
            .into();
    assert_eq!(places, expected);
}

#[test]
fn a_directory_without_repositories_is_an_error() {
    let root = TestDir::new();
    root.write("plain/file.txt", "hello\n");
    let run = run(&root, &["history", "--repos", "plain"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("no git repository under"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_recorded_tip_that_is_gone_only_makes_the_scan_read_more() {
    let root = TestDir::new();
    repo_with(&root, "r", &[("a.env", &token_line())]);
    let state = root.path().join("state.json");
    let args = [
        "history",
        "--repos",
        ".",
        "--all",
        "--format",
        "json",
        "--state",
        state.to_str().unwrap(),
    ];
    assert_eq!(run(&root, &args).code, 1);
    // Rewrite the only commit and drop the old one for good.
    root.write("r/a.env", token_line());
    git(
        &root,
        "r",
        &["commit", "-q", "-a", "--amend", "-m", "rewritten"],
    );
    git(&root, "r", &["reflog", "expire", "--expire=now", "--all"]);
    git(&root, "r", &["gc", "-q", "--prune=now"]);
    let again = run(&root, &args);
    assert_eq!(again.code, 1, "{}", again.stderr);
    assert_eq!(commits_read(&again), 1);
    assert!(again.stderr.is_empty(), "{}", again.stderr);
}
