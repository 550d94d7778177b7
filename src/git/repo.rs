//! A repository as a scan sees it: where its directories are, its object format, `HEAD`,
//! and the commits and refs a selection names.
//!
//! Git itself answers what only git can answer for every repository it makes: discovery
//! (worktrees, `GIT_DIR`, `safe.bareRepository`, `core.worktree`), refs in either storage
//! (`files` or `reftable`) and revision syntax. One `git rev-parse` tells all that a
//! command needs to start; objects and the index are then read by leakfence itself.

use super::command::Git;
use super::odb::Odb;
use super::oid::{HashKind, ObjectId};
use super::GitError;
use std::path::{Path, PathBuf};

/// An opened repository.
#[derive(Debug, Clone)]
pub struct Repository {
    git_dir: PathBuf,
    /// Shared by all worktrees: where a shallow clone lists its grafts.
    common_dir: PathBuf,
    work_tree: Option<PathBuf>,
    bare: bool,
    hash: HashKind,
    objects_dir: PathBuf,
    index_file: PathBuf,
    shallow: bool,
    head: Option<ObjectId>,
}

/// What `rev-parse` is asked, one answer a line, in this order (`--show-cdup` answers only
/// inside a work tree, `HEAD` only once it names a commit).
const DISCOVERY: [&str; 16] = [
    "rev-parse",
    "--path-format=absolute",
    "--git-dir",
    "--git-common-dir",
    "--is-bare-repository",
    "--is-inside-work-tree",
    "--show-object-format",
    "--is-shallow-repository",
    "--git-path",
    "objects",
    "--git-path",
    "index",
    "--show-cdup",
    "--verify",
    "-q",
    "HEAD^{commit}",
];

impl Repository {
    /// Opens the repository for a command: `--repo DIR` when given (discovered upwards from
    /// it, or DIR itself as a bare repository's git directory, which
    /// `safe.bareRepository=explicit` allows only when named), otherwise as git would from the
    /// environment (`GIT_DIR`, worktrees, the current directory).
    pub fn open(dir: Option<&Path>) -> Result<Repository, GitError> {
        let shown = dir.map_or_else(|| PathBuf::from("."), Path::to_path_buf);
        let not_a_repository = |message: String| GitError::NotARepository {
            path: shown.clone(),
            message,
        };
        let Some(dir) = dir else {
            return Repository::discover_with(Git::new(None, DISCOVERY), None)
                .map_err(not_a_repository);
        };
        let cwd = std::env::current_dir().unwrap_or_default();
        let dir = cwd.join(dir);
        let discovered = Repository::discover_with(
            Git::new(Some(&dir), DISCOVERY).without_discovery_env(),
            Some(&dir),
        );
        match discovered {
            Ok(repo) => Ok(repo),
            Err(first) if looks_like_git_dir(&dir) => Repository::discover_with(
                Git::new(Some(&dir), DISCOVERY)
                    .without_discovery_env()
                    .git_dir(&dir),
                Some(&dir),
            )
            .map_err(|_| not_a_repository(first)),
            Err(message) => Err(not_a_repository(message)),
        }
    }

    /// The repository that holds `dir`, or `None` if it is in none (or git cannot run).
    pub fn find(dir: &Path) -> Option<Repository> {
        Repository::discover_with(
            Git::new(Some(dir), DISCOVERY).without_discovery_env(),
            Some(dir),
        )
        .ok()
    }

    fn discover_with(git: Git, cwd: Option<&Path>) -> Result<Repository, String> {
        let output = git.run()?;
        let text = String::from_utf8_lossy(&output.stdout);
        let mut lines = text.lines();
        let mut next = || {
            lines
                .next()
                .ok_or_else(|| "unexpected answer from git rev-parse".to_string())
        };
        let path = |line: &str| PathBuf::from(line);
        let git_dir = path(next()?);
        let common_dir = path(next()?);
        let bare = next()? == "true";
        let inside_work_tree = next()? == "true";
        let format = next()?.to_string();
        let shallow = next()? == "true";
        let objects_dir = path(next()?);
        let index_file = path(next()?);
        let work_tree = if inside_work_tree {
            let cdup = next()?;
            let cwd = match cwd {
                Some(dir) => dir.to_path_buf(),
                None => std::env::current_dir().map_err(|e| e.to_string())?,
            };
            let top = cwd.join(cdup);
            Some(top.canonicalize().unwrap_or(top))
        } else {
            None
        };
        let head = match lines.next() {
            Some(hex) => Some(ObjectId::from_hex(hex).ok_or("unexpected HEAD from git")?),
            None => None,
        };
        // `--verify -q` fails quietly when HEAD names no commit yet; anything else is an error.
        if !output.success && (head.is_some() || !output.stderr.is_empty()) {
            return Err(super::command::git_message(&output.stderr));
        }
        let hash = HashKind::from_name(&format)
            .ok_or_else(|| format!("unknown object format '{format}'"))?;
        Ok(Repository {
            git_dir,
            common_dir,
            work_tree,
            bare,
            hash,
            objects_dir,
            index_file,
            shallow,
            head,
        })
    }

    /// A git command on this repository (named explicitly, whatever the environment says).
    pub fn git<I, S>(&self, args: I) -> Git
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let dir = self.work_tree.as_deref().unwrap_or(&self.git_dir);
        let git = Git::new(Some(dir), args)
            .without_discovery_env()
            .git_dir(&self.git_dir);
        match &self.work_tree {
            Some(top) => git.env("GIT_WORK_TREE", top),
            None => git,
        }
    }

    /// The git directory (a linked worktree's own one).
    pub fn git_dir(&self) -> &Path {
        &self.git_dir
    }

    /// The work tree's root, unless the repository is bare.
    pub fn work_tree(&self) -> Option<&Path> {
        self.work_tree.as_deref()
    }

    /// Whether it is a bare repository.
    pub fn is_bare(&self) -> bool {
        self.bare || self.work_tree.is_none()
    }

    /// Where the repository is, for messages: its work tree, or its git directory.
    pub fn display_path(&self) -> &Path {
        self.work_tree.as_deref().unwrap_or(&self.git_dir)
    }

    /// The object format.
    pub fn hash(&self) -> HashKind {
        self.hash
    }

    /// The index file a commit would be made from: `GIT_INDEX_FILE` when git set one
    /// (`git commit -a`, `git commit -- PATH` and `--only` use a temporary index), else the
    /// repository's own.
    pub fn index_file(&self) -> &Path {
        &self.index_file
    }

    /// Whether this is a shallow clone (history before its grafts is missing).
    pub fn is_shallow(&self) -> bool {
        self.shallow
    }

    /// A shallow clone's grafted commits: their parents are not in the repository, so they
    /// are walked as root commits (empty when the clone is not shallow).
    pub fn shallow_commits(&self) -> std::collections::HashSet<ObjectId> {
        if !self.shallow {
            return Default::default();
        }
        std::fs::read_to_string(self.common_dir.join("shallow"))
            .unwrap_or_default()
            .lines()
            .filter_map(ObjectId::from_hex)
            .collect()
    }

    /// The commit `HEAD` names, or `None` before the first commit.
    pub fn head(&self) -> Option<ObjectId> {
        self.head
    }

    /// Opens the object database.
    pub fn odb(&self) -> Odb {
        Odb::open(&self.objects_dir, self.hash)
    }

    /// The directory git runs hooks from: `core.hooksPath` (relative to the work tree) or
    /// `hooks/` in the common git directory (shared by linked worktrees).
    pub fn hooks_dir(&self) -> Result<PathBuf, GitError> {
        let lines = self
            .git(["rev-parse", "--path-format=absolute", "--git-path", "hooks"])
            .lines()?;
        lines
            .first()
            .map(PathBuf::from)
            .ok_or_else(|| GitError::Git {
                command: "git rev-parse --git-path hooks".into(),
                message: "no answer".into(),
            })
    }

    /// The commits that `revisions` select (git's revision syntax: `main`, `A..B`, `A...B`,
    /// `^old`, `--all`; `--ignore-missing` passes over ids the repository does not have),
    /// parents before children.
    pub fn rev_list(&self, revisions: &[String]) -> Result<Vec<ObjectId>, GitError> {
        let mut args: Vec<&str> = vec!["rev-list", "--topo-order", "--reverse"];
        let (options, revs): (Vec<&String>, Vec<&String>) = revisions
            .iter()
            .partition(|r| matches!(r.as_str(), "--all" | "--ignore-missing"));
        args.extend(options.iter().map(|o| o.as_str()));
        // Nothing the user typed is read as an option.
        args.push("--end-of-options");
        args.extend(revs.iter().map(|r| r.as_str()));
        let lines = self.git(&args).lines()?;
        lines
            .iter()
            .map(|line| {
                ObjectId::from_hex(line).ok_or_else(|| GitError::Git {
                    command: "git rev-list".into(),
                    message: format!("unexpected output '{line}'"),
                })
            })
            .collect()
    }

    /// The names of the refs under `prefix` (`refs/remotes/`, say), from either ref storage.
    pub fn ref_names(&self, prefix: &str) -> Result<Vec<String>, GitError> {
        self.git(["for-each-ref", "--format=%(refname)", prefix])
            .lines()
    }

    /// Whether any ref (or `HEAD`) leads to a commit.
    pub fn has_commits(&self) -> Result<bool, GitError> {
        if self.head.is_some() {
            return Ok(true);
        }
        let lines = self.git(["rev-list", "--all", "--max-count=1"]).lines()?;
        Ok(!lines.is_empty())
    }
}

/// Whether `dir` itself has the shape of a git directory (`HEAD`, `objects/`, and `refs/`
/// or `reftable/`): a bare repository named with `--repo`.
fn looks_like_git_dir(dir: &Path) -> bool {
    dir.join("HEAD").is_file()
        && dir.join("objects").is_dir()
        && (dir.join("refs").is_dir() || dir.join("reftable").is_dir())
}
