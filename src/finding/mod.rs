//! Findings: what the detector reports and what every later stage passes along.
//!
//! The pipeline's plain data, at the bottom of the module graph: sources make [`Finding`]s
//! and count [`Stats`], `--verify` writes [`Verification`]s into them, filters and reporters
//! read them. Nothing here depends on a stage. A [`Finding`] keeps the raw secret; only
//! `redact` decides how much of it is shown.

mod credential;
#[cfg(test)]
mod example;
mod provenance;
mod stats;
mod verdict;

use sha2::{Digest, Sha256};

pub use crate::detect::{Encoding, Location, RuleId, Severity, Span};
pub use credential::{credential_fingerprint, group, Credential, CREDENTIAL_FINGERPRINT_ALGORITHM};
pub use provenance::{Commit, Provenance, COMMIT_MESSAGE_PATH};
pub use stats::{ScannedRepository, Stats};
pub use verdict::{Access, KeyType, Status, Verification};

/// `2024-01-02T03:04:05Z` for Unix seconds (UTC; proleptic Gregorian calendar).
pub fn rfc3339_utc(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// One credential found at one place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Which rule matched.
    pub rule: RuleId,
    /// Severity after configuration.
    pub severity: Severity,
    /// Path relative to the scan root with `/` separators (`<stdin>` for standard input,
    /// [`COMMIT_MESSAGE_PATH`] for a commit message). What the finding is in says
    /// [`Finding::provenance`], never this path.
    pub path: String,
    /// Where the secret starts.
    pub location: Location,
    /// Column one past the secret's last character, on the same line.
    pub end_column: usize,
    /// Byte range of the secret in the scanned content.
    pub span: Span,
    /// The raw secret (decoded, when it was read from encoded text). Never print it without
    /// going through `redact`.
    pub secret: String,
    /// How the secret was written, when it was read from encoded text (`None`: as it is).
    pub decoded: Option<Encoding>,
    /// The text at the finding's place when it is not the secret itself: the secret's encoded
    /// form, as secret as the value (reporters redact it too). It may span lines.
    pub encoded: Option<String>,
    /// The whole line the secret is on (raw; reporters redact and escape it).
    pub line_text: String,
    /// What it was found in: a file, a staged file, or a commit's blob or message.
    pub provenance: Provenance,
    /// For history scans: whether the secret is still in some file at `HEAD`.
    pub in_head: Option<bool>,
    /// Which file at `HEAD` still holds it: its own path, or where it lives now.
    pub head_path: Option<String>,
    /// For history scans: the first commit after its introduction that took it out of the
    /// tree (its file deleted, or changed to content without it), if one did.
    pub removed: Option<Commit>,
    /// With `--verify`: whether the credential works.
    pub verification: Option<Verification>,
    /// With `--repos`: the repository it was found in, relative to the scanned directory
    /// (`/` separators). `None` for a run over one repository or over files.
    pub repository: Option<String>,
}

impl Finding {
    /// Whether this finding blocks (exit code 1) under the given threshold.
    pub fn is_blocking(&self, fail_on: Severity) -> bool {
        self.severity >= fail_on
    }

    /// The text at the finding's place: the encoded form, or the secret itself.
    pub fn written(&self) -> &str {
        self.encoded.as_deref().unwrap_or(&self.secret)
    }

    /// The part of [`Finding::written`] on the finding's own line (from its column).
    pub fn written_on_line(&self) -> &str {
        let written = self.written();
        let first = written.split('\n').next().unwrap_or(written);
        first.strip_suffix('\r').unwrap_or(first)
    }

    /// Every text that must not be shown on a line of the report, with its 1-based line: the
    /// secret, and each line's part of its encoded form. Parts too short to give anything away
    /// (a closing quote) are left out.
    pub fn hidden_texts(&self) -> Vec<(usize, &str)> {
        let mut out = vec![(self.location.line, self.secret.as_str())];
        if let Some(encoded) = &self.encoded {
            out.extend(
                encoded
                    .split('\n')
                    .map(|part| part.trim_end_matches('\r'))
                    .enumerate()
                    .filter(|(_, part)| part.chars().count() >= crate::redact::VISIBLE_PREFIX)
                    .map(|(i, part)| (self.location.line + i, part)),
            );
        }
        out
    }

    /// The stable fingerprint: see [`fingerprint`] (over [`Finding::display_path`], so that
    /// the same file name in two repositories of a `--repos` run is two places).
    pub fn fingerprint(&self) -> String {
        fingerprint(self.rule, &self.display_path(), &self.secret)
    }

    /// The path as reports show it: below the repository's name in a `--repos` run (the
    /// file's place relative to the scanned directory), else [`Finding::path`] itself.
    pub fn display_path(&self) -> std::borrow::Cow<'_, str> {
        match self.repository.as_deref() {
            Some(repository) if repository != "." && !self.is_commit_message() => {
                format!("{repository}/{}", self.path).into()
            }
            _ => self.path.as_str().into(),
        }
    }

    /// The commit that introduced it, for history scans.
    pub fn commit(&self) -> Option<&Commit> {
        self.provenance.commit()
    }

    /// The full hex id of [`Finding::commit`].
    pub fn commit_id(&self) -> Option<&str> {
        self.commit().map(|c| c.id.as_str())
    }

    /// Whether it was found in a commit message rather than in a file.
    pub fn is_commit_message(&self) -> bool {
        self.provenance.is_commit_message()
    }

    /// The sort key that makes output independent of thread scheduling.
    pub fn sort_key(&self) -> (Option<&str>, &str, usize, usize, RuleId, Option<&str>) {
        (
            self.repository.as_deref(),
            &self.path,
            self.location.line,
            self.location.column,
            self.rule,
            self.commit_id(),
        )
    }
}

/// The name of the fingerprint algorithm, recorded wherever fingerprints are stored.
pub const FINGERPRINT_ALGORITHM: &str = "sha256(rule,path,secret)/v1";

/// Fingerprint of a finding: lowercase hex SHA-256 over rule id, path and secret.
///
/// The secret is the decoded value for a decoded finding, so that a baseline entry for a
/// credential covers it however it is written. Line numbers are deliberately left out so the fingerprint survives unrelated edits that move
/// the line. The digest is 64 hex characters, which no rule mistakes for a 32-hex credential.
pub fn fingerprint(rule: RuleId, path: &str, secret: &str) -> String {
    tagged_digest(
        b"leakfence-fingerprint-v1",
        &[rule.as_str().as_bytes(), path.as_bytes(), secret.as_bytes()],
    )
}

/// Lowercase hex SHA-256 over `tag` and each part, each part after a NUL (the layout every
/// fingerprint has always had: `tag\0rule\0…\0secret`).
pub(crate) fn tagged_digest(tag: &[u8], parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(tag);
    for part in parts {
        hasher.update(b"\0");
        hasher.update(part);
    }
    let digest = hasher.finalize();
    let mut out = String::with_capacity(64);
    for byte in digest {
        out.push_str(&format!("{byte:02x}"));
    }
    out
}

/// Sorts findings by (path, line, column, rule, commit) so that output is deterministic.
pub fn sort_findings(findings: &mut [Finding]) {
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;

    #[test]
    fn fingerprint_depends_on_rule_path_secret_only() {
        let (rule, other) = (pick::contextual_secret(), pick::other_secret());
        let a = fingerprint(rule, "a/.env", "s1");
        assert_eq!(a.len(), 64);
        assert!(a
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
        assert_eq!(a, fingerprint(rule, "a/.env", "s1"));
        assert_ne!(a, fingerprint(rule, "b/.env", "s1"));
        assert_ne!(a, fingerprint(rule, "a/.env", "s2"));
        assert_ne!(a, fingerprint(other, "a/.env", "s1"));
    }

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339_utc(1_704_164_645), "2024-01-02T03:04:05Z");
        assert_eq!(rfc3339_utc(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339_utc(-1), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn severity_order_drives_blocking() {
        assert!(Severity::High > Severity::Medium && Severity::Medium > Severity::Low);
    }
}
