//! Threat-intelligence lookups: one indicator, a list or a DataFrame column, fanned out to
//! providers, with results as one DataFrame.
//!
//! Offline providers come first, so a user with no key and no network still gets answers:
//! - [`feeds`]: local feeds in CSV, STIX 2.1 bundles and MISP feed folders, plus a bundled
//!   demonstration feed ([`feeds::demo_feed`]).
//!
//! Online providers ([`providers`]): VirusTotal v3, AlienVault OTX, IBM X-Force, GreyNoise,
//! AbuseIPDB, URLhaus, Pulsedive, CrowdSec, the Tor exit-node list, and the Microsoft
//! Sentinel `ThreatIntelligenceIndicator` table through any [`huntbook_data::driver::Driver`].
//! Keys come from `msticpyconfig.yaml` (`TIProviders.<name>.Args.AuthKey`) or environment
//! variables, are held as [`Secret`](huntbook_data::config::Secret)s and never appear in an
//! output, a log line or an error.
//!
//! [`TiLookup`] runs the lookups: a tokio runtime inside, a concurrency limit, a token-bucket
//! rate limit per provider ([`RateLimit`]), retries with backoff on 429/5xx honouring
//! `Retry-After` ([`http`]), per-request timeouts, an on-disk cache with a TTL ([`cache`])
//! and a progress callback. A provider is asked only for types it supports; one failing
//! never loses the others' results. Repeated indicators are asked once. Non-global
//! addresses (private, loopback, documentation, …) are never sent to remote services
//! unless [`LookupOptions::with_private_addresses`] says so.
//!
//! The result DataFrame ([`results_frame`]) has one row per (indicator, provider): `ioc`,
//! `ioc_type`, `provider`, `result` (bool: the provider knows it as bad), `severity`
//! (`information` / `low` / `medium` / `high`), `details` (JSON text), `raw` (the raw
//! response as JSON text), `status` (`ok`, `not_found`, `unsupported`, or `error: message`).
//!
//! ```
//! use huntbook_enrich::ti::{TiLookup, feeds};
//!
//! let lookup = TiLookup::new().with_provider(feeds::demo_feed().unwrap());
//! let frame = lookup.lookup_iocs(&["198.51.100.23", "example.org"]).unwrap();
//! assert_eq!(frame.height(), 2);
//! ```

pub mod cache;
mod detect;
pub mod feeds;
mod frame;
pub mod http;
mod lookup;
pub mod providers;
mod rate;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;

use huntbook_data::IocType;

pub use detect::detect;
pub use frame::results_frame;
pub use lookup::{LookupOptions, Progress, TiLookup};
pub use rate::RateLimit;

/// A boxed future, as [`Provider::lookup`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How bad a provider rates an indicator, normalised across providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Severity {
    /// Known but not malicious, or nothing to report.
    #[default]
    Information,
    /// Suspicious, low confidence.
    Low,
    /// Likely malicious.
    Medium,
    /// Malicious with high confidence.
    High,
}

impl Severity {
    /// The lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Information => "information",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// Maps a 0–100 score: <25 information, <50 low, <75 medium, else high.
    pub fn from_score(score: f64) -> Severity {
        match score {
            s if s >= 75.0 => Severity::High,
            s if s >= 50.0 => Severity::Medium,
            s if s >= 25.0 => Severity::Low,
            _ => Severity::Information,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown severity name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown severity {0:?}; known: information, low, medium, high")]
pub struct UnknownSeverity(pub String);

impl FromStr for Severity {
    type Err = UnknownSeverity;

    /// Parses the names, plus common synonyms (`info`, `none`, `warning`, `critical`, …).
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "information" | "info" | "informational" | "none" | "unknown" | "benign" | "0" => {
                Ok(Severity::Information)
            }
            "low" | "suspicious" | "1" => Ok(Severity::Low),
            "medium" | "warning" | "moderate" | "2" => Ok(Severity::Medium),
            "high" | "critical" | "malicious" | "3" => Ok(Severity::High),
            _ => Err(UnknownSeverity(text.to_string())),
        }
    }
}

/// What became of one (indicator, provider) lookup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// The provider answered about the indicator.
    Ok,
    /// The provider has nothing on it.
    NotFound,
    /// The provider does not look up this indicator type.
    Unsupported,
    /// The lookup failed; the message says why (never containing a key).
    Error(String),
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Status::Ok => f.write_str("ok"),
            Status::NotFound => f.write_str("not_found"),
            Status::Unsupported => f.write_str("unsupported"),
            Status::Error(message) => write!(f, "error: {message}"),
        }
    }
}

/// A provider's answer about one indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    /// Whether the provider holds the indicator as malicious or suspicious.
    pub result: bool,
    /// The normalised severity.
    pub severity: Severity,
    /// A summary of what the provider said.
    pub details: serde_json::Value,
    /// The raw response.
    pub raw: serde_json::Value,
    /// Whether the provider knew the indicator at all ([`Status::NotFound`] when false).
    pub found: bool,
}

impl Answer {
    /// The answer for an indicator the provider knows: its verdict, severity, summary and raw
    /// response.
    pub fn found(
        result: bool,
        severity: Severity,
        details: serde_json::Value,
        raw: serde_json::Value,
    ) -> Answer {
        Answer {
            result,
            severity,
            details,
            raw,
            found: true,
        }
    }

    /// The answer for an indicator the provider does not know.
    pub fn not_found(raw: serde_json::Value) -> Answer {
        Answer {
            result: false,
            severity: Severity::Information,
            details: serde_json::Value::Null,
            raw,
            found: false,
        }
    }
}

/// Why a provider could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TiError {
    /// An HTTP failure (timeout, status, connection).
    #[error(transparent)]
    Http(#[from] http::HttpError),

    /// The answer could not be read.
    #[error("cannot read the answer: {0}")]
    Parse(String),

    /// The provider is not set up (no key, bad setting).
    #[error("not configured: {0}")]
    Config(String),

    /// A local file could not be read or parsed.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: String,
        /// What was wrong, with a line or object where known.
        message: String,
    },

    /// The provider did not answer in time.
    #[error("no answer within {0} s; raise LookupOptions::timeout or retry later")]
    Timeout(u64),

    /// A query through a data driver failed.
    #[error("query failed: {0}")]
    Query(String),
}

/// A threat-intelligence source.
pub trait Provider: Send + Sync {
    /// The provider's name as it appears in the `provider` column.
    fn name(&self) -> &str;

    /// The indicator types it looks up.
    fn supported_types(&self) -> &[IocType];

    /// Looks up one indicator of a supported type.
    fn lookup<'a>(
        &'a self,
        ioc: &'a str,
        ioc_type: IocType,
    ) -> BoxFuture<'a, Result<Answer, TiError>>;

    /// The request rate the service allows, if limited.
    fn rate_limit(&self) -> Option<RateLimit> {
        None
    }

    /// Whether indicators are sent to a service outside the user's own systems. Such
    /// providers are not asked about private, loopback and other non-global addresses
    /// unless [`LookupOptions::with_private_addresses`] allows it.
    fn is_remote(&self) -> bool {
        true
    }

    /// Whether answers may be cached on disk (false for local feeds, which are cheap).
    fn cacheable(&self) -> bool {
        true
    }

    /// Whether the provider supports a type.
    fn supports(&self, ioc_type: IocType) -> bool {
        self.supported_types().contains(&ioc_type)
    }
}

/// One row of a lookup result.
#[derive(Debug, Clone, PartialEq)]
pub struct TiResult {
    /// The indicator as given.
    pub ioc: String,
    /// Its type.
    pub ioc_type: IocType,
    /// The provider's name.
    pub provider: String,
    /// Whether the provider holds it as bad.
    pub result: bool,
    /// The normalised severity.
    pub severity: Severity,
    /// A summary, as JSON.
    pub details: serde_json::Value,
    /// The raw response, as JSON.
    pub raw: serde_json::Value,
    /// What became of the lookup.
    pub status: Status,
}

impl TiResult {
    fn from_outcome(
        ioc: &str,
        ioc_type: IocType,
        provider: &str,
        outcome: Result<Answer, TiError>,
    ) -> TiResult {
        let base = TiResult {
            ioc: ioc.to_string(),
            ioc_type,
            provider: provider.to_string(),
            result: false,
            severity: Severity::Information,
            details: serde_json::Value::Null,
            raw: serde_json::Value::Null,
            status: Status::Ok,
        };
        match outcome {
            Ok(answer) => TiResult {
                result: answer.result,
                severity: answer.severity,
                details: answer.details,
                raw: answer.raw,
                status: if answer.found {
                    Status::Ok
                } else {
                    Status::NotFound
                },
                ..base
            },
            Err(error) => TiResult {
                status: Status::Error(error.to_string()),
                ..base
            },
        }
    }

    fn withheld(ioc: &str, ioc_type: IocType, provider: &str, reason: String) -> TiResult {
        let mut row = TiResult::unsupported(ioc, ioc_type, provider);
        row.details = serde_json::json!({ "reason": reason });
        row
    }

    fn unsupported(ioc: &str, ioc_type: IocType, provider: &str) -> TiResult {
        let mut row = TiResult::from_outcome(
            ioc,
            ioc_type,
            provider,
            Ok(Answer::not_found(serde_json::Value::Null)),
        );
        row.status = Status::Unsupported;
        row
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severity_names_and_scores() {
        assert_eq!("warning".parse::<Severity>(), Ok(Severity::Medium));
        assert_eq!("HIGH".parse::<Severity>(), Ok(Severity::High));
        assert!("purple".parse::<Severity>().is_err());
        assert_eq!(Severity::from_score(80.0), Severity::High);
        assert_eq!(Severity::from_score(10.0), Severity::Information);
        assert_eq!(Status::Error("x".into()).to_string(), "error: x");
        assert_eq!(Status::NotFound.to_string(), "not_found");
    }
}
