//! Azure Data Explorer (Kusto): queries through REST v2, management commands through v1.
//!
//! - v2 (`POST {cluster}/v2/rest/query`) answers an array of frames: `DataSetHeader`, then
//!   `DataTable`s (`TableKind` `QueryProperties`, `PrimaryResult`,
//!   `QueryCompletionInformation`) or, when progressive, `TableHeader` / `TableFragment` /
//!   `TableProgress` / `TableCompletion`, and a closing `DataSetCompletion` with `HasErrors`
//!   and `OneApiErrors`. A partial failure shows as a row that is an error object, as errors
//!   on `TableCompletion` / `DataSetCompletion`, or as `Error` rows of the completion
//!   information; good rows are kept and the message reported.
//! - v1 (`POST {cluster}/v1/rest/mgmt`, and old query answers) is `{"Tables": [{"TableName",
//!   "Columns": [{"ColumnName", "DataType" | "ColumnType"}], "Rows"}]}`; when several tables
//!   come back, the last is the table of contents naming the `QueryResult` tables.
//!
//! Types: `datetime` → Datetime(µs, UTC), `int`/`long` → Int64, `real`/`decimal` →
//! Float64, `bool` → Boolean, `timespan` → Duration(µs), `dynamic` → JSON text, `guid` and
//! `string` → String.

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;
use serde_json::{Map, Value, json};
use url::Url;

use crate::config::Config;
use crate::driver::auth::{TokenCache, TokenSource, setting};
use crate::driver::http::client::parse_json;
use crate::driver::http::{
    ColumnKind, HttpClient, HttpOptions, HttpRequest, PartialResults, QueryResult, TableBuilder,
};
use crate::driver::loganalytics::kql_datetime;
use crate::driver::{Driver, DriverError};

const DRIVER: &str = "kusto";

/// Where and how queries run.
#[derive(Debug, Clone)]
pub struct KustoOptions {
    /// The cluster URL, e.g. `https://help.kusto.windows.net`.
    pub cluster: String,
    /// The database queries run in.
    pub database: String,
    /// The server-side timeout in seconds (`servertimeout`).
    pub server_timeout: Option<u32>,
    /// What to do with a partial result.
    pub partial_results: PartialResults,
    /// Timeouts and retries.
    pub http: HttpOptions,
}

impl KustoOptions {
    /// Options for one database of one cluster.
    pub fn new(cluster: &str, database: &str) -> Self {
        KustoOptions {
            cluster: cluster.trim_end_matches('/').to_string(),
            database: database.to_string(),
            server_timeout: None,
            partial_results: PartialResults::Keep,
            http: HttpOptions::default(),
        }
    }

    /// Sets the server-side timeout.
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

    /// The OAuth2 scope of the cluster.
    pub fn scope(&self) -> String {
        format!("{}/.default", self.cluster)
    }
}

/// The Kusto driver.
#[derive(Debug)]
pub struct KustoDriver {
    options: KustoOptions,
    http: HttpClient,
    tokens: TokenCache,
}

impl KustoDriver {
    /// A driver with the given credentials.
    pub fn new(options: KustoOptions, source: TokenSource) -> Result<Self, DriverError> {
        let http = HttpClient::new(DRIVER, options.http.clone())?;
        Ok(KustoDriver {
            options,
            http,
            tokens: TokenCache::new(DRIVER, source),
        })
    }

    /// A driver with credentials from `HUNTBOOK_KUSTO_TOKEN` or the `AZURE_*` variables.
    pub fn from_env(options: KustoOptions) -> Result<Self, DriverError> {
        let scope = options.scope();
        let source = TokenSource::discover(DRIVER, None, "Kusto", "HUNTBOOK_KUSTO", &scope)?;
        Self::new(options, source)
    }

    /// A driver from `DataProviders.Kusto` (`Cluster`, `Database`, and credentials) or the
    /// environment for credentials.
    pub fn from_config(config: &Config) -> Result<Self, DriverError> {
        let missing = |what: &str| DriverError::Config {
            driver: DRIVER,
            message: format!("set {what} under DataProviders.Kusto.Args in msticpyconfig.yaml"),
        };
        let settings = config
            .data_provider("Kusto")
            .ok_or_else(|| missing("Cluster"))?;
        let cluster =
            setting(DRIVER, &settings, &["Cluster"])?.ok_or_else(|| missing("Cluster"))?;
        let database =
            setting(DRIVER, &settings, &["Database"])?.ok_or_else(|| missing("Database"))?;
        let options = KustoOptions::new(&cluster, &database);
        let source = TokenSource::discover(
            DRIVER,
            Some(config),
            "Kusto",
            "HUNTBOOK_KUSTO",
            &options.scope(),
        )?;
        Self::new(options, source)
    }

    /// Runs a query (or a `.command`) and returns its primary tables and any partial error.
    pub fn query_result(&self, text: &str) -> Result<QueryResult, DriverError> {
        let request = self.request(text)?;
        let response = self.tokens.with_credential(&self.http, |credential| {
            self.http.send(&request.clone().with_credential(credential))
        })?;
        parse_response(&response.body)
    }

    fn request(&self, text: &str) -> Result<HttpRequest, DriverError> {
        let command = text.trim_start().starts_with('.');
        let path = if command {
            "v1/rest/mgmt"
        } else {
            "v2/rest/query"
        };
        let address = format!("{}/{path}", self.options.cluster);
        let url = Url::parse(&address).map_err(|e| DriverError::Config {
            driver: DRIVER,
            message: format!("cluster {address} is not a URL: {e}"),
        })?;

        let mut options = Map::new();
        if let Some(seconds) = self.options.server_timeout {
            options.insert("servertimeout".into(), json!(format_timespan(seconds)));
        }
        let properties = json!({ "Options": options });
        let body = json!({ "db": self.options.database, "csl": text, "properties": properties });
        let request_id = format!("huntbook;{:032x}", rand::random::<u128>());
        Ok(HttpRequest::post(url)
            .with_json(&body)
            .with_header("Accept", "application/json")
            .with_header("x-ms-app", "huntbook")
            .with_header("x-ms-client-request-id", request_id))
    }
}

impl Driver for KustoDriver {
    fn environments(&self) -> &[&'static str] {
        &["Kusto", "AzureDataExplorer", "Kusto_New"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        let result = self.query_result(text)?;
        self.options.partial_results.apply(DRIVER, result)
    }

    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        kql_datetime(value)
    }
}

fn format_timespan(seconds: u32) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// Parses a v1 or v2 answer body.
pub fn parse_response(body: &[u8]) -> Result<QueryResult, DriverError> {
    // A v2 answer is an array of frames: stream it, so that only one frame is held as values
    // at a time beside the body. A v1 answer (an object) is read whole.
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    if first == Some(&b'[') {
        return parse_v2_stream(body);
    }

    let value: Value = parse_json(DRIVER, "the Kusto REST API", body)?;
    match value {
        Value::Object(object) if object.contains_key("Tables") => parse_v1(object),
        Value::Object(object) if object.contains_key("error") => Err(DriverError::Query {
            driver: DRIVER,
            message: one_api_error(&object["error"]),
        }),
        other => Err(parse_error(format!(
            "expected an array of frames (v2) or an object with Tables (v1), found {}",
            kind_of(&other)
        ))),
    }
}

/// Reads the frames of a v2 answer one by one as the JSON parser reaches them.
fn parse_v2_stream(body: &[u8]) -> Result<QueryResult, DriverError> {
    let mut state = V2State::default();
    let mut failure = None;
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let visitor = FrameVisitor {
        state: &mut state,
        failure: &mut failure,
    };
    let outcome = serde::Deserializer::deserialize_seq(&mut deserializer, visitor)
        .and_then(|()| deserializer.end());
    if let Some(error) = failure {
        return Err(error);
    }
    outcome.map_err(|e| DriverError::Parse {
        driver: DRIVER,
        what: "response body from the Kusto REST API".to_string(),
        message: format!(
            "invalid JSON at line {} column {}: {e}",
            e.line(),
            e.column()
        ),
    })?;
    state.finish()
}

struct FrameVisitor<'a> {
    state: &'a mut V2State,
    failure: &'a mut Option<DriverError>,
}

impl<'de> serde::de::Visitor<'de> for FrameVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an array of Kusto v2 frames")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while let Some(frame) = seq.next_element::<Value>()? {
            if let Err(error) = self.state.frame(index, frame) {
                *self.failure = Some(error);
                return Err(serde::de::Error::custom("frame rejected"));
            }
            index += 1;
        }
        Ok(())
    }
}

fn parse_error(message: String) -> DriverError {
    DriverError::Parse {
        driver: DRIVER,
        what: "Kusto answer".to_string(),
        message,
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// A table being filled from progressive frames.
struct OpenTable {
    id: i64,
    name: String,
    builder: TableBuilder,
}

#[derive(Default)]
struct V2State {
    tables: Vec<(String, DataFrame)>,
    open: Vec<OpenTable>,
    errors: Vec<String>,
}

impl V2State {
    fn frame(&mut self, index: usize, frame: Value) -> Result<(), DriverError> {
        let Value::Object(frame) = frame else {
            return Err(parse_error(format!(
                "frame {index} is {}, not an object",
                kind_of(&frame)
            )));
        };
        let frame_type = frame
            .get("FrameType")
            .and_then(Value::as_str)
            .unwrap_or_default();
        match frame_type {
            "DataTable" => self.data_table(index, &frame)?,
            "TableHeader" => self.table_header(index, &frame)?,
            "TableFragment" => self.table_fragment(index, &frame)?,
            "TableCompletion" => self.table_completion(&frame)?,
            "DataSetCompletion" => self.completion(&frame),
            "DataSetHeader" | "TableProgress" => {}
            other => tracing::debug!(frame_type = other, index, "skipping unknown Kusto frame"),
        }
        Ok(())
    }

    fn data_table(&mut self, index: usize, frame: &Map<String, Value>) -> Result<(), DriverError> {
        let kind = frame
            .get("TableKind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let rows = frame.get("Rows").and_then(Value::as_array);
        if kind == "QueryCompletionInformation" {
            self.completion_information(frame, rows.map_or(&[], Vec::as_slice));
            return Ok(());
        }
        if kind != "PrimaryResult" {
            return Ok(());
        }

        let mut builder = TableBuilder::new(schema(index, frame)?);
        for row in rows.map_or(&[][..], Vec::as_slice) {
            push_v2_row(&mut builder, row, &mut self.errors);
        }
        self.tables
            .push((table_name(frame), builder.finish(DRIVER)?));
        Ok(())
    }

    fn table_header(
        &mut self,
        index: usize,
        frame: &Map<String, Value>,
    ) -> Result<(), DriverError> {
        let kind = frame
            .get("TableKind")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind != "PrimaryResult" {
            return Ok(());
        }
        let id = frame.get("TableId").and_then(Value::as_i64).unwrap_or(-1);
        let builder = TableBuilder::new(schema(index, frame)?);
        self.open.push(OpenTable {
            id,
            name: table_name(frame),
            builder,
        });
        Ok(())
    }

    fn table_fragment(
        &mut self,
        index: usize,
        frame: &Map<String, Value>,
    ) -> Result<(), DriverError> {
        let id = frame.get("TableId").and_then(Value::as_i64).unwrap_or(-1);
        let Some(open) = self.open.iter_mut().find(|t| t.id == id) else {
            return Ok(());
        };
        let fragment = frame.get("TableFragmentType").and_then(Value::as_str);
        if fragment == Some("DataReplace") {
            let schema: Vec<(String, ColumnKind)> = open
                .builder
                .columns()
                .iter()
                .map(|c| (c.name().to_string(), c.kind()))
                .collect();
            open.builder = TableBuilder::new(schema);
        }
        let Some(rows) = frame.get("Rows").and_then(Value::as_array) else {
            return Err(parse_error(format!(
                "TableFragment frame {index} has no Rows"
            )));
        };
        for row in rows {
            push_v2_row(&mut open.builder, row, &mut self.errors);
        }
        Ok(())
    }

    fn table_completion(&mut self, frame: &Map<String, Value>) -> Result<(), DriverError> {
        collect_one_api_errors(frame, &mut self.errors);
        let id = frame.get("TableId").and_then(Value::as_i64).unwrap_or(-1);
        if let Some(at) = self.open.iter().position(|t| t.id == id) {
            let table = self.open.remove(at);
            self.tables
                .push((table.name, table.builder.finish(DRIVER)?));
        }
        Ok(())
    }

    fn completion(&mut self, frame: &Map<String, Value>) {
        collect_one_api_errors(frame, &mut self.errors);
        let has_errors = frame
            .get("HasErrors")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if has_errors && self.errors.is_empty() {
            self.errors
                .push("the service reported errors without details".to_string());
        }
        if frame
            .get("Cancelled")
            .and_then(Value::as_bool)
            .unwrap_or(false)
        {
            self.errors.push("the query was cancelled".to_string());
        }
    }

    fn completion_information(&mut self, frame: &Map<String, Value>, rows: &[Value]) {
        let columns: Vec<&str> = frame
            .get("Columns")
            .and_then(Value::as_array)
            .map(|c| {
                c.iter()
                    .filter_map(|c| c.get("ColumnName")?.as_str())
                    .collect()
            })
            .unwrap_or_default();
        let at = |name: &str| columns.iter().position(|c| *c == name);
        let (Some(level), Some(status)) = (at("LevelName"), at("StatusCodeName")) else {
            return;
        };
        for row in rows.iter().filter_map(Value::as_array) {
            if row.get(level).and_then(Value::as_str) == Some("Error") {
                let text = row.get(status).and_then(Value::as_str).unwrap_or("error");
                self.errors.push(text.to_string());
            }
        }
    }

    fn finish(mut self) -> Result<QueryResult, DriverError> {
        for table in std::mem::take(&mut self.open) {
            self.errors
                .push(format!("table {} was not completed", table.name));
            self.tables
                .push((table.name, table.builder.finish(DRIVER)?));
        }
        self.errors.dedup();
        let partial_error = (!self.errors.is_empty()).then(|| self.errors.join("; "));
        if self.tables.is_empty()
            && let Some(message) = partial_error
        {
            return Err(DriverError::Query {
                driver: DRIVER,
                message,
            });
        }
        Ok(QueryResult {
            tables: self.tables,
            partial_error,
        })
    }
}

fn table_name(frame: &Map<String, Value>) -> String {
    frame
        .get("TableName")
        .and_then(Value::as_str)
        .unwrap_or("PrimaryResult")
        .to_string()
}

fn schema(
    index: usize,
    table: &Map<String, Value>,
) -> Result<Vec<(String, ColumnKind)>, DriverError> {
    let Some(columns) = table.get("Columns").and_then(Value::as_array) else {
        return Err(parse_error(format!("table frame {index} has no Columns")));
    };
    let mut schema = Vec::with_capacity(columns.len());
    for (i, column) in columns.iter().enumerate() {
        let name = column.get("ColumnName").and_then(Value::as_str);
        let Some(name) = name else {
            return Err(parse_error(format!(
                "column {i} of table {index} has no ColumnName"
            )));
        };
        let type_name = column
            .get("ColumnType")
            .or_else(|| column.get("DataType"))
            .and_then(Value::as_str)
            .unwrap_or("string");
        schema.push((
            name.to_string(),
            ColumnKind::from_service(DRIVER, type_name),
        ));
    }
    Ok(schema)
}

fn push_v2_row(builder: &mut TableBuilder, row: &Value, errors: &mut Vec<String>) {
    match row {
        Value::Array(values) => builder.push_row(values),
        Value::Object(object) if object.contains_key("OneApiErrors") => {
            collect_one_api_errors(object, errors);
        }
        other => builder.push_error_row(format!("row is {}, not an array", kind_of(other))),
    }
}

fn collect_one_api_errors(object: &Map<String, Value>, errors: &mut Vec<String>) {
    let Some(list) = object.get("OneApiErrors").and_then(Value::as_array) else {
        return;
    };
    for item in list {
        errors.push(one_api_error(item.get("error").unwrap_or(item)));
    }
}

/// A Kusto OneApi error as one line: code, message and the detailed `@message`.
pub fn one_api_error(error: &Value) -> String {
    let text = |key: &str| error.get(key).and_then(Value::as_str);
    let parts: Vec<&str> = [text("code"), text("message"), text("@message")]
        .into_iter()
        .flatten()
        .collect();
    if parts.is_empty() {
        return error.to_string();
    }
    parts.join(": ")
}

fn parse_v1(mut object: Map<String, Value>) -> Result<QueryResult, DriverError> {
    let Some(Value::Array(tables)) = object.remove("Tables") else {
        return Err(parse_error("Tables is not an array".to_string()));
    };
    let primary = v1_primary_ordinals(&tables);
    let mut result = QueryResult::default();
    for (index, table) in tables.into_iter().enumerate() {
        if !primary
            .as_ref()
            .is_none_or(|ordinals| ordinals.contains(&index))
        {
            continue;
        }
        let Value::Object(table) = table else {
            return Err(parse_error(format!("table {index} is not an object")));
        };
        let mut builder = TableBuilder::new(schema(index, &table)?);
        for row in table
            .get("Rows")
            .and_then(Value::as_array)
            .map_or(&[][..], Vec::as_slice)
        {
            push_v2_row(&mut builder, row, &mut Vec::new());
        }
        result
            .tables
            .push((table_name(&table), builder.finish(DRIVER)?));
    }
    Ok(result)
}

/// The ordinals of the `QueryResult` tables named by a v1 table of contents (the last table,
/// present when there are several); `None` means every table is a result.
fn v1_primary_ordinals(tables: &[Value]) -> Option<Vec<usize>> {
    if tables.len() < 2 {
        return None;
    }
    let toc = tables.last()?;
    let names: Vec<&str> = toc
        .get("Columns")?
        .as_array()?
        .iter()
        .filter_map(|c| c.get("ColumnName")?.as_str())
        .collect();
    if names.first() != Some(&"Ordinal") || !names.contains(&"Kind") {
        return None;
    }
    let kind_at = names.iter().position(|n| *n == "Kind")?;
    let ordinals = toc
        .get("Rows")?
        .as_array()?
        .iter()
        .filter_map(Value::as_array)
        .filter(|row| row.get(kind_at).and_then(Value::as_str) == Some("QueryResult"))
        .filter_map(|row| usize::try_from(row.first()?.as_i64()?).ok())
        .collect();
    Some(ordinals)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_timeouts_are_timespans() {
        assert_eq!(format_timespan(240), "00:04:00");
        assert_eq!(format_timespan(3725), "01:02:05");
    }

    #[test]
    fn unknown_shapes_are_parse_errors() {
        let err = parse_response(b"42").unwrap_err();
        assert!(err.to_string().contains("found a number"), "{err}");
        let err = parse_response(b"[1]").unwrap_err();
        assert!(err.to_string().contains("frame 0"), "{err}");
    }
}
