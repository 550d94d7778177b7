//! Base64: `Authorization: Basic …` headers, Kubernetes `Secret` data and Docker registry
//! `auth` values, decoded as a whole (a finding inside points at the whole encoded value).
//!
//! Only a decoding that is text is kept: random base64 decodes to bytes that are not. Docker
//! configurations nest (a `.dockerconfigjson` value is base64 JSON whose `auth` fields are
//! base64 of `user:pass`); nested values are decoded in place, at most [`MAX_DEPTH`] deep.

use super::region::Region;
use super::Encoding;
use crate::detect::Span;
use ::base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use ::base64::engine::DecodePaddingMode;
use ::base64::Engine;

/// How many base64 layers are decoded inside one another (a Docker `auth` inside a Kubernetes
/// value is two).
pub const MAX_DEPTH: usize = 3;

/// The longest encoded value decoded (Kubernetes limits a Secret to 1 MiB).
pub const MAX_ENCODED: usize = 1 << 20;

/// The shortest encoded value decoded: `user:pass` of the shortest credentials is far longer.
pub const MIN_ENCODED: usize = 16;

/// How far past `"auths"` a Docker configuration's entries are looked for.
const AUTHS_WINDOW: usize = 64 << 10;

const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &::base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &::base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// A byte of either base64 alphabet.
fn is_base64_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// The end of the base64 text starting at `start`, padding included.
fn run_end(haystack: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < haystack.len() && is_base64_byte(haystack[end]) {
        end += 1;
    }
    let padded = (end + 2).min(haystack.len());
    while end < padded && haystack[end] == b'=' {
        end += 1;
    }
    end
}

/// Text: valid UTF-8 without control characters other than tab and line breaks.
fn is_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes).is_ok_and(|text| {
        text.chars()
            .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r'))
    })
}

/// Decodes base64 text (either alphabet, padding optional) whose decoding is text, with the
/// values nested in it decoded too (`depth` layers are already open).
pub fn decode_text(encoded: &[u8], depth: usize) -> Option<Vec<u8>> {
    if depth >= MAX_DEPTH || !(MIN_ENCODED..=MAX_ENCODED).contains(&encoded.len()) {
        return None;
    }
    let decoded = STANDARD
        .decode(encoded)
        .or_else(|_| URL_SAFE.decode(encoded))
        .ok()?;
    is_text(&decoded).then(|| expand_auths(decoded, depth + 1))
}

/// `text` with every Docker `"auth": "<base64>"` value inside it decoded in place.
fn expand_auths(text: Vec<u8>, depth: usize) -> Vec<u8> {
    if memchr::memmem::find(&text, b"\"auth\"").is_none() {
        return text;
    }
    let mut out = Vec::with_capacity(text.len());
    let mut at = 0;
    for value in auth_values(&text, 0, text.len()) {
        if let Some(decoded) = decode_text(&text[value.start..value.end], depth) {
            out.extend_from_slice(&text[at..value.start]);
            out.extend_from_slice(&decoded);
            at = value.end;
        }
    }
    out.extend_from_slice(&text[at..]);
    out
}

/// The spans of the base64 values of `"auth": "…"` entries in `text[from..to]`.
fn auth_values(text: &[u8], from: usize, to: usize) -> Vec<Span> {
    let mut values = Vec::new();
    let finder = memchr::memmem::Finder::new(b"\"auth\"");
    let mut at = from;
    while let Some(found) = finder.find(&text[at..to]) {
        let key_end = at + found + b"\"auth\"".len();
        at = key_end;
        let mut i = skip_blanks(text, key_end, to);
        if i >= to || text[i] != b':' {
            continue;
        }
        i = skip_blanks(text, i + 1, to);
        if i >= to || text[i] != b'"' {
            continue;
        }
        let start = i + 1;
        let end = run_end(&text[..to], start);
        if text.get(end) == Some(&b'"') {
            values.push(Span { start, end });
            at = end;
        }
    }
    values
}

fn skip_blanks(text: &[u8], mut i: usize, to: usize) -> usize {
    while i < to && text[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// A region for the base64 value at `span`, if it decodes to text.
fn value_region(haystack: &[u8], span: Span) -> Option<Region> {
    let decoded = decode_text(&haystack[span.start..span.end], 0)?;
    Some(Region::whole(span, Encoding::Base64, decoded))
}

/// `Authorization: Basic <base64>` in any case: `hits` are where `asic ` or `ASIC ` starts.
pub fn basic_auth(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    for &at in hits {
        let Some(b) = at.checked_sub(1).map(|i| haystack[i]) else {
            continue;
        };
        let word_before = at >= 2 && crate::detect::prefilter::is_word_byte(haystack[at - 2]);
        if !matches!(b, b'B' | b'b') || word_before {
            continue;
        }
        let start = skip_spaces(haystack, at + "asic ".len());
        let span = Span {
            start,
            end: run_end(haystack, start),
        };
        out.extend(value_region(haystack, span));
    }
}

fn skip_spaces(haystack: &[u8], mut i: usize) -> usize {
    while i < haystack.len() && matches!(haystack[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// The values of the `data:` mapping of a Kubernetes `Secret` manifest (YAML): `hits` are
/// where `data:` starts.
pub fn secret_data(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    if hits.is_empty() || !is_kubernetes_secret(haystack) {
        return;
    }
    let mut done = 0;
    for &at in hits {
        if at < done {
            continue;
        }
        // Only spaces before `data:` on its line: a mapping key at that indentation.
        let indent = haystack[..at]
            .iter()
            .rev()
            .take_while(|&&b| b == b' ')
            .count();
        if at > indent && haystack[at - indent - 1] != b'\n' {
            continue;
        }
        let after = at + "data:".len();
        let line_end =
            memchr::memchr(b'\n', &haystack[after..]).map_or(haystack.len(), |i| after + i);
        let rest = haystack[after..line_end].trim_ascii();
        if !(rest.is_empty() || rest.starts_with(b"#")) {
            continue;
        }
        done = data_entries(haystack, line_end, indent, out);
    }
}

/// Whether the input declares a Kubernetes `Secret` (`kind: Secret`, quoted or not).
fn is_kubernetes_secret(haystack: &[u8]) -> bool {
    ["kind: Secret", "kind: \"Secret\"", "kind: 'Secret'"]
        .iter()
        .any(|kind| memchr::memmem::find(haystack, kind.as_bytes()).is_some())
}

/// Decodes the `key: value` lines indented deeper than `indent` after `from` (a `data:` line's
/// end) and returns where the block ends.
fn data_entries(haystack: &[u8], from: usize, indent: usize, out: &mut Vec<Region>) -> usize {
    let mut at = from;
    while at < haystack.len() {
        let start = at + 1;
        let end = memchr::memchr(b'\n', &haystack[start..]).map_or(haystack.len(), |i| start + i);
        let line = &haystack[start..end];
        let depth = line.iter().take_while(|&&b| b == b' ').count();
        let content = line.trim_ascii();
        if !content.is_empty() && !content.starts_with(b"#") {
            if depth <= indent {
                return start;
            }
            if let Some(value) = entry_value(haystack, start, end) {
                out.extend(value_region(haystack, value));
            }
        }
        at = end;
    }
    haystack.len()
}

/// The span of the value of a `key: value` line (quotes left out).
fn entry_value(haystack: &[u8], start: usize, end: usize) -> Option<Span> {
    let colon = start + memchr::memchr(b':', &haystack[start..end])?;
    let mut value_start = skip_spaces(haystack, colon + 1);
    if value_start < end && matches!(haystack[value_start], b'"' | b'\'') {
        value_start += 1;
    }
    let value_end = run_end(&haystack[..end], value_start);
    let after = haystack[value_end..end].trim_ascii();
    let closed = after.is_empty()
        || matches!(after, [b'"' | b'\''])
        || after.starts_with(b"#")
        || after.starts_with(b"\" #");
    (value_end > value_start && closed).then_some(Span {
        start: value_start,
        end: value_end,
    })
}

/// The `auth` values of a Docker configuration (`~/.docker/config.json`): `hits` are where
/// `auths` starts.
pub fn docker_auths(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    let mut done = 0;
    for &at in hits {
        let quoted =
            at > 0 && haystack[at - 1] == b'"' && haystack.get(at + "auths".len()) == Some(&b'"');
        if at < done || !quoted {
            continue;
        }
        let to = haystack.len().min(at + AUTHS_WINDOW);
        for value in auth_values(haystack, at, to) {
            out.extend(value_region(haystack, value));
        }
        done = to;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(text: &str) -> String {
        STANDARD.encode(text)
    }

    fn hits(haystack: &str, needle: &str) -> Vec<usize> {
        memchr::memmem::find_iter(haystack.as_bytes(), needle.as_bytes()).collect()
    }

    fn decoded(regions: &[Region]) -> Vec<String> {
        regions
            .iter()
            .map(|r| String::from_utf8_lossy(&r.decoded).into_owned())
            .collect()
    }

    #[test]
    fn basic_auth_in_any_case() {
        let value = encode("user-name:pass-word-1");
        for header in [
            "Authorization: Basic",
            "authorization: basic",
            "AUTHORIZATION: BASIC",
        ] {
            let text = format!("curl -H '{header} {value}' x");
            let mut out = Vec::new();
            basic_auth(text.as_bytes(), &hits(&text, "asic "), &mut out);
            basic_auth(text.as_bytes(), &hits(&text, "ASIC "), &mut out);
            assert_eq!(decoded(&out), ["user-name:pass-word-1"], "{header}");
            let start = text.find(&value).unwrap();
            assert_eq!(
                out[0].span,
                Span {
                    start,
                    end: start + value.len()
                }
            );
        }
        let mut out = Vec::new();
        let text = format!("Classic {value}");
        basic_auth(text.as_bytes(), &hits(&text, "asic "), &mut out);
        assert!(
            out.is_empty(),
            "a word that ends in basic is not the header"
        );
    }

    #[test]
    fn garbage_and_short_values_are_not_decoded() {
        // Bytes that are not text, whatever their base64.
        let binary = STANDARD.encode([0u8, 159, 146, 150, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
        assert_eq!(decode_text(binary.as_bytes(), 0), None);
        assert_eq!(
            decode_text(b"QUJD", 0),
            None,
            "too short to hold a credential"
        );
        assert_eq!(decode_text(b"!!!!not base64!!!!", 0), None);
        assert_eq!(
            decode_text(
                encode("padding is optional")
                    .trim_end_matches('=')
                    .as_bytes(),
                0
            ),
            Some(b"padding is optional".to_vec())
        );
    }

    #[test]
    fn kubernetes_secret_data_values() {
        let sid = encode("an account identifier");
        let token = encode("a token of some kind");
        let text = format!(
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\ndata:\n  SID: {sid}\n  # note\n  TOKEN: \"{token}\"\ntype: Opaque\nother:\n  K: {sid}\n"
        );
        let mut out = Vec::new();
        secret_data(text.as_bytes(), &hits(&text, "data:"), &mut out);
        assert_eq!(
            decoded(&out),
            ["an account identifier", "a token of some kind"]
        );
        let not_a_secret = text.replace("kind: Secret", "kind: ConfigMap");
        let mut out = Vec::new();
        secret_data(
            not_a_secret.as_bytes(),
            &hits(&not_a_secret, "data:"),
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn docker_auths_nested_in_a_secret_are_decoded_in_place() {
        let auth = encode("registry-user:registry-pass");
        let config = format!("{{\"auths\":{{\"r.example\":{{\"auth\":\"{auth}\"}}}}}}");
        let text = format!(
            "kind: Secret\ndata:\n  .dockerconfigjson: {}\n",
            encode(&config)
        );
        let mut out = Vec::new();
        secret_data(text.as_bytes(), &hits(&text, "data:"), &mut out);
        assert_eq!(
            decoded(&out),
            ["{\"auths\":{\"r.example\":{\"auth\":\"registry-user:registry-pass\"}}}"]
        );
        // The same configuration as a plain file.
        let mut out = Vec::new();
        docker_auths(config.as_bytes(), &hits(&config, "auths"), &mut out);
        assert_eq!(decoded(&out), ["registry-user:registry-pass"]);
    }

    #[test]
    fn nesting_stops_at_the_depth_limit() {
        let mut value = "innermost-user:innermost-pass".to_string();
        for _ in 0..MAX_DEPTH + 2 {
            value = format!("{{\"auth\":\"{}\"}}", encode(&value));
        }
        let outer = encode(&value);
        let decoded = String::from_utf8(decode_text(outer.as_bytes(), 0).unwrap()).unwrap();
        assert!(!decoded.contains("innermost-user"), "{decoded}");
        assert_eq!(
            decoded.matches("\"auth\"").count(),
            MAX_DEPTH + 2 - (MAX_DEPTH - 1)
        );
    }
}
