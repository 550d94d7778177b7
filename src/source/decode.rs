//! Turning file bytes into scannable text: binary detection, UTF-16 and BOM handling.

use std::borrow::Cow;

/// How many leading bytes are checked for a NUL to call a file binary.
pub const BINARY_PROBE: usize = 8 * 1024;

/// What a file's bytes turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// Text to scan, as UTF-8 where it was UTF-16 (any other bytes are kept as they are).
    Text(Cow<'a, [u8]>),
    /// Binary data: a NUL in the first block and no UTF-16 byte-order mark.
    Binary,
}

/// Classifies and, where needed, converts file content.
pub fn decode(bytes: &[u8]) -> Decoded<'_> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return Decoded::Text(Cow::Borrowed(rest));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return Decoded::Text(Cow::Owned(utf16_to_utf8(rest, u16::from_le_bytes)));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return Decoded::Text(Cow::Owned(utf16_to_utf8(rest, u16::from_be_bytes)));
    }
    let probe = &bytes[..bytes.len().min(BINARY_PROBE)];
    if memchr::memchr(0, probe).is_some() {
        Decoded::Binary
    } else {
        Decoded::Text(Cow::Borrowed(bytes))
    }
}

fn utf16_to_utf8(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut out = vec![0xFF, 0xFE];
        text.encode_utf16()
            .for_each(|u| out.extend(u.to_le_bytes()));
        out
    }

    #[test]
    fn utf16_with_bom_is_decoded() {
        let bytes = utf16le("a=é\r\nb");
        let decoded = decode(&bytes);
        assert_eq!(
            decoded,
            Decoded::Text(Cow::Owned("a=é\r\nb".as_bytes().to_vec()))
        );
        let mut be = vec![0xFE, 0xFF];
        "hi".encode_utf16().for_each(|u| be.extend(u.to_be_bytes()));
        assert_eq!(decode(&be), Decoded::Text(Cow::Owned(b"hi".to_vec())));
    }

    #[test]
    fn nul_means_binary_and_utf8_bom_is_dropped() {
        assert_eq!(decode(b"PK\x03\x04\x00\x00"), Decoded::Binary);
        assert_eq!(decode(b"\xEF\xBB\xBFx"), Decoded::Text(Cow::Borrowed(b"x")));
        assert_eq!(decode(b"plain"), Decoded::Text(Cow::Borrowed(b"plain")));
        let late_nul = [vec![b'a'; BINARY_PROBE], vec![0]].concat();
        assert!(matches!(decode(&late_nul), Decoded::Text(_)));
    }
}
