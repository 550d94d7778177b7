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
    matches!(before, Some(b'+' | b'/' | b'-' | b'.' | b'%' | b'\\'))
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
    let auth_token_if_hex = || hex.then_some(RuleId::AuthToken);

    match name {
        NameClass::Hash | NameClass::Identifier => return None,
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
            let twilio_named = key.name.contains("twilio");
            return (twilio_named || file.twilio_context()).then_some(RuleId::ApiKeySecret);
        }
        _ => {}
    }
    match file.paired_sid(span.start) {
        Some(SidKind::Account) => return auth_token_if_hex(),
        Some(SidKind::ApiKey) => return Some(RuleId::ApiKeySecret),
        None => {}
    }
    let hashy_line = context::line_mentions_hash(&file.haystack[line_range]);
    if key.attachment == Attachment::Argument {
        match name {
            NameClass::AccountSidName => return auth_token_if_hex(),
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
        NameClass::WeakToken | NameClass::WeakSecret
            if hex && (ac_near || file.anchors.twilio_word) && !hashy_line =>
        {
            Some(RuleId::AuthToken)
        }
        NameClass::WeakToken | NameClass::WeakSecret => None,
        _ if hashy_line => None,
        _ if hex && ac_near => Some(RuleId::AuthToken),
        _ if !hex && sk_near && has_mixed_classes(value) => Some(RuleId::ApiKeySecret),
        _ => None,
    }
}

/// The key in front of a value; a value alone on its line (a wrapped call argument, a YAML
/// block value) takes its key from the end of the line before.
fn key_of(
    file: &FileContext<'_>,
    line: usize,
    line_start: usize,
    start: usize,
) -> context::KeyContext {
    let prefix = &file.haystack[line_start..start];
    let key = context::key_before(prefix);
    let alone = prefix
        .iter()
        .all(|&b| matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`'));
    if key.attachment != Attachment::Bare || !alone || line == 0 {
        return key;
    }
    let previous = file.lines.line_range(file.haystack, line - 1);
    context::key_before(&file.haystack[previous])
}

/// At least two of upper, lower and digit: what a random API secret always has.
fn has_mixed_classes(value: &[u8]) -> bool {
    let upper = value.iter().any(u8::is_ascii_uppercase);
    let lower = value.iter().any(u8::is_ascii_lowercase);
    let digit = value.iter().any(u8::is_ascii_digit);
    usize::from(upper) + usize::from(lower) + usize::from(digit) >= 2
}
