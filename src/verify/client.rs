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

use super::pair::{Check, CheckKind};
use super::VerifyOptions;
use crate::finding::{Status, Verification};
use base64::Engine;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Longest wait a `Retry-After` may ask for before the check gives up.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
/// Most of a response body read (to find an error code); the rest is discarded unread.
const MAX_BODY: u64 = 64 * 1024;

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

/// What one HTTP exchange gave, reduced to what a verdict needs.
struct Answer {
    status: u16,
    retry_after: Option<Duration>,
    body: Option<serde_json::Value>,
}

fn request(agent: &ureq::Agent, url: &str, check: &Check) -> Result<Answer, String> {
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
    // Parsed for a few fields and dropped: the Accounts body holds the Auth Token itself.
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_BODY)
        .read_to_string()
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok());
    Ok(Answer {
        status,
        retry_after,
        body,
    })
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
    let verdict = |status, detail: String| Verification {
        status,
        checked_at: now,
        detail,
        access: None,
    };
    let mut last = String::from("not checked");
    for attempt in 0..options.attempts.max(1) {
        match request(agent, &url, check) {
            // A timeout or a refused connection is not retried: it would only multiply the wait.
            Err(reason) => {
                last = reason;
                break;
            }
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
            Ok(answer) => {
                let (status, detail) = decide(check.kind, &answer);
                return verdict(status, detail);
            }
        }
    }
    verdict(Status::Unknown, format!("no verdict: {last}"))
}

fn error_code(body: &Option<serde_json::Value>) -> Option<i64> {
    body.as_ref()?.get("code")?.as_i64()
}

fn decide(kind: CheckKind, answer: &Answer) -> (Status, String) {
    let code = error_code(&answer.body);
    match (kind, answer.status, code) {
        (CheckKind::Account, 200, _) => (Status::Live, account_detail(&answer.body)),
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
        (CheckKind::ApiKey, 401 | 403, Some(70051)) => {
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
/// not repeated.
fn account_detail(body: &Option<serde_json::Value>) -> String {
    let field = |name: &str| {
        body.as_ref()
            .and_then(|b| b.get(name))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    match (field("status"), field("type")) {
        (Some(status), Some(kind)) => format!("the account is {status} ({kind} account)"),
        (Some(status), None) => format!("the account is {status}"),
        _ => "the credentials work".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &str) -> Answer {
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
