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
pub mod messages;
pub mod report;
pub mod source;

use anyhow::Context;
use cli::{Cli, Command, Format};
use config::{OutputConfig, ScanConfig, ScanInput};
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
    }
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
    finish(findings, stats, &messages, &config.output)
}

/// Filters, sorts, reports, and computes the exit code: the tail every command shares.
fn finish(
    mut findings: Vec<Finding>,
    mut stats: Stats,
    messages: &Messages,
    output: &OutputConfig,
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
    write_report(reporter.as_ref(), &findings, &stats, output)?;
    let blocking = findings.iter().any(|f| f.is_blocking(output.fail_on));
    Ok(exit::exit_code(blocking, stats.errors > 0))
}

fn write_report(
    reporter: &dyn Report,
    findings: &[Finding],
    stats: &Stats,
    output: &OutputConfig,
) -> anyhow::Result<()> {
    let result = match &output.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the report file {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            reporter
                .write(&mut out, findings, stats)
                .and_then(|()| out.flush())
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            reporter
                .write(&mut out, findings, stats)
                .and_then(|()| out.flush())
        }
    };
    match result {
        // The reader went away (`leakfence scan | head`): nothing left to tell it.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the report"),
    }
}
