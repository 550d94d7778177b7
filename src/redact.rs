//! The one place that decides how much of a secret is shown.
//!
//! A leaf module (it uses nothing else of the crate): reporters and `--verify`'s details both
//! go through it.

/// How many leading characters of a secret stay visible: enough to recognise it (`SK3f…`),
/// far too few to use it.
pub const VISIBLE_PREFIX: usize = 4;

/// The secret as it may be printed: a short prefix and `…`, or the whole value when `show`.
pub fn redact(secret: &str, show: bool) -> String {
    if show {
        return secret.to_string();
    }
    let prefix: String = secret.chars().take(VISIBLE_PREFIX).collect();
    format!("{prefix}…")
}

/// `line` with every occurrence of `secret` replaced by its redacted form.
pub fn redact_in(line: &str, secret: &str, show: bool) -> String {
    if show || secret.is_empty() {
        return line.to_string();
    }
    line.replace(secret, &redact(secret, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_only_a_prefix() {
        let secret = format!("SK{}", "0123456789abcdef".repeat(2));
        let secret = secret.as_str();
        assert_eq!(redact(secret, false), "SK01…");
        assert_eq!(redact(secret, true), secret);
        assert_eq!(redact("ab", false), "ab…");
    }

    #[test]
    fn redacts_every_occurrence_in_a_line() {
        let line = "a=SECRETVALUE b=SECRETVALUE";
        assert_eq!(redact_in(line, "SECRETVALUE", false), "a=SECR… b=SECR…");
        assert_eq!(redact_in(line, "SECRETVALUE", true), line);
    }
}
