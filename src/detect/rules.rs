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
    /// One sentence on what to do about a finding.
    pub remediation: &'static str,
}

/// All rules, in [`RuleId::ALL`] order.
pub static RULES: [Rule; 5] = [
    Rule {
        id: RuleId::AccountSid,
        name: "Twilio Account SID",
        severity: Severity::Low,
        description: "`AC` followed by 32 lowercase hex digits: identifies a Twilio account or subaccount.",
        remediation: "An Account SID is not secret alone; check that no Auth Token or API key leaked with it, \
                      and prefer reading it from the environment (TWILIO_ACCOUNT_SID).",
    },
    Rule {
        id: RuleId::ApiKeySid,
        name: "Twilio API Key SID",
        severity: Severity::High,
        description: "`SK` followed by 32 lowercase hex digits: the public half of a Twilio API key.",
        remediation: "Read the key from the environment or a secret store; if its secret leaked too, delete \
                      the key in the Twilio Console (or DELETE the key resource) and create a new one.",
    },
    Rule {
        id: RuleId::AuthToken,
        name: "Twilio Auth Token",
        severity: Severity::High,
        description: "32 lowercase hex digits that the context (key name, Account SID, URL, client call) \
                      marks as an Auth Token.",
        remediation: "Move the token to an environment variable or secret store; if it was ever pushed or \
                      shared, create a secondary Auth Token in the Twilio Console, deploy it, then promote it \
                      (this invalidates the old one).",
    },
    Rule {
        id: RuleId::ApiKeySecret,
        name: "Twilio API Key Secret",
        severity: Severity::High,
        description: "32 alphanumerics that belong to a Twilio API key (next to an `SK` SID or under an API \
                      secret name).",
        remediation: "Move the secret to an environment variable or secret store; if it was ever pushed or \
                      shared, delete the API key in the Twilio Console and create a new one.",
    },
    Rule {
        id: RuleId::AccessToken,
        name: "Twilio Access Token",
        severity: Severity::High,
        description: "A JWT whose header says `\"cty\":\"twilio-fpa;v=1\"`, signed with an API key secret.",
        remediation: "Access tokens live at most 24 hours; mint them at run time instead of storing them, and \
                      delete the signing API key to revoke a leaked one now.",
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
