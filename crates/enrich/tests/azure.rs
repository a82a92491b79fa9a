//! ARM and Resource Graph against a loopback server: bearer auth, nextLink and $skipToken
//! paging, and the frames' columns.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use huntbook_data::config::Secret;
use huntbook_enrich::azure::AzureClient;
use huntbook_enrich::ti::http::HttpOptions;
use huntbook_testkit::{LoopbackServer, Reply, Request};

const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.planted.token";

fn server() -> LoopbackServer {
    LoopbackServer::start(|req: &Request| {
        if req.header("authorization") != Some(&format!("Bearer {TOKEN}")) {
            return Reply::json(
                401,
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"The access token is invalid."}}"#,
            );
        }
        let host = format!("http://{}", req.header("host").unwrap_or_default());
        match (req.method.as_str(), req.path.as_str()) {
            ("GET", "/subscriptions") if req.query_param("page").is_none() => Reply::json(
                200,
                format!(
                    r#"{{"value":[{{"id":"/subscriptions/s1","subscriptionId":"s1","displayName":"Demo One","state":"Enabled","tenantId":"t1"}}],"nextLink":"{host}/subscriptions?api-version=2022-12-01&page=2"}}"#
                ),
            ),
            ("GET", "/subscriptions") => Reply::json(
                200,
                r#"{"value":[{"id":"/subscriptions/s2","subscriptionId":"s2","displayName":"Demo Two","state":"Disabled","tenantId":"t1"}]}"#,
            ),
            ("GET", "/subscriptions/s1/providers/Microsoft.Compute/virtualMachines") => {
                Reply::json(
                    200,
                    r#"{"value":[{"id":"/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Compute/virtualMachines/vm1","name":"vm1","location":"westeurope","properties":{"vmId":"0f1e2d3c","hardwareProfile":{"vmSize":"Standard_B2s"},"storageProfile":{"osDisk":{"osType":"Linux"}},"provisioningState":"Succeeded","networkProfile":{"networkInterfaces":[{"id":"/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Network/networkInterfaces/nic1"}]}}}]}"#,
                )
            }
            ("GET", "/subscriptions/s1/providers/Microsoft.Network/networkInterfaces") => {
                Reply::json(
                    200,
                    r#"{"value":[{"id":"/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Network/networkInterfaces/nic1","name":"nic1","location":"westeurope","properties":{"macAddress":"00-0D-3A-00-00-01","virtualMachine":{"id":"/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Compute/virtualMachines/vm1"},"ipConfigurations":[{"name":"ipconfig1","properties":{"privateIPAddress":"10.0.0.4","publicIPAddress":{"id":"/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Network/publicIPAddresses/pip1"}}},{"name":"ipconfig2","properties":{"privateIPAddress":"10.0.0.5"}}]}}]}"#,
                )
            }
            ("GET", "/subscriptions/s1/providers/Microsoft.Network/networkSecurityGroups") => {
                Reply::json(
                    200,
                    r#"{"value":[{"id":"/subscriptions/s1/resourceGroups/rg-demo/providers/Microsoft.Network/networkSecurityGroups/nsg1","name":"nsg1","location":"westeurope","properties":{"securityRules":[{"name":"allow-ssh","properties":{"protocol":"Tcp","sourcePortRange":"*","destinationPortRange":"22","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Allow","priority":100,"direction":"Inbound"}}],"defaultSecurityRules":[{"name":"DenyAllInBound","properties":{"protocol":"*","sourcePortRange":"*","destinationPortRange":"*","sourceAddressPrefix":"*","destinationAddressPrefix":"*","access":"Deny","priority":65500,"direction":"Inbound"}}]}}]}"#,
                )
            }
            ("POST", "/providers/Microsoft.ResourceGraph/resources") => {
                let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap();
                assert_eq!(
                    req.query_param("api-version").as_deref(),
                    Some("2022-10-01")
                );
                assert_eq!(body["subscriptions"][0], "s1");
                if body["options"]["$skipToken"].is_null() {
                    Reply::json(
                        200,
                        r#"{"totalRecords":3,"count":2,"resultTruncated":"false","$skipToken":"page-2","data":[{"name":"vm1","type":"microsoft.compute/virtualmachines","tags":{"env":"demo"}},{"name":"nic1","type":"microsoft.network/networkinterfaces"}]}"#,
                    )
                } else {
                    assert_eq!(body["options"]["$skipToken"], "page-2");
                    Reply::json(
                        200,
                        r#"{"totalRecords":3,"count":1,"resultTruncated":"false","data":[{"name":"nsg1","type":"microsoft.network/networksecuritygroups","sku":null}]}"#,
                    )
                }
            }
            _ => Reply::json(404, r#"{"error":{"code":"NotFound"}}"#),
        }
    })
}

#[test]
fn arm_lists_follow_next_link() {
    let server = server();
    let client = AzureClient::new(Secret::new(TOKEN)).with_base_url(&server.url());
    let subs = client.subscriptions().unwrap();
    assert_eq!(subs.height(), 2);
    assert_eq!(
        subs.column("display_name").unwrap().str().unwrap().get(1),
        Some("Demo Two")
    );

    let vms = client.virtual_machines("s1").unwrap();
    assert_eq!(
        vms.column("resource_group").unwrap().str().unwrap().get(0),
        Some("rg-demo")
    );
    assert_eq!(
        vms.column("vm_size").unwrap().str().unwrap().get(0),
        Some("Standard_B2s")
    );
    assert!(
        vms.column("network_interfaces")
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .ends_with("/nic1")
    );

    let nics = client.network_interfaces("s1").unwrap();
    assert_eq!(
        nics.column("private_ips").unwrap().str().unwrap().get(0),
        Some("10.0.0.4;10.0.0.5")
    );

    let rules = client.network_security_rules("s1").unwrap();
    assert_eq!(rules.height(), 2);
    assert_eq!(
        rules
            .column("destination_port_range")
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("22")
    );
    assert_eq!(
        rules.column("default_rule").unwrap().str().unwrap().get(1),
        Some("true")
    );
}

#[test]
fn resource_graph_follows_skip_token() {
    let server = server();
    let client = AzureClient::new(Secret::new(TOKEN)).with_base_url(&server.url());
    let rows = client
        .resource_graph("Resources | project name, type, tags", &["s1"])
        .unwrap();
    assert_eq!(rows.height(), 3);
    let names: Vec<&str> = rows.get_column_names().iter().map(|s| s.as_str()).collect();
    assert_eq!(names, ["name", "type", "tags", "sku"]);
    assert_eq!(
        rows.column("tags").unwrap().str().unwrap().get(0),
        Some(r#"{"env":"demo"}"#)
    );
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn bad_token_is_a_clear_error_without_the_token() {
    let server = server();
    let client = AzureClient::new(Secret::new("wrong-token-value"))
        .with_base_url(&server.url())
        .with_http_options(HttpOptions::default().with_retries(0));
    let err = client.subscriptions().unwrap_err().to_string();
    assert!(
        err.contains("401") && err.contains("InvalidAuthenticationToken"),
        "{err}"
    );
    assert!(!err.contains("wrong-token-value"));
    assert!(!format!("{client:?}").contains("wrong-token-value"));
}
