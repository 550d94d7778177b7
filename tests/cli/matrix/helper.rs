//! `TestRepo` builds what each format claims, asked of git and read from the files themselves.

use crate::common::format::{self, matrix_tests, RepoFormat};
use crate::common::repo::{TestDir, TestRepo};
use std::path::Path;

matrix_tests! {
    the_repository_is_in_its_format,
    clones_and_remotes_are_in_the_same_format,
}

fn the_repository_is_in_its_format() {
    let repo = TestRepo::new();
    let format = repo.format();
    assert_formats(&repo, repo.path());
    repo.write("a.txt", "a\n");
    repo.write("dir/b.txt", "b\n");
    repo.add(&["a.txt", "dir/b.txt"]);
    let head = repo.commit("first");
    assert_eq!(head.len(), format.hex_len(), "{head}");
    assert_eq!(
        repo.path().join(".git/reftable").is_dir(),
        format.is_reftable()
    );
    // A change after the first index write: a split index keeps it in .git/index, over the
    // shared index.
    repo.write("a.txt", "changed\n");
    repo.add(&["a.txt"]);

    let index = IndexFile::read(&repo.path().join(".git/index"), format.hex_len() / 2);
    let expected_version = if format == RepoFormat::IndexV4 { 4 } else { 2 };
    assert_eq!(index.version, expected_version, "{format:?}");
    assert_eq!(
        index.has("link"),
        format == RepoFormat::SplitIndex,
        "{format:?}: {:?}",
        index.names()
    );
    assert_eq!(index.has("sdir"), format.is_sparse(), "{:?}", index.names());
    if let Some(link) = index.extension("link") {
        let shared = hex(&link[..format.hex_len() / 2]);
        assert!(
            repo.path()
                .join(format!(".git/sharedindex.{shared}"))
                .is_file(),
            "the link extension names an existing shared index"
        );
        assert!(index.entries >= 1, "the changed entry is in .git/index");
    }
    if format.is_sparse() {
        let cone = repo.git(&["sparse-checkout", "list"]);
        assert_eq!(cone.trim(), "dir", "write() widened the cone");
        assert_eq!(repo.git(&["config", "index.sparse"]).trim(), "true");
    }
}

fn clones_and_remotes_are_in_the_same_format() {
    let repo = TestRepo::new();
    repo.write("a.txt", "a\n");
    repo.add(&["a.txt"]);
    repo.commit("first");
    let elsewhere = TestDir::new();
    let remote = elsewhere.path().join("remote.git");
    repo.init_bare(&remote);
    assert_formats(&repo, &remote);
    for options in [&[][..], &["--bare"], &["--depth", "1"]] {
        let clone = elsewhere.path().join(format!("clone{}", options.len()));
        repo.clone_into(&clone, options);
        assert_formats(&repo, &clone);
    }
}

/// The repository at `path` has `repo`'s object and ref format.
fn assert_formats(repo: &TestRepo, path: &Path) {
    format::require_modern_git(); // `--show-ref-format` is as new as reftable
    let format = repo.format();
    let path = path.to_str().unwrap();
    let object = repo.git(&["-C", path, "rev-parse", "--show-object-format"]);
    let expected = if format.is_sha256() { "sha256" } else { "sha1" };
    assert_eq!(object.trim(), expected, "{path}");
    let refs = repo.git(&["-C", path, "rev-parse", "--show-ref-format"]);
    let expected = if format.is_reftable() {
        "reftable"
    } else {
        "files"
    };
    assert_eq!(refs.trim(), expected, "{path}");
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What these tests need from an index file (git's `index-format.txt`): version, number of
/// entries and extensions. Written here, apart from leakfence's reader, on purpose.
struct IndexFile {
    version: u32,
    entries: u32,
    extensions: Vec<(String, Vec<u8>)>,
}

impl IndexFile {
    fn read(path: &Path, hash_len: usize) -> IndexFile {
        let bytes = std::fs::read(path).expect("read the index");
        assert_eq!(&bytes[..4], b"DIRC", "{}", path.display());
        let be32 = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        let (version, entries) = (be32(4), be32(8));
        let mut at = 12;
        for _ in 0..entries {
            let start = at;
            let flags =
                u16::from_be_bytes([bytes[start + 40 + hash_len], bytes[start + 41 + hash_len]]);
            at = start + 40 + hash_len + 2;
            if flags & 0x4000 != 0 {
                at += 2; // extended flags (v3 and later)
            }
            if version == 4 {
                // The number of bytes to strip from the previous name, as a varint.
                while bytes[at] & 0x80 != 0 {
                    at += 1;
                }
                at += 1;
            }
            at += bytes[at..].iter().position(|&b| b == 0).expect("NUL") + 1;
            if version != 4 {
                at = start + (at - start).div_ceil(8) * 8; // NUL padding
            }
        }
        let end = bytes.len() - hash_len;
        let mut extensions = Vec::new();
        while at < end {
            let name = String::from_utf8_lossy(&bytes[at..at + 4]).into_owned();
            let size = be32(at + 4) as usize;
            extensions.push((name, bytes[at + 8..at + 8 + size].to_vec()));
            at += 8 + size;
        }
        assert_eq!(at, end, "extensions end where the checksum starts");
        IndexFile {
            version,
            entries,
            extensions,
        }
    }

    fn names(&self) -> Vec<&str> {
        self.extensions.iter().map(|(n, _)| n.as_str()).collect()
    }

    fn has(&self, name: &str) -> bool {
        self.extension(name).is_some()
    }

    fn extension(&self, name: &str) -> Option<&[u8]> {
        self.extensions
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, data)| data.as_slice())
    }
}
