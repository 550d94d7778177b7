//! `Config`: the command line and the configuration file, resolved once into what a run needs
//! (what to read, what to report, how to report it).

pub mod file;

use crate::cli::{ColorChoice, CommonArgs, Format, HistoryArgs, PrePushArgs, ScanArgs, StagedArgs};
use crate::finding::Severity;
use crate::git::Repository;
use crate::report::GroupBy;
use crate::source::fs::FsOptions;
use crate::source::history::{revs::Selection, HistoryOptions};
use crate::source::staged::StagedOptions;
use anyhow::Context;
use file::FileSettings;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// The size limit when neither the command line nor the file sets one.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 50 << 20;

/// Output settings, resolved.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    /// Report format.
    pub format: Format,
    /// Report destination (`None`: standard output).
    pub output: Option<PathBuf>,
    /// Print secrets in full.
    pub show_secrets: bool,
    /// Colour the human format.
    pub color: bool,
    /// Suppress warnings.
    pub quiet: bool,
    /// Severity at and above which findings block.
    pub fail_on: Severity,
    /// How human output groups findings (`history`, `pre-push`: `--group-by`).
    pub group_by: GroupBy,
}

/// What is reported: configuration-file settings and the baseline.
#[derive(Debug, Default)]
pub struct Policy {
    /// Settings from `.leakfence.toml` (empty with `--no-config` or without a file).
    pub settings: FileSettings,
    /// Report only findings not in this baseline.
    pub baseline: Option<PathBuf>,
    /// Record findings into this baseline instead of failing.
    pub write_baseline: Option<PathBuf>,
    /// Remove stale entries from the baseline.
    pub prune_baseline: bool,
    /// The directory finding paths are relative to.
    pub base: PathBuf,
    /// The configuration and baseline files themselves: never reported.
    pub own_files: Vec<PathBuf>,
    /// `--verify`: how to check credentials, when asked to.
    pub verify: Option<crate::verify::VerifyOptions>,
    /// Report only live credentials.
    pub only_verified: bool,
    /// Only live credentials block.
    pub fail_on_live: bool,
}

/// The parts every scanning command resolves the same way.
#[derive(Debug)]
pub struct Common {
    /// How to report.
    pub output: OutputConfig,
    /// What to report.
    pub policy: Policy,
    /// The size limit.
    pub max_file_size: u64,
}

impl Common {
    /// Resolves shared flags; `root` is where `.leakfence.toml` is looked for first (then, if
    /// `root` may lie below it, the root of the git work tree around it) and what finding paths
    /// are relative to.
    pub fn resolve(
        args: &CommonArgs,
        root: &Path,
        lookup: ConfigLookup,
        max_file_size: Option<u64>,
    ) -> anyhow::Result<Common> {
        let config_path = match (&args.config, args.no_config, lookup) {
            (Some(path), _, _) => Some(path.clone()),
            (None, true, _) => None,
            (None, false, ConfigLookup::HereOrWorkTree) => discover(root),
            (None, false, ConfigLookup::Here) => {
                Some(root.join(file::FILE_NAME)).filter(|path| path.is_file())
            }
        };
        let settings = match &config_path {
            Some(path) => file::load(path)?,
            None => FileSettings::default(),
        };
        let fail_on = args.fail_on.or(settings.fail_on).unwrap_or(Severity::High);
        let max_file_size = max_file_size
            .or(settings.max_file_size)
            .unwrap_or(DEFAULT_MAX_FILE_SIZE);
        let own_files = [&config_path, &args.baseline, &args.write_baseline]
            .into_iter()
            .flatten()
            .filter_map(|p| p.canonicalize().ok())
            .collect();
        let verify = args.verify.then(|| verify_options(args, &settings.verify));
        let policy = Policy {
            verify,
            only_verified: args.only_verified,
            fail_on_live: args.fail_on_live,
            settings,
            baseline: args.baseline.clone(),
            write_baseline: args.write_baseline.clone(),
            prune_baseline: args.prune_baseline,
            base: root.to_path_buf(),
            own_files,
        };
        Ok(Common {
            output: output_config(args, fail_on),
            policy,
            max_file_size,
        })
    }
}

/// Verification settings: the command line, then the environment (URLs), then the file.
fn verify_options(args: &CommonArgs, file: &file::VerifySettings) -> crate::verify::VerifyOptions {
    use crate::verify::{
        VerifyOptions, API_URL_ENV, SEGMENT_URL_ENV, SENDGRID_URL_ENV, VERIFY_URL_ENV,
    };
    let defaults = VerifyOptions::default();
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let seconds = args
        .verify_timeout
        .or(file.timeout)
        .filter(|s| s.is_finite() && *s > 0.0);
    VerifyOptions {
        api_url: env(API_URL_ENV)
            .or_else(|| file.api_url.clone())
            .unwrap_or(defaults.api_url),
        verify_url: env(VERIFY_URL_ENV)
            .or_else(|| file.verify_url.clone())
            .unwrap_or(defaults.verify_url),
        sendgrid_url: env(SENDGRID_URL_ENV)
            .or_else(|| file.sendgrid_url.clone())
            .unwrap_or(defaults.sendgrid_url),
        segment_url: env(SEGMENT_URL_ENV)
            .or_else(|| file.segment_url.clone())
            .unwrap_or(defaults.segment_url),
        concurrency: args
            .verify_concurrency
            .or(file.concurrency)
            .unwrap_or(defaults.concurrency)
            .max(1),
        timeout: seconds.map_or(defaults.timeout, std::time::Duration::from_secs_f64),
        attempts: defaults.attempts,
    }
}

fn output_config(args: &CommonArgs, fail_on: Severity) -> OutputConfig {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => args.output.is_none() && !no_color && std::io::stdout().is_terminal(),
    };
    OutputConfig {
        format: args.format,
        output: args.output.clone(),
        show_secrets: args.show_secrets,
        color,
        quiet: args.quiet,
        fail_on,
        group_by: GroupBy::Line,
    }
}

/// Where [`Common::resolve`] looks for `.leakfence.toml`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigLookup {
    /// In the root only: it is already a repository's top (git commands).
    Here,
    /// In the root, else at the top of the git work tree around it (`scan`).
    HereOrWorkTree,
}

/// `.leakfence.toml` at `root`, else at the root of the git work tree that holds `root`.
pub fn discover(root: &Path) -> Option<PathBuf> {
    let here = root.join(file::FILE_NAME);
    if here.is_file() {
        return Some(here);
    }
    let repo = crate::git::Repository::find(root)?;
    let there = repo.work_tree()?.join(file::FILE_NAME);
    there.is_file().then_some(there)
}

/// Opens the repository a git command works on (once: the sources are handed it), and
/// resolves the shared flags with its work tree root (or git directory) as the root.
fn open_repository(
    repo: Option<&Path>,
    common: &CommonArgs,
    max_file_size: Option<u64>,
) -> anyhow::Result<(Repository, Common)> {
    let repository = Repository::open(repo)?;
    let root = repository.display_path().to_path_buf();
    let common = Common::resolve(common, &root, ConfigLookup::Here, max_file_size)?;
    Ok((repository, common))
}

/// What `leakfence scan` reads.
#[derive(Debug, Clone)]
pub enum ScanInput {
    /// Standard input.
    Stdin,
    /// Files and directories.
    Paths(FsOptions),
}

/// `leakfence scan`, resolved.
#[derive(Debug)]
pub struct ScanConfig {
    /// What to read.
    pub input: ScanInput,
    /// Output and policy.
    pub common: Common,
}

impl ScanConfig {
    /// Resolves `scan` arguments. `-` among several paths is an error.
    pub fn from_args(args: &ScanArgs) -> anyhow::Result<ScanConfig> {
        let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
        if stdin && args.paths.len() > 1 {
            anyhow::bail!("'-' (standard input) cannot be combined with other paths");
        }
        let root = match args.paths.first() {
            Some(first) if !stdin && first.is_dir() => first.clone(),
            Some(first) if !stdin => first
                .parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
            _ => PathBuf::from("."),
        };
        let common = Common::resolve(
            &args.common,
            &root,
            ConfigLookup::HereOrWorkTree,
            args.limits.max_file_size,
        )?;
        let input = if stdin {
            ScanInput::Stdin
        } else {
            ScanInput::Paths(FsOptions {
                roots: args.paths.clone(),
                threads: args.threads.count(),
                no_ignore: args.no_ignore,
                max_file_size: common.max_file_size,
                follow_symlinks: args.follow,
                skip_nested_repositories: false,
            })
        };
        Ok(ScanConfig { input, common })
    }
}

/// `leakfence staged`, resolved.
#[derive(Debug)]
pub struct StagedConfig {
    /// What to read.
    pub options: StagedOptions,
    /// Output and policy.
    pub common: Common,
}

impl StagedConfig {
    /// Resolves `staged` arguments.
    pub fn from_args(args: &StagedArgs) -> anyhow::Result<StagedConfig> {
        let (repo, common) =
            open_repository(args.repo.path(), &args.common, args.limits.max_file_size)?;
        let options = StagedOptions {
            repo,
            max_file_size: common.max_file_size,
        };
        Ok(StagedConfig { options, common })
    }
}

/// `leakfence history` or `pre-push`, resolved.
#[derive(Debug)]
pub struct HistoryConfig {
    /// What to read.
    pub options: HistoryOptions,
    /// Output and policy.
    pub common: Common,
    /// Draw progress bars on stderr.
    pub progress: bool,
}

impl HistoryConfig {
    /// Resolves `history` arguments; progress bars only on a terminal and without `--quiet`.
    pub fn from_args(args: &HistoryArgs) -> anyhow::Result<HistoryConfig> {
        let (repo, mut common) =
            open_repository(args.repo.path(), &args.common, args.limits.max_file_size)?;
        common.output.group_by = group_by(args.group_by);
        let progress = !common.output.quiet && std::io::stderr().is_terminal();
        let options = HistoryOptions {
            repo,
            selection: Selection {
                all: args.all,
                revisions: args.revisions.clone(),
                since_commit: args.since_commit.clone(),
                exclude: Vec::new(),
            },
            max_file_size: common.max_file_size,
            threads: args.threads.count(),
            clean_blobs: None,
        };
        Ok(HistoryConfig {
            options,
            common,
            progress,
        })
    }

    /// Resolves `pre-push` arguments; the selection comes from git's input later.
    pub fn for_pre_push(args: &PrePushArgs) -> anyhow::Result<HistoryConfig> {
        let (repo, mut common) =
            open_repository(args.repo.path(), &args.common, args.limits.max_file_size)?;
        common.output.group_by = group_by(args.group_by);
        let options = HistoryOptions {
            repo,
            selection: Selection::default(),
            max_file_size: common.max_file_size,
            threads: 0,
            clean_blobs: None,
        };
        Ok(HistoryConfig {
            options,
            common,
            progress: false,
        })
    }
}

/// The report's grouping for `--group-by`.
pub fn group_by(choice: crate::cli::GroupBy) -> GroupBy {
    match choice {
        crate::cli::GroupBy::Credential => GroupBy::Credential,
        crate::cli::GroupBy::Commit => GroupBy::Commit,
    }
}

/// Writes the starter configuration file, never over an existing one.
pub fn init_file(path: &Path) -> anyhow::Result<()> {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .with_context(|| format!("cannot create {} (it is never overwritten)", path.display()))?;
    std::io::Write::write_all(&mut file, file::starter().as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))
}
