//! Driver errors: each names the driver and says what to do where that is known.
//!
//! Messages never contain secrets: URLs are reported without their query string and
//! credentials are never formatted.

use std::path::PathBuf;

/// What went wrong while a driver ran a query.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    /// A local file could not be read.
    #[error("{driver}: cannot read {path}: {source}")]
    Io {
        /// The driver's name.
        driver: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },

    /// A file or response body could not be parsed.
    #[error("{driver}: cannot parse {what}: {message}")]
    Parse {
        /// The driver's name.
        driver: &'static str,
        /// What was being parsed (a path, "response body", …).
        what: String,
        /// What was wrong.
        message: String,
    },

    /// The driver is not set up: a missing setting, an unknown query name.
    #[error("{driver}: {message}")]
    Config {
        /// The driver's name.
        driver: &'static str,
        /// What is missing and how to provide it.
        message: String,
    },

    /// The service answered with an error status.
    #[error("{driver}: {url} answered HTTP {status}: {message}")]
    Http {
        /// The driver's name.
        driver: &'static str,
        /// The URL without its query string.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The service's own error text, if any.
        message: String,
    },

    /// The service did not answer in time.
    #[error("{driver}: no answer from {url} within {seconds} s; raise the timeout or retry later")]
    Timeout {
        /// The driver's name.
        driver: &'static str,
        /// The URL without its query string.
        url: String,
        /// The timeout that passed.
        seconds: f64,
    },

    /// The service kept throttling after every retry.
    #[error(
        "{driver}: {url} is still throttling (HTTP 429) after {attempts} attempts; wait and retry, or lower the request rate"
    )]
    Throttled {
        /// The driver's name.
        driver: &'static str,
        /// The URL without its query string.
        url: String,
        /// How many requests were made.
        attempts: u32,
    },

    /// Authentication failed or no credentials were found.
    #[error("{driver}: authentication failed: {message}")]
    Auth {
        /// The driver's name.
        driver: &'static str,
        /// What failed and where credentials are read from.
        message: String,
    },

    /// The query itself failed on the server (syntax, semantic or partial-result errors).
    #[error("{driver}: query failed: {message}")]
    Query {
        /// The driver's name.
        driver: &'static str,
        /// The server's explanation.
        message: String,
    },

    /// The connection could not be made.
    #[error("{driver}: cannot connect to {url}: {message}")]
    Connect {
        /// The driver's name.
        driver: &'static str,
        /// The URL or address without credentials.
        url: String,
        /// The underlying error.
        message: String,
    },
}
