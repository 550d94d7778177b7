//! A repository's object database, read by leakfence itself for both object formats: packs
//! ([`crate::git::pack`]), loose objects, and the alternates these object directories name.
//!
//! Every source reads objects through one [`Odb`], shared by all threads. It never writes,
//! never fetches what a partial clone left out (a missing object is an error naming it), and
//! runs no program.

mod loose;

use super::oid::{HashKind, ObjectId};
pub use super::pack::{Kind, MAX_OBJECT_SIZE};
use super::pack::{PackError, Packs};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Deepest chain of alternates followed, as git does.
const MAX_ALTERNATE_DEPTH: usize = 5;

/// Why an object could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ObjectError {
    /// No pack, loose file or alternate holds it (a partial clone's missing object, say).
    #[error("object {id} is missing")]
    Missing {
        /// The object.
        id: ObjectId,
    },
    /// It is stored, but damaged.
    #[error("object {id} is damaged: {reason}")]
    Damaged {
        /// The object.
        id: ObjectId,
        /// What is wrong, and where.
        reason: String,
    },
    /// It is not of the kind its reference says (a tree entry naming a commit as a file).
    #[error("object {id} is a {found:?}, not a {expected:?}")]
    WrongKind {
        /// The object.
        id: ObjectId,
        /// What the caller needed.
        expected: Kind,
        /// What it is.
        found: Kind,
    },
}

/// What reading an object with a size limit gave.
#[derive(Debug)]
pub enum Read {
    /// The object.
    Data {
        /// Its kind.
        kind: Kind,
        /// Its bytes.
        data: Arc<[u8]>,
    },
    /// Larger than the limit: left unread.
    TooLarge {
        /// Its kind.
        kind: Kind,
        /// Its size in bytes.
        size: u64,
    },
}

/// The object database: packs and loose objects of a repository and its alternates.
pub struct Odb {
    hash: HashKind,
    /// The repository's own object directory first, then its alternates.
    dirs: Vec<PathBuf>,
    packs: Packs,
    /// Packs that could not be opened: named when an object turns out missing.
    unreadable_packs: Vec<String>,
}

impl Odb {
    /// Opens the object database at `objects` (a repository's `objects/` directory, or what
    /// `GIT_OBJECT_DIRECTORY` names), with ids of `hash`'s format.
    pub fn open(objects: &Path, hash: HashKind) -> Odb {
        let mut dirs = vec![objects.to_path_buf()];
        add_alternates(objects, &mut dirs, 0);
        let (packs, failed) = Packs::open(&dirs, hash);
        Odb {
            hash,
            dirs,
            packs,
            unreadable_packs: failed.iter().map(ToString::to_string).collect(),
        }
    }

    /// The object format of this database's ids.
    pub fn hash(&self) -> HashKind {
        self.hash
    }

    /// The packs, for reading many objects at once ([`super::pack::DeltaForest`]).
    pub fn packs(&self) -> &Packs {
        &self.packs
    }

    /// Reads object `id` whatever its size (up to [`MAX_OBJECT_SIZE`]).
    pub fn read(&self, id: &ObjectId) -> Result<(Kind, Arc<[u8]>), ObjectError> {
        match self.read_limited(id, MAX_OBJECT_SIZE)? {
            Read::Data { kind, data } => Ok((kind, data)),
            Read::TooLarge { size, .. } => Err(ObjectError::Damaged {
                id: *id,
                reason: format!("{size} bytes is more than leakfence reads"),
            }),
        }
    }

    /// Reads object `id`, which must be of kind `expected`.
    pub fn read_kind(&self, id: &ObjectId, expected: Kind) -> Result<Arc<[u8]>, ObjectError> {
        match self.read(id)? {
            (kind, data) if kind == expected => Ok(data),
            (found, _) => Err(ObjectError::WrongKind {
                id: *id,
                expected,
                found,
            }),
        }
    }

    /// Reads object `id` unless it is larger than `limit` bytes.
    pub fn read_limited(&self, id: &ObjectId, limit: u64) -> Result<Read, ObjectError> {
        let limit = limit.min(MAX_OBJECT_SIZE);
        match self.packs.read(id) {
            Ok(Some((kind, data))) if data.len() as u64 > limit => Ok(Read::TooLarge {
                kind,
                size: data.len() as u64,
            }),
            Ok(Some((kind, data))) => Ok(Read::Data { kind, data }),
            Err(PackError::TooLarge { size, .. }) => Ok(Read::TooLarge {
                kind: Kind::Blob,
                size,
            }),
            Err(e) => Err(ObjectError::Damaged {
                id: *id,
                reason: e.to_string(),
            }),
            Ok(None) => self.read_loose(id, limit),
        }
    }

    /// Whether the database holds object `id` (as a whole object or a delta, packed or loose).
    pub fn contains(&self, id: &ObjectId) -> bool {
        self.packs.locate(id).is_some()
            || self.dirs.iter().any(|dir| loose::path(dir, id).is_file())
    }

    fn read_loose(&self, id: &ObjectId, limit: u64) -> Result<Read, ObjectError> {
        for dir in &self.dirs {
            if let Some(read) = loose::read(&loose::path(dir, id), id, limit)? {
                return Ok(read);
            }
        }
        match self.unreadable_packs.first() {
            Some(pack) => Err(ObjectError::Damaged {
                id: *id,
                reason: format!("not found, and a pack could not be read: {pack}"),
            }),
            None => Err(ObjectError::Missing { id: *id }),
        }
    }
}

/// Adds the object directories that `objects/info/alternates` names (relative ones are
/// relative to `objects`), and theirs, depth first, as git does.
fn add_alternates(objects: &Path, dirs: &mut Vec<PathBuf>, depth: usize) {
    if depth >= MAX_ALTERNATE_DEPTH {
        return;
    }
    let Ok(text) = std::fs::read(objects.join("info/alternates")) else {
        return;
    };
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() || line.starts_with(b"#") {
            continue;
        }
        let named = super::path_from_bytes(unquote(line).as_deref().unwrap_or(line));
        let dir = objects.join(named);
        let dir = dir.canonicalize().unwrap_or(dir);
        if dir.is_dir() && !dirs.contains(&dir) {
            dirs.push(dir.clone());
            add_alternates(&dir, dirs, depth + 1);
        }
    }
}

/// A path git wrote in C-style quotes (`"a\tb"`), unquoted; `None` if it is not quoted.
fn unquote(line: &[u8]) -> Option<Vec<u8>> {
    let inner = line.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.iter().copied();
    while let Some(b) = bytes.next() {
        if b != b'\\' {
            out.push(b);
            continue;
        }
        match bytes.next()? {
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'r' => out.push(b'\r'),
            b'v' => out.push(11),
            d @ b'0'..=b'3' => {
                let (d2, d3) = (bytes.next()?, bytes.next()?);
                let octal = |c: u8| c.is_ascii_digit().then(|| c - b'0').filter(|&v| v < 8);
                out.push(((d - b'0') << 6) | (octal(d2)? << 3) | octal(d3)?);
            }
            other => out.push(other),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests;
