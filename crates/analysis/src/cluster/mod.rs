//! Event clustering, after msticpy's `analysis.eventcluster`: numeric features from text,
//! then DBSCAN to collapse many similar events into a few patterns.
//!
//! - [`features`](feature_column): `char_ord_score`, `token_count`, `delim_count`,
//!   `delim_hash`, `crc32_hash` on one string or (as a [`Feature`]) on a whole column.
//! - [`add_process_features`]: msticpy's process-event features (`processName`,
//!   `pathScore`, `commandlineTokensFull`, `isSystemSession`, …).
//! - [`dbcluster_events`]: row normalisation + DBSCAN → one row per cluster plus every
//!   outlier ([`Clustering::clusters`]) and each row's label ([`Clustering::labelled`]).
//!   DBSCAN runs through [`Engine::Distinct`] (identical rows merged, weighted, own kd-tree)
//!   or [`Engine::Linfa`] (`linfa-clustering`); both label like scikit-learn.
//!
//! Files: `features`, `process`, `events` (matrix, summary frames), `dbscan`, `error`.
//!
//! ```
//! use polars::prelude::*;
//! use huntbook_analysis::cluster::{
//!     ClusterOptions, ProcessFeatureOptions, add_process_features, dbcluster_events,
//! };
//! let df = df!(
//!     "NewProcessName" => [r"C:\Windows\System32\svchost.exe"; 3],
//!     "CommandLine" => ["svchost.exe -k netsvcs", "svchost.exe -k dcomlaunch", "svchost.exe -k rpcss"],
//!     "SubjectLogonId" => ["0x3e7"; 3],
//! ).unwrap();
//! let features = add_process_features(&df, &ProcessFeatureOptions::default()).unwrap();
//! let opts = ClusterOptions::default()
//!     .with_columns(&["commandlineTokensFull", "pathScore", "isSystemSession"]);
//! let out = dbcluster_events(&features, &opts).unwrap();
//! assert_eq!(out.cluster_count, 1);
//! ```

mod dbscan;
mod error;
mod events;
mod features;
mod process;

pub use dbscan::{Engine, NOISE};
pub use error::ClusterError;
pub use events::{ClusterOptions, Clustering, dbcluster_events};
pub use features::{
    Feature, char_ord_score, crc32_hash, delim_count, delim_hash, feature_column, is_delimiter,
    token_count,
};
pub use process::{ProcessFeatureOptions, add_process_features};
