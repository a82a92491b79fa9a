//! Errors of the time-series tools, each saying which column or setting was wrong.

use thiserror::Error;

/// What went wrong while decomposing a series or extracting its anomaly periods.
#[derive(Debug, Error)]
pub enum TimeSeriesError {
    /// A column named in the options (or needed by default) is not in the frame.
    #[error("column `{column}` is not in the frame (columns: {available})")]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The columns the frame has, comma-separated.
        available: String,
    },

    /// No time column was named and none of the frame's columns holds date-times.
    #[error("no time column: name one with `with_time_column` (columns: {available})")]
    NoTimeColumn {
        /// The columns the frame has, comma-separated.
        available: String,
    },

    /// No value column was named and no numeric column other than the time column exists.
    #[error("no numeric value column: name one with `with_data_column` (columns: {available})")]
    NoValueColumn {
        /// The columns the frame has, comma-separated.
        available: String,
    },

    /// A column has a type the tool cannot use.
    #[error("column `{column}` has type {dtype}, expected {expected}")]
    ColumnType {
        /// The column.
        column: String,
        /// Its type.
        dtype: String,
        /// What it should be.
        expected: &'static str,
    },

    /// The series is too short for the decomposition asked for.
    #[error(
        "series has {points} points, STL needs at least 2 periods ({needed} points for \
         period {period}); use a smaller period or a longer time range"
    )]
    TooShort {
        /// Points in the (bucketed) series.
        points: usize,
        /// The period that was asked for.
        period: usize,
        /// Points needed.
        needed: usize,
    },

    /// A setting has a value STL cannot use.
    #[error("invalid setting `{setting}` = {value}: {reason}")]
    Setting {
        /// The setting's name, as in the options builder.
        setting: &'static str,
        /// The value given.
        value: String,
        /// Why it is not accepted.
        reason: &'static str,
    },

    /// A time interval such as `"1h"` could not be read.
    #[error(
        "cannot read interval `{text}`: {reason} (write a number and a unit: ms, s, min, h, d, w \
         — e.g. \"1h\", \"15min\")"
    )]
    Interval {
        /// The text given.
        text: String,
        /// What was wrong.
        reason: &'static str,
    },

    /// Missing buckets were found and the fill policy says to refuse them.
    #[error(
        "series has {missing} missing bucket(s), first at {first}; choose a fill policy other \
         than `error` to fill them"
    )]
    MissingBuckets {
        /// How many buckets had no value.
        missing: usize,
        /// The first missing bucket's start, RFC 3339.
        first: String,
    },

    /// The decomposition library refused the series.
    #[error("STL failed: {0}")]
    Stl(String),

    /// polars failed while building or reading a frame.
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// Lists a frame's column names for error messages.
pub(crate) fn column_list(df: &polars::prelude::DataFrame) -> String {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    names.join(", ")
}
