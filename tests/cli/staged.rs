//! `leakfence staged` and the pre-commit hook, with real repositories and real `git commit`s,
//! in every git format.

use crate::common::format::{matrix_tests, RepoFormat};
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};

// Every scenario with a repository runs in every git format (`common::format`).
matrix_tests! {
    each_blocking_credential_blocks_the_commit,
    first_commit_with_a_token_is_blocked,
    account_sid_alone_warns_but_commits,
    clean_change_commits,
    only_the_staged_part_of_a_file_counts,
    commit_all_and_commit_paths_use_the_temporary_index,
    credential_already_in_head_is_not_blamed_on_a_new_commit,
    context_on_unchanged_lines_still_counts,
    renames_and_mode_changes_add_nothing,
    odd_paths_symlinks_binaries_and_submodules,
    works_from_a_subdirectory_and_with_repo,
    merge_commit_resolving_a_conflict_with_a_secret_is_blocked,
    linked_worktrees_read_their_own_index_and_run_the_hook,
    allow_marker_lets_the_commit_through,
    moved_directories_and_renamed_edited_files,
    file_replaced_by_a_directory_and_back,
    every_index_format_gives_the_same_answer,
    a_split_index_is_read_through_its_shared_index,
    nothing_staged_in_a_new_repository,

}

pub(crate) fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

pub(crate) fn head(repo: &TestRepo) -> Option<String> {
    let output = repo
        .git_command(&["rev-parse", "--verify", "-q", "HEAD"])
        .output()
        .unwrap();
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
}

/// Runs `git commit` with the given extra arguments and reports its exit code and output.
pub(crate) fn commit(repo: &TestRepo, args: &[&str]) -> Run {
    let mut command = repo.git_command(&["commit", "-m", "change"]);
    command.args(args);
    Run::of(&mut command)
}

/// `leakfence install`, which must succeed.
pub(crate) fn install(repo: &TestRepo) -> Run {
    let run = repo.run(&["install"]);
    assert_eq!(run.code, 0, "install: {}{}", run.stdout, run.stderr);
    run
}

fn installed() -> TestRepo {
    let repo = TestRepo::new();
    install(&repo);
    repo
}

fn staged_findings(repo: &TestRepo) -> Vec<(String, String, u64, u64)> {
    repo.run(&["staged", "--format", "json"]).findings()
}

fn each_blocking_credential_blocks_the_commit() {
    let sk = secrets::api_key_sid();
    let cases = [
        ("twilio-auth-token", token_line()),
        ("twilio-api-key-sid", format!("TWILIO_API_KEY={sk}\n")),
        (
            "twilio-api-key-secret",
            format!("TWILIO_API_SECRET={}\n", secrets::api_secret()),
        ),
        (
            "twilio-access-token",
            format!("token = \"{}\"\n", secrets::access_token()),
        ),
        (
            "sendgrid-api-key",
            format!(
                "SENDGRID_API_KEY={}\n",
                secrets::sample(leakfence::finding::RuleId::SendGridApiKey)
            ),
        ),
        (
            "segment-api-token",
            format!(
                "SEGMENT_API_TOKEN={}\n",
                secrets::sample(leakfence::finding::RuleId::SegmentApiToken)
            ),
        ),
        (
            "twilio-oauth-client-secret",
            format!(
                "TWILIO_CLIENT_SECRET={}\n",
                secrets::sample(leakfence::finding::RuleId::OAuthClientSecret)
            ),
        ),
    ];
    for (rule, text) in cases {
        let repo = installed();
        repo.write("README.md", "hello\n");
        repo.add(&["README.md"]);
        repo.commit("first");
        let before = head(&repo);
        repo.write("config/settings.env", format!("# config\n{text}"));
        repo.add(&["config/settings.env"]);
        let run = commit(&repo, &[]);
        assert_ne!(run.code, 0, "{rule}: {}{}", run.stdout, run.stderr);
        assert_eq!(head(&repo), before, "{rule}: a commit was made");
        let output = format!("{}{}", run.stdout, run.stderr);
        assert!(
            output.contains("config/settings.env:2:"),
            "{rule}: {output}"
        );
        assert!(output.contains(rule), "{rule}: {output}");
        assert!(output.contains("git restore --staged"), "{output}");
        assert!(!output.contains("--no-verify"), "{output}");
    }
}

fn first_commit_with_a_token_is_blocked() {
    let repo = installed();
    repo.write(".env", token_line());
    repo.add(&[".env"]);
    let run = commit(&repo, &[]);
    assert_ne!(run.code, 0);
    assert_eq!(head(&repo), None);
}

fn account_sid_alone_warns_but_commits() {
    let repo = installed();
    repo.write(
        "app.py",
        format!("ACCOUNT_SID = '{}'\n", secrets::account_sid()),
    );
    repo.add(&["app.py"]);
    let run = commit(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(format!("{}{}", run.stdout, run.stderr).contains("twilio-account-sid"));
    assert!(head(&repo).is_some());
}

fn clean_change_commits() {
    let repo = installed();
    repo.write(
        "src/main.rs",
        "fn main() { println!(\"d41d8cd98f00b204e9800998ecf8427e\"); }\n",
    );
    repo.add(&["src/main.rs"]);
    let run = commit(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

fn only_the_staged_part_of_a_file_counts() {
    // The secret is only in the work tree: the commit goes through.
    let repo = installed();
    repo.write("a.env", "A=1\n");
    repo.add(&["a.env"]);
    repo.write("a.env", format!("A=1\n{}", token_line()));
    let run = commit(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(repo.git(&["show", "HEAD:a.env"]).trim() == "A=1");

    // The reverse: the secret is staged, the work tree is clean again.
    let repo = installed();
    repo.write("b.env", token_line());
    repo.add(&["b.env"]);
    repo.write("b.env", "B=1\n");
    let run = commit(&repo, &[]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert_eq!(head(&repo), None);
}

fn commit_all_and_commit_paths_use_the_temporary_index() {
    for args in [
        vec!["-a"],
        vec!["--", "tracked.env"],
        vec!["--only", "tracked.env"],
    ] {
        let repo = installed();
        repo.write("tracked.env", "A=1\n");
        repo.add(&["tracked.env"]);
        repo.commit("first");
        let before = head(&repo);
        // Only in the work tree, not in .git/index: only GIT_INDEX_FILE shows it.
        repo.write("tracked.env", format!("A=1\n{}", token_line()));
        let run = commit(&repo, &args);
        assert_ne!(run.code, 0, "{args:?}: {}{}", run.stdout, run.stderr);
        assert_eq!(head(&repo), before, "{args:?}");
        // git shows a hook's standard output on its standard error.
        assert!(
            run.stderr.contains("tracked.env:2:19"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

fn credential_already_in_head_is_not_blamed_on_a_new_commit() {
    let repo = TestRepo::new();
    let token = token_line();
    repo.write("a.env", format!("{token}A=1\n"));
    repo.add(&["a.env"]);
    repo.commit("old leak, before the hook");
    install(&repo);
    repo.write("a.env", format!("# moved down\n{token}A=2\n"));
    repo.add(&["a.env"]);
    let run = commit(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

fn context_on_unchanged_lines_still_counts() {
    let repo = TestRepo::new();
    repo.write(
        "config.py",
        format!("ACCOUNT = '{}'\n", secrets::account_sid()),
    );
    repo.add(&["config.py"]);
    repo.commit("sid only");
    repo.write(
        "config.py",
        format!(
            "ACCOUNT = '{}'\nPAIR = '{}'\n",
            repo.git(&["show", "HEAD:config.py"])
                .split('\'')
                .nth(1)
                .unwrap(),
            secrets::auth_token()
        ),
    );
    repo.add(&["config.py"]);
    let found = staged_findings(&repo);
    assert_eq!(
        found,
        vec![(
            "twilio-auth-token".to_string(),
            "config.py".to_string(),
            2,
            9
        )]
    );
}

fn renames_and_mode_changes_add_nothing() {
    let repo = TestRepo::new();
    repo.write("old name.env", token_line());
    repo.add(&["old name.env"]);
    repo.commit("old");
    repo.mv("old name.env", "new name ünïcode.env");
    assert!(staged_findings(&repo).is_empty());
    repo.git(&["update-index", "--chmod=+x", "new name ünïcode.env"]);
    assert!(staged_findings(&repo).is_empty());
    repo.git(&["rm", "-q", "-f", "--cached", "new name ünïcode.env"]);
    assert!(staged_findings(&repo).is_empty(), "a deletion adds nothing");
}

fn odd_paths_symlinks_binaries_and_submodules() {
    let repo = TestRepo::new();
    repo.write("with space/new\nline.env", token_line());
    std::os::unix::fs::symlink(
        format!("TWILIO_AUTH_TOKEN={}", secrets::auth_token()),
        repo.path().join("link"),
    )
    .unwrap();
    repo.write(
        "blob.bin",
        [b"\x00\x01".as_slice(), token_line().as_bytes()].concat(),
    );
    repo.add(&["."]);
    let sub = secrets::hex32().repeat(2);
    let gitlink = format!("160000,{},vendor/sub", &sub[..repo.format().hex_len()]);
    repo.git(&["update-index", "--add", "--cacheinfo", &gitlink]);
    let run = repo.run(&["staged", "--format", "json"]);
    let paths: Vec<String> = run.findings().into_iter().map(|f| f.1).collect();
    assert_eq!(
        paths,
        ["link", "with space/new\nline.env"],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("blob.bin") && run.stderr.contains("binary"),
        "{}",
        run.stderr
    );
    assert_eq!(run.code, 1);
}

fn works_from_a_subdirectory_and_with_repo() {
    let repo = TestRepo::new();
    repo.write("deep/dir/.env", token_line());
    repo.add(&["deep/dir/.env"]);
    let inside = crate::common::Run::of(
        repo.dir
            .leakfence()
            .current_dir(repo.path().join("deep"))
            .args(["staged", "--format", "json"]),
    );
    assert_eq!(inside.findings().len(), 1);
    assert_eq!(inside.findings()[0].1, "deep/dir/.env");
    let elsewhere = TestDir::new();
    let run = elsewhere.run(&[
        "staged",
        "--repo",
        repo.path().to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(run.findings().len(), 1);
}

#[test]
fn not_a_repository_is_a_clear_error() {
    let dir = TestDir::new();
    let run = dir.run(&["staged", "--repo", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not in a git repository"),
        "{}",
        run.stderr
    );
}

fn merge_commit_resolving_a_conflict_with_a_secret_is_blocked() {
    let repo = TestRepo::new();
    repo.start_conflicting_merge(|repo| {
        install(repo);
    });
    repo.write("conf.env", format!("A=merged\n{}", token_line()));
    repo.add(&["conf.env"]);
    assert!(repo.path().join(".git/MERGE_HEAD").exists());
    let before = head(&repo);
    let run = Run::of(&mut repo.git_command(&["commit", "--no-edit"]));
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(head(&repo), before);
}

fn linked_worktrees_read_their_own_index_and_run_the_hook() {
    let repo = installed();
    repo.write("README.md", "x\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    let worktree = TestDir::new();
    let wt_path = worktree.path().join("wt");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "feature",
        wt_path.to_str().unwrap(),
    ]);
    std::fs::write(wt_path.join("secret.env"), token_line()).unwrap();
    let mut add = repo.git_command(&["add", "secret.env"]);
    add.current_dir(&wt_path);
    assert!(add.status().unwrap().success());
    let mut staged = repo.dir.leakfence();
    staged
        .current_dir(&wt_path)
        .args(["staged", "--format", "json"]);
    let found = Run::of(&mut staged).findings();
    assert_eq!(found.len(), 1, "the worktree's own index is read");
    let mut git_commit = repo.git_command(&["commit", "-m", "wt"]);
    git_commit.current_dir(&wt_path);
    assert_ne!(
        Run::of(&mut git_commit).code,
        0,
        "the hook runs in linked worktrees too"
    );
}

fn allow_marker_lets_the_commit_through() {
    let repo = installed();
    repo.write(
        ".env",
        format!(
            "TWILIO_AUTH_TOKEN={} # leakfence:allow\n",
            secrets::auth_token()
        ),
    );
    repo.add(&[".env"]);
    let run = commit(&repo, &[]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

fn moved_directories_and_renamed_edited_files() {
    let repo = TestRepo::new();
    let token = token_line();
    repo.write("conf/app.env", format!("A=1\n{token}"));
    repo.write("conf/other.txt", "x\n");
    repo.add(&["conf"]);
    repo.commit("old");
    repo.mv("conf", "settings");
    assert!(
        staged_findings(&repo).is_empty(),
        "a moved directory adds nothing"
    );
    repo.write(
        "settings/app.env",
        format!("A=2\n{token}B={}\n", secrets::api_key_sid()),
    );
    repo.mv("settings/app.env", "settings/renamed.env");
    repo.add(&["settings/renamed.env"]);
    let found = staged_findings(&repo);
    assert_eq!(
        found,
        vec![(
            "twilio-api-key-sid".to_string(),
            "settings/renamed.env".to_string(),
            3,
            3
        )]
    );
}

fn file_replaced_by_a_directory_and_back() {
    let repo = TestRepo::new();
    repo.write("thing", "plain\n");
    repo.add(&["thing"]);
    repo.commit("file");
    repo.git(&["rm", "-q", "--cached", "thing"]);
    std::fs::remove_file(repo.path().join("thing")).unwrap();
    repo.write("thing/inner.env", token_line());
    repo.add(&["thing/inner.env"]);
    let found = staged_findings(&repo);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "thing/inner.env");
}

fn every_index_format_gives_the_same_answer() {
    for setup in [
        &["update-index", "--index-version", "2"][..],
        &["update-index", "--index-version", "4"],
    ] {
        let repo = TestRepo::new();
        for i in 0..20 {
            repo.write(&format!("dir{}/f{i}.txt", i % 4), format!("line {i}\n"));
        }
        repo.add(&["."]);
        repo.commit("base");
        repo.write("dir1/new.env", token_line());
        repo.write(
            "dir2/f2.txt",
            format!("line 2\nAUTH_TOKEN={}\n", secrets::auth_token()),
        );
        repo.add(&["."]);
        repo.git(setup);
        let found = staged_findings(&repo);
        let paths: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
        assert_eq!(paths, ["dir1/new.env", "dir2/f2.txt"], "{setup:?}");
    }
}

/// One format only: it cuts `.git/index` in half, which means something else in a split index
/// (the shared index is another file) or a sparse one.
#[test]
fn corrupt_index_is_a_clear_error() {
    let repo = TestRepo::with_format(RepoFormat::Sha1Files);
    repo.write("a.txt", "x\n");
    repo.add(&["a.txt"]);
    let index = repo.path().join(".git/index");
    let bytes = std::fs::read(&index).unwrap();
    std::fs::write(&index, &bytes[..bytes.len() / 2]).unwrap();
    let run = repo.run(&["staged"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("index"), "{}", run.stderr);
}

/// A split index made on demand (`git update-index --split-index`), on top of every format:
/// the `split_index` format covers `core.splitIndex`; this adds SHA-256 ids in the `link`
/// extension, index v4 entries and a sparse checkout (whose index git expands when split).
fn a_split_index_is_read_through_its_shared_index() {
    let repo = installed();
    repo.write("a.txt", "x\n");
    repo.write("dir/b.txt", "y\n");
    repo.add(&["a.txt", "dir/b.txt"]);
    repo.commit("first");
    if repo.format().is_sparse() {
        // git itself refuses to split a sparse index: the combination cannot exist.
        let refused = repo
            .git_command(&["update-index", "--split-index"])
            .output()
            .expect("run git");
        assert!(!refused.status.success(), "git split a sparse index");
        return;
    }
    repo.git(&["update-index", "--split-index"]);
    // Changes after the split live in .git/index, over the shared index: a replaced entry, a
    // deleted one and a new one.
    repo.write("a.txt", format!("x\n{}", token_line()));
    repo.write("new.env", token_line());
    repo.add(&["a.txt", "new.env"]);
    repo.git(&["rm", "-q", "--cached", "dir/b.txt"]);
    assert!(
        std::fs::read_dir(repo.path().join(".git"))
            .unwrap()
            .any(|e| e
                .unwrap()
                .file_name()
                .to_string_lossy()
                .starts_with("sharedindex.")),
        "git wrote a shared index"
    );
    let run = repo.run(&["staged", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found: Vec<(String, u64)> = run.findings().into_iter().map(|f| (f.1, f.2)).collect();
    assert_eq!(
        found,
        [("a.txt".to_string(), 2), ("new.env".to_string(), 1)]
    );
    let before = head(&repo);
    let run = commit(&repo, &[]);
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(head(&repo), before, "the hook blocked the commit");
}

fn nothing_staged_in_a_new_repository() {
    let repo = TestRepo::new();
    let run = repo.run(&["staged", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.findings().is_empty());
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let scan = repo.run(&["scan"]);
    assert!(scan.stderr.is_empty(), "{}", scan.stderr);
}
