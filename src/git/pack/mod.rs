//! leakfence's own reader of git packfiles, for history scans.
//!
//! libgit2 reads one object at a time through a 16 MiB delta-base cache and the system zlib;
//! a history scan reads every tree and blob of a repository, most of them deltas. This reader
//! inflates with zlib-rs, resolves deltas itself, and serves two access patterns:
//! - [`Packs::read`]: one object by id, through a shared cache of resolved objects (the tree
//!   walk, where consecutive commits share most trees);
//! - [`DeltaForest`]: a set of objects read together, each delta chain resolved once, from
//!   its base down, in parallel (the blob scan).
//!
//! Packs of both object formats (SHA-1 and SHA-256 ids) are read; loose objects are the
//! object database's ([`crate::git::odb`]). It never writes. What it cannot read (an index
//! other than version 2, a damaged entry) it says so, with the pack and offset.

pub mod delta;
mod forest;
mod index;

pub use forest::{Content, DeltaForest};

use crate::git::oid::{HashKind, ObjectId};
use index::PackIndex;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Longest delta chain followed (git itself refuses `--depth` above 4095).
const MAX_CHAIN: usize = 10_000;
/// Bytes of resolved objects the shared cache keeps.
const CACHE_BYTES: u64 = 96 << 20;
/// Objects larger than this are never built here, whatever a (perhaps hostile) header
/// announces: a blob this large is reported as too large to scan.
pub const MAX_OBJECT_SIZE: u64 = 1 << 30;
/// An entry header is at most this long: a type-and-size varint (at most 10 bytes for a
/// 64-bit size) and a delta base (a 32-byte id or an offset varint of at most 10 bytes).
const MAX_HEADER_LEN: usize = 48;

/// Why the reader could not read something.
#[derive(Debug, thiserror::Error)]
pub enum PackError {
    /// A pack or index file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The system error.
        #[source]
        source: std::io::Error,
    },
    /// An object is larger than the caller's limit: it was not built.
    #[error("{}: object at offset {offset} is {size} bytes, over the limit", path.display())]
    TooLarge {
        /// The pack.
        path: PathBuf,
        /// Where.
        offset: u64,
        /// Its announced size.
        size: u64,
    },
    /// A pack or index file does not hold what its format says.
    #[error("{}: {what} at offset {offset}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// Where.
        offset: u64,
        /// What is wrong.
        what: &'static str,
    },
}

/// The kind of a whole (non-delta) object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A commit.
    Commit,
    /// A tree.
    Tree,
    /// A file's content.
    Blob,
    /// An annotated tag.
    Tag,
}

/// Where an entry sits: which pack, at which byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    pack: u32,
    offset: u64,
}

/// What an entry holds: a whole object, or a delta against a base.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stored {
    Whole(Kind),
    /// A delta against the entry at this offset of the same pack.
    OffsetDelta(u64),
    /// A delta against the object with this id.
    RefDelta(ObjectId),
}

/// One entry's header: what it is, how large once inflated, where its zlib data lies.
#[derive(Debug, Clone, Copy)]
struct Entry {
    stored: Stored,
    /// Inflated size: the object's for a whole one, the delta's own for a delta.
    size: u64,
    data_start: u64,
    end: u64,
}

/// One pack: its index and its open `.pack` file.
struct Pack {
    path: PathBuf,
    file: File,
    index: PackIndex,
    /// Where the trailing checksum starts.
    data_end: u64,
}

/// A resolved object: its kind and bytes, shared with the cache.
pub type Object = (Kind, Arc<[u8]>);

/// Every pack of a repository that this reader can read, and a cache of resolved objects.
pub struct Packs {
    hash: HashKind,
    packs: Vec<Pack>,
    cache: quick_cache::sync::Cache<Location, Object, ByteWeigher>,
}

/// Weighs cached objects by their size (plus bookkeeping, so that none weighs nothing).
#[derive(Clone)]
struct ByteWeigher;

impl quick_cache::Weighter<Location, Object> for ByteWeigher {
    fn weight(&self, _: &Location, value: &Object) -> u64 {
        value.1.len() as u64 + 64
    }
}

impl Packs {
    /// Opens every pack in the `pack/` directory of each of `object_dirs` (a repository's
    /// own object directory first, then its alternates), with ids of `hash`'s format. A pack
    /// that cannot be opened is returned with its error, and its objects are not served.
    pub fn open(object_dirs: &[PathBuf], hash: HashKind) -> (Packs, Vec<PackError>) {
        let mut packs = Vec::new();
        let mut failed = Vec::new();
        for dir in object_dirs {
            let mut indexes: Vec<PathBuf> = std::fs::read_dir(dir.join("pack"))
                .map(|entries| {
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                        .collect()
                })
                .unwrap_or_default();
            indexes.sort();
            for idx in &indexes {
                match Pack::open(idx, hash) {
                    Ok(pack) => packs.push(pack),
                    Err(e) => failed.push(e),
                }
            }
        }
        let packs = Packs {
            hash,
            packs,
            cache: quick_cache::sync::Cache::with_weighter(16_384, CACHE_BYTES, ByteWeigher),
        };
        (packs, failed)
    }

    /// Empties the cache of resolved objects (when a scan moves on to other objects).
    pub fn clear_cache(&self) {
        self.cache.clear();
    }

    /// Where object `id` is stored, if in a pack this reader opened.
    pub fn locate(&self, id: &ObjectId) -> Option<Location> {
        self.locate_from(id.as_bytes(), 0)
    }

    /// Like [`Packs::locate`], looking in pack `first` before the others (a ref-delta's base
    /// is in its own pack).
    fn locate_from(&self, id: &[u8], first: u32) -> Option<Location> {
        let first = first as usize;
        let order = std::iter::once(first).chain((0..self.packs.len()).filter(|&i| i != first));
        order
            .filter_map(|i| Some((i, self.packs.get(i)?.index.find(id)?)))
            .map(|(i, offset)| Location {
                pack: i as u32,
                offset,
            })
            .next()
    }

    fn pack(&self, at: Location) -> &Pack {
        &self.packs[at.pack as usize]
    }

    fn corrupt(&self, at: Location, what: &'static str) -> PackError {
        PackError::Corrupt {
            path: self.pack(at).path.clone(),
            offset: at.offset,
            what,
        }
    }

    /// Reads the header of the entry at `at`.
    fn entry(&self, at: Location) -> Result<Entry, PackError> {
        let pack = self.pack(at);
        let end = pack.index.entry_end(at.offset, pack.data_end);
        let len = (end.saturating_sub(at.offset)).min(MAX_HEADER_LEN as u64) as usize;
        let mut header = [0u8; MAX_HEADER_LEN];
        pack.read_exact_at(&mut header[..len], at.offset)?;
        parse_header(&header[..len], at.offset, end, self.hash)
            .ok_or_else(|| self.corrupt(at, "bad entry header"))
    }

    /// Inflates an entry's zlib data (the object for a whole entry, the delta for a delta)
    /// into `out`, replacing what it held; its allocation is reused.
    fn inflate_into(
        &self,
        at: Location,
        entry: &Entry,
        out: &mut Vec<u8>,
    ) -> Result<(), PackError> {
        if entry.size > MAX_OBJECT_SIZE {
            return Err(self.corrupt(at, "object too large for this reader"));
        }
        let pack = self.pack(at);
        COMPRESSED.with(|cell| {
            let mut compressed = cell.borrow_mut();
            compressed.clear();
            compressed.resize((entry.end - entry.data_start) as usize, 0);
            pack.read_exact_at(&mut compressed, entry.data_start)?;
            let inflated = inflate(&compressed, entry.size as usize, out);
            if compressed.capacity() > MAX_KEPT_BUFFER {
                *compressed = Vec::new();
            }
            if inflated {
                Ok(())
            } else {
                Err(self.corrupt(at, "damaged zlib data"))
            }
        })
    }

    /// The location of an entry's delta base, or `None` for a whole entry.
    fn base_of(&self, at: Location, entry: &Entry) -> Result<Option<Location>, PackError> {
        match entry.stored {
            Stored::Whole(_) => Ok(None),
            Stored::OffsetDelta(offset) => Ok(Some(Location {
                pack: at.pack,
                offset,
            })),
            Stored::RefDelta(id) => self
                .locate_from(id.as_bytes(), at.pack)
                .map(Some)
                .ok_or_else(|| self.corrupt(at, "delta base is not in a pack")),
        }
    }

    /// Builds an entry's object from its base's (for a delta) and its own data.
    fn build(
        &self,
        at: Location,
        entry: &Entry,
        base: Option<(Kind, &[u8])>,
    ) -> Result<(Kind, Vec<u8>), PackError> {
        let mut object = Vec::new();
        let kind = self.build_into(at, entry, base, MAX_OBJECT_SIZE, &mut object)?;
        Ok((kind, object))
    }

    /// Like [`Packs::build`], into `out` (replacing what it held; its allocation is reused).
    /// An object announced larger than `limit` (or [`MAX_OBJECT_SIZE`]) is not built:
    /// [`PackError::TooLarge`].
    fn build_into(
        &self,
        at: Location,
        entry: &Entry,
        base: Option<(Kind, &[u8])>,
        limit: u64,
        out: &mut Vec<u8>,
    ) -> Result<Kind, PackError> {
        let limit = limit.min(MAX_OBJECT_SIZE);
        let too_large = |size| PackError::TooLarge {
            path: self.pack(at).path.clone(),
            offset: at.offset,
            size,
        };
        match (entry.stored, base) {
            (Stored::Whole(_), _) if entry.size > limit => Err(too_large(entry.size)),
            (Stored::Whole(kind), _) => {
                self.inflate_into(at, entry, out)?;
                Ok(kind)
            }
            (_, Some((kind, base))) => DELTA.with(|cell| {
                let mut delta = cell.borrow_mut();
                let applied = self.inflate_into(at, entry, &mut delta).and_then(|()| {
                    let wrong = |_| self.corrupt(at, "delta does not apply to its base");
                    // A few bytes of copy instructions can announce (and build) gigabytes.
                    match delta::result_size(&delta).map_err(wrong)? {
                        size if size > limit => Err(too_large(size)),
                        _ => delta::apply_into(base, &delta, out).map_err(wrong),
                    }
                });
                if delta.capacity() > MAX_KEPT_BUFFER {
                    *delta = Vec::new();
                }
                applied.map(|()| kind)
            }),
            (_, None) => Err(self.corrupt(at, "delta without its base")),
        }
    }

    /// Reads object `id` if a pack holds it (`Ok(None)`: no pack does), resolving its delta
    /// chain through the shared cache.
    pub fn read(&self, id: &ObjectId) -> Result<Option<Object>, PackError> {
        match self.locate(id) {
            Some(at) => self.resolve(at).map(Some),
            None => Ok(None),
        }
    }

    fn resolve(&self, at: Location) -> Result<Object, PackError> {
        let mut chain = Vec::new();
        let mut here = at;
        let (mut kind, mut object) = loop {
            if let Some(hit) = self.cache.get(&here) {
                break hit;
            }
            let entry = self.entry(here)?;
            match self.base_of(here, &entry)? {
                None => {
                    let (kind, object) = self.build(here, &entry, None)?;
                    let object: Arc<[u8]> = object.into();
                    self.cache.insert(here, (kind, object.clone()));
                    break (kind, object);
                }
                Some(base) => {
                    chain.push((here, entry));
                    if chain.len() > MAX_CHAIN {
                        return Err(self.corrupt(at, "delta chain too long or circular"));
                    }
                    here = base;
                }
            }
        };
        for (here, entry) in chain.iter().rev() {
            let (next_kind, next) = self.build(*here, entry, Some((kind, &object)))?;
            (kind, object) = (next_kind, next.into());
            self.cache.insert(*here, (kind, object.clone()));
        }
        Ok((kind, object))
    }
}

impl Pack {
    fn open(idx: &Path, hash: HashKind) -> Result<Pack, PackError> {
        let path = idx.with_extension("pack");
        let io = |source| PackError::Io {
            path: path.clone(),
            source,
        };
        let index = PackIndex::read(idx, hash)?;
        let file = File::open(&path).map_err(io)?;
        let len = file.metadata().map_err(io)?.len();
        let pack = Pack {
            // The pack ends with a checksum as long as an object id.
            data_end: len.saturating_sub(hash.id_len() as u64),
            path: path.clone(),
            file,
            index,
        };
        let mut header = [0u8; 12];
        pack.read_exact_at(&mut header, 0)?;
        let count = u32::from_be_bytes([header[8], header[9], header[10], header[11]]);
        let version = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        if &header[..4] != b"PACK"
            || !(2..=3).contains(&version)
            || count as usize != pack.index.len()
        {
            return Err(PackError::Corrupt {
                path,
                offset: 0,
                what: "pack header does not match its index",
            });
        }
        Ok(pack)
    }

    fn read_exact_at(&self, buf: &mut [u8], offset: u64) -> Result<(), PackError> {
        read_exact_at(&self.file, buf, offset).map_err(|source| PackError::Io {
            path: self.path.clone(),
            source,
        })
    }
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

#[cfg(windows)]
fn read_exact_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    while !buf.is_empty() {
        match std::os::windows::fs::FileExt::seek_read(file, buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

/// Parses an entry header: type and size, then for a delta its base. `None` if malformed.
fn parse_header(bytes: &[u8], offset: u64, end: u64, hash: HashKind) -> Option<Entry> {
    let mut at = 0;
    let mut byte = *bytes.first()?;
    let kind = (byte >> 4) & 0x07;
    let mut size = u64::from(byte & 0x0f);
    let mut shift = 4;
    while byte & 0x80 != 0 {
        at += 1;
        byte = *bytes.get(at)?;
        if shift > 57 {
            return None;
        }
        size |= u64::from(byte & 0x7f) << shift;
        shift += 7;
    }
    at += 1;
    let stored = match kind {
        1 => Stored::Whole(Kind::Commit),
        2 => Stored::Whole(Kind::Tree),
        3 => Stored::Whole(Kind::Blob),
        4 => Stored::Whole(Kind::Tag),
        6 => {
            let mut byte = *bytes.get(at)?;
            at += 1;
            let mut distance = u64::from(byte & 0x7f);
            while byte & 0x80 != 0 {
                byte = *bytes.get(at)?;
                at += 1;
                distance = distance.checked_add(1)?.checked_mul(128)? | u64::from(byte & 0x7f);
            }
            // A base lies strictly before its delta: no cycle can be built from offsets.
            Stored::OffsetDelta(offset.checked_sub(distance).filter(|_| distance > 0)?)
        }
        7 => {
            let id = ObjectId::from_bytes(bytes.get(at..at + hash.id_len())?)?;
            at += hash.id_len();
            Stored::RefDelta(id)
        }
        _ => return None,
    };
    let data_start = offset + at as u64;
    (data_start <= end).then_some(Entry {
        stored,
        size,
        data_start,
        end,
    })
}

/// A thread's buffer for compressed data is given back when it grew beyond this.
const MAX_KEPT_BUFFER: usize = 8 << 20;

thread_local! {
    /// Each thread's buffer for a delta's inflated instructions, reused from delta to delta.
    static DELTA: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Each thread's buffer for an entry's compressed data, reused from entry to entry.
    static COMPRESSED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    /// Each thread's inflater, reset between objects rather than allocated for each.
    static INFLATER: std::cell::RefCell<flate2::Decompress> =
        std::cell::RefCell::new(flate2::Decompress::new(true));
}

/// Inflates one zlib stream that must hold exactly `size` bytes into `out` (replacing what it
/// held). False if it does not hold exactly that.
fn inflate(compressed: &[u8], size: usize, out: &mut Vec<u8>) -> bool {
    // One byte of room more than announced, so that a stream longer than its header says is
    // caught rather than cut; never more than deflate's best ratio (1032:1) could produce.
    let room = size
        .min(compressed.len().saturating_mul(1032))
        .saturating_add(1);
    out.clear();
    out.reserve(room);
    INFLATER.with(|cell| {
        let mut inflater = cell.borrow_mut();
        inflater.reset(true);
        let status = inflater.decompress_vec(compressed, out, flate2::FlushDecompress::Finish);
        matches!(status, Ok(flate2::Status::StreamEnd)) && out.len() == size
    })
}

#[cfg(test)]
mod tests;
