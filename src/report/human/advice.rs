//! What to do after a blocked commit or push, printed after a blocking human report.

use crate::finding::Finding;
use crate::sanitize::escape;
use std::io::{self, Write};

/// What a developer whose commit was just blocked should do, in order.
pub fn write_commit_advice(out: &mut dyn Write, findings: &[Finding]) -> io::Result<()> {
    let mut paths: Vec<&str> = findings.iter().map(|f| f.path.as_str()).collect();
    paths.dedup();
    let example = escape(paths.first().copied().unwrap_or("PATH"));
    writeln!(out)?;
    writeln!(
        out,
        "The commit was blocked because it adds Twilio credentials. To fix it:"
    )?;
    writeln!(
        out,
        "  1. Take the value out of the file: read it from an environment variable (TWILIO_AUTH_TOKEN,\n     \
         TWILIO_API_KEY, TWILIO_API_SECRET) or a secret store instead."
    )?;
    writeln!(
        out,
        "  2. Stage the fixed file again (`git add {example}`), or unstage it with `git restore --staged {example}`."
    )?;
    writeln!(
        out,
        "  3. If the value was ever pushed or shared, rotate it in the Twilio Console: for an Auth Token,\n     \
         create a secondary token, deploy it and promote it; for an API key, delete the key and create a new one."
    )?;
    writeln!(
        out,
        "Not a credential? Put `leakfence:allow` in a comment on that line and stage it again."
    )
}

/// What a developer whose push was just blocked should do.
pub fn write_push_advice(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out)?;
    writeln!(
        out,
        "The push was blocked because commits it would send hold Twilio credentials. To fix it:"
    )?;
    writeln!(
        out,
        "  1. Remove the value from those commits before pushing (for the last commit: edit the file and\n     \
         `git commit --amend`; for older ones: `git rebase -i` and edit each listed commit)."
    )?;
    writeln!(
        out,
        "  2. Read the value from an environment variable or a secret store instead of the file."
    )?;
    writeln!(
        out,
        "  3. If those commits were ever pushed or shared elsewhere, rotate the credential in the Twilio Console:\n     \
         a leaked value stays in git history, so rotating is the fix."
    )?;
    writeln!(
        out,
        "Not a credential? Put `leakfence:allow` in a comment on that line."
    )
}
