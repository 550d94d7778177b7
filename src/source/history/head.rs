//! Which history findings are still present at `HEAD`, and in which file.
//!
//! A leak still in the tree is worse than one only in history. A finding is still present
//! when a file at `HEAD` holds its secret: its own file first, else the first other file in
//! path order (the file was renamed, its directory moved, the value copied elsewhere). Files
//! are searched for the secret's bytes, as stored and as decoded (UTF-16 files), and for the
//! encoded text of a decoded finding, whatever range the history scan covered, so the answer
//! does not depend on it. Files over the size limit are not read.
//!
//! `HEAD`'s files are listed before the blob scan, which keeps a copy of each one it reads,
//! within a memory budget: those need no second read. The others are read again at the end.

use crate::finding::Finding;
use crate::git::commit;
use crate::git::odb::{Odb, Read};
use crate::git::pack::{Content, DeltaForest};
use crate::git::{GitError, ObjectId};
use crate::source::decode::{decode, Decoded};
use crate::source::tree_diff;
use aho_corasick::AhoCorasick;
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Bytes of `HEAD`'s files the blob scan keeps for the search at the end.
const KEPT_BYTES: u64 = 64 << 20;

/// `HEAD`'s files, and the copies of their contents the blob scan kept.
pub struct HeadSnapshot {
    /// Path and blob of every file at `HEAD`, in path order.
    files: Vec<(String, ObjectId)>,
    ids: HashSet<ObjectId>,
    kept: Mutex<HashMap<ObjectId, Arc<[u8]>>>,
    budget: AtomicU64,
}

impl HeadSnapshot {
    /// Lists the files of commit `head` (`Ok(None)`: no `HEAD` commit yet, so nothing is at
    /// `HEAD`).
    pub fn list(head: Option<ObjectId>, odb: &Odb) -> Result<Option<HeadSnapshot>, GitError> {
        let Some(head) = head else {
            return Ok(None);
        };
        let tree = commit::tree_of(odb, head)?;
        let changes = tree_diff::commit_changes(odb, None, tree)?;
        let mut files: Vec<(String, ObjectId)> = changes
            .into_iter()
            .map(|change| {
                (
                    String::from_utf8_lossy(&change.path).into_owned(),
                    change.new,
                )
            })
            .collect();
        files.sort();
        Ok(Some(HeadSnapshot {
            ids: files.iter().map(|(_, id)| *id).collect(),
            files,
            kept: Mutex::new(HashMap::new()),
            budget: AtomicU64::new(KEPT_BYTES),
        }))
    }

    /// Called with every blob the scan reads: keeps a copy of `HEAD`'s while the budget lasts.
    pub fn offer(&self, id: ObjectId, content: &[u8]) {
        if !self.ids.contains(&id) {
            return;
        }
        let size = content.len() as u64;
        let reserved = self
            .budget
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(size)
            });
        if reserved.is_ok() {
            let mut kept = self.kept.lock().unwrap_or_else(|e| e.into_inner());
            kept.insert(id, Arc::from(content));
        }
    }
}

/// Where to read what the blob scan did not keep, and the largest blob to read.
pub struct Reader<'a> {
    /// The repository's objects.
    pub odb: &'a Odb,
    /// Blobs larger than this are not read.
    pub size_limit: u64,
}

/// Sets `in_head` and `head_path` on every file finding (commit-message findings have no
/// file). Without a `HEAD` snapshot, nothing is present.
pub fn mark(head: Option<&HeadSnapshot>, reader: &Reader<'_>, findings: &mut [Finding]) {
    let mut pending: Vec<usize> = (0..findings.len())
        .filter(|&i| !findings[i].is_commit_message())
        .collect();
    for &i in &pending {
        findings[i].in_head = Some(false);
    }
    let Some(head) = head else { return };
    if pending.is_empty() {
        return;
    }
    let files = &head.files;

    // Its own file first.
    let by_path: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (path, _))| (path.as_str(), i))
        .collect();
    let own: Vec<(usize, usize)> = pending
        .iter()
        .filter_map(|&i| Some((i, *by_path.get(findings[i].path.as_str())?)))
        .collect();
    if !own.is_empty() {
        let (blobs, blob_at) = unique(own.iter().map(|&(_, file)| files[file].1));
        let (secrets, secret_at) = unique(own.iter().flat_map(|&(i, _)| needles(&findings[i])));
        let holders = reader.holders(head, &blobs, &secrets);
        for &(i, file) in &own {
            let blob = blob_at[&files[file].1];
            let held =
                needles(&findings[i]).any(|needle| holders[secret_at[&needle]].contains(&blob));
            if held {
                findings[i].in_head = Some(true);
                findings[i].head_path = Some(files[file].0.clone());
            }
        }
        pending.retain(|&i| findings[i].in_head != Some(true));
    }

    // Then every file, in path order, each distinct blob read once (the first of its paths
    // is the one named).
    if pending.is_empty() {
        return;
    }
    let (blobs, _) = unique(files.iter().map(|(_, id)| *id));
    let first_path: HashMap<ObjectId, usize> = files
        .iter()
        .enumerate()
        .rev()
        .map(|(i, (_, id))| (*id, i))
        .collect();
    let (secrets, secret_at) = unique(pending.iter().flat_map(|&i| needles(&findings[i])));
    let holders = reader.holders(head, &blobs, &secrets);
    for &i in &pending {
        // Blobs are in the order of their first path: the first holder has the first path.
        let first = needles(&findings[i])
            .filter_map(|needle| holders[secret_at[&needle]].first().copied())
            .min();
        if let Some(blob) = first {
            findings[i].in_head = Some(true);
            findings[i].head_path = Some(files[first_path[&blobs[blob]]].0.clone());
        }
    }
}

/// What a file at `HEAD` may hold of a finding: its secret, or the encoded text it was read
/// from (a decoded finding's secret is not written out as it is).
fn needles(finding: &Finding) -> impl Iterator<Item = String> + '_ {
    std::iter::once(finding.secret.clone()).chain(finding.encoded.clone())
}

/// The distinct values of `items` in first-seen order, and each one's position among them.
fn unique<T: Clone + Eq + std::hash::Hash>(
    items: impl Iterator<Item = T>,
) -> (Vec<T>, HashMap<T, usize>) {
    let mut order = Vec::new();
    let mut position = HashMap::new();
    for item in items {
        position.entry(item.clone()).or_insert_with(|| {
            order.push(item);
            order.len() - 1
        });
    }
    (order, position)
}

impl Reader<'_> {
    /// For each of `secrets` (distinct), the positions in `blobs` (distinct) of the blobs that
    /// hold it, ascending: as stored or as decoded. Kept copies are searched first, the other
    /// blobs read.
    fn holders(
        &self,
        head: &HeadSnapshot,
        blobs: &[ObjectId],
        secrets: &[String],
    ) -> Vec<BTreeSet<usize>> {
        let mut out = vec![BTreeSet::new(); secrets.len()];
        let Ok(searcher) = AhoCorasick::new(secrets) else {
            return out;
        };
        let found = Mutex::new(Vec::new());
        let search = |blob: usize, content: &[u8]| {
            let mut hits = Vec::new();
            let mut look = |text: &[u8]| {
                hits.extend(
                    searcher
                        .find_overlapping_iter(text)
                        .map(|m| (m.pattern().as_usize(), blob)),
                );
            };
            look(content);
            match decode(content) {
                Decoded::Text(Cow::Owned(decoded)) | Decoded::Transcoded(decoded, _) => {
                    look(&decoded);
                }
                _ => {}
            }
            if !hits.is_empty() {
                found.lock().unwrap_or_else(|e| e.into_inner()).extend(hits);
            }
        };
        let kept = head.kept.lock().unwrap_or_else(|e| e.into_inner());
        let (in_memory, to_read): (Vec<usize>, Vec<usize>) =
            (0..blobs.len()).partition(|&blob| kept.contains_key(&blobs[blob]));
        in_memory
            .par_iter()
            .for_each(|&blob| search(blob, &kept[&blobs[blob]]));
        drop(kept);
        let ids: Vec<ObjectId> = to_read.iter().map(|&blob| blobs[blob]).collect();
        let packs = self.odb.packs();
        let forest = DeltaForest::plan(packs, &ids);
        let delivered = forest.visit(packs, self.size_limit, &|k, _, content| {
            if let Content::Data(bytes) = content {
                search(to_read[k], bytes);
            }
        });
        for (k, _) in delivered.iter().enumerate().filter(|(_, done)| !**done) {
            if let Ok(Read::Data { data, .. }) = self.odb.read_limited(&ids[k], self.size_limit) {
                search(to_read[k], &data);
            }
        }
        for (secret, blob) in found.into_inner().unwrap_or_else(|e| e.into_inner()) {
            out[secret].insert(blob);
        }
        out
    }
}
