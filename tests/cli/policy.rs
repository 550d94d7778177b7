//! The configuration file, allowlists, severities and baselines, end to end.

use crate::common::repo::{TestDir, TestRepo};
use crate::common::secrets;

fn token_line() -> (String, String) {
    let token = secrets::auth_token();
    (format!("TWILIO_AUTH_TOKEN={token}\n"), token)
}

fn rules_found(dir: &TestDir, args: &[&str]) -> Vec<(String, String)> {
    let mut all = vec!["scan", "--format", "json"];
    all.extend(args);
    dir.run(&all)
        .findings()
        .into_iter()
        .map(|f| (f.0, f.1))
        .collect()
}

#[test]
fn config_disables_rules_overrides_severity_and_sets_fail_on() {
    let dir = TestDir::new();
    dir.write(
        "app.py",
        format!(
            "ACCOUNT_SID = '{}'\nKEY = '{}'\n",
            secrets::account_sid(),
            secrets::api_key_sid()
        ),
    );
    assert_eq!(dir.run(&["scan"]).code, 1);
    dir.write(
        ".leakfence.toml",
        "[severity]\ntwilio-api-key-sid = \"medium\"\n",
    );
    assert_eq!(
        dir.run(&["scan"]).code,
        0,
        "medium does not block by default"
    );
    assert_eq!(dir.run(&["scan", "--fail-on", "medium"]).code, 1);
    dir.write(".leakfence.toml", "fail-on = \"low\"\n");
    assert_eq!(dir.run(&["scan"]).code, 1);
    dir.write(".leakfence.toml", "disable = [\"twilio-api-key-sid\"]\n");
    let found = rules_found(&dir, &[]);
    assert_eq!(
        found,
        vec![("twilio-account-sid".to_string(), "app.py".to_string())]
    );
    assert_eq!(rules_found(&dir, &["--no-config"]).len(), 2);
}

#[test]
fn every_allowlist_kind() {
    let dir = TestDir::new();
    let (a, _) = token_line();
    let (b, exact) = token_line();
    dir.write("fixtures/sample.env", &a);
    dir.write("src/exact.env", &b);
    let random = secrets::api_secret();
    dir.write(
        "src/pattern.env",
        format!("TWILIO_API_SECRET=AllowMe{}\n", &random[..25]),
    );
    dir.write(
        "src/word.env",
        format!(
            "TWILIO_API_SECRET={}Sandbox{}\n",
            &random[..12],
            &random[12..25]
        ),
    );
    dir.write("src/real.env", token_line().0);
    dir.write(
        ".leakfence.toml",
        format!(
            "[allowlist]\npaths = [\"fixtures/**\"]\nsecrets = [\"{exact}\"]\nsecret-patterns = [\"AllowMe[0-9A-Za-z]+\"]\nplaceholder-words = [\"sandbox\"]\n"
        ),
    );
    let found = rules_found(&dir, &[]);
    assert_eq!(
        found,
        vec![("twilio-auth-token".to_string(), "src/real.env".to_string())],
        "the config file itself holds a secret and is not reported either"
    );
}

#[test]
fn config_from_file_flag_and_repository_root() {
    let repo = TestRepo::new();
    let (text, _) = token_line();
    repo.write("sub/dir/a.env", &text);
    repo.write(".leakfence.toml", "[allowlist]\npaths = [\"sub/**\"]\n");
    repo.add(&["."]);
    let staged = repo.run(&["staged", "--format", "json"]);
    assert_eq!(staged.code, 0, "{}", staged.stdout);
    let elsewhere = TestDir::new();
    elsewhere.write("strict.toml", "fail-on = \"high\"\n");
    let strict = elsewhere.path().join("strict.toml");
    let run = repo.run(&[
        "staged",
        "--format",
        "json",
        "--config",
        strict.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
}

#[test]
fn bad_configuration_is_a_clear_error() {
    let cases = [
        ("fail-on = \"high\"\nfial-on = \"low\"\n", ".leakfence.toml:2:1: unknown key `fial-on`; did you mean `fail-on`?"),
        ("disable = [\"twilio-auth-tokn\"]\n", ".leakfence.toml:1:12: unknown rule `twilio-auth-tokn`; did you mean `twilio-auth-token`?"),
        ("[allowlist]\nsecret-patterns = [\"(unclosed\"]\n", ".leakfence.toml:2:20: invalid secret pattern `(unclosed`"),
        ("[allowlist]\npaths = [\"src/{a,b\"]\n", ".leakfence.toml:2:10: invalid path glob `src/{a,b`"),
        ("disable = [\n", ".leakfence.toml:"),
    ];
    for (text, message) in cases {
        let dir = TestDir::new();
        dir.write(".leakfence.toml", text);
        let run = dir.run(&["scan"]);
        assert_eq!(run.code, 2, "{text}");
        assert!(run.stderr.contains(message), "{text}: {}", run.stderr);
    }
}

#[test]
fn baseline_round_trip() {
    let repo = TestRepo::new();
    let (first, _) = token_line();
    let (second, _) = token_line();
    repo.write("a.env", format!("A=1\n{first}"));
    repo.write("b.env", &second);
    let baseline = repo.path().join(".leakfence-baseline.json");
    let baseline = baseline.to_str().unwrap();
    let write = repo.run(&["scan", "--write-baseline", baseline]);
    assert_eq!(write.code, 0, "{}", write.stderr);
    let text = std::fs::read_to_string(baseline).unwrap();
    assert!(
        !text.contains(first.trim().split('=').nth(1).unwrap()),
        "no secret in clear"
    );
    assert_eq!(repo.run(&["scan", "--baseline", baseline]).code, 0);

    // A new credential is the only thing reported.
    let (third, _) = token_line();
    repo.write("c.env", &third);
    let run = repo.run(&["scan", "--format", "json", "--baseline", baseline]);
    assert_eq!(run.code, 1);
    let paths: Vec<String> = run.findings().into_iter().map(|f| f.1).collect();
    assert_eq!(paths, ["c.env"]);
    std::fs::remove_file(repo.path().join("c.env")).unwrap();

    // Moving lines and renaming files keeps everything baselined.
    repo.write("a.env", format!("# moved\n\n\nA=1\n{first}"));
    std::fs::rename(repo.path().join("b.env"), repo.path().join("renamed.env")).unwrap();
    assert_eq!(repo.run(&["scan", "--baseline", baseline]).code, 0);

    // Removing a credential leaves a stale entry that --prune-baseline reports and removes.
    std::fs::remove_file(repo.path().join("renamed.env")).unwrap();
    let run = repo.run(&["scan", "--baseline", baseline, "--prune-baseline"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("no longer matches") && run.stderr.contains("b.env"),
        "{}",
        run.stderr
    );
    let pruned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(pruned["findings"].as_array().unwrap().len(), 1);
    assert_eq!(pruned["version"], 1);
}

#[test]
fn history_baselines_too() {
    let repo = TestRepo::new();
    let (text, _) = token_line();
    repo.write("a.env", &text);
    repo.add(&["a.env"]);
    repo.commit("leak");
    let out = TestDir::new();
    let baseline = out.path().join("history-baseline.json");
    let baseline = baseline.to_str().unwrap();
    assert_eq!(repo.run(&["history", "--write-baseline", baseline]).code, 0);
    assert_eq!(repo.run(&["history", "--baseline", baseline]).code, 0);
}

#[test]
fn rules_and_config_init() {
    let dir = TestDir::new();
    let run = dir.run(&["rules"]);
    assert_eq!(run.code, 0);
    for id in [
        "twilio-account-sid",
        "twilio-api-key-sid",
        "twilio-auth-token",
        "twilio-api-key-secret",
        "twilio-access-token",
        "sendgrid-api-key",
        "segment-api-token",
        "twilio-oauth-client-id",
        "twilio-oauth-client-secret",
    ] {
        assert!(run.stdout.contains(id), "{id}");
    }
    assert!(run.stdout.contains("low, does not block"));
    let init = dir.run(&["config", "init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    assert!(dir.path().join(".leakfence.toml").exists());
    assert_eq!(dir.run(&["scan"]).code, 0, "the starter file is valid");
    let again = dir.run(&["config", "init"]);
    assert_eq!(again.code, 2, "never overwrites");
}
