//! `leakfence rules` and `leakfence config init`.

use crate::config;
use crate::detect::rules::RULES;
use crate::exit;
use std::io::Write;
use std::path::Path;

/// Prints every rule with its default severity, whether it blocks, and what it matches.
pub fn rules() -> anyhow::Result<u8> {
    let mut out = std::io::stdout().lock();
    for rule in &RULES {
        let blocks = if rule.severity >= crate::finding::Severity::High {
            "blocks"
        } else {
            "does not block"
        };
        writeln!(
            out,
            "{}  ({}, {} by default)\n    {}\n    {}\n",
            rule.id,
            rule.severity.as_str(),
            blocks,
            rule.description,
            rule.remediation
        )
        .map_err(|error| exit::OutputError::new(exit::CLEAN, error))?;
    }
    Ok(exit::CLEAN)
}

/// Writes a commented starter configuration file.
pub fn config_init(path: &Path) -> anyhow::Result<u8> {
    config::init_file(path)?;
    println!("leakfence: wrote {}", path.display());
    Ok(exit::CLEAN)
}
