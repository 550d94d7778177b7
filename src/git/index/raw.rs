//! One index file as stored: the header, the entries of every stage in file order, and the
//! extensions, before a split index is resolved (`split`) and conflicts are left out.

use super::cursor::Cursor;
use super::extensions::{parse_cache_tree, parse_link, Link};
use super::{checked_sparse_dirs, keep_stage_zero, Entry, Index, IndexError};
use crate::git::oid::{HashKind, ObjectId};
use std::cmp::Ordering;
use std::ops::Range;

/// Entry flags: the name length (`0xfff` = "that long or longer"), the stage, "extended".
const NAME_MASK: u16 = 0x0fff;
const FLAG_EXTENDED: u16 = 0x4000;
/// Extended entry flags (index version 3 and later).
const EXTENDED_SKIP_WORKTREE: u16 = 0x4000;
const EXTENDED_INTENT_TO_ADD: u16 = 0x2000;

/// One index file as stored, before a split index is resolved: entries of every stage in file
/// order (a split file's replacement entries have empty paths).
pub(super) struct Raw<'a> {
    /// The entries (with their paths) and the extensions that concern them.
    pub(super) index: Index,
    /// One stage per entry, or empty while every entry is at stage 0 (the common case).
    pub(super) stages: Vec<u8>,
    /// Entries with an empty path: only a split index's replacements may have one.
    pub(super) unnamed: usize,
    /// The position of the last entry with a path.
    last_named: Option<usize>,
    /// The `link` extension, in a split index.
    pub(super) link: Option<Link<'a>>,
    /// The trailing checksum (all zeros under `index.skipHash`).
    pub(super) trailer: &'a [u8],
}

impl Raw<'_> {
    /// The stage of entry `i`.
    pub(super) fn stage(&self, i: usize) -> u8 {
        self.stages.get(i).copied().unwrap_or(0)
    }

    /// The index of an unsplit file: stage-0 entries only.
    pub(super) fn finish(self) -> Result<Index, IndexError> {
        if self.unnamed > 0 {
            return Err(IndexError::corrupt("entry with an empty path"));
        }
        checked_sparse_dirs(keep_stage_zero(self.index, &self.stages)).map_err(IndexError::corrupt)
    }

    /// Reads one entry at `cursor`.
    fn read_entry(
        &mut self,
        cursor: &mut Cursor<'_>,
        version: u32,
        id_len: usize,
        previous: &mut Vec<u8>,
    ) -> Result<(), &'static str> {
        const TRUNCATED: &str = "truncated entry";
        let start = cursor.position();
        cursor.take(24).ok_or(TRUNCATED)?; // ctime, mtime, dev, ino
        let mode = cursor.u32().ok_or(TRUNCATED)?;
        cursor.take(12).ok_or(TRUNCATED)?; // uid, gid, size
        let oid = cursor.take(id_len).ok_or(TRUNCATED)?;
        let oid = ObjectId::from_bytes(oid).expect("a HashKind's id length is valid");
        let flags = cursor.u16().ok_or(TRUNCATED)?;
        // Git reads extended flags whenever the bit is set, whatever the version.
        let extended = if flags & FLAG_EXTENDED != 0 {
            cursor.u16().ok_or(TRUNCATED)?
        } else {
            0
        };
        if extended & !(EXTENDED_SKIP_WORKTREE | EXTENDED_INTENT_TO_ADD) != 0 {
            return Err("unknown extended entry flags");
        }
        let begin = self.index.paths.len();
        if version == 4 {
            let strip = cursor.varint().ok_or(TRUNCATED)?;
            let suffix = cursor.until_nul().ok_or(TRUNCATED)?;
            let keep = previous
                .len()
                .checked_sub(strip)
                .ok_or("path strips more than the previous path")?;
            previous.truncate(keep);
            previous.extend_from_slice(suffix);
            self.index.paths.extend_from_slice(previous);
        } else {
            let name = cursor.until_nul().ok_or(TRUNCATED)?;
            self.index.paths.extend_from_slice(name);
            // Entries are padded with NULs to a multiple of eight bytes (the NUL read counts).
            let len = cursor.position() - start;
            cursor.take((8 - len % 8) % 8).ok_or(TRUNCATED)?;
        }
        let path = begin..self.index.paths.len();
        let name_len = usize::from(flags & NAME_MASK);
        if name_len != usize::from(NAME_MASK) && name_len != path.len() {
            return Err("path length disagrees with the entry's flags");
        }
        let stage = ((flags >> 12) & 0x3) as u8;
        self.check_order(&path, stage)?;
        if stage != 0 || !self.stages.is_empty() {
            self.stages.resize(self.index.entries.len(), 0);
            self.stages.push(stage);
        }
        self.index.entries.push(Entry {
            path,
            mode,
            oid,
            skip_worktree: extended & EXTENDED_SKIP_WORKTREE != 0,
            intent_to_add: extended & EXTENDED_INTENT_TO_ADD != 0,
        });
        Ok(())
    }

    /// Named entries must be sorted by (path, stage), as git keeps them: the callers' directory
    /// walks and the split-index merge rely on it.
    fn check_order(&mut self, path: &Range<usize>, stage: u8) -> Result<(), &'static str> {
        if path.is_empty() {
            self.unnamed += 1;
            return Ok(());
        }
        let current = self.index.entries.len();
        let Some(last) = self.last_named.replace(current) else {
            return Ok(());
        };
        let previous = &self.index.paths[self.index.entries[last].path.clone()];
        match previous.cmp(&self.index.paths[path.clone()]) {
            Ordering::Less => Ok(()),
            Ordering::Equal if self.stage(last) < stage => Ok(()),
            _ => Err("entries are not sorted by path"),
        }
    }
}

/// Parses one index file.
pub(super) fn parse_raw(data: &[u8], hash: HashKind) -> Result<Raw<'_>, IndexError> {
    let id_len = hash.id_len();
    if data.len() < 12 + id_len {
        return Err(IndexError::corrupt("file is too short"));
    }
    let (body, trailer) = data.split_at(data.len() - id_len);
    let mut cursor = Cursor::new(body);
    if cursor.take(4) != Some(b"DIRC".as_slice()) {
        return Err(IndexError::corrupt("missing DIRC signature"));
    }
    let truncated = || IndexError::corrupt("truncated header");
    let version = cursor.u32().ok_or_else(truncated)?;
    if !(2..=4).contains(&version) {
        return Err(IndexError::Unsupported(format!(
            "unsupported index version {version}"
        )));
    }
    let count = cursor.u32().ok_or_else(truncated)? as usize;
    // The smallest entry takes 40 bytes + id + 2 + 1 (v4); do not trust `count` further.
    let capacity = count.min(body.len() / (43 + id_len));
    let mut raw = Raw {
        index: Index {
            paths: Vec::with_capacity(capacity * 32),
            entries: Vec::with_capacity(capacity),
            ..Index::default()
        },
        stages: Vec::new(),
        unnamed: 0,
        last_named: None,
        link: None,
        trailer,
    };
    let mut previous: Vec<u8> = Vec::new();
    for _ in 0..count {
        raw.read_entry(&mut cursor, version, id_len, &mut previous)
            .map_err(IndexError::corrupt)?;
    }
    while cursor.remaining().len() >= 8 {
        let truncated = || IndexError::corrupt("truncated extension");
        let signature = cursor.take(4).ok_or_else(truncated)?;
        let size = cursor.u32().ok_or_else(truncated)? as usize;
        let payload = cursor.take(size).ok_or_else(truncated)?;
        match signature {
            b"TREE" => {
                raw.index.cache_tree = parse_cache_tree(payload, id_len)
                    .ok_or(IndexError::corrupt("malformed cache tree"))?
            }
            b"link" => {
                raw.link = Some(
                    parse_link(payload, id_len)
                        .ok_or(IndexError::corrupt("malformed link extension"))?,
                )
            }
            b"sdir" => raw.index.sparse = true,
            // Optional: caches and hints that never change what the index holds.
            [b'A'..=b'Z', ..] => {}
            other => {
                return Err(IndexError::Unsupported(format!(
                    "the index uses the required extension \"{}\", \
                     which leakfence does not understand",
                    other.escape_ascii()
                )))
            }
        }
    }
    Ok(raw)
}
