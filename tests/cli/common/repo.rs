//! Temporary directories and git repositories driven through the real `git` CLI, with an
//! environment isolated from the machine's configuration (cargo-test-support style).

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

/// A temporary git repository on branch `main`.
pub struct TestRepo {
    /// The work tree.
    pub dir: TestDir,
}

impl TestRepo {
    /// `git init -b main` in a fresh directory.
    pub fn new() -> TestRepo {
        let repo = TestRepo {
            dir: TestDir::new(),
        };
        repo.git(&["init", "-q", "-b", "main"]);
        repo.git(&["config", "commit.gpgsign", "false"]);
        repo
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
        use std::io::Write;
        let mut child = self
            .git_command(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("run git");
        let mut stdin = child.stdin.take().expect("piped");
        // Written from another thread: git may fill its output pipe before reading it all.
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let output = child.wait_with_output().expect("run git");
        writer.join().expect("writer").expect("write git's input");
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

    /// Writes a file in the work tree.
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        self.dir.write(relative, contents)
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
