//! Regions: stretches of the input replaced by their decoding, and the way back.
//!
//! A decoder turns an encoded stretch of the input into a [`Region`]: the decoded bytes and,
//! for each of them, the input bytes it came from. The stage splices every region into one
//! [`Transformed`] copy of the input, runs the plain detector over it (so context rules see the
//! decoded text in its surroundings), and maps each detection back to the encoded text.

use super::Encoding;
use crate::detect::Span;

/// Where the bytes of a region's decoding come from in the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origins {
    /// Every decoded byte comes from the whole encoded text (base64: a detection inside points
    /// at the whole encoded value).
    Whole,
    /// The decoding is a sequence of pieces, each a copy of input bytes or the decoding of one
    /// escape (escapes, joined literals).
    Pieces(Vec<Piece>),
}

/// One piece of a per-piece decoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Piece {
    /// Where the piece starts in the decoding.
    pub at: usize,
    /// The input bytes it comes from.
    pub input: Span,
    /// A copy of `input` (byte for byte) rather than the decoding of one escape.
    pub verbatim: bool,
}

/// One encoded stretch of the input and its decoding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Region {
    /// The encoded text in the input.
    pub span: Span,
    /// What it was encoded with.
    pub encoding: Encoding,
    /// The decoded bytes.
    pub decoded: Vec<u8>,
    /// Where each decoded byte comes from.
    pub origins: Origins,
}

impl Region {
    /// A region whose decoded bytes all stand for the whole encoded text.
    pub fn whole(span: Span, encoding: Encoding, decoded: Vec<u8>) -> Region {
        Region {
            span,
            encoding,
            decoded,
            origins: Origins::Whole,
        }
    }

    /// The input bytes decoded byte `i` comes from.
    fn origin(&self, i: usize) -> Span {
        match &self.origins {
            Origins::Whole => self.span,
            Origins::Pieces(pieces) => {
                let piece = pieces[pieces.partition_point(|p| p.at <= i) - 1];
                if piece.verbatim {
                    let start = piece.input.start + (i - piece.at);
                    Span {
                        start,
                        end: start + 1,
                    }
                } else {
                    piece.input
                }
            }
        }
    }

    /// The stretches of the decoding that differ from a plain copy of the input, in order: the
    /// decodings of escapes, and the first byte after input bytes that were left out (the
    /// join of two literals).
    fn changes(&self) -> Vec<(usize, usize)> {
        let Origins::Pieces(pieces) = &self.origins else {
            return vec![(0, self.decoded.len())];
        };
        let mut out = Vec::new();
        for (k, piece) in pieces.iter().enumerate() {
            let end = pieces.get(k + 1).map_or(self.decoded.len(), |next| next.at);
            if !piece.verbatim {
                out.push((piece.at, end));
            } else if k > 0 && pieces[k - 1].input.end != piece.input.start {
                out.push((piece.at, piece.at + 1));
            }
        }
        out
    }
}

/// Shortest run of value characters (`A-Za-z0-9_-`) any rule can match: a SendGrid key's
/// shorter part. A region whose decoding has no such run next to a changed byte cannot hold a
/// credential the plain pass missed, and is not scanned.
pub const MIN_RUN: usize = 22;

/// A character of a credential value: `A-Za-z0-9_-`.
pub fn is_value_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// Whether the region's decoding may hold a credential the plain pass could not see: a long
/// run of value characters that holds or touches a changed byte.
pub fn worth_scanning(region: &Region) -> bool {
    let text = &region.decoded;
    let mut changes: Option<Vec<(usize, usize)>> = None;
    let mut i = 0;
    while i < text.len() {
        if !is_value_byte(text[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < text.len() && is_value_byte(text[i]) {
            i += 1;
        }
        if i - start < MIN_RUN {
            continue;
        }
        // The run with the bytes on either side of it.
        let (from, to) = (start.saturating_sub(1), i + 1);
        let changes = changes.get_or_insert_with(|| region.changes());
        let first = changes.partition_point(|&(_, end)| end <= from);
        if changes.get(first).is_some_and(|&(begin, _)| begin < to) {
            return true;
        }
    }
    false
}

/// What a decoder feeds the pieces of a decoding to.
pub trait Sink {
    /// Input bytes `span`, copied as they are.
    fn verbatim(&mut self, haystack: &[u8], span: Span);
    /// `bytes`, the decoding of the escape at input bytes `from`.
    fn decoded(&mut self, bytes: &[u8], from: Span);
}

/// [`worth_scanning`] on the fly: fed the pieces of a decoding, says whether it would be worth
/// scanning without keeping it (a decoder checks first, then builds only what is).
#[derive(Debug, Default)]
pub struct Worth {
    run: usize,
    touched: bool,
    previous_changed: bool,
    found: bool,
    input_end: Option<usize>,
}

impl Worth {
    fn byte(&mut self, b: u8, changed: bool) {
        if is_value_byte(b) {
            if self.run == 0 {
                self.touched = self.previous_changed;
            }
            self.run += 1;
            self.touched |= changed;
        } else {
            self.found |= self.run >= MIN_RUN && (self.touched || changed);
            self.run = 0;
        }
        self.previous_changed = changed;
    }

    /// Whether the decoding fed so far is worth scanning.
    pub fn worth(&self) -> bool {
        self.found || (self.run >= MIN_RUN && self.touched)
    }
}

impl Sink for Worth {
    fn verbatim(&mut self, haystack: &[u8], span: Span) {
        let jump = self.input_end.is_some_and(|end| end != span.start);
        for (k, &b) in haystack[span.start..span.end].iter().enumerate() {
            self.byte(b, k == 0 && jump);
        }
        if span.start != span.end {
            self.input_end = Some(span.end);
        }
    }

    fn decoded(&mut self, bytes: &[u8], from: Span) {
        for &b in bytes {
            self.byte(b, true);
        }
        if !bytes.is_empty() {
            self.input_end = Some(from.end);
        }
    }
}

/// Builds a per-piece region piece by piece.
#[derive(Debug, Default)]
pub struct Pieces {
    decoded: Vec<u8>,
    pieces: Vec<Piece>,
}

impl Sink for Pieces {
    fn verbatim(&mut self, haystack: &[u8], span: Span) {
        Pieces::verbatim(self, haystack, span);
    }

    fn decoded(&mut self, bytes: &[u8], from: Span) {
        Pieces::decoded(self, bytes, from);
    }
}

impl Pieces {
    /// Copies input bytes `span` as they are.
    pub fn verbatim(&mut self, haystack: &[u8], span: Span) {
        if span.start == span.end {
            return;
        }
        match self.pieces.last_mut() {
            Some(last) if last.verbatim && last.input.end == span.start => {
                last.input.end = span.end;
            }
            _ => self.pieces.push(Piece {
                at: self.decoded.len(),
                input: span,
                verbatim: true,
            }),
        }
        self.decoded
            .extend_from_slice(&haystack[span.start..span.end]);
    }

    /// Appends `bytes`, the decoding of the escape at input bytes `from`.
    pub fn decoded(&mut self, bytes: &[u8], from: Span) {
        if bytes.is_empty() {
            return;
        }
        self.pieces.push(Piece {
            at: self.decoded.len(),
            input: from,
            verbatim: false,
        });
        self.decoded.extend_from_slice(bytes);
    }

    /// The region of `span`, or `None` when nothing was decoded.
    pub fn finish(self, span: Span, encoding: Encoding) -> Option<Region> {
        (!self.decoded.is_empty()).then_some(Region {
            span,
            encoding,
            decoded: self.decoded,
            origins: Origins::Pieces(self.pieces),
        })
    }
}

/// Keeps the regions that do not overlap an earlier (or, at the same start, longer) one, in
/// order of position.
pub fn disjoint(mut regions: Vec<Region>) -> Vec<Region> {
    regions.sort_by(|a, b| {
        (a.span.start, std::cmp::Reverse(a.span.end))
            .cmp(&(b.span.start, std::cmp::Reverse(b.span.end)))
    });
    let mut kept: Vec<Region> = Vec::with_capacity(regions.len());
    for region in regions {
        if kept
            .last()
            .is_none_or(|last| last.span.end <= region.span.start)
        {
            kept.push(region);
        }
    }
    kept
}

/// What a stretch of the transformed text is.
#[derive(Debug, Clone, Copy)]
enum Source {
    /// A copy of the input from this offset on.
    Verbatim(usize),
    /// The decoding of this region.
    Region(usize),
}

#[derive(Debug, Clone, Copy)]
struct Segment {
    /// Where it starts in the transformed text.
    start: usize,
    source: Source,
}

/// The input with every region replaced by its decoding, and the map back.
#[derive(Debug)]
pub struct Transformed {
    /// The text the plain detector runs over.
    pub text: Vec<u8>,
    segments: Vec<Segment>,
}

impl Transformed {
    /// Splices `regions` (disjoint, in order) into `haystack`.
    pub fn new(haystack: &[u8], regions: &[Region]) -> Transformed {
        let extra: usize = regions.iter().map(|r| r.decoded.len()).sum();
        let mut text = Vec::with_capacity(haystack.len() + extra);
        let mut segments = Vec::with_capacity(2 * regions.len() + 1);
        let mut at = 0;
        for (index, region) in regions.iter().enumerate() {
            if at < region.span.start {
                segments.push(Segment {
                    start: text.len(),
                    source: Source::Verbatim(at),
                });
                text.extend_from_slice(&haystack[at..region.span.start]);
            }
            segments.push(Segment {
                start: text.len(),
                source: Source::Region(index),
            });
            text.extend_from_slice(&region.decoded);
            at = region.span.end;
        }
        if at < haystack.len() {
            segments.push(Segment {
                start: text.len(),
                source: Source::Verbatim(at),
            });
            text.extend_from_slice(&haystack[at..]);
        }
        Transformed { text, segments }
    }

    /// Where the regions' decodings lie in the transformed text, in order.
    pub fn region_spans(&self) -> Vec<Span> {
        self.segments
            .iter()
            .enumerate()
            .filter(|(_, s)| matches!(s.source, Source::Region(_)))
            .map(|(k, s)| Span {
                start: s.start,
                end: self
                    .segments
                    .get(k + 1)
                    .map_or(self.text.len(), |next| next.start),
            })
            .collect()
    }

    /// The segment holding transformed offset `at`.
    fn segment(&self, at: usize) -> Segment {
        let index = self.segments.partition_point(|s| s.start <= at) - 1;
        self.segments[index]
    }

    /// The input bytes transformed byte `at` comes from.
    fn origin(&self, regions: &[Region], at: usize) -> Span {
        let segment = self.segment(at);
        match segment.source {
            Source::Verbatim(from) => {
                let start = from + (at - segment.start);
                Span {
                    start,
                    end: start + 1,
                }
            }
            Source::Region(index) => regions[index].origin(at - segment.start),
        }
    }

    /// The first region a transformed span lies in, at least in part.
    pub fn region_of(&self, span: Span) -> Option<usize> {
        let first = self.segments.partition_point(|s| s.start <= span.start) - 1;
        self.segments[first..]
            .iter()
            .take_while(|s| s.start < span.end)
            .find_map(|s| match s.source {
                Source::Region(index) => Some(index),
                Source::Verbatim(_) => None,
            })
    }

    /// The input span a transformed span comes from: from the origin of its first byte to the
    /// end of the origin of its last.
    pub fn to_input(&self, regions: &[Region], span: Span) -> Span {
        let first = self.origin(regions, span.start);
        let last = self.origin(regions, span.end - 1);
        Span {
            start: first.start,
            end: last.end.max(first.start + 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    #[test]
    fn spans_map_back_through_whole_and_per_byte_regions() {
        let input = b"a=QUJD b=x%41y end";
        let whole = Region::whole(span(2, 6), Encoding::Base64, b"ABC".to_vec());
        let mut pieces = Pieces::default();
        pieces.verbatim(input, span(9, 10));
        pieces.decoded(b"A", span(10, 13));
        pieces.verbatim(input, span(13, 14));
        let per_byte = pieces.finish(span(9, 14), Encoding::Percent).unwrap();
        let regions = vec![whole, per_byte];
        let doc = Transformed::new(input, &regions);
        assert_eq!(doc.text, b"a=ABC b=xAy end");
        // "B" inside the base64 decoding: the whole encoded value.
        assert_eq!(doc.to_input(&regions, span(3, 4)), span(2, 6));
        assert_eq!(doc.region_of(span(3, 4)), Some(0));
        // "Ay" in the percent decoding: from the escape to the y.
        assert_eq!(doc.to_input(&regions, span(9, 11)), span(10, 14));
        assert_eq!(doc.region_of(span(9, 11)), Some(1));
        // "end" is a plain copy.
        assert_eq!(doc.to_input(&regions, span(12, 15)), span(15, 18));
        assert_eq!(doc.region_of(span(12, 15)), None);
    }

    #[test]
    fn only_long_runs_next_to_changed_bytes_are_worth_scanning() {
        let long = "k".repeat(MIN_RUN);
        let text = format!("{long}:x");
        let input = text.as_bytes();
        // All verbatim: nothing changed.
        let mut plain = Pieces::default();
        plain.verbatim(input, span(0, input.len()));
        assert!(!worth_scanning(
            &plain
                .finish(span(0, input.len()), Encoding::Percent)
                .unwrap()
        ));
        // The byte after the run was decoded from an escape.
        let escaped_text = format!("{long}%3Ax");
        let mut escaped = Pieces::default();
        escaped.verbatim(escaped_text.as_bytes(), span(0, MIN_RUN));
        escaped.decoded(b":", span(MIN_RUN, MIN_RUN + 3));
        escaped.verbatim(escaped_text.as_bytes(), span(MIN_RUN + 3, MIN_RUN + 4));
        let region = escaped
            .finish(span(0, MIN_RUN + 4), Encoding::Percent)
            .unwrap();
        assert_eq!(region.decoded, text.as_bytes());
        assert!(worth_scanning(&region));
        // A join in the middle of a run.
        let mut joined = Pieces::default();
        joined.verbatim(input, span(0, 10));
        joined.verbatim(input, span(11, MIN_RUN + 1));
        assert!(!worth_scanning(
            &joined
                .finish(span(0, MIN_RUN + 1), Encoding::Concatenation)
                .unwrap()
        ));
        let mut joined = Pieces::default();
        let two = format!("{long}{long}");
        joined.verbatim(two.as_bytes(), span(0, 12));
        joined.verbatim(two.as_bytes(), span(20, 40));
        assert!(worth_scanning(
            &joined.finish(span(0, 40), Encoding::Concatenation).unwrap()
        ));
        let short = Region::whole(span(0, 4), Encoding::Base64, b"abc".to_vec());
        assert!(!worth_scanning(&short));
    }

    #[test]
    fn the_on_the_fly_check_agrees_with_the_region_check() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(13);
        let input: Vec<u8> = (0..400)
            .map(|_| {
                if rng.random_range(0..8) == 0 {
                    b'.'
                } else {
                    b'k'
                }
            })
            .collect();
        for _ in 0..2000 {
            let mut pieces = Pieces::default();
            let mut worth = Worth::default();
            let mut at = 0;
            while at < input.len() {
                let len = rng.random_range(1..40).min(input.len() - at);
                let span = span(at, at + len);
                match rng.random_range(0..6) {
                    0 => {
                        let bytes = [if rng.random() { b'x' } else { b'/' }];
                        pieces.decoded(&bytes, span);
                        worth.decoded(&bytes, span);
                    }
                    // Leave input out, as a join does.
                    1 => {}
                    _ => {
                        pieces.verbatim(&input, span);
                        Sink::verbatim(&mut worth, &input, span);
                    }
                }
                at += len;
            }
            let Some(region) = pieces.finish(span(0, input.len()), Encoding::Concatenation) else {
                continue;
            };
            assert_eq!(
                worth.worth(),
                worth_scanning(&region),
                "{:?}",
                region.origins
            );
        }
    }

    #[test]
    fn overlapping_regions_keep_the_first_and_longest() {
        let region = |start, end| Region::whole(span(start, end), Encoding::Base64, vec![b'x']);
        let kept = disjoint(vec![region(5, 9), region(0, 4), region(0, 6), region(6, 8)]);
        let spans: Vec<Span> = kept.iter().map(|r| r.span).collect();
        assert_eq!(spans, vec![span(0, 6), span(6, 8)]);
    }
}
