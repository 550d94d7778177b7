//! The pre-commit framework (the real `pre-commit` package from PyPI) running leakfence from
//! this repository's `.pre-commit-hooks.yaml`.

use crate::common::format::{matrix_tests, RepoFormat};
use crate::common::repo::TestRepo;
use crate::common::{bin, secrets, Run};
use std::path::Path;
use std::process::Command;

matrix_tests! {
    pre_commit_framework_blocks_a_staged_credential,
}

fn manifest() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(".pre-commit-hooks.yaml");
    std::fs::read_to_string(path).expect(".pre-commit-hooks.yaml at the repository root")
}

/// `pre-commit`, failing with a clear message when it is not installed (`.ci/run` installs it).
fn pre_commit(repo: &TestRepo, args: &[&str]) -> Run {
    let mut command = Command::new("pre-commit");
    crate::common::repo::isolate(&mut command, repo.dir.home());
    command
        .current_dir(repo.path())
        .args(args)
        .env("PATH", path_with_leakfence());
    match command.output() {
        Ok(output) => Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        },
        Err(e) => panic!(
            "cannot run pre-commit ({e}); install it with `python3 -m pip install pre-commit`"
        ),
    }
}

fn path_with_leakfence() -> String {
    let dir = bin().parent().expect("binary directory").to_path_buf();
    format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

#[test]
fn manifest_is_valid() {
    let repo = TestRepo::new();
    repo.write(".pre-commit-hooks.yaml", manifest());
    let run = pre_commit(&repo, &["validate-manifest", ".pre-commit-hooks.yaml"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
}

/// The user's repository is in each format; the hooks repository stays in git's default,
/// because pre-commit fetches it into a repository of its own made by a plain `git init`.
fn pre_commit_framework_blocks_a_staged_credential() {
    let hooks = TestRepo::with_format(RepoFormat::Sha1Files);
    hooks.write(".pre-commit-hooks.yaml", manifest());
    hooks.add(&[".pre-commit-hooks.yaml"]);
    let rev = hooks.commit("hooks");

    let repo = TestRepo::new();
    let config = format!(
        "repos:\n  - repo: {}\n    rev: {rev}\n    hooks:\n      - id: leakfence-system\n",
        hooks.path().display()
    );
    repo.write(".pre-commit-config.yaml", config);
    let install = pre_commit(&repo, &["install"]);
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
    repo.add(&[".pre-commit-config.yaml"]);
    let mut clean = repo.git_command(&["commit", "-m", "config"]);
    clean.env("PATH", path_with_leakfence());
    let run = Run::of(&mut clean);
    assert_eq!(
        run.code, 0,
        "a clean commit passes: {}{}",
        run.stdout, run.stderr
    );

    repo.write(
        "settings.env",
        format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token()),
    );
    repo.add(&["settings.env"]);
    let mut leaky = repo.git_command(&["commit", "-m", "leak"]);
    leaky.env("PATH", path_with_leakfence());
    let run = Run::of(&mut leaky);
    assert_ne!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let output = format!("{}{}", run.stdout, run.stderr);
    assert!(
        output.contains("settings.env:1:19") && output.contains("twilio-auth-token"),
        "{output}"
    );
    assert_eq!(
        repo.git(&["log", "--oneline"]).lines().count(),
        1,
        "the leaky commit was not made"
    );
}

/// `action.yml` parses as YAML (with PyYAML, which the pre-commit package brings), is a
/// composite action, and never interpolates inputs into shell scripts (script injection).
#[test]
fn github_action_is_well_formed() {
    let action = Path::new(env!("CARGO_MANIFEST_DIR")).join("action.yml");
    let check = r#"
import sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
assert action["runs"]["using"] == "composite", action["runs"]["using"]
for name in ("command", "args", "sarif-file", "upload-sarif"):
    assert name in action["inputs"], name
for step in action["runs"]["steps"]:
    if "run" in step:
        assert "${{" not in step["run"], "inputs must reach scripts through env: " + step["name"]
        assert step.get("shell") == "bash", step["name"]
print("ok")
"#;
    let output = Command::new("python3")
        .arg("-c")
        .arg(check)
        .arg(&action)
        .output()
        .expect("python3");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
