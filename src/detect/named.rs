//! Named secrets: values with no shape of their own beyond an alphabet and a length range (a
//! Twilio OAuth client secret), which only what stands in front of them designates.
//!
//! A run of the rule's alphabet within its length range is the rule's credential when
//!
//! * the partner identifier ends right before it, with a gap that pairs them
//!   (`ClientCredentialProvider("OQ…", "…")`, `OQ…:…`), or
//! * its key names it (`client_secret`, `TWILIO_CLIENT_SECRET`, `setClientSecret("…")`), the
//!   name belongs to no other service (`GOOGLE_CLIENT_SECRET`, a `"spotify": {` block), and the
//!   context is Twilio's: `twilio` in the name or its block, the partner identifier anywhere in
//!   the input, or a spelling of `twilio` within [`NEAR_LINES`] lines.
//!
//! Only inputs with a `twilio` word or a partner identifier among their anchors are searched,
//! so the prefilter decides here as everywhere else.

use super::classify::NEAR_LINES;
use super::context;
use super::lines::LineIndex;
use super::prefilter::{AnchorMatch, Anchors};
use super::rules::{Matcher, Named, RuleId, RULES};
use super::surroundings::{self as around, Text};
use super::vocabulary::{OAUTH_NAME_WORDS, TWILIO_WORDS};
use super::{Detection, Span};
use regex::bytes::Regex;

/// One named rule, its value pattern compiled.
#[derive(Debug, Clone)]
struct CompiledNamed {
    rule: RuleId,
    named: Named,
    /// Maximal runs of the alphabet at least `min_len` long.
    runs: Regex,
}

/// The compiled patterns of every named rule.
#[derive(Debug, Clone)]
pub struct NamedPatterns {
    rules: Vec<CompiledNamed>,
}

impl Default for NamedPatterns {
    fn default() -> Self {
        NamedPatterns::new()
    }
}

impl NamedPatterns {
    /// Compiles the value pattern of every named rule. They are constants: this cannot fail.
    pub fn new() -> NamedPatterns {
        let rules = RULES
            .iter()
            .filter_map(|rule| match rule.matcher {
                Matcher::Named(named) => Some(CompiledNamed {
                    rule: rule.id,
                    named,
                    // Leftmost-first and greedy: each match is a whole run of the alphabet.
                    runs: Regex::new(&format!(
                        "{}{{{},}}",
                        named.charset.regex_class(),
                        named.min_len
                    ))
                    .expect("named value patterns are valid constants"),
                }),
                _ => None,
            })
            .collect();
        NamedPatterns { rules }
    }

    /// The named credentials in `haystack`; `covered` (sorted, disjoint) are the anchored
    /// matches, whose insides are theirs.
    pub(super) fn detect(
        &self,
        haystack: &[u8],
        anchors: &Anchors,
        lines: &LineIndex,
        covered: &[Span],
    ) -> Vec<Detection> {
        let text = Text { haystack, lines };
        let ids: Vec<&AnchorMatch> = anchors
            .matches
            .iter()
            .filter(|m| m.rule.rule().is_identifier())
            .collect();
        let mut found = Vec::new();
        for compiled in &self.rules {
            let partner = compiled.rule.rule().partner.map(|p| p.rule);
            let partner_in_input = ids.iter().any(|m| Some(m.rule) == partner);
            if !anchors.twilio_word && !partner_in_input {
                continue;
            }
            for run in compiled.runs.find_iter(haystack) {
                let span = Span {
                    start: run.start(),
                    end: run.end(),
                };
                let value = run.as_bytes();
                if value.len() > compiled.named.max_len
                    || overlaps(covered, span)
                    || glued(haystack, span)
                    || !(compiled.named.validate)(value)
                {
                    continue;
                }
                let designated = paired(haystack, &ids, span, partner)
                    || named_in_twilio_context(&text, &compiled.named, span, partner_in_input);
                if designated {
                    found.push(Detection {
                        rule: compiled.rule,
                        span,
                        decoded: None,
                    });
                }
            }
        }
        found
    }
}

/// Whether `span` overlaps one of the sorted, disjoint `covered` spans.
fn overlaps(covered: &[Span], span: Span) -> bool {
    let after = covered.partition_point(|c| c.end <= span.start);
    covered.get(after).is_some_and(|c| c.start < span.end)
}

/// Bytes that make a run a piece of something longer: standard base64 (`+`, `/`, `=`
/// padding), a dotted token or file name, a path, or a call (`name(`).
fn glued(haystack: &[u8], span: Span) -> bool {
    let before = span.start.checked_sub(1).map(|i| haystack[i]);
    let after = haystack.get(span.end).copied();
    matches!(before, Some(b'+' | b'/' | b'.' | b'%' | b'\\'))
        || matches!(after, Some(b'+' | b'/' | b'.' | b'=' | b'('))
}

/// The identifier that ends nearest before `span` is the rule's partner, stands on its own
/// (not a slice of base64 text, where `OQ` and 32 letters and digits turn up by chance), and
/// the gap between them pairs them.
fn paired(haystack: &[u8], ids: &[&AnchorMatch], span: Span, partner: Option<RuleId>) -> bool {
    let before = ids.partition_point(|m| m.span.end <= span.start);
    before > 0 && {
        let id = ids[before - 1];
        Some(id.rule) == partner
            && !glued(haystack, id.span)
            && context::gap_pairs(&haystack[id.span.end..span.start])
    }
}

/// The key in front of the value names it, belongs to no other service, and the context is
/// Twilio's.
fn named_in_twilio_context(
    text: &Text<'_>,
    named: &Named,
    span: Span,
    partner_in_input: bool,
) -> bool {
    let line = text.lines.line_of(span.start);
    let line_start = text.lines.line_range(text.haystack, line).start;
    let key = around::key_of(text, line, line_start, span.start);
    let designates = |name: &str| named.names.iter().any(|n| name.contains(n));
    if !(designates(&key.name) || designates(&key.callee)) || foreign(&key.raw) {
        return false;
    }
    let enclosing = around::inline_enclosing_name(&text.haystack[line_start..span.start])
        .unwrap_or_else(|| around::enclosing_block(text, line).name);
    let twilio = |name: &str| name.to_ascii_lowercase().contains("twilio");
    let twilio_named = twilio(&key.name) || twilio(&key.callee) || twilio(&enclosing);
    if !twilio_named && foreign(&enclosing) {
        return false;
    }
    twilio_named || partner_in_input || twilio_near(text, line)
}

/// Whether a name, without the words of an OAuth client secret's name, belongs to another
/// service (`GOOGLE_CLIENT_SECRET`, `auth0.clientSecret`); an empty name belongs to none.
fn foreign(raw: &str) -> bool {
    let rest: Vec<String> = context::words(raw)
        .into_iter()
        .filter(|w| !OAUTH_NAME_WORDS.contains(&w.as_str()))
        .collect();
    !rest.is_empty() && context::names_another_service(&rest.join("_"))
}

/// A spelling of `twilio` within [`NEAR_LINES`] lines of `line`.
fn twilio_near(text: &Text<'_>, line: usize) -> bool {
    let last_line = text.lines.line_of(text.haystack.len());
    let start = text
        .lines
        .line_range(text.haystack, line.saturating_sub(NEAR_LINES))
        .start;
    let end = text
        .lines
        .line_range(text.haystack, (line + NEAR_LINES).min(last_line))
        .end;
    let window = &text.haystack[start..end];
    TWILIO_WORDS
        .iter()
        .any(|w| memchr::memmem::find(window, w.as_bytes()).is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_other_services_are_foreign_and_generic_ones_are_not() {
        for name in ["GOOGLE_CLIENT_SECRET", "auth0.clientSecret", "spotify"] {
            assert!(foreign(name), "{name}");
        }
        for name in [
            "",
            "client_secret",
            "TWILIO_CLIENT_SECRET",
            "OAUTH_CLIENT_SECRET",
            "twilio",
            "oauth",
        ] {
            assert!(!foreign(name), "{name}");
        }
    }

    #[test]
    fn runs_glued_to_base64_paths_or_calls_are_pieces() {
        let text = b"a/xyz b xyz= c xyz( d xyz e";
        let at = |from: usize| Span {
            start: from,
            end: from + 3,
        };
        assert!(glued(text, at(2)));
        assert!(glued(text, at(8)));
        assert!(glued(text, at(15)));
        assert!(!glued(text, at(22)));
    }

    #[test]
    fn overlapping_a_covered_span() {
        let covered = [Span { start: 10, end: 20 }, Span { start: 30, end: 40 }];
        let span = |start, end| Span { start, end };
        assert!(overlaps(&covered, span(15, 25)));
        assert!(overlaps(&covered, span(0, 11)));
        assert!(!overlaps(&covered, span(20, 30)));
        assert!(!overlaps(&covered, span(41, 50)));
    }
}
