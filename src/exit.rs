//! Exit codes: one pure function from the outcome of a run to the process status, and the one
//! place that decides which failed runs end quietly (a reader of the output that went away).

use std::fmt;
use std::io;

/// Nothing blocking was found and everything could be read.
pub const CLEAN: u8 = 0;
/// At least one blocking finding.
pub const BLOCKING: u8 = 1;
/// An error, or a scan that could not read everything (it may have missed something).
pub const ERROR: u8 = 2;

/// The exit code for a finished run. An incomplete scan wins over findings, as in ripgrep:
/// CI must never take a partial scan for a complete one.
pub fn exit_code(has_blocking: bool, incomplete: bool) -> u8 {
    match (has_blocking, incomplete) {
        (_, true) => ERROR,
        (true, false) => BLOCKING,
        (false, false) => CLEAN,
    }
}

/// An error writing a command's output (the report, the rule list), which struck once the run
/// had already earned its exit code. It reads exactly as the I/O error it wraps.
#[derive(Debug)]
pub struct OutputError {
    code: u8,
    error: io::Error,
}

impl OutputError {
    /// `error`, struck while writing the output of a run that had earned `code`.
    pub fn new(code: u8, error: io::Error) -> OutputError {
        OutputError { code, error }
    }
}

impl fmt::Display for OutputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

impl std::error::Error for OutputError {
    // Transparent: the wrapped error's own causes, not the wrapped error a second time.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error.source()
    }
}

/// The exit code of a run that ended in `error` without a message, or `None` when the error
/// must be printed (and the run exits with [`ERROR`]).
///
/// Only a broken pipe on a command's output ends quietly (`leakfence scan | head`: the reader
/// went away, as in ripgrep), with the code the run had earned, so the status still says what
/// was found. A broken pipe anywhere else (say, to a git process that died) is a real error.
pub fn quiet_code(error: &anyhow::Error) -> Option<u8> {
    error
        .chain()
        .find_map(|cause| cause.downcast_ref::<OutputError>())
        .filter(|output| output.error.kind() == io::ErrorKind::BrokenPipe)
        .map(|output| output.code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn every_combination() {
        assert_eq!(exit_code(false, false), CLEAN);
        assert_eq!(exit_code(true, false), BLOCKING);
        assert_eq!(exit_code(false, true), ERROR);
        assert_eq!(exit_code(true, true), ERROR);
    }

    fn output_error(code: u8, kind: io::ErrorKind) -> anyhow::Error {
        let written: Result<(), _> = Err(OutputError::new(code, io::Error::from(kind)));
        written.context("cannot write the report").unwrap_err()
    }

    #[test]
    fn a_broken_pipe_on_the_output_keeps_the_earned_code() {
        for code in [CLEAN, BLOCKING, ERROR] {
            let error = output_error(code, io::ErrorKind::BrokenPipe);
            assert_eq!(quiet_code(&error), Some(code));
            let bare: anyhow::Error =
                OutputError::new(code, io::ErrorKind::BrokenPipe.into()).into();
            assert_eq!(quiet_code(&bare), Some(code));
        }
    }

    #[test]
    fn other_errors_are_printed() {
        assert_eq!(
            quiet_code(&output_error(BLOCKING, io::ErrorKind::StorageFull)),
            None
        );
        let elsewhere = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe))
            .context("cannot talk to git");
        assert_eq!(quiet_code(&elsewhere), None);
    }

    #[test]
    fn an_output_error_reads_as_the_error_it_wraps() {
        let inner = io::Error::other("disk full");
        let expected = format!(
            "{:#}",
            anyhow::Error::new(io::Error::other("disk full")).context("x")
        );
        let wrapped = Err::<(), _>(OutputError::new(BLOCKING, inner))
            .context("x")
            .unwrap_err();
        assert_eq!(format!("{wrapped:#}"), expected);
        assert_eq!(format!("{wrapped:#}"), "x: disk full");
    }
}
