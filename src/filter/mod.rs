//! Filters: pure functions over findings that decide what is reported.

/// The inline marker that silences every finding on its line.
pub const ALLOW_MARKER: &str = "leakfence:allow";

use crate::finding::Finding;

/// Drops findings on lines that hold [`ALLOW_MARKER`] (in any comment syntax).
pub fn drop_inline_allowed(findings: &mut Vec<Finding>) {
    findings.retain(|f| !f.line_text.contains(ALLOW_MARKER));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::{Location, RuleId, Severity, Span};

    fn on_line(line_text: &str) -> Finding {
        Finding {
            rule: RuleId::AuthToken,
            severity: Severity::High,
            path: "x".into(),
            location: Location { line: 1, column: 1 },
            end_column: 2,
            span: Span { start: 0, end: 1 },
            secret: "s".into(),
            line_text: line_text.into(),
            commit: None,
            in_head: None,
        }
    }

    #[test]
    fn marker_silences_only_its_line() {
        let mut findings = vec![on_line("token = s # leakfence:allow"), on_line("token = s")];
        drop_inline_allowed(&mut findings);
        assert_eq!(findings.len(), 1);
        assert_eq!(findings[0].line_text, "token = s");
    }
}
