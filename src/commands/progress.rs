//! Progress bars on stderr for history scans (only when asked: a terminal and not `--quiet`).

use crate::report::human::human_bytes;
use crate::source::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};
use std::sync::atomic::{AtomicU64, Ordering};

/// Draws a history scan's [`Progress`] as one bar, restyled per phase.
pub struct Bars {
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
}

impl Bars {
    /// Bars that draw only when `enabled`.
    pub fn new(enabled: bool) -> Bars {
        Bars {
            bar: enabled.then(ProgressBar::hidden),
            bytes: AtomicU64::new(0),
        }
    }

    fn restyle(&self, total: u64, template: &str) {
        if let Some(bar) = &self.bar {
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            bar.set_length(total);
            bar.set_position(0);
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
        }
    }
}

impl Progress for Bars {
    fn start_commits(&self, total: u64) {
        self.restyle(total, "commits {bar:30} {pos}/{len} {per_sec} eta {eta}");
    }

    fn commit_done(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    fn start_blobs(&self, total: u64) {
        self.restyle(
            total,
            "blobs   {bar:30} {pos}/{len} {msg} {per_sec} eta {eta}",
        );
    }

    fn blob_done(&self, bytes: u64) {
        if let Some(bar) = &self.bar {
            let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            bar.set_message(human_bytes(total));
            bar.inc(1);
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
