//! Anchors: the cheap first pass that tells which parts of the detector need to run at all.
//!
//! Every finding needs an anchor in the content: a match of an anchored rule's shape (an
//! `AC`/`SK` SID, a JWT starting with `eyJ`) or a context word (`twilio`, `auth_token`, … in
//! their common spellings). One Aho-Corasick pass over every anchored rule's keywords and the
//! vocabulary's context words finds them; each keyword hit is then confirmed in place against
//! its rule's shape. [`Anchors::find_by_regex`] computes the same thing with one regex per
//! rule over the whole input, so a test can check that the prefilter never hides a match.
//!
//! The same pass tells the decoding stage whether to look at the input at all: an anchor, the
//! start of a split value, or a base64 form of a keyword ([`super::decode::HINTS`]) may hide a
//! credential the plain pass cannot read. Inputs without any of them cost nothing more.

use super::decode::HINTS;
use super::rules::{Charset, Matcher, RuleId, Shape, RULES};
use super::vocabulary::{AUTH_TOKEN_WORDS, TWILIO_WORDS};
use super::Span;
use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;

/// A match of an anchored rule's shape (not yet validated: placeholders are anchors too).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct AnchorMatch {
    /// Where the whole value is.
    pub span: Span,
    /// The rule whose shape matched.
    pub rule: RuleId,
}

/// Everything the first pass learned about one input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// Matches of anchored rules' shapes, in order of position.
    pub matches: Vec<AnchorMatch>,
    /// Whether a spelling of `twilio` occurs.
    pub twilio_word: bool,
    /// Whether a spelling of `auth_token` occurs.
    pub auth_token_word: bool,
    /// Whether something may hide a credential the plain pass cannot read: a keyword that
    /// starts the first piece of a split value (part of its rule's shape, then a quote or a
    /// backslash: `"AC12ab" + "…"`), or a base64 form of a keyword ([`HINTS`]). Not an anchor
    /// of the plain pass; it lets the decoding stage look.
    pub hidden: bool,
}

impl Anchors {
    /// True when nothing in the input can lead to a finding.
    pub fn is_empty(&self) -> bool {
        self.matches.is_empty() && !self.twilio_word && !self.auth_token_word
    }

    /// The same anchors as [`Prefilter::find`], computed without the prefilter.
    pub fn find_by_regex(haystack: &[u8], patterns: &AnchorPatterns) -> Anchors {
        let mut matches: Vec<AnchorMatch> = patterns
            .shapes
            .iter()
            .flat_map(|shape| {
                shape.anywhere.find_iter(haystack).map(|m| AnchorMatch {
                    span: Span {
                        start: m.start(),
                        end: m.end(),
                    },
                    rule: shape.rule,
                })
            })
            .collect();
        matches.sort();
        let split_value = patterns.shapes.iter().any(|shape| {
            shape.keywords().any(|keyword| {
                let finder = memchr::memmem::Finder::new(keyword.as_bytes());
                finder
                    .find_iter(haystack)
                    .any(|at| shape.hides_at(haystack, at))
            })
        });
        let hint = HINTS.iter().any(|hint| {
            memchr::memmem::find_iter(haystack, hint.as_bytes())
                .any(|at| starts_base64(haystack, at))
        });
        Anchors {
            matches,
            twilio_word: patterns.twilio.is_match(haystack),
            auth_token_word: patterns.auth_token.is_match(haystack),
            hidden: split_value || hint,
        }
    }
}

/// The longest first piece of a split regex-shaped value looked at.
const SPLIT_PIECE: usize = 8 << 10;

/// How long a base64 run after a regex shape's keyword makes it a sign of encoded content.
const BASE64_RUN: usize = 40;

/// One anchored rule's shape, compiled.
#[derive(Debug, Clone)]
struct CompiledShape {
    rule: RuleId,
    shape: Shape,
    /// The shape on word boundaries, anywhere (the regex-only path).
    anywhere: Regex,
    /// The shape at the start of a slice (to confirm a keyword hit), for regex shapes.
    at_start: Option<Regex>,
}

impl CompiledShape {
    /// The rule's keywords.
    fn keywords(&self) -> impl Iterator<Item = &'static str> {
        let keywords = match self.rule.rule().matcher {
            Matcher::Anchored(anchored) => anchored.keywords,
            Matcher::Contextual(_) | Matcher::Named(_) => &[],
        };
        keywords.iter().copied()
    }

    /// Whether the keyword at `at` may hide a credential (on a word boundary): it starts the
    /// first piece of a split value (less than a whole value of the shape's characters, then a
    /// quote or a backslash), or, for a regex shape (a JWT's `eyJ`, which is also how base64
    /// JSON starts), a long run of base64 that is not a dotted token.
    fn hides_at(&self, haystack: &[u8], at: usize) -> bool {
        if !boundary_before(haystack, at) {
            return false;
        }
        let rest = haystack.get(at..).unwrap_or_default();
        let closes = |piece: usize| matches!(rest.get(piece), Some(b'"' | b'\'' | b'\\'));
        match self.shape {
            Shape::Prefixed { prefix, body, len } => {
                let piece = prefix.len()
                    + rest[prefix.len().min(rest.len())..]
                        .iter()
                        .take(len)
                        .take_while(|&&b| body.contains(b))
                        .count();
                piece < prefix.len() + len && closes(piece)
            }
            Shape::Regex(_) => {
                let dotted = |b: u8| Charset::Base64Url.contains(b) || b == b'.';
                let piece = rest
                    .iter()
                    .take(SPLIT_PIECE)
                    .take_while(|&&b| dotted(b))
                    .count();
                let base64 = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/');
                let run = rest
                    .iter()
                    .take(BASE64_RUN)
                    .take_while(|&&b| base64(b))
                    .count();
                (piece < SPLIT_PIECE && closes(piece))
                    || (run == BASE64_RUN && rest.get(run) != Some(&b'.'))
            }
        }
    }

    /// The end of this shape's match at `at`, if it matches there on word boundaries.
    fn confirm(&self, haystack: &[u8], at: usize) -> Option<usize> {
        if !boundary_before(haystack, at) {
            return None;
        }
        let end = match self.shape {
            Shape::Prefixed { prefix, body, len } => {
                prefixed_at(haystack, at, prefix.as_bytes(), body, len)?
            }
            Shape::Regex(_) => {
                let at_start = self.at_start.as_ref()?;
                at + at_start.find(&haystack[at..])?.end()
            }
        };
        (matches!(self.shape, Shape::Regex(_)) || boundary_after(haystack, end)).then_some(end)
    }
}

/// Compiled regexes shared by the prefilter (to confirm hits) and the regex-only path.
#[derive(Debug, Clone)]
pub struct AnchorPatterns {
    /// One per anchored rule, in table order.
    shapes: Vec<CompiledShape>,
    twilio: Regex,
    auth_token: Regex,
}

impl AnchorPatterns {
    /// Compiles the patterns of every anchored rule. They are constants, so this cannot fail.
    pub fn new() -> AnchorPatterns {
        let alternation = |words: &[&str]| {
            words
                .iter()
                .map(|w| regex::escape(w))
                .collect::<Vec<_>>()
                .join("|")
        };
        let compile =
            |pattern: &str| Regex::new(pattern).expect("anchor patterns are valid constants");
        let shapes = RULES
            .iter()
            .filter_map(|rule| match rule.matcher {
                Matcher::Anchored(anchored) => Some((rule.id, anchored.shape)),
                Matcher::Contextual(_) | Matcher::Named(_) => None,
            })
            .map(|(rule, shape)| {
                let (anywhere, at_start) = match shape {
                    Shape::Prefixed { prefix, body, len } => (
                        compile(&format!(
                            r"(?-u:\b){}{}{{{len}}}(?-u:\b)",
                            regex::escape(prefix),
                            body.regex_class()
                        )),
                        None,
                    ),
                    Shape::Regex(pattern) => (
                        compile(&format!(r"(?-u:\b){pattern}")),
                        Some(compile(&format!("^(?:{pattern})"))),
                    ),
                };
                CompiledShape {
                    rule,
                    shape,
                    anywhere,
                    at_start,
                }
            })
            .collect();
        AnchorPatterns {
            shapes,
            twilio: compile(&alternation(&TWILIO_WORDS)),
            auth_token: compile(&alternation(&AUTH_TOKEN_WORDS)),
        }
    }
}

impl Default for AnchorPatterns {
    fn default() -> Self {
        AnchorPatterns::new()
    }
}

/// What an automaton pattern stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Needle {
    /// A keyword of the anchored rule at this index of [`AnchorPatterns::shapes`].
    Keyword(usize),
    Twilio,
    AuthToken,
    /// A base64 form of a keyword: a sign for the decoding stage.
    Hint,
}

/// Every needle of the prefilter: the context words, then anchored rules' keywords, then the
/// decoding stage's hints.
///
/// No needle starts another (a unit test checks it), so their order never changes what is
/// found; it changes how fast. Teddy shares its buckets among the needles in the order given,
/// and with the keywords first (`sgp_`, `OQ` among the many two-letter starts) its buckets
/// let through so many false candidates that the search took 1.8 times as long on source code.
fn needles(patterns: &AnchorPatterns) -> Vec<(&'static str, Needle)> {
    let mut out = Vec::new();
    out.extend(TWILIO_WORDS.map(|w| (w, Needle::Twilio)));
    out.extend(AUTH_TOKEN_WORDS.map(|w| (w, Needle::AuthToken)));
    for (index, shape) in patterns.shapes.iter().enumerate() {
        if let Matcher::Anchored(anchored) = shape.rule.rule().matcher {
            out.extend(
                anchored
                    .keywords
                    .iter()
                    .map(|&k| (k, Needle::Keyword(index))),
            );
        }
    }
    out.extend(HINTS.map(|w| (w, Needle::Hint)));
    out
}

/// One Aho-Corasick automaton over every anchor.
#[derive(Debug, Clone)]
pub struct Prefilter {
    /// Teddy (SIMD) where the CPU has it: many times faster than the automaton on these needles.
    packed: Option<aho_corasick::packed::Searcher>,
    automaton: AhoCorasick,
    needles: Vec<Needle>,
}

impl Prefilter {
    /// Builds the automaton. The needles are constants, so this cannot fail.
    pub fn new(patterns: &AnchorPatterns) -> Prefilter {
        let (words, needles): (Vec<&str>, Vec<Needle>) = needles(patterns).into_iter().unzip();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&words)
            .expect("prefilter needles are valid constants");
        let packed = aho_corasick::packed::Config::new()
            .builder()
            .extend(&words)
            .build();
        Prefilter {
            packed,
            automaton,
            needles,
        }
    }

    /// Finds and confirms every anchor in `haystack`.
    pub fn find(&self, haystack: &[u8], patterns: &AnchorPatterns) -> Anchors {
        let mut anchors = Anchors::default();
        // Per anchored rule, where its last match ended: a keyword inside a match (the second
        // `eyJ` of a JWT) starts nothing, as in a non-overlapping regex search.
        let mut ends = vec![0; patterns.shapes.len()];
        // No needle overlaps another (a unit test checks it), so a non-overlapping leftmost
        // search sees every anchor.
        let hits: Box<dyn Iterator<Item = (usize, usize)>> = match &self.packed {
            Some(packed) => Box::new(
                packed
                    .find_iter(haystack)
                    .map(|m| (m.start(), m.pattern().as_usize())),
            ),
            None => Box::new(
                self.automaton
                    .find_iter(haystack)
                    .map(|m| (m.start(), m.pattern().as_usize())),
            ),
        };
        for (at, pattern) in hits {
            if let Needle::Keyword(index) = self.needles[pattern] {
                if !anchors.hidden && patterns.shapes[index].hides_at(haystack, at) {
                    anchors.hidden = true;
                }
            }
            match self.needles[pattern] {
                Needle::Keyword(index) if at >= ends[index] => {
                    let shape = &patterns.shapes[index];
                    if let Some(end) = shape.confirm(haystack, at) {
                        ends[index] = end;
                        anchors.matches.push(AnchorMatch {
                            span: Span { start: at, end },
                            rule: shape.rule,
                        });
                    }
                }
                Needle::Keyword(_) => {}
                Needle::Twilio => anchors.twilio_word = true,
                Needle::AuthToken => anchors.auth_token_word = true,
                Needle::Hint => {
                    if !anchors.hidden && starts_base64(haystack, at) {
                        anchors.hidden = true;
                    }
                }
            }
        }
        // Hits come in order of position; matches of different rules may nest.
        anchors.matches.sort();
        anchors
    }
}

/// The shortest base64 that can encode an SID (34 bytes).
const MIN_ENCODED_SID: usize = 44;

fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/'
}

/// Whether a base64 value starts at `at`: not inside a longer run, and long enough to encode
/// an SID (a hint inside `\U0001F600` or a word is not one).
fn starts_base64(haystack: &[u8], at: usize) -> bool {
    let inside = at > 0 && is_base64_byte(haystack[at - 1]);
    let run = haystack[at..]
        .iter()
        .take(MIN_ENCODED_SID)
        .take_while(|&&b| is_base64_byte(b))
        .count();
    !inside && run == MIN_ENCODED_SID
}

/// An ASCII word byte, as `(?-u:\b)` defines it.
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn boundary_before(haystack: &[u8], at: usize) -> bool {
    at == 0 || !is_word_byte(haystack[at - 1])
}

fn boundary_after(haystack: &[u8], end: usize) -> bool {
    haystack.get(end).is_none_or(|&b| !is_word_byte(b))
}

/// The end of `prefix` + `len` bytes of `body` at `at`, if they are there.
fn prefixed_at(
    haystack: &[u8],
    at: usize,
    prefix: &[u8],
    body: Charset,
    len: usize,
) -> Option<usize> {
    let body_start = at + prefix.len();
    let end = body_start + len;
    let ok = haystack.get(at..body_start)? == prefix
        && haystack
            .get(body_start..end)?
            .iter()
            .all(|&b| body.contains(b));
    ok.then_some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_needle_overlaps_another() {
        // A non-overlapping search misses an occurrence only where it overlaps a reported one:
        // one needle inside another, or a suffix of one that begins another. The one harmless
        // overlap: a rule keyword that starts with a word byte, begun inside another needle
        // right after a word byte of it (`TWILIO` + `OQ…` as `TWILIOQ…`). Every anchored shape
        // starts on a word boundary, so a keyword there is never an anchor: hiding it hides
        // nothing (`a_keyword_run_into_from_a_word_byte_is_never_an_anchor` shows it).
        let patterns = AnchorPatterns::new();
        let all = needles(&patterns);
        let words: Vec<&str> = all.iter().map(|(w, _)| *w).collect();
        let needs_boundary = |w: &str| {
            all.iter()
                .any(|(n, kind)| *n == w && matches!(kind, Needle::Keyword(_)))
                && w.bytes().next().is_some_and(is_word_byte)
        };
        let is_hint = |w: &str| HINTS.contains(&w);
        for a in &words {
            for b in &words {
                if a != b {
                    assert!(!a.contains(b), "{b:?} is inside {a:?}");
                }
                for cut in 1..a.len() {
                    let after = a.as_bytes()[cut - 1];
                    // A hint is only a sign at the start of a base64 run: begun right after a
                    // base64 byte (`OQ` + `QUM…`) it is never one, so hiding it hides nothing.
                    let harmless = (needs_boundary(b) && is_word_byte(after))
                        || (is_hint(b) && is_base64_byte(after));
                    assert!(
                        harmless || !b.starts_with(&a[cut..]),
                        "{a:?} runs into {b:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_keyword_run_into_from_a_word_byte_is_never_an_anchor() {
        let patterns = AnchorPatterns::new();
        let prefilter = Prefilter::new(&patterns);
        let body = "Ab3".repeat(10) + "x9";
        for (text, expected) in [
            (format!("TWILIOQ{body}"), 0),
            (format!("TWILIO OQ{body}"), 1),
            (format!("TWILIO\nOQ{body}"), 1),
        ] {
            let by_automaton = prefilter.find(text.as_bytes(), &patterns);
            let by_regex = Anchors::find_by_regex(text.as_bytes(), &patterns);
            assert_eq!(by_automaton, by_regex, "{text}");
            assert_eq!(by_automaton.matches.len(), expected, "{text}");
            assert!(by_automaton.twilio_word);
        }
    }

    #[test]
    fn prefixed_shapes_need_boundaries_and_their_charset() {
        let patterns = AnchorPatterns::new();
        let prefilter = Prefilter::new(&patterns);
        let body = "0f".repeat(16);
        let found = |text: String| prefilter.find(text.as_bytes(), &patterns).matches.len();
        assert_eq!(found(format!("AC{body}")), 1);
        assert_eq!(found(format!("xAC{body}")), 0);
        assert_eq!(found(format!("AC{body}0")), 0);
        assert_eq!(found(format!("AC{}", body.to_uppercase())), 0);
        assert_eq!(found("AC".into()), 0);
    }

    #[test]
    fn prefilter_and_regex_agree_on_a_mixed_input() {
        let patterns = AnchorPatterns::new();
        let body = "3c".repeat(16);
        let text = format!(
            "STACK BACK AC{body} xSK{body} SK{body}\nTwilio authToken eyJa.eyJb.c ACAC{body}"
        );
        let by_automaton = Prefilter::new(&patterns).find(text.as_bytes(), &patterns);
        let by_regex = Anchors::find_by_regex(text.as_bytes(), &patterns);
        assert_eq!(by_automaton, by_regex);
        assert_eq!(by_automaton.matches.len(), 3);
        assert!(by_automaton.twilio_word && by_automaton.auth_token_word);
    }
}
