//! Human output, read like a compiler diagnostic: what, where, the line with the value marked,
//! and what to do. Colour only when asked (the caller decides from TTY and `NO_COLOR`).
//! History output lists credentials by default (`credentials`), or findings under each commit.

mod advice;
mod credentials;

pub use advice::{write_commit_advice, write_push_advice};
pub use credentials::SHOWN_OCCURRENCES;

use super::{counts_by_rule, GroupBy, Report, ReportOptions};
use super::{plural, scope};
use crate::detect::rules::rule;
use crate::finding::{Finding, Stats};
use crate::redact::{redact, redact_in};
use crate::sanitize::escape;
use std::collections::HashMap;
use std::io::{self, Write};

/// Characters of context shown on each side of the secret on a long line.
const CONTEXT_CHARS: usize = 60;

/// The human reporter.
pub struct Human {
    /// Rendering options.
    pub options: ReportOptions,
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

impl Report for Human {
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()> {
        let paint = Paint {
            on: self.options.color,
        };
        if self.options.group_by == GroupBy::Credential {
            credentials::write(out, findings, &self.options, &paint)?;
        } else {
            self.write_findings(out, findings, &paint)?;
        }
        self.write_summary(out, findings, stats, &paint)?;
        if stats.commits > 0 {
            write_head_summary(out, findings, &paint)?;
        }
        Ok(())
    }
}

impl Human {
    /// Each finding as a diagnostic; history findings under their commit, newest first.
    fn write_findings(
        &self,
        out: &mut dyn Write,
        findings: &[Finding],
        paint: &Paint,
    ) -> io::Result<()> {
        // Every secret found on a line is redacted wherever that line is shown, not only the
        // one being pointed at.
        let mut secrets_on_line: HashMap<(&str, usize, Option<&str>), Vec<&str>> = HashMap::new();
        for f in findings {
            let commit = f.commit_id();
            for (line, text) in f.hidden_texts() {
                secrets_on_line
                    .entry((&f.path, line, commit))
                    .or_default()
                    .push(text);
            }
        }
        let mut current_commit = None;
        let mut current_repository = None;
        for finding in ordered_for_reading(findings) {
            if let Some(name) = finding.repository.as_deref() {
                if current_repository != Some(name) {
                    current_repository = Some(name);
                    current_commit = None;
                    writeln!(out, "{} {}", paint.wrap("1;35", "repository"), escape(name))?;
                    writeln!(out)?;
                }
            }
            if let Some(commit) = finding.commit() {
                if current_commit != Some(&commit.id) {
                    current_commit = Some(&commit.id);
                    writeln!(
                        out,
                        "{} {} {} <{}> {}",
                        paint.wrap("1;33", "commit"),
                        paint.wrap("1;33", &commit.id),
                        escape(&commit.author),
                        escape(&commit.email),
                        crate::finding::rfc3339_utc(commit.time)
                    )?;
                    writeln!(out)?;
                }
            }
            let key = (
                finding.path.as_str(),
                finding.location.line,
                finding.commit_id(),
            );
            let others = secrets_on_line
                .get(&key)
                .map(Vec::as_slice)
                .unwrap_or_default();
            self.write_finding(out, finding, others, paint)?;
        }
        Ok(())
    }
}

/// Findings grouped by repository (with `--repos`), history findings then by commit, newest
/// first; others in their sorted order.
fn ordered_for_reading(findings: &[Finding]) -> Vec<&Finding> {
    let mut ordered: Vec<&Finding> = findings.iter().collect();
    ordered.sort_by(|a, b| {
        let key = |f: &Finding| {
            let commit = f
                .commit()
                .map(|c| (std::cmp::Reverse(c.time), c.id.clone()));
            (f.repository.clone(), commit)
        };
        key(a).cmp(&key(b))
    });
    ordered
}

/// Which history findings are still in the tree at HEAD: those come first.
fn write_head_summary(out: &mut dyn Write, findings: &[Finding], paint: &Paint) -> io::Result<()> {
    let still: Vec<&Finding> = findings
        .iter()
        .filter(|f| f.in_head == Some(true))
        .collect();
    if findings.is_empty() {
        return Ok(());
    }
    if still.is_empty() {
        return writeln!(
            out,
            "None of these is still present at HEAD: they live on in history. Rotating each credential is the fix; \
             rewriting history only limits exposure."
        );
    }
    writeln!(
        out,
        "{} still present at HEAD (worse than history alone: rotate and remove these first):",
        paint.wrap(
            "1;31",
            &format!("{} finding{}", still.len(), plural(still.len()))
        )
    )?;
    for f in still {
        let moved = match f.head_path.as_deref() {
            Some(now) if now != f.path => format!(" (now in {})", escape(now)),
            _ => String::new(),
        };
        writeln!(
            out,
            "  {}:{}:{} {}{moved}",
            escape(&f.display_path()),
            f.location.line,
            f.location.column,
            f.rule
        )?;
    }
    Ok(())
}

impl Human {
    fn write_finding(
        &self,
        out: &mut dyn Write,
        finding: &Finding,
        others: &[&str],
        paint: &Paint,
    ) -> io::Result<()> {
        let entry = rule(finding.rule);
        let blocking = finding.is_blocking(self.options.fail_on);
        let (label, code) = if blocking {
            ("error", "1;31")
        } else {
            ("warning", "1;33")
        };
        let severity = if blocking {
            format!("{} severity, blocking", finding.severity.as_str())
        } else {
            format!("{} severity, not blocking", finding.severity.as_str())
        };
        let tag = finding.verification.as_ref().map_or_else(String::new, |v| {
            format!(" {}", verdict_tag(v.status, paint))
        });
        writeln!(
            out,
            "{}: {} ({severity}){tag}",
            paint.wrap(code, &format!("{label}[{}]", finding.rule)),
            paint.wrap("1", entry.name)
        )?;
        let mut location = format!(
            "{}:{}:{}",
            escape(&finding.display_path()),
            finding.location.line,
            finding.location.column
        );
        if let Some(commit) = finding.commit() {
            location.push_str(&format!(
                " (commit {})",
                &commit.id[..commit.id.len().min(12)]
            ));
        }
        if let Some(encoding) = finding.decoded {
            location.push_str(&format!(" (decoded from {})", encoding.description()));
        }
        writeln!(out, "  {} {location}", paint.wrap("1;34", "-->"))?;
        let gutter = finding.location.line.to_string();
        let pad = " ".repeat(gutter.len());
        let (shown, caret_at, caret_len) = self.marked_line(finding, others);
        writeln!(out, "{pad} {}", paint.wrap("1;34", "|"))?;
        writeln!(
            out,
            "{} {} {shown}",
            paint.wrap("1;34", &gutter),
            paint.wrap("1;34", "|")
        )?;
        writeln!(
            out,
            "{pad} {} {}{}",
            paint.wrap("1;34", "|"),
            " ".repeat(caret_at),
            paint.wrap(code, &"^".repeat(caret_len.max(1)))
        )?;
        if finding.encoded.is_some() {
            writeln!(
                out,
                "{pad} {} decoded value: {}",
                paint.wrap("1;34", "="),
                escape(&redact(&finding.secret, self.options.show_secrets))
            )?;
        }
        if let Some(verification) = &finding.verification {
            writeln!(
                out,
                "{pad} {} verified: {}",
                paint.wrap("1;34", "="),
                escape(&verification.describe())
            )?;
        }
        writeln!(
            out,
            "{pad} {} fix: {}",
            paint.wrap("1;34", "="),
            entry.remediation
        )?;
        writeln!(out, "{pad} {} see: {}", paint.wrap("1;34", "="), entry.docs)?;
        writeln!(out)
    }

    /// The line with the secret (or its encoded form) redacted and escaped, where the marker
    /// starts, and its width.
    fn marked_line(&self, finding: &Finding, others: &[&str]) -> (String, usize, usize) {
        let show = self.options.show_secrets;
        let written = finding.written_on_line();
        let chars: Vec<char> = finding.line_text.chars().collect();
        let start = (finding.location.column - 1).min(chars.len());
        let secret_len = written.chars().count();
        let end = (start + secret_len).min(chars.len());
        let before: String = chars[..start].iter().collect();
        let after: String = chars[end..].iter().collect();
        let redact_all = |text: &str| {
            let text = redact_in(text, written, show);
            others
                .iter()
                .fold(text, |text, secret| redact_in(&text, secret, show))
        };
        let mut before = escape(&redact_all(&before));
        let mut after = escape(&redact_all(&after));
        let value = escape(&redact(written, show));
        if before.chars().count() > CONTEXT_CHARS {
            let keep: String = before
                .chars()
                .rev()
                .take(CONTEXT_CHARS)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            before = format!("…{keep}");
        }
        if after.chars().count() > CONTEXT_CHARS {
            after = format!("{}…", after.chars().take(CONTEXT_CHARS).collect::<String>());
        }
        let caret_at = before.chars().count();
        let width = value.chars().count();
        (format!("{before}{value}{after}"), caret_at, width)
    }

    fn write_summary(
        &self,
        out: &mut dyn Write,
        findings: &[Finding],
        stats: &Stats,
        paint: &Paint,
    ) -> io::Result<()> {
        let blocking = findings
            .iter()
            .filter(|f| f.is_blocking(self.options.fail_on))
            .count();
        let by_rule: Vec<String> = counts_by_rule(findings)
            .iter()
            .map(|(rule, n)| format!("{rule} {n}"))
            .collect();
        let distinct = crate::finding::group(findings).len();
        let counted = |n: usize| {
            let credentials = if distinct < n {
                format!(" ({distinct} distinct credential{})", plural(distinct))
            } else {
                String::new()
            };
            format!("{n} finding{}{credentials}", plural(n))
        };
        let verdict = match (findings.len(), blocking) {
            (0, _) => paint.wrap("1;32", "no findings"),
            (n, 0) => paint.wrap("1;33", &format!("{}, none blocking", counted(n))),
            (n, b) => paint.wrap("1;31", &format!("{}, {b} blocking", counted(n))),
        };
        let scope = scope(stats);
        let mut line = format!(
            "leakfence: {verdict} in {scope} ({}) in {:.2}s",
            human_bytes(stats.bytes),
            stats.seconds
        );
        if !by_rule.is_empty() {
            line.push_str(&format!(": {}", by_rule.join(", ")));
        }
        let skipped = [
            (stats.binary_skipped, "binary"),
            (stats.too_large_skipped, "too large"),
            (stats.errors, "unreadable"),
        ];
        let skipped: Vec<String> = skipped
            .iter()
            .filter(|(n, _)| *n > 0)
            .map(|(n, what)| format!("{n} {what}"))
            .collect();
        if !skipped.is_empty() {
            line.push_str(&format!("; skipped {}", skipped.join(", ")));
        }
        writeln!(out, "{line}")
    }
}

/// `[LIVE]` in bold red, `[invalid]` in green, the rest in yellow.
fn verdict_tag(status: crate::finding::Status, paint: &Paint) -> String {
    use crate::finding::Status;
    let text = match status {
        Status::Live | Status::Valid => format!("[{}]", status.as_str().to_uppercase()),
        other => format!("[{}]", other.as_str()),
    };
    let code = match status {
        Status::Live | Status::Valid => "1;31",
        Status::Invalid | Status::Expired => "32",
        _ => "33",
    };
    paint.wrap(code, &text)
}

/// `1536` → `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;

    fn finding(line_text: &str, column: usize, secret: &str) -> Finding {
        Finding {
            line_text: line_text.into(),
            ..Finding::example(pick::contextual_secret(), "a/.env", 3, column, secret)
        }
    }

    fn render(findings: &[Finding], show_secrets: bool) -> String {
        crate::report::render_with(
            |options| Human { options },
            findings,
            &Stats::default(),
            show_secrets,
        )
    }

    #[test]
    fn marks_the_redacted_value_under_its_column() {
        let secret = "QWERTYUIOPASDFGHJKLZXCVBNM123456";
        let text = render(&[finding(&format!("TOKEN=\t{secret}"), 8, secret)], false);
        let heading = format!("error[{}]", pick::contextual_secret().as_str());
        assert!(text.contains(&heading), "{text}");
        assert!(text.contains("--> a/.env:3:8"), "{text}");
        assert!(!text.contains(secret), "{text}");
        let lines: Vec<&str> = text.lines().collect();
        let shown = lines.iter().find(|l| l.starts_with("3 |")).unwrap();
        let marker = lines.iter().find(|l| l.contains('^')).unwrap();
        assert_eq!(shown.find("QWER").unwrap(), marker.find('^').unwrap());
        assert!(text.contains("1 finding, 1 blocking"), "{text}");
    }

    #[test]
    fn show_secrets_prints_the_value() {
        let secret = "QWERTYUIOPASDFGHJKLZXCVBNM123456";
        assert!(render(&[finding(secret, 1, secret)], true).contains(secret));
    }

    #[test]
    fn human_bytes_units() {
        assert_eq!(human_bytes(12), "12 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
    }
}
