//! Which commits a history scan covers, oldest first: git's own revision syntax, answered by
//! `git rev-list` for either ref storage.

use crate::git::{GitError, ObjectId, Repository};

/// The revisions the user asked for.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Every ref: branches, tags, remotes, stash.
    pub all: bool,
    /// Revisions and ranges as git understands them (`main`, `v1.0..HEAD`, `origin/main..`,
    /// `A...B`, `^old`).
    pub revisions: Vec<String>,
    /// Only commits not reachable from this one.
    pub since_commit: Option<String>,
    /// Nor from any of these (`--state`: the tips a previous scan covered); ids the
    /// repository no longer has are ignored.
    pub exclude: Vec<String>,
}

/// The selected commits in topological order, parents before children.
pub fn commits(repo: &Repository, selection: &Selection) -> Result<Vec<ObjectId>, GitError> {
    repo.rev_list(&rev_list_args(selection))
}

impl Selection {
    /// The selection as one line of `git rev-list` arguments, for reports (`--all ^v1`).
    pub fn describe(&self) -> String {
        rev_list_args(self).join(" ")
    }
}

/// The selection as `git rev-list` arguments.
fn rev_list_args(selection: &Selection) -> Vec<String> {
    let mut args = Vec::new();
    if selection.all {
        args.push("--all".to_string());
    }
    args.extend(selection.revisions.iter().cloned());
    if !selection.all && selection.revisions.is_empty() {
        args.push("HEAD".to_string());
    }
    if let Some(since) = &selection.since_commit {
        args.push(format!("^{since}"));
    }
    if !selection.exclude.is_empty() {
        args.push("--ignore-missing".to_string());
        args.extend(selection.exclude.iter().map(|id| format!("^{id}")));
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selections_become_rev_list_arguments() {
        assert_eq!(rev_list_args(&Selection::default()), ["HEAD"]);
        let all_since = Selection {
            all: true,
            revisions: vec![],
            since_commit: Some("v1".into()),
            exclude: vec![],
        };
        assert_eq!(rev_list_args(&all_since), ["--all", "^v1"]);
        let ranges = Selection {
            all: false,
            revisions: vec!["a..b".into(), "c...d".into()],
            since_commit: None,
            exclude: vec![],
        };
        assert_eq!(rev_list_args(&ranges), ["a..b", "c...d"]);
        let known = Selection {
            exclude: vec!["t1".into(), "t2".into()],
            ..Selection::default()
        };
        assert_eq!(
            rev_list_args(&known),
            ["HEAD", "--ignore-missing", "^t1", "^t2"]
        );
    }
}
