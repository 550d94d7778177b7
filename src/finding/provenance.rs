//! What a finding was found in: a file, a staged file, or a commit's blob or message.

/// Git provenance of a history finding: the commit that introduced it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Commit {
    /// Full hex commit id.
    pub id: String,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// Author time, seconds since the Unix epoch.
    pub time: i64,
}

/// The path a commit-message finding is reported under, in every format (a message has no
/// file). Whether a finding is in a message is told by [`Provenance::CommitMessage`], never by
/// this path: a file may have the same name.
pub const COMMIT_MESSAGE_PATH: &str = "commit-message";

/// What a finding was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Provenance {
    /// A file on disk, or standard input (`scan`).
    File,
    /// A file as staged in the index (`staged`).
    Staged,
    /// A file's content, in the commit that introduced it (`history`, `pre-push`).
    Blob {
        /// The introducing commit.
        commit: Commit,
    },
    /// A commit's message (`history`, `pre-push`); its findings carry the path
    /// [`COMMIT_MESSAGE_PATH`].
    CommitMessage {
        /// The commit whose message it is.
        commit: Commit,
    },
}

impl Provenance {
    /// The commit, for history findings.
    pub fn commit(&self) -> Option<&Commit> {
        match self {
            Provenance::File | Provenance::Staged => None,
            Provenance::Blob { commit } | Provenance::CommitMessage { commit } => Some(commit),
        }
    }

    /// Whether it is a commit message rather than a file.
    pub fn is_commit_message(&self) -> bool {
        matches!(self, Provenance::CommitMessage { .. })
    }
}
