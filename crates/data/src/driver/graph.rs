//! Microsoft Graph security hunting: `POST {endpoint}/v1.0/security/runHuntingQuery` with
//! `{"Query": …}` on `https://graph.microsoft.com`, answering
//! `{"@odata.context", "schema": [{"name", "type"}], "results": [{…}]}`.
//!
//! Parsing is shared with the Defender driver
//! ([`parse_hunting_response`](crate::driver::mde::parse_hunting_response)); the columns and
//! types are the same.

use chrono::{DateTime, Utc};
use polars::prelude::DataFrame;

use crate::config::Config;
use crate::driver::auth::{TokenCache, TokenSource};
use crate::driver::http::client::parse_json;
use crate::driver::http::{HttpClient, HttpOptions};
use crate::driver::loganalytics::kql_datetime;
use crate::driver::mde::{hunting_frame, hunting_request};
use crate::driver::{Driver, DriverError};

const DRIVER: &str = "graph";

/// The public Graph endpoint.
pub const DEFAULT_ENDPOINT: &str = "https://graph.microsoft.com";

/// The OAuth2 scope of Graph.
pub const SCOPE: &str = "https://graph.microsoft.com/.default";

/// Where queries go.
#[derive(Debug, Clone)]
pub struct GraphOptions {
    /// The Graph endpoint.
    pub endpoint: String,
    /// Timeouts and retries.
    pub http: HttpOptions,
}

impl Default for GraphOptions {
    fn default() -> Self {
        GraphOptions {
            endpoint: DEFAULT_ENDPOINT.to_string(),
            http: HttpOptions::default(),
        }
    }
}

impl GraphOptions {
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
}

/// The Graph hunting driver.
#[derive(Debug)]
pub struct GraphDriver {
    options: GraphOptions,
    http: HttpClient,
    tokens: TokenCache,
}

impl GraphDriver {
    /// A driver with the given credentials.
    pub fn new(options: GraphOptions, source: TokenSource) -> Result<Self, DriverError> {
        let http = HttpClient::new(DRIVER, options.http.clone())?;
        Ok(GraphDriver {
            options,
            http,
            tokens: TokenCache::new(DRIVER, source),
        })
    }

    /// Credentials from `DataProviders.MicrosoftGraph`, `HUNTBOOK_GRAPH_TOKEN`, or
    /// `HUNTBOOK_GRAPH_*` / `AZURE_*` client credentials.
    pub fn connect(options: GraphOptions, config: Option<&Config>) -> Result<Self, DriverError> {
        let source =
            TokenSource::discover(DRIVER, config, "MicrosoftGraph", "HUNTBOOK_GRAPH", SCOPE)?;
        Self::new(options, source)
    }

    /// Runs a hunting query.
    pub fn run(&self, text: &str) -> Result<DataFrame, DriverError> {
        let address = format!("{}/v1.0/security/runHuntingQuery", self.options.endpoint);
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

impl Driver for GraphDriver {
    fn environments(&self) -> &[&'static str] {
        &["M365DGraph", "MSGraph", "SecurityGraph"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        self.run(text)
    }

    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        kql_datetime(value)
    }
}
