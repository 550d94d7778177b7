//! `--verify` against a mock Twilio API on 127.0.0.1: verdicts, GET only, one request per
//! credential, the right Basic auth, and no secret or response body in any output.

mod access;

use crate::common::golden::{assert_golden, Placeholders};
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};
use base64::Engine;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the mock answers for one credential.
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// Live: a Full, active main account without subaccounts (a Main key for an API key).
    Ok,
    /// Live, with this account behind it.
    Live(Profile),
    OkMalformed,
    Unauthorized(u32),
    Forbidden(Option<u32>),
    RateLimitedThenOk,
    ServerError,
    Hang,
}

/// The one page of the account list `--verify` reads to count subaccounts or tell a key's type.
const ACCOUNT_LIST: &str = "/2010-04-01/Accounts.json?PageSize=100";

/// The account a live credential reaches, as the mock serves it.
#[derive(Clone, Copy, Debug)]
struct Profile {
    /// `Full` or `Trial`.
    kind: &'static str,
    /// A main account (its own owner) or a subaccount.
    main: bool,
    /// Subaccounts listed by `GET /2010-04-01/Accounts.json` (a main account only).
    subaccounts: usize,
    /// The friendly name, as JSON string content.
    name: &'static str,
    /// How the account list answers.
    list: ListAnswer,
}

/// How `GET /2010-04-01/Accounts.json` answers a live credential.
#[derive(Clone, Copy, Debug, PartialEq)]
enum ListAnswer {
    /// The page asked for (an account and its subaccounts, each with an `auth_token`).
    Page,
    /// 401 code 20003: what a Standard API key gets.
    Unauthorized,
    /// 500 on every attempt.
    ServerError,
    /// No answer within the timeout.
    Hang,
}

const MAIN: Profile = Profile {
    kind: "Full",
    main: true,
    subaccounts: 0,
    name: "Mock account",
    list: ListAnswer::Page,
};

#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
    authorization: String,
    at: Instant,
}

struct MockTwilio {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// The body of every 200 Accounts answer: it must never reach any output.
    account_body_marker: String,
}

impl MockTwilio {
    fn start(behaviours: HashMap<String, Behaviour>) -> MockTwilio {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Vec::new()));
        let marker = format!("mock-account-{}", secrets::hex32());
        let (log, body_marker) = (seen.clone(), marker.clone());
        std::thread::spawn(move || {
            let counts: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
            for stream in listener.incoming().flatten() {
                let (log, counts, behaviours, body_marker) = (
                    log.clone(),
                    counts.clone(),
                    behaviours.clone(),
                    body_marker.clone(),
                );
                std::thread::spawn(move || serve(stream, &log, &counts, &behaviours, &body_marker));
            }
        });
        MockTwilio {
            url,
            seen,
            account_body_marker: marker,
        }
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

fn serve(
    stream: TcpStream,
    log: &Mutex<Vec<Seen>>,
    counts: &Mutex<HashMap<String, u32>>,
    behaviours: &HashMap<String, Behaviour>,
    marker: &str,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).is_err() {
        return;
    }
    let mut authorization = String::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line
            .strip_prefix("authorization: ")
            .or_else(|| line.strip_prefix("Authorization: "))
        {
            authorization = value.trim().to_string();
        }
    }
    let mut parts = request_line.split_whitespace();
    let (method, path) = (
        parts.next().unwrap_or("").to_string(),
        parts.next().unwrap_or("").to_string(),
    );
    log.lock().unwrap().push(Seen {
        method,
        path: path.clone(),
        authorization: authorization.clone(),
        at: Instant::now(),
    });
    let decoded = authorization
        .strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default();
    // Twilio takes Basic auth (SID:secret); SendGrid and Segment a Bearer token.
    let secret = match authorization.strip_prefix("Bearer ") {
        Some(key) => key.to_string(),
        None => decoded
            .split_once(':')
            .map(|(_, s)| s.to_string())
            .unwrap_or_default(),
    };
    let attempt = {
        let mut counts = counts.lock().unwrap();
        let n = counts.entry(secret.clone()).or_insert(0);
        *n += 1;
        *n
    };
    let user = decoded.split_once(':').map(|(u, _)| u.to_string());
    let behaviour = behaviours
        .get(&secret)
        .copied()
        .unwrap_or(Behaviour::Unauthorized(20003));
    let (status, headers, body) =
        answer(behaviour, &path, user.as_deref(), &secret, attempt, marker);
    if status == 0 {
        return;
    }
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n{headers}\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
}

/// The status, extra headers and body for one request; status 0: hang up without answering.
fn answer(
    behaviour: Behaviour,
    path: &str,
    user: Option<&str>,
    secret: &str,
    attempt: u32,
    marker: &str,
) -> (u16, &'static str, String) {
    let live = match behaviour {
        Behaviour::Ok => MAIN,
        Behaviour::Live(profile) => profile,
        Behaviour::RateLimitedThenOk if attempt > 1 => MAIN,
        _ => return failure(behaviour, attempt, marker),
    };
    // The account behind an API key is not in its Basic auth: the mock makes one up.
    let sid = match user {
        Some(sid) if sid.starts_with("AC") => sid.to_string(),
        _ => secrets::account_sid(),
    };
    let owner = if live.main {
        sid.clone()
    } else {
        secrets::account_sid()
    };
    // Every account body holds an Auth Token: the credential's own, or one with the marker.
    let account = |sid: &str, owner: &str, token: &str| {
        format!(
            r#"{{"sid":"{sid}","owner_account_sid":"{owner}","auth_token":"{token}","friendly_name":"{}","status":"active","type":"{}","uri":"/{marker}","subresource_uris":{{"keys":"/2010-04-01/Accounts/{sid}/Keys.json"}}}}"#,
            live.name, live.kind
        )
    };
    if path.starts_with("/2010-04-01/Accounts.json") {
        return match live.list {
            ListAnswer::Page => (
                200,
                "",
                account_page(path, &sid, &owner, live, &account, marker),
            ),
            ListAnswer::Unauthorized => (401, "", r#"{"code":20003,"status":401}"#.into()),
            ListAnswer::ServerError => (500, "", marker.to_string()),
            ListAnswer::Hang => failure(Behaviour::Hang, attempt, marker),
        };
    }
    if path.starts_with("/2010-04-01/Accounts/") {
        return (200, "", account(&sid, &owner, secret));
    }
    if path.starts_with("/v2/Services") {
        return (
            200,
            "",
            format!(r#"{{"services":[],"meta":{{"key":"{marker}"}}}}"#),
        );
    }
    // SendGrid scopes, the Segment workspace: any body will do.
    (200, "", account(&sid, &owner, secret))
}

/// One page of the account list: the account itself, then (for a main account) its
/// subaccounts, as many as `PageSize` allows, each with its own fake Auth Token.
fn account_page(
    path: &str,
    sid: &str,
    owner: &str,
    live: Profile,
    account: &dyn Fn(&str, &str, &str) -> String,
    marker: &str,
) -> String {
    let page_size: usize = path
        .split_once("PageSize=")
        .and_then(|(_, n)| n.split('&').next()?.parse().ok())
        .unwrap_or(50);
    let total = 1 + if live.main { live.subaccounts } else { 0 };
    let mut accounts = vec![account(sid, owner, &format!("{marker}-own"))];
    for i in 1..total.min(page_size) {
        accounts.push(account(
            &secrets::account_sid(),
            sid,
            &format!("{marker}-sub{i}"),
        ));
    }
    let next = if total > page_size {
        r#""/2010-04-01/Accounts.json?PageSize=100&Page=1""#
    } else {
        "null"
    };
    format!(
        r#"{{"first_page_uri":"/2010-04-01/Accounts.json","page":0,"page_size":{page_size},"accounts":[{}],"next_page_uri":{next}}}"#,
        accounts.join(",")
    )
}

/// The answer of a credential that is not live (or not yet).
fn failure(behaviour: Behaviour, attempt: u32, marker: &str) -> (u16, &'static str, String) {
    match behaviour {
        Behaviour::OkMalformed => (200, "", format!("<html>{marker}")),
        Behaviour::Unauthorized(code) => (
            401,
            "",
            format!(r#"{{"code":{code},"message":"{marker}"}}"#),
        ),
        Behaviour::Forbidden(Some(code)) => (403, "", format!(r#"{{"code":{code}}}"#)),
        Behaviour::Forbidden(None) => (403, "", "{}".to_string()),
        Behaviour::RateLimitedThenOk if attempt == 1 => {
            (429, "Retry-After: 1\r\n", "{}".to_string())
        }
        Behaviour::ServerError => (500, "", marker.to_string()),
        Behaviour::Hang => {
            std::thread::sleep(Duration::from_secs(30));
            (0, "", String::new())
        }
        Behaviour::Ok | Behaviour::Live(_) | Behaviour::RateLimitedThenOk => {
            unreachable!("live behaviours are answered by `answer`")
        }
    }
}

struct Case {
    file: &'static str,
    user: String,
    secret: String,
    behaviour: Behaviour,
    expected: &'static str,
}

fn account_case(file: &'static str, behaviour: Behaviour, expected: &'static str) -> Case {
    Case {
        file,
        user: secrets::account_sid(),
        secret: secrets::auth_token(),
        behaviour,
        expected,
    }
}

fn key_case(file: &'static str, behaviour: Behaviour, expected: &'static str) -> Case {
    Case {
        file,
        user: secrets::api_key_sid(),
        secret: secrets::api_secret(),
        behaviour,
        expected,
    }
}

fn run_verify(dir: &TestDir, mock: &MockTwilio, args: &[&str]) -> Run {
    let mut command = dir.leakfence();
    command
        .args(["scan", "--verify", "--verify-timeout", "1"])
        .args(args)
        .env("LEAKFENCE_TWILIO_API_URL", &mock.url)
        .env("LEAKFENCE_TWILIO_VERIFY_URL", &mock.url)
        .env("LEAKFENCE_SENDGRID_API_URL", &mock.url)
        .env("LEAKFENCE_SEGMENT_API_URL", &mock.url);
    Run::of(&mut command)
}

#[test]
fn verdicts_requests_and_redaction() {
    let cases = vec![
        account_case("live.env", Behaviour::Ok, "live"),
        account_case("live-malformed.env", Behaviour::OkMalformed, "live"),
        account_case("invalid.env", Behaviour::Unauthorized(20003), "invalid"),
        account_case("forbidden.env", Behaviour::Forbidden(None), "forbidden"),
        account_case("retry.env", Behaviour::RateLimitedThenOk, "live"),
        account_case("server-error.env", Behaviour::ServerError, "unknown"),
        account_case("hang.env", Behaviour::Hang, "unknown"),
        key_case("key-live.env", Behaviour::Ok, "live"),
        key_case(
            "key-restricted-401.env",
            Behaviour::Unauthorized(70051),
            "live",
        ),
        key_case(
            "key-restricted-403.env",
            Behaviour::Forbidden(Some(70051)),
            "live",
        ),
        key_case("key-invalid.env", Behaviour::Unauthorized(20003), "invalid"),
    ];
    let behaviours: HashMap<String, Behaviour> = cases
        .iter()
        .map(|c| (c.secret.clone(), c.behaviour))
        .collect();
    let mock = MockTwilio::start(behaviours);
    let dir = TestDir::new();
    for case in &cases {
        let text = if case.user.starts_with("AC") {
            format!(
                "TWILIO_ACCOUNT_SID={}\nTWILIO_AUTH_TOKEN={}\n",
                case.user, case.secret
            )
        } else {
            format!(
                "TWILIO_API_KEY={}\nTWILIO_API_SECRET={}\n",
                case.user, case.secret
            )
        };
        dir.write(case.file, &text);
    }
    // The same live pair a second time: it must not be requested again.
    let live = &cases[0];
    dir.write(
        "again/live-copy.env",
        format!(
            "TWILIO_ACCOUNT_SID={}\nTWILIO_AUTH_TOKEN={}\n",
            live.user, live.secret
        ),
    );
    dir.write(
        "lonely.env",
        format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token()),
    );

    let run = run_verify(&dir, &mock, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let verdict = |path: &str, rule: &str| -> String {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path && f["rule"] == rule)
            .map(|f| {
                f["verification"]["status"]
                    .as_str()
                    .unwrap_or("?")
                    .to_string()
            })
            .unwrap_or_else(|| format!("no {rule} finding in {path}"))
    };
    for case in &cases {
        let rule = if case.user.starts_with("AC") {
            "twilio-auth-token"
        } else {
            "twilio-api-key-secret"
        };
        assert_eq!(verdict(case.file, rule), case.expected, "{}", case.file);
        let sid_rule = if case.user.starts_with("AC") {
            "twilio-account-sid"
        } else {
            "twilio-api-key-sid"
        };
        assert_eq!(
            verdict(case.file, sid_rule),
            case.expected,
            "the SID shares its pair's verdict: {}",
            case.file
        );
    }
    assert_eq!(verdict("again/live-copy.env", "twilio-auth-token"), "live");
    assert_eq!(verdict("lonely.env", "twilio-auth-token"), "unverifiable");

    let requests = mock.requests();
    assert!(requests.iter().all(|r| r.method == "GET"), "{requests:?}");
    for case in &cases {
        let expected_auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", case.user, case.secret))
        );
        let verdict_path = if case.user.starts_with("AC") {
            format!("/2010-04-01/Accounts/{}.json", case.user)
        } else {
            "/v2/Services?PageSize=1".to_string()
        };
        let mine: Vec<&Seen> = requests
            .iter()
            .filter(|r| r.authorization == expected_auth)
            .collect();
        let (verdicts, access): (Vec<&Seen>, Vec<&Seen>) =
            mine.iter().partition(|r| r.path == verdict_path);
        let expected_count = match case.behaviour {
            Behaviour::RateLimitedThenOk => 2,
            Behaviour::ServerError => 3,
            _ => 1,
        };
        assert_eq!(
            verdicts.len(),
            expected_count,
            "{}: requests {:?}",
            case.file,
            mine
        );
        // Only what proved live (a main account, a key that is not restricted) lists accounts,
        // once per pair although the live pair is found twice.
        let lists = match case.behaviour {
            Behaviour::Ok | Behaviour::RateLimitedThenOk => 1,
            _ => 0,
        };
        assert_eq!(access.len(), lists, "{}: requests {:?}", case.file, mine);
        assert!(
            access.iter().all(|r| r.path == ACCOUNT_LIST),
            "{}: {access:?}",
            case.file
        );
        let mine = verdicts;
        if let Behaviour::RateLimitedThenOk = case.behaviour {
            assert!(
                mine[1].at - mine[0].at >= Duration::from_millis(900),
                "Retry-After was honoured"
            );
        }
    }

    for format in ["json", "human"] {
        let run = run_verify(&dir, &mock, &["--format", format, "--color", "always"]);
        let output = format!("{}{}", run.stdout, run.stderr);
        for case in &cases {
            assert!(!output.contains(&case.secret), "{format}: a secret leaked");
        }
        assert!(
            !output.contains(&mock.account_body_marker),
            "{format}: a response body leaked"
        );
    }
}

/// Every verdict as the human report shows it, compared with `fixtures/golden/verify.human.txt`
/// (the generated credentials become placeholders).
#[test]
fn human_verdicts_golden() {
    let mut known = Placeholders::new();
    let mut pair = |file: &'static str, key: bool, behaviour: Behaviour| {
        let (user, secret) = if key {
            (
                known.plant(secrets::api_key_sid),
                known.plant(secrets::api_secret),
            )
        } else {
            (
                known.plant(secrets::account_sid),
                known.plant(secrets::auth_token),
            )
        };
        (file, key, user, secret, behaviour)
    };
    let pairs = [
        pair("account/live.env", false, Behaviour::Ok),
        pair("account/invalid.env", false, Behaviour::Unauthorized(20003)),
        pair("account/forbidden.env", false, Behaviour::Forbidden(None)),
        pair("key/live.env", true, Behaviour::Ok),
        pair(
            "key/restricted.env",
            true,
            Behaviour::Forbidden(Some(70051)),
        ),
        pair("key/invalid.env", true, Behaviour::Unauthorized(20003)),
    ];
    let dir = TestDir::new();
    for (file, key, user, secret, _) in &pairs {
        let (user_name, secret_name) = if *key {
            ("TWILIO_API_KEY", "TWILIO_API_SECRET")
        } else {
            ("TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN")
        };
        dir.write(
            file,
            format!("{user_name}={user}\n{secret_name}={secret}\n"),
        );
    }
    dir.write(
        "lonely.env",
        format!("TWILIO_AUTH_TOKEN={}\n", known.plant(secrets::auth_token)),
    );
    // The verdict names the key and account the token claims: planted too.
    let (sk, ac) = (
        known.plant(secrets::api_key_sid),
        known.plant(secrets::account_sid),
    );
    let token = known.plant(|| secrets::access_token_for(&sk, &ac));
    dir.write("token.txt", format!("token = \"{token}\"\n"));
    let mock = MockTwilio::start(
        pairs
            .iter()
            .map(|(_, _, _, secret, behaviour)| (secret.clone(), *behaviour))
            .collect(),
    );
    let run = run_verify(&dir, &mock, &["--format", "human", "--color", "never"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert_golden("verify.human.txt", &run.stdout, &known);
}

#[test]
fn only_verified_and_fail_on_live() {
    let live = account_case("live.env", Behaviour::Ok, "live");
    let dead = account_case("dead.env", Behaviour::Unauthorized(20003), "invalid");
    let behaviours = HashMap::from([
        (live.secret.clone(), live.behaviour),
        (dead.secret.clone(), dead.behaviour),
    ]);
    let mock = MockTwilio::start(behaviours);
    let dir = TestDir::new();
    dir.write(
        "dead.env",
        format!(
            "TWILIO_ACCOUNT_SID={}\nTWILIO_AUTH_TOKEN={}\n",
            dead.user, dead.secret
        ),
    );
    let run = run_verify(&dir, &mock, &["--fail-on-live"]);
    assert_eq!(
        run.code, 0,
        "an invalid credential does not block with --fail-on-live: {}",
        run.stdout
    );
    dir.write(
        "live.env",
        format!(
            "TWILIO_ACCOUNT_SID={}\nTWILIO_AUTH_TOKEN={}\n",
            live.user, live.secret
        ),
    );
    assert_eq!(run_verify(&dir, &mock, &["--fail-on-live"]).code, 1);
    let only = run_verify(&dir, &mock, &["--only-verified", "--format", "json"]);
    let paths: Vec<String> = only.findings().into_iter().map(|f| f.1).collect();
    assert_eq!(paths, ["live.env", "live.env"]);
}

#[test]
fn sendgrid_keys_are_checked_alone_with_a_bearer_get_of_their_scopes() {
    let sendgrid = || secrets::sample(leakfence::finding::RuleId::SendGridApiKey);
    let cases = [
        ("live.env", sendgrid(), Behaviour::Ok, "live"),
        ("scoped.env", sendgrid(), Behaviour::Forbidden(None), "live"),
        (
            "revoked.env",
            sendgrid(),
            Behaviour::Unauthorized(0),
            "invalid",
        ),
    ];
    let mock = MockTwilio::start(
        cases
            .iter()
            .map(|(_, key, behaviour, _)| (key.clone(), *behaviour))
            .collect(),
    );
    let dir = TestDir::new();
    for (file, key, _, _) in &cases {
        dir.write(file, format!("SENDGRID_API_KEY={key}\n"));
    }
    let run = run_verify(&dir, &mock, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    for (file, key, _, expected) in &cases {
        let finding = findings
            .iter()
            .find(|f| f["path"] == *file)
            .unwrap_or_else(|| panic!("no finding in {file}: {doc}"));
        assert_eq!(finding["rule"], "sendgrid-api-key");
        assert_eq!(finding["verification"]["status"], *expected, "{file}");
        let requests: Vec<Seen> = mock
            .requests()
            .into_iter()
            .filter(|r| r.authorization == format!("Bearer {key}"))
            .collect();
        assert_eq!(requests.len(), 1, "{file}: {requests:?}");
        assert_eq!(
            (requests[0].method.as_str(), requests[0].path.as_str()),
            ("GET", "/v3/scopes")
        );
    }
    for format in ["json", "human"] {
        let run = run_verify(&dir, &mock, &["--format", format]);
        let output = format!("{}{}", run.stdout, run.stderr);
        for (_, key, _, _) in &cases {
            assert!(!output.contains(key.as_str()), "{format}: a key leaked");
        }
        assert!(!output.contains(&mock.account_body_marker), "{format}");
    }
}

#[test]
fn segment_tokens_are_checked_alone_with_a_bearer_get_of_their_workspace() {
    let segment = || secrets::sample(leakfence::finding::RuleId::SegmentApiToken);
    let cases = [
        ("live.env", segment(), Behaviour::Ok, "live"),
        (
            "refused.env",
            segment(),
            Behaviour::Forbidden(None),
            "forbidden",
        ),
        (
            "revoked.env",
            segment(),
            Behaviour::Unauthorized(0),
            "invalid",
        ),
        ("down.env", segment(), Behaviour::ServerError, "unknown"),
    ];
    let mock = MockTwilio::start(
        cases
            .iter()
            .map(|(_, token, behaviour, _)| (token.clone(), *behaviour))
            .collect(),
    );
    let dir = TestDir::new();
    for (file, token, _, _) in &cases {
        dir.write(file, format!("SEGMENT_API_TOKEN={token}\n"));
    }
    let run = run_verify(&dir, &mock, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    for (file, token, behaviour, expected) in &cases {
        let finding = findings
            .iter()
            .find(|f| f["path"] == *file)
            .unwrap_or_else(|| panic!("no finding in {file}: {doc}"));
        assert_eq!(finding["rule"], "segment-api-token");
        assert_eq!(finding["verification"]["status"], *expected, "{file}");
        let requests: Vec<Seen> = mock
            .requests()
            .into_iter()
            .filter(|r| r.authorization == format!("Bearer {token}"))
            .collect();
        let expected_count = match behaviour {
            Behaviour::ServerError => 3,
            _ => 1,
        };
        assert_eq!(requests.len(), expected_count, "{file}: {requests:?}");
        assert!(
            requests
                .iter()
                .all(|r| (r.method.as_str(), r.path.as_str()) == ("GET", "/")),
            "{file}: {requests:?}"
        );
    }
    for format in ["json", "human"] {
        let run = run_verify(&dir, &mock, &["--format", format]);
        let output = format!("{}{}", run.stdout, run.stderr);
        for (_, token, _, _) in &cases {
            assert!(!output.contains(token.as_str()), "{format}: a token leaked");
        }
        assert!(!output.contains(&mock.account_body_marker), "{format}");
    }
    // The base URL can come from the config file instead of the environment.
    let configured = TestDir::new();
    configured.write(
        ".leakfence.toml",
        format!("[verify]\nsegment-url = \"{}\"\n", mock.url),
    );
    configured.write("live.env", format!("SEGMENT_API_TOKEN={}\n", cases[0].1));
    let mut command = configured.leakfence();
    command
        .args([
            "scan",
            "--verify",
            "--verify-timeout",
            "1",
            "--format",
            "json",
        ])
        .env_remove("LEAKFENCE_SEGMENT_API_URL");
    let run = Run::of(&mut command);
    let doc = run.json();
    assert_eq!(
        doc["findings"][0]["verification"]["status"], "live",
        "{doc}"
    );
}

#[test]
fn oauth_apps_are_unverifiable_and_never_requested() {
    let mock = MockTwilio::start(HashMap::new());
    let dir = TestDir::new();
    dir.write(
        "oauth.env",
        format!(
            "TWILIO_CLIENT_ID={}\nTWILIO_CLIENT_SECRET={}\n",
            secrets::sample(leakfence::finding::RuleId::OAuthClientId),
            secrets::sample(leakfence::finding::RuleId::OAuthClientSecret)
        ),
    );
    let run = run_verify(&dir, &mock, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    let rules: Vec<&str> = findings
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    assert_eq!(
        rules,
        ["twilio-oauth-client-id", "twilio-oauth-client-secret"],
        "{doc}"
    );
    for finding in findings {
        let verification = &finding["verification"];
        assert_eq!(verification["status"], "unverifiable", "{finding}");
        let detail = verification["detail"].as_str().unwrap();
        assert!(detail.contains("mints an access token"), "{detail}");
    }
    assert!(mock.requests().is_empty(), "{:?}", mock.requests());
}

/// The shape `~/.twilio-cli/config.json` is written in (twilio-cli-core `Config.save()`):
/// a legacy `projects` entry without a secret and two profiles with an API key each.
fn twilio_cli_config(dev: (&str, &str), prod: (&str, &str)) -> String {
    format!(
        r#"{{
  "edge": "sydney",
  "email": {{}},
  "requireProfileInput": false,
  "prompts": {{}},
  "projects": [
    {{
      "id": "old",
      "accountSid": "{old}",
      "region": "us1"
    }}
  ],
  "profiles": {{
    "dev": {{
      "accountSid": "{ac_dev}",
      "region": "au1",
      "edge": "sydney",
      "apiKey": "{sk_dev}",
      "apiSecret": "{secret_dev}"
    }},
    "prod": {{
      "accountSid": "{ac_prod}",
      "apiKey": "{sk_prod}",
      "apiSecret": "{secret_prod}"
    }}
  }},
  "activeProject": "dev"
}}
"#,
        old = secrets::account_sid(),
        ac_dev = secrets::account_sid(),
        ac_prod = secrets::account_sid(),
        sk_dev = dev.0,
        secret_dev = dev.1,
        sk_prod = prod.0,
        secret_prod = prod.1,
    )
}

#[test]
fn a_committed_twilio_cli_profile_file_is_an_api_key_pair_wherever_it_is() {
    let dev = key_case("", Behaviour::Ok, "live");
    let prod = key_case("", Behaviour::Unauthorized(20003), "invalid");
    let mock = MockTwilio::start(
        [&dev, &prod]
            .iter()
            .map(|c| (c.secret.clone(), c.behaviour))
            .collect(),
    );
    let repo = TestRepo::new();
    let path = "dotfiles/twilio-cli/config.json";
    repo.write(
        path,
        twilio_cli_config((&dev.user, &dev.secret), (&prod.user, &prod.secret)),
    );
    repo.add(&[path]);
    let commit = repo.commit("add my dotfiles");
    repo.git(&["rm", "-q", path]);
    repo.commit("remove the CLI config");
    repo.write(
        path,
        twilio_cli_config((&dev.user, &dev.secret), (&prod.user, &prod.secret)),
    );

    let secret_lines = |doc: &serde_json::Value| -> Vec<(String, u64, String)> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "twilio-api-key-secret")
            .map(|f| {
                (
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["verification"]["status"]
                        .as_str()
                        .unwrap_or("-")
                        .to_string(),
                )
            })
            .collect()
    };
    let expected = |with_verdicts: bool| {
        let verdict = |case: &Case| if with_verdicts { case.expected } else { "-" };
        vec![
            (path.to_string(), 19, verdict(&dev).to_string()),
            (path.to_string(), 24, verdict(&prod).to_string()),
        ]
    };
    for command in ["scan", "history"] {
        let plain = repo.run(&[command, "--format", "json"]);
        assert_eq!(plain.code, 1, "{command}: {}", plain.stderr);
        let doc = plain.json();
        assert_eq!(secret_lines(&doc), expected(false), "{command}: {doc}");
        let sids: Vec<u64> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "twilio-api-key-sid")
            .map(|f| f["line"].as_u64().unwrap())
            .collect();
        assert_eq!(sids, [18, 23], "{command}: {doc}");
        if command == "history" {
            assert!(doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .all(|f| f["commit"] == commit.as_str()));
        }

        let mut verify = repo.dir.leakfence();
        verify
            .args([
                command,
                "--verify",
                "--verify-timeout",
                "1",
                "--format",
                "json",
            ])
            .env("LEAKFENCE_TWILIO_VERIFY_URL", &mock.url)
            .env("LEAKFENCE_TWILIO_API_URL", &mock.url);
        let verified = Run::of(&mut verify);
        assert_eq!(secret_lines(&verified.json()), expected(true), "{command}");
    }
    let requests = mock.requests();
    for case in [&dev, &prod] {
        let auth = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", case.user, case.secret))
        );
        let mine: Vec<&Seen> = requests
            .iter()
            .filter(|r| r.authorization == auth)
            .collect();
        let paths: Vec<&str> = mine.iter().map(|r| r.path.as_str()).collect();
        // One check per run (scan, history); the live key is then asked for the account list.
        let expected: &[&str] = if case.expected == "live" {
            &[
                "/v2/Services?PageSize=1",
                ACCOUNT_LIST,
                "/v2/Services?PageSize=1",
                ACCOUNT_LIST,
            ]
        } else {
            &["/v2/Services?PageSize=1", "/v2/Services?PageSize=1"]
        };
        assert_eq!(paths, expected);
    }
}

#[test]
fn access_tokens_are_judged_offline() {
    let dir = TestDir::new();
    dir.write(
        "token.txt",
        format!("token = \"{}\"\n", secrets::access_token()),
    );
    // No server at all: nothing may be requested for an access token.
    let mut command = dir.leakfence();
    command
        .args(["scan", "--verify", "--format", "json"])
        .env("LEAKFENCE_TWILIO_API_URL", "http://127.0.0.1:9")
        .env("LEAKFENCE_TWILIO_VERIFY_URL", "http://127.0.0.1:9");
    let doc = Run::of(&mut command).json();
    let verification = &doc["findings"][0]["verification"];
    assert_eq!(verification["status"], "expired", "{verification}");
    assert!(
        verification["detail"]
            .as_str()
            .unwrap()
            .contains("expired 2023-11-14T"),
        "{verification}"
    );
}

#[test]
fn without_verify_nothing_is_sent() {
    let case = account_case("live.env", Behaviour::Ok, "live");
    let mock = MockTwilio::start(HashMap::from([(case.secret.clone(), case.behaviour)]));
    let dir = TestDir::new();
    dir.write(
        "live.env",
        format!(
            "TWILIO_ACCOUNT_SID={}\nTWILIO_AUTH_TOKEN={}\n",
            case.user, case.secret
        ),
    );
    let mut command = dir.leakfence();
    command
        .args(["scan", "--format", "json"])
        .env("LEAKFENCE_TWILIO_API_URL", &mock.url);
    let run = Run::of(&mut command);
    assert!(run.json()["findings"][0].get("verification").is_none());
    assert!(mock.requests().is_empty());
}
