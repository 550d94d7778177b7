//! Filters: pure functions over findings that decide what is reported.
//!
//! They take plain parameters (an [`Allowlist`], rule sets), not the configuration that holds
//! them: configuration builds filters, filters never read configuration.

pub mod allowlist;
pub mod baseline;

use crate::finding::{Finding, RuleId, Severity};
use allowlist::Allowlist;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The inline marker that silences every finding on its line.
pub const ALLOW_MARKER: &str = "leakfence:allow";

/// Drops what the user allowed: inline allow markers, the configured `allowlist`, and the
/// scanner's own configuration and baseline files (`own_files`, never reported). Finding paths
/// are resolved against `base` to recognise those files.
pub fn drop_allowed(
    findings: &mut Vec<Finding>,
    allowlist: &Allowlist,
    base: &Path,
    own_files: &[PathBuf],
) {
    drop_inline_allowed(findings);
    findings.retain(|f| !allowlist.allows(f));
    if !own_files.is_empty() {
        findings.retain(|f| {
            base.join(&f.path)
                .canonicalize()
                .map_or(true, |p| !own_files.contains(&p))
        });
    }
}

/// Applies per-rule settings: findings of `disabled` rules are dropped, severities overridden
/// by `severity`. Runs after verification, which may pair a credential with a finding of a
/// disabled rule.
pub fn apply_rule_settings(
    findings: &mut Vec<Finding>,
    disabled: &HashSet<RuleId>,
    severity: &HashMap<RuleId, Severity>,
) {
    findings.retain(|f| !disabled.contains(&f.rule));
    for finding in findings.iter_mut() {
        if let Some(severity) = severity.get(&finding.rule) {
            finding.severity = *severity;
        }
    }
}

/// Drops findings on lines that hold [`ALLOW_MARKER`] (in any comment syntax).
pub fn drop_inline_allowed(findings: &mut Vec<Finding>) {
    findings.retain(|f| !f.line_text.contains(ALLOW_MARKER));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn on_line(line_text: &str) -> Finding {
        Finding {
            line_text: line_text.into(),
            ..Finding::example(
                crate::detect::rules::pick::contextual_secret(),
                "x",
                1,
                1,
                "s",
            )
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
