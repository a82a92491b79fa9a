//! Reading the columns of a DataFrame into the plain vectors the layouts work on.
//!
//! Every reader names the view and the column in its errors. Times become UTC milliseconds
//! whatever their polars type (datetime of any unit or zone, date, integer epoch
//! milliseconds, or text in RFC 3339 / `YYYY-MM-DD hh:mm:ss` form); a value that cannot be read
//! becomes `None` so one bad row is skipped, not fatal.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use polars::prelude::{
    AnyValue, Column, DataFrame, DataType, NewChunkedArray, PolarsError, StringChunked, TimeUnit,
};

use crate::error::VizError;

/// The column `name` of `df`, or an error listing the columns there are.
pub(crate) fn column<'a>(
    df: &'a DataFrame,
    view: &'static str,
    name: &str,
) -> Result<&'a Column, VizError> {
    df.column(name).map_err(|_| VizError::MissingColumn {
        view,
        column: name.to_owned(),
        available: df
            .get_column_names()
            .iter()
            .map(|n| n.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// The first of `candidates` that `df` has.
pub(crate) fn first_present(df: &DataFrame, candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|name| df.column(name).is_ok())
        .map(|name| (*name).to_owned())
}

fn polars_error(view: &'static str, name: &str) -> impl FnOnce(PolarsError) -> VizError {
    let column = name.to_owned();
    move |source| VizError::Polars {
        view,
        column,
        source,
    }
}

/// Lists (a session's commands, say) as their items joined by " → "; other nested values
/// (structs, lists of structs) in their display form.
fn nested_as_text(col: &Column, name: &str) -> StringChunked {
    let texts: Vec<Option<String>> = (0..col.len())
        .map(|row| match col.get(row) {
            Ok(AnyValue::Null) | Err(_) => None,
            Ok(AnyValue::List(items)) => Some(
                items
                    .iter()
                    .map(|item| match item {
                        AnyValue::String(text) => text.to_string(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" → "),
            ),
            Ok(other) => Some(other.to_string()),
        })
        .collect();
    StringChunked::from_iter_options(name.into(), texts.into_iter())
}

/// A column read as text, any type converted with its display form.
pub(crate) struct TextColumn {
    values: StringChunked,
}

impl TextColumn {
    /// Reads column `name` as text.
    pub(crate) fn read(df: &DataFrame, view: &'static str, name: &str) -> Result<Self, VizError> {
        let col = column(df, view, name)?;
        if col.dtype().is_nested() {
            return Ok(TextColumn {
                values: nested_as_text(col, name),
            });
        }
        let cast = col
            .cast(&DataType::String)
            .map_err(polars_error(view, name))?;
        let values = cast
            .str()
            .map_err(polars_error(view, name))?
            .rechunk()
            .into_owned();
        Ok(TextColumn { values })
    }

    /// The value in row `row`, `None` when null.
    pub(crate) fn get(&self, row: usize) -> Option<&str> {
        self.values.get(row)
    }

    /// Every value, in row order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = Option<&str>> {
        self.values.iter()
    }
}

/// Reads column `name` as numbers; text that does not parse and nulls become `None`.
pub(crate) fn floats(
    df: &DataFrame,
    view: &'static str,
    name: &str,
) -> Result<Vec<Option<f64>>, VizError> {
    let col = column(df, view, name)?;
    match col.dtype() {
        DataType::String => {
            let text = TextColumn::read(df, view, name)?;
            Ok(text
                .iter()
                .map(|v| v.and_then(|s| s.trim().parse::<f64>().ok()))
                .collect())
        }
        dtype if dtype.is_primitive_numeric() || dtype.is_bool() => {
            let cast = col
                .cast(&DataType::Float64)
                .map_err(polars_error(view, name))?;
            let ca = cast.f64().map_err(polars_error(view, name))?;
            Ok(ca.iter().map(|v| v.filter(|x| x.is_finite())).collect())
        }
        other => Err(VizError::WrongType {
            view,
            column: name.to_owned(),
            found: other.to_string(),
            expected: "numbers (integer, float or numeric text)",
        }),
    }
}

/// Reads column `name` as UTC milliseconds since the Unix epoch.
pub(crate) fn times_ms(
    df: &DataFrame,
    view: &'static str,
    name: &str,
) -> Result<Vec<Option<i64>>, VizError> {
    let col = column(df, view, name)?;
    let per_unit = match col.dtype() {
        DataType::Datetime(TimeUnit::Nanoseconds, _) => Some(1_000_000),
        DataType::Datetime(TimeUnit::Microseconds, _) => Some(1_000),
        DataType::Datetime(TimeUnit::Milliseconds, _) => Some(1),
        _ => None,
    };
    if let Some(divisor) = per_unit {
        let raw = col
            .cast(&DataType::Int64)
            .map_err(polars_error(view, name))?;
        let ca = raw.i64().map_err(polars_error(view, name))?;
        return Ok(ca
            .iter()
            .map(|v| v.map(|x| x.div_euclid(divisor)))
            .collect());
    }
    match col.dtype() {
        DataType::Date => {
            let raw = col
                .cast(&DataType::Int32)
                .map_err(polars_error(view, name))?;
            let ca = raw.i32().map_err(polars_error(view, name))?;
            Ok(ca
                .iter()
                .map(|v| v.map(|d| i64::from(d) * 86_400_000))
                .collect())
        }
        DataType::String => {
            let text = TextColumn::read(df, view, name)?;
            Ok(text.iter().map(|v| v.and_then(parse_time_ms)).collect())
        }
        dtype if dtype.is_integer() => {
            let raw = col
                .cast(&DataType::Int64)
                .map_err(polars_error(view, name))?;
            let ca = raw.i64().map_err(polars_error(view, name))?;
            Ok(ca.iter().collect())
        }
        other => Err(VizError::WrongType {
            view,
            column: name.to_owned(),
            found: other.to_string(),
            expected: "a datetime, a date, epoch milliseconds or time text",
        }),
    }
}

/// Parses RFC 3339 and the common `YYYY-MM-DD[ T]hh:mm:ss[.fff]` and `YYYY-MM-DD` forms (no
/// zone means UTC).
pub(crate) fn parse_time_ms(text: &str) -> Option<i64> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    let trimmed = text.trim_end_matches('Z');
    for format in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
    ] {
        if let Ok(t) = NaiveDateTime::parse_from_str(trimmed, format) {
            return Some(t.and_utc().timestamp_millis());
        }
    }
    NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_millis())
}

/// Distinct text values with a code each, counted, in order of first appearance.
#[derive(Debug, Default)]
pub(crate) struct Interner {
    index: HashMap<String, u32>,
    /// The distinct values.
    pub(crate) values: Vec<String>,
    /// How many times each value was interned.
    pub(crate) counts: Vec<usize>,
}

impl Interner {
    /// The code of `value` (`None` is written `(none)`), counting one more use of it.
    pub(crate) fn intern(&mut self, value: Option<&str>) -> u32 {
        let key = value.unwrap_or("(none)");
        let code = match self.index.get(key) {
            Some(&code) => code,
            None => {
                let code = self.values.len() as u32;
                self.index.insert(key.to_owned(), code);
                self.values.push(key.to_owned());
                self.counts.push(0);
                code
            }
        };
        self.counts[code as usize] += 1;
        code
    }

    /// The value with code `code`.
    pub(crate) fn value(&self, code: u32) -> &str {
        self.values.get(code as usize).map_or("", String::as_str)
    }

    /// Interns every value of `column`, returning the code of each row.
    pub(crate) fn intern_column(&mut self, column: &TextColumn) -> Vec<u32> {
        column.iter().map(|value| self.intern(value)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_text_forms() {
        assert_eq!(parse_time_ms("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_time_ms("1970-01-01 00:00:01.5"), Some(1500));
        assert_eq!(parse_time_ms("1970-01-02"), Some(86_400_000));
        assert_eq!(parse_time_ms("1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(parse_time_ms("yesterday"), None);
    }

    #[test]
    fn interner_counts_values() {
        let mut interner = Interner::default();
        let codes: Vec<u32> = [Some("a"), None, Some("a"), Some("b")]
            .into_iter()
            .map(|v| interner.intern(v))
            .collect();
        assert_eq!(codes, vec![0, 1, 0, 2]);
        assert_eq!(interner.values, vec!["a", "(none)", "b"]);
        assert_eq!(interner.counts, vec![2, 1, 1]);
        assert_eq!(interner.value(1), "(none)");
    }
}
