//! The staged changes: `HEAD`'s tree against the index, as a list of files to scan.
//!
//! The fast path reads the index with [`crate::git::index`] and walks only the directories whose
//! cache-tree entry does not match `HEAD`; split or sparse indexes fall back to libgit2's diff.

use crate::git::index::{Index, IndexError, OID_LEN};
use crate::git::{self, GitError};
use std::collections::{BTreeMap, HashSet};
use std::ops::Range;

const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_TREE: u32 = 0o040000;
const MODE_GITLINK: u32 = 0o160000;

/// One staged file with new content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Path relative to the repository root, as git stores it.
    pub path: Vec<u8>,
    /// The staged blob.
    pub new: git2::Oid,
    /// Its mode.
    pub mode: u32,
    /// The version it replaces (same path, or the file it was renamed from).
    pub old: Option<git2::Oid>,
}

/// What the walk collects.
#[derive(Default)]
struct Walk {
    changes: Vec<Change>,
    /// Blobs that left their path: a file renamed away, or a directory removed or moved.
    removed: Vec<(Vec<u8>, git2::Oid)>,
}

/// Files added or modified between `HEAD` (or nothing) and the index.
pub fn staged_changes(
    repo: &git2::Repository,
    head: Option<&git2::Tree<'_>>,
) -> Result<Vec<Change>, GitError> {
    let index_path = git::index_path(repo);
    match Index::read(&index_path) {
        Ok(index) => {
            let mut walk = Walk::default();
            let entries = 0..index.entries().len();
            walk.dir(repo, &index, b"", head.map(git2::Tree::id), entries)?;
            Ok(pair_renames(repo, walk))
        }
        Err(IndexError::Unsupported(_)) => libgit2_changes(repo, head),
        Err(e) => Err(GitError::Index(e)),
    }
}

fn oid(bytes: &[u8; OID_LEN]) -> git2::Oid {
    git2::Oid::from_bytes(bytes).expect("an index object id is 20 bytes")
}

fn join(dir: &[u8], name: &[u8]) -> Vec<u8> {
    if dir.is_empty() {
        name.to_vec()
    } else {
        [dir, b"/", name].concat()
    }
}

/// An index item at one directory level.
enum Item {
    File(usize),
    Dir(Range<usize>),
}

impl Walk {
    fn dir(
        &mut self,
        repo: &git2::Repository,
        index: &Index,
        dir: &[u8],
        head: Option<git2::Oid>,
        range: Range<usize>,
    ) -> Result<(), GitError> {
        if let (Some(head), Some(cached)) = (head, index.cached_tree(dir)) {
            if head.as_bytes() == cached {
                return Ok(());
            }
        }
        let mut items = index_items(index, dir, range);
        let head_entries = match head {
            Some(id) => tree_entries(repo, id)?,
            None => Vec::new(),
        };
        for (name, id, mode) in head_entries {
            let path = join(dir, &name);
            let is_tree = mode & MODE_TYPE_MASK == MODE_TREE;
            match (items.remove(&name), is_tree) {
                (Some(Item::Dir(sub)), true) => self.dir(repo, index, &path, Some(id), sub)?,
                (Some(Item::Dir(sub)), false) => {
                    self.removed.push((path.clone(), id));
                    self.dir(repo, index, &path, None, sub)?;
                }
                (Some(Item::File(i)), true) => {
                    self.removed_tree(repo, &path, id)?;
                    self.file(index, i, None);
                }
                (Some(Item::File(i)), false) => {
                    let entry = &index.entries()[i];
                    if entry.oid != id.as_bytes() {
                        self.file(index, i, Some(id));
                    }
                }
                (None, true) => self.removed_tree(repo, &path, id)?,
                (None, false) => self.removed.push((path, id)),
            }
        }
        for (name, item) in items {
            match item {
                Item::File(i) => self.file(index, i, None),
                Item::Dir(sub) => self.dir(repo, index, &join(dir, &name), None, sub)?,
            }
        }
        Ok(())
    }

    fn file(&mut self, index: &Index, i: usize, old: Option<git2::Oid>) {
        let entry = &index.entries()[i];
        if entry.mode & MODE_TYPE_MASK == MODE_GITLINK {
            return; // submodules are scanned in their own repository
        }
        self.changes.push(Change {
            path: index.path(entry).to_vec(),
            new: oid(&entry.oid),
            mode: entry.mode,
            old,
        });
    }

    /// Records every blob of a tree that left the index (deleted, moved or replaced).
    fn removed_tree(
        &mut self,
        repo: &git2::Repository,
        dir: &[u8],
        id: git2::Oid,
    ) -> Result<(), GitError> {
        for (name, child, mode) in tree_entries(repo, id)? {
            let path = join(dir, &name);
            match mode & MODE_TYPE_MASK {
                MODE_TREE => self.removed_tree(repo, &path, child)?,
                MODE_GITLINK => {}
                _ => self.removed.push((path, child)),
            }
        }
        Ok(())
    }
}

/// The index entries of one directory level: files by name, subdirectories by entry range.
fn index_items(index: &Index, dir: &[u8], range: Range<usize>) -> BTreeMap<Vec<u8>, Item> {
    let entries = index.entries();
    let skip = if dir.is_empty() { 0 } else { dir.len() + 1 };
    let mut items = BTreeMap::new();
    let mut i = range.start;
    while i < range.end {
        let path = index.path(&entries[i]);
        let rest = &path[skip.min(path.len())..];
        match memchr::memchr(b'/', rest) {
            None => {
                items.insert(rest.to_vec(), Item::File(i));
                i += 1;
            }
            Some(slash) => {
                let prefix = &path[..skip + slash + 1];
                let len =
                    entries[i..range.end].partition_point(|e| index.path(e).starts_with(prefix));
                items.insert(rest[..slash].to_vec(), Item::Dir(i..i + len));
                i += len;
            }
        }
    }
    items
}

fn tree_entries(
    repo: &git2::Repository,
    id: git2::Oid,
) -> Result<Vec<(Vec<u8>, git2::Oid, u32)>, GitError> {
    let tree = repo.find_tree(id).map_err(|source| GitError::Read {
        what: format!("tree {id}"),
        source,
    })?;
    Ok(tree
        .iter()
        .map(|e| (e.name_bytes().to_vec(), e.id(), e.filemode() as u32))
        .collect())
}

/// Gives each added file the version it came from when the change removed a file with the
/// same content (a pure rename: nothing to scan) or a similar one (rename with edits).
fn pair_renames(repo: &git2::Repository, walk: Walk) -> Vec<Change> {
    if walk.removed.is_empty() {
        return walk.changes;
    }
    let removed_ids: HashSet<git2::Oid> = walk.removed.iter().map(|(_, id)| *id).collect();
    let mut changes = Vec::with_capacity(walk.changes.len());
    for mut change in walk.changes {
        if change.old.is_none() {
            if removed_ids.contains(&change.new) {
                continue;
            }
            change.old = most_similar(repo, &change, &walk.removed);
        }
        changes.push(change);
    }
    changes
}

/// Bounds the line comparisons of rename pairing: it must stay proportional to the change.
const MAX_RENAME_CANDIDATES: usize = 64;

/// The removed blob that shares at least half of its lines with the new file, preferring
/// the same file name.
fn most_similar(
    repo: &git2::Repository,
    change: &Change,
    removed: &[(Vec<u8>, git2::Oid)],
) -> Option<git2::Oid> {
    let name = |path: &[u8]| {
        path.rsplit(|&b| b == b'/')
            .next()
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    };
    let new_name = name(&change.path);
    let mut candidates: Vec<&(Vec<u8>, git2::Oid)> = removed
        .iter()
        .filter(|(p, _)| name(p) == new_name)
        .collect();
    if candidates.is_empty() && removed.len() <= MAX_RENAME_CANDIDATES {
        candidates = removed.iter().collect();
    }
    candidates.truncate(MAX_RENAME_CANDIDATES);
    let new_lines = super::old_lines(repo, change.new)?;
    candidates
        .into_iter()
        .filter_map(|(_, id)| {
            let old = super::old_lines(repo, *id)?;
            let shared = new_lines.intersection(&old).count();
            (shared * 2 >= old.len().max(1)).then_some((shared, *id))
        })
        .max_by_key(|(shared, _)| *shared)
        .map(|(_, id)| id)
}

/// libgit2's tree-to-index diff with rename detection: slower on big indexes, but it reads
/// split and sparse indexes.
fn libgit2_changes(
    repo: &git2::Repository,
    head: Option<&git2::Tree<'_>>,
) -> Result<Vec<Change>, GitError> {
    let index = git::staged_index(repo)?;
    let mut options = git2::DiffOptions::new();
    options.ignore_submodules(true).include_typechange(true);
    let read = |source| GitError::Read {
        what: "the staged changes".into(),
        source,
    };
    let mut diff = repo
        .diff_tree_to_index(head, Some(&index), Some(&mut options))
        .map_err(read)?;
    diff.find_similar(Some(git2::DiffFindOptions::new().renames(true)))
        .map_err(read)?;
    let mut changes = Vec::new();
    for delta in diff.deltas() {
        use git2::Delta::{Added, Copied, Modified, Renamed, Typechange};
        let new = delta.new_file();
        let mode = u32::from(new.mode());
        let wanted = matches!(
            delta.status(),
            Added | Modified | Renamed | Copied | Typechange
        );
        if !wanted
            || mode == MODE_GITLINK
            || new.id().is_zero()
            || delta.old_file().id() == new.id()
        {
            continue;
        }
        let old = delta.old_file().id();
        changes.push(Change {
            path: new.path_bytes().unwrap_or_default().to_vec(),
            new: new.id(),
            mode,
            old: (!old.is_zero() && u32::from(delta.old_file().mode()) != MODE_GITLINK)
                .then_some(old),
        });
    }
    Ok(changes)
}
