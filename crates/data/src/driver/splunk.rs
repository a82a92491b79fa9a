//! Splunk: SPL through the REST export endpoint.
//!
//! `POST {base}/services/search/jobs/export` with the form fields `search`,
//! `output_mode=json` and optional `earliest_time` / `latest_time` streams newline-delimited
//! JSON objects: `{"preview": false, "offset": 0, "result": {…}}` per event,
//! `{"messages": [{"type": "ERROR", "text": …}]}` for diagnostics, and a final
//! `"lastrow": true`. Lines are parsed as they arrive (the body is never held whole).
//! Preview results are skipped; `ERROR`/`FATAL` messages fail the query when no row came
//! back and are a partial-result warning otherwise.
//!
//! Columns appear in first-seen order. Splunk values are text: `_time` becomes
//! Datetime(µs, UTC), multi-value fields (arrays) become JSON text, everything else stays a
//! String. A line that is not JSON becomes a row of nulls with the reason in `_errors`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;
use serde_json::{Map, Value};
use url::Url;

use crate::config::{Config, Secret};
use crate::driver::auth::setting;
use crate::driver::http::{
    ColumnKind, Credential, HttpClient, HttpOptions, HttpRequest, PartialResults, QueryResult,
    TableBuilder,
};
use crate::driver::{Driver, DriverError};

const DRIVER: &str = "splunk";

/// How the driver signs in.
#[derive(Debug, Clone)]
pub enum SplunkAuth {
    /// User name and password (HTTP basic).
    Basic {
        /// The user.
        user: String,
        /// The password.
        password: Secret,
    },
    /// A Splunk authentication token (`Authorization: Bearer`).
    Token(Secret),
}

/// Where and how searches run.
#[derive(Debug, Clone)]
pub struct SplunkOptions {
    /// The management URL, e.g. `https://splunk.example.com:8089`.
    pub base_url: String,
    /// The credentials.
    pub auth: SplunkAuth,
    /// `earliest_time` for every search (`-24h`, an ISO datetime…).
    pub earliest: Option<String>,
    /// `latest_time` for every search.
    pub latest: Option<String>,
    /// What to do when Splunk reports errors alongside rows.
    pub partial_results: PartialResults,
    /// Timeouts and retries.
    pub http: HttpOptions,
}

impl SplunkOptions {
    /// Options for a server.
    pub fn new(base_url: &str, auth: SplunkAuth) -> Self {
        SplunkOptions {
            base_url: base_url.trim_end_matches('/').to_string(),
            auth,
            earliest: None,
            latest: None,
            partial_results: PartialResults::Keep,
            http: HttpOptions::default(),
        }
    }

    /// Sets `earliest_time`.
    pub fn with_earliest(mut self, earliest: &str) -> Self {
        self.earliest = Some(earliest.to_string());
        self
    }

    /// Sets `latest_time`.
    pub fn with_latest(mut self, latest: &str) -> Self {
        self.latest = Some(latest.to_string());
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

    /// Reads `DataProviders.Splunk` (`host`, `port` (8089), `username`, `password` or
    /// `bearer_token`), else `HUNTBOOK_SPLUNK_URL` with `HUNTBOOK_SPLUNK_TOKEN` or
    /// `HUNTBOOK_SPLUNK_USER` and `HUNTBOOK_SPLUNK_PASSWORD`.
    pub fn discover(config: Option<&Config>) -> Result<Self, DriverError> {
        if let Some(settings) = config.and_then(|c| c.data_provider("Splunk")) {
            let get = |names: &[&str]| setting(DRIVER, &settings, names);
            if let Some(host) = get(&["host"])? {
                let port = get(&["port"])?.unwrap_or_else(|| "8089".to_string());
                let base = if host.contains("://") {
                    host
                } else {
                    format!("https://{host}")
                };
                let auth = auth_from(
                    get(&["bearer_token"])?,
                    get(&["username"])?,
                    get(&["password"])?,
                )?;
                return Ok(Self::new(&format!("{base}:{port}"), auth));
            }
        }
        let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        let Some(base) = env("HUNTBOOK_SPLUNK_URL") else {
            return Err(DriverError::Config {
                driver: DRIVER,
                message: "no Splunk server: set host (and port, username, password or \
                          bearer_token) under DataProviders.Splunk.Args, or export \
                          HUNTBOOK_SPLUNK_URL"
                    .to_string(),
            });
        };
        let auth = auth_from(
            env("HUNTBOOK_SPLUNK_TOKEN"),
            env("HUNTBOOK_SPLUNK_USER"),
            env("HUNTBOOK_SPLUNK_PASSWORD"),
        )?;
        Ok(Self::new(&base, auth))
    }
}

fn auth_from(
    token: Option<String>,
    user: Option<String>,
    password: Option<String>,
) -> Result<SplunkAuth, DriverError> {
    match (token, user, password) {
        (Some(token), _, _) => Ok(SplunkAuth::Token(Secret::new(token))),
        (None, Some(user), Some(password)) => Ok(SplunkAuth::Basic {
            user,
            password: Secret::new(password),
        }),
        _ => Err(DriverError::Auth {
            driver: DRIVER,
            message: "no Splunk credentials: give bearer_token, or username and password \
                      (HUNTBOOK_SPLUNK_TOKEN or HUNTBOOK_SPLUNK_USER/HUNTBOOK_SPLUNK_PASSWORD)"
                .to_string(),
        }),
    }
}

/// The Splunk driver.
#[derive(Debug)]
pub struct SplunkDriver {
    options: SplunkOptions,
    http: HttpClient,
}

impl SplunkDriver {
    /// A driver for a server.
    pub fn new(options: SplunkOptions) -> Result<Self, DriverError> {
        let http = HttpClient::new(DRIVER, options.http.clone())?;
        Ok(SplunkDriver { options, http })
    }

    /// Runs a search and returns its rows with Splunk's error messages, if any.
    pub fn query_result(&self, text: &str) -> Result<QueryResult, DriverError> {
        let request = self.request(text)?;
        let mut rows = ExportRows::default();
        self.http
            .send_lines(&request, |line_no, line| rows.push_line(line_no, line))?;
        rows.finish()
    }

    fn request(&self, text: &str) -> Result<HttpRequest, DriverError> {
        let address = format!("{}/services/search/jobs/export", self.options.base_url);
        let url = Url::parse(&address).map_err(|e| DriverError::Config {
            driver: DRIVER,
            message: format!("Splunk URL {address} is not a URL: {e}"),
        })?;
        let search = search_text(text);
        let mut fields: Vec<(&str, &str)> = vec![("search", &search), ("output_mode", "json")];
        if let Some(earliest) = &self.options.earliest {
            fields.push(("earliest_time", earliest));
        }
        if let Some(latest) = &self.options.latest {
            fields.push(("latest_time", latest));
        }
        let credential = match &self.options.auth {
            SplunkAuth::Basic { user, password } => Credential::Basic {
                user: user.clone(),
                password: password.clone(),
            },
            SplunkAuth::Token(token) => Credential::Bearer(token.clone()),
        };
        Ok(HttpRequest::post(url)
            .with_form(&fields)
            .with_credential(credential))
    }
}

impl Driver for SplunkDriver {
    fn environments(&self) -> &[&'static str] {
        &["Splunk"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        let result = self.query_result(text)?;
        self.options.partial_results.apply(DRIVER, result)
    }

    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        value.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }

    fn format_list(&self, items: &[String], quote: bool) -> String {
        let quoted: Vec<String> = if quote {
            items
                .iter()
                .map(|item| format!("\"{}\"", item.replace('"', "\\\"")))
                .collect()
        } else {
            items.to_vec()
        };
        quoted.join(", ")
    }
}

/// The search as the export endpoint wants it: a generating command (`| …`) or an explicit
/// `search` stays, anything else gets `search ` in front.
pub fn search_text(text: &str) -> String {
    let trimmed = text.trim();
    if trimmed.starts_with('|') || trimmed.starts_with("search ") {
        return trimmed.to_string();
    }
    format!("search {trimmed}")
}

/// Export lines gathered into rows.
#[derive(Debug, Default)]
pub struct ExportRows {
    rows: Vec<Result<Map<String, Value>, String>>,
    columns: Vec<String>,
    seen: HashMap<String, usize>,
    errors: Vec<String>,
    good_lines: usize,
}

impl ExportRows {
    /// Reads one line of the export stream (`line_no` counts from 1).
    pub fn push_line(&mut self, line_no: usize, line: &[u8]) -> Result<(), DriverError> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let object: Map<String, Value> = match serde_json::from_slice(line) {
            Ok(object) => object,
            Err(e) => {
                self.rows
                    .push(Err(format!("line {line_no}: not a JSON object: {e}")));
                return Ok(());
            }
        };
        self.good_lines += 1;

        if let Some(Value::Array(messages)) = object.get("messages") {
            self.messages(messages);
        }
        if object.get("preview").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        if let Some(Value::Object(result)) = object.get("result") {
            for key in result.keys() {
                if !self.seen.contains_key(key) {
                    self.seen.insert(key.clone(), self.columns.len());
                    self.columns.push(key.clone());
                }
            }
            self.rows.push(Ok(result.clone()));
        }
        Ok(())
    }

    fn messages(&mut self, messages: &[Value]) {
        for message in messages {
            let kind = message
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("INFO");
            let text = message
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            if matches!(kind, "ERROR" | "FATAL") {
                self.errors.push(format!("{kind}: {text}"));
            } else {
                tracing::debug!(driver = DRIVER, kind, text, "Splunk message");
            }
        }
    }

    /// The rows as a table, with Splunk's errors.
    pub fn finish(self) -> Result<QueryResult, DriverError> {
        let good_rows = self.rows.iter().filter(|r| r.is_ok()).count();
        if self.good_lines == 0 {
            if let Some(Err(first)) = self.rows.into_iter().next() {
                return Err(DriverError::Parse {
                    driver: DRIVER,
                    what: "export stream".to_string(),
                    message: first,
                });
            }
            return Ok(QueryResult::default());
        }
        let message = (!self.errors.is_empty()).then(|| self.errors.join("; "));
        if good_rows == 0
            && let Some(message) = message
        {
            return Err(DriverError::Query {
                driver: DRIVER,
                message,
            });
        }

        let schema = self.columns.iter().map(|name| {
            let values = self.rows.iter().filter_map(|r| r.as_ref().ok()?.get(name));
            (name.clone(), column_kind(name, values))
        });
        let mut table = TableBuilder::new(schema.collect::<Vec<_>>());
        for row in &self.rows {
            match row {
                Ok(object) => table.push_object(object),
                Err(problem) => table.push_error_row(problem.clone()),
            }
        }
        let frame = table.finish(DRIVER)?;
        Ok(QueryResult {
            tables: vec![("results".to_string(), frame)],
            partial_error: message,
        })
    }
}

fn column_kind<'a>(name: &str, values: impl Iterator<Item = &'a Value>) -> ColumnKind {
    if name == "_time" {
        return ColumnKind::DateTime;
    }
    match ColumnKind::infer(values) {
        ColumnKind::Json => ColumnKind::Json,
        _ => ColumnKind::String,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn searches_get_the_search_command() {
        assert_eq!(
            search_text("index=main | head 5"),
            "search index=main | head 5"
        );
        assert_eq!(search_text(" | tstats count"), "| tstats count");
        assert_eq!(search_text("search index=x"), "search index=x");
    }

    #[test]
    fn export_lines_become_rows() {
        let mut rows = ExportRows::default();
        let lines = [
            r#"{"preview":true,"result":{"host":"old"}}"#,
            r#"{"preview":false,"offset":0,"result":{"_time":"2024-01-01T10:00:00.000+00:00","host":"a","multi":["x","y"]}}"#,
            "{broken",
            r#"{"preview":false,"offset":1,"lastrow":true,"result":{"host":"b","extra":"1"}}"#,
        ];
        for (i, line) in lines.iter().enumerate() {
            rows.push_line(i + 1, line.as_bytes()).unwrap();
        }
        let frame = rows.finish().unwrap().primary();
        assert_eq!(frame.height(), 3);
        let mut names: Vec<&str> = frame
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect();
        names.sort_unstable();
        assert_eq!(names, ["_errors", "_time", "extra", "host", "multi"]);
        let multi = frame.column("multi").unwrap().str().unwrap();
        assert_eq!(multi.get(0), Some(r#"["x","y"]"#));
        let errors = frame.column("_errors").unwrap().str().unwrap();
        assert!(errors.get(1).unwrap().starts_with("line 3"));
    }
}
