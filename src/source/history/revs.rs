//! Which commits a history scan covers, oldest first.

use crate::git::GitError;

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
}

fn read_error(what: String) -> impl FnOnce(git2::Error) -> GitError {
    move |source| GitError::Read { what, source }
}

fn commit_of(repo: &git2::Repository, spec: &str) -> Result<git2::Oid, GitError> {
    let object = repo
        .revparse_single(spec)
        .map_err(|source| GitError::Revision {
            spec: spec.to_string(),
            source,
        })?;
    object
        .peel_to_commit()
        .map(|c| c.id())
        .map_err(|source| GitError::Revision {
            spec: spec.to_string(),
            source,
        })
}

/// The selected commits in topological order, parents before children.
pub fn commits(repo: &git2::Repository, selection: &Selection) -> Result<Vec<git2::Oid>, GitError> {
    let mut walk = repo.revwalk().map_err(read_error("the history".into()))?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
        .map_err(read_error("the history".into()))?;
    if selection.all {
        let references = repo
            .references()
            .map_err(read_error("the references".into()))?;
        // Refs that do not lead to a commit (a tag of a blob) have no history to scan.
        for reference in references.flatten() {
            if let Ok(commit) = reference.peel_to_commit() {
                walk.push(commit.id())
                    .map_err(read_error("the history".into()))?;
            }
        }
    }
    for spec in &selection.revisions {
        push_revision(repo, &mut walk, spec)?;
    }
    if !selection.all && selection.revisions.is_empty() {
        walk.push_head().map_err(read_error("HEAD".into()))?;
    }
    if let Some(since) = &selection.since_commit {
        walk.hide(commit_of(repo, since)?)
            .map_err(read_error("the history".into()))?;
    }
    walk.map(|id| id.map_err(read_error("a commit of the history".into())))
        .collect()
}

fn push_revision(
    repo: &git2::Repository,
    walk: &mut git2::Revwalk<'_>,
    spec: &str,
) -> Result<(), GitError> {
    let history = || read_error("the history".into());
    if let Some(hidden) = spec.strip_prefix('^') {
        return walk.hide(commit_of(repo, hidden)?).map_err(history());
    }
    if let Some((from, to)) = spec.split_once("...") {
        let from = commit_of(repo, if from.is_empty() { "HEAD" } else { from })?;
        let to = commit_of(repo, if to.is_empty() { "HEAD" } else { to })?;
        walk.push(from).map_err(history())?;
        walk.push(to).map_err(history())?;
        if let Ok(base) = repo.merge_base(from, to) {
            walk.hide(base).map_err(history())?;
        }
        return Ok(());
    }
    if let Some((from, to)) = spec.split_once("..") {
        walk.hide(commit_of(
            repo,
            if from.is_empty() { "HEAD" } else { from },
        )?)
        .map_err(history())?;
        return walk
            .push(commit_of(repo, if to.is_empty() { "HEAD" } else { to })?)
            .map_err(history());
    }
    walk.push(commit_of(repo, spec)?).map_err(history())
}
