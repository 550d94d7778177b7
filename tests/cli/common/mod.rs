//! Shared test helpers: generated secrets, fixture templates, golden files, the binary,
//! temporary repos in every git format.

#![allow(dead_code)]

pub mod format;
pub mod golden;
pub mod repo;
pub mod secrets;
pub mod template;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The path of the built `leakfence` binary.
pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_leakfence"))
}

/// The repository's `fixtures/` directory.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A `leakfence` command with an isolated environment, run from `dir`.
pub fn leakfence(dir: &Path, home: &Path) -> Command {
    let mut command = Command::new(bin());
    repo::isolate(&mut command, home);
    command.current_dir(dir).stdin(Stdio::null());
    command
}

/// Runs `command` with `input` on its standard input, to completion. The input is written
/// from another thread: the child may fill its output pipe before reading all of it.
pub fn output_with_input(command: &mut Command, input: &[u8]) -> Output {
    use std::io::Write;
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn the command");
    let mut stdin = child.stdin.take().expect("piped");
    let input = input.to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let output = child.wait_with_output().expect("wait for the command");
    writer
        .join()
        .expect("writer")
        .expect("write the command's input");
    output
}

/// A finished run, with its output decoded.
pub struct Run {
    /// Exit code (-1 if killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Runs `command` to completion.
    pub fn of(command: &mut Command) -> Run {
        let Output {
            status,
            stdout,
            stderr,
        } = command.output().expect("run leakfence");
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
        }
    }

    /// The JSON report on stdout.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}\n{}", self.stdout, self.stderr))
    }

    /// `(rule, path, line, column)` of every finding in the JSON report.
    pub fn findings(&self) -> Vec<(String, String, u64, u64)> {
        self.json()["findings"]
            .as_array()
            .expect("findings array")
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["path"].as_str().unwrap().to_string(),
                    f["line"].as_u64().unwrap(),
                    f["column"].as_u64().unwrap(),
                )
            })
            .collect()
    }
}

impl Run {
    /// Runs `command` with `input` on its standard input, to completion.
    pub fn with_input(command: &mut Command, input: &[u8]) -> Run {
        let output = output_with_input(command, input);
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs `command` but kills it and fails the test if it is still running after `limit`:
    /// hostile inputs must never make leakfence hang.
    pub fn within(command: &mut Command, limit: std::time::Duration) -> Run {
        use std::io::Read;
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn leakfence");
        // Drain both pipes on threads so a full pipe cannot stall the child.
        let mut stdout = child.stdout.take().expect("stdout");
        let mut stderr = child.stderr.take().expect("stderr");
        let out = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = stdout.read_to_end(&mut s);
            s
        });
        let err = std::thread::spawn(move || {
            let mut s = Vec::new();
            let _ = stderr.read_to_end(&mut s);
            s
        });
        let started = std::time::Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            if started.elapsed() > limit {
                let _ = child.kill();
                let _ = child.wait();
                panic!("leakfence did not finish within {limit:?}");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        Run {
            code: status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.join().expect("stdout reader")).into_owned(),
            stderr: String::from_utf8_lossy(&err.join().expect("stderr reader")).into_owned(),
        }
    }
}
