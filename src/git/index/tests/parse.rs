//! Hand-built and damaged inputs: errors, never panics; the cache tree's pre-order; optional
//! and required extensions; and (ignored) the parse time of a large index.

use super::*;
use crate::git::index::extensions::parse_cache_tree;
use std::path::Path;

const SHA1: HashKind = HashKind::Sha1;

#[test]
fn rejects_garbage_and_truncation() {
    assert!(matches!(
        Index::parse(b"nope", SHA1),
        Err(IndexError::Corrupt { .. })
    ));
    let mut header = b"DIRC\0\0\0\x02\0\0\0\x05".to_vec();
    header.extend([0u8; 20]);
    assert!(matches!(
        Index::parse(&header, SHA1),
        Err(IndexError::Corrupt { .. })
    ));
    let mut v9 = b"DIRC\0\0\0\x09\0\0\0\0".to_vec();
    v9.extend([0u8; 20]);
    assert!(matches!(
        Index::parse(&v9, SHA1),
        Err(IndexError::Unsupported(_))
    ));
}

#[test]
fn cache_tree_paths_are_rebuilt_from_pre_order() {
    for len in [20, 32] {
        let id = |b: u8| ObjectId::from_bytes(&vec![b; len]).unwrap();
        let mut data = Vec::new();
        data.extend(b"\x003 2\n");
        data.extend(vec![1u8; len]);
        data.extend(b"a\x001 1\n");
        data.extend(vec![2u8; len]);
        data.extend(b"b\x00-1 0\n");
        data.extend(b"c\x001 0\n");
        data.extend(vec![3u8; len]);
        let tree = parse_cache_tree(&data, len).unwrap();
        assert_eq!(tree.get(b"".as_slice()), Some(&id(1)));
        assert_eq!(tree.get(b"a".as_slice()), Some(&id(2)));
        assert_eq!(tree.get(b"a/b".as_slice()), None);
        assert_eq!(tree.get(b"c".as_slice()), Some(&id(3)));
    }
}

/// Inserts an extension before the trailer (the checksum is not verified).
fn with_extension(data: &[u8], signature: &[u8; 4], id_len: usize) -> Vec<u8> {
    let (body, trailer) = data.split_at(data.len() - id_len);
    let mut out = body.to_vec();
    out.extend(signature);
    out.extend(3u32.to_be_bytes());
    out.extend(b"xyz");
    out.extend(trailer);
    out
}

#[test]
fn unknown_extensions_optional_or_required() {
    let repo = Repo::new(HashKind::Sha256, &[]);
    let data = repo.index_bytes();
    let optional = Index::parse(&with_extension(&data, b"ZZZZ", 32), HashKind::Sha256);
    assert_eq!(
        our_entries(&optional.expect("optional extension skipped")),
        our_entries(&repo.read())
    );
    let required = Index::parse(&with_extension(&data, b"zzzz", 32), HashKind::Sha256);
    match required {
        Err(IndexError::Unsupported(message)) => assert!(message.contains("zzzz"), "{message}"),
        other => panic!("{other:?}"),
    }
}

/// Truncations and bit flips of real indexes give errors, never panics.
#[test]
fn damaged_indexes_never_panic() {
    let plain = Repo::new(HashKind::Sha1, &["index.version=4"]);
    plain.git(&["update-index", "--skip-worktree", "a/file1.txt"]);
    let sparse = Repo::new(HashKind::Sha256, &[]);
    sparse.git(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    sparse.git(&["sparse-checkout", "set", "a"]);
    for repo in [&plain, &sparse] {
        let data = repo.index_bytes();
        let entries_end = data
            .windows(4)
            .position(|w| w == b"TREE")
            .expect("a cache tree");
        for cut in 0..data.len() {
            let result = Index::parse(&data[..cut], repo.hash);
            if cut < entries_end + repo.hash.id_len() {
                assert!(result.is_err(), "cut at {cut}");
            }
        }
        for at in 0..data.len() {
            for bit in [0x01, 0x10, 0x80] {
                let mut damaged = data.clone();
                damaged[at] ^= bit;
                let _ = Index::parse(&damaged, repo.hash);
            }
        }
    }
    // A split index: damage the split file and the shared file through `read`.
    let split = Repo::new(HashKind::Sha1, &[]);
    split.git(&["update-index", "--split-index"]);
    split.write("a/file1.txt", "x\n");
    split.write("a/new.txt", "x\n");
    split.git(&["add", "."]);
    split.git(&["rm", "-q", "d/file1.txt"]);
    let git_dir = split.git_dir();
    let front_path = git_dir.join("index");
    let front = std::fs::read(&front_path).expect("index");
    // Any cut of the shared file changes its checksum, which must match its name.
    let damage = |path: &Path, data: &[u8], cuts_fail: bool| {
        for at in 0..data.len() {
            for bit in [0x01, 0x80] {
                let mut damaged = data.to_vec();
                damaged[at] ^= bit;
                std::fs::write(path, &damaged).expect("write");
                let _ = Index::read(&front_path, &git_dir, HashKind::Sha1);
            }
        }
        for cut in 0..data.len() {
            std::fs::write(path, &data[..cut]).expect("write");
            let result = Index::read(&front_path, &git_dir, HashKind::Sha1);
            assert!(result.is_err() || !cuts_fail, "cut at {cut}");
        }
        std::fs::write(path, data).expect("restore");
    };
    damage(&front_path, &front, false);
    let shared_path = std::fs::read_dir(&git_dir)
        .expect("git dir")
        .map(|e| e.expect("entry").path())
        .find(|p| p.to_string_lossy().contains("sharedindex."))
        .expect("a shared index");
    let shared = std::fs::read(&shared_path).expect("shared");
    damage(&shared_path, &shared, true);
    assert!(Index::read(&front_path, &git_dir, HashKind::Sha1).is_ok());
}

/// Parse time of a 54,000-entry index (run with `--release -- --ignored --nocapture`).
#[test]
#[ignore = "timing, not a check"]
fn parse_speed_of_a_large_index() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    let blob = repo.rev("HEAD:a/file1.txt");
    let mut info = String::new();
    for i in 0..54_000 {
        info.push_str(&format!(
            "100644 {blob}\tsrc/module{}/sub{}/file{i}.rs\n",
            i / 1000,
            i / 100
        ));
    }
    let list = repo.dir.path().join("info");
    std::fs::write(&list, info).expect("write");
    let script = format!("git update-index --index-info < {}", list.display());
    repo.git(&["-c", &format!("alias.load=!{script}"), "load"]);
    for version in ["2", "4"] {
        repo.git(&["update-index", "--index-version", version]);
        let data = repo.index_bytes();
        let start = std::time::Instant::now();
        let rounds = 20;
        for _ in 0..rounds {
            let index = Index::parse(&data, HashKind::Sha1).expect("parses");
            assert!(index.entries().len() > 54_000);
        }
        eprintln!("v{version}: {:?} per parse", start.elapsed() / rounds);
    }
}
