//! Reading single cells of a DataFrame row as text, numbers and times.

use chrono::{DateTime, TimeZone, Utc};
use polars::prelude::{AnyValue, DataFrame, TimeUnit};

use crate::driver::local::parse_timestamp;

/// The first of `columns` that the frame has.
pub fn pick<'a>(frame: &DataFrame, columns: &[&'a str]) -> Option<&'a str> {
    columns
        .iter()
        .copied()
        .find(|name| frame.column(name).is_ok())
}

/// A cell as text; `None` for a missing column, a null, or empty text.
pub fn text(frame: &DataFrame, column: &str, row: usize) -> Option<String> {
    let value = frame.column(column).ok()?.get(row).ok()?;
    let text = match value {
        AnyValue::Null => return None,
        AnyValue::String(text) => text.to_string(),
        AnyValue::StringOwned(text) => text.to_string(),
        AnyValue::Datetime(..) | AnyValue::DatetimeOwned(..) => {
            time_of(&value)?.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        }
        other => other.str_value().into_owned(),
    };
    (!text.trim().is_empty()).then_some(text)
}

/// The first of `columns` with text in this row.
pub fn first_text(frame: &DataFrame, columns: &[&str], row: usize) -> Option<String> {
    columns.iter().find_map(|column| text(frame, column, row))
}

/// A cell as an integer (numbers, or text holding one).
pub fn integer(frame: &DataFrame, column: &str, row: usize) -> Option<i64> {
    let value = frame.column(column).ok()?.get(row).ok()?;
    match value {
        AnyValue::Null => None,
        AnyValue::String(text) => text.trim().parse::<f64>().ok().map(|v| v as i64),
        AnyValue::StringOwned(text) => text.trim().parse::<f64>().ok().map(|v| v as i64),
        other => other.extract::<i64>(),
    }
}

/// A cell as a UTC time: datetime cells, or text in the usual log spellings.
/// `Err` carries the text that would not parse.
pub fn time(frame: &DataFrame, column: &str, row: usize) -> Result<Option<DateTime<Utc>>, String> {
    let Some(value) = frame.column(column).ok().and_then(|c| c.get(row).ok()) else {
        return Ok(None);
    };
    match &value {
        AnyValue::Null => Ok(None),
        AnyValue::Datetime(..) | AnyValue::DatetimeOwned(..) => Ok(time_of(&value)),
        _ => match text(frame, column, row) {
            None => Ok(None),
            Some(text) => parse_timestamp(text.trim())
                .map(|naive| Some(Utc.from_utc_datetime(&naive)))
                .ok_or(text),
        },
    }
}

fn time_of(value: &AnyValue) -> Option<DateTime<Utc>> {
    let (raw, unit) = match value {
        AnyValue::Datetime(raw, unit, _) | AnyValue::DatetimeOwned(raw, unit, _) => (*raw, *unit),
        _ => return None,
    };
    let micros = match unit {
        TimeUnit::Nanoseconds => raw / 1_000,
        TimeUnit::Microseconds => raw,
        TimeUnit::Milliseconds => raw.checked_mul(1_000)?,
    };
    DateTime::from_timestamp_micros(micros)
}
