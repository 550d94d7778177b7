//! Which history findings are still present at `HEAD`, and in which file.
//!
//! A leak still in the tree is worse than one only in history. A finding is still present
//! when its own file at `HEAD` still holds the secret, or else when another file at `HEAD`
//! does (the file was renamed, its directory moved, the value copied elsewhere). Files the
//! history scan already read are known by what the detector found in them; the others (when
//! `HEAD` is outside the scanned range) are read and searched for the remaining secrets.

use super::COMMIT_MESSAGE;
use crate::finding::Finding;
use crate::git::pack::{Content, DeltaForest, Packs};
use crate::git::tree::TreeSource;
use crate::source::tree_diff;
use aho_corasick::AhoCorasick;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// What the blob scan learned that marking needs: the blobs it read, and the secrets the
/// detector found in each.
#[derive(Default)]
pub struct ScannedBlobs {
    /// Every blob the scan read.
    pub read: HashSet<git2::Oid>,
    /// The secrets found in each blob that had findings.
    pub secrets: HashMap<git2::Oid, HashSet<String>>,
}

/// Sets `in_head` and `head_path` on every file finding (commit-message findings have no
/// file). Without a readable `HEAD`, nothing is present.
pub fn mark(
    repo: &git2::Repository,
    trees: &dyn TreeSource,
    packs: &Packs,
    findings: &mut [Finding],
    scanned: &ScannedBlobs,
) {
    let mut pending: Vec<usize> = (0..findings.len())
        .filter(|&i| findings[i].path != COMMIT_MESSAGE)
        .collect();
    for &i in &pending {
        findings[i].in_head = Some(false);
    }
    let head_tree = repo
        .head()
        .and_then(|head| head.peel_to_tree())
        .map(|tree| tree.id());
    let Ok(head_tree) = head_tree else { return };
    if pending.is_empty() {
        return;
    }
    let Ok(files) = tree_diff::commit_changes(trees, None, head_tree) else {
        return;
    };
    let mut files: Vec<(String, git2::Oid)> = files
        .into_iter()
        .map(|change| {
            (
                String::from_utf8_lossy(&change.path).into_owned(),
                change.new,
            )
        })
        .collect();
    files.sort();

    // Its own file first: read it and look for the exact bytes.
    let by_path: HashMap<&str, git2::Oid> = files.iter().map(|(p, id)| (p.as_str(), *id)).collect();
    let mut contents: HashMap<git2::Oid, Option<Vec<u8>>> = HashMap::new();
    pending.retain(|&i| {
        let finding = &mut findings[i];
        let Some(&id) = by_path.get(finding.path.as_str()) else {
            return true;
        };
        let content = contents
            .entry(id)
            .or_insert_with(|| repo.find_blob(id).ok().map(|b| b.content().to_vec()));
        let present = content
            .as_deref()
            .is_some_and(|c| memchr::memmem::find(c, finding.secret.as_bytes()).is_some());
        if present {
            finding.in_head = Some(true);
            finding.head_path = Some(finding.path.clone());
        }
        !present
    });

    // Then any other file, in path order: what the scan found in it, or else its bytes.
    let mut unread = Vec::new();
    for (path, id) in &files {
        if pending.is_empty() {
            return;
        }
        match scanned.secrets.get(id) {
            Some(secrets) => pending.retain(|&i| {
                let here = secrets.contains(&findings[i].secret);
                if here {
                    findings[i].in_head = Some(true);
                    findings[i].head_path = Some(path.clone());
                }
                !here
            }),
            None if !scanned.read.contains(id) => unread.push((path, *id)),
            None => {}
        }
    }
    if pending.is_empty() || unread.is_empty() {
        return;
    }
    let secrets: Vec<&str> = pending
        .iter()
        .map(|&i| findings[i].secret.as_str())
        .collect();
    let ids: Vec<git2::Oid> = unread.iter().map(|(_, id)| *id).collect();
    let holding = files_holding(repo, packs, &ids, &secrets);
    for (k, &i) in pending.iter().enumerate() {
        if let Some(&file) = holding.get(&k) {
            findings[i].in_head = Some(true);
            findings[i].head_path = Some(unread[file].0.clone());
        }
    }
}

/// For each of `secrets` (by position), the first of `blobs` (by position) that holds it.
fn files_holding(
    repo: &git2::Repository,
    packs: &Packs,
    blobs: &[git2::Oid],
    secrets: &[&str],
) -> HashMap<usize, usize> {
    let Ok(searcher) = AhoCorasick::new(secrets) else {
        return HashMap::new();
    };
    let first: Mutex<HashMap<usize, usize>> = Mutex::new(HashMap::new());
    let search = |blob: usize, content: &[u8]| {
        let found: HashSet<usize> = searcher
            .find_overlapping_iter(content)
            .map(|m| m.pattern().as_usize())
            .collect();
        let mut first = first.lock().unwrap_or_else(|e| e.into_inner());
        for secret in found {
            let slot = first.entry(secret).or_insert(blob);
            *slot = (*slot).min(blob);
        }
    };
    let forest = DeltaForest::plan(packs, blobs);
    let delivered = forest.visit(packs, u64::MAX, &|blob, _, content| {
        if let Content::Data(bytes) = content {
            search(blob, bytes);
        }
    });
    for (blob, _) in delivered.iter().enumerate().filter(|(_, done)| !**done) {
        if let Ok(found) = repo.find_blob(blobs[blob]) {
            search(blob, found.content());
        }
    }
    first.into_inner().unwrap_or_else(|e| e.into_inner())
}
