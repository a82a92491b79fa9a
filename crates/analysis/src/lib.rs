//! huntbook's analysis layer.
//!
//! Every tool here takes and returns polars DataFrames.
//!
//! - [`ioc`]: indicator extraction (IPs, domains, URLs, hashes, paths, …) with refanging.
//! - [`b64`]: base64 runs decoded and archives unpacked, as a tree.
//! - [`cmdline`]: risky command lines and commands run too fast to be typed.
//! - [`auditd`]: Linux audit records collapsed into events.
//! - [`syslog`]: host facts, logon sessions and suspicious commands from syslog.
//! - [`proctree`]: process trees from Windows, Sysmon, Defender and auditd events.
//! - [`anomseq`]: sessions scored by how rare their command sequences are.
//! - [`timeseries`]: seasonal decomposition and anomalies.
//! - [`cluster`]: event features and DBSCAN clustering.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod anomseq;
pub mod auditd;
pub mod b64;
pub mod cluster;
pub mod cmdline;
pub mod ioc;
pub mod proctree;
pub mod syslog;
pub mod timeseries;
