//! `--format sarif`, `github` and `gitlab` end to end: every SARIF document validates against
//! the official SARIF 2.1.0 schema and every GitLab report against GitLab's secret detection
//! schema (both copied into `fixtures/schemas/`); GitHub and GitLab output is compared with
//! goldens in `fixtures/golden/` (`LEAKFENCE_BLESS=1` rewrites them); no output holds a secret
//! unless `--show-secrets` asks for it.
//!
//! Secrets are generated per run. Goldens hold placeholders instead: `{TOKEN_PREFIX}…` for the
//! redacted form of the generated Auth Token, `{COMMIT_2}` / `{COMMIT_2_SHORT}` for commit ids,
//! `{TIME}`, `{VERSION}`, `{URL}` and `{ID}` where the value is checked but not compared. The
//! rule table's prose is `{DESCRIPTION:rule-id}` / `{REMEDIATION:rule-id}` (read from
//! `leakfence rules`), so rewording a rule does not touch these goldens; the reporters' own
//! words, structure and escaping are what they pin.

use crate::common::repo::{TestDir, TestRepo};
use crate::common::{fixtures, secrets, Run};
use jsonschema::Validator;
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::process::Stdio;
use std::sync::OnceLock;

/// Characters of a secret that stay visible when it is redacted (`report::redact`).
const VISIBLE: usize = 4;

const FORMATS: [&str; 3] = ["sarif", "github", "gitlab"];

// ---------------------------------------------------------------------------------------------
// Schemas

/// The official SARIF schema's `language` patterns (two) have a lone `]`: a literal under ECMA-262's
/// Annex B, which the schema's authors relied on, but not a regex the `jsonschema` crate
/// accepts. The in-memory copy escapes it, which means the same; leakfence never writes
/// `language`, so nothing it writes is checked against this pattern anyway.
const SARIF_LANGUAGE_PATTERN: (&str, &str) = (
    r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#,
    r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#,
);

fn load_validator(file: &str) -> Validator {
    let path = fixtures().join("schemas").join(file);
    let mut text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if file.starts_with("sarif") {
        let (lone, escaped) = SARIF_LANGUAGE_PATTERN;
        assert_eq!(
            text.matches(lone).count(),
            2,
            "the known pattern quirk moved"
        );
        text = text.replace(lone, escaped);
    }
    let schema: Value = serde_json::from_str(&text).expect("schema is JSON");
    jsonschema::draft7::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{file} is not a usable Draft 7 schema: {e}"))
}

fn sarif_schema() -> &'static Validator {
    static SCHEMA: OnceLock<Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| load_validator("sarif-schema-2.1.0.json"))
}

fn gitlab_schema() -> &'static Validator {
    static SCHEMA: OnceLock<Validator> = OnceLock::new();
    SCHEMA.get_or_init(|| load_validator("secret-detection-report-format-15.2.1.json"))
}

fn assert_valid(schema: &Validator, doc: &Value, what: &str) {
    let errors: Vec<String> = schema
        .iter_errors(doc)
        .map(|e| format!("  at {}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate:\n{}\n{}",
        errors.join("\n"),
        serde_json::to_string_pretty(doc).unwrap()
    );
}

/// Parses a run's stdout as SARIF and validates it.
pub(crate) fn valid_sarif(run: &Run, what: &str) -> Value {
    let doc = run.json();
    assert_valid(sarif_schema(), &doc, what);
    doc
}

/// Parses a run's stdout as a GitLab report and validates it.
pub(crate) fn valid_gitlab(run: &Run, what: &str) -> Value {
    let doc = run.json();
    assert_valid(gitlab_schema(), &doc, what);
    doc
}

#[test]
fn the_schemas_are_the_official_files() {
    // Each fixture is a verbatim copy; see fixtures/schemas/README.md for the sources.
    let sarif = std::fs::read(fixtures().join("schemas/sarif-schema-2.1.0.json")).unwrap();
    assert_eq!(
        sarif.len(),
        112_320,
        "sarif-schema-2.1.0.json is not the official file"
    );
    let gitlab =
        std::fs::read(fixtures().join("schemas/secret-detection-report-format-15.2.1.json"))
            .unwrap();
    assert_eq!(
        gitlab.len(),
        35_599,
        "the GitLab schema is not the 15.2.1 file"
    );
    let gitlab: Value = serde_json::from_slice(&gitlab).unwrap();
    assert_eq!(gitlab["self"]["version"], "15.2.1");
    // Both build, and both reject what they must.
    assert!(!sarif_schema().is_valid(&serde_json::json!({"version": "2.1.0"})));
    assert!(!gitlab_schema().is_valid(&serde_json::json!({"version": "15.2.1"})));
}

// ---------------------------------------------------------------------------------------------
// Generated secrets and placeholders

/// Generated values, each with the placeholder its redacted form becomes in a golden.
struct Planted {
    values: Vec<(&'static str, String)>,
}

impl Planted {
    /// One value per name; regenerated until no two redacted forms are alike.
    fn new(names: &[&'static str]) -> Planted {
        loop {
            let values: Vec<(&'static str, String)> =
                names.iter().map(|&name| (name, generate(name))).collect();
            let prefixes: HashSet<String> = values.iter().map(|(_, v)| redacted(v)).collect();
            if prefixes.len() == values.len() {
                return Planted { values };
            }
        }
    }

    fn get(&self, name: &str) -> &str {
        &self
            .values
            .iter()
            .find(|(n, _)| *n == name)
            .unwrap_or_else(|| panic!("no {name}"))
            .1
    }

    /// `text` with each value's redacted form replaced by `{NAME_PREFIX}…`.
    fn substitute(&self, text: &str) -> String {
        self.values
            .iter()
            .fold(text.to_string(), |text, (name, value)| {
                text.replace(&redacted(value), &format!("{{{name}_PREFIX}}…"))
            })
    }

    /// Panics if any value appears in full.
    fn assert_absent(&self, text: &str, what: &str) {
        for (name, value) in &self.values {
            assert!(
                !text.contains(value.as_str()),
                "{what}: the {name} appears unredacted:\n{text}"
            );
        }
    }
}

fn generate(name: &str) -> String {
    match name {
        "TOKEN" | "TOKEN2" => secrets::auth_token(),
        "AC" => secrets::account_sid(),
        "SK" => secrets::api_key_sid(),
        "SECRET" => secrets::api_secret(),
        "JWT" => secrets::access_token(),
        _ => panic!("unknown value {name}"),
    }
}

fn redacted(value: &str) -> String {
    format!("{}…", value.chars().take(VISIBLE).collect::<String>())
}

/// Commit ids as `{COMMIT_n}` (full) and `{COMMIT_n_SHORT}` (12 characters).
fn substitute_commits(text: &str, commits: &[(&str, &str)]) -> String {
    let text = commits.iter().fold(text.to_string(), |text, (name, id)| {
        text.replace(id, &format!("{{{name}}}"))
    });
    commits.iter().fold(text, |text, (name, id)| {
        text.replace(&id[..12], &format!("{{{name}_SHORT}}"))
    })
}

/// Each rule's description and remediation as `leakfence rules` prints them.
fn rule_texts() -> &'static Vec<(String, String, String)> {
    static TEXTS: OnceLock<Vec<(String, String, String)>> = OnceLock::new();
    TEXTS.get_or_init(|| {
        let run = TestDir::new().run(&["rules"]);
        assert_eq!(run.code, 0, "{}", run.stderr);
        let texts: Vec<(String, String, String)> = run
            .stdout
            .split("\n\n")
            .filter(|block| !block.trim().is_empty())
            .map(|block| {
                let lines: Vec<&str> = block.lines().collect();
                assert_eq!(
                    lines.len(),
                    3,
                    "unexpected `leakfence rules` block:\n{block}"
                );
                let id = lines[0].split_whitespace().next().unwrap().to_string();
                (id, lines[1].trim().to_string(), lines[2].trim().to_string())
            })
            .collect();
        assert_eq!(texts.len(), 5, "{}", run.stdout);
        texts
    })
}

/// `text` with the rule table's prose replaced by placeholders.
fn substitute_rule_texts(text: &str) -> String {
    let text = rule_texts()
        .iter()
        .fold(text.to_string(), |text, (id, _, remediation)| {
            text.replace(remediation.as_str(), &format!("{{REMEDIATION:{id}}}"))
        });
    rule_texts()
        .iter()
        .fold(text, |text, (id, description, _)| {
            text.replace(description.as_str(), &format!("{{DESCRIPTION:{id}}}"))
        })
}

// ---------------------------------------------------------------------------------------------
// Goldens

/// Compares `actual` with `fixtures/golden/<name>`, or rewrites it under `LEAKFENCE_BLESS=1`.
fn assert_golden(name: &str, actual: &str) {
    let path = fixtures().join("golden").join(name);
    if std::env::var_os("LEAKFENCE_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with LEAKFENCE_BLESS=1 to create it)\nactual:\n{actual}",
            path.display()
        )
    });
    if expected != actual {
        let mut diff = String::new();
        let (e, a): (Vec<&str>, Vec<&str>) = (expected.lines().collect(), actual.lines().collect());
        for i in 0..e.len().max(a.len()) {
            match (e.get(i), a.get(i)) {
                (Some(x), Some(y)) if x == y => {}
                (x, y) => diff.push_str(&format!(
                    "line {}:\n  - {}\n  + {}\n",
                    i + 1,
                    x.unwrap_or(&"<none>"),
                    y.unwrap_or(&"<none>")
                )),
            }
        }
        panic!(
            "{} differs (LEAKFENCE_BLESS=1 rewrites it):\n{diff}\nactual:\n{actual}",
            path.display()
        );
    }
}

/// A GitLab report with its volatile fields checked and replaced by placeholders, and
/// `substitute` applied to every string in it.
fn normalize_gitlab(mut doc: Value, substitute: &dyn Fn(&str) -> String) -> String {
    for tool in ["analyzer", "scanner"] {
        let tool = &mut doc["scan"][tool];
        assert!(!tool["version"].as_str().unwrap().is_empty());
        tool["version"] = "{VERSION}".into();
        if tool.get("url").is_some() {
            tool["url"] = "{URL}".into();
        }
    }
    for key in ["start_time", "end_time"] {
        let time = doc["scan"][key].as_str().unwrap();
        assert_eq!(time.len(), 19, "{key}: {time}");
        assert_eq!(&time[10..11], "T", "{key}: {time}");
        doc["scan"][key] = "{TIME}".into();
    }
    let mut ids = HashSet::new();
    for v in doc["vulnerabilities"].as_array_mut().unwrap() {
        let id = v["id"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 36, "{id}");
        assert!(ids.insert(id.clone()), "duplicate id {id}");
        v["id"] = "{ID}".into();
    }
    map_strings(&mut doc, substitute);
    sort_keys(&mut doc);
    serde_json::to_string_pretty(&doc).unwrap() + "\n"
}

fn map_strings(value: &mut Value, f: &dyn Fn(&str) -> String) {
    match value {
        Value::String(text) => *text = f(text),
        Value::Object(map) => map.values_mut().for_each(|v| map_strings(v, f)),
        Value::Array(items) => items.iter_mut().for_each(|v| map_strings(v, f)),
        _ => {}
    }
}

/// Sorts object keys everywhere, so the golden does not depend on whether some dependency
/// turns on serde_json's `preserve_order`.
fn sort_keys(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.sort_keys();
            map.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------------
// Scenarios

/// A tree with one of each credential, a low-severity SID, and a path that needs escaping.
fn scan_tree() -> (TestDir, Planted) {
    let planted = Planted::new(&["TOKEN", "AC", "SK", "SECRET", "JWT"]);
    let dir = TestDir::new();
    dir.write(
        "config/.env",
        format!("# settings\nTWILIO_AUTH_TOKEN={}\n", planted.get("TOKEN")),
    );
    dir.write(
        "app/settings.py",
        format!(
            "TWILIO_ACCOUNT_SID = \"{}\"\nTWILIO_API_KEY = \"{}\"\nTWILIO_API_SECRET = \"{}\"\n",
            planted.get("AC"),
            planted.get("SK"),
            planted.get("SECRET")
        ),
    );
    dir.write(
        "odd dir/a,b:c%.js",
        format!("const token = \"{}\";\n", planted.get("JWT")),
    );
    dir.write("README.md", "nothing to see\n");
    (dir, planted)
}

/// History: a token added then removed, an API key SID still at HEAD, a token in a message.
struct History {
    repo: TestRepo,
    planted: Planted,
    commits: Vec<(&'static str, String)>,
}

fn history_repo() -> History {
    let planted = Planted::new(&["TOKEN", "SK", "TOKEN2"]);
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    repo.add(&["README.md"]);
    let first = repo.commit("first");
    repo.write(
        "config/app.env",
        format!("A=1\nTWILIO_AUTH_TOKEN={}\n", planted.get("TOKEN")),
    );
    repo.write(
        "keys.env",
        format!("TWILIO_API_KEY={}\n", planted.get("SK")),
    );
    repo.add(&["config/app.env", "keys.env"]);
    let leak = repo.commit("add config");
    repo.write("config/app.env", "A=1\n");
    repo.add(&["config/app.env"]);
    let removed = repo.commit("remove the token");
    let message = format!(
        "debugging\n\nused TWILIO_AUTH_TOKEN={}",
        planted.get("TOKEN2")
    );
    repo.git(&["commit", "-q", "--allow-empty", "-m", &message]);
    let in_message = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    History {
        repo,
        planted,
        commits: vec![
            ("COMMIT_1", first),
            ("COMMIT_2", leak),
            ("COMMIT_3", removed),
            ("COMMIT_4", in_message),
        ],
    }
}

impl History {
    fn substitute(&self, text: &str) -> String {
        let commits: Vec<(&str, &str)> = self
            .commits
            .iter()
            .map(|(name, id)| (*name, id.as_str()))
            .collect();
        substitute_commits(&self.planted.substitute(text), &commits)
    }
}

// ---------------------------------------------------------------------------------------------
// SARIF

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
            "twilio-access-token"
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
        5
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

// ---------------------------------------------------------------------------------------------
// GitHub and GitLab goldens

#[test]
fn github_scan_golden() {
    let (dir, planted) = scan_tree();
    let run = dir.run(&["scan", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    planted.assert_absent(&run.stdout, "GitHub scan output");
    let golden = substitute_rule_texts(&planted.substitute(&run.stdout));
    assert_golden("scan.github.txt", &golden);
}

#[test]
fn gitlab_scan_golden_and_schema() {
    let (dir, planted) = scan_tree();
    let run = dir.run(&["scan", "--format", "gitlab"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    planted.assert_absent(&run.stdout, "GitLab scan report");
    let doc = valid_gitlab(&run, "GitLab scan report");
    for v in doc["vulnerabilities"].as_array().unwrap() {
        assert_eq!(v["location"]["commit"]["sha"], "0000000");
    }
    let golden = normalize_gitlab(doc, &|text| {
        substitute_rule_texts(&planted.substitute(text))
    });
    assert_golden("scan.gitlab.json", &golden);
}

#[test]
fn github_history_golden() {
    let history = history_repo();
    let run = history.repo.run(&["history", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    history
        .planted
        .assert_absent(&run.stdout, "GitHub history output");
    let golden = substitute_rule_texts(&history.substitute(&run.stdout));
    assert_golden("history.github.txt", &golden);
}

#[test]
fn gitlab_history_golden_and_schema() {
    let history = history_repo();
    let run = history.repo.run(&["history", "--format", "gitlab"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    history
        .planted
        .assert_absent(&run.stdout, "GitLab history report");
    let doc = valid_gitlab(&run, "GitLab history report");
    let golden = normalize_gitlab(doc, &|text| {
        substitute_rule_texts(&history.substitute(text))
    });
    assert_golden("history.gitlab.json", &golden);
}

#[test]
fn gitlab_report_from_staged_is_valid() {
    let repo = TestRepo::new();
    let planted = Planted::new(&["SECRET"]);
    repo.write(
        "s.env",
        format!("TWILIO_API_SECRET={}\n", planted.get("SECRET")),
    );
    repo.add(&["s.env"]);
    let run = repo.run(&["staged", "--format", "gitlab"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = valid_gitlab(&run, "GitLab staged report");
    assert_eq!(doc["vulnerabilities"].as_array().unwrap().len(), 1);
    planted.assert_absent(&run.stdout, "GitLab staged report");
}

// ---------------------------------------------------------------------------------------------
// Redaction

#[test]
fn secrets_appear_only_with_show_secrets() {
    let (dir, planted) = scan_tree();
    let history = history_repo();
    for format in FORMATS {
        let hidden = dir.run(&["scan", "--format", format]);
        planted.assert_absent(&hidden.stdout, &format!("scan --format {format}"));
        let shown = dir.run(&["scan", "--format", format, "--show-secrets"]);
        assert_eq!(shown.code, 1, "{}", shown.stderr);
        for (name, value) in &planted.values {
            assert!(
                shown.stdout.contains(value.as_str()),
                "scan --format {format} --show-secrets does not show the {name}:\n{}",
                shown.stdout
            );
        }

        let hidden = history.repo.run(&["history", "--format", format]);
        history
            .planted
            .assert_absent(&hidden.stdout, &format!("history --format {format}"));
        let shown = history
            .repo
            .run(&["history", "--format", format, "--show-secrets"]);
        for (name, value) in &history.planted.values {
            assert!(
                shown.stdout.contains(value.as_str()),
                "history --format {format} --show-secrets does not show the {name}:\n{}",
                shown.stdout
            );
        }
    }
}
