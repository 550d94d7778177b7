//! Warnings and errors printed while a scan goes on (`leakfence: <path>: <message>`).
//!
//! One bad file is not fatal: it is reported here, counted, and the scan continues. The count
//! of errors decides exit code 2 at the end. Messages never contain secrets.

use std::io::Write;
use std::sync::atomic::{AtomicU64, Ordering};

/// A thread-safe sink for diagnostics.
#[derive(Debug)]
pub struct Messages {
    errors: AtomicU64,
    warnings: AtomicU64,
    quiet: bool,
    /// With `--repos`: the repository whose scan this sink reports on (paths are shown below
    /// its name).
    repository: Option<String>,
}

impl Messages {
    /// A sink that prints to stderr; `quiet` suppresses warnings but never errors.
    pub fn new(quiet: bool) -> Messages {
        Messages {
            errors: AtomicU64::new(0),
            warnings: AtomicU64::new(0),
            quiet,
            repository: None,
        }
    }

    /// A sink of its own for one repository of many: paths are shown below `name` (`.`, the
    /// path of the repository itself, as `name`), and [`Messages::absorb`] adds its counts to
    /// the run's.
    pub fn for_repository(&self, name: &str) -> Messages {
        let mut messages = Messages::new(self.quiet);
        messages.repository = Some(name.to_string());
        messages
    }

    /// Adds another sink's counts to this one's.
    pub fn absorb(&self, other: &Messages) {
        self.errors
            .fetch_add(other.error_count(), Ordering::Relaxed);
        self.warnings
            .fetch_add(other.warning_count(), Ordering::Relaxed);
    }

    /// Something could not be read: the scan is incomplete.
    pub fn error(&self, path: &str, message: impl std::fmt::Display) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        print_line(&format!(
            "leakfence: {}: {message}",
            crate::sanitize::escape(&self.shown(path))
        ));
    }

    /// Something was skipped on purpose (size limit) or is worth knowing.
    pub fn warn(&self, path: &str, message: impl std::fmt::Display) {
        self.warnings.fetch_add(1, Ordering::Relaxed);
        if !self.quiet {
            print_line(&format!(
                "leakfence: warning: {}: {message}",
                crate::sanitize::escape(&self.shown(path))
            ));
        }
    }

    /// `path` below the repository's name, unless it is absolute (a repository's own place).
    fn shown(&self, path: &str) -> String {
        match self.repository.as_deref() {
            Some(name) if path == "." => name.to_string(),
            Some(name) if name != "." && !std::path::Path::new(path).is_absolute() => {
                format!("{name}/{path}")
            }
            _ => path.to_string(),
        }
    }

    /// How many errors were reported.
    pub fn error_count(&self) -> u64 {
        self.errors.load(Ordering::Relaxed)
    }

    /// How many warnings were reported.
    pub fn warning_count(&self) -> u64 {
        self.warnings.load(Ordering::Relaxed)
    }
}

fn print_line(line: &str) {
    // A closed stderr leaves nowhere to report to; the exit code still says what happened.
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}
