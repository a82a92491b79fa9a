//! Process trees: a collapsible, zoomable tree drawn left to right, and a text form.
//!
//! Takes the frame the process-tree builder of `huntbook-analysis` produces: one row per
//! process with `proc_key` and `parent_key` (and, unused but accepted, `path`, `depth`,
//! `is_root`, `is_leaf`, `tree_id`) plus the event columns. See [`forest`] for how rows are
//! linked and which subtrees start collapsed, and [`draw`] for the drawing.

mod draw;
mod forest;
mod text;

use std::collections::HashSet;

use polars::prelude::DataFrame;

use self::forest::{Forest, plan};
use crate::error::VizError;
use crate::frame::{TextColumn, first_present, times_ms};
use crate::view::{View, ViewKind};

const VIEW: &str = "process_tree";
const LABEL_CANDIDATES: [&str; 7] = [
    "NewProcessName",
    "ProcessName",
    "process_name",
    "Image",
    "exe",
    "FileName",
    "path",
];
const TIME_CANDIDATES: [&str; 5] = [
    "TimeGenerated",
    "TimeCreatedUtc",
    "Timestamp",
    "timestamp",
    "time",
];
const TOOLTIP_CANDIDATES: [&str; 10] = [
    "CommandLine",
    "ProcessCommandLine",
    "cmdline",
    "SubjectUserName",
    "Account",
    "user",
    "Computer",
    "NewProcessId",
    "ProcessId",
    "pid",
];

/// A process tree view (msticpy's `plot_process_tree`).
///
/// Required columns: `proc_key` and `parent_key` (names changeable). The label is the file
/// name of the first present of `NewProcessName`, `ProcessName`, `process_name`, `Image`,
/// `exe`, `FileName`, `path` (or [`label_column`](Self::label_column)); tooltips show the
/// start time and the first present of the usual command-line, user, host and pid columns (or
/// [`tooltip_columns`](Self::tooltip_columns)). Up to 400 processes are open at first (whole
/// levels, breadth first); larger or deeper subtrees start collapsed and show how many
/// processes they hold. Highlighted processes are ringed in red and always shown.
pub struct ProcessTree<'a> {
    frame: &'a DataFrame,
    key_column: String,
    parent_column: String,
    label_column: Option<String>,
    legend_column: Option<String>,
    time_column: Option<String>,
    tooltip_columns: Option<Vec<String>>,
    highlight: HashSet<String>,
    highlight_column: Option<String>,
    visible: usize,
    max_nodes: usize,
    title: String,
}

/// Everything read from the frame.
pub(crate) struct TreeData {
    pub(crate) forest: Forest,
    pub(crate) labels: Vec<String>,
    pub(crate) full_labels: Vec<String>,
    pub(crate) keys: Vec<String>,
    pub(crate) times: Vec<Option<i64>>,
    pub(crate) tooltips: Vec<(String, TextColumn)>,
    pub(crate) legend: Option<(String, Vec<u32>, crate::frame::Interner)>,
    pub(crate) highlighted: Vec<bool>,
}

impl<'a> ProcessTree<'a> {
    /// A process tree of `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        ProcessTree {
            frame,
            key_column: "proc_key".to_owned(),
            parent_column: "parent_key".to_owned(),
            label_column: None,
            legend_column: None,
            time_column: None,
            tooltip_columns: None,
            highlight: HashSet::new(),
            highlight_column: None,
            visible: 400,
            max_nodes: 2000,
            title: "Process tree".to_owned(),
        }
    }

    /// The column with each process's unique key (default `proc_key`).
    pub fn key_column(mut self, name: &str) -> Self {
        self.key_column = name.to_owned();
        self
    }

    /// The column with the parent's key (default `parent_key`).
    pub fn parent_column(mut self, name: &str) -> Self {
        self.parent_column = name.to_owned();
        self
    }

    /// The column whose file name labels each node.
    pub fn label_column(mut self, name: &str) -> Self {
        self.label_column = Some(name.to_owned());
        self
    }

    /// Colours nodes by this column (user, host, integrity level) and adds a legend.
    pub fn legend_column(mut self, name: &str) -> Self {
        self.legend_column = Some(name.to_owned());
        self
    }

    /// The column with process start times; children are ordered by it.
    pub fn time_column(mut self, name: &str) -> Self {
        self.time_column = Some(name.to_owned());
        self
    }

    /// The columns a node's tooltip shows.
    pub fn tooltip_columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.tooltip_columns = Some(names.iter().map(|n| n.as_ref().to_owned()).collect());
        self
    }

    /// Highlights the processes with these keys.
    pub fn highlight<S: AsRef<str>>(mut self, keys: &[S]) -> Self {
        self.highlight
            .extend(keys.iter().map(|k| k.as_ref().to_owned()));
        self
    }

    /// Highlights the processes where this boolean (or `true`/`1` text) column is true.
    pub fn highlight_column(mut self, name: &str) -> Self {
        self.highlight_column = Some(name.to_owned());
        self
    }

    /// How many processes are open at first (default 400) and the most written into the
    /// document (default 2,000; the rest are counted on their collapsed ancestors).
    pub fn budget(mut self, visible: usize, max_nodes: usize) -> Self {
        self.visible = visible.max(1);
        self.max_nodes = max_nodes.max(self.visible);
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// Lays out and draws the tree.
    pub fn build(self) -> Result<View, VizError> {
        let data = self.read()?;
        let highlighted: Vec<usize> = (0..data.forest.nodes.len())
            .filter(|&i| data.highlighted[data.forest.nodes[i].row])
            .collect();
        let plan = plan(&data.forest, self.visible, self.max_nodes, &highlighted);
        let (svg, config) = draw::draw(&data, &plan, &self.title);
        Ok(View::new(ViewKind::ProcessTree, svg, config))
    }

    /// The tree as indented text, one process per line, at most `max_lines` lines.
    pub fn to_text(self, max_lines: usize) -> Result<String, VizError> {
        let data = self.read()?;
        Ok(text::render(&data, max_lines))
    }

    fn read(&self) -> Result<TreeData, VizError> {
        let frame = self.frame;
        let keys_col = TextColumn::read(frame, VIEW, &self.key_column)?;
        let parents_col = TextColumn::read(frame, VIEW, &self.parent_column)?;
        let time_name = self
            .time_column
            .clone()
            .or_else(|| first_present(frame, &TIME_CANDIDATES));
        let times = match &time_name {
            Some(name) => times_ms(frame, VIEW, name)?,
            None => vec![None; frame.height()],
        };
        let keys: Vec<Option<&str>> = keys_col.iter().collect();
        let parents: Vec<Option<&str>> = parents_col.iter().collect();
        let order: Vec<i64> = times.iter().map(|t| t.unwrap_or(i64::MAX)).collect();
        let forest = Forest::build(&keys, &parents, &order);

        let label_name = self
            .label_column
            .clone()
            .or_else(|| first_present(frame, &LABEL_CANDIDATES))
            .unwrap_or_else(|| self.key_column.clone());
        let label_col = TextColumn::read(frame, VIEW, &label_name)?;
        let full_labels: Vec<String> = label_col
            .iter()
            .map(|v| v.unwrap_or("?").to_owned())
            .collect();
        let labels = full_labels
            .iter()
            .map(|l| file_name(l).to_owned())
            .collect();
        let tooltip_names = match &self.tooltip_columns {
            Some(names) => names.clone(),
            None => TOOLTIP_CANDIDATES
                .iter()
                .filter(|n| frame.column(n).is_ok())
                .map(|n| (*n).to_owned())
                .collect(),
        };
        let tooltips = tooltip_names
            .iter()
            .map(|n| Ok((n.clone(), TextColumn::read(frame, VIEW, n)?)))
            .collect::<Result<_, VizError>>()?;
        let legend = match &self.legend_column {
            Some(name) => {
                let mut interner = crate::frame::Interner::default();
                let codes = interner.intern_column(&TextColumn::read(frame, VIEW, name)?);
                Some((name.clone(), codes, interner))
            }
            None => None,
        };
        let highlighted = self.highlighted_rows(&keys)?;
        Ok(TreeData {
            forest,
            labels,
            full_labels,
            keys: keys.iter().map(|k| k.unwrap_or("").to_owned()).collect(),
            times,
            tooltips,
            legend,
            highlighted,
        })
    }

    fn highlighted_rows(&self, keys: &[Option<&str>]) -> Result<Vec<bool>, VizError> {
        let mut rows: Vec<bool> = keys
            .iter()
            .map(|k| k.is_some_and(|k| self.highlight.contains(k)))
            .collect();
        if let Some(name) = &self.highlight_column {
            let flags = TextColumn::read(self.frame, VIEW, name)?;
            for (row, flag) in flags.iter().enumerate() {
                if matches!(
                    flag.map(str::to_ascii_lowercase).as_deref(),
                    Some("true" | "1" | "yes")
                ) {
                    rows[row] = true;
                }
            }
        }
        Ok(rows)
    }
}

/// The last component of a Windows or Unix path.
fn file_name(path: &str) -> &str {
    path.rsplit(['\\', '/'])
        .find(|part| !part.is_empty())
        .unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_of_both_path_styles() {
        assert_eq!(file_name("C:\\Windows\\System32\\cmd.exe"), "cmd.exe");
        assert_eq!(file_name("/usr/bin/bash"), "bash");
        assert_eq!(file_name("bash"), "bash");
    }
}
