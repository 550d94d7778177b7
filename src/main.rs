//! The `leakfence` binary: parse the command line, run, print any error, exit.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = leakfence::cli::Cli::parse();
    match leakfence::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(error) => {
            eprintln!("leakfence: error: {error:#}");
            ExitCode::from(leakfence::exit::ERROR)
        }
    }
}
