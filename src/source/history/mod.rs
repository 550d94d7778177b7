//! The history source: every commit of a repository, each finding attributed to the commit,
//! author and path that introduced it.
//!
//! Three steps. (1) `walk`: in parallel, each selected commit is compared with its first
//! parent (a root commit with nothing), skipping unchanged subtrees by id, and its message is
//! scanned. (2) `attribute`: in history order, each (path, blob) pair is attributed to the
//! first commit that introduced it; a blob that reappears later at the same path is not new.
//! (3) `blobs`: in parallel, each distinct blob is read, scanned once and dropped, however
//! many commits and paths hold it; for every place that introduced it, only lines that were not
//! in the file's previous version are reported. Then `removal` says in which later commit each
//! finding left its file, and `head` which findings are still at `HEAD`.
//!
//! Objects come from leakfence's own object database ([`crate::git::odb`]): trees through the
//! pack reader's cache, blobs as delta trees resolved once each; what the packs do not hold
//! (loose objects) or what the forest could not build is read one by one, and damage or a
//! missing object is named. Memory holds ids and paths, and contents only along the delta
//! chains being resolved.

mod attribute;
mod blobs;
pub mod clean;
mod head;
pub mod push;
mod removal;
pub mod revs;
pub mod state;
mod walk;

use crate::detect::Detector;
use crate::finding::{Finding, Provenance, Stats};
use crate::git::odb::Odb;
use crate::git::{GitError, ObjectId, Repository};
use crate::messages::Messages;
use crate::source::progress::Progress;
use attribute::CommitInfos;
use blobs::BlobScan;
use head::HeadSnapshot;
use walk::Walk;

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
    /// Blobs that other scans of the same run found nothing in (`--repos`): not read again,
    /// and this scan's clean blobs are added.
    pub clean_blobs: Option<std::sync::Arc<clean::CleanBlobs>>,
}

/// Scans the selected history, telling `progress` how far it got. Returns findings (each with
/// its commit) and statistics.
pub fn scan(
    options: &HistoryOptions,
    detector: &Detector,
    messages: &Messages,
    progress: &dyn Progress,
) -> Result<(Vec<Finding>, Stats), GitError> {
    let pool = worker_pool(options.threads)?;
    scan_in(&pool, options, detector, messages, progress)
}

/// [`scan`] on the given worker threads (`options.threads` is not looked at). Many scans may
/// share one pool, even from its own threads: the number of threads stays the pool's.
pub fn scan_in(
    pool: &rayon::ThreadPool,
    options: &HistoryOptions,
    detector: &Detector,
    messages: &Messages,
    progress: &dyn Progress,
) -> Result<(Vec<Finding>, Stats), GitError> {
    let repo = &options.repo;
    check_repository(repo, messages)?;
    let commits = revs::commits(repo, &options.selection)?;
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
    let head = eager.then(|| list_head(pool, head_commit, &odb));
    odb.packs().clear_cache();
    let occurrences = attribute::occurrences(&scans);
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
        clean: options.clean_blobs.as_deref(),
    };
    let (in_blobs, blob_stats) = pool.install(|| blob_scan.all(occurrences, progress));
    progress.finish();
    stats.add(&blob_stats);
    let departures = removal::first_departures(&scans, &in_blobs);
    let mut commit_infos = CommitInfos::new(&odb, &commits, messages);
    let in_blobs = in_blobs
        .into_iter()
        .map(|(_, attributed)| attributed)
        .collect();
    let mut findings = commit_infos.attach(in_blobs, |commit| Provenance::Blob { commit });
    for (finding, departure) in findings.iter_mut().zip(departures) {
        finding.removed = departure.map(|index| commit_infos.commit(index));
    }
    findings.extend(
        commit_infos.attach(attribute::in_messages(scans), |commit| {
            Provenance::CommitMessage { commit }
        }),
    );
    if findings.iter().any(|f| !f.is_commit_message()) {
        let listed = head.unwrap_or_else(|| list_head(pool, head_commit, &odb));
        mark_in_head(
            pool,
            listed,
            &odb,
            options.max_file_size,
            messages,
            &mut findings,
        );
        // Still in its own file at `HEAD`: it came back after leaving, so it was not removed.
        for f in &mut findings {
            if f.in_head == Some(true) && f.head_path.as_deref() == Some(f.path.as_str()) {
                f.removed = None;
            }
        }
    }
    Ok((findings, stats))
}

/// A repository without commits is an error; a shallow one is scanned with a warning.
fn check_repository(repo: &Repository, messages: &Messages) -> Result<(), GitError> {
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
    Ok(())
}

/// Worker threads for history scans (0: one per core).
pub fn worker_pool(threads: usize) -> Result<rayon::ThreadPool, GitError> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        // Room for trees nested as deep as git allows (tree_diff::MAX_TREE_DEPTH); only
        // touched pages cost memory.
        .stack_size(32 << 20)
        .build()
        .map_err(|e| GitError::Read {
            what: "worker threads".into(),
            message: e.to_string(),
        })
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

/// Says of every file finding whether it is still at `HEAD`; if `HEAD`'s files could not be
/// listed, that is an error and the findings stay unmarked.
fn mark_in_head(
    pool: &rayon::ThreadPool,
    listed: Result<Option<HeadSnapshot>, GitError>,
    odb: &Odb,
    size_limit: u64,
    messages: &Messages,
    findings: &mut [Finding],
) {
    match listed {
        Ok(head) => pool.install(|| {
            let reader = head::Reader { odb, size_limit };
            head::mark(head.as_ref(), &reader, findings);
        }),
        Err(e) => messages.error(
            "HEAD",
            format_args!(
                "cannot list its files, so whether findings are still there is unknown: {e}"
            ),
        ),
    }
}

thread_local! {
    /// Each worker thread's own detector (regex matching contends on a shared one). Threads
    /// belong to one run's pool, and a run builds one detector for all its scans.
    static DETECTOR: std::cell::RefCell<Option<Detector>> = const { std::cell::RefCell::new(None) };
}

/// Runs `f` with this thread's clone of `detector` (made on first use).
fn with_detector<T>(detector: &Detector, f: impl FnOnce(&Detector) -> T) -> T {
    DETECTOR.with(|cell| {
        let mut slot = cell.borrow_mut();
        f(slot.get_or_insert_with(|| detector.clone()))
    })
}
