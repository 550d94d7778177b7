//! `leakfence scan` end to end: the real binary on temporary trees and repositories.

use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};
use std::collections::BTreeMap;
use std::path::Path;

fn token_file() -> (String, String) {
    let token = secrets::auth_token();
    (format!("# settings\nTWILIO_AUTH_TOKEN={token}\n"), token)
}

/// Every file below `root` (including `.git/`) with its bytes, to prove nothing was written.
fn snapshot(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let key = entry
                    .path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.insert(key, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    out
}

#[test]
fn clean_tree_exits_zero_with_a_summary() {
    let dir = TestDir::new();
    dir.write(
        "src/main.py",
        "print('hello')\nchecksum = 'd41d8cd98f00b204e9800998ecf8427e'\n",
    );
    let run = dir.run(&["scan", "."]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout.contains("no findings in 1 file"),
        "{}",
        run.stdout
    );
}

/// What the report says (rule, location, redacted value, advice) is pinned by
/// `goldens::scan_human_golden`; this checks the exit code and that the value never appears.
#[test]
fn auth_token_blocks_and_is_never_printed() {
    let dir = TestDir::new();
    let (text, token) = token_file();
    dir.write("config/.env", &text);
    let run = dir.run(&["scan"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(&token) && !run.stderr.contains(&token));
}

#[test]
fn show_secrets_prints_them_in_every_format() {
    let dir = TestDir::new();
    let (text, token) = token_file();
    dir.write(".env", &text);
    for format in ["human", "json"] {
        let hidden = dir.run(&["scan", "--format", format]);
        assert!(
            !hidden.stdout.contains(&token),
            "{format} leaked the secret"
        );
        let shown = dir.run(&["scan", "--format", format, "--show-secrets"]);
        assert!(shown.stdout.contains(&token), "{format}: {}", shown.stdout);
    }
}

#[test]
fn account_sid_alone_warns_but_does_not_block() {
    let dir = TestDir::new();
    dir.write(
        "app.py",
        format!("ACCOUNT_SID = '{}'\n", secrets::account_sid()),
    );
    let run = dir.run(&["scan"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.contains("1 finding, none blocking"),
        "{}",
        run.stdout
    );
}

#[test]
fn json_report_has_the_documented_shape() {
    let dir = TestDir::new();
    let (text, token) = token_file();
    dir.write(".env", &text);
    let run = dir.run(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1);
    let doc = run.json();
    assert_eq!(doc["version"], 1);
    let finding = &doc["findings"][0];
    assert_eq!(finding["rule"], "twilio-auth-token");
    assert_eq!(finding["severity"], "high");
    assert_eq!(finding["path"], ".env");
    assert_eq!(finding["line"], 2);
    assert_eq!(finding["column"], 19);
    assert!(finding["commit"].is_null());
    assert_eq!(finding["secret"], format!("{}…", &token[..4]));
    let fingerprint = finding["fingerprint"].as_str().unwrap();
    assert_eq!(fingerprint.len(), 64);
    for key in ["files", "bytes", "seconds"] {
        assert!(doc["stats"][key].is_number(), "stats.{key}");
    }
    assert_eq!(doc["stats"]["files"], 1);
}

#[test]
fn fingerprint_survives_moving_the_line() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write(".env", &text);
    let before =
        dir.run(&["scan", "--format", "json"]).json()["findings"][0]["fingerprint"].clone();
    dir.write(".env", format!("\n\n\nOTHER=1\n{text}"));
    let after = dir.run(&["scan", "--format", "json"]).json();
    assert_eq!(after["findings"][0]["line"], 6);
    assert_eq!(after["findings"][0]["fingerprint"], before);
}

#[test]
fn output_is_sorted_and_independent_of_threads() {
    let dir = TestDir::new();
    for i in 0..40 {
        let ac = secrets::account_sid();
        let token = secrets::auth_token();
        dir.write(
            &format!("d{}/f{i}.env", i % 7),
            format!("x=1\nSID={ac} TOKEN={token}\nAUTH_TOKEN={token}\n"),
        );
    }
    let one = dir.run(&["scan", "--format", "json", "--threads", "1"]);
    let two = dir.run(&["scan", "--format", "json", "--threads", "2"]);
    let (a, b) = (one.findings(), two.findings());
    assert_eq!(a.len(), 40 * 3);
    assert_eq!(a, b);
    let mut sorted = a.clone();
    sorted.sort_by(|x, y| (&x.1, x.2, x.3).cmp(&(&y.1, y.2, y.3)));
    assert_eq!(a, sorted);
}

#[test]
fn stdin_is_scanned_as_stdin() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    let run = Run::with_input(
        dir.leakfence().args(["scan", "-", "--format", "json"]),
        text.as_bytes(),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    let doc = run.json();
    assert_eq!(doc["findings"][0]["path"], "<stdin>");
    assert_eq!(doc["findings"][0]["line"], 2);
}

#[test]
fn binary_files_are_skipped_and_counted() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write(
        "blob.bin",
        [b"\x00\x01binary".as_slice(), text.as_bytes()].concat(),
    );
    let run = dir.run(&["scan", "--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.json()["stats"]["binary_skipped"], 1);
    assert!(run.findings().is_empty());
}

#[test]
fn utf16_files_are_decoded_and_positions_are_right() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    let mut le = vec![0xFF, 0xFE];
    text.encode_utf16().for_each(|u| le.extend(u.to_le_bytes()));
    let mut be = vec![0xFE, 0xFF];
    text.encode_utf16().for_each(|u| be.extend(u.to_be_bytes()));
    dir.write("le.txt", le);
    dir.write("be.txt", be);
    let run = dir.run(&["scan", "--format", "json"]);
    let found = run.findings();
    let expected: Vec<_> = ["be.txt", "le.txt"]
        .iter()
        .map(|p| ("twilio-auth-token".to_string(), p.to_string(), 2, 19))
        .collect();
    assert_eq!(found, expected);
}

#[test]
fn crlf_gives_the_same_lines_and_columns() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write("a.txt", &text);
    dir.write("b.txt", text.replace('\n', "\r\n"));
    let found = dir.run(&["scan", "--format", "json"]).findings();
    assert_eq!(found.len(), 2);
    assert_eq!((found[0].2, found[0].3), (found[1].2, found[1].3));
}

#[test]
fn hidden_files_are_scanned_but_git_directory_is_not() {
    let repo = TestRepo::new();
    let (text, _) = token_file();
    repo.write(".github/workflows/ci.yml", &text);
    repo.write(".git/leakfence-test-note", &text);
    let found = repo.run(&["scan", "--format", "json"]).findings();
    let paths: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(paths, [".github/workflows/ci.yml"]);
}

#[test]
fn gitignore_hides_untracked_files_only() {
    let repo = TestRepo::new();
    let (text, _) = token_file();
    repo.write(".gitignore", "*.env\nbuild/\n");
    repo.write("tracked.env", &text);
    repo.git(&["add", "-f", "tracked.env", ".gitignore"]);
    repo.commit("tracked despite the ignore pattern");
    repo.write("untracked.env", &text);
    repo.write("build/out.txt", &text);
    let found = repo.run(&["scan", "--format", "json"]).findings();
    let paths: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(paths, ["tracked.env"]);
    let all = repo
        .run(&["scan", "--format", "json", "--no-ignore"])
        .findings();
    let paths: Vec<&str> = all.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(paths, ["build/out.txt", "tracked.env", "untracked.env"]);
}

#[test]
fn scanning_never_writes_to_the_repository() {
    let repo = TestRepo::new();
    let (text, _) = token_file();
    repo.write(".gitignore", "*.env\n");
    repo.write("a.env", &text);
    repo.write("src/lib.rs", "fn main() {}\n");
    repo.git(&["add", "-f", "a.env", ".gitignore", "src/lib.rs"]);
    repo.commit("init");
    let before = snapshot(repo.path());
    let run = repo.run(&["scan", "--format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(snapshot(repo.path()), before);
}

#[test]
fn large_files_are_skipped_with_a_warning() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write("big.txt", format!("{}{text}", "x".repeat(5000)));
    let run = dir.run(&["scan", "--max-file-size", "1K", "--format", "json"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stderr.contains("big.txt") && run.stderr.contains("size limit"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["stats"]["too_large_skipped"], 1);
    assert_eq!(dir.run(&["scan", "--format", "json"]).code, 1);
}

#[test]
fn broken_symlink_is_reported_and_the_scan_goes_on() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write("real.env", &text);
    std::os::unix::fs::symlink(
        dir.path().join("missing-target"),
        dir.path().join("dangling"),
    )
    .unwrap();
    let run = dir.run(&["scan", "--format", "json"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("dangling") && run.stderr.contains("broken symbolic link"),
        "{}",
        run.stderr
    );
    assert_eq!(
        run.findings().len(),
        1,
        "the rest of the tree is still scanned"
    );
}

#[test]
fn symlinks_are_not_followed_by_default() {
    let outside = TestDir::new();
    let (text, _) = token_file();
    outside.write("secret.env", &text);
    let dir = TestDir::new();
    std::os::unix::fs::symlink(outside.path(), dir.path().join("link")).unwrap();
    assert!(dir.run(&["scan", "--format", "json"]).findings().is_empty());
    assert_eq!(
        dir.run(&["scan", "--format", "json", "--follow"])
            .findings()
            .len(),
        1
    );
}

/// Runs leakfence as an unprivileged user when the tests run as root, because root reads
/// files whatever their mode.
fn run_unprivileged(dir: &TestDir, args: &[&str]) -> Run {
    let is_root = std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false);
    if !is_root {
        return dir.run(args);
    }
    let mut command = std::process::Command::new("setpriv");
    command
        .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
        .arg(crate::common::bin())
        .args(args);
    crate::common::repo::isolate(&mut command, dir.home());
    command.current_dir(dir.path());
    Run::of(&mut command)
}

#[test]
fn unreadable_file_is_named_and_exit_code_is_two() {
    use std::os::unix::fs::PermissionsExt;
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write("readable.env", &text);
    let locked = dir.write("locked.env", &text);
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    for path in [dir.path(), dir.home()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let run = run_unprivileged(&dir, &["scan", ".", "--format", "json"]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("locked.env"), "{}", run.stderr);
    assert_eq!(run.findings().len(), 1);
    assert_eq!(run.json()["stats"]["errors"], 1);
}

#[test]
fn missing_path_is_an_error() {
    let dir = TestDir::new();
    let run = dir.run(&["scan", "no-such-dir"]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("no-such-dir"), "{}", run.stderr);
}

#[test]
fn report_goes_to_the_output_file() {
    let dir = TestDir::new();
    let out = TestDir::new();
    let (text, _) = token_file();
    dir.write(".env", &text);
    let report = out.path().join("report.json");
    let run = dir.run(&[
        "scan",
        "--format",
        "json",
        "--output",
        report.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1);
    assert!(run.stdout.is_empty());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(doc["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn inline_allow_marker_silences_the_line() {
    let dir = TestDir::new();
    let token = secrets::auth_token();
    dir.write(
        ".env",
        format!("TWILIO_AUTH_TOKEN={token} # leakfence:allow\n"),
    );
    let run = dir.run(&["scan"]);
    assert_eq!(run.code, 0, "{}", run.stdout);
}

#[test]
fn several_roots_keep_their_prefix() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write("a/.env", &text);
    dir.write("b/.env", &text);
    let found = dir.run(&["scan", "a", "b", "--format", "json"]).findings();
    let paths: Vec<&str> = found.iter().map(|f| f.1.as_str()).collect();
    assert_eq!(paths, ["a/.env", "b/.env"]);
}

#[test]
fn terminal_escapes_in_content_are_escaped_in_human_output() {
    let dir = TestDir::new();
    let token = secrets::auth_token();
    dir.write(
        ".env",
        format!("TWILIO_AUTH_TOKEN={token} \x1b[2J\x1b]0;pwned\x07\n"),
    );
    let run = dir.run(&["scan", "--color", "never"]);
    assert_eq!(run.code, 1);
    assert!(
        !run.stdout.contains('\x1b') && !run.stdout.contains('\x07'),
        "{:?}",
        run.stdout
    );
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let dir = TestDir::new();
    let (text, _) = token_file();
    dir.write(".env", &text);
    assert!(dir
        .run(&["scan", "--color", "always"])
        .stdout
        .contains("\x1b["));
    assert!(!dir
        .run(&["scan", "--color", "never"])
        .stdout
        .contains("\x1b["));
    let run = Run::of(dir.leakfence().args(["scan"]).env("NO_COLOR", "1"));
    assert!(!run.stdout.contains("\x1b["));
}

#[test]
fn a_file_and_the_same_bytes_on_stdin_give_the_same_findings() {
    use std::io::Write;
    let dir = TestDir::new();
    let text = format!(
        "ACCOUNT = '{}'\r\nPAIR = \"{}\"\nkey = '{}'\n\tTWILIO_API_SECRET={}\n",
        secrets::account_sid(),
        secrets::auth_token(),
        secrets::api_key_sid(),
        secrets::api_secret()
    );
    dir.write("same.txt", &text);
    let from_file = dir
        .run(&["scan", "same.txt", "--format", "json", "--show-secrets"])
        .json();
    let mut child = dir
        .leakfence()
        .args(["scan", "-", "--format", "json", "--show-secrets"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let from_stdin: serde_json::Value =
        serde_json::from_slice(&child.wait_with_output().unwrap().stdout).unwrap();
    let strip = |doc: &serde_json::Value| -> Vec<(String, u64, u64, String)> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                    f["secret"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(strip(&from_file).len(), 4);
    assert_eq!(strip(&from_file), strip(&from_stdin));
}
