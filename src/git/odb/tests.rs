//! The object database against git itself: every object, loose, packed or behind an
//! alternate, in both object formats, reads back as `git cat-file` prints it.

use super::*;
use crate::git::test_support::{all_objects, git};

fn commit_files(dir: &Path, round: usize) {
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("a.txt"), format!("round {round}\n").repeat(50)).unwrap();
    std::fs::write(dir.join(format!("sub/{round}.txt")), format!("{round}\n")).unwrap();
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", &format!("round {round}")]);
}

fn assert_reads_like_git(dir: &Path, odb: &Odb) -> usize {
    let objects = all_objects(dir);
    for (id, kind, content) in &objects {
        let (read_kind, data) = odb.read(id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!((read_kind, &data[..]), (*kind, &content[..]), "{id}");
        assert!(odb.contains(id));
    }
    objects.len()
}

#[test]
fn loose_packed_and_mixed_objects_of_both_formats_read_as_git_reads_them() {
    for (format, hash) in [("sha1", HashKind::Sha1), ("sha256", HashKind::Sha256)] {
        let dir = tempfile::tempdir().unwrap();
        git(
            dir.path(),
            &["init", "-q", &format!("--object-format={format}")],
        );
        for round in 0..6 {
            commit_files(dir.path(), round);
        }
        let objects = dir.path().join(".git/objects");
        let loose = assert_reads_like_git(dir.path(), &Odb::open(&objects, hash));
        assert!(loose > 20, "{format}: {loose} loose objects");
        git(dir.path(), &["gc", "-q"]);
        for round in 6..9 {
            commit_files(dir.path(), round);
        }
        let odb = Odb::open(&objects, hash);
        assert_eq!(odb.hash(), hash);
        assert_reads_like_git(dir.path(), &odb);
        let blob = ObjectId::from_hex(
            String::from_utf8(git(dir.path(), &["rev-parse", "HEAD:a.txt"]))
                .unwrap()
                .trim(),
        )
        .unwrap();
        assert!(matches!(
            odb.read_limited(&blob, 10).unwrap(),
            Read::TooLarge {
                kind: Kind::Blob,
                ..
            }
        ));
        assert!(matches!(
            odb.read_kind(&blob, Kind::Tree),
            Err(ObjectError::WrongKind { .. })
        ));
        let absent = ObjectId::null(hash);
        assert!(matches!(
            odb.read(&absent),
            Err(ObjectError::Missing { .. })
        ));
        assert!(!odb.contains(&absent));
    }
}

#[test]
fn objects_behind_alternates_are_read() {
    let origin = tempfile::tempdir().unwrap();
    git(origin.path(), &["init", "-q", "--object-format=sha256"]);
    for round in 0..3 {
        commit_files(origin.path(), round);
    }
    git(origin.path(), &["gc", "-q"]);
    commit_files(origin.path(), 3); // loose, in the origin
    let clones = tempfile::tempdir().unwrap();
    let source = origin.path().to_str().unwrap();
    git(
        clones.path(),
        &["clone", "-q", "--shared", source, "shared"],
    );
    // The clone has no objects of its own: its alternates file names the origin's.
    let clone = clones.path().join("shared");
    let alternates = std::fs::read_to_string(clone.join(".git/objects/info/alternates")).unwrap();
    assert!(!alternates.trim().is_empty());
    commit_files(&clone, 4); // loose, in the clone
    let odb = Odb::open(&clone.join(".git/objects"), HashKind::Sha256);
    assert!(assert_reads_like_git(&clone, &odb) > 10);
}

#[test]
fn quoted_alternates_are_unquoted() {
    assert_eq!(unquote(b"\"a\\tb\\\\c\\101\""), Some(b"a\tb\\cA".to_vec()));
    assert_eq!(unquote(b"plain"), None);
}
