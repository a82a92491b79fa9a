//! Azure resource data: Azure Resource Manager (subscriptions, virtual machines, network
//! interfaces, network security groups) and Azure Resource Graph queries.
//!
//! [`AzureClient`] takes a bearer token (from `az account get-access-token`, a managed
//! identity, or the data layer's OAuth2 support) held as a [`Secret`]. ARM list calls follow
//! `nextLink`; Resource Graph queries follow `$skipToken`. Every call returns a DataFrame:
//!
//! - [`AzureClient::subscriptions`]: `subscription_id`, `display_name`, `state`, `tenant_id`.
//! - [`AzureClient::virtual_machines`]: `id`, `name`, `resource_group`, `location`,
//!   `vm_size`, `os_type`, `vm_id`, `provisioning_state`, `network_interfaces` (`;`-joined ids).
//! - [`AzureClient::network_interfaces`]: `id`, `name`, `resource_group`, `location`,
//!   `mac_address`, `private_ips`, `public_ip_ids`, `virtual_machine`, `network_security_group`.
//! - [`AzureClient::network_security_rules`]: one row per rule: `nsg_id`, `nsg_name`,
//!   `location`, `rule_name`, `direction`, `access`, `protocol`, `priority`,
//!   `source_prefix`, `source_port_range`, `destination_prefix`, `destination_port_range`.
//! - [`AzureClient::resource_graph`]: one column per field the rows hold (objects as JSON
//!   text).

use huntbook_data::config::Secret;
use polars::prelude::{Column, DataFrame, PolarsError};
use serde_json::{Value, json};

use crate::ti::http::{HttpClient, HttpError, HttpOptions, block_on};

/// The public ARM endpoint.
pub const ARM_URL: &str = "https://management.azure.com";

const SUBSCRIPTIONS_API: &str = "2022-12-01";
const COMPUTE_API: &str = "2024-07-01";
const NETWORK_API: &str = "2024-05-01";
const RESOURCE_GRAPH_API: &str = "2022-10-01";
const MAX_PAGES: usize = 1000;

/// An Azure call that failed.
#[derive(Debug, thiserror::Error)]
pub enum AzureError {
    /// The HTTP call failed (never contains the token).
    #[error("Azure {call}: {source}")]
    Http {
        /// The call (`subscriptions`, `resource graph`, …).
        call: &'static str,
        /// The HTTP error.
        source: HttpError,
    },

    /// The answer was not what the API documents.
    #[error("Azure {call}: {message}")]
    Parse {
        /// The call.
        call: &'static str,
        /// What was wrong.
        message: String,
    },

    /// The rows could not be made into a DataFrame.
    #[error("Azure {call}: {source}")]
    Frame {
        /// The call.
        call: &'static str,
        /// The polars error.
        source: PolarsError,
    },
}

/// An ARM / Resource Graph client.
#[derive(Debug, Clone)]
pub struct AzureClient {
    token: Secret,
    base_url: String,
    client: HttpClient,
}

impl AzureClient {
    /// A client using a bearer token.
    pub fn new(token: Secret) -> AzureClient {
        AzureClient {
            token,
            base_url: ARM_URL.to_string(),
            client: HttpClient::new(HttpOptions::default()),
        }
    }

    /// Points the client at another endpoint (a sovereign cloud, a test server).
    pub fn with_base_url(mut self, url: &str) -> AzureClient {
        self.base_url = url.trim_end_matches('/').to_string();
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http_options(mut self, options: HttpOptions) -> AzureClient {
        self.client = HttpClient::new(options);
        self
    }

    /// The subscriptions the token can see.
    pub fn subscriptions(&self) -> Result<DataFrame, AzureError> {
        let call = "subscriptions";
        let url = format!(
            "{}/subscriptions?api-version={SUBSCRIPTIONS_API}",
            self.base_url
        );
        let items = self.list(call, url)?;
        let fields = [
            ("subscription_id", "/subscriptionId"),
            ("display_name", "/displayName"),
            ("state", "/state"),
            ("tenant_id", "/tenantId"),
        ];
        frame(call, &items, &fields, &[])
    }

    /// The virtual machines of a subscription.
    pub fn virtual_machines(&self, subscription: &str) -> Result<DataFrame, AzureError> {
        let call = "virtual machines";
        let url = format!(
            "{}/subscriptions/{subscription}/providers/Microsoft.Compute/virtualMachines\
             ?api-version={COMPUTE_API}",
            self.base_url
        );
        let items = self.list(call, url)?;
        let fields = [
            ("id", "/id"),
            ("name", "/name"),
            ("location", "/location"),
            ("vm_size", "/properties/hardwareProfile/vmSize"),
            ("os_type", "/properties/storageProfile/osDisk/osType"),
            ("vm_id", "/properties/vmId"),
            ("provisioning_state", "/properties/provisioningState"),
        ];
        let lists = [(
            "network_interfaces",
            "/properties/networkProfile/networkInterfaces",
            "/id",
        )];
        frame(call, &items, &fields, &lists)
    }

    /// The network interfaces of a subscription.
    pub fn network_interfaces(&self, subscription: &str) -> Result<DataFrame, AzureError> {
        let call = "network interfaces";
        let url = format!(
            "{}/subscriptions/{subscription}/providers/Microsoft.Network/networkInterfaces\
             ?api-version={NETWORK_API}",
            self.base_url
        );
        let items = self.list(call, url)?;
        let fields = [
            ("id", "/id"),
            ("name", "/name"),
            ("location", "/location"),
            ("mac_address", "/properties/macAddress"),
            ("virtual_machine", "/properties/virtualMachine/id"),
            (
                "network_security_group",
                "/properties/networkSecurityGroup/id",
            ),
        ];
        let lists = [
            (
                "private_ips",
                "/properties/ipConfigurations",
                "/properties/privateIPAddress",
            ),
            (
                "public_ip_ids",
                "/properties/ipConfigurations",
                "/properties/publicIPAddress/id",
            ),
        ];
        frame(call, &items, &fields, &lists)
    }

    /// The security rules of every network security group of a subscription, one row per
    /// rule (default rules included, marked by `default_rule`).
    pub fn network_security_rules(&self, subscription: &str) -> Result<DataFrame, AzureError> {
        let call = "network security groups";
        let url = format!(
            "{}/subscriptions/{subscription}/providers/Microsoft.Network/networkSecurityGroups\
             ?api-version={NETWORK_API}",
            self.base_url
        );
        let groups = self.list(call, url)?;
        let mut rules = Vec::new();
        for group in &groups {
            for (list, default) in [("securityRules", false), ("defaultSecurityRules", true)] {
                let found = group
                    .pointer(&format!("/properties/{list}"))
                    .and_then(Value::as_array);
                for rule in found.into_iter().flatten() {
                    rules.push(json!({
                        "nsg_id": group.get("id"),
                        "nsg_name": group.get("name"),
                        "location": group.get("location"),
                        "rule": rule,
                        "default_rule": default.to_string(),
                    }));
                }
            }
        }
        let fields = [
            ("nsg_id", "/nsg_id"),
            ("nsg_name", "/nsg_name"),
            ("location", "/location"),
            ("rule_name", "/rule/name"),
            ("direction", "/rule/properties/direction"),
            ("access", "/rule/properties/access"),
            ("protocol", "/rule/properties/protocol"),
            ("priority", "/rule/properties/priority"),
            ("source_prefix", "/rule/properties/sourceAddressPrefix"),
            ("source_port_range", "/rule/properties/sourcePortRange"),
            (
                "destination_prefix",
                "/rule/properties/destinationAddressPrefix",
            ),
            (
                "destination_port_range",
                "/rule/properties/destinationPortRange",
            ),
            ("default_rule", "/default_rule"),
        ];
        frame(call, &rules, &fields, &[])
    }

    /// Runs a Resource Graph (KQL) query over subscriptions, following `$skipToken`.
    pub fn resource_graph(
        &self,
        query: &str,
        subscriptions: &[&str],
    ) -> Result<DataFrame, AzureError> {
        let call = "resource graph";
        let url = format!(
            "{}/providers/Microsoft.ResourceGraph/resources?api-version={RESOURCE_GRAPH_API}",
            self.base_url
        );
        let rows = block_on(async {
            let mut rows: Vec<Value> = Vec::new();
            let mut skip: Option<String> = None;
            for _ in 0..MAX_PAGES {
                let mut options = json!({ "resultFormat": "objectArray" });
                if let Some(token) = &skip {
                    options["$skipToken"] = Value::String(token.clone());
                }
                let body =
                    json!({ "subscriptions": subscriptions, "query": query, "options": options });
                let request = self
                    .client
                    .inner()
                    .post(&url)
                    .bearer_auth(self.token.expose())
                    .json(&body);
                let page = self.send(call, request).await?;
                let data = page.get("data").and_then(Value::as_array).ok_or_else(|| {
                    AzureError::Parse {
                        call,
                        message:
                            "the answer has no \"data\" array (was the result format changed?)"
                                .into(),
                    }
                })?;
                rows.extend(data.iter().cloned());
                skip = page
                    .get("$skipToken")
                    .and_then(Value::as_str)
                    .map(String::from);
                if skip.is_none() {
                    return Ok(rows);
                }
            }
            Err(AzureError::Parse {
                call,
                message: format!("more than {MAX_PAGES} pages; narrow the query"),
            })
        })?;
        dynamic_frame(call, &rows)
    }

    fn list(&self, call: &'static str, first: String) -> Result<Vec<Value>, AzureError> {
        block_on(async {
            let mut items = Vec::new();
            let mut next = Some(first);
            let mut pages = 0;
            while let Some(url) = next.take() {
                pages += 1;
                if pages > MAX_PAGES {
                    return Err(AzureError::Parse {
                        call,
                        message: format!("more than {MAX_PAGES} pages"),
                    });
                }
                let request = self
                    .client
                    .inner()
                    .get(&url)
                    .bearer_auth(self.token.expose());
                let page = self.send(call, request).await?;
                let value = page.get("value").and_then(Value::as_array).ok_or_else(|| {
                    AzureError::Parse {
                        call,
                        message: "the answer has no \"value\" array".into(),
                    }
                })?;
                items.extend(value.iter().cloned());
                next = page
                    .get("nextLink")
                    .and_then(Value::as_str)
                    .map(String::from);
            }
            Ok(items)
        })
    }

    async fn send(
        &self,
        call: &'static str,
        request: reqwest::RequestBuilder,
    ) -> Result<Value, AzureError> {
        let reply = self
            .client
            .send(request, &[&self.token])
            .await
            .map_err(|source| AzureError::Http { call, source })?;
        if reply.status == 404 {
            return Err(AzureError::Parse {
                call,
                message: format!(
                    "not found: {}",
                    reply.body.chars().take(200).collect::<String>()
                ),
            });
        }
        reply
            .json()
            .map_err(|message| AzureError::Parse { call, message })
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The resource group named in an ARM resource id.
pub fn resource_group(id: &str) -> Option<String> {
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case("resourceGroups") {
            return parts.next().map(String::from);
        }
    }
    None
}

/// A frame of fixed fields (JSON pointers) plus `;`-joined lists (array pointer, item
/// pointer); a `resource_group` column follows `id` when there is one.
fn frame(
    call: &'static str,
    items: &[Value],
    fields: &[(&str, &str)],
    lists: &[(&str, &str, &str)],
) -> Result<DataFrame, AzureError> {
    let mut columns = Vec::new();
    for (name, pointer) in fields {
        let values: Vec<Option<String>> = items.iter().map(|i| text(i.pointer(pointer))).collect();
        if *name == "id" {
            let groups: Vec<Option<String>> = values
                .iter()
                .map(|v| v.as_deref().and_then(resource_group))
                .collect();
            columns.push(Column::new("id".into(), values));
            columns.push(Column::new("resource_group".into(), groups));
        } else {
            columns.push(Column::new((*name).into(), values));
        }
    }
    for (name, array, item) in lists {
        let values: Vec<Option<String>> = items
            .iter()
            .map(|i| {
                let found: Vec<String> = i
                    .pointer(array)
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|e| text(e.pointer(item)))
                    .collect();
                (!found.is_empty()).then(|| found.join(";"))
            })
            .collect();
        columns.push(Column::new((*name).into(), values));
    }
    DataFrame::new(items.len(), columns).map_err(|source| AzureError::Frame { call, source })
}

/// A frame with one column per key found in any row, in first-seen order.
fn dynamic_frame(call: &'static str, rows: &[Value]) -> Result<DataFrame, AzureError> {
    let mut names: Vec<String> = Vec::new();
    for row in rows {
        for key in row.as_object().into_iter().flat_map(|m| m.keys()) {
            if !names.contains(key) {
                names.push(key.clone());
            }
        }
    }
    let columns = names
        .iter()
        .map(|name| {
            let values: Vec<Option<String>> = rows.iter().map(|r| text(r.get(name))).collect();
            Column::new(name.as_str().into(), values)
        })
        .collect();
    DataFrame::new(rows.len(), columns).map_err(|source| AzureError::Frame { call, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_group_from_id() {
        let id = "/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Compute/\
                  virtualMachines/vm1";
        assert_eq!(resource_group(id).as_deref(), Some("rg-demo"));
        assert_eq!(resource_group("/subscriptions/s1"), None);
    }
}
