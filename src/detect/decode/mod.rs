//! The decoding stage: credentials written in an encoding the plain pass cannot read.
//!
//! After the plain pass, [`detections`] looks where a *trigger* occurs (`Basic `, `data:`,
//! `%3`, `\u00`, `\x`, `" +`, `" "`, `\` at a line's end, …; [`TRIGGERS`]). A credential needs
//! an anchor, so triggers are only looked for in inputs that have one in sight, or a sign of
//! one hidden: the start of a split value (`"AC12" +`), a base64 form of a keyword ([`HINTS`]).
//! The prefilter finds those in the pass it makes anyway, so an input without them costs
//! nothing more. Each decoder turns what it finds into regions: base64 (`Authorization:
//! Basic`, Kubernetes `Secret` data, Docker `auth`, nested), percent escapes, `\u`/`\x`
//! escapes, and values split into joined literals or continued lines. Regions whose decoding
//! could not hold a new credential are dropped (`region::worth_scanning`); the rest are
//! spliced into one copy of the input, the plain detector runs over it, and what it finds
//! inside a region is mapped back to the encoded text and marked with the [`Encoding`].
//!
//! Decoding never grows the input (every encoding here is longer than what it encodes), nested
//! base64 stops at `base64::MAX_DEPTH` layers, and every decoder skips triggers inside what it has
//! already read, so the work stays linear in the input.

mod base64;
mod concat;
mod escape;
mod region;

use super::{Detection, Span};
use aho_corasick::{AhoCorasick, MatchKind};
use region::{disjoint, worth_scanning, Region, Transformed};
use serde::Serialize;
use std::fmt;

/// How a credential was encoded where it was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Encoding {
    /// Base64 (an `Authorization: Basic` header, Kubernetes `Secret` data, a Docker `auth`).
    Base64,
    /// `%XX` escapes in a URL or query string.
    Percent,
    /// `\uXXXX` escapes in a JSON or JavaScript string.
    UnicodeEscape,
    /// `\xNN` escapes in a string.
    HexEscape,
    /// String literals joined by `+` or juxtaposition, or a line continued with a backslash.
    Concatenation,
    /// UTF-16 little-endian text without a byte-order mark.
    Utf16Le,
    /// UTF-16 big-endian text without a byte-order mark.
    Utf16Be,
    /// UTF-32 little-endian text without a byte-order mark.
    Utf32Le,
    /// UTF-32 big-endian text without a byte-order mark.
    Utf32Be,
}

impl Encoding {
    /// The name in every output (`"decoded": "base64"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent",
            Encoding::UnicodeEscape => "unicode-escape",
            Encoding::HexEscape => "hex-escape",
            Encoding::Concatenation => "concatenation",
            Encoding::Utf16Le => "utf-16le",
            Encoding::Utf16Be => "utf-16be",
            Encoding::Utf32Le => "utf-32le",
            Encoding::Utf32Be => "utf-32be",
        }
    }

    /// What a person reads: "decoded from …".
    pub fn description(self) -> &'static str {
        match self {
            Encoding::Base64 => "base64",
            Encoding::Percent => "percent-encoding",
            Encoding::UnicodeEscape => "\\u escapes",
            Encoding::HexEscape => "\\x escapes",
            Encoding::Concatenation => "joined string pieces",
            Encoding::Utf16Le => "UTF-16LE text",
            Encoding::Utf16Be => "UTF-16BE text",
            Encoding::Utf32Le => "UTF-32LE text",
            Encoding::Utf32Be => "UTF-32BE text",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Encoding {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// A credential read from encoded text: the encoding and the decoded value.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct DecodedSecret {
    /// How it was written.
    pub encoding: Encoding,
    /// The decoded credential (the detection's span holds its encoded form).
    pub secret: Vec<u8>,
}

/// Which decoder a trigger calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Decoder {
    /// `Authorization: Basic <base64>`.
    BasicAuth,
    /// A Kubernetes `Secret`'s `data:` values.
    KubernetesData,
    /// A Docker configuration's `auths`.
    DockerAuths,
    /// `%XX` escapes.
    Percent,
    /// `\uXXXX` and `\xNN` escapes.
    Backslash,
    /// Joined string literals.
    Literals,
    /// Backslash-newline continuations.
    Continuation,
}

/// Base64 forms of the prefixed rules' keywords at the start of an encoded value (`QUM`…/`QUN`…
/// is base64 of `AC` and a hex digit, `U0`… of `SK`): signs that base64 may hide a credential.
/// The prefilter looks for these in its single pass, besides the anchors (a unit test checks
/// that they cover every prefixed rule's keyword). Base64 JSON, which nests
/// Docker credentials twice, starts with a keyword itself (`eyJ`, `{"`): the prefilter counts
/// a long base64 run after a keyword as a sign too.
pub const HINTS: [&str; 4] = ["QUM", "QUN", "U0", "c2dwX"];

/// The triggers: where each decoder starts to look. A credential needs an anchor, so they are
/// only looked for in inputs that have one in sight or show a sign of a hidden one (an SID
/// before `%3A`, the key name of an escaped value, the prefix of a split SID, a [`HINTS`]
/// entry).
pub const TRIGGERS: [(&str, Decoder); 24] = [
    ("asic ", Decoder::BasicAuth),
    ("ASIC ", Decoder::BasicAuth),
    ("data:", Decoder::KubernetesData),
    ("auths", Decoder::DockerAuths),
    ("%2", Decoder::Percent),
    ("%3", Decoder::Percent),
    ("%4", Decoder::Percent),
    ("%5", Decoder::Percent),
    ("%6", Decoder::Percent),
    ("%7", Decoder::Percent),
    ("\\u00", Decoder::Backslash),
    ("\\x", Decoder::Backslash),
    ("\" +", Decoder::Literals),
    ("' +", Decoder::Literals),
    ("\"+", Decoder::Literals),
    ("'+", Decoder::Literals),
    ("\" \"", Decoder::Literals),
    ("' '", Decoder::Literals),
    ("\"\n", Decoder::Literals),
    ("'\n", Decoder::Literals),
    ("\"\r\n", Decoder::Literals),
    ("'\r\n", Decoder::Literals),
    ("\\\n", Decoder::Continuation),
    ("\\\r\n", Decoder::Continuation),
];

/// One occurrence of a trigger.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Hit {
    /// Where the trigger starts.
    pub at: usize,
    /// The decoder it calls.
    pub decoder: Decoder,
}

/// Appends every occurrence of every trigger in `triggers` to `out`, overlapping ones too,
/// each needle searched on its own (what the automata find, found without them).
pub fn find_triggers(haystack: &[u8], triggers: &[(&str, Decoder)], out: &mut Vec<Hit>) {
    for &(needle, decoder) in triggers {
        let finder = memchr::memmem::Finder::new(needle.as_bytes());
        let mut from = 0;
        while let Some(found) = finder.find(&haystack[from..]) {
            out.push(Hit {
                at: from + found,
                decoder,
            });
            from += found + 1;
        }
    }
}

/// Where `decoder`'s triggers occur in `text`, in order: what a decoder is handed.
#[cfg(test)]
pub(super) fn hits_of(text: &[u8], decoder: Decoder) -> Vec<usize> {
    let mut hits = Vec::new();
    find_triggers(text, &TRIGGERS, &mut hits);
    let mut at: Vec<usize> = hits
        .into_iter()
        .filter(|hit| hit.decoder == decoder)
        .map(|hit| hit.at)
        .collect();
    at.sort_unstable();
    at
}

/// Finds the [`TRIGGERS`] in one pass: Teddy (SIMD) where the CPU has it, else an automaton.
/// The search is leftmost-first and non-overlapping, so an occurrence that starts inside a
/// reported one is looked for there again: the result is every occurrence, as
/// [`find_triggers`] gives (only joined-literal needles overlap: `" "` and `"\n`).
#[derive(Debug, Clone)]
pub struct Triggers {
    packed: Option<aho_corasick::packed::Searcher>,
    automaton: AhoCorasick,
    /// Per needle: whether another needle may start inside an occurrence of it.
    may_hide: [bool; TRIGGERS.len()],
}

impl Default for Triggers {
    fn default() -> Self {
        Triggers::new()
    }
}

impl Triggers {
    /// Builds the searcher. The needles are constants, so this cannot fail.
    pub fn new() -> Triggers {
        let needles = TRIGGERS.map(|(needle, _)| needle);
        let may_hide = needles
            .map(|a| (1..a.len()).any(|cut| needles.iter().any(|b| b.starts_with(&a[cut..]))));
        Triggers {
            may_hide,
            packed: aho_corasick::packed::Config::new()
                .builder()
                .extend(needles)
                .build(),
            automaton: AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostFirst)
                .build(needles)
                .expect("triggers are valid constants"),
        }
    }

    /// Appends every occurrence of every trigger in `haystack` to `out`.
    pub fn find(&self, haystack: &[u8], out: &mut Vec<Hit>) {
        let mut record = |start: usize, end: usize, pattern: usize| {
            out.push(Hit {
                at: start,
                decoder: TRIGGERS[pattern].1,
            });
            if !self.may_hide[pattern] {
                return;
            }
            for inner in start + 1..end {
                out.extend(
                    TRIGGERS
                        .iter()
                        .filter(|(needle, _)| haystack[inner..].starts_with(needle.as_bytes()))
                        .map(|&(_, decoder)| Hit { at: inner, decoder }),
                );
            }
        };
        match &self.packed {
            Some(packed) => packed
                .find_iter(haystack)
                .for_each(|m| record(m.start(), m.end(), m.pattern().as_usize())),
            None => self
                .automaton
                .find_iter(haystack)
                .for_each(|m| record(m.start(), m.end(), m.pattern().as_usize())),
        }
    }
}

/// A decoder: the input, where its triggers occur (in order), and where its regions go.
type DecodeFn = fn(&[u8], &[usize], &mut Vec<Region>);

/// Every region the decoders find at `hits` (in order of position).
fn regions(haystack: &[u8], hits: &[Hit]) -> Vec<Region> {
    let mut out = Vec::new();
    let decoders: [(Decoder, DecodeFn); 7] = [
        (Decoder::BasicAuth, base64::basic_auth),
        (Decoder::KubernetesData, base64::secret_data),
        (Decoder::DockerAuths, base64::docker_auths),
        (Decoder::Percent, escape::percent),
        (Decoder::Backslash, escape::backslash),
        (Decoder::Literals, concat::literal_chains),
        (Decoder::Continuation, concat::continuations),
    ];
    let mut at: Vec<usize> = Vec::new();
    for (decoder, decode) in decoders {
        at.clear();
        at.extend(hits.iter().filter(|h| h.decoder == decoder).map(|h| h.at));
        if !at.is_empty() {
            decode(haystack, &at, &mut out);
        }
    }
    out
}

/// The credentials in encoded text at `hits` that the plain pass (`plain`) did not find, with
/// spans of their encoded text. `detect` is the plain detector, asked for what lies in some
/// windows of a text (the decoded regions), reading all of it for context.
pub fn detections(
    haystack: &[u8],
    hits: &[Hit],
    plain: &[Detection],
    detect: impl Fn(&[u8], &[Span]) -> Vec<Detection>,
) -> Vec<Detection> {
    let mut regions = regions(haystack, hits);
    regions.retain(worth_scanning);
    if regions.is_empty() {
        return Vec::new();
    }
    let regions = disjoint(regions);
    let doc = Transformed::new(haystack, &regions);
    let overlaps_plain = |span: Span| {
        plain
            .iter()
            .any(|p| p.span.start < span.end && span.start < p.span.end)
    };
    let mut found: Vec<Detection> = detect(&doc.text, &doc.region_spans())
        .into_iter()
        .filter_map(|d| {
            let region = doc.region_of(d.span)?;
            let span = doc.to_input(&regions, d.span);
            (!overlaps_plain(span)).then(|| Detection {
                rule: d.rule,
                span,
                decoded: Some(DecodedSecret {
                    encoding: regions[region].encoding,
                    secret: doc.text[d.span.start..d.span.end].to_vec(),
                }),
            })
        })
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::{Matcher, RuleId, Severity, Shape, RULES};
    use ::base64::Engine;

    #[test]
    fn hints_cover_the_base64_of_every_keyword() {
        let base64 = ::base64::engine::general_purpose::STANDARD;
        for rule in &RULES {
            let Matcher::Anchored(anchored) = rule.matcher else {
                continue;
            };
            // A low identifier alone (an OAuth client id's `OQ`) is not worth a needle: past 32
            // needles the prefilter falls back to a Teddy variant half as fast. Account SIDs
            // are covered anyway, for the `AC…:token` pairs.
            if rule.severity == Severity::Low && rule.id != RuleId::AccountSid {
                continue;
            }
            // A regex shape's keyword (a JWT's `eyJ`) is base64 already: base64 of it is not
            // looked for.
            let followers: &[u8] = match anchored.shape {
                Shape::Prefixed { body, .. } => body.alphabet(),
                Shape::Regex(_) => continue,
            };
            for keyword in anchored.keywords {
                for &next in followers {
                    let value = [keyword.as_bytes(), &[next]].concat();
                    let encoded = base64.encode(&value);
                    assert!(
                        HINTS.iter().any(|hint| encoded.starts_with(hint)),
                        "{}: {encoded} starts with no hint",
                        rule.key
                    );
                }
            }
        }
    }

    #[test]
    fn only_the_joined_literals_needles_overlap() {
        for &(a, of_a) in &TRIGGERS {
            for &(b, of_b) in &TRIGGERS {
                if of_a == of_b && of_a == Decoder::Literals {
                    continue;
                }
                if a != b {
                    assert!(!a.contains(b), "{b:?} is inside {a:?}");
                }
                for cut in 1..a.len() {
                    assert!(!b.starts_with(&a[cut..]), "{a:?} runs into {b:?}");
                }
            }
        }
    }

    #[test]
    fn the_one_pass_search_finds_every_occurrence() {
        let text = b"x = \"a\" \"\" \"b\" + 'c' ' ' '\n\\\n%3A \\u0041 Basic data: \"auths\"";
        let mut by_search = Vec::new();
        Triggers::new().find(text, &mut by_search);
        let mut every = Vec::new();
        find_triggers(text, &TRIGGERS, &mut every);
        by_search.sort_unstable();
        every.sort_unstable();
        assert_eq!(by_search, every);
        assert!(every.len() >= 10);
    }
}
