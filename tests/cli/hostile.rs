//! Hostile inputs: whatever a repository holds, leakfence finishes, says what it could not read,
//! never follows what it should not, and never runs a program the repository's config names.
//!
//! Measured on this project's 2-core machine with `/usr/bin/time -f '%e s %M KiB'` and the
//! release binary, each case rebuilt by hand in a scratch directory:
//!
//! | case | time | peak memory |
//! |---|---|---|
//! | FIFO, socket and device node in the tree | 0.00 s | 6.9 MiB |
//! | directory symlink loop, `--follow` | 0.00 s | 6.9 MiB |
//! | directories nested 1,000 deep | 0.03 s | 8.7 MiB |
//! | 1 GiB single-line file, skipped by the default size limit | 0.00 s | 6.8 MiB |
//! | the same file with `--max-file-size 2G` (read whole: memory follows the limit) | 3.10 s | 1,030 MiB |
//! | 2,000 files (the tree the vanishing-files test starts from) | 0.02 s | 8.7 MiB |
//!
//! Every case here also runs under a time limit, so a hang fails the test instead of CI.

use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

fn scan_within(dir: &TestDir, args: &[&str]) -> Run {
    let mut command = dir.leakfence();
    command.arg("scan").args(args);
    Run::within(&mut command, LIMIT)
}

#[test]
fn fifos_sockets_and_devices_are_never_opened() {
    let dir = TestDir::new();
    dir.write("real.env", token_line());
    let fifo = dir.path().join("pipe.env");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("socket.env")).unwrap();
    // A character device like /dev/zero: only root may create one; as a user the case is skipped.
    let device = std::process::Command::new("mknod")
        .arg(dir.path().join("zero.env"))
        .args(["c", "1", "5"])
        .status();
    let made_device = device.is_ok_and(|s| s.success());
    let run = scan_within(&dir, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.findings().len(), 1);
    let expected = if made_device { 3 } else { 2 };
    assert_eq!(run.json()["stats"]["special_skipped"], expected);
    // Named on the command line, a FIFO is refused instead of read.
    let direct = scan_within(&dir, &["pipe.env"]);
    assert!(
        direct.stderr.contains("not a regular file"),
        "{}",
        direct.stderr
    );
}

#[test]
fn symlink_loops_end_with_a_message() {
    let dir = TestDir::new();
    dir.write("sub/real.env", token_line());
    std::os::unix::fs::symlink("..", dir.path().join("sub/up")).unwrap();
    std::os::unix::fs::symlink("b", dir.path().join("a")).unwrap();
    std::os::unix::fs::symlink("a", dir.path().join("b")).unwrap();
    let plain = scan_within(&dir, &["--format", "json"]);
    assert_eq!(
        plain.findings().len(),
        1,
        "links are not followed: found once"
    );
    assert_eq!(
        plain.code, 2,
        "a link that leads nowhere is reported: {}",
        plain.stderr
    );
    assert!(
        plain.stderr.contains("broken symbolic link"),
        "{}",
        plain.stderr
    );
    let followed = scan_within(&dir, &["--follow", "--format", "json"]);
    assert_eq!(followed.code, 2);
    assert!(
        followed.stderr.to_lowercase().contains("loop"),
        "{}",
        followed.stderr
    );
    assert_eq!(followed.findings().len(), 1, "the loop is not walked twice");
}

#[test]
fn directories_nested_a_thousand_deep() {
    let dir = TestDir::new();
    let deep: String = "d/".repeat(1000);
    dir.write(&format!("{deep}bottom.env"), token_line());
    let run = scan_within(&dir, &["--format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.findings()[0].1.ends_with("/d/bottom.env"));
}

#[test]
fn a_gigabyte_single_line_file_is_skipped_by_size() {
    let dir = TestDir::new();
    let big = dir.write(
        "huge.txt",
        format!("TWILIO_AUTH_TOKEN={} ", secrets::auth_token()),
    );
    // Sparse: a 1 GiB file that costs no disk space.
    std::fs::OpenOptions::new()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let run = scan_within(&dir, &["--format", "json"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("huge.txt") && run.stderr.contains("size limit"),
        "{}",
        run.stderr
    );
    assert_eq!(run.json()["stats"]["too_large_skipped"], 1);
}

#[test]
fn files_vanishing_and_changing_during_the_scan() {
    let dir = TestDir::new();
    for i in 0..2000 {
        dir.write(
            &format!("d{}/f{i}.env", i % 20),
            format!("x={i}\n{}", token_line()),
        );
    }
    let mut command = dir.leakfence();
    command.args(["scan", "--format", "json", "--threads", "2"]);
    let root = dir.path().to_path_buf();
    let vandal = std::thread::spawn(move || {
        for i in 0..2000 {
            let path = root.join(format!("d{}/f{i}.env", i % 20));
            if i % 2 == 0 {
                let _ = std::fs::remove_file(&path);
            } else {
                let _ = std::fs::write(&path, "changed\n");
            }
        }
    });
    let run = Run::within(&mut command, LIMIT);
    vandal.join().unwrap();
    assert!(matches!(run.code, 0..=2), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    let doc = run.json();
    // Whatever was read was reported consistently; what vanished is named, not ignored.
    let errors = doc["stats"]["errors"].as_u64().unwrap();
    assert_eq!(errors > 0, run.code == 2);
    assert_eq!(
        run.stderr.matches("cannot read").count() as u64,
        errors,
        "{}",
        run.stderr
    );
}

#[test]
fn odd_file_names_are_exact_in_json_and_escaped_for_terminals() {
    let dir = TestDir::new();
    let newline = "new\nline.env";
    let escape = "\x1b[31mred\x1b[0m.env";
    dir.write(newline, token_line());
    dir.write(escape, token_line());
    let json = scan_within(&dir, &["--format", "json"]);
    let mut paths: Vec<String> = json.findings().into_iter().map(|f| f.1).collect();
    paths.sort();
    assert_eq!(paths, [escape.to_string(), newline.to_string()]);
    let human = scan_within(&dir, &["--color", "never"]);
    assert!(!human.stdout.contains('\x1b'), "{:?}", human.stdout);
    assert!(
        human.stdout.contains("new\\u{a}line.env"),
        "{}",
        human.stdout
    );
}

#[test]
fn invalid_utf8_around_a_secret_does_not_hide_it() {
    let dir = TestDir::new();
    // (Not starting with FF FE or FE FF, which would be a UTF-16 byte-order mark.)
    let mut bytes = b"\xc3\x28 junk \xfd\xfc\n".to_vec();
    bytes.extend(token_line().as_bytes());
    bytes.extend(b"\x80\x81 more junk\n");
    dir.write("latin.env", bytes);
    let run = scan_within(&dir, &["--format", "json"]);
    assert_eq!(
        run.findings(),
        vec![("twilio-auth-token".into(), "latin.env".into(), 2, 19)]
    );
}

/// Configures every way a repository can name a program for git to run, each pointing at a
/// script that would leave a marker file behind.
fn booby_trap(repo: &TestRepo) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let traps = TestDir::new();
    let marker = traps.path().join("pwned");
    let script = traps.write(
        "trap.sh",
        format!("#!/bin/sh\ntouch '{}'\ncat\n", marker.display()),
    );
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let script = script.to_str().unwrap().to_string();
    for (key, value) in [
        ("core.fsmonitor", script.as_str()),
        ("diff.external", script.as_str()),
        ("filter.trap.clean", script.as_str()),
        ("filter.trap.smudge", script.as_str()),
        ("filter.trap.process", script.as_str()),
        ("diff.trap.textconv", script.as_str()),
        ("core.sshCommand", script.as_str()),
        ("core.pager", script.as_str()),
    ] {
        repo.git(&["config", key, value]);
    }
    repo.write(".gitattributes", "* filter=trap diff=trap\n");
    std::mem::forget(traps); // the marker directory must outlive the scans
    marker
}

#[test]
fn no_program_named_by_the_repository_config_is_ever_run() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    repo.commit("base");
    let marker = booby_trap(&repo);
    std::fs::remove_file(&marker).ok(); // git itself ran the filter while committing above? start clean
    repo.write("b.env", token_line());
    repo.git(&[
        "-c",
        "filter.trap.clean=cat",
        "-c",
        "filter.trap.process=",
        "add",
        "b.env",
    ]);
    std::fs::remove_file(&marker).ok();
    for args in [
        &["scan", "--format", "json"][..],
        &["staged", "--format", "json"],
        &["history", "--all", "--format", "json"],
    ] {
        let run = Run::within(repo.dir.leakfence().args(args), LIMIT);
        assert!(run.code == 1, "{args:?}: {}", run.stderr);
        assert!(
            !marker.exists(),
            "{args:?} ran a program named by the repository's config"
        );
    }
}

/// A commit of a file with a token and a plain file; returns the plain blob's id and the path
/// of its loose object.
fn commit_with_plain_blob() -> (TestRepo, String, std::path::PathBuf) {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.write("b.txt", "plain\n");
    repo.add(&["a.env", "b.txt"]);
    repo.commit("two");
    let blob = repo.git(&["rev-parse", "HEAD:b.txt"]).trim().to_string();
    let object = repo
        .path()
        .join(".git/objects")
        .join(&blob[..2])
        .join(&blob[2..]);
    (repo, blob, object)
}

/// `history` names the unreadable blob, reports the rest, and exits 2.
fn assert_blob_named(repo: &TestRepo, blob: &str) {
    let run = Run::within(
        repo.dir.leakfence().args(["history", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains(blob), "{}", run.stderr);
    assert_eq!(run.findings().len(), 1, "the readable rest is reported");
}

#[test]
fn corrupt_and_missing_loose_objects_are_named() {
    let (repo, blob, object) = commit_with_plain_blob();
    std::fs::write(&object, b"this is not zlib").unwrap();
    assert_blob_named(&repo, &blob);
    std::fs::remove_file(&object).unwrap();
    assert_blob_named(&repo, &blob);
}

#[test]
fn an_object_missing_from_a_pack_is_named() {
    let (repo, blob, _) = commit_with_plain_blob();
    // Repack everything except that blob, then drop the loose objects.
    let objects = repo.git(&["rev-list", "--objects", "--all"]);
    let keep: String = objects
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|id| *id != blob)
        .map(|id| format!("{id}\n"))
        .collect();
    repo.git_with_input(
        &["pack-objects", "-q", ".git/objects/pack/pack"],
        keep.as_bytes(),
    );
    let loose = repo.path().join(".git/objects");
    for entry in std::fs::read_dir(&loose).unwrap().flatten() {
        let name = entry.file_name();
        if name.len() == 2 {
            std::fs::remove_dir_all(entry.path()).unwrap();
        }
    }
    assert_blob_named(&repo, &blob);
}

#[test]
fn a_damaged_object_inside_a_pack_is_named() {
    let (repo, blob, _) = commit_with_plain_blob();
    repo.git(&["gc", "-q"]);
    let pack_dir = repo.path().join(".git/objects/pack");
    let file_with = |extension: &str| {
        std::fs::read_dir(&pack_dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == extension))
            .unwrap()
    };
    // `git show-index` lists "<offset> <id> (<crc>)": damage the middle of the blob's entry.
    let mut show = repo.git_command(&["show-index"]);
    show.stdin(std::fs::File::open(file_with("idx")).unwrap());
    let listing = String::from_utf8(show.output().unwrap().stdout).unwrap();
    let mut offsets: Vec<(u64, &str)> = listing
        .lines()
        .map(|l| {
            let mut words = l.split_whitespace();
            (
                words.next().unwrap().parse().unwrap(),
                words.next().unwrap(),
            )
        })
        .collect();
    offsets.sort();
    let at = offsets.iter().position(|(_, id)| *id == blob).unwrap();
    let pack = file_with("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    let end = offsets
        .get(at + 1)
        .map_or(bytes.len() as u64 - 20, |(o, _)| *o);
    let middle = ((offsets[at].0 + end) / 2) as usize;
    bytes[middle] ^= 0xff;
    let mut permissions = std::fs::metadata(&pack).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack, permissions).unwrap();
    std::fs::write(&pack, &bytes).unwrap();
    assert_blob_named(&repo, &blob);
}

#[test]
fn a_truncated_index_does_not_stop_a_scan() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    let index = repo.path().join(".git/index");
    let bytes = std::fs::read(&index).unwrap();
    std::fs::write(&index, &bytes[..bytes.len() - 30]).unwrap();
    let run = Run::within(
        repo.dir.leakfence().args(["scan", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(run.findings().len(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("index"),
        "the problem is named: {}",
        run.stderr
    );
}

#[test]
fn bare_repositories_and_detached_heads() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    let first = repo.commit("leak");
    repo.write("b.txt", "x\n");
    repo.add(&["b.txt"]);
    repo.commit("more");
    let clones = TestDir::new();
    let bare = clones.path().join("bare.git");
    repo.git(&[
        "clone",
        "-q",
        "--bare",
        repo.path().to_str().unwrap(),
        bare.to_str().unwrap(),
    ]);
    let history = Run::within(
        repo.dir.leakfence().args([
            "history",
            "--format",
            "json",
            "--repo",
            bare.to_str().unwrap(),
        ]),
        LIMIT,
    );
    assert_eq!(history.findings().len(), 1, "{}", history.stderr);
    let staged = Run::within(
        repo.dir
            .leakfence()
            .args(["staged", "--repo", bare.to_str().unwrap()]),
        LIMIT,
    );
    assert_eq!(staged.code, 2);
    assert!(staged.stderr.contains("bare"), "{}", staged.stderr);

    repo.git(&["checkout", "-q", "--detach", &first]);
    let detached = Run::within(
        repo.dir.leakfence().args(["history", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(detached.findings().len(), 1, "{}", detached.stderr);
    repo.write("c.env", token_line());
    repo.add(&["c.env"]);
    let staged = Run::within(
        repo.dir.leakfence().args(["staged", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(staged.findings().len(), 1, "{}", staged.stderr);
}

/// A repository whose one commit holds `file` below `depth` nested directories, written by
/// `git fast-import` (no checkout: no file system path limit applies).
fn deeply_nested(depth: usize, file: &str) -> TestRepo {
    let repo = TestRepo::new();
    let path = format!("{}/{file}", vec!["d"; depth].join("/"));
    let data = token_line();
    let stream = format!(
        "commit refs/heads/main\ncommitter A <a@example.com> 1700000000 +0000\ndata 4\ndeep\n\
         M 100644 inline {path}\ndata {}\n{data}\n",
        data.len()
    );
    repo.git_with_input(&["fast-import", "--quiet"], stream.as_bytes());
    repo
}

#[test]
fn trees_nested_as_deep_as_git_allows_are_walked_and_deeper_ones_refused() {
    let within = deeply_nested(4000, "app.env");
    let run = Run::within(
        within
            .dir
            .leakfence()
            .args(["history", "--all", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.findings().len(), 1);

    // The same depth staged: the index walk recurses as deep.
    let staged = TestRepo::new();
    staged.write("a.env", token_line());
    let blob = staged.git(&["hash-object", "-w", "a.env"]);
    let deep_path = format!("{}/a.env", vec!["d"; 4000].join("/"));
    let cacheinfo = format!("100644,{},{deep_path}", blob.trim());
    staged.git(&["update-index", "--add", "--cacheinfo", &cacheinfo]);
    let run = Run::within(
        staged.dir.leakfence().args(["staged", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.findings().len(), 1);

    let beyond = deeply_nested(4200, "app.env");
    let run = Run::within(
        beyond
            .dir
            .leakfence()
            .args(["history", "--all", "--format", "json"]),
        LIMIT,
    );
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("nested deeper than 4096 directories"),
        "{}",
        run.stderr
    );
}
