//! The `leakfence` binary: parse the command line, run, print any error, exit.

use clap::Parser;
use std::process::ExitCode;

/// Stack of the thread that runs the command: tree walks recurse once per directory level,
/// and git allows trees nested 4,096 deep. Only the pages touched cost memory.
const STACK_BYTES: usize = 32 << 20;

fn main() -> ExitCode {
    let cli = leakfence::cli::Cli::parse();
    let worker = std::thread::Builder::new()
        .name("leakfence".into())
        .stack_size(STACK_BYTES)
        .spawn(move || leakfence::run(cli));
    let outcome = match worker {
        Ok(handle) => handle.join(),
        Err(error) => {
            eprintln!("leakfence: error: cannot start: {error}");
            return ExitCode::from(leakfence::exit::ERROR);
        }
    };
    match outcome {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => match leakfence::exit::quiet_code(&error) {
            // The reader of the output went away (`leakfence scan | head`): nobody to tell.
            Some(code) => ExitCode::from(code),
            None => {
                eprintln!("leakfence: error: {error:#}");
                ExitCode::from(leakfence::exit::ERROR)
            }
        },
        // The panic message is already on stderr.
        Err(_) => ExitCode::from(leakfence::exit::ERROR),
    }
}
