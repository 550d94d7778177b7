//! JSON output. The wire structs live here, apart from [`Finding`], so that renaming an
//! internal field cannot change the contract: `version` 1, field names as documented.

use super::{Report, ReportOptions};
use crate::finding::{Access, Credential, Finding, Stats, Verification};
use crate::redact::redact;
use serde::Serialize;
use std::io::{self, Write};

/// The JSON format version.
pub const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    credentials: Vec<JsonCredential<'a>>,
    stats: &'a Stats,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: &'static str,
    severity: &'static str,
    blocking: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    path: &'a str,
    line: usize,
    column: usize,
    end_column: usize,
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_head: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_path: Option<&'a str>,
    secret: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<&'static str>,
    fingerprint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<JsonVerification<'a>>,
    remediation: &'static str,
    docs: &'static str,
}

#[derive(Serialize)]
struct JsonVerification<'a> {
    status: &'static str,
    checked_at: String,
    detail: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<&'a Access>,
}

impl<'a> JsonVerification<'a> {
    fn of(v: &'a Verification) -> Self {
        JsonVerification {
            status: v.status.as_str(),
            checked_at: crate::finding::rfc3339_utc(v.checked_at),
            detail: &v.detail,
            access: v.access.as_ref(),
        }
    }
}

/// One distinct credential (same rule and secret) with every place it was found.
#[derive(Serialize)]
struct JsonCredential<'a> {
    rule: &'static str,
    severity: &'static str,
    blocking: bool,
    fingerprint: &'a str,
    secret: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    repositories: Vec<&'a str>,
    occurrences: Vec<JsonOccurrence<'a>>,
    first_commit: Option<&'a str>,
    first_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_head: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_path: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<JsonVerification<'a>>,
    remediation: &'static str,
    docs: &'static str,
}

/// One place a credential was found.
#[derive(Serialize)]
struct JsonOccurrence<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    path: &'a str,
    line: usize,
    column: usize,
    commit: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_head: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    removed: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<&'static str>,
}

impl<'a> JsonCredential<'a> {
    fn of(c: &'a Credential<'a>, options: &ReportOptions) -> Self {
        let entry = crate::detect::rules::rule(c.rule);
        JsonCredential {
            rule: c.rule.as_str(),
            severity: c.severity.as_str(),
            blocking: c.is_blocking(options.fail_on),
            fingerprint: &c.fingerprint,
            secret: redact(c.secret, options.show_secrets),
            repositories: c.repositories(),
            occurrences: c
                .occurrences
                .iter()
                .map(|f| JsonOccurrence {
                    repository: f.repository.as_deref(),
                    path: &f.path,
                    line: f.location.line,
                    column: f.location.column,
                    commit: f.commit_id(),
                    author: f.commit().map(|c| c.author.as_str()),
                    date: f.commit().map(|c| crate::finding::rfc3339_utc(c.time)),
                    in_head: f.in_head,
                    removed: f.removed.as_ref().map(|c| c.id.as_str()),
                    decoded: f.decoded.map(|e| e.as_str()),
                })
                .collect(),
            first_commit: c.first_commit.map(|c| c.id.as_str()),
            first_date: c.first_commit.map(|c| crate::finding::rfc3339_utc(c.time)),
            in_head: c.in_head,
            head_path: c.head_path,
            removed_commit: c.removed().map(|r| r.id.as_str()),
            removed_date: c.removed().map(|r| crate::finding::rfc3339_utc(r.time)),
            verification: c.verification.map(JsonVerification::of),
            remediation: entry.remediation,
            docs: entry.docs,
        }
    }
}

/// The JSON reporter.
pub struct Json {
    /// Rendering options.
    pub options: ReportOptions,
}

impl Report for Json {
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()> {
        let listed = findings
            .iter()
            .map(|f| JsonFinding {
                rule: f.rule.as_str(),
                severity: f.severity.as_str(),
                blocking: f.is_blocking(self.options.fail_on),
                repository: f.repository.as_deref(),
                path: &f.path,
                line: f.location.line,
                column: f.location.column,
                end_column: f.end_column,
                commit: f.commit_id(),
                author: f.commit().map(|c| c.author.as_str()),
                email: f.commit().map(|c| c.email.as_str()),
                date: f.commit().map(|c| crate::finding::rfc3339_utc(c.time)),
                in_head: f.in_head,
                head_path: f.head_path.as_deref(),
                verification: f.verification.as_ref().map(JsonVerification::of),
                remediation: crate::detect::rules::rule(f.rule).remediation,
                docs: crate::detect::rules::rule(f.rule).docs,
                secret: redact(&f.secret, self.options.show_secrets),
                decoded: f.decoded.map(|e| e.as_str()),
                fingerprint: f.fingerprint(),
            })
            .collect();
        let grouped = crate::finding::group(findings);
        let credentials = grouped
            .iter()
            .map(|c| JsonCredential::of(c, &self.options))
            .collect();
        let document = Document {
            version: JSON_VERSION,
            findings: listed,
            credentials,
            stats,
        };
        serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::from)?;
        writeln!(out)
    }
}
