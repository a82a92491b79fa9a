//! Log Analytics / Microsoft Sentinel: KQL through the query API.
//!
//! `POST {endpoint}/v1/workspaces/{workspace}/query` with `{"query": …, "timespan": …}`
//! answers `{"tables": [{"name", "columns": [{"name", "type"}], "rows": [[…]]}]}`. A
//! partial result carries rows and an `"error"` whose code is `PartialError`; it is kept or
//! failed as [`PartialResults`] says. Column types map through
//! [`ColumnKind`]: `datetime` → Datetime(µs, UTC), `long`/`int` →
//! Int64, `real` → Float64, `bool` → Boolean, `dynamic` → JSON text, the rest → String.
//!
//! ```no_run
//! use huntbook_data::driver::loganalytics::{LogAnalyticsDriver, LogAnalyticsOptions};
//! use huntbook_data::driver::Driver;
//!
//! let options = LogAnalyticsOptions::new("63613592-b6f7-4c3d-a390-22ba13102111")
//!     .with_timespan("P1D");
//! let driver = LogAnalyticsDriver::from_env(options)?;
//! let alerts = driver.query("SecurityAlert | take 10")?;
//! # Ok::<(), huntbook_data::driver::DriverError>(())
//! ```

use chrono::{DateTime, SecondsFormat, Utc};
use polars::prelude::DataFrame;
use serde::Deserialize;
use serde_json::{Value, json};
use url::Url;

use crate::config::Config;
use crate::driver::auth::{TokenCache, TokenSource};
use crate::driver::http::{
    ColumnKind, HttpClient, HttpOptions, HttpRequest, PartialResults, QueryResult, TableBuilder,
};
use crate::driver::{Driver, DriverError};

const DRIVER: &str = "loganalytics";

/// The public cloud's query endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://api.loganalytics.io";

/// The OAuth2 scope of the query API.
pub const SCOPE: &str = "https://api.loganalytics.io/.default";

/// Where and how queries run.
#[derive(Debug, Clone)]
pub struct LogAnalyticsOptions {
    /// The API endpoint (`https://api.loganalytics.io`; sovereign clouds differ).
    pub endpoint: String,
    /// The workspace (customer) id.
    pub workspace_id: String,
    /// More workspaces to query in the same request.
    pub additional_workspaces: Vec<String>,
    /// An ISO 8601 duration or interval the query is limited to (`P1D`, `start/end`).
    pub timespan: Option<String>,
    /// How long the server may run the query, in seconds (`Prefer: wait=`).
    pub server_timeout: Option<u32>,
    /// What to do with a partial result.
    pub partial_results: PartialResults,
    /// Timeouts and retries.
    pub http: HttpOptions,
}

impl LogAnalyticsOptions {
    /// Options for one workspace on the public cloud.
    pub fn new(workspace_id: &str) -> Self {
        LogAnalyticsOptions {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            workspace_id: workspace_id.to_string(),
            additional_workspaces: Vec::new(),
            timespan: None,
            server_timeout: None,
            partial_results: PartialResults::Keep,
            http: HttpOptions::default(),
        }
    }

    /// Sets the endpoint.
    pub fn with_endpoint(mut self, endpoint: &str) -> Self {
        self.endpoint = endpoint.trim_end_matches('/').to_string();
        self
    }

    /// Adds a workspace to query alongside the main one.
    pub fn with_workspace(mut self, workspace_id: &str) -> Self {
        self.additional_workspaces.push(workspace_id.to_string());
        self
    }

    /// Limits queries to an ISO 8601 duration or interval.
    pub fn with_timespan(mut self, timespan: &str) -> Self {
        self.timespan = Some(timespan.to_string());
        self
    }

    /// Sets the server-side timeout in seconds.
    pub fn with_server_timeout(mut self, seconds: u32) -> Self {
        self.server_timeout = Some(seconds);
        self
    }

    /// Sets the partial-result policy.
    pub fn with_partial_results(mut self, policy: PartialResults) -> Self {
        self.partial_results = policy;
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }
}

/// The Log Analytics driver.
#[derive(Debug)]
pub struct LogAnalyticsDriver {
    options: LogAnalyticsOptions,
    http: HttpClient,
    tokens: TokenCache,
}

impl LogAnalyticsDriver {
    /// A driver with the given credentials.
    pub fn new(options: LogAnalyticsOptions, source: TokenSource) -> Result<Self, DriverError> {
        let http = HttpClient::new(DRIVER, options.http.clone())?;
        Ok(LogAnalyticsDriver {
            options,
            http,
            tokens: TokenCache::new(DRIVER, source),
        })
    }

    /// A driver whose credentials come from `HUNTBOOK_LA_TOKEN` or the `AZURE_*` variables.
    pub fn from_env(options: LogAnalyticsOptions) -> Result<Self, DriverError> {
        let source = TokenSource::discover(DRIVER, None, "AzureCLI", "HUNTBOOK_LA", SCOPE)?;
        Self::new(options, source)
    }

    /// A driver for a workspace of `AzureSentinel.Workspaces` (`Default` when `None`), with
    /// credentials from `DataProviders.AzureCLI` or the environment.
    pub fn from_config(config: &Config, workspace: Option<&str>) -> Result<Self, DriverError> {
        let name = workspace.unwrap_or("Default");
        let id = config
            .value(&["AzureSentinel", "Workspaces", name, "WorkspaceId"])
            .and_then(|v| v.as_str())
            .ok_or_else(|| DriverError::Config {
                driver: DRIVER,
                message: format!(
                    "no WorkspaceId under AzureSentinel.Workspaces.{name} in msticpyconfig.yaml"
                ),
            })?;
        let source = TokenSource::discover(DRIVER, Some(config), "AzureCLI", "HUNTBOOK_LA", SCOPE)?;
        Self::new(LogAnalyticsOptions::new(id), source)
    }

    /// The options in force.
    pub fn options(&self) -> &LogAnalyticsOptions {
        &self.options
    }

    /// Runs a query and returns every table with the partial-result message, if any.
    pub fn query_result(&self, text: &str) -> Result<QueryResult, DriverError> {
        let request = self.request(text)?;
        let body = self.tokens.with_credential(&self.http, |credential| {
            self.http.send(&request.clone().with_credential(credential))
        })?;
        // Parse, then let the body go before the columns are built.
        let answer = read_answer(&body.body)?;
        drop(body);
        answer_tables(answer)
    }

    fn request(&self, text: &str) -> Result<HttpRequest, DriverError> {
        let address = format!(
            "{}/v1/workspaces/{}/query",
            self.options.endpoint, self.options.workspace_id
        );
        let url = Url::parse(&address).map_err(|e| DriverError::Config {
            driver: DRIVER,
            message: format!("endpoint {address} is not a URL: {e}"),
        })?;
        let mut body = json!({ "query": text });
        if let Some(timespan) = &self.options.timespan {
            body["timespan"] = json!(timespan);
        }
        if !self.options.additional_workspaces.is_empty() {
            body["workspaces"] = json!(self.options.additional_workspaces);
        }
        let mut request = HttpRequest::post(url).with_json(&body);
        if let Some(wait) = self.options.server_timeout {
            request = request.with_header("Prefer", format!("wait={wait}"));
        }
        Ok(request)
    }
}

impl Driver for LogAnalyticsDriver {
    fn environments(&self) -> &[&'static str] {
        &[
            "MSSentinel",
            "LogAnalytics",
            "AzureSentinel",
            "MSSentinel_New",
        ]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        let result = self.query_result(text)?;
        self.options.partial_results.apply(DRIVER, result)
    }

    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        kql_datetime(value)
    }
}

/// A datetime as KQL writes it: `datetime(2024-01-02T03:04:05.000000Z)`.
pub fn kql_datetime(value: &DateTime<Utc>) -> String {
    format!(
        "datetime({})",
        value.to_rfc3339_opts(SecondsFormat::Micros, true)
    )
}

#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    tables: Vec<Table>,
    #[serde(default)]
    error: Option<Value>,
}

#[derive(Deserialize)]
struct Table {
    #[serde(default)]
    name: String,
    columns: Vec<ColumnSpec>,
    #[serde(default)]
    rows: Vec<Value>,
}

#[derive(Deserialize)]
struct ColumnSpec {
    name: String,
    #[serde(rename = "type", default)]
    kind: Option<String>,
}

/// Parses a query API answer body into its tables.
pub fn parse_response(body: &[u8]) -> Result<QueryResult, DriverError> {
    answer_tables(read_answer(body)?)
}

fn read_answer(body: &[u8]) -> Result<Answer, DriverError> {
    crate::driver::http::client::parse_json(DRIVER, "the query API", body)
}

fn answer_tables(answer: Answer) -> Result<QueryResult, DriverError> {
    let error = answer.error.as_ref().map(describe_error);
    if answer.tables.is_empty()
        && let Some(message) = error
    {
        return Err(DriverError::Query {
            driver: DRIVER,
            message,
        });
    }

    let mut tables = Vec::with_capacity(answer.tables.len());
    for table in answer.tables {
        let schema = table.columns.into_iter().map(|c| {
            let kind = ColumnKind::from_service(DRIVER, c.kind.as_deref().unwrap_or("string"));
            (c.name, kind)
        });
        let mut builder = TableBuilder::new(schema);
        for (i, row) in table.rows.iter().enumerate() {
            match row.as_array() {
                Some(values) => builder.push_row(values),
                None => builder.push_error_row(format!("row {i} is not an array: {row}")),
            }
        }
        tables.push((table.name, builder.finish(DRIVER)?));
    }
    Ok(QueryResult {
        tables,
        partial_error: error,
    })
}

/// An Azure REST error object as one line: code, message and the messages of its details
/// and inner errors.
pub fn describe_error(error: &Value) -> String {
    let mut parts = Vec::new();
    collect_error(error, &mut parts, 0);
    parts.dedup();
    if parts.is_empty() {
        return error.to_string();
    }
    parts.join(": ")
}

fn collect_error(error: &Value, parts: &mut Vec<String>, depth: usize) {
    if depth > 8 {
        return;
    }
    let text = |key: &str| error.get(key).and_then(Value::as_str).map(str::to_string);
    if let (Some(code), 0) = (text("code"), depth) {
        parts.push(code);
    }
    if let Some(message) = text("message") {
        parts.push(message);
    }
    if let Some(Value::Array(details)) = error.get("details") {
        for detail in details {
            collect_error(detail, parts, depth + 1);
        }
    }
    if let Some(inner) = error.get("innererror") {
        collect_error(inner, parts, depth + 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_errors_are_described() {
        let body = br#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"x","type":"long"}],
            "rows":[[1],[2]]}],"error":{"code":"PartialError","message":"There were some errors",
            "details":[{"code":"EngineError","message":"Query exceeded memory",
            "innererror":{"code":"E_LOW_MEMORY","message":"low memory"}}]}}"#;
        let result = parse_response(body).unwrap();
        let message = result.partial_error.clone().unwrap();
        assert!(
            message.starts_with("PartialError: There were some errors"),
            "{message}"
        );
        assert!(message.contains("low memory"), "{message}");
        assert_eq!(result.primary().height(), 2);
    }

    #[test]
    fn kql_datetimes() {
        let when = DateTime::parse_from_rfc3339("2024-01-02T03:04:05Z")
            .unwrap()
            .to_utc();
        assert_eq!(kql_datetime(&when), "datetime(2024-01-02T03:04:05.000000Z)");
    }
}
