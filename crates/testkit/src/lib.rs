//! Test support for huntbook's crates: a loopback HTTP server and the shared test data.
//!
//! - [`LoopbackServer`]: an HTTP/1.1 server on 127.0.0.1 that answers every request with a
//!   handler's [`Reply`] and records what it received, so drivers and providers are tested
//!   against their real wire formats without the network.
//! - [`shared_data`]: the path of a file in the shared test data beside the project, or
//!   `None` (the test then skips, saying why).
//!
//! ```
//! use huntbook_testkit::{LoopbackServer, Reply};
//!
//! let server = LoopbackServer::start(|req| {
//!     if req.path == "/ping" { Reply::json(200, r#"{"pong":true}"#) } else { Reply::text(404, "no") }
//! });
//! let url = format!("{}/ping", server.url());
//! # let _ = url;
//! assert!(server.requests().is_empty());
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod data;
mod http;
mod server;

pub use data::{shared_data, shared_data_root};
pub use http::{Reply, Request};
pub use server::LoopbackServer;
