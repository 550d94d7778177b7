//! Split values: string literals joined by `+` or by juxtaposition (`"ab" "cd"` in Python and
//! C, across lines too), and backslash-newline continuations.
//!
//! Literals are read line by line from the line's start, so the chains found do not depend on
//! which trigger led to a line. A chain becomes one region: its first quote, the literals'
//! contents and its last quote; each byte maps back to where it is written.

use super::region::{is_value_byte, Pieces, Region, MIN_RUN};
use super::Encoding;
use crate::detect::Span;

/// How many lines one chain may span.
const MAX_CHAIN_LINES: usize = 64;

/// The longest gap between two joined literals.
const MAX_GAP: usize = 256;

/// The longest line whose literals are read.
const MAX_LINE: usize = 16 << 10;

/// How far before a continuation backslash the value is looked for.
const MAX_PIECE: usize = 4 << 10;

/// One string literal: its quotes' offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Literal {
    open: usize,
    close: usize,
}

/// The end of the line that holds `at` (the offset of its `\n`, or the input's end).
fn line_end(haystack: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &haystack[at..]).map_or(haystack.len(), |i| at + i)
}

/// The string literals of the line `start..end`, in order. A literal ends on its line; an
/// unterminated one ends the reading.
fn literals(haystack: &[u8], start: usize, end: usize) -> Vec<Literal> {
    let mut out = Vec::new();
    let mut i = start;
    while i < end {
        let quote = haystack[i];
        if quote != b'"' && quote != b'\'' {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < end && haystack[j] != quote {
            j += if haystack[j] == b'\\' { 2 } else { 1 };
        }
        if j >= end {
            break;
        }
        out.push(Literal { open: i, close: j });
        i = j + 1;
    }
    out
}

/// Whether the text between two literals joins them: blanks (a line break among them) with
/// one `+`, or without `+` at least one blank.
fn joins(gap: &[u8]) -> bool {
    let plus = gap.iter().filter(|&&b| b == b'+').count();
    let breaks = gap.iter().filter(|&&b| b == b'\n').count();
    let blanks_only = gap
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'+'));
    blanks_only && breaks <= 1 && (plus == 1 || (plus == 0 && !gap.is_empty()))
}

/// The opening quote of the literal joined to the one the quote at `at` closes.
fn joined_after(haystack: &[u8], at: usize) -> Option<usize> {
    let after = &haystack[at + 1..haystack.len().min(at + 1 + MAX_GAP)];
    let gap = after
        .iter()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'+'))
        .count();
    (matches!(after.get(gap), Some(b'"' | b'\'')) && joins(&after[..gap])).then_some(at + 1 + gap)
}

/// Whether the literal the quote at `at` opens is joined to one before it.
fn joined_before(haystack: &[u8], at: usize) -> bool {
    let before = &haystack[at.saturating_sub(MAX_GAP)..at];
    let gap = before
        .iter()
        .rev()
        .take_while(|&&b| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | b'+'))
        .count();
    let quote = before.len().checked_sub(gap + 1).map(|i| before[i]);
    matches!(quote, Some(b'"' | b'\'')) && joins(&before[before.len() - gap..])
}

/// Whether the quote at `at` closes a literal joined to another, with value characters on the
/// two sides of the join that may add up to a credential: together at least [`MIN_RUN`], or a
/// whole literal of them on one side (the run may go on past a further join). A trigger whose
/// join cannot join a credential is not worth reading its line for.
fn joins_a_value(haystack: &[u8], at: usize) -> bool {
    let Some(open) = joined_after(haystack, at) else {
        return false;
    };
    let before = haystack[at.saturating_sub(MIN_RUN)..at]
        .iter()
        .rev()
        .take_while(|&&b| is_value_byte(b))
        .count();
    let after = haystack[open + 1..haystack.len().min(open + 1 + MIN_RUN)]
        .iter()
        .take_while(|&&b| is_value_byte(b))
        .count();
    let whole_before = at > before && haystack[at - before - 1] == haystack[at] && {
        let opening = at - before - 1;
        joined_before(haystack, opening)
    };
    let closing = open + 1 + after;
    let whole_after =
        haystack.get(closing) == Some(&haystack[open]) && joined_after(haystack, closing).is_some();
    before + after >= MIN_RUN || whole_before || whole_after
}

/// Joined literal chains that start on the lines holding `hits` (where `" +`, `" "`, `"\n`
/// and their single-quote and `+`-without-blank forms start). A line inside a chain already
/// read starts nothing, so a long chain is read once.
pub fn literal_chains(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    let mut done = 0;
    for &at in hits {
        if at < done || !joins_a_value(haystack, at) {
            continue;
        }
        let start = memchr::memrchr(b'\n', &haystack[done..at]).map_or(done, |i| done + i + 1);
        done = chains_from_line(haystack, start, out);
    }
}

/// The chains that start on the line at `start`, followed onto the lines after it (a line a
/// chain ends on is read on for more chains); returns the end of the last line read.
fn chains_from_line(haystack: &[u8], start: usize, out: &mut Vec<Region>) -> usize {
    let mut end = line_end(haystack, start);
    if end - start > MAX_LINE {
        return end;
    }
    let mut line = literals(haystack, start, end);
    let mut lines_read = 1;
    let mut k = 0;
    while k < line.len() {
        let mut chain = vec![line[k]];
        k += 1 + extend(haystack, &mut chain, &line[k + 1..]);
        // The chain reached the line's last literal: it may go on at the next line.
        while k == line.len() && lines_read < MAX_CHAIN_LINES && end < haystack.len() {
            let next_start = end + 1;
            let next_end = line_end(haystack, next_start);
            if next_end - next_start > MAX_LINE {
                break;
            }
            let next = literals(haystack, next_start, next_end);
            let joined = extend(haystack, &mut chain, &next);
            if joined == 0 {
                break;
            }
            (line, end, k) = (next, next_end, joined);
            lines_read += 1;
        }
        out.extend(chain_region(haystack, &chain));
    }
    end
}

/// Appends to `chain` the literals of `next` that join it, in order; how many did.
fn extend(haystack: &[u8], chain: &mut Vec<Literal>, next: &[Literal]) -> usize {
    let mut taken = 0;
    for literal in next {
        let last = chain.last().expect("a chain has a literal");
        if !joins(&haystack[last.close + 1..literal.open]) {
            break;
        }
        chain.push(*literal);
        taken += 1;
    }
    taken
}

/// One region for a chain of two or more literals: `"` + the contents + `"`.
fn chain_region(haystack: &[u8], chain: &[Literal]) -> Option<Region> {
    let (first, last) = (chain.first()?, chain.last()?);
    if chain.len() < 2 {
        return None;
    }
    let mut pieces = Pieces::default();
    let quote = |at: usize| Span {
        start: at,
        end: at + 1,
    };
    pieces.verbatim(haystack, quote(first.open));
    for literal in chain {
        pieces.verbatim(
            haystack,
            Span {
                start: literal.open + 1,
                end: literal.close,
            },
        );
    }
    pieces.verbatim(haystack, quote(last.close));
    pieces.finish(
        Span {
            start: first.open,
            end: last.close + 1,
        },
        Encoding::Concatenation,
    )
}

fn is_piece_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'+' | b'/' | b'=')
}

/// Backslash-newline continuations inside a value (`TOKEN="abc\` + newline + `def"`): `hits`
/// are where `\` + line break start. Consecutive continuations make one region.
pub fn continuations(haystack: &[u8], hits: &[usize], out: &mut Vec<Region>) {
    let mut done = 0;
    for &at in hits {
        if at < done {
            continue;
        }
        let lower = at.saturating_sub(MAX_PIECE);
        let start = haystack[lower..at]
            .iter()
            .rposition(|&b| !is_piece_byte(b))
            .map_or(lower, |i| lower + i + 1);
        if start == at {
            continue;
        }
        let mut pieces = Pieces::default();
        pieces.verbatim(haystack, Span { start, end: at });
        let mut backslash = at;
        let mut end = at;
        for _ in 0..MAX_CHAIN_LINES {
            let next = backslash
                + if haystack.get(backslash + 1) == Some(&b'\r') {
                    3
                } else {
                    2
                };
            let piece_end = haystack[next.min(haystack.len())..]
                .iter()
                .take(MAX_PIECE)
                .position(|&b| !is_piece_byte(b))
                .map_or((next + MAX_PIECE).min(haystack.len()), |i| next + i);
            if piece_end <= next {
                break;
            }
            pieces.verbatim(
                haystack,
                Span {
                    start: next,
                    end: piece_end,
                },
            );
            end = piece_end;
            let continued = haystack.get(piece_end) == Some(&b'\\')
                && (haystack[piece_end + 1..].starts_with(b"\n")
                    || haystack[piece_end + 1..].starts_with(b"\r\n"));
            if !continued {
                break;
            }
            backslash = piece_end;
        }
        done = end.max(at + 1);
        if end > at {
            out.extend(pieces.finish(Span { start, end }, Encoding::Concatenation));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::{hits_of, Decoder};
    use super::*;

    fn chains(text: &str) -> Vec<(String, Span)> {
        let mut out = Vec::new();
        literal_chains(
            text.as_bytes(),
            &hits_of(text.as_bytes(), Decoder::Literals),
            &mut out,
        );
        out.into_iter()
            .map(|r| (String::from_utf8(r.decoded).unwrap(), r.span))
            .collect()
    }

    // Pieces long enough to join into a credential-sized run (the triggers' precheck).
    const A: &str = "a1b2c3d4e5f6";
    const B: &str = "f0e9d8c7b6a5";
    const C: &str = "0a1b2c3d4e5f";

    fn fill(template: &str) -> String {
        template.replace('A', A).replace('B', B).replace('C', C)
    }

    #[test]
    fn explicit_and_implicit_joins_on_one_line() {
        let text = fill(r#"a = "A" + "B" + 'C'; b = "A"  "B" "C"; c = "A" + q + "B""#);
        let found: Vec<String> = chains(&text).into_iter().map(|(t, _)| t).collect();
        assert_eq!(found, [fill(r#""ABC'"#), fill(r#""ABC""#)]);
    }

    #[test]
    fn chains_continue_across_lines() {
        let text = fill("token = (\"A\"\n         \"B\"\n         \"C\")\nx = (\"A\" +\n    \"B\"), \"C\" \"A\"\n");
        let found = chains(&text);
        let texts: Vec<&str> = found.iter().map(|(t, _)| t.as_str()).collect();
        // A chain is read once, from its first line; the line it ends on is read on.
        assert_eq!(texts, [fill("\"ABC\""), fill("\"AB\""), fill("\"CA\"")]);
        let (_, span) = &found[0];
        assert_eq!(
            &text[span.start..span.end],
            fill("\"A\"\n         \"B\"\n         \"C\"")
        );
    }

    #[test]
    fn joins_that_cannot_make_a_credential_are_not_read() {
        assert!(chains(r#"link!("secur32.dll" "system" fn f())"#).is_empty());
        assert!(chains(&fill(r#"x = "v.A" + "B.w""#)).len() == 1);
        assert!(chains(r#"x = "v.ab" + "cd.w""#).is_empty());
        // Short pieces still join when whole literals carry the run on.
        let text = r#"t = "a1b2c3d4" + "e5f6a7b8" + "c9d0e1f2" + "a3b4c5d6""#;
        assert_eq!(chains(text).len(), 1);
    }

    #[test]
    fn chains_stop_after_the_line_limit() {
        let text = fill("\"A\"\n").repeat(MAX_CHAIN_LINES + 10);
        let found = chains(&text);
        assert_eq!(found.len(), 2, "one chain per {MAX_CHAIN_LINES} lines");
        assert_eq!(found[0].0.len(), 2 + A.len() * MAX_CHAIN_LINES);
    }

    #[test]
    fn lone_literals_and_blank_lines_do_not_join() {
        assert!(chains(&fill("a = \"A\"\n\n\"B\"\n")).is_empty());
        assert!(chains(&fill("f(\"A\", \"B\")")).is_empty());
        assert!(chains("\"\"\"docstring\"\"\"\n").is_empty());
    }

    #[test]
    fn backslash_continuations_join_pieces() {
        let text = "TOKEN=\"abc\\\ndef\\\r\nghi\"\nnext \\\n";
        let hits: Vec<usize> = memchr::memmem::find_iter(text.as_bytes(), b"\\\n")
            .chain(memchr::memmem::find_iter(text.as_bytes(), b"\\\r\n"))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        let mut out = Vec::new();
        continuations(text.as_bytes(), &hits, &mut out);
        let texts: Vec<String> = out
            .iter()
            .map(|r| String::from_utf8(r.decoded.clone()).unwrap())
            .collect();
        assert_eq!(texts, ["abcdefghi"]);
        assert_eq!(
            &text[out[0].span.start..out[0].span.end],
            "abc\\\ndef\\\r\nghi"
        );
    }
}
