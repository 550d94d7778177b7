//! A repository driven by the real `git` CLI, with the files every index test starts from.

use super::*;

/// A repository driven by the real `git` CLI in an isolated environment.
pub(super) struct Repo {
    pub(super) dir: tempfile::TempDir,
    pub(super) hash: HashKind,
}

impl Repo {
    /// A fresh repository with `files()` committed, after `config` (`key=value`) is set.
    pub(super) fn new(hash: HashKind, config: &[&str]) -> Repo {
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

    pub(super) fn work(&self) -> std::path::PathBuf {
        self.dir.path().join("work")
    }

    pub(super) fn git_dir(&self) -> std::path::PathBuf {
        self.work().join(".git")
    }

    pub(super) fn write(&self, path: &str, content: &str) {
        let path = self.work().join(path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, content).expect("write");
    }

    pub(super) fn git(&self, args: &[&str]) -> Vec<u8> {
        self.git_in(&self.work(), args)
    }

    pub(super) fn git_in(&self, dir: &Path, args: &[&str]) -> Vec<u8> {
        self.git_env(dir, args, &[])
    }

    pub(super) fn git_env(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Vec<u8> {
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
    pub(super) fn run(
        &self,
        dir: &Path,
        args: &[&str],
        env: &[(&str, &Path)],
    ) -> std::process::Output {
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

    pub(super) fn read(&self) -> Index {
        let index = Index::read(&self.git_dir().join("index"), &self.git_dir(), self.hash);
        index.expect("git's index reads")
    }

    pub(super) fn index_bytes(&self) -> Vec<u8> {
        std::fs::read(self.git_dir().join("index")).expect("index exists")
    }

    /// `git rev-parse <rev>` as an id.
    pub(super) fn rev(&self, rev: &str) -> ObjectId {
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
