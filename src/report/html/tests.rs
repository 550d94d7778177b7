use super::timeline::Scale;
use super::*;
use crate::detect::rules::pick;
use crate::finding::{Access, Commit, Provenance, Status, Verification};
use crate::report::render_with;

const HOSTILE: &str = "<img src=x onerror=alert(1)>.env";

fn html(options: ReportOptions) -> Html {
    Html {
        options,
        scope: Scope::new("/repo/<b>", "history --all"),
        fail_on_live: false,
        generated_at: 1_700_000_000,
    }
}

fn commit(id: &str, author: &str, time: i64) -> Commit {
    Commit {
        id: id.into(),
        author: author.into(),
        email: "a\"b@example.invalid".into(),
        time,
    }
}

fn in_history(path: &str, secret: &str, commit: Commit, in_head: bool) -> Finding {
    Finding {
        provenance: Provenance::Blob { commit },
        in_head: Some(in_head),
        head_path: in_head.then(|| path.to_string()),
        ..Finding::example(pick::contextual_secret(), path, 3, 5, secret)
    }
}

/// The text between the first `open` and the next `close` after it.
fn between<'a>(page: &'a str, open: &str, close: &str) -> &'a str {
    let start = page.find(open).expect("opening tag") + open.len();
    let end = start + page[start..].find(close).expect("closing tag");
    &page[start..end]
}

#[test]
fn escapes_text_and_attribute_contexts() {
    assert_eq!(escape(HOSTILE), "&lt;img src=x onerror=alert(1)&gt;.env");
    assert_eq!(
        escape("\" onmouseover='x' a=&"),
        "&quot; onmouseover=&#39;x&#39; a=&amp;"
    );
    assert_eq!(escape("a\u{202E}b\x1b"), "a\\u{202e}b\\u{1b}");
    assert_eq!(escape("plain é/path.env"), "plain é/path.env");
}

#[test]
fn timeline_scale_maps_dates_to_x() {
    let scale = Scale {
        start: 1_000,
        end: 2_000,
        left: 100.0,
        width: 500.0,
    };
    assert_eq!(scale.x(1_000), 100.0);
    assert_eq!(scale.x(1_500), 350.0);
    assert_eq!(scale.x(2_000), 600.0);
    assert_eq!(scale.x(5_000), 600.0, "clamped to the dated range");
    assert_eq!(scale.ticks(3), [1_000, 1_500, 2_000]);
    let instant = Scale {
        end: 1_000,
        ..scale
    };
    assert_eq!(
        instant.x(1_000),
        350.0,
        "one instant is drawn in the middle"
    );
    assert_eq!(instant.ticks(5), [1_000]);
}

#[test]
fn csp_hashes_match_the_inline_blocks() {
    let findings = vec![Finding::example(
        pick::contextual_secret(),
        "a.env",
        1,
        1,
        "s",
    )];
    let page = render_with(html, &findings, &Stats::default(), false);
    let style = between(&page, "<style>", "</style>");
    let script = between(&page, "<script>", "</script>");
    assert_eq!(style, STYLE);
    assert_eq!(script, SCRIPT);
    let policy = between(
        &page,
        "http-equiv=\"Content-Security-Policy\" content=\"",
        "\"",
    );
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(policy.contains(&format!("style-src '{}'", csp_hash(style))));
    assert!(policy.contains(&format!("script-src '{}'", csp_hash(script))));
    assert!(!policy.contains("unsafe"));
    assert_eq!(page.matches("<script").count(), 1);
    assert_eq!(page.matches("<style").count(), 1);
    // A known vector: sha256 of the empty string.
    assert_eq!(
        csp_hash(""),
        "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
    );
}

#[test]
fn repository_text_is_escaped_everywhere() {
    let findings = vec![
        in_history(HOSTILE, "s1", commit("c1\"x", "<b>Eve</b>", 100), true),
        Finding {
            repository: Some("team/<i>r".into()),
            ..in_history("\" onfocus=\"x.env", "s1", commit("c2", "Bob", 200), false)
        },
    ];
    let page = render_with(html, &findings, &Stats::default(), false);
    for raw in ["<img", "<b>", "<i>", "\" onfocus", "c1\"x", "a\"b@"] {
        assert!(!page.contains(raw), "{raw} is not escaped");
    }
    assert!(page.contains("&lt;img src=x onerror=alert(1)&gt;.env:3:5"));
    assert!(page.contains("&lt;b&gt;Eve&lt;/b&gt;"));
    assert!(page.contains("team/&lt;i&gt;r"));
    assert!(page.contains("/repo/&lt;b&gt;"));
}

#[test]
fn secrets_are_redacted_unless_asked() {
    let secret = "SECRETVALUE0123456789";
    let findings = vec![in_history("a.env", secret, commit("c1", "A", 100), true)];
    let page = render_with(html, &findings, &Stats::default(), false);
    assert!(!page.contains(secret));
    assert!(page.contains("SECR…"));
    let shown = render_with(html, &findings, &Stats::default(), true);
    assert!(shown.contains(secret));
}

#[test]
fn timeline_only_for_findings_with_commits() {
    let files = vec![Finding::example(
        pick::contextual_secret(),
        "a.env",
        1,
        1,
        "s",
    )];
    let page = render_with(html, &files, &Stats::default(), false);
    assert!(!page.contains("<svg"));
    assert!(page.contains("data-head=\"unknown\""));
    assert!(
        !page.contains("id=\"filter-head\""),
        "no HEAD filter without history"
    );

    let mut gone = in_history("b.env", "s2", commit("c1", "A", 100), false);
    gone.removed = Some(commit("c3", "A", 300));
    let history = vec![
        in_history("a.env", "s1", commit("c2", "A", 200), true),
        gone,
    ];
    let page = render_with(html, &history, &Stats::default(), false);
    let svg = between(&page, "<svg", "</svg>");
    assert_eq!(svg.matches("<g class=\"row\"").count(), 2);
    assert_eq!(
        svg.matches("class=\"bar head\"").count(),
        1,
        "one still at HEAD"
    );
    assert_eq!(svg.matches("class=\"removed\"").count(), 1, "one removed");
    assert!(svg.contains(">1970-01-01<"), "dated axis");
    assert!(page.contains("id=\"filter-head\""));
}

#[test]
fn verdicts_and_access_are_listed() {
    let verification = Verification {
        status: Status::Live,
        checked_at: 0,
        detail: "account <x>".into(),
        access: Some(Access {
            account_type: Some("Full".into()),
            subaccounts: Some(3),
            main_account: Some(true),
            ..Access::default()
        }),
    };
    let findings = vec![Finding {
        verification: Some(verification),
        ..Finding::example(pick::contextual_secret(), "a.env", 1, 1, "s")
    }];
    let page = render_with(html, &findings, &Stats::default(), false);
    assert!(page.contains("id=\"by-verdict\""));
    assert!(page.contains("data-verdict=\"live\""));
    assert!(page.contains("account &lt;x&gt;"));
    assert!(page.contains("<dt>Account type</dt><dd>Full</dd>"));
    assert!(page.contains("<dt>Subaccounts</dt><dd>3</dd>"));
    assert!(page.contains("<dt>Main account</dt><dd>yes</dd>"));
    assert!(
        !page.contains("Restricted key"),
        "unknown fields are left out"
    );
}
