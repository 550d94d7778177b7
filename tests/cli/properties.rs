//! Property tests of the detector: planted credentials are found at their exact position, the
//! prefilter never changes results (decoding included: random text mixes in encoded pairs and
//! the decoders' triggers), CRLF equals LF, arbitrary bytes never panic, and redacted reports
//! never contain a secret.

use crate::common::{fixtures, template};
use leakfence::detect::Detector;
use leakfence::finding::Provenance;
use leakfence::finding::Stats;
use leakfence::finding::{sort_findings, RuleId, Severity};
use leakfence::report::{human::Human, json::Json, GroupBy, Report, ReportOptions};
use leakfence::source::{findings_in, Origin};
use proptest::prelude::*;

fn positive_cases(rule: RuleId) -> Vec<String> {
    let path = fixtures()
        .join("rules")
        .join(rule.as_str())
        .join("positive.txt");
    let text = std::fs::read_to_string(path).expect("corpus");
    template::cases(&text).map(str::to_owned).collect()
}

/// Lines of filler that hold no anchor: lowercase words, digits and punctuation.
fn filler_line() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[a-z0-9 =:,.#(){}\"'-]{0,60}").expect("filler regex")
}

fn origin() -> Origin {
    Origin {
        path: "planted.txt".into(),
        provenance: Provenance::File,
    }
}

/// Base64 of an SID and a value joined by a colon, as in a Basic header (generated).
fn encoded_pair() -> impl Strategy<Value = String> {
    use base64::Engine;
    ("(AC|SK)[0-9a-f]{32}", "[0-9a-f]{32}|[A-Za-z0-9]{32}").prop_map(|(sid, value)| {
        base64::engine::general_purpose::STANDARD.encode(format!("{sid}:{value}"))
    })
}

/// Fragments that exercise the decoding stage's triggers and encodings.
fn encoded_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("Authorization: Basic ".to_string()),
        Just("kind: Secret\ndata:\n  ".to_string()),
        Just("{\"auths\": {\"r\": {\"auth\": \"".to_string()),
        Just("%3A".to_string()),
        Just("%3D".to_string()),
        Just("\\x61".to_string()),
        Just("\\u0022".to_string()),
        Just("\" + \"".to_string()),
        Just("\" \"".to_string()),
        Just("\"\n    \"".to_string()),
        Just("\\\n".to_string()),
        Just("\"".to_string()),
        encoded_pair(),
    ]
}

/// Fragments that exercise every anchor and context rule when glued together at random.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => plain_fragment(),
        1 => encoded_fragment(),
    ]
}

/// Fragments of plain text: anchors, names, values and separators.
fn plain_fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("AC".to_string()),
        Just("SK".to_string()),
        Just("eyJ".to_string()),
        Just("twilio".to_string()),
        Just("TWILIO_AUTH_TOKEN=".to_string()),
        Just("authToken: ".to_string()),
        Just("api_secret = ".to_string()),
        Just("md5=".to_string()),
        Just("\n".to_string()),
        Just("\r\n".to_string()),
        Just("\", \"".to_string()),
        Just(":".to_string()),
        Just("@".to_string()),
        Just(".".to_string()),
        "[0-9a-f]{32}",
        "[0-9a-f]{1,40}",
        "[A-Za-z0-9]{32}",
        "[A-Za-z0-9_-]{4,40}",
        "[ -~]{0,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn planted_credential_is_found_at_its_line_and_column(
        rule_index in 0usize..leakfence::detect::RULES.len(),
        case_pick in any::<prop::sample::Index>(),
        before in prop::collection::vec(filler_line(), 0..20),
        after in prop::collection::vec(filler_line(), 0..5),
        crlf in any::<bool>(),
    ) {
        let rule = leakfence::detect::RULES[rule_index].id;
        let cases = positive_cases(rule);
        let filled = template::fill(case_pick.get::<String>(&cases));
        let name = rule.rule().sample.templates[0];
        let span = filled.spans[name][0].clone();
        let secret = &filled.text[span.clone()];
        let prefix = before.iter().map(|l| format!("{l}\n")).collect::<String>();
        let mut text = format!("{prefix}{}\n{}", filled.text, after.join("\n"));
        let line_in_case = filled.text[..span.start].matches('\n').count();
        let column_in_line = span.start - filled.text[..span.start].rfind('\n').map_or(0, |i| i + 1) + 1;
        if crlf {
            text = text.replace('\n', "\r\n");
        }
        let findings = findings_in(&Detector::new(), &origin(), text.as_bytes());
        let hit = findings.iter().find(|f| f.rule == rule && f.secret == secret);
        prop_assert!(hit.is_some(), "{rule} not found in {text:?}");
        let hit = hit.unwrap();
        prop_assert_eq!(hit.location.line, before.len() + line_in_case + 1);
        prop_assert_eq!(hit.location.column, column_in_line);
    }

    #[test]
    fn the_same_text_with_a_placeholder_of_the_same_shape_is_clean(
        rule_index in 0usize..leakfence::detect::RULES.len(),
        case_pick in any::<prop::sample::Index>(),
        placeholder in prop_oneof![Just('a'), Just('0'), Just('x'), Just('f')],
    ) {
        let rule = leakfence::detect::RULES[rule_index].id;
        let cases = positive_cases(rule);
        let filled = template::fill(case_pick.get::<String>(&cases));
        // Every planted value becomes a run of one character, keeping its shape (the prefixes
        // the rows anchor on, JWT dots) so that only the statistics of the value differ.
        let prefixes: Vec<&str> = leakfence::detect::RULES
            .iter()
            .filter_map(|r| match r.matcher {
                leakfence::detect::rule::Matcher::Anchored(anchored) => Some(anchored.keywords),
                _ => None,
            })
            .flatten()
            .copied()
            .collect();
        let mut text = filled.text.clone();
        let mut spans: Vec<std::ops::Range<usize>> = filled.spans.values().flatten().cloned().collect();
        spans.sort_by_key(|r| std::cmp::Reverse(r.start));
        for span in spans {
            let value = &filled.text[span.clone()];
            let same_shape: String = value
                .char_indices()
                .map(|(i, c)| {
                    let kept = prefixes.iter().find(|p| value.starts_with(**p)).map_or(0, |p| p.len());
                    if i < kept || c == '.' { c } else { placeholder }
                })
                .collect();
            text.replace_range(span, &same_shape);
        }
        let findings = findings_in(&Detector::new(), &origin(), text.as_bytes());
        let blocking: Vec<_> = findings.iter().filter(|f| f.is_blocking(Severity::High)).collect();
        prop_assert!(blocking.is_empty(), "{text:?} gave {blocking:?}");
    }

    #[test]
    fn prefilter_never_changes_results(parts in prop::collection::vec(fragment(), 0..40)) {
        let text = parts.concat();
        let with = Detector::new().detect(text.as_bytes());
        let without = Detector::builder().prefilter(false).build().detect(text.as_bytes());
        prop_assert_eq!(with, without);
    }

    #[test]
    fn crlf_and_lf_agree(parts in prop::collection::vec(fragment(), 0..40)) {
        let lf = parts.concat().replace("\r\n", "\n");
        let crlf = lf.replace('\n', "\r\n");
        let positions = |text: &str| {
            findings_in(&Detector::new(), &origin(), text.as_bytes())
                .into_iter()
                .map(|f| (f.rule, f.location, f.secret))
                .collect::<Vec<_>>()
        };
        prop_assert_eq!(positions(&lf), positions(&crlf));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let with = Detector::new().detect(&bytes);
        let without = Detector::builder().prefilter(false).build().detect(&bytes);
        prop_assert_eq!(&with, &without);
        for detection in with {
            prop_assert!(detection.span.start < detection.span.end && detection.span.end <= bytes.len());
        }
    }

    #[test]
    fn redacted_reports_never_hold_a_secret(
        rule_index in 0usize..leakfence::detect::RULES.len(),
        case_pick in any::<prop::sample::Index>(),
    ) {
        let rule = leakfence::detect::RULES[rule_index].id;
        let cases = positive_cases(rule);
        let filled = template::fill(case_pick.get::<String>(&cases));
        let mut findings = findings_in(&Detector::new(), &origin(), filled.text.as_bytes());
        sort_findings(&mut findings);
        prop_assert!(!findings.is_empty());
        let options = ReportOptions { show_secrets: false, color: false, fail_on: Severity::High, group_by: GroupBy::Line };
        let reporters: [Box<dyn Report>; 2] = [Box::new(Human { options }), Box::new(Json { options })];
        for reporter in reporters {
            let mut out = Vec::new();
            reporter.write(&mut out, &findings, &Stats::default()).unwrap();
            let out = String::from_utf8(out).unwrap();
            for finding in &findings {
                prop_assert!(!out.contains(&finding.secret), "{} leaked in {out}", finding.secret);
            }
        }
    }
}
