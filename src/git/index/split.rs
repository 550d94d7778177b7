//! Split indexes (`core.splitIndex`): the index file names a shared index in its `link`
//! extension, and its own entries replace, delete and add to the shared ones.

use super::ewah::Ewah;
use super::extensions::Link;
use super::raw::{parse_raw, Raw};
use super::{checked_sparse_dirs, keep_stage_zero, map_file, Entry, Index, IndexError};
use crate::git::oid::HashKind;
use std::cmp::Ordering;
use std::path::Path;

/// Reads the shared index a split index's `link` names and merges the two.
pub(super) fn read_split(
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
