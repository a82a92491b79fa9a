//! Rows of JSON values to a typed DataFrame, shared by every JSON-speaking driver.
//!
//! Services name column types in their own words (`datetime`, `long`, `Int32`, `dynamic`,
//! `Boolean`…); [`ColumnKind`] reads them all. A [`TableBuilder`] takes rows as arrays or
//! objects and builds one polars column per schema column:
//!
//! | kind | polars dtype |
//! |---|---|
//! | `String` | String (guids too) |
//! | `Bool` | Boolean |
//! | `Int` | Int64 |
//! | `Float` | Float64 (`"NaN"`, `"Infinity"` understood) |
//! | `DateTime` | Datetime(µs, UTC) |
//! | `Date` | Date |
//! | `Duration` | Duration(µs) (Kusto `[-][d.]hh:mm:ss[.f]` or 100 ns ticks) |
//! | `Json` | String holding JSON text |
//!
//! A value that does not fit its column becomes null and the row's message goes to an
//! [`ERRORS_COLUMN`] column (added only when some row has one), so no row is dropped.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use polars::prelude::*;
use serde_json::Value;

use crate::driver::DriverError;

/// The column added when some values could not be read; it says which and why.
pub const ERRORS_COLUMN: &str = "_errors";

/// The kinds of column a driver produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// Text.
    String,
    /// True or false.
    Bool,
    /// 64-bit integer.
    Int,
    /// 64-bit float.
    Float,
    /// A UTC instant, microsecond precision.
    DateTime,
    /// A calendar date.
    Date,
    /// A time span, microsecond precision.
    Duration,
    /// Nested data kept as JSON text.
    Json,
}

impl fmt::Display for ColumnKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ColumnKind::String => "string",
            ColumnKind::Bool => "bool",
            ColumnKind::Int => "int",
            ColumnKind::Float => "float",
            ColumnKind::DateTime => "datetime",
            ColumnKind::Date => "date",
            ColumnKind::Duration => "duration",
            ColumnKind::Json => "json",
        };
        f.write_str(name)
    }
}

/// A type name no driver knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown column type {0:?}")]
pub struct UnknownKind(pub String);

impl FromStr for ColumnKind {
    type Err = UnknownKind;

    /// Reads the type names of Kusto (v1 CLR and v2), Log Analytics, Defender, Graph and
    /// huntbook's own names, ignoring case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        let kind = match name.to_ascii_lowercase().trim_start_matches("system.") {
            "string" | "guid" | "uniqueidentifier" | "text" | "char" => ColumnKind::String,
            "bool" | "boolean" | "sbyte" => ColumnKind::Bool,
            "int" | "long" | "int16" | "int32" | "int64" | "byte" | "uint16" | "uint32"
            | "uint64" | "integer" | "short" => ColumnKind::Int,
            "real" | "double" | "float" | "single" | "decimal" | "number" | "sqldecimal" => {
                ColumnKind::Float
            }
            "datetime" | "datetimeoffset" | "timestamp" => ColumnKind::DateTime,
            "date" => ColumnKind::Date,
            "timespan" | "time" | "duration" => ColumnKind::Duration,
            "dynamic" | "object" | "json" | "array" => ColumnKind::Json,
            _ => return Err(UnknownKind(name.to_string())),
        };
        Ok(kind)
    }
}

impl ColumnKind {
    /// The kind for a service's type name; unknown names become `String` with a warning.
    pub fn from_service(driver: &'static str, name: &str) -> ColumnKind {
        name.parse().unwrap_or_else(|_| {
            tracing::warn!(driver, type_name = name, "unknown column type read as text");
            ColumnKind::String
        })
    }

    /// Guesses a kind from values when the service sends no schema (Elasticsearch, Splunk):
    /// all booleans, all integers, all numbers, all ISO datetimes, any nested value.
    pub fn infer<'a>(values: impl IntoIterator<Item = &'a Value>) -> ColumnKind {
        let mut seen: Option<ColumnKind> = None;
        for value in values {
            let kind = match value {
                Value::Null => continue,
                Value::Bool(_) => ColumnKind::Bool,
                Value::Number(n) if n.is_i64() => ColumnKind::Int,
                Value::Number(_) => ColumnKind::Float,
                Value::String(s) if looks_like_datetime(s) => ColumnKind::DateTime,
                Value::String(_) => ColumnKind::String,
                Value::Array(_) | Value::Object(_) => return ColumnKind::Json,
            };
            seen = Some(match (seen, kind) {
                (None, kind) => kind,
                (Some(a), b) if a == b => a,
                (Some(ColumnKind::Int), ColumnKind::Float)
                | (Some(ColumnKind::Float), ColumnKind::Int) => ColumnKind::Float,
                _ => ColumnKind::String,
            });
        }
        seen.unwrap_or(ColumnKind::String)
    }
}

fn looks_like_datetime(text: &str) -> bool {
    let bytes = text.as_bytes();
    bytes.len() >= 19
        && bytes[4] == b'-'
        && bytes[10] == b'T'
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && parse_datetime(text).is_some()
}

/// Parses a datetime as services write it: RFC 3339 with any number of fraction digits, or
/// an ISO date and time without an offset (read as UTC), or a bare date (midnight UTC).
pub fn parse_datetime(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(text) {
        return Some(dt.with_timezone(&Utc));
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    for format in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(text, format) {
            return Some(dt.with_timezone(&Utc));
        }
    }
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()?;
    Some(date.and_hms_opt(0, 0, 0)?.and_utc())
}

/// Parses a Kusto/.NET time span `[-][d.]hh:mm:ss[.fffffff]` to microseconds.
pub fn parse_timespan(text: &str) -> Option<i64> {
    let (negative, body) = match text.trim().strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.trim()),
    };
    let (days, clock) = match body.split_once(':') {
        Some((head, _)) if head.contains('.') => {
            let (days, _) = head.split_once('.')?;
            (days.parse::<i64>().ok()?, &body[days.len() + 1..])
        }
        Some(_) => (0, body),
        None => (body.parse::<i64>().ok()?, "00:00:00"),
    };
    let mut parts = clock.split(':');
    let hours: i64 = parts.next()?.parse().ok()?;
    let minutes: i64 = parts.next()?.parse().ok()?;
    let seconds_text = parts.next()?;
    if parts.next().is_some() {
        return None;
    }
    let (whole, fraction) = seconds_text.split_once('.').unwrap_or((seconds_text, ""));
    let seconds: i64 = whole.parse().ok()?;
    let micros = fraction_micros(fraction)?;
    let total = ((days * 24 + hours) * 60 + minutes) * 60 + seconds;
    let total = total.checked_mul(1_000_000)?.checked_add(micros)?;
    Some(if negative { -total } else { total })
}

fn fraction_micros(fraction: &str) -> Option<i64> {
    if fraction.is_empty() {
        return Some(0);
    }
    if !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let padded: String = fraction
        .chars()
        .chain(std::iter::repeat('0'))
        .take(6)
        .collect();
    padded.parse().ok()
}

/// One column being built.
#[derive(Debug)]
pub struct ColumnBuilder {
    name: String,
    kind: ColumnKind,
    data: Data,
}

#[derive(Debug)]
enum Data {
    Text(Vec<Option<String>>),
    Bool(Vec<Option<bool>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
    Micros(Vec<Option<i64>>),
    Days(Vec<Option<i32>>),
}

impl ColumnBuilder {
    /// An empty column.
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Self {
        let data = match kind {
            ColumnKind::String | ColumnKind::Json => Data::Text(Vec::new()),
            ColumnKind::Bool => Data::Bool(Vec::new()),
            ColumnKind::Int => Data::Int(Vec::new()),
            ColumnKind::Float => Data::Float(Vec::new()),
            ColumnKind::DateTime | ColumnKind::Duration => Data::Micros(Vec::new()),
            ColumnKind::Date => Data::Days(Vec::new()),
        };
        ColumnBuilder {
            name: name.into(),
            kind,
            data,
        }
    }

    /// The column's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The column's kind.
    pub fn kind(&self) -> ColumnKind {
        self.kind
    }

    /// How many values it holds.
    pub fn len(&self) -> usize {
        match &self.data {
            Data::Text(v) => v.len(),
            Data::Bool(v) => v.len(),
            Data::Int(v) | Data::Micros(v) => v.len(),
            Data::Float(v) => v.len(),
            Data::Days(v) => v.len(),
        }
    }

    /// Whether it holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends a null.
    pub fn push_null(&mut self) {
        match &mut self.data {
            Data::Text(v) => v.push(None),
            Data::Bool(v) => v.push(None),
            Data::Int(v) | Data::Micros(v) => v.push(None),
            Data::Float(v) => v.push(None),
            Data::Days(v) => v.push(None),
        }
    }

    /// Appends text (for `String` and `Json` columns; other kinds parse it).
    pub fn push_text(&mut self, text: Option<&str>) -> Result<(), String> {
        match text {
            None => {
                self.push_null();
                Ok(())
            }
            Some(text) => self.push_json(&Value::String(text.to_string())),
        }
    }

    /// Appends a value the typed way: integers, floats, booleans and microsecond values.
    pub fn push_i64(&mut self, value: Option<i64>) {
        match &mut self.data {
            Data::Int(v) | Data::Micros(v) => v.push(value),
            Data::Float(v) => v.push(value.map(|i| i as f64)),
            Data::Text(v) => v.push(value.map(|i| i.to_string())),
            Data::Bool(v) => v.push(value.map(|i| i != 0)),
            Data::Days(v) => v.push(value.and_then(|i| i32::try_from(i).ok())),
        }
    }

    /// Appends a float (for `Float` columns).
    pub fn push_f64(&mut self, value: Option<f64>) {
        match &mut self.data {
            Data::Float(v) => v.push(value),
            _ => {
                let _ = self.push_json(&value.map_or(Value::Null, Value::from));
            }
        }
    }

    /// Appends a boolean (for `Bool` columns).
    pub fn push_bool(&mut self, value: Option<bool>) {
        match &mut self.data {
            Data::Bool(v) => v.push(value),
            _ => {
                let _ = self.push_json(&value.map_or(Value::Null, Value::Bool));
            }
        }
    }

    /// Appends a datetime (for `DateTime` columns).
    pub fn push_datetime(&mut self, value: Option<DateTime<Utc>>) {
        self.push_i64(value.map(|dt| dt.timestamp_micros()));
    }

    /// Appends a date (for `Date` columns).
    pub fn push_date(&mut self, value: Option<NaiveDate>) {
        let days = value.map(|d| (d - NaiveDate::default()).num_days());
        self.push_i64(days);
    }

    /// Appends a JSON value, converting it to the column's kind. A value that does not fit
    /// is stored as null and the reason returned.
    pub fn push_json(&mut self, value: &Value) -> Result<(), String> {
        let kind = self.kind;
        let outcome = match &mut self.data {
            Data::Text(v) => {
                v.push(to_text(value, kind));
                Ok(())
            }
            Data::Bool(v) => push_converted(v, value, to_bool),
            Data::Int(v) => push_converted(v, value, to_i64),
            Data::Float(v) => push_converted(v, value, to_f64),
            Data::Micros(v) if kind == ColumnKind::Duration => {
                push_converted(v, value, to_duration)
            }
            Data::Micros(v) => push_converted(v, value, to_datetime),
            Data::Days(v) => push_converted(v, value, to_date),
        };
        outcome.map_err(|shown| format!("{}: {shown} is not a {kind}", self.name))
    }

    /// Builds the polars column.
    pub fn finish(self) -> Result<Column, PolarsError> {
        let name = PlSmallStr::from(self.name.as_str());
        let series = match self.data {
            Data::Text(v) => Series::new(name, v),
            Data::Bool(v) => Series::new(name, v),
            Data::Int(v) => Series::new(name, v),
            Data::Float(v) => Series::new(name, v),
            Data::Micros(v) if self.kind == ColumnKind::Duration => {
                Int64Chunked::from_iter_options(name, v.into_iter())
                    .into_duration(TimeUnit::Microseconds)
                    .into_series()
            }
            Data::Micros(v) => Int64Chunked::from_iter_options(name, v.into_iter())
                .into_datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
                .into_series(),
            Data::Days(v) => Series::new(name, v).cast(&DataType::Date)?,
        };
        Ok(series.into_column())
    }
}

fn push_converted<T>(
    out: &mut Vec<Option<T>>,
    value: &Value,
    convert: impl Fn(&Value) -> Option<T>,
) -> Result<(), String> {
    if is_blank(value) {
        out.push(None);
        return Ok(());
    }
    let converted = convert(value);
    let failed = converted.is_none();
    out.push(converted);
    if failed {
        return Err(shown(value));
    }
    Ok(())
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

fn shown(value: &Value) -> String {
    let text = value.to_string();
    if text.chars().count() <= 60 {
        return text;
    }
    let cut: String = text.chars().take(60).collect();
    format!("{cut}…")
}

fn to_text(value: &Value, kind: ColumnKind) -> Option<String> {
    match value {
        Value::Null => None,
        // An empty string is no JSON document: a dynamic column's "" is a missing value.
        Value::String(s) if kind == ColumnKind::Json && s.is_empty() => None,
        Value::String(s) => Some(s.clone()),
        other if kind == ColumnKind::Json => Some(other.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    }
}

fn to_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(b) => Some(*b),
        Value::Number(n) => n.as_i64().map(|i| i != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Some(true),
            "false" | "0" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

fn to_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64().or_else(|| {
            let f = n.as_f64()?;
            (f.fract() == 0.0 && f.abs() < 9.2e18).then_some(f as i64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

fn to_f64(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn to_datetime(value: &Value) -> Option<i64> {
    match value {
        Value::String(s) => parse_datetime(s).map(|dt| dt.timestamp_micros()),
        _ => None,
    }
}

fn to_date(value: &Value) -> Option<i32> {
    let date = parse_datetime(value.as_str()?)?.date_naive();
    i32::try_from((date - NaiveDate::default()).num_days()).ok()
}

fn to_duration(value: &Value) -> Option<i64> {
    match value {
        // A number is a count of 100-nanosecond ticks, as Kusto sends them.
        Value::Number(n) => n.as_i64().map(|ticks| ticks / 10),
        Value::String(s) => parse_timespan(s),
        _ => None,
    }
}

/// Rows to a DataFrame, with per-row error messages kept.
#[derive(Debug)]
pub struct TableBuilder {
    columns: Vec<ColumnBuilder>,
    errors: Vec<Option<String>>,
    has_errors: bool,
}

impl TableBuilder {
    /// A table with these columns; repeated names get `_1`, `_2`… suffixes.
    pub fn new(schema: impl IntoIterator<Item = (String, ColumnKind)>) -> Self {
        let mut columns: Vec<ColumnBuilder> = Vec::new();
        for (name, kind) in schema {
            let mut unique = name.clone();
            let mut n = 0;
            while columns.iter().any(|c| c.name == unique) {
                n += 1;
                unique = format!("{name}_{n}");
            }
            columns.push(ColumnBuilder::new(unique, kind));
        }
        TableBuilder {
            columns,
            errors: Vec::new(),
            has_errors: false,
        }
    }

    /// The columns so far.
    pub fn columns(&self) -> &[ColumnBuilder] {
        &self.columns
    }

    /// How many rows were pushed.
    pub fn rows(&self) -> usize {
        self.errors.len()
    }

    /// Appends a row given as values in column order. A short row is padded with nulls and a
    /// long one cut; both are noted in the error column.
    pub fn push_row(&mut self, row: &[Value]) {
        let mut problems = Vec::new();
        if row.len() != self.columns.len() {
            problems.push(format!(
                "row has {} values for {} columns",
                row.len(),
                self.columns.len()
            ));
        }
        for (i, column) in self.columns.iter_mut().enumerate() {
            match row.get(i) {
                Some(value) => {
                    if let Err(problem) = column.push_json(value) {
                        problems.push(problem);
                    }
                }
                None => column.push_null(),
            }
        }
        self.note(problems);
    }

    /// Appends a row given as an object keyed by column name; missing keys are null.
    pub fn push_object(&mut self, row: &serde_json::Map<String, Value>) {
        let mut problems = Vec::new();
        for column in &mut self.columns {
            match row.get(&column.name) {
                Some(value) => {
                    if let Err(problem) = column.push_json(value) {
                        problems.push(problem);
                    }
                }
                None => column.push_null(),
            }
        }
        self.note(problems);
    }

    /// Appends a row cell by cell: `fill` gets each column in turn, pushes one value into it
    /// and returns the reason when the value could not be read (a column left without a
    /// value gets a null).
    pub fn push_with(
        &mut self,
        mut fill: impl FnMut(usize, &mut ColumnBuilder) -> Result<(), String>,
    ) {
        let mut problems = Vec::new();
        for (i, column) in self.columns.iter_mut().enumerate() {
            let before = column.len();
            if let Err(problem) = fill(i, column) {
                problems.push(problem);
            }
            if column.len() == before {
                column.push_null();
            }
        }
        self.note(problems);
    }

    /// Appends a row that could not be read at all: nulls and the reason.
    pub fn push_error_row(&mut self, problem: String) {
        for column in &mut self.columns {
            column.push_null();
        }
        self.note(vec![problem]);
    }

    fn note(&mut self, problems: Vec<String>) {
        if problems.is_empty() {
            self.errors.push(None);
            return;
        }
        self.has_errors = true;
        self.errors.push(Some(problems.join("; ")));
    }

    /// Builds the DataFrame; `driver` names the driver in errors.
    pub fn finish(self, driver: &'static str) -> Result<DataFrame, DriverError> {
        let polars_error = |e: PolarsError| DriverError::Parse {
            driver,
            what: "result table".to_string(),
            message: e.to_string(),
        };
        let rows = self.errors.len();
        let mut columns = Vec::with_capacity(self.columns.len() + 1);
        for column in self.columns {
            columns.push(column.finish().map_err(polars_error)?);
        }
        if self.has_errors {
            columns.push(Column::new(ERRORS_COLUMN.into(), self.errors));
        }
        DataFrame::new(rows, columns).map_err(polars_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn type_names_are_read() {
        for (name, kind) in [
            ("datetime", ColumnKind::DateTime),
            ("Int32", ColumnKind::Int),
            ("System.Int64", ColumnKind::Int),
            ("SByte", ColumnKind::Bool),
            ("dynamic", ColumnKind::Json),
            ("guid", ColumnKind::String),
            ("timespan", ColumnKind::Duration),
            ("decimal", ColumnKind::Float),
        ] {
            assert_eq!(name.parse::<ColumnKind>(), Ok(kind), "{name}");
        }
        assert!("blob".parse::<ColumnKind>().is_err());
    }

    #[test]
    fn timespans_are_read() {
        assert_eq!(parse_timespan("00:00:00"), Some(0));
        assert_eq!(parse_timespan("1.00:00:01.0010001"), Some(86_401_001_000));
        assert_eq!(
            parse_timespan("-2.00:00:02.0020002"),
            Some(-172_802_002_000)
        );
        assert_eq!(parse_timespan("01:02:03"), Some(3_723_000_000));
        assert_eq!(parse_timespan("1.01:01:01.0"), Some(90_061_000_000));
        assert_eq!(parse_timespan("soon"), None);
    }

    #[test]
    fn datetimes_are_read() {
        let micros = |s: &str| parse_datetime(s).map(|d| d.timestamp_micros());
        assert_eq!(micros("1970-01-01T00:00:01Z"), Some(1_000_000));
        assert_eq!(micros("1970-01-01T00:00:00.0000019Z"), Some(1));
        assert_eq!(micros("1970-01-01T00:00:01"), Some(1_000_000));
        assert_eq!(micros("1970-01-01 01:00:00+01:00"), Some(0));
        assert!(micros("0000-01-01T00:00:00Z").is_some());
        assert_eq!(micros("yesterday"), None);
    }

    #[test]
    fn bad_values_are_kept_visible() {
        let mut table = TableBuilder::new([
            ("n".to_string(), ColumnKind::Int),
            ("t".to_string(), ColumnKind::DateTime),
        ]);
        table.push_row(&[json!("12"), json!("2020-01-01T00:00:00Z")]);
        table.push_row(&[json!("twelve"), json!(null)]);
        table.push_row(&[json!(3)]);
        let frame = table.finish("test").unwrap();
        assert_eq!(frame.height(), 3);
        let n = frame.column("n").unwrap().i64().unwrap();
        assert_eq!(n.get(0), Some(12));
        assert_eq!(n.get(1), None);
        let errors = frame.column(ERRORS_COLUMN).unwrap().str().unwrap();
        assert_eq!(errors.get(0), None);
        assert!(errors.get(1).unwrap().contains("\"twelve\" is not a int"));
        assert!(errors.get(2).unwrap().contains("1 values for 2 columns"));
    }

    #[test]
    fn kinds_are_inferred() {
        assert_eq!(
            ColumnKind::infer(&[json!(1), json!(null), json!(2)]),
            ColumnKind::Int
        );
        assert_eq!(
            ColumnKind::infer(&[json!(1), json!(2.5)]),
            ColumnKind::Float
        );
        assert_eq!(
            ColumnKind::infer(&[json!("2099-11-15T14:12:12")]),
            ColumnKind::DateTime
        );
        assert_eq!(
            ColumnKind::infer(&[json!("a"), json!(1)]),
            ColumnKind::String
        );
        assert_eq!(ColumnKind::infer(&[json!({"a": 1})]), ColumnKind::Json);
    }
}
