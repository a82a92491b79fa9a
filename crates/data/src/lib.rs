//! huntbook's data layer: entities, security alerts and events, configuration, and the
//! [`QueryProvider`](query) with its drivers.
//!
//! Every tool here takes and returns polars DataFrames.
//!
//! - [`config`]: `msticpyconfig.yaml`, read as it is, with secrets that never print.
//! - [`entities`]: typed Host, Account, IpAddress, Process, … with Sentinel's entity JSON.
//! - [`alert`]: SecurityAlert and SecurityEvent built from Sentinel rows.
//! - [`query`]: query files in msticpy's YAML schema, parameters, the query provider.
//! - [`driver`]: where queries run: local files, Log Analytics, Kusto, Defender, Graph,
//!   Splunk, Elastic/OpenSearch, PostgreSQL.
//! - [`sample`]: a seeded generator of realistic investigation data.
//! - [`ioc_type`]: the indicator types shared by extraction and threat-intel lookups.
//! - [`escape`]: XML/HTML escaping for every string that reaches markup.
//! - [`html`]: small HTML building blocks (cards, key/value tables) for entity displays.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod alert;
pub mod config;
pub mod driver;
pub mod entities;
pub mod error;
pub mod escape;
pub mod html;
pub mod ioc_type;
pub mod query;
pub mod sample;

pub use error::DataError;
pub use ioc_type::IocType;
