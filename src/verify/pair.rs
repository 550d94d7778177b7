//! Pairing: which Account SID an Auth Token belongs to, which `SK` SID a secret belongs to.
//!
//! A credential is paired with the nearest partner in the same file (same line first, then the
//! fewest lines away: the same URL, client call or `.env` file); in history, failing that, with
//! one from the same commit. What cannot be paired is `unverifiable`, with the reason.

use crate::detect::jwt;
use crate::detect::rules::{Role, Verifier};
use crate::finding::{rfc3339_utc, Finding};
use crate::finding::{Status, Verification};
use crate::redact::redact;
use std::collections::HashMap;

/// Which API a check goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CheckKind {
    /// Account SID + Auth Token against the REST API.
    Account,
    /// API key SID + secret against the Verify API.
    ApiKey,
    /// A SendGrid key alone, as a Bearer token, against its scopes.
    SendGrid,
    /// A Segment Public API token alone, as a Bearer token, against its workspace.
    Segment,
}

/// One network check: a distinct (SID, secret) pair.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Check {
    /// Which API.
    pub kind: CheckKind,
    /// The Basic-auth user: the Account SID or the API key SID.
    pub user: String,
    /// The Basic-auth password: the Auth Token or the API key secret.
    pub secret: String,
}

/// What decides a finding's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The result of `checks[i]`.
    Check(usize),
    /// Decided without the network.
    Known(Verification),
}

/// The distinct checks to run and, for each finding, what decides its verdict.
#[derive(Debug, Default)]
pub struct Plan {
    /// Distinct checks.
    pub checks: Vec<Check>,
    /// One per finding, in the same order.
    pub decisions: Vec<Decision>,
}

fn known(status: Status, now: i64, detail: impl Into<String>) -> Decision {
    Decision::Known(Verification {
        status,
        checked_at: now,
        detail: detail.into(),
        access: None,
    })
}

/// Pairs every finding and lists the checks; the same pair is checked once. Secrets (tokens,
/// API key secrets) look for their SID; a SID shares the verdict of a secret that chose it.
pub fn plan(findings: &[Finding], now: i64) -> Plan {
    let mut plan = Plan::default();
    let mut index: HashMap<Check, usize> = HashMap::new();
    let mut by_sid: HashMap<(Option<&str>, String), usize> = HashMap::new();
    let mut decisions: Vec<Option<Decision>> = vec![None; findings.len()];
    for (i, finding) in findings.iter().enumerate() {
        let rule = finding.rule.rule();
        let role = rule.partner.map(|p| p.role);
        decisions[i] = match (rule.verifier, role) {
            (Verifier::OfflineJwt, _) => Some(access_token(finding, now)),
            (_, Some(Role::Secret)) => Some(match pair_for(finding, findings) {
                Some(check) => {
                    let next = index.len();
                    let id = *index.entry(check.clone()).or_insert(next);
                    if id == plan.checks.len() {
                        plan.checks.push(check);
                    }
                    by_sid
                        .entry((commit_of(finding), plan.checks[id].user.clone()))
                        .or_insert(id);
                    Decision::Check(id)
                }
                None => known(Status::Unverifiable, now, rule.unverifiable),
            }),
            // An identifier shares the verdict of a secret that chose it (second pass).
            (_, Some(Role::Identifier)) => None,
            // A credential that works alone is checked alone.
            (verifier, None) => Some(match check_kind(verifier) {
                Some(kind) => {
                    let check = Check {
                        kind,
                        user: String::new(),
                        secret: finding.secret.clone(),
                    };
                    let next = index.len();
                    let id = *index.entry(check.clone()).or_insert(next);
                    if id == plan.checks.len() {
                        plan.checks.push(check);
                    }
                    Decision::Check(id)
                }
                None => known(Status::Unverifiable, now, rule.unverifiable),
            }),
        };
    }
    for (i, finding) in findings.iter().enumerate() {
        if decisions[i].is_none() {
            decisions[i] = Some(
                match by_sid.get(&(commit_of(finding), finding.secret.clone())) {
                    Some(&id) => Decision::Check(id),
                    None => known(Status::Unverifiable, now, finding.rule.rule().unverifiable),
                },
            );
        }
    }
    plan.decisions = decisions
        .into_iter()
        .map(|d| d.expect("every finding got a decision above"))
        .collect();
    plan
}

fn commit_of(finding: &Finding) -> Option<&str> {
    finding.commit_id()
}

/// The network check a verifier makes, if it makes one.
fn check_kind(verifier: Verifier) -> Option<CheckKind> {
    match verifier {
        Verifier::AccountBasicAuth => Some(CheckKind::Account),
        Verifier::ApiKeyBasicAuth => Some(CheckKind::ApiKey),
        Verifier::SendGridScopes => Some(CheckKind::SendGrid),
        Verifier::SegmentWorkspace => Some(CheckKind::Segment),
        Verifier::OfflineJwt | Verifier::NoSafeCheck => None,
    }
}

fn pair_for(finding: &Finding, all: &[Finding]) -> Option<Check> {
    let rule = finding.rule.rule();
    let partner = rule.partner?;
    let kind = check_kind(rule.verifier)?;
    let is_secret = partner.role == Role::Secret;
    let partner = partner.rule;
    let same_commit = |f: &Finding| f.commit_id() == finding.commit_id();
    let candidates = all.iter().filter(|f| f.rule == partner && same_commit(f));
    let nearest = candidates
        .clone()
        .filter(|f| f.path == finding.path)
        .min_by_key(|f| {
            (
                f.location.line.abs_diff(finding.location.line),
                f.location.column,
            )
        })
        .or_else(|| {
            finding
                .commit()
                .and_then(|_| candidates.min_by_key(|f| (&f.path, f.location.line)))
        })?;
    let (user, secret) = if is_secret {
        (&nearest.secret, &finding.secret)
    } else {
        (&finding.secret, &nearest.secret)
    };
    Some(Check {
        kind,
        user: user.clone(),
        secret: secret.clone(),
    })
}

fn access_token(finding: &Finding, now: i64) -> Decision {
    let Some(claims) = jwt::twilio_access_token(finding.secret.as_bytes()) else {
        return known(
            Status::Unverifiable,
            now,
            "the token's claims cannot be read",
        );
    };
    let names = |value: &Option<String>| {
        value
            .as_deref()
            .map_or_else(|| "?".to_string(), |v| redact(v, false))
    };
    let who = format!(
        "signed by API key {} for account {}",
        names(&claims.issuer),
        names(&claims.subject)
    );
    match claims.expires_at {
        Some(exp) if exp <= now => known(
            Status::Expired,
            now,
            format!("expired {}; {who}", rfc3339_utc(exp)),
        ),
        Some(exp) => known(
            Status::Valid,
            now,
            format!("valid until {} (checked offline); {who}", rfc3339_utc(exp)),
        ),
        None => known(
            Status::Unknown,
            now,
            format!("no expiry in the token; {who}"),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Commit, Provenance, RuleId};

    fn finding(
        rule: RuleId,
        path: &str,
        line: usize,
        secret: &str,
        commit: Option<&str>,
    ) -> Finding {
        let provenance = match commit {
            Some(id) => Provenance::Blob {
                commit: Commit {
                    id: id.into(),
                    author: String::new(),
                    email: String::new(),
                    time: 0,
                },
            },
            None => Provenance::File,
        };
        Finding {
            provenance,
            ..Finding::example(rule, path, line, 1, secret)
        }
    }

    #[test]
    fn pairs_the_nearest_partner_and_checks_each_pair_once() {
        let findings = vec![
            finding(RuleId::AccountSid, "a.env", 1, "AC1", None),
            finding(RuleId::AuthToken, "a.env", 2, "tok", None),
            finding(RuleId::AccountSid, "a.env", 40, "AC2", None),
            finding(RuleId::AuthToken, "b.env", 1, "lonely", None),
        ];
        let plan = plan(&findings, 0);
        assert_eq!(
            plan.checks,
            vec![Check {
                kind: CheckKind::Account,
                user: "AC1".into(),
                secret: "tok".into()
            }]
        );
        assert_eq!(plan.decisions[0], Decision::Check(0));
        assert_eq!(plan.decisions[1], Decision::Check(0));
        assert!(
            matches!(&plan.decisions[2], Decision::Known(v) if v.status == Status::Unverifiable),
            "AC2 has no token"
        );
        assert!(
            matches!(&plan.decisions[3], Decision::Known(v) if v.status == Status::Unverifiable)
        );
    }

    #[test]
    fn history_pairs_within_a_commit() {
        let findings = vec![
            finding(RuleId::ApiKeySid, "keys.env", 1, "SK1", Some("c1")),
            finding(RuleId::ApiKeySecret, "other.env", 5, "sec", Some("c1")),
            finding(RuleId::ApiKeySecret, "other.env", 5, "sec2", Some("c2")),
        ];
        let plan = plan(&findings, 0);
        assert_eq!(
            plan.checks,
            vec![Check {
                kind: CheckKind::ApiKey,
                user: "SK1".into(),
                secret: "sec".into()
            }]
        );
        assert!(
            matches!(&plan.decisions[2], Decision::Known(v) if v.status == Status::Unverifiable)
        );
    }
}
