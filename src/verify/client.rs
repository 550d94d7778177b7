//! The HTTP checks. GET requests only, Basic auth, a timeout per request, retries with backoff
//! on 429 and 5xx (honouring `Retry-After`), and no response body ever kept beyond the few
//! fields a verdict needs.
//!
//! * Account SID + Auth Token: `GET {api}/2010-04-01/Accounts/{AC}.json` — 200 live (with the
//!   account's friendly name, status and type), 401 invalid, 403 forbidden.
//! * API key SID + secret: `GET {verify}/v2/Services?PageSize=1` — 200 live; 401 or 403 with
//!   Twilio error 70051 live (a restricted key); 401 invalid; 403 forbidden. The Accounts
//!   endpoint is not used for keys: Standard and Restricted keys get 401 there although valid.
//! * SendGrid key: `GET {sendgrid}/v3/scopes` with the key as a Bearer token — 200 live, 403
//!   live with a scope that cannot read scopes, 401 invalid.
//! * Segment Public API token: `GET {segment}/` (the workspace the token belongs to) with the
//!   token as a Bearer token — 200 live, 401 invalid, 403 forbidden. Every token may read its
//!   own workspace, so a 403 says the token was recognised but refused (a workspace whose plan
//!   lost the Public API, a token being revoked): not proof that it is invalid, nor that it
//!   works. The body (the workspace's name and slug) is not read.
//!
//! A live Auth Token or API key then says what it reaches ([`super::access`]).

use super::access;
use super::pair::{Check, CheckKind};
use super::VerifyOptions;
use crate::finding::{Status, Verification};
use base64::Engine;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Longest wait a `Retry-After` may ask for before the check gives up.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
/// Most of a response body read (to find an error code); a longer body is not parsed.
const MAX_BODY: u64 = 64 * 1024;
/// Twilio's "authenticated, no permission" error: a valid Restricted API key.
pub(super) const RESTRICTED_KEY_CODE: i64 = 70051;

/// Runs every check, `options.concurrency` at a time; verdicts in the order of `checks`.
pub fn check_all(checks: &[Check], options: &VerifyOptions, now: i64) -> Vec<Verification> {
    let agent = agent(options);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Verification>>> = Mutex::new(vec![None; checks.len()]);
    std::thread::scope(|scope| {
        for _ in 0..options.concurrency.clamp(1, 64).min(checks.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(check) = checks.get(i) else { break };
                let verdict = check_one(&agent, check, options, now);
                if let Ok(mut results) = results.lock() {
                    results[i] = Some(verdict);
                }
            });
        }
    });
    let results = results
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    results
        .into_iter()
        .map(|r| {
            r.unwrap_or(Verification {
                status: Status::Unknown,
                checked_at: now,
                detail: "not checked".into(),
                access: None,
            })
        })
        .collect()
}

fn agent(options: &VerifyOptions) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(options.timeout))
        .http_status_as_error(false)
        .max_redirects(0)
        .proxy(None)
        .user_agent(concat!("leakfence/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// What one HTTP exchange gave, reduced to what a verdict needs: the body is parsed into `T`,
/// a struct naming only the fields wanted, so nothing else of it (an `auth_token`) is kept.
pub(super) struct Answer<T> {
    /// The HTTP status.
    pub status: u16,
    retry_after: Option<Duration>,
    /// The wanted fields, if the body was JSON of that shape within the size limit.
    pub body: Option<T>,
}

/// The few fields of an answer a verdict or the account's access needs. Each is a loose JSON
/// value: Twilio's error bodies carry `status` as a number, its accounts as a string.
#[derive(Debug, Default, Deserialize)]
pub(super) struct Reply {
    code: Option<Value>,
    status: Option<Value>,
    #[serde(rename = "type")]
    kind: Option<Value>,
    friendly_name: Option<Value>,
    sid: Option<Value>,
    owner_account_sid: Option<Value>,
}

impl Reply {
    /// Twilio's error code.
    pub fn code(&self) -> Option<i64> {
        self.code.as_ref()?.as_i64()
    }

    /// A string field by name (`status`, `type`, `friendly_name`, `sid`, `owner_account_sid`).
    pub fn text(&self, name: &str) -> Option<&str> {
        match name {
            "status" => &self.status,
            "type" => &self.kind,
            "friendly_name" => &self.friendly_name,
            "sid" => &self.sid,
            "owner_account_sid" => &self.owner_account_sid,
            _ => &None,
        }
        .as_ref()?
        .as_str()
    }
}

fn request<T: DeserializeOwned>(
    agent: &ureq::Agent,
    url: &str,
    check: &Check,
    limit: u64,
) -> Result<Answer<T>, String> {
    let authorization = match check.kind {
        CheckKind::SendGrid | CheckKind::Segment => format!("Bearer {}", check.secret),
        CheckKind::Account | CheckKind::ApiKey => {
            let credentials = base64::engine::general_purpose::STANDARD
                .encode(format!("{}:{}", check.user, check.secret));
            format!("Basic {credentials}")
        }
    };
    let mut response = agent
        .get(url)
        .header("Authorization", &authorization)
        .header("Accept", "application/json")
        .call()
        .map_err(describe_error)?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    // Streamed into `T`: fields it does not name (the Auth Tokens of account bodies) are
    // skipped unread into memory; a body over `limit` fails the parse.
    let reader = response.body_mut().with_config().limit(limit).reader();
    let body = serde_json::from_reader(reader).ok();
    Ok(Answer {
        status,
        retry_after,
        body,
    })
}

/// One GET with retries on 429 and 5xx (honouring `Retry-After`, up to `options.attempts`);
/// the first other answer, or why none came.
pub(super) fn fetch<T: DeserializeOwned>(
    agent: &ureq::Agent,
    url: &str,
    check: &Check,
    options: &VerifyOptions,
    limit: u64,
) -> Result<Answer<T>, String> {
    let mut last = String::from("not checked");
    for attempt in 0..options.attempts.max(1) {
        match request(agent, url, check, limit) {
            // A timeout or a refused connection is not retried: it would only multiply the wait.
            Err(reason) => return Err(reason),
            Ok(answer) if answer.status == 429 || answer.status >= 500 => {
                last = format!("HTTP {}", answer.status);
                if attempt + 1 < options.attempts {
                    let backoff = answer
                        .retry_after
                        .unwrap_or(Duration::from_millis(500 << attempt));
                    if backoff > MAX_RETRY_WAIT {
                        break;
                    }
                    std::thread::sleep(backoff);
                }
            }
            Ok(answer) => return Ok(answer),
        }
    }
    Err(last)
}

/// An error message that never holds the request's credentials.
fn describe_error(error: ureq::Error) -> String {
    match error {
        ureq::Error::Timeout(_) => "timed out".into(),
        ureq::Error::HostNotFound => "host not found".into(),
        ureq::Error::Io(e) => format!("network error ({})", e.kind()),
        ureq::Error::Tls(_) => "TLS error".into(),
        ureq::Error::RedirectFailed | ureq::Error::TooManyRedirects => "unexpected redirect".into(),
        _ => "request failed".into(),
    }
}

fn url_for(check: &Check, options: &VerifyOptions) -> String {
    match check.kind {
        CheckKind::Account => format!(
            "{}/2010-04-01/Accounts/{}.json",
            options.api_url.trim_end_matches('/'),
            check.user
        ),
        CheckKind::ApiKey => format!(
            "{}/v2/Services?PageSize=1",
            options.verify_url.trim_end_matches('/')
        ),
        CheckKind::SendGrid => format!("{}/v3/scopes", options.sendgrid_url.trim_end_matches('/')),
        CheckKind::Segment => format!("{}/", options.segment_url.trim_end_matches('/')),
    }
}

fn check_one(
    agent: &ureq::Agent,
    check: &Check,
    options: &VerifyOptions,
    now: i64,
) -> Verification {
    let url = url_for(check, options);
    match fetch::<Reply>(agent, &url, check, options, MAX_BODY) {
        Ok(answer) => {
            let (status, detail) = decide(check.kind, &answer);
            // Only a credential that works is asked what it reaches.
            let access = (status == Status::Live)
                .then(|| access::probe(agent, check, options, &answer))
                .flatten();
            Verification {
                status,
                checked_at: now,
                detail,
                access,
            }
        }
        Err(reason) => Verification {
            status: Status::Unknown,
            checked_at: now,
            detail: format!("no verdict: {reason}"),
            access: None,
        },
    }
}

fn decide(kind: CheckKind, answer: &Answer<Reply>) -> (Status, String) {
    let reply = answer.body.as_ref();
    let code = reply.and_then(Reply::code);
    match (kind, answer.status, code) {
        (CheckKind::Account, 200, _) => (Status::Live, account_detail(reply)),
        (CheckKind::ApiKey, 200, _) => (Status::Live, "the API key works".into()),
        (CheckKind::SendGrid, 200, _) => (Status::Live, "the SendGrid key works".into()),
        (CheckKind::SendGrid, 403, _) => {
            (Status::Live, "a SendGrid key with limited scopes: valid, without permission to read its scopes (HTTP 403)".into())
        }
        (CheckKind::SendGrid, 401, _) => (Status::Invalid, "rejected by SendGrid (HTTP 401)".into()),
        (CheckKind::Segment, 200, _) => (Status::Live, "the Segment token works".into()),
        (CheckKind::Segment, 401, _) => (Status::Invalid, "rejected by Segment (HTTP 401)".into()),
        (CheckKind::Segment, 403, _) => (
            Status::Forbidden,
            "recognised but refused by Segment (HTTP 403): not proof that it is invalid".into(),
        ),
        (CheckKind::ApiKey, 401 | 403, Some(RESTRICTED_KEY_CODE)) => {
            (Status::Live, "a restricted API key: valid, without permission for this request (error 70051)".into())
        }
        (_, 401, code) => (Status::Invalid, format!("rejected by Twilio (HTTP 401{})", code_text(code))),
        (_, 403, code) => (
            Status::Forbidden,
            format!("refused (HTTP 403{}): test credentials, a suspended account or a token still propagating", code_text(code)),
        ),
        (_, status, code) => (Status::Unknown, format!("unexpected answer (HTTP {status}{})", code_text(code))),
    }
}

fn code_text(code: Option<i64>) -> String {
    code.map_or_else(String::new, |c| format!(", error {c}"))
}

/// The account's status and type; its friendly name is personal data (often an email) and is
/// left to the access summary.
fn account_detail(reply: Option<&Reply>) -> String {
    let field = |name: &str| reply.and_then(|r| r.text(name));
    match (field("status"), field("type")) {
        (Some(status), Some(kind)) => format!("the account is {status} ({kind} account)"),
        (Some(status), None) => format!("the account is {status}"),
        _ => "the credentials work".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer<Reply> {
        Answer {
            status,
            retry_after: None,
            body: serde_json::from_str(body).ok(),
        }
    }

    #[test]
    fn verdicts_by_status_and_code() {
        use CheckKind::{Account, ApiKey, Segment, SendGrid};
        let cases = [
            (
                Account,
                200,
                r#"{"status":"active","type":"Full","auth_token":"x"}"#,
                Status::Live,
            ),
            (Account, 401, r#"{"code":20003}"#, Status::Invalid),
            (Account, 403, "{}", Status::Forbidden),
            (Account, 404, "{}", Status::Unknown),
            (ApiKey, 200, "not json", Status::Live),
            (ApiKey, 401, r#"{"code":70051}"#, Status::Live),
            (ApiKey, 403, r#"{"code":70051}"#, Status::Live),
            (ApiKey, 401, r#"{"code":20003}"#, Status::Invalid),
            (ApiKey, 403, r#"{"code":20403}"#, Status::Forbidden),
            (SendGrid, 200, r#"{"scopes":[]}"#, Status::Live),
            (SendGrid, 403, "{}", Status::Live),
            (SendGrid, 401, "{}", Status::Invalid),
            (SendGrid, 500, "{}", Status::Unknown),
            (Segment, 200, r#"{"data":{}}"#, Status::Live),
            (Segment, 401, "{}", Status::Invalid),
            (Segment, 403, "{}", Status::Forbidden),
            (Segment, 404, "{}", Status::Unknown),
        ];
        for (kind, status, body, expected) in cases {
            assert_eq!(
                decide(kind, &answer(status, body)).0,
                expected,
                "{kind:?} {status} {body}"
            );
        }
        let detail = decide(
            Account,
            &answer(
                200,
                r#"{"status":"active","type":"Full","auth_token":"secret","friendly_name":"me@x"}"#,
            ),
        )
        .1;
        assert_eq!(detail, "the account is active (Full account)");
    }
}
