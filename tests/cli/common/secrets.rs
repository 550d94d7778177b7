//! Credentials generated at run time. Nothing realistic is ever committed.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use leakfence::detect::RuleId;
use rand::Rng;

const HEX: &[u8] = b"0123456789abcdef";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.random_range(0..alphabet.len())]))
        .collect()
}

/// 32 random lowercase hex digits.
pub fn hex32() -> String {
    random_from(HEX, 32)
}

/// A random value of a rule's shape, made from the recipe in its table row.
pub fn sample(rule: RuleId) -> String {
    let mut rng = rand::rng();
    rule.rule()
        .sample
        .value
        .generate(|n| rng.random_range(0..n))
        .unwrap_or_else(access_token)
}

/// A random Account SID.
pub fn account_sid() -> String {
    sample(RuleId::AccountSid)
}

/// A random API Key SID.
pub fn api_key_sid() -> String {
    sample(RuleId::ApiKeySid)
}

/// A random Auth Token.
pub fn auth_token() -> String {
    sample(RuleId::AuthToken)
}

/// A random API key secret: 32 letters and digits with all three classes present.
pub fn api_secret() -> String {
    sample(RuleId::ApiKeySecret)
}

/// A JWT with the given header and claims and a random signature.
pub fn jwt(header: &str, payload: &str) -> String {
    let signature: Vec<u8> = (0..32).map(|_| rand::rng().random()).collect();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(payload),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// A Twilio Access Token naming the given API key and account.
pub fn access_token_for(sk: &str, ac: &str) -> String {
    let payload = format!(
        r#"{{"jti":"{sk}-1700000000","iss":"{sk}","sub":"{ac}","exp":1700003600,"grants":{{"identity":"alice","video":{{}}}}}}"#
    );
    jwt(
        r#"{"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}"#,
        &payload,
    )
}

/// A random Twilio Access Token.
pub fn access_token() -> String {
    access_token_for(&api_key_sid(), &account_sid())
}

/// A JWT that is not a Twilio Access Token.
pub fn other_jwt() -> String {
    jwt(
        r#"{"alg":"HS256","typ":"JWT"}"#,
        r#"{"sub":"1234567890","name":"John Doe","iat":1516239022}"#,
    )
}

/// Twilio's documentation example shape: real header, `SKxxxx…`/`ACxxxx…` claims.
pub fn example_jwt() -> String {
    access_token_for(
        &format!("SK{}", "x".repeat(32)),
        &format!("AC{}", "x".repeat(32)),
    )
}

/// A random dashed UUID.
pub fn uuid() -> String {
    let h = hex32();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}
