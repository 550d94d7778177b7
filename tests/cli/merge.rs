//! `leakfence merge`: history reports of two real repositories (shards of one organisation's
//! scan) combined, credentials regrouped across them.

use crate::common::format::RepoFormat;
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};
use serde_json::Value;
use std::path::Path;

/// A repository holding `shared` (committed on `date`) and a token of its own, one commit each.
fn repository_with(shared: &str, date: &str) -> (TestRepo, String, String) {
    let repo = TestRepo::with_format(RepoFormat::Sha1Files);
    repo.write("deploy/.env", format!("TWILIO_AUTH_TOKEN={shared}\n"));
    repo.add(&["deploy/.env"]);
    repo.git(&["commit", "-q", "--date", date, "-m", "deploy settings"]);
    let first = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let own = secrets::auth_token();
    repo.write("app.env", format!("A=1\nTWILIO_AUTH_TOKEN={own}\n"));
    repo.add(&["app.env"]);
    repo.commit("app settings");
    (repo, first, own)
}

/// `leakfence history --format json -o OUT` in `repo`.
fn history_report(repo: &TestRepo, out: &Path) {
    let output = out.to_str().expect("utf-8 temp path");
    let run = repo.run(&["history", "--format", "json", "-o", output]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

fn read(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("read the report");
    serde_json::from_str(&text).expect("a JSON report")
}

/// How many occurrences each credential of `doc` has, fewest first.
fn occurrence_counts(doc: &Value) -> Vec<usize> {
    let mut counts: Vec<usize> = doc["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| c["occurrences"].as_array().expect("occurrences").len())
        .collect();
    counts.sort_unstable();
    counts
}

/// Two shards: a.json and b.json, one shared token (earlier in b) and one own token each.
struct Shards {
    dir: TestDir,
    _repos: [TestRepo; 2],
    first_in_b: String,
    secrets: [String; 3],
}

fn two_shards() -> Shards {
    let shared = secrets::auth_token();
    let (a, _, own_a) = repository_with(&shared, "2024-03-01T00:00:00Z");
    let (b, first_in_b, own_b) = repository_with(&shared, "2023-06-01T00:00:00Z");
    let dir = TestDir::new();
    history_report(&a, &dir.path().join("a.json"));
    history_report(&b, &dir.path().join("b.json"));
    Shards {
        dir,
        _repos: [a, b],
        first_in_b,
        secrets: [shared, own_a, own_b],
    }
}

#[test]
fn a_token_in_two_repositories_is_one_credential_with_both_places() {
    let shards = two_shards();
    let run = shards.dir.run(&["merge", "a.json", "b.json"]);
    assert_eq!(run.code, 1, "a blocking credential: {}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["version"], 1);
    assert_eq!(occurrence_counts(&doc), [1, 1, 2]);
    let shared = doc["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .find(|c| c["occurrences"].as_array().is_some_and(|o| o.len() == 2))
        .expect("the shared credential");
    assert_eq!(
        shared["first_commit"],
        shards.first_in_b.as_str(),
        "the earliest"
    );
    assert_eq!(shared["first_date"], "2023-06-01T00:00:00Z");
    assert_eq!(shared["in_head"], true);
    assert_eq!(shared["blocking"], true);
    assert_eq!(doc["findings"].as_array().expect("findings").len(), 4);
    let (a, b) = (
        read(&shards.dir.path().join("a.json")),
        read(&shards.dir.path().join("b.json")),
    );
    for counter in ["commits", "blobs", "bytes"] {
        let sum = a["stats"][counter].as_u64().expect("a count")
            + b["stats"][counter].as_u64().expect("a count");
        assert_eq!(doc["stats"][counter], sum, "{counter} summed");
    }
    for secret in &shards.secrets {
        assert!(
            !run.stdout.contains(secret.as_str()),
            "a secret was un-redacted"
        );
    }
}

#[test]
fn repositories_can_be_named_after_their_files() {
    let shards = two_shards();
    let run = shards.dir.run(&[
        "merge",
        "--repository-from-filename",
        "b.json",
        "a.json",
        "-o",
        "org.json",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stdout.is_empty(), "the report went to the file");
    let doc = read(&shards.dir.path().join("org.json"));
    let mut named: Vec<Value> = doc["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| c["repositories"].clone())
        .collect();
    named.sort_by_key(Value::to_string);
    // Sorted as text: `["b","a"]` before `["b"]`.
    assert_eq!(
        named,
        [
            serde_json::json!(["a"]),
            serde_json::json!(["b", "a"]),
            serde_json::json!(["b"])
        ]
    );
    let findings = doc["findings"].as_array().expect("findings");
    assert!(
        findings.iter().all(|f| f["repository"].is_string()),
        "{findings:?}"
    );
}

#[test]
fn merging_a_merged_report_again_with_one_of_its_inputs_repeats_nothing() {
    let shards = two_shards();
    let first = shards
        .dir
        .run(&["merge", "a.json", "b.json", "-o", "merged.json"]);
    assert_eq!(first.code, 1, "{}", first.stderr);
    let again = shards.dir.run(&["merge", "merged.json", "a.json"]);
    assert_eq!(again.code, 1, "{}", again.stderr);
    let (before, after) = (read(&shards.dir.path().join("merged.json")), again.json());
    assert_eq!(after["credentials"], before["credentials"]);
    assert_eq!(after["findings"], before["findings"]);
    assert_eq!(occurrence_counts(&after), [1, 1, 2]);
}

#[test]
fn a_shard_that_cannot_be_merged_is_named_and_nothing_is_written() {
    let shards = two_shards();
    shards
        .dir
        .write("broken.json", "{\"version\": 1, \"findings\": [");
    let mut v2 = read(&shards.dir.path().join("a.json"));
    v2["version"] = Value::from(2);
    shards.dir.write("v2.json", v2.to_string());
    let cases = [
        ("missing.json", "cannot read missing.json"),
        ("broken.json", "broken.json is not JSON"),
        ("v2.json", "v2.json is a JSON report of version 2"),
    ];
    for (bad, message) in cases {
        let run = shards.dir.run(&["merge", "a.json", bad, "-o", "out.json"]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(run.stderr.contains(message), "{bad}: {}", run.stderr);
        assert!(
            !shards.dir.path().join("out.json").exists(),
            "{bad}: nothing is written"
        );
    }
}

#[test]
fn identifiers_alone_block_only_with_fail_on() {
    let dir = TestDir::new();
    dir.write(
        "settings.env",
        format!("TWILIO_ACCOUNT_SID={}\n", secrets::account_sid()),
    );
    let scan = dir.run(&[
        "scan",
        "settings.env",
        "--format",
        "json",
        "-o",
        "scan.json",
    ]);
    assert_eq!(scan.code, 0, "{}", scan.stderr);
    let merged = dir.run(&["merge", "scan.json"]);
    assert_eq!(merged.code, 0, "{}", merged.stderr);
    assert_eq!(merged.json()["credentials"][0]["blocking"], false);
    let strict = dir.run(&["merge", "scan.json", "--fail-on", "low"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert_eq!(strict.json()["credentials"][0]["blocking"], true);
    let Run { stdout, .. } = dir.run(&["merge", "--help"]);
    assert!(stdout.contains("JSON only"), "{stdout}");
}
