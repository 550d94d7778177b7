//! `leakfence install` and `uninstall`: the messages around [`crate::hook`].

use crate::cli::{HookName, InstallArgs};
use crate::exit;
use crate::hook::{self, HookKind, Outcome};

fn kind(name: HookName) -> HookKind {
    match name {
        HookName::PreCommit => HookKind::PreCommit,
        HookName::PrePush => HookKind::PrePush,
    }
}

/// Installs the hook, recording the running binary's path in it.
pub fn install(args: &InstallArgs) -> anyhow::Result<u8> {
    let binary = std::env::current_exe().ok();
    let outcome = hook::install(
        args.repo.path(),
        kind(args.hook),
        args.force,
        binary.as_deref(),
    )?;
    println!("leakfence: {}", describe(&outcome));
    Ok(exit::CLEAN)
}

/// Removes the hook and restores the one it chained.
pub fn uninstall(args: &InstallArgs) -> anyhow::Result<u8> {
    let outcome = hook::uninstall(args.repo.path(), kind(args.hook))?;
    println!("leakfence: {}", describe(&outcome));
    Ok(exit::CLEAN)
}

fn describe(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Installed {
            path,
            chained: None,
        } => format!("installed {}", path.display()),
        Outcome::Installed {
            path,
            chained: Some(previous),
        } => format!(
            "installed {}; the hook that was there is kept as {} and runs after leakfence",
            path.display(),
            previous.display()
        ),
        Outcome::AlreadyInstalled(path) => format!("already installed: {}", path.display()),
        Outcome::Uninstalled {
            path,
            restored: true,
        } => {
            format!(
                "removed the leakfence hook and restored the previous {}",
                path.display()
            )
        }
        Outcome::Uninstalled {
            path,
            restored: false,
        } => format!("removed {}", path.display()),
        Outcome::NotInstalled(path) => {
            format!("no leakfence hook at {}; nothing to do", path.display())
        }
    }
}
