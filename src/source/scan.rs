//! The scanning seam every source calls: size limit → decode → detect → findings → the ones
//! on reportable lines.
//!
//! Sources read (files, standard input, the index, history's blobs) and word their own
//! messages; a [`Scanner`] does the rest the same way for all of them, counting what it scanned
//! and skipped in [`Stats`], and says why it skipped something ([`Skip`]).

use super::decode::{decode, Decoded};
use super::previous::{previous_lines, retain_new_lines};
use super::tree_diff::Previous;
use crate::detect::lines::LineIndex;
use crate::detect::rules::rule;
use crate::detect::{Detector, Encoding};
use crate::finding::{Finding, Provenance, Stats};
use crate::git::odb::Odb;
use std::borrow::Cow;
use std::io::{self, Read};

/// Where a piece of content comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// Display path: relative to the scan root, `/`-separated, or `<stdin>`.
    pub path: String,
    /// What the content is.
    pub provenance: Provenance,
}

/// Runs the detector over one decoded content and turns detections into findings.
pub fn findings_in(detector: &Detector, origin: &Origin, content: &[u8]) -> Vec<Finding> {
    findings_in_text(detector, origin, content, None)
}

/// [`findings_in`] for text transcoded from `transcoded` (UTF-16 without a byte-order mark):
/// every finding the detector did not decode itself is marked with it.
pub fn findings_in_text(
    detector: &Detector,
    origin: &Origin,
    content: &[u8],
    transcoded: Option<Encoding>,
) -> Vec<Finding> {
    let detections = detector.detect(content);
    if detections.is_empty() {
        return Vec::new();
    }
    let lines = LineIndex::new(content);
    detections
        .into_iter()
        .map(|d| {
            let location = lines.location(content, d.span.start);
            let end = lines.location(content, d.span.end);
            let line_range = lines.line_range(content, location.line - 1);
            let written = String::from_utf8_lossy(&content[d.span.start..d.span.end]);
            let (secret, decoded, encoded) = match d.decoded {
                Some(value) => {
                    let secret = String::from_utf8_lossy(&value.secret).into_owned();
                    let encoded = (written != secret).then(|| written.into_owned());
                    (secret, Some(value.encoding), encoded)
                }
                None => (written.into_owned(), transcoded, None),
            };
            Finding {
                rule: d.rule,
                severity: rule(d.rule).severity,
                path: origin.path.clone(),
                location,
                end_column: if end.line == location.line {
                    end.column
                } else {
                    location.column + 1
                },
                span: d.span,
                secret,
                decoded,
                encoded,
                line_text: String::from_utf8_lossy(&content[line_range]).into_owned(),
                provenance: origin.provenance.clone(),
                in_head: None,
                head_path: None,
                removed: None,
                repository: None,
                verification: None,
            }
        })
        .collect()
}

/// Why content was not scanned. The [`Scanner`] has counted it; the source words the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Over the size limit.
    TooLarge {
        /// Its size in bytes.
        size: u64,
    },
    /// Binary data (see [`decode`]).
    Binary,
}

/// What scanning one content gave.
#[derive(Debug)]
pub struct Scanned<'c> {
    /// The text the detector saw (decoded where it was UTF-16 or UTF-32).
    pub text: Cow<'c, [u8]>,
    /// Every finding in it, on whatever line.
    pub findings: Vec<Finding>,
}

impl Scanned<'_> {
    /// The findings a change reports: those on lines that were not in the file's `previous`
    /// version (all of them for a new file). The previous version is read only when there
    /// are findings.
    pub fn on_new_lines(&self, odb: &Odb, previous: &Previous) -> Vec<Finding> {
        if self.findings.is_empty() {
            return Vec::new();
        }
        let mut found = self.findings.clone();
        if let Some(old) = previous_lines(odb, previous, &self.text) {
            retain_new_lines(&mut found, &old);
        }
        found
    }
}

/// Size limit, decoding and detection, the same for every source.
#[derive(Debug, Clone, Copy)]
pub struct Scanner<'a> {
    detector: &'a Detector,
    max_size: Option<u64>,
}

impl<'a> Scanner<'a> {
    /// A scanner with `detector` (a worker's own clone) that skips content over `max_size`
    /// bytes (`None`: no limit).
    pub fn new(detector: &'a Detector, max_size: Option<u64>) -> Self {
        Scanner { detector, max_size }
    }

    /// The detector, for content that needs no decoding (commit messages).
    pub fn detector(&self) -> &'a Detector {
        self.detector
    }

    /// Checks a size known before reading: over the limit, the skip is counted and returned.
    pub fn admit(&self, size: u64, stats: &mut Stats) -> Result<(), Skip> {
        match self.max_size {
            Some(max) if size > max => Err(self.too_large(size, stats)),
            _ => Ok(()),
        }
    }

    /// Counts content the source found over the limit itself (it was left unread).
    pub fn too_large(&self, size: u64, stats: &mut Stats) -> Skip {
        stats.too_large_skipped += 1;
        Skip::TooLarge { size }
    }

    /// Reads `reader`, of `known_size` bytes if known, into `buffer` and scans it. A known size
    /// over the limit is skipped unread; otherwise at most one byte past the limit is read (the
    /// file may have grown since its size was taken) and what was read is scanned.
    pub fn scan_reader<'b>(
        &self,
        mut reader: impl Read,
        known_size: Option<u64>,
        buffer: &'b mut Vec<u8>,
        origin: &Origin,
        stats: &mut Stats,
    ) -> io::Result<Result<Scanned<'b>, Skip>> {
        if let Some(size) = known_size {
            if let Err(skip) = self.admit(size, stats) {
                return Ok(Err(skip));
            }
        }
        buffer.clear();
        if let Some(size) = known_size {
            buffer.reserve(usize::try_from(size).unwrap_or(0).saturating_add(1));
        }
        match self.max_size {
            Some(max) => reader.take(max.saturating_add(1)).read_to_end(buffer)?,
            None => reader.read_to_end(buffer)?,
        };
        let content: &'b [u8] = buffer;
        Ok(self.detect(content, false, origin, stats))
    }

    /// Scans content already read: over the limit it is skipped, binary data too.
    pub fn scan<'c>(
        &self,
        content: &'c [u8],
        origin: &Origin,
        stats: &mut Stats,
    ) -> Result<Scanned<'c>, Skip> {
        self.admit(content.len() as u64, stats)?;
        self.detect(content, false, origin, stats)
    }

    /// Scans a symbolic link's target (a link's blob is its target path): as text whatever
    /// it holds.
    pub fn scan_link<'c>(
        &self,
        content: &'c [u8],
        origin: &Origin,
        stats: &mut Stats,
    ) -> Result<Scanned<'c>, Skip> {
        self.admit(content.len() as u64, stats)?;
        self.detect(content, true, origin, stats)
    }

    /// Decodes and detects, counting bytes read and files scanned or skipped as binary.
    fn detect<'c>(
        &self,
        content: &'c [u8],
        binary_as_text: bool,
        origin: &Origin,
        stats: &mut Stats,
    ) -> Result<Scanned<'c>, Skip> {
        stats.bytes += content.len() as u64;
        let (text, transcoded) = match decode(content) {
            Decoded::Text(text) => (text, None),
            Decoded::Transcoded(text, encoding) => (Cow::Owned(text), Some(encoding)),
            Decoded::Binary if binary_as_text => (Cow::Borrowed(content), None),
            Decoded::Binary => {
                stats.binary_skipped += 1;
                return Err(Skip::Binary);
            }
        };
        stats.files += 1;
        let findings = findings_in_text(self.detector, origin, &text, transcoded);
        Ok(Scanned { text, findings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin() -> Origin {
        Origin {
            path: "a.txt".into(),
            provenance: Provenance::File,
        }
    }

    #[test]
    fn skips_are_counted_and_said() {
        let detector = Detector::new();
        let scanner = Scanner::new(&detector, Some(4));
        let mut stats = Stats::default();
        let too_large = scanner.scan(b"12345", &origin(), &mut stats);
        assert_eq!(too_large.unwrap_err(), Skip::TooLarge { size: 5 });
        let binary = scanner.scan(b"a\0b", &origin(), &mut stats);
        assert_eq!(binary.unwrap_err(), Skip::Binary);
        let link = scanner.scan_link(b"a\0b", &origin(), &mut stats).unwrap();
        assert!(link.findings.is_empty());
        let text = scanner.scan(b"abc", &origin(), &mut stats).unwrap();
        assert_eq!(text.text.as_ref(), b"abc");
        assert_eq!(
            stats,
            Stats {
                files: 2,
                bytes: 9,
                binary_skipped: 1,
                too_large_skipped: 1,
                ..Stats::default()
            }
        );
    }

    #[test]
    fn a_reader_is_read_to_one_byte_past_the_limit() {
        let detector = Detector::new();
        let scanner = Scanner::new(&detector, Some(4));
        let mut stats = Stats::default();
        let mut buffer = Vec::new();
        let skipped = scanner
            .scan_reader(&b"123456"[..], Some(6), &mut buffer, &origin(), &mut stats)
            .unwrap();
        assert_eq!(skipped.unwrap_err(), Skip::TooLarge { size: 6 });
        // It grew after its size was taken: what was read is scanned.
        let grown = scanner
            .scan_reader(&b"123456"[..], Some(3), &mut buffer, &origin(), &mut stats)
            .unwrap()
            .unwrap();
        assert_eq!(grown.text.as_ref(), b"12345");
        let unlimited = Scanner::new(&detector, None);
        let all = unlimited
            .scan_reader(&b"123456"[..], None, &mut buffer, &origin(), &mut stats)
            .unwrap()
            .unwrap();
        assert_eq!(all.text.as_ref(), b"123456");
    }
}
