//! The detector: bytes in, detections out.
//!
//! A pure library type with no I/O, git, printing or global state. One pass of an Aho-Corasick
//! prefilter finds anchors (SIDs, JWTs, context words); only if there are any does a regex look
//! for 32-character values, and context rules decide what each one is.
//!
//! ```
//! use leakfence::detect::Detector;
//! use leakfence::finding::RuleId;
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
pub mod jwt;
pub mod lines;
pub mod placeholder;
pub mod prefilter;
pub mod rules;

use crate::finding::{RuleId, Span};
use lines::LineIndex;
use prefilter::{AnchorPatterns, Anchors, Prefilter, SidKind};
use regex::bytes::Regex;

/// One credential the detector found: which rule and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Detection {
    /// The rule that matched.
    pub rule: RuleId,
    /// Byte range of the credential.
    pub span: Span,
}

/// Finds Twilio credentials in bytes. Cheap to clone: give each worker thread its own clone.
#[derive(Debug, Clone)]
pub struct Detector {
    prefilter: Option<Prefilter>,
    patterns: AnchorPatterns,
    candidate: Regex,
}

/// Configures a [`Detector`].
#[derive(Debug, Clone)]
pub struct DetectorBuilder {
    prefilter: bool,
}

impl Default for DetectorBuilder {
    fn default() -> Self {
        DetectorBuilder { prefilter: true }
    }
}

impl DetectorBuilder {
    /// Whether to use the Aho-Corasick prefilter (on by default). Turning it off gives the same
    /// results more slowly; tests use it to prove that the prefilter hides nothing.
    pub fn prefilter(&mut self, yes: bool) -> &mut DetectorBuilder {
        self.prefilter = yes;
        self
    }

    /// Builds the detector.
    pub fn build(&self) -> Detector {
        Detector {
            prefilter: self.prefilter.then(Prefilter::new),
            patterns: AnchorPatterns::new(),
            candidate: Regex::new(r"(?-u:\b)[A-Za-z0-9]{32}(?-u:\b)")
                .expect("the candidate pattern is a valid constant"),
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

    /// All credentials in `haystack`, sorted by position.
    pub fn detect(&self, haystack: &[u8]) -> Vec<Detection> {
        let anchors = match &self.prefilter {
            Some(prefilter) => prefilter.find(haystack, &self.patterns),
            None => Anchors::find_by_regex(haystack, &self.patterns),
        };
        if anchors.is_empty() {
            return Vec::new();
        }
        let mut found = Vec::new();
        sid_detections(haystack, &anchors, &mut found);
        access_token_detections(haystack, &anchors, &mut found);
        let lines = LineIndex::new(haystack);
        let file = classify::FileContext::new(haystack, &anchors, &lines);
        for m in self.candidate.find_iter(haystack) {
            let span = Span {
                start: m.start(),
                end: m.end(),
            };
            if anchors
                .jwts
                .iter()
                .any(|j| j.start <= span.start && span.end <= j.end)
            {
                continue;
            }
            if let Some(rule) = classify::classify(&file, span) {
                found.push(Detection { rule, span });
            }
        }
        found.sort();
        found
    }
}

fn sid_detections(haystack: &[u8], anchors: &Anchors, found: &mut Vec<Detection>) {
    for sid in &anchors.sids {
        if placeholder::is_placeholder(&haystack[sid.span.start + 2..sid.span.end]) {
            continue;
        }
        let rule = match sid.kind {
            SidKind::Account => RuleId::AccountSid,
            SidKind::ApiKey => RuleId::ApiKeySid,
        };
        found.push(Detection {
            rule,
            span: sid.span,
        });
    }
}

/// A real SID of the given prefix: not `SKxxxx…`, `SK123`, or a placeholder body.
fn is_real_sid(value: Option<&str>, prefix: &str) -> bool {
    value.is_some_and(|v| {
        v.len() == 34
            && v.starts_with(prefix)
            && v[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && !placeholder::is_placeholder(&v.as_bytes()[2..])
    })
}

fn access_token_detections(haystack: &[u8], anchors: &Anchors, found: &mut Vec<Detection>) {
    for &span in &anchors.jwts {
        let Some(claims) = jwt::twilio_access_token(&haystack[span.start..span.end]) else {
            continue;
        };
        // The documentation's example token names `SKxxxx…`/`ACxxxx…`: an example, not a leak.
        let example = claims.issuer.is_some() && !is_real_sid(claims.issuer.as_deref(), "SK")
            || claims.subject.is_some() && !is_real_sid(claims.subject.as_deref(), "AC");
        if !example {
            found.push(Detection {
                rule: RuleId::AccessToken,
                span,
            });
        }
    }
}
