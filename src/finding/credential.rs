//! Credentials, not lines: the findings of one secret, wherever it was found, as one entry.
//!
//! A history scan of an old repository can report the same Account SID in 840 places. What a
//! security engineer needs is how many distinct credentials leaked, where each one is, since
//! when, whether it is still in the tree and whether it still works. [`group`] folds findings
//! into [`Credential`]s by rule and secret (whatever the path, commit or repository); every
//! report format builds its credential view from it, and `merge` regroups across runs by the
//! path-independent [`credential_fingerprint`].

use super::{Commit, Finding, RuleId, Severity, Verification};
use std::collections::HashMap;

/// One distinct credential and every place it was found.
#[derive(Debug, Clone)]
pub struct Credential<'a> {
    /// Which rule found it.
    pub rule: RuleId,
    /// The highest severity of its occurrences (after configuration).
    pub severity: Severity,
    /// [`credential_fingerprint`] of its rule and secret: the same in every path and run.
    pub fingerprint: String,
    /// The raw secret (decoded). Never print it without going through `redact`.
    pub secret: &'a str,
    /// Every finding of it, earliest commit first (then repository, path, line, column).
    pub occurrences: Vec<&'a Finding>,
    /// The earliest commit that introduced it (history scans).
    pub first_commit: Option<&'a Commit>,
    /// Whether some occurrence is still in a file at `HEAD` (history scans).
    pub in_head: Option<bool>,
    /// The first file at `HEAD` that still holds it.
    pub head_path: Option<&'a str>,
    /// With `--verify`: the most telling verdict among its occurrences ([`super::Status::weight`]).
    pub verification: Option<&'a Verification>,
}

impl Credential<'_> {
    /// Whether it blocks under `fail_on` (one of its occurrences does).
    pub fn is_blocking(&self, fail_on: Severity) -> bool {
        self.severity >= fail_on
    }

    /// The latest commit that introduced it again (history scans).
    pub fn last_commit(&self) -> Option<&Commit> {
        self.occurrences
            .iter()
            .filter_map(|f| f.commit())
            .max_by_key(|c| (c.time, &c.id))
    }

    /// When it left the tree (history scans): the latest commit that removed one of its
    /// occurrences, provided none of them is still at `HEAD` and each was removed.
    pub fn removed(&self) -> Option<&Commit> {
        if self.in_head == Some(true) {
            return None;
        }
        let mut latest: Option<&Commit> = None;
        for f in &self.occurrences {
            let removed = f.removed.as_ref()?;
            if latest.is_none_or(|l| (removed.time, &removed.id) > (l.time, &l.id)) {
                latest = Some(removed);
            }
        }
        latest
    }

    /// The repositories it was found in, each once, in occurrence order (`--repos` runs).
    pub fn repositories(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in &self.occurrences {
            if let Some(repo) = f.repository.as_deref() {
                if !out.contains(&repo) {
                    out.push(repo);
                }
            }
        }
        out
    }
}

/// The name of the credential fingerprint algorithm.
pub const CREDENTIAL_FINGERPRINT_ALGORITHM: &str = "sha256(rule,secret)/v1";

/// Fingerprint of a credential: lowercase hex SHA-256 over rule id and secret, without the
/// path (unlike a finding's fingerprint), so that one credential has one fingerprint in every
/// file, commit, repository and run. 64 hex characters: no rule mistakes it for a credential.
pub fn credential_fingerprint(rule: RuleId, secret: &str) -> String {
    super::tagged_digest(
        b"leakfence-credential-v1",
        &[rule.as_str().as_bytes(), secret.as_bytes()],
    )
}

/// Groups findings by rule and secret. Credentials come most severe first, then by their
/// first appearance (earliest commit; files without a commit after; then the first
/// occurrence's place), then rule and fingerprint: the order does not depend on thread scheduling or input order.
pub fn group(findings: &[Finding]) -> Vec<Credential<'_>> {
    let mut index: HashMap<(RuleId, &str), usize> = HashMap::new();
    let mut credentials: Vec<Credential<'_>> = Vec::new();
    for finding in findings {
        let key = (finding.rule, finding.secret.as_str());
        let at = *index.entry(key).or_insert_with(|| {
            credentials.push(Credential {
                rule: finding.rule,
                severity: finding.severity,
                fingerprint: credential_fingerprint(finding.rule, &finding.secret),
                secret: &finding.secret,
                occurrences: Vec::new(),
                first_commit: None,
                in_head: None,
                head_path: None,
                verification: None,
            });
            credentials.len() - 1
        });
        let credential = &mut credentials[at];
        credential.severity = credential.severity.max(finding.severity);
        credential.occurrences.push(finding);
    }
    for credential in &mut credentials {
        settle(credential);
    }
    credentials.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| first_seen(a).cmp(&first_seen(b)))
            // Then by where each was first found: the fingerprint alone would order values
            // that are random in tests (and unrelated to the reader) differently every run.
            .then_with(|| first_place(a).cmp(&first_place(b)))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    credentials
}

/// Orders the occurrences and derives the credential's summary fields from them.
fn settle(credential: &mut Credential<'_>) {
    credential.occurrences.sort_by(|a, b| {
        let time = |f: &Finding| f.commit().map_or(i64::MAX, |c| c.time);
        time(a)
            .cmp(&time(b))
            .then_with(|| a.repository.cmp(&b.repository))
            .then_with(|| a.sort_key().cmp(&b.sort_key()))
    });
    credential.first_commit = credential.occurrences.iter().find_map(|f| f.commit());
    let marks: Vec<bool> = credential
        .occurrences
        .iter()
        .filter_map(|f| f.in_head)
        .collect();
    credential.in_head = (!marks.is_empty()).then(|| marks.contains(&true));
    credential.head_path = credential
        .occurrences
        .iter()
        .filter(|f| f.in_head == Some(true))
        .find_map(|f| f.head_path.as_deref());
    credential.verification = credential
        .occurrences
        .iter()
        .filter_map(|f| f.verification.as_ref())
        .max_by_key(|v| v.status.weight());
}

/// Where a credential was first found, for ordering (occurrences are settled already).
fn first_place<'a>(credential: &'a Credential<'_>) -> Option<FindingSortKey<'a>> {
    credential.occurrences.first().map(|f| f.sort_key())
}

/// [`Finding::sort_key`]'s type.
type FindingSortKey<'a> = (
    Option<&'a str>,
    &'a str,
    usize,
    usize,
    crate::finding::RuleId,
    Option<&'a str>,
);

/// When a credential was first seen, for ordering: earliest commit time; `None` sorts last.
fn first_seen(credential: &Credential<'_>) -> (bool, i64) {
    match credential.first_commit {
        Some(commit) => (false, commit.time),
        None => (true, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;
    use crate::finding::{Provenance, Status};

    fn commit(id: &str, time: i64) -> Commit {
        Commit {
            id: id.into(),
            author: "A".into(),
            email: "a@example.invalid".into(),
            time,
        }
    }

    fn in_commit(path: &str, secret: &str, commit: Commit, in_head: bool) -> Finding {
        Finding {
            provenance: Provenance::Blob { commit },
            in_head: Some(in_head),
            head_path: in_head.then(|| path.to_string()),
            ..Finding::example(pick::contextual_secret(), path, 1, 1, secret)
        }
    }

    #[test]
    fn one_secret_in_many_places_is_one_credential() {
        let findings = vec![
            in_commit("b.env", "s1", commit("c2", 20), false),
            in_commit("a.env", "s1", commit("c1", 10), false),
            in_commit("c.env", "s1", commit("c3", 30), true),
            in_commit("a.env", "s2", commit("c1", 10), false),
        ];
        let credentials = group(&findings);
        assert_eq!(credentials.len(), 2);
        let first = credentials
            .iter()
            .find(|c| c.secret == "s1")
            .expect("s1 is grouped");
        assert_eq!(first.occurrences.len(), 3);
        let paths: Vec<&str> = first.occurrences.iter().map(|f| f.path.as_str()).collect();
        assert_eq!(paths, ["a.env", "b.env", "c.env"], "earliest commit first");
        assert_eq!(first.first_commit.map(|c| c.id.as_str()), Some("c1"));
        assert_eq!(first.last_commit().map(|c| c.id.as_str()), Some("c3"));
        assert_eq!(first.in_head, Some(true));
        assert_eq!(first.head_path, Some("c.env"));
        let second = credentials.iter().find(|c| c.secret == "s2").expect("s2");
        assert_eq!(second.in_head, Some(false));
        assert_eq!(second.head_path, None);
    }

    #[test]
    fn it_was_removed_when_its_last_occurrence_left_the_tree() {
        let mut findings = vec![
            in_commit("a.env", "s1", commit("c1", 10), false),
            in_commit("b.env", "s1", commit("c2", 20), false),
        ];
        assert!(group(&findings)[0].removed().is_none(), "removal unknown");
        findings[0].removed = Some(commit("c5", 50));
        assert!(group(&findings)[0].removed().is_none(), "one is unknown");
        findings[1].removed = Some(commit("c4", 40));
        let credentials = group(&findings);
        assert_eq!(credentials[0].removed().map(|c| c.id.as_str()), Some("c5"));
        findings[1].in_head = Some(true);
        assert!(group(&findings)[0].removed().is_none(), "still at HEAD");
    }

    #[test]
    fn the_same_secret_under_two_rules_is_two_credentials() {
        let findings = vec![
            Finding::example(pick::contextual_secret(), "a", 1, 1, "same"),
            Finding::example(pick::other_secret(), "a", 2, 1, "same"),
        ];
        assert_eq!(group(&findings).len(), 2);
    }

    #[test]
    fn the_fingerprint_ignores_path_and_differs_from_the_findings() {
        let rule = pick::contextual_secret();
        let a = Finding::example(rule, "a/.env", 1, 1, "s1");
        let b = Finding::example(rule, "b/.env", 9, 4, "s1");
        let credentials = group(std::slice::from_ref(&a));
        let again = group(std::slice::from_ref(&b));
        assert_eq!(credentials[0].fingerprint, again[0].fingerprint);
        assert_ne!(credentials[0].fingerprint, a.fingerprint());
        assert_ne!(
            credential_fingerprint(rule, "s1"),
            credential_fingerprint(rule, "s2")
        );
        assert_ne!(
            credential_fingerprint(rule, "s1"),
            credential_fingerprint(pick::other_secret(), "s1")
        );
    }

    #[test]
    fn the_most_telling_verdict_and_highest_severity_win() {
        let verdict = |status| Verification {
            status,
            checked_at: 0,
            detail: String::new(),
            access: None,
        };
        let rule = pick::contextual_secret();
        let findings = vec![
            Finding {
                verification: Some(verdict(Status::Invalid)),
                severity: Severity::Low,
                ..Finding::example(rule, "a", 1, 1, "s")
            },
            Finding {
                verification: Some(verdict(Status::Live)),
                severity: Severity::High,
                ..Finding::example(rule, "b", 1, 1, "s")
            },
        ];
        let credentials = group(&findings);
        assert_eq!(
            credentials[0].verification.map(|v| v.status),
            Some(Status::Live)
        );
        assert_eq!(credentials[0].severity, Severity::High);
        assert!(credentials[0].is_blocking(Severity::High));
    }

    #[test]
    fn more_severe_credentials_come_first_then_earlier_ones() {
        let low = pick::low_identifier();
        let high = pick::contextual_secret();
        let findings = vec![
            Finding {
                provenance: Provenance::Blob {
                    commit: commit("c1", 1),
                },
                ..Finding::example(low, "a", 1, 1, "id")
            },
            in_commit("b", "late", commit("c9", 90), false),
            in_commit("c", "early", commit("c2", 20), false),
        ];
        let order: Vec<(RuleId, &str)> = group(&findings)
            .iter()
            .map(|c| (c.rule, c.secret))
            .collect();
        assert_eq!(order, [(high, "early"), (high, "late"), (low, "id")]);
    }

    #[test]
    fn repositories_are_listed_once_each() {
        let rule = pick::contextual_secret();
        let findings = vec![
            Finding {
                repository: Some("team/b".into()),
                ..Finding::example(rule, "x", 1, 1, "s")
            },
            Finding {
                repository: Some("team/a".into()),
                ..Finding::example(rule, "y", 1, 1, "s")
            },
            Finding {
                repository: Some("team/a".into()),
                ..Finding::example(rule, "z", 1, 1, "s")
            },
        ];
        assert_eq!(group(&findings)[0].repositories(), ["team/a", "team/b"]);
    }
}
