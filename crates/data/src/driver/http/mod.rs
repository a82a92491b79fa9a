//! The HTTP layer every remote driver shares.
//!
//! - [`client`]: [`HttpClient`], a blocking facade over reqwest's async client (a small tokio
//!   runtime per client), with connect and total timeouts, retries with exponential backoff
//!   and jitter on 429/5xx honouring `Retry-After`, and errors that never show a query string
//!   or a secret.
//! - [`retry`]: `Retry-After` parsing and the backoff schedule.
//! - [`table`]: JSON rows to typed DataFrame columns ([`TableBuilder`], [`ColumnKind`]).
//! - [`collect_pages`]: runs a paged request until the service says there is no more.
//!
//! Memory: a JSON answer is read whole into one buffer (sized from `Content-Length`). Log
//! Analytics and Defender/Graph answers are parsed into values and the buffer dropped before
//! the columns are built. Kusto v2 answers are parsed frame by frame straight from the buffer
//! (a streaming `serde` visitor), so beside the body only one frame is held as values, and it
//! becomes columns before the next is read. Newline-delimited answers (Splunk export) are
//! parsed line by line as the bytes arrive through [`HttpClient::send_lines`] and never held
//! whole.

pub mod client;
pub mod retry;
pub mod table;

pub use client::{
    Credential, HttpClient, HttpOptions, HttpRequest, HttpResponse, display_url, error_chain,
    redact,
};
pub use table::{ColumnBuilder, ColumnKind, ERRORS_COLUMN, TableBuilder};

use polars::prelude::DataFrame;

use crate::driver::DriverError;

/// Every table an answer held, and the service's warning when the result is partial.
#[derive(Debug, Default)]
pub struct QueryResult {
    /// The tables by name, primary result first.
    pub tables: Vec<(String, DataFrame)>,
    /// Set when the service answered with rows and an error (a partial result): what it said.
    pub partial_error: Option<String>,
}

impl QueryResult {
    /// The primary table (the first), or an empty frame when the answer held none.
    pub fn primary(self) -> DataFrame {
        self.tables
            .into_iter()
            .next()
            .map(|(_, frame)| frame)
            .unwrap_or_default()
    }
}

/// What a driver does when the service returns rows together with an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PartialResults {
    /// Keep the rows and log the service's message as a warning.
    #[default]
    Keep,
    /// Fail the query with the service's message.
    Fail,
}

impl std::fmt::Display for PartialResults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PartialResults::Keep => "keep",
            PartialResults::Fail => "fail",
        })
    }
}

impl std::str::FromStr for PartialResults {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "keep" => Ok(PartialResults::Keep),
            "fail" => Ok(PartialResults::Fail),
            _ => Err(format!(
                "unknown partial-results policy {text:?}; use keep or fail"
            )),
        }
    }
}

impl PartialResults {
    /// Applies the policy to a result: its primary table, or the service's error.
    pub fn apply(
        self,
        driver: &'static str,
        result: QueryResult,
    ) -> Result<DataFrame, DriverError> {
        match (&result.partial_error, self) {
            (Some(message), PartialResults::Fail) => Err(DriverError::Query {
                driver,
                message: format!("partial result: {message}"),
            }),
            (Some(message), PartialResults::Keep) => {
                tracing::warn!(driver, %message, "the service returned a partial result");
                Ok(result.primary())
            }
            (None, _) => Ok(result.primary()),
        }
    }
}

/// One page of a paged answer and where the next one starts.
#[derive(Debug)]
pub struct Page<C, T> {
    /// What this page held.
    pub items: T,
    /// The cursor of the next page; `None` when this was the last.
    pub next: Option<C>,
}

/// Fetches pages until one has no next cursor or `max_pages` were fetched; `fetch` gets the
/// cursor of the page to fetch (`None` for the first). Returns the pages in order and whether
/// the page limit cut the result short.
pub fn collect_pages<C, T>(
    max_pages: usize,
    mut fetch: impl FnMut(Option<&C>) -> Result<Page<C, T>, DriverError>,
) -> Result<(Vec<T>, bool), DriverError> {
    let mut pages = Vec::new();
    let mut cursor: Option<C> = None;
    loop {
        if pages.len() >= max_pages {
            tracing::warn!(
                max_pages,
                "stopped paging at the page limit; results are partial"
            );
            return Ok((pages, true));
        }
        let page = fetch(cursor.as_ref())?;
        pages.push(page.items);
        match page.next {
            Some(next) => cursor = Some(next),
            None => return Ok((pages, false)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_cursors_and_stop() {
        let (pages, cut) = collect_pages(10, |cursor: Option<&u32>| {
            let at = cursor.copied().unwrap_or(0);
            Ok(Page {
                items: at,
                next: (at < 3).then_some(at + 1),
            })
        })
        .unwrap();
        assert_eq!(pages, [0, 1, 2, 3]);
        assert!(!cut);

        let (pages, cut) = collect_pages(2, |cursor: Option<&u32>| {
            let at = cursor.copied().unwrap_or(0);
            Ok(Page {
                items: at,
                next: Some(at + 1),
            })
        })
        .unwrap();
        assert_eq!(pages, [0, 1]);
        assert!(cut);
    }
}
