//! leakfence finds Twilio credentials in files, staged changes and git history.
//!
//! The pipeline: sources ([`source`]) read content and hand it to the [`detect::Detector`]
//! (Aho-Corasick prefilter, regex confirmation, context rules); [`filter`] drops what the user
//! allowed; [`report`] renders; [`exit`] maps the outcome to a status code.

pub mod cli;
pub mod config;
pub mod detect;
pub mod exit;
pub mod filter;
pub mod finding;
pub mod git;
pub mod hook;
pub mod messages;
pub mod report;
pub mod source;

use anyhow::Context;
use cli::{Cli, Command, Format};
use config::{HistoryConfig, OutputConfig, ScanConfig, ScanInput, StagedConfig};
use detect::Detector;
use finding::Finding;
use messages::Messages;
use report::{Report, ReportOptions, Stats};
use std::io::Write;
use std::time::Instant;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Scan(args) => scan(&ScanConfig::from_args(&args)?),
        Command::Staged(args) => staged(&StagedConfig::from_args(&args)),
        Command::History(args) => history(&HistoryConfig::from_args(&args)),
        Command::PrePush(args) => pre_push(&args),
        Command::Install(args) => install(&args, true),
        Command::Uninstall(args) => install(&args, false),
    }
}

fn staged(config: &StagedConfig) -> anyhow::Result<u8> {
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.output.quiet);
    let (findings, mut stats) = source::staged::scan(&config.options, &detector, &messages)?;
    stats.seconds = started.elapsed().as_secs_f64();
    finish(findings, stats, &messages, &config.output, Advice::Commit)
}

fn history(config: &HistoryConfig) -> anyhow::Result<u8> {
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.output.quiet);
    let (findings, mut stats) = source::history::scan(&config.options, &detector, &messages)?;
    stats.seconds = started.elapsed().as_secs_f64();
    finish(findings, stats, &messages, &config.output, Advice::None)
}

fn pre_push(args: &cli::PrePushArgs) -> anyhow::Result<u8> {
    use std::io::Read;
    let started = Instant::now();
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the refs being pushed from standard input")?;
    let repo = git::open_repository(args.repo.as_deref())?;
    let Some(selection) = source::history::push::selection_for(&repo, &input)? else {
        return Ok(exit::CLEAN); // only deletions: nothing is sent
    };
    let output = OutputConfig::from_args(&args.common);
    let options = source::history::HistoryOptions {
        repo: Some(repo.path().to_path_buf()),
        selection,
        max_file_size: args.max_file_size,
        threads: 0,
        progress: false,
    };
    let detector = Detector::new();
    let messages = Messages::new(output.quiet);
    let (findings, mut stats) = source::history::scan(&options, &detector, &messages)?;
    stats.seconds = started.elapsed().as_secs_f64();
    finish(findings, stats, &messages, &output, Advice::Push)
}

fn install(args: &cli::InstallArgs, install: bool) -> anyhow::Result<u8> {
    let kind = match args.hook {
        cli::HookName::PreCommit => hook::HookKind::PreCommit,
        cli::HookName::PrePush => hook::HookKind::PrePush,
    };
    let outcome = if install {
        let binary = std::env::current_exe().ok();
        hook::install(args.repo.as_deref(), kind, args.force, binary.as_deref())?
    } else {
        hook::uninstall(args.repo.as_deref(), kind)?
    };
    let message = match outcome {
        hook::Outcome::Installed {
            path,
            chained: None,
        } => format!("installed {}", path.display()),
        hook::Outcome::Installed {
            path,
            chained: Some(previous),
        } => format!(
            "installed {}; the hook that was there is kept as {} and runs after leakfence",
            path.display(),
            previous.display()
        ),
        hook::Outcome::AlreadyInstalled(path) => format!("already installed: {}", path.display()),
        hook::Outcome::Uninstalled {
            path,
            restored: true,
        } => {
            format!(
                "removed the leakfence hook and restored the previous {}",
                path.display()
            )
        }
        hook::Outcome::Uninstalled {
            path,
            restored: false,
        } => format!("removed {}", path.display()),
        hook::Outcome::NotInstalled(path) => {
            format!("no leakfence hook at {}; nothing to do", path.display())
        }
    };
    println!("leakfence: {message}");
    Ok(exit::CLEAN)
}

/// Extra guidance printed after a blocking human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Advice {
    /// None: a scan report speaks for itself.
    None,
    /// How to get a blocked commit through properly.
    Commit,
    /// How to get a blocked push through properly.
    Push,
}

fn scan(config: &ScanConfig) -> anyhow::Result<u8> {
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.output.quiet);
    let (findings, mut stats) = match &config.input {
        ScanInput::Stdin => {
            let mut stats = Stats::default();
            let findings =
                source::stdin::scan_reader(&detector, std::io::stdin().lock(), &mut stats)
                    .context("cannot read standard input")?;
            (findings, stats)
        }
        ScanInput::Paths(options) => source::fs::scan(options, &detector, &messages),
    };
    stats.seconds = started.elapsed().as_secs_f64();
    finish(findings, stats, &messages, &config.output, Advice::None)
}

/// Filters, sorts, reports, and computes the exit code: the tail every command shares.
fn finish(
    mut findings: Vec<Finding>,
    mut stats: Stats,
    messages: &Messages,
    output: &OutputConfig,
    advice: Advice,
) -> anyhow::Result<u8> {
    filter::drop_inline_allowed(&mut findings);
    finding::sort_findings(&mut findings);
    stats.errors = messages.error_count();
    let options = ReportOptions {
        show_secrets: output.show_secrets,
        color: output.color,
        fail_on: output.fail_on,
    };
    let reporter: Box<dyn Report> = match output.format {
        Format::Human => Box::new(report::human::Human { options }),
        Format::Json => Box::new(report::json::Json { options }),
    };
    let blocking = findings.iter().any(|f| f.is_blocking(output.fail_on));
    let advice = if blocking && output.format == Format::Human {
        advice
    } else {
        Advice::None
    };
    write_report(reporter.as_ref(), &findings, &stats, output, advice)?;
    Ok(exit::exit_code(blocking, stats.errors > 0))
}

fn write_report(
    reporter: &dyn Report,
    findings: &[Finding],
    stats: &Stats,
    output: &OutputConfig,
    advice: Advice,
) -> anyhow::Result<()> {
    let write = |out: &mut dyn Write| {
        reporter.write(out, findings, stats)?;
        match advice {
            Advice::None => {}
            Advice::Commit => report::human::write_commit_advice(out, findings)?,
            Advice::Push => report::human::write_push_advice(out)?,
        }
        out.flush()
    };
    let result = match &output.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the report file {}", path.display()))?;
            write(&mut std::io::BufWriter::new(file))
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match result {
        // The reader went away (`leakfence scan | head`): nothing left to tell it.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
}
