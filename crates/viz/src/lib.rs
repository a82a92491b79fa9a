//! Rendering for huntbook: standalone SVG documents and small chart views.
//!
//! This crate knows nothing of data frames or of the kernel. Views take plain slices and
//! return an [`Svg`]; the `huntbook` prelude turns an `Svg` into a notebook display bundle.
//!
//! - [`svg`]: the [`Svg`] document and its shapes ([`Rect`], [`Circle`], [`Line`], [`Text`]).
//! - [`bar_chart`]: a labelled horizontal bar chart with axes and hover tooltips.
//! - [`escape`]: the XML/HTML escaping every string from data goes through.
//!
//! ```
//! use huntbook_viz::bar_chart;
//!
//! let svg = bar_chart("failed logons", &[("alice", 12), ("<bob>", 3)]);
//! let markup = svg.to_svg_string();
//! assert!(markup.contains("&lt;bob&gt;"));
//! assert!(svg.to_html().starts_with("<div"));
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod bar;
pub mod escape;
mod scale;
pub mod svg;

pub use bar::{ChartValue, bar_chart};
pub use svg::{Anchor, Circle, Element, Line, Rect, Svg, Text};
