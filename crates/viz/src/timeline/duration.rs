//! First-to-last bars per group (msticpy's `display_timeline_duration`).
//!
//! One row per distinct combination of the group columns, with a bar from the group's first
//! time to its last (or to its latest end time when an end column is given) and the number of
//! events; the busiest groups are kept when there are more than fit.

use std::collections::HashMap;

use polars::prelude::DataFrame;

use super::refs::RefMarks;
use crate::error::VizError;
use crate::frame::{TextColumn, times_ms};
use crate::palette::COLOURS;
use crate::scale::Area;
use crate::svg::{Anchor, Group, Line, Rect, Svg, Text};
use crate::text::{count, truncate};
use crate::timeaxis::{TimeScale, draw_time_axis, duration, tooltip_time};
use crate::view::{View, ViewKind};

const VIEW: &str = "timeline_duration";
const MAX_ROWS: usize = 60;
const ROW: f64 = 22.0;
const LABEL_SPACE: f64 = 200.0;

/// First-to-last bars per group.
///
/// Required: the group columns. Optional: the time column (default `TimeGenerated`), an end
/// time column, reference times, title and width.
pub struct TimelineDuration<'a> {
    frame: &'a DataFrame,
    time_column: String,
    end_time_column: Option<String>,
    group_by: Vec<String>,
    refs: RefMarks,
    title: String,
    width: u32,
}

struct Span {
    label: String,
    first: i64,
    last: i64,
    events: usize,
}

impl<'a> TimelineDuration<'a> {
    /// A duration chart of `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        TimelineDuration {
            frame,
            time_column: "TimeGenerated".to_owned(),
            end_time_column: None,
            group_by: Vec::new(),
            refs: RefMarks::default(),
            title: "Activity duration".to_owned(),
            width: 960,
        }
    }

    /// The column holding event (start) times (default `TimeGenerated`).
    pub fn time_column(mut self, name: &str) -> Self {
        self.time_column = name.to_owned();
        self
    }

    /// A column holding end times; without it a bar ends at its group's last event.
    pub fn end_time_column(mut self, name: &str) -> Self {
        self.end_time_column = Some(name.to_owned());
        self
    }

    /// The columns whose value combinations make the rows (required).
    pub fn group_by<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.group_by = names.iter().map(|n| n.as_ref().to_owned()).collect();
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

    /// The width in pixels; the height follows from the number of rows.
    pub fn width(mut self, width: u32) -> Self {
        self.width = width.max(400);
        self
    }

    /// Lays out and draws the chart.
    pub fn build(self) -> Result<View, VizError> {
        if self.group_by.is_empty() {
            return Err(VizError::MissingOption {
                view: VIEW,
                option: "group_by",
                hint: "the columns whose values make one bar each, such as [\"Account\"]",
            });
        }
        let (spans, total) = self.spans()?;
        self.draw(spans, total)
    }

    fn spans(&self) -> Result<(Vec<Span>, usize), VizError> {
        let starts = times_ms(self.frame, VIEW, &self.time_column)?;
        let ends = match &self.end_time_column {
            Some(name) => Some(times_ms(self.frame, VIEW, name)?),
            None => None,
        };
        let groups: Vec<TextColumn> = self
            .group_by
            .iter()
            .map(|name| TextColumn::read(self.frame, VIEW, name))
            .collect::<Result<_, _>>()?;

        let mut by_label: HashMap<String, Span> = HashMap::new();
        for (row, start) in starts.iter().enumerate() {
            let Some(start) = *start else { continue };
            let end = ends
                .as_ref()
                .and_then(|e| e[row])
                .unwrap_or(start)
                .max(start);
            let label = groups
                .iter()
                .map(|g| g.get(row).unwrap_or("(none)"))
                .collect::<Vec<_>>()
                .join(" · ");
            let span = by_label.entry(label.clone()).or_insert(Span {
                label,
                first: start,
                last: end,
                events: 0,
            });
            span.first = span.first.min(start);
            span.last = span.last.max(end);
            span.events += 1;
        }
        let total = by_label.len();
        let mut spans: Vec<Span> = by_label.into_values().collect();
        spans.sort_by(|a, b| b.events.cmp(&a.events).then(a.label.cmp(&b.label)));
        spans.truncate(MAX_ROWS);
        spans.sort_by(|a, b| a.first.cmp(&b.first).then(a.label.cmp(&b.label)));
        Ok((spans, total))
    }

    fn draw(&self, spans: Vec<Span>, total: usize) -> Result<View, VizError> {
        let width = f64::from(self.width);
        let rows = spans.len().max(1) as f64;
        let plot = Area {
            x: LABEL_SPACE,
            y: 44.0,
            w: width - LABEL_SPACE - 30.0,
            h: rows * ROW,
        };
        let height = plot.bottom() + 48.0;
        let (t0, t1) = spans
            .iter()
            .map(|s| (s.first, s.last))
            .chain(self.refs.times().map(|t| (t, t)))
            .fold((i64::MAX, i64::MIN), |(a, b), (f, l)| (a.min(f), b.max(l)));
        let (t0, t1) = if t0 > t1 { (0, 1000) } else { (t0, t1) };
        let scale = TimeScale::padded(t0, t1, &plot);

        let mut svg = Svg::new(self.width, height as u32);
        svg.title(&self.title);
        svg.add(
            Text::new(width / 2.0, 22.0, &truncate(&self.title, 90))
                .size(15.0)
                .anchor(Anchor::Middle),
        );
        let mut note = format!("{} groups by {}", count(total), self.group_by.join(", "));
        if total > spans.len() {
            note.push_str(&format!("; the {} with most events shown", spans.len()));
        }
        if spans.is_empty() {
            note = "no data".to_owned();
        }
        svg.add(Text::new(8.0, 36.0, &note).size(10.0).fill("#666666"));
        for (i, span) in spans.iter().enumerate() {
            let top = plot.y + i as f64 * ROW;
            if i % 2 == 1 {
                svg.add(Rect::new(plot.x, top, plot.w, ROW).fill("#f4f6f8"));
            }
            svg.add(
                Text::new(
                    plot.x - 6.0,
                    top + ROW / 2.0 + 4.0,
                    &truncate(&span.label, 30),
                )
                .size(11.0)
                .anchor(Anchor::End)
                .tooltip(&span.label),
            );
        }
        draw_time_axis(&mut svg, &scale, &plot, plot.bottom());
        let clip = format!(
            "hb-clip-d{:x}",
            crate::text::fnv1a(format!("{}{t0}{t1}{total}", self.title).as_bytes()) & 0xffff_ffff
        );
        svg.push_markup(&format!(
            "<clipPath id=\"{clip}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n",
            plot.x, plot.y, plot.w, plot.h
        ));
        svg.open(Group::new().attr("clip-path", format!("url(#{clip})")));
        svg.open(Group::new().attr("class", "hb-zoomx"));
        for (i, span) in spans.iter().enumerate() {
            let top = plot.y + i as f64 * ROW;
            let (x0, x1) = (scale.map(span.first), scale.map(span.last));
            let tip = format!(
                "{}\n{} events\nfirst {}\nlast {}\nspan {}",
                span.label,
                count(span.events),
                tooltip_time(span.first),
                tooltip_time(span.last),
                duration(span.last - span.first)
            );
            let colour = COLOURS[i % COLOURS.len()];
            svg.add(
                Rect::new(x0, top + 5.0, x1 - x0, ROW - 10.0)
                    .fill(colour)
                    .tooltip(&tip),
            );
            // Ends as non-scaling ticks so a zero-length span stays visible.
            for x in [x0, x1] {
                svg.add(
                    Line::new(x, top + 4.0, x, top + ROW - 4.0)
                        .stroke(colour)
                        .stroke_width(3.0)
                        .attr("vector-effect", "non-scaling-stroke")
                        .tooltip(&tip),
                );
            }
        }
        self.refs.draw(&mut svg, &scale, &plot);
        svg.close().close();
        let config = serde_json::json!({
            "zoom": "x",
            "plot": plot.to_json(),
            "t0": scale.t0,
            "t1": scale.t1,
            "axis_y": plot.bottom(),
        });
        Ok(View::new(ViewKind::TimelineDuration, svg, config))
    }
}
