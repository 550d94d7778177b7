//! The configured allowlist: paths, exact secrets, secret patterns and placeholder words.

use crate::finding::Finding;
use ignore::gitignore::{Gitignore, GitignoreBuilder};
use regex::Regex;
use std::collections::HashSet;
use std::ops::Range;

/// What the configuration says is never reported.
#[derive(Debug, Default)]
pub struct Allowlist {
    paths: Option<Gitignore>,
    secrets: HashSet<String>,
    patterns: Vec<Regex>,
    words: Vec<String>,
}

/// A glob or regex in the allowlist that does not compile; `span` locates it in the file.
#[derive(Debug, thiserror::Error)]
pub enum AllowlistError {
    /// A path glob is invalid.
    #[error("{message}")]
    Glob {
        /// Byte range in the configuration text.
        span: Range<usize>,
        /// What is wrong.
        message: String,
    },
    /// A secret pattern is not a valid regex.
    #[error("{message}")]
    Pattern {
        /// Byte range in the configuration text.
        span: Range<usize>,
        /// What is wrong.
        message: String,
    },
}

impl Allowlist {
    /// Compiles an allowlist. Globs follow gitignore rules; patterns must match a whole value.
    pub fn new(
        globs: &[(&str, Range<usize>)],
        secrets: Vec<String>,
        patterns: &[(&str, Range<usize>)],
        words: Vec<String>,
    ) -> Result<Allowlist, AllowlistError> {
        let paths = if globs.is_empty() {
            None
        } else {
            let mut builder = GitignoreBuilder::new("");
            for (glob, span) in globs {
                builder
                    .add_line(None, glob)
                    .map_err(|e| AllowlistError::Glob {
                        span: span.clone(),
                        message: format!("invalid path glob `{glob}`: {e}"),
                    })?;
            }
            Some(builder.build().map_err(|e| AllowlistError::Glob {
                span: globs[0].1.clone(),
                message: format!("invalid path globs: {e}"),
            })?)
        };
        let patterns = patterns
            .iter()
            .map(|(pattern, span)| {
                Regex::new(&format!("^(?:{pattern})$")).map_err(|e| AllowlistError::Pattern {
                    span: span.clone(),
                    message: format!(
                        "invalid secret pattern `{pattern}`: {}",
                        first_line(&e.to_string())
                    ),
                })
            })
            .collect::<Result<_, _>>()?;
        let words = words
            .into_iter()
            .map(|w| w.to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        Ok(Allowlist {
            paths,
            secrets: secrets.into_iter().collect(),
            patterns,
            words,
        })
    }

    /// Whether the allowlist covers a finding.
    pub fn allows(&self, finding: &Finding) -> bool {
        let path_allowed = self.paths.as_ref().is_some_and(|globs| {
            globs
                .matched_path_or_any_parents(&finding.path, false)
                .is_ignore()
        });
        let secret = &finding.secret;
        path_allowed
            || self.secrets.contains(secret)
            || self.patterns.iter().any(|p| p.is_match(secret))
            || (!self.words.is_empty() && {
                let lower = secret.to_lowercase();
                self.words.iter().any(|w| lower.contains(w.as_str()))
            })
    }
}

fn first_line(text: &str) -> String {
    text.lines().last().unwrap_or(text).trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finding(path: &str, secret: &str) -> Finding {
        Finding::example(
            crate::detect::rules::pick::contextual_secret(),
            path,
            1,
            1,
            secret,
        )
    }

    #[test]
    fn every_kind_of_entry() {
        let list = Allowlist::new(
            &[("fixtures/**", 0..1), ("*.md", 0..1)],
            vec!["exact-value".into()],
            &[("AC0+[0-9]", 0..1)],
            vec!["Sandbox".into()],
        )
        .unwrap();
        assert!(list.allows(&finding("fixtures/a/b.env", "x")));
        assert!(list.allows(&finding("docs/readme.md", "x")));
        assert!(!list.allows(&finding("src/a.env", "x")));
        assert!(list.allows(&finding("src/a.env", "exact-value")));
        assert!(list.allows(&finding("src/a.env", "AC0007")));
        assert!(
            !list.allows(&finding("src/a.env", "xAC0007")),
            "patterns match whole values"
        );
        assert!(list.allows(&finding("src/a.env", "mySANDBOXkey")));
    }

    #[test]
    fn bad_entries_are_errors_with_their_span() {
        let err = Allowlist::new(&[], vec![], &[("(", 5..8)], vec![]).unwrap_err();
        assert!(matches!(err, AllowlistError::Pattern { span, .. } if span == (5..8)));
        let err = Allowlist::new(&[("src/{a,b", 9..15)], vec![], &[], vec![]).unwrap_err();
        assert!(matches!(err, AllowlistError::Glob { span, .. } if span == (9..15)));
    }
}
