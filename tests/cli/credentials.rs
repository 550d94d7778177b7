//! Credentials, not lines: a history report lists each distinct credential once, with where
//! it was found, since when, and whether and when it was removed; `--group-by commit` gives
//! the per-commit view; SARIF ties a credential's results together.

use crate::common::repo::TestRepo;
use crate::common::{secrets, Run};
use crate::formats::valid_sarif;
use serde_json::Value;

/// The key of the credential fingerprint in SARIF `partialFingerprints`.
const CREDENTIAL_KEY: &str = "leakfence/credential/v1";

/// Commits what is staged on 2024-01-`day` (each commit its own date, so that "earliest" and
/// "latest" do not depend on the clock) and returns the commit id.
fn commit_on(repo: &TestRepo, message: &str, day: u32) -> String {
    let date = format!("2024-01-{day:02}T10:00:00Z");
    let mut command = repo.git_command(&["commit", "-q", "--allow-empty", "-m", message]);
    command
        .env("GIT_AUTHOR_DATE", &date)
        .env("GIT_COMMITTER_DATE", &date);
    let run = Run::of(&mut command);
    assert_eq!(run.code, 0, "git commit: {}", run.stderr);
    repo.git(&["rev-parse", "HEAD"]).trim().to_string()
}

/// One Auth Token committed in five files over three commits, then all five deleted.
struct Spread {
    repo: TestRepo,
    token: String,
    first: String,
    deleted: String,
}

const FILES: [&str; 5] = ["a.env", "b.env", "config/c.env", "d.env", "e.env"];

fn spread() -> Spread {
    let repo = TestRepo::new();
    let token = secrets::auth_token();
    let line = format!("TWILIO_AUTH_TOKEN={token}\n");
    repo.write("README.md", "hello\n");
    repo.add(&["README.md"]);
    commit_on(&repo, "first", 1);
    let mut first = String::new();
    for (day, files) in [(2, &FILES[..2]), (3, &FILES[2..3]), (4, &FILES[3..])] {
        for file in files {
            repo.write(file, &line);
        }
        repo.add(files);
        let id = commit_on(&repo, &format!("day {day}"), day);
        if first.is_empty() {
            first = id;
        }
    }
    repo.write("README.md", "hello again\n");
    repo.add(&["README.md"]);
    commit_on(&repo, "unrelated", 5);
    let mut rm = vec!["rm", "-q", "--"];
    rm.extend(FILES);
    repo.git(&rm);
    let deleted = commit_on(&repo, "remove the token", 6);
    Spread {
        repo,
        token,
        first,
        deleted,
    }
}

fn short(id: &str) -> &str {
    &id[..12]
}

#[test]
fn one_token_in_five_files_is_one_credential_removed_by_the_deleting_commit() {
    let s = spread();
    let run = s.repo.run(&["history", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains(&s.token), "redacted");
    let doc = run.json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 5, "{doc}");
    let credentials = doc["credentials"].as_array().unwrap();
    assert_eq!(credentials.len(), 1, "{doc}");
    let c = &credentials[0];
    assert_eq!(c["rule"], "twilio-auth-token");
    let occurrences = c["occurrences"].as_array().unwrap();
    let mut paths: Vec<&str> = occurrences
        .iter()
        .map(|o| o["path"].as_str().unwrap())
        .collect();
    paths.sort();
    assert_eq!(paths, FILES);
    assert_eq!(c["first_commit"], s.first.as_str());
    assert_eq!(c["first_date"], "2024-01-02T10:00:00Z");
    assert_eq!(c["in_head"], false);
    assert_eq!(c["removed_commit"], s.deleted.as_str());
    assert_eq!(c["removed_date"], "2024-01-06T10:00:00Z");
    assert!(occurrences
        .iter()
        .all(|o| o["removed"] == s.deleted.as_str()));
}

#[test]
fn the_human_history_report_lists_the_credential_once_with_its_places_folded() {
    let s = spread();
    let run = s.repo.run(&["history"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = &run.stdout;
    assert!(!text.contains(&s.token), "redacted: {text}");
    assert_eq!(
        text.matches("error[twilio-auth-token]").count(),
        1,
        "{text}"
    );
    assert!(
        text.contains(&format!("secret: {}…", &s.token[..4])),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "first introduced: commit {} by Ada Author, 2024-01-02T10:00:00Z, in a.env:1",
            short(&s.first)
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "removed in commit {}, 2024-01-06T10:00:00Z",
            short(&s.deleted)
        )),
        "{text}"
    );
    assert!(text.contains("found in 5 places:"), "{text}");
    assert!(text.contains("also in 2 other places"), "{text}");
    assert!(
        text.contains(&format!(
            "a.env:1:19 (commit {}, Ada Author, 2024-01-02T10:00:00Z)",
            short(&s.first)
        )),
        "{text}"
    );
    assert!(
        text.contains("leakfence: 5 findings (1 distinct credential), 5 blocking"),
        "{text}"
    );
    assert!(
        text.contains("None of these is still present at HEAD"),
        "{text}"
    );
}

#[test]
fn group_by_commit_gives_the_per_commit_view() {
    let s = spread();
    let run = s.repo.run(&["history", "--group-by", "commit"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let text = &run.stdout;
    assert_eq!(
        text.matches("error[twilio-auth-token]").count(),
        5,
        "{text}"
    );
    assert!(
        text.contains(&format!("commit {} Ada Author", s.first)),
        "{text}"
    );
    assert!(!text.contains("first introduced"), "{text}");
    let bad = s.repo.run(&["history", "--group-by", "line"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
}

#[test]
fn sarif_results_share_the_credential_fingerprint_and_point_at_each_other() {
    let s = spread();
    let run = s.repo.run(&["history", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!run.stdout.contains(&s.token), "redacted");
    let doc = valid_sarif(&run, "history sarif");
    let results = doc["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let fingerprints: Vec<&Value> = results
        .iter()
        .map(|r| &r["partialFingerprints"][CREDENTIAL_KEY])
        .collect();
    assert!(fingerprints[0].is_string(), "{doc}");
    assert!(fingerprints.iter().all(|f| *f == fingerprints[0]), "{doc}");
    let per_path: Vec<&Value> = results
        .iter()
        .map(|r| &r["partialFingerprints"]["leakfence/v1"])
        .collect();
    assert_ne!(
        per_path[0], per_path[1],
        "the finding fingerprint stays per path"
    );
    for result in results {
        let own = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            .as_str()
            .unwrap();
        let related = result["relatedLocations"].as_array().unwrap();
        assert_eq!(related.len(), 4, "{result}");
        assert_eq!(result["properties"]["otherOccurrences"], 4, "{result}");
        for other in related {
            let uri = other["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap();
            assert_ne!(uri, own, "{result}");
            let message = other["message"]["text"].as_str().unwrap();
            assert!(message.contains("in commit "), "{message}");
        }
    }
}

#[test]
fn a_value_still_at_head_has_no_removal() {
    let repo = TestRepo::new();
    let line = format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token());
    repo.write("a.env", &line);
    repo.add(&["a.env"]);
    commit_on(&repo, "a", 1);
    repo.write("b.env", &line);
    repo.add(&["b.env"]);
    commit_on(&repo, "b", 2);
    repo.git(&["rm", "-q", "--", "a.env"]);
    let deleted = commit_on(&repo, "drop a", 3);
    let doc = repo.run(&["history", "--format", "json"]).json();
    let c = &doc["credentials"][0];
    assert_eq!(doc["credentials"].as_array().unwrap().len(), 1, "{doc}");
    assert_eq!(c["in_head"], true, "{doc}");
    assert_eq!(c["head_path"], "b.env", "{doc}");
    assert!(c.get("removed_commit").is_none(), "{doc}");
    assert!(c.get("removed_date").is_none(), "{doc}");
    let a = &c["occurrences"][0];
    assert_eq!(a["path"], "a.env");
    assert_eq!(a["removed"], deleted.as_str(), "its own file left: {doc}");
    assert!(c["occurrences"][1].get("removed").is_none(), "{doc}");
    let text = repo.run(&["history"]).stdout;
    assert!(text.contains("still at HEAD in b.env"), "{text}");
    assert!(!text.contains("removed in commit"), "{text}");
}

#[test]
fn pre_push_lists_credentials_too_and_groups_by_commit_on_request() {
    let s = spread();
    let head = s.repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let zero = "0".repeat(head.len());
    let input = format!("refs/heads/main {head} refs/heads/main {zero}\n");
    let push = |extra: &[&str]| {
        let mut command = s.repo.dir.leakfence();
        command
            .args(["pre-push", "origin", "file:///remote"])
            .args(extra);
        Run::with_input(&mut command, input.as_bytes())
    };
    let by_credential = push(&[]);
    assert_eq!(by_credential.code, 1, "{}", by_credential.stderr);
    let text = &by_credential.stdout;
    assert_eq!(
        text.matches("error[twilio-auth-token]").count(),
        1,
        "{text}"
    );
    assert!(text.contains("also in 2 other places"), "{text}");
    assert!(text.contains("The push was blocked"), "{text}");
    let by_commit = push(&["--group-by", "commit"]);
    assert_eq!(by_commit.code, 1, "{}", by_commit.stderr);
    let text = &by_commit.stdout;
    assert_eq!(
        text.matches("error[twilio-auth-token]").count(),
        5,
        "{text}"
    );
    assert!(text.contains(&format!("commit {} ", s.first)), "{text}");
}

#[test]
fn github_and_gitlab_say_each_finding_is_one_credential_in_many_places() {
    let s = spread();
    let github = s.repo.run(&["history", "--format", "github"]);
    assert_eq!(github.code, 1, "{}", github.stderr);
    let annotations: Vec<&str> = github
        .stdout
        .lines()
        .filter(|l| l.starts_with("::error "))
        .collect();
    assert_eq!(annotations.len(), 5, "{}", github.stdout);
    for line in &annotations {
        assert!(
            line.contains("The same credential is in 5 places."),
            "{line}"
        );
    }
    let gitlab = s.repo.run(&["history", "--format", "gitlab"]);
    assert_eq!(gitlab.code, 1, "{}", gitlab.stderr);
    assert!(!gitlab.stdout.contains(&s.token), "redacted");
    let doc: Value = serde_json::from_str(&gitlab.stdout).expect("GitLab JSON");
    let vulnerabilities = doc["vulnerabilities"].as_array().unwrap();
    assert_eq!(vulnerabilities.len(), 5);
    let credential_ids: Vec<&Value> = vulnerabilities
        .iter()
        .map(|v| {
            v["identifiers"]
                .as_array()
                .unwrap()
                .iter()
                .find(|i| i["type"] == "leakfence_credential")
                .map(|i| &i["value"])
                .unwrap_or_else(|| panic!("no credential identifier in {v}"))
        })
        .collect();
    assert!(credential_ids.iter().all(|id| *id == credential_ids[0]));
    let ids: std::collections::HashSet<&Value> = vulnerabilities.iter().map(|v| &v["id"]).collect();
    assert_eq!(ids.len(), 5, "each place stays its own vulnerability");
}
