//! Reading typed values out of frame columns: text, and times as UTC milliseconds.
//!
//! Shared by the command-line, auditd and syslog modules, whose inputs come from Log
//! Analytics exports (times as text in several layouts) as often as from typed frames.

use chrono::{DateTime, NaiveDateTime};
use polars::prelude::*;

/// A column that is missing or holds the wrong kind of values.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ColumnError {
    /// The frame has no such column.
    #[error("column {column:?} is not in the frame (columns: {available})")]
    Missing {
        /// The column asked for.
        column: String,
        /// The columns the frame has, comma-separated.
        available: String,
    },
    /// The column's values cannot be read as the kind asked for.
    #[error("column {column:?} holds {dtype}; expected {expected}")]
    WrongType {
        /// The column asked for.
        column: String,
        /// Its data type.
        dtype: String,
        /// What was expected.
        expected: &'static str,
    },
}

/// The column, or [`ColumnError::Missing`] listing the columns there are.
pub(crate) fn column<'a>(df: &'a DataFrame, name: &str) -> Result<&'a Column, ColumnError> {
    df.column(name).map_err(|_| ColumnError::Missing {
        column: name.to_string(),
        available: df
            .get_column_names()
            .iter()
            .map(|c| c.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// A column's values as text; numbers and other scalars are formatted.
pub(crate) fn strings(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, ColumnError> {
    let col = column(df, name)?;
    let wrong = || ColumnError::WrongType {
        column: name.to_string(),
        dtype: col.dtype().to_string(),
        expected: "text",
    };
    let cast = col.cast(&DataType::String).map_err(|_| wrong())?;
    let values = cast.str().map_err(|_| wrong())?;
    Ok(values.iter().map(|v| v.map(str::to_string)).collect())
}

/// Text values of an optional column: all `None` when the frame lacks it.
pub(crate) fn strings_or_null(df: &DataFrame, name: &str) -> Vec<Option<String>> {
    strings(df, name).unwrap_or_else(|_| vec![None; df.height()])
}

/// A column's values as UTC milliseconds since the epoch.
///
/// Datetime and Date columns are read directly; text is parsed as RFC 3339,
/// `YYYY-MM-DD HH:MM:SS[.fff]`, `YYYY-MM-DDTHH:MM:SS[.fff]` or `M/D/YYYY H:MM[:SS]` (UTC).
/// Unparseable text gives `None` for that row.
pub(crate) fn times_ms(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>, ColumnError> {
    let col = column(df, name)?;
    let wrong = || ColumnError::WrongType {
        column: name.to_string(),
        dtype: col.dtype().to_string(),
        expected: "a datetime, a date or time text",
    };
    match col.dtype() {
        DataType::Datetime(unit, _) => {
            let per_ms = match unit {
                TimeUnit::Nanoseconds => 1_000_000,
                TimeUnit::Microseconds => 1_000,
                TimeUnit::Milliseconds => 1,
            };
            physical_i64(col)
                .map(|v| {
                    v.into_iter()
                        .map(|t| t.map(|t| t.div_euclid(per_ms)))
                        .collect()
                })
                .ok_or_else(wrong)
        }
        DataType::Date => physical_i64(col)
            .map(|v| v.into_iter().map(|d| d.map(|d| d * 86_400_000)).collect())
            .ok_or_else(wrong),
        DataType::String => {
            let values = col.str().map_err(|_| wrong())?;
            Ok(values.iter().map(|v| v.and_then(parse_time_ms)).collect())
        }
        _ => Err(wrong()),
    }
}

fn physical_i64(col: &Column) -> Option<Vec<Option<i64>>> {
    let physical = col.as_materialized_series().to_physical_repr();
    let as_i64 = physical.cast(&DataType::Int64).ok()?;
    let values = as_i64.i64().ok()?;
    Some(values.iter().collect())
}

/// Text time as UTC milliseconds, in the layouts Log Analytics exports use.
pub(crate) fn parse_time_ms(text: &str) -> Option<i64> {
    const NAIVE: [&str; 6] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
    ];

    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let bare = text
        .trim_end_matches('Z')
        .trim_end_matches(" UTC")
        .trim_end_matches("+00:00");
    NAIVE
        .iter()
        .find_map(|layout| NaiveDateTime::parse_from_str(bare, layout).ok())
        .map(|t| t.and_utc().timestamp_millis())
}

/// A UTC datetime column (milliseconds) from epoch milliseconds.
pub(crate) fn datetime_column(name: &str, values: Vec<Option<i64>>) -> Column {
    Int64Chunked::from_iter_options(name.into(), values.into_iter())
        .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
        .into_series()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_export_layouts() {
        let want = Some(1_562_771_605_813);
        assert_eq!(parse_time_ms("2019-07-10T15:13:25.813Z"), want);
        assert_eq!(parse_time_ms("2019-07-10 15:13:25.813"), want);
        assert_eq!(parse_time_ms("7/8/2019 16:08"), Some(1_562_602_080_000));
        assert_eq!(parse_time_ms("yesterday"), None);
    }

    #[test]
    fn reads_typed_and_text_times() {
        let df = DataFrame::new(
            2,
            vec![
                Column::new("t".into(), ["2019-07-10 15:13:07", "bad"]),
                datetime_column("d", vec![Some(5), None]),
            ],
        )
        .unwrap();
        assert_eq!(
            times_ms(&df, "t").unwrap(),
            vec![Some(1_562_771_587_000), None]
        );
        assert_eq!(times_ms(&df, "d").unwrap(), vec![Some(5), None]);
        assert!(matches!(
            times_ms(&df, "x"),
            Err(ColumnError::Missing { .. })
        ));
    }
}
