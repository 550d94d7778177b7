//! Turning file bytes into scannable text: binary detection, UTF-16 and BOM handling.
//!
//! Text with a byte-order mark is decoded as it declares. Without one, content with a NUL in
//! its first block is binary unless it reads as UTF-32 or UTF-16 text: mostly ASCII characters
//! with the NUL bytes where the wide encoding puts them, no NUL or control character, every
//! code unit valid. Such text is transcoded and marked ([`Decoded::Transcoded`]), so its
//! findings say which encoding they were read from; their lines and columns are the text's.

use crate::detect::Encoding;
use std::borrow::Cow;

/// How many leading bytes are checked for a NUL to call a file binary.
pub const BINARY_PROBE: usize = 8 * 1024;

/// What a file's bytes turned out to be.
#[derive(Debug, PartialEq, Eq)]
pub enum Decoded<'a> {
    /// Text to scan, as UTF-8 where it was UTF-16 with a byte-order mark (any other bytes are
    /// kept as they are).
    Text(Cow<'a, [u8]>),
    /// Wide text without a byte-order mark, transcoded to UTF-8, and what it was.
    Transcoded(Vec<u8>, Encoding),
    /// Binary data: a NUL in the first block, no byte-order mark, and not wide text.
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
    if memchr::memchr(0, probe).is_none() {
        return Decoded::Text(Cow::Borrowed(bytes));
    }
    match wide_text(bytes) {
        Some((text, encoding)) => Decoded::Transcoded(text, encoding),
        None => Decoded::Binary,
    }
}

fn utf16_to_utf8(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Vec<u8> {
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect::<String>()
        .into_bytes()
}

fn utf32_to_utf8(bytes: &[u8], unit: fn([u8; 4]) -> u32) -> Vec<u8> {
    bytes
        .chunks_exact(4)
        .map(|quad| {
            char::from_u32(unit([quad[0], quad[1], quad[2], quad[3]]))
                .unwrap_or(char::REPLACEMENT_CHARACTER)
        })
        .collect::<String>()
        .into_bytes()
}

/// The characters of a wide encoding's first block, `None` at the first invalid code unit.
fn probe_chars(probe: &[u8], encoding: Encoding) -> Option<Vec<char>> {
    let pair = |p: &[u8]| [p[0], p[1]];
    let quad = |p: &[u8]| [p[0], p[1], p[2], p[3]];
    match encoding {
        Encoding::Utf16Le | Encoding::Utf16Be => {
            let unit = if encoding == Encoding::Utf16Le {
                u16::from_le_bytes
            } else {
                u16::from_be_bytes
            };
            char::decode_utf16(probe.chunks_exact(2).map(|p| unit(pair(p))))
                .collect::<Result<_, _>>()
                .ok()
        }
        _ => {
            let unit = if encoding == Encoding::Utf32Le {
                u32::from_le_bytes
            } else {
                u32::from_be_bytes
            };
            probe
                .chunks_exact(4)
                .map(|p| char::from_u32(unit(quad(p))))
                .collect()
        }
    }
}

/// UTF-32 or UTF-16 text without a byte-order mark, transcoded: the first block must read as
/// mostly ASCII text (three characters in four) without NUL or other control characters.
fn wide_text(bytes: &[u8]) -> Option<(Vec<u8>, Encoding)> {
    const CANDIDATES: [(Encoding, usize); 4] = [
        (Encoding::Utf32Le, 4),
        (Encoding::Utf32Be, 4),
        (Encoding::Utf16Le, 2),
        (Encoding::Utf16Be, 2),
    ];
    let probe = &bytes[..bytes.len().min(BINARY_PROBE) / 4 * 4];
    CANDIDATES.iter().find_map(|&(encoding, width)| {
        if !bytes.len().is_multiple_of(width) || probe.is_empty() {
            return None;
        }
        let chars = probe_chars(probe, encoding)?;
        let is_text = chars
            .iter()
            .all(|&c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'));
        let ascii = chars.iter().filter(|c| c.is_ascii()).count();
        if !is_text || ascii * 4 < chars.len() * 3 {
            return None;
        }
        let text = match encoding {
            Encoding::Utf16Le => utf16_to_utf8(bytes, u16::from_le_bytes),
            Encoding::Utf16Be => utf16_to_utf8(bytes, u16::from_be_bytes),
            Encoding::Utf32Le => utf32_to_utf8(bytes, u32::from_le_bytes),
            _ => utf32_to_utf8(bytes, u32::from_be_bytes),
        };
        Some((text, encoding))
    })
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

    fn wide(text: &str, encoding: Encoding) -> Vec<u8> {
        match encoding {
            Encoding::Utf16Le => text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            Encoding::Utf16Be => text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            Encoding::Utf32Le => text
                .chars()
                .flat_map(|c| u32::from(c).to_le_bytes())
                .collect(),
            _ => text
                .chars()
                .flat_map(|c| u32::from(c).to_be_bytes())
                .collect(),
        }
    }

    #[test]
    fn wide_text_without_a_bom_is_recognised() {
        let text = "# café settings\r\nKEY=value\tx\n";
        for encoding in [
            Encoding::Utf16Le,
            Encoding::Utf16Be,
            Encoding::Utf32Le,
            Encoding::Utf32Be,
        ] {
            assert_eq!(
                decode(&wide(text, encoding)),
                Decoded::Transcoded(text.as_bytes().to_vec(), encoding),
                "{encoding}"
            );
        }
    }

    #[test]
    fn binary_that_merely_has_nuls_stays_binary() {
        // Small integers, little-endian: NUL in every other byte, but control characters.
        let numbers: Vec<u8> = (0u16..200).flat_map(u16::to_le_bytes).collect();
        assert_eq!(decode(&numbers), Decoded::Binary);
        // NUL characters, an odd length, a lone surrogate.
        assert_eq!(decode(&wide("ab\0cd", Encoding::Utf16Le)), Decoded::Binary);
        assert_eq!(decode(b"a\0b\0c"), Decoded::Binary);
        assert_eq!(decode(&[b'a', 0, 0x00, 0xD8, b'b', 0]), Decoded::Binary);
        // Mostly non-ASCII: not recognised (wide text checks need ASCII to be sure).
        assert_eq!(
            decode(&wide("日本語のテキストab", Encoding::Utf16Le)),
            Decoded::Binary
        );
    }
}
