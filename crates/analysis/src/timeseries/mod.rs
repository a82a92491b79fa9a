//! Time-series anomalies by seasonal decomposition, after msticpy's `analysis.timeseries`.
//!
//! - [`ts_anomalies_stl`] (alias [`timeseries_anomalies_stl`]): STL on one column over time →
//!   residual, trend, seasonal, weights, baseline (= seasonal + trend), score (z-score of the
//!   residual) and anomalies (`1` / `-1` / `0`), with msticpy's defaults (`seasonal` 7,
//!   `period` 24, threshold 3). [`decompose_stl`] also reports filled buckets and skipped rows.
//! - [`ts_anomalies_mstl`]: MSTL for several seasonalities at once (e.g. daily and weekly).
//! - [`find_anomaly_periods`] / [`extract_anomaly_periods`]: flagged rows merged into padded
//!   windows; [`kql_time_filter`] turns them into a KQL `where` clause.
//! - [`apply_threshold`]: re-flag a scored frame with another threshold.
//!
//! Input need not be regular: time stamps are sorted and bucketed on a fixed [`Interval`]
//! (inferred as the most common gap unless given), values in one bucket are summed (or
//! averaged, …, see [`Aggregation`]) and empty buckets are filled by a [`FillPolicy`] —
//! zero by default, right for counts. Files: `series` (regularising), `decompose` (STL,
//! MSTL, framing), `score` (z-scores, flags), `periods`, `options`, `interval`, `error`.
//!
//! ```
//! use polars::prelude::*;
//! use huntbook_analysis::timeseries::{StlOptions, ts_anomalies_stl};
//! let hours: Vec<i64> = (0..72).map(|h| h * 3_600_000_000).collect();
//! let counts: Vec<f64> = (0..72).map(|h| if h == 40 { 90.0 } else { (h % 24) as f64 }).collect();
//! let time = Int64Chunked::from_vec("TimeGenerated".into(), hours)
//!     .into_datetime(TimeUnit::Microseconds, None).into_column();
//! let df = DataFrame::new(72, vec![time, Column::new("Total".into(), counts)]).unwrap();
//! let out = ts_anomalies_stl(&df, &StlOptions::default()).unwrap();
//! assert_eq!(out.height(), 72);
//! ```

mod decompose;
mod error;
mod interval;
mod options;
mod periods;
mod score;
mod series;

pub use decompose::{
    Decomposition, decompose_mstl, decompose_stl, ts_anomalies_mstl, ts_anomalies_stl,
};
pub use error::TimeSeriesError;
pub use interval::Interval;
pub use options::{
    Aggregation, AnomalyRule, CommonOptions, FillPolicy, MstlOptions, SeriesOptions, StlOptions,
};
pub use periods::{
    AnomalyPeriod, PeriodOptions, extract_anomaly_periods, find_anomaly_periods, kql_time_filter,
};
pub use score::apply_threshold;
pub use series::SkippedRow;

/// msticpy's other name for [`ts_anomalies_stl`].
pub use decompose::ts_anomalies_stl as timeseries_anomalies_stl;
