//! Context rules: what the text around a 32-character value says it is.
//!
//! A bare 32-hex string is usually a digest. These helpers read the key or variable name in
//! front of a value, in any of the common syntaxes (env, shell, YAML, JSON, TOML, INI,
//! properties, HCL, XML and the assignment, keyword-argument and call forms of Python, JS/TS, Go,
//! Java, C#, Ruby, PHP and Kotlin), and classify that name.

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
    /// How the value hangs off `name`.
    pub attachment: Attachment,
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'$' | b'@')
}

fn is_quote_or_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'"' | b'\'' | b'`')
}

/// Reads the key in front of a value from the part of its line before it.
pub fn key_before(prefix: &[u8]) -> KeyContext {
    let mut end = prefix.len();
    while end > 0 && is_quote_or_space(prefix[end - 1]) {
        end -= 1;
    }
    let rest = &prefix[..end];
    let (attachment, sep_len) = if rest.ends_with(b"=>") || rest.ends_with(b":=") {
        (Attachment::Assignment, 2)
    } else if let Some(&last) = rest.last() {
        match last {
            b'=' | b':' => (Attachment::Assignment, 1),
            b'>' => return xml_tag_name(rest),
            b',' | b'(' => (Attachment::Argument, 1),
            _ => (Attachment::Bare, 0),
        }
    } else {
        (Attachment::Bare, 0)
    };
    if attachment == Attachment::Bare {
        return KeyContext {
            name: String::new(),
            attachment,
        };
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
    let mut name = if attachment == Attachment::Argument && rest.last() == Some(&b'(') {
        // `f(value`: the first argument has no previous argument; the callee names nothing.
        String::new()
    } else {
        normalize(&rest[start..end])
    };
    if name == "value" {
        // `<add key="TwilioAuthToken" value="…"/>`, `{"name": "AUTH_TOKEN", "value": "…"}`
        if let Some(attribute) = attribute_name(&rest[..start]) {
            name = attribute;
        }
    }
    KeyContext { name, attachment }
}

/// The `key="…"` or `name="…"` that a `value=` refers to, if it is on the same line.
fn attribute_name(before: &[u8]) -> Option<String> {
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
    Some(normalize(&after[open..open + len])).filter(|n| !n.is_empty())
}

/// `<authToken>value` → `authtoken`; `<add key="TwilioAuthToken" value="…"` is handled as
/// an assignment by the caller because it ends in `=`.
fn xml_tag_name(rest: &[u8]) -> KeyContext {
    let body = &rest[..rest.len() - 1];
    let open = body.iter().rposition(|&b| b == b'<');
    let name = match open {
        Some(i) => {
            let tag = &body[i + 1..];
            let end = tag
                .iter()
                .position(|&b| !is_name_byte(b))
                .unwrap_or(tag.len());
            normalize(&tag[..end])
        }
        None => String::new(),
    };
    KeyContext {
        name,
        attachment: Attachment::Assignment,
    }
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
    /// An identifier (`…id`, `uuid`): not a credential.
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

const HASH_WORDS: [&str; 16] = [
    "md5",
    "sha1",
    "sha224",
    "sha256",
    "sha384",
    "sha512",
    "hash",
    "checksum",
    "digest",
    "etag",
    "integrity",
    "fingerprint",
    "nonce",
    "salt",
    "commit",
    "hmac",
];

fn has_any(name: &str, words: &[&str]) -> bool {
    words.iter().any(|w| name.contains(w))
}

/// Classifies a normalized name.
pub fn classify_name(name: &str) -> NameClass {
    if name.is_empty() {
        return NameClass::Other;
    }
    if has_any(name, &HASH_WORDS) || has_any(name, &["uuid", "guid", "color", "colour"]) {
        return NameClass::Hash;
    }
    let twilio = name.contains("twilio");
    let tokenish = has_any(name, &["token", "pass", "pwd", "credential"]) || name.ends_with("auth");
    let secretish = name.contains("secret");
    if name.contains("authtoken") || (twilio && tokenish) {
        return NameClass::AuthToken;
    }
    if has_any(name, &["apisecret", "keysecret", "secretkey"]) || (twilio && secretish) {
        return NameClass::ApiSecret;
    }
    if tokenish {
        return NameClass::WeakToken;
    }
    if secretish {
        return NameClass::WeakSecret;
    }
    if has_any(name, &["apikey", "keysid", "signingkey"]) || name == "sk" {
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
    if name.ends_with("id") || name.ends_with("ids") {
        return NameClass::Identifier;
    }
    NameClass::Other
}

/// Whether a line says that what is on it is a digest (`sha256`, `checksum`, …).
pub fn line_mentions_hash(line: &[u8]) -> bool {
    let lower = line.to_ascii_lowercase();
    HASH_WORDS
        .iter()
        .chain(["uuid", "guid"].iter())
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
        && !words
            .iter()
            .any(|w| classify_name(&normalize(w)) == NameClass::Hash)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(prefix: &str) -> (String, Attachment) {
        let k = key_before(prefix.as_bytes());
        (k.name, k.attachment)
    }

    #[test]
    fn reads_keys_in_common_syntaxes() {
        use Attachment::*;
        let cases: &[(&str, &str, Attachment)] = &[
            ("TWILIO_AUTH_TOKEN=", "twilioauthtoken", Assignment),
            ("export TWILIO_AUTH_TOKEN=\"", "twilioauthtoken", Assignment),
            ("  auth_token: ", "authtoken", Assignment),
            ("  \"authToken\": \"", "authtoken", Assignment),
            ("const authToken = '", "authtoken", Assignment),
            ("$authToken = \"", "authtoken", Assignment),
            ("authToken := \"", "authtoken", Assignment),
            ("'auth_token' => '", "authtoken", Assignment),
            (":auth_token => '", "authtoken", Assignment),
            ("twilio.auth.token=", "twilioauthtoken", Assignment),
            (
                "os.environ[\"TWILIO_AUTH_TOKEN\"] = \"",
                "twilioauthtoken",
                Assignment,
            ),
            ("<authToken>", "authtoken", Assignment),
            (
                "<add key=\"TwilioAuthToken\" value=\"",
                "twilioauthtoken",
                Assignment,
            ),
            (
                "{\"name\": \"AUTH_TOKEN\", \"value\": \"",
                "authtoken",
                Assignment,
            ),
            (
                "os.getenv(\"TWILIO_AUTH_TOKEN\", \"",
                "twilioauthtoken",
                Argument,
            ),
            ("client = Client(account_sid, \"", "accountsid", Argument),
            ("Password: \"", "password", Assignment),
            ("just some prose ", "", Bare),
        ];
        for (prefix, name, attachment) in cases {
            assert_eq!(key(prefix), (name.to_string(), *attachment), "{prefix}");
        }
    }

    #[test]
    fn classifies_names() {
        use NameClass::*;
        let cases = [
            ("twilioauthtoken", AuthToken),
            ("authtoken", AuthToken),
            ("twiliotoken", AuthToken),
            ("twiliopassword", AuthToken),
            ("twilioapisecret", ApiSecret),
            ("apikeysecret", ApiSecret),
            ("twiliosecret", ApiSecret),
            ("token", WeakToken),
            ("password", WeakToken),
            ("secret", WeakSecret),
            ("accountsid", AccountSidName),
            ("sid", AccountSidName),
            ("apikey", ApiKeySidName),
            ("md5", Hash),
            ("filehash", Hash),
            ("authtokensha256", Hash),
            ("requestid", Identifier),
            ("value", Other),
            ("", Other),
        ];
        for (name, class) in cases {
            assert_eq!(classify_name(name), class, "{name}");
        }
    }

    #[test]
    fn pairs_sid_and_value_gaps() {
        assert!(gap_pairs(b":"));
        assert!(gap_pairs(b"\", \""));
        assert!(gap_pairs(b"\",\n\t\tPassword: \""));
        assert!(gap_pairs(b"\nAUTH_TOKEN="));
        assert!(!gap_pairs(b", md5="));
        assert!(!gap_pairs(b"\n\n\nAUTH_TOKEN="));
        assert!(!gap_pairs(
            b" is the account and this is the checksum of the file: "
        ));
    }

    #[test]
    fn hash_lines() {
        assert!(line_mentions_hash(b"sha256sum: "));
        assert!(line_mentions_hash(b"\"integrity\": \""));
        assert!(!line_mentions_hash(b"TWILIO_AUTH_TOKEN="));
    }
}
