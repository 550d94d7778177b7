//! Object ids of both of git's object formats: SHA-1 (20 bytes) and SHA-256 (32 bytes).
//!
//! One small `Copy` type serves every place an id appears (index entries, tree entries, pack
//! indexes, commit parents, findings), so no code assumes a length: it asks the id, or the
//! repository's [`HashKind`].

use std::fmt;

/// The longest object id git knows (SHA-256).
pub const MAX_ID_LEN: usize = 32;

/// A repository's object format (`extensions.objectFormat`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum HashKind {
    /// SHA-1, git's default: 20-byte ids.
    #[default]
    Sha1,
    /// SHA-256 (`git init --object-format=sha256`): 32-byte ids.
    Sha256,
}

impl HashKind {
    /// The length of an id in bytes.
    pub const fn id_len(self) -> usize {
        match self {
            HashKind::Sha1 => 20,
            HashKind::Sha256 => 32,
        }
    }

    /// The length of an id written in hex.
    pub const fn hex_len(self) -> usize {
        self.id_len() * 2
    }

    /// The format named as git names it (`sha1`, `sha256`).
    pub fn from_name(name: &str) -> Option<HashKind> {
        match name {
            "sha1" => Some(HashKind::Sha1),
            "sha256" => Some(HashKind::Sha256),
            _ => None,
        }
    }

    /// The format whose ids are `len` bytes long.
    pub fn from_len(len: usize) -> Option<HashKind> {
        match len {
            20 => Some(HashKind::Sha1),
            32 => Some(HashKind::Sha256),
            _ => None,
        }
    }
}

/// A git object id of either format.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectId {
    // The length first, so that ids of one format sort by their bytes.
    len: u8,
    bytes: [u8; MAX_ID_LEN],
}

impl ObjectId {
    /// The id whose raw bytes are `bytes` (20 or 32 of them).
    pub fn from_bytes(bytes: &[u8]) -> Option<ObjectId> {
        HashKind::from_len(bytes.len())?;
        let mut id = ObjectId {
            len: bytes.len() as u8,
            bytes: [0; MAX_ID_LEN],
        };
        id.bytes[..bytes.len()].copy_from_slice(bytes);
        Some(id)
    }

    /// The id written as 40 or 64 hex digits (either case).
    pub fn from_hex(hex: &str) -> Option<ObjectId> {
        let hex = hex.as_bytes();
        HashKind::from_len(hex.len() / 2).filter(|_| hex.len().is_multiple_of(2))?;
        let mut raw = [0u8; MAX_ID_LEN];
        for (i, pair) in hex.chunks_exact(2).enumerate() {
            let digit = |c: u8| (c as char).to_digit(16);
            raw[i] = (digit(pair[0])? * 16 + digit(pair[1])?) as u8;
        }
        ObjectId::from_bytes(&raw[..hex.len() / 2])
    }

    /// The id of nothing in `kind`'s format (all zeros), as git writes for "no object".
    pub fn null(kind: HashKind) -> ObjectId {
        ObjectId {
            len: kind.id_len() as u8,
            bytes: [0; MAX_ID_LEN],
        }
    }

    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The object format this id belongs to.
    pub fn kind(&self) -> HashKind {
        HashKind::from_len(usize::from(self.len)).expect("built only with a valid length")
    }

    /// Whether every byte is zero.
    pub fn is_null(&self) -> bool {
        self.as_bytes().iter().all(|&b| b == 0)
    }

    /// Lowercase hex, as git prints ids.
    pub fn to_hex(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.as_bytes() {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ObjectId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_both_formats_through_hex() {
        for len in [20, 32] {
            let raw: Vec<u8> = (0..len as u8).map(|i| i.wrapping_mul(37)).collect();
            let id = ObjectId::from_bytes(&raw).unwrap();
            assert_eq!(id.as_bytes(), raw.as_slice());
            assert_eq!(id.to_hex().len(), len * 2);
            assert_eq!(ObjectId::from_hex(&id.to_hex()), Some(id));
            assert_eq!(ObjectId::from_hex(&id.to_hex().to_uppercase()), Some(id));
            assert_eq!(id.kind().id_len(), len);
        }
    }

    #[test]
    fn rejects_other_lengths_and_non_hex() {
        assert_eq!(ObjectId::from_bytes(&[0; 19]), None);
        assert_eq!(ObjectId::from_hex(&"a".repeat(39)), None);
        assert_eq!(ObjectId::from_hex(&"g".repeat(40)), None);
        assert!(ObjectId::null(HashKind::Sha256).is_null());
        assert_eq!(ObjectId::null(HashKind::Sha256).as_bytes().len(), 32);
    }
}
