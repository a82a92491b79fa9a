//! Microsoft Defender for Endpoint and Microsoft 365 Defender advanced hunting (KQL).
//!
//! - Defender for Endpoint: `POST {endpoint}/api/advancedqueries/run` with `{"Query": …}`
//!   on `https://api.securitycenter.microsoft.com`.
//! - Microsoft 365 Defender: `POST {endpoint}/api/advancedhunting/run` with `{"Query": …}`
//!   on `https://api.security.microsoft.com`.
//!
//! Both answer `{"Stats": …, "Schema": [{"Name", "Type"}], "Results": [{column: value}]}`
//! (key case varies; both are read). [`parse_hunting_response`] is shared with the Graph
//! driver, whose `runHuntingQuery` answers the same shape in lower case.
//! Types: `DateTime` → Datetime(µs, UTC), `Int32`/`Int64` → Int64, `Double` → Float64,
//! `Boolean` → Boolean, `Dynamic`/`Object` → JSON text, the rest → String.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;
use serde_json::{Value, json};
use url::Url;

use crate::config::Config;
use crate::driver::auth::{TokenCache, TokenSource};
use crate::driver::http::client::parse_json;
use crate::driver::http::{ColumnKind, HttpClient, HttpOptions, HttpRequest, TableBuilder};
use crate::driver::loganalytics::kql_datetime;
use crate::driver::{Driver, DriverError};

const DRIVER: &str = "mde";

/// Which advanced hunting API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MdeApi {
    /// Defender for Endpoint (`/api/advancedqueries/run`).
    Endpoint,
    /// Microsoft 365 Defender (`/api/advancedhunting/run`).
    M365D,
}

impl fmt::Display for MdeApi {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            MdeApi::Endpoint => "MDE",
            MdeApi::M365D => "M365D",
        })
    }
}

impl FromStr for MdeApi {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.to_ascii_lowercase().as_str() {
            "mde" | "mdatp" | "endpoint" => Ok(MdeApi::Endpoint),
            "m365d" | "m365" => Ok(MdeApi::M365D),
            _ => Err(format!("unknown Defender API {text:?}; use MDE or M365D")),
        }
    }
}

impl MdeApi {
    /// The public cloud endpoint.
    pub fn default_endpoint(self) -> &'static str {
        match self {
            MdeApi::Endpoint => "https://api.securitycenter.microsoft.com",
            MdeApi::M365D => "https://api.security.microsoft.com",
        }
    }

    /// The path of the hunting call.
    pub fn path(self) -> &'static str {
        match self {
            MdeApi::Endpoint => "/api/advancedqueries/run",
            MdeApi::M365D => "/api/advancedhunting/run",
        }
    }
}

/// Where queries go.
#[derive(Debug, Clone)]
pub struct MdeOptions {
    /// Which API.
    pub api: MdeApi,
    /// The endpoint (defaults per API).
    pub endpoint: String,
    /// Timeouts and retries.
    pub http: HttpOptions,
}

impl MdeOptions {
    /// Options for an API on the public cloud.
    pub fn new(api: MdeApi) -> Self {
        MdeOptions {
            api,
            endpoint: api.default_endpoint().to_string(),
            http: HttpOptions::default(),
        }
    }

    /// Sets the endpoint.
    pub fn with_endpoint(mut self, endpoint: &str) -> Self {
        self.endpoint = endpoint.trim_end_matches('/').to_string();
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http(mut self, http: HttpOptions) -> Self {
        self.http = http;
        self
    }

    /// The OAuth2 scope (the public endpoint's, whatever the endpoint is set to).
    pub fn scope(&self) -> String {
        format!("{}/.default", self.api.default_endpoint())
    }
}

/// The Defender advanced hunting driver.
#[derive(Debug)]
pub struct MdeDriver {
    options: MdeOptions,
    http: HttpClient,
    tokens: TokenCache,
}

impl MdeDriver {
    /// A driver with the given credentials.
    pub fn new(options: MdeOptions, source: TokenSource) -> Result<Self, DriverError> {
        let http = HttpClient::new(DRIVER, options.http.clone())?;
        Ok(MdeDriver {
            options,
            http,
            tokens: TokenCache::new(DRIVER, source),
        })
    }

    /// Credentials from `DataProviders.MicrosoftDefender` in the configuration (when given),
    /// `HUNTBOOK_MDE_TOKEN`, or `HUNTBOOK_MDE_*` / `AZURE_*` client credentials.
    pub fn connect(options: MdeOptions, config: Option<&Config>) -> Result<Self, DriverError> {
        let scope = options.scope();
        let source =
            TokenSource::discover(DRIVER, config, "MicrosoftDefender", "HUNTBOOK_MDE", &scope)?;
        Self::new(options, source)
    }

    /// Runs a hunting query.
    pub fn run(&self, text: &str) -> Result<DataFrame, DriverError> {
        let address = format!("{}{}", self.options.endpoint, self.options.api.path());
        let request = hunting_request(DRIVER, &address, text)?;
        let response = self.tokens.with_credential(&self.http, |credential| {
            self.http.send(&request.clone().with_credential(credential))
        })?;
        // Parse, then let the body go before the columns are built.
        let answer = parse_json(DRIVER, "the hunting API", &response.body)?;
        drop(response);
        hunting_frame(DRIVER, answer)
    }
}

impl Driver for MdeDriver {
    fn environments(&self) -> &[&'static str] {
        match self.options.api {
            MdeApi::Endpoint => &["MDE", "MDATP"],
            MdeApi::M365D => &["M365D"],
        }
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        self.run(text)
    }

    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        kql_datetime(value)
    }
}

/// A `{"Query": text}` POST to a hunting endpoint.
pub(crate) fn hunting_request(
    driver: &'static str,
    address: &str,
    text: &str,
) -> Result<HttpRequest, DriverError> {
    let url = Url::parse(address).map_err(|e| DriverError::Config {
        driver,
        message: format!("endpoint {address} is not a URL: {e}"),
    })?;
    Ok(HttpRequest::post(url).with_json(&json!({ "Query": text })))
}

/// Parses `{Schema: [{Name, Type}], Results: [{…}]}` in either key case.
pub fn parse_hunting_response(driver: &'static str, body: &[u8]) -> Result<DataFrame, DriverError> {
    hunting_frame(driver, parse_json(driver, "the hunting API", body)?)
}

/// Builds the frame of a parsed hunting answer.
pub(crate) fn hunting_frame(driver: &'static str, answer: Value) -> Result<DataFrame, DriverError> {
    let parse_error = |message: String| DriverError::Parse {
        driver,
        what: "hunting answer".to_string(),
        message,
    };
    let field = |upper: &str, lower: &str| answer.get(upper).or_else(|| answer.get(lower));
    let Some(schema) = field("Schema", "schema").and_then(Value::as_array) else {
        return Err(parse_error("no Schema array".to_string()));
    };
    let Some(results) = field("Results", "results").and_then(Value::as_array) else {
        return Err(parse_error("no Results array".to_string()));
    };

    let mut columns = Vec::with_capacity(schema.len());
    for (i, column) in schema.iter().enumerate() {
        let get = |upper: &str, lower: &str| {
            column
                .get(upper)
                .or_else(|| column.get(lower))
                .and_then(Value::as_str)
        };
        let Some(name) = get("Name", "name") else {
            return Err(parse_error(format!("schema entry {i} has no Name")));
        };
        let kind = ColumnKind::from_service(driver, get("Type", "type").unwrap_or("String"));
        columns.push((name.to_string(), kind));
    }

    let mut table = TableBuilder::new(columns);
    for (i, row) in results.iter().enumerate() {
        match row.as_object() {
            Some(object) => table.push_object(object),
            None => table.push_error_row(format!("result {i} is not an object")),
        }
    }
    table.finish(driver)
}
