//! Escapes: `%XX` in URLs and query strings, `\uXXXX` and `\xNN` in JSON, JS, Python and C
//! strings.
//!
//! Each is decoded over the *run* around a trigger: the stretch of the input without
//! whitespace (and, for URLs, without quotes or angle brackets) that holds it. Bytes that are
//! not escapes are copied, so a finding maps back to exactly the text it was read from.

use super::region::{Pieces, Region, Sink, Worth};
use super::Encoding;
use crate::detect::Span;

/// The longest run decoded; a longer one (minified code) is left alone.
pub const MAX_RUN: usize = 64 << 10;

/// The run around `at` of bytes for which `inside` holds; `Err` with where it ends when it is
/// longer than [`MAX_RUN`] (so that later triggers in it are skipped: the work stays linear).
fn run_around(haystack: &[u8], at: usize, inside: fn(u8) -> bool) -> Result<Span, usize> {
    let end_of_run = |from: usize| {
        haystack[from..]
            .iter()
            .position(|&b| !inside(b))
            .map_or(haystack.len(), |i| from + i)
    };
    let mut start = at;
    while start > 0 && inside(haystack[start - 1]) {
        start -= 1;
        if at - start > MAX_RUN {
            return Err(end_of_run(at));
        }
    }
    let end = end_of_run(at);
    if end - start > MAX_RUN {
        return Err(end);
    }
    Ok(Span { start, end })
}

fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// The number written by `digits` hex digits at `at`.
fn hex_at(haystack: &[u8], at: usize, digits: usize) -> Option<u32> {
    let text = haystack.get(at..at + digits)?;
    text.iter().try_fold(0u32, |value, &b| {
        Some(value * 16 + u32::from(hex_value(b)?))
    })
}

/// A byte of a URL: not whitespace, a quote, an angle bracket or a backtick.
fn in_url(b: u8) -> bool {
    !b.is_ascii_whitespace() && !matches!(b, b'"' | b'\'' | b'`' | b'<' | b'>')
}

/// `%XX` escapes: `hits` are where `%2`…`%7` start.
pub fn percent(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    let mut done = 0;
    for &at in hits {
        if at < done || hex_at(haystack, at + 1, 2).is_none() {
            continue;
        }
        let run = match run_around(haystack, at, in_url) {
            Ok(run) => run,
            Err(end) => {
                done = end;
                continue;
            }
        };
        done = run.end;
        let mut pieces = Pieces::default();
        let mut i = run.start;
        while i < run.end {
            let escape = (haystack[i] == b'%')
                .then(|| hex_at(&haystack[..run.end], i + 1, 2))
                .flatten();
            match escape {
                Some(byte) => {
                    let byte = u8::try_from(byte).expect("two hex digits fit a byte");
                    pieces.decoded(
                        &[byte],
                        Span {
                            start: i,
                            end: i + 3,
                        },
                    );
                    i += 3;
                }
                None => {
                    pieces.verbatim(
                        haystack,
                        Span {
                            start: i,
                            end: i + 1,
                        },
                    );
                    i += 1;
                }
            }
        }
        out.extend(pieces.finish(run, Encoding::Percent));
    }
}

/// What one backslash escape at some offset decodes to.
struct Escape {
    /// The character.
    value: char,
    /// Its length in the input.
    len: usize,
    /// `\u` (or a surrogate pair of them) rather than `\x`.
    unicode: bool,
}

/// The `\uXXXX` (surrogate pairs joined) or `\xNN` escape at `at`, a backslash that is not
/// itself escaped.
fn escape_at(haystack: &[u8], at: usize) -> Option<Escape> {
    match haystack.get(at + 1)? {
        b'x' => {
            let value = hex_at(haystack, at + 2, 2)?;
            Some(Escape {
                value: char::from_u32(value)?,
                len: 4,
                unicode: false,
            })
        }
        b'u' => {
            let unit = hex_at(haystack, at + 2, 4)?;
            let low = (haystack.get(at + 6..at + 8) == Some(b"\\u"))
                .then(|| hex_at(haystack, at + 8, 4))
                .flatten()
                .filter(|low| (0xDC00..0xE000).contains(low));
            let (value, len) = match (unit, low) {
                (0xD800..=0xDBFF, Some(low)) => {
                    (0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00), 12)
                }
                _ => (unit, 6),
            };
            Some(Escape {
                value: char::from_u32(value).unwrap_or(char::REPLACEMENT_CHARACTER),
                len,
                unicode: true,
            })
        }
        _ => None,
    }
}

/// `\uXXXX` and `\xNN` escapes: `hits` are where `\u00` or `\x` start.
pub fn backslash(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    let mut done = 0;
    for &at in hits {
        if at < done {
            continue;
        }
        let run = match run_around(haystack, at, |b| !b.is_ascii_whitespace()) {
            Ok(run) => run,
            Err(end) => {
                done = end;
                continue;
            }
        };
        done = run.end;
        if worth_decoding(haystack, run) {
            out.extend(decode_run(haystack, run));
        }
    }
}

/// Whether the run's decoding would be worth scanning, found without keeping it: most runs of
/// escapes are binary data.
fn worth_decoding(haystack: &[u8], run: Span) -> bool {
    let mut worth = Worth::default();
    walk_run(haystack, run, &mut worth);
    worth.worth()
}

/// The region of one run with its escapes decoded, if it has any.
fn decode_run(haystack: &[u8], run: Span) -> Option<Region> {
    let mut pieces = Pieces::default();
    let (decoded_any, unicode) = walk_run(haystack, run, &mut pieces);
    let encoding = if unicode {
        Encoding::UnicodeEscape
    } else {
        Encoding::HexEscape
    };
    decoded_any.then(|| pieces.finish(run, encoding)).flatten()
}

/// Feeds the run's pieces to `sink`; whether it decoded an escape, and a `\u` one.
fn walk_run(haystack: &[u8], run: Span, sink: &mut impl Sink) -> (bool, bool) {
    let text = &haystack[..run.end];
    let (mut decoded_any, mut unicode) = (false, false);
    let mut i = run.start;
    while i < run.end {
        // A pair of backslashes is one literal backslash: copied, never an escape's start.
        let verbatim = match text[i] {
            b'\\' if text.get(i + 1) == Some(&b'\\') => 2,
            b'\\' => match escape_at(text, i) {
                Some(escape) => {
                    let mut utf8 = [0u8; 4];
                    let bytes = escape.value.encode_utf8(&mut utf8).as_bytes();
                    let span = Span {
                        start: i,
                        end: i + escape.len,
                    };
                    sink.decoded(bytes, span);
                    decoded_any = true;
                    unicode |= escape.unicode;
                    i += escape.len;
                    continue;
                }
                None => 1,
            },
            _ => 1,
        };
        let span = Span {
            start: i,
            end: i + verbatim,
        };
        sink.verbatim(haystack, span);
        i += verbatim;
    }
    (decoded_any, unicode)
}

#[cfg(test)]
mod tests {
    use super::super::{hits_of, Decoder};
    use super::*;

    fn regions(
        text: &str,
        decoder: fn(&[u8], &[usize], &mut Vec<Region>),
        triggers: Decoder,
    ) -> Vec<Region> {
        let mut out = Vec::new();
        decoder(
            text.as_bytes(),
            &hits_of(text.as_bytes(), triggers),
            &mut out,
        );
        out
    }

    fn texts(regions: &[Region]) -> Vec<String> {
        regions
            .iter()
            .map(|r| String::from_utf8_lossy(&r.decoded).into_owned())
            .collect()
    }

    #[test]
    fn percent_escapes_in_a_url_run() {
        let text = "url = \"https://user%3Apass%40host/p?a=%41%4a%2\" next %zz";
        let found = regions(text, percent, Decoder::Percent);
        assert_eq!(texts(&found), ["https://user:pass@host/p?a=AJ%2"]);
        assert_eq!(found[0].encoding, Encoding::Percent);
        let start = text.find("https").unwrap();
        assert_eq!(found[0].span.start, start);
        assert!(regions("printf(\"%2s %3i\")", percent, Decoder::Percent).is_empty());
    }

    /// Every run with an escape, decoded whether worth scanning or not.
    fn every_run(text: &str) -> Vec<Region> {
        text.split(' ')
            .scan(0, |at, word| {
                let span = Span {
                    start: *at,
                    end: *at + word.len(),
                };
                *at += word.len() + 1;
                Some(span)
            })
            .filter_map(|run| decode_run(text.as_bytes(), run))
            .collect()
    }

    #[test]
    fn unicode_and_hex_escapes() {
        let text = r#"{"k":"\u0061\u0062c\\u0064\ud83d\ude00\u00e9"} b"\x41\x42\\x43""#;
        let found = every_run(text);
        assert_eq!(texts(&found), [r#"{"k":"abc\\u0064😀é"}"#, r#"b"AB\\x43""#]);
        assert_eq!(found[0].encoding, Encoding::UnicodeEscape);
        assert_eq!(found[1].encoding, Encoding::HexEscape);
    }

    #[test]
    fn escaped_backslashes_decode_nothing() {
        assert!(every_run(r"path\\x41\\u0041").is_empty());
        assert!(every_run(r"\x4 \u00g1").is_empty());
    }

    #[test]
    fn runs_of_binary_escapes_are_not_kept() {
        let binary = r"\x00\x9f\x92".repeat(20);
        assert!(regions(&binary, backslash, Decoder::Backslash).is_empty());
        let value: String = "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6"
            .bytes()
            .map(|b| format!("\\x{b:02x}"))
            .collect();
        let text = format!("token = \"{value}\"");
        let found = regions(&text, backslash, Decoder::Backslash);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].decoded, b"\"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6\"");
    }

    #[test]
    fn runs_longer_than_the_limit_are_left_alone() {
        let text = format!("{}%41", "a".repeat(MAX_RUN));
        assert!(regions(&text, percent, Decoder::Percent).is_empty());
        let text = format!("{}%41", "a".repeat(MAX_RUN - 4));
        assert_eq!(regions(&text, percent, Decoder::Percent).len(), 1);
    }
}
