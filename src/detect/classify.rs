//! Deciding what a 32-character value is, from its context.
//!
//! The order of the questions matters and mirrors how sure each answer is: a name that says
//! digest wins over everything; a name that says Auth Token or API secret decides next; then a
//! SID right in front of the value (`AC…:TOKEN@`, `Client("AC…", "TOKEN")`); then a call
//! argument after an SID-named variable; then generic names and SIDs a few lines away.

use super::context::{self, Attachment, NameClass};
use super::lines::LineIndex;
use super::placeholder::is_placeholder;
use super::prefilter::{is_word_byte, Anchors, SidKind};
use crate::finding::{RuleId, Span};

/// How many lines away an SID still counts as "close by".
pub const NEAR_LINES: usize = 8;

/// Everything about one input that classification needs.
pub struct FileContext<'a> {
    /// The whole input.
    pub haystack: &'a [u8],
    /// Anchors found by the first pass.
    pub anchors: &'a Anchors,
    /// Line starts of the input.
    pub lines: &'a LineIndex,
    /// 0-based line of each SID in `anchors.sids`.
    pub sid_lines: Vec<usize>,
}

impl<'a> FileContext<'a> {
    /// Prepares the per-input context.
    pub fn new(haystack: &'a [u8], anchors: &'a Anchors, lines: &'a LineIndex) -> Self {
        let sid_lines = anchors
            .sids
            .iter()
            .map(|s| lines.line_of(s.span.start))
            .collect();
        FileContext {
            haystack,
            anchors,
            lines,
            sid_lines,
        }
    }

    fn has_sid(&self, kind: SidKind) -> bool {
        self.anchors.sids.iter().any(|s| s.kind == kind)
    }

    fn sid_near(&self, kind: SidKind, line: usize) -> bool {
        self.anchors
            .sids
            .iter()
            .zip(&self.sid_lines)
            .any(|(s, &l)| s.kind == kind && l.abs_diff(line) <= NEAR_LINES)
    }

    /// The SID that ends shortly before `start` and is paired with it by the gap between them.
    fn paired_sid(&self, start: usize) -> Option<SidKind> {
        let before = self.anchors.sids.partition_point(|s| s.span.end <= start);
        let sid = self.anchors.sids[..before].last()?;
        context::gap_pairs(&self.haystack[sid.span.end..start]).then_some(sid.kind)
    }

    fn twilio_context(&self) -> bool {
        self.anchors.twilio_word || !self.anchors.sids.is_empty()
    }
}

fn is_lower_hex(value: &[u8]) -> bool {
    value
        .iter()
        .all(|&b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Bytes that glue a value into a path, a base64 blob, a file name or a longer token.
fn glued(file: &FileContext<'_>, span: Span) -> bool {
    let before = span.start.checked_sub(1).map(|i| file.haystack[i]);
    let after = file.haystack.get(span.end).copied();
    // `-` glues (`uuid-part`, `--flag-value`) except in a shell default, `${VAR:-value}`.
    let shell_default = span.start >= 2 && &file.haystack[span.start - 2..span.start] == b":-";
    (matches!(before, Some(b'+' | b'/' | b'-' | b'.' | b'%' | b'\\')) && !shell_default)
        || matches!(after, Some(b'+' | b'/' | b'-'))
        || after.is_some_and(is_word_byte)
}

/// Classifies one 32-alphanumeric candidate; `None` means it is not a credential.
pub fn classify(file: &FileContext<'_>, span: Span) -> Option<RuleId> {
    let value = &file.haystack[span.start..span.end];
    if glued(file, span) || is_placeholder(value) {
        return None;
    }
    let hex = is_lower_hex(value);
    let line = file.lines.line_of(span.start);
    let line_range = file.lines.line_range(file.haystack, line);
    let key = key_of(file, line, line_range.start, span.start);
    let name = context::classify_name(&key.name);
    let enclosing = inline_enclosing_name(&file.haystack[line_range.start..span.start])
        .unwrap_or_else(|| enclosing_name(file, line));
    let enclosing_class = context::classify_name(&context::normalize(enclosing.as_bytes()));
    let said_hash = context::line_mentions_hash(&file.haystack[line_range.clone()])
        || enclosing_class == NameClass::Hash
        || comment_above_mentions_hash(file, line);
    let twilio_section = enclosing.to_ascii_lowercase().contains("twilio");
    // Another service's credential (`SLACK_SIGNING_SECRET`, `ZENDESK_AUTH_TOKEN`, `DD_API_KEY`,
    // or `key` inside a `"trello": {` block).
    let generic = matches!(
        name,
        NameClass::WeakToken | NameClass::WeakSecret | NameClass::ApiKeySidName
    );
    let foreign = context::names_another_service(&key.raw)
        || (generic
            && !twilio_section
            && !enclosing.is_empty()
            && context::names_another_service(&enclosing));

    match name {
        NameClass::Hash | NameClass::Identifier => return None,
        NameClass::Other => {}
        _ if foreign => return None,
        NameClass::AuthToken if hex => return Some(RuleId::AuthToken),
        // Serverless `.env` files created with an API key store it as ACCOUNT_SID / AUTH_TOKEN.
        NameClass::AuthToken => {
            return file
                .has_sid(SidKind::ApiKey)
                .then_some(RuleId::ApiKeySecret)
        }
        NameClass::ApiSecret => {
            if hex && file.sid_near(SidKind::Account, line) && !file.has_sid(SidKind::ApiKey) {
                return Some(RuleId::AuthToken);
            }
            let twilio_named = key.name.contains("twilio") || twilio_section;
            return (twilio_named || file.twilio_context()).then_some(RuleId::ApiKeySecret);
        }
        _ => {}
    }
    // Twilio's webhook `RequestValidator(auth_token)` takes the Auth Token.
    if hex && key.callee.contains("requestvalidator") {
        return Some(RuleId::AuthToken);
    }
    match file.paired_sid(span.start) {
        Some(SidKind::Account) if hex => return Some(RuleId::AuthToken),
        Some(SidKind::ApiKey) => return Some(RuleId::ApiKeySecret),
        _ => {}
    }
    if key.attachment == Attachment::Argument {
        match name {
            NameClass::AccountSidName if hex => return Some(RuleId::AuthToken),
            NameClass::ApiKeySidName => return Some(RuleId::ApiKeySecret),
            _ => {}
        }
    }
    let ac_near = file.sid_near(SidKind::Account, line);
    let sk_near = file.sid_near(SidKind::ApiKey, line);
    match name {
        NameClass::WeakSecret if sk_near || (file.has_sid(SidKind::ApiKey) && !hex) => {
            Some(RuleId::ApiKeySecret)
        }
        NameClass::WeakSecret if twilio_section && !hex => Some(RuleId::ApiKeySecret),
        NameClass::WeakToken | NameClass::WeakSecret
            if hex && (ac_near || twilio_section || file.anchors.twilio_word) && !said_hash =>
        {
            Some(RuleId::AuthToken)
        }
        NameClass::WeakToken | NameClass::WeakSecret => None,
        _ if said_hash => None,
        _ if hex && ac_near => Some(RuleId::AuthToken),
        _ if !hex && sk_near && has_mixed_classes(value) => Some(RuleId::ApiKeySecret),
        _ => None,
    }
}

/// The key in front of a value, looked for further afield when the line itself names nothing:
/// a value alone on its line (a wrapped call argument, a YAML block value) takes the key at the
/// end of the line before; `"value": …` takes the `"name"` of its object a few lines up; a
/// CSV cell takes its column's header; prose takes "auth token is …".
fn key_of(
    file: &FileContext<'_>,
    line: usize,
    line_start: usize,
    start: usize,
) -> context::KeyContext {
    let prefix = &file.haystack[line_start..start];
    let mut key = context::key_before(prefix);
    let alone = prefix
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`'));
    if key.attachment == Attachment::Bare && alone && line > 0 {
        key = context::key_before(line_text(file, line - 1));
    }
    if key.name == "value" {
        if let Some(name) = (1..=3)
            .filter_map(|back| line.checked_sub(back))
            .find_map(|l| context::attribute_name(line_text(file, l)))
        {
            key.name = context::normalize(name.as_bytes());
            key.raw = name;
        }
    }
    if key.attachment != Attachment::Assignment {
        if let Some(header) = csv_header(file, line, start) {
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

fn line_text<'a>(file: &FileContext<'a>, line: usize) -> &'a [u8] {
    &file.haystack[file.lines.line_range(file.haystack, line)]
}

/// How many lines up a block's opening line is looked for.
const ENCLOSING_LOOKBACK: usize = 30;

/// The name of the data block a line sits in: an INI/TOML `[section]`, a YAML `key:` with the
/// value indented below it, or a `key = {` / `"key": [` opening a literal. Code blocks
/// (`def f():`, `if x {`) name nothing: empty.
fn enclosing_name(file: &FileContext<'_>, line: usize) -> String {
    let indent = |text: &[u8]| {
        text.iter()
            .take_while(|&&b| b == b' ' || b == b'\t')
            .count()
    };
    let here = indent(line_text(file, line));
    for back in 1..=ENCLOSING_LOOKBACK.min(line) {
        let text = line_text(file, line - back);
        let trimmed = text.trim_ascii();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with(b"[") && trimmed.ends_with(b"]") && !trimmed.contains(&b',') {
            return String::from_utf8_lossy(&trimmed[1..trimmed.len() - 1]).into_owned();
        }
        let Some((&last, head)) = trimmed.split_last() else {
            continue;
        };
        if indent(text) >= here.max(1) || !matches!(last, b'{' | b'[' | b':') {
            continue;
        }
        let key = if last == b':' {
            // Only a bare mapping key (`twilio:`, `"lastfm":`): `def f():` is code.
            let bare = head
                .iter()
                .all(|&b| is_word_byte(b) || matches!(b, b'-' | b'.' | b'"' | b'\''));
            if !bare {
                return String::new();
            }
            context::key_before(trimmed)
        } else {
            context::key_before(head)
        };
        return match key.attachment {
            Attachment::Assignment => key.raw,
            _ => String::new(),
        };
    }
    String::new()
}

/// The key of an object opened earlier on the same line: `"trello": { "key": value`.
fn inline_enclosing_name(prefix: &[u8]) -> Option<String> {
    let brace = prefix.iter().rposition(|&b| b == b'{')?;
    let key = context::key_before(&prefix[..brace]);
    (key.attachment == Attachment::Assignment && !key.raw.is_empty()).then_some(key.raw)
}

/// A comment on the line just above that says what follows is a digest (`# md5 of …`).
fn comment_above_mentions_hash(file: &FileContext<'_>, line: usize) -> bool {
    let Some(above) = line.checked_sub(1) else {
        return false;
    };
    let text = line_text(file, above).trim_ascii_start();
    let comment = [&b"#"[..], b"//", b"--", b"/*", b"*", b";"]
        .iter()
        .any(|m| text.starts_with(m));
    comment && context::line_mentions_hash(text)
}

/// The header of a value's column, when the value is a cell of a CSV or TSV table whose first
/// line has as many separators as this one.
fn csv_header(file: &FileContext<'_>, line: usize, start: usize) -> Option<String> {
    if line == 0 {
        return None;
    }
    let row = line_text(file, line);
    let header = line_text(file, 0);
    let separator = [b',', b'\t'].into_iter().find(|&sep| {
        let count = |text: &[u8]| text.iter().filter(|&&b| b == sep).count();
        count(row) >= 2 && count(row) == count(header)
    })?;
    let row_start = file.lines.line_range(file.haystack, line).start;
    let column = file.haystack[row_start..start]
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

/// At least two of upper, lower and digit: what a random API secret always has.
fn has_mixed_classes(value: &[u8]) -> bool {
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let digit = value.iter().any(u8::is_ascii_digit);
    usize::from(upper) + usize::from(lower) + usize::from(digit) >= 2
}
