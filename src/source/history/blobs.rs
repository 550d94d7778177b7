//! Step (3) of a history scan: each distinct blob read and scanned once, in parallel, however
//! many commits and paths hold it. Blobs in packs come through the delta forest, each delta
//! chain resolved once; the rest (loose objects, anything the forest could not build) are read
//! one by one, damage and missing objects named. For every place that introduced a blob, only
//! findings on lines that were not in the file's previous version are kept.

use super::attribute::{Attributed, Occurrence};
use super::clean::CleanBlobs;
use super::head::HeadSnapshot;
use super::with_detector;
use crate::detect::Detector;
use crate::finding::{Provenance, Stats};
use crate::git::odb::{Kind, Odb, Read};
use crate::git::pack::{Content, DeltaForest};
use crate::git::ObjectId;
use crate::messages::Messages;
use crate::source::progress::Progress;
use crate::source::{Origin, Scanner, Skip};
use rayon::prelude::*;
use std::sync::Mutex;

/// What the blob scan needs.
pub(super) struct BlobScan<'a> {
    pub(super) odb: &'a Odb,
    /// `HEAD`'s files, when listed already: the scan keeps copies of their contents.
    pub(super) head: Option<&'a HeadSnapshot>,
    pub(super) detector: &'a Detector,
    pub(super) messages: &'a Messages,
    /// Blobs larger than this are skipped with a warning.
    pub(super) max_size: u64,
    /// Blobs known to hold nothing (shared with other scans of the run), if any.
    pub(super) clean: Option<&'a CleanBlobs>,
}

impl BlobScan<'_> {
    /// Scans every blob; returns the findings of each place that introduced one, each with
    /// the blob it is in, and counts.
    pub(super) fn all(
        &self,
        blobs: Vec<(ObjectId, Vec<Occurrence>)>,
        progress: &dyn Progress,
    ) -> (Vec<InBlob>, Stats) {
        progress.start_blobs(blobs.len() as u64);
        let blobs = match self.clean {
            Some(clean) => {
                let (known, unknown): (Vec<_>, Vec<_>) =
                    blobs.into_iter().partition(|(id, _)| clean.contains(id));
                known.iter().for_each(|_| progress.blob_done(0));
                unknown
            }
            None => blobs,
        };
        let odb = self.odb;
        let ids: Vec<ObjectId> = blobs.iter().map(|(id, _)| *id).collect();
        let forest = DeltaForest::plan(odb.packs(), &ids);
        let collected = Mutex::new((Vec::new(), Stats::default()));
        let keep = |outcome: BlobOutcome| {
            progress.blob_done(outcome.stats.bytes);
            let mut collected = collected.lock().unwrap_or_else(|e| e.into_inner());
            collected.0.extend(outcome.findings);
            collected.1.add(&outcome.stats);
        };
        let delivered = forest.visit(odb.packs(), self.max_size, &|position, kind, content| {
            let (id, places) = &blobs[position];
            let blob = Blob { id: *id, places };
            let outcome = with_detector(self.detector, |detector| match content {
                // A tree entry that names a commit or tree as a file: damage, as git says.
                _ if kind != Kind::Blob => blob.not_a_blob(self.messages),
                Content::Data(bytes) => {
                    if let Some(head) = self.head {
                        head.offer(*id, bytes);
                    }
                    self.scan(&blob, detector, bytes)
                }
                Content::TooLarge(size) => self.too_large(&blob, detector, size),
            });
            keep(outcome);
        });
        blobs
            .par_iter()
            .zip(delivered)
            .filter(|(_, delivered)| !delivered)
            .for_each(|((id, places), _)| {
                let blob = Blob { id: *id, places };
                keep(with_detector(self.detector, |detector| {
                    self.read_and_scan(&blob, detector)
                }));
            });
        collected.into_inner().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads a blob on its own (a blob over the limit is not inflated) and scans it.
    fn read_and_scan(&self, blob: &Blob<'_>, detector: &Detector) -> BlobOutcome {
        match self.odb.read_limited(&blob.id, self.max_size) {
            Ok(Read::Data {
                kind: Kind::Blob,
                data,
            }) => self.scan(blob, detector, &data),
            Ok(Read::Data { .. }) => blob.not_a_blob(self.messages),
            Ok(Read::TooLarge { size, .. }) => self.too_large(blob, detector, size),
            Err(e) => {
                self.messages
                    .error(&blob.first_path(), format_args!("cannot read: {e}"));
                BlobOutcome::default()
            }
        }
    }

    fn too_large(&self, blob: &Blob<'_>, detector: &Detector, size: u64) -> BlobOutcome {
        let mut stats = Stats::default();
        let skip = self.scanner(detector).too_large(size, &mut stats);
        blob.skipped(self.messages, skip, stats)
    }

    /// Scans a blob's content; each place that introduced it gets the findings on lines that
    /// were not in the file's previous version.
    fn scan(&self, blob: &Blob<'_>, detector: &Detector, content: &[u8]) -> BlobOutcome {
        let mut stats = Stats::default();
        // Path and provenance depend on the place and commit: set below and by
        // `attribute::CommitInfos::attach`.
        let origin = Origin {
            path: String::new(),
            provenance: Provenance::File,
        };
        let scanned = match self.scanner(detector).scan(content, &origin, &mut stats) {
            Ok(scanned) => scanned,
            Err(skip) => {
                if let (Some(clean), Skip::Binary) = (self.clean, &skip) {
                    clean.insert(blob.id);
                }
                return blob.skipped(self.messages, skip, stats);
            }
        };
        if let (Some(clean), true) = (self.clean, scanned.findings.is_empty()) {
            clean.insert(blob.id);
            return BlobOutcome {
                findings: Vec::new(),
                stats,
            };
        }
        let mut out = Vec::new();
        for place in blob.places {
            let here = scanned.on_new_lines(self.odb, &place.old);
            let path = String::from_utf8_lossy(&place.path).into_owned();
            for mut finding in here {
                finding.path = path.clone();
                out.push((blob.id, (place.commit, finding)));
            }
        }
        BlobOutcome {
            findings: out,
            stats,
        }
    }

    fn scanner<'d>(&self, detector: &'d Detector) -> Scanner<'d> {
        Scanner::new(detector, Some(self.max_size))
    }
}

/// A finding attributed to its commit, with the blob it was found in.
pub(super) type InBlob = (ObjectId, Attributed);

/// What scanning one blob gave.
#[derive(Default)]
struct BlobOutcome {
    /// Findings on lines new at each place that introduced the blob.
    findings: Vec<InBlob>,
    stats: Stats,
}

/// One distinct blob and the places that introduced it.
struct Blob<'a> {
    id: ObjectId,
    places: &'a [Occurrence],
}

impl Blob<'_> {
    fn first_path(&self) -> String {
        String::from_utf8_lossy(&self.places[0].path).into_owned()
    }

    fn not_a_blob(&self, messages: &Messages) -> BlobOutcome {
        messages.error(
            &self.first_path(),
            format_args!("object {} is not a blob", self.id),
        );
        BlobOutcome::default()
    }

    /// A blob the scanner skipped: one over the limit is named, and its size counted as read.
    fn skipped(&self, messages: &Messages, skip: Skip, mut stats: Stats) -> BlobOutcome {
        if let Skip::TooLarge { size } = skip {
            stats.bytes += size;
            messages.warn(
                &self.first_path(),
                format_args!(
                    "blob {} skipped: {size} bytes is over the size limit",
                    self.id
                ),
            );
        }
        BlobOutcome {
            stats,
            ..BlobOutcome::default()
        }
    }
}
