//! Everything a notebook cell sees without a `use`.
//!
//! Cells start with `use huntbook::prelude::*;`. That brings in all of polars' prelude
//! (`DataFrame`, `col`, `lit`, the `df!` macro, …), the chart views, and the display items:
//! [`display`], [`Render`] and the two traits that show a cell's final expression.

pub use polars::df;
pub use polars::prelude::*;

pub use huntbook_viz::{Svg, bar_chart};

pub use crate::display::{
    DebugResult, MimeBundle, Render, RenderResult, Table, display, display_with_id, update_display,
};
