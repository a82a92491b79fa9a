//! Entities and their links (msticpy's `plot_entity_graph` / `plot_nx_graph`).
//!
//! Takes an edge list: one row per link with a source and a target column, optionally the
//! kind of each end (`Host`, `Account`, `IpAddress`…) and a label for the link. Nodes are the
//! distinct values; the busiest 250 are kept when there are more. The layout is computed here,
//! deterministically (see [`layout`](super::layout)).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use polars::prelude::DataFrame;

use super::layout::{circular, force};
use crate::error::VizError;
use crate::frame::{Interner, TextColumn};
use crate::palette::{Palette, draw_legend};
use crate::svg::{Anchor, Circle, Line, Svg, Text};
use crate::text::{count, truncate};
use crate::view::{View, ViewKind};

const VIEW: &str = "graph";
const MAX_NODES: usize = 250;

/// How the nodes of a [`Graph`] are placed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GraphLayout {
    /// Force-directed (Fruchterman–Reingold from a circle, no randomness).
    #[default]
    Force,
    /// Evenly on a circle.
    Circular,
}

impl fmt::Display for GraphLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            GraphLayout::Force => "force",
            GraphLayout::Circular => "circular",
        })
    }
}

/// The error from parsing an unknown [`GraphLayout`] name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown graph layout `{0}`; expected force or circular")]
pub struct UnknownGraphLayout(pub String);

impl FromStr for GraphLayout {
    type Err = UnknownGraphLayout;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "force" | "spring" => Ok(GraphLayout::Force),
            "circular" | "circle" => Ok(GraphLayout::Circular),
            _ => Err(UnknownGraphLayout(s.to_owned())),
        }
    }
}

/// An entity graph from an edge list.
///
/// Required: the source and target columns (defaults `source` and `target`). Optional: the
/// kind columns of each end (node colour and legend), an edge label column, the layout.
pub struct Graph<'a> {
    frame: &'a DataFrame,
    source_column: String,
    target_column: String,
    source_kind_column: Option<String>,
    target_kind_column: Option<String>,
    edge_label_column: Option<String>,
    layout: GraphLayout,
    title: String,
    size: u32,
}

impl<'a> Graph<'a> {
    /// A graph of the edges in `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        Graph {
            frame,
            source_column: "source".to_owned(),
            target_column: "target".to_owned(),
            source_kind_column: None,
            target_kind_column: None,
            edge_label_column: None,
            layout: GraphLayout::Force,
            title: "Entity graph".to_owned(),
            size: 760,
        }
    }

    /// The column naming each link's source entity.
    pub fn source_column(mut self, name: &str) -> Self {
        self.source_column = name.to_owned();
        self
    }

    /// The column naming each link's target entity.
    pub fn target_column(mut self, name: &str) -> Self {
        self.target_column = name.to_owned();
        self
    }

    /// The columns with the kind of the source and of the target (node colours).
    pub fn kind_columns(mut self, source_kind: &str, target_kind: &str) -> Self {
        self.source_kind_column = Some(source_kind.to_owned());
        self.target_kind_column = Some(target_kind.to_owned());
        self
    }

    /// A column describing each link, shown in its tooltip.
    pub fn edge_label_column(mut self, name: &str) -> Self {
        self.edge_label_column = Some(name.to_owned());
        self
    }

    /// Force-directed or circular.
    pub fn layout(mut self, layout: GraphLayout) -> Self {
        self.layout = layout;
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The height of the drawing (the width adds room for the legend).
    pub fn size(mut self, size: u32) -> Self {
        self.size = size.max(300);
        self
    }

    /// Lays out and draws the graph.
    pub fn build(self) -> Result<View, VizError> {
        let read = |name: &str| TextColumn::read(self.frame, VIEW, name);
        let sources = read(&self.source_column)?;
        let targets = read(&self.target_column)?;
        let kinds = match (&self.source_kind_column, &self.target_kind_column) {
            (Some(s), Some(t)) => Some((read(s)?, read(t)?)),
            _ => None,
        };
        let labels = match &self.edge_label_column {
            Some(name) => Some(read(name)?),
            None => None,
        };

        let mut nodes = Interner::default();
        let mut node_kind: HashMap<u32, String> = HashMap::new();
        let mut edges: HashMap<(u32, u32), (usize, Vec<String>)> = HashMap::new();
        let mut edge_order = Vec::new();
        for row in 0..self.frame.height() {
            let (Some(s), Some(t)) = (sources.get(row), targets.get(row)) else {
                continue;
            };
            let (a, b) = (nodes.intern(Some(s)), nodes.intern(Some(t)));
            if let Some((sk, tk)) = &kinds {
                node_kind
                    .entry(a)
                    .or_insert_with(|| sk.get(row).unwrap_or("(none)").to_owned());
                node_kind
                    .entry(b)
                    .or_insert_with(|| tk.get(row).unwrap_or("(none)").to_owned());
            }
            let entry = edges.entry((a, b)).or_insert_with(|| {
                edge_order.push((a, b));
                (0, Vec::new())
            });
            entry.0 += 1;
            if let Some(label) = labels.as_ref().and_then(|l| l.get(row))
                && entry.1.len() < 5
                && !entry.1.iter().any(|l| l == label)
            {
                entry.1.push(label.to_owned());
            }
        }
        self.draw(&nodes, &node_kind, &edges, &edge_order)
    }

    fn draw(
        &self,
        nodes: &Interner,
        node_kind: &HashMap<u32, String>,
        edges: &HashMap<(u32, u32), (usize, Vec<String>)>,
        edge_order: &[(u32, u32)],
    ) -> Result<View, VizError> {
        // Keep the busiest nodes (by links) when there are too many to read.
        let mut degree = vec![0usize; nodes.values.len()];
        for &(a, b) in edge_order {
            degree[a as usize] += 1;
            degree[b as usize] += 1;
        }
        let mut kept: Vec<u32> = (0..nodes.values.len() as u32).collect();
        kept.sort_by(|&a, &b| degree[b as usize].cmp(&degree[a as usize]).then(a.cmp(&b)));
        kept.truncate(MAX_NODES);
        kept.sort_unstable();
        let index: HashMap<u32, usize> = kept.iter().enumerate().map(|(i, &n)| (n, i)).collect();
        let links: Vec<(usize, usize)> = edge_order
            .iter()
            .filter_map(|(a, b)| Some((*index.get(a)?, *index.get(b)?)))
            .collect();
        let positions = match self.layout {
            GraphLayout::Force => force(kept.len(), &links, 300),
            GraphLayout::Circular => circular(kept.len()),
        };

        let mut kinds = Interner::default();
        let kind_codes: Vec<u32> = kept
            .iter()
            .map(|n| kinds.intern(Some(node_kind.get(n).map_or("entity", String::as_str))))
            .collect();
        let palette = Palette::new(&kinds.values, &kinds.counts);
        let side = f64::from(self.size);
        let width = side + 190.0;
        let mut svg = Svg::new(width as u32, (side + 40.0) as u32);
        svg.title(&self.title);
        svg.add(
            Text::new(side / 2.0, 22.0, &truncate(&self.title, 80))
                .size(15.0)
                .anchor(Anchor::Middle),
        );
        let mut note = format!(
            "{} entities, {} links",
            count(nodes.values.len()),
            count(edge_order.len())
        );
        if kept.len() < nodes.values.len() {
            note.push_str(&format!("; the {} most linked shown", kept.len()));
        }
        svg.add(Text::new(8.0, 38.0, &note).size(10.0).fill("#666666"));
        let at = |i: usize| {
            (
                20.0 + positions[i].0 * (side - 40.0),
                50.0 + positions[i].1 * (side - 40.0),
            )
        };

        for &(a, b) in edge_order {
            let (Some(&i), Some(&j)) = (index.get(&a), index.get(&b)) else {
                continue;
            };
            let ((x1, y1), (x2, y2)) = (at(i), at(j));
            let (n, labels) = edges.get(&(a, b)).cloned().unwrap_or_default();
            let mut tip = format!(
                "{} → {}\n{} links",
                nodes.value(a),
                nodes.value(b),
                count(n)
            );
            for label in labels {
                tip.push_str(&format!("\n{}", truncate(&label, 200)));
            }
            svg.add(
                Line::new(x1, y1, x2, y2)
                    .stroke("#9a9a9a")
                    .stroke_width(1.0 + (n as f64).log2().min(4.0))
                    .attr("stroke-opacity", "0.7")
                    .tooltip(&tip),
            );
        }
        for (i, &node) in kept.iter().enumerate() {
            let (x, y) = at(i);
            let kind = kinds.value(kind_codes[i]);
            let tip = format!(
                "{}\n{kind}\n{} links",
                nodes.value(node),
                count(degree[node as usize])
            );
            let r = 5.0 + (degree[node as usize] as f64).sqrt().min(8.0);
            svg.add(
                Circle::new(x, y, r)
                    .fill(palette.colour(kind_codes[i]))
                    .attr("stroke", "#ffffff")
                    .attr("stroke-width", "1.5")
                    .tooltip(&tip),
            );
            svg.add(
                Text::new(x + r + 3.0, y + 4.0, &truncate(nodes.value(node), 24))
                    .size(10.0)
                    .tooltip(&tip),
            );
        }
        draw_legend(&mut svg, side + 10.0, 60.0, "entity kind", &palette);
        Ok(View::new(
            ViewKind::Graph,
            svg,
            serde_json::json!({"zoom": "xy"}),
        ))
    }
}
