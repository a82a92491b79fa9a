//! huntbook's analysis layer: IoC extraction, base64 and archive unpacking, process trees, anomalous sessions, time-series anomalies, clustering, auditd and syslog analysis.
//!
//! Every tool here takes and returns polars DataFrames. The crate is part of the workspace
//! layout from the start so that the prelude and the kernel are wired to it; its tools are
//! not written yet, so it exports nothing but this description.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
