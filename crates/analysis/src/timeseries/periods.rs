//! Anomaly periods: flagged rows merged into padded time windows (msticpy's
//! `extract_anomaly_periods` / `find_anomaly_periods`), and a KQL filter for them.

use chrono::{DateTime, Utc};
use polars::prelude::*;

use super::error::{TimeSeriesError, column_list};
use super::interval::Interval;
use super::series::parse_time;

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// One window of anomalous activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnomalyPeriod {
    /// One period before the first anomalous bucket.
    pub start: DateTime<Utc>,
    /// One period after the last anomalous bucket.
    pub end: DateTime<Utc>,
}

/// Settings of [`find_anomaly_periods`]; the defaults are msticpy's.
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodOptions {
    /// The time column (msticpy: `TimeGenerated`).
    pub time_column: String,
    /// The column of `1` / `-1` / `0` flags (msticpy: `anomalies`).
    pub anomalies_column: String,
    /// Bucket width and padding (msticpy: `"1h"`).
    pub period: Interval,
    /// Only `1` flags (the default); otherwise `-1` flags too.
    pub pos_only: bool,
}

impl Default for PeriodOptions {
    fn default() -> Self {
        Self {
            time_column: "TimeGenerated".into(),
            anomalies_column: "anomalies".into(),
            period: Interval::from_secs(3600),
            pos_only: true,
        }
    }
}

impl PeriodOptions {
    /// Names the time column.
    pub fn with_time_column(mut self, column: impl Into<String>) -> Self {
        self.time_column = column.into();
        self
    }

    /// Names the flags column.
    pub fn with_anomalies_column(mut self, column: impl Into<String>) -> Self {
        self.anomalies_column = column.into();
        self
    }

    /// Sets the bucket width and padding.
    pub fn with_period(mut self, period: Interval) -> Self {
        self.period = period;
        self
    }

    /// Keeps only positive flags (`true`) or both signs (`false`).
    pub fn with_pos_only(mut self, pos_only: bool) -> Self {
        self.pos_only = pos_only;
        self
    }
}

/// Merges flagged rows into windows, in time order.
///
/// Flagged time stamps are bucketed on `period` from midnight (UTC) of the first one's day,
/// as pandas' `resample` does. Each bucket opens a window from one period before to one
/// period after it; a bucket no more than two periods after the previous one extends the
/// window instead.
pub fn find_anomaly_periods(
    df: &DataFrame,
    options: &PeriodOptions,
) -> Result<Vec<AnomalyPeriod>, TimeSeriesError> {
    let buckets = anomalous_buckets(df, options)?;
    let step = options.period.micros();

    let mut windows: Vec<(i64, i64)> = Vec::new();
    let mut previous: Option<i64> = None;
    for bucket in buckets {
        match (previous, windows.last_mut()) {
            (Some(last), Some(window)) if bucket - last <= 2 * step => window.1 = bucket + step,
            _ => windows.push((bucket - step, bucket + step)),
        }
        previous = Some(bucket);
    }

    Ok(windows
        .into_iter()
        .filter_map(|(start, end)| {
            let start = DateTime::from_timestamp_micros(start)?;
            let end = DateTime::from_timestamp_micros(end)?;
            Some(AnomalyPeriod { start, end })
        })
        .collect())
}

/// [`find_anomaly_periods`] as a frame with `start` and `end` date-time columns (UTC).
pub fn extract_anomaly_periods(
    df: &DataFrame,
    options: &PeriodOptions,
) -> Result<DataFrame, TimeSeriesError> {
    let periods = find_anomaly_periods(df, options)?;
    let stamps = |name: &str, pick: fn(&AnomalyPeriod) -> DateTime<Utc>| -> Column {
        let micros: Vec<i64> = periods.iter().map(|p| pick(p).timestamp_micros()).collect();
        Int64Chunked::from_vec(name.into(), micros)
            .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
            .into_column()
    };
    let columns = vec![stamps("start", |p| p.start), stamps("end", |p| p.end)];
    Ok(DataFrame::new(periods.len(), columns)?)
}

/// A KQL `where` clause keeping only the periods (msticpy's `create_time_period_kqlfilter`),
/// e.g. `| where TimeGenerated between (datetime(2019-05-13T16:00:00Z) .. datetime(…))`.
pub fn kql_time_filter(periods: &[AnomalyPeriod], time_column: &str) -> String {
    let clauses: Vec<String> = periods
        .iter()
        .map(|p| {
            format!(
                "{time_column} between (datetime({}) .. datetime({}))",
                p.start.format("%Y-%m-%dT%H:%M:%S%.fZ"),
                p.end.format("%Y-%m-%dT%H:%M:%S%.fZ"),
            )
        })
        .collect();
    format!("| where {}", clauses.join(" or "))
}

/// Start times of the distinct buckets holding a wanted flag, ascending.
fn anomalous_buckets(df: &DataFrame, options: &PeriodOptions) -> Result<Vec<i64>, TimeSeriesError> {
    let missing = |column: &str| TimeSeriesError::MissingColumn {
        column: column.to_string(),
        available: column_list(df),
    };
    let times = df
        .column(&options.time_column)
        .map_err(|_| missing(&options.time_column))?;
    let flags = df
        .column(&options.anomalies_column)
        .map_err(|_| missing(&options.anomalies_column))?
        .cast(&DataType::Int64)?;

    let times = time_micros(times)?;
    let mut stamps: Vec<i64> = times
        .into_iter()
        .zip(flags.i64()?.iter())
        .filter_map(|(time, flag)| match flag {
            Some(1) => time,
            Some(-1) if !options.pos_only => time,
            _ => None,
        })
        .collect();
    stamps.sort_unstable();

    let Some(&first) = stamps.first() else {
        return Ok(Vec::new());
    };
    let origin = first.div_euclid(MICROS_PER_DAY) * MICROS_PER_DAY;
    let step = options.period.micros();
    let mut buckets: Vec<i64> = stamps
        .iter()
        .map(|t| origin + (t - origin).div_euclid(step) * step)
        .collect();
    buckets.dedup();
    Ok(buckets)
}

fn time_micros(column: &Column) -> Result<Vec<Option<i64>>, TimeSeriesError> {
    match column.dtype() {
        DataType::Datetime(unit, _) => {
            let to_micros = |v: i64| match unit {
                TimeUnit::Nanoseconds => v.div_euclid(1_000),
                TimeUnit::Microseconds => v,
                TimeUnit::Milliseconds => v.saturating_mul(1_000),
            };
            Ok(column
                .datetime()?
                .physical()
                .iter()
                .map(|v| v.map(to_micros))
                .collect())
        }
        DataType::String => Ok(column
            .str()?
            .iter()
            .map(|t| t.and_then(parse_time))
            .collect()),
        other => Err(TimeSeriesError::ColumnType {
            column: column.name().to_string(),
            dtype: other.to_string(),
            expected: "a date-time or ISO 8601 text column",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000_000;

    fn flagged(hours: &[i64], flags: &[i64]) -> DataFrame {
        let base = 1_557_000_000_000_000 - 1_557_000_000_000_000 % MICROS_PER_DAY;
        let times: Vec<i64> = hours.iter().map(|h| base + h * HOUR).collect();
        let time = Int64Chunked::from_vec("TimeGenerated".into(), times)
            .into_datetime(TimeUnit::Microseconds, None)
            .into_column();
        DataFrame::new(
            hours.len(),
            vec![time, Column::new("anomalies".into(), flags.to_vec())],
        )
        .unwrap()
    }

    fn hours(periods: &[AnomalyPeriod]) -> Vec<(i64, i64)> {
        let base = 1_557_000_000_000_000 - 1_557_000_000_000_000 % MICROS_PER_DAY;
        let h = |t: DateTime<Utc>| (t.timestamp_micros() - base) / HOUR;
        periods.iter().map(|p| (h(p.start), h(p.end))).collect()
    }

    #[test]
    fn pads_and_merges_near_anomalies() {
        let df = flagged(&[1, 2, 3, 5, 6, 10, 20], &[0, 1, 1, 1, 0, 1, -1]);
        let periods = find_anomaly_periods(&df, &PeriodOptions::default()).unwrap();
        assert_eq!(hours(&periods), vec![(1, 6), (9, 11)]);
        let both = PeriodOptions::default().with_pos_only(false);
        let periods = find_anomaly_periods(&df, &both).unwrap();
        assert_eq!(hours(&periods), vec![(1, 6), (9, 11), (19, 21)]);
    }

    #[test]
    fn frame_and_kql_forms() {
        let df = flagged(&[3], &[1]);
        let frame = extract_anomaly_periods(&df, &PeriodOptions::default()).unwrap();
        assert_eq!(frame.shape(), (1, 2));
        let periods = find_anomaly_periods(&df, &PeriodOptions::default()).unwrap();
        let kql = kql_time_filter(&periods, "TimeGenerated");
        assert!(
            kql.starts_with("| where TimeGenerated between (datetime(2019-05-0"),
            "{kql}"
        );
        assert!(
            kql.contains("T02:00:00Z) .. datetime(") && kql.ends_with("T04:00:00Z))"),
            "{kql}"
        );
    }

    #[test]
    fn no_flags_no_periods() {
        let df = flagged(&[1, 2], &[0, 0]);
        assert!(
            find_anomaly_periods(&df, &PeriodOptions::default())
                .unwrap()
                .is_empty()
        );
    }
}
