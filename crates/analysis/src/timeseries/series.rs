//! Turns two columns of a frame into a regular series: time stamps read from date-time,
//! date or text columns, rows sorted, values bucketed on a fixed grid, empty buckets filled.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use polars::prelude::*;

use super::error::{TimeSeriesError, column_list};
use super::interval::Interval;
use super::options::{Aggregation, CommonOptions, FillPolicy, SeriesOptions};

/// More buckets than this means the interval is far too small for the time range.
const MAX_BUCKETS: usize = 50_000_000;

const ONE_HOUR: Interval = Interval::from_whole_secs(3600);

/// One input row left out of the series, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedRow {
    /// The row's position in the input frame (0-based).
    pub row: usize,
    /// What was wrong with it.
    pub reason: String,
}

/// A series on a regular grid, ready for STL.
#[derive(Debug, Clone)]
pub(crate) struct RegularSeries {
    pub time_name: String,
    pub value_name: String,
    pub time_zone: Option<TimeZone>,
    /// Start of the first bucket, microseconds since the Unix epoch.
    pub start: i64,
    pub interval: Interval,
    pub values: Vec<f64>,
    /// Buckets that had no value and were filled.
    pub filled: usize,
    pub skipped: Vec<SkippedRow>,
}

impl RegularSeries {
    /// Bucket start times, microseconds since the epoch.
    pub fn times(&self) -> Vec<i64> {
        let step = self.interval.micros();
        (0..self.values.len() as i64)
            .map(|i| self.start + i * step)
            .collect()
    }
}

/// Reads and regularises the series the options name.
pub(crate) fn regular_series(
    df: &DataFrame,
    common: &CommonOptions,
) -> Result<RegularSeries, TimeSeriesError> {
    let time_name = resolve_time_column(df, common.time_column.as_deref())?;
    let value_name = resolve_value_column(df, common.data_column.as_deref(), &time_name)?;
    let (times, time_zone) = read_times(df.column(&time_name)?)?;
    let values = read_values(df.column(&value_name)?)?;

    let mut skipped = Vec::new();
    let mut points = Vec::with_capacity(times.len());
    for (row, (time, value)) in times.into_iter().zip(values).enumerate() {
        match time {
            Some(time) => points.push((time, value.filter(|v| v.is_finite()))),
            None => skipped.push(SkippedRow {
                row,
                reason: format!("time stamp in `{time_name}` missing or unreadable"),
            }),
        }
    }
    points.sort_by_key(|(time, _)| *time);

    let grid = bucket(&points, &common.series)?;
    tracing::debug!(
        points = points.len(),
        buckets = grid.values.len(),
        interval = %grid.interval,
        "regularised series"
    );
    let (values, filled) = fill(grid.values, grid.start, grid.interval, common.series.fill)?;
    Ok(RegularSeries {
        time_name,
        value_name,
        time_zone,
        start: grid.start,
        interval: grid.interval,
        values,
        filled,
        skipped,
    })
}

fn resolve_time_column(df: &DataFrame, named: Option<&str>) -> Result<String, TimeSeriesError> {
    if let Some(name) = named {
        return require_column(df, name);
    }
    let temporal = df
        .columns()
        .iter()
        .find(|c| matches!(c.dtype(), DataType::Datetime(..) | DataType::Date));
    if let Some(column) = temporal {
        return Ok(column.name().to_string());
    }
    if df.column("TimeGenerated").is_ok() {
        return Ok("TimeGenerated".to_string());
    }
    Err(TimeSeriesError::NoTimeColumn {
        available: column_list(df),
    })
}

fn resolve_value_column(
    df: &DataFrame,
    named: Option<&str>,
    time_name: &str,
) -> Result<String, TimeSeriesError> {
    if let Some(name) = named {
        return require_column(df, name);
    }
    df.columns()
        .iter()
        .find(|c| c.name().as_str() != time_name && c.dtype().is_primitive_numeric())
        .map(|c| c.name().to_string())
        .ok_or_else(|| TimeSeriesError::NoValueColumn {
            available: column_list(df),
        })
}

fn require_column(df: &DataFrame, name: &str) -> Result<String, TimeSeriesError> {
    match df.column(name) {
        Ok(_) => Ok(name.to_string()),
        Err(_) => Err(TimeSeriesError::MissingColumn {
            column: name.to_string(),
            available: column_list(df),
        }),
    }
}

/// Time stamps as microseconds since the epoch, with the column's time zone.
fn read_times(column: &Column) -> Result<(Vec<Option<i64>>, Option<TimeZone>), TimeSeriesError> {
    match column.dtype() {
        DataType::Datetime(unit, zone) => {
            let scale = |v: i64| match unit {
                TimeUnit::Nanoseconds => v.div_euclid(1_000),
                TimeUnit::Microseconds => v,
                TimeUnit::Milliseconds => v.saturating_mul(1_000),
            };
            let physical = column.datetime()?.physical();
            Ok((
                physical.iter().map(|v| v.map(scale)).collect(),
                zone.clone(),
            ))
        }
        DataType::Date => {
            let days = column.date()?.physical();
            let micros = days
                .iter()
                .map(|d| d.map(|d| i64::from(d) * 86_400_000_000))
                .collect();
            Ok((micros, None))
        }
        DataType::String => {
            let text = column.str()?;
            Ok((
                text.iter().map(|t| t.and_then(parse_time)).collect(),
                Some(TimeZone::UTC),
            ))
        }
        other => Err(TimeSeriesError::ColumnType {
            column: column.name().to_string(),
            dtype: other.to_string(),
            expected: "a date-time, date or ISO 8601 text column",
        }),
    }
}

/// Reads an ISO 8601 / RFC 3339 time stamp; one without an offset is taken as UTC.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(stamp) = DateTime::parse_from_rfc3339(text) {
        return Some(stamp.timestamp_micros());
    }
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(stamp) = NaiveDateTime::parse_from_str(text, format) {
            return Some(stamp.and_utc().timestamp_micros());
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

fn read_values(column: &Column) -> Result<Vec<Option<f64>>, TimeSeriesError> {
    let dtype = column.dtype();
    if !(dtype.is_primitive_numeric() || dtype == &DataType::Boolean) {
        return Err(TimeSeriesError::ColumnType {
            column: column.name().to_string(),
            dtype: dtype.to_string(),
            expected: "a numeric column",
        });
    }
    let floats = column.cast(&DataType::Float64)?;
    Ok(floats.f64()?.iter().collect())
}

/// Values summed (or averaged, …) into buckets; `None` where a bucket got no value.
struct Grid {
    start: i64,
    interval: Interval,
    values: Vec<Option<f64>>,
}

fn bucket(points: &[(i64, Option<f64>)], options: &SeriesOptions) -> Result<Grid, TimeSeriesError> {
    let Some(&(start, _)) = points.first() else {
        return Ok(Grid {
            start: 0,
            interval: options.interval.unwrap_or(ONE_HOUR),
            values: vec![],
        });
    };
    let interval = match options.interval {
        Some(interval) => interval,
        None => infer_interval(points),
    };
    let step = interval.micros();
    let last = points.last().map_or(start, |(time, _)| *time);
    let buckets = usize::try_from((last - start) / step)
        .unwrap_or(usize::MAX)
        .saturating_add(1);
    if buckets > MAX_BUCKETS {
        return Err(TimeSeriesError::Setting {
            setting: "interval",
            value: interval.to_string(),
            reason: "gives more than 50 million buckets over the time range; use a wider one",
        });
    }

    let mut sums = vec![0.0; buckets];
    let mut counts = vec![0usize; buckets];
    for &(time, value) in points {
        let Some(value) = value else { continue };
        let index = ((time - start) / step) as usize;
        let count = &mut counts[index];
        let sum = &mut sums[index];
        *sum = match (options.aggregation, *count) {
            (_, 0) => value,
            (Aggregation::Sum | Aggregation::Mean, _) => *sum + value,
            (Aggregation::Max, _) => sum.max(value),
            (Aggregation::Min, _) => sum.min(value),
        };
        *count += 1;
    }

    let values = sums
        .into_iter()
        .zip(counts)
        .map(|(sum, count)| match (count, options.aggregation) {
            (0, _) => None,
            (n, Aggregation::Mean) => Some(sum / n as f64),
            _ => Some(sum),
        })
        .collect();
    Ok(Grid {
        start,
        interval,
        values,
    })
}

/// The most common positive gap between consecutive time stamps (the smallest on a tie); an
/// hour when there is no gap at all (the series is then too short for STL anyway).
fn infer_interval(points: &[(i64, Option<f64>)]) -> Interval {
    let mut gaps: HashMap<i64, usize> = HashMap::new();
    for pair in points.windows(2) {
        let gap = pair[1].0 - pair[0].0;
        if gap > 0 {
            *gaps.entry(gap).or_default() += 1;
        }
    }
    gaps.into_iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .and_then(|(gap, _)| Interval::from_micros(gap))
        .unwrap_or(ONE_HOUR)
}

/// Fills empty buckets by the policy; returns the values and how many were filled.
fn fill(
    values: Vec<Option<f64>>,
    start: i64,
    interval: Interval,
    policy: FillPolicy,
) -> Result<(Vec<f64>, usize), TimeSeriesError> {
    let missing = values.iter().filter(|v| v.is_none()).count();
    if missing == 0 {
        return Ok((values.into_iter().flatten().collect(), 0));
    }
    tracing::debug!(missing, %policy, "filling empty buckets");

    let filled = match policy {
        FillPolicy::Zero => values.iter().map(|v| v.unwrap_or(0.0)).collect(),
        FillPolicy::Previous => fill_previous(&values),
        FillPolicy::Linear => fill_linear(&values),
        FillPolicy::Error => {
            let first = values.iter().position(Option::is_none).unwrap_or(0) as i64;
            let stamp = DateTime::from_timestamp_micros(start + first * interval.micros());
            return Err(TimeSeriesError::MissingBuckets {
                missing,
                first: stamp.map(|s| s.to_rfc3339()).unwrap_or_default(),
            });
        }
    };
    Ok((filled, missing))
}

fn fill_previous(values: &[Option<f64>]) -> Vec<f64> {
    let first = values.iter().flatten().next().copied().unwrap_or(0.0);
    let mut last = first;
    values
        .iter()
        .map(|v| {
            if let Some(v) = v {
                last = *v;
            }
            last
        })
        .collect()
}

fn fill_linear(values: &[Option<f64>]) -> Vec<f64> {
    let known: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let mut out = fill_previous(values);
    for pair in known.windows(2) {
        let ((left, a), (right, b)) = (pair[0], pair[1]);
        for (offset, slot) in out[left + 1..right].iter_mut().enumerate() {
            let share = (offset + 1) as f64 / (right - left) as f64;
            *slot = a + (b - a) * share;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000;

    fn frame(times: &[i64], values: &[Option<f64>]) -> DataFrame {
        let time = Int64Chunked::from_vec("t".into(), times.to_vec())
            .into_datetime(TimeUnit::Microseconds, None)
            .into_series();
        let value = Series::new("v".into(), values.to_vec());
        DataFrame::new(times.len(), vec![time.into(), value.into()]).unwrap()
    }

    #[test]
    fn infers_hourly_grid_and_zero_fills_gaps() {
        let df = frame(
            &[0, HOUR, 3 * HOUR, 4 * HOUR],
            &[Some(1.0), Some(2.0), Some(4.0), None],
        );
        let series = regular_series(&df, &CommonOptions::default()).unwrap();
        assert_eq!(series.interval.micros(), HOUR);
        assert_eq!(series.values, vec![1.0, 2.0, 0.0, 4.0, 0.0]);
        assert_eq!(series.filled, 2);
        assert_eq!(
            (series.time_name.as_str(), series.value_name.as_str()),
            ("t", "v")
        );
    }

    #[test]
    fn buckets_irregular_stamps_by_sum() {
        let times = [0, 10 * 60_000_000, HOUR + 5, 2 * HOUR, 2 * HOUR + 1];
        let values = [Some(1.0), Some(1.0), Some(1.0), Some(1.0), Some(1.0)];
        let mut common = CommonOptions::default();
        common.series.interval = Some(Interval::from_secs(3600));
        let series = regular_series(&frame(&times, &values), &common).unwrap();
        assert_eq!(series.values, vec![2.0, 1.0, 2.0]);
    }

    #[test]
    fn linear_and_previous_fill() {
        let values = [Some(1.0), None, None, Some(4.0), None];
        assert_eq!(fill_linear(&values), vec![1.0, 2.0, 3.0, 4.0, 4.0]);
        assert_eq!(fill_previous(&values), vec![1.0, 1.0, 1.0, 4.0, 4.0]);
        let err = fill(
            values.to_vec(),
            0,
            Interval::from_secs(60),
            FillPolicy::Error,
        );
        assert!(err.unwrap_err().to_string().contains("3 missing bucket(s)"));
    }

    #[test]
    fn reads_text_time_stamps_and_skips_bad_ones() {
        let time = Series::new(
            "TimeGenerated".into(),
            ["2019-05-01T06:00:00Z", "nope", "2019-05-01 07:00:00"],
        );
        let value = Series::new("n".into(), [1i64, 2, 3]);
        let df = DataFrame::new(3, vec![time.into(), value.into()]).unwrap();
        let series = regular_series(&df, &CommonOptions::default()).unwrap();
        assert_eq!(series.values, vec![1.0, 3.0]);
        assert_eq!(series.skipped.len(), 1);
        assert_eq!(series.skipped[0].row, 1);
    }

    #[test]
    fn text_value_column_is_a_type_error() {
        let time = Series::new("TimeGenerated".into(), ["2019-05-01T06:00:00Z"]);
        let value = Series::new("n".into(), ["x"]);
        let df = DataFrame::new(1, vec![time.into(), value.into()]).unwrap();
        let common = CommonOptions {
            data_column: Some("n".into()),
            ..CommonOptions::default()
        };
        let err = regular_series(&df, &common).unwrap_err();
        assert!(
            err.to_string().contains("expected a numeric column"),
            "{err}"
        );
    }
}
