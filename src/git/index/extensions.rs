//! The index extensions that change what it holds: the cache tree (`TREE`: which directories
//! are unchanged since they were last written as trees) and a split index's `link` (its shared
//! index and the delete and replace bitmaps over that index's entries).

use super::cursor::Cursor;
use super::ewah::Ewah;
use crate::git::oid::ObjectId;
use rustc_hash::FxHashMap as HashMap;

/// The `link` extension of a split index.
pub(super) struct Link<'a> {
    /// The shared index's id (its trailing checksum); all zeros means "no shared index".
    pub(super) shared: ObjectId,
    /// The delete and replace bitmaps over the shared index's entries.
    pub(super) bitmaps: Option<(Ewah<'a>, Ewah<'a>)>,
}

/// The `link` extension: the shared index id, then (optionally) the delete and replace bitmaps.
pub(super) fn parse_link(payload: &[u8], id_len: usize) -> Option<Link<'_>> {
    let (id, rest) = payload.split_at_checked(id_len)?;
    let shared = ObjectId::from_bytes(id)?;
    if rest.is_empty() {
        return Some(Link {
            shared,
            bitmaps: None,
        });
    }
    let (delete, used) = Ewah::parse(rest)?;
    let rest = &rest[used..];
    let (replace, used) = Ewah::parse(rest)?;
    (used == rest.len()).then_some(Link {
        shared,
        bitmaps: Some((delete, replace)),
    })
}

/// The `TREE` extension: pre-order entries `path NUL count SP subtrees LF [id]`.
pub(super) fn parse_cache_tree(data: &[u8], id_len: usize) -> Option<HashMap<Vec<u8>, ObjectId>> {
    let mut cursor = Cursor::new(data);
    let mut out = HashMap::default();
    // Stack of (directory path, subtrees still to read).
    let mut stack: Vec<(Vec<u8>, usize)> = Vec::new();
    while !cursor.remaining().is_empty() {
        let name = cursor.until_nul()?;
        let line_end = memchr::memchr(b'\n', cursor.remaining())?;
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
            let oid = ObjectId::from_bytes(cursor.take(id_len)?)?;
            out.insert(path.clone(), oid);
        }
        stack.push((path, subtrees));
        while stack.last().is_some_and(|(_, remaining)| *remaining == 0) {
            stack.pop();
        }
    }
    Some(out)
}
