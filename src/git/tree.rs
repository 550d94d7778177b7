//! Tree objects as raw bytes: where they are read from, and the entries they list.
//!
//! A tree is a sequence of `<octal mode> SP <name> NUL <id>` entries (20-byte ids for SHA-1,
//! 32-byte ids for SHA-256), sorted in git's order. Reading the bytes directly lets the walks
//! use the object database's cache and skip unchanged entries without parsing them.

use super::odb::{Kind, Odb};
use super::oid::ObjectId;
use super::GitError;
use std::sync::Arc;

/// Where tree objects come from.
pub trait TreeSource {
    /// The raw bytes of tree `id`.
    fn tree(&self, id: ObjectId) -> Result<Arc<[u8]>, GitError>;
}

fn malformed(id: ObjectId) -> GitError {
    GitError::Read {
        what: format!("tree {id}"),
        message: "malformed tree".into(),
    }
}

impl TreeSource for Odb {
    fn tree(&self, id: ObjectId) -> Result<Arc<[u8]>, GitError> {
        Ok(self.read_kind(&id, Kind::Tree)?)
    }
}

/// One entry of a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeEntry<'a> {
    /// The entry's name (one path component).
    pub name: &'a [u8],
    /// Its mode: file, executable, symlink, directory or submodule.
    pub mode: u32,
    /// The blob, tree or commit it names.
    pub id: ObjectId,
}

/// The entries of tree `id` whose bytes are `data`, in stored order.
pub fn entries(id: ObjectId, data: &[u8]) -> Result<Vec<TreeEntry<'_>>, GitError> {
    let mut cursor = Cursor::new(id, data);
    let mut out = Vec::with_capacity(data.len() / 40);
    while let Some(entry) = cursor.next_entry()? {
        out.push(entry);
    }
    Ok(out)
}

/// Reads a tree's entries one at a time; two cursors over an old and a new version of a tree
/// skip their identical entries without parsing them ([`Cursor::skip_identical`]).
pub struct Cursor<'a> {
    id: ObjectId,
    data: &'a [u8],
    at: usize,
    /// The length of the ids in this tree's entries: that of the tree's own id.
    id_len: usize,
}

impl<'a> Cursor<'a> {
    /// A cursor at the first entry of tree `id`, whose bytes are `data`.
    pub fn new(id: ObjectId, data: &'a [u8]) -> Cursor<'a> {
        Cursor {
            id,
            data,
            at: 0,
            id_len: id.kind().id_len(),
        }
    }

    /// A cursor with no entries.
    pub fn empty() -> Cursor<'a> {
        Cursor::new(ObjectId::null(super::HashKind::Sha1), &[])
    }

    fn malformed(&self) -> GitError {
        malformed(self.id)
    }

    /// The length of the entry at the cursor (`None` at the end or if it is cut short).
    fn entry_len(&self) -> Option<usize> {
        let rest = &self.data[self.at..];
        let nul = memchr::memchr(0, rest)?;
        let len = nul + 1 + self.id_len;
        (rest.len() >= len).then_some(len)
    }

    /// Advances both cursors past the entries they share byte for byte (same mode, name and
    /// id): in two versions of a directory, most entries.
    pub fn skip_identical(old: &mut Cursor<'_>, new: &mut Cursor<'_>) {
        while let Some(len) = new.entry_len() {
            let same = old.data.get(old.at..old.at + len) == Some(&new.data[new.at..new.at + len]);
            if !same {
                return;
            }
            old.at += len;
            new.at += len;
        }
    }

    /// The entry at the cursor, without moving (`Ok(None)` at the end).
    pub fn peek(&self) -> Result<Option<TreeEntry<'a>>, GitError> {
        let rest = &self.data[self.at..];
        if rest.is_empty() {
            return Ok(None);
        }
        let malformed = || self.malformed();
        let space = memchr::memchr(b' ', rest).ok_or_else(malformed)?;
        let mode = rest[..space].iter().try_fold(0u32, |mode, &digit| {
            (b'0'..=b'7')
                .contains(&digit)
                .then(|| mode.checked_mul(8).map(|m| m | u32::from(digit - b'0')))
                .flatten()
        });
        let nul = space + 1 + memchr::memchr(0, &rest[space + 1..]).ok_or_else(malformed)?;
        let id_bytes = rest
            .get(nul + 1..nul + 1 + self.id_len)
            .ok_or_else(malformed)?;
        Ok(Some(TreeEntry {
            name: &rest[space + 1..nul],
            mode: mode.filter(|_| space > 0).ok_or_else(malformed)?,
            id: ObjectId::from_bytes(id_bytes).ok_or_else(malformed)?,
        }))
    }

    /// The entry at the cursor, moving past it (`Ok(None)` at the end).
    pub fn next_entry(&mut self) -> Result<Option<TreeEntry<'a>>, GitError> {
        let entry = self.peek()?;
        if let Some(entry) = &entry {
            // name, NUL and id follow the mode and its space
            let mode_len = self.data[self.at..]
                .iter()
                .position(|&b| b == b' ')
                .unwrap_or(0);
            self.at += mode_len + 1 + entry.name.len() + 1 + self.id_len;
        }
        Ok(entry)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zero() -> ObjectId {
        ObjectId::null(crate::git::HashKind::Sha1)
    }

    #[test]
    fn parses_entries_in_stored_order() {
        let mut data = b"100644 a.txt\0".to_vec();
        data.extend([1u8; 20]);
        data.extend(b"40000 dir\0");
        data.extend([2u8; 20]);
        let parsed = entries(zero(), &data).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!((parsed[0].name, parsed[0].mode), (&b"a.txt"[..], 0o100644));
        assert_eq!(parsed[0].id.as_bytes(), &[1u8; 20]);
        assert_eq!((parsed[1].name, parsed[1].mode), (&b"dir"[..], 0o40000));
        assert!(entries(zero(), b"").unwrap().is_empty());
    }

    #[test]
    fn malformed_trees_are_errors() {
        for bad in [
            &b"100644 a.txt\0short"[..],
            b"100644 a.txt",
            b"1x0644 a\0",
            b" a\0",
        ] {
            let mut data = bad.to_vec();
            if bad.ends_with(b"\0") {
                data.extend([0u8; 20]);
            }
            assert!(entries(zero(), &data).is_err(), "{bad:?}");
        }
    }

    fn entry(mode: &str, name: &str, id: u8) -> Vec<u8> {
        [format!("{mode} {name}\0").into_bytes(), vec![id; 20]].concat()
    }

    #[test]
    fn cursors_skip_identical_entries_and_stop_at_the_first_difference() {
        let old = [
            entry("100644", "a", 1),
            entry("100644", "b", 2),
            entry("100644", "c", 3),
        ]
        .concat();
        let new = [
            entry("100644", "a", 1),
            entry("100644", "b", 9),
            entry("100644", "c", 3),
        ]
        .concat();
        let (mut o, mut n) = (Cursor::new(zero(), &old), Cursor::new(zero(), &new));
        Cursor::skip_identical(&mut o, &mut n);
        assert_eq!(o.peek().unwrap().unwrap().id.as_bytes(), &[2u8; 20]);
        assert_eq!(n.next_entry().unwrap().unwrap().id.as_bytes(), &[9u8; 20]);
        o.next_entry().unwrap();
        Cursor::skip_identical(&mut o, &mut n);
        assert!(o.peek().unwrap().is_none() && n.peek().unwrap().is_none());
        // A longer name that starts like the old one is not the same entry.
        let old = entry("100644", "ab", 1);
        let new = [entry("100644", "a", 1), entry("100644", "b", 1)].concat();
        let (mut o, mut n) = (Cursor::new(zero(), &old), Cursor::new(zero(), &new));
        Cursor::skip_identical(&mut o, &mut n);
        assert_eq!(n.peek().unwrap().unwrap().name, b"a");
        let mut empty = Cursor::empty();
        Cursor::skip_identical(&mut empty, &mut n);
        assert_eq!(n.peek().unwrap().unwrap().name, b"a");
    }

    #[test]
    fn sha256_trees_have_32_byte_ids() {
        let tree = ObjectId::null(crate::git::HashKind::Sha256);
        let mut data = b"100644 a\0".to_vec();
        data.extend([5u8; 32]);
        data.extend(b"100755 b\0");
        data.extend([6u8; 32]);
        let parsed = entries(tree, &data).unwrap();
        assert_eq!(parsed.len(), 2);
        assert_eq!(parsed[1].id.as_bytes(), &[6u8; 32]);
        assert!(entries(tree, &data[..data.len() - 1]).is_err());
    }
}
