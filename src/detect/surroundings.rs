//! Where the name of a value is: the key in front of it on its line, or further afield (the
//! line before, an attribute a few lines up, a CSV header, prose), and the name of the data
//! block around it. `classify` turns these names into facts.

use super::context::{self, Attachment};
use super::lines::LineIndex;
use super::prefilter::is_word_byte;
use super::vocabulary::CLIENT_CALL;

/// One input and its line starts.
#[derive(Clone, Copy)]
pub(super) struct Text<'a> {
    /// The whole input.
    pub haystack: &'a [u8],
    /// Line starts of the input.
    pub lines: &'a LineIndex,
}

/// The key in front of a value, looked for further afield when the line itself names nothing:
/// a value alone on its line (a wrapped call argument, a YAML block value) takes the key at the
/// end of the line before; `"value": …` takes the `"name"` of its object a few lines up; a
/// CSV cell takes its column's header; prose takes "auth token is …".
pub(super) fn key_of(
    text: &Text<'_>,
    line: usize,
    line_start: usize,
    start: usize,
) -> context::KeyContext {
    let prefix = &text.haystack[line_start..start];
    let mut key = context::key_before(prefix);
    let alone = prefix
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`'));
    if key.attachment == Attachment::Bare && alone && line > 0 {
        key = context::key_before(line_text(text, line - 1));
    }
    if key.name == "value" {
        if let Some(name) = (1..=3)
            .filter_map(|back| line.checked_sub(back))
            .find_map(|l| context::attribute_name(line_text(text, l)))
        {
            key.name = context::normalize(name.as_bytes());
            key.raw = name;
        }
    }
    if key.attachment != Attachment::Assignment {
        if let Some(header) = csv_header(text, line, start) {
            key.name = context::normalize(header.as_bytes());
            key.raw = header;
            key.attachment = Attachment::Assignment;
        } else if key.attachment == Attachment::Bare {
            if let Some(named) = prose_name(prefix) {
                key.name = named.to_string();
                key.raw = named.to_string();
            }
        }
    }
    key
}

pub(super) fn line_text<'a>(text: &Text<'a>, line: usize) -> &'a [u8] {
    &text.haystack[text.lines.line_range(text.haystack, line)]
}

/// How many lines up a block's opening line is looked for.
const ENCLOSING_LOOKBACK: usize = 30;

/// The data block a value sits in, as named by the line that opens it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct Block {
    /// The block's key as written (`twilio`, `"trello"`); empty when nothing names it.
    pub name: String,
    /// The block is a list opened on a line of its own (`"source": [`): its items are values,
    /// not settings of a service (a notebook cell's code lines, a list of digests).
    pub list: bool,
}

impl Block {
    fn named(name: String, list: bool) -> Block {
        Block { name, list }
    }
}

/// Whether a trimmed line starts by closing a block (`}`, `],`, `});`, `)`).
fn closes_block(trimmed: &[u8]) -> bool {
    matches!(trimmed.first(), Some(b'}' | b']' | b')'))
}

/// The data block a line sits in: an INI/TOML `[section]`, a YAML `key:` with the value
/// indented below it, or a `key = {` / `"key": [` opening a literal. Code blocks
/// (`def f():`, `if x {`) name nothing, and neither does a block closed before the line
/// (`'mailgun' => [ … ],` above `'twilio' => […]`).
pub(super) fn enclosing_block(text: &Text<'_>, line: usize) -> Block {
    let indent = |text: &[u8]| {
        text.iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count()
    };
    let here = indent(line_text(text, line));
    // The indentation of a block closed above `line` whose opening line is still to skip.
    let mut closed: Option<usize> = None;
    for back in 1..=ENCLOSING_LOOKBACK.min(line) {
        let text = line_text(text, line - back);
        let trimmed = text.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with(b"[") && trimmed.ends_with(b"]") && !trimmed.contains(&b',') {
            return Block::named(
                String::from_utf8_lossy(&trimmed[1..trimmed.len() - 1]).into_owned(),
                false,
            );
        }
        let Some((&last, head)) = trimmed.split_last() else {
            continue;
        };
        let opens = matches!(last, b'{' | b'[' | b':' | b'(');
        if let Some(depth) = closed {
            if indent(text) == depth && opens {
                closed = None;
            }
            if indent(text) >= depth {
                continue;
            }
            closed = None;
        }
        if closes_block(trimmed) && indent(text) <= here {
            closed = Some(indent(text));
            continue;
        }
        if indent(text) >= here.max(1) || !matches!(last, b'{' | b'[' | b':') {
            continue;
        }
        let key = if last == b':' {
            // Only a bare mapping key (`twilio:`, `"lastfm":`): `def f():` is code.
            let bare = head
                .iter()
                .all(|&b| is_word_byte(b) || matches!(b, b'-' | b'.' | b'"' | b'\''));
            if !bare {
                return Block::default();
            }
            context::key_before(trimmed)
        } else {
            context::key_before(head)
        };
        return match key.attachment {
            Attachment::Assignment => Block::named(key.raw, last == b'['),
            _ => Block::default(),
        };
    }
    Block::default()
}

/// The key of a block opened earlier on the same line and still open at the value:
/// `"trello": { "key": value`, `'twilio' => ['sid' => …, 'token' => value`,
/// `'twilio' => array('token' => value`.
pub(super) fn inline_enclosing_name(prefix: &[u8]) -> Option<String> {
    let mut depth = 0usize;
    let open = prefix.iter().enumerate().rev().find_map(|(i, &b)| {
        match b {
            b'}' | b']' | b')' => depth += 1,
            b'{' | b'[' | b'(' if depth > 0 => depth -= 1,
            b'{' | b'[' | b'(' => return Some(i),
            _ => {}
        }
        None
    })?;
    let mut before = &prefix[..open];
    if prefix[open] == b'(' {
        // Only PHP's `array(` opens a block; any other parenthesis is a call.
        before = before.strip_suffix(b"array")?;
    }
    let key = context::key_before(before);
    (key.attachment == Attachment::Assignment && !key.raw.is_empty()).then_some(key.raw)
}

/// A comment on the line just above that says what follows is a digest (`# md5 of …`).
pub(super) fn comment_above_mentions_hash(text: &Text<'_>, line: usize) -> bool {
    let Some(above) = line.checked_sub(1) else {
        return false;
    };
    let text = line_text(text, above).trim_ascii_start();
    let comment = [&b"#"[..], b"//", b"--", b"/*", b"*", b";"]
        .iter()
        .any(|m| text.starts_with(m));
    comment && context::line_mentions_hash(text)
}

/// The header of a value's column, when the value is a cell of a CSV or TSV table whose first
/// line has as many separators as this one.
fn csv_header(text: &Text<'_>, line: usize, start: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    let row = line_text(text, line);
    let header = line_text(text, 0);
    let separator = [b',', b'\t'].into_iter().find(|&sep| {
        let count = |text: &[u8]| text.iter().filter(|&&b| b == sep).count();
        count(row) >= 2 && count(row) == count(header)
    })?;
    let row_start = text.lines.line_range(text.haystack, line).start;
    let column = text.haystack[row_start..start]
        .iter()
        .filter(|&&b| b == separator)
        .count();
    let name = header.split(|&b| b == separator).nth(column)?;
    let name = String::from_utf8_lossy(name.trim_ascii())
        .trim_matches('"')
        .to_string();
    (!name.is_empty()).then_some(name)
}

/// Prose that names the value: "the twilio auth token is …", "Twilio auth token - …".
fn prose_name(prefix: &[u8]) -> Option<&'static str> {
    let words = context::words(&String::from_utf8_lossy(prefix));
    let tail: Vec<&str> = words.iter().rev().take(6).map(String::as_str).collect();
    let has = |a: &str, b: &str| tail.windows(2).any(|w| w[1] == a && w[0] == b);
    if has("auth", "token") || has("twilio", "token") {
        Some("authtoken")
    } else if has("api", "secret") || (has("key", "secret") && tail.contains(&"api")) {
        Some("apisecret")
    } else {
        None
    }
}

/// How many lines a block of text reaches on either side of a value, at most.
const BLOCK_REACH: usize = 8;

/// Whether the block of lines around `line` (up to a blank line, at most [`BLOCK_REACH`] lines
/// either way) says `twilio` in any case or calls a client (`Client(`).
pub(super) fn block_says_twilio(text: &Text<'_>, line: usize) -> bool {
    let says = |l: usize| {
        let text = line_text(text, l);
        memchr::memmem::find(text, CLIENT_CALL.as_bytes()).is_some()
            || text.windows(6).any(|w| w.eq_ignore_ascii_case(b"twilio"))
    };
    let blank = |l: usize| line_text(text, l).trim_ascii().is_empty();
    let last = text.lines.line_of(text.haystack.len());
    let up = (1..=BLOCK_REACH.min(line))
        .map(|back| line - back)
        .take_while(|&l| !blank(l));
    let down = (line + 1..=(line + BLOCK_REACH).min(last)).take_while(|&l| !blank(l));
    says(line) || up.chain(down).any(says)
}
