//! `Config`: the command line resolved once into what the run needs.

use crate::cli::{ColorChoice, CommonArgs, Format, HistoryArgs, ScanArgs, StagedArgs};
use crate::finding::Severity;
use crate::source::fs::FsOptions;
use crate::source::history::{revs::Selection, HistoryOptions};
use crate::source::staged::StagedOptions;
use std::io::IsTerminal;
use std::path::PathBuf;

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
}

impl OutputConfig {
    /// Resolves the shared output flags against the environment (TTY, `NO_COLOR`).
    pub fn from_args(args: &CommonArgs) -> OutputConfig {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                args.output.is_none() && !no_color && std::io::stdout().is_terminal()
            }
        };
        OutputConfig {
            format: args.format,
            output: args.output.clone(),
            show_secrets: args.show_secrets,
            color,
            quiet: args.quiet,
            fail_on: Severity::High,
        }
    }
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
#[derive(Debug, Clone)]
pub struct ScanConfig {
    /// What to read.
    pub input: ScanInput,
    /// How to report.
    pub output: OutputConfig,
}

impl ScanConfig {
    /// Resolves `scan` arguments. `-` among several paths is an error.
    pub fn from_args(args: &ScanArgs) -> anyhow::Result<ScanConfig> {
        let output = OutputConfig::from_args(&args.common);
        let stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
        if stdin && args.paths.len() > 1 {
            anyhow::bail!("'-' (standard input) cannot be combined with other paths");
        }
        let input = if stdin {
            ScanInput::Stdin
        } else {
            ScanInput::Paths(FsOptions {
                roots: args.paths.clone(),
                threads: args.threads.unwrap_or(0),
                no_ignore: args.no_ignore,
                max_file_size: args.max_file_size,
                follow_symlinks: args.follow,
            })
        };
        Ok(ScanConfig { input, output })
    }
}

/// `leakfence staged`, resolved.
#[derive(Debug, Clone)]
pub struct StagedConfig {
    /// What to read.
    pub options: StagedOptions,
    /// How to report.
    pub output: OutputConfig,
}

impl StagedConfig {
    /// Resolves `staged` arguments.
    pub fn from_args(args: &StagedArgs) -> StagedConfig {
        StagedConfig {
            options: StagedOptions {
                repo: args.repo.clone(),
                max_file_size: args.max_file_size,
            },
            output: OutputConfig::from_args(&args.common),
        }
    }
}

/// `leakfence history`, resolved.
#[derive(Debug, Clone)]
pub struct HistoryConfig {
    /// What to read.
    pub options: HistoryOptions,
    /// How to report.
    pub output: OutputConfig,
}

impl HistoryConfig {
    /// Resolves `history` arguments; progress bars only on a terminal and without `--quiet`.
    pub fn from_args(args: &HistoryArgs) -> HistoryConfig {
        let output = OutputConfig::from_args(&args.common);
        let progress = !output.quiet && std::io::stderr().is_terminal();
        HistoryConfig {
            options: HistoryOptions {
                repo: args.repo.clone(),
                selection: Selection {
                    all: args.all,
                    revisions: args.revisions.clone(),
                    since_commit: args.since_commit.clone(),
                },
                max_file_size: args.max_file_size,
                threads: args.threads.unwrap_or(0),
                progress,
            },
            output,
        }
    }
}
