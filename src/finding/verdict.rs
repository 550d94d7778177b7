//! Verification verdicts as plain data: `--verify` decides them, reporters print them.

use serde::Serialize;

/// The outcome of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Twilio accepted the credential.
    Live,
    /// Twilio rejected it (HTTP 401).
    Invalid,
    /// Authenticated but refused (HTTP 403): test credentials, a suspended account, or a token
    /// still propagating. Not proof that it is invalid.
    Forbidden,
    /// No answer could be had (network error, timeout, rate limit, server error).
    Unknown,
    /// It could not be checked (no SID to pair it with, or an identifier on its own).
    Unverifiable,
    /// An access token whose expiry has passed.
    Expired,
    /// An access token that has not expired yet (checked offline).
    Valid,
}

impl Status {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Live => "live",
            Status::Invalid => "invalid",
            Status::Forbidden => "forbidden",
            Status::Unknown => "unknown",
            Status::Unverifiable => "unverifiable",
            Status::Expired => "expired",
            Status::Valid => "valid",
        }
    }

    /// Whether the credential works: live online, or an unexpired access token.
    pub fn is_live(self) -> bool {
        matches!(self, Status::Live | Status::Valid)
    }
}

/// A verdict on one finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// The outcome.
    pub status: Status,
    /// When it was decided, Unix seconds.
    pub checked_at: i64,
    /// One sentence: why, what the account is, or when it expires. Never a secret.
    pub detail: String,
}
