//! SARIF end to end: documents from `scan`, `staged`, `history` and standard input validate
//! against the official SARIF 2.1.0 schema and agree with the JSON report.

use super::*;

/// Checks each result against the JSON report of the same scan and the rule table.
fn assert_results_match_json(sarif: &Value, json: &Value) {
    let run = &sarif["runs"][0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "leakfence");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "twilio-account-sid",
            "twilio-api-key-sid",
            "twilio-auth-token",
            "twilio-api-key-secret",
            "twilio-access-token",
            "sendgrid-api-key",
            "segment-api-token",
            "twilio-oauth-client-id",
            "twilio-oauth-client-secret"
        ]
    );
    for rule in rules {
        let properties = &rule["properties"];
        let score: f64 = properties["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((0.0..=10.0).contains(&score), "{rule}");
        let tags = properties["tags"].as_array().unwrap();
        assert!(tags.contains(&"security".into()) && tags.contains(&"secret".into()));
        assert!(rule["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("What to do"));
    }
    let results = run["results"].as_array().unwrap();
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (result, finding) in results.iter().zip(findings) {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(result["ruleId"], finding["rule"]);
        assert_eq!(rules[index]["id"], finding["rule"]);
        let expected_level = match finding["severity"].as_str().unwrap() {
            "high" => "error",
            "medium" => "warning",
            _ => "note",
        };
        assert_eq!(result["level"], expected_level);
        let physical = &result["locations"][0]["physicalLocation"];
        let region = &physical["region"];
        assert_eq!(region["startLine"], finding["line"]);
        assert_eq!(region["startColumn"], finding["column"]);
        assert_eq!(region["endColumn"], finding["end_column"]);
        assert_eq!(
            result["partialFingerprints"]["leakfence/v1"],
            finding["fingerprint"]
        );
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        if finding["path"] == "commit-message" {
            assert_eq!(uri, "commit-message");
        } else {
            assert_eq!(physical["artifactLocation"]["uriBaseId"], "%SRCROOT%");
            assert_eq!(percent_decode(uri), finding["path"].as_str().unwrap());
        }
        if let Some(commit) = finding["commit"].as_str() {
            let properties = &result["properties"];
            assert_eq!(properties["commit"], commit);
            assert_eq!(properties["author"], finding["author"]);
            assert_eq!(properties["email"], finding["email"]);
            assert_eq!(properties["date"], finding["date"]);
            assert_eq!(properties["in_head"], finding["in_head"]);
        } else {
            assert!(result.get("properties").is_none(), "{result}");
        }
    }
}

fn percent_decode(uri: &str) -> String {
    let bytes = uri.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[test]
fn sarif_from_scan_is_valid_and_agrees_with_json() {
    let (dir, planted) = scan_tree();
    let run = dir.run(&["scan", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = valid_sarif(&run, "scan SARIF");
    let json = dir.run(&["scan", "--format", "json"]).json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 5, "{json}");
    assert_results_match_json(&sarif, &json);
    let uris: Vec<&str> = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert!(uris.contains(&"odd%20dir/a,b%3Ac%25.js"), "{uris:?}");
    planted.assert_absent(&run.stdout, "scan SARIF");
}

#[test]
fn sarif_from_staged_is_valid() {
    let repo = TestRepo::new();
    let planted = Planted::new(&["TOKEN"]);
    repo.write("README.md", "hello\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    repo.write(
        "deploy/prod.env",
        format!("A=1\nTWILIO_AUTH_TOKEN={}\n", planted.get("TOKEN")),
    );
    repo.add(&["deploy/prod.env"]);
    let run = repo.run(&["staged", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = valid_sarif(&run, "staged SARIF");
    let json = repo.run(&["staged", "--format", "json"]).json();
    assert_eq!(json["findings"].as_array().unwrap().len(), 1, "{json}");
    assert_results_match_json(&sarif, &json);
    planted.assert_absent(&run.stdout, "staged SARIF");
}

#[test]
fn sarif_from_history_with_a_commit_message_finding_is_valid() {
    let history = history_repo();
    let run = history.repo.run(&["history", "--format", "sarif"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let sarif = valid_sarif(&run, "history SARIF");
    let json = history.repo.run(&["history", "--format", "json"]).json();
    let paths: Vec<&str> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"commit-message"), "{paths:?}");
    assert_eq!(paths.len(), 3, "{json}");
    assert_results_match_json(&sarif, &json);
    let message_result = sarif["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| {
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "commit-message"
        })
        .unwrap();
    assert_eq!(
        message_result["locations"][0]["logicalLocations"][0]["name"],
        "commit-message"
    );
    history.planted.assert_absent(&run.stdout, "history SARIF");
}

#[test]
fn no_findings_give_valid_empty_reports() {
    let dir = TestDir::new();
    dir.write("src/main.py", "print('hello')\n");
    let sarif = dir.run(&["scan", "--format", "sarif"]);
    assert_eq!(sarif.code, 0, "{}", sarif.stderr);
    let doc = valid_sarif(&sarif, "empty SARIF");
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        doc["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        leakfence::finding::RuleId::all().count()
    );
    let gitlab = dir.run(&["scan", "--format", "gitlab"]);
    assert_eq!(gitlab.code, 0, "{}", gitlab.stderr);
    let doc = valid_gitlab(&gitlab, "empty GitLab report");
    assert_eq!(doc["vulnerabilities"], serde_json::json!([]));
    let github = dir.run(&["scan", "--format", "github"]);
    assert_eq!(github.code, 0, "{}", github.stderr);
    assert_eq!(
        github.stdout,
        "::notice title=leakfence::no findings in 1 file\n"
    );
}

#[test]
fn sarif_from_stdin_is_valid() {
    let dir = TestDir::new();
    let planted = Planted::new(&["TOKEN"]);
    let mut child = dir
        .leakfence()
        .args(["scan", "-", "--format", "sarif"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let text = format!("TWILIO_AUTH_TOKEN={}\n", planted.get("TOKEN"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let run = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = valid_sarif(&run, "stdin SARIF");
    assert_eq!(
        doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "%3Cstdin%3E"
    );
}

#[test]
fn severity_overrides_set_levels_and_commands() {
    let dir = TestDir::new();
    let planted = Planted::new(&["SK"]);
    dir.write("app.py", format!("KEY = '{}'\n", planted.get("SK")));
    dir.write(
        ".leakfence.toml",
        "[severity]\ntwilio-api-key-sid = \"medium\"\n",
    );
    let sarif = dir.run(&["scan", "--format", "sarif"]);
    assert_eq!(sarif.code, 0, "medium does not block: {}", sarif.stderr);
    let doc = valid_sarif(&sarif, "SARIF with a medium finding");
    assert_eq!(doc["runs"][0]["results"][0]["level"], "warning");
    let github = dir.run(&["scan", "--format", "github"]);
    assert!(
        github.stdout.starts_with("::warning file=app.py,"),
        "{}",
        github.stdout
    );
    let gitlab = dir.run(&["scan", "--format", "gitlab"]);
    let doc = valid_gitlab(&gitlab, "GitLab report with a medium finding");
    assert_eq!(doc["vulnerabilities"][0]["severity"], "Medium");
    let blocking = dir.run(&["scan", "--format", "github", "--fail-on", "medium"]);
    assert!(
        blocking.stdout.starts_with("::error file=app.py,"),
        "{}",
        blocking.stdout
    );
}
