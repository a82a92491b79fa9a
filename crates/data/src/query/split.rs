//! Splitting a query's time range into chunks that run concurrently.
//!
//! A long `start`..`end` range is cut into `chunk`-sized pieces; each piece runs as its own
//! query on a worker thread (at most [`QueryProvider::with_max_workers`] at once) and the
//! frames are stacked in time order. A chunk that fails is reported with its range and the
//! other chunks' rows are kept.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{DateTime, Duration, Utc};
use polars::prelude::DataFrame;

use super::frames;
use super::params::{ParamType, ParamValue, Params};
use super::provider::QueryProvider;
use crate::DataError;

/// One chunk that failed.
#[derive(Debug, thiserror::Error)]
#[error("chunk {start} .. {end}: {error}")]
pub struct ChunkError {
    /// The chunk's start.
    pub start: DateTime<Utc>,
    /// The chunk's end.
    pub end: DateTime<Utc>,
    /// What went wrong.
    pub error: DataError,
}

/// The rows of every chunk that ran, and the chunks that failed.
#[derive(Debug)]
pub struct SplitResult {
    /// Every successful chunk's rows, in time order.
    pub frame: DataFrame,
    /// The chunks that failed, in time order.
    pub errors: Vec<ChunkError>,
    /// How many chunks there were.
    pub chunks: usize,
}

/// A time range: start (inclusive) and end.
pub type TimeRange = (DateTime<Utc>, DateTime<Utc>);

/// Cuts `start..end` into consecutive ranges of at most `chunk`.
pub fn time_chunks(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    chunk: Duration,
) -> Result<Vec<TimeRange>, DataError> {
    if chunk <= Duration::zero() {
        return Err(DataError::TimeRange {
            message: format!("chunk must be positive, got {chunk}"),
        });
    }
    if end <= start {
        return Err(DataError::TimeRange {
            message: format!("end {end} is not after start {start}"),
        });
    }
    let mut ranges = Vec::new();
    let mut from = start;
    while from < end {
        let to = (from + chunk).min(end);
        ranges.push((from, to));
        from = to;
    }
    Ok(ranges)
}

impl QueryProvider {
    /// Runs a query once per `chunk` of its `start`..`end` range, concurrently, and stacks
    /// the results. `start` and `end` come from `params` or the query's defaults.
    pub fn query_split(
        &self,
        name: &str,
        params: &Params,
        chunk: Duration,
    ) -> Result<SplitResult, DataError> {
        let now = Utc::now();
        let (start, end) = self.time_range(name, params, now)?;
        let ranges = time_chunks(start, end, chunk)?;
        let texts = ranges
            .iter()
            .map(|(from, to)| {
                let chunk_params = params.clone().with("start", *from).with("end", *to);
                self.render_at(name, &chunk_params, now)
            })
            .collect::<Result<Vec<_>, _>>()?;
        let results = self.run_all(&texts);
        let mut frames = Vec::new();
        let mut errors = Vec::new();
        for ((start, end), result) in ranges.iter().zip(results) {
            match result {
                Ok(frame) => frames.push(frame),
                Err(error) => errors.push(ChunkError {
                    start: *start,
                    end: *end,
                    error,
                }),
            }
        }
        Ok(SplitResult {
            frame: frames::concat(frames)?,
            errors,
            chunks: ranges.len(),
        })
    }

    fn time_range(
        &self,
        name: &str,
        params: &Params,
        now: DateTime<Utc>,
    ) -> Result<TimeRange, DataError> {
        let query = self.definition(name)?;
        let values = super::render::resolve_values(query, params, now)?;
        let find = |wanted: &str| -> Result<DateTime<Utc>, DataError> {
            let value = values
                .iter()
                .find(|(name, _)| name == wanted)
                .map(|(_, v)| v.clone());
            match value
                .map(|v| v.coerce(wanted, ParamType::DateTime, now))
                .transpose()?
            {
                Some(ParamValue::DateTime(time)) => Ok(time),
                _ => Err(DataError::TimeRange {
                    message: format!("query {name} has no '{wanted}' parameter to split on"),
                }),
            }
        };
        Ok((find("start")?, find("end")?))
    }

    /// Runs texts on worker threads, keeping each result in its input position.
    fn run_all(&self, texts: &[String]) -> Vec<Result<DataFrame, DataError>> {
        let next = AtomicUsize::new(0);
        let slots: Mutex<Vec<Option<Result<DataFrame, DataError>>>> =
            Mutex::new((0..texts.len()).map(|_| None).collect());
        let workers = self.max_workers.min(texts.len()).max(1);
        std::thread::scope(|scope| {
            for _ in 0..workers {
                scope.spawn(|| {
                    loop {
                        let index = next.fetch_add(1, Ordering::Relaxed);
                        let Some(text) = texts.get(index) else { break };
                        let result = self.exec_query(text);
                        if let Ok(mut slots) = slots.lock() {
                            slots[index] = Some(result);
                        }
                    }
                });
            }
        });
        let slots = slots
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        slots
            .into_iter()
            .map(|slot| {
                slot.unwrap_or_else(|| {
                    Err(DataError::TimeRange {
                        message: "chunk worker stopped early".into(),
                    })
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn chunks_cover_the_range_exactly() -> Result<(), DataError> {
        let start = Utc
            .with_ymd_and_hms(2024, 5, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let end = start + Duration::hours(50);
        let chunks = time_chunks(start, end, Duration::days(1))?;
        assert_eq!(chunks.len(), 3);
        assert_eq!(chunks[0].0, start);
        assert_eq!(chunks[2], (start + Duration::hours(48), end));
        assert!(time_chunks(end, start, Duration::days(1)).is_err());
        assert!(time_chunks(start, end, Duration::zero()).is_err());
        Ok(())
    }
}
