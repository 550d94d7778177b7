//! Unit tests of `sarif`.

use super::*;
use crate::detect::rules::pick;
use crate::finding::{Commit, Provenance};
use serde_json::Value;

const SECRET: &str = "QWERTYUIOPASDFGHJKLZXCVBNM123456";

fn finding(path: &str, provenance: Provenance) -> Finding {
    let line_text = format!("TOKEN={SECRET} # again {SECRET}");
    Finding {
        line_text,
        provenance,
        ..Finding::example(pick::contextual_secret(), path, 3, 7, SECRET)
    }
}

fn render(findings: &[Finding], show_secrets: bool) -> (String, Value) {
    crate::report::render_json_with(|options| Sarif { options }, findings, show_secrets)
}

#[test]
fn every_rule_is_described_and_results_point_at_them() {
    let (text, doc) = render(&[finding("a b/.env", Provenance::File)], false);
    assert!(!text.contains(SECRET), "{text}");
    assert_eq!(doc["version"], "2.1.0");
    let run = &doc["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), RULES.len());
    let low = pick::low_identifier() as usize;
    assert_eq!(rules[low]["id"], RULES[low].key);
    assert_eq!(rules[low]["defaultConfiguration"]["level"], "note");
    assert!(!rules[low]["name"].as_str().unwrap().contains(' '));
    let result = &run["results"][0];
    let index = result["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], pick::contextual_secret().as_str());
    assert_eq!(result["level"], "error");
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "a%20b/.env");
    assert_eq!(location["region"]["startColumn"], 7);
    assert_eq!(location["region"]["endColumn"], 39);
    assert_eq!(
        location["contextRegion"]["snippet"]["text"],
        "TOKEN=QWER… # again QWER…"
    );
    assert_eq!(
        result["partialFingerprints"][FINGERPRINT_KEY]
            .as_str()
            .unwrap()
            .len(),
        64
    );
    assert!(result.get("properties").is_none());
}

#[test]
fn commit_messages_get_a_described_location_and_history_properties() {
    let commit = Commit {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        author: "Ada".into(),
        email: "ada@example.com".into(),
        time: 1_704_164_645,
    };
    let (_, doc) = render(
        &[finding(
            COMMIT_MESSAGE_PATH,
            Provenance::CommitMessage { commit },
        )],
        false,
    );
    let result = &doc["runs"][0]["results"][0];
    let location = &result["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uri"],
        "commit-message"
    );
    assert!(location["physicalLocation"]["artifactLocation"]
        .get("uriBaseId")
        .is_none());
    assert_eq!(location["logicalLocations"][0]["kind"], "resource");
    assert_eq!(result["properties"]["date"], "2024-01-02T03:04:05Z");
    assert_eq!(result["properties"]["author"], "Ada");
    assert!(result["message"]["text"]
        .as_str()
        .unwrap()
        .contains("message of commit 0123456789ab"));
}

#[test]
fn a_file_named_like_the_message_path_is_a_file() {
    let commit = Commit {
        id: "0123456789abcdef0123456789abcdef01234567".into(),
        author: "Ada".into(),
        email: "ada@example.com".into(),
        time: 0,
    };
    let (_, doc) = render(
        &[finding(COMMIT_MESSAGE_PATH, Provenance::Blob { commit })],
        false,
    );
    let location = &doc["runs"][0]["results"][0]["locations"][0];
    assert_eq!(
        location["physicalLocation"]["artifactLocation"]["uriBaseId"],
        "%SRCROOT%"
    );
    assert!(location.get("logicalLocations").is_none());
}

#[test]
fn show_secrets_shows_them() {
    let (text, _) = render(&[finding("a.env", Provenance::File)], true);
    assert!(text.contains(SECRET));
}

#[test]
fn long_lines_are_cut_after_redaction() {
    let mut f = finding("a.env", Provenance::File);
    f.line_text = format!("{}{SECRET}{}", "x".repeat(200), "y".repeat(200));
    f.location.column = 201;
    let snippet = line_snippet(&f, &[SECRET], false);
    assert_eq!(snippet.chars().count(), 1 + 80 + 5 + 80 + 1);
    assert!(snippet.starts_with('…') && snippet.ends_with('…'));
}

#[test]
fn uri_paths_are_percent_encoded() {
    assert_eq!(encode_uri_path("src/main.rs"), "src/main.rs");
    assert_eq!(encode_uri_path("a b/c:d%e.env"), "a%20b/c%3Ad%25e.env");
    assert_eq!(encode_uri_path("<stdin>"), "%3Cstdin%3E");
    assert_eq!(encode_uri_path("é"), "%C3%A9");
}

#[test]
fn zero_findings_is_a_complete_log() {
    let (_, doc) = render(&[], false);
    assert_eq!(doc["runs"][0]["results"], Value::Array(vec![]));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
}
