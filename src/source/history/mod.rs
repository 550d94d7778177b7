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
//! Objects come from leakfence's own pack reader ([`crate::git::pack`]): trees through its
//! cache, blobs as delta trees resolved once each; libgit2 reads only what the packs do not
//! hold (loose objects, alternates) or what the reader found damaged, and reports real damage.
//! Memory holds ids and paths, and contents only along the delta chains being resolved.

mod head;
pub mod push;
pub mod revs;

use super::decode::{decode, Decoded};
use super::tree_diff::{self, Change, Previous};
use super::{findings_in, previous_lines, retain_new_lines, Origin};
use crate::detect::Detector;
use crate::finding::{Commit, Finding};
use crate::git::pack::{Content, DeltaForest, Kind, Packs};
use crate::git::tree::PacksFirst;
use crate::git::{self, GitError};
use crate::messages::Messages;
use crate::report::Stats;
use head::HeadSnapshot;
use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// The location reported for a finding in a commit message (it has no path).
pub const COMMIT_MESSAGE: &str = "commit-message";

/// What to scan and how.
#[derive(Debug, Clone)]
pub struct HistoryOptions {
    /// Repository directory (`None`: from the environment and current directory).
    pub repo: Option<PathBuf>,
    /// Which commits.
    pub selection: revs::Selection,
    /// Blobs larger than this are skipped with a warning.
    pub max_file_size: u64,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Draw progress bars on stderr.
    pub progress: bool,
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

/// Scans the selected history. Returns findings (each with its commit) and statistics.
pub fn scan(
    options: &HistoryOptions,
    detector: &Detector,
    messages: &Messages,
) -> Result<(Vec<Finding>, Stats), GitError> {
    let repo = git::open_repository(options.repo.as_deref())?;
    if !has_commits(&repo) {
        return Err(GitError::NoCommits {
            path: repo.workdir().unwrap_or(repo.path()).to_path_buf(),
        });
    }
    if repo.is_shallow() {
        messages.warn(
            &repo.workdir().unwrap_or(repo.path()).display().to_string(),
            "shallow clone: history before the grafted commits is missing, so only what is here was scanned \
             (run `git fetch --unshallow` for the rest)",
        );
    }
    let commits = revs::commits(&repo, &options.selection)?;
    // Objects are only read, never written: skip libgit2's SHA-1 check of every object read
    // (about a seventh of the time). A damaged object still fails to inflate and is reported.
    git2::opts::strict_hash_verification(false);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(options.threads)
        // Room for trees nested as deep as git allows (tree_diff::MAX_TREE_DEPTH); only
        // touched pages cost memory.
        .stack_size(32 << 20)
        .build()
        .map_err(|e| GitError::Read {
            what: "worker threads".into(),
            source: git2::Error::from_str(&e.to_string()),
        })?;
    let git_dir = repo.path().to_path_buf();
    let mut stats = Stats {
        commits: commits.len() as u64,
        ..Stats::default()
    };

    let progress = Progress::new(options.progress);
    // A linked worktree's objects live in the main repository (its common directory).
    let packs = Packs::open(repo.commondir());
    let objects = Objects {
        git_dir: &git_dir,
        packs: &packs,
    };
    let scans = pool.install(|| walk_commits(&objects, &commits, detector, messages, &progress));
    // HEAD's files are listed now, for the blob scan to keep copies of them, when the scan is
    // large and includes HEAD; otherwise later, and only if there are findings to place.
    let head_commit = repo
        .head()
        .ok()
        .and_then(|head| head.peel_to_commit().ok())
        .map(|commit| commit.id());
    let eager =
        commits.len() >= EAGER_HEAD_COMMITS && head_commit.is_some_and(|id| commits.contains(&id));
    let head = eager.then(|| list_head(&pool, &git_dir, &packs));
    packs.clear_cache();
    let occurrences = attribute(&scans);
    stats.blobs = occurrences.len() as u64;
    let (mut attributed, blob_stats) = pool.install(|| {
        scan_blobs(
            &objects,
            head.as_ref()
                .and_then(|listed| listed.as_ref().ok())
                .and_then(Option::as_ref),
            occurrences,
            detector,
            messages,
            options.max_file_size,
            &progress,
        )
    });
    progress.finish();
    pool.broadcast(|_| release_worker());
    stats.add(&blob_stats);
    for (commit, scan) in scans.into_iter().enumerate() {
        attributed.extend(scan.message_findings.into_iter().map(|f| (commit, f)));
    }
    let mut findings = attach_commits(&repo, &commits, attributed, messages);
    if findings.iter().any(|f| f.path != COMMIT_MESSAGE) {
        let listed = head.unwrap_or_else(|| list_head(&pool, &git_dir, &packs));
        match listed {
            Ok(head) => pool.install(|| {
                if let Ok(repo) = git2::Repository::open(&git_dir) {
                    let reader = head::Reader {
                        repo: &repo,
                        packs: &packs,
                        size_limit: options.max_file_size,
                    };
                    head::mark(head.as_ref(), &reader, &mut findings);
                }
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

/// Lists `HEAD`'s files on the scan's threads (a libgit2 handle cannot cross threads, so one
/// is opened there; their stacks hold trees nested as deep as git allows).
fn list_head(
    pool: &rayon::ThreadPool,
    git_dir: &Path,
    packs: &Packs,
) -> Result<Option<HeadSnapshot>, GitError> {
    pool.install(|| {
        let repo = git2::Repository::open(git_dir).map_err(|source| GitError::Read {
            what: "the repository".into(),
            source,
        })?;
        let trees = PacksFirst { packs, repo: &repo };
        HeadSnapshot::list(&repo, &trees)
    })
}

/// Whether `HEAD` or any ref leads to a commit (libgit2's `is_empty` only knows an unborn
/// `master`).
fn has_commits(repo: &git2::Repository) -> bool {
    repo.head().is_ok_and(|head| head.peel_to_commit().is_ok())
        || repo
            .references()
            .is_ok_and(|mut refs| refs.any(|r| r.is_ok_and(|r| r.peel_to_commit().is_ok())))
}

/// A finding and the position of the commit that introduced it, until commit metadata is
/// read once per commit.
type Attributed = (usize, Finding);

/// Step (1): per-commit changes and message findings, in parallel, in commit order.
fn walk_commits(
    objects: &Objects<'_>,
    commits: &[git2::Oid],
    detector: &Detector,
    messages: &Messages,
    progress: &Progress,
) -> Vec<CommitScan> {
    let (git_dir, packs) = (objects.git_dir, objects.packs);
    progress.start_commits(commits.len() as u64);
    commits
        .par_iter()
        .map(|&id| {
            progress.commit_done();
            let scanned = with_worker(git_dir, detector, |repo, detector| {
                scan_commit(&PacksFirst { packs, repo }, detector, id)
            });
            match scanned {
                Ok(Ok(scan)) => scan,
                Ok(Err(e)) => {
                    messages.error(&format!("commit {id}"), format_args!("cannot read: {e}"));
                    CommitScan::default()
                }
                Err(e) => {
                    messages.error(
                        &git_dir.display().to_string(),
                        format_args!("cannot open: {}", e.message()),
                    );
                    CommitScan::default()
                }
            }
        })
        .collect()
}

thread_local! {
    /// Each worker thread's own repository handle and detector, kept for the whole scan so that
    /// libgit2's object and delta-base caches stay warm (a handle is not shareable across threads).
    static WORKER: std::cell::RefCell<Option<(PathBuf, git2::Repository, Detector)>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's repository handle for `git_dir` (opened on first use).
fn with_worker<T>(
    git_dir: &Path,
    detector: &Detector,
    f: impl FnOnce(&git2::Repository, &Detector) -> T,
) -> Result<T, git2::Error> {
    WORKER.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.as_ref().is_none_or(|(dir, _, _)| dir != git_dir) {
            *slot = Some((
                git_dir.to_path_buf(),
                git2::Repository::open(git_dir)?,
                detector.clone(),
            ));
        }
        let (_, repo, detector) = slot.as_ref().expect("filled just above");
        Ok(f(repo, detector))
    })
}

/// Drops this thread's repository handle (called on every worker when a scan ends).
fn release_worker() {
    WORKER.with(|cell| cell.borrow_mut().take());
}

fn scan_commit(
    trees: &PacksFirst<'_>,
    detector: &Detector,
    id: git2::Oid,
) -> Result<CommitScan, GitError> {
    let repo = trees.repo;
    let read = |what: String| move |source| GitError::Read { what, source };
    let commit = repo.find_commit(id).map_err(read(format!("commit {id}")))?;
    let parent_tree = match commit.parent_ids().next() {
        Some(parent) => Some(
            repo.find_commit(parent)
                .map_err(read(format!("commit {parent}")))?
                .tree_id(),
        ),
        None => None,
    };
    let changes = tree_diff::commit_changes(trees, parent_tree, commit.tree_id())?;
    let origin = Origin {
        path: COMMIT_MESSAGE.to_string(),
        commit: None,
    };
    let message_findings = findings_in(detector, &origin, commit.message_bytes());
    Ok(CommitScan {
        changes,
        message_findings,
    })
}

/// Step (2): the first commit, in history order, that gave each path each blob.
fn attribute(scans: &[CommitScan]) -> Vec<(git2::Oid, Vec<Occurrence>)> {
    let mut seen: HashSet<(Arc<[u8]>, git2::Oid)> = HashSet::new();
    let mut by_blob: HashMap<git2::Oid, Vec<Occurrence>> = HashMap::new();
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
    // Blobs the pack reader cannot serve go to libgit2 in this order: versions of one path
    // together, newest first, so that its delta cache keeps each chain's bases.
    blobs.sort_by(|(_, a), (_, b)| {
        let key =
            |places: &[Occurrence]| (places[0].path.clone(), std::cmp::Reverse(places[0].commit));
        key(a).cmp(&key(b))
    });
    blobs
}

/// Where the workers read objects: leakfence's pack reader, libgit2 (a handle per thread,
/// opened from `git_dir`) for the rest.
struct Objects<'a> {
    git_dir: &'a Path,
    packs: &'a Packs,
}

/// Step (3): each distinct blob read and scanned once, in parallel: those in packs through
/// leakfence's pack reader, each delta chain resolved once; the rest (loose objects,
/// alternates, anything the reader found damaged) through libgit2, which reports real damage.
fn scan_blobs(
    objects: &Objects<'_>,
    head: Option<&HeadSnapshot>,
    blobs: Vec<(git2::Oid, Vec<Occurrence>)>,
    detector: &Detector,
    messages: &Messages,
    max_size: u64,
    progress: &Progress,
) -> (Vec<Attributed>, Stats) {
    let (git_dir, packs) = (objects.git_dir, objects.packs);
    progress.start_blobs(blobs.len() as u64);
    let ids: Vec<git2::Oid> = blobs.iter().map(|(id, _)| *id).collect();
    let forest = DeltaForest::plan(packs, &ids);
    let collected = Mutex::new((Vec::new(), Stats::default()));
    let keep = |outcome: BlobOutcome| {
        progress.blob_done(outcome.stats.bytes);
        let mut collected = collected.lock().unwrap_or_else(|e| e.into_inner());
        collected.0.extend(outcome.findings);
        collected.1.add(&outcome.stats);
    };
    let delivered = forest.visit(packs, max_size, &|position, kind, content| {
        let (id, places) = &blobs[position];
        let scanned = with_worker(git_dir, detector, |repo, detector| {
            let blob = Blob { id: *id, places };
            match content {
                // A tree entry that names a commit or tree as a file: damage, as libgit2 says.
                _ if kind != Kind::Blob => blob.not_a_blob(messages),
                Content::Data(bytes) => {
                    if let Some(head) = head {
                        head.offer(*id, bytes);
                    }
                    blob.scan(repo, detector, messages, max_size, bytes)
                }
                Content::TooLarge(size) => blob.too_large(messages, size),
            }
        });
        keep(scanned.unwrap_or_else(|e| cannot_open(git_dir, messages, &e)));
    });
    blobs
        .par_iter()
        .zip(delivered)
        .filter(|(_, delivered)| !delivered)
        .for_each(|((id, places), _)| {
            let scanned = with_worker(git_dir, detector, |repo, detector| {
                Blob { id: *id, places }.read_and_scan(repo, detector, messages, max_size)
            });
            keep(scanned.unwrap_or_else(|e| cannot_open(git_dir, messages, &e)));
        });
    collected.into_inner().unwrap_or_else(|e| e.into_inner())
}

fn cannot_open(git_dir: &Path, messages: &Messages, e: &git2::Error) -> BlobOutcome {
    messages.error(
        &git_dir.display().to_string(),
        format_args!("cannot open: {}", e.message()),
    );
    BlobOutcome::default()
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
    id: git2::Oid,
    places: &'a [Occurrence],
}

impl Blob<'_> {
    fn first_path(&self) -> String {
        String::from_utf8_lossy(&self.places[0].path).into_owned()
    }

    /// Reads the blob through libgit2 and scans it.
    fn read_and_scan(
        &self,
        repo: &git2::Repository,
        detector: &Detector,
        messages: &Messages,
        max_size: u64,
    ) -> BlobOutcome {
        // The size first, from the object's header: a blob over the limit is never read.
        let size = repo.odb().and_then(|odb| odb.read_header(self.id));
        if let Ok((size, _)) = size {
            if size as u64 > max_size {
                return self.too_large(messages, size as u64);
            }
        }
        match repo.find_blob(self.id) {
            Ok(blob) => self.scan(repo, detector, messages, max_size, blob.content()),
            Err(e) => {
                messages.error(
                    &self.first_path(),
                    format_args!("missing or corrupt object {}: {}", self.id, e.message()),
                );
                BlobOutcome::default()
            }
        }
    }

    fn not_a_blob(&self, messages: &Messages) -> BlobOutcome {
        messages.error(
            &self.first_path(),
            format_args!("object {} is not a blob", self.id),
        );
        BlobOutcome::default()
    }

    fn too_large(&self, messages: &Messages, size: u64) -> BlobOutcome {
        messages.warn(
            &self.first_path(),
            format_args!(
                "blob {} skipped: {size} bytes is over the size limit",
                self.id
            ),
        );
        BlobOutcome {
            stats: Stats {
                bytes: size,
                too_large_skipped: 1,
                ..Stats::default()
            },
            ..BlobOutcome::default()
        }
    }

    /// Scans the blob's content; each place that introduced it gets the findings on lines
    /// that were not in the file's previous version.
    fn scan(
        &self,
        repo: &git2::Repository,
        detector: &Detector,
        messages: &Messages,
        max_size: u64,
        content: &[u8],
    ) -> BlobOutcome {
        if content.len() as u64 > max_size {
            return self.too_large(messages, content.len() as u64);
        }
        let mut stats = Stats {
            bytes: content.len() as u64,
            ..Stats::default()
        };
        let text = match decode(content) {
            Decoded::Binary => {
                stats.binary_skipped += 1;
                return BlobOutcome {
                    stats,
                    ..BlobOutcome::default()
                };
            }
            Decoded::Text(text) => text,
        };
        stats.files += 1;
        let found = findings_in(
            detector,
            &Origin {
                path: String::new(),
                commit: None,
            },
            &text,
        );
        if found.is_empty() {
            return BlobOutcome {
                stats,
                ..BlobOutcome::default()
            };
        }
        let mut out = Vec::new();
        for place in self.places {
            let mut here = found.clone();
            if let Some(old) = previous_lines(repo, &place.old, &text) {
                retain_new_lines(&mut here, &old);
            }
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
}

/// Gives each finding its commit's id, author and date, reading each commit once.
fn attach_commits(
    repo: &git2::Repository,
    commits: &[git2::Oid],
    attributed: Vec<Attributed>,
    messages: &Messages,
) -> Vec<Finding> {
    let mut cache: HashMap<usize, Commit> = HashMap::new();
    attributed
        .into_iter()
        .map(|(index, mut finding)| {
            let commit = cache
                .entry(index)
                .or_insert_with(|| commit_info(repo, commits[index], messages));
            finding.commit = Some(commit.clone());
            finding
        })
        .collect()
}

fn commit_info(repo: &git2::Repository, id: git2::Oid, messages: &Messages) -> Commit {
    match repo.find_commit(id) {
        Ok(commit) => {
            let author = commit.author();
            Commit {
                id: id.to_string(),
                author: String::from_utf8_lossy(author.name_bytes()).into_owned(),
                email: String::from_utf8_lossy(author.email_bytes()).into_owned(),
                time: author.when().seconds(),
            }
        }
        Err(e) => {
            messages.error(&format!("commit {id}"), e.message());
            Commit {
                id: id.to_string(),
                author: String::new(),
                email: String::new(),
                time: 0,
            }
        }
    }
}

/// Progress bars on stderr (only when asked: a terminal and not `--quiet`).
struct Progress {
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
}

impl Progress {
    fn new(enabled: bool) -> Progress {
        Progress {
            bar: enabled.then(ProgressBar::hidden),
            bytes: AtomicU64::new(0),
        }
    }

    fn restyle(&self, total: u64, template: &str) {
        if let Some(bar) = &self.bar {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total);
            bar.set_position(0);
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
        }
    }

    fn start_commits(&self, total: u64) {
        self.restyle(total, "commits {bar:30} {pos}/{len} {per_sec} eta {eta}");
    }

    fn commit_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn start_blobs(&self, total: u64) {
        self.restyle(
            total,
            "blobs   {bar:30} {pos}/{len} {msg} {per_sec} eta {eta}",
        );
    }

    fn blob_done(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            bar.set_message(crate::report::human::human_bytes(total));
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
