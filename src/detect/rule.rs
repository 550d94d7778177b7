//! What a rule is: the types of one row of the rule table in [`super::rules`].
//!
//! A row owns everything about its credential kind: how it is matched (its own shape, found at a
//! keyword; a generic 32-character value that context decides; or a value of a length range
//! that its name or its identifier designates), the partner it pairs with, what code scanning
//! is told about it, what a user should do about it, and how tests make a value of its shape. Everything outside `detect` and `verify` reads rows and never names one.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The stable identifier of a detection rule. The string form ([`RuleId::as_str`]) is part of
/// the interface; each variant has exactly one row in [`super::rules::RULES`], at its own index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RuleId {
    /// `AC` + 32 hex: an Account SID (identifier, low severity).
    AccountSid,
    /// `SK` + 32 hex: an API Key SID.
    ApiKeySid,
    /// 32 lowercase hex that the context says is an Auth Token.
    AuthToken,
    /// 32 alphanumerics that belong to an API key.
    ApiKeySecret,
    /// A JWT whose header says `"cty":"twilio-fpa;v=1"`.
    AccessToken,
    /// `SG.` + 22 + `.` + 43 base64url: a Twilio SendGrid API key.
    SendGridApiKey,
    /// `sgp_` + 64 alphanumerics: a Twilio Segment Public API token.
    SegmentApiToken,
    /// `OQ` + 32 alphanumerics: the client id of a Twilio OAuth app (identifier, low severity).
    OAuthClientId,
    /// The client secret of a Twilio OAuth app, named as such or next to its client id.
    OAuthClientSecret,
}

impl RuleId {
    /// Every rule, in table order (the order they are documented in).
    pub fn all() -> impl Iterator<Item = RuleId> + Clone {
        super::rules::RULES.iter().map(|rule| rule.id)
    }

    /// The rule's row in the table.
    pub fn rule(self) -> &'static Rule {
        super::rules::rule(self)
    }

    /// The contract id, e.g. `twilio-auth-token`.
    pub fn as_str(self) -> &'static str {
        self.rule().key
    }

    /// Parses a contract id.
    pub fn from_str_id(id: &str) -> Option<RuleId> {
        RuleId::all().find(|r| r.as_str() == id)
    }
}

impl fmt::Display for RuleId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// How bad a finding is. Ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// An identifier: worth knowing, not a secret by itself.
    Low,
    /// Reserved for configurable overrides.
    Medium,
    /// A credential that grants access.
    High,
}

impl Severity {
    /// Every severity, least severe first.
    pub const ALL: [Severity; 3] = [Severity::Low, Severity::Medium, Severity::High];

    /// The lowercase name used in every output.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Parses the lowercase name.
    pub fn from_name(name: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// Static description of one rule: one row of the table.
#[derive(Debug, Clone, Copy)]
pub struct Rule {
    /// The id, also the row's index in the table.
    pub id: RuleId,
    /// The contract id, e.g. `twilio-auth-token`.
    pub key: &'static str,
    /// A short human name, e.g. "Twilio Auth Token".
    pub name: &'static str,
    /// Default severity.
    pub severity: Severity,
    /// How the detector finds it.
    pub matcher: Matcher,
    /// The rule it pairs with (SID ↔ secret), for classification and verification.
    pub partner: Option<Partner>,
    /// How `--verify` checks it.
    pub verifier: Verifier,
    /// Why a finding of this rule cannot be checked when it is found alone (no partner).
    pub unverifiable: &'static str,
    /// What code scanning tools are told about it.
    pub sarif: SarifMeta,
    /// One sentence on what the rule matches.
    pub description: &'static str,
    /// What to do about a finding.
    pub remediation: &'static str,
    /// The documentation page that explains the fix.
    pub docs: &'static str,
    /// How tests make a value of this rule's shape, and the fixture templates that stand for it.
    pub sample: Sample,
}

impl Rule {
    /// Whether this rule's values are identifiers that other rules' secrets pair with.
    pub fn is_identifier(&self) -> bool {
        self.partner.is_some_and(|p| p.role == Role::Identifier)
    }
}

/// How a rule is matched.
#[derive(Debug, Clone, Copy)]
pub enum Matcher {
    /// A value with a shape of its own (a fixed prefix, a JWT), found where a keyword occurs.
    Anchored(Anchored),
    /// A generic 32-character value that only its context makes a credential; the contextual
    /// decision table in `classify` chooses among the contextual rules.
    Contextual(ValueShape),
    /// A value of a length range and an alphabet, with no shape of its own, that a key name
    /// in a Twilio context or the partner identifier right in front of it designates.
    Named(Named),
}

/// A self-identifying value: keywords for the prefilter, a shape, a validator.
#[derive(Debug, Clone, Copy)]
pub struct Anchored {
    /// Case-sensitive words the value starts with; the prefilter looks for these.
    pub keywords: &'static [&'static str],
    /// The shape that must match at a keyword, on ASCII word boundaries.
    pub shape: Shape,
    /// Says whether a match of the shape is a real credential (not a placeholder or an example).
    pub validate: fn(&[u8]) -> bool,
}

/// A secret designated by its name or its identifier (see `detect::named`).
#[derive(Debug, Clone, Copy)]
pub struct Named {
    /// The characters the value is made of.
    pub charset: Charset,
    /// The shortest value; shorter runs are left to the contextual rules.
    pub min_len: usize,
    /// The longest value; a longer run is something else (a blob).
    pub max_len: usize,
    /// Normalized key names that say what the value is (`clientsecret`): a name that contains
    /// one of them designates the value, in a Twilio context.
    pub names: &'static [&'static str],
    /// Says whether a designated value is a real credential (random, not a placeholder).
    pub validate: fn(&[u8]) -> bool,
}

/// The shape of an anchored value.
#[derive(Debug, Clone, Copy)]
pub enum Shape {
    /// `prefix` followed by exactly `len` bytes of `body`.
    Prefixed {
        /// The literal prefix, e.g. `AC`.
        prefix: &'static str,
        /// The characters after it.
        body: Charset,
        /// How many of them.
        len: usize,
    },
    /// A regex (without anchors or boundaries) that starts with one of the keywords.
    Regex(&'static str),
}

/// A character class of a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// `0-9a-f`.
    LowerHex,
    /// `A-Za-z0-9`.
    Alphanumeric,
    /// `A-Za-z0-9_-`: the base64url alphabet.
    Base64Url,
}

impl Charset {
    /// Whether `b` belongs to the class.
    pub fn contains(self, b: u8) -> bool {
        match self {
            Charset::LowerHex => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
            Charset::Alphanumeric => b.is_ascii_alphanumeric(),
            Charset::Base64Url => b.is_ascii_alphanumeric() || b == b'_' || b == b'-',
        }
    }

    /// The class as a regex character class.
    pub fn regex_class(self) -> &'static str {
        match self {
            Charset::LowerHex => "[0-9a-f]",
            Charset::Alphanumeric => "[A-Za-z0-9]",
            Charset::Base64Url => "[A-Za-z0-9_-]",
        }
    }

    /// The characters of the class, for generating values.
    pub fn alphabet(self) -> &'static [u8] {
        match self {
            Charset::LowerHex => b"0123456789abcdef",
            Charset::Alphanumeric => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
            }
            Charset::Base64Url => {
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
            }
        }
    }
}

/// Which 32-character values a contextual rule can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueShape {
    /// The characters the value is made of.
    pub charset: Charset,
}

impl ValueShape {
    /// Whether `value` has this shape.
    pub fn accepts(self, value: &[u8]) -> bool {
        value.iter().all(|&b| self.charset.contains(b))
    }
}

/// The other half of a credential pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partner {
    /// The partner's rule.
    pub rule: RuleId,
    /// Which half this rule is.
    pub role: Role,
}

/// Which half of a pair a rule is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The public half (a SID): the Basic-auth user.
    Identifier,
    /// The secret half: the Basic-auth password.
    Secret,
}

/// How `--verify` decides whether a credential works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verifier {
    /// SID and secret as Basic auth against the account resource of the REST API.
    AccountBasicAuth,
    /// SID and secret as Basic auth against an API that accepts API keys.
    ApiKeyBasicAuth,
    /// The token's own expiry, read offline.
    OfflineJwt,
    /// The key alone as a Bearer token against SendGrid's read-only scopes endpoint.
    SendGridScopes,
    /// The token alone as a Bearer token against the Segment Public API's read-only workspace
    /// endpoint.
    SegmentWorkspace,
    /// None: the only check there is would change something (it mints a token), so none is
    /// made and findings are `unverifiable`, with the row's reason.
    NoSafeCheck,
}

/// What SARIF consumers are told about a rule.
#[derive(Debug, Clone, Copy)]
pub struct SarifMeta {
    /// GitHub's `precision`: how often a match is a real credential (`very-high`, `high`, …).
    pub precision: &'static str,
}

/// How tests make values of a rule's shape.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    /// The fixture templates (`{TOKEN}` is `"TOKEN"`) whose substitutions are this rule's
    /// findings in `fixtures/rules/<rule>/positive.txt`.
    pub templates: &'static [&'static str],
    /// How to generate one value.
    pub value: SampleValue,
}

/// A recipe for a random value.
#[derive(Debug, Clone, Copy)]
pub enum SampleValue {
    /// `prefix` and `len` random characters of `charset`, all of its classes present when
    /// `mixed` (upper, lower and digit).
    Chars {
        /// Literal prefix.
        prefix: &'static str,
        /// Character class of the random part.
        charset: Charset,
        /// Length of the random part.
        len: usize,
        /// Whether every class of letters and digits must appear.
        mixed: bool,
    },
    /// `prefix` and random runs of `charset` of the given lengths, joined by `.`
    /// (`SG.<22>.<43>`).
    Dotted {
        /// Literal prefix, including its own separator.
        prefix: &'static str,
        /// Character class of the random runs.
        charset: Charset,
        /// Lengths of the runs.
        lens: &'static [usize],
    },
    /// A Twilio Access Token signed by a random API key for a random account.
    TwilioJwt,
}

impl SampleValue {
    /// A value made with `pick(n)`, a source of random numbers below `n`. Access tokens are
    /// assembled by the caller, which knows how to sign one: `None`.
    pub fn generate(self, mut pick: impl FnMut(usize) -> usize) -> Option<String> {
        let (prefix, charset, len, mixed) = match self {
            SampleValue::Chars {
                prefix,
                charset,
                len,
                mixed,
            } => (prefix, charset, len, mixed),
            SampleValue::Dotted {
                prefix,
                charset,
                lens,
            } => {
                let alphabet = charset.alphabet();
                let runs: Vec<String> = lens
                    .iter()
                    .map(|&len| {
                        (0..len)
                            .map(|_| char::from(alphabet[pick(alphabet.len())]))
                            .collect()
                    })
                    .collect();
                return Some(format!("{prefix}{}", runs.join(".")));
            }
            SampleValue::TwilioJwt => return None,
        };
        let alphabet = charset.alphabet();
        loop {
            let body: String = (0..len)
                .map(|_| char::from(alphabet[pick(alphabet.len())]))
                .collect();
            let classes = [
                u8::is_ascii_uppercase,
                u8::is_ascii_lowercase,
                u8::is_ascii_digit,
            ];
            if !mixed || classes.iter().all(|class| body.bytes().any(|b| class(&b))) {
                return Some(format!("{prefix}{body}"));
            }
        }
    }
}
