//! Tests of the index reader: hand-built inputs (`parse`), and real repositories written by
//! `git` (`repo`) in every index layout: plain v2–v4 (`plain`), split (`split`) and sparse
//! (`sparse`), each entry checked against `git ls-files`.

mod parse;
mod plain;
mod repo;
mod sparse;
mod split;

use super::*;
use repo::Repo;

/// `(path, mode, id)` of every stage-0 entry `git ls-files -s` lists.
fn git_entries(repo: &Repo, sparse: bool) -> Vec<(Vec<u8>, u32, String)> {
    let mut args = vec!["ls-files", "-s", "-z"];
    if sparse {
        args.push("--sparse");
    }
    let out = repo.git(&args);
    let mut entries = Vec::new();
    for record in out.split(|&b| b == 0).filter(|r| !r.is_empty()) {
        let tab = record.iter().position(|&b| b == b'\t').expect("a tab");
        let fields = String::from_utf8_lossy(&record[..tab]).into_owned();
        let fields: Vec<&str> = fields.split(' ').collect();
        if fields[2] == "0" {
            let mode = u32::from_str_radix(fields[0], 8).expect("octal mode");
            entries.push((record[tab + 1..].to_vec(), mode, fields[1].to_string()));
        }
    }
    entries
}

/// `(path, mode, id)` of every entry of `index`.
fn our_entries(index: &Index) -> Vec<(Vec<u8>, u32, String)> {
    let entries = index.entries().iter();
    entries
        .map(|e| (index.path(e).to_vec(), e.mode, e.oid.to_hex()))
        .collect()
}

/// Every entry agrees with `git ls-files -s` (`--sparse` for a sparse index).
fn assert_same_entries(repo: &Repo, index: &Index) {
    let want = git_entries(repo, index.is_sparse());
    assert!(!want.is_empty());
    assert_eq!(our_entries(index), want);
    for entry in index.entries() {
        assert_eq!(entry.oid.kind(), repo.hash);
    }
}

/// Right after a commit, the cache tree holds the commit's trees.
fn assert_root_tree_is_head(repo: &Repo, index: &Index) {
    assert_eq!(index.cached_tree(b""), Some(&repo.rev("HEAD^{tree}")));
    for dir in ["a", "a/b/c", "d/e"] {
        let tree = repo.rev(&format!("HEAD:{dir}"));
        assert_eq!(index.cached_tree(dir.as_bytes()), Some(&tree), "{dir}");
    }
}

/// The version in an index file's header.
fn version(data: &[u8]) -> u32 {
    u32::from_be_bytes(data[4..8].try_into().expect("four bytes"))
}
