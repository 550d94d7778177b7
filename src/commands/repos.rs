//! Many repositories in one run (`history --repos DIR`, `scan --repos DIR`), and history
//! scans that remember where they stopped (`history --state FILE`, with or without `--repos`).
//!
//! One detector and one pool of worker threads serve the whole run: repositories are spread
//! over the pool's threads, and each history scan runs its own parallel steps on the same
//! threads, so `-j N` bounds the total. A blob that one repository's scan found nothing in is
//! not read again by the others' (forks, mirrors and worktrees share most of their blobs). A repository that cannot be opened or read is named on
//! stderr and counted as an error; the others are scanned all the same. Every finding names
//! its repository, and the shared tail reports them all together.

use super::progress::{Bars, RepoBars};
use super::{finish, Advice};
use crate::cli::{HistoryArgs, ScanArgs};
use crate::config::{Common, ConfigLookup};
use crate::detect::Detector;
use crate::finding::{Finding, ScannedRepository, Stats};
use crate::git::Repository;
use crate::messages::Messages;
use crate::report::html::Scope;
use crate::source::fs::FsOptions;
use crate::source::history::clean::CleanBlobs;
use crate::source::history::state::{self, State, Tips};
use crate::source::history::{self, revs::Selection, HistoryOptions};
use crate::source::progress::Progress;
use crate::source::repos::{discover, FoundRepository};
use anyhow::Context;
use rayon::prelude::*;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// `leakfence history` with `--repos` or `--state`.
pub(super) fn history(args: &HistoryArgs) -> anyhow::Result<u8> {
    let started = Instant::now();
    let messages = Messages::new(args.common.quiet);
    let targets = match &args.repos {
        Some(dir) => Targets::Found(found_repositories(dir, &messages)?),
        None => Targets::One(Repository::open(args.repo.path())?),
    };
    let root = match (&targets, &args.repos) {
        (Targets::One(repo), _) => repo.display_path().to_path_buf(),
        (_, dir) => dir.clone().unwrap_or_default(),
    };
    let mut common = Common::resolve(
        &args.common,
        &root,
        ConfigLookup::Here,
        args.limits.max_file_size,
    )?;
    common.output.group_by = crate::config::group_by(args.group_by);
    let scope = Scope::new(
        root.display().to_string(),
        match &args.repos {
            Some(dir) => format!("history --repos {}{}", dir.display(), all_flag(args)),
            None => format!("history{}", all_flag(args)),
        },
    );
    let state = match &args.state {
        Some(path) => Some(StateFile::open(path)?),
        None => None,
    };
    let progress = !common.output.quiet && std::io::stderr().is_terminal();
    let run = HistoryRun {
        args,
        detector: Detector::new(),
        messages: &messages,
        state: state.as_ref(),
        max_file_size: common.max_file_size,
        pool: history::worker_pool(args.threads.count())?,
        clean_blobs: Arc::new(CleanBlobs::new()),
    };
    let (outcomes, several) = match targets {
        Targets::Found(found) => {
            let bars = RepoBars::new(progress, found.len() as u64);
            let outcomes = run.pool.install(|| {
                found
                    .into_par_iter()
                    .map(|found| {
                        let outcome = run.scan_found(found, &bars);
                        bars.repository_done();
                        outcome
                    })
                    .collect()
            });
            bars.close();
            (outcomes, true)
        }
        Targets::One(repo) => {
            // One repository: its failure is the command's, as without --state.
            let mut outcome = Outcome::default();
            run.scan_opened(repo, &mut outcome, &messages, &Bars::new(progress))?;
            (vec![outcome], false)
        }
    };
    let (findings, mut stats) = combine(outcomes, several);
    stats.seconds = started.elapsed().as_secs_f64();
    finish(findings, stats, &messages, common, Advice::None, scope)
}

/// ` --all` when every ref was asked for, for the report's scope line.
fn all_flag(args: &HistoryArgs) -> &'static str {
    if args.all {
        " --all"
    } else {
        ""
    }
}

/// `leakfence scan --repos DIR`: each repository's work tree, without the repositories nested
/// in it (they are scanned as themselves).
pub(super) fn scan(args: &ScanArgs, dir: &Path) -> anyhow::Result<u8> {
    let started = Instant::now();
    let common = Common::resolve(
        &args.common,
        dir,
        ConfigLookup::HereOrWorkTree,
        args.limits.max_file_size,
    )?;
    let messages = Messages::new(args.common.quiet);
    let found = found_repositories(dir, &messages)?;
    let detector = Detector::new();
    let outcomes = found
        .into_iter()
        .map(|found| {
            let repo_messages = messages.for_repository(&found.name);
            let mut outcome = Outcome::named(&found);
            if found.bare {
                repo_messages.warn(".", "a bare repository has no work tree to scan; skipped");
            } else {
                let options = FsOptions {
                    roots: vec![found.path.clone()],
                    threads: args.threads.count(),
                    no_ignore: args.no_ignore,
                    max_file_size: common.max_file_size,
                    follow_symlinks: args.follow,
                    skip_nested_repositories: true,
                };
                let (findings, stats) =
                    crate::source::fs::scan(&options, &detector, &repo_messages);
                outcome.add(findings, &stats, Some(&found.name));
            }
            outcome.close(&messages, &repo_messages)
        })
        .collect();
    let (findings, mut stats) = combine(outcomes, true);
    stats.seconds = started.elapsed().as_secs_f64();
    let scope = Scope::new(
        dir.display().to_string(),
        format!("scan --repos {}", dir.display()),
    );
    finish(findings, stats, &messages, common, Advice::None, scope)
}

/// The repositories under `dir`, sorted by name; directories that cannot be read are warned
/// about. Finding none is an error.
fn found_repositories(dir: &Path, messages: &Messages) -> anyhow::Result<Vec<FoundRepository>> {
    let metadata =
        std::fs::metadata(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    anyhow::ensure!(metadata.is_dir(), "{} is not a directory", dir.display());
    let discovery = discover(dir);
    for (path, error) in &discovery.unreadable {
        messages.warn(
            &path.to_string_lossy(),
            format_args!(
                "cannot read this directory, so repositories in it are not scanned: {error}"
            ),
        );
    }
    anyhow::ensure!(
        !discovery.repositories.is_empty(),
        "no git repository under {}",
        dir.display()
    );
    Ok(discovery.repositories)
}

/// What a history run covers.
enum Targets {
    /// The repositories found under `--repos DIR`, each opened by its scan.
    Found(Vec<FoundRepository>),
    /// The one repository of a run without `--repos`, opened already.
    One(Repository),
}

/// The state file and what it holds now.
struct StateFile {
    state: Mutex<State>,
    path: PathBuf,
}

impl StateFile {
    /// Reads the state file (none yet: an empty state); its directory must exist, for the
    /// file to be written after each repository.
    fn open(path: &Path) -> anyhow::Result<StateFile> {
        let state = State::load(path)?;
        let dir = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        anyhow::ensure!(
            dir.is_dir(),
            "cannot write the state file {}: {} is not a directory",
            path.display(),
            dir.display()
        );
        Ok(StateFile {
            state: Mutex::new(state),
            path: path.to_path_buf(),
        })
    }
}

/// What every repository's history scan shares.
struct HistoryRun<'a> {
    args: &'a HistoryArgs,
    detector: Detector,
    messages: &'a Messages,
    state: Option<&'a StateFile>,
    max_file_size: u64,
    pool: rayon::ThreadPool,
    /// Blobs found clean by one repository's scan, not read again by the others'.
    clean_blobs: Arc<CleanBlobs>,
}

impl HistoryRun<'_> {
    /// Opens and scans one repository found under `--repos DIR`; its failures become
    /// messages naming it, and the run goes on.
    fn scan_found(&self, found: FoundRepository, progress: &dyn Progress) -> Outcome {
        let mut outcome = Outcome::named(&found);
        let messages = self.messages.for_repository(&found.name);
        match Repository::open(Some(&outcome.scanned.path)) {
            Ok(repo) => {
                outcome.scanned.head = repo.head().map(|id| id.to_string());
                if let Err(e) = self.scan_opened(repo, &mut outcome, &messages, progress) {
                    messages.error(".", format_args!("{e:#}"));
                }
            }
            Err(e) => messages.error(".", e),
        }
        outcome.close(self.messages, &messages)
    }

    /// Scans what is new in an opened repository (everything, without `--state`) and records
    /// its tips when the scan had no error.
    fn scan_opened(
        &self,
        repo: Repository,
        outcome: &mut Outcome,
        messages: &Messages,
        progress: &dyn Progress,
    ) -> anyhow::Result<()> {
        let remembered = match self.state {
            Some(file) => {
                let tips = state::current_tips(&repo, self.args.all)?;
                let key = state::key(&repo);
                let recorded = lock(&file.state).tips(&key).cloned();
                Some((key, tips, recorded))
            }
            None => None,
        };
        if let Some((_, tips, Some(recorded))) = &remembered {
            if tips == recorded && !tips.is_empty() {
                return Ok(()); // nothing new since the last scan: not even a rev-list
            }
        }
        let exclude = match &remembered {
            Some((_, _, Some(recorded))) => recorded.values().cloned().collect(),
            _ => Vec::new(),
        };
        let options = HistoryOptions {
            repo,
            selection: Selection {
                all: self.args.all,
                revisions: self.args.revisions.clone(),
                since_commit: self.args.since_commit.clone(),
                exclude,
            },
            max_file_size: self.max_file_size,
            threads: 0,
            clean_blobs: Some(Arc::clone(&self.clean_blobs)),
        };
        let (findings, stats) =
            history::scan_in(&self.pool, &options, &self.detector, messages, progress)?;
        let name = outcome.scanned.name.clone();
        outcome.add(
            findings,
            &stats,
            (!name.is_empty()).then_some(name.as_str()),
        );
        if let (Some(file), Some((key, tips, _))) = (self.state, remembered) {
            if messages.error_count() == 0 {
                self.record(file, key, tips)?;
            }
        }
        Ok(())
    }

    /// Records a repository's tips and writes the state file at once, so that an interrupted
    /// run keeps what it finished.
    fn record(&self, file: &StateFile, key: String, tips: Tips) -> anyhow::Result<()> {
        let mut state = lock(&file.state);
        state.record(key, tips);
        state.save(&file.path)?;
        Ok(())
    }
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    // A poisoned lock means a scan panicked; that panic is what the user sees.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// One repository's findings, counters and description.
#[derive(Default)]
struct Outcome {
    findings: Vec<Finding>,
    stats: Stats,
    scanned: ScannedRepository,
}

impl Outcome {
    fn named(found: &FoundRepository) -> Outcome {
        let path = std::path::absolute(&found.path).unwrap_or(found.path.clone());
        Outcome {
            scanned: ScannedRepository {
                name: found.name.clone(),
                path,
                ..ScannedRepository::default()
            },
            ..Outcome::default()
        }
    }

    /// Adds a scan's findings, each tagged with the repository's `name` when there is one.
    fn add(&mut self, mut findings: Vec<Finding>, stats: &Stats, name: Option<&str>) {
        if let Some(name) = name {
            for finding in &mut findings {
                finding.repository = Some(name.to_string());
            }
        }
        self.findings.append(&mut findings);
        self.stats.add(stats);
    }

    /// Counts the repository's messages into the run's.
    fn close(mut self, run: &Messages, own: &Messages) -> Outcome {
        self.scanned.errors = own.error_count();
        run.absorb(own);
        self
    }
}

/// All repositories' findings and counters; with `list`, the repositories themselves too.
fn combine(outcomes: Vec<Outcome>, list: bool) -> (Vec<Finding>, Stats) {
    let mut findings = Vec::new();
    let mut stats = Stats::default();
    for mut outcome in outcomes {
        findings.append(&mut outcome.findings);
        stats.add(&outcome.stats);
        if list {
            stats.repositories.push(outcome.scanned);
        }
    }
    (findings, stats)
}
