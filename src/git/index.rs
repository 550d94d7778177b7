//! A fast, read-only reader of git's index file (`.git/index`, or `GIT_INDEX_FILE`).
//!
//! libgit2 loads a 50,000-entry index in tens of milliseconds (it hashes and indexes every
//! entry); the pre-commit hook has a budget of a few. This reader only slices the file: entries
//! keep their path as a range into the buffer, and the cache-tree (`TREE` extension) tells which
//! directories are unchanged since they were last written as trees, so the staged diff can skip
//! them without reading their objects. Formats: versions 2, 3 and 4 (path compression).
//! Split and sparse indexes are reported as [`IndexError::Unsupported`] so that the caller can
//! fall back to libgit2.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use super::oid::{HashKind, ObjectId};

/// One stage-0 entry of the index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Byte range of the path in [`Index::path_bytes`].
    pub path: Range<usize>,
    /// The file mode (`0o100644`, `0o100755`, `0o120000` symlink, `0o160000` gitlink).
    pub mode: u32,
    /// The blob (or commit, for gitlinks; tree, for a sparse directory) id.
    pub oid: ObjectId,
    /// Marked skip-worktree (outside a sparse checkout).
    pub skip_worktree: bool,
    /// Added with `git add -N`: nothing staged yet.
    pub intent_to_add: bool,
}

impl Entry {
    /// Whether this is a sparse index's directory entry (its id names a tree).
    pub fn is_sparse_dir(&self) -> bool {
        self.mode & 0o170000 == 0o040000
    }
}

/// A parsed index.
#[derive(Debug)]
pub struct Index {
    paths: Vec<u8>,
    entries: Vec<Entry>,
    /// Directory path (no trailing `/`, root is empty) → tree id, for valid cache-tree entries.
    cache_tree: HashMap<Vec<u8>, ObjectId>,
    sparse: bool,
}

/// Why an index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The index file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not a valid index.
    #[error("{path} is not a valid git index: {reason}")]
    Corrupt {
        /// The index file.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A split index (`core.splitIndex`): neither this reader nor libgit2 reads it.
    #[error("the index is split (core.splitIndex), which leakfence cannot read; run `git update-index --no-split-index` and try again")]
    SplitIndex,
    /// A valid index using a feature this reader leaves to libgit2.
    #[error("{0}")]
    Unsupported(&'static str),
}

struct Cursor<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let slice = self.data.get(self.at..self.at.checked_add(n)?)?;
        self.at += n;
        Some(slice)
    }

    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    fn u16(&mut self) -> Option<u16> {
        self.take(2).map(|b| u16::from_be_bytes([b[0], b[1]]))
    }

    /// Bytes up to (not including) the next NUL, consuming the NUL.
    fn until_nul(&mut self) -> Option<&'a [u8]> {
        let rest = self.data.get(self.at..)?;
        let len = memchr::memchr(0, rest)?;
        self.at += len + 1;
        Some(&rest[..len])
    }

    /// Git's offset varint (index v4 path compression).
    fn varint(&mut self) -> Option<usize> {
        let mut byte = *self.take(1)?.first()?;
        let mut value = usize::from(byte & 0x7f);
        while byte & 0x80 != 0 {
            byte = *self.take(1)?.first()?;
            value = value
                .checked_add(1)?
                .checked_mul(128)?
                .checked_add(usize::from(byte & 0x7f))?;
        }
        Some(value)
    }
}

impl Index {
    /// Reads and parses the index file at `path`. A missing file is an empty index, as in git
    /// (a repository where nothing was ever staged has none).
    pub fn read(path: &Path, _git_dir: &Path, hash: HashKind) -> Result<Index, IndexError> {
        let data = match std::fs::read(path) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Index {
                    paths: Vec::new(),
                    entries: Vec::new(),
                    cache_tree: HashMap::new(),
                    sparse: false,
                })
            }
            Err(source) => {
                return Err(IndexError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        Index::parse(&data, hash).map_err(|e| match e {
            IndexError::Corrupt { reason, .. } => IndexError::Corrupt {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        })
    }

    /// Parses index bytes.
    pub fn parse(data: &[u8], hash: HashKind) -> Result<Index, IndexError> {
        let id_len = hash.id_len();
        let corrupt = |reason| IndexError::Corrupt {
            path: String::new(),
            reason,
        };
        if data.len() < 12 + id_len {
            return Err(corrupt("file is too short"));
        }
        let body = &data[..data.len() - id_len];
        let mut cursor = Cursor { data: body, at: 0 };
        if cursor.take(4) != Some(b"DIRC".as_slice()) {
            return Err(corrupt("missing DIRC signature"));
        }
        let version = cursor.u32().ok_or(corrupt("truncated header"))?;
        if !(2..=4).contains(&version) {
            return Err(IndexError::Unsupported("unsupported index version"));
        }
        let count = cursor.u32().ok_or(corrupt("truncated header"))? as usize;
        let mut index = Index {
            paths: Vec::new(),
            entries: Vec::with_capacity(count.min(1 << 20)),
            cache_tree: HashMap::new(),
            sparse: false,
        };
        let mut previous: Vec<u8> = Vec::new();
        for _ in 0..count {
            index
                .read_entry(&mut cursor, version, hash, &mut previous)
                .ok_or(corrupt("truncated or malformed entry"))??;
        }
        while cursor.at + 8 <= body.len() {
            let signature = cursor.take(4).ok_or(corrupt("truncated extension"))?;
            let size = cursor.u32().ok_or(corrupt("truncated extension"))? as usize;
            let payload = cursor.take(size).ok_or(corrupt("truncated extension"))?;
            match signature {
                b"TREE" => {
                    index.cache_tree =
                        parse_cache_tree(payload, hash).ok_or(corrupt("malformed cache tree"))?
                }
                b"link" => return Err(IndexError::SplitIndex),
                b"sdir" => return Err(IndexError::Unsupported("sparse index")),
                _ => {}
            }
        }
        Ok(index)
    }

    /// Reads one entry; `None` for truncation, `Some(Err)` for unsupported content.
    fn read_entry(
        &mut self,
        cursor: &mut Cursor<'_>,
        version: u32,
        hash: HashKind,
        previous: &mut Vec<u8>,
    ) -> Option<Result<(), IndexError>> {
        let start = cursor.at;
        cursor.take(24)?; // ctime, mtime, dev, ino
        let mode = cursor.u32()?;
        cursor.take(12)?; // uid, gid, size
        let oid = ObjectId::from_bytes(cursor.take(hash.id_len())?)?;
        let flags = cursor.u16()?;
        let extended = if version >= 3 && flags & 0x4000 != 0 {
            cursor.u16()?
        } else {
            0
        };
        let stage = (flags >> 12) & 0x3;
        let path = if version == 4 {
            let strip = cursor.varint()?;
            let suffix = cursor.until_nul()?;
            previous.truncate(previous.len().checked_sub(strip)?);
            previous.extend_from_slice(suffix);
            previous.clone()
        } else {
            let path = cursor.until_nul()?.to_vec();
            // Entries are padded with NULs to a multiple of eight bytes (the NUL read counts).
            let len = cursor.at - start;
            cursor.take((8 - len % 8) % 8)?;
            path
        };
        if mode & 0o170000 == 0o040000 {
            return Some(Err(IndexError::Unsupported("sparse directory entry")));
        }
        if stage == 0 {
            let begin = self.paths.len();
            self.paths.extend_from_slice(&path);
            self.entries.push(Entry {
                path: begin..self.paths.len(),
                mode,
                oid,
                skip_worktree: extended & 0x4000 != 0,
                intent_to_add: extended & 0x2000 != 0,
            });
        }
        Some(Ok(()))
    }

    /// The stage-0 entries, sorted by path as git keeps them.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The path of an entry.
    pub fn path(&self, entry: &Entry) -> &[u8] {
        &self.paths[entry.path.clone()]
    }

    /// The tree id the cache-tree records for a directory (`b""` is the root), when valid.
    pub fn cached_tree(&self, dir: &[u8]) -> Option<&ObjectId> {
        self.cache_tree.get(dir)
    }

    /// Whether this is a sparse index (directories outside the cone as single entries).
    pub fn is_sparse(&self) -> bool {
        self.sparse
    }
}

/// The `TREE` extension: pre-order entries `path NUL count SP subtrees LF [oid]`.
fn parse_cache_tree(data: &[u8], hash: HashKind) -> Option<HashMap<Vec<u8>, ObjectId>> {
    let mut cursor = Cursor { data, at: 0 };
    let mut out = HashMap::new();
    // Stack of (directory path, subtrees still to read).
    let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
    while cursor.at < data.len() {
        let name = cursor.until_nul()?;
        let line_end = memchr::memchr(b'\n', &data[cursor.at..])?;
        let line = std::str::from_utf8(cursor.take(line_end + 1)?).ok()?;
        let (count, subtrees) = line.trim_end().split_once(' ')?;
        let count: i64 = count.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        let path = match stack.last_mut() {
            None => name.to_vec(),
            Some((parent, remaining)) => {
                *remaining = remaining.checked_sub(1)?;
                if parent.is_empty() {
                    name.to_vec()
                } else {
                    [parent.as_slice(), b"/", name].concat()
                }
            }
        };
        if count >= 0 {
            let oid = ObjectId::from_bytes(cursor.take(hash.id_len())?)?;
            out.insert(path.clone(), oid);
        }
        stack.push((path, subtrees));
        while stack.last().is_some_and(|(_, remaining)| *remaining == 0) {
            stack.pop();
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OID_LEN: usize = 20;

    #[test]
    fn rejects_garbage_and_truncation() {
        assert!(matches!(
            Index::parse(b"nope", HashKind::Sha1),
            Err(IndexError::Corrupt { .. })
        ));
        let mut header = b"DIRC\0\0\0\x02\0\0\0\x05".to_vec();
        header.extend([0u8; OID_LEN]);
        assert!(matches!(
            Index::parse(&header, HashKind::Sha1),
            Err(IndexError::Corrupt { .. })
        ));
        let mut v9 = b"DIRC\0\0\0\x09\0\0\0\0".to_vec();
        v9.extend([0u8; OID_LEN]);
        assert!(matches!(
            Index::parse(&v9, HashKind::Sha1),
            Err(IndexError::Unsupported(_))
        ));
    }

    #[test]
    fn cache_tree_paths_are_rebuilt_from_pre_order() {
        let mut data = Vec::new();
        data.extend(b"\x003 2\n");
        data.extend([1u8; OID_LEN]);
        data.extend(b"a\x001 1\n");
        data.extend([2u8; OID_LEN]);
        data.extend(b"b\x00-1 0\n");
        data.extend(b"c\x001 0\n");
        data.extend([3u8; OID_LEN]);
        let tree = parse_cache_tree(&data, HashKind::Sha1).unwrap();
        assert_eq!(
            tree.get(b"".as_slice()),
            ObjectId::from_bytes(&[1u8; OID_LEN]).as_ref()
        );
        assert_eq!(
            tree.get(b"a".as_slice()),
            ObjectId::from_bytes(&[2u8; OID_LEN]).as_ref()
        );
        assert_eq!(tree.get(b"a/b".as_slice()), None);
        assert_eq!(
            tree.get(b"c".as_slice()),
            ObjectId::from_bytes(&[3u8; OID_LEN]).as_ref()
        );
    }
}
