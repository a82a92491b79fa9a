//! Query parameters: declared types, caller values, and turning one into the other.
//!
//! [`Params`] is what a caller passes (`Params::new().with("host_name", "ws1")`). Each value
//! is checked against the type the query file declares ([`ParamType`]); text is accepted for
//! every type and parsed (`"2024-05-01"`, `"-7d"`, `"a, b"`), so notebook users can write
//! what they would type in msticpy.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use serde_json::Value;

use crate::DataError;

/// A parameter type as query files write it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamType {
    /// `str`: text, inserted as is.
    Str,
    /// `int`.
    Int,
    /// `float`.
    Float,
    /// `datetime`: written with the driver's datetime format.
    DateTime,
    /// `list`: written with the driver's list format.
    List,
    /// `bool`.
    Bool,
}

impl ParamType {
    /// The name query files use.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamType::Str => "str",
            ParamType::Int => "int",
            ParamType::Float => "float",
            ParamType::DateTime => "datetime",
            ParamType::List => "list",
            ParamType::Bool => "bool",
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A type name that is not one of `str`, `int`, `float`, `datetime`, `list`, `bool`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown parameter type '{0}'; expected str, int, float, datetime, list or bool")]
pub struct UnknownParamType(pub String);

impl FromStr for ParamType {
    type Err = UnknownParamType;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "str" | "string" => Ok(ParamType::Str),
            "int" | "integer" => Ok(ParamType::Int),
            "float" | "number" => Ok(ParamType::Float),
            "datetime" | "date" => Ok(ParamType::DateTime),
            "list" => Ok(ParamType::List),
            "bool" | "boolean" => Ok(ParamType::Bool),
            _ => Err(UnknownParamType(text.to_string())),
        }
    }
}

/// One parameter value.
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A point in time.
    DateTime(DateTime<Utc>),
    /// A list of values.
    List(Vec<ParamValue>),
}

impl fmt::Display for ParamValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamValue::Str(text) => f.write_str(text),
            ParamValue::Int(value) => write!(f, "{value}"),
            ParamValue::Float(value) => write!(f, "{value}"),
            ParamValue::Bool(value) => write!(f, "{value}"),
            ParamValue::DateTime(value) => write!(f, "{}", value.to_rfc3339()),
            ParamValue::List(items) => {
                let items: Vec<String> = items.iter().map(ToString::to_string).collect();
                write!(f, "[{}]", items.join(", "))
            }
        }
    }
}

macro_rules! param_from {
    ($($source:ty => $variant:ident via $convert:expr),* $(,)?) => {
        $(
            impl From<$source> for ParamValue {
                fn from(value: $source) -> ParamValue {
                    ParamValue::$variant($convert(value))
                }
            }
        )*
    };
}

param_from! {
    &str => Str via str::to_string,
    String => Str via std::convert::identity,
    &String => Str via String::clone,
    i64 => Int via std::convert::identity,
    i32 => Int via i64::from,
    u32 => Int via i64::from,
    f64 => Float via std::convert::identity,
    bool => Bool via std::convert::identity,
    DateTime<Utc> => DateTime via std::convert::identity,
}

impl<T: Into<ParamValue>> From<Vec<T>> for ParamValue {
    fn from(items: Vec<T>) -> ParamValue {
        ParamValue::List(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<ParamValue> + Clone> From<&[T]> for ParamValue {
    fn from(items: &[T]) -> ParamValue {
        ParamValue::List(items.iter().cloned().map(Into::into).collect())
    }
}

impl ParamValue {
    /// Reads a default from a query file (YAML scalars and lists).
    pub fn from_json(value: &Value) -> Option<ParamValue> {
        match value {
            Value::Null => None,
            Value::Bool(flag) => Some(ParamValue::Bool(*flag)),
            Value::Number(number) => Some(match number.as_i64() {
                Some(int) => ParamValue::Int(int),
                None => ParamValue::Float(number.as_f64().unwrap_or_default()),
            }),
            Value::String(text) => Some(ParamValue::Str(text.clone())),
            Value::Array(items) => Some(ParamValue::List(
                items.iter().filter_map(ParamValue::from_json).collect(),
            )),
            Value::Object(_) => Some(ParamValue::Str(value.to_string())),
        }
    }

    /// Converts the value to the declared type, or says why it cannot be.
    pub fn coerce(
        &self,
        parameter: &str,
        kind: ParamType,
        now: DateTime<Utc>,
    ) -> Result<ParamValue, DataError> {
        let mismatch = || DataError::ParameterType {
            parameter: parameter.to_string(),
            expected: kind.to_string(),
            value: self.to_string(),
        };
        match (kind, self) {
            (ParamType::Str, ParamValue::List(_)) => Err(mismatch()),
            (ParamType::Str, value) => Ok(ParamValue::Str(value.to_string())),
            (ParamType::Int, ParamValue::Int(_)) => Ok(self.clone()),
            (ParamType::Int, ParamValue::Float(value)) if value.fract() == 0.0 => {
                Ok(ParamValue::Int(*value as i64))
            }
            (ParamType::Int, ParamValue::Str(text)) => text
                .trim()
                .parse()
                .map(ParamValue::Int)
                .map_err(|_| mismatch()),
            (ParamType::Float, ParamValue::Float(_)) => Ok(self.clone()),
            (ParamType::Float, ParamValue::Int(value)) => Ok(ParamValue::Float(*value as f64)),
            (ParamType::Float, ParamValue::Str(text)) => text
                .trim()
                .parse()
                .map(ParamValue::Float)
                .map_err(|_| mismatch()),
            (ParamType::Bool, ParamValue::Bool(_)) => Ok(self.clone()),
            (ParamType::Bool, ParamValue::Str(text)) => parse_bool(text).ok_or_else(mismatch),
            (ParamType::DateTime, ParamValue::DateTime(_)) => Ok(self.clone()),
            (ParamType::DateTime, ParamValue::Int(days)) => {
                Ok(ParamValue::DateTime(now + Duration::days(*days)))
            }
            (ParamType::DateTime, ParamValue::Str(text)) => parse_datetime(text, now)
                .map(ParamValue::DateTime)
                .ok_or_else(mismatch),
            (ParamType::List, ParamValue::List(_)) => Ok(self.clone()),
            (ParamType::List, ParamValue::Str(text)) if text.contains(',') => Ok(ParamValue::List(
                text.split(',')
                    .map(|item| ParamValue::Str(item.trim().to_string()))
                    .collect(),
            )),
            (ParamType::List, value) => Ok(ParamValue::List(vec![value.clone()])),
            _ => Err(mismatch()),
        }
    }
}

fn parse_bool(text: &str) -> Option<ParamValue> {
    match text.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" => Some(ParamValue::Bool(true)),
        "false" | "0" | "no" => Some(ParamValue::Bool(false)),
        _ => None,
    }
}

/// Reads a datetime as an absolute time (RFC 3339, `YYYY-MM-DD[ HH:MM[:SS[.f]]]`, taken as
/// UTC), `now`, or an offset from now: `-7d`, `+2h`, `-30m`, `-1w`, with an optional rounding
/// suffix `@d` / `@h` / `@m` (`-3d@d` is midnight three days ago).
pub fn parse_datetime(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if text.eq_ignore_ascii_case("now") {
        return Some(now);
    }
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    const FORMATS: [&str; 4] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ];
    for format in FORMATS {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&naive));
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Some(Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0)?));
    }
    parse_offset(text, now)
}

fn parse_offset(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let (offset, rounding) = match text.split_once('@') {
        Some((offset, rounding)) => (offset.trim(), Some(rounding.trim())),
        None => (text, None),
    };
    let (sign, rest) = match offset.chars().next()? {
        '-' => (-1, &offset[1..]),
        '+' => (1, &offset[1..]),
        _ => (1, offset),
    };
    let rest = rest.trim();
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let amount: i64 = rest[..digits_end].parse().ok()?;
    let unit = rest[digits_end..].trim();
    let delta = match unit {
        "" | "d" | "day" | "days" => Duration::days(amount),
        "w" | "week" | "weeks" => Duration::weeks(amount),
        "h" | "hour" | "hours" => Duration::hours(amount),
        "m" | "min" | "minutes" => Duration::minutes(amount),
        "s" | "sec" | "seconds" => Duration::seconds(amount),
        _ => return None,
    };
    let moved = now + delta * sign;
    match rounding {
        None => Some(moved),
        Some(unit) => round_down(moved, unit),
    }
}

fn round_down(time: DateTime<Utc>, unit: &str) -> Option<DateTime<Utc>> {
    let (hour, minute) = match unit {
        "d" => (0, 0),
        "h" => (time.hour(), 0),
        "m" => (time.hour(), time.minute()),
        _ => return None,
    };
    let date = NaiveDate::from_ymd_opt(time.year(), time.month(), time.day())?;
    Some(Utc.from_utc_datetime(&date.and_hms_opt(hour, minute, 0)?))
}

/// Parameter values given by a caller, by name.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use huntbook_data::query::Params;
///
/// let start = Utc.with_ymd_and_hms(2024, 5, 1, 0, 0, 0).unwrap();
/// let end = Utc.with_ymd_and_hms(2024, 5, 2, 0, 0, 0).unwrap();
/// let params = Params::new().with("host_name", "ws1").with_time_range(start, end);
/// assert_eq!(params.get("host_name").map(|v| v.to_string()), Some("ws1".to_string()));
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Params {
    values: BTreeMap<String, ParamValue>,
}

impl Params {
    /// No parameters.
    pub fn new() -> Params {
        Params::default()
    }

    /// Sets one parameter.
    pub fn with(mut self, name: impl Into<String>, value: impl Into<ParamValue>) -> Params {
        self.set(name, value);
        self
    }

    /// Sets `start` and `end`.
    pub fn with_time_range(self, start: DateTime<Utc>, end: DateTime<Utc>) -> Params {
        self.with("start", start).with("end", end)
    }

    /// Sets `start` to `lookback` before now and `end` to now.
    pub fn with_lookback(self, lookback: Duration) -> Params {
        let now = Utc::now();
        self.with_time_range(now - lookback, now)
    }

    /// Sets one parameter in place.
    pub fn set(&mut self, name: impl Into<String>, value: impl Into<ParamValue>) {
        self.values.insert(name.into(), value.into());
    }

    /// The value of one parameter.
    pub fn get(&self, name: &str) -> Option<&ParamValue> {
        self.values.get(name)
    }

    /// Every parameter, by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &ParamValue)> {
        self.values
            .iter()
            .map(|(name, value)| (name.as_str(), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2024, 5, 10, 13, 45, 30)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn datetimes_read_absolute_and_offset_forms() {
        let at = |y, mo, d, h, mi| Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single();
        assert_eq!(parse_datetime("2024-05-01", now()), at(2024, 5, 1, 0, 0));
        assert_eq!(
            parse_datetime("2024-05-01 10:30", now()),
            at(2024, 5, 1, 10, 30)
        );
        assert_eq!(
            parse_datetime("2024-05-01T10:30:00Z", now()),
            at(2024, 5, 1, 10, 30)
        );
        assert_eq!(
            parse_datetime("-2h", now()),
            Some(now() - Duration::hours(2))
        );
        assert_eq!(parse_datetime("-3d@d", now()), at(2024, 5, 7, 0, 0));
        assert_eq!(parse_datetime("abc", now()), None);
    }

    #[test]
    fn wrong_type_names_parameter_and_value() {
        let error = ParamValue::from("abc")
            .coerce("start", ParamType::DateTime, now())
            .unwrap_err();
        assert_eq!(
            error.to_string(),
            "parameter start: expected datetime, got 'abc'"
        );
    }

    #[test]
    fn integer_days_are_an_offset() {
        let value = ParamValue::Int(-7).coerce("start", ParamType::DateTime, now());
        assert_eq!(
            value.ok(),
            Some(ParamValue::DateTime(now() - Duration::days(7)))
        );
    }

    #[test]
    fn comma_text_becomes_a_list() {
        let value = ParamValue::from("a, b").coerce("x", ParamType::List, now());
        assert_eq!(value.ok(), Some(ParamValue::from(vec!["a", "b"])));
    }

    #[test]
    fn type_names_parse_and_print() {
        assert_eq!("datetime".parse::<ParamType>(), Ok(ParamType::DateTime));
        assert_eq!(ParamType::List.to_string(), "list");
        assert!("blob".parse::<ParamType>().is_err());
    }
}
