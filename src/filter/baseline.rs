//! Baselines: adopt leakfence on a repository that already has findings, and report only new
//! ones.
//!
//! The file records, for each finding, its fingerprint and location and a salted hash of its
//! secret (never the secret). A finding matches an entry when the rule and the secret hash
//! agree, so moving the line or renaming the file keeps it suppressed; among several entries
//! for the same secret, one with the same path is used first, so that stale entries can be told
//! apart and pruned. The file is sorted and pretty-printed so that it diffs well in review.

use crate::finding::{Finding, FINGERPRINT_ALGORITHM};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The baseline format version.
pub const BASELINE_VERSION: u32 = 1;

/// The secret hash algorithm recorded in the file.
pub const SECRET_HASH_ALGORITHM: &str = "sha256(salt,rule,secret)";

/// One baselined finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// Where it was when recorded (a tiebreaker, and for people reading the file).
    pub path: String,
    /// Its line when recorded.
    pub line: usize,
    /// The rule id.
    pub rule: String,
    /// The finding fingerprint, as printed in JSON output.
    pub fingerprint: String,
    /// Salted hash of the secret.
    pub secret_hash: String,
}

/// A baseline file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Format version.
    pub version: u32,
    /// How `fingerprint` was computed.
    pub fingerprint_algorithm: String,
    /// How `secret_hash` was computed.
    pub secret_hash_algorithm: String,
    /// Random salt of the secret hashes (hex).
    pub salt: String,
    /// The entries, sorted.
    pub findings: Vec<Entry>,
}

/// Errors reading or writing a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not a baseline this version understands.
    #[error("{} is not a valid leakfence baseline: {reason}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

fn secret_hash(salt: &str, rule: &str, secret: &str) -> String {
    let digest = Sha256::new()
        .chain_update(salt.as_bytes())
        .chain_update(b"\0")
        .chain_update(rule.as_bytes())
        .chain_update(b"\0")
        .chain_update(secret.as_bytes())
        .finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    // Without an entropy source the salt still works as a salt; it is just predictable.
    let _ = getrandom::fill(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Baseline {
    /// A baseline of `findings` with a fresh salt.
    pub fn record(findings: &[Finding]) -> Baseline {
        let salt = new_salt();
        let mut entries: Vec<Entry> = findings
            .iter()
            .map(|f| Entry {
                path: f.display_path().into_owned(),
                line: f.location.line,
                rule: f.rule.as_str().to_string(),
                fingerprint: f.fingerprint(),
                secret_hash: secret_hash(&salt, f.rule.as_str(), &f.secret),
            })
            .collect();
        entries.sort();
        entries.dedup();
        Baseline {
            version: BASELINE_VERSION,
            fingerprint_algorithm: FINGERPRINT_ALGORITHM.to_string(),
            secret_hash_algorithm: SECRET_HASH_ALGORITHM.to_string(),
            salt,
            findings: entries,
        }
    }

    /// Reads a baseline file.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let text = std::fs::read_to_string(path).map_err(|source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Baseline::parse(&text).map_err(|reason| BaselineError::Invalid {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses and checks the text of a baseline file; the error is the reason it is invalid.
    pub fn parse(text: &str) -> Result<Baseline, String> {
        let baseline: Baseline = serde_json::from_str(text).map_err(|e| e.to_string())?;
        if baseline.version != BASELINE_VERSION {
            return Err(format!(
                "version {} (this leakfence reads version {BASELINE_VERSION})",
                baseline.version
            ));
        }
        if baseline.secret_hash_algorithm != SECRET_HASH_ALGORITHM {
            return Err(format!(
                "unknown secret hash algorithm `{}`",
                baseline.secret_hash_algorithm
            ));
        }
        Ok(baseline)
    }

    /// Writes the baseline, sorted and pretty-printed with a final newline.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        let mut text = serde_json::to_string_pretty(self).expect("a baseline always serializes");
        text.push('\n');
        std::fs::write(path, text).map_err(|source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        })
    }

    /// Drops findings the baseline covers; returns the entries nothing matched (stale).
    pub fn suppress(&self, findings: &mut Vec<Finding>) -> Vec<Entry> {
        let mut used = vec![false; self.findings.len()];
        let hashes: Vec<String> = findings
            .iter()
            .map(|f| secret_hash(&self.salt, f.rule.as_str(), &f.secret))
            .collect();
        let matches =
            |f: &Finding, hash: &str, e: &Entry| e.rule == f.rule.as_str() && e.secret_hash == hash;
        let mut covered = vec![false; findings.len()];
        // Same path first, then anywhere: a moved or renamed finding still matches.
        for same_path in [true, false] {
            for (i, f) in findings.iter().enumerate() {
                if covered[i] {
                    continue;
                }
                let entry = self.findings.iter().enumerate().position(|(j, e)| {
                    !used[j]
                        && matches(f, &hashes[i], e)
                        && (!same_path || e.path == f.display_path())
                });
                if let Some(j) = entry {
                    used[j] = true;
                    covered[i] = true;
                }
            }
        }
        // A secret found more often than it was recorded is still covered: it is the same leak.
        for (i, f) in findings.iter().enumerate() {
            if !covered[i] && self.findings.iter().any(|e| matches(f, &hashes[i], e)) {
                covered[i] = true;
            }
        }
        let mut index = 0;
        findings.retain(|_| {
            index += 1;
            !covered[index - 1]
        });
        self.findings
            .iter()
            .zip(used)
            .filter(|(_, used)| !used)
            .map(|(e, _)| e.clone())
            .collect()
    }

    /// The baseline without the given stale entries.
    pub fn without(&self, stale: &[Entry]) -> Baseline {
        let mut pruned = self.clone();
        pruned.findings.retain(|e| !stale.contains(e));
        pruned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, line: usize, secret: &str) -> Finding {
        Finding::example(
            crate::detect::rules::pick::contextual_secret(),
            path,
            line,
            1,
            secret,
        )
    }

    #[test]
    fn round_trip_through_a_file_suppresses_after_moves_and_renames() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("baseline.json");
        let original = vec![finding("a.env", 3, "s1"), finding("b.env", 1, "s2")];
        Baseline::record(&original).write(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            !text.contains("\"s1\"") && !text.contains("\"s2\""),
            "no secret in clear"
        );
        let baseline = Baseline::read(&path).unwrap();

        let mut moved = vec![
            finding("renamed.env", 40, "s1"),
            finding("b.env", 9, "s2"),
            finding("c.env", 1, "new"),
        ];
        let stale = baseline.suppress(&mut moved);
        assert_eq!(moved, vec![finding("c.env", 1, "new")]);
        assert!(stale.is_empty());

        let mut only_one = vec![finding("a.env", 3, "s1")];
        let stale = baseline.suppress(&mut only_one);
        assert!(only_one.is_empty());
        assert_eq!(stale.len(), 1);
        assert_eq!(stale[0].path, "b.env");
        assert_eq!(baseline.without(&stale).findings.len(), 1);
    }

    #[test]
    fn recorded_files_are_sorted_and_stable() {
        let findings = vec![finding("z.env", 1, "s1"), finding("a.env", 2, "s2")];
        let baseline = Baseline::record(&findings);
        let paths: Vec<&str> = baseline.findings.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(paths, ["a.env", "z.env"]);
        assert_eq!(baseline.version, BASELINE_VERSION);
    }

    #[test]
    fn rejects_other_versions_and_garbage() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\"version\": 9}").unwrap();
        assert!(matches!(
            Baseline::read(&path),
            Err(BaselineError::Invalid { .. })
        ));
        std::fs::write(&path, "not json").unwrap();
        assert!(matches!(
            Baseline::read(&path),
            Err(BaselineError::Invalid { .. })
        ));
    }
}
