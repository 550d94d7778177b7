//! A finding for unit tests of the stages that take findings (filters, reporters, `--verify`).

use super::{Finding, Location, RuleId, Span};

impl Finding {
    /// A finding for unit tests: `rule` at `path:line:column`, the secret alone on its line.
    /// Tests override what they need with struct update syntax.
    pub(crate) fn example(
        rule: RuleId,
        path: &str,
        line: usize,
        column: usize,
        secret: &str,
    ) -> Finding {
        Finding {
            rule,
            severity: crate::detect::rules::rule(rule).severity,
            path: path.into(),
            location: Location { line, column },
            end_column: column + secret.chars().count(),
            span: Span {
                start: 0,
                end: secret.len(),
            },
            secret: secret.into(),
            decoded: None,
            encoded: None,
            line_text: secret.into(),
            provenance: super::Provenance::File,
            in_head: None,
            head_path: None,
            removed: None,
            repository: None,
            verification: None,
        }
    }
}
