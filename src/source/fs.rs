//! The file-system source: a parallel walk of one or more roots.
//!
//! `ignore`'s parallel walker honours `.gitignore`/`.ignore` but scans hidden files and never
//! enters `.git/`. Inside a git work tree, `.gitignore` hides only untracked files, as in git:
//! tracked files the walk skipped are looked up in the index and scanned afterwards.

use super::{Origin, Scanner, Skip};
use crate::detect::Detector;
use crate::finding::Stats;
use crate::finding::{Finding, Provenance};
use crate::messages::Messages;
use ignore::{DirEntry, WalkBuilder, WalkState};
use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// What to walk and how.
#[derive(Debug, Clone)]
pub struct FsOptions {
    /// Files or directories to scan.
    pub roots: Vec<PathBuf>,
    /// Worker threads (0: one per core).
    pub threads: usize,
    /// Scan files that ignore files exclude.
    pub no_ignore: bool,
    /// Files larger than this are skipped with a warning.
    pub max_file_size: u64,
    /// Follow symbolic links.
    pub follow_symlinks: bool,
    /// Leave out directories below a root that are git repositories of their own (a
    /// `.git` inside): `--repos` scans those separately.
    pub skip_nested_repositories: bool,
}

/// Scans every root and returns the findings (unsorted) and statistics.
pub fn scan(
    options: &FsOptions,
    detector: &Detector,
    messages: &Messages,
) -> (Vec<Finding>, Stats) {
    let mut worker = Worker::new(detector, options, messages);
    let several = options.roots.len() > 1;
    for root in &options.roots {
        match std::fs::metadata(root) {
            Err(e) => messages.error(&to_slash(root), format_args!("cannot read: {e}")),
            Ok(meta) if meta.is_dir() => {
                let base = several.then(|| to_slash(root));
                let (findings, stats) =
                    walk_directory(root, base.as_deref(), options, detector, messages);
                worker.findings.extend(findings);
                worker.stats.add(&stats);
            }
            Ok(meta) if meta.is_file() => worker.scan_file(root, to_slash(root)),
            Ok(_) => messages.warn(&to_slash(root), "not a regular file or directory; skipped"),
        }
    }
    (std::mem::take(&mut worker.findings), worker.stats)
}

/// Per-thread state: a detector clone, a reusable read buffer, local results.
struct Worker<'a> {
    detector: Detector,
    options: &'a FsOptions,
    messages: &'a Messages,
    buffer: Vec<u8>,
    findings: Vec<Finding>,
    stats: Stats,
}

impl<'a> Worker<'a> {
    fn new(detector: &Detector, options: &'a FsOptions, messages: &'a Messages) -> Self {
        Worker {
            detector: detector.clone(),
            options,
            messages,
            buffer: Vec::new(),
            findings: Vec::new(),
            stats: Stats::default(),
        }
    }

    /// Reads, decodes and scans one regular file; problems become messages, never panics.
    fn scan_file(&mut self, path: &Path, display: String) {
        if let Err(e) = self.try_scan_file(path, &display) {
            self.messages
                .error(&display, format_args!("cannot read: {e}"));
        }
    }

    fn try_scan_file(&mut self, path: &Path, display: &str) -> std::io::Result<()> {
        let file = File::open(path)?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Ok(());
        }
        let max_size = self.options.max_file_size;
        let origin = Origin {
            path: display.to_string(),
            provenance: Provenance::File,
        };
        let scanned = Scanner::new(&self.detector, Some(max_size)).scan_reader(
            file,
            Some(meta.len()),
            &mut self.buffer,
            &origin,
            &mut self.stats,
        )?;
        match scanned {
            Ok(scanned) => self.findings.extend(scanned.findings),
            Err(Skip::TooLarge { size }) => self.messages.warn(
                display,
                format_args!(
                    "skipped: {size} bytes is over the size limit of {max_size} bytes (--max-file-size)"
                ),
            ),
            Err(Skip::Binary) => {}
        }
        Ok(())
    }
}

/// Results shared by all walker threads, merged when each thread's visitor is dropped.
#[derive(Default)]
struct Shared {
    findings: Vec<Finding>,
    stats: Stats,
    visited: Vec<PathBuf>,
}

struct Visitor<'a> {
    worker: Worker<'a>,
    root: &'a Path,
    base: Option<&'a str>,
    track_visited: bool,
    visited: Vec<PathBuf>,
    shared: &'a Mutex<Shared>,
}

impl Drop for Visitor<'_> {
    fn drop(&mut self) {
        // A poisoned lock means another worker panicked; its panic is what the user needs to see.
        if let Ok(mut shared) = self.shared.lock() {
            shared.findings.append(&mut self.worker.findings);
            shared.stats.add(&self.worker.stats);
            shared.visited.append(&mut self.visited);
        }
    }
}

/// Makes one [`Visitor`] per walker thread.
struct VisitorBuilder<'a> {
    detector: &'a Detector,
    options: &'a FsOptions,
    messages: &'a Messages,
    root: &'a Path,
    base: Option<&'a str>,
    track_visited: bool,
    shared: &'a Mutex<Shared>,
}

impl<'s> ignore::ParallelVisitorBuilder<'s> for VisitorBuilder<'s> {
    fn build(&mut self) -> Box<dyn ignore::ParallelVisitor + 's> {
        Box::new(Visitor {
            worker: Worker::new(self.detector, self.options, self.messages),
            root: self.root,
            base: self.base,
            track_visited: self.track_visited,
            visited: Vec::new(),
            shared: self.shared,
        })
    }
}

impl ignore::ParallelVisitor for Visitor<'_> {
    fn visit(&mut self, entry: Result<DirEntry, ignore::Error>) -> WalkState {
        match entry {
            Ok(entry) => self.visit_entry(&entry),
            Err(e) => {
                let path = error_path(&e).map_or_else(|| to_slash(self.root), to_slash);
                self.worker
                    .messages
                    .error(&path, strip_path_prefix(&e.to_string()));
            }
        }
        WalkState::Continue
    }
}

impl Visitor<'_> {
    fn visit_entry(&mut self, entry: &DirEntry) {
        let Some(file_type) = entry.file_type() else {
            return;
        };
        if file_type.is_dir() {
            return;
        }
        let relative = entry.path().strip_prefix(self.root).unwrap_or(entry.path());
        let display = match self.base {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), to_slash(relative)),
            None => to_slash(relative),
        };
        if file_type.is_symlink() {
            self.worker.stats.symlinks_skipped += 1;
            if std::fs::metadata(entry.path()).is_err() {
                self.worker.messages.error(&display, "broken symbolic link");
            }
            return;
        }
        if !file_type.is_file() {
            // FIFOs, sockets and devices are never opened: reading them could block forever.
            self.worker.stats.special_skipped += 1;
            return;
        }
        if self.track_visited {
            self.visited.push(relative.to_path_buf());
        }
        self.worker.scan_file(entry.path(), display);
    }
}

fn error_path(error: &ignore::Error) -> Option<&Path> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path),
        ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
            error_path(err)
        }
        ignore::Error::Loop { child, .. } => Some(child),
        _ => None,
    }
}

/// `ignore` errors start with the path, which the message prints already.
fn strip_path_prefix(message: &str) -> String {
    match message.split_once(": ") {
        Some((head, tail)) if head.contains('/') || head.contains('.') => tail.to_string(),
        _ => message.to_string(),
    }
}

fn walk_directory(
    root: &Path,
    base: Option<&str>,
    options: &FsOptions,
    detector: &Detector,
    messages: &Messages,
) -> (Vec<Finding>, Stats) {
    let mut builder = WalkBuilder::new(root);
    builder
        .standard_filters(!options.no_ignore)
        .hidden(false)
        .follow_links(options.follow_symlinks)
        .threads(options.threads)
        .filter_entry(|entry| entry.file_name() != ".git");
    if options.skip_nested_repositories {
        builder.filter_entry(|entry| {
            entry.file_name() != ".git"
                && !(entry.depth() > 0
                    && entry.file_type().is_some_and(|t| t.is_dir())
                    && entry.path().join(".git").symlink_metadata().is_ok())
        });
    }
    let tracked = if options.no_ignore {
        None
    } else {
        match crate::git::tracked_files_under(root) {
            Ok(tracked) => tracked,
            Err(e) => {
                messages.warn(
                    &to_slash(root),
                    format_args!("cannot read the git index ({e}); scanning without it"),
                );
                None
            }
        }
    };
    let shared = Mutex::new(Shared::default());
    let mut visitors = VisitorBuilder {
        detector,
        options,
        messages,
        root,
        base,
        track_visited: tracked.is_some(),
        shared: &shared,
    };
    builder.build_parallel().visit(&mut visitors);
    let mut shared = shared
        .into_inner()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(tracked) = tracked {
        let visited = std::mem::take(&mut shared.visited);
        scan_tracked_leftovers(
            root,
            base,
            tracked,
            &visited,
            options,
            detector,
            messages,
            &mut shared,
        );
    }
    (shared.findings, shared.stats)
}

/// Scans tracked files that the walk skipped because an ignore file matched them.
#[allow(clippy::too_many_arguments)]
fn scan_tracked_leftovers(
    root: &Path,
    base: Option<&str>,
    tracked: HashSet<PathBuf>,
    visited: &[PathBuf],
    options: &FsOptions,
    detector: &Detector,
    messages: &Messages,
    shared: &mut Shared,
) {
    let visited: HashSet<&PathBuf> = visited.iter().collect();
    let mut leftovers: Vec<&PathBuf> = tracked
        .iter()
        .filter(|p| !visited.contains(p))
        .filter(|p| !p.components().any(|c| c.as_os_str() == ".git"))
        .collect();
    leftovers.sort();
    let mut worker = Worker::new(detector, options, messages);
    for relative in leftovers {
        let path = root.join(relative);
        // Deleted in the work tree, or replaced by something that is not a regular file.
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_file() => {}
            _ => continue,
        }
        let display = match base {
            Some(base) => format!("{}/{}", base.trim_end_matches('/'), to_slash(relative)),
            None => to_slash(relative),
        };
        worker.scan_file(&path, display);
    }
    shared.findings.append(&mut worker.findings);
    shared.stats.add(&worker.stats);
}

/// A display path: `/`-separated, without a leading `./`.
pub fn to_slash(path: &Path) -> String {
    let text = path.to_string_lossy();
    let text = if std::path::MAIN_SEPARATOR == '\\' {
        text.replace('\\', "/")
    } else {
        text.into_owned()
    };
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => text,
    }
}
