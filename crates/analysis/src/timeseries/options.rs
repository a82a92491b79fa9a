//! Settings for the decompositions: which columns, STL's smoother lengths and degrees, how a
//! series is put on a regular grid, and how scores become anomaly flags.

use std::fmt;
use std::str::FromStr;

use super::error::TimeSeriesError;
use super::interval::Interval;

/// How values that fall into the same time bucket are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Aggregation {
    /// Add them up: right for counts and byte totals (the default).
    #[default]
    Sum,
    /// Their mean: right for gauges such as CPU load.
    Mean,
    /// The largest.
    Max,
    /// The smallest.
    Min,
}

/// What a bucket with no value gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FillPolicy {
    /// Zero: no events in a bucket means a count of zero (the default).
    #[default]
    Zero,
    /// The value of the previous bucket that has one (the first ones take the first value).
    Previous,
    /// A straight line between the buckets on either side.
    Linear,
    /// Refuse the series with [`TimeSeriesError::MissingBuckets`].
    Error,
}

/// How a residual score becomes an anomaly flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AnomalyRule {
    /// msticpy's rule: a score above the threshold is flagged `1` where the seasonal
    /// component is positive and `-1` where it is negative; low scores are never flagged.
    #[default]
    Msticpy,
    /// Both tails: score above the threshold is `1`, below minus the threshold is `-1`.
    TwoSided,
}

/// Names and parses the enums the way a notebook writes them.
macro_rules! named_enum {
    ($ty:ty, $what:literal, $($variant:path => $name:literal),+ $(,)?) => {
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let name = match self { $($variant => $name,)+ };
                f.write_str(name)
            }
        }

        impl FromStr for $ty {
            type Err = TimeSeriesError;

            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text.trim().to_ascii_lowercase().as_str() {
                    $($name => Ok($variant),)+
                    _ => Err(TimeSeriesError::Setting {
                        setting: $what,
                        value: text.to_string(),
                        reason: concat!("expected one of: ", $($name, " "),+),
                    }),
                }
            }
        }
    };
}

named_enum!(Aggregation, "aggregation",
    Aggregation::Sum => "sum", Aggregation::Mean => "mean",
    Aggregation::Max => "max", Aggregation::Min => "min");
named_enum!(FillPolicy, "fill",
    FillPolicy::Zero => "zero", FillPolicy::Previous => "previous",
    FillPolicy::Linear => "linear", FillPolicy::Error => "error");
named_enum!(AnomalyRule, "rule",
    AnomalyRule::Msticpy => "msticpy", AnomalyRule::TwoSided => "two-sided");

/// How rows become a regular series: the grid step, how a bucket's values combine, and what
/// an empty bucket gets.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SeriesOptions {
    /// The grid step; `None` takes the most common gap between consecutive time stamps.
    pub interval: Option<Interval>,
    /// How values in one bucket combine.
    pub aggregation: Aggregation,
    /// What an empty bucket gets.
    pub fill: FillPolicy,
}

/// Settings shared by STL and MSTL: columns, series regularisation and scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct CommonOptions {
    /// The time column; `None` takes the first date-time column.
    pub time_column: Option<String>,
    /// The value column; `None` takes the first numeric column that is not the time column.
    pub data_column: Option<String>,
    /// How rows become a regular series.
    pub series: SeriesOptions,
    /// The z-score above which a residual is an anomaly (msticpy: `score_threshold`, 3.0).
    pub score_threshold: f64,
    /// How scores become flags.
    pub rule: AnomalyRule,
    /// Truncate the value and the components to whole numbers before scoring, as msticpy's
    /// `astype("int64")` does; off by default (scores then come from the exact residuals).
    pub truncate: bool,
}

impl Default for CommonOptions {
    fn default() -> Self {
        Self {
            time_column: None,
            data_column: None,
            series: SeriesOptions::default(),
            score_threshold: 3.0,
            rule: AnomalyRule::default(),
            truncate: false,
        }
    }
}

/// Settings of [`ts_anomalies_stl`](super::ts_anomalies_stl); the defaults are msticpy's
/// (which are statsmodels' `STL` defaults with `seasonal=7`, `period=24`).
///
/// ```
/// use huntbook_analysis::timeseries::StlOptions;
/// let opts = StlOptions::default().with_period(24).with_seasonal(7).with_robust(true);
/// assert_eq!(opts.trend_length(), 47);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct StlOptions {
    /// Columns, regularisation and scoring.
    pub common: CommonOptions,
    /// Points in one season (24 for hourly data with a daily cycle).
    pub period: usize,
    /// Length of the seasonal smoother: odd, at least 3 (msticpy: 7).
    pub seasonal: usize,
    /// Length of the trend smoother; `None` is statsmodels' rule (smallest odd integer above
    /// `1.5 * period / (1 - 1.5 / seasonal)`).
    pub trend: Option<usize>,
    /// Length of the low-pass filter; `None` is the smallest odd integer above `period`.
    pub low_pass: Option<usize>,
    /// Degree (0 or 1) of the seasonal, trend and low-pass LOESS fits (statsmodels: 1, 1, 1).
    pub degrees: [i32; 3],
    /// Interpolation steps of the seasonal, trend and low-pass fits (statsmodels: 1, 1, 1).
    pub jumps: [usize; 3],
    /// Down-weight outliers with robustness iterations.
    pub robust: bool,
    /// Inner-loop passes; `None` is statsmodels' rule (2 when robust, else 5).
    pub inner_iter: Option<usize>,
    /// Robustness passes; `None` is statsmodels' rule (15 when robust, else 0).
    pub outer_iter: Option<usize>,
}

impl Default for StlOptions {
    fn default() -> Self {
        Self {
            common: CommonOptions::default(),
            period: 24,
            seasonal: 7,
            trend: None,
            low_pass: None,
            degrees: [1, 1, 1],
            jumps: [1, 1, 1],
            robust: false,
            inner_iter: None,
            outer_iter: None,
        }
    }
}

/// Builder methods for the settings shared by STL and MSTL.
macro_rules! common_builders {
    ($ty:ty) => {
        impl $ty {
            /// Names the time column.
            pub fn with_time_column(mut self, column: impl Into<String>) -> Self {
                self.common.time_column = Some(column.into());
                self
            }

            /// Names the value column.
            pub fn with_data_column(mut self, column: impl Into<String>) -> Self {
                self.common.data_column = Some(column.into());
                self
            }

            /// Sets the bucket width (otherwise the most common gap between time stamps).
            pub fn with_interval(mut self, interval: Interval) -> Self {
                self.common.series.interval = Some(interval);
                self
            }

            /// Sets how values in one bucket combine.
            pub fn with_aggregation(mut self, aggregation: Aggregation) -> Self {
                self.common.series.aggregation = aggregation;
                self
            }

            /// Sets what an empty bucket gets.
            pub fn with_fill(mut self, fill: FillPolicy) -> Self {
                self.common.series.fill = fill;
                self
            }

            /// Sets the z-score threshold.
            pub fn with_score_threshold(mut self, threshold: f64) -> Self {
                self.common.score_threshold = threshold;
                self
            }

            /// Sets how scores become flags.
            pub fn with_rule(mut self, rule: AnomalyRule) -> Self {
                self.common.rule = rule;
                self
            }

            /// Truncates values and components to whole numbers before scoring (msticpy).
            pub fn with_truncate(mut self, truncate: bool) -> Self {
                self.common.truncate = truncate;
                self
            }
        }
    };
}

common_builders!(StlOptions);
common_builders!(MstlOptions);

impl StlOptions {
    /// Sets the season length in points.
    pub fn with_period(mut self, period: usize) -> Self {
        self.period = period;
        self
    }

    /// Sets the seasonal smoother length (odd, ≥ 3).
    pub fn with_seasonal(mut self, seasonal: usize) -> Self {
        self.seasonal = seasonal;
        self
    }

    /// Sets the trend smoother length (odd, > period).
    pub fn with_trend(mut self, trend: usize) -> Self {
        self.trend = Some(trend);
        self
    }

    /// Sets the low-pass filter length (odd, > period).
    pub fn with_low_pass(mut self, low_pass: usize) -> Self {
        self.low_pass = Some(low_pass);
        self
    }

    /// Sets the seasonal, trend and low-pass LOESS degrees (each 0 or 1).
    pub fn with_degrees(mut self, seasonal: i32, trend: i32, low_pass: i32) -> Self {
        self.degrees = [seasonal, trend, low_pass];
        self
    }

    /// Sets the seasonal, trend and low-pass interpolation steps (each ≥ 1).
    pub fn with_jumps(mut self, seasonal: usize, trend: usize, low_pass: usize) -> Self {
        self.jumps = [seasonal, trend, low_pass];
        self
    }

    /// Turns robustness iterations on or off.
    pub fn with_robust(mut self, robust: bool) -> Self {
        self.robust = robust;
        self
    }

    /// Sets the inner- and outer-loop pass counts.
    pub fn with_iterations(mut self, inner: usize, outer: usize) -> Self {
        self.inner_iter = Some(inner);
        self.outer_iter = Some(outer);
        self
    }

    /// The trend smoother length that will be used.
    pub fn trend_length(&self) -> usize {
        self.trend.unwrap_or_else(|| {
            let raw = 1.5 * self.period as f64 / (1.0 - 1.5 / self.seasonal.max(2) as f64);
            next_odd(raw.ceil() as usize)
        })
    }

    /// The low-pass filter length that will be used.
    pub fn low_pass_length(&self) -> usize {
        self.low_pass.unwrap_or_else(|| next_odd(self.period + 1))
    }

    /// The inner-loop pass count that will be used.
    pub fn inner_passes(&self) -> usize {
        self.inner_iter.unwrap_or(if self.robust { 2 } else { 5 })
    }

    /// The robustness pass count that will be used.
    pub fn outer_passes(&self) -> usize {
        self.outer_iter.unwrap_or(if self.robust { 15 } else { 0 })
    }

    /// Checks the settings against statsmodels' rules.
    pub(crate) fn validate(&self) -> Result<(), TimeSeriesError> {
        let fail = |setting, value: usize, reason| {
            Err(TimeSeriesError::Setting {
                setting,
                value: value.to_string(),
                reason,
            })
        };
        if self.period < 2 {
            return fail("period", self.period, "must be at least 2");
        }
        if self.seasonal < 3 || self.seasonal.is_multiple_of(2) {
            return fail(
                "seasonal",
                self.seasonal,
                "must be an odd integer of at least 3",
            );
        }
        let trend = self.trend_length();
        if trend < 3 || trend.is_multiple_of(2) || trend <= self.period {
            return fail(
                "trend",
                trend,
                "must be an odd integer of at least 3, above period",
            );
        }
        let low_pass = self.low_pass_length();
        if low_pass < 3 || low_pass.is_multiple_of(2) || low_pass <= self.period {
            return fail(
                "low_pass",
                low_pass,
                "must be an odd integer of at least 3, above period",
            );
        }
        validate_degrees_and_jumps(&self.degrees, &self.jumps)?;
        validate_common(&self.common)
    }
}

/// Settings of [`ts_anomalies_mstl`](super::ts_anomalies_mstl): STL repeated for several
/// seasonalities (e.g. daily and weekly in hourly data: periods 24 and 168).
#[derive(Debug, Clone, PartialEq)]
pub struct MstlOptions {
    /// Columns, regularisation and scoring.
    pub common: CommonOptions,
    /// Season lengths in points, e.g. `[24, 168]`.
    pub periods: Vec<usize>,
    /// Seasonal smoother lengths, one per period; `None` is `7 + 4 i` (statsmodels' MSTL).
    pub seasonal_lengths: Option<Vec<usize>>,
    /// Passes over all seasonalities (statsmodels' MSTL: 2).
    pub iterations: usize,
    /// Box-Cox λ in 0..=1 applied before decomposing; `None` leaves the values as they are.
    pub lambda: Option<f32>,
    /// Degree (0 or 1) of the seasonal, trend and low-pass LOESS fits.
    pub degrees: [i32; 3],
    /// Down-weight outliers with robustness iterations inside each STL.
    pub robust: bool,
}

impl Default for MstlOptions {
    fn default() -> Self {
        Self {
            common: CommonOptions::default(),
            periods: vec![24, 168],
            seasonal_lengths: None,
            iterations: 2,
            lambda: None,
            degrees: [1, 1, 1],
            robust: false,
        }
    }
}

impl MstlOptions {
    /// Sets the season lengths.
    pub fn with_periods(mut self, periods: &[usize]) -> Self {
        self.periods = periods.to_vec();
        self
    }

    /// Sets the seasonal smoother lengths, one per period.
    pub fn with_seasonal_lengths(mut self, lengths: &[usize]) -> Self {
        self.seasonal_lengths = Some(lengths.to_vec());
        self
    }

    /// Sets the number of passes over all seasonalities.
    pub fn with_iterations(mut self, iterations: usize) -> Self {
        self.iterations = iterations;
        self
    }

    /// Applies a Box-Cox transform with this λ first.
    pub fn with_lambda(mut self, lambda: f32) -> Self {
        self.lambda = Some(lambda);
        self
    }

    /// Turns robustness iterations on or off.
    pub fn with_robust(mut self, robust: bool) -> Self {
        self.robust = robust;
        self
    }

    /// Checks the settings.
    pub(crate) fn validate(&self) -> Result<(), TimeSeriesError> {
        let fail = |setting, value: String, reason| {
            Err(TimeSeriesError::Setting {
                setting,
                value,
                reason,
            })
        };
        if self.periods.is_empty() {
            return fail("periods", "[]".into(), "name at least one period");
        }
        if let Some(bad) = self.periods.iter().find(|p| **p < 2) {
            return fail(
                "periods",
                bad.to_string(),
                "every period must be at least 2",
            );
        }
        if let Some(lengths) = &self.seasonal_lengths {
            if lengths.len() != self.periods.len() {
                return fail(
                    "seasonal_lengths",
                    format!("{lengths:?}"),
                    "give one per period",
                );
            }
            if let Some(bad) = lengths.iter().find(|l| **l < 3 || l.is_multiple_of(2)) {
                return fail(
                    "seasonal_lengths",
                    bad.to_string(),
                    "each must be odd and ≥ 3",
                );
            }
        }
        if let Some(lambda) = self.lambda
            && !(0.0..=1.0).contains(&lambda)
        {
            return fail("lambda", lambda.to_string(), "must be between 0 and 1");
        }
        if self.iterations == 0 {
            return fail("iterations", "0".into(), "must be at least 1");
        }
        validate_degrees_and_jumps(&self.degrees, &[1, 1, 1])?;
        validate_common(&self.common)
    }
}

fn next_odd(value: usize) -> usize {
    if value.is_multiple_of(2) {
        value + 1
    } else {
        value
    }
}

fn validate_degrees_and_jumps(
    degrees: &[i32; 3],
    jumps: &[usize; 3],
) -> Result<(), TimeSeriesError> {
    if let Some(bad) = degrees.iter().find(|d| **d != 0 && **d != 1) {
        return Err(TimeSeriesError::Setting {
            setting: "degrees",
            value: bad.to_string(),
            reason: "each LOESS degree must be 0 or 1",
        });
    }
    if jumps.contains(&0) {
        return Err(TimeSeriesError::Setting {
            setting: "jumps",
            value: "0".into(),
            reason: "each interpolation step must be at least 1",
        });
    }
    Ok(())
}

fn validate_common(common: &CommonOptions) -> Result<(), TimeSeriesError> {
    if !common.score_threshold.is_finite() {
        return Err(TimeSeriesError::Setting {
            setting: "score_threshold",
            value: common.score_threshold.to_string(),
            reason: "must be a finite number",
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statsmodels_derived_lengths() {
        let opts = StlOptions::default();
        assert_eq!(opts.trend_length(), 47);
        assert_eq!(opts.low_pass_length(), 25);
        assert_eq!(opts.inner_passes(), 5);
        assert_eq!(opts.outer_passes(), 0);
        let robust = opts.with_robust(true);
        assert_eq!((robust.inner_passes(), robust.outer_passes()), (2, 15));
        assert_eq!(StlOptions::default().with_period(7).low_pass_length(), 9);
    }

    #[test]
    fn rejects_even_seasonal_and_short_trend() {
        assert!(StlOptions::default().with_seasonal(8).validate().is_err());
        assert!(StlOptions::default().with_trend(23).validate().is_err());
        assert!(StlOptions::default().with_period(1).validate().is_err());
        assert!(StlOptions::default().validate().is_ok());
    }

    #[test]
    fn enums_round_trip() {
        for fill in [
            FillPolicy::Zero,
            FillPolicy::Previous,
            FillPolicy::Linear,
            FillPolicy::Error,
        ] {
            assert_eq!(fill.to_string().parse::<FillPolicy>().ok(), Some(fill));
        }
        assert_eq!(
            "Two-Sided".parse::<AnomalyRule>().ok(),
            Some(AnomalyRule::TwoSided)
        );
        assert!("median".parse::<Aggregation>().is_err());
    }
}
