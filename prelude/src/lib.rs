//! The huntbook prelude: what every notebook cell links against.
//!
//! Notebook cells are Rust and start with `use huntbook::prelude::*;`. This crate gathers the
//! huntbook layers under one roof and adds the glue that turns values into notebook output.
//!
//! - [`prelude`]: polars' prelude, the chart views and the display items, for glob import.
//! - [`display`]: the [`Render`](display::Render) trait, [`MimeBundle`](display::MimeBundle),
//!   the `display*` functions and the line [`protocol`](display::protocol) the kernel reads.
//! - [`data`], [`enrich`], [`analysis`], [`viz`]: the huntbook layers, re-exported as they are;
//!   [`polars`] too, for anything its prelude leaves out.
//!
//! ```
//! use huntbook::prelude::*;
//!
//! let df = df!(
//!     "host" => ["dc01", "<b>ws-17</b>"],
//!     "logons" => [42, 7],
//! )?;
//! let bundle = df.mime_bundle();
//! let html = bundle.get("text/html").unwrap_or_default();
//! assert!(html.contains("2 rows × 2 columns"));
//! assert!(html.contains("&lt;b&gt;ws-17&lt;/b&gt;"));
//! assert!(bundle.text_plain().contains("dc01"));
//! # Ok::<(), PolarsError>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod display;
pub mod prelude;

pub use huntbook_analysis as analysis;
pub use huntbook_data as data;
pub use huntbook_enrich as enrich;
pub use huntbook_viz as viz;
pub use polars;
