//! huntbook's data layer: entities (Host, Account, IpAddress, …), security alerts and events, and the query provider with its drivers (local files, Log Analytics, Kusto, Defender, Graph, Splunk, Elastic, PostgreSQL).
//!
//! Every tool here takes and returns polars DataFrames. The crate is part of the workspace
//! layout from the start so that the prelude and the kernel are wired to it; its tools are
//! not written yet, so it exports nothing but this description.

#![deny(missing_docs)]
#![forbid(unsafe_code)]
