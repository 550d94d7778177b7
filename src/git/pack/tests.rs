//! The reader against git itself: every object of a packed repository with long delta
//! chains (and `git gc --aggressive` variants) must read back exactly as `git cat-file`
//! prints it, by id and through the forest; damage must never panic or deliver wrong bytes.

use super::*;
use crate::git::test_support::{all_objects, git};
use std::collections::HashMap;
use std::sync::Mutex;

/// A repository of 40 commits editing a few growing files (so that blobs and trees become
/// delta chains), packed with `gc_args`.
fn packed_repository(gc_args: &[&str]) -> tempfile::TempDir {
    packed_repository_in(gc_args, HashKind::Sha1)
}

/// Like [`packed_repository`], in a repository of object format `hash`.
fn packed_repository_in(gc_args: &[&str], hash: HashKind) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    let format = match hash {
        HashKind::Sha1 => "--object-format=sha1",
        HashKind::Sha256 => "--object-format=sha256",
    };
    git(dir.path(), &["init", "-q", format]);
    let mut text = String::new();
    for round in 0..40 {
        text.push_str(&format!(
            "line {round}: {}\n",
            "some words that repeat ".repeat(round % 7 + 1)
        ));
        std::fs::write(dir.path().join("grows.txt"), &text).unwrap();
        std::fs::write(
            dir.path().join(format!("file{}.txt", round % 5)),
            text.repeat(3),
        )
        .unwrap();
        std::fs::create_dir_all(dir.path().join("sub/deeper")).unwrap();
        std::fs::write(
            dir.path().join("sub/deeper/x.txt"),
            format!("{round}\n{text}"),
        )
        .unwrap();
        git(dir.path(), &["add", "-A"]);
        git(
            dir.path(),
            &["commit", "-q", "-m", &format!("round {round}")],
        );
    }
    let mut args = vec!["gc", "-q"];
    args.extend_from_slice(gc_args);
    git(dir.path(), &args);
    dir
}

/// The packs of the repository in `dir`, in its object format.
fn open_packs(dir: &Path) -> Packs {
    let format = String::from_utf8(git(dir, &["rev-parse", "--show-object-format"])).unwrap();
    let hash = HashKind::from_name(format.trim()).expect("a known format");
    let (packs, failed) = Packs::open(&[dir.join(".git/objects")], hash);
    assert!(failed.is_empty(), "{failed:?}");
    packs
}

fn count_deltas(dir: &Path) -> usize {
    let listing = git(
        dir,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(deltabase)",
        ],
    );
    String::from_utf8(listing)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("0000000"))
        .count()
}

#[test]
fn reads_every_object_as_git_does_by_id_and_through_the_forest() {
    let variants = [
        (&[][..], HashKind::Sha1),
        (&["--aggressive"][..], HashKind::Sha1),
        (&["--aggressive"][..], HashKind::Sha256),
    ];
    for (gc_args, hash) in variants {
        let dir = packed_repository_in(gc_args, hash);
        let objects = all_objects(dir.path());
        assert!(
            count_deltas(dir.path()) > 20,
            "the repository has delta chains"
        );
        let packs = open_packs(dir.path());
        assert_eq!(packs.packs.len(), 1);
        assert!(objects.iter().all(|(id, _, _)| id.kind() == hash));
        for (id, kind, content) in &objects {
            let (read_kind, read) = packs.read(id).unwrap().expect("packed");
            assert_eq!((read_kind, &read[..]), (*kind, &content[..]), "object {id}");
        }
        let wanted: Vec<ObjectId> = objects.iter().map(|(id, _, _)| *id).collect();
        let forest = DeltaForest::plan(&packs, &wanted);
        let seen = Mutex::new(HashMap::new());
        let delivered = forest.visit(&packs, u64::MAX, &|position, kind, content| {
            let Content::Data(bytes) = content else {
                panic!("no size limit")
            };
            let previous = seen
                .lock()
                .unwrap()
                .insert(position, (kind, bytes.to_vec()));
            assert!(previous.is_none(), "delivered once");
        });
        assert!(delivered.iter().all(|&d| d));
        let seen = seen.into_inner().unwrap();
        for (position, (_, kind, content)) in objects.iter().enumerate() {
            assert_eq!(seen[&position], (*kind, content.clone()));
        }
    }
}

#[test]
fn large_leaves_are_not_read_and_unknown_objects_are_not_delivered() {
    let dir = packed_repository(&[]);
    let packs = open_packs(dir.path());
    let head_blob = String::from_utf8(git(dir.path(), &["rev-parse", "HEAD:file0.txt"])).unwrap();
    let head_blob = ObjectId::from_hex(head_blob.trim()).unwrap();
    let missing = ObjectId::from_hex("1234567890123456789012345678901234567890").unwrap();
    let forest = DeltaForest::plan(&packs, &[missing, head_blob]);
    let sizes = Mutex::new(Vec::new());
    let delivered = forest.visit(&packs, 10, &|position, _, content| match content {
        Content::TooLarge(size) => sizes.lock().unwrap().push((position, size)),
        Content::Data(bytes) => sizes.lock().unwrap().push((position, bytes.len() as u64)),
    });
    // Nothing over the limit is built: the blob is announced too large if it is a whole
    // entry, or left undelivered (read one by one, sizes first) if it is a delta.
    assert!(!delivered[0]);
    let expected = git(dir.path(), &["cat-file", "blob", &head_blob.to_string()]).len() as u64;
    let sizes = sizes.into_inner().unwrap();
    assert!(
        sizes.is_empty() && !delivered[1] || sizes == vec![(1, expected)] && delivered[1],
        "{sizes:?}"
    );
}

/// Writes packs entry by entry, as hostile or unusual as a test needs; `finish` adds the
/// checksum and has `git index-pack` write the index into a new repository.
struct PackWriter {
    entries: Vec<u8>,
    count: u32,
}

/// A git object id: SHA-1 of `<kind> <size>\0<content>`.
fn object_id(kind: &str, content: &[u8]) -> ObjectId {
    use sha1::Digest;
    let mut hash = sha1::Sha1::new();
    hash.update(format!("{kind} {}\0", content.len()));
    hash.update(content);
    ObjectId::from_bytes(&hash.finalize()).unwrap()
}

/// A delta that copies all of `base` and appends `extra`.
fn append_delta(base: &[u8], extra: &[u8]) -> Vec<u8> {
    let mut delta = delta::encode_size(base.len() as u64);
    delta.extend(delta::encode_size((base.len() + extra.len()) as u64));
    for (start, chunk) in (0..base.len())
        .step_by(0x10000)
        .map(|s| (s, (base.len() - s).min(0x10000)))
    {
        // copy: offset in four bytes, size in three (0x10000 is written as 0)
        delta.push(0x80 | 0x0f | 0x70);
        delta.extend((start as u32).to_le_bytes());
        delta.extend(&(chunk as u32 % 0x10000).to_le_bytes()[..3]);
    }
    for literal in extra.chunks(127) {
        delta.push(literal.len() as u8);
        delta.extend(literal);
    }
    delta
}

impl PackWriter {
    fn new() -> PackWriter {
        PackWriter {
            entries: Vec::new(),
            count: 0,
        }
    }

    fn entry(&mut self, kind: u8, size: u64, base: &[u8], data: &[u8]) -> u64 {
        let offset = 12 + self.entries.len() as u64;
        let mut header = vec![(kind << 4) | (size & 0x0f) as u8];
        let mut rest = size >> 4;
        while rest > 0 {
            *header.last_mut().unwrap() |= 0x80;
            header.push((rest & 0x7f) as u8);
            rest >>= 7;
        }
        self.entries.extend(header);
        self.entries.extend(base);
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
        std::io::Write::write_all(&mut encoder, data).unwrap();
        self.entries.extend(encoder.finish().unwrap());
        self.count += 1;
        offset
    }

    /// A whole blob; returns its offset.
    fn blob(&mut self, content: &[u8]) -> u64 {
        self.entry(3, content.len() as u64, &[], content)
    }

    /// A delta against the entry at `base`; returns its offset.
    fn offset_delta(&mut self, base: u64, delta: &[u8]) -> u64 {
        let offset = 12 + self.entries.len() as u64;
        let mut distance = offset - base;
        let mut encoded = vec![(distance & 0x7f) as u8];
        distance >>= 7;
        while distance > 0 {
            distance -= 1;
            encoded.insert(0, 0x80 | (distance & 0x7f) as u8);
            distance >>= 7;
        }
        self.entry(6, delta.len() as u64, &encoded, delta)
    }

    fn finish(self) -> tempfile::TempDir {
        use sha1::Digest;
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q"]);
        let mut pack = b"PACK\0\0\0\x02".to_vec();
        pack.extend(self.count.to_be_bytes());
        pack.extend(self.entries);
        let checksum = sha1::Sha1::digest(&pack);
        pack.extend(checksum);
        let path = dir.path().join(".git/objects/pack/pack-test.pack");
        std::fs::write(&path, pack).unwrap();
        git(dir.path(), &["index-pack", path.to_str().unwrap()]);
        dir
    }
}

#[test]
fn a_delta_announcing_a_gigabyte_is_not_built() {
    let base = vec![b'x'; 0x10000];
    // 1,024 copies of the 64 KiB base: 64 MiB from a delta of about 1 KiB (16,384 copies,
    // a gigabyte, take 16 KiB), over a 1 MiB limit.
    let copies = 0x400u64;
    let mut delta = delta::encode_size(base.len() as u64);
    delta.extend(delta::encode_size(base.len() as u64 * copies));
    delta.extend(std::iter::repeat_n(0x80u8, copies as usize));
    let mut writer = PackWriter::new();
    let at = writer.blob(&base);
    writer.offset_delta(at, &delta);
    let dir = writer.finish();
    let mut bomb = sha1::Sha1::default();
    {
        use sha1::Digest;
        bomb.update(format!("blob {}\0", base.len() as u64 * copies));
        for _ in 0..copies {
            bomb.update(&base);
        }
    }
    let bomb = ObjectId::from_bytes(&sha1::Digest::finalize(bomb)).unwrap();
    let packs = open_packs(dir.path());
    let wanted = [object_id("blob", &base), bomb];
    let forest = DeltaForest::plan(&packs, &wanted);
    let seen = Mutex::new(Vec::new());
    let delivered = forest.visit(&packs, 1 << 20, &|position, _, content| {
        let size = match content {
            Content::Data(bytes) => Ok(bytes.len() as u64),
            Content::TooLarge(size) => Err(size),
        };
        seen.lock().unwrap().push((position, size));
    });
    assert_eq!(delivered, vec![true, true]);
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen, vec![(0, Ok(0x10000)), (1, Err(0x10000 * copies))]);
}

#[test]
fn deep_branching_delta_chains_need_neither_deep_stacks_nor_every_base_in_memory() {
    // A chain of 5,000 versions, each version also the base of a small leaf: git allows
    // chains up to 4,095 deep, and a visit that recursed at every branch would overflow.
    let mut writer = PackWriter::new();
    let mut content = b"first line\n".to_vec();
    let mut at = writer.blob(&content);
    let mut expected = vec![object_id("blob", &content)];
    for i in 0..5_000 {
        let extra = format!("line {i}\n").into_bytes();
        let next_at = writer.offset_delta(at, &append_delta(&content, &extra));
        content.extend(extra);
        writer.offset_delta(next_at, &append_delta(&content, b"leaf\n"));
        expected.push(object_id("blob", &content));
        expected.push(object_id("blob", &[content.as_slice(), b"leaf\n"].concat()));
        at = next_at;
    }
    let dir = writer.finish();
    let packs = open_packs(dir.path());
    let forest = DeltaForest::plan(&packs, &expected);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .stack_size(256 << 10)
        .build()
        .unwrap();
    let wrong = Mutex::new(Vec::new());
    let delivered = pool.install(|| {
        forest.visit(&packs, u64::MAX, &|position, _, content| {
            let Content::Data(bytes) = content else {
                unreachable!()
            };
            if object_id("blob", bytes) != expected[position] {
                wrong.lock().unwrap().push(position);
            }
        })
    });
    assert!(delivered.iter().all(|&d| d));
    assert!(wrong.into_inner().unwrap().is_empty());
}

#[test]
fn damaged_packs_never_panic_nor_deliver_wrong_bytes() {
    let dir = packed_repository(&[]);
    let objects = all_objects(dir.path());
    let pack_dir = dir.path().join(".git/objects/pack");
    let pack_path = std::fs::read_dir(&pack_dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let pristine = std::fs::read(&pack_path).unwrap();
    let wanted: Vec<ObjectId> = objects.iter().map(|(id, _, _)| *id).collect();
    let mut permissions = std::fs::metadata(&pack_path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&pack_path, permissions).unwrap();
    // Damage a byte every few hundred bytes, one at a time, then cut the file short.
    let mut variants: Vec<Vec<u8>> = (12..pristine.len() - 20)
        .step_by(97)
        .map(|at| {
            let mut damaged = pristine.clone();
            damaged[at] ^= 0x5a;
            damaged
        })
        .collect();
    variants.push(pristine[..pristine.len() / 2].to_vec());
    for damaged in variants {
        std::fs::write(&pack_path, &damaged).unwrap();
        // A pack cut short no longer matches its index: it is not opened (and says why).
        let (packs, _) = Packs::open(&[dir.path().join(".git/objects")], HashKind::Sha1);
        for (id, kind, content) in &objects {
            if let Ok(Some((_, read))) = packs.read(id) {
                // zlib's checksum catches damage inside data, sizes and delta bases catch it
                // in headers: an entry becomes unreadable, never silently different. (A type
                // bit can flip, say commit to tag; callers know what kind they asked for.)
                assert_eq!(&read[..], &content[..], "object {id} ({kind:?})");
            }
        }
        let forest = DeltaForest::plan(&packs, &wanted);
        forest.visit(&packs, u64::MAX, &|position, kind, content| {
            let Content::Data(bytes) = content else {
                unreachable!()
            };
            assert_eq!(bytes, &objects[position].2[..], "{kind:?}");
        });
    }
}
