//! [`View`]: a finished chart, as standalone SVG or as HTML with its interaction script.

use std::fmt;
use std::str::FromStr;

use crate::html;
use crate::svg::Svg;

/// Which kind of chart a [`View`] is; it picks the interactions the script adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ViewKind {
    /// Events on rows over time ([`Timeline`](crate::Timeline)).
    Timeline,
    /// A value over time per group ([`TimelineValues`](crate::TimelineValues)).
    TimelineValues,
    /// First-to-last bars per group ([`TimelineDuration`](crate::TimelineDuration)).
    TimelineDuration,
    /// A process tree ([`ProcessTree`](crate::ProcessTree)).
    ProcessTree,
    /// Points on a world map ([`WorldMap`](crate::WorldMap)).
    Map,
    /// A time-series decomposition with anomalies ([`Decomposition`](crate::Decomposition)).
    Decomposition,
    /// Counts of one column by another ([`Matrix`](crate::Matrix)).
    Matrix,
    /// Entities and their links ([`Graph`](crate::Graph)).
    Graph,
    /// Sessions ranked by likelihood ([`ScoredSessions`](crate::ScoredSessions)).
    Sessions,
    /// Cluster sizes and exemplars ([`Clusters`](crate::Clusters)).
    Clusters,
}

impl ViewKind {
    const ALL: [ViewKind; 10] = [
        ViewKind::Timeline,
        ViewKind::TimelineValues,
        ViewKind::TimelineDuration,
        ViewKind::ProcessTree,
        ViewKind::Map,
        ViewKind::Decomposition,
        ViewKind::Matrix,
        ViewKind::Graph,
        ViewKind::Sessions,
        ViewKind::Clusters,
    ];

    /// The kind's name, as written in the view's HTML (`timeline`, `process_tree`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ViewKind::Timeline => "timeline",
            ViewKind::TimelineValues => "timeline_values",
            ViewKind::TimelineDuration => "timeline_duration",
            ViewKind::ProcessTree => "process_tree",
            ViewKind::Map => "map",
            ViewKind::Decomposition => "decomposition",
            ViewKind::Matrix => "matrix",
            ViewKind::Graph => "graph",
            ViewKind::Sessions => "sessions",
            ViewKind::Clusters => "clusters",
        }
    }
}

impl fmt::Display for ViewKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error from parsing an unknown view kind name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown view kind `{0}`; expected one of timeline, timeline_values, timeline_duration, process_tree, map, decomposition, matrix, graph, sessions, clusters"
)]
pub struct UnknownViewKind(pub String);

impl FromStr for ViewKind {
    type Err = UnknownViewKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ViewKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == s)
            .ok_or_else(|| UnknownViewKind(s.to_owned()))
    }
}

/// A finished chart.
///
/// [`to_svg_string`](Self::to_svg_string) is complete on its own: axes, legend, labels and
/// native tooltips need no script. [`to_html`](Self::to_html) wraps the same SVG with a small
/// inline script that adds zoom, pan, richer tooltips and the view's own interactions (a range
/// selector for timelines, collapsing for process trees) wherever scripts run.
#[derive(Debug, Clone, PartialEq)]
pub struct View {
    svg: Svg,
    kind: ViewKind,
    config: serde_json::Value,
}

impl View {
    /// A view of `kind` drawn as `svg`; `config` tells the script where the plot area is.
    pub(crate) fn new(kind: ViewKind, svg: Svg, config: serde_json::Value) -> Self {
        View { svg, kind, config }
    }

    /// The kind of chart.
    pub fn kind(&self) -> ViewKind {
        self.kind
    }

    /// The SVG document.
    pub fn svg(&self) -> &Svg {
        &self.svg
    }

    /// Width of the chart in pixels.
    pub fn width(&self) -> u32 {
        self.svg.width()
    }

    /// Height of the chart in pixels.
    pub fn height(&self) -> u32 {
        self.svg.height()
    }

    /// The chart as a standalone SVG document.
    pub fn to_svg_string(&self) -> String {
        self.svg.to_svg_string()
    }

    /// The chart as an HTML fragment: the SVG, a tooltip box and the interaction script.
    ///
    /// The fragment loads nothing from elsewhere and can be pasted into any page; several
    /// views on one page do not interfere.
    pub fn to_html(&self) -> String {
        html::wrap(self.kind, &self.svg.to_svg_string(), &self.config)
    }
}
