//! Reporters: turning findings and statistics into human, JSON (and later SARIF) output.
//!
//! Reporters own formatting and redaction: a secret is shown in full only when the caller
//! asked for it with `--show-secrets`.

pub mod github;
pub mod gitlab;
pub mod human;
pub mod json;
pub mod sarif;

use crate::finding::{Finding, RuleId, Severity};
use serde::Serialize;
use std::io::{self, Write};

/// Counters of one scan, summed over threads.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Stats {
    /// Text files scanned.
    pub files: u64,
    /// Bytes read.
    pub bytes: u64,
    /// Wall-clock seconds of the scan.
    pub seconds: f64,
    /// Files skipped because they are binary.
    pub binary_skipped: u64,
    /// Files skipped because they are over the size limit.
    pub too_large_skipped: u64,
    /// Symbolic links not followed.
    pub symlinks_skipped: u64,
    /// FIFOs, sockets and devices never opened.
    pub special_skipped: u64,
    /// Paths that could not be read (the scan is incomplete when this is not zero).
    pub errors: u64,
    /// Commits walked (history scans).
    pub commits: u64,
    /// Distinct blobs read (history scans): each is scanned once, however many commits hold it.
    pub blobs: u64,
}

impl Stats {
    /// Adds another thread's counters (not `seconds`, which is measured once).
    pub fn add(&mut self, other: &Stats) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.binary_skipped += other.binary_skipped;
        self.too_large_skipped += other.too_large_skipped;
        self.symlinks_skipped += other.symlinks_skipped;
        self.special_skipped += other.special_skipped;
        self.errors += other.errors;
        self.commits += other.commits;
        self.blobs += other.blobs;
    }
}

impl Stats {
    /// What was scanned, for summaries: `12 files` or `40 commits, 95 blobs`.
    pub fn scope(&self) -> String {
        if self.commits > 0 {
            format!(
                "{} commit{}, {} blob{}",
                self.commits,
                plural(self.commits as usize),
                self.blobs,
                plural(self.blobs as usize)
            )
        } else {
            format!("{} file{}", self.files, plural(self.files as usize))
        }
    }
}

/// `"s"` unless `n` is one.
pub fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// How a report is rendered.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// Print secrets in full.
    pub show_secrets: bool,
    /// Use ANSI colours (human format only).
    pub color: bool,
    /// The severity at and above which findings block.
    pub fail_on: Severity,
}

/// One output format.
pub trait Report {
    /// Writes the whole report for sorted `findings`.
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()>;
}

/// Test helper: the text a reporter writes, with plain options (no colour, `fail_on` high).
#[cfg(test)]
pub(crate) fn render_with<R: Report>(
    make: impl FnOnce(ReportOptions) -> R,
    findings: &[Finding],
    stats: &Stats,
    show_secrets: bool,
) -> String {
    let options = ReportOptions {
        show_secrets,
        color: false,
        fail_on: Severity::High,
    };
    let mut out = Vec::new();
    make(options)
        .write(&mut out, findings, stats)
        .expect("writing to a Vec cannot fail");
    String::from_utf8(out).expect("reports are UTF-8")
}

/// Test helper: a JSON reporter's text and the document it parses to.
#[cfg(test)]
pub(crate) fn render_json_with<R: Report>(
    make: impl FnOnce(ReportOptions) -> R,
    findings: &[Finding],
    show_secrets: bool,
) -> (String, serde_json::Value) {
    let text = render_with(make, findings, &Stats::default(), show_secrets);
    let value = serde_json::from_str(&text).expect("the report is JSON");
    (text, value)
}

/// Number of findings per rule, in rule order, leaving out rules without findings.
pub fn counts_by_rule(findings: &[Finding]) -> Vec<(RuleId, usize)> {
    RuleId::all()
        .map(|rule| (rule, findings.iter().filter(|f| f.rule == rule).count()))
        .filter(|&(_, n)| n > 0)
        .collect()
}
