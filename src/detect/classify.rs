//! The contextual rules: deciding what a 32-character value is, from its context.
//!
//! The contextual rules of the table (Auth Token, API key secret) compete for the same values,
//! so their decisions are one ordered table, [`DECISIONS`], over [`Facts`] gathered once per
//! value: the first row that holds decides. The order mirrors how sure each answer is: a name
//! that says digest wins over everything; a name that says Auth Token or API secret decides
//! next; then an identifier right in front of the value (`AC…:TOKEN@`, `Client("AC…",
//! "TOKEN")`), its partner rule taking the value; then a call argument after an SID-named
//! variable; then generic names and identifiers a few lines away.

use super::context::{self, Attachment, NameClass};
use super::lines::LineIndex;
use super::placeholder::is_placeholder;
use super::prefilter::{is_word_byte, AnchorMatch, Anchors};
use super::rules::{Matcher, RuleId};
use super::surroundings::{self as around, Text};
use super::vocabulary::AUTH_TOKEN_CALLEE;
use super::Span;

/// How many lines away an SID still counts as "close by".
pub const NEAR_LINES: usize = 8;

/// Everything about one input that classification needs.
pub struct FileContext<'a> {
    text: Text<'a>,
    twilio_word: bool,
    /// Matches of identifier rules (SIDs), in order, and the 0-based line of each.
    ids: Vec<(AnchorMatch, usize)>,
}

impl<'a> FileContext<'a> {
    /// Prepares the per-input context. Only identifiers that could be reported count as
    /// context: a placeholder SID (`ACaaaa…`, the docs' and SDK fixtures' value) or an `SK…`
    /// run inside a base64 blob says nothing about the values around it.
    pub fn new(haystack: &'a [u8], anchors: &Anchors, lines: &'a LineIndex) -> Self {
        let ids = anchors
            .matches
            .iter()
            .filter(|m| m.rule.rule().is_identifier() && is_reportable(haystack, m))
            .map(|m| (*m, lines.line_of(m.span.start)))
            .collect();
        FileContext {
            text: Text { haystack, lines },
            twilio_word: anchors.twilio_word,
            ids,
        }
    }

    fn has_id(&self, rule: RuleId) -> bool {
        self.ids.iter().any(|(m, _)| m.rule == rule)
    }

    fn id_near(&self, rule: RuleId, line: usize) -> bool {
        self.ids
            .iter()
            .any(|(m, l)| m.rule == rule && l.abs_diff(line) <= NEAR_LINES)
    }

    /// The identifier that ends shortly before `start` and is paired with it by the gap.
    fn paired_id(&self, start: usize) -> Option<RuleId> {
        let before = self.ids.partition_point(|(m, _)| m.span.end <= start);
        let (id, _) = self.ids[..before].last()?;
        context::gap_pairs(&self.text.haystack[id.span.end..start]).then_some(id.rule)
    }
}

/// Whether an anchored match is a credential its rule would report: its validator accepts it
/// (no placeholder) and it is not part of a base64 blob.
pub fn is_reportable(haystack: &[u8], m: &AnchorMatch) -> bool {
    let valid = match m.rule.rule().matcher {
        Matcher::Anchored(anchored) => (anchored.validate)(&haystack[m.span.start..m.span.end]),
        Matcher::Contextual(_) | Matcher::Named(_) => false,
    };
    valid && !(m.rule.rule().is_identifier() && in_base64_blob(haystack, m.span))
}

/// The shortest base64 run, the value included, that counts as a blob: a 34-character SID
/// with six more characters glued on by `+` or `/` is no longer a SID on its own.
const BLOB_MIN_LEN: usize = 40;

/// Whether the value at `span` is glued into a longer base64 run (`[A-Za-z0-9+/]`, `=`
/// padding) that reads as a digest or a blob, not as a path: the SRI
/// `sha512-…/SK<32 hex>+…==` of lockfiles. The run must touch the value with `+` or `/`, be
/// at least [`BLOB_MIN_LEN`] long, and either follow an SRI algorithm (`sha256-`), end in
/// `=` padding or hold a `+` (which paths and URLs do not).
pub fn in_base64_blob(haystack: &[u8], span: Span) -> bool {
    let base64 = |b: u8| b.is_ascii_alphanumeric() || b == b'+' || b == b'/';
    let before = span.start.checked_sub(1).map(|i| haystack[i]);
    let after = haystack.get(span.end).copied();
    if !matches!(before, Some(b'+' | b'/')) && !matches!(after, Some(b'+' | b'/')) {
        return false;
    }
    let start = haystack[..span.start]
        .iter()
        .rposition(|&b| !base64(b))
        .map_or(0, |i| i + 1);
    let end = haystack[span.end..]
        .iter()
        .position(|&b| !base64(b))
        .map_or(haystack.len(), |i| span.end + i);
    let run = &haystack[start..end];
    if run.len() < BLOB_MIN_LEN {
        return false;
    }
    let lead = &haystack[start.saturating_sub(7)..start];
    let sri = ["sha1-", "sha256-", "sha384-", "sha512-"]
        .iter()
        .any(|algorithm| {
            lead.len() >= algorithm.len()
                && lead[lead.len() - algorithm.len()..].eq_ignore_ascii_case(algorithm.as_bytes())
        });
    sri || haystack.get(end) == Some(&b'=') || run.contains(&b'+')
}

/// Whether `value` has the shape of a contextual rule's values.
fn fits(rule: RuleId, value: &[u8]) -> bool {
    match rule.rule().matcher {
        Matcher::Contextual(shape) => shape.accepts(value),
        Matcher::Anchored(_) | Matcher::Named(_) => false,
    }
}

/// What the context says about one value: everything a decision reads.
struct Facts {
    /// The value has the Auth Token's shape (lowercase hex).
    token_shaped: bool,
    /// What the name in front of the value says.
    name: NameClass,
    /// The value is a call argument after another argument.
    argument: bool,
    /// The value is the first argument of Twilio's `RequestValidator`.
    validator_argument: bool,
    /// The names around it belong to another service.
    foreign: bool,
    /// The line, its block or the comment above says digest.
    said_hash: bool,
    /// The value sits in a block named after Twilio.
    twilio_section: bool,
    /// Its own name or block says Twilio.
    twilio_named: bool,
    /// A spelling of `twilio` occurs in the input.
    twilio_word: bool,
    /// The input mentions Twilio or holds an SID.
    twilio_context: bool,
    /// The partner rule of an identifier paired with the value by the gap between them, when
    /// the value has the partner's shape.
    paired: Option<RuleId>,
    /// An Account SID within [`NEAR_LINES`].
    account_sid_near: bool,
    /// An API key SID within [`NEAR_LINES`].
    api_key_sid_near: bool,
    /// An API key SID anywhere in the input.
    api_key_sid_in_file: bool,
    /// The block of lines around the value (up to a blank line) says Twilio or calls a
    /// client. Only read for names that say API key, which other services use too.
    twilio_in_block: bool,
    /// At least two of upper, lower and digit: what a random API secret always has.
    mixed_classes: bool,
}

/// What a decision says the value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// A credential of this rule.
    Is(RuleId),
    /// The partner of the identifier it is paired with.
    Partner,
    /// Not a credential.
    Nothing,
}

/// One row of the decision table: when `when` holds, the value is `then`, and no later row is
/// asked.
struct Decision {
    when: fn(&Facts) -> bool,
    then: Outcome,
}

/// The contextual decision table, in order. Row by row it reads as the policy.
const DECISIONS: &[Decision] = &[
    // A name that says digest or identifier: never a credential.
    Decision {
        when: |f| matches!(f.name, NameClass::Hash | NameClass::Identifier),
        then: Outcome::Nothing,
    },
    // Another service's credential (`SLACK_SIGNING_SECRET`, `key` in a `"trello": {` block).
    Decision {
        when: |f| f.name != NameClass::Other && f.foreign,
        then: Outcome::Nothing,
    },
    Decision {
        when: |f| f.name == NameClass::AuthToken && f.token_shaped,
        then: Outcome::Is(RuleId::AuthToken),
    },
    // Serverless `.env` files created with an API key store it as ACCOUNT_SID / AUTH_TOKEN.
    Decision {
        when: |f| f.name == NameClass::AuthToken && f.api_key_sid_in_file,
        then: Outcome::Is(RuleId::ApiKeySecret),
    },
    Decision {
        when: |f| f.name == NameClass::AuthToken,
        then: Outcome::Nothing,
    },
    Decision {
        when: |f| {
            f.name == NameClass::ApiSecret
                && f.token_shaped
                && f.account_sid_near
                && !f.api_key_sid_in_file
        },
        then: Outcome::Is(RuleId::AuthToken),
    },
    Decision {
        when: |f| f.name == NameClass::ApiSecret && (f.twilio_named || f.twilio_context),
        then: Outcome::Is(RuleId::ApiKeySecret),
    },
    Decision {
        when: |f| f.name == NameClass::ApiSecret,
        then: Outcome::Nothing,
    },
    // Twilio's webhook `RequestValidator(auth_token)` takes the Auth Token.
    Decision {
        when: |f| f.token_shaped && f.validator_argument,
        then: Outcome::Is(RuleId::AuthToken),
    },
    // `api_key = "<hex>"` is as often another service's key (a weather API's next to the
    // Twilio settings): an Account SID close by, even on the line before, makes it Twilio's
    // only with Twilio or a client call in its block of lines.
    Decision {
        when: |f| {
            f.name == NameClass::ApiKeySidName
                && !f.argument
                && f.token_shaped
                && !f.twilio_in_block
        },
        then: Outcome::Nothing,
    },
    // `AC…:TOKEN@`, `Client("AC…", "TOKEN")`, `sid: AC…\ntoken: …`: the identifier's partner.
    Decision {
        when: |f| f.paired.is_some(),
        then: Outcome::Partner,
    },
    // `Client(account_sid, "TOKEN")`, `Client(api_key, "SECRET", …)`.
    Decision {
        when: |f| f.argument && f.name == NameClass::AccountSidName && f.token_shaped,
        then: Outcome::Is(RuleId::AuthToken),
    },
    Decision {
        when: |f| f.argument && f.name == NameClass::ApiKeySidName,
        then: Outcome::Is(RuleId::ApiKeySecret),
    },
    Decision {
        when: |f| {
            f.name == NameClass::WeakSecret
                && (f.api_key_sid_near || (f.api_key_sid_in_file && !f.token_shaped))
        },
        then: Outcome::Is(RuleId::ApiKeySecret),
    },
    // `TWILIO_KEY=…`, `key` in a `twilio:` block: letters and digits are an API key secret.
    Decision {
        when: |f| f.name == NameClass::WeakSecret && f.twilio_named && !f.token_shaped,
        then: Outcome::Is(RuleId::ApiKeySecret),
    },
    Decision {
        when: |f| {
            matches!(f.name, NameClass::WeakToken | NameClass::WeakSecret)
                && f.token_shaped
                && (f.account_sid_near || f.twilio_section || f.twilio_word)
                && !f.said_hash
        },
        then: Outcome::Is(RuleId::AuthToken),
    },
    Decision {
        when: |f| matches!(f.name, NameClass::WeakToken | NameClass::WeakSecret),
        then: Outcome::Nothing,
    },
    Decision {
        when: |f| f.said_hash,
        then: Outcome::Nothing,
    },
    // No name: an Account SID a few lines away makes hex a token; an API key SID makes a
    // random-looking alphanumeric value its secret.
    Decision {
        when: |f| f.token_shaped && f.account_sid_near,
        then: Outcome::Is(RuleId::AuthToken),
    },
    Decision {
        when: |f| !f.token_shaped && f.api_key_sid_near && f.mixed_classes,
        then: Outcome::Is(RuleId::ApiKeySecret),
    },
];

/// Bytes that glue a value into a path, a base64 blob, a file name or a longer token.
fn glued(haystack: &[u8], span: Span) -> bool {
    let before = span.start.checked_sub(1).map(|i| haystack[i]);
    let after = haystack.get(span.end).copied();
    // `-` glues (`uuid-part`, `--flag-value`) except in a shell default, `${VAR:-value}`.
    let shell_default = span.start >= 2 && &haystack[span.start - 2..span.start] == b":-";
    (matches!(before, Some(b'+' | b'/' | b'-' | b'.' | b'%' | b'\\')) && !shell_default)
        || matches!(after, Some(b'+' | b'/' | b'-'))
        || after.is_some_and(is_word_byte)
}

/// Classifies one 32-alphanumeric candidate; `None` means it is not a credential.
pub fn classify(file: &FileContext<'_>, span: Span) -> Option<RuleId> {
    let value = &file.text.haystack[span.start..span.end];
    if glued(file.text.haystack, span) || is_placeholder(value) {
        return None;
    }
    let facts = facts_of(file, span, value);
    let decision = DECISIONS.iter().find(|decision| (decision.when)(&facts))?;
    match decision.then {
        Outcome::Is(rule) => Some(rule),
        Outcome::Partner => facts.paired,
        Outcome::Nothing => None,
    }
}

/// Gathers the facts about the value at `span`.
fn facts_of(file: &FileContext<'_>, span: Span, value: &[u8]) -> Facts {
    let text = &file.text;
    let line = text.lines.line_of(span.start);
    let line_range = text.lines.line_range(text.haystack, line);
    let key = around::key_of(text, line, line_range.start, span.start);
    let name = context::classify_name(&key.name);
    let block = around::inline_enclosing_name(&text.haystack[line_range.start..span.start])
        .map(|name| around::Block { name, list: false })
        .unwrap_or_else(|| around::enclosing_block(text, line));
    let enclosing = &block.name;
    let enclosing_class = context::classify_name(&context::normalize(enclosing.as_bytes()));
    let twilio_section = enclosing.to_ascii_lowercase().contains("twilio");
    let generic = matches!(
        name,
        NameClass::WeakToken | NameClass::WeakSecret | NameClass::ApiKeySidName
    );
    let paired = file
        .paired_id(span.start)
        .and_then(|id| id.rule().partner)
        .map(|partner| partner.rule)
        .filter(|&partner| fits(partner, value));
    Facts {
        token_shaped: fits(RuleId::AuthToken, value),
        name,
        argument: key.attachment == Attachment::Argument,
        validator_argument: key.callee.contains(AUTH_TOKEN_CALLEE),
        foreign: context::names_another_service(&key.raw)
            || (generic
                && !twilio_section
                && !block.list
                && !enclosing.is_empty()
                && context::names_another_service(enclosing)),
        said_hash: context::line_mentions_hash(&text.haystack[line_range])
            || enclosing_class == NameClass::Hash
            || around::comment_above_mentions_hash(text, line),
        twilio_section,
        twilio_named: key.name.contains("twilio") || twilio_section,
        twilio_word: file.twilio_word,
        twilio_context: file.twilio_word || !file.ids.is_empty(),
        paired,
        account_sid_near: file.id_near(RuleId::AccountSid, line),
        api_key_sid_near: file.id_near(RuleId::ApiKeySid, line),
        api_key_sid_in_file: file.has_id(RuleId::ApiKeySid),
        twilio_in_block: name == NameClass::ApiKeySidName && around::block_says_twilio(text, line),
        mixed_classes: has_mixed_classes(value),
    }
}

/// At least two of upper, lower and digit: what a random API secret always has.
fn has_mixed_classes(value: &[u8]) -> bool {
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let digit = value.iter().any(u8::is_ascii_digit);
    usize::from(upper) + usize::from(lower) + usize::from(digit) >= 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;
    use rand::{Rng, SeedableRng};

    /// 32 lowercase hex digits, generated so that no realistic value is written down here.
    fn hex(rng: &mut impl Rng) -> String {
        (0..32)
            .map(|_| char::from(b"0123456789abcdef"[rng.random_range(0..16)]))
            .collect()
    }

    /// The rules found for the value `value` in `text`.
    fn rules_at(text: &str, value: &str) -> Vec<RuleId> {
        let start = text.find(value).expect("the value is in the text");
        Detector::new()
            .detect(text.as_bytes())
            .into_iter()
            .filter(|d| d.span.start == start)
            .map(|d| d.rule)
            .collect()
    }

    #[test]
    fn a_notebook_cells_lines_are_code() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let (sid, token) = (format!("AC{}", hex(&mut rng)), hex(&mut rng));
        // The cell as Jupyter writes it: each line a JSON string ending in an escaped newline.
        let cell = format!(
            "  {{\n   \"cell_type\": \"code\",\n   \"source\": [\n    \"account_sid = '{sid}'\\n\",\n    \"token = '{token}'\\n\",\n    \"print(token)\"\n   ]\n  }}\n"
        );
        assert_eq!(rules_at(&cell, &token), [RuleId::AuthToken], "{cell}");
        let escaped = format!(
            "   \"source\": [\n    \"sid = \\\"{sid}\\\"\\n\",\n    \"token = \\\"{token}\\\"\\n\",\n"
        );
        assert_eq!(rules_at(&escaped, &token), [RuleId::AuthToken], "{escaped}");
    }

    #[test]
    fn a_placeholder_sid_is_no_context() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(35);
        let token = hex(&mut rng);
        let placeholder = format!("AC{}", "a".repeat(32));
        let fixture = format!(
            "            {{\n                \"sid\": \"YE{a}\",\n                \"identity\": \"{token}\",\n                \"account_sid\": \"{placeholder}\",\n                \"service_sid\": \"IS{a}\"\n            }}\n",
            a = "a".repeat(32)
        );
        assert!(rules_at(&fixture, &token).is_empty(), "{fixture}");
        let unnamed = format!("\"account_sid\": \"{placeholder}\",\n\"data\": \"{token}\",\n");
        assert!(rules_at(&unnamed, &token).is_empty(), "{unnamed}");
        // The same lines with a real-looking SID: the unnamed value is its token.
        let real = unnamed.replace(&placeholder, &format!("AC{}", hex(&mut rng)));
        assert_eq!(rules_at(&real, &token), [RuleId::AuthToken], "{real}");
    }

    #[test]
    fn base64_blobs_hold_no_sid() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(512);
        let sid = format!("SK{}", hex(&mut rng));
        let span_of = |text: &str| {
            let start = text.find(&sid).expect("the SID is in the text");
            Span {
                start,
                end: start + sid.len(),
            }
        };
        let blob = |text: String| in_base64_blob(text.as_bytes(), span_of(&text));
        let pad = "Kq1xZ9".repeat(4);
        assert!(blob(format!(
            "\"integrity\": \"sha512-{pad}/{sid}+{pad}{pad}==\""
        )));
        assert!(blob(format!("sha384-{pad}/{sid}{pad}{pad}")));
        assert!(blob(format!("{pad}+{sid}/{pad}")));
        assert!(!blob(format!(
            "https://api.twilio.com/2010-04-01/Accounts/AC/Keys/{sid}.json"
        )));
        assert!(!blob(format!("https://iam.twilio.com/v1/Keys/{sid}")));
        assert!(!blob(format!("TWILIO_API_KEY={sid}")));
        assert!(!blob(format!("a/{sid}/b")));
    }

    #[test]
    fn every_decision_names_a_contextual_rule_or_nothing() {
        for decision in DECISIONS {
            if let Outcome::Is(rule) = decision.then {
                assert!(
                    matches!(rule.rule().matcher, Matcher::Contextual(_)),
                    "{rule}"
                );
            }
        }
    }
}
