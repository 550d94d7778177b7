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

use crate::common::golden;
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{fixtures, secrets, Run};
use jsonschema::Validator;
use serde_json::Value;
use std::collections::HashSet;
use std::io::Write;
use std::process::Stdio;
use std::sync::OnceLock;

/// Characters of a secret that stay visible when it is redacted (`redact`).
const VISIBLE: usize = 4;

const FORMATS: [&str; 3] = ["sarif", "github", "gitlab"];

mod sarif;

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
        assert_eq!(
            texts.len(),
            leakfence::finding::RuleId::all().count(),
            "{}",
            run.stdout
        );
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
    // Credential identifiers are digests of random secrets: numbered in order of appearance,
    // so the golden still shows which vulnerabilities are one credential.
    let mut credentials: Vec<String> = Vec::new();
    for v in doc["vulnerabilities"].as_array_mut().unwrap() {
        let id = v["id"].as_str().unwrap().to_string();
        assert_eq!(id.len(), 36, "{id}");
        assert!(ids.insert(id.clone()), "duplicate id {id}");
        v["id"] = "{ID}".into();
        for identifier in v["identifiers"].as_array_mut().unwrap() {
            if identifier["type"] != "leakfence_credential" {
                continue;
            }
            let value = identifier["value"].as_str().unwrap().to_string();
            assert_eq!(value.len(), 64, "{value}");
            let name = identifier["name"].as_str().unwrap();
            assert_eq!(name, format!("leakfence credential {}", &value[..12]));
            let n = match credentials.iter().position(|c| *c == value) {
                Some(at) => at + 1,
                None => {
                    credentials.push(value);
                    credentials.len()
                }
            };
            identifier["value"] = format!("{{CREDENTIAL-{n}}}").into();
            identifier["name"] = format!("leakfence credential {{CREDENTIAL-{n}-SHORT}}").into();
        }
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
// GitHub and GitLab goldens

#[test]
fn github_scan_golden() {
    let (dir, planted) = scan_tree();
    let run = dir.run(&["scan", "--format", "github"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    planted.assert_absent(&run.stdout, "GitHub scan output");
    let golden = substitute_rule_texts(&planted.substitute(&run.stdout));
    golden::assert_file("scan.github.txt", &golden);
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
    golden::assert_file("scan.gitlab.json", &golden);
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
    golden::assert_file("history.github.txt", &golden);
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
    golden::assert_file("history.gitlab.json", &golden);
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
