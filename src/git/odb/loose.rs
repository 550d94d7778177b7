//! Loose objects: one zlib-compressed file per object, `objects/ab/cdef…`, holding
//! `<kind> <size>\0<content>`.
//!
//! The header is inflated first, so that a blob over the caller's size limit is never
//! inflated whole.

use super::{Kind, ObjectError, ObjectId, Read};
use flate2::{Decompress, FlushDecompress, Status};
use std::path::{Path, PathBuf};

/// Longest header accepted: `commit 18446744073709551615\0` fits with room to spare.
const MAX_HEADER: usize = 64;

/// The file that would hold `id` as a loose object in `dir`.
pub fn path(dir: &Path, id: &ObjectId) -> PathBuf {
    let hex = id.to_hex();
    dir.join(&hex[..2]).join(&hex[2..])
}

/// Reads loose object `id` from `file` (`Ok(None)`: there is no such file). Content over
/// `limit` bytes is not inflated: [`Read::TooLarge`].
pub fn read(file: &Path, id: &ObjectId, limit: u64) -> Result<Option<Read>, ObjectError> {
    let compressed = match std::fs::read(file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(ObjectError::Damaged {
                id: *id,
                reason: format!("cannot read {}: {e}", file.display()),
            })
        }
    };
    let damaged = |reason: &str| ObjectError::Damaged {
        id: *id,
        reason: format!("loose object {}: {reason}", file.display()),
    };
    let mut inflater = Decompress::new(true);
    let mut head = Vec::with_capacity(MAX_HEADER);
    let status = inflater
        .decompress_vec(&compressed, &mut head, FlushDecompress::None)
        .map_err(|_| damaged("damaged zlib data"))?;
    let nul = memchr::memchr(0, &head).ok_or_else(|| damaged("no object header"))?;
    let (kind, size) = parse_header(&head[..nul]).ok_or_else(|| damaged("bad object header"))?;
    if size > limit {
        return Ok(Some(Read::TooLarge { kind, size }));
    }
    let size = usize::try_from(size).map_err(|_| damaged("object too large"))?;
    let mut content = Vec::with_capacity(size.saturating_add(1));
    content.extend_from_slice(&head[nul + 1..]);
    if status != Status::StreamEnd {
        let consumed = inflater.total_in() as usize;
        let rest = compressed.get(consumed..).unwrap_or_default();
        // One byte of room beyond the header's size catches content longer than announced.
        let status = inflater
            .decompress_vec(rest, &mut content, FlushDecompress::Finish)
            .map_err(|_| damaged("damaged zlib data"))?;
        if status != Status::StreamEnd {
            return Err(damaged("content longer or shorter than its header says"));
        }
    }
    if content.len() != size {
        return Err(damaged("content longer or shorter than its header says"));
    }
    Ok(Some(Read::Data {
        kind,
        data: content.into(),
    }))
}

/// Parses `<kind> <decimal size>`.
fn parse_header(header: &[u8]) -> Option<(Kind, u64)> {
    let space = memchr::memchr(b' ', header)?;
    let kind = match &header[..space] {
        b"commit" => Kind::Commit,
        b"tree" => Kind::Tree,
        b"blob" => Kind::Blob,
        b"tag" => Kind::Tag,
        _ => return None,
    };
    let digits = &header[space + 1..];
    if digits.is_empty() || digits.len() > 20 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits)
        .ok()?
        .parse()
        .ok()
        .map(|size| (kind, size))
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::ZlibEncoder;
    use std::io::Write;

    fn write_loose(dir: &Path, raw: &[u8]) -> PathBuf {
        let file = dir.join("object");
        let mut encoder = ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(raw).unwrap();
        std::fs::write(&file, encoder.finish().unwrap()).unwrap();
        file
    }

    fn id() -> ObjectId {
        ObjectId::from_bytes(&[7; 20]).unwrap()
    }

    #[test]
    fn reads_content_and_refuses_what_its_header_does_not_match() {
        let dir = tempfile::tempdir().unwrap();
        let big = "x".repeat(100_000);
        let file = write_loose(dir.path(), format!("blob 100000\0{big}").as_bytes());
        match read(&file, &id(), u64::MAX).unwrap() {
            Some(Read::Data { kind, data }) => {
                assert_eq!(kind, Kind::Blob);
                assert_eq!(&data[..], big.as_bytes());
            }
            _ => panic!("a blob"),
        }
        assert!(matches!(
            read(&file, &id(), 10).unwrap(),
            Some(Read::TooLarge {
                kind: Kind::Blob,
                size: 100_000
            })
        ));
        for bad in [
            &b"blob 3\0abcd"[..],
            b"blob 5\0abcd",
            b"blob\0",
            b"thing 1\0a",
        ] {
            let file = write_loose(dir.path(), bad);
            assert!(read(&file, &id(), u64::MAX).is_err(), "{bad:?}");
        }
        std::fs::write(&file, b"not zlib at all").unwrap();
        assert!(read(&file, &id(), u64::MAX).is_err());
        assert!(read(&dir.path().join("absent"), &id(), u64::MAX)
            .unwrap()
            .is_none());
    }
}
