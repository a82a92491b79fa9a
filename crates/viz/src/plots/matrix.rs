//! Counts of one column by another as a bubble matrix (msticpy's `plot_matrix`).
//!
//! Each cell's circle has an area proportional to the count of rows with that pair of values
//! (or the sum of a value column, or the number of distinct values of it). The most frequent
//! 40 values of each axis are kept; the rest are folded into an `other` row or column so no
//! row is lost from the totals.

use std::collections::HashMap;

use polars::prelude::DataFrame;

use crate::error::VizError;
use crate::frame::{TextColumn, floats};
use crate::svg::{Anchor, Circle, Line, Svg, Text};
use crate::text::{count, short_number, truncate};
use crate::view::{View, ViewKind};

const VIEW: &str = "matrix";
const MAX_LABELS: usize = 40;
const CELL: f64 = 18.0;
const LEFT: f64 = 190.0;
const TOP: f64 = 170.0;

/// A bubble matrix of `x` by `y`.
///
/// Required: the x and y columns. Optional: a value column (summed per cell; or counted as
/// distinct values with [`distinct`](Self::distinct)), a log scale for the sizes, sorting by
/// name instead of frequency.
pub struct Matrix<'a> {
    frame: &'a DataFrame,
    x_column: Option<String>,
    y_column: Option<String>,
    value_column: Option<String>,
    distinct: bool,
    log_size: bool,
    sort_by_name: bool,
    title: String,
}

impl<'a> Matrix<'a> {
    /// A matrix of `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        Matrix {
            frame,
            x_column: None,
            y_column: None,
            value_column: None,
            distinct: false,
            log_size: false,
            sort_by_name: false,
            title: "Interaction matrix".to_owned(),
        }
    }

    /// The column across the top.
    pub fn x_column(mut self, name: &str) -> Self {
        self.x_column = Some(name.to_owned());
        self
    }

    /// The column down the side.
    pub fn y_column(mut self, name: &str) -> Self {
        self.y_column = Some(name.to_owned());
        self
    }

    /// Sums this column per cell instead of counting rows.
    pub fn value_column(mut self, name: &str) -> Self {
        self.value_column = Some(name.to_owned());
        self
    }

    /// With a value column: counts its distinct values per cell instead of summing.
    pub fn distinct(mut self, distinct: bool) -> Self {
        self.distinct = distinct;
        self
    }

    /// Sizes circles by the logarithm of the value, so small cells stay visible.
    pub fn log_size(mut self, log: bool) -> Self {
        self.log_size = log;
        self
    }

    /// Orders the axes by name instead of by total.
    pub fn sort_by_name(mut self, by_name: bool) -> Self {
        self.sort_by_name = by_name;
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// Counts and draws the matrix.
    pub fn build(self) -> Result<View, VizError> {
        let missing = |option| VizError::MissingOption {
            view: VIEW,
            option,
            hint: "the two columns to cross",
        };
        let x_name = self.x_column.clone().ok_or(missing("x_column"))?;
        let y_name = self.y_column.clone().ok_or(missing("y_column"))?;
        let xs = TextColumn::read(self.frame, VIEW, &x_name)?;
        let ys = TextColumn::read(self.frame, VIEW, &y_name)?;
        let cells = self.cells(&xs, &ys)?;

        let (x_axis, y_axis) = (self.axis(&cells, true), self.axis(&cells, false));
        let folded = fold(&cells, &x_axis, &y_axis);
        Ok(self.draw(&x_name, &y_name, &x_axis, &y_axis, &folded))
    }

    /// The value of each (x, y) pair.
    fn cells(
        &self,
        xs: &TextColumn,
        ys: &TextColumn,
    ) -> Result<HashMap<(String, String), f64>, VizError> {
        let mut cells: HashMap<(String, String), f64> = HashMap::new();
        let key = |row: usize| {
            (
                xs.get(row).unwrap_or("(none)").to_owned(),
                ys.get(row).unwrap_or("(none)").to_owned(),
            )
        };
        match &self.value_column {
            None => {
                for row in 0..self.frame.height() {
                    *cells.entry(key(row)).or_insert(0.0) += 1.0;
                }
            }
            Some(name) if self.distinct => {
                let values = TextColumn::read(self.frame, VIEW, name)?;
                let mut seen: HashMap<(String, String), std::collections::HashSet<String>> =
                    HashMap::new();
                for row in 0..self.frame.height() {
                    seen.entry(key(row))
                        .or_default()
                        .insert(values.get(row).unwrap_or("").to_owned());
                }
                cells = seen.into_iter().map(|(k, v)| (k, v.len() as f64)).collect();
            }
            Some(name) => {
                let values = floats(self.frame, VIEW, name)?;
                for (row, value) in values.iter().enumerate() {
                    *cells.entry(key(row)).or_insert(0.0) += value.unwrap_or(0.0);
                }
            }
        }
        Ok(cells)
    }

    /// The labels of one axis: the values with the biggest totals, `other` last if needed.
    fn axis(&self, cells: &HashMap<(String, String), f64>, x: bool) -> Vec<String> {
        let mut totals: HashMap<&str, f64> = HashMap::new();
        for ((a, b), v) in cells {
            *totals.entry(if x { a } else { b }).or_insert(0.0) += v;
        }
        let mut values: Vec<(&str, f64)> = totals.into_iter().collect();
        values.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
        let more = values.len() > MAX_LABELS;
        values.truncate(if more { MAX_LABELS - 1 } else { MAX_LABELS });
        if self.sort_by_name {
            values.sort_by(|a, b| a.0.cmp(b.0));
        }
        let mut labels: Vec<String> = values.into_iter().map(|(v, _)| v.to_owned()).collect();
        if more {
            labels.push(OTHER.to_owned());
        }
        labels
    }

    fn draw(
        &self,
        x_name: &str,
        y_name: &str,
        xs: &[String],
        ys: &[String],
        cells: &HashMap<(usize, usize), f64>,
    ) -> View {
        let width = LEFT + xs.len() as f64 * CELL + 40.0;
        let height = TOP + ys.len() as f64 * CELL + 40.0;
        let mut svg = Svg::new(width.max(420.0) as u32, height as u32);
        svg.title(&self.title);
        svg.add(Text::new(10.0, 22.0, &truncate(&self.title, 80)).size(15.0));
        let what = match (&self.value_column, self.distinct) {
            (None, _) => "rows".to_owned(),
            (Some(v), true) => format!("distinct {v}"),
            (Some(v), false) => format!("sum of {v}"),
        };
        svg.add(
            Text::new(
                10.0,
                38.0,
                &format!("{what} by {x_name} (across) and {y_name} (down)"),
            )
            .size(10.0)
            .fill("#666666"),
        );
        let max = cells.values().copied().fold(0.0f64, f64::max).max(1e-9);
        for (i, label) in xs.iter().enumerate() {
            let x = LEFT + (i as f64 + 0.5) * CELL;
            svg.add(Line::new(x, TOP, x, TOP + ys.len() as f64 * CELL).stroke("#eeeeee"));
            svg.add(
                Text::new(x + 3.0, TOP - 6.0, &truncate(label, 24))
                    .size(10.0)
                    .attr(
                        "transform",
                        format!("rotate(-55 {} {})", x + 3.0, TOP - 6.0),
                    )
                    .tooltip(&format!("{x_name}: {label}")),
            );
        }
        for (j, label) in ys.iter().enumerate() {
            let y = TOP + (j as f64 + 0.5) * CELL;
            svg.add(Line::new(LEFT, y, LEFT + xs.len() as f64 * CELL, y).stroke("#eeeeee"));
            svg.add(
                Text::new(LEFT - 6.0, y + 3.5, &truncate(label, 28))
                    .size(10.0)
                    .anchor(Anchor::End)
                    .tooltip(&format!("{y_name}: {label}")),
            );
        }
        let mut keys: Vec<&(usize, usize)> = cells.keys().collect();
        keys.sort_unstable();
        for key in keys {
            let value = cells[key];
            let share = if self.log_size {
                value.ln_1p() / max.ln_1p()
            } else {
                value / max
            };
            let r = (CELL / 2.0 - 0.5) * share.max(0.0).sqrt().max(0.12);
            let tip = format!(
                "{x_name}: {}\n{y_name}: {}\n{what}: {}",
                xs[key.0],
                ys[key.1],
                short_number(value)
            );
            svg.add(
                Circle::new(
                    LEFT + (key.0 as f64 + 0.5) * CELL,
                    TOP + (key.1 as f64 + 0.5) * CELL,
                    r,
                )
                .fill("#4c78a8")
                .attr("fill-opacity", "0.8")
                .tooltip(&tip),
            );
        }
        let total: f64 = cells.values().sum();
        svg.add(
            Text::new(
                10.0,
                height - 12.0,
                &format!(
                    "total {}; largest cell {}",
                    count(total as usize),
                    short_number(max)
                ),
            )
            .size(10.0)
            .fill("#666666"),
        );
        View::new(ViewKind::Matrix, svg, serde_json::json!({"zoom": "xy"}))
    }
}

const OTHER: &str = "(other)";

/// Maps cells onto axis positions, adding values outside the kept labels to `other`.
fn fold(
    cells: &HashMap<(String, String), f64>,
    xs: &[String],
    ys: &[String],
) -> HashMap<(usize, usize), f64> {
    let position = |labels: &[String], value: &str| {
        labels
            .iter()
            .position(|l| l == value)
            .or_else(|| labels.iter().position(|l| l == OTHER))
    };
    let mut out = HashMap::new();
    for ((x, y), v) in cells {
        if let (Some(i), Some(j)) = (position(xs, x), position(ys, y)) {
            *out.entry((i, j)).or_insert(0.0) += v;
        }
    }
    out
}
