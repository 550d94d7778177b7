//! Context rules: what the text around a 32-character value says it is.
//!
//! A bare 32-hex string is usually a digest. These helpers read the key or variable name in
//! front of a value, in any of the common syntaxes (env, shell, YAML, JSON, TOML, INI,
//! properties, HCL, XML and the assignment, keyword-argument and call forms of Python, JS/TS, Go,
//! Java, C#, Ruby, PHP and Kotlin), and classify that name.

use super::vocabulary::{
    self, API_KEY_SID_WORDS, API_SECRET_WORDS, COLOUR_WORDS, ENV_READS, HASH_WORDS, TOKEN_WORDS,
    UUID_WORDS,
};

/// How the value is attached to the text in front of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attachment {
    /// `key = value`, `key: value`, `key => value`, `key := value`, `<key>value`.
    Assignment,
    /// `f(previous, value)`: the value is a call argument after another argument.
    Argument,
    /// Nothing recognisable (start of line, prose).
    Bare,
}

/// The name in front of a value and how the value is attached to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyContext {
    /// The key, variable or previous argument, lowercased with separators removed.
    pub name: String,
    /// The same name as written, for splitting into words.
    pub raw: String,
    /// How the value hangs off `name`.
    pub attachment: Attachment,
    /// For the first argument of a call, `f(value`, the function's name (normalized).
    pub callee: String,
}

impl KeyContext {
    fn bare() -> KeyContext {
        KeyContext {
            name: String::new(),
            raw: String::new(),
            attachment: Attachment::Bare,
            callee: String::new(),
        }
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'$' | b'@')
}

fn is_quote_or_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`')
}

/// Drops a YAML block scalar indicator after a key (`key: >-`, `key: |`), so that a value on
/// the next line is read as that key's.
fn strip_block_indicator(rest: &[u8]) -> &[u8] {
    let mut end = rest.len();
    while end > 0 && matches!(rest[end - 1], b'-' | b'+') {
        end -= 1;
    }
    if end > 0 && matches!(rest[end - 1], b'>' | b'|') {
        let mut colon = end - 1;
        while colon > 0 && matches!(rest[colon - 1], b' ' | b'\t') {
            colon -= 1;
        }
        if colon > 0 && rest[colon - 1] == b':' {
            return &rest[..colon];
        }
    }
    rest
}

/// Strips what opens a value: spaces, quotes (also `\"` inside JSON strings, as in notebooks),
/// string-literal prefixes (`@"…"`, `$"…"`, `r"…"`, `b'…'`) and YAML block indicators.
fn strip_value_opening(prefix: &[u8]) -> &[u8] {
    fn trim(mut text: &[u8]) -> &[u8] {
        while let Some((&last, head)) = text.split_last() {
            if is_quote_or_space(last) || last == b'\\' {
                text = head;
            } else {
                break;
            }
        }
        text
    }
    let mut rest = trim(prefix);
    let quoted = rest.len() < prefix.len()
        && prefix[rest.len()..]
            .iter()
            .any(|&b| matches!(b, b'"' | b'\'' | b'`'));
    if quoted {
        if let Some((&last, head)) = rest.split_last() {
            let lone_letter = matches!(last, b'r' | b'b' | b'u' | b'f' | b'R' | b'B' | b'U' | b'F')
                && head.last().is_none_or(|&b| !is_name_byte(b));
            if matches!(last, b'@' | b'$') || lone_letter {
                rest = trim(head);
            }
        }
    }
    strip_block_indicator(rest)
}

/// `X || value`, `X ?? value`, `${X:-value}`, `X or value`: the text before a fallback.
fn strip_fallback(rest: &[u8]) -> Option<&[u8]> {
    [&b"||"[..], b"??", b":-", b" or"]
        .iter()
        .find(|op| rest.ends_with(op))
        .map(|op| rest[..rest.len() - op.len()].trim_ascii_end())
}

/// The name at the very end of `text` (`process.env.TWILIO_AUTH_TOKEN`, `${TWILIO_AUTH_TOKEN`).
fn trailing_name(text: &[u8]) -> &[u8] {
    let start = text
        .iter()
        .rposition(|&b| !is_name_byte(b))
        .map_or(0, |i| i + 1);
    &text[start..]
}

fn named(raw: &[u8], attachment: Attachment) -> KeyContext {
    KeyContext {
        name: normalize(raw),
        raw: String::from_utf8_lossy(raw).into_owned(),
        attachment,
        callee: String::new(),
    }
}

/// `getenv(`, `os.environ[`, `process.env[`, `ENV.fetch(`: an environment read whose argument
/// should be a variable's name. Returns the text in front of the read.
fn strip_env_read(rest: &[u8]) -> Option<&[u8]> {
    let (&open, head) = rest.split_last()?;
    if !matches!(open, b'(' | b'[') {
        return None;
    }
    let name = trailing_name(head);
    ENV_READS
        .contains(&normalize(name).as_str())
        .then(|| &head[..head.len() - name.len()])
}

/// Reads the key in front of a value from the part of its line before it.
pub fn key_before(prefix: &[u8]) -> KeyContext {
    let rest = strip_value_opening(prefix);
    if let Some(before) = strip_fallback(rest) {
        // A default after an environment read names the variable it stands in for.
        return named(trailing_name(before), Attachment::Assignment);
    }
    if let Some(before) = strip_env_read(rest) {
        // `token = getenv('VALUE')`: a value written where the variable's name belongs is
        // named by what the read is assigned to.
        return key_before(before);
    }
    let (attachment, sep_len) = if rest.ends_with(b"=>") || rest.ends_with(b":=") {
        (Attachment::Assignment, 2)
    } else if let Some(&last) = rest.last() {
        match last {
            b'=' | b':' => (Attachment::Assignment, 1),
            b'>' => return xml_tag_name(rest),
            b',' | b'(' => (Attachment::Argument, 1),
            // A table cell (`| Auth Token | value |`): the cell to the left names it.
            b'|' => {
                let cells = &rest[..rest.len() - 1];
                let start = cells.iter().rposition(|&b| b == b'|').map_or(0, |i| i + 1);
                return named(cells[start..].trim_ascii(), Attachment::Assignment);
            }
            // `(def auth-token "…")`, `auth_token     …` (a table printed by a CLI).
            _ => return named(trailing_name(rest), Attachment::Bare),
        }
    } else {
        (Attachment::Bare, 0)
    };
    if attachment == Attachment::Bare {
        return KeyContext::bare();
    }
    let mut end = rest.len() - sep_len;
    // `key = `, `"key": `, `["key"] = `, `:key => `, `f("KEY", `
    while end > 0 && (is_quote_or_space(rest[end - 1]) || matches!(rest[end - 1], b']' | b')')) {
        end -= 1;
    }
    let mut start = end;
    while start > 0 && is_name_byte(rest[start - 1]) {
        start -= 1;
    }
    let first_argument = attachment == Attachment::Argument && rest.last() == Some(&b'(');
    let mut raw = String::from_utf8_lossy(&rest[start..end]).into_owned();
    let mut name = normalize(&rest[start..end]);
    let mut callee = String::new();
    if first_argument {
        // `f(value`: no previous argument; the function's name says what the value is for.
        callee = std::mem::take(&mut name);
        raw.clear();
    }
    if name == "value" {
        // `<add key="TwilioAuthToken" value="…"/>`, `{"name": "AUTH_TOKEN", "value": "…"}`
        if let Some(attribute) = attribute_name(&rest[..start]) {
            name = normalize(attribute.as_bytes());
            raw = attribute;
        }
    }
    KeyContext {
        name,
        raw,
        attachment,
        callee,
    }
}

/// The `key="…"` or `name="…"` that a `value=` refers to, as written, if `before` holds one.
pub fn attribute_name(before: &[u8]) -> Option<String> {
    let lower = before.to_ascii_lowercase();
    let at = ["key", "name"]
        .iter()
        .filter_map(|attr| memchr::memmem::rfind(&lower, attr.as_bytes()).map(|i| i + attr.len()))
        .max()?;
    let after = &before[at..];
    let open = after.iter().position(|&b| b.is_ascii_alphanumeric())?;
    let len = after[open..]
        .iter()
        .position(|&b| !is_name_byte(b))
        .unwrap_or(after.len() - open);
    let raw = &after[open..open + len];
    (!normalize(raw).is_empty()).then(|| String::from_utf8_lossy(raw).into_owned())
}

/// `<authToken>value` → `authtoken`; `<add key="TwilioAuthToken" value="…"` is handled as
/// an assignment by the caller because it ends in `=`.
fn xml_tag_name(rest: &[u8]) -> KeyContext {
    let body = &rest[..rest.len() - 1];
    let open = body.iter().rposition(|&b| b == b'<');
    let raw = match open {
        Some(i) => {
            let tag = &body[i + 1..];
            let end = tag
                .iter()
                .position(|&b| !is_name_byte(b))
                .unwrap_or(tag.len());
            &tag[..end]
        }
        None => &[][..],
    };
    KeyContext {
        name: normalize(raw),
        raw: String::from_utf8_lossy(raw).into_owned(),
        attachment: Attachment::Assignment,
        callee: String::new(),
    }
}

/// The words of a name as written: `SLACK_SIGNING_SECRET`, `slackSigningSecret` and
/// `slack.signing-secret` all give `slack`, `signing`, `secret`.
pub fn words(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous: Option<char> = None;
    for c in raw.chars() {
        let boundary = !c.is_ascii_alphanumeric()
            || (c.is_ascii_uppercase()
                && previous.is_some_and(|p| p.is_ascii_lowercase() || p.is_ascii_digit()));
        if boundary && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        if c.is_ascii_alphanumeric() {
            current.push(c.to_ascii_lowercase());
        }
        previous = Some(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether a name's words say it belongs to something other than Twilio
/// (`SLACK_SIGNING_SECRET`, `csrf_token`, `DD_API_KEY`, `idempotency_key`): a word that is
/// neither `twilio` nor generic, and no `twilio` anywhere.
pub fn names_another_service(raw: &str) -> bool {
    let words = words(raw);
    !words.iter().any(|w| w.contains("twilio")) && words.iter().any(|w| !is_neutral(w))
}

/// A number, a neutral word, or neutral words run together (`authtoken`, `apikeysid`).
fn is_neutral(word: &str) -> bool {
    if word.chars().all(|c| c.is_ascii_digit()) {
        return true;
    }
    // Segmentation by dynamic programming: can[i] says word[..i] splits into neutral words.
    let mut can = vec![false; word.len() + 1];
    can[0] = true;
    for end in 1..=word.len() {
        can[end] = vocabulary::NEUTRAL_WORDS
            .iter()
            .any(|n| n.len() <= end && can[end - n.len()] && &word[end - n.len()..end] == *n);
    }
    can[word.len()]
}

/// Lowercases and drops everything but letters and digits: `TWILIO_AUTH_TOKEN`,
/// `twilio.auth.token` and `twilioAuthToken` all become `twilioauthtoken`.
pub fn normalize(name: &[u8]) -> String {
    name.iter()
        .filter(|b| b.is_ascii_alphanumeric())
        .map(|b| char::from(b.to_ascii_lowercase()))
        .collect()
}

/// What a normalized name says about the value under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameClass {
    /// A digest, checksum or similar: never a credential.
    Hash,
    /// An identifier (`…id`, `uuid`, `identity`): not a credential.
    Identifier,
    /// Says Auth Token outright (`auth_token`, `twilio_token`, `twilio_password`).
    AuthToken,
    /// Says API secret outright (`api_secret`, `twilio_secret`, `api_key_secret`).
    ApiSecret,
    /// Secret-ish but generic (`token`, `password`, `credential`).
    WeakToken,
    /// Secret-ish but generic (`secret`, `key`).
    WeakSecret,
    /// An Account SID's name (`account_sid`, `accountSid`, `sid`, `username`).
    AccountSidName,
    /// An API key SID's name (`api_key`, `key_sid`, `signing_key`).
    ApiKeySidName,
    /// Anything else, including no name at all.
    Other,
}

fn has_any(name: &str, words: &[&str]) -> bool {
    words.iter().any(|w| name.contains(w))
}

/// Classifies a normalized name.
pub fn classify_name(name: &str) -> NameClass {
    if name.is_empty() {
        return NameClass::Other;
    }
    if has_any(name, &HASH_WORDS) || has_any(name, &UUID_WORDS) || has_any(name, &COLOUR_WORDS) {
        return NameClass::Hash;
    }
    let twilio = name.contains("twilio");
    let tokenish = has_any(name, &TOKEN_WORDS) || name.ends_with("auth");
    let secretish = name.contains("secret");
    if name.contains("authtoken") || (twilio && tokenish) {
        return NameClass::AuthToken;
    }
    if has_any(name, &API_SECRET_WORDS) || (twilio && secretish) {
        return NameClass::ApiSecret;
    }
    if tokenish {
        return NameClass::WeakToken;
    }
    if secretish {
        return NameClass::WeakSecret;
    }
    if has_any(name, &API_KEY_SID_WORDS) || name == "sk" {
        return NameClass::ApiKeySidName;
    }
    if name.contains("key") {
        return NameClass::WeakSecret;
    }
    if name.contains("accountsid")
        || name.ends_with("sid")
        || name.contains("username")
        || name == "account"
        || name == "user"
    {
        return NameClass::AccountSidName;
    }
    if name.ends_with("id") || name.ends_with("ids") || name.ends_with("identity") {
        return NameClass::Identifier;
    }
    NameClass::Other
}

/// Whether a line says that what is on it is a digest (`sha256`, `checksum`, …).
pub fn line_mentions_hash(line: &[u8]) -> bool {
    let lower = line.to_ascii_lowercase();
    HASH_WORDS
        .iter()
        .chain(UUID_WORDS.iter())
        .any(|w| memchr::memmem::find(&lower, w.as_bytes()).is_some())
}

/// Whether the gap between a SID and a value pairs them: `AC…:value` (URL userinfo, `curl -u`),
/// `"AC…", "value"` (client call), `sid: AC…\ntoken: value`. At most one line break, at most
/// two words (key names), and no word that says digest.
pub fn gap_pairs(gap: &[u8]) -> bool {
    if gap.len() > 80 || gap.iter().filter(|&&b| b == b'\n').count() > 1 {
        return false;
    }
    let words: Vec<&[u8]> = gap
        .split(|b| !(b.is_ascii_alphanumeric() || *b == b'_'))
        .filter(|w| !w.is_empty())
        .collect();
    words.len() <= 2
        && !words.iter().any(|w| {
            classify_name(&normalize(w)) == NameClass::Hash
                || names_another_service(&String::from_utf8_lossy(w))
        })
}

#[cfg(test)]
mod tests;
