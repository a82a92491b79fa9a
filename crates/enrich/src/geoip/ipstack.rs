//! IPStack (`api.ipstack.com`): a REST GeoIP service needing an access key.
//!
//! The key comes from `OtherProviders.IPStack.Args.AuthKey` in `msticpyconfig.yaml`, or
//! the `IPSTACK_AUTH_KEY` environment variable. IPStack wants it in the query string
//! (`?access_key=`), so errors report URLs without their query and every message is
//! redacted.

use std::time::Duration;

use huntbook_data::config::{Config, Secret};
use serde_json::Value;

use super::{GeoError, GeoLocation, IpLocation};
use crate::ti::http::{HttpClient, HttpOptions, block_on};

/// The public endpoint.
pub const IPSTACK_URL: &str = "http://api.ipstack.com";

/// The IPStack client.
#[derive(Debug, Clone)]
pub struct IpStack {
    key: Secret,
    base_url: String,
    bulk: bool,
    client: HttpClient,
}

impl IpStack {
    /// A client with a key.
    pub fn new(key: Secret) -> IpStack {
        IpStack {
            key,
            base_url: IPSTACK_URL.to_string(),
            bulk: false,
            client: HttpClient::new(HttpOptions::default().with_timeout(Duration::from_secs(20))),
        }
    }

    /// A client with the key from the configuration or `IPSTACK_AUTH_KEY`.
    pub fn from_config(config: &Config) -> Result<IpStack, GeoError> {
        let from_file = config
            .other_provider("IPStack")
            .map(|p| p.secret("AuthKey"));
        let key = match from_file {
            Some(Ok(Some(key))) => key,
            Some(Err(e)) => {
                return Err(GeoError::Http {
                    service: "IPStack",
                    message: e.to_string(),
                });
            }
            _ => match std::env::var("IPSTACK_AUTH_KEY") {
                Ok(value) if !value.is_empty() => Secret::new(value),
                _ => {
                    return Err(GeoError::Http {
                        service: "IPStack",
                        message: "no key: set OtherProviders.IPStack.Args.AuthKey in \
                                  msticpyconfig.yaml or IPSTACK_AUTH_KEY"
                            .to_string(),
                    });
                }
            },
        };
        Ok(IpStack::new(key))
    }

    /// Points the client at another base URL (a test server).
    pub fn with_base_url(mut self, url: &str) -> IpStack {
        self.base_url = url.trim_end_matches('/').to_string();
        self
    }

    /// Sends up to 50 addresses per request (a paid IPStack plan is needed for this).
    pub fn with_bulk(mut self, bulk: bool) -> IpStack {
        self.bulk = bulk;
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http_options(mut self, options: HttpOptions) -> IpStack {
        self.client = HttpClient::new(options);
        self
    }

    /// Looks up addresses, one result per value in input order; failures are kept as
    /// results with an error.
    pub fn lookup_many<S: AsRef<str> + Sync>(&self, values: &[S]) -> Vec<IpLocation> {
        let values: Vec<&str> = values.iter().map(|v| v.as_ref().trim()).collect();
        block_on(async {
            let mut out = Vec::with_capacity(values.len());
            let size = if self.bulk { 50 } else { 1 };
            for chunk in values.chunks(size) {
                out.extend(self.lookup_chunk(chunk).await);
            }
            out
        })
    }

    async fn lookup_chunk(&self, ips: &[&str]) -> Vec<IpLocation> {
        let url = format!("{}/{}", self.base_url, ips.join(","));
        let request = self
            .client
            .inner()
            .get(&url)
            .query(&[("access_key", self.key.expose())]);
        let reply = match self.client.send(request, &[&self.key]).await {
            Ok(reply) => reply,
            Err(e) => {
                return ips
                    .iter()
                    .map(|ip| IpLocation::failed(ip, e.to_string()))
                    .collect();
            }
        };
        let parsed = match reply.json() {
            Ok(value) => value,
            Err(e) => {
                return ips
                    .iter()
                    .map(|ip| IpLocation::failed(ip, e.clone()))
                    .collect();
            }
        };
        let items: Vec<Value> = match parsed {
            Value::Array(items) => items,
            other => vec![other],
        };
        ips.iter()
            .enumerate()
            .map(|(i, ip)| match items.get(i) {
                Some(item) => parse_item(ip, item),
                None => IpLocation::failed(ip, "IPStack returned fewer results than asked for"),
            })
            .collect()
    }
}

fn parse_item(ip: &str, item: &Value) -> IpLocation {
    if item.get("success").and_then(Value::as_bool) == Some(false) {
        let info = item
            .pointer("/error/info")
            .and_then(Value::as_str)
            .unwrap_or("unknown error");
        return IpLocation::failed(ip, format!("IPStack: {info}"));
    }
    let text = |key: &str| {
        item.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let location = GeoLocation {
        country_code: text("country_code"),
        country_name: text("country_name"),
        region: text("region_name"),
        city: text("city"),
        latitude: item.get("latitude").and_then(Value::as_f64),
        longitude: item.get("longitude").and_then(Value::as_f64),
        asn: item
            .pointer("/connection/asn")
            .and_then(Value::as_u64)
            .and_then(|a| u32::try_from(a).ok()),
        organisation: item
            .pointer("/connection/isp")
            .and_then(Value::as_str)
            .map(String::from),
    };
    if location.is_empty() {
        return IpLocation::failed(ip, "IPStack has no location for this address");
    }
    IpLocation {
        ip: ip.to_string(),
        location: Some(location),
        source: Some("IPStack".into()),
        error: None,
    }
}
