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
    /// Every status, most telling first (as [`Status::weight`] orders them).
    pub const ALL: [Status; 7] = [
        Status::Live,
        Status::Valid,
        Status::Forbidden,
        Status::Expired,
        Status::Invalid,
        Status::Unknown,
        Status::Unverifiable,
    ];

    /// Parses the lowercase name used in every output.
    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

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

    /// How much a verdict says about the danger, highest first: when one credential got
    /// different verdicts in different places (paired with different SIDs), the credential
    /// shows the most telling one.
    pub fn weight(self) -> u8 {
        match self {
            Status::Live => 6,
            Status::Valid => 5,
            Status::Forbidden => 4,
            Status::Expired => 3,
            Status::Invalid => 2,
            Status::Unknown => 1,
            Status::Unverifiable => 0,
        }
    }
}

/// What a live credential can reach, read with GET requests only (`--verify`). Every field is
/// optional: a key that may not read an account leaves the account's fields unknown. Never a
/// secret: response bodies are read for these fields and dropped.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    /// `Trial` or `Full`, as Twilio's Account resource says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// `active`, `suspended` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_status: Option<String>,
    /// The account's friendly name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Whether the account is a main account (its own owner) rather than a subaccount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_account: Option<bool>,
    /// How many subaccounts it controls (a main account's token reaches every one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subaccounts: Option<u64>,
    /// For an API key: whether it is a Restricted key (a policy limits what it reaches).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted: Option<bool>,
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
    /// For a live Auth Token or API key: what it can reach.
    pub access: Option<Access>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_is_listed_most_telling_first_and_parses_back() {
        let weights: Vec<u8> = Status::ALL.iter().map(|s| s.weight()).collect();
        assert_eq!(weights, [6, 5, 4, 3, 2, 1, 0]);
        for status in Status::ALL {
            assert_eq!(Status::from_name(status.as_str()), Some(status));
        }
        assert_eq!(Status::from_name("LIVE"), None);
    }
}
