//! Time axes: tick steps that fall on round times, their labels, and times in tooltips.
//!
//! The view script (`html/view.js`) redraws the axis after a zoom with the same steps and
//! labels, so the axis looks the same before and after the script takes over.

use chrono::{DateTime, Utc};

use crate::scale::Area;
use crate::svg::{Anchor, Group, Line, Svg, Text};

const SEC: i64 = 1000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

/// Tick steps in milliseconds, finest first.
const STEPS: [i64; 34] = [
    1,
    2,
    5,
    10,
    20,
    50,
    100,
    200,
    500,
    SEC,
    2 * SEC,
    5 * SEC,
    10 * SEC,
    15 * SEC,
    30 * SEC,
    MIN,
    2 * MIN,
    5 * MIN,
    10 * MIN,
    15 * MIN,
    30 * MIN,
    HOUR,
    2 * HOUR,
    3 * HOUR,
    6 * HOUR,
    12 * HOUR,
    DAY,
    2 * DAY,
    7 * DAY,
    14 * DAY,
    30 * DAY,
    91 * DAY,
    182 * DAY,
    365 * DAY,
];

/// Maps times (UTC milliseconds) onto the x extent of an area.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TimeScale {
    /// The earliest time shown.
    pub(crate) t0: i64,
    /// The latest time shown.
    pub(crate) t1: i64,
    x: f64,
    w: f64,
}

impl TimeScale {
    /// A scale from `t0..=t1` onto `area`'s width, widened by 2% on each side (and to at least a
    /// second) so that the first and last event are not on the frame.
    pub(crate) fn padded(t0: i64, t1: i64, area: &Area) -> Self {
        let span = (t1 - t0).max(SEC);
        let pad = (span / 50).max(1);
        let centre = t0 + (t1 - t0) / 2;
        let (t0, t1) = if t1 - t0 < SEC {
            (centre - span / 2 - pad, centre + span / 2 + pad)
        } else {
            (t0 - pad, t1 + pad)
        };
        TimeScale {
            t0,
            t1,
            x: area.x,
            w: area.w,
        }
    }

    /// A scale from exactly `t0..=t1` onto `area`'s width.
    pub(crate) fn exact(t0: i64, t1: i64, area: &Area) -> Self {
        TimeScale {
            t0,
            t1: t1.max(t0 + 1),
            x: area.x,
            w: area.w,
        }
    }

    /// The x position of time `t`.
    pub(crate) fn map(&self, t: i64) -> f64 {
        self.x + (t - self.t0) as f64 / (self.t1 - self.t0).max(1) as f64 * self.w
    }
}

/// The tick step for `span` milliseconds over `width` pixels: about one tick per 110 px.
fn step_for(span: i64, width: f64) -> i64 {
    let target = (width / 110.0).max(2.0);
    STEPS
        .into_iter()
        .find(|&step| span as f64 / step as f64 <= target)
        .unwrap_or(365 * DAY)
}

/// Draws the time axis under `area` at `axis_y`, with light grid lines across the area, in a
/// group the script can redraw.
pub(crate) fn draw_time_axis(svg: &mut Svg, scale: &TimeScale, area: &Area, axis_y: f64) {
    svg.add(Line::new(area.x, axis_y, area.right(), axis_y).stroke("#555555"));
    svg.open(Group::new().attr("class", "hb-xaxis"));
    let step = step_for(scale.t1 - scale.t0, area.w);
    let mut tick = scale.t0.div_euclid(step) * step;
    if tick < scale.t0 {
        tick += step;
    }
    let mut last_day = String::new();
    while tick <= scale.t1 {
        let x = scale.map(tick);
        svg.add(
            Line::new(x, area.y, x, axis_y + 4.0)
                .stroke("#dddddd")
                .stroke_width(1.0),
        );
        let day = format_time(tick, "%Y-%m-%d");
        let label = if step >= DAY {
            day.clone()
        } else {
            time_label(tick, step)
        };
        svg.add(
            Text::new(x, axis_y + 16.0, &label)
                .size(10.0)
                .anchor(Anchor::Middle),
        );
        if step < DAY && day != last_day {
            svg.add(
                Text::new(x, axis_y + 28.0, &day)
                    .size(10.0)
                    .anchor(Anchor::Middle),
            );
        }
        last_day = day;
        tick += step;
    }
    svg.close();
}

fn time_label(t: i64, step: i64) -> String {
    if step < SEC {
        format_time(t, "%H:%M:%S%.3f")
    } else if step < MIN {
        format_time(t, "%H:%M:%S")
    } else {
        format_time(t, "%H:%M")
    }
}

/// `t` (UTC milliseconds) written with a chrono format string.
pub(crate) fn format_time(t: i64, format: &str) -> String {
    DateTime::<Utc>::from_timestamp_millis(t)
        .map(|time| time.format(format).to_string())
        .unwrap_or_else(|| t.to_string())
}

/// `t` as a tooltip shows it: `2024-01-31 13:05:09.250Z`, milliseconds only when not zero.
pub(crate) fn tooltip_time(t: i64) -> String {
    if t.rem_euclid(SEC) == 0 {
        format_time(t, "%Y-%m-%d %H:%M:%SZ")
    } else {
        format_time(t, "%Y-%m-%d %H:%M:%S%.3fZ")
    }
}

/// A duration in milliseconds as `3d 4h`, `2h 5m`, `12m 3s` or `850ms`.
pub(crate) fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let (d, h, m, s) = (ms / DAY, ms % DAY / HOUR, ms % HOUR / MIN, ms % MIN / SEC);
    match () {
        _ if d > 0 => format!("{d}d {h}h"),
        _ if h > 0 => format!("{h}h {m}m"),
        _ if m > 0 => format!("{m}m {s}s"),
        _ if s > 0 => format!("{s}.{:03}s", ms % SEC),
        _ => format!("{ms}ms"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_suit_the_span() {
        assert_eq!(step_for(DAY, 880.0), 3 * HOUR);
        assert_eq!(step_for(10 * SEC, 880.0), 2 * SEC);
        assert_eq!(step_for(400 * DAY, 880.0), 91 * DAY);
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(90 * MIN), "1h 30m");
        assert_eq!(duration(3 * DAY + 5 * HOUR), "3d 5h");
        assert_eq!(duration(1500), "1.500s");
        assert_eq!(duration(20), "20ms");
    }

    #[test]
    fn tooltip_times_are_utc() {
        assert_eq!(tooltip_time(0), "1970-01-01 00:00:00Z");
        assert_eq!(tooltip_time(1), "1970-01-01 00:00:00.001Z");
    }

    #[test]
    fn scale_pads_a_single_instant() {
        let area = Area {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 10.0,
        };
        let scale = TimeScale::padded(5000, 5000, &area);
        assert!(scale.t0 < 5000 && scale.t1 > 5000);
        assert!((scale.map(5000) - 50.0).abs() < 1.0);
    }
}
