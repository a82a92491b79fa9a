//! Reading schema columns as text, process ids and timestamps, whatever their dtype.
//!
//! Process ids arrive as integers, floats (`22536.0` after a null forced a float column), decimal
//! text or hex text (`0x1948` in Windows 4688). Times arrive as polars datetimes or as text in
//! the handful of layouts Windows, Sysmon, Defender and auditd exports use.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use polars::prelude::*;

/// One column's values as optional text; empty strings count as missing.
pub(crate) fn text_values(col: &Column) -> PolarsResult<Vec<Option<String>>> {
    let series = col.as_materialized_series();
    let out = match series.dtype() {
        DataType::Float32 | DataType::Float64 => {
            let floats = series.cast(&DataType::Float64)?;
            floats.f64()?.iter().map(|v| v.map(float_text)).collect()
        }
        DataType::String => series.str()?.iter().map(non_empty).collect(),
        _ => {
            let text = series.cast(&DataType::String)?;
            text.str()?.iter().map(non_empty).collect()
        }
    };
    Ok(out)
}

fn non_empty(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

fn float_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e18 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

/// A process id in a form that compares equal across decimal and hex spellings.
pub(crate) fn pid_key(text: &str) -> String {
    let t = text.trim();
    let parsed = match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse::<u64>().ok(),
    };
    match parsed {
        Some(n) => n.to_string(),
        None => t.to_ascii_lowercase(),
    }
}

/// Why a time value could not be read.
pub(crate) struct BadTime {
    /// Row of the value.
    pub row: usize,
    /// The text that failed to parse.
    pub text: String,
}

/// One column's values as nanoseconds since the Unix epoch (UTC), with the rows that failed.
pub(crate) fn time_values(col: &Column) -> PolarsResult<(Vec<Option<i64>>, Vec<BadTime>)> {
    let series = col.as_materialized_series();
    match series.dtype() {
        DataType::Datetime(_, _) | DataType::Date => {
            let ns = series.cast(&DataType::Datetime(TimeUnit::Nanoseconds, None))?;
            let phys = ns.to_physical_repr();
            let values = phys.i64()?.iter().collect();
            Ok((values, Vec::new()))
        }
        _ => {
            let text = text_values(col)?;
            Ok(parse_time_texts(&text))
        }
    }
}

fn parse_time_texts(text: &[Option<String>]) -> (Vec<Option<i64>>, Vec<BadTime>) {
    let mut bad = Vec::new();
    let values = text
        .iter()
        .enumerate()
        .map(|(row, t)| {
            let t = t.as_deref()?;
            let parsed = parse_time(t);
            if parsed.is_none() {
                bad.push(BadTime {
                    row,
                    text: t.to_string(),
                });
            }
            parsed
        })
        .collect();
    (values, bad)
}

const NAIVE_FORMATS: [&str; 6] = [
    "%Y-%m-%d %H:%M:%S%.f",
    "%Y-%m-%dT%H:%M:%S%.f",
    "%Y-%m-%d %H:%M",
    "%m/%d/%Y %H:%M:%S%.f",
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M:%S%.f %p",
];

const OFFSET_FORMATS: [&str; 2] = ["%Y-%m-%d %H:%M:%S%.f%:z", "%Y-%m-%d %H:%M:%S%.f%z"];

/// Parses a timestamp in one of the common export layouts to UTC nanoseconds.
pub(crate) fn parse_time(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return dt.timestamp_nanos_opt();
    }
    for fmt in OFFSET_FORMATS {
        if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
            return dt.timestamp_nanos_opt();
        }
    }
    let naive = t.strip_suffix('Z').unwrap_or(t);
    NAIVE_FORMATS
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(naive, fmt).ok())
        .and_then(|dt| dt.and_utc().timestamp_nanos_opt())
}

/// Formats nanoseconds as msticpy's key timestamp: rounded to 10 µs, `%Y-%m-%d %H:%M:%S.%f`.
pub(crate) fn key_time(ns: i64) -> String {
    let step = 10_000_i64;
    let (q, r) = (ns.div_euclid(step), ns.rem_euclid(step));
    // Half-to-even, as pandas rounds.
    let q = if r * 2 > step || (r * 2 == step && q % 2 != 0) {
        q + 1
    } else {
        q
    };
    let dt = DateTime::from_timestamp_nanos(q * step);
    // Written out by hand: chrono's strftime re-parses the format string on every call.
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second(),
        dt.nanosecond() / 1_000
    )
}

/// The last path component of a process path.
pub(crate) fn base_name(path: &str, sep: char) -> &str {
    let path = path.trim_end_matches(sep);
    let cut = path.rfind(['\\', '/', sep]).map_or(0, |i| i + 1);
    &path[cut..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pids_compare_across_spellings() {
        assert_eq!(pid_key("0x1948"), "6472");
        assert_eq!(pid_key("6472"), "6472");
        assert_eq!(pid_key("{ABC}"), "{abc}");
    }

    #[test]
    fn parses_export_layouts() {
        let a = parse_time("2021-06-11T09:07:17.666Z");
        let b = parse_time("2021-06-11 09:07:17.666");
        let c = parse_time("2021-06-11 09:07:17.666000+00:00");
        let d = parse_time("2021-06-11 09:07:17.666000 ");
        assert!(a.is_some());
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a, d);
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn key_time_rounds_to_ten_microseconds() {
        let ns = parse_time("2021-06-23 03:08:14.159814200+00:00").unwrap_or_default();
        assert_eq!(key_time(ns), "2021-06-23 03:08:14.159810");
        assert_eq!(key_time(0), "1970-01-01 00:00:00.000000");
    }

    #[test]
    fn base_names() {
        assert_eq!(
            base_name(r"\Device\HarddiskVolume3\Windows\cmd.exe", '\\'),
            "cmd.exe"
        );
        assert_eq!(base_name("/usr/bin/bash", '/'), "bash");
        assert_eq!(base_name("svchost.exe", '\\'), "svchost.exe");
    }
}
