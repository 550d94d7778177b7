//! `pre-push`: which commits a push sends, from the lines git writes to the hook's input.
//!
//! Each line is `<local ref> <local sha> <remote ref> <remote sha>`. A deletion (local sha all
//! zeros) sends nothing. An update sends what is new since the remote's sha; a new branch (remote
//! sha all zeros) sends what no remote-tracking ref already has.

use super::revs::Selection;
use crate::git::odb::Kind;
use crate::git::{ObjectId, Repository};

/// One ref update of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefUpdate {
    /// The local ref being pushed.
    pub local_ref: String,
    /// Its commit (all zeros for a deletion).
    pub local_sha: String,
    /// The ref on the remote.
    pub remote_ref: String,
    /// The remote's current commit (all zeros for a new ref).
    pub remote_sha: String,
}

/// A malformed line of pre-push input.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error(
    "line {line} of the pre-push input is not `<local ref> <local sha> <remote ref> <remote sha>`"
)]
pub struct PushInputError {
    /// 1-based line number.
    pub line: usize,
}

fn is_zero(sha: &str) -> bool {
    sha.bytes().all(|b| b == b'0')
}

fn is_sha(text: &str) -> bool {
    (text.len() == 40 || text.len() == 64) && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parses git's pre-push input; blank lines are ignored.
pub fn parse(input: &str) -> Result<Vec<RefUpdate>, PushInputError> {
    input
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            match fields.as_slice() {
                [local_ref, local_sha, remote_ref, remote_sha]
                    if is_sha(local_sha) && is_sha(remote_sha) =>
                {
                    Ok(RefUpdate {
                        local_ref: local_ref.to_string(),
                        local_sha: local_sha.to_string(),
                        remote_ref: remote_ref.to_string(),
                        remote_sha: remote_sha.to_string(),
                    })
                }
                _ => Err(PushInputError { line: i + 1 }),
            }
        })
        .collect()
}

/// The history selection for a push, or `None` when it sends no commits (only deletions).
/// `has_commit` says whether the local repository has a commit (the remote's sha may be
/// unknown here); `remote_tracking` lists the remote-tracking refs.
pub fn selection(
    updates: &[RefUpdate],
    has_commit: impl Fn(&str) -> bool,
    remote_tracking: &[String],
) -> Option<Selection> {
    let mut revisions = Vec::new();
    let mut hide_remote_tracking = false;
    for update in updates.iter().filter(|u| !is_zero(&u.local_sha)) {
        revisions.push(update.local_sha.clone());
        if !is_zero(&update.remote_sha) && has_commit(&update.remote_sha) {
            revisions.push(format!("^{}", update.remote_sha));
        } else {
            hide_remote_tracking = true;
        }
    }
    if revisions.is_empty() {
        return None;
    }
    if hide_remote_tracking {
        revisions.extend(remote_tracking.iter().map(|r| format!("^{r}")));
    }
    Some(Selection {
        all: false,
        revisions,
        since_commit: None,
        exclude: Vec::new(),
    })
}

/// The selection for git's pre-push `input` in `repo`: its remote-tracking refs and the
/// commits it has decide what counts as already pushed.
pub fn selection_for(repo: &Repository, input: &str) -> Result<Option<Selection>, PushError> {
    let updates = parse(input)?;
    let remote_tracking = repo.ref_names("refs/remotes/")?;
    let odb = repo.odb();
    let has_commit = |sha: &str| {
        ObjectId::from_hex(sha)
            .filter(|id| id.kind() == repo.hash())
            .is_some_and(|id| matches!(odb.read(&id), Ok((Kind::Commit, _))))
    };
    Ok(selection(&updates, has_commit, &remote_tracking))
}

/// Why the commits of a push could not be worked out.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// git's input is not what a pre-push hook receives.
    #[error(transparent)]
    Input(#[from] PushInputError),
    /// The repository's refs could not be listed.
    #[error(transparent)]
    Git(#[from] crate::git::GitError),
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZERO: &str = "0000000000000000000000000000000000000000";

    fn sha(c: char) -> String {
        c.to_string().repeat(40)
    }

    #[test]
    fn parses_git_input() {
        let input = format!(
            "refs/heads/main {} refs/heads/main {}\n\n",
            sha('a'),
            sha('b')
        );
        let updates = parse(&input).unwrap();
        assert_eq!(updates.len(), 1);
        assert_eq!(updates[0].remote_sha, sha('b'));
        assert_eq!(
            parse("refs/heads/main nope refs/heads/main x"),
            Err(PushInputError { line: 1 })
        );
        assert_eq!(parse(""), Ok(vec![]));
    }

    #[test]
    fn update_new_branch_and_deletion() {
        let update = RefUpdate {
            local_ref: "m".into(),
            local_sha: sha('a'),
            remote_ref: "m".into(),
            remote_sha: sha('b'),
        };
        let s = selection(
            std::slice::from_ref(&update),
            |_| true,
            &["refs/remotes/origin/main".into()],
        )
        .unwrap();
        assert_eq!(s.revisions, vec![sha('a'), format!("^{}", sha('b'))]);

        let new_branch = RefUpdate {
            remote_sha: ZERO.into(),
            ..update.clone()
        };
        let s = selection(
            &[new_branch],
            |_| true,
            &["refs/remotes/origin/main".into()],
        )
        .unwrap();
        assert_eq!(
            s.revisions,
            vec![sha('a'), "^refs/remotes/origin/main".to_string()]
        );

        let unknown_remote = selection(std::slice::from_ref(&update), |_| false, &[]).unwrap();
        assert_eq!(unknown_remote.revisions, vec![sha('a')]);

        let deletion = RefUpdate {
            local_sha: ZERO.into(),
            ..update
        };
        assert!(selection(&[deletion], |_| true, &[]).is_none());
    }
}
