//! Values that Twilio publishes as examples in its documentation and API definitions (the
//! OpenAPI files the SDKs and the CLI ship): whoever commits one has copied an example, not
//! leaked a credential. Kept as SHA-256 digests, so that this repository holds no value that
//! other scanners would flag; a value is looked up by its digest.

use sha2::{Digest, Sha256};

/// SHA-256 (lowercase hex) of each published example value.
const DIGESTS: [&str; 1] = [
    // The OAuth app `client_secret` of Twilio's IAM and OAuth API definitions (twilio_iam_v1.json,
    // twilio_iam_organizations.json, twilio_oauth_v1.json, twilio_oauth_v2.json), 64 characters.
    "2276cc8ddd395fe799598b21518698a4303bd89b697915155dd9cec584ff2b62",
];

/// Whether `value` is one of Twilio's published example values.
pub fn is_published_example(value: &[u8]) -> bool {
    let hex = hex_digest(value);
    DIGESTS.iter().any(|d| d.as_bytes() == hex)
}

/// The SHA-256 of `value` in lowercase hex, without allocating.
fn hex_digest(value: &[u8]) -> [u8; 64] {
    let digest = Sha256::digest(value);
    let mut hex = [0u8; 64];
    for (i, byte) in digest.iter().enumerate() {
        hex[2 * i] = HEX[usize::from(byte >> 4)];
        hex[2 * i + 1] = HEX[usize::from(byte & 0x0f)];
    }
    hex
}

const HEX: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_lowercase_sha256_and_random_values_are_not_examples() {
        for digest in DIGESTS {
            assert_eq!(digest.len(), 64);
            assert!(digest.bytes().all(|b| HEX.contains(&b)), "{digest}");
        }
        assert!(!is_published_example(b""));
        assert!(!is_published_example(&rand::random::<[u8; 32]>()));
    }

    #[test]
    fn a_value_is_looked_up_by_its_lowercase_hex_digest() {
        let value = rand::random::<[u8; 48]>();
        let expected = format!("{:x}", Sha256::digest(value));
        assert_eq!(hex_digest(&value).as_slice(), expected.as_bytes());
    }
}
