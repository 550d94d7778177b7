//! A fast, read-only reader of git's index file (`.git/index`, or `GIT_INDEX_FILE`).
//!
//! libgit2 loads a 50,000-entry index in tens of milliseconds (it hashes and indexes every
//! entry); the pre-commit hook has a budget of a few. This reader only slices the file: entries
//! keep their path as a range into one buffer, and the cache-tree (`TREE` extension) tells which
//! directories are unchanged since they were last written as trees, so the staged diff can skip
//! them without reading their objects. The trailing checksum is not verified (git's own
//! `index.skipHash` writes none).
//!
//! Formats: versions 2, 3 (extended flags) and 4 (path prefix compression), with SHA-1 or
//! SHA-256 ids; split indexes (`core.splitIndex`: the `link` extension names a shared index whose
//! entries the split file replaces, deletes and adds to); sparse indexes (`sdir`: directories
//! outside the sparse-checkout cone are single entries holding a tree id). Optional extensions
//! (signature starting with `A`–`Z`: `UNTR`, `FSMN`, `EOIE`, `IEOT`, `REUC`, …) are skipped;
//! any other unknown extension is [`IndexError::Unsupported`], as git itself refuses it.

mod ewah;
#[cfg(test)]
mod tests;

use crate::git::oid::{HashKind, ObjectId};
use ewah::Ewah;
use rustc_hash::FxHashMap as HashMap;
use std::cmp::Ordering;
use std::ops::Range;
use std::path::Path;

const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_DIR: u32 = 0o040000;
/// Entry flags: the name length (`0xfff` = "that long or longer"), the stage, "extended".
const NAME_MASK: u16 = 0x0fff;
const FLAG_EXTENDED: u16 = 0x4000;
/// Extended entry flags (index version 3 and later).
const EXTENDED_SKIP_WORKTREE: u16 = 0x4000;
const EXTENDED_INTENT_TO_ADD: u16 = 0x2000;

/// One stage-0 entry of the index: a file, a submodule, or (in a sparse index) a directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Byte range of the path in the index's path buffer (see [`Index::path`]).
    pub path: Range<usize>,
    /// The file mode (`0o100644`, `0o100755`, `0o120000` symlink, `0o160000` gitlink), or
    /// `0o040000` for a sparse directory entry.
    pub mode: u32,
    /// The blob id; the commit id for a gitlink; the tree id for a sparse directory entry.
    pub oid: ObjectId,
    /// Set by `git update-index --skip-worktree` and sparse checkouts; always set on a sparse
    /// directory entry.
    pub skip_worktree: bool,
    /// Set by `git add -N`: the path is known but its content is not staged (the id is the
    /// empty blob's).
    pub intent_to_add: bool,
}

impl Entry {
    /// Whether this entry stands for a whole directory outside a sparse-checkout cone (its
    /// path ends with `/` and its id names a tree).
    pub fn is_sparse_dir(&self) -> bool {
        self.mode & MODE_TYPE_MASK == MODE_DIR
    }
}

/// A parsed index.
#[derive(Debug, Default)]
pub struct Index {
    paths: Vec<u8>,
    entries: Vec<Entry>,
    /// Directory path (no trailing `/`, root is empty) → tree id, for valid cache-tree entries.
    cache_tree: HashMap<Vec<u8>, ObjectId>,
    sparse: bool,
    conflicts: bool,
}

/// Why an index could not be read.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// The file (the index, or a split index's shared index) could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The reason.
        source: std::io::Error,
    },
    /// The file is not a valid index.
    #[error("{path} is not a valid git index: {reason}")]
    Corrupt {
        /// The index file (empty when parsing bytes).
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
    /// A valid index using a feature this reader does not know (a newer version or a required
    /// extension), or a split index given to [`Index::parse`].
    #[error("{0}")]
    Unsupported(String),
}

impl IndexError {
    fn corrupt(reason: &'static str) -> IndexError {
        IndexError::Corrupt {
            path: String::new(),
            reason,
        }
    }

    /// Names `path` in a [`IndexError::Corrupt`] that has no path yet.
    fn at(self, path: &Path) -> IndexError {
        match self {
            IndexError::Corrupt { path: p, reason } if p.is_empty() => IndexError::Corrupt {
                path: path.display().to_string(),
                reason,
            },
            other => other,
        }
    }
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

/// One index file as stored, before a split index is resolved: entries of every stage in file
/// order (a split file's replacement entries have empty paths).
struct Raw<'a> {
    index: Index,
    /// One stage per entry, or empty while every entry is at stage 0 (the common case).
    stages: Vec<u8>,
    /// Entries with an empty path: only a split index's replacements may have one.
    unnamed: usize,
    /// The position of the last entry with a path.
    last_named: Option<usize>,
    link: Option<Link<'a>>,
    /// The trailing checksum (all zeros under `index.skipHash`).
    trailer: &'a [u8],
}

/// The `link` extension of a split index.
struct Link<'a> {
    /// The shared index's id (its trailing checksum); all zeros means "no shared index".
    shared: ObjectId,
    /// The delete and replace bitmaps over the shared index's entries.
    bitmaps: Option<(Ewah<'a>, Ewah<'a>)>,
}

impl Raw<'_> {
    fn stage(&self, i: usize) -> u8 {
        self.stages.get(i).copied().unwrap_or(0)
    }

    /// The index of an unsplit file: stage-0 entries only.
    fn finish(self) -> Result<Index, IndexError> {
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
        let start = cursor.at;
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
            let len = cursor.at - start;
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

/// Refuses directory entries where git writes none: outside a sparse index (no `sdir`
/// extension), or without the trailing `/` that names a sparse directory. Walking such an
/// entry as a file would read a tree as a blob.
fn checked_sparse_dirs(index: Index) -> Result<Index, &'static str> {
    for entry in index.entries.iter().filter(|e| e.is_sparse_dir()) {
        if !index.sparse {
            return Err("a directory entry in an index that is not sparse");
        }
        if !index.path(entry).ends_with(b"/") {
            return Err("a sparse directory entry whose path does not end in /");
        }
    }
    Ok(index)
}

/// Drops the entries of stages 1–3 (`stages` as in [`Raw::stages`]) and notes that there were.
fn keep_stage_zero(mut index: Index, stages: &[u8]) -> Index {
    if stages.iter().any(|&s| s != 0) {
        index.conflicts = true;
        let mut stage = stages.iter();
        index
            .entries
            .retain(|_| stage.next().is_none_or(|&s| s == 0));
    }
    index
}

/// Parses one index file.
fn parse_raw(data: &[u8], hash: HashKind) -> Result<Raw<'_>, IndexError> {
    let id_len = hash.id_len();
    if data.len() < 12 + id_len {
        return Err(IndexError::corrupt("file is too short"));
    }
    let (body, trailer) = data.split_at(data.len() - id_len);
    let mut cursor = Cursor { data: body, at: 0 };
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
    while body.len() - cursor.at >= 8 {
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

/// The `link` extension: the shared index id, then (optionally) the delete and replace bitmaps.
fn parse_link(payload: &[u8], id_len: usize) -> Option<Link<'_>> {
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

impl Index {
    /// Reads and parses the index file at `path`, resolving a split index. A missing file is an
    /// empty index, as in git (a repository where nothing was ever staged has none).
    ///
    /// `git_dir` is the repository's git directory for this index: for a linked worktree its
    /// own `$GIT_COMMON_DIR/worktrees/<name>`, which is where git writes that worktree's
    /// `index` and `sharedindex.<id>`. Like git's `read_index_from()`, a split index's shared
    /// file is looked up as `<git_dir>/sharedindex.<hex id>` first, then next to the index
    /// file itself (for a `GIT_INDEX_FILE` outside the git directory, git still writes the
    /// shared file into the git directory).
    pub fn read(path: &Path, git_dir: &Path, hash: HashKind) -> Result<Index, IndexError> {
        let data = match map_file(path) {
            Ok(data) => data,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Index::default()),
            Err(source) => {
                return Err(IndexError::Io {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        let mut front = parse_raw(&data, hash).map_err(|e| e.at(path))?;
        match front.link.take() {
            Some(link) if !link.shared.is_null() => {
                read_split(front, link, path, git_dir, hash).map_err(|e| e.at(path))
            }
            _ => front.finish().map_err(|e| e.at(path)),
        }
    }

    /// Parses the bytes of one index file. A split index (whose `link` extension names a
    /// shared index) is [`IndexError::Unsupported`]: [`Index::read`] resolves it.
    pub fn parse(data: &[u8], hash: HashKind) -> Result<Index, IndexError> {
        let raw = parse_raw(data, hash)?;
        if raw.link.as_ref().is_some_and(|link| !link.shared.is_null()) {
            return Err(IndexError::Unsupported(
                "the index is split (core.splitIndex): its shared index must be read too, \
                 which Index::read does"
                    .into(),
            ));
        }
        raw.finish()
    }

    /// The stage-0 entries, sorted by path as git keeps them; in a sparse index, including the
    /// sparse directory entries.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The path of an entry (a sparse directory's ends with `/`, as git stores it).
    pub fn path(&self, entry: &Entry) -> &[u8] {
        &self.paths[entry.path.clone()]
    }

    /// The tree id the cache-tree records for a directory (`b""` is the root), when valid.
    pub fn cached_tree(&self, dir: &[u8]) -> Option<&ObjectId> {
        self.cache_tree.get(dir)
    }

    /// Whether this is a sparse index (the `sdir` extension): some entries may be directories.
    pub fn is_sparse(&self) -> bool {
        self.sparse
    }

    /// Whether the index holds unmerged entries (stages 1–3), which [`Index::entries`] leaves
    /// out.
    pub fn has_conflicts(&self) -> bool {
        self.conflicts
    }
}

/// An index file's bytes, mapped rather than copied: the pre-commit hook reads a 10 MiB index
/// of which it needs a few slices, and copying it into fresh memory costs more than parsing it.
enum FileBytes {
    Mapped(memmap2::Mmap),
    /// An empty file (which cannot be mapped).
    Empty,
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Mapped(map) => map,
            FileBytes::Empty => &[],
        }
    }
}

fn map_file(path: &Path) -> std::io::Result<FileBytes> {
    let file = std::fs::File::open(path)?;
    if file.metadata()?.len() == 0 {
        return Ok(FileBytes::Empty);
    }
    // SAFETY: git never rewrites an index in place: it writes `index.lock` and renames it over
    // the old file, so the mapped file keeps its bytes for as long as it is mapped. (Another
    // program truncating it meanwhile would be the same hazard as for git, which maps it too.)
    let map = unsafe { memmap2::Mmap::map(&file)? };
    Ok(FileBytes::Mapped(map))
}

/// Reads the shared index a split index's `link` names and merges the two.
fn read_split(
    front: Raw<'_>,
    link: Link<'_>,
    path: &Path,
    git_dir: &Path,
    hash: HashKind,
) -> Result<Index, IndexError> {
    let name = format!("sharedindex.{}", link.shared);
    let first = git_dir.join(&name);
    let read = |p: &Path| map_file(p);
    let (shared_path, data) = match read(&first) {
        Ok(data) => (first, data),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let second = path.parent().unwrap_or(Path::new("")).join(&name);
            match read(&second) {
                Ok(data) => (second, data),
                Err(source) => {
                    let mut shown = first.display().to_string();
                    if second != first {
                        shown = format!("{shown} (or {})", second.display());
                    }
                    return Err(IndexError::Io {
                        path: format!(
                            "the shared index of split index {}: {shown}",
                            path.display()
                        ),
                        source,
                    });
                }
            }
        }
        Err(source) => {
            return Err(IndexError::Io {
                path: first.display().to_string(),
                source,
            })
        }
    };
    let shared = parse_raw(&data, hash).map_err(|e| e.at(&shared_path))?;
    let corrupt = |reason| IndexError::Corrupt {
        path: shared_path.display().to_string(),
        reason,
    };
    if shared.link.is_some() {
        return Err(corrupt("a shared index is itself split"));
    }
    if shared.trailer != link.shared.as_bytes() {
        return Err(corrupt(
            "the shared index's checksum is not the id its name says",
        ));
    }
    merge_split(front, shared, link.bitmaps).map_err(IndexError::corrupt)
}

/// Git's `merge_base_index()`: the split file's first entries replace the shared entries its
/// replace bitmap marks, in order (taking their paths); the delete bitmap removes shared
/// entries; the split file's other entries are added as `add_index_entry()` would, replacing
/// an entry of the same path and stage, a stage-0 one also removing that path's conflicts.
fn merge_split(
    mut front: Raw<'_>,
    mut shared: Raw<'_>,
    bitmaps: Option<(Ewah<'_>, Ewah<'_>)>,
) -> Result<Index, &'static str> {
    let base_len = shared.index.entries.len();
    let (delete, replace) = match bitmaps {
        Some((delete, replace)) => (delete.set_bits(base_len)?, replace.set_bits(base_len)?),
        None => (Vec::new(), Vec::new()),
    };
    let front_len = front.index.entries.len();
    if replace.len() > front_len {
        return Err("more replaced entries than the split index holds");
    }
    for (k, &pos) in replace.iter().enumerate() {
        let src = &front.index.entries[k];
        if !src.path.is_empty() {
            return Err("a replacing entry has a path");
        }
        let stage = front.stage(k);
        if stage != 0 || !shared.stages.is_empty() {
            shared.stages.resize(base_len, 0);
            shared.stages[pos] = stage;
        }
        let dst = &mut shared.index.entries[pos];
        dst.mode = src.mode;
        dst.oid = src.oid;
        dst.skip_worktree = src.skip_worktree;
        dst.intent_to_add = src.intent_to_add;
    }
    if front.unnamed != replace.len() || shared.unnamed != 0 {
        return Err("an added entry has an empty path");
    }
    let mut deleted = vec![false; base_len];
    for pos in delete {
        deleted[pos] = true;
    }
    let mut out = Index {
        paths: Vec::with_capacity(shared.index.paths.len() + front.index.paths.len()),
        entries: Vec::with_capacity(base_len + front_len),
        cache_tree: std::mem::take(&mut front.index.cache_tree),
        sparse: front.index.sparse || shared.index.sparse,
        conflicts: false,
    };
    let mut stages = Vec::with_capacity(base_len + front_len);
    let (base, added) = (&shared.index, &front.index);
    let (mut b, mut a) = (0, replace.len());
    loop {
        while b < base_len && deleted[b] {
            b += 1;
        }
        let order = match (b < base_len, a < front_len) {
            (false, false) => break,
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (true, true) => (base.path(&base.entries[b]), shared.stage(b))
                .cmp(&(added.path(&added.entries[a]), front.stage(a))),
        };
        if order == Ordering::Less {
            push_entry(&mut out, &mut stages, base, b, shared.stage(b));
            b += 1;
            continue;
        }
        let name = added.path(&added.entries[a]);
        let stage = front.stage(a);
        if order == Ordering::Equal {
            b += 1;
        }
        if stage == 0 {
            while b < base_len && base.path(&base.entries[b]) == name {
                b += 1;
            }
        }
        push_entry(&mut out, &mut stages, added, a, stage);
        a += 1;
    }
    checked_sparse_dirs(keep_stage_zero(out, &stages))
}

/// Appends entry `i` of `from` (at `stage`) to `out`, copying its path.
fn push_entry(out: &mut Index, stages: &mut Vec<u8>, from: &Index, i: usize, stage: u8) {
    let entry = &from.entries[i];
    let begin = out.paths.len();
    out.paths.extend_from_slice(from.path(entry));
    out.entries.push(Entry {
        path: begin..out.paths.len(),
        ..entry.clone()
    });
    stages.push(stage);
}

/// The `TREE` extension: pre-order entries `path NUL count SP subtrees LF [id]`.
fn parse_cache_tree(data: &[u8], id_len: usize) -> Option<HashMap<Vec<u8>, ObjectId>> {
    let mut cursor = Cursor { data, at: 0 };
    let mut out = HashMap::default();
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
