//! leakfence finds Twilio credentials in files, staged changes and git history.
//!
//! The pipeline: sources ([`source`]) read content and hand it to the [`detect::Detector`]
//! (Aho-Corasick prefilter, regex confirmation, context rules); [`filter`] drops what the user
//! allowed; [`report`] renders; [`exit`] maps the outcome to a status code.

pub mod cli;
mod commands;
pub mod config;
pub mod detect;
pub mod exit;
pub mod filter;
pub mod finding;
pub mod git;
pub mod hook;
pub mod messages;
pub mod redact;
pub mod report;
pub mod sanitize;
pub mod source;
pub mod verify;

/// Runs a parsed command line and returns the process exit code.
pub fn run(cli: cli::Cli) -> anyhow::Result<u8> {
    commands::run(cli.command)
}
