//! SARIF 2.1.0 output, as GitHub code scanning and other SARIF consumers read it.
//!
//! One run; the driver lists every rule (so a consumer can show rules that found nothing), each
//! result points at its rule by id and index. The wire structs live here, apart from
//! [`Finding`], like the JSON ones. Columns count characters (`columnKind`
//! `unicodeCodePoints`), as [`crate::finding::Location`] does. Secrets appear only redacted,
//! in messages and snippets alike, unless `--show-secrets`. Each result is one place; the
//! credential it belongs to is named by a second partial fingerprint, and the credential's
//! other places are its `relatedLocations`.

use super::{Report, ReportOptions};
use crate::detect::rules::{rule, Rule, RULES};
use crate::finding::{
    credential_fingerprint, group, Access, Credential, Finding, RuleId, ScannedRepository,
    Severity, Stats, COMMIT_MESSAGE_PATH,
};
use crate::redact::{redact, redact_in};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};

/// The schema URI written as `$schema` (GitHub's documentation uses the same one).
pub const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The SARIF version written.
pub const SARIF_VERSION: &str = "2.1.0";

/// The key under which each result's fingerprint is written in `partialFingerprints`.
pub const FINGERPRINT_KEY: &str = "leakfence/v1";

/// The key of the credential fingerprint ([`credential_fingerprint`]) in
/// `partialFingerprints`: the same in every result of one credential, whatever the path.
pub const CREDENTIAL_FINGERPRINT_KEY: &str = "leakfence/credential/v1";

/// Other places of the same credential listed in a result's `relatedLocations`; the
/// `otherOccurrences` property counts them all.
pub const MAX_RELATED_LOCATIONS: usize = 20;

/// Characters of context kept on each side of the secret in a snippet of a long line.
const SNIPPET_CONTEXT: usize = 80;

/// The SARIF reporter.
pub struct Sarif {
    /// Rendering options.
    pub options: ReportOptions,
}

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool,
    invocations: [Invocation; 1],
    /// With `--repos`: a category of its own per repository (GitHub code scanning keeps one
    /// analysis per category).
    #[serde(skip_serializing_if = "Option::is_none")]
    automation_details: Option<AutomationDetails>,
    /// With `--repos`: which repository the run covers and where it sits below the root.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    version_control_provenance: Vec<VersionControlDetails>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct AutomationDetails {
    id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VersionControlDetails {
    repository_uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    revision_id: Option<String>,
    mapped_to: ArtifactLocation,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    #[serde(rename = "security-severity")]
    security_severity: &'static str,
    tags: Vec<&'static str>,
    precision: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<related::RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

/// Per-result properties: where in history, and the `--verify` verdict.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultProperties<'a> {
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    history: Option<HistoryProperties<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verification: Option<VerificationProperty<'a>>,
    /// How the secret was encoded where it was found (`base64`, …), for decoded findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    decoded: Option<&'static str>,
    /// How many other places hold the same credential (`relatedLocations` lists at most
    /// [`MAX_RELATED_LOCATIONS`] of them).
    #[serde(skip_serializing_if = "Option::is_none")]
    other_occurrences: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct VerificationProperty<'a> {
    status: &'static str,
    checked_at: String,
    detail: &'a str,
    /// What a live credential reaches (the JSON report's `access` object).
    #[serde(skip_serializing_if = "Option::is_none")]
    access: Option<&'a Access>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
    context_region: ContextRegion,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Text>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
    end_column: usize,
    snippet: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ContextRegion {
    start_line: usize,
    end_line: usize,
    snippet: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    name: &'static str,
    fully_qualified_name: String,
    kind: &'static str,
}

#[derive(Serialize)]
struct HistoryProperties<'a> {
    commit: &'a str,
    author: &'a str,
    email: &'a str,
    date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    in_head: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    head_path: Option<&'a str>,
}

impl Report for Sarif {
    fn write(&self, out: &mut dyn Write, findings: &[Finding], stats: &Stats) -> io::Result<()> {
        let secrets_on_line = secrets_by_line(findings);
        let credentials = group(findings);
        let by_secret: HashMap<(RuleId, &str), &Credential<'_>> = credentials
            .iter()
            .map(|c| ((c.rule, c.secret), c))
            .collect();
        let result_of = |f| {
            let mut result = self.result(f, &secrets_on_line);
            if let Some(credential) = by_secret.get(&(f.rule, f.secret.as_str())) {
                related::relate(&mut result, f, credential);
            }
            result
        };
        let runs = if stats.repositories.is_empty() {
            let results = findings.iter().map(result_of).collect();
            vec![run(results, stats.errors, None)]
        } else {
            runs_per_repository(findings, stats, &result_of)
        };
        let log = Log {
            schema: SARIF_SCHEMA,
            version: SARIF_VERSION,
            runs,
        };
        serde_json::to_writer_pretty(&mut *out, &log).map_err(io::Error::from)?;
        writeln!(out)
    }
}

/// One run: its results, its invocation (unsuccessful when `errors`), and for a run over one
/// repository of many, which one.
fn run<'a>(
    results: Vec<SarifResult<'a>>,
    errors: u64,
    repository: Option<&ScannedRepository>,
) -> Run<'a> {
    let mut notifications = Vec::new();
    if errors > 0 {
        notifications.push(Notification {
            level: "error",
            message: Text {
                text: format!(
                    "{errors} path{} could not be read; the scan is incomplete.",
                    if errors == 1 { "" } else { "s" }
                ),
            },
        });
    }
    let (automation_details, version_control_provenance) = match repository {
        None => (None, Vec::new()),
        Some(repository) => (
            Some(AutomationDetails {
                id: format!("leakfence/{}/", repository.name),
            }),
            vec![VersionControlDetails {
                repository_uri: format!(
                    "file://{}",
                    encode_uri_path(&repository.path.to_string_lossy())
                ),
                revision_id: repository.head.clone(),
                mapped_to: ArtifactLocation {
                    uri: encode_uri_path(&format!("{}/", repository.name)),
                    uri_base_id: Some("%SRCROOT%"),
                    description: None,
                },
            }],
        ),
    };
    Run {
        tool: Tool { driver: driver() },
        invocations: [Invocation {
            execution_successful: errors == 0,
            tool_execution_notifications: notifications,
        }],
        automation_details,
        version_control_provenance,
        column_kind: "unicodeCodePoints",
        results,
    }
}

/// A `--repos` log: one run per repository scanned, in name order, each with its own results
/// and errors.
fn runs_per_repository<'a>(
    findings: &'a [Finding],
    stats: &Stats,
    result_of: &dyn Fn(&'a Finding) -> SarifResult<'a>,
) -> Vec<Run<'a>> {
    let mut repositories: BTreeMap<&str, ScannedRepository> = stats
        .repositories
        .iter()
        .map(|r| (r.name.as_str(), r.clone()))
        .collect();
    // A finding always names a listed repository; should one not, it still gets a run.
    for name in findings.iter().filter_map(|f| f.repository.as_deref()) {
        repositories
            .entry(name)
            .or_insert_with(|| ScannedRepository {
                name: name.to_string(),
                ..ScannedRepository::default()
            });
    }
    repositories
        .values()
        .map(|repository| {
            let results = findings
                .iter()
                .filter(|f| f.repository.as_deref() == Some(repository.name.as_str()))
                .map(result_of)
                .collect();
            run(results, repository.errors, Some(repository))
        })
        .collect()
}

/// Secrets per (path, line, commit), so that a snippet hides every secret on its line.
type LineKey<'a> = (&'a str, usize, Option<&'a str>);

fn line_key(f: &Finding) -> LineKey<'_> {
    (&f.path, f.location.line, f.commit_id())
}

fn secrets_by_line(findings: &[Finding]) -> HashMap<LineKey<'_>, Vec<&str>> {
    let mut map: HashMap<LineKey<'_>, Vec<&str>> = HashMap::new();
    for f in findings {
        for (line, text) in f.hidden_texts() {
            map.entry((&f.path, line, f.commit_id()))
                .or_default()
                .push(text);
        }
    }
    map
}

impl Sarif {
    fn result<'a>(
        &self,
        finding: &'a Finding,
        secrets_on_line: &HashMap<LineKey<'_>, Vec<&str>>,
    ) -> SarifResult<'a> {
        let show = self.options.show_secrets;
        let entry = rule(finding.rule);
        let shown = redact(&finding.secret, show);
        let others = secrets_on_line
            .get(&line_key(finding))
            .map(Vec::as_slice)
            .unwrap_or_default();
        let in_message = finding.is_commit_message();
        let place = match finding.commit() {
            None => String::new(),
            Some(commit) if in_message => format!(
                " in the message of commit {} (line {})",
                short_id(&commit.id),
                finding.location.line
            ),
            Some(commit) => format!(" in commit {}", short_id(&commit.id)),
        };
        let decoded = finding.decoded.map_or_else(String::new, |e| {
            format!(" (decoded from {})", e.description())
        });
        let text = format!(
            "{} {shown} found{place}{decoded}. {}",
            entry.name, entry.remediation
        );
        let artifact_location = artifact_location(finding);
        let logical_locations = match (finding.commit(), in_message) {
            (Some(commit), true) => vec![LogicalLocation {
                name: COMMIT_MESSAGE_PATH,
                fully_qualified_name: format!("{}/{COMMIT_MESSAGE_PATH}", commit.id),
                kind: "resource",
            }],
            _ => Vec::new(),
        };
        SarifResult {
            rule_id: finding.rule.as_str(),
            rule_index: rule_index(finding.rule),
            // A credential that is verified live is an error whatever its configured severity.
            level: if finding
                .verification
                .as_ref()
                .is_some_and(|v| v.status.is_live())
            {
                "error"
            } else {
                level(finding.severity)
            },
            message: Text { text },
            locations: [Location {
                physical_location: PhysicalLocation {
                    artifact_location,
                    region: Region {
                        start_line: finding.location.line,
                        start_column: finding.location.column,
                        end_column: finding.end_column.max(finding.location.column + 1),
                        snippet: Text {
                            text: redact(finding.written_on_line(), show),
                        },
                    },
                    context_region: ContextRegion {
                        start_line: finding.location.line,
                        end_line: finding.location.line,
                        snippet: Text {
                            text: line_snippet(finding, others, show),
                        },
                    },
                },
                logical_locations,
            }],
            related_locations: Vec::new(),
            partial_fingerprints: BTreeMap::from([
                (FINGERPRINT_KEY, finding.fingerprint()),
                (
                    CREDENTIAL_FINGERPRINT_KEY,
                    credential_fingerprint(finding.rule, &finding.secret),
                ),
            ]),
            properties: result_properties(finding),
        }
    }
}

/// Where a finding is: its file under `%SRCROOT%`, or its commit's message.
fn artifact_location(finding: &Finding) -> ArtifactLocation {
    if finding.is_commit_message() {
        let id = finding.commit_id().unwrap_or_default();
        ArtifactLocation {
            uri: COMMIT_MESSAGE_PATH.to_string(),
            uri_base_id: None,
            description: Some(Text {
                text: format!("The message of commit {id}, not a file."),
            }),
        }
    } else {
        ArtifactLocation {
            uri: encode_uri_path(&finding.display_path()),
            uri_base_id: Some("%SRCROOT%"),
            description: None,
        }
    }
}

fn result_properties(finding: &Finding) -> Option<ResultProperties<'_>> {
    let history = finding.commit().map(|c| HistoryProperties {
        commit: &c.id,
        author: &c.author,
        email: &c.email,
        date: crate::finding::rfc3339_utc(c.time),
        in_head: finding.in_head,
        head_path: finding.head_path.as_deref(),
    });
    let verification = finding.verification.as_ref().map(|v| VerificationProperty {
        status: v.status.as_str(),
        checked_at: crate::finding::rfc3339_utc(v.checked_at),
        detail: &v.detail,
        access: v.access.as_ref(),
    });
    let decoded = finding.decoded.map(|e| e.as_str());
    (history.is_some() || verification.is_some() || decoded.is_some()).then_some(ResultProperties {
        history,
        verification,
        decoded,
        other_occurrences: None,
    })
}

fn short_id(id: &str) -> &str {
    &id[..id.len().min(12)]
}

/// The line with every secret on it redacted, cut to a window around this finding's secret
/// when long. Redaction happens before cutting, so a cut can never expose part of a secret.
fn line_snippet(finding: &Finding, others: &[&str], show: bool) -> String {
    let written = finding.written_on_line();
    let chars: Vec<char> = finding.line_text.chars().collect();
    let start = finding.location.column.saturating_sub(1).min(chars.len());
    let end = (start + written.chars().count()).min(chars.len());
    let redact_all = |text: &str| {
        let text = redact_in(text, written, show);
        others
            .iter()
            .fold(text, |text, secret| redact_in(&text, secret, show))
    };
    let before = redact_all(&chars[..start].iter().collect::<String>());
    let after = redact_all(&chars[end..].iter().collect::<String>());
    let value = redact(written, show);
    let before_len = before.chars().count();
    let before = if before_len > SNIPPET_CONTEXT {
        let keep: String = before.chars().skip(before_len - SNIPPET_CONTEXT).collect();
        format!("…{keep}")
    } else {
        before
    };
    let after = if after.chars().count() > SNIPPET_CONTEXT {
        format!(
            "{}…",
            after.chars().take(SNIPPET_CONTEXT).collect::<String>()
        )
    } else {
        after
    };
    let line = format!("{before}{value}{after}");
    line.trim_end_matches(['\r', '\n']).to_string()
}

/// A relative path as a URI reference: every byte outside RFC 3986's unreserved characters,
/// `/` and a few safe sub-delimiters is percent-encoded (`:` too, so that no first segment
/// reads as a scheme).
pub fn encode_uri_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric()
            || matches!(
                byte,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'/'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
            );
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// SARIF level of a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "error",
        Severity::Medium => "warning",
        Severity::Low => "note",
    }
}

/// GitHub's `security-severity` score of a severity (its bands: over 7.0 is high, 4.0 to 6.9
/// medium, 0.1 to 3.9 low).
pub fn security_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::High => "8.5",
        Severity::Medium => "5.0",
        Severity::Low => "2.0",
    }
}

fn rule_index(id: RuleId) -> usize {
    RULES
        .iter()
        .position(|r| r.id == id)
        .expect("RULES has a row for every RuleId (checked by a unit test in detect/rules.rs)")
}

/// `Twilio Auth Token` → `TwilioAuthToken`.
fn pascal_name(name: &str) -> String {
    name.split_whitespace().collect()
}

fn information_uri() -> &'static str {
    let repository = env!("CARGO_PKG_REPOSITORY");
    if repository.is_empty() {
        "https://crates.io/crates/leakfence"
    } else {
        repository
    }
}

fn driver() -> Driver {
    Driver {
        name: "leakfence",
        version: env!("CARGO_PKG_VERSION"),
        semantic_version: env!("CARGO_PKG_VERSION"),
        information_uri: information_uri(),
        rules: RULES.iter().map(descriptor).collect(),
    }
}

fn descriptor(entry: &Rule) -> ReportingDescriptor {
    let mut tags = vec!["security", "secret", "twilio"];
    if entry.severity == Severity::High {
        // CWE-798: Use of Hard-coded Credentials.
        tags.push("external/cwe/cwe-798");
    }
    ReportingDescriptor {
        id: entry.id.as_str(),
        name: pascal_name(entry.name),
        short_description: Text {
            text: entry.name.to_string(),
        },
        full_description: Text {
            text: entry.description.to_string(),
        },
        help: Help {
            text: format!("{}\n\nWhat to do: {}", entry.description, entry.remediation),
            markdown: format!(
                "**{}** (`{}`)\n\n{}\n\n**What to do:** {}",
                entry.name,
                entry.id.as_str(),
                entry.description,
                entry.remediation
            ),
        },
        default_configuration: Configuration {
            level: level(entry.severity),
        },
        properties: RuleProperties {
            security_severity: security_severity(entry.severity),
            tags,
            precision: entry.sarif.precision,
        },
    }
}

mod related;
#[cfg(test)]
mod tests;
