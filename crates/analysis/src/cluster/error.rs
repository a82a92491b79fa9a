//! Errors of the clustering tools, each naming the column or setting at fault.

use thiserror::Error;

/// What went wrong while computing features or clustering.
#[derive(Debug, Error)]
pub enum ClusterError {
    /// A column the tool needs is not in the frame.
    #[error("column `{column}` is not in the frame (columns: {available})")]
    MissingColumn {
        /// The column asked for.
        column: String,
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

    /// No feature columns were named and the frame has no numeric or boolean column.
    #[error("no feature columns: name them with `with_columns` (columns: {available})")]
    NoFeatures {
        /// The columns the frame has, comma-separated.
        available: String,
    },

    /// A setting has a value the tool cannot use.
    #[error("invalid setting `{setting}` = {value}: {reason}")]
    Setting {
        /// The setting's name, as in the options builder.
        setting: &'static str,
        /// The value given.
        value: String,
        /// Why it is not accepted.
        reason: &'static str,
    },

    /// polars failed while building or reading a frame.
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
}

/// Lists a frame's column names for error messages.
pub(crate) fn column_list(df: &polars::prelude::DataFrame) -> String {
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    names.join(", ")
}

/// The error for a column that is not in the frame.
pub(crate) fn missing(df: &polars::prelude::DataFrame, column: &str) -> ClusterError {
    ClusterError::MissingColumn {
        column: column.to_string(),
        available: column_list(df),
    }
}
