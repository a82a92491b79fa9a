//! Each online provider against a loopback server speaking its wire format, with recorded
//! responses from the shared test data where they exist.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use huntbook_data::IocType;
use huntbook_data::config::Secret;
use huntbook_data::driver::{Driver, DriverError};
use huntbook_enrich::ti::providers::HttpProvider;
use huntbook_enrich::ti::providers::sentinel::SentinelTi;
use huntbook_enrich::ti::providers::tor::TorExitNodes;
use huntbook_enrich::ti::providers::{
    AbuseIpdb, CrowdSec, GreyNoise, Otx, Pulsedive, UrlHaus, VirusTotal, XForce, XForceApi,
};
use huntbook_enrich::ti::{LookupOptions, Provider, Severity, Status, TiLookup, TiResult};
use huntbook_testkit::{LoopbackServer, Reply, Request, shared_data};
use polars::prelude::{Column, DataFrame};
use serde_json::Value;

const KEY: &str = "planted-key-0123456789";

fn mock(site: &str) -> Option<Value> {
    let path = shared_data("ti/msticpy-MIT/msticpy_ti_provider_mock_responses.json")?;
    let all: Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    all.get(site)?.get("response").cloned()
}

fn recorded(rel: &str) -> Option<Value> {
    let path = shared_data(rel)?;
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

fn run(provider: impl Provider + 'static, items: &[(&str, IocType)]) -> Vec<TiResult> {
    let lookup = TiLookup::new().with_provider(provider).with_options(
        LookupOptions::default()
            .without_cache()
            .with_private_addresses(true),
    );
    lookup.lookup_typed(items.iter().map(|(i, t)| (i.to_string(), *t)).collect())
}

#[test]
fn virustotal_v3_domain_ip_url_file() {
    let Some(domain) = recorded("ti/demisto-content-MIT/vt3_domain.json") else {
        eprintln!("skipped: shared ti data not found");
        return;
    };
    let url_obj = recorded("ti/msticpy-MIT/vt3_url_0.json").unwrap();
    let server = LoopbackServer::start(move |req: &Request| {
        assert_eq!(req.header("x-apikey"), Some(KEY));
        if req.path.starts_with("/api/v3/domains/") {
            Reply::json(200, domain.to_string())
        } else if req.path.starts_with("/api/v3/urls/") {
            Reply::json(200, serde_json::json!({ "data": url_obj }).to_string())
        } else {
            Reply::json(
                404,
                r#"{"error":{"code":"NotFoundError","message":"not found"}}"#,
            )
        }
    });
    let vt = VirusTotal::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let rows = run(
        vt,
        &[
            ("example.test", IocType::Dns),
            ("http://a.test/x", IocType::Url),
            ("198.51.100.1", IocType::Ipv4),
        ],
    );
    assert_eq!(rows[0].status, Status::Ok);
    assert_eq!(rows[0].severity, Severity::High, "8 malicious engines");
    assert!(rows[0].result);
    assert_eq!(rows[0].details["malicious"], 8);
    assert_eq!(rows[1].status, Status::Ok);
    assert_eq!(rows[2].status, Status::NotFound);
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(
        paths
            .iter()
            .any(|p| p == "/api/v3/urls/aHR0cDovL2EudGVzdC94"),
        "{paths:?}"
    );
}

#[test]
fn otx_general_section() {
    let Some(response) = mock("https://otx.alienvault.com") else {
        eprintln!("skipped: shared ti mocks not found");
        return;
    };
    let server = LoopbackServer::start(move |req: &Request| {
        assert_eq!(req.header("x-otx-api-key"), Some(KEY));
        assert!(req.path.ends_with("/general"), "{}", req.path);
        Reply::json(200, response.to_string())
    });
    let otx = Otx::new(Secret::new(KEY)).with_base_url(&server.url());
    let rows = run(
        otx,
        &[
            ("198.51.100.1", IocType::Ipv4),
            ("bad.example.com", IocType::Dns),
        ],
    );
    assert_eq!(rows[0].status, Status::Ok);
    assert!(rows[0].result);
    assert_eq!(rows[0].severity, Severity::Low);
    assert_eq!(rows[0].details["pulses"][0]["tags"][0], "bad");
    let paths: Vec<String> = server.requests().iter().map(|r| r.path.clone()).collect();
    assert!(paths.contains(&"/api/v1/indicators/IPv4/198.51.100.1/general".to_string()));
    assert!(paths.contains(&"/api/v1/indicators/domain/bad.example.com/general".to_string()));
}

#[test]
fn xforce_basic_auth_and_score() {
    let Some(response) = mock("https://api.xforce.ibmcloud.com") else {
        return;
    };
    let server = LoopbackServer::start(move |req: &Request| {
        // "id:key" in base64.
        let expected = format!(
            "Basic {}",
            base64_encode("api-id-777:planted-key-0123456789")
        );
        assert_eq!(req.header("authorization"), Some(expected.as_str()));
        let mut body = response.clone();
        if req.path.starts_with("/ipr/") {
            body["score"] = 8.into();
        }
        Reply::json(200, body.to_string())
    });
    let xf = HttpProvider::with_api(XForceApi::new(Secret::new("api-id-777")), Secret::new(KEY))
        .with_base_url(&server.url());
    let rows = run(
        xf,
        &[
            ("203.0.113.5", IocType::Ipv4),
            ("http://x.test", IocType::Url),
            ("44d88612fea8a8f36de82e1278abb02f", IocType::Md5),
        ],
    );
    assert_eq!(rows[0].severity, Severity::High);
    assert_eq!(rows[1].severity, Severity::Information, "score 1 is benign");
    assert_eq!(rows[2].severity, Severity::High, "malware risk high");
    assert_eq!(rows[2].details["family"]["name"], "mybadfile");
    let _: Option<XForce> = None;
}

fn base64_encode(text: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = text.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn greynoise_community() {
    let Some(response) = mock("https://api.greynoise.io") else {
        return;
    };
    let server = LoopbackServer::start(move |req: &Request| {
        assert_eq!(req.header("key"), Some(KEY));
        if req.path == "/v3/community/51.91.185.74" {
            Reply::json(200, response.to_string())
        } else {
            Reply::json(
                404,
                r#"{"ip":"198.51.100.9","noise":false,"riot":false,"message":"IP not observed scanning the internet or contained in RIOT data set."}"#,
            )
        }
    });
    let gn = GreyNoise::new(Secret::new(KEY)).with_base_url(&server.url());
    let rows = run(
        gn,
        &[
            ("51.91.185.74", IocType::Ipv4),
            ("198.51.100.9", IocType::Ipv4),
            ("example.com", IocType::Dns),
        ],
    );
    assert_eq!(rows[0].severity, Severity::High);
    assert!(rows[0].result);
    assert_eq!(rows[1].status, Status::NotFound);
    assert_eq!(
        rows[2].status,
        Status::Unsupported,
        "GreyNoise looks up IPv4 only"
    );
    assert_eq!(
        server.requests().len(),
        2,
        "an unsupported type is never sent"
    );
}

#[test]
fn abuseipdb_check() {
    let Some(response) = mock("https://api.abuseipdb.com") else {
        return;
    };
    let server = LoopbackServer::start(move |req: &Request| {
        assert_eq!(req.header("key"), Some(KEY));
        assert_eq!(req.path, "/api/v2/check");
        let mut body = response.clone();
        if req.query_param("ipAddress").as_deref() == Some("203.0.113.66") {
            body["data"]["abuseConfidenceScore"] = 90.into();
        }
        Reply::json(200, body.to_string())
    });
    let ab = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let rows = run(
        ab,
        &[
            ("38.75.137.9", IocType::Ipv4),
            ("203.0.113.66", IocType::Ipv4),
        ],
    );
    assert_eq!(rows[0].severity, Severity::Information);
    assert!(!rows[0].result);
    assert_eq!(rows[1].severity, Severity::High);
    assert_eq!(rows[1].details["isp"], "GlobalTeleHost Corp.");
}

#[test]
fn urlhaus_url_host_payload() {
    let server = LoopbackServer::start(|req: &Request| {
        assert_eq!(req.method, "POST");
        assert_eq!(req.header("auth-key"), Some(KEY));
        let body = req.body_str();
        match req.path.as_str() {
            "/v1/url/" if body.contains("online") => Reply::json(
                200,
                r#"{"query_status":"ok","id":"105821","url":"http://online.example.test/x","url_status":"online","threat":"malware_download","tags":["elf","Mozi"],"date_added":"2026-01-02 10:00:00 UTC"}"#,
            ),
            "/v1/url/" => Reply::json(200, r#"{"query_status":"no_results"}"#),
            "/v1/host/" => Reply::json(
                200,
                r#"{"query_status":"ok","host":"203.0.113.8","firstseen":"2026-01-01 00:00:00 UTC","url_count":"3","blacklists":{"spamhaus_dbl":"not listed","surbl":"not listed"},"urls":[{"id":"1"},{"id":"2"},{"id":"3"}]}"#,
            ),
            "/v1/payload/" => Reply::json(
                200,
                r#"{"query_status":"ok","md5_hash":"44d88612fea8a8f36de82e1278abb02f","file_type":"exe","signature":"Demo","url_count":"1","firstseen":"2026-01-01 00:00:00"}"#,
            ),
            _ => Reply::json(200, r#"{"query_status":"invalid_url"}"#),
        }
    });
    let uh = UrlHaus::new(Secret::new(KEY)).with_base_url(&server.url());
    let rows = run(
        uh,
        &[
            ("http://online.example.test/x", IocType::Url),
            ("http://nothing.example.test/", IocType::Url),
            ("203.0.113.8", IocType::Ipv4),
            ("44d88612fea8a8f36de82e1278abb02f", IocType::Md5),
        ],
    );
    assert_eq!(rows[0].severity, Severity::High);
    assert_eq!(rows[1].status, Status::NotFound);
    assert_eq!(rows[2].severity, Severity::Medium);
    assert_eq!(rows[2].details["url_count"], 3);
    assert_eq!(rows[3].severity, Severity::High);
    let sent = server.requests();
    assert!(
        sent.iter()
            .any(|r| r.body_str() == "md5_hash=44d88612fea8a8f36de82e1278abb02f")
    );
}

#[test]
fn pulsedive_info_and_not_found() {
    let server = LoopbackServer::start(|req: &Request| {
        assert_eq!(req.path, "/api/info.php");
        assert_eq!(req.query_param("key").as_deref(), Some(KEY));
        match req.query_param("indicator").as_deref() {
            Some("evil.example.com") => Reply::json(
                200,
                r#"{"iid":12345,"type":"domain","indicator":"evil.example.com","risk":"critical","risk_recommended":"high","threats":[{"name":"Demo Stealer","category":"malware"}],"feeds":[]}"#,
            ),
            _ => Reply::json(404, r#"{"error":"Indicator not found."}"#),
        }
    });
    let pd = Pulsedive::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let rows = run(
        pd,
        &[
            ("evil.example.com", IocType::Dns),
            ("fine.example.com", IocType::Dns),
        ],
    );
    assert_eq!(rows[0].severity, Severity::High);
    assert_eq!(rows[0].details["threats"][0], "Demo Stealer");
    assert_eq!(rows[1].status, Status::NotFound);
    for row in &rows {
        assert!(!row.raw.to_string().contains(KEY));
    }
}

#[test]
fn crowdsec_smoke() {
    let server = LoopbackServer::start(|req: &Request| {
        assert_eq!(req.header("x-api-key"), Some(KEY));
        match req.path.as_str() {
            "/v2/smoke/167.248.133.133" => Reply::json(
                200,
                r#"{"ip_range_score":1,"ip":"167.248.133.133","ip_range":"167.248.133.0/24","as_name":"CENSYS-ARIN-03","as_num":398722,"location":{"country":"US","city":null,"latitude":37.751,"longitude":-97.822},"reputation":"suspicious","behaviors":[{"name":"tcp:scan","label":"TCP Scan"}],"scores":{"overall":{"aggressiveness":1,"threat":1,"trust":4,"anomaly":1,"total":2}}}"#,
            ),
            _ => Reply::json(404, r#"{"message":"IP address information not found"}"#),
        }
    });
    let cs = CrowdSec::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let rows = run(
        cs,
        &[
            ("167.248.133.133", IocType::Ipv4),
            ("198.51.100.200", IocType::Ipv4),
        ],
    );
    assert_eq!(rows[0].severity, Severity::Medium);
    assert_eq!(rows[0].details["behaviors"][0], "tcp:scan");
    assert_eq!(rows[1].status, Status::NotFound);
}

#[test]
fn tor_exit_list_fetched_once() {
    let server = LoopbackServer::start(|_req: &Request| {
        Reply::text(
            200,
            "ExitNode 0011BD2485AD45D984EC4159C88FC066E5E3300E\nPublished 2026-03-18 11:11:33\nLastStatus 2026-03-18 12:02:51\nExitAddress 162.247.74.201 2026-03-18 12:07:09\n185.220.101.1\n",
        )
    });
    let tor = TorExitNodes::new().with_url(&format!("{}/exit-addresses", server.url()));
    let rows = run(
        tor,
        &[
            ("162.247.74.201", IocType::Ipv4),
            ("185.220.101.1", IocType::Ipv4),
            ("198.51.100.1", IocType::Ipv4),
        ],
    );
    assert_eq!(rows[0].status, Status::Ok);
    assert_eq!(
        rows[0].details["exit_node"],
        "0011BD2485AD45D984EC4159C88FC066E5E3300E"
    );
    assert_eq!(rows[1].status, Status::Ok);
    assert_eq!(rows[2].status, Status::NotFound);
    assert_eq!(server.requests().len(), 1);
}

struct FakeSentinel {
    queries: Arc<std::sync::Mutex<Vec<String>>>,
}

impl Driver for FakeSentinel {
    fn environments(&self) -> &[&'static str] {
        &["MSSentinel"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        self.queries.lock().unwrap().push(text.to_string());
        if text.contains("boom") {
            return Err(DriverError::Config {
                driver: "fake",
                message: "workspace unreachable".into(),
            });
        }
        let hit = text.contains("'203.0.113.7'");
        let n = usize::from(hit);
        let cols = vec![
            Column::new("IndicatorId".into(), vec!["ind-1"; n]),
            Column::new("ThreatType".into(), vec!["Botnet"; n]),
            Column::new("Description".into(), vec!["Demo botnet node"; n]),
            Column::new("ConfidenceScore".into(), vec![80i64; n]),
            Column::new("Active".into(), vec![true; n]),
        ];
        Ok(DataFrame::new(n, cols).unwrap())
    }
}

#[test]
fn sentinel_ti_table_through_a_driver() {
    let queries = Arc::new(std::sync::Mutex::new(Vec::new()));
    let driver = FakeSentinel {
        queries: queries.clone(),
    };
    let provider = SentinelTi::new(Box::new(driver)).with_lookback_days(30);
    let rows = run(
        provider,
        &[
            ("203.0.113.7", IocType::Ipv4),
            ("198.51.100.1", IocType::Ipv4),
            ("boom.example.com", IocType::Dns),
        ],
    );
    assert_eq!(rows[0].status, Status::Ok);
    assert_eq!(rows[0].severity, Severity::High);
    assert_eq!(rows[0].details["threat_types"][0], "Botnet");
    assert_eq!(rows[1].status, Status::NotFound);
    assert!(matches!(&rows[2].status, Status::Error(m) if m.contains("workspace unreachable")));
    let sent = queries.lock().unwrap();
    assert!(sent[0].starts_with("ThreatIntelligenceIndicator"));
    assert!(sent.iter().any(|q| q.contains("ago(30d)")));
}

#[test]
fn unsupported_rows_only_when_asked() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = LoopbackServer::start(move |_req: &Request| {
        seen.fetch_add(1, Ordering::SeqCst);
        Reply::json(404, "{}")
    });
    let gn = GreyNoise::new(Secret::new(KEY)).with_base_url(&server.url());
    let lookup = TiLookup::new().with_provider(gn).with_options(
        LookupOptions::default()
            .without_cache()
            .with_unsupported_rows(true),
    );
    let rows = lookup.lookup_typed(vec![("x.example.com".into(), IocType::Dns)]);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].provider, "GreyNoise");
    assert_eq!(rows[0].status, Status::Unsupported);
    assert_eq!(calls.load(Ordering::SeqCst), 0);
}
