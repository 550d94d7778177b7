//! The git repository formats the integration tests run in: object hash, ref storage and the
//! on-disk forms of the index. `TestRepo::new()` builds its repository in the current thread's
//! format, and `matrix_tests!` runs a scenario once per format, so a failure names the format
//! (`staged::first_commit_with_a_token_is_blocked::sha256_reftable`).

use std::cell::Cell;
use std::process::Command;
use std::sync::OnceLock;

/// One way git can lay a repository out on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RepoFormat {
    /// SHA-1 object ids, loose and packed ref files, index v2 (git's default).
    Sha1Files,
    /// SHA-256 object ids (`--object-format=sha256`).
    Sha256,
    /// Refs in a reftable stack (`--ref-format=reftable`).
    Reftable,
    /// Both of the above.
    Sha256Reftable,
    /// A cone-mode sparse checkout with a sparse index (`index.sparse`): directories outside
    /// the cone can be single tree entries in the index.
    SparseIndex,
    /// A split index (`core.splitIndex`): `.git/index` holds a `link` extension naming
    /// `.git/sharedindex.<id>`, plus the entries changed since, with replace/delete bitmaps.
    SplitIndex,
    /// Index version 4 (`index.version`): path names prefix-compressed.
    IndexV4,
}

/// The oldest git that can make every format: `--ref-format` arrived in 2.45.
pub const MIN_GIT: (u32, u32) = (2, 45);

thread_local! {
    static CURRENT: Cell<RepoFormat> = const { Cell::new(RepoFormat::Sha1Files) };
}

impl RepoFormat {
    /// Every format, git's default first.
    pub const ALL: [RepoFormat; 7] = [
        RepoFormat::Sha1Files,
        RepoFormat::Sha256,
        RepoFormat::Reftable,
        RepoFormat::Sha256Reftable,
        RepoFormat::SparseIndex,
        RepoFormat::SplitIndex,
        RepoFormat::IndexV4,
    ];

    /// The name of the format, as in the generated test names.
    pub fn name(self) -> &'static str {
        match self {
            RepoFormat::Sha1Files => "sha1_files",
            RepoFormat::Sha256 => "sha256",
            RepoFormat::Reftable => "reftable",
            RepoFormat::Sha256Reftable => "sha256_reftable",
            RepoFormat::SparseIndex => "sparse_index",
            RepoFormat::SplitIndex => "split_index",
            RepoFormat::IndexV4 => "index_v4",
        }
    }

    /// The format of repositories `TestRepo::new()` makes on this thread (git's default unless
    /// inside `run`).
    pub fn current() -> RepoFormat {
        CURRENT.with(Cell::get)
    }

    /// Runs `test` with this as the current format. Each `#[test]` has a thread of its own.
    pub fn run(self, test: impl FnOnce()) {
        let previous = CURRENT.with(|current| current.replace(self));
        test();
        CURRENT.with(|current| current.set(previous));
    }

    /// Arguments to `git init` (for work trees and bare repositories alike).
    pub fn init_args(self) -> &'static [&'static str] {
        match self {
            RepoFormat::Sha256 => &["--object-format=sha256"],
            RepoFormat::Reftable => &["--ref-format=reftable"],
            RepoFormat::Sha256Reftable => &["--object-format=sha256", "--ref-format=reftable"],
            _ => &[],
        }
    }

    /// Arguments to `git clone`: a clone takes its object format from its origin, but its ref
    /// format from its own configuration. (Index settings would only apply from the second
    /// index write on, and no test reads a clone's index.)
    pub fn clone_args(self) -> &'static [&'static str] {
        if self.is_reftable() {
            &["--ref-format=reftable"]
        } else {
            &[]
        }
    }

    /// Repository configuration set right after `git init`, before git writes any index, so
    /// that every index git writes has this format.
    pub fn config(self) -> &'static [(&'static str, &'static str)] {
        match self {
            // 100: the shared index is written once and never rewritten, so later changes live
            // in `.git/index` as replaced, deleted and added entries over it. (The default, 20,
            // makes small test repositories rewrite the shared index on almost every change,
            // leaving the split part empty.)
            RepoFormat::SplitIndex => &[
                ("core.splitIndex", "true"),
                ("splitIndex.maxPercentChange", "100"),
            ],
            RepoFormat::IndexV4 => &[("index.version", "4")],
            _ => &[],
        }
    }

    /// Whether repositories are sparse checkouts with a sparse index.
    pub fn is_sparse(self) -> bool {
        self == RepoFormat::SparseIndex
    }

    /// Whether object ids are SHA-256.
    pub fn is_sha256(self) -> bool {
        matches!(self, RepoFormat::Sha256 | RepoFormat::Sha256Reftable)
    }

    /// Whether refs live in a reftable stack.
    pub fn is_reftable(self) -> bool {
        matches!(self, RepoFormat::Reftable | RepoFormat::Sha256Reftable)
    }

    /// Hex digits in an object id.
    pub fn hex_len(self) -> usize {
        if self.is_sha256() {
            64
        } else {
            40
        }
    }
}

/// Panics, naming the version found, when `git` is older than [`MIN_GIT`]: the format matrix
/// must fail loudly, never quietly test less. Asks git once per test process.
pub fn require_modern_git() {
    static FOUND: OnceLock<String> = OnceLock::new();
    let found = FOUND.get_or_init(|| {
        let output = Command::new("git")
            .arg("--version")
            .output()
            .expect("run `git --version`");
        String::from_utf8_lossy(&output.stdout).trim().to_string()
    });
    let version = parse_version(found);
    assert!(
        version.is_some_and(|v| v >= MIN_GIT),
        "the git format matrix needs git >= {}.{} (sha256 + reftable repositories); found {found:?}. \
         Install a newer git; these tests are never skipped.",
        MIN_GIT.0,
        MIN_GIT.1
    );
}

/// `(major, minor)` from `git version 2.47.3` (or `2.45.0.windows.1`, `2.39.3 (Apple Git-146)`).
fn parse_version(text: &str) -> Option<(u32, u32)> {
    let number = text.strip_prefix("git version ")?;
    let mut parts = number.split(|c: char| !c.is_ascii_digit());
    Some((parts.next()?.parse().ok()?, parts.next()?.parse().ok()?))
}

/// One `#[test]` per [`RepoFormat`] for each named scenario, in a module named after it:
///
/// ```ignore
/// matrix_tests! {
///     a_staged_token_is_found,
/// }
///
/// /// A plain function (no `#[test]`), so rustfmt and clippy see it like any other code.
/// fn a_staged_token_is_found() {
///     let repo = TestRepo::new(); // in the variant's format
///     // ...
/// }
/// ```
///
/// generates `a_staged_token_is_found::{sha1_files, sha256, reftable, sha256_reftable,
/// sparse_index, split_index, index_v4}` (a module and a function may share a name). A
/// scenario left out of the list is dead code, which `clippy -D warnings` rejects.
macro_rules! matrix_tests {
    ($($scenario:ident),* $(,)?) => {$(
        mod $scenario {
            use $crate::common::format::RepoFormat;

            #[test]
            fn sha1_files() {
                RepoFormat::Sha1Files.run(super::$scenario)
            }
            #[test]
            fn sha256() {
                RepoFormat::Sha256.run(super::$scenario)
            }
            #[test]
            fn reftable() {
                RepoFormat::Reftable.run(super::$scenario)
            }
            #[test]
            fn sha256_reftable() {
                RepoFormat::Sha256Reftable.run(super::$scenario)
            }
            #[test]
            fn sparse_index() {
                RepoFormat::SparseIndex.run(super::$scenario)
            }
            #[test]
            fn split_index() {
                RepoFormat::SplitIndex.run(super::$scenario)
            }
            #[test]
            fn index_v4() {
                RepoFormat::IndexV4.run(super::$scenario)
            }
        }
    )*};
}
pub(crate) use matrix_tests;

#[test]
fn git_versions_parse() {
    assert_eq!(parse_version("git version 2.47.3"), Some((2, 47)));
    assert_eq!(parse_version("git version 2.45.0.windows.1"), Some((2, 45)));
    assert_eq!(
        parse_version("git version 2.39.3 (Apple Git-146)"),
        Some((2, 39))
    );
    assert_eq!(parse_version("hub version 2.14.2"), None);
}
