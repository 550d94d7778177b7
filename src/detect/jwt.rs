//! Twilio Access Tokens: JWTs whose header says `"cty":"twilio-fpa;v=1"`.
//!
//! The base64url prefix of the header is not fixed (SDKs order the header keys differently), so
//! the header is decoded and read as JSON rather than matched as text.

use super::placeholder::is_placeholder;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine;

/// The JWT shape: three base64url segments, the first two JSON objects (`eyJ` is `{"`).
pub const JWT_SHAPE: &str = r"eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+";

/// The content type Twilio puts in every Access Token header.
pub const TWILIO_CONTENT_TYPE: &str = "twilio-fpa;v=1";

const BASE64URL: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// What an Access Token says about itself.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AccessTokenClaims {
    /// `iss`: the API Key SID that signed it.
    pub issuer: Option<String>,
    /// `sub`: the Account SID it acts for.
    pub subject: Option<String>,
    /// `exp`: expiry as Unix seconds.
    pub expires_at: Option<i64>,
}

fn decode_segment(segment: &[u8]) -> Option<serde_json::Value> {
    let bytes = BASE64URL.decode(segment).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// Decodes a `header.payload.signature` JWT and returns its claims if the header marks it as a
/// Twilio Access Token. The payload may be unreadable; the header decides.
pub fn twilio_access_token(jwt: &[u8]) -> Option<AccessTokenClaims> {
    let mut parts = jwt.split(|&b| b == b'.');
    let header = decode_segment(parts.next()?)?;
    if header.get("cty")?.as_str()? != TWILIO_CONTENT_TYPE {
        return None;
    }
    let payload = parts.next().and_then(decode_segment);
    let text = |key: &str| {
        payload
            .as_ref()
            .and_then(|p| p.get(key))
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    };
    Some(AccessTokenClaims {
        issuer: text("iss"),
        subject: text("sub"),
        expires_at: payload
            .as_ref()
            .and_then(|p| p.get("exp"))
            .and_then(|v| v.as_i64()),
    })
}

/// Whether a JWT is a Twilio Access Token that is not a documentation example: the
/// documentation's example token names `SKxxxx…`/`ACxxxx…` in its claims.
pub fn is_real_access_token(jwt: &[u8]) -> bool {
    let Some(claims) = twilio_access_token(jwt) else {
        return false;
    };
    let example = claims.issuer.is_some() && !is_real_sid(claims.issuer.as_deref(), "SK")
        || claims.subject.is_some() && !is_real_sid(claims.subject.as_deref(), "AC");
    !example
}

/// A real SID of the given prefix: not `SKxxxx…`, `SK123`, or a placeholder body.
fn is_real_sid(value: Option<&str>, prefix: &str) -> bool {
    value.is_some_and(|v| {
        v.len() == 34
            && v.starts_with(prefix)
            && v[2..]
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
            && !is_placeholder(&v.as_bytes()[2..])
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    /// Builds an unsigned-looking JWT from a header and payload (test helper).
    pub(crate) fn make_jwt(header: &str, payload: &str) -> String {
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode("not-a-real-signature-but-long-enough")
        )
    }

    #[test]
    fn reads_twilio_header_in_any_key_order() {
        for header in [
            r#"{"typ":"JWT","alg":"HS256","cty":"twilio-fpa;v=1"}"#,
            r#"{"cty":"twilio-fpa;v=1","typ":"JWT","alg":"HS256"}"#,
            r#"{ "alg": "HS512", "cty": "twilio-fpa;v=1", "twr": "ie1" }"#,
        ] {
            let jwt = make_jwt(header, r#"{"iss":"SKx","sub":"ACy","exp":1700000000}"#);
            let claims = twilio_access_token(jwt.as_bytes()).expect(header);
            assert_eq!(claims.issuer.as_deref(), Some("SKx"));
            assert_eq!(claims.subject.as_deref(), Some("ACy"));
            assert_eq!(claims.expires_at, Some(1_700_000_000));
        }
    }

    #[test]
    fn ignores_other_jwts_and_garbage() {
        let other = make_jwt(r#"{"typ":"JWT","alg":"HS256"}"#, r#"{"sub":"1"}"#);
        assert_eq!(twilio_access_token(other.as_bytes()), None);
        assert_eq!(twilio_access_token(b"eyJ!!!.eyJ.x"), None);
        assert_eq!(twilio_access_token(b""), None);
    }
}
