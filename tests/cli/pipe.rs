//! Output into a reader that goes away (`leakfence scan | head`): no error message, and the
//! exit status still says what the run found (`exit::quiet_code`).

use crate::common::repo::{TestDir, TestRepo};
use crate::common::{secrets, Run};
use std::process::{Command, Stdio};

/// Runs `command` with its standard output a pipe whose reader is already closed: the first
/// write fails with a broken pipe.
fn run_into_closed_pipe(command: &mut Command) -> Run {
    let (reader, writer) = std::io::pipe().expect("create a pipe");
    drop(reader);
    let output = command
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .expect("run leakfence");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

#[test]
fn a_reader_that_goes_away_is_not_an_error_in_any_format() {
    // `leakfence scan --format json | head -c 100`: the report is larger than a pipe holds,
    // the reader leaves early, and the exit status still says what was found.
    let dir = TestDir::new();
    for i in 0..300 {
        dir.write(&format!("config/app{i}.env"), token_line());
    }
    for format in ["human", "json", "sarif", "github", "gitlab"] {
        let mut child = dir
            .leakfence()
            .args(["scan", "--format", format, "--color", "never", "."])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = child.stdout.take().unwrap();
        let mut first = [0u8; 100];
        std::io::Read::read_exact(&mut stdout, &mut first).unwrap();
        drop(stdout);
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

#[test]
fn a_closed_reader_keeps_each_commands_exit_code() {
    let dir = TestDir::new();
    dir.write("a.env", token_line());
    for format in ["human", "json"] {
        let run = run_into_closed_pipe(dir.leakfence().args(["scan", "--format", format]));
        assert_eq!((run.code, run.stderr.as_str()), (1, ""), "scan {format}");
    }

    let clean = TestDir::new();
    clean.write("a.txt", "nothing here\n");
    let run = run_into_closed_pipe(clean.leakfence().arg("scan"));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "a clean scan");

    // An incomplete scan still exits 2, having said why, and only that.
    dir.write("b.env", token_line());
    std::os::unix::fs::symlink(dir.path().join("missing"), dir.path().join("dangling")).unwrap();
    let run = run_into_closed_pipe(dir.leakfence().arg("scan"));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert_eq!(run.stderr, "leakfence: dangling: broken symbolic link\n");

    let run = run_into_closed_pipe(clean.leakfence().arg("rules"));
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "rules");
}

#[test]
fn a_closed_reader_of_staged_and_history_is_quiet() {
    let repo = TestRepo::new();
    repo.write("a.env", token_line());
    repo.add(&["a.env"]);
    let run = run_into_closed_pipe(repo.dir.leakfence().arg("staged"));
    assert_eq!((run.code, run.stderr.as_str()), (1, ""), "staged");
    repo.commit("leak");
    let run = run_into_closed_pipe(repo.dir.leakfence().arg("history"));
    assert_eq!((run.code, run.stderr.as_str()), (1, ""), "history");
}
