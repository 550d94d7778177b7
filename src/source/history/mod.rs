//! The history source: every commit of a repository, each finding attributed to the commit,
//! author and path that introduced it.
//!
//! Three steps. (1) In parallel, each selected commit is compared with its first parent (a root
//! commit with nothing), skipping unchanged subtrees by id, and its message is scanned. (2) In
//! history order, each (path, blob) pair is attributed to the first commit that introduced it;
//! a blob that reappears later at the same path is not new. (3) In parallel, each distinct blob
//! is read, scanned once and dropped, however many commits and paths hold it; for every place
//! that introduced it, only lines that were not in the file's previous version are reported.
//!
//! Objects come from leakfence's own object database ([`crate::git::odb`]): trees through the
//! pack reader's cache, blobs as delta trees resolved once each; what the packs do not hold
//! (loose objects) or what the forest could not build is read one by one, and damage or a
//! missing object is named. Memory holds ids and paths, and contents only along the delta
//! chains being resolved.

mod head;
pub mod push;
pub mod revs;

use super::tree_diff::{self, Change, Previous};
use super::{findings_in, Origin, Scanner, Skip};
use crate::detect::Detector;
use crate::finding::Stats;
use crate::finding::{Commit, Finding, Provenance, COMMIT_MESSAGE_PATH};
use crate::git::commit;
use crate::git::odb::{Kind, Odb, Read};
use crate::git::pack::{Content, DeltaForest};
use crate::git::{GitError, ObjectId, Repository};
use crate::messages::Messages;
use crate::source::progress::Progress;
use head::HeadSnapshot;
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// The repository, opened.
    pub repo: Repository,
    /// Which commits.
    pub selection: revs::Selection,
    /// Blobs larger than this are skipped with a warning.
    pub max_file_size: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
}

/// A place that introduced a blob.
struct Occurrence {
    commit: usize,
    path: Arc<[u8]>,
    old: Previous,
}

/// What step (1) learned about one commit.
#[derive(Default)]
struct CommitScan {
    changes: Vec<Change>,
    message_findings: Vec<Finding>,
}

/// Scans the selected history, telling `progress` how far it got. Returns findings (each with
/// its commit) and statistics.
pub fn scan(
    options: &HistoryOptions,
    detector: &Detector,
    messages: &Messages,
    progress: &dyn Progress,
) -> Result<(Vec<Finding>, Stats), GitError> {
    let repo = &options.repo;
    if !repo.has_commits()? {
        return Err(GitError::NoCommits {
            path: repo.display_path().to_path_buf(),
        });
    }
    if repo.is_shallow() {
        messages.warn(
            &repo.display_path().display().to_string(),
            "shallow clone: history before the grafted commits is missing, so only what is here was scanned \
             (run `git fetch --unshallow` for the rest)",
        );
    }
    let commits = revs::commits(repo, &options.selection)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        // Room for trees nested as deep as git allows (tree_diff::MAX_TREE_DEPTH); only
        // touched pages cost memory.
        .stack_size(32 << 20)
        .build()
        .map_err(|e| GitError::Read {
            what: "worker threads".into(),
            message: e.to_string(),
        })?;
    let mut stats = Stats {
        commits: commits.len() as u64,
        ..Stats::default()
    };

    let odb = repo.odb();
    let walk = Walk {
        odb: &odb,
        grafted: repo.shallow_commits(),
        detector,
        messages,
    };
    let scans = pool.install(|| walk.commits(&commits, progress));
    // HEAD's files are listed now, for the blob scan to keep copies of them, when the scan is
    // large and includes HEAD; otherwise later, and only if there are findings to place.
    let head_commit = repo.head();
    let eager =
        commits.len() >= EAGER_HEAD_COMMITS && head_commit.is_some_and(|id| commits.contains(&id));
    let head = eager.then(|| list_head(&pool, head_commit, &odb));
    odb.packs().clear_cache();
    let occurrences = attribute(&scans);
    stats.blobs = occurrences.len() as u64;
    let blob_scan = BlobScan {
        odb: &odb,
        head: head
            .as_ref()
            .and_then(|listed| listed.as_ref().ok())
            .and_then(Option::as_ref),
        detector,
        messages,
        max_size: options.max_file_size,
    };
    let (in_blobs, blob_stats) = pool.install(|| blob_scan.all(occurrences, progress));
    progress.finish();
    stats.add(&blob_stats);
    let in_messages: Vec<Attributed> = scans
        .into_iter()
        .enumerate()
        .flat_map(|(commit, scan)| scan.message_findings.into_iter().map(move |f| (commit, f)))
        .collect();
    let mut commit_infos = CommitInfos::new(&odb, &commits, messages);
    let mut findings = commit_infos.attach(in_blobs, |commit| Provenance::Blob { commit });
    findings
        .extend(commit_infos.attach(in_messages, |commit| Provenance::CommitMessage { commit }));
    if findings.iter().any(|f| !f.is_commit_message()) {
        let listed = head.unwrap_or_else(|| list_head(&pool, head_commit, &odb));
        match listed {
            Ok(head) => pool.install(|| {
                let reader = head::Reader {
                    odb: &odb,
                    size_limit: options.max_file_size,
                };
                head::mark(head.as_ref(), &reader, &mut findings);
            }),
            Err(e) => messages.error(
                "HEAD",
                format_args!(
                    "cannot list its files, so whether findings are still there is unknown: {e}"
                ),
            ),
        }
    }
    Ok((findings, stats))
}

/// Scans of at least this many commits that include `HEAD` list its files before reading
/// blobs, so that the blob scan keeps copies of them (see `head`).
const EAGER_HEAD_COMMITS: usize = 1_000;

/// Lists `HEAD`'s files on the scan's threads (their stacks hold trees nested as deep as git
/// allows).
fn list_head(
    pool: &rayon::ThreadPool,
    head: Option<ObjectId>,
    odb: &Odb,
) -> Result<Option<HeadSnapshot>, GitError> {
    pool.install(|| HeadSnapshot::list(head, odb))
}

/// A finding and the position of the commit that introduced it, until commit metadata is
/// read once per commit: its provenance is set then (see [`CommitInfos::attach`]).
type Attributed = (usize, Finding);

/// Step (1): per-commit changes and message findings, in parallel, in commit order.
/// What step (1) needs.
struct Walk<'a> {
    odb: &'a Odb,
    /// A shallow clone's grafted commits, walked as roots (their parents are absent).
    grafted: HashSet<ObjectId>,
    detector: &'a Detector,
    messages: &'a Messages,
}

impl Walk<'_> {
    fn commits(&self, commits: &[ObjectId], progress: &dyn Progress) -> Vec<CommitScan> {
        progress.start_commits(commits.len() as u64);
        commits
            .par_iter()
            .map(|&id| {
                progress.commit_done();
                with_detector(self.detector, |detector| self.commit(detector, id)).unwrap_or_else(
                    |e| {
                        let what = format!("commit {id}");
                        self.messages.error(&what, format_args!("cannot read: {e}"));
                        CommitScan::default()
                    },
                )
            })
            .collect()
    }

    fn commit(&self, detector: &Detector, id: ObjectId) -> Result<CommitScan, GitError> {
        let odb = self.odb;
        let data = commit::read(odb, id)?;
        let parsed = commit::parse(&data).expect("checked by commit::read");
        let tree = parsed.tree;
        let parent_tree = match parsed.parents.first() {
            Some(&parent) if !self.grafted.contains(&id) => Some(commit::tree_of(odb, parent)?),
            _ => None,
        };
        let changes = tree_diff::commit_changes(odb, parent_tree, tree)?;
        // The provenance names the commit once its metadata is read (`CommitInfos::attach`).
        let origin = Origin {
            path: COMMIT_MESSAGE_PATH.to_string(),
            provenance: Provenance::File,
        };
        let message_findings = findings_in(detector, &origin, parsed.message);
        Ok(CommitScan {
            changes,
            message_findings,
        })
    }
}

thread_local! {
    /// Each worker thread's own detector (regex matching contends on a shared one). Threads
    /// belong to one scan's pool, so a detector never outlives its scan.
    static DETECTOR: std::cell::RefCell<Option<Detector>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's clone of `detector` (made on first use).
fn with_detector<T>(detector: &Detector, f: impl FnOnce(&Detector) -> T) -> T {
    DETECTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        f(slot.get_or_insert_with(|| detector.clone()))
    })
}

/// Step (2): the first commit, in history order, that gave each path each blob.
fn attribute(scans: &[CommitScan]) -> Vec<(ObjectId, Vec<Occurrence>)> {
    let mut seen: HashSet<(Arc<[u8]>, ObjectId)> = HashSet::new();
    let mut by_blob: HashMap<ObjectId, Vec<Occurrence>> = HashMap::new();
    for (commit, scan) in scans.iter().enumerate() {
        for change in &scan.changes {
            let path: Arc<[u8]> = Arc::from(change.path.as_slice());
            if seen.insert((path.clone(), change.new)) {
                by_blob.entry(change.new).or_default().push(Occurrence {
                    commit,
                    path,
                    old: change.old.clone(),
                });
            }
        }
    }
    let mut blobs: Vec<_> = by_blob.into_iter().collect();
    // Blobs the delta forest cannot serve are read one by one in this order: versions of one
    // path together, newest first, so that the pack cache keeps each chain's bases.
    blobs.sort_by(|(_, a), (_, b)| {
        let key =
            |places: &[Occurrence]| (places[0].path.clone(), std::cmp::Reverse(places[0].commit));
        key(a).cmp(&key(b))
    });
    blobs
}

/// What the blob scan needs.
struct BlobScan<'a> {
    odb: &'a Odb,
    /// `HEAD`'s files, when listed already: the scan keeps copies of their contents.
    head: Option<&'a HeadSnapshot>,
    detector: &'a Detector,
    messages: &'a Messages,
    /// Blobs larger than this are skipped with a warning.
    max_size: u64,
}

impl BlobScan<'_> {
    /// Scans every blob; returns the findings of each place that introduced one, and counts.
    fn all(
        &self,
        blobs: Vec<(ObjectId, Vec<Occurrence>)>,
        progress: &dyn Progress,
    ) -> (Vec<Attributed>, Stats) {
        progress.start_blobs(blobs.len() as u64);
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
        // `CommitInfos::attach`.
        let origin = Origin {
            path: String::new(),
            provenance: Provenance::File,
        };
        let scanned = match self.scanner(detector).scan(content, &origin, &mut stats) {
            Ok(scanned) => scanned,
            Err(skip) => return blob.skipped(self.messages, skip, stats),
        };
        let mut out = Vec::new();
        for place in blob.places {
            let here = scanned.on_new_lines(self.odb, &place.old);
            let path = String::from_utf8_lossy(&place.path).into_owned();
            for mut finding in here {
                finding.path = path.clone();
                out.push((place.commit, finding));
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

/// What scanning one blob gave.
#[derive(Default)]
struct BlobOutcome {
    /// Findings on lines new at each place that introduced the blob.
    findings: Vec<Attributed>,
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

/// Commit metadata (id, author, date), read once per commit that has findings.
struct CommitInfos<'a> {
    odb: &'a Odb,
    commits: &'a [ObjectId],
    messages: &'a Messages,
    cache: HashMap<usize, Commit>,
}

impl<'a> CommitInfos<'a> {
    fn new(odb: &'a Odb, commits: &'a [ObjectId], messages: &'a Messages) -> Self {
        CommitInfos {
            odb,
            commits,
            messages,
            cache: HashMap::new(),
        }
    }

    /// Gives each finding the provenance `make` builds from its commit's metadata.
    fn attach(
        &mut self,
        attributed: Vec<Attributed>,
        make: impl Fn(Commit) -> Provenance,
    ) -> Vec<Finding> {
        attributed
            .into_iter()
            .map(|(index, mut finding)| {
                let commit = self
                    .cache
                    .entry(index)
                    .or_insert_with(|| commit_info(self.odb, self.commits[index], self.messages));
                finding.provenance = make(commit.clone());
                finding
            })
            .collect()
    }
}

fn commit_info(odb: &Odb, id: ObjectId, messages: &Messages) -> Commit {
    let read = commit::read(odb, id);
    match read.as_ref().map(|data| commit::parse(data)) {
        Ok(Some(commit)) => Commit {
            id: id.to_string(),
            author: String::from_utf8_lossy(commit.author_name).into_owned(),
            email: String::from_utf8_lossy(commit.author_email).into_owned(),
            time: commit.author_time,
        },
        Ok(None) | Err(_) => {
            let reason = read
                .err()
                .map_or("not a valid commit".into(), |e| e.to_string());
            messages.error(&format!("commit {id}"), reason);
            Commit {
                id: id.to_string(),
                author: String::new(),
                email: String::new(),
                time: 0,
            }
        }
    }
}
