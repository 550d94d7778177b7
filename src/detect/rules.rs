//! The rule table: every rule's id, name, severity and the advice a user gets.
//!
//! Matching logic lives in the sibling modules; this table is the single source of the words
//! that reporters print, so that human, JSON and (later) SARIF output never disagree.

use crate::finding::{RuleId, Severity};

/// Static description of one rule.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The contract id.
    pub id: RuleId,
    /// A short human name, e.g. "Twilio Auth Token".
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// One sentence on what the rule matches.
    pub description: &'static str,
    /// What to do about a finding.
    pub remediation: &'static str,
    /// The Twilio documentation page that explains the fix.
    pub docs: &'static str,
}

/// All rules, in [`RuleId::ALL`] order.
pub static RULES: [Rule; 5] = [
    Rule {
        id: RuleId::AccountSid,
        name: "Twilio Account SID",
        severity: Severity::Low,
        description: "`AC` followed by 32 lowercase hex digits: identifies a Twilio account or subaccount.",
        remediation: "An Account SID is not secret alone: check that no Auth Token or API key leaked with it, and \
                      read it from the environment (TWILIO_ACCOUNT_SID) instead of the code.",
        docs: "https://www.twilio.com/docs/usage/secure-credentials",
    },
    Rule {
        id: RuleId::ApiKeySid,
        name: "Twilio API Key SID",
        severity: Severity::High,
        description: "`SK` followed by 32 lowercase hex digits: the public half of a Twilio API key.",
        remediation: "Read the key from the environment or a secret store. If its secret leaked too, delete the \
                      key (Twilio Console, or DELETE on the key resource) and create a new one. A leaked value \
                      stays in git history: rotating is the fix, rewriting history only limits exposure.",
        docs: "https://www.twilio.com/docs/iam/api-keys/key-resource-v1",
    },
    Rule {
        id: RuleId::AuthToken,
        name: "Twilio Auth Token",
        severity: Severity::High,
        description: "32 lowercase hex digits that the context (key name, Account SID, URL, client call) \
                      marks as an Auth Token.",
        remediation: "Move the token to an environment variable or secret store. If it was ever pushed or \
                      shared, create a secondary Auth Token (Console or API), deploy it, then promote it: this \
                      invalidates the old one, and webhook signature checks need the new token. A leaked value \
                      stays in git history: rotating is the fix, rewriting history only limits exposure.",
        docs: "https://www.twilio.com/docs/iam/api/authtoken",
    },
    Rule {
        id: RuleId::ApiKeySecret,
        name: "Twilio API Key Secret",
        severity: Severity::High,
        description: "32 alphanumerics that belong to a Twilio API key (next to an `SK` SID or under an API \
                      secret name).",
        remediation: "Move the secret to an environment variable or secret store. If it was ever pushed or \
                      shared, delete the API key (Twilio Console, or DELETE on the key resource) and create a \
                      new one. A leaked value stays in git history: rotating is the fix, rewriting history only \
                      limits exposure.",
        docs: "https://www.twilio.com/docs/iam/api-keys",
    },
    Rule {
        id: RuleId::AccessToken,
        name: "Twilio Access Token",
        severity: Severity::High,
        description: "A JWT whose header says `\"cty\":\"twilio-fpa;v=1\"`, signed with an API key secret.",
        remediation: "Access tokens expire within 24 hours; mint them at run time instead of storing them. To \
                      revoke a leaked one now, delete the API key that signed it (its `iss`).",
        docs: "https://www.twilio.com/docs/iam/access-tokens",
    },
];

/// The table entry for a rule id.
pub fn rule(id: RuleId) -> &'static Rule {
    RULES
        .iter()
        .find(|r| r.id == id)
        .expect("RULES has an entry for every RuleId (checked by a unit test)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_rule_ids() {
        assert_eq!(RULES.len(), RuleId::ALL.len());
        for (entry, id) in RULES.iter().zip(RuleId::ALL) {
            assert_eq!(entry.id, id);
            assert!(!entry.name.is_empty() && !entry.description.is_empty());
            assert!(!entry.remediation.is_empty());
            assert!(entry.docs.starts_with("https://www.twilio.com/docs/"));
        }
    }

    #[test]
    fn only_the_account_sid_is_low() {
        for entry in &RULES {
            let expected = if entry.id == RuleId::AccountSid {
                Severity::Low
            } else {
                Severity::High
            };
            assert_eq!(entry.severity, expected, "{}", entry.id);
        }
    }
}
