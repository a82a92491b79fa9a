//! The error every view builder returns.
//!
//! Messages name the view and the column or option at fault and say what to do, since a
//! notebook user reads them directly.

use polars::error::PolarsError;

/// Why a view could not be built.
#[derive(Debug, thiserror::Error)]
pub enum VizError {
    /// A column the view needs is not in the frame.
    #[error("{view}: column `{column}` not found; the frame has: {available}")]
    MissingColumn {
        /// The view being built.
        view: &'static str,
        /// The column asked for.
        column: String,
        /// The columns the frame does have, comma-separated.
        available: String,
    },
    /// A column has a type the view cannot read.
    #[error("{view}: column `{column}` has type {found}; expected {expected}")]
    WrongType {
        /// The view being built.
        view: &'static str,
        /// The column at fault.
        column: String,
        /// Its type.
        found: String,
        /// What the view can read instead.
        expected: &'static str,
    },
    /// An option that has no default was not set.
    #[error("{view}: `{option}` must be set ({hint})")]
    MissingOption {
        /// The view being built.
        view: &'static str,
        /// The builder method to call.
        option: &'static str,
        /// What the option means.
        hint: &'static str,
    },
    /// Polars failed while reading or converting a column.
    #[error("{view}: reading column `{column}`: {source}")]
    Polars {
        /// The view being built.
        view: &'static str,
        /// The column being read.
        column: String,
        /// The polars error.
        #[source]
        source: PolarsError,
    },
    /// The vendored world map could not be decoded (a corrupt build, never user input).
    #[error("world map data ({part}): {problem}")]
    MapData {
        /// The part of the TopoJSON document at fault.
        part: &'static str,
        /// What was wrong with it.
        problem: String,
    },
}
