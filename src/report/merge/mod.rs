//! `merge`: several JSON reports (shards of one organisation's scan) as one, with credentials
//! regrouped across shards by their path-independent fingerprint.
//!
//! Works on the wire structs of [`wire`], never on [`crate::finding::Finding`]: a report holds
//! redacted secrets, so findings cannot be rebuilt, and nothing needs them to be. The credential
//! fingerprint is computed from the raw secret by the run that wrote each shard, so the same
//! credential has the same fingerprint in every shard whatever was redacted.
//!
//! The rules, for credentials with one fingerprint:
//! - occurrences: all of them, without repeats (same repository, path, line, column, commit),
//!   earliest commit date first;
//! - `first_commit`/`first_date`: the earliest; `in_head`: true if any shard says so;
//! - `removed_commit`/`removed_date`: the latest, only when every shard has one and none has
//!   it at `HEAD`;
//! - `verification`: the most telling (live > valid > forbidden > expired > invalid > unknown >
//!   unverifiable); `severity`: the highest; `blocking`: if any (or, with `--fail-on`, by
//!   severity); `repositories`: all of them;
//! - `secret`: the shortest form, so a redacted shard never gets un-redacted by another one.
//!
//! Findings are concatenated, identical ones once; stats are summed key by key, `seconds`
//! included (the time spent on all shards, not the wall time of a parallel run).

pub mod wire;

use crate::finding::{Severity, Status};
use serde_json::{Map, Value};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use wire::{Credential, Document, Finding, JSON_VERSION};

/// Why a report could not be merged. Each names the file.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("{} is not JSON: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// Where the JSON broke.
        source: serde_json::Error,
    },
    /// The file is JSON but not an object.
    #[error("{} is not a leakfence JSON report (no \"version\")", path.display())]
    NotAReport {
        /// The file.
        path: PathBuf,
    },
    /// The report has another format version.
    #[error(
        "{} is a JSON report of version {found}; this leakfence merges version {JSON_VERSION}",
        path.display()
    )]
    Version {
        /// The file.
        path: PathBuf,
        /// The version it has (or `missing`).
        found: String,
    },
    /// A field merge needs is missing or of the wrong type.
    #[error("{} is not a leakfence JSON report: {source}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// What serde found wrong.
        source: serde_json::Error,
    },
    /// A severity this leakfence does not know.
    #[error("{} has an unknown severity {found:?}", path.display())]
    Severity {
        /// The file.
        path: PathBuf,
        /// The severity.
        found: String,
    },
}

/// How reports are merged.
#[derive(Debug, Clone, Copy, Default)]
pub struct MergeOptions {
    /// Decide `blocking` again from this threshold instead of keeping each shard's verdict.
    pub fail_on: Option<Severity>,
}

/// A report read from a file, with the name merge may give its repository.
#[derive(Debug, Clone)]
pub struct Shard {
    /// The report.
    pub document: Document,
    /// The repository name for findings and occurrences that have none
    /// (`--repository-from-filename`), or `None` to leave them as they are.
    pub repository: Option<String>,
}

impl Shard {
    /// Reads `path`; with `name_from_file`, unnamed findings get the file's stem as repository.
    pub fn read(path: &Path, name_from_file: bool) -> Result<Shard, MergeError> {
        Ok(Shard {
            document: Document::read(path)?,
            repository: name_from_file.then(|| repository_from_filename(path)),
        })
    }
}

/// `shards/team-api.json` → `team-api`.
pub fn repository_from_filename(path: &Path) -> String {
    path.file_stem()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// Merges shards into one report (see the module docs for the rules).
pub fn merge(shards: Vec<Shard>, options: MergeOptions) -> Document {
    let mut findings: Vec<Finding> = Vec::new();
    let mut seen_findings: HashSet<String> = HashSet::new();
    let mut credentials: Vec<Credential> = Vec::new();
    let mut by_fingerprint: HashMap<String, usize> = HashMap::new();
    let mut stats = Map::new();
    let mut extra = Map::new();
    for shard in shards {
        let Shard {
            document,
            repository,
        } = shard;
        for mut finding in document.findings {
            if finding.repository.is_none() {
                finding.repository.clone_from(&repository);
            }
            // Serialized, a finding's fields come in one order (struct, then sorted map).
            let identity = serde_json::to_string(&finding).unwrap_or_default();
            if seen_findings.insert(identity) {
                findings.push(finding);
            }
        }
        for mut credential in document.credentials {
            name_occurrences(&mut credential, repository.as_deref());
            match by_fingerprint.get(&credential.fingerprint) {
                Some(&at) => fold(&mut credentials[at], credential),
                None => {
                    by_fingerprint.insert(credential.fingerprint.clone(), credentials.len());
                    credentials.push(credential);
                }
            }
        }
        add_stats(&mut stats, &document.stats);
        for (key, value) in document.extra {
            extra.entry(key).or_insert(value);
        }
    }
    for credential in &mut credentials {
        settle(credential);
    }
    if let Some(fail_on) = options.fail_on {
        rejudge(&mut findings, &mut credentials, fail_on);
    }
    credentials.sort_by(|a, b| {
        severity(&b.severity)
            .cmp(&severity(&a.severity))
            .then_with(|| last_if_none(&a.first_date).cmp(&last_if_none(&b.first_date)))
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| a.fingerprint.cmp(&b.fingerprint))
    });
    Document {
        version: JSON_VERSION,
        findings,
        credentials,
        stats,
        extra,
    }
}

/// Whether any credential of a merged report blocks.
pub fn is_blocking(document: &Document) -> bool {
    document.credentials.iter().any(|c| c.blocking) || document.findings.iter().any(|f| f.blocking)
}

/// Whether any shard could not read everything (its `stats.errors` is not zero).
pub fn is_incomplete(document: &Document) -> bool {
    document
        .stats
        .get("errors")
        .and_then(Value::as_u64)
        .is_some_and(|n| n > 0)
}

/// Gives unnamed occurrences the shard's repository name, if it has one.
fn name_occurrences(credential: &mut Credential, repository: Option<&str>) {
    let Some(name) = repository else {
        return;
    };
    for occurrence in &mut credential.occurrences {
        if occurrence.repository.is_none() {
            occurrence.repository = Some(name.to_string());
        }
    }
}

/// Folds `other` (same fingerprint) into `into`.
fn fold(into: &mut Credential, other: Credential) {
    fold_presence(into, &other);
    if severity(&other.severity) > severity(&into.severity) {
        into.severity = other.severity;
    }
    into.blocking |= other.blocking;
    if other.secret.chars().count() < into.secret.chars().count() {
        into.secret = other.secret;
    }
    for repository in other.repositories {
        if !into.repositories.contains(&repository) {
            into.repositories.push(repository);
        }
    }
    into.occurrences.extend(other.occurrences);
    let earlier = |date: &Option<String>, commit: &Option<String>| {
        (last_if_none(date), commit.clone().unwrap_or_default())
    };
    if other.first_commit.is_some()
        && (into.first_commit.is_none()
            || earlier(&other.first_date, &other.first_commit)
                < earlier(&into.first_date, &into.first_commit))
    {
        into.first_commit = other.first_commit;
        into.first_date = other.first_date;
    }
    if weight(other.verification.as_ref()) > weight(into.verification.as_ref()) {
        into.verification = other.verification;
    }
    for (key, value) in other.extra {
        into.extra.entry(key).or_insert(value);
    }
}

/// `in_head`, `head_path` and the removal: still there if any shard says so; removed only when
/// every shard saw it removed, then at the latest removal.
fn fold_presence(into: &mut Credential, other: &Credential) {
    if other.in_head == Some(true) && into.in_head != Some(true) {
        into.head_path.clone_from(&other.head_path);
    }
    into.in_head = match (into.in_head, other.in_head) {
        (Some(a), Some(b)) => Some(a || b),
        (a, b) => a.or(b),
    };
    let removal = |c: &Credential| c.removed_commit.as_ref().map(|_| c.removed_date.clone());
    into.removed_commit = match (removal(into), removal(other)) {
        (Some(mine), Some(theirs)) if theirs > mine => {
            into.removed_date.clone_from(&other.removed_date);
            other.removed_commit.clone()
        }
        (Some(_), Some(_)) => into.removed_commit.take(),
        _ => None,
    };
}

/// Orders the occurrences and drops repeats, names every repository, and drops a removal that
/// `in_head` denies.
fn settle(credential: &mut Credential) {
    credential.occurrences.sort_by(|a, b| {
        last_if_none(&a.date().map(str::to_string))
            .cmp(&last_if_none(&b.date().map(str::to_string)))
            .then_with(|| a.key().cmp(&b.key()))
    });
    let mut seen = HashSet::new();
    credential.occurrences.retain(|o| {
        let (repository, path, line, column, commit) = o.key();
        seen.insert((
            repository.map(str::to_string),
            path.to_string(),
            line,
            column,
            commit.map(str::to_string),
        ))
    });
    let mut repositories: Vec<String> = Vec::new();
    let named = credential
        .occurrences
        .iter()
        .filter_map(|o| o.repository.clone());
    for repository in named.chain(credential.repositories.drain(..)) {
        if !repositories.contains(&repository) {
            repositories.push(repository);
        }
    }
    credential.repositories = repositories;
    if credential.in_head == Some(true) || credential.removed_commit.is_none() {
        credential.removed_commit = None;
        credential.removed_date = None;
    }
}

/// `--fail-on`: `blocking` from severity alone, for findings and credentials alike.
fn rejudge(findings: &mut [Finding], credentials: &mut [Credential], fail_on: Severity) {
    for finding in findings {
        finding.blocking = severity(&finding.severity) >= Some(fail_on);
    }
    for credential in credentials {
        credential.blocking = severity(&credential.severity) >= Some(fail_on);
    }
}

/// Sums the counters key by key; a key only one shard has is kept as it is.
fn add_stats(into: &mut Map<String, Value>, from: &Map<String, Value>) {
    for (key, value) in from {
        let sum = match (into.get(key), value) {
            (None, _) => value.clone(),
            (Some(Value::Number(a)), Value::Number(b)) => match (a.as_u64(), b.as_u64()) {
                (Some(a), Some(b)) => Value::from(a.saturating_add(b)),
                _ => serde_json::Number::from_f64(
                    a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0),
                )
                .map_or(Value::Null, Value::Number),
            },
            (Some(kept), _) => kept.clone(),
        };
        into.insert(key.clone(), sum);
    }
}

/// A severity name (checked when the report was read) as a [`Severity`].
fn severity(name: &str) -> Option<Severity> {
    Severity::from_name(name)
}

/// How telling a verdict is; a missing or unknown one tells nothing.
fn weight(verification: Option<&Map<String, Value>>) -> i16 {
    verification
        .and_then(|v| v.get("status"))
        .and_then(Value::as_str)
        .and_then(Status::from_name)
        .map_or(-1, |s| i16::from(s.weight()))
}

/// Sorts `None` after every date.
fn last_if_none(date: &Option<String>) -> (bool, String) {
    match date {
        Some(d) => (false, d.clone()),
        None => (true, String::new()),
    }
}

#[cfg(test)]
mod tests;
