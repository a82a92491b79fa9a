//! Timelines: events on rows over time, a value over time, and first-to-last bars.
//!
//! - [`Timeline`]: one marker per event on a row per group (or per series), coloured by a
//!   column, with reference lines and an overview strip to pick a time window. Busy rows turn
//!   into density bins; rare groups and rare events stay visible (see [`draw`]).
//! - [`TimelineValues`]: a value per group over time, as lines, points or bars.
//! - [`TimelineDuration`]: one bar per group from its first to its last event.

mod draw;
mod duration;
mod refs;
mod rows;
mod values;

pub use duration::TimelineDuration;
use refs::RefMarks;
pub use values::{TimelineValues, UnknownValueKind, ValueKind};

use polars::prelude::DataFrame;

use self::draw::{DensityStyle, density_runs, draw_runs, marker, plan_markers, rare_events};
use self::rows::{Event, Row, RowSpec, Rows, Series, build_rows, cap_rows};
use crate::error::VizError;
use crate::frame::TextColumn;
use crate::palette::{Palette, draw_legend};
use crate::scale::Area;
use crate::svg::{Anchor, Group, Rect, Svg, Text};
use crate::text::{count, fnv1a, truncate};
use crate::timeaxis::{TimeScale, draw_time_axis, tooltip_time};
use crate::view::{View, ViewKind};

const VIEW: &str = "timeline";
const LABEL_SPACE: f64 = 160.0;
const LEGEND_SPACE: f64 = 170.0;
const TOP: f64 = 40.0;
const AXIS_SPACE: f64 = 40.0;
const OVERVIEW: f64 = 30.0;
const MAX_TOOLTIP_VALUE: usize = 300;

/// How much a timeline draws before it aggregates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TimelineLimits {
    /// Most events drawn as individual markers in the whole chart.
    pub max_markers: usize,
    /// A row with more events than this is drawn as density bins.
    pub max_markers_per_row: usize,
    /// Most rows; beyond this the busiest and rarest groups are kept and the rest merged.
    pub max_rows: usize,
    /// Width of a density bin in pixels.
    pub bin_px: f64,
    /// On a busy row, events of a colour category with at most this many events are still
    /// drawn one by one.
    pub rare_events: usize,
}

impl Default for TimelineLimits {
    fn default() -> Self {
        TimelineLimits {
            max_markers: 4000,
            max_markers_per_row: 800,
            max_rows: 40,
            bin_px: 2.0,
            rare_events: 10,
        }
    }
}

impl TimelineLimits {
    /// Sets the most individual markers in the chart.
    pub fn with_max_markers(mut self, n: usize) -> Self {
        self.max_markers = n;
        self
    }

    /// Sets the most individual markers on one row.
    pub fn with_max_markers_per_row(mut self, n: usize) -> Self {
        self.max_markers_per_row = n;
        self
    }

    /// Sets the most rows.
    pub fn with_max_rows(mut self, n: usize) -> Self {
        self.max_rows = n;
        self
    }
}

/// Events on rows over time (msticpy's `display_timeline`).
///
/// Required: the time column (default `TimeGenerated`). Optional: a group column (one row per
/// value), a colour column (legend), tooltip columns, more series (`add_series`), reference
/// times and events.
///
/// ```
/// use huntbook_viz::Timeline;
/// use polars::prelude::*;
///
/// let df = df!(
///     "TimeGenerated" => ["2024-01-01T10:00:00Z", "2024-01-01T10:05:00Z"],
///     "Computer" => ["dc01", "<ws2>"],
/// )?;
/// let view = Timeline::new(&df).group_by("Computer").title("logons").build()?;
/// assert!(view.to_svg_string().contains("&lt;ws2&gt;"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Timeline<'a> {
    series: Vec<Series<'a>>,
    time_column: String,
    group_by: Option<String>,
    color_by: Option<String>,
    tooltip_columns: Vec<String>,
    refs: RefMarks,
    title: String,
    width: u32,
    height: Option<u32>,
    limits: TimelineLimits,
}

impl<'a> Timeline<'a> {
    /// A timeline of the events in `frame`.
    pub fn new(frame: &'a DataFrame) -> Self {
        Timeline {
            series: vec![Series {
                name: "events".to_owned(),
                frame,
            }],
            time_column: "TimeGenerated".to_owned(),
            group_by: None,
            color_by: None,
            tooltip_columns: Vec::new(),
            refs: RefMarks::default(),
            title: "Timeline".to_owned(),
            width: 960,
            height: None,
            limits: TimelineLimits::default(),
        }
    }

    /// Names the first series (shown once there are several).
    pub fn series_name(mut self, name: &str) -> Self {
        if let Some(first) = self.series.first_mut() {
            first.name = name.to_owned();
        }
        self
    }

    /// Adds another frame of events as a series of its own rows, with the same column names.
    pub fn add_series(mut self, name: &str, frame: &'a DataFrame) -> Self {
        self.series.push(Series {
            name: name.to_owned(),
            frame,
        });
        self
    }

    /// The column holding event times (default `TimeGenerated`).
    pub fn time_column(mut self, name: &str) -> Self {
        self.time_column = name.to_owned();
        self
    }

    /// One row per distinct value of this column.
    pub fn group_by(mut self, name: &str) -> Self {
        self.group_by = Some(name.to_owned());
        self
    }

    /// Colours events by the value of this column and adds a legend.
    pub fn color_by(mut self, name: &str) -> Self {
        self.color_by = Some(name.to_owned());
        self
    }

    /// Columns whose values the tooltip of an event shows.
    pub fn tooltip_columns<S: AsRef<str>>(mut self, names: &[S]) -> Self {
        self.tooltip_columns = names.iter().map(|n| n.as_ref().to_owned()).collect();
        self
    }

    /// Marks a reference time (such as an alert's) with a labelled line.
    pub fn ref_time(mut self, time: chrono::DateTime<chrono::Utc>, label: &str) -> Self {
        self.refs.add(time.timestamp_millis(), label);
        self
    }

    /// Marks reference events: a line at each row's time in `time_column`, labelled by
    /// `label_column`.
    pub fn ref_events(
        mut self,
        frame: &DataFrame,
        time_column: &str,
        label_column: &str,
    ) -> Result<Self, VizError> {
        self.refs
            .add_frame(frame, VIEW, time_column, label_column)?;
        Ok(self)
    }

    /// The chart title.
    pub fn title(mut self, title: &str) -> Self {
        self.title = title.to_owned();
        self
    }

    /// The size in pixels; without it the height grows with the number of rows.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.width = width.max(300);
        self.height = Some(height.max(120));
        self
    }

    /// How much is drawn before aggregating.
    pub fn limits(mut self, limits: TimelineLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Lays out and draws the timeline.
    pub fn build(self) -> Result<View, VizError> {
        let spec = RowSpec {
            view: VIEW,
            time: &self.time_column,
            group: self.group_by.as_deref(),
            colour: self.color_by.as_deref(),
        };
        let Rows {
            rows,
            colours,
            skipped,
        } = build_rows(&self.series, &spec)?;
        let rows = cap_rows(rows, self.limits.max_rows);
        let tooltips = self.read_tooltip_columns()?;
        let palette = Palette::new(&colours.values, &colours.counts);

        let layout = Layout::new(&self, rows.len());
        let (t0, t1) = time_extent(&rows, &self.refs);
        let scale = TimeScale::padded(t0, t1, &layout.plot);
        let mut svg = Svg::new(self.width, layout.height as u32);
        svg.title(&self.title);
        draw_header(&mut svg, &self.title, &rows, skipped, self.width);

        let clip = clip_id(&self.title, &scale, &rows);
        svg.push_markup(&clip_markup(&clip, &layout.plot));
        draw_row_backgrounds(&mut svg, &rows, &layout);
        draw_time_axis(&mut svg, &scale, &layout.plot, layout.plot.bottom());

        svg.open(Group::new().attr("clip-path", format!("url(#{clip})")));
        svg.open(Group::new().attr("class", "hb-zoomx"));
        let ctx = DrawContext {
            scale: &scale,
            layout: &layout,
            palette: &palette,
            colours: &colours,
            tooltips: &tooltips,
            colour_column: self.color_by.as_deref(),
            limits: &self.limits,
        };
        ctx.draw_rows(&mut svg, &rows);
        self.refs.draw(&mut svg, &scale, &layout.plot);
        svg.close().close();

        draw_overview(&mut svg, &rows, &scale, &layout, &self.refs);
        if self.color_by.is_some() || self.series.len() > 1 {
            let heading = self.color_by.as_deref().unwrap_or("series");
            draw_legend(&mut svg, layout.legend_x, TOP + 8.0, heading, &palette);
        }
        self.refs
            .draw_list(&mut svg, layout.legend_x, layout.refs_y);

        let config = serde_json::json!({
            "zoom": "x",
            "plot": layout.plot.to_json(),
            "t0": scale.t0,
            "t1": scale.t1,
            "axis_y": layout.plot.bottom(),
            "overview": layout.overview.to_json(),
        });
        Ok(View::new(ViewKind::Timeline, svg, config))
    }

    /// The tooltip columns of each series (a series lacking one is an error).
    fn read_tooltip_columns(&self) -> Result<Vec<Vec<(String, TextColumn)>>, VizError> {
        self.series
            .iter()
            .map(|series| {
                self.tooltip_columns
                    .iter()
                    .map(|name| Ok((name.clone(), TextColumn::read(series.frame, VIEW, name)?)))
                    .collect()
            })
            .collect()
    }
}

/// Where the parts of a timeline go.
struct Layout {
    plot: Area,
    row_h: f64,
    overview: Area,
    legend_x: f64,
    refs_y: f64,
    height: f64,
}

impl Layout {
    fn new(timeline: &Timeline<'_>, rows: usize) -> Self {
        let rows_f = rows.max(1) as f64;
        let legend =
            timeline.color_by.is_some() || timeline.series.len() > 1 || !timeline.refs.is_empty();
        let right = if legend { LEGEND_SPACE } else { 20.0 };
        let width = f64::from(timeline.width);
        let fixed = TOP + AXIS_SPACE + OVERVIEW + 16.0;
        let (row_h, height) = match timeline.height {
            Some(h) => {
                let h = f64::from(h);
                (((h - fixed) / rows_f).max(6.0), h.max(fixed + rows_f * 6.0))
            }
            None => {
                let row_h = if rows > 20 { 16.0 } else { 26.0 };
                let height = fixed + rows_f * row_h;
                // Room for the legend and reference list beside the plot.
                (row_h, height.max(260.0))
            }
        };
        let plot_h = row_h * rows_f;
        let plot = Area {
            x: LABEL_SPACE,
            y: TOP,
            w: width - LABEL_SPACE - right,
            h: plot_h,
        };
        let overview = Area {
            x: plot.x,
            y: plot.bottom() + AXIS_SPACE,
            w: plot.w,
            h: OVERVIEW - 8.0,
        };
        Layout {
            plot,
            row_h,
            overview,
            legend_x: width - LEGEND_SPACE + 14.0,
            refs_y: TOP + 8.0 + 14.0 * 12.0 + 12.0,
            height,
        }
    }

    fn row_top(&self, index: usize) -> f64 {
        self.plot.y + index as f64 * self.row_h
    }
}

/// What drawing a row needs.
struct DrawContext<'c> {
    scale: &'c TimeScale,
    layout: &'c Layout,
    palette: &'c Palette,
    colours: &'c crate::frame::Interner,
    tooltips: &'c [Vec<(String, TextColumn)>],
    colour_column: Option<&'c str>,
    limits: &'c TimelineLimits,
}

impl DrawContext<'_> {
    fn draw_rows(&self, svg: &mut Svg, rows: &[Row]) {
        let individual = plan_markers(
            rows,
            self.limits.max_markers,
            self.limits.max_markers_per_row,
        );
        for (index, row) in rows.iter().enumerate() {
            let top = self.layout.row_top(index);
            if individual[index] {
                self.draw_markers(svg, row, &row.events, top);
                continue;
            }
            let names = |code: u32| self.colours.value(code).to_owned();
            let style = DensityStyle {
                top: top + 3.0,
                height: (self.layout.row_h - 6.0).max(2.0),
                bin_px: self.limits.bin_px,
                label: &row.label,
                palette: self.palette,
                colour_names: &names,
            };
            let runs = density_runs(
                &row.events,
                self.scale,
                &self.layout.plot,
                self.limits.bin_px,
            );
            draw_runs(svg, &runs, &self.layout.plot, &style);
            if self.colour_column.is_some() {
                let rare = rare_events(row, self.limits.rare_events, 200);
                self.draw_markers(svg, row, &rare, top);
            }
        }
    }

    fn draw_markers(&self, svg: &mut Svg, row: &Row, events: &[Event], top: f64) {
        let mid = top + self.layout.row_h / 2.0;
        let half = (self.layout.row_h / 2.0 - 7.0).clamp(0.5, 5.0);
        for event in events {
            let tooltip = self.event_tooltip(row, event);
            let colour = self.palette.colour(event.colour);
            marker(svg, self.scale.map(event.t), mid, half, colour, &tooltip);
        }
    }

    fn event_tooltip(&self, row: &Row, event: &Event) -> String {
        let mut tip = format!("{}\n{}", tooltip_time(event.t), row.label);
        if let Some(column) = self.colour_column {
            tip.push_str(&format!("\n{column}: {}", self.colours.value(event.colour)));
        }
        let columns = self.tooltips.get(event.series as usize);
        for (name, values) in columns.into_iter().flatten() {
            let value = values.get(event.row as usize).unwrap_or("");
            tip.push_str(&format!("\n{name}: {}", truncate(value, MAX_TOOLTIP_VALUE)));
        }
        tip
    }
}

fn time_extent(rows: &[Row], refs: &RefMarks) -> (i64, i64) {
    let times = rows
        .iter()
        .filter_map(|r| Some((r.events.first()?.t, r.events.last()?.t)))
        .chain(refs.times().map(|t| (t, t)));
    let (lo, hi) = times.fold((i64::MAX, i64::MIN), |(lo, hi), (a, b)| {
        (lo.min(a), hi.max(b))
    });
    if lo > hi { (0, 1000) } else { (lo, hi) }
}

fn draw_header(svg: &mut Svg, title: &str, rows: &[Row], skipped: usize, width: u32) {
    let shown = truncate(title, 90);
    svg.add(
        Text::new(f64::from(width) / 2.0, 22.0, &shown)
            .size(15.0)
            .anchor(Anchor::Middle),
    );
    let events: usize = rows.iter().map(|r| r.events.len()).sum();
    let mut note = format!("{} events on {} rows", count(events), rows.len());
    if skipped > 0 {
        note.push_str(&format!(
            "; {} without a readable time left out",
            count(skipped)
        ));
    }
    if events == 0 {
        note = "no data".to_owned();
    }
    svg.add(Text::new(8.0, 34.0, &note).size(10.0).fill("#666666"));
}

fn draw_row_backgrounds(svg: &mut Svg, rows: &[Row], layout: &Layout) {
    for (index, row) in rows.iter().enumerate() {
        let top = layout.row_top(index);
        if index % 2 == 1 {
            svg.add(Rect::new(layout.plot.x, top, layout.plot.w, layout.row_h).fill("#f4f6f8"));
        }
        let tip = format!("{}: {} events", row.label, count(row.events.len()));
        let size = (layout.row_h * 0.6).clamp(7.0, 11.0);
        svg.add(
            Text::new(
                layout.plot.x - 6.0,
                top + layout.row_h / 2.0 + size * 0.35,
                &truncate(&row.label, 24),
            )
            .size(size)
            .anchor(Anchor::End)
            .tooltip(&tip),
        );
    }
    let plot = &layout.plot;
    let frame = format!(
        "M{} {}H{}V{}H{}Z",
        plot.x,
        plot.y,
        plot.right(),
        plot.bottom(),
        plot.x
    );
    svg.add(crate::svg::Path::new(frame).stroke("#bbbbbb"));
}

fn draw_overview(svg: &mut Svg, rows: &[Row], scale: &TimeScale, layout: &Layout, refs: &RefMarks) {
    let area = &layout.overview;
    let mut all: Vec<Event> = rows.iter().flat_map(|r| r.events.iter().copied()).collect();
    all.sort_by_key(|e| e.t);
    for event in &mut all {
        event.colour = 0;
    }
    svg.add(Rect::new(area.x, area.y, area.w, area.h).fill("#f4f6f8"));
    svg.add(
        Text::new(area.x - 6.0, area.y + area.h / 2.0 + 4.0, "overview")
            .size(10.0)
            .anchor(Anchor::End)
            .fill("#666666"),
    );
    let names = |_: u32| "all rows".to_owned();
    let grey = Palette::new(&["all".to_owned()], &[all.len()]);
    let style = DensityStyle {
        top: area.y + 2.0,
        height: area.h - 4.0,
        bin_px: 2.0,
        label: "all rows",
        palette: &grey,
        colour_names: &names,
    };
    let exact = exact_scale(scale, area);
    let runs = density_runs(&all, &exact, area, 2.0);
    draw_runs(svg, &runs, area, &style);
    refs.draw(svg, &exact, area);
    svg.add(
        Rect::new(area.x, area.y, area.w, area.h)
            .fill("#1f77b4")
            .attr("fill-opacity", "0.1")
            .attr("stroke", "#1f77b4")
            .attr("class", "hb-brush"),
    );
}

/// The main scale's time range mapped onto another area (no extra padding).
fn exact_scale(scale: &TimeScale, area: &Area) -> TimeScale {
    TimeScale::exact(scale.t0, scale.t1, area)
}

fn clip_id(title: &str, scale: &TimeScale, rows: &[Row]) -> String {
    let key = format!("{title}|{}|{}|{}", scale.t0, scale.t1, rows.len());
    format!("hb-clip-{:012x}", fnv1a(key.as_bytes()) & 0xffff_ffff_ffff)
}

fn clip_markup(id: &str, plot: &Area) -> String {
    format!(
        "<clipPath id=\"{id}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath>\n",
        plot.x, plot.y, plot.w, plot.h
    )
}
