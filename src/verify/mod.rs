//! `--verify`: is a found credential live? Checked against Twilio without side effects.
//!
//! Credentials are paired first (an Auth Token with its Account SID, an API key secret with its
//! `SK` SID); each distinct pair is checked once, a few at a time, with GET requests only.
//! Access tokens need no network: their claims say when they expire. Nothing leaves the machine
//! unless `--verify` is given, and no response body is ever stored or printed. A live Auth
//! Token or API key is then asked what it reaches ([`access`]), with GET requests again.

pub mod access;
pub mod client;
pub mod pair;

use crate::finding::Finding;
use std::time::Duration;

/// How to verify.
#[derive(Debug, Clone)]
pub struct VerifyOptions {
    /// Base URL of the REST API (`https://api.twilio.com`).
    pub api_url: String,
    /// Base URL of the Verify API (`https://verify.twilio.com`).
    pub verify_url: String,
    /// Base URL of the SendGrid API (`https://api.sendgrid.com`).
    pub sendgrid_url: String,
    /// Base URL of the Segment Public API (`https://api.segmentapis.com`).
    pub segment_url: String,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Timeout of one request.
    pub timeout: Duration,
    /// Attempts for 429 and 5xx answers before giving up with `unknown`.
    pub attempts: u32,
}

/// The environment variables that point verification at another server (tests, proxies).
pub const API_URL_ENV: &str = "LEAKFENCE_TWILIO_API_URL";
/// See [`API_URL_ENV`].
pub const VERIFY_URL_ENV: &str = "LEAKFENCE_TWILIO_VERIFY_URL";
/// See [`API_URL_ENV`].
pub const SENDGRID_URL_ENV: &str = "LEAKFENCE_SENDGRID_API_URL";
/// See [`API_URL_ENV`].
pub const SEGMENT_URL_ENV: &str = "LEAKFENCE_SEGMENT_API_URL";

impl Default for VerifyOptions {
    fn default() -> Self {
        VerifyOptions {
            api_url: "https://api.twilio.com".into(),
            verify_url: "https://verify.twilio.com".into(),
            sendgrid_url: "https://api.sendgrid.com".into(),
            segment_url: "https://api.segmentapis.com".into(),
            concurrency: 4,
            timeout: Duration::from_secs(10),
            attempts: 3,
        }
    }
}

/// Decides a verdict for every finding: pairs them, checks each distinct pair once, and writes
/// the verdict into each finding's `verification`.
pub fn verify_all(findings: &mut [Finding], options: &VerifyOptions) {
    let now = now_seconds();
    let plan = pair::plan(findings, now);
    let verdicts = client::check_all(&plan.checks, options, now);
    for (index, decision) in plan.decisions.into_iter().enumerate() {
        findings[index].verification = Some(match decision {
            pair::Decision::Check(i) => verdicts[i].clone(),
            pair::Decision::Known(verdict) => verdict,
        });
    }
}

/// The current time, Unix seconds.
pub fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
