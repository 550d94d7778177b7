//! The detector: bytes in, detections out.
//!
//! A pure library type with no I/O, git, printing or global state. One pass of an Aho-Corasick
//! prefilter finds anchors (SIDs, JWTs, context words); only if there are any does a regex look
//! for 32-character values, and context rules decide what each one is. The same pass finds the
//! triggers of the [`decode`] stage, which reads credentials out of encoded text (base64,
//! escapes, split literals) and reports them at the encoded text.
//!
//! ```
//! use leakfence::detect::Detector;
//! use leakfence::detect::RuleId;
//!
//! let detector = Detector::new();
//! // Values are assembled at run time so that this repository holds no realistic credential.
//! let token = format!("{:016x}{:016x}", 7u64.wrapping_mul(0x9E37_79B9_7F4A_7C15), 11u64.wrapping_mul(0xC2B2_AE3D_27D4_EB4F));
//! let text = format!("TWILIO_AUTH_TOKEN={token}\n");
//! let found = detector.detect(text.as_bytes());
//! assert_eq!(found.len(), 1);
//! assert_eq!(found[0].rule, RuleId::AuthToken);
//! assert!(detector.detect(b"md5 = d41d8cd98f00b204e9800998ecf8427e").is_empty());
//! ```

mod classify;
pub mod context;
pub mod decode;
pub mod jwt;
pub mod lines;
mod named;
pub mod placeholder;
pub mod prefilter;
mod published;
pub mod rule;
pub mod rules;
mod surroundings;
pub mod vocabulary;

pub use decode::{DecodedSecret, Encoding};
use lines::LineIndex;
use prefilter::{AnchorPatterns, Anchors, Prefilter};
use regex::bytes::Regex;
pub use rules::{rule, Rule, RuleId, Severity, RULES};

/// A half-open byte range `[start, end)` in the scanned content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    /// First byte of the match.
    pub start: usize,
    /// One past the last byte of the match.
    pub end: usize,
}

/// A 1-based line and column (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Location {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column of the first character of the secret.
    pub column: usize,
}

/// One credential the detector found: which rule and where.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Detection {
    /// The rule that matched.
    pub rule: RuleId,
    /// Byte range of the credential: of its encoded text when it was decoded.
    pub span: Span,
    /// For a credential read from encoded text: the encoding and the decoded value.
    pub decoded: Option<DecodedSecret>,
}

/// Finds Twilio credentials in bytes. Cheap to clone: give each worker thread its own clone.
#[derive(Debug, Clone)]
pub struct Detector {
    prefilter: Option<Prefilter>,
    patterns: AnchorPatterns,
    candidate: Regex,
    named: named::NamedPatterns,
    /// The decoding stage's trigger search, when decoding is on.
    context: Option<decode::Triggers>,
}

/// Configures a [`Detector`].
#[derive(Debug, Clone)]
pub struct DetectorBuilder {
    prefilter: bool,
    decode: bool,
}

impl Default for DetectorBuilder {
    fn default() -> Self {
        DetectorBuilder {
            prefilter: true,
            decode: true,
        }
    }
}

impl DetectorBuilder {
    /// Whether to use the Aho-Corasick prefilter (on by default). Turning it off gives the same
    /// results more slowly; tests use it to prove that the prefilter hides nothing.
    pub fn prefilter(&mut self, yes: bool) -> &mut DetectorBuilder {
        self.prefilter = yes;
        self
    }

    /// Whether to read credentials out of encoded text (on by default): see [`decode`].
    pub fn decode(&mut self, yes: bool) -> &mut DetectorBuilder {
        self.decode = yes;
        self
    }

    /// Builds the detector.
    pub fn build(&self) -> Detector {
        let patterns = AnchorPatterns::new();
        Detector {
            prefilter: self.prefilter.then(|| Prefilter::new(&patterns)),
            patterns,
            candidate: Regex::new(r"(?-u:\b)[A-Za-z0-9]{32}(?-u:\b)")
                .expect("the candidate pattern is a valid constant"),
            named: named::NamedPatterns::new(),
            context: self.decode.then(decode::Triggers::new),
        }
    }
}

impl Default for Detector {
    fn default() -> Self {
        Detector::new()
    }
}

impl Detector {
    /// A detector with the default configuration.
    pub fn new() -> Detector {
        DetectorBuilder::default().build()
    }

    /// A builder for a detector with a non-default configuration.
    pub fn builder() -> DetectorBuilder {
        DetectorBuilder::default()
    }

    /// All credentials in `haystack`, sorted by position: those written as they are, then
    /// those the [`decode`] stage reads out of encoded text.
    pub fn detect(&self, haystack: &[u8]) -> Vec<Detection> {
        let anchors = match &self.prefilter {
            Some(prefilter) => prefilter.find(haystack, &self.patterns),
            None => Anchors::find_by_regex(haystack, &self.patterns),
        };
        let mut found = self.detect_anchored(haystack, &anchors, None);
        let Some(context) = &self.context else {
            return found;
        };
        // A credential needs an anchor: in plain sight, or hidden where a sign of one shows.
        if anchors.is_empty() && !anchors.hidden {
            return found;
        }
        let mut hits = Vec::new();
        match &self.prefilter {
            Some(_) => context.find(haystack, &mut hits),
            None => decode::find_triggers(haystack, &decode::TRIGGERS, &mut hits),
        }
        if !hits.is_empty() {
            hits.sort_unstable();
            hits.dedup();
            let decoded = decode::detections(haystack, &hits, &found, |text, windows| {
                self.detect_plain(text, windows)
            });
            if !decoded.is_empty() {
                found.extend(decoded);
                found.sort();
            }
        }
        found
    }

    /// The credentials written as they are (no decoding) that lie in `windows` (sorted,
    /// disjoint) at least in part. The whole input is read for context.
    fn detect_plain(&self, haystack: &[u8], windows: &[Span]) -> Vec<Detection> {
        let anchors = match &self.prefilter {
            Some(prefilter) => prefilter.find(haystack, &self.patterns),
            None => Anchors::find_by_regex(haystack, &self.patterns),
        };
        self.detect_anchored(haystack, &anchors, Some(windows))
    }

    /// The credentials written as they are, given the input's anchors; with `windows`, only
    /// those that lie in one at least in part.
    fn detect_anchored(
        &self,
        haystack: &[u8],
        anchors: &Anchors,
        windows: Option<&[Span]>,
    ) -> Vec<Detection> {
        if anchors.is_empty() {
            return Vec::new();
        }
        let in_window = |span: Span| {
            windows.is_none_or(|windows| {
                let next = windows.partition_point(|w| w.end <= span.start);
                windows.get(next).is_some_and(|w| w.start < span.end)
            })
        };
        let mut found = anchored_detections(haystack, anchors);
        found.retain(|d| in_window(d.span));
        let covered = covered_spans(anchors);
        let lines = LineIndex::new(haystack);
        let file = classify::FileContext::new(haystack, anchors, &lines);
        let whole = [Span {
            start: 0,
            end: haystack.len(),
        }];
        for window in windows.unwrap_or(&whole) {
            let mut at = window.start;
            while let Some(m) = self.candidate.find_at(haystack, at) {
                if m.start() >= window.end {
                    break;
                }
                at = m.end();
                let span = Span {
                    start: m.start(),
                    end: m.end(),
                };
                // A value inside an anchored match (a JWT's signature) is part of that match.
                let inside = covered.partition_point(|c| c.start <= span.start);
                if inside > 0 && covered[inside - 1].end >= span.end {
                    continue;
                }
                if let Some(rule) = classify::classify(&file, span) {
                    found.push(Detection {
                        rule,
                        span,
                        decoded: None,
                    });
                }
            }
        }
        found.extend(self.named.detect(haystack, anchors, &lines, &covered));
        found.retain(|d| !published::is_published_example(&haystack[d.span.start..d.span.end]));
        found.sort();
        found
    }
}

/// The anchored matches that their rule's validator accepts, outside base64 blobs.
fn anchored_detections(haystack: &[u8], anchors: &Anchors) -> Vec<Detection> {
    anchors
        .matches
        .iter()
        .filter(|m| classify::is_reportable(haystack, m))
        .map(|m| Detection {
            rule: m.rule,
            span: m.span,
            decoded: None,
        })
        .collect()
}

/// The union of the anchored matches' spans, sorted and disjoint.
fn covered_spans(anchors: &Anchors) -> Vec<Span> {
    let mut covered: Vec<Span> = Vec::with_capacity(anchors.matches.len());
    for m in &anchors.matches {
        match covered.last_mut() {
            Some(last) if m.span.start <= last.end => last.end = last.end.max(m.span.end),
            _ => covered.push(m.span),
        }
    }
    covered
}
