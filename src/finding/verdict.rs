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
    /// For an API key: which kind of key it is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_type: Option<KeyType>,
    /// `Trial` or `Full`, as Twilio's Account resource says.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_type: Option<String>,
    /// `active`, `suspended` or `closed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account_status: Option<String>,
    /// The account's friendly name, escaped ([`crate::sanitize::escape`]) and cut to 64
    /// characters: it comes from the network.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub friendly_name: Option<String>,
    /// Whether the account is a main account (its own owner) rather than a subaccount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub main_account: Option<bool>,
    /// How many subaccounts it controls (a main account's token reaches every one), counted on
    /// the first page of the account list only: see `subaccounts_more`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subaccounts: Option<u64>,
    /// Whether the account list had more pages than the one read: `subaccounts` is then a lower
    /// bound.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subaccounts_more: Option<bool>,
    /// For an API key: whether it is a Restricted key (a policy limits what it reaches). Unknown
    /// for a standard key: a restricted key allowed to read Verify services answers alike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restricted: Option<bool>,
}

/// The three kinds of Twilio API key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyType {
    /// Equivalent to the Auth Token: may read the account list.
    Main,
    /// Everything except the Accounts and Keys resources (401 on the account list).
    Standard,
    /// Limited by a policy (error 70051 on the Verify services list).
    Restricted,
}

impl KeyType {
    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyType::Main => "main",
            KeyType::Standard => "standard",
            KeyType::Restricted => "restricted",
        }
    }
}

impl Access {
    /// One line for reports: `main API key of Full account "Acme", active, main account with
    /// 3 subaccounts`. Empty when nothing is known.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        let account = match (&self.account_type, &self.friendly_name) {
            (Some(kind), Some(name)) => Some(format!("{kind} account \"{name}\"")),
            (Some(kind), None) => Some(format!("{kind} account")),
            (None, Some(name)) => Some(format!("account \"{name}\"")),
            (None, None) => None,
        };
        match (self.key_type, account) {
            (Some(key), Some(account)) => {
                parts.push(format!("{} API key of {account}", key.as_str()))
            }
            (Some(key), None) => parts.push(format!("{} API key", key.as_str())),
            (None, Some(account)) => parts.push(account),
            (None, None) => {}
        }
        if let Some(status) = &self.account_status {
            parts.push(status.clone());
        }
        match (self.main_account, self.subaccounts) {
            (Some(true), Some(0)) if self.subaccounts_more != Some(true) => {
                parts.push("main account without subaccounts".into());
            }
            (Some(true), Some(n)) => {
                let more = if self.subaccounts_more == Some(true) {
                    "+"
                } else {
                    ""
                };
                let noun = if n == 1 && more.is_empty() {
                    "subaccount"
                } else {
                    "subaccounts"
                };
                parts.push(format!("main account with {n}{more} {noun}"));
            }
            (Some(true), None) => parts.push("main account".into()),
            (Some(false), _) => parts.push("a subaccount".into()),
            (None, _) => {}
        }
        parts.join(", ")
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
    /// For a live Auth Token or API key: what it can reach.
    pub access: Option<Access>,
}

impl Verification {
    /// The verdict as reports show it: `live — <what it reaches>` when access is known,
    /// otherwise `<status> (<detail>)`.
    pub fn describe(&self) -> String {
        match self.access.as_ref().map(Access::summary) {
            Some(summary) if !summary.is_empty() => {
                format!("{} \u{2014} {summary}", self.status.as_str())
            }
            _ => format!("{} ({})", self.status.as_str(), self.detail),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_say_what_a_credential_reaches() {
        let main = Access {
            account_type: Some("Full".into()),
            account_status: Some("active".into()),
            friendly_name: Some("Acme prod".into()),
            main_account: Some(true),
            subaccounts: Some(3),
            subaccounts_more: Some(false),
            ..Access::default()
        };
        assert_eq!(
            main.summary(),
            r#"Full account "Acme prod", active, main account with 3 subaccounts"#
        );
        let many = Access {
            subaccounts: Some(99),
            subaccounts_more: Some(true),
            ..main.clone()
        };
        assert!(many
            .summary()
            .ends_with("main account with 99+ subaccounts"));
        let alone = Access {
            subaccounts: Some(0),
            ..main.clone()
        };
        assert!(alone
            .summary()
            .ends_with("main account without subaccounts"));
        let sub = Access {
            account_type: Some("Trial".into()),
            main_account: Some(false),
            ..Access::default()
        };
        assert_eq!(sub.summary(), "Trial account, a subaccount");
        let key = Access {
            key_type: Some(KeyType::Restricted),
            restricted: Some(true),
            ..Access::default()
        };
        assert_eq!(key.summary(), "restricted API key");
        let main_key = Access {
            key_type: Some(KeyType::Main),
            ..main
        };
        assert!(main_key
            .summary()
            .starts_with(r#"main API key of Full account "Acme prod""#));
        let verdict = |access| Verification {
            status: Status::Live,
            checked_at: 0,
            detail: "the API key works".into(),
            access,
        };
        assert_eq!(
            verdict(Some(key)).describe(),
            "live \u{2014} restricted API key"
        );
        assert_eq!(
            verdict(Some(Access::default())).describe(),
            "live (the API key works)"
        );
        assert_eq!(verdict(None).describe(), "live (the API key works)");
    }

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
