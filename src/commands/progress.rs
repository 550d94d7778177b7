//! Progress bars on stderr for history scans (only when asked: a terminal and not `--quiet`):
//! one scan's phases ([`Bars`]), or a `--repos` run's repositories and blobs ([`RepoBars`]).

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

/// Draws a `--repos` run's advance: one bar over repositories, one over the blobs of all the
/// history scans running at once (each adds its blobs when its blob scan starts).
pub struct RepoBars {
    bars: Option<(indicatif::MultiProgress, ProgressBar, ProgressBar)>,
    bytes: AtomicU64,
}

impl RepoBars {
    /// Bars over `repositories` that draw only when `enabled`.
    pub fn new(enabled: bool, repositories: u64) -> RepoBars {
        let bars = enabled.then(|| {
            let multi =
                indicatif::MultiProgress::with_draw_target(indicatif::ProgressDrawTarget::stderr());
            let style = |template: &str| {
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
            };
            let repos = multi.add(ProgressBar::new(repositories));
            repos.set_style(style("repos   {bar:30} {pos}/{len} eta {eta}"));
            let blobs = multi.add(ProgressBar::new(0));
            blobs.set_style(style("blobs   {bar:30} {pos}/{len} {msg} {per_sec}"));
            (multi, repos, blobs)
        });
        RepoBars {
            bars,
            bytes: AtomicU64::new(0),
        }
    }

    /// One more repository is done.
    pub fn repository_done(&self) {
        if let Some((_, repos, _)) = &self.bars {
            repos.inc(1);
        }
    }

    /// The run is over: the bars go away.
    pub fn close(&self) {
        if let Some((multi, repos, blobs)) = &self.bars {
            repos.finish_and_clear();
            blobs.finish_and_clear();
            let _ = multi.clear();
        }
    }
}

impl Progress for RepoBars {
    fn start_blobs(&self, total: u64) {
        if let Some((_, _, blobs)) = &self.bars {
            blobs.inc_length(total);
        }
    }

    fn blob_done(&self, bytes: u64) {
        if let Some((_, _, blobs)) = &self.bars {
            let total = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            blobs.set_message(human_bytes(total));
            blobs.inc(1);
        }
    }
}
