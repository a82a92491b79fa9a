//! Drivers: where a query's text is run and how its rows become a DataFrame.
//!
//! A [`Driver`] serves one or more data environments (the `data_environments` names used by
//! query files) and knows how its query language writes datetimes and lists.
//!
//! - [`local`]: CSV, JSON lines, JSON and Parquet files, and SQL over them.
//! - [`http`]: the shared HTTP client: timeouts, retries with backoff on 429/5xx, paging.
//! - [`auth`]: OAuth2 client-credentials and static tokens.
//! - [`loganalytics`]: Log Analytics / Microsoft Sentinel query API.
//! - [`kusto`]: Azure Data Explorer v1 and v2 REST responses.
//! - [`mde`]: Defender for Endpoint and Microsoft 365 Defender advanced hunting.
//! - [`graph`]: Microsoft Graph security hunting queries.
//! - [`splunk`]: Splunk REST search and export.
//! - [`elastic`]: Elasticsearch / OpenSearch `_search` with paging.
//! - [`postgres`]: PostgreSQL through the `postgres` crate, with its types mapped to dtypes.

pub mod auth;
pub mod elastic;
mod error;
pub mod graph;
pub mod http;
pub mod kusto;
pub mod local;
pub mod loganalytics;
pub mod mde;
pub mod postgres;
pub mod splunk;

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::DataFrame;

pub use error::DriverError;

/// A place queries run.
pub trait Driver: Send + Sync {
    /// The data environment names this driver serves, as query files spell them in
    /// `metadata.data_environments` (for example `LogAnalytics`, `MSSentinel`, `Kusto`).
    fn environments(&self) -> &[&'static str];

    /// Runs one query's text and returns its rows.
    fn query(&self, text: &str) -> Result<DataFrame, DriverError>;

    /// Writes a datetime parameter the way this driver's query language reads it.
    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        value.to_rfc3339_opts(SecondsFormat::Micros, true)
    }

    /// Writes a list parameter from its already formatted items; `quote` says whether the
    /// items are strings that need quoting.
    fn format_list(&self, items: &[String], quote: bool) -> String {
        let quoted: Vec<String> = if quote {
            items
                .iter()
                .map(|item| format!("'{}'", item.replace('\'', "\\'")))
                .collect()
        } else {
            items.to_vec()
        };
        quoted.join(", ")
    }
}
