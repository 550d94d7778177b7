//! The credential view of human history output: one block per distinct credential (rule and
//! secret), however many files and commits hold it. What a security engineer reads first:
//! which credential, since when and by whom, whether it is still at `HEAD` or when it was
//! removed, and where it was found, folded after the first few places.

use super::{verdict_tag, Paint};
use crate::detect::rules::rule;
use crate::finding::{group, rfc3339_utc, Commit, Credential, Finding};
use crate::redact::redact;
use crate::report::{plural, ReportOptions};
use crate::sanitize::escape;
use std::io::{self, Write};

/// Places listed in full under each credential; the rest are counted.
pub const SHOWN_OCCURRENCES: usize = 3;

/// Writes one block per credential among `findings`, most severe and earliest first.
pub(super) fn write(
    out: &mut dyn Write,
    findings: &[Finding],
    options: &ReportOptions,
    paint: &Paint,
) -> io::Result<()> {
    for credential in group(findings) {
        write_credential(out, &credential, options, paint)?;
    }
    Ok(())
}

fn write_credential(
    out: &mut dyn Write,
    credential: &Credential<'_>,
    options: &ReportOptions,
    paint: &Paint,
) -> io::Result<()> {
    let entry = rule(credential.rule);
    let blocking = credential.is_blocking(options.fail_on);
    let (label, code, blocks) = if blocking {
        ("error", "1;31", "blocking")
    } else {
        ("warning", "1;33", "not blocking")
    };
    let tag = credential.verification.map_or_else(String::new, |v| {
        format!(" {}", verdict_tag(v.status, paint))
    });
    writeln!(
        out,
        "{}: {} ({} severity, {blocks}){tag}",
        paint.wrap(code, &format!("{label}[{}]", credential.rule)),
        paint.wrap("1", entry.name),
        credential.severity.as_str()
    )?;
    let bar = paint.wrap("1;34", "=");
    let secret = escape(&redact(credential.secret, options.show_secrets));
    writeln!(out, "  {bar} secret: {secret}")?;
    if let Some(first) = credential.occurrences.first() {
        writeln!(out, "  {bar} first introduced: {}", introduced(first))?;
    }
    if let Some(now) = whereabouts(credential, paint) {
        writeln!(out, "  {bar} {now}")?;
    }
    if let Some(verification) = credential.verification {
        writeln!(
            out,
            "  {bar} verified: {} ({})",
            verification.status.as_str(),
            escape(&verification.detail)
        )?;
    }
    let total = credential.occurrences.len();
    writeln!(out, "  {bar} found in {total} place{}:", plural(total))?;
    for f in credential.occurrences.iter().take(SHOWN_OCCURRENCES) {
        writeln!(out, "      {}", occurrence(f))?;
    }
    if total > SHOWN_OCCURRENCES {
        let rest = total - SHOWN_OCCURRENCES;
        writeln!(out, "      … also in {rest} other place{}", plural(rest))?;
    }
    writeln!(out, "  {bar} fix: {}", entry.remediation)?;
    writeln!(out, "  {bar} see: {}", entry.docs)?;
    writeln!(out)
}

/// `commit 0123456789ab by Ada, 2024-01-02T10:00:00Z, in config/app.env:2`.
fn introduced(f: &Finding) -> String {
    let place = format!("{}:{}", place(f), f.location.line);
    match f.commit() {
        Some(commit) => format!(
            "commit {} by {}, {}, in {place}",
            short_id(commit),
            escape(&commit.author),
            rfc3339_utc(commit.time)
        ),
        None => format!("in {place}"),
    }
}

/// Whether it is still at `HEAD`, and where, or when it left; `None` when unknown (a
/// credential found only in commit messages).
fn whereabouts(credential: &Credential<'_>, paint: &Paint) -> Option<String> {
    match credential.in_head? {
        true => {
            let holder = credential
                .occurrences
                .iter()
                .find(|f| f.in_head == Some(true) && f.head_path.is_some());
            let file = match (holder, credential.head_path) {
                (Some(f), Some(path)) => match &f.repository {
                    Some(repo) => format!(" in {}: {}", escape(repo), escape(path)),
                    None => format!(" in {}", escape(path)),
                },
                (None, Some(path)) => format!(" in {}", escape(path)),
                (_, None) => String::new(),
            };
            Some(format!(
                "{}{file} (rotate it and remove it first)",
                paint.wrap("1;31", "still at HEAD")
            ))
        }
        false => Some(match credential.removed() {
            Some(commit) => format!(
                "removed in commit {}, {} (it lives on in history: rotating is the fix)",
                short_id(commit),
                rfc3339_utc(commit.time)
            ),
            None => "no longer at HEAD (it lives on in history: rotating is the fix)".to_string(),
        }),
    }
}

/// `config/app.env:2:19 (commit 0123456789ab, Ada, 2024-01-02T10:00:00Z)`.
fn occurrence(f: &Finding) -> String {
    let mut text = format!("{}:{}:{}", place(f), f.location.line, f.location.column);
    if let Some(commit) = f.commit() {
        text.push_str(&format!(
            " (commit {}, {}, {})",
            short_id(commit),
            escape(&commit.author),
            rfc3339_utc(commit.time)
        ));
    }
    if let Some(encoding) = f.decoded {
        text.push_str(&format!(" (decoded from {})", encoding.description()));
    }
    text
}

/// The path, after the repository's name in a `--repos` run; escaped.
fn place(f: &Finding) -> String {
    match &f.repository {
        Some(repo) => format!("{}: {}", escape(repo), escape(&f.path)),
        None => escape(&f.path),
    }
}

fn short_id(commit: &Commit) -> &str {
    &commit.id[..commit.id.len().min(12)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;
    use crate::finding::{Provenance, Severity, Status, Verification};

    const SECRET: &str = "QWERTYUIOPASDFGHJKLZXCVBNM123456";

    fn commit(id: char, time: i64) -> Commit {
        Commit {
            id: id.to_string().repeat(40),
            author: "Ada\u{1b}[31m".into(),
            email: "ada@example.invalid".into(),
            time,
        }
    }

    fn at(path: &str, c: Commit, in_head: bool) -> Finding {
        Finding {
            provenance: Provenance::Blob { commit: c },
            in_head: Some(in_head),
            head_path: in_head.then(|| path.to_string()),
            ..Finding::example(pick::contextual_secret(), path, 2, 7, SECRET)
        }
    }

    fn render(findings: &[Finding]) -> String {
        let options = ReportOptions {
            show_secrets: false,
            color: false,
            fail_on: Severity::High,
            group_by: crate::report::GroupBy::Credential,
        };
        let mut out = Vec::new();
        write(&mut out, findings, &options, &Paint { on: false }).expect("write to a Vec");
        String::from_utf8(out).expect("UTF-8")
    }

    #[test]
    fn one_block_folds_the_places_after_the_first_few() {
        let mut findings: Vec<Finding> = (1..=5)
            .map(|i| {
                at(
                    &format!("f{i}.env"),
                    commit('a', i64::from(i) * 86_400),
                    false,
                )
            })
            .collect();
        for f in &mut findings {
            f.removed = Some(commit('b', 10 * 86_400));
        }
        let text = render(&findings);
        assert_eq!(text.matches("error[").count(), 1, "{text}");
        assert!(!text.contains(SECRET), "{text}");
        assert!(text.contains("= secret: QWER…"), "{text}");
        assert!(
            text.contains("first introduced: commit aaaaaaaaaaaa by Ada\\u{1b}[31m, 1970-01-02T00:00:00Z, in f1.env:2"),
            "{text}"
        );
        assert!(
            text.contains("removed in commit bbbbbbbbbbbb, 1970-01-11T00:00:00Z"),
            "{text}"
        );
        assert!(text.contains("found in 5 places:"), "{text}");
        assert!(text.contains("f3.env:2:7 (commit aaaaaaaaaaaa"), "{text}");
        assert!(!text.contains("f4.env"), "{text}");
        assert!(text.contains("… also in 2 other places"), "{text}");
        assert!(!text.contains('\u{1b}'), "author escaped: {text}");
    }

    #[test]
    fn a_credential_still_at_head_says_where_and_has_no_removal() {
        let mut gone = at("old.env", commit('a', 0), false);
        gone.removed = Some(commit('b', 1));
        let findings = vec![gone, at("now.env", commit('c', 2), true)];
        let text = render(&findings);
        assert!(text.contains("still at HEAD in now.env"), "{text}");
        assert!(!text.contains("removed in"), "{text}");
        assert!(text.contains("found in 2 places:"), "{text}");
        assert!(!text.contains("other place"), "{text}");
    }

    #[test]
    fn distinct_secrets_are_distinct_blocks_with_their_verdicts() {
        let mut live = at("a.env", commit('a', 0), false);
        live.verification = Some(Verification {
            status: Status::Live,
            checked_at: 0,
            detail: "HTTP 200".into(),
            access: None,
        });
        let other = Finding {
            secret: "ZXCVBNMASDFGHJKLQWERTYUIOP654321".into(),
            ..at("b.env", commit('b', 1), false)
        };
        let text = render(&[live, other]);
        assert_eq!(text.matches("error[").count(), 2, "{text}");
        assert!(text.contains("[LIVE]"), "{text}");
        assert!(text.contains("verified: live (HTTP 200)"), "{text}");
        assert!(text.contains("no longer at HEAD"), "{text}");
    }
}
