//! Reference times: labelled vertical lines (an alert's time, a logon of interest).

use polars::prelude::DataFrame;

use crate::error::VizError;
use crate::frame::{TextColumn, times_ms};
use crate::scale::Area;
use crate::svg::{Line, Svg, Text};
use crate::text::truncate;
use crate::timeaxis::{TimeScale, tooltip_time};

const COLOUR: &str = "#d62728";
/// More reference lines than this would hide the events.
const MAX_MARKS: usize = 50;

/// The reference times of a chart and their labels.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RefMarks {
    marks: Vec<(i64, String)>,
}

impl RefMarks {
    /// Adds one reference time (UTC milliseconds).
    pub(crate) fn add(&mut self, t: i64, label: &str) {
        self.marks.push((t, label.to_owned()));
    }

    /// Adds a reference per row of `frame` that has a readable time.
    pub(crate) fn add_frame(
        &mut self,
        frame: &DataFrame,
        view: &'static str,
        time_column: &str,
        label_column: &str,
    ) -> Result<(), VizError> {
        let times = times_ms(frame, view, time_column)?;
        let labels = TextColumn::read(frame, view, label_column)?;
        for (row, time) in times.into_iter().enumerate() {
            if let Some(t) = time {
                self.add(t, labels.get(row).unwrap_or("(none)"));
            }
        }
        Ok(())
    }

    /// Whether there are no reference times.
    pub(crate) fn is_empty(&self) -> bool {
        self.marks.is_empty()
    }

    /// The reference times.
    pub(crate) fn times(&self) -> impl Iterator<Item = i64> + '_ {
        self.marks.iter().take(MAX_MARKS).map(|(t, _)| *t)
    }

    /// Draws a dashed line across `area` per reference time.
    pub(crate) fn draw(&self, svg: &mut Svg, scale: &TimeScale, area: &Area) {
        for (t, label) in self.marks.iter().take(MAX_MARKS) {
            let x = scale.map(*t);
            let tip = format!("{label}\n{}", tooltip_time(*t));
            svg.add(
                Line::new(x, area.y, x, area.bottom())
                    .stroke(COLOUR)
                    .stroke_width(1.5)
                    .attr("stroke-dasharray", "5 3")
                    .attr("vector-effect", "non-scaling-stroke")
                    .tooltip(&tip),
            );
        }
    }

    /// Lists the references with their times, starting at `x`, `y`.
    pub(crate) fn draw_list(&self, svg: &mut Svg, x: f64, y: f64) {
        if self.marks.is_empty() {
            return;
        }
        svg.add(
            Text::new(x, y, "reference times")
                .size(11.0)
                .fill("#444444"),
        );
        for (i, (t, label)) in self.marks.iter().take(8).enumerate() {
            let row_y = y + 14.0 + i as f64 * 24.0;
            let tip = format!("{label}\n{}", tooltip_time(*t));
            svg.add(
                Line::new(x, row_y - 8.0, x, row_y + 10.0)
                    .stroke(COLOUR)
                    .stroke_width(1.5)
                    .attr("stroke-dasharray", "5 3"),
            );
            svg.add(
                Text::new(x + 6.0, row_y, &truncate(label, 22))
                    .size(10.0)
                    .tooltip(&tip),
            );
            svg.add(
                Text::new(x + 6.0, row_y + 11.0, &tooltip_time(*t))
                    .size(9.0)
                    .fill("#666666"),
            );
        }
    }
}
