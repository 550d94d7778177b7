//! The command line, as clap derive types. Doc comments here are the `--help` text.

use crate::detect::Severity;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};

/// Finds Twilio credentials (Auth Tokens, API keys and secrets, Access Tokens, Account SIDs)
/// before they reach a git history, and the ones that already did.
#[derive(Debug, Parser)]
#[command(name = "leakfence", version, about, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Scan files and directories (default: the current directory); `-` reads standard input.
    Scan(ScanArgs),
    /// Scan what is staged for the next commit (the index, not the work tree); used by the
    /// pre-commit hook. Only lines the commit adds are reported.
    Staged(StagedArgs),
    /// Scan every commit of a repository's history; each finding is attributed to the commit,
    /// author and path that introduced it.
    History(HistoryArgs),
    /// Scan the commits a push sends (the refs come on standard input, as git gives them to a
    /// pre-push hook); blocks the push on blocking findings.
    PrePush(PrePushArgs),
    /// Install the git hook that runs `leakfence staged` before every commit.
    Install(InstallArgs),
    /// Remove the hook that `install` wrote and restore the one it replaced.
    Uninstall(InstallArgs),
    /// Combine JSON reports (`--format json`) of several runs into one, credentials regrouped
    /// across them: one entry per credential with every place it was found, in any shard.
    Merge(MergeArgs),
    /// List the rules with their descriptions and default severities.
    Rules,
    /// Configuration file helpers.
    #[command(subcommand)]
    Config(ConfigCommand),
}

/// `leakfence config …`
#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a commented starter `.leakfence.toml` (refuses to overwrite one).
    Init {
        /// Where to write it.
        #[arg(default_value = ".leakfence.toml", value_name = "FILE")]
        path: PathBuf,
    },
}

/// Arguments of `leakfence staged`.
#[derive(Debug, Args)]
#[command(mut_arg(MAX_FILE_SIZE, |arg| arg.help(STAGED_SIZE_HELP)))]
pub struct StagedArgs {
    /// The repository.
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Shared output options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// The size limit.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `leakfence history`.
#[derive(Debug, Args)]
#[command(mut_arg(MAX_FILE_SIZE, |arg| arg.help(BLOB_SIZE_HELP)))]
pub struct HistoryArgs {
    /// Revisions and ranges as git understands them (`main`, `v1.0..HEAD`, `origin/main..`);
    /// default: everything reachable from HEAD.
    #[arg(value_name = "REV")]
    pub revisions: Vec<String>,
    /// The repository.
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Scan what every ref reaches: branches, tags, remote-tracking branches, the stash.
    #[arg(long)]
    pub all: bool,
    /// Scan only commits that are not reachable from SHA (for CI: what is new since then).
    #[arg(long, value_name = "SHA", conflicts_with = "repos")]
    pub since_commit: Option<String>,
    /// How human output lists findings: one block per credential, or under each commit.
    #[arg(long, value_enum, default_value_t = GroupBy::Credential, value_name = "BY")]
    pub group_by: GroupBy,
    /// Scan every git repository under DIR (work trees, bare clones, linked worktrees, nested
    /// repositories), in parallel; each finding names its repository.
    #[arg(long, value_name = "DIR", conflicts_with = "repo")]
    pub repos: Option<PathBuf>,
    /// Remember in FILE the ref tips each repository's scan covered, and read only commits
    /// that are new since then (for nightly re-scans); with HEAD or --all only.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["revisions", "since_commit"])]
    pub state: Option<PathBuf>,
    /// Shared output options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArgs,
    /// The size limit.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Arguments of `leakfence pre-push`.
#[derive(Debug, Args)]
#[command(mut_arg(MAX_FILE_SIZE, |arg| arg.help(BLOB_SIZE_HELP)))]
pub struct PrePushArgs {
    /// The remote's name, as git passes it to the hook.
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
    /// The remote's URL, as git passes it to the hook.
    #[arg(value_name = "URL")]
    pub url: Option<String>,
    /// The repository.
    #[command(flatten)]
    pub repo: RepoArgs,
    /// How human output lists findings: one block per credential, or under each commit.
    #[arg(long, value_enum, default_value_t = GroupBy::Credential, value_name = "BY")]
    pub group_by: GroupBy,
    /// Shared output options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// The size limit.
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// How `history` and `pre-push` list findings in human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GroupBy {
    /// One block per distinct credential: where it was found, since when, whether it was removed.
    Credential,
    /// Each finding under the commit that introduced it, newest commit first.
    Commit,
}

/// Which git hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HookName {
    /// Runs before each commit and blocks it when a credential is staged.
    PreCommit,
    /// Runs before each push and blocks it when a pushed commit holds a credential.
    PrePush,
}

/// Arguments of `leakfence install` and `uninstall`.
#[derive(Debug, Args)]
pub struct InstallArgs {
    /// The repository.
    #[command(flatten)]
    pub repo: RepoArgs,
    /// Which hook.
    #[arg(long, value_enum, default_value_t = HookName::PreCommit)]
    pub hook: HookName,
    /// Replace a foreign hook even when another one is already chained.
    #[arg(long)]
    pub force: bool,
}

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Compiler-style diagnostics for people.
    Human,
    /// One JSON document (`version` 1) for tools.
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
    /// GitLab's secret detection report (`gl-secret-detection-report.json`).
    Gitlab,
    /// One self-contained HTML audit report (no network; use with `-o report.html`).
    Html,
}

/// Output format of `merge`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MergeFormat {
    /// The JSON report (`version` 1), the same schema as `--format json`.
    Json,
}

/// Arguments of `leakfence merge`.
#[derive(Debug, Args)]
#[command(after_help = MERGE_AFTER_HELP)]
pub struct MergeArgs {
    /// JSON reports written by `--format json` (version 1), from any command.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Write the merged report to FILE instead of standard output (nothing is written when an
    /// input cannot be read).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Output format: JSON only. SARIF, GitLab and human reports are written by each shard's
    /// own run; a merged report holds redacted secrets, not findings to render again.
    #[arg(long, value_enum, default_value_t = MergeFormat::Json)]
    pub format: MergeFormat,
    /// Findings and occurrences without a repository get their file's name without extension
    /// (`api.json` → `api`); without it they are kept as they are.
    #[arg(long)]
    pub repository_from_filename: bool,
    /// Decide `blocking` again: credentials at or above SEVERITY block (exit code 1); default:
    /// each shard's own verdict.
    #[arg(long, value_name = "SEVERITY", value_parser = severity_parser())]
    pub fail_on: Option<Severity>,
}

/// How `merge` combines, after its options in `--help`.
const MERGE_AFTER_HELP: &str = "\
Credentials with the same fingerprint become one: every occurrence once (same repository, path,
line, column and commit), the earliest first commit, in_head if any shard has it at HEAD, the
most telling verification (live > valid > forbidden > expired > invalid > unknown >
unverifiable), the highest severity. Findings are concatenated, identical ones once; stats are
summed (seconds too: the time spent on all shards). Secrets stay as the shards wrote them.

Exit status: 0 nothing blocks, 1 a credential blocks, 2 an input is unreadable, not JSON or
not version 1 (nothing is written), or a shard could not read everything (stats.errors).";

/// When to colour human output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Options every scanning command shares.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Write the report to FILE instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print secrets in full instead of a short redacted prefix.
    #[arg(long)]
    pub show_secrets: bool,
    /// When to use colours in human output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, value_name = "WHEN")]
    pub color: ColorChoice,
    /// Do not print warnings (skipped files); errors are always printed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// The lowest severity that blocks (exit code 1); default `high`, or the config file's.
    #[arg(long, value_name = "SEVERITY", value_parser = severity_parser())]
    pub fail_on: Option<Severity>,
    /// Read settings from FILE instead of `.leakfence.toml` at the scanned or repository root.
    #[arg(long, value_name = "FILE", conflicts_with = "no_config")]
    pub config: Option<PathBuf>,
    /// Ignore any `.leakfence.toml`.
    #[arg(long)]
    pub no_config: bool,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE", conflicts_with = "write_baseline")]
    pub baseline: Option<PathBuf>,
    /// Record the current findings in FILE (a baseline) instead of failing on them.
    #[arg(long, value_name = "FILE")]
    pub write_baseline: Option<PathBuf>,
    /// With --baseline: list the entries that no longer match anything and remove them from the file.
    #[arg(long, requires = "baseline")]
    pub prune_baseline: bool,
    /// Check found credentials against Twilio, SendGrid and Segment (GET requests only; off by
    /// default: nothing leaves the machine without it). Base URLs: LEAKFENCE_TWILIO_API_URL,
    /// LEAKFENCE_TWILIO_VERIFY_URL, LEAKFENCE_SENDGRID_API_URL, LEAKFENCE_SEGMENT_API_URL.
    #[arg(long)]
    pub verify: bool,
    /// With --verify: report only credentials that are live.
    #[arg(long, requires = "verify")]
    pub only_verified: bool,
    /// With --verify: only live credentials block (useful for history scans).
    #[arg(long, requires = "verify")]
    pub fail_on_live: bool,
    /// With --verify: requests in flight at once (default 4).
    #[arg(long, value_name = "N", requires = "verify")]
    pub verify_concurrency: Option<usize>,
    /// With --verify: seconds before a request is given up (default 10).
    #[arg(long, value_name = "SECONDS", requires = "verify")]
    pub verify_timeout: Option<f64>,
}

/// Parses a severity by its name in every output (`low`, `medium`, `high`), listing the
/// names with what they mean in `--help`.
fn severity_parser() -> impl TypedValueParser<Value = Severity> {
    let meaning = |severity: Severity| match severity {
        Severity::Low => "Low: identifiers such as Account SIDs",
        Severity::Medium => "Medium",
        Severity::High => "High: credentials",
    };
    let names = Severity::ALL.map(|s| PossibleValue::new(s.as_str()).help(meaning(s)));
    PossibleValuesParser::new(names).try_map(|name| {
        Severity::from_name(&name).ok_or_else(|| format!("unknown severity {name:?}"))
    })
}

/// Arguments of `leakfence scan`.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Files or directories to scan; `-` for standard input.
    #[arg(value_name = "PATH", default_value = ".")]
    pub paths: Vec<PathBuf>,
    /// How human output lists findings: one block per credential, or under each commit.
    #[arg(long, value_enum, default_value_t = GroupBy::Credential, value_name = "BY")]
    pub group_by: GroupBy,
    /// Shared output options.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Worker threads.
    #[command(flatten)]
    pub threads: ThreadsArgs,
    /// Also scan files excluded by .gitignore, .ignore and git's exclude files.
    #[arg(long)]
    pub no_ignore: bool,
    /// The size limit.
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Follow symbolic links (by default they are not followed).
    #[arg(long, short = 'L')]
    pub follow: bool,
    /// Scan the work tree of every git repository under DIR (instead of PATHs); each finding
    /// names its repository.
    #[arg(long, value_name = "DIR", conflicts_with = "paths")]
    pub repos: Option<PathBuf>,
}

/// `--repo`, for the commands that work on a git repository.
#[derive(Debug, Args)]
pub struct RepoArgs {
    /// The repository (default: found from the current directory, as git does).
    #[arg(long, value_name = "DIR")]
    pub repo: Option<PathBuf>,
}

impl RepoArgs {
    /// The repository given, if any.
    pub fn path(&self) -> Option<&Path> {
        self.repo.as_deref()
    }
}

/// `-j, --threads`, for the commands that scan in parallel.
#[derive(Debug, Args)]
pub struct ThreadsArgs {
    /// Worker threads (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    pub threads: Option<usize>,
}

impl ThreadsArgs {
    /// The number of worker threads asked for; 0 means one per core.
    pub fn count(&self) -> usize {
        self.threads.unwrap_or(0)
    }
}

/// The id of `--max-file-size`, whose help each command words for what it reads.
const MAX_FILE_SIZE: &str = "max_file_size";

/// `--max-file-size`'s help for `staged`.
const STAGED_SIZE_HELP: &str =
    "Skip staged files larger than SIZE (bytes, or with a K, M or G suffix; default 50M)";

/// `--max-file-size`'s help for the commands that read blobs from history.
const BLOB_SIZE_HELP: &str =
    "Skip blobs larger than SIZE (bytes, or with a K, M or G suffix; default 50M)";

/// `--max-file-size`, for every scanning command.
#[derive(Debug, Args)]
pub struct LimitArgs {
    /// Skip files larger than SIZE (bytes, or with a K, M or G suffix; default 50M).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub max_file_size: Option<u64>,
}

/// Parses `123`, `10K`, `50M`, `1G` (binary multiples; `KiB`/`MB` spellings accepted).
pub fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits_end = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits_end);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("'{text}' is not a size such as 50M"))?;
    let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return Err(format!("'{text}' has an unknown unit (use K, M or G)")),
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| format!("'{text}' is too large"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn shared_flags_reach_every_command() {
        let parse = |args: &[&str]| {
            Cli::try_parse_from([&["leakfence"], args].concat())
                .unwrap_or_else(|e| panic!("{args:?}: {e}"))
                .command
        };
        let limit = ["--max-file-size", "1K"];
        let repo = ["--repo", "r"];
        let threads = ["-j", "3"];
        match parse(&[&["scan"][..], &limit, &threads].concat()) {
            Command::Scan(a) => {
                assert_eq!((a.limits.max_file_size, a.threads.count()), (Some(1024), 3));
            }
            other => panic!("{other:?}"),
        }
        match parse(&[&["history"][..], &limit, &threads, &repo].concat()) {
            Command::History(a) => {
                assert_eq!((a.limits.max_file_size, a.threads.count()), (Some(1024), 3));
                assert_eq!(a.repo.path(), Some(Path::new("r")));
            }
            other => panic!("{other:?}"),
        }
        match parse(&[&["staged"][..], &limit, &repo].concat()) {
            Command::Staged(a) => {
                assert_eq!(a.limits.max_file_size, Some(1024));
                assert_eq!(a.repo.path(), Some(Path::new("r")));
            }
            other => panic!("{other:?}"),
        }
        match parse(&[&["pre-push"][..], &limit, &repo].concat()) {
            Command::PrePush(a) => {
                assert_eq!(a.limits.max_file_size, Some(1024));
                assert_eq!(a.repo.path(), Some(Path::new("r")));
            }
            other => panic!("{other:?}"),
        }
        match parse(&[&["install"][..], &repo].concat()) {
            Command::Install(a) => assert_eq!(a.repo.path(), Some(Path::new("r"))),
            other => panic!("{other:?}"),
        }
        match parse(&["scan"]) {
            Command::Scan(a) => assert_eq!((a.limits.max_file_size, a.threads.count()), (None, 0)),
            other => panic!("{other:?}"),
        }
    }

    /// Each command words `--max-file-size` for what it reads.
    #[test]
    fn size_limit_help_names_what_is_read() {
        let help = |command: &str| {
            Cli::command()
                .find_subcommand(command)
                .and_then(|c| c.get_arguments().find(|a| a.get_id() == MAX_FILE_SIZE))
                .and_then(|a| a.get_help())
                .map(|h| h.to_string())
                .unwrap_or_else(|| panic!("{command} has no --max-file-size help"))
        };
        assert!(help("scan").starts_with("Skip files larger than SIZE"));
        assert_eq!(help("staged"), STAGED_SIZE_HELP);
        assert_eq!(help("history"), BLOB_SIZE_HELP);
        assert_eq!(help("pre-push"), BLOB_SIZE_HELP);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("123"), Ok(123));
        assert_eq!(parse_size("10K"), Ok(10 * 1024));
        assert_eq!(parse_size("50M"), Ok(50 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5Q").is_err());
    }
}
