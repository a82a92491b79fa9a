//! Everything a notebook cell sees without a `use`.
//!
//! Cells start with `use huntbook::prelude::*;`. That brings in all of polars' prelude
//! (`DataFrame`, `col`, `lit`, the `df!` macro, …), the display items ([`display`], [`Render`]
//! and the two traits that show a cell's final expression), and the tools an investigation
//! reaches for first. Everything else is one path away: `huntbook::data::…`,
//! `huntbook::analysis::…`, `huntbook::enrich::…`, `huntbook::viz::…`.

pub use polars::df;
pub use polars::prelude::*;

/// The time-series decomposition plot (the analysis crate's `Decomposition` is the data).
pub use huntbook_viz::Decomposition as DecompositionPlot;
/// The process-tree view (the analysis crate's `ProcessTree` is the tree itself).
pub use huntbook_viz::ProcessTree as ProcessTreeView;
pub use huntbook_viz::{
    Clusters, Graph, Matrix, ScoredSessions, Svg, Timeline, TimelineDuration, TimelineValues, View,
    WorldMap, bar_chart,
};

pub use huntbook_data::IocType;
pub use huntbook_data::alert::{SecurityAlert, SecurityEvent};
pub use huntbook_data::config::Config;
pub use huntbook_data::driver::Driver;
pub use huntbook_data::driver::local::LocalDataDriver;
pub use huntbook_data::entities::Entity;
pub use huntbook_data::query::{Params, QueryProvider};
pub use huntbook_data::sample;

pub use huntbook_enrich::ti::feeds::demo_feed;
pub use huntbook_enrich::{GeoIp, IpType, TiLookup, haversine_km, ip_type};

pub use huntbook_analysis::b64::{B64Unpacker, UnpackOptions};
pub use huntbook_analysis::ioc::{IocExtractor, IocOptions, defang, refang};

pub use crate::display::{
    DebugResult, MimeBundle, Progress, Render, RenderResult, Table, display, display_with_id,
    update_display,
};
