//! The git format matrix's own tests. `helper` checks that `TestRepo` really builds each
//! format (a misspelt config key would otherwise run the whole matrix in git's default); the
//! others cover what only some layouts have: linked worktrees, partial clones and bare
//! repositories (`layouts`), sparse-directory entries (`sparse`), intent-to-add and
//! skip-worktree entries (`entries`), SHA-256 ids and fingerprints (`ids`).

mod entries;
mod helper;
mod ids;
mod layouts;
mod sparse;

use crate::common::repo::TestRepo;
use crate::common::{secrets, Run};

/// A line with a freshly generated Auth Token.
fn token_line() -> String {
    format!("TWILIO_AUTH_TOKEN={}\n", secrets::auth_token())
}

/// The paths of the findings in a JSON report.
fn paths(run: &Run) -> Vec<String> {
    run.findings().into_iter().map(|f| f.1).collect()
}

/// `leakfence staged --format json` in the work tree.
fn staged(repo: &TestRepo) -> Run {
    repo.run(&["staged", "--format", "json"])
}
