//! `--format html`: the self-contained audit report, its escaping and policy, and (with
//! Chromium, chromedriver and Selenium installed) its behaviour in a real browser.

use crate::common::repo::TestRepo;
use crate::common::{secrets, Run};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The file name the report must show as text, never as markup.
const IMG: &str = "<img src=x onerror=alert(1)>.env";
/// A name that would break out of a quoted attribute and set a flag the browser test reads.
const QUOTE: &str = "\" onmouseover=\"window.leakfencePwned=1\" x=\".env";
/// The same flag from an element handler, should the page ever parse names as markup.
const SVG: &str = "<svg onload=window.leakfencePwned=1>.env";

/// Commits what is staged at `date`, by an author whose name needs escaping.
fn commit_at(repo: &TestRepo, message: &str, date: &str) {
    let output = repo
        .git_command(&["commit", "-q", "-m", message])
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_AUTHOR_NAME", "Eve \"Q\" & O'Hara")
        .output()
        .expect("run git commit");
    assert!(output.status.success(), "{output:?}");
}

/// A history with four credentials: one removed (with its Account SID), one in three hostile
/// file names, one copied into five files over five commits.
fn leaky_repo() -> (TestRepo, Vec<String>) {
    let repo = TestRepo::new();
    let (removed, sid, hostile, spread) = (
        secrets::auth_token(),
        secrets::account_sid(),
        secrets::auth_token(),
        secrets::auth_token(),
    );
    repo.write(
        "config/app.env",
        format!("TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={removed}\n"),
    );
    for name in [IMG, QUOTE, SVG] {
        repo.write(name, format!("TWILIO_AUTH_TOKEN={hostile}\n"));
    }
    repo.add(&["."]);
    commit_at(&repo, "first config", "2023-01-10T10:00:00Z");
    for i in 1..=5 {
        let path = format!("service{i}/settings.env");
        repo.write(&path, format!("TWILIO_AUTH_TOKEN={spread}\n"));
        repo.add(&[&path]);
        commit_at(
            &repo,
            &format!("service {i}"),
            &format!("2023-0{}-01T09:00:00Z", i + 1),
        );
    }
    repo.git(&["rm", "-q", "config/app.env"]);
    commit_at(&repo, "drop the config", "2023-08-15T12:00:00Z");
    (repo, vec![removed, sid, hostile, spread])
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Checks what no report may hold: markup from the repository, resources from the network,
/// inline code without its hash, secrets.
fn assert_self_contained(page: &str, secrets: &[String]) {
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-"
    ));
    assert!(!page.contains("unsafe-inline"));
    for (name, attributes) in tags(page) {
        assert!(
            !["link", "img", "iframe", "object", "embed", "base", "frame"].contains(&name),
            "<{name}>"
        );
        for (key, value) in attributes {
            assert!(key != "src" && !key.starts_with("on"), "<{name} {key}>");
            if key == "href" {
                assert!(
                    name == "a" && value.starts_with("https://www.twilio.com/docs/"),
                    "only Twilio docs links: <{name} href={value}>"
                );
            }
        }
    }
    for secret in secrets {
        assert!(!page.contains(secret.as_str()), "a secret is shown");
    }
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;.env"));
    assert!(page.contains("&lt;svg onload=window.leakfencePwned=1&gt;.env"));
    assert!(page.contains("&quot; onmouseover=&quot;window.leakfencePwned=1&quot; x=&quot;.env"));
}

/// A tag's name and its attributes (key, raw value).
type Tag<'a> = (&'a str, Vec<(&'a str, &'a str)>);

/// Every opening tag before the page's script, outside the style sheet. The reporter quotes
/// every attribute value with `"`, so a value that broke out of its quotes shows up here as
/// an attribute of its own.
fn tags(page: &str) -> Vec<Tag<'_>> {
    let mut rest = &page[..page.rfind("<script>").expect("a script")];
    let mut out = Vec::new();
    while let Some(start) = rest.find('<') {
        let end = start + rest[start..].find('>').expect("a closed tag");
        let tag = rest[start + 1..end].trim_end_matches('/');
        rest = &rest[end + 1..];
        if tag == "style" {
            rest = &rest[rest.find("</style>").expect("a closed style")..];
        } else if !tag.starts_with('/') && !tag.starts_with('!') {
            out.push(parse_tag(tag));
        }
    }
    out
}

fn parse_tag(tag: &str) -> Tag<'_> {
    let (name, mut rest) = tag.split_once(' ').unwrap_or((tag, ""));
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return (name, attributes);
        }
        let key_end = rest.find(['=', ' ']).unwrap_or(rest.len());
        let key = &rest[..key_end];
        rest = &rest[key_end..];
        let value = match rest.strip_prefix("=\"") {
            Some(quoted) => {
                let close = quoted
                    .find('"')
                    .unwrap_or_else(|| panic!("unclosed <{tag}>"));
                rest = &quoted[close + 1..];
                &quoted[..close]
            }
            None => {
                assert!(!rest.starts_with('='), "an unquoted value in <{tag}>");
                ""
            }
        };
        attributes.push((key, value));
    }
}

/// What the browser must find, taken from the JSON report of the same run.
fn expectations(json: &serde_json::Value) -> serde_json::Value {
    let credentials = json["credentials"].as_array().expect("credentials");
    let mut rules: BTreeMap<String, u64> = BTreeMap::new();
    let mut occurrences = serde_json::Map::new();
    let mut in_head = 0;
    for c in credentials {
        *rules
            .entry(c["rule"].as_str().unwrap().to_string())
            .or_default() += 1;
        let n = c["occurrences"].as_array().unwrap().len();
        occurrences.insert(c["fingerprint"].as_str().unwrap().to_string(), n.into());
        in_head += u64::from(c["in_head"] == true);
    }
    serde_json::json!({
        "credentials": credentials.len(),
        "rules": rules,
        "verdicts": {"unverified": credentials.len()},
        "in_head": in_head,
        "occurrences": occurrences,
        "path_filter": ["SERVICE3/", 1],
        "hostile": [IMG, QUOTE, SVG],
    })
}

#[test]
fn the_history_report_is_self_contained_escaped_and_works_in_a_browser() {
    let (repo, secrets) = leaky_repo();
    let report = repo.dir.home().join("report.html");
    let run = repo.run(&[
        "history",
        "--format",
        "html",
        "-o",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, "", "the report goes to the file");
    let page = read(&report);
    assert_self_contained(&page, &secrets);
    assert_eq!(page.matches("<tbody class=\"credential").count(), 4);
    assert!(page.contains(">leakfence history HEAD</dd>"), "the range");
    assert!(page.contains(&format!(">leakfence {}</dd>", env!("CARGO_PKG_VERSION"))));
    assert!(
        page.contains("data-occurrences=\"5\""),
        "one token in five files"
    );
    assert!(page.contains("Eve &quot;Q&quot; &amp; O&#39;Hara"));
    let svg = &page[page.find("<svg").expect("a timeline")..page.find("</svg>").unwrap()];
    assert_eq!(svg.matches("<g class=\"row\"").count(), 4);
    assert!(svg.contains(">2023-01-10<"), "{svg}");
    // The config's token and SID left the tree: marked as removed once the history walk
    // knows the removing commit (`Finding.removed`), in the timeline and the table alike.
    assert_eq!(
        svg.matches("class=\"removed\"").count(),
        page.matches("<span class=\"head no\">removed</span>")
            .count()
    );
    assert_eq!(
        svg.matches("class=\"bar head\"").count(),
        2,
        "two still at HEAD"
    );

    let json = repo.run(&["history", "--format", "json"]).json();
    let expect = repo.dir.home().join("expect.json");
    std::fs::write(&expect, expectations(&json).to_string()).expect("write expectations");
    browser_check(&report, &expect);
}

#[test]
fn scan_and_staged_reports_have_no_timeline() {
    let (repo, secrets) = leaky_repo();
    let run = repo.run(&["scan", ".", "--format", "html"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_self_contained(&run.stdout, &secrets);
    assert!(!run.stdout.contains("<svg"));
    assert_eq!(run.stdout.matches("<tbody class=\"credential").count(), 2);
    assert!(run.stdout.contains(">leakfence scan .</dd>"));
    assert!(!run.stdout.contains("id=\"filter-head\""));

    let token = secrets::auth_token();
    repo.write("new.env", format!("TWILIO_AUTH_TOKEN={token}\n"));
    repo.add(&["new.env"]);
    let staged: Run = repo.run(&["staged", "--format", "html"]);
    assert_eq!(staged.code, 1, "{}", staged.stderr);
    assert!(staged.stdout.contains("new.env:1:19"), "{}", staged.stdout);
    assert!(!staged.stdout.contains(token.as_str()));
    assert_eq!(
        staged.stdout.matches("<tbody class=\"credential").count(),
        1
    );
}

/// Whether Chromium, chromedriver and Selenium are here to drive.
fn browser_available() -> Result<(), String> {
    for tool in ["/usr/bin/chromium", "/usr/bin/chromedriver"] {
        if !Path::new(tool).exists() {
            return Err(format!("{tool} is missing"));
        }
    }
    let selenium = Command::new("python3")
        .args(["-c", "import selenium"])
        .output()
        .map_err(|e| format!("python3: {e}"))?;
    if !selenium.status.success() {
        return Err("the Python package selenium is missing".into());
    }
    Ok(())
}

/// Runs `tests/browser/check_html_report.py`; without a browser, fails in CI and skips
/// elsewhere with a notice.
fn browser_check(report: &Path, expect: &Path) {
    if let Err(missing) = browser_available() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI is set but the browser test cannot run: {missing}"
        );
        eprintln!("NOTICE: skipping the browser check of the HTML report: {missing}");
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/check_html_report.py");
    let screenshot = expect.with_file_name("report.png");
    let output = Command::new("python3")
        .arg(&script)
        .arg(report)
        .arg("--expect")
        .arg(expect)
        .arg("--screenshot")
        .arg(&screenshot)
        .output()
        .expect("run python3");
    assert!(
        output.status.success(),
        "browser check failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let png = std::fs::read(&screenshot).expect("the screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG screenshot");
}
