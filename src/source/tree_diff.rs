//! What a change adds: `HEAD` against the index (staged), or a commit against its parent
//! (history), as a list of files with new content.
//!
//! Both walks skip whole directories whose tree id did not change: for the index, its
//! cache-tree entry names `HEAD`'s tree; between commits, the two tree ids are equal. A sparse
//! index's directory entry names a tree: equal to `HEAD`'s, it is skipped; otherwise the two
//! trees are compared as between commits. Intent-to-add entries stage nothing. A file that
//! arrives with the same content as a file the
//! change removed is a rename and adds nothing; one that arrives next to a removed file of the
//! same name is compared with it, so that only its new lines count.

use crate::git::index::Index;
use crate::git::tree::{self, TreeSource};
use crate::git::{GitError, ObjectId};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::sync::Arc;

const MODE_TYPE_MASK: u32 = 0o170000;
const MODE_TREE: u32 = 0o040000;
const MODE_GITLINK: u32 = 0o160000;
/// Deepest directory nesting walked: git's own limit (`core.maxTreeDepth`). A hostile tree
/// nested deeper is an error, not a stack overflow.
pub const MAX_TREE_DEPTH: usize = 4096;

/// Fails if `dir` lies deeper than [`MAX_TREE_DEPTH`].
fn check_depth(dir: &[u8]) -> Result<(), GitError> {
    let depth = if dir.is_empty() {
        0
    } else {
        memchr::memchr_iter(b'/', dir).count() + 1
    };
    if depth <= MAX_TREE_DEPTH {
        return Ok(());
    }
    Err(GitError::Read {
        what: format!(
            "directory {}…",
            String::from_utf8_lossy(&dir[..dir.len().min(60)])
        ),
        message: format!("nested deeper than {MAX_TREE_DEPTH} directories (git's own limit)"),
    })
}

/// One staged file with new content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Path relative to the repository root, as git stores it.
    pub path: Vec<u8>,
    /// The staged blob.
    pub new: ObjectId,
    /// Its mode.
    pub mode: u32,
    /// The version it replaces, if any.
    pub old: Previous,
}

/// What a changed file replaces: its lines are not new.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Previous {
    /// A new file.
    Nothing,
    /// The same path's blob before the change.
    Blob(ObjectId),
    /// The one file of the same name that the change removed elsewhere: a rename with edits.
    Renamed(ObjectId),
    /// Files the same change removed: a rename with edits came from the most similar one,
    /// decided only if the new file has findings (reading blobs costs time).
    Removed(Arc<[ObjectId]>),
}

impl Previous {
    fn from_blob(old: Option<ObjectId>) -> Previous {
        old.map_or(Previous::Nothing, Previous::Blob)
    }
}

/// What the walk collects.
#[derive(Default)]
struct Walk {
    changes: Vec<Change>,
    /// Blobs that left their path: a file renamed away, or a directory removed or moved.
    removed: Vec<(Vec<u8>, ObjectId)>,
}

/// What a commit changed relative to its first parent.
#[derive(Debug, Default)]
pub struct CommitDiff {
    /// Files with new content (see [`commit_changes`]).
    pub changes: Vec<Change>,
    /// Files that left their path: deleted, renamed away, or under a directory that was removed
    /// or moved, each with the blob it held. A file whose content changed in place is a
    /// [`Change`] with [`Previous::Blob`] instead.
    pub removed: Vec<(Vec<u8>, ObjectId)>,
}

/// Files added or modified between `HEAD`'s tree (or nothing) and `index`, reading trees
/// from `trees`.
pub fn staged_changes(
    trees: &dyn TreeSource,
    index: &Index,
    head: Option<ObjectId>,
) -> Result<Vec<Change>, GitError> {
    let mut walk = Walk::default();
    let entries = 0..index.entries().len();
    walk.dir(trees, index, b"", head, entries)?;
    Ok(pair_renames(&walk.removed, walk.changes))
}

/// Files a commit adds or changes relative to `parent` (its first parent; `None` for a root
/// commit, whose every file is new), reading trees from `trees`.
pub fn commit_changes(
    trees: &dyn TreeSource,
    parent: Option<ObjectId>,
    tree: ObjectId,
) -> Result<Vec<Change>, GitError> {
    Ok(commit_diff(trees, parent, tree)?.changes)
}

/// What a commit adds or changes relative to `parent` (as [`commit_changes`]), and which files
/// left their path: what history needs to tell when a credential was removed.
pub fn commit_diff(
    trees: &dyn TreeSource,
    parent: Option<ObjectId>,
    tree: ObjectId,
) -> Result<CommitDiff, GitError> {
    let mut walk = Walk::default();
    walk.trees(trees, b"", parent, tree)?;
    let changes = pair_renames(&walk.removed, walk.changes);
    Ok(CommitDiff {
        changes,
        removed: walk.removed,
    })
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
        repo: &dyn TreeSource,
        index: &Index,
        dir: &[u8],
        head: Option<ObjectId>,
        range: Range<usize>,
    ) -> Result<(), GitError> {
        if let (Some(head), Some(cached)) = (head, index.cached_tree(dir)) {
            if head == *cached {
                return Ok(());
            }
        }
        if let Some(tree) = sparse_dir(index, dir, &range) {
            // A sparse index holds this whole directory as one tree: compare trees.
            return self.trees(repo, dir, head, tree);
        }
        check_depth(dir)?;
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
                    if entry.oid != id {
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

    /// Compares two trees of the same directory; equal ids mean nothing below changed. Both
    /// trees are walked together in git's entry order, without copying unchanged entries.
    fn trees(
        &mut self,
        repo: &dyn TreeSource,
        dir: &[u8],
        old: Option<ObjectId>,
        new: ObjectId,
    ) -> Result<(), GitError> {
        if old == Some(new) {
            return Ok(());
        }
        check_depth(dir)?;
        let new_data = repo.tree(new)?;
        let old_data = old
            .map(|id| repo.tree(id).map(|data| (id, data)))
            .transpose()?;
        let mut olds = match &old_data {
            Some((id, data)) => tree::Cursor::new(*id, data),
            None => tree::Cursor::empty(),
        };
        let mut news = tree::Cursor::new(new, &new_data);
        loop {
            tree::Cursor::skip_identical(&mut olds, &mut news);
            let Some(entry) = news.next_entry()? else {
                break;
            };
            let (name, id, mode) = (entry.name, entry.id, entry.mode);
            let mut matched = None;
            while let Some(old_entry) = olds.peek()? {
                match git_order(old_entry.name, old_entry.mode, name, mode) {
                    std::cmp::Ordering::Less => {
                        olds.next_entry()?;
                        let gone = old_entry;
                        self.removed_entry(repo, dir, gone.name, gone.id, gone.mode)?;
                    }
                    std::cmp::Ordering::Equal => {
                        olds.next_entry()?;
                        matched = Some(old_entry.id);
                        break;
                    }
                    std::cmp::Ordering::Greater => break,
                }
            }
            match (matched, mode & MODE_TYPE_MASK == MODE_TREE) {
                // Same name and kind: a tree recurses, a blob with new content is a change.
                (Some(old_id), true) => self.trees(repo, &join(dir, name), Some(old_id), id)?,
                (Some(old_id), false) if old_id != id => {
                    self.blob(join(dir, name), id, mode, Some(old_id))
                }
                (Some(_), false) => {} // same content, perhaps a new mode: nothing to scan
                (None, true) => self.trees(repo, &join(dir, name), None, id)?,
                (None, false) => self.blob(join(dir, name), id, mode, None),
            }
        }
        while let Some(gone) = olds.next_entry()? {
            self.removed_entry(repo, dir, gone.name, gone.id, gone.mode)?;
        }
        Ok(())
    }

    /// Records an entry that is no longer there (a file, or every blob of a directory).
    fn removed_entry(
        &mut self,
        repo: &dyn TreeSource,
        dir: &[u8],
        name: &[u8],
        id: ObjectId,
        mode: u32,
    ) -> Result<(), GitError> {
        match mode & MODE_TYPE_MASK {
            MODE_TREE => self.removed_tree(repo, &join(dir, name), id),
            MODE_GITLINK => Ok(()),
            _ => {
                self.removed.push((join(dir, name), id));
                Ok(())
            }
        }
    }

    fn blob(&mut self, path: Vec<u8>, id: ObjectId, mode: u32, old: Option<ObjectId>) {
        if mode & MODE_TYPE_MASK != MODE_GITLINK {
            self.changes.push(Change {
                path,
                new: id,
                mode,
                old: Previous::from_blob(old),
            });
        }
    }

    fn file(&mut self, index: &Index, i: usize, old: Option<ObjectId>) {
        let entry = &index.entries()[i];
        if entry.mode & MODE_TYPE_MASK == MODE_GITLINK {
            return; // submodules are scanned in their own repository
        }
        if entry.intent_to_add {
            return; // `git add -N`: a path is announced, no content is staged
        }
        self.changes.push(Change {
            path: index.path(entry).to_vec(),
            new: entry.oid,
            mode: entry.mode,
            old: Previous::from_blob(old),
        });
    }

    /// Records every blob of a tree that left the index (deleted, moved or replaced).
    fn removed_tree(
        &mut self,
        repo: &dyn TreeSource,
        dir: &[u8],
        id: ObjectId,
    ) -> Result<(), GitError> {
        check_depth(dir)?;
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

/// The tree of a sparse index's directory entry, when `range` is exactly the entry for
/// `dir` (its path is the directory's, with git's trailing `/`).
fn sparse_dir(index: &Index, dir: &[u8], range: &Range<usize>) -> Option<ObjectId> {
    if range.len() != 1 || dir.is_empty() {
        return None;
    }
    let entry = &index.entries()[range.start];
    let path = index.path(entry);
    let named_here = path.strip_suffix(b"/").unwrap_or(path) == dir;
    (entry.is_sparse_dir() && named_here).then_some(entry.oid)
}

/// Git's order of tree entries: by name, a directory's name read as if it ended in `/`. An
/// entry that changed from file to directory therefore meets no partner and is removed and
/// added, which is what it is.
fn git_order(a: &[u8], a_mode: u32, b: &[u8], b_mode: u32) -> std::cmp::Ordering {
    let tail = |mode: u32| {
        if mode & MODE_TYPE_MASK == MODE_TREE {
            b'/'
        } else {
            0
        }
    };
    let common = a.len().min(b.len());
    a[..common].cmp(&b[..common]).then_with(|| {
        let next = |name: &[u8], mode| name.get(common).copied().unwrap_or_else(|| tail(mode));
        next(a, a_mode).cmp(&next(b, b_mode))
    })
}

fn tree_entries(
    repo: &dyn TreeSource,
    id: ObjectId,
) -> Result<Vec<(Vec<u8>, ObjectId, u32)>, GitError> {
    let data = repo.tree(id)?;
    Ok(tree::entries(id, &data)?
        .into_iter()
        .map(|e| (e.name.to_vec(), e.id, e.mode))
        .collect())
}

/// Gives each added file the version it came from: a removed file with the same content (a
/// pure rename: nothing to scan), the one removed file with the same name (a rename with
/// edits), or else the removed files to compare with later. Reads no blobs here.
fn pair_renames(removed: &[(Vec<u8>, ObjectId)], added: Vec<Change>) -> Vec<Change> {
    if removed.is_empty() {
        return added;
    }
    let removed_ids: HashSet<ObjectId> = removed.iter().map(|(_, id)| *id).collect();
    let all_removed: Arc<[ObjectId]> = removed.iter().map(|(_, id)| *id).collect();
    let mut by_name: HashMap<&[u8], Option<ObjectId>> = HashMap::new();
    for (path, id) in removed {
        by_name
            .entry(file_name(path))
            .and_modify(|slot| *slot = None) // several candidates: none is the obvious one
            .or_insert(Some(*id));
    }
    let mut changes = Vec::with_capacity(added.len());
    for mut change in added {
        if change.old == Previous::Nothing {
            if removed_ids.contains(&change.new) {
                continue;
            }
            change.old = match by_name.get(file_name(&change.path)).copied().flatten() {
                Some(id) => Previous::Renamed(id),
                None => Previous::Removed(all_removed.clone()),
            };
        }
        changes.push(change);
    }
    changes
}

fn file_name(path: &[u8]) -> &[u8] {
    path.rsplit(|&b| b == b'/').next().unwrap_or(path)
}
