//! The reader against git itself: every object of a packed repository with long delta
//! chains (and `git gc --aggressive` variants) must read back exactly as `git cat-file`
//! prints it, by id and through the forest; damage must never panic or deliver wrong bytes.

use super::*;
use std::collections::HashMap;
use std::process::Command;
use std::sync::Mutex;

fn git(dir: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "a")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "a")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A repository of 40 commits editing a few growing files (so that blobs and trees become
/// delta chains), packed with `gc_args`.
fn packed_repository(gc_args: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temporary directory");
    git(dir.path(), &["init", "-q"]);
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

/// Every object in the repository: id, kind and content, as git prints them.
fn all_objects(dir: &Path) -> Vec<(git2::Oid, Kind, Vec<u8>)> {
    let listing = git(
        dir,
        &[
            "cat-file",
            "--batch-all-objects",
            "--batch-check=%(objectname) %(objecttype)",
        ],
    );
    String::from_utf8(listing)
        .unwrap()
        .lines()
        .map(|line| {
            let (id, kind) = line.split_once(' ').unwrap();
            let kind = match kind {
                "commit" => Kind::Commit,
                "tree" => Kind::Tree,
                "blob" => Kind::Blob,
                _ => Kind::Tag,
            };
            let kind_name = line.split_once(' ').unwrap().1;
            (
                git2::Oid::from_str(id).unwrap(),
                kind,
                git(dir, &["cat-file", kind_name, id]),
            )
        })
        .collect()
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
    for gc_args in [&[][..], &["--aggressive"][..]] {
        let dir = packed_repository(gc_args);
        let objects = all_objects(dir.path());
        assert!(
            count_deltas(dir.path()) > 20,
            "the repository has delta chains"
        );
        let packs = Packs::open(&dir.path().join(".git"));
        assert_eq!(packs.len(), 1);
        for (id, kind, content) in &objects {
            let (read_kind, read) = packs.read(id).unwrap().expect("packed");
            assert_eq!((read_kind, &read[..]), (*kind, &content[..]), "object {id}");
        }
        let wanted: Vec<git2::Oid> = objects.iter().map(|(id, _, _)| *id).collect();
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
    let packs = Packs::open(&dir.path().join(".git"));
    let head_blob = String::from_utf8(git(dir.path(), &["rev-parse", "HEAD:file0.txt"])).unwrap();
    let head_blob = git2::Oid::from_str(head_blob.trim()).unwrap();
    let missing = git2::Oid::from_str("1234567890123456789012345678901234567890").unwrap();
    let forest = DeltaForest::plan(&packs, &[missing, head_blob]);
    let sizes = Mutex::new(Vec::new());
    let delivered = forest.visit(&packs, 10, &|position, _, content| match content {
        Content::TooLarge(size) => sizes.lock().unwrap().push((position, size)),
        Content::Data(bytes) => sizes.lock().unwrap().push((position, bytes.len() as u64)),
    });
    assert_eq!(delivered, vec![false, true]);
    let expected = git(dir.path(), &["cat-file", "blob", &head_blob.to_string()]).len() as u64;
    assert_eq!(sizes.into_inner().unwrap(), vec![(1, expected)]);
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
    let wanted: Vec<git2::Oid> = objects.iter().map(|(id, _, _)| *id).collect();
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
        let packs = Packs::open(&dir.path().join(".git"));
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
