//! A pack's `.idx` file (version 2, git's default since 2008, with SHA-1 or SHA-256 ids): object ids sorted with a
//! fan-out table, and each object's byte offset in the `.pack`.
//!
//! Lookups binary-search the id table in place (no map of every object is built), and the
//! offsets sorted once give each entry's end, so that an entry is read with one `pread`.

use super::PackError;
use crate::git::oid::HashKind;
use std::path::Path;

const MAGIC: &[u8; 4] = b"\xfftOc";
const FANOUT_LEN: usize = 256 * 4;
const HEADER_LEN: usize = 8;

/// One parsed `.idx` file.
pub struct PackIndex {
    data: Vec<u8>,
    count: usize,
    /// The length of an object id: 20 (SHA-1) or 32 (SHA-256) bytes.
    id_len: usize,
    /// Every object's offset, ascending: where each entry ends is where the next one starts.
    sorted_offsets: Vec<u64>,
}

fn be32(data: &[u8], at: usize) -> Option<u32> {
    data.get(at..at + 4)
        .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

impl PackIndex {
    /// Reads and checks the index at `path`, whose ids are of `hash`'s format.
    pub fn read(path: &Path, hash: HashKind) -> Result<PackIndex, PackError> {
        let data = std::fs::read(path).map_err(|source| PackError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        PackIndex::parse(data, hash).ok_or_else(|| PackError::Corrupt {
            path: path.to_path_buf(),
            offset: 0,
            what: "not a version 2 pack index",
        })
    }

    /// Parses index bytes; `None` for anything but a well-formed version 2 index.
    fn parse(data: Vec<u8>, hash: HashKind) -> Option<PackIndex> {
        if data.get(..4)? != MAGIC || be32(&data, 4)? != 2 {
            return None;
        }
        let count = be32(&data, HEADER_LEN + FANOUT_LEN - 4)? as usize;
        let mut index = PackIndex {
            data,
            count,
            id_len: hash.id_len(),
            sorted_offsets: Vec::new(),
        };
        // The fixed-size tables must fit before anything is read from them: a damaged count
        // must not set the loops below running over billions of entries.
        if index.data.len() < index.large_offsets_at().checked_add(index.trailer_len())? {
            return None;
        }
        let large_count = (0..count)
            .filter(|&i| index.small_offset(i).is_some_and(|o| o & 0x8000_0000 != 0))
            .count();
        let expected = index.large_offsets_at() + large_count * 8 + index.trailer_len();
        if index.data.len() < expected {
            return None;
        }
        let mut sorted = (0..count)
            .map(|i| index.offset(i))
            .collect::<Option<Vec<u64>>>()?;
        sorted.sort_unstable();
        index.sorted_offsets = sorted;
        Some(index)
    }

    /// How many objects the pack holds.
    pub fn len(&self) -> usize {
        self.count
    }

    /// The checksums that end the file: the pack's and the index's own.
    fn trailer_len(&self) -> usize {
        2 * self.id_len
    }

    fn ids_at(&self) -> usize {
        HEADER_LEN + FANOUT_LEN
    }

    fn offsets_at(&self) -> usize {
        // After the ids come one CRC-32 per object, then the 4-byte offsets.
        self.ids_at() + self.count * (self.id_len + 4)
    }

    fn large_offsets_at(&self) -> usize {
        self.offsets_at() + self.count * 4
    }

    fn id(&self, i: usize) -> &[u8] {
        let at = self.ids_at() + i * self.id_len;
        &self.data[at..at + self.id_len]
    }

    fn small_offset(&self, i: usize) -> Option<u32> {
        be32(&self.data, self.offsets_at() + i * 4)
    }

    /// The offset of the `i`-th object in id order.
    fn offset(&self, i: usize) -> Option<u64> {
        let small = self.small_offset(i)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let at = self.large_offsets_at() + (small & 0x7fff_ffff) as usize * 8;
        Some(u64::from_be_bytes(
            self.data.get(at..at + 8)?.try_into().ok()?,
        ))
    }

    /// Where object `id` starts in the pack, if the pack has it.
    pub fn find(&self, id: &[u8]) -> Option<u64> {
        let first = usize::from(*id.first()?);
        let fanout = |b: usize| be32(&self.data, HEADER_LEN + b * 4).map(|n| n as usize);
        let lo = if first == 0 { 0 } else { fanout(first - 1)? };
        let hi = fanout(first)?.min(self.count);
        let (mut lo, mut hi) = (lo.min(hi), hi);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            match self.id(mid).cmp(id) {
                std::cmp::Ordering::Less => lo = mid + 1,
                std::cmp::Ordering::Greater => hi = mid,
                std::cmp::Ordering::Equal => return self.offset(mid),
            }
        }
        None
    }

    /// Where the entry starting at `offset` ends: the next entry's offset, or `pack_end`
    /// (the start of the pack's trailing checksum) for the last one.
    pub fn entry_end(&self, offset: u64, pack_end: u64) -> u64 {
        let next = self.sorted_offsets.partition_point(|&o| o <= offset);
        self.sorted_offsets.get(next).copied().unwrap_or(pack_end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version 2 index of `objects` (ids and offsets), built as git lays it out.
    fn build(objects: &[([u8; 20], u64)]) -> Vec<u8> {
        let mut sorted = objects.to_vec();
        sorted.sort();
        let mut data = MAGIC.to_vec();
        data.extend(2u32.to_be_bytes());
        for b in 0..256 {
            let n = sorted
                .iter()
                .filter(|(id, _)| usize::from(id[0]) <= b)
                .count();
            data.extend((n as u32).to_be_bytes());
        }
        for (id, _) in &sorted {
            data.extend(id);
        }
        data.extend(vec![0; sorted.len() * 4]);
        let mut large = Vec::new();
        for (_, offset) in &sorted {
            if *offset < 0x8000_0000 {
                data.extend((*offset as u32).to_be_bytes());
            } else {
                data.extend((0x8000_0000 | large.len() as u32).to_be_bytes());
                large.push(*offset);
            }
        }
        for offset in large {
            data.extend(offset.to_be_bytes());
        }
        data.extend([0; 40]);
        data
    }

    #[test]
    fn finds_objects_and_entry_ends_including_large_offsets() {
        let objects = [
            ([0x10; 20], 12),
            ([0xab; 20], 5_000_000_000),
            ([0x00; 20], 300),
        ];
        let index = PackIndex::parse(build(&objects), HashKind::Sha1).unwrap();
        assert_eq!(index.len(), 3);
        assert_eq!(index.find(&[0x10; 20]), Some(12));
        assert_eq!(index.find(&[0xab; 20]), Some(5_000_000_000));
        assert_eq!(index.find(&[0x00; 20]), Some(300));
        assert_eq!(index.find(&[0x11; 20]), None);
        assert_eq!(index.entry_end(12, 6_000_000_000), 300);
        assert_eq!(index.entry_end(300, 6_000_000_000), 5_000_000_000);
        assert_eq!(index.entry_end(5_000_000_000, 6_000_000_000), 6_000_000_000);
    }

    #[test]
    fn rejects_garbage_other_versions_and_truncation() {
        assert!(PackIndex::parse(b"not an index".to_vec(), HashKind::Sha1).is_none());
        assert!(PackIndex::parse(b"\xfftOc\0\0\0\x01".to_vec(), HashKind::Sha1).is_none());
        let mut data = build(&[([0x10; 20], 12), ([0xab; 20], 5_000_000_000)]);
        data.truncate(data.len() - 40 - 4);
        assert!(PackIndex::parse(data, HashKind::Sha1).is_none());
        let mut huge_count = build(&[([0x10; 20], 12)]);
        huge_count[HEADER_LEN + FANOUT_LEN - 4..HEADER_LEN + FANOUT_LEN]
            .copy_from_slice(&[0xff; 4]);
        let started = std::time::Instant::now();
        assert!(PackIndex::parse(huge_count, HashKind::Sha1).is_none());
        assert!(
            started.elapsed() < std::time::Duration::from_secs(1),
            "rejected without looping"
        );
    }
}
