//! Offline threat-intel feeds: local files looked up with no key and no network.
//!
//! - [`csv`]: CSV with a header naming `ioc` (or `indicator`/`value`), and optionally
//!   `type`, `severity`, `description` and any other columns (kept in the details).
//! - [`stix`]: STIX 2.0 / 2.1 bundles; `indicator` objects with patterns such as
//!   `[ipv4-addr:value = '198.51.100.1']` or `[file:hashes.'SHA-256' = '…']`.
//! - [`misp`]: MISP feed folders (`manifest.json` plus one `<uuid>.json` event per entry,
//!   with `Attribute[]` of type/value/category/to_ids, and attributes inside `Object[]`).
//!
//! Every reader keeps going past a bad row or object: what it skipped, and why, is listed
//! by [`FeedProvider::problems`]. IP lookups also match CIDR entries that contain the
//! address. [`demo_feed`] is a small fictional feed bundled for demonstrations.

pub mod csv;
pub mod misp;
pub mod stix;

use std::collections::HashMap;
use std::net::IpAddr;

use huntbook_data::IocType;
use serde_json::{Value, json};

use super::{Answer, BoxFuture, Provider, Severity, TiError};

/// One indicator from a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// The indicator as the feed wrote it.
    pub value: String,
    /// Its type.
    pub ioc_type: IocType,
    /// How bad the feed says it is.
    pub severity: Severity,
    /// Whether the feed marks it as malicious (MISP `to_ids`; true for CSV and STIX).
    pub malicious: bool,
    /// The feed's description.
    pub description: Option<String>,
    /// The file or feed it came from.
    pub source: String,
    /// Anything else the feed said (tags, category, extra columns).
    pub extra: Value,
}

impl FeedEntry {
    fn to_json(&self) -> Value {
        json!({
            "value": self.value,
            "type": self.ioc_type.as_str(),
            "severity": self.severity.as_str(),
            "malicious": self.malicious,
            "description": self.description,
            "source": self.source,
            "extra": self.extra,
        })
    }
}

/// A lookup table built from one or more feeds.
#[derive(Debug, Clone)]
pub struct FeedProvider {
    name: String,
    exact: HashMap<(IocType, String), Vec<FeedEntry>>,
    networks: Vec<(ipnet::IpNet, FeedEntry)>,
    types: Vec<IocType>,
    problems: Vec<String>,
}

impl FeedProvider {
    /// An empty feed called `name`.
    pub fn new(name: &str) -> FeedProvider {
        FeedProvider {
            name: name.to_string(),
            exact: HashMap::new(),
            networks: Vec::new(),
            types: Vec::new(),
            problems: Vec::new(),
        }
    }

    /// Adds an entry.
    pub fn add(&mut self, entry: FeedEntry) {
        let network = (entry.ioc_type == IocType::Cidr)
            .then(|| entry.value.trim().parse::<ipnet::IpNet>().ok())
            .flatten();
        if let Some(net) = network {
            self.note_type(IocType::Ipv4);
            self.note_type(IocType::Ipv6);
            self.networks.push((net.trunc(), entry));
            return;
        }
        self.note_type(entry.ioc_type);
        let key = (entry.ioc_type, normalise(entry.ioc_type, &entry.value));
        self.exact.entry(key).or_default().push(entry);
    }

    /// Records a skipped row or object.
    pub fn note_problem(&mut self, problem: String) {
        tracing::debug!(feed = %self.name, %problem, "skipped feed entry");
        self.problems.push(problem);
    }

    fn note_type(&mut self, kind: IocType) {
        if !self.types.contains(&kind) {
            self.types.push(kind);
        }
    }

    /// Adds every entry (and problem) of another feed.
    pub fn merge(mut self, other: FeedProvider) -> FeedProvider {
        for (_, entries) in other.exact {
            for entry in entries {
                self.add(entry);
            }
        }
        for (_, entry) in other.networks {
            self.add(entry);
        }
        self.problems.extend(other.problems);
        self
    }

    /// Renames the provider.
    pub fn with_name(mut self, name: &str) -> FeedProvider {
        self.name = name.to_string();
        self
    }

    /// What was skipped while reading, with file, line or object and the reason.
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// How many indicators the feed holds.
    pub fn len(&self) -> usize {
        self.exact.values().map(Vec::len).sum::<usize>() + self.networks.len()
    }

    /// Whether the feed holds no indicator.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries matching an indicator.
    pub fn matches(&self, ioc: &str, ioc_type: IocType) -> Vec<&FeedEntry> {
        let key = (ioc_type, normalise(ioc_type, ioc));
        let mut found: Vec<&FeedEntry> = self.exact.get(&key).into_iter().flatten().collect();
        if let Ok(ip) = ioc.trim().parse::<IpAddr>() {
            found.extend(
                self.networks
                    .iter()
                    .filter(|(net, _)| net.contains(&ip))
                    .map(|(_, e)| e),
            );
        }
        found
    }

    fn answer(&self, ioc: &str, ioc_type: IocType) -> Answer {
        let found = self.matches(ioc, ioc_type);
        if found.is_empty() {
            return Answer::not_found(Value::Null);
        }
        let severity = found.iter().map(|e| e.severity).max().unwrap_or_default();
        let descriptions: Vec<&str> = found
            .iter()
            .filter_map(|e| e.description.as_deref())
            .collect();
        let sources: Vec<&str> = found.iter().map(|e| e.source.as_str()).collect();
        let details = json!({
            "matches": found.len(),
            "descriptions": descriptions,
            "sources": sources,
        });
        Answer::found(
            found.iter().any(|e| e.malicious),
            severity,
            details,
            Value::Array(found.iter().map(|e| e.to_json()).collect()),
        )
    }
}

impl Provider for FeedProvider {
    fn name(&self) -> &str {
        &self.name
    }

    fn supported_types(&self) -> &[IocType] {
        &self.types
    }

    fn lookup<'a>(
        &'a self,
        ioc: &'a str,
        ioc_type: IocType,
    ) -> BoxFuture<'a, Result<Answer, TiError>> {
        Box::pin(async move { Ok(self.answer(ioc, ioc_type)) })
    }

    fn cacheable(&self) -> bool {
        false
    }

    fn is_remote(&self) -> bool {
        false
    }
}

/// The canonical form used to match: IPs re-printed, names and hashes lower-cased, a
/// trailing dot or slash dropped from domains and URLs.
pub fn normalise(ioc_type: IocType, value: &str) -> String {
    let value = value.trim();
    match ioc_type {
        IocType::Ipv4 | IocType::Ipv6 => match value.parse::<IpAddr>() {
            Ok(ip) => ip.to_string(),
            Err(_) => value.to_string(),
        },
        IocType::Dns => value.trim_end_matches('.').to_ascii_lowercase(),
        IocType::Url => value.trim_end_matches('/').to_string(),
        IocType::Md5 | IocType::Sha1 | IocType::Sha256 | IocType::Sha512 | IocType::Email => {
            value.to_ascii_lowercase()
        }
        _ => value.to_string(),
    }
}

static DEMO_CSV: &str = include_str!("../../../data/feeds/demo-feed.csv");
static DEMO_STIX: &str = include_str!("../../../data/feeds/demo-stix.json");
static DEMO_MISP_MANIFEST: &str = include_str!("../../../data/feeds/demo-misp/manifest.json");
static DEMO_MISP_EVENT: &str =
    include_str!("../../../data/feeds/demo-misp/5f0c1d2e-8a41-4b7e-9c3d-2a6b7e1f0a11.json");

/// The bundled demonstration feed ("DemoFeed"): fictional indicators in documentation IP
/// ranges and `example.*` / `.test` domains, from a CSV, a STIX bundle and a MISP event.
pub fn demo_feed() -> Result<FeedProvider, TiError> {
    let csv = csv::from_str(DEMO_CSV, "demo-feed.csv")?;
    let stix = stix::from_str(DEMO_STIX, "demo-stix.json")?;
    let misp = misp::from_strs(
        DEMO_MISP_MANIFEST,
        &[("5f0c1d2e-8a41-4b7e-9c3d-2a6b7e1f0a11", DEMO_MISP_EVENT)],
        "demo-misp",
    )?;
    Ok(csv.merge(stix).merge(misp).with_name("DemoFeed"))
}
