//! Linear scales and "nice" axis ticks shared by the chart views.

/// Maps a data interval onto a pixel interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Linear {
    lo: f64,
    hi: f64,
    start: f64,
    end: f64,
}

impl Linear {
    /// A scale from the data interval `lo..=hi` to the pixel interval `start..=end`.
    pub(crate) fn new(lo: f64, hi: f64, start: f64, end: f64) -> Self {
        Linear { lo, hi, start, end }
    }

    /// The pixel position of `value`.
    pub(crate) fn map(&self, value: f64) -> f64 {
        let span = self.hi - self.lo;
        if span <= 0.0 {
            return self.start;
        }
        self.start + (value - self.lo) / span * (self.end - self.start)
    }
}

/// Evenly spaced round tick values covering `lo..=hi`, about `target` of them.
///
/// The first tick is at or below `lo` and the last at or above `hi`, so the ticks also give
/// the axis its extent. The step is 1, 2 or 5 times a power of ten.
pub(crate) fn nice_ticks(lo: f64, hi: f64, target: usize) -> Ticks {
    let (lo, hi) = if hi > lo { (lo, hi) } else { (lo, lo + 1.0) };
    let step = nice_step((hi - lo) / target.max(1) as f64);
    let first = (lo / step).floor() as i64;
    let last = (hi / step).ceil() as i64;
    let values = (first..=last).map(|i| i as f64 * step).collect();
    Ticks { values, step }
}

/// Tick values and the step between them.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticks {
    /// The tick values, lowest first; never empty.
    pub(crate) values: Vec<f64>,
    /// The distance between neighbouring ticks.
    pub(crate) step: f64,
}

impl Ticks {
    /// The lowest and highest tick.
    pub(crate) fn extent(&self) -> (f64, f64) {
        let lo = self.values.first().copied().unwrap_or(0.0);
        let hi = self.values.last().copied().unwrap_or(1.0);
        (lo, hi)
    }

    /// A tick value as a short label: as many decimals as the step needs, and one k/M/G/T
    /// suffix for the whole axis once its biggest tick reaches ten thousand.
    pub(crate) fn label(&self, value: f64) -> String {
        if value == 0.0 {
            return "0".to_owned();
        }
        let (scale, suffix) = self.unit();
        format!("{}{suffix}", plain(value / scale, self.step / scale))
    }

    /// The divisor and suffix for this axis's labels.
    fn unit(&self) -> (f64, &'static str) {
        // (smallest biggest-tick that uses the unit, divisor, suffix)
        const UNITS: [(f64, f64, &str); 4] = [
            (1e12, 1e12, "T"),
            (1e9, 1e9, "G"),
            (1e6, 1e6, "M"),
            (1e4, 1e3, "k"),
        ];
        let (lo, hi) = self.extent();
        let biggest = lo.abs().max(hi.abs());
        UNITS
            .into_iter()
            .find(|(from, _, _)| biggest >= *from)
            .map_or((1.0, ""), |(_, divisor, suffix)| (divisor, suffix))
    }
}

/// Formats `value` with just enough decimals to tell ticks `step` apart.
fn plain(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 {
        0
    } else {
        // The small slack keeps a step of exactly 0.1 from asking for two decimals.
        (-step.log10() - 1e-9).ceil().clamp(0.0, 12.0) as usize
    };
    format!("{value:.decimals$}")
}

fn nice_step(raw: f64) -> f64 {
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let nice = match raw / magnitude {
        r if r <= 1.0 => 1.0,
        r if r <= 2.0 => 2.0,
        r if r <= 5.0 => 5.0,
        _ => 10.0,
    };
    nice * magnitude
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_cover_the_data() {
        let ticks = nice_ticks(0.0, 42.0, 5);
        assert_eq!(ticks.step, 10.0);
        assert_eq!(ticks.values, vec![0.0, 10.0, 20.0, 30.0, 40.0, 50.0]);
        assert_eq!(ticks.extent(), (0.0, 50.0));
    }

    #[test]
    fn ticks_span_negative_values() {
        let ticks = nice_ticks(-3.0, 7.0, 5);
        assert_eq!(ticks.extent(), (-4.0, 8.0));
    }

    #[test]
    fn empty_interval_still_has_ticks() {
        let ticks = nice_ticks(0.0, 0.0, 5);
        assert!(ticks.values.len() >= 2);
    }

    #[test]
    fn labels_use_suffixes_and_decimals() {
        let big = nice_ticks(0.0, 2_000_000.0, 4);
        assert_eq!(big.label(1_500_000.0), "1.5M");
        assert_eq!(big.label(0.0), "0");
        let small = nice_ticks(0.0, 0.5, 5);
        assert_eq!(small.label(0.1), "0.1");
        let mid = nice_ticks(0.0, 5000.0, 5);
        assert_eq!(mid.label(3000.0), "3000");
        let thousands = nice_ticks(0.0, 25_000.0, 5);
        assert_eq!(thousands.label(15_000.0), "15k");
    }

    #[test]
    fn scale_maps_linearly() {
        let scale = Linear::new(0.0, 10.0, 100.0, 200.0);
        assert_eq!(scale.map(5.0), 150.0);
        assert_eq!(Linear::new(1.0, 1.0, 7.0, 9.0).map(1.0), 7.0);
    }
}

/// A rectangle of the drawing (the plot area of a chart), in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Area {
    /// Left edge.
    pub(crate) x: f64,
    /// Top edge.
    pub(crate) y: f64,
    /// Width.
    pub(crate) w: f64,
    /// Height.
    pub(crate) h: f64,
}

impl Area {
    /// The right edge.
    pub(crate) fn right(&self) -> f64 {
        self.x + self.w
    }

    /// The bottom edge.
    pub(crate) fn bottom(&self) -> f64 {
        self.y + self.h
    }

    /// The area as `[x, y, w, h]` for the view script.
    pub(crate) fn to_json(self) -> serde_json::Value {
        serde_json::json!([self.x, self.y, self.w, self.h])
    }
}
