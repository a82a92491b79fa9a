//! Grouping events into sessions per user (or any key), as msticpy's `sessionize_data` does.
//!
//! Events are sorted by the key columns, then time. A new session starts when a key value
//! changes, when the gap to the previous event exceeds `max_event_gap`, or when the session would
//! run longer than `max_session_duration`.

use chrono::Duration;
use polars::prelude::*;

use crate::proctree::values::{parse_time, text_values};

use super::AnomSeqError;

/// Options for [`sessionize`] and [`create_session_col`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionizeOptions {
    /// Columns identifying who a session belongs to (user, host, …).
    pub user_columns: Vec<String>,
    /// Event time column (Datetime, or text in a common timestamp layout).
    pub time_column: String,
    /// Column whose values become the session's list (commands, event ids, …).
    pub event_column: String,
    /// Longest session.
    pub max_session_duration: Duration,
    /// Longest gap between consecutive events of one session.
    pub max_event_gap: Duration,
}

impl SessionizeOptions {
    /// Options with 20-minute sessions and 2-minute gaps (the limits msticpy's documentation
    /// uses; msticpy itself has no defaults).
    pub fn new(user_columns: &[&str], time_column: &str, event_column: &str) -> Self {
        SessionizeOptions {
            user_columns: user_columns.iter().map(|c| c.to_string()).collect(),
            time_column: time_column.to_string(),
            event_column: event_column.to_string(),
            max_session_duration: Duration::minutes(20),
            max_event_gap: Duration::minutes(2),
        }
    }

    /// Sets the longest session.
    pub fn with_max_session_duration(mut self, d: Duration) -> Self {
        self.max_session_duration = d;
        self
    }

    /// Sets the longest gap between events.
    pub fn with_max_event_gap(mut self, d: Duration) -> Self {
        self.max_event_gap = d;
        self
    }
}

/// Sessions and the rows that could not be placed.
#[derive(Debug, Clone)]
pub struct Sessionized {
    /// One row per session: the user columns, `session_ind`, `{time}_min`, `{time}_max`,
    /// `{event}_list`, `duration` and `number_events`. Text times are parsed into UTC datetimes.
    pub sessions: DataFrame,
    /// Rows without a usable time: `row`, `field`, `value`, `message`.
    pub errors: DataFrame,
}

/// The input rows (those with a usable time), sorted by user columns and time, with a
/// `session_ind` column (UInt32, 0-based), and the errors frame for the rest.
pub fn create_session_col(
    data: &DataFrame,
    options: &SessionizeOptions,
) -> Result<(DataFrame, DataFrame), AnomSeqError> {
    for c in options
        .user_columns
        .iter()
        .chain([&options.time_column, &options.event_column])
    {
        if data.column(c).is_err() {
            return Err(AnomSeqError::MissingColumn { column: c.clone() });
        }
    }
    let (times, errors) = read_times(data, &options.time_column)?;
    let keep = BooleanChunked::from_iter_values("keep".into(), times.iter().map(Option::is_some));
    let mut frame = data.filter(&keep)?;
    let times: Vec<i64> = times.into_iter().flatten().collect();
    let temporal = matches!(
        frame.column(&options.time_column)?.dtype(),
        DataType::Datetime(_, _)
    );
    if !temporal {
        // Text (or Date) times become UTC datetimes so that min, max and duration are exact.
        let dt = Column::new(options.time_column.as_str().into(), times.clone()).cast(
            &DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC)),
        )?;
        frame.with_column(dt)?;
    }
    frame.with_column(Column::new(TIME_NS.into(), times))?;
    let mut by: Vec<PlSmallStr> = options
        .user_columns
        .iter()
        .map(|c| c.as_str().into())
        .collect();
    by.push(TIME_NS.into());
    let sorted = frame.sort(by, SortMultipleOptions::default().with_maintain_order(true))?;
    let ind = session_indexes(&sorted, options)?;
    let mut out = sorted.drop(TIME_NS)?;
    out.with_column(Column::new("session_ind".into(), ind))?;
    Ok((out, errors))
}

const TIME_NS: &str = "__time_ns";

fn read_times(data: &DataFrame, name: &str) -> Result<(Vec<Option<i64>>, DataFrame), AnomSeqError> {
    let col = data.column(name)?;
    let series = col.as_materialized_series();
    let (times, bad): (Vec<Option<i64>>, Vec<(u32, String)>) = match series.dtype() {
        DataType::Datetime(_, _) | DataType::Date => {
            let ns = series.cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))?;
            let v: Vec<Option<i64>> = ns.to_physical_repr().i64()?.iter().collect();
            let bad = (0..v.len())
                .filter(|i| v[*i].is_none())
                .map(|i| (i as u32, String::new()));
            let bad = bad.collect();
            (v, bad)
        }
        _ => {
            let text = text_values(col)?;
            let v: Vec<Option<i64>> = text
                .iter()
                .map(|t| t.as_deref().and_then(parse_time))
                .collect();
            let bad = (0..v.len())
                .filter(|i| v[*i].is_none())
                .map(|i| (i as u32, text[i].clone().unwrap_or_default()))
                .collect();
            (v, bad)
        }
    };
    let errors = DataFrame::new(
        bad.len(),
        vec![
            Column::new("row".into(), bad.iter().map(|b| b.0).collect::<Vec<u32>>()),
            Column::new("field".into(), vec![name; bad.len()]),
            Column::new(
                "value".into(),
                bad.iter().map(|b| b.1.as_str()).collect::<Vec<&str>>(),
            ),
            Column::new(
                "message".into(),
                vec!["missing or unparseable time; row left out of sessions"; bad.len()],
            ),
        ],
    )?;
    Ok((times, errors))
}

fn session_indexes(sorted: &DataFrame, options: &SessionizeOptions) -> PolarsResult<Vec<u32>> {
    let users: Vec<Vec<Option<String>>> = options
        .user_columns
        .iter()
        .map(|c| sorted.column(c).and_then(text_values))
        .collect::<PolarsResult<_>>()?;
    let times: Vec<i64> = sorted.column(TIME_NS)?.i64()?.into_no_null_iter().collect();
    let max_gap = options.max_event_gap.num_nanoseconds().unwrap_or(i64::MAX);
    let max_len = options
        .max_session_duration
        .num_nanoseconds()
        .unwrap_or(i64::MAX);
    let mut out = Vec::with_capacity(times.len());
    let (mut ind, mut elapsed) = (0_u32, 0_i64);
    for i in 0..times.len() {
        if i > 0 {
            let gap = times[i] - times[i - 1];
            let changed = users.iter().any(|u| u[i] != u[i - 1]);
            if changed || gap > max_gap || elapsed + gap > max_len {
                ind += 1;
                elapsed = 0;
            } else {
                elapsed += gap;
            }
        }
        out.push(ind);
    }
    Ok(out)
}

/// One row per session (see [`Sessionized::sessions`]), sorted by user columns then time.
pub fn sessionize(
    data: &DataFrame,
    options: &SessionizeOptions,
) -> Result<Sessionized, AnomSeqError> {
    let (with_ind, errors) = create_session_col(data, options)?;
    let t = options.time_column.as_str();
    let ev = options.event_column.as_str();
    let (t_min, t_max, ev_list) = (format!("{t}_min"), format!("{t}_max"), format!("{ev}_list"));
    let mut keys: Vec<Expr> = options
        .user_columns
        .iter()
        .map(|c| col(c.as_str()))
        .collect();
    keys.push(col("session_ind"));
    let sessions = with_ind
        .lazy()
        .group_by_stable(keys)
        .agg([
            col(t).min().alias(t_min.as_str()),
            col(t).max().alias(t_max.as_str()),
            col(ev).alias(ev_list.as_str()),
            col(t).count().alias("number_events"),
        ])
        .with_column((col(t_max.as_str()) - col(t_min.as_str())).alias("duration"))
        .select(output_order(options, &t_min, &t_max, &ev_list))
        .collect()?;
    Ok(Sessionized { sessions, errors })
}

fn output_order(options: &SessionizeOptions, t_min: &str, t_max: &str, ev_list: &str) -> Vec<Expr> {
    let mut out: Vec<Expr> = options
        .user_columns
        .iter()
        .map(|c| col(c.as_str()))
        .collect();
    out.extend(
        [
            "session_ind",
            t_min,
            t_max,
            ev_list,
            "duration",
            "number_events",
        ]
        .into_iter()
        .map(col),
    );
    out
}
