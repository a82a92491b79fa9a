//! Drawing timeline rows: individual markers where there are few events, density bins per
//! pixel column where there are many, and the overview strip.
//!
//! Density bins merge runs of neighbouring columns that have the same shade and colour into
//! one rectangle, so even a million events make a few thousand shapes. Events of a colour
//! category that is rare on its row are drawn as markers on top of the bins, so an outlier is
//! never averaged away.

use std::collections::HashMap;

use super::rows::{Event, Row};
use crate::palette::Palette;
use crate::scale::Area;
use crate::svg::{Line, Rect, Svg};
use crate::text::count;
use crate::timeaxis::{TimeScale, tooltip_time};

/// Shades of a density bin, lightest first.
const OPACITY: [&str; 4] = ["0.22", "0.42", "0.66", "0.92"];

/// Draws one event as a short vertical pill that keeps its width when the time axis zooms.
pub(crate) fn marker(svg: &mut Svg, x: f64, y: f64, half: f64, colour: &str, tooltip: &str) {
    svg.add(
        Line::new(x, y - half, x, y + half)
            .stroke(colour)
            .stroke_width(7.0)
            .attr("stroke-linecap", "round")
            .attr("stroke-opacity", "0.8")
            .attr("vector-effect", "non-scaling-stroke")
            .attr("class", "hb-ev")
            .tooltip(tooltip),
    );
}

/// A run of neighbouring density bins that share shade and colour.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Run {
    pub(crate) first_bin: usize,
    pub(crate) bins: usize,
    pub(crate) level: usize,
    pub(crate) colour: u32,
    pub(crate) events: usize,
    pub(crate) t_first: i64,
    pub(crate) t_last: i64,
}

/// Bins `events` (sorted by time) into columns `bin_px` wide and merges equal neighbours.
pub(crate) fn density_runs(
    events: &[Event],
    scale: &TimeScale,
    area: &Area,
    bin_px: f64,
) -> Vec<Run> {
    let bins = (area.w / bin_px).ceil().max(1.0) as usize;
    let mut per_bin: Vec<(usize, HashMap<u32, usize>, i64, i64)> = Vec::new();
    let mut current: Option<usize> = None;
    for event in events {
        let bin =
            (((scale.map(event.t) - area.x) / bin_px).floor().max(0.0) as usize).min(bins - 1);
        if current != Some(bin) {
            per_bin.push((bin, HashMap::new(), event.t, event.t));
            current = Some(bin);
        }
        if let Some(last) = per_bin.last_mut() {
            *last.1.entry(event.colour).or_insert(0) += 1;
            last.3 = event.t;
        }
    }
    let max = per_bin
        .iter()
        .map(|b| b.1.values().sum::<usize>())
        .max()
        .unwrap_or(1);

    let mut runs: Vec<Run> = Vec::new();
    for (bin, colours, t_first, t_last) in per_bin {
        let events: usize = colours.values().sum();
        let colour = colours
            .iter()
            .max_by_key(|(code, n)| (**n, std::cmp::Reverse(**code)))
            .map_or(0, |(code, _)| *code);
        let level = shade(events, max);
        if let Some(run) = runs.last_mut()
            && run.first_bin + run.bins == bin
            && run.level == level
            && run.colour == colour
        {
            run.bins += 1;
            run.events += events;
            run.t_last = t_last;
            continue;
        }
        runs.push(Run {
            first_bin: bin,
            bins: 1,
            level,
            colour,
            events,
            t_first,
            t_last,
        });
    }
    runs
}

/// The shade (0–3) of a bin of `n` events when the busiest bin has `max`, on a log scale.
fn shade(n: usize, max: usize) -> usize {
    if max <= 1 {
        return OPACITY.len() - 1;
    }
    let ratio = (n as f64).ln_1p() / (max as f64).ln_1p();
    ((ratio * OPACITY.len() as f64).ceil() as usize).clamp(1, OPACITY.len()) - 1
}

/// Draws density runs as rectangles `top..top+height`; `label` names the row in tooltips.
pub(crate) struct DensityStyle<'p> {
    pub(crate) top: f64,
    pub(crate) height: f64,
    pub(crate) bin_px: f64,
    pub(crate) label: &'p str,
    pub(crate) palette: &'p Palette,
    pub(crate) colour_names: &'p dyn Fn(u32) -> String,
}

/// Draws the runs of one row (or of the overview strip).
pub(crate) fn draw_runs(svg: &mut Svg, runs: &[Run], area: &Area, style: &DensityStyle<'_>) {
    for run in runs {
        let x = area.x + run.first_bin as f64 * style.bin_px;
        let tooltip = format!(
            "{}\n{} events\n{} – {}\nmostly {}",
            style.label,
            count(run.events),
            tooltip_time(run.t_first),
            tooltip_time(run.t_last),
            (style.colour_names)(run.colour)
        );
        svg.add(
            Rect::new(x, style.top, run.bins as f64 * style.bin_px, style.height)
                .fill(style.palette.colour(run.colour))
                .attr("fill-opacity", OPACITY[run.level])
                .tooltip(&tooltip),
        );
    }
}

/// The events of a busy row worth drawing one by one: those whose colour category has at most
/// `rare` events on the row, up to `limit` of them.
pub(crate) fn rare_events(row: &Row, rare: usize, limit: usize) -> Vec<Event> {
    let mut per_colour: HashMap<u32, usize> = HashMap::new();
    for event in &row.events {
        *per_colour.entry(event.colour).or_insert(0) += 1;
    }
    row.events
        .iter()
        .filter(|e| per_colour.get(&e.colour).is_some_and(|&n| n <= rare))
        .take(limit)
        .copied()
        .collect()
}

/// Decides which rows are drawn event by event: the smallest rows first, each at most
/// `per_row` events, until `total` markers are used.
pub(crate) fn plan_markers(rows: &[Row], total: usize, per_row: usize) -> Vec<bool> {
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order.sort_by_key(|&i| rows[i].events.len());
    let mut individual = vec![false; rows.len()];
    let mut budget = total;
    for i in order {
        let n = rows[i].events.len();
        if n <= per_row && n <= budget {
            individual[i] = true;
            budget -= n;
        }
    }
    individual
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(times: &[i64]) -> Vec<Event> {
        times
            .iter()
            .enumerate()
            .map(|(i, &t)| Event {
                t,
                colour: 0,
                series: 0,
                row: i as u32,
            })
            .collect()
    }

    #[test]
    fn even_density_merges_into_one_run() {
        let area = Area {
            x: 0.0,
            y: 0.0,
            w: 100.0,
            h: 10.0,
        };
        let times: Vec<i64> = (0..10_000).map(|i| i * 10).collect();
        let scale = TimeScale::padded(0, 99_990, &area);
        let runs = density_runs(&events(&times), &scale, &area, 2.0);
        assert!(runs.len() <= 3, "{} runs", runs.len());
        assert_eq!(runs.iter().map(|r| r.events).sum::<usize>(), 10_000);
    }

    #[test]
    fn shades_use_a_log_scale() {
        assert_eq!(shade(1, 1), 3);
        assert_eq!(shade(1000, 1000), 3);
        assert_eq!(shade(1, 1000), 0);
    }

    #[test]
    fn markers_go_to_small_rows_first() {
        let rows: Vec<Row> = [5usize, 50, 3]
            .iter()
            .map(|&n| Row {
                label: String::new(),
                events: events(&vec![0; n]),
                groups: 1,
            })
            .collect();
        assert_eq!(plan_markers(&rows, 10, 100), vec![true, false, true]);
    }
}
