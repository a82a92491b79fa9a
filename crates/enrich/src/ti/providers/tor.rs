//! Tor exit nodes from the Tor Project's published lists, fetched once per provider.
//!
//! Both formats are read: the bulk list (`/torbulkexitlist`, one address a line) and the
//! detailed `exit-addresses` file (`ExitNode <fingerprint>` / `ExitAddress <ip> <time>`
//! blocks). An address on the list is `medium` (Tor traffic is not malicious in itself).

use std::collections::HashMap;
use std::net::IpAddr;

use huntbook_data::IocType;
use serde_json::{Value, json};
use tokio::sync::OnceCell;

use crate::ti::http::{HttpClient, HttpOptions};
use crate::ti::{Answer, BoxFuture, Provider, Severity, TiError};

/// The public bulk exit list.
pub const TOR_BULK_LIST_URL: &str = "https://check.torproject.org/torbulkexitlist";

/// The Tor exit-node provider.
#[derive(Debug)]
pub struct TorExitNodes {
    url: String,
    client: HttpClient,
    nodes: OnceCell<Result<HashMap<IpAddr, Value>, TiError>>,
}

impl Default for TorExitNodes {
    fn default() -> Self {
        TorExitNodes::new()
    }
}

impl TorExitNodes {
    /// The provider reading the public bulk list.
    pub fn new() -> TorExitNodes {
        TorExitNodes {
            url: TOR_BULK_LIST_URL.to_string(),
            client: HttpClient::new(HttpOptions::default()),
            nodes: OnceCell::new(),
        }
    }

    /// Reads the list from another URL (`…/exit-addresses`, a mirror, a test server).
    pub fn with_url(mut self, url: &str) -> TorExitNodes {
        self.url = url.to_string();
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http_options(mut self, options: HttpOptions) -> TorExitNodes {
        self.client = HttpClient::new(options);
        self
    }

    async fn nodes(&self) -> Result<&HashMap<IpAddr, Value>, TiError> {
        let loaded = self
            .nodes
            .get_or_init(|| async {
                let reply = self
                    .client
                    .send(self.client.inner().get(&self.url), &[])
                    .await?;
                if reply.status == 404 {
                    return Err(TiError::Parse(format!(
                        "{} answered 404: no exit list there",
                        self.url
                    )));
                }
                Ok(parse_exit_list(&reply.body))
            })
            .await;
        loaded.as_ref().map_err(Clone::clone)
    }

    async fn answer(&self, ioc: &str) -> Result<Answer, TiError> {
        let ip: IpAddr = ioc
            .trim()
            .parse()
            .map_err(|_| TiError::Parse(format!("{ioc:?} is not an IP address")))?;
        let nodes = self.nodes().await?;
        Ok(match nodes.get(&ip) {
            Some(node) => Answer::found(true, Severity::Medium, node.clone(), node.clone()),
            None => Answer::not_found(Value::Null),
        })
    }
}

/// Parses either list format into address → details.
pub fn parse_exit_list(text: &str) -> HashMap<IpAddr, Value> {
    let mut nodes = HashMap::new();
    let mut fingerprint: Option<&str> = None;
    let mut last_status: Option<&str> = None;
    for line in text.lines().map(str::trim) {
        let mut words = line.splitn(2, ' ');
        match (words.next(), words.next()) {
            (Some("ExitNode"), rest) => {
                fingerprint = rest;
                last_status = None;
            }
            (Some("LastStatus"), rest) => last_status = rest,
            (Some("ExitAddress"), Some(rest)) => {
                let mut parts = rest.splitn(2, ' ');
                if let Some(ip) = parts.next().and_then(|p| p.parse::<IpAddr>().ok()) {
                    let details = json!({
                        "exit_node": fingerprint,
                        "last_status": last_status,
                        "exit_seen": parts.next(),
                    });
                    nodes.insert(ip, details);
                }
            }
            (Some(word), None) => {
                if let Ok(ip) = word.parse::<IpAddr>() {
                    nodes.insert(ip, json!({"exit_node": null, "source": "bulk exit list"}));
                }
            }
            _ => {}
        }
    }
    nodes
}

impl Provider for TorExitNodes {
    fn name(&self) -> &str {
        "Tor"
    }

    fn supported_types(&self) -> &[IocType] {
        &[IocType::Ipv4, IocType::Ipv6]
    }

    fn lookup<'a>(&'a self, ioc: &'a str, _: IocType) -> BoxFuture<'a, Result<Answer, TiError>> {
        Box::pin(self.answer(ioc))
    }

    fn cacheable(&self) -> bool {
        false
    }

    // The list is downloaded; the address looked up never leaves the machine.
    fn is_remote(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_formats() {
        let detailed = "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\n\
                        Published 2021-03-18 11:11:33\n\
                        LastStatus 2021-03-18 12:02:51\n\
                        ExitAddress 162.247.74.201 2021-03-18 12:07:09\n";
        let nodes = parse_exit_list(detailed);
        let node = &nodes[&"162.247.74.201".parse::<IpAddr>().unwrap()];
        assert_eq!(
            node["exit_node"],
            "0011BD2485AD45D984EC4159C88FC066E5E3300E"
        );
        let bulk = parse_exit_list("185.220.101.1\n2a0b:f4c2::1\n# comment\n");
        assert_eq!(bulk.len(), 2);
    }
}
