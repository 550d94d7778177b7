//! The timeline: an inline SVG with one row per credential, from the commit that first
//! introduced it to the commit that removed it, or on to "now" while it is still at `HEAD`.
//! Only history and pre-push reports have commits to draw; other reports leave it out.

use super::escape;
use crate::finding::Credential;
use crate::redact::redact;

/// Width of the row labels, in SVG units.
const LABEL: f64 = 250.0;
/// Width of the dated part of the plot.
const PLOT: f64 = 600.0;
/// Width of the "now" zone right of the last commit: however long ago that commit was.
const NOW_ZONE: f64 = 90.0;
/// Height of one credential's row.
const ROW: f64 = 22.0;
/// Height of the axis above the rows.
const AXIS: f64 = 34.0;
/// How many dated ticks the axis has.
const TICKS: usize = 5;

/// Maps commit times to x positions: `start..=end` onto `left..=left + width`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// The earliest time drawn.
    pub start: i64,
    /// The latest dated time drawn.
    pub end: i64,
    /// x of `start`.
    pub left: f64,
    /// Width from `start` to `end`.
    pub width: f64,
}

impl Scale {
    /// The x of time `t`, clamped to the dated range; one instant maps to the middle.
    pub fn x(&self, t: i64) -> f64 {
        if self.end <= self.start {
            return self.left + self.width / 2.0;
        }
        let t = t.clamp(self.start, self.end);
        self.left + (t - self.start) as f64 / (self.end - self.start) as f64 * self.width
    }

    /// `count` evenly spaced times from `start` to `end` (both included), for the axis.
    pub fn ticks(&self, count: usize) -> Vec<i64> {
        if self.end <= self.start || count < 2 {
            return vec![self.start];
        }
        let span = (self.end - self.start) as f64;
        (0..count)
            .map(|i| self.start + (span * i as f64 / (count - 1) as f64).round() as i64)
            .collect()
    }
}

/// The times a credential's row is drawn from.
struct Life {
    first: i64,
    last: i64,
    removed: Option<i64>,
    in_head: bool,
    commits: Vec<i64>,
}

fn life(credential: &Credential<'_>) -> Option<Life> {
    let first = credential.first_commit?.time;
    let last = credential.last_commit().map_or(first, |c| c.time);
    let mut commits: Vec<i64> = credential
        .occurrences
        .iter()
        .filter_map(|f| f.commit())
        .map(|c| c.time)
        .collect();
    commits.dedup();
    Some(Life {
        first,
        last,
        removed: credential.removed().map(|c| c.time),
        in_head: credential.in_head == Some(true),
        commits,
    })
}

/// The "Timeline" section, when some credential has a commit.
pub(super) fn section(
    page: &mut String,
    credentials: &[Credential<'_>],
    show_secrets: bool,
    now: i64,
) {
    let rows: Vec<(&Credential<'_>, Life)> = credentials
        .iter()
        .filter_map(|c| life(c).map(|l| (c, l)))
        .collect();
    if rows.is_empty() {
        return;
    }
    let start = rows.iter().map(|(_, l)| l.first).min().unwrap_or(0);
    let end = rows
        .iter()
        .map(|(_, l)| l.removed.unwrap_or(l.last).max(l.last))
        .max()
        .unwrap_or(start);
    let scale = Scale {
        start,
        end,
        left: LABEL,
        width: PLOT,
    };
    let height = AXIS + ROW * rows.len() as f64 + 8.0;
    let width = LABEL + PLOT + NOW_ZONE + 20.0;
    page.push_str(
        "<section id=\"timeline\">\n<h2>Timeline</h2>\n<p class=\"legend\">\
         <span class=\"key bar\"></span> from first introduction to the last commit that added it \
         <span class=\"key head\"></span> still at HEAD, on to now \
         <span class=\"key removed\"></span> removed</p>\n",
    );
    page.push_str(&format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" id=\"timeline-svg\" viewBox=\"0 0 {width} {height}\" \
         role=\"img\" aria-label=\"Timeline of {} credential{}\">\n",
        rows.len(),
        crate::report::plural(rows.len())
    ));
    axis(page, &scale, height, now);
    for (i, (credential, life)) in rows.iter().enumerate() {
        let y = AXIS + ROW * i as f64 + ROW / 2.0;
        row(page, &scale, y, credential, life, show_secrets);
    }
    page.push_str("</svg>\n</section>\n");
}

/// Dated ticks with grid lines, and the "now" mark at the right edge, past the last commit.
fn axis(page: &mut String, scale: &Scale, height: f64, now: i64) {
    for t in scale.ticks(TICKS) {
        let x = scale.x(t);
        page.push_str(&format!(
            "<line class=\"grid\" x1=\"{x:.1}\" y1=\"{}\" x2=\"{x:.1}\" y2=\"{height:.1}\"/>\
             <text class=\"tick\" x=\"{x:.1}\" y=\"14\" text-anchor=\"middle\">{}</text>\n",
            AXIS - 10.0,
            escape(&crate::finding::rfc3339_utc(t)[..10])
        ));
    }
    let now_x = scale.left + scale.width + NOW_ZONE;
    page.push_str(&format!(
        "<text class=\"tick now\" x=\"{now_x:.1}\" y=\"11\" text-anchor=\"end\">now</text>\
         <text class=\"tick now\" x=\"{now_x:.1}\" y=\"22\" text-anchor=\"end\">{}</text>\
         <line class=\"grid now\" x1=\"{now_x:.1}\" y1=\"{}\" x2=\"{now_x:.1}\" y2=\"{height:.1}\"/>\n",
        escape(&crate::finding::rfc3339_utc(now)[..10]),
        AXIS - 10.0
    ));
}

/// One credential's row: label, bar, occurrence dots, and the HEAD or removal end.
fn row(
    page: &mut String,
    scale: &Scale,
    y: f64,
    credential: &Credential<'_>,
    life: &Life,
    show: bool,
) {
    let label = format!(
        "{} {}",
        credential.rule.as_str(),
        redact(credential.secret, show)
    );
    let mut title = format!(
        "{label}: introduced {}",
        crate::finding::rfc3339_utc(life.first)
    );
    if let Some(removed) = life.removed {
        title.push_str(&format!(
            ", removed {}",
            crate::finding::rfc3339_utc(removed)
        ));
    } else if life.in_head {
        title.push_str(", still at HEAD");
    }
    page.push_str(&format!(
        "<g class=\"row\" data-rule=\"{}\"><title>{}</title>\
         <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
        escape(credential.rule.as_str()),
        escape(&title),
        LABEL - 8.0,
        y + 4.0,
        escape(&label)
    ));
    let x1 = scale.x(life.first);
    let bar_end = scale.x(life.removed.unwrap_or(life.last).max(life.last));
    page.push_str(&format!(
        "<line class=\"bar\" x1=\"{x1:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>",
        bar_end.max(x1 + 2.0)
    ));
    if life.in_head {
        page.push_str(&format!(
            "<line class=\"bar head\" x1=\"{bar_end:.1}\" y1=\"{y:.1}\" x2=\"{:.1}\" y2=\"{y:.1}\"/>",
            scale.left + scale.width + NOW_ZONE
        ));
    }
    for t in &life.commits {
        page.push_str(&format!(
            "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{y:.1}\" r=\"3\"/>",
            scale.x(*t)
        ));
    }
    if let Some(removed) = life.removed {
        let x = scale.x(removed);
        page.push_str(&format!(
            "<path class=\"removed\" d=\"M{:.1} {:.1}l8 8m0 -8l-8 8\"/>",
            x - 4.0,
            y - 4.0
        ));
    }
    page.push_str("</g>\n");
}
