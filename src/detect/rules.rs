//! The rule table: one row per credential kind, owning its matching, pairing, verification,
//! SARIF metadata, advice and test samples (the row's type is [`super::rule::Rule`]).
//!
//! Adding a credential kind is one variant of [`RuleId`], one row here, and one folder of
//! examples in `fixtures/rules/<rule-id>/`, which a table test requires. Reporters, filters,
//! sources and commands read rows; none of them names a rule.

use super::jwt;
use super::placeholder::is_placeholder;
pub use super::rule::*;
use super::vocabulary::OAUTH_SECRET_NAMES;

/// All rules; each at the index of its [`RuleId`].
pub static RULES: [Rule; 9] = [
    Rule {
        id: RuleId::AccountSid,
        key: "twilio-account-sid",
        matcher: Matcher::Anchored(Anchored {
            keywords: &["AC"],
            shape: Shape::Prefixed {
                prefix: "AC",
                body: Charset::LowerHex,
                len: 32,
            },
            validate: is_real_sid,
        }),
        partner: Some(Partner {
            rule: RuleId::AuthToken,
            role: Role::Identifier,
        }),
        verifier: Verifier::AccountBasicAuth,
        unverifiable: "an identifier on its own: no Auth Token was found with it",
        // A fixed prefix: a shape nothing else has.
        sarif: SarifMeta {
            precision: "very-high",
        },
        sample: Sample {
            templates: &["AC"],
            value: SampleValue::Chars {
                prefix: "AC",
                charset: Charset::LowerHex,
                len: 32,
                mixed: false,
            },
        },
        name: "Twilio Account SID",
        severity: Severity::Low,
        description: "`AC` followed by 32 lowercase hex digits: identifies a Twilio account or subaccount.",
        remediation: "An Account SID is not secret alone: check that no Auth Token or API key leaked with it, and \
                      read it from the environment (TWILIO_ACCOUNT_SID) instead of the code.",
        docs: "https://www.twilio.com/docs/usage/secure-credentials",
    },
    Rule {
        id: RuleId::ApiKeySid,
        key: "twilio-api-key-sid",
        matcher: Matcher::Anchored(Anchored {
            keywords: &["SK"],
            shape: Shape::Prefixed {
                prefix: "SK",
                body: Charset::LowerHex,
                len: 32,
            },
            validate: is_real_sid,
        }),
        partner: Some(Partner {
            rule: RuleId::ApiKeySecret,
            role: Role::Identifier,
        }),
        verifier: Verifier::ApiKeyBasicAuth,
        unverifiable: "an API key SID alone cannot be checked, and no secret was found with it",
        sarif: SarifMeta {
            precision: "very-high",
        },
        sample: Sample {
            templates: &["SK"],
            value: SampleValue::Chars {
                prefix: "SK",
                charset: Charset::LowerHex,
                len: 32,
                mixed: false,
            },
        },
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
        key: "twilio-auth-token",
        matcher: Matcher::Contextual(ValueShape {
            charset: Charset::LowerHex,
        }),
        partner: Some(Partner {
            rule: RuleId::AccountSid,
            role: Role::Secret,
        }),
        verifier: Verifier::AccountBasicAuth,
        unverifiable: "no Account SID was found with this token, so it cannot be checked",
        // A generic shape that a context rule confirms.
        sarif: SarifMeta { precision: "high" },
        sample: Sample {
            templates: &["TOKEN"],
            value: SampleValue::Chars {
                prefix: "",
                charset: Charset::LowerHex,
                len: 32,
                mixed: false,
            },
        },
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
        key: "twilio-api-key-secret",
        matcher: Matcher::Contextual(ValueShape {
            charset: Charset::Alphanumeric,
        }),
        partner: Some(Partner {
            rule: RuleId::ApiKeySid,
            role: Role::Secret,
        }),
        verifier: Verifier::ApiKeyBasicAuth,
        unverifiable: "no API key SID was found with this secret, so it cannot be checked",
        sarif: SarifMeta { precision: "high" },
        sample: Sample {
            templates: &["SECRET"],
            value: SampleValue::Chars {
                prefix: "",
                charset: Charset::Alphanumeric,
                len: 32,
                mixed: true,
            },
        },
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
        key: "twilio-access-token",
        matcher: Matcher::Anchored(Anchored {
            keywords: &["eyJ"],
            shape: Shape::Regex(jwt::JWT_SHAPE),
            validate: jwt::is_real_access_token,
        }),
        partner: None,
        verifier: Verifier::OfflineJwt,
        unverifiable: "an access token is checked offline",
        // A JWT header that names Twilio: a shape nothing else has.
        sarif: SarifMeta {
            precision: "very-high",
        },
        sample: Sample {
            templates: &["JWT"],
            value: SampleValue::TwilioJwt,
        },
        name: "Twilio Access Token",
        severity: Severity::High,
        description: "A JWT whose header says `\"cty\":\"twilio-fpa;v=1\"`, signed with an API key secret.",
        remediation: "Access tokens expire within 24 hours; mint them at run time instead of storing them. To \
                      revoke a leaked one now, delete the API key that signed it (its `iss`).",
        docs: "https://www.twilio.com/docs/iam/access-tokens",
    },
    Rule {
        id: RuleId::SendGridApiKey,
        key: "sendgrid-api-key",
        name: "Twilio SendGrid API Key",
        severity: Severity::High,
        matcher: Matcher::Anchored(Anchored {
            keywords: &["SG."],
            // Runs longer than 43 are matched whole and refused by the validator, as a
            // trailing boundary would (the regex crate has no look-ahead).
            shape: Shape::Regex(r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43,}"),
            validate: is_real_sendgrid_key,
        }),
        partner: None,
        verifier: Verifier::SendGridScopes,
        unverifiable: "a SendGrid key is checked on its own",
        // A fixed prefix and layout: a shape nothing else has.
        sarif: SarifMeta {
            precision: "very-high",
        },
        description: "`SG.`, 22 and 43 base64url characters separated by a dot (69 in all): a Twilio \
                      SendGrid API key.",
        remediation: "Delete the key (SendGrid Settings > API Keys, or DELETE /v3/api_keys/{id}) and \
                      create a new one with only the scopes it needs; read it from the environment or a \
                      secret store. A leaked value stays in git history: deleting the key is the fix, \
                      rewriting history only limits exposure.",
        docs: "https://www.twilio.com/docs/sendgrid/api-reference/api-keys/delete-api-keys",
        sample: Sample {
            templates: &["SENDGRID"],
            value: SampleValue::Dotted {
                prefix: "SG.",
                charset: Charset::Base64Url,
                lens: &[22, 43],
            },
        },
    },
    Rule {
        id: RuleId::SegmentApiToken,
        key: "segment-api-token",
        name: "Twilio Segment Public API Token",
        severity: Severity::High,
        matcher: Matcher::Anchored(Anchored {
            keywords: &["sgp_"],
            shape: Shape::Prefixed {
                prefix: "sgp_",
                body: Charset::Alphanumeric,
                len: 64,
            },
            validate: is_real_segment_token,
        }),
        partner: None,
        verifier: Verifier::SegmentWorkspace,
        unverifiable: "a Segment token is checked on its own",
        // A fixed prefix and length: a shape nothing else has.
        sarif: SarifMeta {
            precision: "very-high",
        },
        description: "`sgp_` followed by 64 letters and digits: a Twilio Segment Public API token, which \
                      manages a whole Segment workspace (sources, destinations, warehouses, users).",
        remediation: "Delete the token (Segment Settings > Access Management > Tokens) and create a new \
                      one with the least role it needs; read it from the environment or a secret store. \
                      A leaked value stays in git history: deleting the token is the fix, rewriting \
                      history only limits exposure.",
        docs: "https://www.twilio.com/docs/segment/api/public-api",
        sample: Sample {
            templates: &["SEGMENT"],
            value: SampleValue::Chars {
                prefix: "sgp_",
                charset: Charset::Alphanumeric,
                len: 64,
                mixed: true,
            },
        },
    },
    Rule {
        id: RuleId::OAuthClientId,
        key: "twilio-oauth-client-id",
        name: "Twilio OAuth Client ID",
        severity: Severity::Low,
        matcher: Matcher::Anchored(Anchored {
            keywords: &["OQ"],
            // Twilio's IAM spec gives `^OQ[a-zA-Z0-9]{32}$`: any such value anchors (pairs with
            // a secret, says Twilio); only hex ones are reported (see the validator).
            shape: Shape::Prefixed {
                prefix: "OQ",
                body: Charset::Alphanumeric,
                len: 32,
            },
            validate: is_real_oauth_client_id,
        }),
        partner: Some(Partner {
            rule: RuleId::OAuthClientSecret,
            role: Role::Identifier,
        }),
        verifier: Verifier::NoSafeCheck,
        unverifiable: "an OAuth client id is not secret alone, and the only check of its secret \
                       (POST oauth.twilio.com/v2/token) mints an access token: no request is made",
        // A fixed prefix, but any letters and digits after it: base64 text can hold one.
        sarif: SarifMeta { precision: "high" },
        description: "`OQ` followed by 32 lowercase hex digits: the client id of a Twilio OAuth app \
                      (the SID of the app).",
        remediation: "A client id is not secret alone: check that the app's client secret did not leak \
                      with it, and read both from the environment instead of the code. The id names \
                      the OAuth app to rotate or delete if it did.",
        docs: "https://www.twilio.com/docs/iam/oauth-apps/account-oauth-apps-resource",
        sample: Sample {
            templates: &["OQ"],
            value: SampleValue::Chars {
                prefix: "OQ",
                charset: Charset::LowerHex,
                len: 32,
                mixed: false,
            },
        },
    },
    Rule {
        id: RuleId::OAuthClientSecret,
        key: "twilio-oauth-client-secret",
        name: "Twilio OAuth Client Secret",
        severity: Severity::High,
        // Twilio does not document the secret's format; the secrets seen are 86 base64url
        // characters (64 random bytes). 40 to 128 takes other sizes of the same encoding while
        // leaving 32-character values, which people also store under `TWILIO_CLIENT_SECRET`
        // for API key secrets, to the contextual rules.
        matcher: Matcher::Named(Named {
            charset: Charset::Base64Url,
            min_len: 40,
            max_len: 128,
            names: &OAUTH_SECRET_NAMES,
            validate: is_real_oauth_secret,
        }),
        partner: Some(Partner {
            rule: RuleId::OAuthClientId,
            role: Role::Secret,
        }),
        verifier: Verifier::NoSafeCheck,
        unverifiable: "the only check of an OAuth client secret (POST oauth.twilio.com/v2/token) mints an \
                       access token, a side effect: no request is made",
        // A generic shape that a name or the client id in front of it confirms.
        sarif: SarifMeta { precision: "high" },
        description: "The client secret of a Twilio OAuth app: 40 to 128 base64url characters next to \
                      its `OQ` client id, or under a client-secret name in a Twilio context.",
        remediation: "Rotate the client secret (Console: Settings > Account settings > OAuth \
                      applications, or the app's /secret resource) or delete the app (DELETE \
                      https://iam.twilio.com/v1/Account/OAuthApps/{client id}), then read the new \
                      secret from the environment or a secret store. Access tokens already minted \
                      with it work until they expire (one hour by default, at most 30 days). A leaked \
                      value stays in git history: rotating is the fix, rewriting history only limits \
                      exposure.",
        docs: "https://www.twilio.com/docs/iam/oauth-apps/account-oauth-apps",
        sample: Sample {
            templates: &["OAUTH_SECRET"],
            value: SampleValue::Chars {
                prefix: "",
                charset: Charset::Base64Url,
                len: 86,
                mixed: true,
            },
        },
    },
];

/// The table entry for a rule id.
pub fn rule(id: RuleId) -> &'static Rule {
    &RULES[id as usize]
}

/// A SendGrid key of exactly 69 characters whose two random parts are not placeholders
/// (`SG.xxxxxxxxxxxxxxxxxxxxxx.xxxx…`).
fn is_real_sendgrid_key(key: &[u8]) -> bool {
    let mut parts = key.split(|&b| b == b'.').skip(1);
    key.len() == 69 && parts.all(|part| !is_placeholder(part))
}

/// A Segment token whose 64 characters after `sgp_` are not a placeholder (`sgp_xxxx…`): each
/// half is judged as a 32-character body, the length the placeholder statistics are tuned for.
fn is_real_segment_token(token: &[u8]) -> bool {
    let body = &token[4..];
    !is_placeholder(body) && body.chunks(32).all(|half| !is_placeholder(half))
}

/// A random-looking OAuth client secret: upper and lower case letters and digits all present
/// (a random 40-character base64url value lacks one with odds below one in a thousand, an 86-
/// character one below one in a million; a long identifier or word lacks one), and not a
/// placeholder.
fn is_real_oauth_secret(secret: &[u8]) -> bool {
    let has = |class: fn(&u8) -> bool| secret.iter().any(class);
    has(u8::is_ascii_uppercase)
        && has(u8::is_ascii_lowercase)
        && has(u8::is_ascii_digit)
        && !is_placeholder(secret)
}

/// An OAuth client id with a lowercase hex body that is not a placeholder. Twilio's spec allows
/// letters and digits, but SIDs are hex (Twilio's glossary) and so are the ids seen; 32 letters
/// and digits after `OQ` turn up by chance in base64 text (about one in 5 MB of it), 32 hex
/// digits do not.
fn is_real_oauth_client_id(id: &[u8]) -> bool {
    let body = &id[2..];
    body.iter().all(|&b| Charset::LowerHex.contains(b)) && !is_placeholder(body)
}

/// A SID whose 32 characters after the prefix are not a placeholder (`ACxxxx…`, `AC000…`).
fn is_real_sid(sid: &[u8]) -> bool {
    !is_placeholder(&sid[2..])
}

/// Rules picked by what they are, so that tests outside `detect` name no rule.
#[cfg(test)]
pub(crate) mod pick {
    use super::{Matcher, RuleId, Severity, RULES};

    /// A blocking secret that only its context identifies (an Auth Token today).
    pub fn contextual_secret() -> RuleId {
        RULES
            .iter()
            .find(|r| matches!(r.matcher, Matcher::Contextual(_)) && r.severity == Severity::High)
            .expect("the table has a contextual secret")
            .id
    }

    /// Another blocking secret, different from [`contextual_secret`].
    pub fn other_secret() -> RuleId {
        RULES
            .iter()
            .filter(|r| r.severity == Severity::High)
            .map(|r| r.id)
            .find(|&id| id != contextual_secret())
            .expect("the table has two secrets")
    }

    /// An identifier that does not block by default (an Account SID today).
    pub fn low_identifier() -> RuleId {
        RULES
            .iter()
            .find(|r| r.severity == Severity::Low)
            .expect("the table has a low-severity rule")
            .id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_sits_at_its_ids_index_and_is_complete() {
        for (index, entry) in RULES.iter().enumerate() {
            assert_eq!(entry.id as usize, index, "{}", entry.key);
            assert!(entry.key.starts_with("twilio-") || !entry.key.contains(' '));
            assert!(entry
                .key
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
            assert!(!entry.name.is_empty() && !entry.description.is_empty());
            assert!(!entry.remediation.is_empty());
            assert!(entry.docs.starts_with("https://"));
            assert!(["very-high", "high", "medium", "low"].contains(&entry.sarif.precision));
            assert!(!entry.sample.templates.is_empty());
            if let Matcher::Anchored(anchored) = entry.matcher {
                assert!(!anchored.keywords.is_empty(), "{}", entry.key);
            }
        }
        let mut keys: Vec<&str> = RULES.iter().map(|r| r.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), RULES.len(), "rule ids are unique");
    }

    #[test]
    fn partners_point_back_with_the_other_role() {
        for entry in &RULES {
            let Some(partner) = entry.partner else {
                continue;
            };
            let back = rule(partner.rule).partner.expect("a partner has a partner");
            assert_eq!(back.rule, entry.id, "{}", entry.key);
            assert_ne!(back.role, partner.role, "{}", entry.key);
            assert_eq!(rule(partner.rule).verifier, entry.verifier, "{}", entry.key);
        }
    }

    #[test]
    fn ids_round_trip() {
        for id in RuleId::all() {
            assert_eq!(RuleId::from_str_id(id.as_str()), Some(id));
        }
        assert_eq!(RuleId::from_str_id("twilio-nope"), None);
    }

    #[test]
    fn only_identifiers_that_are_not_secret_alone_are_low() {
        for entry in &RULES {
            let expected = if [RuleId::AccountSid, RuleId::OAuthClientId].contains(&entry.id) {
                Severity::Low
            } else {
                Severity::High
            };
            assert_eq!(entry.severity, expected, "{}", entry.id);
        }
    }
}
