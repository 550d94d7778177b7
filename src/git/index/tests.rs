//! Tests of the index reader: hand-built inputs, and real repositories written by `git`.

use super::*;

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

/// A repository driven by the real `git` CLI in an isolated environment.
struct Repo {
    dir: tempfile::TempDir,
    hash: HashKind,
}

impl Repo {
    /// A fresh repository with `files()` committed, after `config` (`key=value`) is set.
    fn new(hash: HashKind, config: &[&str]) -> Repo {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::create_dir_all(dir.path().join("home")).expect("home dir");
        std::fs::write(
            dir.path().join("home/.gitconfig"),
            "[user]\n\tname = Index Test\n\temail = index@example.invalid\n\
             [commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n",
        )
        .expect("gitconfig");
        let repo = Repo { dir, hash };
        let format = match hash {
            HashKind::Sha1 => "--object-format=sha1",
            HashKind::Sha256 => "--object-format=sha256",
        };
        repo.git_in(repo.dir.path(), &["init", "-q", format, "work"]);
        for setting in config {
            let (key, value) = setting.split_once('=').expect("key=value");
            repo.git(&["config", key, value]);
        }
        for (path, content) in files() {
            repo.write(&path, &content);
        }
        repo.git(&["add", "."]);
        repo.git(&["commit", "-q", "-m", "files"]);
        repo
    }

    fn work(&self) -> std::path::PathBuf {
        self.dir.path().join("work")
    }

    fn git_dir(&self) -> std::path::PathBuf {
        self.work().join(".git")
    }

    fn write(&self, path: &str, content: &str) {
        let path = self.work().join(path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }

    fn git(&self, args: &[&str]) -> Vec<u8> {
        self.git_in(&self.work(), args)
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> Vec<u8> {
        self.git_env(dir, args, &[])
    }

    fn git_env(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Vec<u8> {
        let out = self.run(dir, args, env);
        assert!(
            out.status.success(),
            "git {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    }

    /// Runs git with only the test's configuration: no `GIT_*` variable of the caller (a
    /// pre-commit hook sets `GIT_INDEX_FILE`), no system or user config.
    fn run(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> std::process::Output {
        let mut command = std::process::Command::new("git");
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("GIT_") {
                command.env_remove(key);
            }
        }
        let home = self.dir.path().join("home");
        command
            .args(args)
            .current_dir(dir)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", "2024-01-01T00:00:00Z")
            .env("GIT_COMMITTER_DATE", "2024-01-01T00:00:00Z");
        for (key, value) in env {
            command.env(key, value);
        }
        command.output().expect("git runs")
    }

    fn read(&self) -> Index {
        let index = Index::read(&self.git_dir().join("index"), &self.git_dir(), self.hash);
        index.expect("git's index reads")
    }

    fn index_bytes(&self) -> Vec<u8> {
        std::fs::read(self.git_dir().join("index")).expect("index exists")
    }

    /// `git rev-parse <rev>` as an id.
    fn rev(&self, rev: &str) -> ObjectId {
        let out = self.git(&["rev-parse", rev]);
        ObjectId::from_hex(String::from_utf8_lossy(&out).trim()).expect("an id")
    }
}

/// A few dozen files in nested directories, an executable and a symlink.
fn files() -> Vec<(String, String)> {
    let dirs = ["", "a/", "a/b/", "a/b/c/", "a-b/", "d/", "d/e/", "z/"];
    let mut out = Vec::new();
    for dir in dirs {
        for i in 0..5 {
            out.push((format!("{dir}file{i}.txt"), format!("{dir} {i}\n")));
        }
    }
    out.push(("a/b.txt".into(), "between a/ and a-b/\n".into()));
    out
}

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

fn version(data: &[u8]) -> u32 {
    u32::from_be_bytes(data[4..8].try_into().expect("four bytes"))
}

/// A plain index of `version` (2 or 4): entries and cache tree as git sees them.
fn check_plain(hash: HashKind, version_wanted: u32) {
    let setting = format!("index.version={version_wanted}");
    let repo = Repo::new(hash, &[&setting]);
    assert_eq!(version(&repo.index_bytes()), version_wanted);
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_root_tree_is_head(&repo, &index);
    assert!(!index.is_sparse() && !index.has_conflicts());
    // A modification, an addition and a deletion after the commit.
    repo.write("a/b/file1.txt", "changed\n");
    repo.write("a/b/new.txt", "new\n");
    repo.git(&["add", "."]);
    repo.git(&["rm", "-q", "d/e/file2.txt"]);
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_eq!(index.cached_tree(b""), None, "changes invalidate the root");
    let parsed = Index::parse(&repo.index_bytes(), hash).expect("parses");
    assert_eq!(our_entries(&parsed), our_entries(&index));
}

#[test]
fn sha1_v2_matches_git() {
    check_plain(HashKind::Sha1, 2);
}

#[test]
fn sha1_v4_matches_git() {
    check_plain(HashKind::Sha1, 4);
}

#[test]
fn sha256_v2_matches_git() {
    check_plain(HashKind::Sha256, 2);
}

#[test]
fn sha256_v4_matches_git() {
    check_plain(HashKind::Sha256, 4);
}

/// Version 3: `git add -N` and `--skip-worktree` set extended flags.
fn check_extended_flags(hash: HashKind, version_setting: &str) {
    let repo = Repo::new(hash, &[version_setting]);
    repo.write("d/intent.txt", "later\n");
    repo.git(&["add", "-N", "d/intent.txt"]);
    repo.git(&["update-index", "--skip-worktree", "a/file3.txt"]);
    let data = repo.index_bytes();
    let index = repo.read();
    assert_same_entries(&repo, &index);
    for entry in index.entries() {
        let path = index.path(entry);
        assert_eq!(entry.intent_to_add, path == b"d/intent.txt", "{path:?}");
        assert_eq!(entry.skip_worktree, path == b"a/file3.txt", "{path:?}");
    }
    // `git ls-files -t` tags skip-worktree entries with S.
    let tagged = repo.git(&["ls-files", "-t"]);
    assert!(String::from_utf8_lossy(&tagged).contains("S a/file3.txt"));
    if version_setting.ends_with('2') {
        assert_eq!(version(&data), 3, "git upgrades to v3 for extended flags");
    }
}

#[test]
fn sha1_v3_extended_flags_match_git() {
    check_extended_flags(HashKind::Sha1, "index.version=2");
}

#[test]
fn sha256_v3_and_v4_extended_flags_match_git() {
    check_extended_flags(HashKind::Sha256, "index.version=2");
    check_extended_flags(HashKind::Sha256, "index.version=4");
}

/// How many shared entries a split index deletes and replaces (`None` if it is not split).
fn split_bitmaps(index_file: &Path, git_dir: &Path, hash: HashKind) -> Option<(usize, usize)> {
    let data = std::fs::read(index_file).expect("index");
    let front = parse_raw(&data, hash).expect("parses");
    let link = front.link.filter(|link| !link.shared.is_null())?;
    let shared = std::fs::read(git_dir.join(format!("sharedindex.{}", link.shared)));
    let shared = shared.expect("shared index");
    let base_len = parse_raw(&shared, hash)
        .expect("parses")
        .index
        .entries
        .len();
    let (delete, replace) = link.bitmaps?;
    let count = |ewah: Ewah<'_>| ewah.set_bits(base_len).expect("valid bitmap").len();
    Some((count(delete), count(replace)))
}

/// A split index with shared entries replaced, deleted and added to.
fn check_split(hash: HashKind, config: &[&str], split_command: bool) {
    let repo = Repo::new(hash, config);
    if split_command {
        repo.git(&["update-index", "--split-index"]);
    }
    let index = repo.read();
    assert_same_entries(&repo, &index);
    // Commit changes: the new index is still split, its cache tree valid.
    repo.write("a/b/file1.txt", "changed\n");
    repo.write("d/added.txt", "added\n");
    repo.git(&["add", "."]);
    repo.git(&["commit", "-q", "-m", "more"]);
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_root_tree_is_head(&repo, &index);
    // Then edit, add and remove without committing: both bitmaps are used.
    repo.write("a/file0.txt", "edited\n");
    repo.write("a/b/c/file4.txt", "edited\n");
    repo.write("a/b/c/zz.txt", "new\n");
    repo.write("0first.txt", "new\n");
    repo.git(&["add", "."]);
    repo.git(&["rm", "-q", "z/file3.txt", "d/e/file0.txt"]);
    let (deleted, replaced) =
        split_bitmaps(&repo.git_dir().join("index"), &repo.git_dir(), hash).expect("split");
    assert!(deleted >= 2 && replaced >= 2, "{deleted} {replaced}");
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert!(matches!(
        Index::parse(&repo.index_bytes(), hash),
        Err(IndexError::Unsupported(_))
    ));
}

#[test]
fn sha1_split_index_matches_git() {
    check_split(HashKind::Sha1, &[], true);
}

#[test]
fn sha256_split_index_matches_git() {
    check_split(HashKind::Sha256, &[], true);
}

#[test]
fn split_index_from_config_v4_matches_git() {
    check_split(
        HashKind::Sha1,
        &["core.splitIndex=true", "index.version=4"],
        false,
    );
    check_split(HashKind::Sha256, &["core.splitIndex=true"], false);
}

#[test]
fn split_index_of_a_linked_worktree_and_of_another_index_file() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    let tree = repo.dir.path().join("tree");
    repo.git(&[
        "worktree",
        "add",
        "-q",
        tree.to_str().expect("utf-8"),
        "HEAD",
    ]);
    repo.git_in(&tree, &["update-index", "--split-index"]);
    std::fs::write(tree.join("a/file1.txt"), "in the worktree\n").expect("write");
    std::fs::write(tree.join("a/new.txt"), "new\n").expect("write");
    repo.git_in(&tree, &["add", "."]);
    repo.git_in(&tree, &["rm", "-q", "d/file1.txt"]);
    let git_dir = repo.git_dir().join("worktrees/tree");
    assert!(split_bitmaps(&git_dir.join("index"), &git_dir, HashKind::Sha1).is_some());
    let index = Index::read(&git_dir.join("index"), &git_dir, HashKind::Sha1).expect("reads");
    let main = repo.git_in(&tree, &["ls-files", "-s"]);
    assert!(String::from_utf8_lossy(&main).contains("a/new.txt"));
    let listed: Vec<String> = String::from_utf8_lossy(&main)
        .lines()
        .map(str::to_string)
        .collect();
    let ours: Vec<String> = index
        .entries()
        .iter()
        .map(|e| {
            let path = String::from_utf8_lossy(index.path(e)).into_owned();
            format!("{:06o} {} 0\t{path}", e.mode, e.oid)
        })
        .collect();
    assert_eq!(ours, listed);

    // GIT_INDEX_FILE outside the git dir: git writes the shared index into the git dir.
    let alt = repo.dir.path().join("alt-index");
    let env = [("GIT_INDEX_FILE", alt.as_path())];
    repo.git_env(&repo.work(), &["read-tree", "HEAD"], &env);
    repo.git_env(&repo.work(), &["update-index", "--split-index"], &env);
    repo.git_env(&repo.work(), &["rm", "-q", "--cached", "a/file2.txt"], &env);
    let index = Index::read(&alt, &repo.git_dir(), HashKind::Sha1).expect("reads");
    let listed = repo.git_env(&repo.work(), &["ls-files"], &env);
    let ours: Vec<u8> = index
        .entries()
        .iter()
        .flat_map(|e| [index.path(e), b"\n"].concat())
        .collect();
    assert_eq!(ours, listed);
}

#[test]
fn missing_shared_index_is_a_clear_error() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    repo.git(&["update-index", "--split-index"]);
    for entry in std::fs::read_dir(repo.git_dir()).expect("git dir") {
        let path = entry.expect("entry").path();
        if path.to_string_lossy().contains("sharedindex.") {
            std::fs::remove_file(path).expect("remove");
        }
    }
    let git_dir = repo.git_dir();
    let err = Index::read(&git_dir.join("index"), &git_dir, HashKind::Sha1).unwrap_err();
    assert!(matches!(err, IndexError::Io { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("shared index of split index"), "{message}");
    assert!(message.contains(".git/sharedindex."), "{message}");
}

/// A sparse index: directories outside the cone are single tree entries.
fn check_sparse(hash: HashKind) {
    let repo = Repo::new(hash, &[]);
    repo.git(&["sparse-checkout", "init", "--cone", "--sparse-index"]);
    repo.git(&["sparse-checkout", "set", "a/b"]);
    let index = repo.read();
    assert!(index.is_sparse());
    assert_same_entries(&repo, &index);
    // The cache tree covers the directories the index holds (not those inside sparse ones).
    for dir in ["", "a", "a/b"] {
        let tree = repo.rev(&format!("HEAD:{dir}"));
        assert_eq!(index.cached_tree(dir.as_bytes()), Some(&tree), "{dir}");
    }
    assert_eq!(index.cached_tree(b""), Some(&repo.rev("HEAD^{tree}")));
    let sparse: Vec<&[u8]> = index
        .entries()
        .iter()
        .filter(|e| e.is_sparse_dir())
        .map(|e| index.path(e))
        .collect();
    assert_eq!(sparse, [b"a-b/".as_slice(), b"d/", b"z/"]);
    for entry in index.entries().iter().filter(|e| e.is_sparse_dir()) {
        assert!(entry.skip_worktree);
        let dir = String::from_utf8_lossy(index.path(entry)).into_owned();
        let tree = repo.rev(&format!("HEAD:{}", dir.trim_end_matches('/')));
        assert_eq!(entry.oid, tree);
    }
    repo.write("a/b/c/file0.txt", "changed\n");
    repo.write("top.txt", "new\n");
    repo.git(&["add", "."]);
    let index = repo.read();
    assert!(index.is_sparse());
    assert_same_entries(&repo, &index);
}

#[test]
fn sha1_sparse_index_matches_git() {
    check_sparse(HashKind::Sha1);
}

#[test]
fn sha256_sparse_index_matches_git() {
    check_sparse(HashKind::Sha256);
}

#[test]
fn many_files_index_matches_git() {
    let repo = Repo::new(
        HashKind::Sha1,
        &[
            "feature.manyFiles=true",
            "index.recordEndOfIndexEntries=true",
            "index.recordOffsetTable=true",
            "index.threads=2",
        ],
    );
    repo.write("untracked.txt", "?\n");
    repo.write("d/untracked.txt", "?\n");
    repo.git(&["status", "--porcelain"]);
    let data = repo.index_bytes();
    assert_eq!(version(&data), 4);
    assert!(
        data.ends_with(&[0; 20]),
        "index.skipHash writes no checksum"
    );
    assert!(data.windows(4).any(|w| w == b"UNTR"));
    assert!(data.windows(4).any(|w| w == b"EOIE"));
    let index = repo.read();
    assert_same_entries(&repo, &index);
    assert_root_tree_is_head(&repo, &index);
}

#[test]
fn conflicts_are_left_out_and_reported() {
    let repo = Repo::new(HashKind::Sha1, &[]);
    repo.git(&["checkout", "-q", "-b", "side"]);
    repo.write("a/file1.txt", "side\n");
    repo.git(&["commit", "-q", "-am", "side"]);
    repo.git(&["checkout", "-q", "main"]);
    repo.write("a/file1.txt", "main\n");
    repo.git(&["commit", "-q", "-am", "main"]);
    let merge = repo.run(&repo.work(), &["merge", "-q", "side"], &[]);
    assert!(!merge.status.success(), "the merge conflicts");
    let index = repo.read();
    assert!(index.has_conflicts());
    assert_same_entries(&repo, &index);
    assert!(!our_entries(&index)
        .iter()
        .any(|(p, ..)| p == b"a/file1.txt"));
    // Resolving leaves a REUC (resolve-undo) extension, which is optional.
    repo.write("a/file1.txt", "resolved\n");
    repo.git(&["add", "a/file1.txt"]);
    assert!(repo.index_bytes().windows(4).any(|w| w == b"REUC"));
    let index = repo.read();
    assert!(!index.has_conflicts());
    assert_same_entries(&repo, &index);
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
