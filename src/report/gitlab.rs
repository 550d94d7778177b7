//! GitLab secret detection report (`gl-secret-detection-report.json`, schema 15.2.1), which
//! GitLab reads from a job's `artifacts:reports:secret_detection`.
//!
//! One vulnerability per finding. Its `id` is derived from the fingerprint, so it stays the
//! same across runs while rule, path and secret do. GitLab requires a commit for every secret
//! detection location: history findings give theirs, the others `0000000`, as GitLab's own
//! analyzer does when it scans files rather than commits. The extract holds the redacted
//! value unless `--show-secrets`. The wire structs live here, apart from [`Finding`].

use super::{Report, ReportOptions};
use crate::detect::rules::{rule, RULES};
use crate::finding::{Finding, Severity, Stats};
use crate::redact::redact;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// The report schema version this output conforms to.
pub const SCHEMA_VERSION: &str = "15.2.1";

/// Where that schema is published.
pub const SCHEMA_URL: &str = "https://gitlab.com/gitlab-org/security-products/security-report-schemas/-/raw/v15.2.1/dist/secret-detection-report-format.json";

/// The commit GitLab's analyzer reports for findings that are not attributed to one.
pub const UNKNOWN_COMMIT: &str = "0000000";

/// The identifier type under which rule ids are reported.
pub const IDENTIFIER_TYPE: &str = "leakfence_rule_id";
/// The identifier type that names a credential (rule and secret) by its fingerprint.
pub const CREDENTIAL_IDENTIFIER_TYPE: &str = "leakfence_credential";

/// The GitLab reporter.
pub struct Gitlab {
    /// Rendering options.
    pub options: ReportOptions,
}

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    schema: &'static str,
    scan: Scan,
    vulnerabilities: Vec<Vulnerability<'a>>,
}

#[derive(Serialize)]
struct Scan {
    analyzer: Tool,
    scanner: Tool,
    #[serde(rename = "type")]
    kind: &'static str,
    start_time: String,
    end_time: String,
    status: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    messages: Vec<Message>,
    primary_identifiers: Vec<Identifier>,
}

#[derive(Serialize)]
struct Tool {
    id: &'static str,
    name: &'static str,
    version: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'static str>,
    vendor: Vendor,
}

#[derive(Serialize)]
struct Vendor {
    name: &'static str,
}

#[derive(Serialize)]
struct Message {
    level: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Identifier {
    #[serde(rename = "type")]
    kind: &'static str,
    name: String,
    value: String,
}

#[derive(Serialize)]
struct Vulnerability<'a> {
    id: String,
    category: &'static str,
    name: &'static str,
    description: String,
    severity: &'static str,
    solution: &'static str,
    location: VulnerabilityLocation<'a>,
    identifiers: Vec<Identifier>,
    raw_source_code_extract: String,
}

#[derive(Serialize)]
struct VulnerabilityLocation<'a> {
    file: std::borrow::Cow<'a, str>,
    start_line: usize,
    end_line: usize,
    commit: CommitRef<'a>,
}

#[derive(Serialize)]
struct CommitRef<'a> {
    sha: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    author: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date: Option<String>,
}

impl Report for Gitlab {
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()> {
        let mut seen: HashMap<(String, Option<&str>), usize> = HashMap::new();
        let places = super::places_per_credential(findings);
        let vulnerabilities = findings
            .iter()
            .map(|f| {
                // The same secret twice in one file shares a fingerprint; the occurrence
                // number keeps ids unique without tying them to line numbers.
                let commit = f.commit_id();
                let fingerprint = f.fingerprint();
                let n = seen.entry((fingerprint.clone(), commit)).or_insert(0);
                *n += 1;
                let mut vulnerability =
                    self.vulnerability(f, &vulnerability_id(&fingerprint, commit, *n));
                vulnerability
                    .description
                    .push_str(&super::also_elsewhere(&places, f));
                vulnerability
            })
            .collect();
        let document = Document {
            version: SCHEMA_VERSION,
            schema: SCHEMA_URL,
            scan: scan(stats),
            vulnerabilities,
        };
        serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::from)?;
        writeln!(out)
    }
}

impl Gitlab {
    fn vulnerability<'a>(&self, finding: &'a Finding, id: &str) -> Vulnerability<'a> {
        let entry = rule(finding.rule);
        let mut description = entry.description.to_string();
        if let Some(commit) = finding.commit() {
            let short = &commit.id[..commit.id.len().min(12)];
            if finding.is_commit_message() {
                description.push_str(&format!(
                    " Found in the message of commit {short}, line {}.",
                    finding.location.line
                ));
            } else {
                let head = match (finding.in_head, finding.head_path.as_deref()) {
                    (Some(true), Some(now)) if now != finding.path => {
                        format!(" It is still present at HEAD, now in {now}.")
                    }
                    (Some(true), _) => " It is still present at HEAD.".to_string(),
                    (Some(false), _) => {
                        " It is no longer present at HEAD but stays in history.".to_string()
                    }
                    (None, _) => String::new(),
                };
                description.push_str(&format!(" Introduced in commit {short}.{head}"));
            }
        }
        if let Some(encoding) = finding.decoded {
            description.push_str(&format!(
                " Decoded from {} where it was found.",
                encoding.description()
            ));
        }
        if let Some(v) = &finding.verification {
            description.push_str(&format!(" Verification: {}.", v.describe()));
        }
        Vulnerability {
            id: id.to_string(),
            category: "secret_detection",
            name: entry.name,
            description,
            severity: severity(finding.severity),
            solution: entry.remediation,
            location: VulnerabilityLocation {
                file: finding.display_path(),
                start_line: finding.location.line,
                end_line: finding.location.line,
                commit: match finding.commit() {
                    Some(c) => CommitRef {
                        sha: &c.id,
                        author: Some(&c.author),
                        date: Some(crate::finding::rfc3339_utc(c.time)),
                    },
                    None => CommitRef {
                        sha: UNKNOWN_COMMIT,
                        author: None,
                        date: None,
                    },
                },
            },
            identifiers: vec![
                identifier(entry.id.as_str()),
                credential_identifier(finding),
            ],
            raw_source_code_extract: redact(&finding.secret, self.options.show_secrets),
        }
    }
}

fn identifier(rule_id: &'static str) -> Identifier {
    Identifier {
        kind: IDENTIFIER_TYPE,
        name: format!("leakfence rule ID {rule_id}"),
        value: rule_id.to_string(),
    }
}

/// The credential's identifier: the same for every finding of one secret, so that GitLab can
/// tell one credential in 40 places from 40 credentials.
fn credential_identifier(finding: &Finding) -> Identifier {
    let fingerprint = crate::finding::credential_fingerprint(finding.rule, &finding.secret);
    Identifier {
        kind: CREDENTIAL_IDENTIFIER_TYPE,
        name: format!("leakfence credential {}", &fingerprint[..12]),
        value: fingerprint,
    }
}

fn scan(stats: &Stats) -> Scan {
    let end = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let start = end - stats.seconds.max(0.0).ceil() as i64;
    let tool = || Tool {
        id: "leakfence",
        name: "leakfence",
        version: env!("CARGO_PKG_VERSION"),
        url: url(),
        vendor: Vendor { name: "leakfence" },
    };
    let mut messages = Vec::new();
    if stats.errors > 0 {
        messages.push(Message {
            level: "warn",
            value: format!(
                "{} path{} could not be read; the scan is incomplete",
                stats.errors,
                if stats.errors == 1 { "" } else { "s" }
            ),
        });
    }
    Scan {
        analyzer: tool(),
        scanner: tool(),
        kind: "secret_detection",
        start_time: gitlab_time(start),
        end_time: gitlab_time(end),
        status: "success",
        messages,
        primary_identifiers: RULES.iter().map(|r| identifier(r.id.as_str())).collect(),
    }
}

/// The project's URL when it is an http(s) one (the schema insists).
fn url() -> Option<&'static str> {
    let repository = env!("CARGO_PKG_REPOSITORY");
    (repository.starts_with("https://") || repository.starts_with("http://")).then_some(repository)
}

/// `yyyy-mm-ddThh:mm:ss` in UTC, the schema's format (no zone suffix).
fn gitlab_time(seconds: i64) -> String {
    let mut text = crate::finding::rfc3339_utc(seconds);
    text.pop(); // the `Z`
    text
}

/// GitLab's severity words.
pub fn severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low => "Low",
    }
}

/// A UUID-shaped id (RFC 9562 version 8, custom) from a SHA-256 over the fingerprint, the
/// commit and the occurrence number.
fn vulnerability_id(fingerprint: &str, commit: Option<&str>, occurrence: usize) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"leakfence-gitlab-id-v1\0");
    hasher.update(fingerprint.as_bytes());
    hasher.update(b"\0");
    hasher.update(commit.unwrap_or("").as_bytes());
    hasher.update(b"\0");
    hasher.update(occurrence.to_string().as_bytes());
    let digest = hasher.finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;
    use crate::finding::{Commit, Provenance};
    use serde_json::Value;

    const SECRET: &str = "QWERTYUIOPASDFGHJKLZXCVBNM123456";

    fn finding(line: usize) -> Finding {
        Finding {
            line_text: format!("TOKEN={SECRET}"),
            ..Finding::example(pick::contextual_secret(), "a.env", line, 7, SECRET)
        }
    }

    fn render(findings: &[Finding], show_secrets: bool) -> (String, Value) {
        crate::report::render_json_with(|options| Gitlab { options }, findings, show_secrets)
    }

    #[test]
    fn vulnerabilities_have_unique_stable_ids_and_an_unknown_commit() {
        let (text, doc) = render(&[finding(1), finding(5)], false);
        assert!(!text.contains(SECRET));
        let v = doc["vulnerabilities"].as_array().unwrap();
        assert_ne!(v[0]["id"], v[1]["id"]);
        let (_, again) = render(&[finding(2), finding(9)], false);
        assert_eq!(
            again["vulnerabilities"][0]["id"], v[0]["id"],
            "lines do not matter"
        );
        assert_eq!(v[0]["location"]["commit"]["sha"], UNKNOWN_COMMIT);
        assert_eq!(v[0]["severity"], "High");
        assert_eq!(
            v[0]["identifiers"][0]["value"],
            pick::contextual_secret().as_str()
        );
        assert_eq!(v[0]["raw_source_code_extract"], "QWER…");
        let id = v[0]["id"].as_str().unwrap();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "8");
        assert_eq!(doc["scan"]["type"], "secret_detection");
        let time = doc["scan"]["start_time"].as_str().unwrap();
        assert_eq!(time.len(), 19, "{time}");
        assert_eq!(
            doc["scan"]["primary_identifiers"].as_array().unwrap().len(),
            RULES.len()
        );
    }

    #[test]
    fn history_findings_carry_their_commit() {
        let mut f = finding(1);
        f.provenance = Provenance::Blob {
            commit: Commit {
                id: "0123456789abcdef0123456789abcdef01234567".into(),
                author: "Ada".into(),
                email: "ada@example.com".into(),
                time: 1_704_164_645,
            },
        };
        f.in_head = Some(false);
        let (_, doc) = render(&[f], false);
        let commit = &doc["vulnerabilities"][0]["location"]["commit"];
        assert_eq!(commit["sha"], "0123456789abcdef0123456789abcdef01234567");
        assert_eq!(commit["date"], "2024-01-02T03:04:05Z");
        assert!(doc["vulnerabilities"][0]["description"]
            .as_str()
            .unwrap()
            .contains("no longer present at HEAD"));
    }

    #[test]
    fn show_secrets_shows_them() {
        assert!(render(&[finding(1)], true).0.contains(SECRET));
    }

    #[test]
    fn times_have_no_zone() {
        assert_eq!(gitlab_time(1_704_164_645), "2024-01-02T03:04:05");
    }
}
