//! HTML output: one self-contained audit report for people, built on [`crate::finding::group`].
//!
//! The page is rendered here, server side: a header (what was scanned, when, by which version),
//! totals, a timeline of each credential's life in history (`timeline`) and a table of
//! credentials whose rows open to their occurrences (`table`). The embedded script only sorts
//! and filters rows that are already in the page. Nothing comes from the network: style and
//! script are inline and allowed by their SHA-256 hashes in a Content-Security-Policy, so the
//! report works from `file://` and no `'unsafe-inline'` is needed. Everything that comes from
//! the repository goes through [`escape`].

mod summary;
mod table;
mod timeline;

use super::{Report, ReportOptions};
use crate::finding::{Credential, Finding, Stats};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use sha2::{Digest, Sha256};
use std::io::{self, Write};

/// The page's style sheet, inlined and allowed by its hash.
const STYLE: &str = include_str!("style.css");
/// The page's script (sorting and filtering only), inlined and allowed by its hash.
const SCRIPT: &str = include_str!("app.js");

/// What a report covers, for its header.
#[derive(Debug, Clone)]
pub struct Scope {
    /// The scanned repository or paths, as given.
    pub target: String,
    /// The command and its range (`history --all`, `scan src`).
    pub command: String,
}

impl Scope {
    /// A scope over `target` for `command`.
    pub fn new(target: impl Into<String>, command: impl Into<String>) -> Scope {
        Scope {
            target: target.into(),
            command: command.into(),
        }
    }
}

/// The HTML reporter.
pub struct Html {
    /// Rendering options.
    pub options: ReportOptions,
    /// What the run covered.
    pub scope: Scope,
    /// `--fail-on-live`: only live credentials block.
    pub fail_on_live: bool,
    /// When the report is made, Unix seconds (the timeline's "now").
    pub generated_at: i64,
}

impl Html {
    /// Whether a finding blocks the run, as the exit code decides it.
    fn blocks(&self, finding: &Finding) -> bool {
        if self.fail_on_live {
            finding
                .verification
                .as_ref()
                .is_some_and(|v| v.status.is_live())
        } else {
            finding.is_blocking(self.options.fail_on)
        }
    }

    /// Whether a credential blocks: one of its occurrences does.
    fn credential_blocks(&self, credential: &Credential<'_>) -> bool {
        credential.occurrences.iter().any(|f| self.blocks(f))
    }
}

impl Report for Html {
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()> {
        let credentials = crate::finding::group(findings);
        let mut page = String::with_capacity(16 * 1024 + findings.len() * 512);
        page.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        page.push_str(&format!(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">\n",
            content_security_policy()
        ));
        page.push_str("<meta name=\"referrer\" content=\"no-referrer\">\n");
        page.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        page.push_str(&format!(
            "<title>leakfence audit report: {}</title>\n",
            escape(&self.scope.target)
        ));
        page.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
        summary::header(&mut page, self, findings, &credentials, stats);
        page.push_str("<main>\n");
        summary::totals(&mut page, self, findings, &credentials);
        timeline::section(
            &mut page,
            &credentials,
            self.options.show_secrets,
            self.generated_at,
        );
        table::section(&mut page, self, &credentials);
        page.push_str("</main>\n");
        page.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
        out.write_all(page.as_bytes())
    }
}

/// The policy in the page's `<meta>`: nothing but the inline style and script, by hash.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; style-src '{}'; script-src '{}'; img-src data:; base-uri 'none'; \
         form-action 'none'",
        csp_hash(STYLE),
        csp_hash(SCRIPT)
    )
}

/// A CSP source expression for an inline block: `sha256-` and the base64 of its SHA-256.
pub fn csp_hash(block: &str) -> String {
    format!(
        "sha256-{}",
        STANDARD.encode(Sha256::digest(block.as_bytes()))
    )
}

/// Text from the repository, safe in HTML text and in quoted attribute values alike: control
/// and bidi characters made visible ([`crate::sanitize::escape`]), then `&<>"'` as entities.
pub fn escape(text: &str) -> String {
    let visible = crate::sanitize::escape(text);
    let mut out = String::with_capacity(visible.len() + 16);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// `2024-01-02 03:04 UTC` for Unix seconds: dates as people read them in the page.
fn short_date(seconds: i64) -> String {
    let full = crate::finding::rfc3339_utc(seconds);
    format!("{} {} UTC", &full[..10], &full[11..16])
}

#[cfg(test)]
mod tests;
