//! GitHub Actions output: one workflow command per finding (`::error file=…,line=…::message`),
//! which the runner turns into an annotation on the file and line, and a closing `::notice`
//! with the counts.
//!
//! Blocking findings are errors, the others warnings. Properties and data are escaped as
//! actions/toolkit does (`packages/core/src/command.ts`), so that a path or message can
//! neither end the command early nor start a new one. Secrets appear only redacted unless
//! `--show-secrets`.

use super::{counts_by_rule, Report, ReportOptions};
use super::{plural, scope};
use crate::detect::rules::rule;
use crate::finding::{Finding, Stats};
use crate::redact::redact;
use std::io::{self, Write};

/// Annotations of one kind that GitHub shows per step; the log keeps the rest.
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// The GitHub Actions reporter.
pub struct Github {
    /// Rendering options.
    pub options: ReportOptions,
}

impl Report for Github {
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()> {
        let (mut errors, mut warnings) = (0, 0);
        let places = super::places_per_credential(findings);
        for finding in findings {
            let command = if finding.is_blocking(self.options.fail_on) {
                errors += 1;
                "error"
            } else {
                warnings += 1;
                "warning"
            };
            let properties = properties(finding);
            let mut message = self.message(finding);
            message.push_str(&super::also_elsewhere(&places, finding));
            writeln!(out, "::{command} {properties}::{}", escape_data(&message))?;
        }
        let summary = summary(findings, stats, errors, warnings);
        writeln!(out, "::notice title=leakfence::{}", escape_data(&summary))
    }
}

/// `file=…,line=…,endLine=…,col=…,endColumn=…,title=…`, escaped. Positions are given only
/// where the current checkout shows the secret in the same file: a finding from history that
/// is no longer at HEAD or now lives in another file, or one in a commit message, is annotated
/// without a file.
fn properties(finding: &Finding) -> String {
    let entry = rule(finding.rule);
    let title = format!("{} ({})", entry.name, finding.rule);
    let positioned = match finding.commit() {
        None => true,
        Some(_) => {
            !finding.is_commit_message()
                && finding.in_head == Some(true)
                && finding
                    .head_path
                    .as_deref()
                    .is_none_or(|now| now == finding.path)
        }
    };
    let mut parts = Vec::new();
    if positioned {
        let line = finding.location.line;
        parts.push(format!("file={}", escape_property(&finding.display_path())));
        parts.push(format!("line={line}"));
        parts.push(format!("endLine={line}"));
        parts.push(format!("col={}", finding.location.column));
        parts.push(format!("endColumn={}", finding.end_column));
    }
    parts.push(format!("title={}", escape_property(&title)));
    parts.join(",")
}

impl Github {
    /// Rule name, redacted value, where (for history findings) and what to do.
    fn message(&self, finding: &Finding) -> String {
        let entry = rule(finding.rule);
        let shown = redact(&finding.secret, self.options.show_secrets);
        let place = match finding.commit() {
            None => String::new(),
            Some(commit) => {
                let id = &commit.id[..commit.id.len().min(12)];
                if finding.is_commit_message() {
                    format!(
                        " in the message of commit {id} (line {})",
                        finding.location.line
                    )
                } else if finding.in_head == Some(true) {
                    match finding.head_path.as_deref() {
                        Some(now) if now != finding.path => format!(
                            " at {}:{}:{} in commit {id} (still at HEAD, now in {now})",
                            finding.display_path(),
                            finding.location.line,
                            finding.location.column
                        ),
                        _ => format!(" in commit {id} (still at HEAD)"),
                    }
                } else {
                    format!(
                        " at {}:{}:{} in commit {id} (no longer at HEAD; it stays in history)",
                        finding.display_path(),
                        finding.location.line,
                        finding.location.column
                    )
                }
            }
        };
        let verdict = finding
            .verification
            .as_ref()
            .map_or_else(String::new, |v| format!(" Verified: {}.", v.describe()));
        let decoded = finding.decoded.map_or_else(String::new, |e| {
            format!(" (decoded from {})", e.description())
        });
        format!(
            "{} {shown} found{place}{decoded}.{verdict} {}",
            entry.name, entry.remediation
        )
    }
}

/// One line for the run: counts per rule, what was scanned, and what may be missing.
fn summary(findings: &[Finding], stats: &Stats, errors: usize, warnings: usize) -> String {
    let scope = scope(stats);
    let mut text = if findings.is_empty() {
        format!("no findings in {scope}")
    } else {
        let by_rule: Vec<String> = counts_by_rule(findings)
            .iter()
            .map(|(rule, n)| format!("{rule} {n}"))
            .collect();
        format!(
            "{} finding{}, {errors} blocking, in {scope}: {}",
            findings.len(),
            plural(findings.len()),
            by_rule.join(", ")
        )
    };
    if stats.errors > 0 {
        text.push_str(&format!(
            "; {} path{} could not be read, so the scan is incomplete",
            stats.errors,
            plural(stats.errors as usize)
        ));
    }
    if errors > ANNOTATIONS_PER_KIND || warnings > ANNOTATIONS_PER_KIND {
        text.push_str(&format!(
            "; GitHub shows only the first {ANNOTATIONS_PER_KIND} error and {ANNOTATIONS_PER_KIND} warning \
             annotations of a step, the log lists them all"
        ));
    }
    text
}

/// Escapes a command's message (toolkit `escapeData`).
pub fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (toolkit `escapeProperty`).
pub fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::{pick, rule};
    use crate::finding::{Commit, Provenance, RuleId, Severity, COMMIT_MESSAGE_PATH};

    const SECRET: &str = "QWERTYUIOPASDFGHJKLZXCVBNM123456";

    fn finding(rule: RuleId, severity: Severity, path: &str) -> Finding {
        Finding {
            severity,
            line_text: format!("TOKEN={SECRET}"),
            ..Finding::example(rule, path, 3, 7, SECRET)
        }
    }

    fn render(findings: &[Finding], stats: &Stats, show_secrets: bool) -> String {
        crate::report::render_with(|options| Github { options }, findings, stats, show_secrets)
    }

    #[test]
    fn escapes_like_the_toolkit() {
        assert_eq!(escape_data("50%\r\nnext: a,b"), "50%25%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn one_command_per_finding_and_a_summary() {
        let (secret, identifier) = (pick::contextual_secret(), pick::low_identifier());
        let findings = [
            finding(secret, Severity::High, "dir, x/a:b.env"),
            finding(identifier, Severity::Low, "b.env"),
        ];
        let stats = Stats {
            files: 2,
            ..Stats::default()
        };
        let text = render(&findings, &stats, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        let (first, second) = if (identifier as usize) < (secret as usize) {
            (identifier, secret)
        } else {
            (secret, identifier)
        };
        let name = rule(secret).name;
        assert!(lines[0].starts_with(&format!(
            "::error file=dir%2C x/a%3Ab.env,line=3,endLine=3,col=7,endColumn=39,\
             title={name} ({})::{name} QWER… found. ",
            secret.as_str()
        )));
        assert!(lines[1].starts_with("::warning file=b.env,"), "{text}");
        assert_eq!(
            lines[2],
            format!(
                "::notice title=leakfence::2 findings, 1 blocking, in 2 files: {} 1, {} 1",
                first.as_str(),
                second.as_str()
            )
        );
        assert!(!text.contains(SECRET));
        assert!(render(&findings, &stats, true).contains(SECRET));
    }

    #[test]
    fn history_findings_name_their_commit() {
        let commit = Commit {
            id: "0123456789abcdef0123456789abcdef01234567".into(),
            author: "Ada".into(),
            email: "ada@example.com".into(),
            time: 0,
        };
        let secret = pick::contextual_secret();
        let mut gone = finding(secret, Severity::High, "a.env");
        gone.provenance = Provenance::Blob {
            commit: commit.clone(),
        };
        gone.in_head = Some(false);
        let mut message = finding(secret, Severity::High, COMMIT_MESSAGE_PATH);
        message.provenance = Provenance::CommitMessage { commit };
        let stats = Stats {
            commits: 4,
            blobs: 3,
            ..Stats::default()
        };
        let text = render(&[gone, message], &stats, false);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("::error title="), "{text}");
        assert!(lines[0].contains("at a.env:3:7 in commit 0123456789ab (no longer at HEAD"));
        assert!(lines[1].contains("in the message of commit 0123456789ab (line 3)"));
        assert!(lines[2].ends_with(&format!("in 4 commits, 3 blobs: {} 2", secret.as_str())));
    }

    #[test]
    fn no_findings_still_says_what_was_scanned() {
        let stats = Stats {
            files: 1,
            errors: 1,
            ..Stats::default()
        };
        assert_eq!(
            render(&[], &stats, false),
            "::notice title=leakfence::no findings in 1 file; 1 path could not be read, \
             so the scan is incomplete\n"
        );
    }
}
