//! Errors from building an extractor or extracting from a frame.

use polars::prelude::PolarsError;

/// What went wrong in IoC extraction.
#[derive(Debug, thiserror::Error)]
pub enum IocError {
    /// A built-in pattern did not compile (a bug in huntbook; please report it).
    #[error("IoC pattern failed to compile: {source}")]
    Pattern {
        /// The regex build error.
        source: Box<regex_automata::meta::BuildError>,
    },

    /// A built-in pattern did not compile into the anchored DFA (a bug in huntbook; please
    /// report it).
    #[error("IoC pattern failed to compile into a DFA: {source}")]
    Dfa {
        /// The DFA build error.
        source: Box<regex_automata::hybrid::BuildError>,
    },

    /// The bundled TLD list did not parse (a bug in huntbook; please report it).
    #[error("bundled TLD list (data/ioc/tlds.json) did not parse: {0}")]
    TldList(serde_json::Error),

    /// A requested column is not in the frame.
    #[error("column {column:?} is not in the frame; its columns are: {available}")]
    MissingColumn {
        /// The column asked for.
        column: String,
        /// The frame's columns, comma-separated.
        available: String,
    },

    /// A requested column does not hold text.
    #[error("column {column:?} has dtype {dtype}, not str; cast it to a string column first")]
    NotText {
        /// The column asked for.
        column: String,
        /// Its dtype.
        dtype: String,
    },

    /// A frame longer than `u32::MAX` rows (the `source_row` column is u32).
    #[error(
        "frame has {rows} rows; IoC extraction supports at most {} rows",
        u32::MAX
    )]
    TooManyRows {
        /// The frame's height.
        rows: usize,
    },

    /// polars failed building or reading a frame.
    #[error("building the IoC frame failed: {0}")]
    Frame(#[from] PolarsError),
}
