//! Smaller analysis plots.
//!
//! - [`Decomposition`]: a seasonal decomposition (observed, baseline, trend, seasonal,
//!   residual) with the anomalies marked.
//! - [`Matrix`]: counts (or sums) of one column by another as a bubble matrix.
//! - [`Graph`]: entities and their links, laid out deterministically in Rust.
//! - [`ScoredSessions`]: sessions ranked by how unlikely their rarest command window is.
//! - [`Clusters`]: cluster sizes with an exemplar of each, and the outliers.

mod clusters;
mod decomposition;
mod graph;
mod layout;
mod matrix;
mod ranked;
mod sessions;

pub use clusters::Clusters;
pub use decomposition::Decomposition;
pub use graph::{Graph, GraphLayout, UnknownGraphLayout};
pub use matrix::Matrix;
pub use sessions::ScoredSessions;
