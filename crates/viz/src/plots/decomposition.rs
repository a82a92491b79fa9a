//! A time-series decomposition with anomalies marked (msticpy's
//! `display_timeseries_anomalies`, plus the trend, seasonal and residual panels).
//!
//! Takes the output of the STL decomposition: the time and value columns and, where present,
//! `baseline`, `trend`, `seasonal`, `residual`, `score` and `anomalies` (non-zero = anomaly).
//! Each present component gets a panel sharing the time axis. Long series are reduced to the
//! first, lowest, highest and last point of each pixel column, so spikes survive.

use polars::prelude::DataFrame;

use crate::error::VizError;
use crate::frame::{floats, times_ms};
use crate::scale::{Area, Linear, nice_ticks};
use crate::svg::{Anchor, Circle, Line, Path, Rect, Svg, Text, number};
use crate::text::{count, short_number, truncate};
use crate::timeaxis::{TimeScale, draw_time_axis, tooltip_time};
use crate::view::{View, ViewKind};

const VIEW: &str = "decomposition";
const TOP: f64 = 64.0;
const PANEL: f64 = 120.0;
const MAIN_PANEL: f64 = 200.0;
const GAP: f64 = 26.0;
const MAX_ANOMALIES: usize = 2000;

/// A decomposition chart.
///
/// Required: the time column (default `TimeGenerated`) and the value column (default
/// `Total`). The component columns default to `baseline`, `trend`, `seasonal`, `residual`,
/// `score` and `anomalies` and are drawn when present.
pub struct Decomposition<'a> {
    frame: &'a DataFrame,
    time_column: String,
    value_column: String,
    anomalies_column: String,
    title: String,
    width: u32,
}

/// One anomalous row: its time, value, score and flag (positive or negative).
struct Anomaly {
    t: i64,
    value: f64,
    score: Option<f64>,
    flag: f64,
}

struct Series {
    name: String,
    points: Vec<(i64, f64)>,
}

impl<'a> Decomposition<'a> {
    /// A decomposition chart of `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        Decomposition {
            frame,
            time_column: "TimeGenerated".to_owned(),
            value_column: "Total".to_owned(),
            anomalies_column: "anomalies".to_owned(),
            title: "Time series decomposition".to_owned(),
            width: 960,
        }
    }

    /// The time column (default `TimeGenerated`).
    pub fn time_column(mut self, name: &str) -> Self {
        self.time_column = name.to_owned();
        self
    }

    /// The observed value column (default `Total`).
    pub fn value_column(mut self, name: &str) -> Self {
        self.value_column = name.to_owned();
        self
    }

    /// The anomaly flag column (default `anomalies`).
    pub fn anomalies_column(mut self, name: &str) -> Self {
        self.anomalies_column = name.to_owned();
        self
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The width in pixels.
    pub fn width(mut self, width: u32) -> Self {
        self.width = width.max(400);
        self
    }

    /// Draws the chart.
    pub fn build(self) -> Result<View, VizError> {
        let times = times_ms(self.frame, VIEW, &self.time_column)?;
        let series_of = |name: &str| -> Result<Option<Series>, VizError> {
            if self.frame.column(name).is_err() {
                return Ok(None);
            }
            let values = floats(self.frame, VIEW, name)?;
            let mut points: Vec<(i64, f64)> = times
                .iter()
                .zip(values)
                .filter_map(|(t, v)| Some(((*t)?, v?)))
                .collect();
            points.sort_by_key(|p| p.0);
            Ok(Some(Series {
                name: name.to_owned(),
                points,
            }))
        };
        let observed = series_of(&self.value_column)?.ok_or_else(|| VizError::MissingColumn {
            view: VIEW,
            column: self.value_column.clone(),
            available: self
                .frame
                .get_column_names()
                .iter()
                .map(|n| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })?;
        let baseline = series_of("baseline")?;
        let panels: Vec<Series> = ["trend", "seasonal", "residual"]
            .iter()
            .map(|n| series_of(n))
            .collect::<Result<Vec<_>, _>>()?
            .into_iter()
            .flatten()
            .collect();
        let anomalies = self.anomalies(&times)?;
        self.draw(&observed, baseline.as_ref(), &panels, &anomalies)
    }

    /// (time, value, score) of each anomalous row.
    fn anomalies(&self, times: &[Option<i64>]) -> Result<Vec<Anomaly>, VizError> {
        if self.frame.column(&self.anomalies_column).is_err() {
            return Ok(Vec::new());
        }
        let flags = floats(self.frame, VIEW, &self.anomalies_column)?;
        let values = floats(self.frame, VIEW, &self.value_column)?;
        let scores = match self.frame.column("score") {
            Ok(_) => floats(self.frame, VIEW, "score")?,
            Err(_) => vec![None; times.len()],
        };
        Ok((0..times.len())
            .filter_map(|i| {
                let flag = flags[i].filter(|f| *f != 0.0)?;
                Some(Anomaly {
                    t: times[i]?,
                    value: values[i]?,
                    score: scores[i],
                    flag,
                })
            })
            .collect())
    }

    fn draw(
        &self,
        observed: &Series,
        baseline: Option<&Series>,
        panels: &[Series],
        anomalies: &[Anomaly],
    ) -> Result<View, VizError> {
        let width = f64::from(self.width);
        let height = TOP + MAIN_PANEL + panels.len() as f64 * (PANEL + GAP) + 50.0;
        let (t0, t1) = observed
            .points
            .iter()
            .fold((i64::MAX, i64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
        let (t0, t1) = if t0 > t1 { (0, 1000) } else { (t0, t1) };
        let mut svg = Svg::new(self.width, height as u32);
        svg.title(&self.title);
        svg.add(
            Text::new(width / 2.0, 22.0, &truncate(&self.title, 90))
                .size(15.0)
                .anchor(Anchor::Middle),
        );
        let note = format!(
            "{} points, {} anomalies",
            count(observed.points.len()),
            count(anomalies.len())
        );
        svg.add(Text::new(8.0, 38.0, &note).size(10.0).fill("#666666"));

        let mut top = TOP;
        let main = Area {
            x: 80.0,
            y: top,
            w: width - 80.0 - 150.0,
            h: MAIN_PANEL,
        };
        let scale = TimeScale::padded(t0, t1, &main);
        let mut all = vec![observed];
        all.extend(baseline);
        let y = panel_frame(&mut svg, &main, &all, &self.value_column);
        draw_series(&mut svg, observed, &scale, &y, "#4c78a8", None);
        if let Some(b) = baseline {
            draw_series(&mut svg, b, &scale, &y, "#f58518", Some("5 3"));
        }
        for anomaly in anomalies.iter().take(MAX_ANOMALIES) {
            let (t, v, score, flag) = (anomaly.t, anomaly.value, anomaly.score, anomaly.flag);
            let mut tip = format!(
                "anomaly\n{}\n{}: {}",
                tooltip_time(t),
                self.value_column,
                short_number(v)
            );
            if let Some(s) = score {
                tip.push_str(&format!("\nscore: {}", short_number(s)));
            }
            let colour = if flag > 0.0 { "#d62728" } else { "#9467bd" };
            svg.add(
                Circle::new(scale.map(t), y.map(v), 5.0)
                    .fill("none")
                    .attr("stroke", colour)
                    .attr("stroke-width", "2")
                    .tooltip(&tip),
            );
        }
        legend(
            &mut svg,
            main.right() + 14.0,
            main.y + 10.0,
            &self.value_column,
            baseline.is_some(),
            !anomalies.is_empty(),
        );
        top += MAIN_PANEL + GAP;
        for panel in panels {
            let area = Area {
                x: main.x,
                y: top,
                w: main.w,
                h: PANEL,
            };
            let y = panel_frame(&mut svg, &area, &[panel], &panel.name);
            draw_series(&mut svg, panel, &scale, &y, "#54a24b", None);
            top += PANEL + GAP;
        }
        let axis_area = Area {
            x: main.x,
            y: TOP,
            w: main.w,
            h: top - GAP - TOP,
        };
        draw_time_axis(&mut svg, &scale, &axis_area, top - GAP);
        Ok(View::new(
            ViewKind::Decomposition,
            svg,
            serde_json::json!({"zoom": "xy"}),
        ))
    }
}

/// Background, y ticks and label of one panel; returns its y scale.
fn panel_frame(svg: &mut Svg, area: &Area, series: &[&Series], label: &str) -> Linear {
    let (lo, hi) = series
        .iter()
        .flat_map(|s| s.points.iter())
        .fold((f64::MAX, f64::MIN), |(lo, hi), p| {
            (lo.min(p.1), hi.max(p.1))
        });
    let (lo, hi) = if lo > hi { (0.0, 1.0) } else { (lo, hi) };
    let ticks = nice_ticks(lo, hi, 4);
    let (y_lo, y_hi) = ticks.extent();
    let y = Linear::new(y_lo, y_hi, area.bottom(), area.y);
    svg.add(Rect::new(area.x, area.y, area.w, area.h).fill("#fbfbfc"));
    for &tick in &ticks.values {
        let ty = y.map(tick);
        svg.add(Line::new(area.x, ty, area.right(), ty).stroke("#e4e4e4"));
        svg.add(
            Text::new(area.x - 6.0, ty + 3.5, &ticks.label(tick))
                .size(10.0)
                .anchor(Anchor::End),
        );
    }
    svg.add(
        Text::new(area.x, area.y - 5.0, label)
            .size(11.0)
            .fill("#444444"),
    );
    y
}

fn draw_series(
    svg: &mut Svg,
    series: &Series,
    scale: &TimeScale,
    y: &Linear,
    colour: &str,
    dash: Option<&str>,
) {
    let points: Vec<(f64, f64)> = series
        .points
        .iter()
        .map(|&(t, v)| (scale.map(t), y.map(v)))
        .collect();
    let d = reduced_path(&points);
    if d.is_empty() {
        return;
    }
    let mut path = Path::new(d).stroke(colour).stroke_width(1.3);
    if let Some(dash) = dash {
        path = path.attr("stroke-dasharray", dash);
    }
    svg.add(path.tooltip(&format!(
        "{} ({} points)",
        series.name,
        count(series.points.len())
    )));
}

/// Path data through `points` keeping, per whole pixel column, the first, lowest, highest and
/// last point.
pub(crate) fn reduced_path(points: &[(f64, f64)]) -> String {
    let mut d = String::new();
    let mut i = 0;
    while i < points.len() {
        let column = points[i].0.floor();
        let mut j = i;
        while j < points.len() && points[j].0.floor() == column {
            j += 1;
        }
        let group = &points[i..j];
        let mut keep: Vec<usize> = vec![0, group.len() - 1];
        let bottom = (0..group.len()).max_by(|&a, &b| group[a].1.total_cmp(&group[b].1));
        let top = (0..group.len()).min_by(|&a, &b| group[a].1.total_cmp(&group[b].1));
        keep.extend(bottom);
        keep.extend(top);
        keep.sort_unstable();
        keep.dedup();
        for k in keep {
            let (x, y) = group[k];
            d.push(if d.is_empty() { 'M' } else { 'L' });
            d.push_str(&format!("{} {}", number(x), number(y)));
        }
        i = j;
    }
    d
}

fn legend(svg: &mut Svg, x: f64, y: f64, value: &str, baseline: bool, anomalies: bool) {
    svg.add(
        Line::new(x, y, x + 18.0, y)
            .stroke("#4c78a8")
            .stroke_width(2.0),
    );
    svg.add(Text::new(x + 24.0, y + 4.0, value).size(10.0));
    let mut y = y + 16.0;
    if baseline {
        svg.add(
            Line::new(x, y, x + 18.0, y)
                .stroke("#f58518")
                .stroke_width(2.0)
                .attr("stroke-dasharray", "5 3"),
        );
        svg.add(Text::new(x + 24.0, y + 4.0, "baseline").size(10.0));
        y += 16.0;
    }
    if anomalies {
        svg.add(
            Circle::new(x + 9.0, y, 5.0)
                .fill("none")
                .attr("stroke", "#d62728")
                .attr("stroke-width", "2"),
        );
        svg.add(Text::new(x + 24.0, y + 4.0, "anomaly").size(10.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reduction_keeps_spikes() {
        let mut points: Vec<(f64, f64)> = (0..1000).map(|i| (i as f64 / 100.0, 50.0)).collect();
        points[555].1 = 0.0;
        let d = reduced_path(&points);
        assert!(d.matches('L').count() < 40);
        assert!(d.contains(" 0L") || d.ends_with(" 0"));
    }
}
