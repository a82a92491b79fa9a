//! The wire formats of the HTTP providers: one [`Api`] per service.
//!
//! Severity is normalised per provider as each function's doc says; `details` keeps the
//! few fields an analyst reads first, `raw` the whole response.

use base64::Engine;
use huntbook_data::IocType;
use huntbook_data::config::{Config, Secret};
use reqwest::RequestBuilder;
use serde_json::{Value, json};

use super::{Api, HttpProvider, XForce, resolve_secret};
use crate::ti::{Answer, RateLimit, Severity, TiError};

const HASHES: [IocType; 3] = [IocType::Md5, IocType::Sha1, IocType::Sha256];

fn unsupported(name: &str, ioc_type: IocType) -> TiError {
    TiError::Config(format!("{name} does not look up {ioc_type} indicators"))
}

fn encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn count(value: Option<&Value>) -> u64 {
    value.and_then(Value::as_u64).unwrap_or(0)
}

/// VirusTotal v3: `GET /api/v3/{ip_addresses|domains|urls|files}/{id}` with `x-apikey`.
/// Severity from `last_analysis_stats`: ≥3 malicious engines high, ≥1 medium, suspicious
/// only low, else information.
#[derive(Debug, Default, Clone)]
pub struct VirusTotalApi;

impl Api for VirusTotalApi {
    const NAME: &'static str = "VirusTotal";
    const BASE_URL: &'static str = "https://www.virustotal.com";
    const KEY_VARIABLE: &'static str = "VT_API_KEY";
    const TYPES: &'static [IocType] = &[
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Dns,
        IocType::Url,
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
    ];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_minute(4))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        ioc_type: IocType,
    ) -> Result<RequestBuilder, TiError> {
        let (collection, id) = match ioc_type {
            IocType::Ipv4 | IocType::Ipv6 => ("ip_addresses", ioc.to_string()),
            IocType::Dns => ("domains", ioc.to_string()),
            IocType::Url => (
                "urls",
                base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ioc),
            ),
            t if HASHES.contains(&t) => ("files", ioc.to_ascii_lowercase()),
            other => return Err(unsupported(Self::NAME, other)),
        };
        let url = format!("{base}/api/v3/{collection}/{}", encode(&id));
        Ok(client
            .get(url)
            .header("x-apikey", key.expose())
            .header("accept", "application/json"))
    }

    fn parse(&self, status: u16, body: &Value, _: IocType) -> Result<Answer, TiError> {
        if status == 404 {
            return Ok(Answer::not_found(body.clone()));
        }
        let attributes = body.pointer("/data/attributes").ok_or_else(|| {
            TiError::Parse("VirusTotal answer has no data.attributes".to_string())
        })?;
        let stats = attributes.get("last_analysis_stats");
        let malicious = count(stats.and_then(|s| s.get("malicious")));
        let suspicious = count(stats.and_then(|s| s.get("suspicious")));
        let severity = match (malicious, suspicious) {
            (m, _) if m >= 3 => Severity::High,
            (m, _) if m >= 1 => Severity::Medium,
            (_, s) if s >= 1 => Severity::Low,
            _ => Severity::Information,
        };
        let details = json!({
            "malicious": malicious,
            "suspicious": suspicious,
            "harmless": stats.and_then(|s| s.get("harmless")),
            "undetected": stats.and_then(|s| s.get("undetected")),
            "reputation": attributes.get("reputation"),
            "tags": attributes.get("tags"),
            "id": body.pointer("/data/id"),
        });
        Ok(Answer::found(
            malicious + suspicious > 0,
            severity,
            details,
            Value::Null,
        ))
    }
}

/// AlienVault OTX: `GET /api/v1/indicators/{IPv4|IPv6|domain|url|file}/{ioc}/general` with
/// `X-OTX-API-KEY`. Severity from the number of pulses: 0 information, 1 low, 2–4 medium,
/// 5+ high.
#[derive(Debug, Default, Clone)]
pub struct OtxApi;

impl Api for OtxApi {
    const NAME: &'static str = "OTX";
    const BASE_URL: &'static str = "https://otx.alienvault.com";
    const KEY_VARIABLE: &'static str = "OTX_API_KEY";
    const TYPES: &'static [IocType] = &[
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Dns,
        IocType::Url,
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
    ];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_second(5.0))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        ioc_type: IocType,
    ) -> Result<RequestBuilder, TiError> {
        let section = match ioc_type {
            IocType::Ipv4 => "IPv4",
            IocType::Ipv6 => "IPv6",
            IocType::Dns => "domain",
            IocType::Url => "url",
            t if HASHES.contains(&t) => "file",
            other => return Err(unsupported(Self::NAME, other)),
        };
        let url = format!("{base}/api/v1/indicators/{section}/{}/general", encode(ioc));
        Ok(client.get(url).header("X-OTX-API-KEY", key.expose()))
    }

    fn parse(&self, status: u16, body: &Value, _: IocType) -> Result<Answer, TiError> {
        if status == 404 {
            return Ok(Answer::not_found(body.clone()));
        }
        let pulses = body.pointer("/pulse_info/pulses").and_then(Value::as_array);
        let pulse_count = body
            .pointer("/pulse_info/count")
            .and_then(Value::as_u64)
            .unwrap_or_else(|| pulses.map_or(0, |p| p.len() as u64));
        let severity = match pulse_count {
            0 => Severity::Information,
            1 => Severity::Low,
            2..=4 => Severity::Medium,
            _ => Severity::High,
        };
        let summary: Vec<Value> = pulses
            .into_iter()
            .flatten()
            .take(10)
            .map(|p| {
                json!({
                    "name": p.get("name"),
                    "tags": p.get("tags"),
                    "references": p.get("references"),
                })
            })
            .collect();
        let details = json!({ "pulse_count": pulse_count, "pulses": summary });
        Ok(Answer::found(
            pulse_count > 0,
            severity,
            details,
            Value::Null,
        ))
    }
}

/// IBM X-Force Exchange: `GET /ipr/{ip}`, `/url/{url or domain}`, `/malware/{hash}` with
/// HTTP basic auth (ApiID, AuthKey). Severity from the 1–10 risk score: ≥7 high, ≥4
/// medium, >1 low; malware risk `high`/`medium`/`low` as given.
#[derive(Debug, Clone)]
pub struct XForceApi {
    api_id: Secret,
}

impl XForceApi {
    /// The API with its key ID (the password is the provider's key).
    pub fn new(api_id: Secret) -> XForceApi {
        XForceApi { api_id }
    }
}

/// X-Force from `TIProviders.XForce.Args.ApiID` and `AuthKey` (or `XFORCE_API_ID`,
/// `XFORCE_API_KEY`).
pub(super) fn xforce_from_config(config: &Config) -> Result<XForce, TiError> {
    let id = resolve_secret(config, XForceApi::NAME, "ApiID", "XFORCE_API_ID")?;
    let key = resolve_secret(config, XForceApi::NAME, "AuthKey", XForceApi::KEY_VARIABLE)?;
    Ok(HttpProvider::with_api(XForceApi::new(id), key))
}

impl Api for XForceApi {
    const NAME: &'static str = "XForce";
    const BASE_URL: &'static str = "https://api.xforce.ibmcloud.com";
    const KEY_VARIABLE: &'static str = "XFORCE_API_KEY";
    const TYPES: &'static [IocType] = &[
        IocType::Ipv4,
        IocType::Ipv6,
        IocType::Dns,
        IocType::Url,
        IocType::Md5,
        IocType::Sha1,
        IocType::Sha256,
    ];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_second(5.0))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        ioc_type: IocType,
    ) -> Result<RequestBuilder, TiError> {
        let path = match ioc_type {
            IocType::Ipv4 | IocType::Ipv6 => "ipr",
            IocType::Dns | IocType::Url => "url",
            t if HASHES.contains(&t) => "malware",
            other => return Err(unsupported(Self::NAME, other)),
        };
        let url = format!("{base}/{path}/{}", encode(ioc));
        Ok(client
            .get(url)
            .basic_auth(self.api_id.expose(), Some(key.expose()))
            .header("accept", "application/json"))
    }

    fn parse(&self, status: u16, body: &Value, ioc_type: IocType) -> Result<Answer, TiError> {
        if status == 404 {
            return Ok(Answer::not_found(body.clone()));
        }
        if HASHES.contains(&ioc_type) {
            let malware = body.get("malware").unwrap_or(body);
            let severity = malware
                .get("risk")
                .and_then(Value::as_str)
                .and_then(|r| r.parse().ok())
                .unwrap_or(Severity::Medium);
            let details = json!({ "risk": malware.get("risk"), "family": malware.get("family") });
            return Ok(Answer::found(true, severity, details, Value::Null));
        }
        let scored = body.get("result").unwrap_or(body);
        let score = scored.get("score").and_then(Value::as_f64).unwrap_or(0.0);
        let severity = match score {
            s if s >= 7.0 => Severity::High,
            s if s >= 4.0 => Severity::Medium,
            s if s > 1.0 => Severity::Low,
            _ => Severity::Information,
        };
        let details = json!({
            "score": score,
            "categories": scored.get("cats"),
            "reason": body.get("reason"),
            "reason_description": body.get("reasonDescription"),
            "tags": body.get("tags"),
        });
        Ok(Answer::found(score > 1.0, severity, details, Value::Null))
    }

    fn secrets(&self) -> Vec<&Secret> {
        vec![&self.api_id]
    }
}

/// GreyNoise community: `GET /v3/community/{ip}` with `key`. `malicious` is high, noise of
/// unknown intent low, `benign` / RIOT information; 404 is "not observed".
#[derive(Debug, Default, Clone)]
pub struct GreyNoiseApi;

impl Api for GreyNoiseApi {
    const NAME: &'static str = "GreyNoise";
    const BASE_URL: &'static str = "https://api.greynoise.io";
    const KEY_VARIABLE: &'static str = "GREYNOISE_API_KEY";
    const TYPES: &'static [IocType] = &[IocType::Ipv4];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_minute(50))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        ioc_type: IocType,
    ) -> Result<RequestBuilder, TiError> {
        if ioc_type != IocType::Ipv4 {
            return Err(unsupported(Self::NAME, ioc_type));
        }
        Ok(client
            .get(format!("{base}/v3/community/{}", encode(ioc)))
            .header("key", key.expose()))
    }

    fn parse(&self, status: u16, body: &Value, _: IocType) -> Result<Answer, TiError> {
        if status == 404 {
            return Ok(Answer::not_found(body.clone()));
        }
        let classification = body
            .get("classification")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let noise = body.get("noise").and_then(Value::as_bool).unwrap_or(false);
        let severity = match classification {
            "malicious" => Severity::High,
            "suspicious" => Severity::Medium,
            "unknown" if noise => Severity::Low,
            _ => Severity::Information,
        };
        let details = json!({
            "classification": classification,
            "noise": noise,
            "riot": body.get("riot"),
            "name": body.get("name"),
            "last_seen": body.get("last_seen"),
            "link": body.get("link"),
        });
        Ok(Answer::found(
            severity >= Severity::Medium,
            severity,
            details,
            Value::Null,
        ))
    }
}

/// AbuseIPDB v2: `GET /api/v2/check?ipAddress=…&maxAgeInDays=90` with `Key`. Severity from
/// `abuseConfidenceScore`: 0 information, <25 low, <75 medium, else high.
#[derive(Debug, Default, Clone)]
pub struct AbuseIpdbApi;

impl Api for AbuseIpdbApi {
    const NAME: &'static str = "AbuseIPDB";
    const BASE_URL: &'static str = "https://api.abuseipdb.com";
    const KEY_VARIABLE: &'static str = "ABUSEIPDB_API_KEY";
    const TYPES: &'static [IocType] = &[IocType::Ipv4, IocType::Ipv6];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_second(1.0))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        _: IocType,
    ) -> Result<RequestBuilder, TiError> {
        Ok(client
            .get(format!("{base}/api/v2/check"))
            .query(&[("ipAddress", ioc), ("maxAgeInDays", "90")])
            .header("Key", key.expose())
            .header("Accept", "application/json"))
    }

    fn parse(&self, status: u16, body: &Value, _: IocType) -> Result<Answer, TiError> {
        if status == 404 {
            return Ok(Answer::not_found(body.clone()));
        }
        let data = body
            .get("data")
            .ok_or_else(|| TiError::Parse("AbuseIPDB answer has no data".into()))?;
        let score = data
            .get("abuseConfidenceScore")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let severity = match score {
            s if s <= 0.0 => Severity::Information,
            s if s < 25.0 => Severity::Low,
            s if s < 75.0 => Severity::Medium,
            _ => Severity::High,
        };
        let details = json!({
            "abuse_confidence_score": score,
            "total_reports": data.get("totalReports"),
            "country_code": data.get("countryCode"),
            "usage_type": data.get("usageType"),
            "isp": data.get("isp"),
            "is_tor": data.get("isTor"),
            "last_reported_at": data.get("lastReportedAt"),
        });
        Ok(Answer::found(score > 0.0, severity, details, Value::Null))
    }
}

/// abuse.ch URLhaus v1: `POST /v1/url/` (`url=`), `/v1/host/` (`host=`), `/v1/payload/`
/// (`md5_hash=` / `sha256_hash=`) with `Auth-Key`. `query_status: no_results` is not found;
/// an online URL or a payload is high, an offline URL medium, a host with URLs medium.
#[derive(Debug, Default, Clone)]
pub struct UrlHausApi;

impl Api for UrlHausApi {
    const NAME: &'static str = "URLhaus";
    const BASE_URL: &'static str = "https://urlhaus-api.abuse.ch";
    const KEY_VARIABLE: &'static str = "URLHAUS_AUTH_KEY";
    const TYPES: &'static [IocType] = &[
        IocType::Url,
        IocType::Dns,
        IocType::Ipv4,
        IocType::Md5,
        IocType::Sha256,
    ];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_second(5.0))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        ioc_type: IocType,
    ) -> Result<RequestBuilder, TiError> {
        let (path, field) = match ioc_type {
            IocType::Url => ("url", "url"),
            IocType::Dns | IocType::Ipv4 => ("host", "host"),
            IocType::Md5 => ("payload", "md5_hash"),
            IocType::Sha256 => ("payload", "sha256_hash"),
            other => return Err(unsupported(Self::NAME, other)),
        };
        Ok(client
            .post(format!("{base}/v1/{path}/"))
            .header("Auth-Key", key.expose())
            .form(&[(field, ioc)]))
    }

    fn parse(&self, status: u16, body: &Value, ioc_type: IocType) -> Result<Answer, TiError> {
        let query_status = body
            .get("query_status")
            .and_then(Value::as_str)
            .unwrap_or("");
        if status == 404 || query_status == "no_results" {
            return Ok(Answer::not_found(body.clone()));
        }
        if query_status != "ok" {
            return Err(TiError::Parse(format!(
                "URLhaus query_status {query_status:?}"
            )));
        }
        let (severity, details) = match ioc_type {
            IocType::Url => {
                let online = body.get("url_status").and_then(Value::as_str) == Some("online");
                let severity = if online {
                    Severity::High
                } else {
                    Severity::Medium
                };
                (
                    severity,
                    json!({
                        "url_status": body.get("url_status"),
                        "threat": body.get("threat"),
                        "tags": body.get("tags"),
                        "date_added": body.get("date_added"),
                    }),
                )
            }
            IocType::Md5 | IocType::Sha256 => (
                Severity::High,
                json!({
                    "file_type": body.get("file_type"),
                    "signature": body.get("signature"),
                    "url_count": body.get("url_count"),
                    "firstseen": body.get("firstseen"),
                }),
            ),
            _ => {
                let urls = count(body.get("url_count")).max(
                    body.get("urls")
                        .and_then(Value::as_array)
                        .map_or(0, |u| u.len() as u64),
                );
                let severity = if urls > 0 {
                    Severity::Medium
                } else {
                    Severity::Information
                };
                (
                    severity,
                    json!({
                        "url_count": urls,
                        "blacklists": body.get("blacklists"),
                        "firstseen": body.get("firstseen"),
                    }),
                )
            }
        };
        Ok(Answer::found(
            severity > Severity::Information,
            severity,
            details,
            Value::Null,
        ))
    }
}

/// Pulsedive: `GET /api/info.php?indicator=…&key=…`. Severity from `risk` (none,
/// low, medium, high, critical→high); `{"error": "Indicator not found."}` is not found.
#[derive(Debug, Default, Clone)]
pub struct PulsediveApi;

impl Api for PulsediveApi {
    const NAME: &'static str = "Pulsedive";
    const BASE_URL: &'static str = "https://pulsedive.com";
    const KEY_VARIABLE: &'static str = "PULSEDIVE_API_KEY";
    const TYPES: &'static [IocType] = &[IocType::Ipv4, IocType::Ipv6, IocType::Dns, IocType::Url];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_minute(30))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        _: IocType,
    ) -> Result<RequestBuilder, TiError> {
        Ok(client.get(format!("{base}/api/info.php")).query(&[
            ("indicator", ioc),
            ("pretty", "1"),
            ("key", key.expose()),
        ]))
    }

    fn parse(&self, status: u16, body: &Value, _: IocType) -> Result<Answer, TiError> {
        let error = body.get("error").and_then(Value::as_str);
        if status == 404 || error.is_some_and(|e| e.to_ascii_lowercase().contains("not found")) {
            return Ok(Answer::not_found(body.clone()));
        }
        if let Some(error) = error {
            return Err(TiError::Parse(format!("Pulsedive: {error}")));
        }
        let risk = body
            .get("risk")
            .and_then(Value::as_str)
            .unwrap_or("unknown");
        let severity = match risk {
            "critical" | "high" => Severity::High,
            "medium" => Severity::Medium,
            "low" => Severity::Low,
            _ => Severity::Information,
        };
        let threats: Vec<&Value> = body
            .get("threats")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|t| t.get("name"))
            .collect();
        let details = json!({
            "risk": risk,
            "risk_recommended": body.get("risk_recommended"),
            "threats": threats,
            "iid": body.get("iid"),
            "type": body.get("type"),
        });
        Ok(Answer::found(
            severity > Severity::Information,
            severity,
            details,
            Value::Null,
        ))
    }
}

/// CrowdSec CTI: `GET /v2/smoke/{ip}` with `x-api-key`. Severity from `reputation`
/// (malicious high, suspicious medium, known low), else from `scores.overall.total` (0–5:
/// ≥4 high, ≥2 medium, >0 low); 404 is not found.
#[derive(Debug, Default, Clone)]
pub struct CrowdSecApi;

impl Api for CrowdSecApi {
    const NAME: &'static str = "CrowdSec";
    const BASE_URL: &'static str = "https://cti.api.crowdsec.net";
    const KEY_VARIABLE: &'static str = "CROWDSEC_API_KEY";
    const TYPES: &'static [IocType] = &[IocType::Ipv4, IocType::Ipv6];

    fn default_rate() -> Option<RateLimit> {
        Some(RateLimit::per_minute(30))
    }

    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        _: IocType,
    ) -> Result<RequestBuilder, TiError> {
        Ok(client
            .get(format!("{base}/v2/smoke/{}", encode(ioc)))
            .header("x-api-key", key.expose()))
    }

    fn parse(&self, status: u16, body: &Value, _: IocType) -> Result<Answer, TiError> {
        if status == 404 {
            return Ok(Answer::not_found(body.clone()));
        }
        let reputation = body.get("reputation").and_then(Value::as_str);
        let total = body
            .pointer("/scores/overall/total")
            .and_then(Value::as_f64)
            .unwrap_or(0.0);
        let severity = match reputation {
            Some("malicious") => Severity::High,
            Some("suspicious") => Severity::Medium,
            Some("known") => Severity::Low,
            Some(_) => Severity::Information,
            None if total >= 4.0 => Severity::High,
            None if total >= 2.0 => Severity::Medium,
            None if total > 0.0 => Severity::Low,
            None => Severity::Information,
        };
        let behaviors: Vec<&Value> = body
            .get("behaviors")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|b| b.get("name"))
            .collect();
        let details = json!({
            "reputation": reputation,
            "overall_total": total,
            "ip_range_score": body.get("ip_range_score"),
            "as_name": body.get("as_name"),
            "behaviors": behaviors,
            "country": body.pointer("/location/country"),
        });
        Ok(Answer::found(
            severity >= Severity::Medium,
            severity,
            details,
            Value::Null,
        ))
    }
}
