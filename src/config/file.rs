//! The configuration file, `.leakfence.toml`: what it may hold, and errors that point at the
//! exact line and column of a mistake.
//!
//! ```toml
//! disable = ["<rule-id>"]                 # rules to turn off (ids: `leakfence rules`)
//! fail-on = "high"                        # the severity that blocks: low, medium or high
//! max-file-size = "50M"
//!
//! [severity]                              # per-rule severity overrides
//! <rule-id> = "medium"
//!
//! [allowlist]
//! paths = ["fixtures/**", "docs/*.md"]    # gitignore-style globs
//! secrets = ["…"]                         # exact values
//! secret-patterns = ["^AC0{30}[0-9]{2}$"] # regexes the whole value must match
//! placeholder-words = ["sandbox"]         # a value containing one is a placeholder
//! ```

use crate::filter::allowlist::{Allowlist, AllowlistError};
use crate::finding::{RuleId, Severity};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use toml::Spanned;

/// The name of the configuration file looked for at the scan or repository root.
pub const FILE_NAME: &str = ".leakfence.toml";

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawFile {
    #[serde(default)]
    disable: Vec<Spanned<String>>,
    fail_on: Option<Severity>,
    max_file_size: Option<Spanned<String>>,
    #[serde(default)]
    severity: BTreeMap<Spanned<String>, Severity>,
    #[serde(default)]
    allowlist: RawAllowlist,
    #[serde(default)]
    verify: RawVerify,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawVerify {
    api_url: Option<String>,
    verify_url: Option<String>,
    sendgrid_url: Option<String>,
    segment_url: Option<String>,
    concurrency: Option<usize>,
    timeout: Option<f64>,
}

/// `[verify]`: where and how `--verify` checks credentials.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct VerifySettings {
    /// Base URL of the REST API.
    pub api_url: Option<String>,
    /// Base URL of the Verify API.
    pub verify_url: Option<String>,
    /// Base URL of the SendGrid API.
    pub sendgrid_url: Option<String>,
    /// Base URL of the Segment Public API.
    pub segment_url: Option<String>,
    /// Requests in flight at once.
    pub concurrency: Option<usize>,
    /// Seconds per request.
    pub timeout: Option<f64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawAllowlist {
    #[serde(default)]
    paths: Vec<Spanned<String>>,
    #[serde(default)]
    secrets: Vec<String>,
    #[serde(default)]
    secret_patterns: Vec<Spanned<String>>,
    #[serde(default)]
    placeholder_words: Vec<String>,
}

/// The settings a configuration file holds, validated.
#[derive(Debug, Default)]
pub struct FileSettings {
    /// Where they came from.
    pub path: Option<PathBuf>,
    /// Rules turned off.
    pub disabled: HashSet<RuleId>,
    /// Per-rule severities.
    pub severity: HashMap<RuleId, Severity>,
    /// The severity that blocks.
    pub fail_on: Option<Severity>,
    /// The size limit.
    pub max_file_size: Option<u64>,
    /// What is never reported.
    pub allowlist: Allowlist,
    /// Verification settings.
    pub verify: VerifySettings,
}

/// A configuration file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is read but something in it is wrong.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Invalid {
        /// The file.
        path: PathBuf,
        /// 1-based line of the mistake.
        line: usize,
        /// 1-based column of the mistake.
        column: usize,
        /// What is wrong, with a suggestion where there is one.
        message: String,
    },
}

/// Reads and validates a configuration file.
pub fn load(path: &Path) -> Result<FileSettings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    parse(&text, path)
}

/// Validates configuration text; `path` is only used in messages.
pub fn parse(text: &str, path: &Path) -> Result<FileSettings, ConfigError> {
    let invalid = |span: Option<std::ops::Range<usize>>, message: String| {
        let (line, column) = span.map_or((1, 1), |s| line_column(text, s.start));
        ConfigError::Invalid {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| invalid(e.span(), explain(e.message())))?;
    let rule = |name: &Spanned<String>| {
        RuleId::from_str_id(name.get_ref()).ok_or_else(|| {
            let known: Vec<&str> = RuleId::all().map(RuleId::as_str).collect();
            invalid(
                Some(name.span()),
                format!(
                    "unknown rule `{}`{}",
                    name.get_ref(),
                    did_you_mean(name.get_ref(), &known)
                ),
            )
        })
    };
    let mut settings = FileSettings {
        path: Some(path.to_path_buf()),
        fail_on: raw.fail_on,
        ..FileSettings::default()
    };
    for name in &raw.disable {
        settings.disabled.insert(rule(name)?);
    }
    for (name, severity) in &raw.severity {
        settings.severity.insert(rule(name)?, *severity);
    }
    if let Some(size) = &raw.max_file_size {
        let bytes =
            crate::cli::parse_size(size.get_ref()).map_err(|e| invalid(Some(size.span()), e))?;
        settings.max_file_size = Some(bytes);
    }
    settings.verify = VerifySettings {
        api_url: raw.verify.api_url,
        verify_url: raw.verify.verify_url,
        sendgrid_url: raw.verify.sendgrid_url,
        segment_url: raw.verify.segment_url,
        concurrency: raw.verify.concurrency,
        timeout: raw.verify.timeout,
    };
    let allow = raw.allowlist;
    let globs: Vec<(&str, std::ops::Range<usize>)> = allow
        .paths
        .iter()
        .map(|g| (g.get_ref().as_str(), g.span()))
        .collect();
    let patterns: Vec<(&str, std::ops::Range<usize>)> = allow
        .secret_patterns
        .iter()
        .map(|p| (p.get_ref().as_str(), p.span()))
        .collect();
    settings.allowlist = Allowlist::new(&globs, allow.secrets, &patterns, allow.placeholder_words)
        .map_err(|e| match e {
            AllowlistError::Glob { span, message } | AllowlistError::Pattern { span, message } => {
                invalid(Some(span), message)
            }
        })?;
    Ok(settings)
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The parser's message, with a did-you-mean for unknown keys.
fn explain(message: &str) -> String {
    let message = message.trim();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_string();
    };
    let Some((unknown, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    format!(
        "unknown key `{unknown}`{}",
        did_you_mean(unknown, &candidates)
    )
}

/// `; did you mean `x`?` when a candidate is within two edits, else the list of valid names.
fn did_you_mean(word: &str, candidates: &[&str]) -> String {
    let best = candidates
        .iter()
        .map(|c| (edit_distance(word, c), *c))
        .min();
    match best {
        Some((distance, candidate)) if distance <= 2.max(word.len() / 4) => {
            format!("; did you mean `{candidate}`?")
        }
        _ if candidates.is_empty() => String::new(),
        _ => format!("; expected one of: {}", candidates.join(", ")),
    }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(previous + 1);
        }
    }
    row[b.len()]
}

/// The commented starter file `leakfence config init` writes: the template below with an
/// example rule id from the table.
pub fn starter() -> String {
    let example = crate::detect::RULES
        .iter()
        .find(|rule| rule.severity == Severity::Low)
        .unwrap_or(&crate::detect::RULES[0]);
    STARTER_TEMPLATE.replace("{EXAMPLE_RULE}", example.key)
}

/// The starter file, with `{EXAMPLE_RULE}` where an example rule id goes.
const STARTER_TEMPLATE: &str = r#"# leakfence configuration. Every key is optional; see `leakfence rules` for rule ids.

# Rules to turn off.
disable = []

# The lowest severity that blocks (exit code 1): "low", "medium" or "high".
fail-on = "high"

# Files larger than this are skipped with a warning.
max-file-size = "50M"

# Per-rule severity overrides.
[severity]
# {EXAMPLE_RULE} = "low"

[allowlist]
# gitignore-style globs of paths that are never reported (relative to the scanned root).
paths = []
# Exact values that are never reported (prefer an inline `leakfence:allow` comment).
secrets = []
# Regexes; a value that matches one completely is never reported.
secret-patterns = []
# A value containing one of these words (any case) is a placeholder.
placeholder-words = []

# How `--verify` checks credentials (GET requests only). The environment variables
# LEAKFENCE_TWILIO_API_URL, LEAKFENCE_TWILIO_VERIFY_URL, LEAKFENCE_SENDGRID_API_URL and
# LEAKFENCE_SEGMENT_API_URL override the URLs.
[verify]
# api-url = "https://api.twilio.com"
# verify-url = "https://verify.twilio.com"
# sendgrid-url = "https://api.sendgrid.com"
# segment-url = "https://api.segmentapis.com"
concurrency = 4
timeout = 10
"#;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::rules::pick;

    fn error(text: &str) -> String {
        parse(text, Path::new(".leakfence.toml"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn starter_file_is_valid() {
        let settings = parse(&starter(), Path::new("x")).unwrap();
        assert_eq!(settings.fail_on, Some(Severity::High));
        assert_eq!(settings.max_file_size, Some(50 << 20));
    }

    #[test]
    fn full_file() {
        let (off, lowered) = (pick::low_identifier(), pick::other_secret());
        let text = format!(
            r#"
disable = ["{off}"]
fail-on = "medium"
[severity]
{lowered} = "medium"
[allowlist]
paths = ["fixtures/**"]
secret-patterns = ["^x+$"]
"#
        );
        let s = parse(&text, Path::new("x")).unwrap();
        assert!(s.disabled.contains(&off));
        assert_eq!(s.severity[&lowered], Severity::Medium);
        assert_eq!(s.fail_on, Some(Severity::Medium));
    }

    #[test]
    fn errors_point_at_line_and_column_with_suggestions() {
        assert_eq!(
            error("fail-on = \"high\"\nfial-on = 1\n"),
            ".leakfence.toml:2:1: unknown key `fial-on`; did you mean `fail-on`?"
        );
        let rule = pick::contextual_secret().as_str();
        let typo = &rule[..rule.len() - 1];
        assert!(
            error(&format!("disable = [\"{typo}\"]")).starts_with(&format!(
                ".leakfence.toml:1:12: unknown rule `{typo}`; did you mean `{rule}`?"
            ))
        );
        assert!(
            error("[allowlist]\nsecret-patterns = [\"(\"]").starts_with(".leakfence.toml:2:20:"),
            "{}",
            error("[allowlist]\nsecret-patterns = [\"(\"]")
        );
        assert!(error("[allowlist]\npaths = [\"src/{a,b\"]").starts_with(".leakfence.toml:2:10:"));
        assert!(error("fail-on = \"extreme\"").starts_with(".leakfence.toml:1:11:"));
        assert!(error("disable = [").starts_with(".leakfence.toml:1:"));
        assert!(error("max-file-size = \"lots\"").contains("not a size"));
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("fial-on", "fail-on"), 2);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("same", "same"), 0);
    }
}
