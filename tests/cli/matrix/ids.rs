//! Object ids in reports are as long as the repository's (64 hex digits in SHA-256
//! repositories); fingerprints hash rule, path and secret, never ids, so they stay the same
//! when a repository moves to SHA-256 and a baseline keeps working.

use crate::common::format::RepoFormat;
use crate::common::repo::TestRepo;
use crate::common::secrets;
use serde_json::Value;

/// `(commit, path, fingerprint)` of each finding of `leakfence history --format json`.
fn history_findings(repo: &TestRepo, extra: &[&str]) -> Vec<(String, String, String)> {
    let mut args = vec!["history", "--format", "json"];
    args.extend(extra);
    let run = repo.run(&args);
    let doc = run.json();
    doc["findings"]
        .as_array()
        .unwrap_or_else(|| panic!("{}{}", run.stdout, run.stderr))
        .iter()
        .map(|f| {
            let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
            (
                text(&f["commit"]),
                text(&f["path"]),
                text(&f["fingerprint"]),
            )
        })
        .collect()
}

#[test]
fn ids_follow_the_object_format_and_fingerprints_do_not() {
    let line = format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token());
    let mut per_format = Vec::new();
    for format in [RepoFormat::Sha1Files, RepoFormat::Sha256] {
        let repo = TestRepo::with_format(format);
        // The same secret at two paths: two findings, two fingerprints.
        repo.write("conf/app.env", &line);
        repo.write("other/app.env", &line);
        repo.add(&["conf/app.env", "other/app.env"]);
        let staged = repo.run(&["staged", "--format", "json"]).json();
        let leak = repo.commit("leak");
        let found = history_findings(&repo, &[]);
        assert_eq!(found.len(), 2, "{format:?}: {found:?}");
        for (i, (commit, path, fingerprint)) in found.iter().enumerate() {
            assert_eq!(commit, &leak, "{format:?}");
            assert_eq!(commit.len(), format.hex_len(), "{format:?}: {commit}");
            assert!(commit
                .bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
            assert_eq!(
                staged["findings"][i]["fingerprint"],
                fingerprint.as_str(),
                "{format:?}: staged and history agree on {path}"
            );
        }
        assert_ne!(
            found[0].2, found[1].2,
            "different paths, different fingerprints"
        );
        per_format.push((repo, found));
    }
    let (sha1, sha256) = (&per_format[0], &per_format[1]);
    let fingerprints = |found: &[(String, String, String)]| -> Vec<String> {
        found.iter().map(|f| f.2.clone()).collect()
    };
    assert_eq!(fingerprints(&sha1.1), fingerprints(&sha256.1));

    // A baseline written in the SHA-1 repository silences the same findings in the SHA-256 one.
    let baseline = sha1.0.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let write = sha1.0.run(&["history", "--write-baseline", baseline]);
    assert_eq!(write.code, 0, "{}{}", write.stdout, write.stderr);
    assert!(history_findings(&sha256.0, &["--baseline", baseline]).is_empty());
}
