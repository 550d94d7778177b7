//! Filling fixture templates (`fixtures/rules/README.md`) with generated values.

use super::secrets;
use leakfence::detect::RuleId;
use std::collections::HashMap;
use std::ops::Range;

/// A filled-in case: the text and where each template name was substituted.
pub struct Filled {
    /// The text to scan.
    pub text: String,
    /// Template name (`TOKEN`, `AC`, …) → byte ranges of its substitutions.
    pub spans: HashMap<String, Vec<Range<usize>>>,
}

/// A value for a template: a rule's own template (its row's sample recipe), or a look-alike.
fn value_for(name: &str) -> Option<String> {
    if let Some(rule) = RuleId::all().find(|r| r.rule().sample.templates.first() == Some(&name)) {
        return Some(secrets::sample(rule));
    }
    Some(match name {
        "JWT_OTHER" => secrets::other_jwt(),
        "JWT_EXAMPLE" => secrets::example_jwt(),
        "UUID" => secrets::uuid(),
        "SEQ" => "1234567890abcdef".repeat(2),
        "HEXSEQ" => "0123456789abcdef".repeat(2),
        "REPEAT_A" => "a".repeat(32),
        "DEADBEEF" => "deadbeef".repeat(4),
        _ => return None,
    })
}

/// Expands `\n`/`\t` escapes and `{NAME}` templates. One value per name per case; `${…}`
/// (shell syntax) is left alone.
pub fn fill(case: &str) -> Filled {
    let case = case.replace("\\n", "\n").replace("\\t", "\t");
    let mut values: HashMap<String, String> = HashMap::new();
    let mut spans: HashMap<String, Vec<Range<usize>>> = HashMap::new();
    let mut text = String::new();
    let mut rest = case.as_str();
    while let Some(open) = rest.find('{') {
        let close = rest[open..].find('}').map(|c| open + c);
        let name = close.map(|c| &rest[open + 1..c]);
        let shell = open > 0 && rest.as_bytes()[open - 1] == b'$';
        match (name, close) {
            (Some(name), Some(close)) if !shell && value_for(name).is_some() => {
                text.push_str(&rest[..open]);
                let value = values
                    .entry(name.to_string())
                    .or_insert_with(|| value_for(name).unwrap());
                let start = text.len();
                text.push_str(value);
                spans
                    .entry(name.to_string())
                    .or_default()
                    .push(start..text.len());
                rest = &rest[close + 1..];
            }
            _ => {
                text.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    text.push_str(rest);
    Filled { text, spans }
}

/// The cases of a corpus file: one per line, `#` comments and blank lines skipped.
pub fn cases(corpus: &str) -> impl Iterator<Item = &str> {
    corpus
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
}
