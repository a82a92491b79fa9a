//! Commands run faster than a person types: bursts of `events` commands inside a window.

use std::time::Duration;

use polars::prelude::*;

use super::columns;
use super::risky::CmdLineError;

/// One burst: positions (in time order) of its first and last commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Burst {
    first: usize,
    last: usize,
}

/// The commands that belong to a burst: `events` or more non-empty commands whose first and
/// last fall less than `window` apart. Overlapping windows merge into one burst.
///
/// Rows are returned in time order (rows with no time or an empty command are ignored) with
/// added columns `burst_id` (u32, from 1), `burst_start`, `burst_end` (UTC datetimes),
/// `burst_size` (u32, commands in the burst) and `burst_seconds` (f64).
///
/// msticpy's `cmd_speed(time=5, events=10)` tests `events + 1` commands in frame order and
/// returns every overlapping window separately; here the rows are sorted by time first, a
/// window holds exactly `events` commands, and each command appears once.
pub fn cmd_speed(
    df: &DataFrame,
    time_column: &str,
    cmd_column: &str,
    events: usize,
    window: Duration,
) -> Result<DataFrame, CmdLineError> {
    if events < 2 {
        return Err(CmdLineError::Argument(format!(
            "cmd_speed needs events >= 2 (got {events}): a burst is several commands close together"
        )));
    }
    let times = columns::times_ms(df, time_column)?;
    let commands = columns::strings(df, cmd_column)?;

    let mut timed: Vec<(i64, usize)> = times
        .iter()
        .zip(&commands)
        .enumerate()
        .filter_map(|(row, (t, c))| match (t, c) {
            (Some(t), Some(c)) if !c.trim().is_empty() => Some((*t, row)),
            _ => None,
        })
        .collect();
    timed.sort_by_key(|(t, _)| *t);

    let window_ms = i64::try_from(window.as_millis()).unwrap_or(i64::MAX);
    let bursts = find_bursts(&timed, events, window_ms);
    burst_frame(df, &timed, &bursts)
}

/// Windows of `events` consecutive times spanning less than `window_ms`, merged when they
/// share a command.
fn find_bursts(timed: &[(i64, usize)], events: usize, window_ms: i64) -> Vec<Burst> {
    let mut bursts: Vec<Burst> = Vec::new();
    for first in 0..timed.len().saturating_sub(events - 1) {
        let last = first + events - 1;
        if timed[last].0 - timed[first].0 >= window_ms {
            continue;
        }
        match bursts.last_mut() {
            Some(open) if first <= open.last => open.last = last,
            _ => bursts.push(Burst { first, last }),
        }
    }
    bursts
}

fn burst_frame(
    df: &DataFrame,
    timed: &[(i64, usize)],
    bursts: &[Burst],
) -> Result<DataFrame, CmdLineError> {
    let mut rows: Vec<IdxSize> = Vec::new();
    let (mut ids, mut starts, mut ends, mut sizes, mut spans) =
        (vec![], vec![], vec![], vec![], vec![]);
    for (i, burst) in bursts.iter().enumerate() {
        let start = timed[burst.first].0;
        let end = timed[burst.last].0;
        for &(_, row) in &timed[burst.first..=burst.last] {
            rows.push(row as IdxSize);
            ids.push(i as u32 + 1);
            starts.push(Some(start));
            ends.push(Some(end));
            sizes.push((burst.last - burst.first + 1) as u32);
            spans.push((end - start) as f64 / 1000.0);
        }
    }

    let picked = df.take(&IdxCa::from_vec("idx".into(), rows))?;
    let added = vec![
        Column::new("burst_id".into(), ids),
        columns::datetime_column("burst_start", starts),
        columns::datetime_column("burst_end", ends),
        Column::new("burst_size".into(), sizes),
        Column::new("burst_seconds".into(), spans),
    ];
    Ok(picked.hstack(&added)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_overlapping_windows() {
        let t: Vec<(i64, usize)> = [0, 100, 200, 300, 10_000, 10_100, 50_000]
            .iter()
            .enumerate()
            .map(|(i, t)| (*t, i))
            .collect();
        let bursts = find_bursts(&t, 2, 1000);
        assert_eq!(
            bursts,
            vec![Burst { first: 0, last: 3 }, Burst { first: 4, last: 5 }]
        );
        assert_eq!(find_bursts(&t, 3, 1000), vec![Burst { first: 0, last: 3 }]);
        assert!(find_bursts(&t[..1], 2, 1000).is_empty());
    }
}
