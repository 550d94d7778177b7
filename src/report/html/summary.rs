//! The report's header and totals: what was scanned, and how much was found by rule and verdict.

use super::{escape, Html};
use crate::finding::{Credential, Finding, Stats, Status};
use crate::report::{counts_by_rule, plural, scope};

/// The verdict name a credential is filtered by: its status, or `unverified`.
pub(super) fn verdict_key(credential: &Credential<'_>) -> &'static str {
    credential
        .verification
        .map_or("unverified", |v| v.status.as_str())
}

/// The page header: repository, command and range, version, generation time.
pub(super) fn header(
    page: &mut String,
    html: &Html,
    findings: &[Finding],
    credentials: &[Credential<'_>],
    stats: &Stats,
) {
    let blocking = credentials
        .iter()
        .filter(|c| html.credential_blocks(c))
        .count();
    page.push_str("<header>\n<h1>leakfence audit report</h1>\n<dl class=\"meta\">\n");
    let rows = [
        ("Repository", html.scope.target.clone()),
        ("Command", format!("leakfence {}", html.scope.command)),
        ("Scanned", scope(stats)),
        ("Tool", format!("leakfence {}", env!("CARGO_PKG_VERSION"))),
        ("Generated", crate::finding::rfc3339_utc(html.generated_at)),
    ];
    for (term, value) in rows {
        page.push_str(&format!(
            "<div><dt>{term}</dt><dd id=\"meta-{}\">{}</dd></div>\n",
            term.to_ascii_lowercase(),
            escape(&value)
        ));
    }
    page.push_str("</dl>\n<p class=\"verdict\" id=\"headline\">");
    let status = if blocking > 0 { "blocking" } else { "clean" };
    page.push_str(&format!(
        "<span class=\"pill {status}\">{blocking} blocking credential{}</span> \
         {} distinct credential{} in {} finding{}",
        plural(blocking),
        credentials.len(),
        plural(credentials.len()),
        findings.len(),
        plural(findings.len())
    ));
    if stats.errors > 0 {
        page.push_str(&format!(
            " <span class=\"pill blocking\">incomplete: {} path{} could not be read</span>",
            stats.errors,
            plural(stats.errors as usize)
        ));
    }
    page.push_str("</p>\n</header>\n");
}

/// Totals by rule (findings and credentials) and, after `--verify`, by verdict.
pub(super) fn totals(
    page: &mut String,
    html: &Html,
    findings: &[Finding],
    credentials: &[Credential<'_>],
) {
    page.push_str("<section id=\"totals\">\n<h2>Totals</h2>\n<div class=\"cards\">\n");
    let blocking_findings = findings.iter().filter(|f| html.blocks(f)).count();
    let cards = [
        ("credentials", "distinct credentials", credentials.len()),
        ("findings", "findings", findings.len()),
        ("blocking", "blocking findings", blocking_findings),
    ];
    for (id, label, n) in cards {
        page.push_str(&format!(
            "<div class=\"card\" id=\"total-{id}\"><span class=\"n\">{n}</span> {label}</div>\n"
        ));
    }
    page.push_str(
        "</div>\n<table class=\"totals\" id=\"by-rule\">\n<thead><tr><th>Rule</th>\
         <th>Findings</th><th>Credentials</th></tr></thead>\n<tbody>\n",
    );
    for (rule, n) in counts_by_rule(findings) {
        let distinct = credentials.iter().filter(|c| c.rule == rule).count();
        page.push_str(&format!(
            "<tr data-rule=\"{0}\"><td><code>{0}</code> {1}</td><td>{n}</td><td>{distinct}</td></tr>\n",
            escape(rule.as_str()),
            escape(rule.rule().name)
        ));
    }
    page.push_str("</tbody>\n</table>\n");
    if credentials.iter().any(|c| c.verification.is_some()) {
        page.push_str(
            "<table class=\"totals\" id=\"by-verdict\">\n<thead><tr><th>Verdict</th>\
             <th>Credentials</th></tr></thead>\n<tbody>\n",
        );
        let keys = Status::ALL.iter().map(|s| s.as_str()).chain(["unverified"]);
        for key in keys {
            let n = credentials.iter().filter(|c| verdict_key(c) == key).count();
            if n > 0 {
                page.push_str(&format!(
                    "<tr data-verdict=\"{key}\"><td><span class=\"status {key}\">{key}</span></td>\
                     <td>{n}</td></tr>\n"
                ));
            }
        }
        page.push_str("</tbody>\n</table>\n");
    }
    page.push_str("</section>\n");
}
