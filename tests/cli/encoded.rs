//! Encoded and split credentials end to end: base64 (`Authorization: Basic`, Kubernetes
//! `Secret` data, Docker `auth`, nested), percent escapes, `\u`/`\x` escapes, joined literals,
//! continued lines and wide text without a byte-order mark, in `scan`, `staged` and `history`.
//!
//! Every value is generated and encoded at run time: nothing encoded is committed.

use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::Rng;
use std::collections::BTreeSet;

/// One run's credentials.
struct Values {
    ac: String,
    token: String,
    sk: String,
    secret: String,
}

impl Values {
    fn new() -> Values {
        Values {
            ac: secrets::account_sid(),
            token: secrets::auth_token(),
            sk: secrets::api_key_sid(),
            secret: secrets::api_secret(),
        }
    }

    fn all(&self) -> [&str; 4] {
        [&self.ac, &self.token, &self.sk, &self.secret]
    }
}

fn b64(text: &str) -> String {
    STANDARD.encode(text)
}

fn percent_all(text: &str) -> String {
    text.bytes().map(|b| format!("%{b:02X}")).collect()
}

fn hex_escapes(text: &str) -> String {
    text.bytes().map(|b| format!("\\x{b:02x}")).collect()
}

fn unicode_escapes(text: &str) -> String {
    text.bytes().map(|b| format!("\\u{b:04x}")).collect()
}

fn utf16le(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn utf16be(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

fn utf32be(text: &str) -> Vec<u8> {
    text.chars()
        .flat_map(|c| u32::from(c).to_be_bytes())
        .collect()
}

/// `(rule, path, line, column, decoded)` of every finding of a JSON report.
fn marked(run: &Run) -> BTreeSet<(String, String, u64, u64, String)> {
    let doc = run.json();
    let decoded = doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            f.get("decoded")
                .map_or("plain".to_string(), |d| d.as_str().unwrap().to_string())
        });
    run.findings()
        .into_iter()
        .zip(decoded)
        .map(|((rule, path, line, column), decoded)| (rule, path, line, column, decoded))
        .collect()
}

/// 1-based line and column of `needle` in `text` (ASCII before it).
fn position(text: &str, needle: &str) -> (u64, u64) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in {text}"));
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line as u64, column as u64)
}

/// What one file holds and the findings it must give.
struct Case {
    path: &'static str,
    bytes: Vec<u8>,
    expected: Vec<(&'static str, (u64, u64), &'static str)>,
    /// Encoded texts that are as secret as the values: never printed redacted or not.
    encoded: Vec<String>,
}

fn text_case(
    path: &'static str,
    text: String,
    expected: Vec<(&'static str, &str, &'static str)>,
) -> Case {
    let expected = expected
        .into_iter()
        .map(|(rule, needle, decoded)| (rule, position(&text, needle), decoded))
        .collect();
    Case {
        path,
        encoded: Vec::new(),
        bytes: text.into_bytes(),
        expected,
    }
}

fn positives(v: &Values) -> Vec<Case> {
    let (ac, token, sk, secret) = (&v.ac, &v.token, &v.sk, &v.secret);
    let basic = b64(&format!("{ac}:{token}"));
    let key_basic = b64(&format!("{sk}:{secret}"));
    let docker = b64(&format!(
        "{{\"auths\":{{\"registry.example\":{{\"auth\":\"{}\"}}}}}}",
        b64(&format!("{ac}:{token}"))
    ));
    let (sid_value, token_value) = (b64(ac), b64(token));
    let docker_auth = b64(&format!("{sk}:{secret}"));
    let url_token = percent_all(token);
    let escaped_token = unicode_escapes(token);
    let hex_token = hex_escapes(token);
    let mut cases = vec![
        text_case(
            "basic.sh",
            format!("curl -H \"Authorization: Basic {basic}\" https://api.twilio.com/\n"),
            vec![
                ("twilio-account-sid", &basic, "base64"),
                ("twilio-auth-token", &basic, "base64"),
            ],
        ),
        text_case(
            "headers.txt",
            format!("GET /v2/Services\nAUTHORIZATION: BASIC {key_basic}\n"),
            vec![
                ("twilio-api-key-sid", &key_basic, "base64"),
                ("twilio-api-key-secret", &key_basic, "base64"),
            ],
        ),
        text_case(
            "k8s/secret.yaml",
            format!(
                "apiVersion: v1\nkind: Secret\nmetadata:\n  name: twilio\ntype: Opaque\ndata:\n  \
                 TWILIO_ACCOUNT_SID: {sid_value}\n  TWILIO_AUTH_TOKEN: \"{token_value}\"\n---\n\
                 apiVersion: v1\nkind: Secret\ntype: kubernetes.io/dockerconfigjson\ndata:\n  \
                 .dockerconfigjson: {docker}\n"
            ),
            vec![
                ("twilio-account-sid", &sid_value, "base64"),
                ("twilio-auth-token", &token_value, "base64"),
                ("twilio-account-sid", &docker, "base64"),
                ("twilio-auth-token", &docker, "base64"),
            ],
        ),
        text_case(
            "docker/config.json",
            format!(
                "{{\n  \"auths\": {{\n    \"registry.example\": {{\n      \"auth\": \"{docker_auth}\"\n    }}\n  }}\n}}\n"
            ),
            vec![
                ("twilio-api-key-sid", &docker_auth, "base64"),
                ("twilio-api-key-secret", &docker_auth, "base64"),
            ],
        ),
        text_case(
            "url.txt",
            format!(
                "TWILIO_URL=https://{ac}%3A{token}@api.twilio.com/2010-04-01\n\
                 body=AccountSid%3D{ac}%26AuthToken%3D{url_token}\n"
            ),
            vec![
                ("twilio-account-sid", ac, "plain"),
                ("twilio-auth-token", &format!("{token}@"), "percent"),
                ("twilio-account-sid", &format!("{ac}%26"), "percent"),
                ("twilio-auth-token", &url_token, "percent"),
            ],
        ),
        text_case(
            "config.json",
            format!("{{\"account_sid\": \"{ac}\", \"auth_token\": \"{escaped_token}\"}}\n"),
            vec![
                ("twilio-account-sid", ac, "plain"),
                ("twilio-auth-token", &escaped_token, "unicode-escape"),
            ],
        ),
        text_case(
            "settings.py",
            format!("ACCOUNT_SID = \"{ac}\"\nAUTH_TOKEN = b\"{hex_token}\"\n"),
            vec![
                ("twilio-account-sid", ac, "plain"),
                ("twilio-auth-token", &hex_token, "hex-escape"),
            ],
        ),
        text_case(
            "client.js",
            format!(
                "const accountSid = \"{ac}\";\nconst authToken = \"{}\" + \"{}\" +\n    \"{}\";\n",
                &token[..10],
                &token[10..20],
                &token[20..]
            ),
            vec![
                ("twilio-account-sid", ac, "plain"),
                ("twilio-auth-token", &token[..10], "concatenation"),
            ],
        ),
        text_case(
            "client.py",
            format!(
                "TWILIO_ACCOUNT_SID = \"{}\" \"{}\"\nTWILIO_AUTH_TOKEN = (\"{}\"\n                     \"{}\")\n",
                &ac[..12],
                &ac[12..],
                &token[..16],
                &token[16..]
            ),
            vec![
                ("twilio-account-sid", &ac[..12], "concatenation"),
                ("twilio-auth-token", &token[..16], "concatenation"),
            ],
        ),
        text_case(
            "env.sh",
            format!(
                "export TWILIO_ACCOUNT_SID={ac}\nexport TWILIO_AUTH_TOKEN=\"{}\\\n{}\"\n",
                &token[..16],
                &token[16..]
            ),
            vec![
                ("twilio-account-sid", ac, "plain"),
                ("twilio-auth-token", &token[..16], "concatenation"),
            ],
        ),
    ];
    for case in &mut cases {
        case.encoded = [
            &basic,
            &key_basic,
            &docker,
            &sid_value,
            &token_value,
            &docker_auth,
        ]
        .into_iter()
        .chain([&url_token, &escaped_token, &hex_token])
        .cloned()
        .collect();
    }
    // Wide text: positions are the decoded text's.
    let wide = format!("TWILIO_ACCOUNT_SID={ac}\r\nTWILIO_AUTH_TOKEN={token}\r\n");
    for (path, bytes, name) in [
        ("wide/le.env", utf16le(&wide), "utf-16le"),
        ("wide/be.env", utf16be(&wide), "utf-16be"),
        ("wide/32.env", utf32be(&wide), "utf-32be"),
    ] {
        cases.push(Case {
            path,
            bytes,
            expected: vec![
                ("twilio-account-sid", (1, 20), name),
                ("twilio-auth-token", (2, 19), name),
            ],
            encoded: Vec::new(),
        });
    }
    cases
}

/// Encoded look-alikes that are not credentials.
fn negatives() -> Vec<(&'static str, Vec<u8>)> {
    let mut rng = rand::rng();
    let garbage: Vec<u8> = (0..48).map(|_| rng.random()).collect();
    let placeholder = b64(&format!("AC{}:your_auth_token", "x".repeat(32)));
    let docs_example = b64(&format!("AC{}:{}", "a".repeat(32), "b".repeat(32)));
    vec![
        (
            "neg/curl.sh",
            format!(
                "curl -H 'Authorization: Basic {}'\ncurl -H 'Authorization: Basic {placeholder}'\n\
                 curl -H 'Authorization: Basic {docs_example}'\n",
                STANDARD.encode(&garbage)
            )
            .into_bytes(),
        ),
        (
            "neg/secret.yaml",
            format!(
                "kind: Secret\ndata:\n  TWILIO_AUTH_TOKEN: {}\n  OTHER: {placeholder}\n",
                STANDARD.encode(&garbage)
            )
            .into_bytes(),
        ),
        (
            "neg/notes.txt",
            utf16le("Notes without credentials\r\nsecond line, twilio docs\r\n"),
        ),
        (
            "neg/code.rs",
            b"link!(\"secur32.dll\" \"system\" fn f());\nlet s = \"%3A%40\\x41\\u0042\";\n"
                .to_vec(),
        ),
    ]
}

fn write_all(dir: &TestDir, cases: &[Case]) {
    for case in cases {
        dir.write(case.path, &case.bytes);
    }
}

fn expected_of(cases: &[Case]) -> BTreeSet<(String, String, u64, u64, String)> {
    cases
        .iter()
        .flat_map(|case| {
            case.expected
                .iter()
                .map(move |&(rule, (line, column), decoded)| {
                    (
                        rule.to_string(),
                        case.path.to_string(),
                        line,
                        column,
                        decoded.to_string(),
                    )
                })
        })
        .collect()
}

#[test]
fn encoded_credentials_are_found_at_their_encoded_text() {
    let values = Values::new();
    let cases = positives(&values);
    let dir = TestDir::new();
    write_all(&dir, &cases);
    for (path, bytes) in negatives() {
        dir.write(path, bytes);
    }
    let run = dir.run(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let found = marked(&run);
    let expected = expected_of(&cases);
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "missing {missing:#?}\nextra {extra:#?}"
    );
    // Every file is text, the wide ones too.
    assert_eq!(run.json()["stats"]["binary_skipped"], 0);
}

#[test]
fn nothing_secret_is_printed_in_any_format() {
    let values = Values::new();
    let cases = positives(&values);
    let dir = TestDir::new();
    write_all(&dir, &cases);
    let encoded = &cases[0].encoded;
    for format in ["human", "json", "sarif", "github", "gitlab"] {
        let run = dir.run(&["scan", "--format", format]);
        assert_eq!(run.code, 1, "{format}: {}", run.stderr);
        for secret in values
            .all()
            .into_iter()
            .chain(encoded.iter().map(String::as_str))
        {
            assert!(
                !run.stdout.contains(secret) && !run.stderr.contains(secret),
                "{format} printed a secret or its encoded form"
            );
        }
    }
    let human = dir.run(&["scan"]).stdout;
    assert!(human.contains("(decoded from base64)"), "{human}");
    assert!(human.contains("(decoded from UTF-16LE text)"), "{human}");
    assert!(human.contains("= decoded value: "), "{human}");
    let sarif = dir.run(&["scan", "--format", "sarif"]).json();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(results
        .iter()
        .any(|r| r["properties"]["decoded"] == "concatenation"));
    // With --show-secrets the decoded value is shown.
    let shown = dir
        .run(&["scan", "--format", "json", "--show-secrets"])
        .stdout;
    assert!(shown.contains(&values.token) && shown.contains(&values.secret));
}

#[test]
fn plain_findings_have_no_decoded_field() {
    let dir = TestDir::new();
    dir.write(
        ".env",
        format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token()),
    );
    let run = dir.run(&["scan", "--format", "json"]);
    let finding = &run.json()["findings"][0];
    assert!(finding.get("decoded").is_none(), "{finding}");
}

#[test]
fn a_baseline_entry_for_the_value_covers_its_encoded_form() {
    let token = secrets::auth_token();
    let dir = TestDir::new();
    dir.write(
        "deploy/secret.yaml",
        format!("TWILIO_AUTH_TOKEN: {token}\n"),
    );
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let write = dir.run(&["scan", "--write-baseline", baseline]);
    assert_eq!(write.code, 0, "{}", write.stderr);
    let plain = dir.run(&["scan", "--format", "json"]).json()["findings"][0]["fingerprint"].clone();
    dir.write(
        "deploy/secret.yaml",
        format!(
            "kind: Secret\ndata:\n  TWILIO_AUTH_TOKEN: {}\n",
            b64(&token)
        ),
    );
    let encoded = dir.run(&["scan", "--format", "json"]);
    let finding = &encoded.json()["findings"][0];
    assert_eq!(finding["decoded"], "base64");
    assert_eq!(
        finding["fingerprint"], plain,
        "the decoded secret's fingerprint"
    );
    assert_eq!(dir.run(&["scan", "--baseline", baseline]).code, 0);
}

#[test]
fn a_deeply_nested_value_is_not_decoded_past_the_limit() {
    let values = Values::new();
    let mut value = format!("{}:{}", values.ac, values.token);
    for _ in 0..8 {
        value = format!("{{\"auth\":\"{}\"}}", b64(&value));
    }
    let dir = TestDir::new();
    dir.write(
        "k.yaml",
        format!(
            "kind: Secret\ndata:\n  .dockerconfigjson: {}\n",
            b64(&value)
        ),
    );
    // A large input of triggers and nothing else finishes quickly.
    let noise = "data: \"auths\" Basic QUM %3A \\x41 \"a\" + \"b\" \\\n".repeat(20_000);
    dir.write("noise.txt", format!("kind: Secret # twilio\n{noise}"));
    let run = Run::within(
        dir.leakfence().args(["scan", "--format", "json"]),
        std::time::Duration::from_secs(20),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.json()["findings"].as_array().unwrap().is_empty());
}

#[test]
fn staged_changes_and_history_find_encoded_credentials() {
    let values = Values::new();
    let repo = TestRepo::new();
    let basic = b64(&format!("{}:{}", values.ac, values.token));
    let text = format!("curl -H 'Authorization: Basic {basic}' https://api.twilio.com/\n");
    repo.write("scripts/call.sh", &text);
    repo.write(
        "wide.env",
        utf16le(&format!("TWILIO_AUTH_TOKEN={}\r\n", values.token)),
    );
    repo.add(&["scripts/call.sh", "wide.env"]);
    let staged = repo.run(&["staged", "--format", "json"]);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    let (line, column) = position(&text, &basic);
    let found = marked(&staged);
    for expected in [
        (
            "twilio-auth-token",
            "scripts/call.sh",
            line,
            column,
            "base64",
        ),
        ("twilio-auth-token", "wide.env", 1, 19, "utf-16le"),
    ] {
        let expected = (
            expected.0.to_string(),
            expected.1.to_string(),
            expected.2,
            expected.3,
            expected.4.to_string(),
        );
        assert!(found.contains(&expected), "{expected:?} not in {found:?}");
    }

    let commit = repo.commit("call the API");
    let history = repo.run(&["history", "--format", "json"]);
    assert_eq!(history.code, 1, "{}", history.stderr);
    let doc = history.json();
    let findings = doc["findings"].as_array().unwrap();
    let token = findings
        .iter()
        .find(|f| f["rule"] == "twilio-auth-token" && f["path"] == "scripts/call.sh")
        .expect("the token in history");
    assert_eq!(token["decoded"], "base64");
    assert_eq!(token["commit"], commit.as_str());
    assert_eq!(token["in_head"], true, "the encoded text is still at HEAD");
    let wide = findings
        .iter()
        .find(|f| f["path"] == "wide.env")
        .expect("the wide file in history");
    assert_eq!(wide["decoded"], "utf-16le");
    assert_eq!(wide["in_head"], true);
}
