//! The regrouping rules, on hand-made reports: rules and fingerprints are opaque keys to merge,
//! so neither a secret nor a real rule id is needed.

use super::*;
use serde_json::json;

fn parse(value: Value) -> Document {
    Document::parse(&value.to_string(), Path::new("t.json")).expect("a valid report")
}

fn shard(value: Value) -> Shard {
    Shard {
        document: parse(value),
        repository: None,
    }
}

fn occurrence(repository: &str, path: &str, commit: &str, date: &str) -> Value {
    json!({"repository": repository, "path": path, "line": 1, "column": 5,
           "commit": commit, "author": "A", "date": date})
}

fn credential(fingerprint: &str, occurrences: Vec<Value>) -> Value {
    let first = occurrences.first().cloned().unwrap_or(Value::Null);
    let mut repositories: Vec<Value> = Vec::new();
    for repository in occurrences.iter().map(|o| o["repository"].clone()) {
        if !repositories.contains(&repository) {
            repositories.push(repository);
        }
    }
    json!({
        "rule": "example-rule", "severity": "high", "blocking": true,
        "fingerprint": fingerprint, "secret": "abcd…", "repositories": repositories,
        "occurrences": occurrences,
        "first_commit": first["commit"], "first_date": first["date"],
        "in_head": false, "remediation": "Rotate it.", "docs": "https://example.invalid"
    })
}

fn report(credentials: Vec<Value>, commits: u64, seconds: f64) -> Value {
    json!({"version": 1, "findings": [], "credentials": credentials,
           "stats": {"files": 0, "commits": commits, "blobs": 2, "seconds": seconds, "errors": 0}})
}

fn merged(reports: Vec<Value>) -> Document {
    merge(
        reports.into_iter().map(shard).collect(),
        MergeOptions::default(),
    )
}

#[test]
fn one_fingerprint_in_two_shards_is_one_credential_with_both_places() {
    let a = report(
        vec![
            credential(
                "f1",
                vec![occurrence("a", "x.env", "c2", "2024-02-01T00:00:00Z")],
            ),
            credential(
                "f2",
                vec![occurrence("a", "y.env", "c3", "2024-03-01T00:00:00Z")],
            ),
        ],
        3,
        1.5,
    );
    let b = report(
        vec![credential(
            "f1",
            vec![occurrence("b", "z.env", "d1", "2023-12-01T00:00:00Z")],
        )],
        4,
        2.0,
    );
    let out = merged(vec![a, b]);
    assert_eq!(out.credentials.len(), 2);
    let one = &out.credentials[0];
    assert_eq!(one.fingerprint, "f1", "the earlier credential first");
    let places: Vec<&str> = one.occurrences.iter().map(|o| o.path.as_str()).collect();
    assert_eq!(places, ["z.env", "x.env"], "earliest first");
    assert_eq!(one.first_commit.as_deref(), Some("d1"));
    assert_eq!(one.first_date.as_deref(), Some("2023-12-01T00:00:00Z"));
    assert_eq!(one.repositories, ["b", "a"]);
    assert_eq!(
        one.extra["remediation"], "Rotate it.",
        "unknown fields kept"
    );
    assert_eq!(out.stats["commits"], 7);
    assert_eq!(out.stats["blobs"], 4);
    assert_eq!(out.stats["seconds"], 3.5, "seconds are summed");
}

#[test]
fn merging_a_merged_report_with_one_of_its_inputs_repeats_nothing() {
    let a = report(
        vec![credential(
            "f1",
            vec![occurrence("a", "x.env", "c1", "2024-01-01T00:00:00Z")],
        )],
        1,
        0.0,
    );
    let b = report(
        vec![credential(
            "f1",
            vec![occurrence("b", "x.env", "c1", "2024-01-01T00:00:00Z")],
        )],
        1,
        0.0,
    );
    let once = merged(vec![a.clone(), b]);
    let again = merge(
        vec![
            Shard {
                document: once.clone(),
                repository: None,
            },
            shard(a),
        ],
        MergeOptions::default(),
    );
    assert_eq!(again.credentials, once.credentials);
    assert_eq!(
        again.credentials[0].occurrences.len(),
        2,
        "two repositories"
    );
}

#[test]
fn still_at_head_anywhere_wins_and_removal_needs_every_shard() {
    let mut a = credential(
        "f",
        vec![occurrence("a", "x", "c1", "2024-01-01T00:00:00Z")],
    );
    a["removed_commit"] = json!("r1");
    a["removed_date"] = json!("2024-05-01T00:00:00Z");
    let mut b = credential(
        "f",
        vec![occurrence("b", "x", "c2", "2024-01-02T00:00:00Z")],
    );
    b["removed_commit"] = json!("r2");
    b["removed_date"] = json!("2024-06-01T00:00:00Z");
    let both_removed = merged(vec![
        report(vec![a.clone()], 1, 0.0),
        report(vec![b.clone()], 1, 0.0),
    ]);
    let c = &both_removed.credentials[0];
    assert_eq!(c.in_head, Some(false));
    assert_eq!(
        c.removed_commit.as_deref(),
        Some("r2"),
        "the latest removal"
    );
    assert_eq!(c.removed_date.as_deref(), Some("2024-06-01T00:00:00Z"));

    let mut unknown = b.clone();
    unknown.as_object_mut().map(|o| o.remove("removed_commit"));
    let partly = merged(vec![
        report(vec![a.clone()], 1, 0.0),
        report(vec![unknown], 1, 0.0),
    ]);
    assert_eq!(
        partly.credentials[0].removed_commit, None,
        "one shard has it unremoved"
    );

    let mut present = b;
    present["in_head"] = json!(true);
    present["head_path"] = json!("now/here.env");
    let still = merged(vec![report(vec![a], 1, 0.0), report(vec![present], 1, 0.0)]);
    let c = &still.credentials[0];
    assert_eq!(c.in_head, Some(true));
    assert_eq!(c.head_path.as_deref(), Some("now/here.env"));
    assert_eq!(c.removed_commit, None);
}

#[test]
fn the_most_telling_verdict_the_highest_severity_and_the_shortest_secret_win() {
    let with = |status: &str, severity: &str, secret: &str| {
        let mut c = credential(
            "f",
            vec![occurrence("a", status, "c1", "2024-01-01T00:00:00Z")],
        );
        c["verification"] =
            json!({"status": status, "checked_at": "2024-01-01T00:00:00Z", "detail": status});
        c["severity"] = json!(severity);
        c["blocking"] = json!(severity == "high");
        c["secret"] = json!(secret);
        c
    };
    let order = [
        "unverifiable",
        "unknown",
        "invalid",
        "expired",
        "forbidden",
        "valid",
        "live",
    ];
    for (i, weaker) in order.iter().enumerate() {
        for stronger in &order[i + 1..] {
            for pair in [[*weaker, *stronger], [*stronger, *weaker]] {
                let out = merged(
                    pair.iter()
                        .map(|s| report(vec![with(s, "low", "abcd…")], 1, 0.0))
                        .collect(),
                );
                let status = &out.credentials[0].verification.as_ref().expect("kept")["status"];
                assert_eq!(status, *stronger, "{pair:?}");
            }
        }
    }
    let out = merged(vec![
        report(vec![with("live", "low", "abcdefgh")], 1, 0.0),
        report(vec![with("live", "high", "abcd…")], 1, 0.0),
    ]);
    let c = &out.credentials[0];
    assert_eq!((c.severity.as_str(), c.blocking), ("high", true));
    assert_eq!(c.secret, "abcd…", "a redacted shard is never un-redacted");
    assert!(is_blocking(&out));
}

#[test]
fn fail_on_decides_blocking_again_from_severity() {
    let mut low = credential(
        "f",
        vec![occurrence("a", "x", "c1", "2024-01-01T00:00:00Z")],
    );
    low["severity"] = json!("low");
    low["blocking"] = json!(false);
    let doc = report(vec![low], 1, 0.0);
    assert!(!is_blocking(&merged(vec![doc.clone()])));
    let strict = merge(
        vec![shard(doc)],
        MergeOptions {
            fail_on: Some(Severity::Low),
        },
    );
    assert!(is_blocking(&strict));
}

#[test]
fn identical_findings_once_and_unnamed_ones_named_from_the_file() {
    let finding = json!({"rule": "example-rule", "severity": "high", "blocking": true,
        "path": "a.env", "line": 1, "column": 1, "end_column": 33, "commit": null,
        "secret": "abcd…", "fingerprint": "ff", "remediation": "r", "docs": "d"});
    let doc = json!({"version": 1, "findings": [finding], "credentials": [], "stats": {}});
    let same = merged(vec![doc.clone(), doc.clone()]);
    assert_eq!(same.findings.len(), 1);
    let named = merge(
        vec![
            Shard {
                document: parse(doc.clone()),
                repository: Some(repository_from_filename(Path::new("out/api.json"))),
            },
            Shard {
                document: parse(doc),
                repository: Some("web".into()),
            },
        ],
        MergeOptions::default(),
    );
    let names: Vec<_> = named
        .findings
        .iter()
        .map(|f| f.repository.as_deref())
        .collect();
    assert_eq!(
        names,
        [Some("api"), Some("web")],
        "two repositories, two findings"
    );
    let text = serde_json::to_value(&named.findings[0]).expect("serializes");
    assert_eq!(text["commit"], Value::Null, "null fields kept");
    assert_eq!(text["end_column"], 33);
}

#[test]
fn bad_reports_are_named_errors() {
    let path = Path::new("shard-7.json");
    let cases = [
        ("{", "is not JSON"),
        ("[1]", "is not a leakfence JSON report"),
        (r#"{"version": 2, "findings": []}"#, "version 2"),
        (r#"{"findings": []}"#, "version missing"),
        (
            r#"{"version": 1, "findings": [{"rule": 3}]}"#,
            "is not a leakfence JSON report",
        ),
        (
            r#"{"version": 1, "credentials": [{"rule": "r", "severity": "dire", "blocking": true,
                "fingerprint": "f", "secret": "s", "occurrences": []}]}"#,
            "unknown severity \"dire\"",
        ),
    ];
    for (text, expected) in cases {
        let error = Document::parse(text, path).expect_err(text).to_string();
        assert!(error.starts_with("shard-7.json"), "{error}");
        assert!(error.contains(expected), "{text}: {error}");
    }
}

#[test]
fn a_report_round_trips_unchanged() {
    let mut c = credential(
        "f",
        vec![occurrence("a", "x", "c1", "2024-01-01T00:00:00Z")],
    );
    c["future_field"] = json!({"kept": [1, 2]});
    let doc = report(vec![c], 1, 0.25);
    let mut with_extra = doc.clone();
    with_extra["generator"] = json!("leakfence 9");
    let out = merged(vec![with_extra.clone()]);
    assert_eq!(serde_json::to_value(&out).expect("serializes"), with_extra);
}
