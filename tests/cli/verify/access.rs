//! What a live credential reaches (`--verify`): account type, status and name, main account
//! and subaccounts, the kind of an API key; asked with GET requests only, only for what is
//! live, and without a single Auth Token of the account list reaching any output.

use super::{
    account_case, key_case, run_verify, Behaviour, Case, ListAnswer, MockTwilio, Profile, Seen,
    ACCOUNT_LIST, MAIN,
};
use crate::common::repo::TestDir;
use base64::Engine;
use serde_json::Value;
use std::collections::HashMap;

fn profile(kind: &'static str, main: bool, subaccounts: usize, name: &'static str) -> Profile {
    Profile {
        kind,
        main,
        subaccounts,
        name,
        list: ListAnswer::Page,
    }
}

fn write_cases(dir: &TestDir, cases: &[Case]) {
    for case in cases {
        let (user_name, secret_name) = if case.user.starts_with("AC") {
            ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
        } else {
            ("TWILIO_API_KEY", "TWILIO_API_SECRET")
        };
        dir.write(
            case.file,
            format!("{user_name}={}\n{secret_name}={}\n", case.user, case.secret),
        );
    }
}

fn mock_for(cases: &[Case]) -> MockTwilio {
    MockTwilio::start(
        cases
            .iter()
            .map(|c| (c.secret.clone(), c.behaviour))
            .collect::<HashMap<_, _>>(),
    )
}

/// The `verification` of the secret's finding in `file`.
fn verification(doc: &Value, file: &str) -> Value {
    doc["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| {
            f["path"] == file
                && matches!(
                    f["rule"].as_str(),
                    Some("twilio-auth-token" | "twilio-api-key-secret")
                )
        })
        .unwrap_or_else(|| panic!("no secret finding in {file}: {doc}"))["verification"]
        .clone()
}

/// `(method, path)` of every request made with this case's credentials.
fn requests_of(mock: &MockTwilio, case: &Case) -> Vec<(String, String)> {
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", case.user, case.secret))
    );
    mock.requests()
        .into_iter()
        .filter(|r: &Seen| r.authorization == auth)
        .map(|r| (r.method, r.path))
        .collect()
}

fn get(path: &str) -> (String, String) {
    ("GET".to_string(), path.to_string())
}

#[test]
fn live_credentials_say_what_they_reach_and_invalid_ones_are_not_asked() {
    let cases = vec![
        account_case(
            "main.env",
            Behaviour::Live(profile("Full", true, 3, "Acme prod")),
            "live",
        ),
        account_case(
            "sub.env",
            Behaviour::Live(profile("Full", false, 0, "Acme \\u001b[2Jstaging\\u202e")),
            "live",
        ),
        account_case(
            "trial.env",
            Behaviour::Live(profile("Trial", true, 0, "me@example.com")),
            "live",
        ),
        account_case(
            "many.env",
            Behaviour::Live(profile("Full", true, 150, "Reseller")),
            "live",
        ),
        account_case("invalid.env", Behaviour::Unauthorized(20003), "invalid"),
        key_case("key-main.env", Behaviour::Ok, "live"),
        key_case(
            "key-standard.env",
            Behaviour::Live(Profile {
                list: ListAnswer::Unauthorized,
                ..MAIN
            }),
            "live",
        ),
        key_case(
            "key-restricted.env",
            Behaviour::Forbidden(Some(70051)),
            "live",
        ),
        key_case("key-invalid.env", Behaviour::Unauthorized(20003), "invalid"),
    ];
    let mock = mock_for(&cases);
    let dir = TestDir::new();
    write_cases(&dir, &cases);

    let run = run_verify(&dir, &mock, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let access = |file: &str| verification(&doc, file)["access"].clone();
    let expected = [
        (
            "main.env",
            r#"{"account_type":"Full","account_status":"active","friendly_name":"Acme prod","main_account":true,"subaccounts":3,"subaccounts_more":false}"#,
        ),
        (
            "sub.env",
            r#"{"account_type":"Full","account_status":"active","friendly_name":"Acme \\u{1b}[2Jstaging\\u{202e}","main_account":false}"#,
        ),
        (
            "trial.env",
            r#"{"account_type":"Trial","account_status":"active","friendly_name":"…@example.com","main_account":true,"subaccounts":0,"subaccounts_more":false}"#,
        ),
        // One page of 100 accounts is read: the account itself and 99 of its subaccounts.
        (
            "many.env",
            r#"{"account_type":"Full","account_status":"active","friendly_name":"Reseller","main_account":true,"subaccounts":99,"subaccounts_more":true}"#,
        ),
        (
            "key-main.env",
            r#"{"key_type":"main","account_type":"Full","account_status":"active","friendly_name":"Mock account","main_account":true,"subaccounts":0,"subaccounts_more":false,"restricted":false}"#,
        ),
        ("key-standard.env", r#"{"key_type":"standard"}"#),
        (
            "key-restricted.env",
            r#"{"key_type":"restricted","restricted":true}"#,
        ),
    ];
    for (file, json) in expected {
        let want: Value = serde_json::from_str(json).expect("expected access");
        assert_eq!(access(file), want, "{file}");
        assert_eq!(verification(&doc, file)["status"], "live", "{file}");
    }
    for file in ["invalid.env", "key-invalid.env"] {
        assert_eq!(verification(&doc, file)["status"], "invalid");
        assert!(verification(&doc, file).get("access").is_none(), "{file}");
    }

    // Exactly these requests, all GET: the account list only for a main account or a key
    // that is not restricted, nothing more for what is invalid.
    let services = "/v2/Services?PageSize=1";
    for case in &cases {
        let resource = format!("/2010-04-01/Accounts/{}.json", case.user);
        let want = match case.file {
            "main.env" | "trial.env" | "many.env" => vec![get(&resource), get(ACCOUNT_LIST)],
            "sub.env" | "invalid.env" => vec![get(&resource)],
            "key-main.env" | "key-standard.env" => vec![get(services), get(ACCOUNT_LIST)],
            _ => vec![get(services)],
        };
        assert_eq!(requests_of(&mock, case), want, "{}", case.file);
    }

    let human = run_verify(&dir, &mock, &["--format", "human", "--color", "never"]);
    for line in [
        r#"= verified: live — Full account "Acme prod", active, main account with 3 subaccounts"#,
        r#"= verified: live — Full account "Acme \u{1b}[2Jstaging\u{202e}", active, a subaccount"#,
        r#"= verified: live — Trial account "…@example.com", active, main account without subaccounts"#,
        "main account with 99+ subaccounts",
        r#"= verified: live — main API key of Full account "Mock account", active"#,
        "= verified: live — standard API key",
        "= verified: live — restricted API key",
    ] {
        assert!(human.stdout.contains(line), "{line}\n{}", human.stdout);
    }
    assert!(!human.stdout.contains('\u{1b}') && !human.stdout.contains('\u{202e}'));

    let sarif = run_verify(&dir, &mock, &["--format", "sarif"]).json();
    let reached: Vec<&Value> = sarif["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .filter_map(|r| r["properties"]["verification"].get("access"))
        .collect();
    assert!(
        reached.iter().any(|a| a["subaccounts"] == 3),
        "SARIF carries access: {reached:?}"
    );
    for format in ["github", "gitlab"] {
        let run = run_verify(&dir, &mock, &["--format", format]);
        assert!(
            run.stdout
                .contains(r#"live — Full account "Acme prod", active, main account with 3"#)
                || run
                    .stdout
                    .contains(r#"live — Full account \"Acme prod\", active, main account with 3"#),
            "{format}: {}",
            run.stdout
        );
    }

    // Every account body held Auth Tokens (the credential's own, the subaccounts'): none of
    // them, nor anything else of a body, reaches any output.
    for format in ["json", "human", "sarif", "github", "gitlab"] {
        let run = run_verify(&dir, &mock, &["--format", format, "--color", "always"]);
        let output = format!("{}{}", run.stdout, run.stderr);
        assert!(
            !output.contains(&mock.account_body_marker),
            "{format}: a response body leaked"
        );
        for case in &cases {
            assert!(!output.contains(&case.secret), "{format}: a secret leaked");
        }
    }
    let report = dir.path().join("report.json");
    let run = run_verify(
        &dir,
        &mock,
        &[
            "--format",
            "json",
            "--output",
            report.to_str().expect("utf-8 path"),
        ],
    );
    let written = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(
        written.contains("\"subaccounts\": 3") || written.contains("\"subaccounts\":3"),
        "{}{written}",
        run.stderr
    );
    assert!(!written.contains(&mock.account_body_marker));
}

#[test]
fn a_failing_access_request_leaves_access_unknown_and_the_verdict_live() {
    let cases = vec![
        account_case(
            "list-500.env",
            Behaviour::Live(Profile {
                list: ListAnswer::ServerError,
                ..MAIN
            }),
            "live",
        ),
        key_case(
            "key-list-hangs.env",
            Behaviour::Live(Profile {
                list: ListAnswer::Hang,
                ..MAIN
            }),
            "live",
        ),
    ];
    let mock = mock_for(&cases);
    let dir = TestDir::new();
    write_cases(&dir, &cases);
    let run = run_verify(&dir, &mock, &["--format", "json"]);
    let doc = run.json();

    // The account resource still says what it is; only the subaccount count is missing.
    let account = verification(&doc, "list-500.env");
    assert_eq!(account["status"], "live");
    let want: Value = serde_json::from_str(
        r#"{"account_type":"Full","account_status":"active","friendly_name":"Mock account","main_account":true}"#,
    )
    .expect("expected access");
    assert_eq!(account["access"], want);
    let resource = format!("/2010-04-01/Accounts/{}.json", cases[0].user);
    assert_eq!(
        requests_of(&mock, &cases[0]),
        [
            get(&resource),
            get(ACCOUNT_LIST),
            get(ACCOUNT_LIST),
            get(ACCOUNT_LIST)
        ],
        "a 500 is retried like a verdict's request"
    );

    // A key whose one access request timed out: nothing is known beyond `live`.
    let key = verification(&doc, "key-list-hangs.env");
    assert_eq!(key["status"], "live");
    assert!(key.get("access").is_none(), "{key}");
    assert_eq!(
        requests_of(&mock, &cases[1]),
        [get("/v2/Services?PageSize=1"), get(ACCOUNT_LIST)]
    );
}
