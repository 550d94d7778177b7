//! Exit codes: one pure function from the outcome of a run to the process status.

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination() {
        assert_eq!(exit_code(false, false), CLEAN);
        assert_eq!(exit_code(true, false), BLOCKING);
        assert_eq!(exit_code(false, true), ERROR);
        assert_eq!(exit_code(true, true), ERROR);
    }
}
