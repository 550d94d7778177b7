//! The credentials table: one `<tbody>` per credential (a summary row and a row that opens to
//! its occurrences, verdict and remediation), with filter controls. Everything is rendered
//! here; the page's script sorts and filters by the `data-` attributes of each `<tbody>`.

use super::summary::verdict_key;
use super::{escape, short_date, Html};
use crate::finding::{Access, Credential, Finding, RuleId, Verification};
use crate::redact::redact;

/// The sortable columns: key, heading, whether the key is a number.
const COLUMNS: [(&str, &str, bool); 5] = [
    ("rule", "Rule", false),
    ("severity", "Severity", true),
    ("first", "First seen", true),
    ("occurrences", "Occurrences", true),
    ("verdict", "Verdict", true),
];

/// The "Credentials" section: filters and the table.
pub(super) fn section(page: &mut String, html: &Html, credentials: &[Credential<'_>]) {
    page.push_str("<section id=\"credentials\">\n<h2>Credentials</h2>\n");
    if credentials.is_empty() {
        page.push_str("<p class=\"empty\">No credentials found.</p>\n</section>\n");
        return;
    }
    filters(page, credentials);
    page.push_str("<table id=\"credential-table\">\n<thead><tr>");
    for (key, heading, numeric) in COLUMNS {
        page.push_str(&format!(
            "<th data-sort=\"{key}\" data-numeric=\"{numeric}\" aria-sort=\"none\">\
             <button type=\"button\">{heading}</button></th>"
        ));
        if key == "severity" {
            page.push_str("<th>Secret</th>");
        }
    }
    page.push_str("<th>At HEAD</th></tr></thead>\n");
    for (order, credential) in credentials.iter().enumerate() {
        row(page, html, order, credential);
    }
    page.push_str("</table>\n</section>\n");
}

/// The filter controls: rule, verdict, still at `HEAD` (history scans), path text.
fn filters(page: &mut String, credentials: &[Credential<'_>]) {
    page.push_str(
        "<form class=\"filters\" id=\"filters\">\n<label>Rule <select id=\"filter-rule\">\
         <option value=\"\">all rules</option>",
    );
    for rule in RuleId::all().filter(|r| credentials.iter().any(|c| c.rule == *r)) {
        page.push_str(&format!(
            "<option value=\"{0}\">{0}</option>",
            escape(rule.as_str())
        ));
    }
    page.push_str(
        "</select></label>\n<label>Verdict <select id=\"filter-verdict\">\
         <option value=\"\">all verdicts</option>",
    );
    let keys = crate::finding::Status::ALL
        .iter()
        .map(|s| s.as_str())
        .chain(["unverified"]);
    for key in keys.filter(|k| credentials.iter().any(|c| verdict_key(c) == *k)) {
        page.push_str(&format!("<option value=\"{key}\">{key}</option>"));
    }
    page.push_str("</select></label>\n");
    if credentials.iter().any(|c| c.in_head.is_some()) {
        page.push_str(
            "<label><input type=\"checkbox\" id=\"filter-head\"> still at HEAD</label>\n",
        );
    }
    page.push_str(
        "<label>Path <input type=\"search\" id=\"filter-path\" placeholder=\"part of a path\">\
         </label>\n<output id=\"shown\"></output>\n</form>\n",
    );
}

/// One credential: its summary row and its expandable details.
fn row(page: &mut String, html: &Html, order: usize, credential: &Credential<'_>) {
    // One path a line for the script's path filter (`&#10;`: a newline the escape keeps).
    let paths: Vec<String> = credential
        .occurrences
        .iter()
        .map(|f| escape(&f.path.to_lowercase()))
        .collect();
    let head = match credential.in_head {
        Some(true) => "yes",
        Some(false) => "no",
        None => "unknown",
    };
    let blocking = html.credential_blocks(credential);
    page.push_str(&format!(
        "<tbody class=\"credential{}\" data-order=\"{order}\" data-fingerprint=\"{}\" data-rule=\"{}\" data-severity=\"{}\" \
         data-first=\"{}\" data-occurrences=\"{}\" data-verdict=\"{}\" data-verdict-weight=\"{}\" \
         data-head=\"{head}\" data-paths=\"{}\">\n<tr class=\"summary\">",
        if blocking { " blocking" } else { "" },
        escape(&credential.fingerprint),
        escape(credential.rule.as_str()),
        credential.severity as u8,
        credential.first_commit.map_or(i64::MAX, |c| c.time),
        credential.occurrences.len(),
        verdict_key(credential),
        credential
            .verification
            .map_or(-1, |v| i32::from(v.status.weight())),
        paths.join("&#10;"),
    ));
    let severity = credential.severity.as_str();
    let first = credential
        .first_commit
        .map_or_else(|| "—".to_string(), |c| short_date(c.time));
    let verdict = verdict_key(credential);
    page.push_str(&format!(
        "<td><code>{}</code></td><td><span class=\"sev {severity}\">{severity}</span></td>\
         <td><code class=\"secret\">{}</code></td><td>{}</td><td class=\"num\">{}</td>\
         <td><span class=\"status {verdict}\">{verdict}</span></td><td>{}</td></tr>\n",
        escape(credential.rule.as_str()),
        escape(&redact(credential.secret, html.options.show_secrets)),
        escape(&first),
        credential.occurrences.len(),
        head_cell(credential),
    ));
    page.push_str("<tr class=\"more\"><td colspan=\"7\"><details>");
    page.push_str(&format!(
        "<summary>{} occurrence{}, verdict and remediation</summary>\n",
        credential.occurrences.len(),
        super::super::plural(credential.occurrences.len())
    ));
    details(page, credential);
    page.push_str("</details></td></tr>\n</tbody>\n");
}

/// The "At HEAD" cell: where it still is, gone, or not a history scan.
fn head_cell(credential: &Credential<'_>) -> String {
    match (credential.in_head, credential.removed()) {
        (Some(true), _) => match credential.head_path {
            Some(path) => format!("<span class=\"head yes\">yes</span> {}", escape(path)),
            None => "<span class=\"head yes\">yes</span>".to_string(),
        },
        (Some(false), Some(removed)) => format!(
            "<span class=\"head no\">removed</span> {}",
            escape(&short_date(removed.time))
        ),
        (Some(false), None) => "<span class=\"head no\">no</span>".to_string(),
        (None, _) => "—".to_string(),
    }
}

/// The opened row: occurrences, verification and remediation.
fn details(page: &mut String, credential: &Credential<'_>) {
    let repositories = credential.repositories();
    if !repositories.is_empty() {
        let names: Vec<String> = repositories.iter().map(|r| escape(r)).collect();
        page.push_str(&format!("<p>Repositories: {}</p>\n", names.join(", ")));
    }
    page.push_str(&format!(
        "<p class=\"fingerprint\">Fingerprint <code>{}</code></p>\n",
        escape(&credential.fingerprint)
    ));
    page.push_str(
        "<table class=\"occurrences\"><thead><tr><th>Repository</th><th>Location</th>\
         <th>Commit</th><th>Author</th><th>Date</th><th>At HEAD</th></tr></thead><tbody>\n",
    );
    for finding in &credential.occurrences {
        occurrence(page, finding);
    }
    page.push_str("</tbody></table>\n");
    if let Some(verification) = credential.verification {
        verification_block(page, verification);
    }
    let rule = crate::detect::rules::rule(credential.rule);
    page.push_str(&format!(
        "<div class=\"remediation\"><h3>Remediation</h3><p>{}</p><p><a href=\"{}\" \
         rel=\"noopener noreferrer\">Twilio documentation</a></p></div>\n",
        escape(rule.remediation),
        escape(rule.docs)
    ));
}

/// One occurrence as a row.
fn occurrence(page: &mut String, finding: &Finding) {
    let commit = finding.commit();
    let location = format!(
        "{}:{}:{}",
        finding.path, finding.location.line, finding.location.column
    );
    let author = commit.map_or_else(String::new, |c| format!("{} <{}>", c.author, c.email));
    let head = match finding.in_head {
        Some(true) => "yes",
        Some(false) => "no",
        None => "—",
    };
    page.push_str(&format!(
        "<tr class=\"occurrence\"><td>{}</td><td class=\"path\"><code>{}</code></td>\
         <td><code title=\"{}\">{}</code></td><td>{}</td><td>{}</td><td>{head}</td></tr>\n",
        escape(finding.repository.as_deref().unwrap_or("—")),
        escape(&location),
        escape(commit.map_or("", |c| c.id.as_str())),
        escape(commit.map_or("—", |c| c.id.get(..10).unwrap_or(&c.id))),
        escape(&author),
        escape(&commit.map_or_else(|| "—".to_string(), |c| short_date(c.time))),
    ));
}

/// The verdict with its detail and, for a live credential, what it can reach.
fn verification_block(page: &mut String, verification: &Verification) {
    let status = verification.status.as_str();
    page.push_str(&format!(
        "<div class=\"verification\"><h3>Verification</h3><p><span class=\"status {status}\">\
         {status}</span> {} <span class=\"checked\">(checked {})</span></p>\n",
        escape(&verification.detail),
        escape(&crate::finding::rfc3339_utc(verification.checked_at))
    ));
    if let Some(access) = &verification.access {
        access_list(page, access);
    }
    page.push_str("</div>\n");
}

/// `Verification.access` as a definition list, leaving out what is unknown.
fn access_list(page: &mut String, access: &Access) {
    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
    let fields = [
        ("Account type", access.account_type.clone()),
        ("Account status", access.account_status.clone()),
        ("Friendly name", access.friendly_name.clone()),
        ("Main account", access.main_account.map(yes_no)),
        ("Subaccounts", access.subaccounts.map(|n| n.to_string())),
        ("Restricted key", access.restricted.map(yes_no)),
    ];
    page.push_str("<dl class=\"access\">");
    for (term, value) in fields {
        if let Some(value) = value {
            page.push_str(&format!(
                "<div><dt>{term}</dt><dd>{}</dd></div>",
                escape(&value)
            ));
        }
    }
    page.push_str("</dl>\n");
}
