//! Human and JSON output of `scan`, `staged` and `history`, compared whole with goldens in
//! `fixtures/golden/` (`common::golden`: generated secrets, commit ids, dates, durations and
//! fingerprints become placeholders; `LEAKFENCE_BLESS=1` rewrites the files). The repository
//! scenarios run in every git format against one golden each: the output must not depend on
//! how the repository is stored.

use crate::common::format::matrix_tests;
use crate::common::golden::{assert_golden, Placeholders};
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};

matrix_tests! {
    staged_human_golden,
    history_human_golden,
    history_credentials_golden,
    history_json_golden,
}

/// A tree with one of each credential, a low-severity SID, a path with unusual characters and
/// a line long enough to be shortened around its secret.
fn scan_tree() -> (TestDir, Placeholders) {
    let mut known = Placeholders::new();
    let dir = TestDir::new();
    dir.write(
        "config/.env",
        format!(
            "# settings\nTWILIO_AUTH_TOKEN={}\n",
            known.plant(secrets::auth_token)
        ),
    );
    let (ac, sk, secret) = (
        known.plant(secrets::account_sid),
        known.plant(secrets::api_key_sid),
        known.plant(secrets::api_secret),
    );
    dir.write(
        "app/settings.py",
        format!(
            "TWILIO_ACCOUNT_SID = \"{ac}\"\n\
             TWILIO_API_KEY = \"{sk}\"\n\
             TWILIO_API_SECRET = \"{secret}\"\n"
        ),
    );
    dir.write(
        "odd dir/a,b:c%.js",
        format!(
            "const token = \"{}\";\n",
            known.plant(secrets::access_token)
        ),
    );
    dir.write(
        "src/client.js",
        format!(
            "const options = {{ region: \"us1\", edge: \"ashburn\", logLevel: \"debug\", \
             timeout: 30, authToken: \"{}\", retries: 3, \
             userAgent: \"leakfence-test/1.0 (golden output)\" }};\n",
            known.plant(secrets::auth_token)
        ),
    );
    dir.write("README.md", "nothing to see\n");
    (dir, known)
}

/// Runs `leakfence` and checks its exit code and that it wrote nothing on standard error.
fn run_ok(run: Run, code: i32) -> Run {
    assert_eq!(run.code, code, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    run
}

#[test]
fn scan_human_golden() {
    let (dir, known) = scan_tree();
    let run = run_ok(dir.run(&["scan"]), 1);
    assert_golden("scan.human.txt", &run.stdout, &known);
}

#[test]
fn scan_json_golden() {
    let (dir, known) = scan_tree();
    let run = run_ok(dir.run(&["scan", "--format", "json"]), 1);
    run.json();
    assert_golden("scan.json", &run.stdout, &known);
}

/// `leakfence staged` as the pre-commit hook runs it: two files staged over a first commit.
fn staged_human_golden() {
    let mut known = Placeholders::new();
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    repo.write(
        "config/settings.env",
        format!(
            "# config\nTWILIO_ACCOUNT_SID={}\nTWILIO_AUTH_TOKEN={}\n",
            known.plant(secrets::account_sid),
            known.plant(secrets::auth_token)
        ),
    );
    repo.write(
        "keys.env",
        format!("TWILIO_API_KEY={}\n", known.plant(secrets::api_key_sid)),
    );
    repo.add(&["config/settings.env", "keys.env"]);
    let run = run_ok(repo.run(&["staged"]), 1);
    assert_golden("staged.human.txt", &run.stdout, &known);
}

/// A history: a token added then removed, an API key SID still at HEAD under a new path, a
/// token in a commit message. Each commit has a date of its own, so that the commits are
/// listed in an order that does not depend on their (random) ids.
struct History {
    repo: TestRepo,
    known: Placeholders,
}

fn history_repo() -> History {
    let mut known = Placeholders::new();
    let repo = TestRepo::new();
    let mut commits = Vec::new();
    let mut commit = |args: &[&str], day: u32| {
        let date = format!("2024-01-{day:02}T10:00:00Z");
        let mut command = repo.git_command(&["commit", "-q", "--allow-empty"]);
        command
            .args(args)
            .env("GIT_AUTHOR_DATE", &date)
            .env("GIT_COMMITTER_DATE", &date);
        let run = Run::of(&mut command);
        assert_eq!(run.code, 0, "git commit: {}", run.stderr);
        commits.push(repo.git(&["rev-parse", "HEAD"]).trim().to_string());
    };
    repo.write("README.md", "hello\n");
    repo.add(&["README.md"]);
    commit(&["-m", "first"], 1);
    repo.write(
        "config/app.env",
        format!(
            "A=1\nTWILIO_AUTH_TOKEN={}\n",
            known.plant(secrets::auth_token)
        ),
    );
    repo.write(
        "keys.env",
        format!("TWILIO_API_KEY={}\n", known.plant(secrets::api_key_sid)),
    );
    repo.add(&["config/app.env", "keys.env"]);
    commit(&["-m", "add config"], 2);
    repo.write("config/app.env", "A=1\n");
    repo.add(&["config/app.env"]);
    commit(&["-m", "remove the token"], 3);
    std::fs::create_dir_all(repo.path().join("settings")).expect("mkdir settings");
    repo.mv("keys.env", "settings/keys.env");
    commit(&["-m", "move the keys"], 4);
    let message = format!(
        "debugging\n\nused TWILIO_AUTH_TOKEN={}",
        known.plant(secrets::auth_token)
    );
    commit(&["-m", &message], 5);
    History {
        repo,
        known: known.commits(&commits),
    }
}

/// The per-commit view (`--group-by commit`).
fn history_human_golden() {
    let history = history_repo();
    let run = run_ok(history.repo.run(&["history", "--group-by", "commit"]), 1);
    assert_golden("history.human.txt", &run.stdout, &history.known);
}

/// The default view: one block per credential.
fn history_credentials_golden() {
    let history = history_repo();
    let run = run_ok(history.repo.run(&["history"]), 1);
    assert_golden("history.credentials.txt", &run.stdout, &history.known);
}

fn history_json_golden() {
    let history = history_repo();
    let run = run_ok(history.repo.run(&["history", "--format", "json"]), 1);
    run.json();
    assert_golden("history.json", &run.stdout, &history.known);
}
