//! `leakfence history` on real repositories built with the git CLI, in every git format.

use crate::common::format::matrix_tests;
use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};

matrix_tests! {
    a_secret_added_then_removed_is_attributed_to_its_commit,
    a_secret_still_at_head_is_called_out,
    the_same_blob_in_fifty_commits_is_scanned_once_and_reported_once,
    side_branches_need_all_and_ranges_exclude_older_commits,
    moved_lines_and_renames_are_not_new_leaks,
    a_merge_that_resolves_a_conflict_with_a_secret_is_blamed,
    commit_messages_are_scanned,
    shallow_clones_are_scanned_with_a_warning,
    empty_repositories_and_non_repositories_are_clear_errors,
    loose_packed_and_partly_packed_histories_give_the_same_findings,
    a_secret_in_a_moved_file_is_still_at_head_under_its_new_path,
    blobs_over_the_size_limit_are_skipped_loose_and_packed,
    in_head_does_not_depend_on_the_range_nor_on_the_detector_at_head,
    a_value_copied_to_several_files_names_the_first_in_path_order,
}

fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

fn history(repo: &TestRepo, args: &[&str]) -> Run {
    let mut all = vec!["history", "--format", "json"];
    all.extend(args);
    repo.run(&all)
}

fn a_secret_added_then_removed_is_attributed_to_its_commit() {
    let repo = TestRepo::new();
    repo.write("README.md", "hello\n");
    repo.add(&["README.md"]);
    repo.commit("first");
    repo.write("config/app.env", format!("A=1\n{}", token_line()));
    repo.add(&["config/app.env"]);
    let leak = repo.commit("add config");
    repo.write("config/app.env", "A=1\n");
    repo.add(&["config/app.env"]);
    repo.commit("remove the token");
    let run = history(&repo, &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    let f = &findings[0];
    assert_eq!(f["rule"], "twilio-auth-token");
    assert_eq!(f["path"], "config/app.env");
    assert_eq!(f["line"], 2);
    assert_eq!(f["commit"], leak.as_str());
    assert_eq!(f["author"], "Ada Author");
    assert_eq!(f["email"], "ada@example.com");
    assert_eq!(f["date"], "2024-01-02T03:04:05Z");
    assert_eq!(f["in_head"], false);
    assert_eq!(doc["stats"]["commits"], 3);

    // The human report's layout is pinned by `goldens::history_human_golden`, where something
    // is still at HEAD; here nothing is.
    let human = repo.run(&["history"]);
    assert!(
        human
            .stdout
            .contains("None of these is still present at HEAD"),
        "{}",
        human.stdout
    );
}

fn a_secret_still_at_head_is_called_out() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    repo.commit("leak");
    let doc = history(&repo, &[]).json();
    assert_eq!(doc["findings"][0]["in_head"], true);
    assert_eq!(doc["findings"][0]["head_path"], "a.env");
}

fn the_same_blob_in_fifty_commits_is_scanned_once_and_reported_once() {
    let repo = TestRepo::new();
    let text = token_line();
    for i in 0..50 {
        if i % 2 == 0 {
            repo.write("s.env", &text);
            repo.add(&["s.env"]);
        } else {
            repo.git(&["rm", "-q", "s.env"]);
        }
        repo.commit(&format!("commit {i}"));
    }
    let doc = history(&repo, &[]).json();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
    assert_eq!(doc["stats"]["commits"], 50);
    assert_eq!(doc["stats"]["blobs"], 1, "one distinct blob, read once");
}

fn side_branches_need_all_and_ranges_exclude_older_commits() {
    let repo = TestRepo::new();
    repo.write("old.env", token_line());
    repo.add(&["old.env"]);
    let old = repo.commit("old leak");
    repo.write("b.txt", "b\n");
    repo.add(&["b.txt"]);
    repo.commit("later");
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("side.env", token_line());
    repo.add(&["side.env"]);
    repo.commit("side leak");
    repo.git(&["checkout", "-q", "main"]);

    let paths = |run: Run| run.findings().into_iter().map(|f| f.1).collect::<Vec<_>>();
    assert_eq!(paths(history(&repo, &[])), ["old.env"]);
    assert_eq!(paths(history(&repo, &["--all"])), ["old.env", "side.env"]);
    assert_eq!(paths(history(&repo, &["side"])), ["old.env", "side.env"]);
    let range = format!("{old}..side");
    assert_eq!(paths(history(&repo, &[&range])), ["side.env"]);
    assert_eq!(
        paths(history(&repo, &["--all", "--since-commit", &old])),
        ["side.env"]
    );
    let unknown = history(&repo, &["no-such-branch"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("no-such-branch"),
        "{}",
        unknown.stderr
    );
}

fn moved_lines_and_renames_are_not_new_leaks() {
    let repo = TestRepo::new();
    let token = token_line();
    repo.write("a.env", format!("{token}A=1\n"));
    repo.add(&["a.env"]);
    let leak = repo.commit("leak");
    repo.write("a.env", format!("# header\nA=2\n{token}"));
    repo.add(&["a.env"]);
    repo.commit("move the line");
    repo.mv("a.env", "b.env");
    repo.commit("rename");
    let doc = history(&repo, &[]).json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:?}");
    assert_eq!(findings[0]["commit"], leak.as_str());
}

fn a_merge_that_resolves_a_conflict_with_a_secret_is_blamed() {
    let repo = TestRepo::new();
    repo.start_conflicting_merge(|_| {});
    repo.write("conf.env", format!("A=merged\n{}", token_line()));
    repo.add(&["conf.env"]);
    repo.git(&["commit", "-q", "--no-edit"]);
    let merge = repo.git(&["rev-parse", "HEAD"]).trim().to_string();
    let doc = history(&repo, &[]).json();
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["commit"], merge.as_str());
}

fn commit_messages_are_scanned() {
    let repo = TestRepo::new();
    let message = format!(
        "debugging\n\nused TWILIO_AUTH_TOKEN={}",
        secrets::auth_token()
    );
    repo.git(&["commit", "-q", "--allow-empty", "-m", &message]);
    let found = history(&repo, &[]).findings();
    assert_eq!(
        found,
        vec![(
            "twilio-auth-token".to_string(),
            "commit-message".to_string(),
            3,
            24
        )]
    );
}

fn shallow_clones_are_scanned_with_a_warning() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    repo.commit("leak");
    for i in 0..3 {
        repo.write("n.txt", format!("{i}\n"));
        repo.add(&["n.txt"]);
        repo.commit("more");
    }
    let clones = TestDir::new();
    let target = clones.path().join("shallow");
    repo.clone_into(&target, &["--depth", "1"]);
    let run = Run::of(repo.dir.leakfence().args([
        "history",
        "--format",
        "json",
        "--repo",
        target.to_str().unwrap(),
    ]));
    assert!(run.stderr.contains("shallow"), "{}", run.stderr);
    let found = run.findings();
    assert_eq!(found.len(), 1, "what is there is scanned: {found:?}");
    assert_eq!(found[0].1, "a.env");
}

fn empty_repositories_and_non_repositories_are_clear_errors() {
    let repo = TestRepo::new();
    let run = repo.run(&["history"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no commits yet"), "{}", run.stderr);
    let dir = TestDir::new();
    let run = dir.run(&["history", "--repo", dir.path().to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("not in a git repository"),
        "{}",
        run.stderr
    );
}

/// The findings of a history scan as (commit, path, line, rule), sorted.
fn attributed(run: &Run) -> Vec<(String, String, u64, String)> {
    let mut out: Vec<_> = run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["commit"].as_str().unwrap_or_default().to_string(),
                f["path"].as_str().unwrap_or_default().to_string(),
                f["line"].as_u64().unwrap_or_default(),
                f["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn stats_without_time(run: &Run) -> serde_json::Value {
    let mut stats = run.json()["stats"].clone();
    stats.as_object_mut().unwrap().remove("seconds");
    stats
}

/// Thirty commits that grow and edit a few files (so that packing makes long delta chains),
/// with tokens planted at three of them and removed at another.
fn growing_history(repo: &TestRepo) -> Vec<String> {
    let mut body = String::new();
    let mut leaks = Vec::new();
    let settings_token = token_line();
    for round in 0..30 {
        body.push_str(&format!("value_{round} = {}\n", round * 7));
        let mut settings = body.clone();
        if (10..20).contains(&round) {
            settings.push_str(&settings_token);
        }
        repo.write("app/settings.py", &settings);
        repo.write(&format!("app/module{}.py", round % 4), body.repeat(2));
        if round % 9 == 4 {
            repo.write(&format!("deploy/round{round}.env"), token_line());
        }
        repo.add(&["."]);
        let commit = repo.commit(&format!("round {round}"));
        if round == 10 || round % 9 == 4 {
            leaks.push(commit);
        }
    }
    leaks
}

fn loose_packed_and_partly_packed_histories_give_the_same_findings() {
    let repo = TestRepo::new();
    let leaks = growing_history(&repo);
    let loose = history(&repo, &["--all"]);
    assert_eq!(loose.code, 1, "{}", loose.stderr);
    let expected = attributed(&loose);
    let commits: Vec<&String> = expected.iter().map(|(c, ..)| c).collect();
    for leak in &leaks {
        assert!(commits.contains(&leak), "{leak} in {expected:?}");
    }
    assert_eq!(expected.len(), leaks.len());

    repo.git(&["gc", "-q", "--aggressive"]);
    let deltas = repo.git(&[
        "cat-file",
        "--batch-all-objects",
        "--batch-check=%(deltabase)",
    ]);
    assert!(
        deltas.lines().filter(|l| !l.starts_with("0000000")).count() > 20,
        "the packed history has delta chains"
    );
    let packed = history(&repo, &["--all"]);
    assert_eq!(packed.code, 1, "{}", packed.stderr);
    assert_eq!(attributed(&packed), expected, "packed = loose");
    assert_eq!(
        stats_without_time(&packed),
        stats_without_time(&loose),
        "the same blobs, bytes and files"
    );

    // New commits on top stay loose: the scan reads both kinds of storage.
    repo.write("late.env", token_line());
    repo.add(&["late.env"]);
    let late = repo.commit("late leak");
    let mixed = history(&repo, &["--all"]);
    let mut with_late = expected.clone();
    with_late.push((late, "late.env".into(), 1, "twilio-auth-token".into()));
    with_late.sort();
    assert_eq!(attributed(&mixed), with_late, "{}", mixed.stderr);
}

fn a_secret_in_a_moved_file_is_still_at_head_under_its_new_path() {
    let repo = TestRepo::new();
    repo.write("config/app.env", format!("A=1\n{}", token_line()));
    repo.add(&["config/app.env"]);
    let leak = repo.commit("add config");
    std::fs::create_dir_all(repo.path().join("settings")).unwrap();
    repo.mv("config/app.env", "settings/prod.env");
    let moved = std::fs::read_to_string(repo.path().join("settings/prod.env")).unwrap();
    repo.write("settings/prod.env", format!("{moved}B=2\n"));
    repo.add(&["settings/prod.env"]);
    repo.commit("move and edit the config");

    // HEAD scanned (its blobs are known by their findings) and HEAD outside the range (its
    // files are read and searched): the same answer.
    for args in [&[][..], &["HEAD~1"][..]] {
        let run = history(&repo, args);
        let doc = run.json();
        let findings = doc["findings"].as_array().unwrap();
        assert_eq!(findings.len(), 1, "{args:?}: {findings:?}");
        let f = &findings[0];
        assert_eq!(f["commit"], leak.as_str());
        assert_eq!(f["path"], "config/app.env");
        assert_eq!(f["in_head"], true, "{args:?}");
        assert_eq!(f["head_path"], "settings/prod.env", "{args:?}");
    }

    repo.git(&["rm", "-q", "settings/prod.env"]);
    repo.commit("remove the config");
    let doc = history(&repo, &[]).json();
    assert_eq!(doc["findings"][0]["in_head"], false);
    assert!(doc["findings"][0].get("head_path").is_none());
}

fn blobs_over_the_size_limit_are_skipped_loose_and_packed() {
    let repo = TestRepo::new();
    repo.write(
        "big.env",
        format!("{}{}", "# padding\n".repeat(300), token_line()),
    );
    repo.write("small.env", token_line());
    repo.add(&["big.env", "small.env"]);
    repo.commit("two files");
    for packed in [false, true] {
        if packed {
            repo.git(&["gc", "-q"]);
        }
        let run = history(&repo, &["--max-file-size", "1K"]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let doc = run.json();
        assert_eq!(doc["stats"]["too_large_skipped"], 1, "packed: {packed}");
        let paths: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap())
            .collect();
        assert_eq!(paths, ["small.env"], "packed: {packed}");
        assert!(
            run.stderr.contains("big.env") && run.stderr.contains("over the size limit"),
            "{}",
            run.stderr
        );
    }
}

fn in_head_does_not_depend_on_the_range_nor_on_the_detector_at_head() {
    // The value survives at HEAD where no rule would flag it (a note), and in a UTF-16 file.
    let repo = TestRepo::new();
    let token = secrets::auth_token();
    repo.write("cfg.env", format!("TWILIO_AUTH_TOKEN={token}\n"));
    let utf16_token = secrets::auth_token();
    let utf16 = |text: &str| -> Vec<u8> {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    };
    repo.write(
        "win.ini",
        utf16(&format!("TWILIO_AUTH_TOKEN={utf16_token}\r\n")),
    );
    repo.add(&["cfg.env", "win.ini"]);
    repo.commit("config");
    repo.git(&["rm", "-q", "cfg.env"]);
    repo.write("notes.txt", format!("the legacy value was {token}\n"));
    repo.write(
        "win.ini",
        utf16(&format!("TWILIO_AUTH_TOKEN={utf16_token}\r\nOTHER=1\r\n")),
    );
    repo.add(&["notes.txt", "win.ini"]);
    repo.commit("move the value to a note");
    for args in [&["--all"][..], &["HEAD~1"][..]] {
        let doc = history(&repo, args).json();
        let by_path = |path: &str| {
            doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["path"] == path)
                .unwrap_or_else(|| panic!("{args:?}: no finding in {path}: {doc}"))
                .clone()
        };
        let cfg = by_path("cfg.env");
        assert_eq!(cfg["in_head"], true, "{args:?}");
        assert_eq!(cfg["head_path"], "notes.txt", "{args:?}");
        let ini = by_path("win.ini");
        assert_eq!(ini["in_head"], true, "{args:?}");
        assert_eq!(ini["head_path"], "win.ini", "{args:?}");
    }
}

fn a_value_copied_to_several_files_names_the_first_in_path_order() {
    let repo = TestRepo::new();
    let token = secrets::auth_token();
    repo.write("old.env", format!("TWILIO_AUTH_TOKEN={token}\n"));
    repo.add(&["old.env"]);
    let leak = repo.commit("leak");
    repo.git(&["rm", "-q", "old.env"]);
    // The same blob at two paths, and the value inside another file.
    for path in ["z/copy.txt", "m/copy.txt"] {
        repo.write(path, format!("value: {token}\n"));
    }
    repo.write("b/notes.md", format!("was {token}\n"));
    repo.add(&["."]);
    repo.commit("copies");
    for args in [&["--all"][..], &["HEAD~1"][..]] {
        let doc = history(&repo, args).json();
        let finding = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["commit"] == leak.as_str())
            .unwrap_or_else(|| panic!("{args:?}: {doc}"))
            .clone();
        assert_eq!(finding["in_head"], true, "{args:?}");
        assert_eq!(finding["head_path"], "b/notes.md", "{args:?}");
    }
}
