//! Reporters: turning findings and statistics into human, JSON, SARIF, CI and HTML output.
//!
//! Reporters own formatting and redaction: a secret is shown in full only when the caller
//! asked for it with `--show-secrets`.

pub mod github;
pub mod gitlab;
pub mod html;
pub mod human;
pub mod json;
pub mod merge;
pub mod sarif;

use crate::finding::{Finding, RuleId, Severity, Stats};
use std::collections::HashMap;
use std::io::{self, Write};

/// What was scanned, for summaries: `12 files` or `40 commits, 95 blobs`, after `3
/// repositories, ` in a `--repos` run.
pub fn scope(stats: &Stats) -> String {
    let read = if stats.commits > 0 {
        format!(
            "{} commit{}, {} blob{}",
            stats.commits,
            plural(stats.commits as usize),
            stats.blobs,
            plural(stats.blobs as usize)
        )
    } else {
        format!("{} file{}", stats.files, plural(stats.files as usize))
    };
    match stats.repositories.len() {
        0 => read,
        n => {
            let repositories = format!("{n} repositor{}", if n == 1 { "y" } else { "ies" });
            if stats.commits == 0 && stats.files == 0 {
                format!("{repositories} (nothing new to read)")
            } else {
                format!("{repositories}, {read}")
            }
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
    /// How human output groups history findings.
    pub group_by: GroupBy,
}

/// How human output lists findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// Each finding where it is (`scan`, `staged`), under its commit in a history scan.
    #[default]
    Line,
    /// History findings under the commit that introduced them, newest commit first.
    Commit,
    /// One block per distinct credential (rule and secret), its places folded.
    Credential,
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
        group_by: GroupBy::Line,
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

/// How many findings each credential (rule and secret) has, for formats that report findings
/// one by one but say when a finding is one of a credential's many places.
pub fn places_per_credential(findings: &[Finding]) -> HashMap<(RuleId, &str), usize> {
    let mut places = HashMap::new();
    for f in findings {
        *places.entry((f.rule, f.secret.as_str())).or_insert(0) += 1;
    }
    places
}

/// ` The same credential is in N places.` when it is in more than one, else nothing.
pub fn also_elsewhere(places: &HashMap<(RuleId, &str), usize>, finding: &Finding) -> String {
    match places.get(&(finding.rule, finding.secret.as_str())) {
        Some(&n) if n > 1 => format!(" The same credential is in {n} places."),
        _ => String::new(),
    }
}
