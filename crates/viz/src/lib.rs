//! Rendering for huntbook: self-contained SVG/HTML views of the frames the other crates
//! produce.
//!
//! Every view is a builder that takes a polars `DataFrame` and the names of its columns and
//! returns a [`View`]. A view's SVG is complete on its own (axes, legend, labels and native
//! `<title>` tooltips); [`View::to_html`] adds a small inline script for zoom, pan and richer
//! hover wherever scripts run. Nothing is loaded from elsewhere, every string from the data
//! is escaped, and big inputs are binned so a chart of a million events stays small.
//!
//! - [`Timeline`], [`TimelineValues`], [`TimelineDuration`]: events, values and spans over
//!   time (`timeline`).
//! - [`ProcessTree`]: a collapsible process tree and its text form (`proctree`).
//! - [`WorldMap`]: points and links on an offline world map (`map`).
//! - [`Decomposition`], [`Matrix`], [`Graph`], [`ScoredSessions`], [`Clusters`]: time-series
//!   anomalies, counts of x by y, entity graphs, ranked sessions and clusters (`plots`).
//! - [`svg`]: the [`Svg`] document and its shapes; [`bar_chart`]: a labelled bar chart.
//! - [`escape`]: the XML/HTML escaping every string from data goes through.
//!
//! ```
//! use huntbook_viz::{Timeline, bar_chart};
//! use polars::prelude::*;
//!
//! let svg = bar_chart("failed logons", &[("alice", 12), ("<bob>", 3)]);
//! assert!(svg.to_svg_string().contains("&lt;bob&gt;"));
//!
//! let df = df!("TimeGenerated" => ["2024-05-01T08:00:00Z"], "Account" => ["<b>eve</b>"])?;
//! let view = Timeline::new(&df).group_by("Account").build()?;
//! assert!(view.to_html().contains("&lt;b&gt;eve&lt;/b&gt;"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bar;
mod error;
pub use huntbook_data::escape;
mod frame;
mod html;
mod map;
mod palette;
mod plots;
mod proctree;
mod scale;
pub mod svg;
mod text;
mod timeaxis;
mod timeline;
mod view;

pub use bar::{ChartValue, bar_chart};
pub use error::VizError;
pub use map::{Projection, UnknownProjection, WorldMap};
pub use plots::{
    Clusters, Decomposition, Graph, GraphLayout, Matrix, ScoredSessions, UnknownGraphLayout,
};
pub use proctree::ProcessTree;
pub use svg::{Anchor, Circle, Element, Group, Line, Path, Rect, Svg, Text};
pub use timeline::{
    Timeline, TimelineDuration, TimelineLimits, TimelineValues, UnknownValueKind, ValueKind,
};
pub use view::{UnknownViewKind, View, ViewKind};
