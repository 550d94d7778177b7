//! The JSON report (`--format json`, version 1) read back for `merge`: the fields merge acts
//! on are typed, everything else rides along in `extra` so that nothing a newer or older
//! leakfence wrote is lost on the way through.

use super::MergeError;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::Path;

/// The JSON format version `merge` reads and writes.
pub use crate::report::json::JSON_VERSION;

/// A whole JSON report.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Document {
    /// Always [`JSON_VERSION`].
    pub version: u32,
    /// Every finding, one per place.
    #[serde(default)]
    pub findings: Vec<Finding>,
    /// The findings grouped by credential (rule and secret).
    #[serde(default)]
    pub credentials: Vec<Credential>,
    /// The counters of the run(s).
    #[serde(default)]
    pub stats: Map<String, Value>,
    /// Top-level fields this version does not know.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One finding. Only what merge needs is typed; the rest stays in `extra`, as it came.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Finding {
    /// The rule's contract id.
    pub rule: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// Whether it blocked the run that found it.
    pub blocking: bool,
    /// The repository it was found in (`--repos` runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Every other field, untouched.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One distinct credential and every place it was found.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Credential {
    /// The rule's contract id.
    pub rule: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    /// Whether it blocked the run that found it.
    pub blocking: bool,
    /// Path-independent fingerprint of rule and raw secret: the key merge groups by.
    pub fingerprint: String,
    /// The secret as the run printed it (redacted unless `--show-secrets`).
    pub secret: String,
    /// The repositories it was found in (`--repos` runs).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repositories: Vec<String>,
    /// Every place it was found.
    #[serde(default)]
    pub occurrences: Vec<Occurrence>,
    /// The earliest commit that introduced it (history scans).
    #[serde(default)]
    pub first_commit: Option<String>,
    /// That commit's date (RFC 3339, UTC).
    #[serde(default)]
    pub first_date: Option<String>,
    /// Whether some occurrence is still at `HEAD` (history scans).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub in_head: Option<bool>,
    /// The first file at `HEAD` that still holds it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_path: Option<String>,
    /// The commit that took its last occurrence out of the tree, if every one was taken out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_commit: Option<String>,
    /// That commit's date (RFC 3339, UTC).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub removed_date: Option<String>,
    /// With `--verify`: the most telling verdict (`status`, `checked_at`, `detail`, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification: Option<Map<String, Value>>,
    /// Every other field (`remediation`, `docs`, …), untouched.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One place a credential was found.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct Occurrence {
    /// The repository (`--repos` runs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// Path in the repository or scanned directory.
    pub path: String,
    /// 1-based line.
    pub line: u64,
    /// 1-based column.
    pub column: u64,
    /// The commit that introduced it (history scans).
    #[serde(default)]
    pub commit: Option<String>,
    /// Every other field (`author`, `date`, `in_head`, …), untouched.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl Occurrence {
    /// What makes two occurrences the same place: repository, path, line, column, commit.
    pub fn key(&self) -> (Option<&str>, &str, u64, u64, Option<&str>) {
        (
            self.repository.as_deref(),
            &self.path,
            self.line,
            self.column,
            self.commit.as_deref(),
        )
    }

    /// The commit date (RFC 3339, UTC), if there is one.
    pub fn date(&self) -> Option<&str> {
        self.extra.get("date").and_then(Value::as_str)
    }
}

impl Document {
    /// Reads and checks the JSON report in `path`.
    pub fn read(path: &Path) -> Result<Document, MergeError> {
        let text = std::fs::read_to_string(path).map_err(|source| MergeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Document::parse(&text, path)
    }

    /// Parses and checks a JSON report; `path` only names it in errors.
    pub fn parse(text: &str, path: &Path) -> Result<Document, MergeError> {
        let value: Value = serde_json::from_str(text).map_err(|source| MergeError::Json {
            path: path.to_path_buf(),
            source,
        })?;
        let version = match value.get("version") {
            Some(Value::Number(n)) => n.as_u64(),
            Some(_) => None,
            None if value.is_object() => None,
            None => {
                return Err(MergeError::NotAReport {
                    path: path.to_path_buf(),
                })
            }
        };
        match version {
            Some(v) if v == u64::from(JSON_VERSION) => {}
            Some(found) => {
                return Err(MergeError::Version {
                    path: path.to_path_buf(),
                    found: found.to_string(),
                })
            }
            None => {
                return Err(MergeError::Version {
                    path: path.to_path_buf(),
                    found: value
                        .get("version")
                        .map_or_else(|| "missing".to_string(), Value::to_string),
                })
            }
        }
        let document: Document =
            serde_json::from_value(value).map_err(|source| MergeError::Shape {
                path: path.to_path_buf(),
                source,
            })?;
        document.check_severities(path)?;
        Ok(document)
    }

    /// Every severity must be one this leakfence knows: merge compares them.
    fn check_severities(&self, path: &Path) -> Result<(), MergeError> {
        let severities = self
            .findings
            .iter()
            .map(|f| &f.severity)
            .chain(self.credentials.iter().map(|c| &c.severity));
        for severity in severities {
            if crate::finding::Severity::from_name(severity).is_none() {
                return Err(MergeError::Severity {
                    path: path.to_path_buf(),
                    found: severity.clone(),
                });
            }
        }
        Ok(())
    }
}
