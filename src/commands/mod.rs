//! The commands: each resolves its configuration, runs a source, and hands the findings to the
//! shared tail (filters, baseline, report, exit code).

mod info;
mod install;
mod merge;
mod progress;
mod repos;

use crate::cli::{Command, ConfigCommand, Format};
use crate::config::{
    Common, HistoryConfig, OutputConfig, Policy, ScanConfig, ScanInput, StagedConfig,
};
use crate::detect::Detector;
use crate::filter::baseline::Baseline;
use crate::finding::Finding;
use crate::finding::Stats;
use crate::messages::Messages;
use crate::report::html::Scope;
use crate::report::{self, Report, ReportOptions};
use crate::{exit, filter, finding, source};
use anyhow::Context;
use std::io::Write;
use std::time::Instant;

/// Runs one command and returns the process exit code.
pub fn run(command: Command) -> anyhow::Result<u8> {
    match command {
        Command::Scan(args) => match &args.repos {
            Some(dir) => repos::scan(&args, dir),
            None => scan(ScanConfig::from_args(&args)?),
        },
        Command::History(args) if args.repos.is_some() || args.state.is_some() => {
            repos::history(&args)
        }
        Command::Staged(args) => staged(StagedConfig::from_args(&args)?),
        Command::History(args) => history(HistoryConfig::from_args(&args)?),
        Command::PrePush(args) => pre_push(HistoryConfig::for_pre_push(&args)?),
        Command::Install(args) => install::install(&args),
        Command::Uninstall(args) => install::uninstall(&args),
        Command::Merge(args) => merge::merge(&args),
        Command::Rules => info::rules(),
        Command::Config(ConfigCommand::Init { path }) => info::config_init(&path),
    }
}

fn scan(config: ScanConfig) -> anyhow::Result<u8> {
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.common.output.quiet);
    let scope = match &config.input {
        ScanInput::Stdin => Scope::new("<stdin>", "scan -"),
        ScanInput::Paths(options) => {
            let roots: Vec<String> = options
                .roots
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            Scope::new(roots.join(" "), format!("scan {}", roots.join(" ")))
        }
    };
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
    finish(
        findings,
        stats,
        &messages,
        config.common,
        Advice::None,
        scope,
    )
}

fn staged(config: StagedConfig) -> anyhow::Result<u8> {
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.common.output.quiet);
    let (findings, mut stats) = source::staged::scan(&config.options, &detector, &messages)?;
    stats.seconds = started.elapsed().as_secs_f64();
    let scope = Scope::new(
        config.options.repo.display_path().display().to_string(),
        "staged (the index against HEAD)",
    );
    finish(
        findings,
        stats,
        &messages,
        config.common,
        Advice::Commit,
        scope,
    )
}

fn history(config: HistoryConfig) -> anyhow::Result<u8> {
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.common.output.quiet);
    let bars = progress::Bars::new(config.progress);
    let (findings, mut stats) =
        source::history::scan(&config.options, &detector, &messages, &bars)?;
    stats.seconds = started.elapsed().as_secs_f64();
    let scope = history_scope("history", &config);
    finish(
        findings,
        stats,
        &messages,
        config.common,
        Advice::None,
        scope,
    )
}

fn pre_push(mut config: HistoryConfig) -> anyhow::Result<u8> {
    use std::io::Read;
    let mut input = String::new();
    std::io::stdin()
        .read_to_string(&mut input)
        .context("cannot read the refs being pushed from standard input")?;
    let Some(selection) = source::history::push::selection_for(&config.options.repo, &input)?
    else {
        return Ok(exit::CLEAN); // only deletions: nothing is sent
    };
    config.options.selection = selection;
    let started = Instant::now();
    let detector = Detector::new();
    let messages = Messages::new(config.common.output.quiet);
    let bars = progress::Bars::new(config.progress);
    let (findings, mut stats) =
        source::history::scan(&config.options, &detector, &messages, &bars)?;
    stats.seconds = started.elapsed().as_secs_f64();
    let scope = history_scope("pre-push", &config);
    finish(
        findings,
        stats,
        &messages,
        config.common,
        Advice::Push,
        scope,
    )
}

/// What a history or pre-push run covered: the repository and its revisions.
fn history_scope(command: &str, config: &HistoryConfig) -> Scope {
    Scope::new(
        config.options.repo.display_path().display().to_string(),
        format!("{command} {}", config.options.selection.describe()),
    )
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

/// The tail every scanning command shares: filters, baseline, sort, report, exit code.
fn finish(
    mut findings: Vec<Finding>,
    mut stats: Stats,
    messages: &Messages,
    common: Common,
    advice: Advice,
    scope: Scope,
) -> anyhow::Result<u8> {
    let Common { output, policy, .. } = common;
    filter::drop_allowed(
        &mut findings,
        &policy.settings.allowlist,
        &policy.base,
        &policy.own_files,
    );
    finding::sort_findings(&mut findings);
    if let Some(path) = &policy.write_baseline {
        apply_rule_settings(&mut findings, &policy);
        return write_baseline(path, &findings, messages);
    }
    apply_baseline(&policy, &mut findings)?;
    if let Some(options) = &policy.verify {
        crate::verify::verify_all(&mut findings, options);
        if policy.only_verified {
            findings.retain(|f| f.verification.as_ref().is_some_and(|v| v.status.is_live()));
        }
    }
    apply_rule_settings(&mut findings, &policy);
    stats.errors = messages.error_count();
    let blocks = |f: &Finding| {
        if policy.fail_on_live {
            f.verification.as_ref().is_some_and(|v| v.status.is_live())
        } else {
            f.is_blocking(output.fail_on)
        }
    };
    let blocking = findings.iter().any(blocks);
    let advice = if blocking && output.format == Format::Human {
        advice
    } else {
        Advice::None
    };
    let code = exit::exit_code(blocking, stats.errors > 0);
    let html = HtmlContext {
        scope,
        fail_on_live: policy.fail_on_live,
    };
    write_report(&findings, &stats, &output, advice, code, html)?;
    Ok(code)
}

/// Disabled rules and severity overrides from the configuration file.
fn apply_rule_settings(findings: &mut Vec<Finding>, policy: &Policy) {
    let settings = &policy.settings;
    filter::apply_rule_settings(findings, &settings.disabled, &settings.severity);
}

fn write_baseline(
    path: &std::path::Path,
    findings: &[Finding],
    messages: &Messages,
) -> anyhow::Result<u8> {
    Baseline::record(findings).write(path)?;
    eprintln!(
        "leakfence: recorded {} finding{} in {}",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" },
        path.display()
    );
    Ok(exit::exit_code(false, messages.error_count() > 0))
}

fn apply_baseline(policy: &Policy, findings: &mut Vec<Finding>) -> anyhow::Result<()> {
    let Some(path) = &policy.baseline else {
        return Ok(());
    };
    let baseline = Baseline::read(path)?;
    let stale = baseline.suppress(findings);
    if policy.prune_baseline && !stale.is_empty() {
        for entry in &stale {
            eprintln!(
                "leakfence: baseline entry no longer matches anything: {} {}:{}",
                entry.rule, entry.path, entry.line
            );
        }
        baseline.without(&stale).write(path)?;
        eprintln!(
            "leakfence: removed {} stale entr{} from {}",
            stale.len(),
            if stale.len() == 1 { "y" } else { "ies" },
            path.display()
        );
    }
    Ok(())
}

/// What only the HTML report prints: what the run covered and what blocked it.
struct HtmlContext {
    scope: Scope,
    fail_on_live: bool,
}

fn reporter(output: &OutputConfig, html: HtmlContext) -> Box<dyn Report> {
    let options = ReportOptions {
        show_secrets: output.show_secrets,
        color: output.color,
        fail_on: output.fail_on,
        group_by: output.group_by,
    };
    match output.format {
        Format::Human => Box::new(report::human::Human { options }),
        Format::Json => Box::new(report::json::Json { options }),
        Format::Sarif => Box::new(report::sarif::Sarif { options }),
        Format::Github => Box::new(report::github::Github { options }),
        Format::Gitlab => Box::new(report::gitlab::Gitlab { options }),
        Format::Html => Box::new(report::html::Html {
            options,
            scope: html.scope,
            fail_on_live: html.fail_on_live,
            generated_at: now_unix(),
        }),
    }
}

/// Writes the report of a run that earned `code` (which a broken pipe keeps: `exit`).
fn write_report(
    findings: &[Finding],
    stats: &Stats,
    output: &OutputConfig,
    advice: Advice,
    code: u8,
    html: HtmlContext,
) -> anyhow::Result<()> {
    let reporter = reporter(output, html);
    let write = |out: &mut dyn Write| {
        reporter.write(out, findings, stats)?;
        match advice {
            Advice::None => {}
            Advice::Commit => report::human::write_commit_advice(out, findings)?,
            Advice::Push => report::human::write_push_advice(out)?,
        }
        out.flush()
    };
    let written = match &output.output {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("cannot create the report file {}", path.display()))?;
            write(&mut std::io::BufWriter::new(file))
        }
        None => write(&mut std::io::BufWriter::new(std::io::stdout().lock())),
    };
    written
        .map_err(|error| exit::OutputError::new(code, error))
        .context("cannot write the report")
}

/// The current time in Unix seconds (0 if the clock is before 1970).
fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}
