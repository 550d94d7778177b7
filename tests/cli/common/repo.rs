//! Temporary directories and git repositories driven through the real `git` CLI, with an
//! environment isolated from the machine's configuration (cargo-test-support style).

use super::format::{self, RepoFormat};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// Points git and leakfence at empty configuration: a temporary HOME, no system config,
/// fixed identities and dates, no signing.
pub fn isolate(command: &mut Command, home: &Path) {
    for var in [
        "GIT_DIR",
        "GIT_WORK_TREE",
        "GIT_INDEX_FILE",
        "GIT_CONFIG",
        "NO_COLOR",
        "LEAKFENCE_SKIP",
    ] {
        command.env_remove(var);
    }
    command
        .env("HOME", home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join(".gitconfig"))
        .env("GIT_AUTHOR_NAME", "Ada Author")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_NAME", "Cy Committer")
        .env("GIT_COMMITTER_EMAIL", "cy@example.com")
        .env("GIT_AUTHOR_DATE", "2024-01-02T03:04:05Z")
        .env("GIT_COMMITTER_DATE", "2024-01-02T03:04:05Z")
        .env("LANG", "C");
}

/// A temporary directory with a separate temporary HOME.
pub struct TestDir {
    root: TempDir,
    home: TempDir,
}

impl TestDir {
    /// A new empty directory.
    pub fn new() -> TestDir {
        TestDir {
            root: TempDir::new().expect("tempdir"),
            home: TempDir::new().expect("home"),
        }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.root.path()
    }

    /// The isolated HOME.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// Writes a file (creating parent directories) and returns its path.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.root.path().join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("mkdir");
        }
        std::fs::write(&path, contents).expect("write");
        path
    }

    /// A leakfence command run in this directory.
    pub fn leakfence(&self) -> Command {
        super::leakfence(self.path(), self.home())
    }

    /// Runs `leakfence` with `args` and collects its output.
    pub fn run(&self, args: &[&str]) -> super::Run {
        super::Run::of(self.leakfence().args(args))
    }
}

/// A temporary git repository on branch `main`, in a [`RepoFormat`].
pub struct TestRepo {
    /// The work tree.
    pub dir: TestDir,
    format: RepoFormat,
    /// Sparse checkouts: the top-level directories in the cone (widened as tests write).
    cone: RefCell<BTreeSet<String>>,
}

impl TestRepo {
    /// `git init -b main` in a fresh directory, in the current thread's format
    /// ([`RepoFormat::current`], set by `matrix_tests!`).
    pub fn new() -> TestRepo {
        TestRepo::with_format(RepoFormat::current())
    }

    /// `git init -b main` in a fresh directory, in `format`.
    pub fn with_format(format: RepoFormat) -> TestRepo {
        if format != RepoFormat::Sha1Files {
            format::require_modern_git();
        }
        let repo = TestRepo {
            dir: TestDir::new(),
            format,
            cone: RefCell::default(),
        };
        let mut init = vec!["init", "-q", "-b", "main"];
        init.extend(format.init_args());
        repo.git(&init);
        repo.git(&["config", "commit.gpgsign", "false"]);
        for (key, value) in format.config() {
            repo.git(&["config", key, value]);
        }
        if format.is_sparse() {
            // Only top-level files, until `write` widens the cone.
            repo.git(&["sparse-checkout", "set", "--cone", "--sparse-index"]);
        }
        repo
    }

    /// The repository's format.
    pub fn format(&self) -> RepoFormat {
        self.format
    }

    /// The work tree.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Runs git with the isolated environment; panics with its stderr on failure.
    pub fn git(&self, args: &[&str]) -> String {
        let output = self.git_command(args).output().expect("run git");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Runs git with `input` on its standard input; panics with its stderr on failure.
    pub fn git_with_input(&self, args: &[&str], input: &[u8]) -> String {
        let output = super::output_with_input(&mut self.git_command(args), input);
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// A git command with the isolated environment, not yet run.
    pub fn git_command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("git");
        isolate(&mut command, self.dir.home());
        command.current_dir(self.path()).args(args);
        command
    }

    /// Writes a file in the work tree. In a sparse checkout, first widens the cone to the
    /// file's top-level directory, so scenarios written for full checkouts run unchanged.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.widen_cone_to(relative);
        self.dir.write(relative, contents)
    }

    /// `git mv from to`, widening a sparse checkout's cone to `to` first (git refuses to move
    /// a path out of the cone).
    pub fn mv(&self, from: &str, to: &str) {
        if self.path().join(from).is_dir() {
            self.widen_cone_to(&format!("{to}/"));
        } else {
            self.widen_cone_to(to);
        }
        self.git(&["mv", from, to]);
    }

    /// `git sparse-checkout set` to exactly `dirs`: what is committed elsewhere leaves the
    /// work tree and collapses into sparse-directory index entries.
    pub fn set_cone(&self, dirs: &[&str]) {
        assert!(self.format.is_sparse(), "not a sparse checkout");
        let mut set = vec!["sparse-checkout", "set", "--"];
        set.extend(dirs);
        self.git(&set);
        *self.cone.borrow_mut() = dirs.iter().map(|d| d.to_string()).collect();
    }

    /// Adds the top-level directory of the file `relative` (if any) to a sparse checkout's
    /// cone.
    fn widen_cone_to(&self, relative: &str) {
        if !self.format.is_sparse() {
            return;
        }
        let Some((top, _)) = relative.split_once('/') else {
            return; // top-level files are always in the cone
        };
        if self.cone.borrow_mut().insert(top.to_string()) {
            self.git(&["sparse-checkout", "add", "--", top]);
        }
    }

    /// `git init --bare` at `path`, in this repository's object and ref format (a remote to
    /// push to must share the object format).
    pub fn init_bare(&self, path: &Path) {
        let mut init = vec!["init", "-q", "--bare"];
        init.extend(self.format.init_args());
        init.push(path.to_str().expect("UTF-8 temporary path"));
        self.git(&init);
    }

    /// `git clone` of this repository (by `file://` URL) into `target`, with `options` and
    /// this repository's object and ref format.
    pub fn clone_into(&self, target: &Path, options: &[&str]) {
        let url = format!("file://{}", self.path().display());
        let mut clone = vec!["clone", "-q"];
        clone.extend(self.format.clone_args());
        clone.extend(options);
        clone.push(&url);
        clone.push(target.to_str().expect("UTF-8 temporary path"));
        self.git(&clone);
    }

    /// `git add` the given paths.
    pub fn add(&self, paths: &[&str]) {
        let mut args = vec!["add", "--"];
        args.extend(paths);
        self.git(&args);
    }

    /// Commits what is staged and returns the new commit id.
    pub fn commit(&self, message: &str) -> String {
        self.git(&["commit", "-q", "--allow-empty", "-m", message]);
        self.git(&["rev-parse", "HEAD"]).trim().to_string()
    }

    /// Makes `conf.env` conflict: `main` and a `side` branch both change it, and `git merge side`
    /// stops with the conflict for the caller to resolve. `before_merge` runs just before the
    /// merge (to install hooks, say).
    pub fn start_conflicting_merge(&self, before_merge: impl FnOnce(&TestRepo)) {
        for (branch, text) in [
            (None, "A=base\n"),
            (Some("side"), "A=side\n"),
            (Some("main"), "A=main\n"),
        ] {
            match branch {
                Some("side") => self.git(&["checkout", "-q", "-b", "side"]),
                Some(other) => self.git(&["checkout", "-q", other]),
                None => String::new(),
            };
            self.write("conf.env", text);
            self.add(&["conf.env"]);
            self.commit(text.trim());
        }
        before_merge(self);
        let merge = self
            .git_command(&["merge", "-q", "side"])
            .output()
            .expect("run git merge");
        assert!(!merge.status.success(), "expected a merge conflict");
    }

    /// Runs `leakfence` in the work tree.
    pub fn run(&self, args: &[&str]) -> super::Run {
        self.dir.run(args)
    }
}
