//! Cluster sizes with an exemplar of each (the output of event clustering).
//!
//! Takes one row per cluster representative, as the DBSCAN clustering of `huntbook-analysis`
//! returns (`ClusterId`, `ClusterSize` and the event columns), or one row per event with just
//! a cluster id; outliers (cluster id -1) are listed after the clusters.

use std::collections::HashMap;

use polars::prelude::DataFrame;

use super::ranked::{RankedRow, draw_ranked};
use crate::error::VizError;
use crate::frame::{TextColumn, floats};
use crate::palette::COLOURS;
use crate::text::{count, truncate};
use crate::view::{View, ViewKind};

const VIEW: &str = "clusters";
const MAX_ROWS: usize = 40;

/// Cluster sizes and exemplars.
///
/// Required: the cluster id column (default `ClusterId`) and at least one exemplar column.
/// Optional: a size column (default `ClusterSize` when present; otherwise rows are counted).
pub struct Clusters<'a> {
    frame: &'a DataFrame,
    cluster_column: String,
    size_column: Option<String>,
    exemplar_columns: Vec<String>,
    title: String,
}

struct Entry {
    id: String,
    size: usize,
    row: usize,
}

impl<'a> Clusters<'a> {
    /// A cluster view of `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        Clusters {
            frame,
            cluster_column: "ClusterId".to_owned(),
            size_column: None,
            exemplar_columns: Vec::new(),
            title: "Clusters".to_owned(),
        }
    }

    /// The cluster id column (default `ClusterId`; `-1` marks an outlier).
    pub fn cluster_column(mut self, name: &str) -> Self {
        self.cluster_column = name.to_owned();
        self
    }

    /// The column with each cluster's size.
    pub fn size_column(mut self, name: &str) -> Self {
        self.size_column = Some(name.to_owned());
        self
    }

    /// Columns whose values describe a cluster's exemplar (such as a process name and a
    /// command line).
    pub fn exemplar_columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.exemplar_columns = names.iter().map(|n| n.as_ref().to_owned()).collect();
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// Draws the clusters.
    pub fn build(self) -> Result<View, VizError> {
        if self.exemplar_columns.is_empty() {
            return Err(VizError::MissingOption {
                view: VIEW,
                option: "exemplar_columns",
                hint: "the columns that describe a cluster, such as [\"processName\", \"CommandLine\"]",
            });
        }
        let ids = TextColumn::read(self.frame, VIEW, &self.cluster_column)?;
        let size_name = self.size_column.clone().or_else(|| {
            self.frame
                .column("ClusterSize")
                .ok()
                .map(|_| "ClusterSize".to_owned())
        });
        let sizes = match &size_name {
            Some(name) => Some(floats(self.frame, VIEW, name)?),
            None => None,
        };
        let exemplars: Vec<(String, TextColumn)> = self
            .exemplar_columns
            .iter()
            .map(|n| Ok((n.clone(), TextColumn::read(self.frame, VIEW, n)?)))
            .collect::<Result<_, VizError>>()?;

        let (clusters, outliers) = entries(&ids, sizes.as_deref());
        let total_clusters = clusters.len();
        let biggest = clusters.first().map_or(1, |e| e.size).max(1) as f64;
        let mut rows: Vec<RankedRow> = clusters
            .iter()
            .take(MAX_ROWS)
            .enumerate()
            .map(|(i, e)| {
                row(
                    e,
                    &exemplars,
                    e.size as f64 / biggest,
                    COLOURS[i % COLOURS.len()],
                    "cluster",
                )
            })
            .collect();
        let room = MAX_ROWS.saturating_sub(rows.len()).max(5);
        rows.extend(
            outliers
                .iter()
                .take(room)
                .map(|e| row(e, &exemplars, e.size as f64 / biggest, "#e45756", "outlier")),
        );
        let events: usize = clusters.iter().chain(&outliers).map(|e| e.size).sum();
        let note = format!(
            "{} clusters and {} outliers from {} events; largest first, then the outliers",
            count(total_clusters),
            count(outliers.len()),
            count(events)
        );
        let svg = draw_ranked(&self.title, &note, "events in the cluster", &rows, 1000);
        Ok(View::new(
            ViewKind::Clusters,
            svg,
            serde_json::json!({"zoom": "xy"}),
        ))
    }
}

/// Clusters (largest first) and outliers, each with the row that stands for it.
fn entries(ids: &TextColumn, sizes: Option<&[Option<f64>]>) -> (Vec<Entry>, Vec<Entry>) {
    let mut clusters: Vec<Entry> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut outliers = Vec::new();
    for (row, id) in ids.iter().enumerate() {
        let id = id.unwrap_or("(none)").to_owned();
        let size = sizes.map_or(1, |s| s[row].unwrap_or(1.0).max(1.0) as usize);
        if id == "-1" {
            outliers.push(Entry { id, size: 1, row });
            continue;
        }
        match index.get(&id) {
            // Representative rows carry the size; event rows are counted.
            Some(&i) if sizes.is_none() => clusters[i].size += 1,
            Some(_) => {}
            None => {
                index.insert(id.clone(), clusters.len());
                clusters.push(Entry { id, size, row });
            }
        }
    }
    clusters.sort_by(|a, b| b.size.cmp(&a.size).then(a.row.cmp(&b.row)));
    (clusters, outliers)
}

fn row(
    entry: &Entry,
    exemplars: &[(String, TextColumn)],
    fraction: f64,
    colour: &'static str,
    kind: &str,
) -> RankedRow {
    let values: Vec<&str> = exemplars
        .iter()
        .map(|(_, c)| c.get(entry.row).unwrap_or(""))
        .collect();
    let mut tooltip = format!("{kind} {}\n{} events", entry.id, count(entry.size));
    for ((name, _), value) in exemplars.iter().zip(&values) {
        tooltip.push_str(&format!("\n{name}: {}", truncate(value, 400)));
    }
    RankedRow {
        label: format!("{kind} {}", entry.id),
        fraction,
        value_text: count(entry.size),
        detail: values.join("  "),
        tooltip,
        colour,
    }
}
