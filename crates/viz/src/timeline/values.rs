//! A value over time per group (msticpy's `display_timeline_values`).
//!
//! Each group is a coloured series. A series with more points than fit is reduced per pixel
//! column to its minimum, mean and maximum: the band shows the spread, the line the mean, and
//! the points beyond three standard deviations stay as markers with tooltips.

use std::fmt;
use std::str::FromStr;

use polars::prelude::DataFrame;

use super::refs::RefMarks;
use crate::error::VizError;
use crate::frame::{Interner, TextColumn, floats, times_ms};
use crate::palette::{Palette, draw_legend};
use crate::scale::{Area, Linear, nice_ticks};
use crate::svg::{Anchor, Circle, Line, Path, Rect, Svg, Text, number};
use crate::text::{count, short_number, truncate};
use crate::timeaxis::{TimeScale, draw_time_axis, tooltip_time};
use crate::view::{View, ViewKind};

const VIEW: &str = "timeline_values";
/// A series with more points than this is reduced per pixel column.
const MAX_POINTS: usize = 1500;
/// Most points with their own tooltip in the whole chart.
const MAX_MARKED: usize = 3000;

/// How a value series is drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ValueKind {
    /// A line through the points, with a marker per point when there are few.
    #[default]
    Line,
    /// Markers only.
    Scatter,
    /// A vertical bar from zero per point.
    Bar,
}

impl fmt::Display for ValueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ValueKind::Line => "line",
            ValueKind::Scatter => "scatter",
            ValueKind::Bar => "bar",
        })
    }
}

/// The error from parsing an unknown [`ValueKind`] name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown value chart kind `{0}`; expected line, scatter or bar")]
pub struct UnknownValueKind(pub String);

impl FromStr for ValueKind {
    type Err = UnknownValueKind;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "line" => Ok(ValueKind::Line),
            "scatter" | "circle" | "points" => Ok(ValueKind::Scatter),
            "bar" | "vbar" => Ok(ValueKind::Bar),
            _ => Err(UnknownValueKind(s.to_owned())),
        }
    }
}

/// A value over time per group.
///
/// Required: the time column (default `TimeGenerated`) and the value column. Optional: a group
/// column (one coloured series per value), tooltip columns, the kind, reference times.
pub struct TimelineValues<'a> {
    frame: &'a DataFrame,
    time_column: String,
    value_column: Option<String>,
    group_by: Option<String>,
    tooltip_columns: Vec<String>,
    kind: ValueKind,
    refs: RefMarks,
    title: String,
    width: u32,
    height: u32,
}

struct Point {
    t: i64,
    v: f64,
    row: usize,
}

impl<'a> TimelineValues<'a> {
    /// A value chart of `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        TimelineValues {
            frame,
            time_column: "TimeGenerated".to_owned(),
            value_column: None,
            group_by: None,
            tooltip_columns: Vec::new(),
            kind: ValueKind::Line,
            refs: RefMarks::default(),
            title: "Values over time".to_owned(),
            width: 960,
            height: 420,
        }
    }

    /// The column holding times (default `TimeGenerated`).
    pub fn time_column(mut self, name: &str) -> Self {
        self.time_column = name.to_owned();
        self
    }

    /// The column holding the values (required).
    pub fn value_column(mut self, name: &str) -> Self {
        self.value_column = Some(name.to_owned());
        self
    }

    /// One series per distinct value of this column.
    pub fn group_by(mut self, name: &str) -> Self {
        self.group_by = Some(name.to_owned());
        self
    }

    /// Columns shown in a point's tooltip.
    pub fn tooltip_columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.tooltip_columns = names.iter().map(|n| n.as_ref().to_owned()).collect();
        self
    }

    /// Lines, points or bars.
    pub fn kind(mut self, kind: ValueKind) -> Self {
        self.kind = kind;
        self
    }

    /// Marks a reference time with a labelled line.
    pub fn ref_time(mut self, time: chrono::DateTime<chrono::Utc>, label: &str) -> Self {
        self.refs.add(time.timestamp_millis(), label);
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The size in pixels.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width.max(300);
        self.height = height.max(160);
        self
    }

    /// Lays out and draws the chart.
    pub fn build(self) -> Result<View, VizError> {
        let value_column = self
            .value_column
            .as_deref()
            .ok_or(VizError::MissingOption {
                view: VIEW,
                option: "value_column",
                hint: "the column holding the numbers to plot",
            })?;
        let times = times_ms(self.frame, VIEW, &self.time_column)?;
        let values = floats(self.frame, VIEW, value_column)?;
        let mut groups = Interner::default();
        let codes = match &self.group_by {
            Some(name) => groups.intern_column(&TextColumn::read(self.frame, VIEW, name)?),
            None => vec![groups.intern(Some(value_column)); times.len()],
        };
        let tooltips: Vec<(String, TextColumn)> = self
            .tooltip_columns
            .iter()
            .map(|n| Ok((n.clone(), TextColumn::read(self.frame, VIEW, n)?)))
            .collect::<Result<_, VizError>>()?;

        let mut series: Vec<Vec<Point>> = (0..groups.values.len()).map(|_| Vec::new()).collect();
        let mut skipped = 0;
        for (row, (t, v)) in times.iter().zip(&values).enumerate() {
            match (t, v) {
                (Some(t), Some(v)) => series[codes[row] as usize].push(Point { t: *t, v: *v, row }),
                _ => skipped += 1,
            }
        }
        for points in &mut series {
            points.sort_by_key(|p| p.t);
        }
        let palette = Palette::new(&groups.values, &groups.counts);
        self.draw(&series, &groups, &palette, &tooltips, skipped, value_column)
    }

    fn draw(
        &self,
        series: &[Vec<Point>],
        groups: &Interner,
        palette: &Palette,
        tooltips: &[(String, TextColumn)],
        skipped: usize,
        value_column: &str,
    ) -> Result<View, VizError> {
        let width = f64::from(self.width);
        let plot = Area {
            x: 70.0,
            y: 44.0,
            w: width - 70.0 - 180.0,
            h: f64::from(self.height) - 44.0 - 50.0,
        };
        let all = series.iter().flatten();
        let (t0, t1, lo, hi) = all.fold((i64::MAX, i64::MIN, 0f64, 0f64), |(a, b, l, h), p| {
            (a.min(p.t), b.max(p.t), l.min(p.v), h.max(p.v))
        });
        let (t0, t1) = if t0 > t1 { (0, 1000) } else { (t0, t1) };
        let scale = TimeScale::padded(t0, t1, &plot);
        let ticks = nice_ticks(lo, hi, 6);
        let (y_lo, y_hi) = ticks.extent();
        let y = Linear::new(y_lo, y_hi, plot.bottom(), plot.y);

        let mut svg = Svg::new(self.width, self.height);
        svg.title(&self.title);
        svg.add(
            Text::new(width / 2.0, 22.0, &truncate(&self.title, 90))
                .size(15.0)
                .anchor(Anchor::Middle),
        );
        let points: usize = series.iter().map(Vec::len).sum();
        let mut note = format!("{} points of {value_column}", count(points));
        if skipped > 0 {
            note.push_str(&format!(
                "; {} rows without a time or number left out",
                count(skipped)
            ));
        }
        svg.add(Text::new(8.0, 36.0, &note).size(10.0).fill("#666666"));
        svg.add(Rect::new(plot.x, plot.y, plot.w, plot.h).fill("#fbfbfc"));
        for &tick in &ticks.values {
            let ty = y.map(tick);
            svg.add(Line::new(plot.x, ty, plot.right(), ty).stroke("#e4e4e4"));
            svg.add(
                Text::new(plot.x - 6.0, ty + 3.5, &ticks.label(tick))
                    .size(10.0)
                    .anchor(Anchor::End),
            );
        }
        draw_time_axis(&mut svg, &scale, &plot, plot.bottom());

        let mut marked = 0;
        for (code, points) in series.iter().enumerate() {
            let colour = palette.colour(code as u32);
            let ctx = SeriesContext {
                label: groups.value(code as u32),
                colour,
                scale: &scale,
                y: &y,
                plot: &plot,
                tooltips,
                value_column,
            };
            marked += ctx.draw(
                &mut svg,
                points,
                self.kind,
                MAX_MARKED.saturating_sub(marked),
            );
        }
        self.refs.draw(&mut svg, &scale, &plot);
        let heading = self.group_by.as_deref().unwrap_or("series");
        let below = draw_legend(
            &mut svg,
            plot.right() + 16.0,
            plot.y + 6.0,
            heading,
            palette,
        );
        self.refs
            .draw_list(&mut svg, plot.right() + 16.0, below + 14.0);
        let config = serde_json::json!({"zoom": "xy"});
        Ok(View::new(ViewKind::TimelineValues, svg, config))
    }
}

struct SeriesContext<'c> {
    label: &'c str,
    colour: &'c str,
    scale: &'c TimeScale,
    y: &'c Linear,
    plot: &'c Area,
    tooltips: &'c [(String, TextColumn)],
    value_column: &'c str,
}

impl SeriesContext<'_> {
    /// Draws one series; returns how many points got their own marker.
    fn draw(&self, svg: &mut Svg, points: &[Point], kind: ValueKind, budget: usize) -> usize {
        if points.len() > MAX_POINTS {
            return self.draw_reduced(svg, points, budget);
        }
        match kind {
            ValueKind::Line => {
                self.draw_line(svg, points.iter().map(|p| (p.t, p.v)));
                if points.len() <= 500 {
                    self.draw_points(svg, points.iter().take(budget), 2.5)
                } else {
                    0
                }
            }
            ValueKind::Scatter => self.draw_points(svg, points.iter().take(budget), 3.0),
            ValueKind::Bar => {
                let zero = self.y.map(0.0);
                for p in points {
                    let x = self.scale.map(p.t);
                    let top = self.y.map(p.v);
                    svg.add(
                        Rect::new(x - 1.5, top.min(zero), 3.0, (zero - top).abs())
                            .fill(self.colour)
                            .tooltip(&self.tooltip(p)),
                    );
                }
                points.len()
            }
        }
    }

    fn draw_line(&self, svg: &mut Svg, points: impl Iterator<Item = (i64, f64)>) {
        let mut d = String::new();
        for (i, (t, v)) in points.enumerate() {
            d.push(if i == 0 { 'M' } else { 'L' });
            d.push_str(&format!(
                "{} {}",
                number(self.scale.map(t)),
                number(self.y.map(v))
            ));
        }
        if !d.is_empty() {
            svg.add(Path::new(d).stroke(self.colour).stroke_width(1.5));
        }
    }

    fn draw_points<'p>(
        &self,
        svg: &mut Svg,
        points: impl Iterator<Item = &'p Point>,
        r: f64,
    ) -> usize {
        let mut drawn = 0;
        for p in points {
            svg.add(
                Circle::new(self.scale.map(p.t), self.y.map(p.v), r)
                    .fill(self.colour)
                    .tooltip(&self.tooltip(p)),
            );
            drawn += 1;
        }
        drawn
    }

    /// Min–max band and mean line per 2-pixel column, plus the outliers as markers.
    fn draw_reduced(&self, svg: &mut Svg, points: &[Point], budget: usize) -> usize {
        let columns = (self.plot.w / 2.0).ceil().max(1.0) as usize;
        let mut bins: Vec<(i64, f64, f64, f64, usize)> = Vec::new();
        let mut current = usize::MAX;
        for p in points {
            let bin =
                (((self.scale.map(p.t) - self.plot.x) / 2.0).max(0.0) as usize).min(columns - 1);
            if bin != current {
                bins.push((p.t, p.v, p.v, 0.0, 0));
                current = bin;
            }
            if let Some(b) = bins.last_mut() {
                b.1 = b.1.min(p.v);
                b.2 = b.2.max(p.v);
                b.3 += p.v;
                b.4 += 1;
            }
        }
        let mut band = String::new();
        for (i, b) in bins.iter().enumerate() {
            band.push(if i == 0 { 'M' } else { 'L' });
            band.push_str(&format!(
                "{} {}",
                number(self.scale.map(b.0)),
                number(self.y.map(b.2))
            ));
        }
        for b in bins.iter().rev() {
            band.push_str(&format!(
                "L{} {}",
                number(self.scale.map(b.0)),
                number(self.y.map(b.1))
            ));
        }
        band.push('Z');
        let tip = format!(
            "{}: {} points, drawn as min–max band and mean",
            self.label,
            count(points.len())
        );
        svg.add(
            Path::new(band)
                .fill(self.colour)
                .stroke("none")
                .attr("fill-opacity", "0.25")
                .tooltip(&tip),
        );
        self.draw_line(svg, bins.iter().map(|b| (b.0, b.3 / b.4.max(1) as f64)));

        let n = points.len() as f64;
        let mean = points.iter().map(|p| p.v).sum::<f64>() / n;
        let sd = (points.iter().map(|p| (p.v - mean).powi(2)).sum::<f64>() / n).sqrt();
        let outliers = points
            .iter()
            .filter(|p| (p.v - mean).abs() > 3.0 * sd && sd > 0.0);
        self.draw_points(svg, outliers.take(budget.min(500)), 3.0)
    }

    fn tooltip(&self, p: &Point) -> String {
        let mut tip = format!(
            "{}\n{}\n{}: {}",
            tooltip_time(p.t),
            self.label,
            self.value_column,
            short_number(p.v)
        );
        for (name, column) in self.tooltips {
            tip.push_str(&format!(
                "\n{name}: {}",
                truncate(column.get(p.row).unwrap_or(""), 300)
            ));
        }
        tip
    }
}
