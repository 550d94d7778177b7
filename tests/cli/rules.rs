//! The rule corpora in `fixtures/rules/`, filled with generated values, against the detector.

use crate::common::{fixtures, template};
use leakfence::detect::{Detection, Detector};
use leakfence::finding::RuleId;
use std::ops::Range;

/// The template names whose substitutions a rule's positives must be found at.
fn templates_of(rule: RuleId) -> &'static [&'static str] {
    rule.rule().sample.templates
}

fn read(relative: &str) -> String {
    std::fs::read_to_string(fixtures().join("rules").join(relative)).expect(relative)
}

fn detect_both_ways(text: &str) -> Vec<Detection> {
    let with = Detector::new().detect(text.as_bytes());
    let without = Detector::builder()
        .prefilter(false)
        .build()
        .detect(text.as_bytes());
    assert_eq!(with, without, "prefilter changed the result for:\n{text}");
    with
}

fn spans_of(found: &[Detection], rule: RuleId) -> Vec<Range<usize>> {
    found
        .iter()
        .filter(|d| d.rule == rule)
        .map(|d| d.span.start..d.span.end)
        .collect()
}

/// Findings on lines holding the allow marker are dropped by a filter, not by the detector.
fn allowed(text: &str, span: &Range<usize>) -> bool {
    let start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[span.end..]
        .find('\n')
        .map_or(text.len(), |i| span.end + i);
    text[start..end].contains(leakfence::filter::ALLOW_MARKER)
}

#[test]
fn positives_are_found_exactly_where_planted() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for rule in RuleId::all() {
        for case in template::cases(&read(&format!("{rule}/positive.txt"))) {
            let filled = template::fill(case);
            let mut expected: Vec<Range<usize>> = templates_of(rule)
                .iter()
                .flat_map(|name| filled.spans.get(*name).cloned().unwrap_or_default())
                .collect();
            expected.sort_by_key(|r| r.start);
            let found = spans_of(&detect_both_ways(&filled.text), rule);
            if found != expected || expected.is_empty() {
                failures.push(format!(
                    "{rule}: {case}\n  expected {expected:?}, found {found:?}"
                ));
            }
            checked += 1;
        }
    }
    assert!(checked > 80, "only {checked} positive cases");
    assert!(
        failures.is_empty(),
        "{} positive case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn negatives_are_not_reported_under_their_rule() {
    let mut failures = Vec::new();
    for rule in RuleId::all() {
        for case in template::cases(&read(&format!("{rule}/negative.txt"))) {
            let filled = template::fill(case);
            let found: Vec<_> = spans_of(&detect_both_ways(&filled.text), rule)
                .into_iter()
                .filter(|span| !allowed(&filled.text, span))
                .collect();
            if !found.is_empty() {
                failures.push(format!(
                    "{rule}: {case}\n  found at {found:?} in {:?}",
                    filled.text
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} negative case(s) reported:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn placeholders_are_never_reported() {
    let mut failures = Vec::new();
    for case in template::cases(&read("placeholders.txt")) {
        let filled = template::fill(case);
        let found = detect_both_ways(&filled.text);
        if !found.is_empty() {
            failures.push(format!("{case}\n  found {found:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} placeholder case(s) reported:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_rule_of_the_table_has_examples_and_every_folder_a_rule() {
    for rule in RuleId::all() {
        for kind in ["positive", "negative"] {
            let path = fixtures()
                .join("rules")
                .join(rule.as_str())
                .join(format!("{kind}.txt"));
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{rule} needs {}: {e}", path.display()));
            let cases = template::cases(&text).count();
            assert!(cases >= 3, "{rule}: only {cases} {kind} case(s)");
        }
    }
    for entry in std::fs::read_dir(fixtures().join("rules")).expect("fixtures/rules") {
        let entry = entry.expect("a directory entry");
        if entry.path().is_dir() {
            let name = entry.file_name().to_string_lossy().into_owned();
            assert!(
                RuleId::from_str_id(&name).is_some(),
                "fixtures/rules/{name} names no rule"
            );
        }
    }
}
