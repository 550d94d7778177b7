//! `leakfence merge`: JSON reports of several runs (shards of an organisation's scan) as one.
//! Reads every input before writing anything, so a bad shard leaves no half-merged report.

use crate::cli::{MergeArgs, MergeFormat};
use crate::exit;
use crate::report::merge::{self, MergeOptions, Shard};
use anyhow::Context;
use std::io::Write;

/// Runs `merge` and returns the exit code: 1 when a merged credential blocks, 2 when a shard
/// was incomplete (as a scan that could not read everything).
pub fn merge(args: &MergeArgs) -> anyhow::Result<u8> {
    let shards = args
        .files
        .iter()
        .map(|path| Shard::read(path, args.repository_from_filename))
        .collect::<Result<Vec<_>, _>>()?;
    let document = merge::merge(
        shards,
        MergeOptions {
            fail_on: args.fail_on,
        },
    );
    let incomplete = merge::is_incomplete(&document);
    if incomplete {
        eprintln!(
            "leakfence: warning: a shard could not read everything (stats.errors is not zero): \
             the merged report is incomplete"
        );
    }
    let code = exit::exit_code(merge::is_blocking(&document), incomplete);
    let mut text = match args.format {
        MergeFormat::Json => {
            serde_json::to_vec_pretty(&document).context("cannot render the merged report")?
        }
    };
    text.push(b'\n');
    let written = match &args.output {
        Some(path) => std::fs::write(path, &text)
            .with_context(|| format!("cannot write the merged report to {}", path.display())),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&text)
                .and_then(|()| out.flush())
                .map_err(|error| exit::OutputError::new(code, error))
                .context("cannot write the merged report")
        }
    };
    written.map(|()| code)
}
