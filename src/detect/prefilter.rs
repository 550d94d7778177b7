//! Anchors: the cheap first pass that tells which parts of the detector need to run at all.
//!
//! Every finding needs an anchor in the content: an `AC`/`SK` SID, a JWT starting with `eyJ`, or
//! a context word (`twilio`, `auth_token`, … in their common spellings). One Aho-Corasick pass
//! finds them; each hit is then confirmed in place. [`Anchors::find_by_regex`] computes the
//! same thing with plain regexes over the whole input, so a test can check that the prefilter
//! never hides a match.

use crate::finding::Span;
use aho_corasick::{AhoCorasick, MatchKind};
use regex::bytes::Regex;

/// Which kind of SID an anchor is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum SidKind {
    /// `AC…`: an Account SID.
    Account,
    /// `SK…`: an API Key SID.
    ApiKey,
}

/// A confirmed SID: prefix plus 32 lowercase hex, on word boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SidAnchor {
    /// Account or API key.
    pub kind: SidKind,
    /// Where the whole 34-character SID is.
    pub span: Span,
}

/// Everything the first pass learned about one input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchors {
    /// Confirmed SIDs, in order.
    pub sids: Vec<SidAnchor>,
    /// Confirmed JWT-shaped strings (`eyJ….eyJ….…`), in order.
    pub jwts: Vec<Span>,
    /// Whether a spelling of `twilio` occurs.
    pub twilio_word: bool,
    /// Whether a spelling of `auth_token` occurs.
    pub auth_token_word: bool,
}

impl Anchors {
    /// True when nothing in the input can lead to a finding.
    pub fn is_empty(&self) -> bool {
        self.sids.is_empty() && self.jwts.is_empty() && !self.twilio_word && !self.auth_token_word
    }

    /// The same anchors as [`Prefilter::find`], computed without the prefilter.
    pub fn find_by_regex(haystack: &[u8], patterns: &AnchorPatterns) -> Anchors {
        let sids = patterns
            .sid
            .find_iter(haystack)
            .map(|m| SidAnchor {
                kind: sid_kind(haystack[m.start()]),
                span: Span {
                    start: m.start(),
                    end: m.end(),
                },
            })
            .collect();
        let jwts = patterns
            .jwt
            .find_iter(haystack)
            .map(|m| Span {
                start: m.start(),
                end: m.end(),
            })
            .collect();
        Anchors {
            sids,
            jwts,
            twilio_word: patterns.twilio.is_match(haystack),
            auth_token_word: patterns.auth_token.is_match(haystack),
        }
    }
}

fn sid_kind(first: u8) -> SidKind {
    if first == b'A' {
        SidKind::Account
    } else {
        SidKind::ApiKey
    }
}

/// The spellings of `twilio` that count as context.
pub const TWILIO_WORDS: [&str; 3] = ["twilio", "Twilio", "TWILIO"];

/// The spellings of "auth token" that count as context.
pub const AUTH_TOKEN_WORDS: [&str; 18] = [
    "auth_token",
    "AUTH_TOKEN",
    "Auth_Token",
    "auth_Token",
    "authToken",
    "AuthToken",
    "authtoken",
    "AUTHTOKEN",
    "Authtoken",
    "auth-token",
    "AUTH-TOKEN",
    "Auth-Token",
    "auth.token",
    "AUTH.TOKEN",
    "Auth_token",
    "auth token",
    "Auth Token",
    "AUTH TOKEN",
];

/// Compiled regexes shared by the prefilter (to confirm hits) and the regex-only path.
#[derive(Debug, Clone)]
pub struct AnchorPatterns {
    sid: Regex,
    jwt: Regex,
    jwt_at_start: Regex,
    twilio: Regex,
    auth_token: Regex,
}

/// The JWT shape: three base64url segments, the first two JSON objects.
const JWT: &str = r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+";

impl AnchorPatterns {
    /// Compiles the patterns. They are constants, so this cannot fail.
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
        AnchorPatterns {
            sid: compile(r"(?-u:\b)(?:AC|SK)[0-9a-f]{32}(?-u:\b)"),
            jwt: compile(&format!(r"(?-u:\b){JWT}")),
            jwt_at_start: compile(&format!("^{JWT}")),
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
    Sid,
    Jwt,
    Twilio,
    AuthToken,
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
    pub fn new() -> Prefilter {
        let mut patterns: Vec<&str> = vec!["AC", "SK", "eyJ"];
        let mut needles = vec![Needle::Sid, Needle::Sid, Needle::Jwt];
        patterns.extend(TWILIO_WORDS);
        needles.extend(TWILIO_WORDS.map(|_| Needle::Twilio));
        patterns.extend(AUTH_TOKEN_WORDS);
        needles.extend(AUTH_TOKEN_WORDS.map(|_| Needle::AuthToken));
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .expect("prefilter needles are valid constants");
        let packed = aho_corasick::packed::Config::new()
            .builder()
            .extend(&patterns)
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
        let mut jwt_end = 0;
        // No needle starts inside another or is a prefix of another, so a non-overlapping
        // leftmost search sees every anchor.
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
            match self.needles[pattern] {
                Needle::Sid => {
                    if let Some(span) = sid_at(haystack, at) {
                        anchors.sids.push(SidAnchor {
                            kind: sid_kind(haystack[at]),
                            span,
                        });
                    }
                }
                Needle::Jwt if at >= jwt_end && boundary_before(haystack, at) => {
                    if let Some(m) = patterns.jwt_at_start.find(&haystack[at..]) {
                        jwt_end = at + m.end();
                        anchors.jwts.push(Span {
                            start: at,
                            end: jwt_end,
                        });
                    }
                }
                Needle::Jwt => {}
                Needle::Twilio => anchors.twilio_word = true,
                Needle::AuthToken => anchors.auth_token_word = true,
            }
        }
        anchors
    }
}

impl Default for Prefilter {
    fn default() -> Self {
        Prefilter::new()
    }
}

/// An ASCII word byte, as `(?-u:\b)` defines it.
pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn boundary_before(haystack: &[u8], at: usize) -> bool {
    at == 0 || !is_word_byte(haystack[at - 1])
}

/// Confirms `AC`/`SK` + 32 lowercase hex on word boundaries at `at`.
fn sid_at(haystack: &[u8], at: usize) -> Option<Span> {
    let end = at + 34;
    let body = haystack.get(at + 2..end)?;
    let hex = body
        .iter()
        .all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let after_ok = haystack.get(end).is_none_or(|&b| !is_word_byte(b));
    (hex && after_ok && boundary_before(haystack, at)).then_some(Span { start: at, end })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sid_needs_boundaries_and_lowercase_hex() {
        let body = "0f".repeat(16);
        assert!(sid_at(format!("AC{body}").as_bytes(), 0).is_some());
        assert!(sid_at(format!("xAC{body}").as_bytes(), 1).is_none());
        assert!(sid_at(format!("AC{body}0").as_bytes(), 0).is_none());
        assert!(sid_at(format!("AC{}", body.to_uppercase()).as_bytes(), 0).is_none());
        assert!(sid_at(b"AC", 0).is_none());
    }

    #[test]
    fn prefilter_and_regex_agree_on_a_mixed_input() {
        let patterns = AnchorPatterns::new();
        let body = "3c".repeat(16);
        let text = format!(
            "STACK BACK AC{body} xSK{body} SK{body}\nTwilio authToken eyJa.eyJb.c ACAC{body}"
        );
        let by_automaton = Prefilter::new().find(text.as_bytes(), &patterns);
        let by_regex = Anchors::find_by_regex(text.as_bytes(), &patterns);
        assert_eq!(by_automaton, by_regex);
        assert_eq!(by_automaton.sids.len(), 2);
        assert_eq!(by_automaton.jwts.len(), 1);
        assert!(by_automaton.twilio_word && by_automaton.auth_token_word);
    }
}
