//! Online threat-intel providers.
//!
//! Each HTTP service is an [`Api`] (how to ask, how to read the answer) wrapped in
//! [`HttpProvider`], which holds the key, base URL, HTTP client and rate limit:
//!
//! | type | service | key (`TIProviders.<name>.Args`) / environment | types |
//! |---|---|---|---|
//! | [`VirusTotal`] | VirusTotal API v3 | `VirusTotal` AuthKey / `VT_API_KEY` | ipv4, ipv6, dns, url, md5, sha1, sha256 |
//! | [`Otx`] | AlienVault OTX | `OTX` AuthKey / `OTX_API_KEY` | ipv4, ipv6, dns, url, hashes |
//! | [`XForce`] | IBM X-Force Exchange | `XForce` ApiID + AuthKey / `XFORCE_API_ID`, `XFORCE_API_KEY` | ipv4, ipv6, dns, url, hashes |
//! | [`GreyNoise`] | GreyNoise community API | `GreyNoise` AuthKey / `GREYNOISE_API_KEY` | ipv4 |
//! | [`AbuseIpdb`] | AbuseIPDB v2 check | `AbuseIPDB` AuthKey / `ABUSEIPDB_API_KEY` | ipv4, ipv6 |
//! | [`UrlHaus`] | abuse.ch URLhaus v1 | `URLhaus` AuthKey / `URLHAUS_AUTH_KEY` | url, dns, ipv4, md5, sha256 |
//! | [`Pulsedive`] | Pulsedive info API | `Pulsedive` AuthKey / `PULSEDIVE_API_KEY` | ipv4, ipv6, dns, url |
//! | [`CrowdSec`] | CrowdSec CTI smoke | `CrowdSec` AuthKey / `CROWDSEC_API_KEY` | ipv4, ipv6 |
//!
//! Plus [`tor::TorExitNodes`] (the public exit list, no key) and [`sentinel::SentinelTi`]
//! (the `ThreatIntelligenceIndicator` table through a data driver).
//!
//! Base URLs are configurable with `with_base_url`, so tests point providers at a loopback
//! server speaking each service's wire format.

mod apis;
pub mod sentinel;
pub mod tor;

use std::time::Duration;

use huntbook_data::IocType;
use huntbook_data::config::{Config, Secret};
use reqwest::RequestBuilder;
use serde_json::Value;

use super::http::{HttpClient, HttpOptions, HttpReply};
use super::{Answer, BoxFuture, Provider, RateLimit, TiError};

pub use apis::{
    AbuseIpdbApi, CrowdSecApi, GreyNoiseApi, OtxApi, PulsediveApi, UrlHausApi, VirusTotalApi,
    XForceApi,
};

/// VirusTotal API v3.
pub type VirusTotal = HttpProvider<VirusTotalApi>;
/// AlienVault OTX.
pub type Otx = HttpProvider<OtxApi>;
/// IBM X-Force Exchange.
pub type XForce = HttpProvider<XForceApi>;
/// GreyNoise community API.
pub type GreyNoise = HttpProvider<GreyNoiseApi>;
/// AbuseIPDB.
pub type AbuseIpdb = HttpProvider<AbuseIpdbApi>;
/// abuse.ch URLhaus.
pub type UrlHaus = HttpProvider<UrlHausApi>;
/// Pulsedive.
pub type Pulsedive = HttpProvider<PulsediveApi>;
/// CrowdSec CTI.
pub type CrowdSec = HttpProvider<CrowdSecApi>;

/// How one HTTP service is asked and answers.
pub trait Api: Send + Sync + 'static {
    /// The provider name (also the `TIProviders` key in `msticpyconfig.yaml`).
    const NAME: &'static str;
    /// The public base URL.
    const BASE_URL: &'static str;
    /// The environment variable holding the key when the configuration has none.
    const KEY_VARIABLE: &'static str;
    /// The types looked up.
    const TYPES: &'static [IocType];

    /// The rate the free tier allows.
    fn default_rate() -> Option<RateLimit>;

    /// Builds the request for one indicator.
    fn request(
        &self,
        client: &reqwest::Client,
        base: &str,
        key: &Secret,
        ioc: &str,
        ioc_type: IocType,
    ) -> Result<RequestBuilder, TiError>;

    /// Reads the answer (status 2xx or 404).
    fn parse(&self, status: u16, body: &Value, ioc_type: IocType) -> Result<Answer, TiError>;

    /// Secrets besides the key that must never appear in output.
    fn secrets(&self) -> Vec<&Secret> {
        Vec::new()
    }
}

/// An HTTP provider: an [`Api`] with its key, base URL, client and rate limit.
pub struct HttpProvider<A: Api> {
    api: A,
    key: Secret,
    base_url: String,
    client: HttpClient,
    rate: Option<RateLimit>,
}

impl<A: Api> std::fmt::Debug for HttpProvider<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct(A::NAME)
            .field("key", &self.key)
            .field("base_url", &self.base_url)
            .field("rate", &self.rate)
            .finish()
    }
}

impl<A: Api> HttpProvider<A> {
    /// A provider from its API description and key.
    pub fn with_api(api: A, key: Secret) -> Self {
        HttpProvider {
            api,
            key,
            base_url: A::BASE_URL.to_string(),
            client: HttpClient::new(HttpOptions::default()),
            rate: A::default_rate(),
        }
    }

    /// Points the provider at another base URL (a test server, a proxy).
    pub fn with_base_url(mut self, url: &str) -> Self {
        self.base_url = url.trim_end_matches('/').to_string();
        self
    }

    /// Sets the rate limit (`None`: unlimited).
    pub fn with_rate_limit(mut self, rate: Option<RateLimit>) -> Self {
        self.rate = rate;
        self
    }

    /// Sets timeouts and retries.
    pub fn with_http_options(mut self, options: HttpOptions) -> Self {
        self.client = HttpClient::new(options);
        self
    }

    async fn ask(&self, ioc: &str, ioc_type: IocType) -> Result<Answer, TiError> {
        let request = self.api.request(
            self.client.inner(),
            &self.base_url,
            &self.key,
            ioc,
            ioc_type,
        )?;
        let mut secrets = self.api.secrets();
        secrets.push(&self.key);
        let reply: HttpReply = self.client.send(request, &secrets).await?;
        let body = if reply.body.trim().is_empty() {
            Value::Null
        } else {
            reply.json().map_err(TiError::Parse)?
        };
        let mut answer = self.api.parse(reply.status, &body, ioc_type)?;
        if answer.raw.is_null() {
            answer.raw = body;
        }
        Ok(answer)
    }
}

impl<A: Api + Default> HttpProvider<A> {
    /// A provider with a key.
    pub fn new(key: Secret) -> Self {
        HttpProvider::with_api(A::default(), key)
    }

    /// A provider with its key from `TIProviders.<NAME>.Args.AuthKey`, else the environment.
    pub fn from_config(config: &Config) -> Result<Self, TiError> {
        Ok(HttpProvider::new(resolve_secret(
            config,
            A::NAME,
            "AuthKey",
            A::KEY_VARIABLE,
        )?))
    }
}

impl<A: Api> Provider for HttpProvider<A> {
    fn name(&self) -> &str {
        A::NAME
    }

    fn supported_types(&self) -> &[IocType] {
        A::TYPES
    }

    fn lookup<'a>(
        &'a self,
        ioc: &'a str,
        ioc_type: IocType,
    ) -> BoxFuture<'a, Result<Answer, TiError>> {
        Box::pin(self.ask(ioc, ioc_type))
    }

    fn rate_limit(&self) -> Option<RateLimit> {
        self.rate
    }
}

/// A secret from `TIProviders.<provider>.Args.<setting>`, else the environment variable.
pub fn resolve_secret(
    config: &Config,
    provider: &str,
    setting: &str,
    variable: &str,
) -> Result<Secret, TiError> {
    if let Some(settings) = config.ti_provider(provider) {
        match settings.secret(setting) {
            Ok(Some(secret)) => return Ok(secret),
            Ok(None) => {}
            Err(e) => return Err(TiError::Config(e.to_string())),
        }
    }
    match std::env::var(variable) {
        Ok(value) if !value.trim().is_empty() => Ok(Secret::new(value.trim())),
        _ => Err(TiError::Config(format!(
            "{provider} has no {setting}: set TIProviders.{provider}.Args.{setting} in \
             msticpyconfig.yaml or the {variable} environment variable"
        ))),
    }
}

/// Every configured provider in `TIProviders` that huntbook knows and that has its key,
/// with a note for each that was skipped and why (never including a key).
pub fn from_config(config: &Config) -> (Vec<Box<dyn Provider>>, Vec<String>) {
    let mut providers: Vec<Box<dyn Provider>> = Vec::new();
    let mut notes = Vec::new();
    for name in config.provider_names("TIProviders") {
        let built: Result<Box<dyn Provider>, TiError> = match name.as_str() {
            "VirusTotal" => VirusTotal::from_config(config).map(|p| Box::new(p) as _),
            "OTX" => Otx::from_config(config).map(|p| Box::new(p) as _),
            "XForce" => apis::xforce_from_config(config).map(|p| Box::new(p) as _),
            "GreyNoise" => GreyNoise::from_config(config).map(|p| Box::new(p) as _),
            "AbuseIPDB" => AbuseIpdb::from_config(config).map(|p| Box::new(p) as _),
            "URLhaus" => UrlHaus::from_config(config).map(|p| Box::new(p) as _),
            "Pulsedive" => Pulsedive::from_config(config).map(|p| Box::new(p) as _),
            "CrowdSec" => CrowdSec::from_config(config).map(|p| Box::new(p) as _),
            "Tor" => Ok(Box::new(tor::TorExitNodes::new())),
            other => Err(TiError::Config(format!(
                "{other} is not a provider huntbook has"
            ))),
        };
        match built {
            Ok(provider) => providers.push(provider),
            Err(e) => notes.push(format!("{name}: {e}")),
        }
    }
    (providers, notes)
}

/// The default timeout for one provider request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
