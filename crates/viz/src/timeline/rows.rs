//! Turning one or several event frames into timeline rows.
//!
//! A row is one (series, group) pair. Each event keeps its time, its colour category and where
//! it came from (series and frame row) so tooltips can be written for the few events drawn
//! individually.

use std::collections::HashMap;

use polars::prelude::DataFrame;

use crate::error::VizError;
use crate::frame::{Interner, TextColumn, times_ms};

/// One event on a row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Event {
    /// UTC milliseconds.
    pub(crate) t: i64,
    /// Colour category code.
    pub(crate) colour: u32,
    /// Index of the series the event came from.
    pub(crate) series: u32,
    /// Row of the event in its series' frame.
    pub(crate) row: u32,
}

/// A row of the timeline.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Row {
    /// The label shown at the left.
    pub(crate) label: String,
    /// The events, sorted by time.
    pub(crate) events: Vec<Event>,
    /// How many groups were merged into this row (1 for an ordinary row).
    pub(crate) groups: usize,
}

/// One frame of events and the name it is shown under.
pub(crate) struct Series<'a> {
    pub(crate) name: String,
    pub(crate) frame: &'a DataFrame,
}

/// The columns the rows are built from.
pub(crate) struct RowSpec<'s> {
    pub(crate) view: &'static str,
    pub(crate) time: &'s str,
    pub(crate) group: Option<&'s str>,
    pub(crate) colour: Option<&'s str>,
}

/// Rows, colours and what was left out.
pub(crate) struct Rows {
    pub(crate) rows: Vec<Row>,
    pub(crate) colours: Interner,
    /// Events without a readable time.
    pub(crate) skipped: usize,
}

/// Builds the rows of all `series`: events grouped by series and group value, rows in
/// alphabetical order, each row sorted by time.
pub(crate) fn build_rows(series: &[Series<'_>], spec: &RowSpec<'_>) -> Result<Rows, VizError> {
    let mut colours = Interner::default();
    let mut keyed: HashMap<(u32, String), Vec<Event>> = HashMap::new();
    let mut skipped = 0;
    let named = series.len() > 1;

    for (index, one) in series.iter().enumerate() {
        let times = times_ms(one.frame, spec.view, spec.time)?;
        let groups = match spec.group {
            Some(name) => Some(TextColumn::read(one.frame, spec.view, name)?),
            None => None,
        };
        let colour_codes = match spec.colour {
            Some(name) => {
                Some(colours.intern_column(&TextColumn::read(one.frame, spec.view, name)?))
            }
            None => None,
        };
        // Without a colour column each series gets its own colour.
        let series_colour = if colour_codes.is_none() {
            colours.intern(Some(&one.name))
        } else {
            0
        };
        let mut group_ids: HashMap<Option<&str>, String> = HashMap::new();
        for (row, time) in times.iter().enumerate() {
            let Some(t) = *time else {
                skipped += 1;
                continue;
            };
            let group = groups.as_ref().and_then(|g| g.get(row));
            let label = group_ids
                .entry(group)
                .or_insert_with(|| row_label(&one.name, group, named, spec.group.is_some()))
                .clone();
            let colour = colour_codes.as_ref().map_or(series_colour, |c| c[row]);
            keyed.entry((index as u32, label)).or_default().push(Event {
                t,
                colour,
                series: index as u32,
                row: row as u32,
            });
        }
    }
    if spec.colour.is_none() {
        // Interning counted one use per series; count events instead.
        recount_series_colours(&mut colours, &keyed);
    }

    let mut rows: Vec<Row> = keyed
        .into_iter()
        .map(|((_, label), mut events)| {
            events.sort_by_key(|e| e.t);
            Row {
                label,
                events,
                groups: 1,
            }
        })
        .collect();
    rows.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(Rows {
        rows,
        colours,
        skipped,
    })
}

fn recount_series_colours(colours: &mut Interner, keyed: &HashMap<(u32, String), Vec<Event>>) {
    for count in &mut colours.counts {
        *count = 0;
    }
    for events in keyed.values() {
        if let Some(first) = events.first() {
            colours.counts[first.colour as usize] += events.len();
        }
    }
}

fn row_label(series: &str, group: Option<&str>, named: bool, grouped: bool) -> String {
    let group = group.unwrap_or("(none)");
    match (named, grouped) {
        (true, true) => format!("{series}: {group}"),
        (true, false) => series.to_owned(),
        (false, true) => group.to_owned(),
        (false, false) => series.to_owned(),
    }
}

/// Keeps at most `max_rows` rows: half of them the busiest, the rest the rarest (rare groups
/// are often the interesting ones), and merges everything else into one last row.
pub(crate) fn cap_rows(rows: Vec<Row>, max_rows: usize) -> Vec<Row> {
    if rows.len() <= max_rows || max_rows < 3 {
        return rows;
    }
    let mut by_count: Vec<usize> = (0..rows.len()).collect();
    by_count.sort_by_key(|&i| (std::cmp::Reverse(rows[i].events.len()), i));
    let busiest = (max_rows - 1) / 2;
    let rarest = max_rows - 1 - busiest;
    let mut keep = vec![false; rows.len()];
    for &i in by_count
        .iter()
        .take(busiest)
        .chain(by_count.iter().rev().take(rarest))
    {
        keep[i] = true;
    }

    let mut kept = Vec::with_capacity(max_rows);
    let mut rest = Row {
        label: String::new(),
        events: Vec::new(),
        groups: 0,
    };
    for (row, keep) in rows.into_iter().zip(keep) {
        if keep {
            kept.push(row);
        } else {
            rest.groups += row.groups;
            rest.events.extend(row.events);
        }
    }
    rest.events.sort_by_key(|e| e.t);
    rest.label = format!("{} other groups", rest.groups);
    kept.push(rest);
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(label: &str, n: usize) -> Row {
        Row {
            label: label.to_owned(),
            events: (0..n)
                .map(|i| Event {
                    t: i as i64,
                    colour: 0,
                    series: 0,
                    row: i as u32,
                })
                .collect(),
            groups: 1,
        }
    }

    #[test]
    fn capping_keeps_busiest_and_rarest() {
        let rows: Vec<Row> = (1..=10).map(|n| row(&format!("r{n:02}"), n * 10)).collect();
        let kept = cap_rows(rows, 5);
        let labels: Vec<&str> = kept.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels, vec!["r01", "r02", "r09", "r10", "6 other groups"]);
        assert_eq!(kept[4].events.len(), (3..=8).map(|n| n * 10).sum::<usize>());
    }
}
