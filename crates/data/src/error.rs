//! The data layer's error type.
//!
//! Every variant names what it is about (a query, a parameter, a file and line) so that a
//! notebook user reading the message knows what to fix.

use std::path::PathBuf;

use crate::driver::DriverError;

/// What went wrong in the data layer, with where it happened.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    /// A driver failed to run a query.
    #[error(transparent)]
    Driver(#[from] DriverError),

    /// The configuration file could not be read or is malformed.
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),

    /// A query file could not be read.
    #[error("cannot read query file {path}: {source}")]
    QueryFileIo {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A query file is not valid YAML or does not follow the query file schema.
    #[error("query file {file}: {message}")]
    QueryFile {
        /// The file (or `built-in:<name>` for a file shipped in the crate).
        file: String,
        /// What is wrong, with the line where the YAML parser knows it.
        message: String,
    },

    /// No query has this name.
    #[error("no query '{name}'{}", did_you_mean(.suggestions))]
    UnknownQuery {
        /// The name asked for.
        name: String,
        /// Close names that do exist.
        suggestions: Vec<String>,
    },

    /// A short query name matches queries in several families.
    #[error("query name '{name}' is ambiguous; use one of: {}", .candidates.join(", "))]
    AmbiguousQuery {
        /// The name asked for.
        name: String,
        /// The full `family.name` candidates.
        candidates: Vec<String>,
    },

    /// Required parameters have no value and no default.
    #[error("query {query}: missing required parameter{} {}", plural(.missing), describe(.missing))]
    MissingParameter {
        /// The query.
        query: String,
        /// Each missing parameter with its type and description from the query file.
        missing: Vec<(String, String)>,
    },

    /// A parameter value does not have the declared type.
    #[error("parameter {parameter}: expected {expected}, got '{value}'")]
    ParameterType {
        /// The parameter.
        parameter: String,
        /// The declared type (`datetime`, `int`, …).
        expected: String,
        /// The value given, as text.
        value: String,
    },

    /// A query template could not be rendered.
    #[error("query {query}: {source}")]
    Template {
        /// The query.
        query: String,
        /// What was wrong with the template.
        source: crate::query::TemplateError,
    },

    /// A time range is empty or reversed, or a split chunk is zero.
    #[error("invalid time range: {message}")]
    TimeRange {
        /// What is wrong.
        message: String,
    },

    /// A DataFrame operation failed while shaping results.
    #[error("{context}: {message}")]
    Frame {
        /// What was being done.
        context: String,
        /// Polars' message.
        message: String,
    },

    /// A file could not be written (sample data, exports).
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl DataError {
    /// Wraps a polars error with what was being done.
    pub fn frame(context: impl Into<String>, error: polars::error::PolarsError) -> DataError {
        DataError::Frame {
            context: context.into(),
            message: error.to_string(),
        }
    }
}

fn did_you_mean(suggestions: &[String]) -> String {
    if suggestions.is_empty() {
        "; list_queries() shows the names".to_string()
    } else {
        format!("; did you mean {}?", suggestions.join(", "))
    }
}

fn plural(items: &[(String, String)]) -> &'static str {
    if items.len() == 1 { "" } else { "s" }
}

fn describe(missing: &[(String, String)]) -> String {
    let described: Vec<String> = missing
        .iter()
        .map(|(name, about)| format!("'{name}' ({about})"))
        .collect();
    described.join(", ")
}
