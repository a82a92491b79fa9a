//! huntbook's enrich layer: threat-intel lookups, GeoIP and ASN, IP utilities and Azure
//! resource data.
//!
//! Every tool here takes and returns polars DataFrames.
//!
//! - [`ti`]: threat-intel lookups fanned out over providers, online and offline.
//! - [`geoip`]: MaxMind-format databases (a bundled country database works offline).
//! - [`asn`]: autonomous-system lookups from bundled RouteViews / NRO / DB-IP ranges.
//! - [`ip`]: address classification, whois-style ASN details and distances between locations.
//! - [`azure`]: Azure Resource Manager and Resource Graph.
//!
//! With no key, no file and no network:
//!
//! ```
//! use huntbook_enrich::{GeoIp, TiLookup, ti::feeds};
//! use polars::prelude::{Column, DataFrame};
//!
//! let df = DataFrame::new(2, vec![Column::new("ip".into(), ["8.8.8.8", "198.51.100.23"])])?;
//! let geo = GeoIp::offline()?.lookup_column(&df, "ip")?;
//! assert_eq!(geo.column("country_code")?.str()?.get(0), Some("US"));
//!
//! let ti = TiLookup::new().with_provider(feeds::demo_feed()?);
//! let hits = ti.lookup_column(&df, "ip", None)?;
//! assert_eq!(hits.column("severity")?.str()?.get(1), Some("high"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod asn;
pub mod azure;
pub mod geoip;
pub mod ip;
pub mod ti;

pub use asn::AsnTable;
pub use geoip::{GeoIp, GeoIpDatabase, GeoLocation, IpLocation};
pub use ip::{IpType, haversine_km, ip_type};
pub use ti::{Provider, Severity, Status, TiLookup, detect};
