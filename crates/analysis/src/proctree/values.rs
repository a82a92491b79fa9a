//! Reading schema columns as text, process ids and timestamps, whatever their dtype.
//!
//! Process ids arrive as integers, floats (`22536.0` after a null forced a float column), decimal
//! text or hex text (`0x1948` in Windows 4688). Times arrive as polars datetimes or as text in
//! the handful of layouts Windows, Sysmon, Defender and auditd exports use.

use chrono::{DateTime, Datelike, NaiveDateTime, Timelike};
use polars::prelude::*;

/// One column's values as text, borrowed from the polars arrays: values are trimmed and empty
/// strings count as missing.
///
/// Reading through this view instead of collecting owned strings keeps the builder free of
/// per-row allocations; non-text columns are cast once (floats written without a `.0`).
#[derive(Debug, Clone)]
pub(crate) struct TextColumn {
    ca: StringChunked,
    /// First row and index of each non-empty chunk.
    starts: Vec<(usize, usize)>,
}

impl TextColumn {
    /// The column as text.
    pub fn new(col: &Column) -> PolarsResult<TextColumn> {
        let ca = string_chunked(col)?;
        let mut starts = Vec::with_capacity(ca.chunks().len());
        let mut next = 0;
        for (i, arr) in ca.downcast_iter().enumerate() {
            if arr.len() > 0 {
                starts.push((next, i));
            }
            next += arr.len();
        }
        Ok(TextColumn { ca, starts })
    }

    /// The trimmed value of `row`; `None` when null, empty or out of range.
    #[inline]
    pub fn get(&self, row: usize) -> Option<&str> {
        let slot = self.starts.partition_point(|s| s.0 <= row).checked_sub(1)?;
        let (start, chunk) = *self.starts.get(slot)?;
        let arr = self.ca.downcast_get(chunk)?;
        let at = row - start;
        if at >= arr.len() {
            return None;
        }
        arr.get(at).map(trim).filter(|t| !t.is_empty())
    }

    /// Calls `f` with every row's value in order (as [`get`](Self::get) gives it), walking the
    /// chunks in sequence instead of locating each row's chunk.
    pub fn for_each<'s>(&'s self, mut f: impl FnMut(Option<&'s str>)) {
        for arr in self.ca.downcast_iter() {
            for value in arr.iter() {
                f(value.map(trim).filter(|t| !t.is_empty()));
            }
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.ca.len()
    }
}

/// `str::trim`, with a shortcut for the usual value that starts and ends with a visible ASCII
/// character.
#[inline]
fn trim(text: &str) -> &str {
    let visible = |b: Option<&u8>| b.is_some_and(|b| b.is_ascii_graphic());
    let bytes = text.as_bytes();
    if visible(bytes.first()) && visible(bytes.last()) {
        text
    } else {
        text.trim()
    }
}

fn string_chunked(col: &Column) -> PolarsResult<StringChunked> {
    let series = col.as_materialized_series();
    match series.dtype() {
        DataType::Float32 | DataType::Float64 => {
            let floats = series.cast(&DataType::Float64)?;
            Ok(floats.f64()?.iter().map(|v| v.map(float_text)).collect())
        }
        DataType::String => Ok(series.str()?.clone()),
        _ => Ok(series.cast(&DataType::String)?.str()?.clone()),
    }
}

/// One column's values as optional text; empty strings count as missing.
pub(crate) fn text_values(col: &Column) -> PolarsResult<Vec<Option<String>>> {
    let text = TextColumn::new(col)?;
    Ok((0..text.len())
        .map(|row| text.get(row).map(str::to_string))
        .collect())
}

fn float_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e18 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

/// A process id in a form that compares equal across decimal and hex spellings (the linker
/// compares the same thing without writing numbers out).
#[cfg(test)]
pub(crate) fn pid_key(text: &str) -> String {
    match pid_number(text) {
        Some(n) => n.to_string(),
        None => text.trim().to_ascii_lowercase(),
    }
}

/// The number a process id spells (decimal, or hex after `0x`), if it is one.
pub(crate) fn pid_number(text: &str) -> Option<u64> {
    let t = text.trim();
    match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => t.parse::<u64>().ok(),
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
            let text = TextColumn::new(col)?;
            Ok(parse_time_texts(&text))
        }
    }
}

fn parse_time_texts(text: &TextColumn) -> (Vec<Option<i64>>, Vec<BadTime>) {
    let mut bad = Vec::new();
    let values = (0..text.len())
        .map(|row| {
            let t = text.get(row)?;
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
    if let Some(ns) = parse_plain_iso(t) {
        return Some(ns);
    }
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

/// Parses the common `YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z]` layout by hand (UTC).
///
/// Most exports use this layout, and chrono's general parsers cost several times more per
/// row. Anything else (offsets, leap seconds, more than nine fraction digits) returns `None`
/// and goes through chrono, which gives the same value for this layout.
fn parse_plain_iso(t: &str) -> Option<i64> {
    let b = t.as_bytes();
    let b = b.strip_suffix(b"Z").unwrap_or(b);
    if b.len() < 19 || b[4] != b'-' || b[7] != b'-' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    if b[10] != b'T' && b[10] != b' ' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let (month, day) = (digits(&b[5..7])?, digits(&b[8..10])?);
    let (hour, minute, second) = (
        digits(&b[11..13])?,
        digits(&b[14..16])?,
        digits(&b[17..19])?,
    );
    let nanos = match &b[19..] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            digits(frac)? * 10_u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    if second > 59 {
        return None;
    }
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month, day)?;
    date.and_hms_nano_opt(hour, minute, second, nanos)?
        .and_utc()
        .timestamp_nanos_opt()
}

/// The value of a run of ASCII digits (at most nine).
fn digits(b: &[u8]) -> Option<u32> {
    b.iter().try_fold(0_u32, |acc, c| {
        c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
    })
}

/// Nanoseconds rounded to msticpy's key resolution, 10 µs, half to even as pandas rounds.
pub(crate) fn round_key_ns(ns: i64) -> i64 {
    let step = 10_000_i64;
    let (q, r) = (ns.div_euclid(step), ns.rem_euclid(step));
    let q = if r * 2 > step || (r * 2 == step && q % 2 != 0) {
        q + 1
    } else {
        q
    };
    q * step
}

/// Formats nanoseconds as msticpy's key timestamp: rounded to 10 µs, `%Y-%m-%d %H:%M:%S.%f`.
#[cfg(test)]
pub(crate) fn key_time(ns: i64) -> String {
    let mut out = String::new();
    push_key_time(&mut out, ns);
    out
}

/// Appends msticpy's key timestamp of `ns` (see [`round_key_ns`]) to `out`.
///
/// Written out by hand into a stack buffer: chrono's strftime re-parses the format string on
/// every call, and this runs once per process.
pub(crate) fn push_key_time(out: &mut String, ns: i64) {
    let dt = DateTime::from_timestamp_nanos(round_key_ns(ns));
    let year = dt.year();
    if !(0..=9999).contains(&year) {
        out.push_str(&format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02}.{:06}",
            year,
            dt.month(),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second(),
            dt.nanosecond() / 1_000
        ));
        return;
    }
    let mut buf = *b"0000-00-00 00:00:00.000000";
    put_digits(&mut buf[0..4], year as u32);
    put_digits(&mut buf[5..7], dt.month());
    put_digits(&mut buf[8..10], dt.day());
    put_digits(&mut buf[11..13], dt.hour());
    put_digits(&mut buf[14..16], dt.minute());
    put_digits(&mut buf[17..19], dt.second());
    put_digits(&mut buf[20..26], dt.nanosecond() / 1_000);
    out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
}

/// Writes key timestamps like [`push_key_time`], keeping the last date's text: consecutive
/// processes nearly always start on the same day, and the calendar date is most of the work.
#[derive(Debug, Default)]
pub(crate) struct KeyTimeWriter {
    /// Days since the epoch of `date`.
    day: Option<i64>,
    /// `YYYY-MM-DD ` of `day`.
    date: [u8; 11],
}

impl KeyTimeWriter {
    /// Appends the key timestamp of `ns` to `out`.
    pub fn push(&mut self, out: &mut String, ns: i64) {
        let ns = round_key_ns(ns);
        let secs = ns.div_euclid(1_000_000_000);
        let day = secs.div_euclid(86_400);
        if self.day != Some(day) && !self.set_day(day) {
            push_key_time(out, ns);
            return;
        }
        let in_day = secs.rem_euclid(86_400) as u32;
        let micros = (ns.rem_euclid(1_000_000_000) / 1_000) as u32;
        let mut buf = *b"0000-00-00 00:00:00.000000";
        buf[..11].copy_from_slice(&self.date);
        put_digits(&mut buf[11..13], in_day / 3_600);
        put_digits(&mut buf[14..16], in_day / 60 % 60);
        put_digits(&mut buf[17..19], in_day % 60);
        put_digits(&mut buf[20..26], micros);
        out.push_str(std::str::from_utf8(&buf).unwrap_or_default());
    }

    /// Makes `day` the cached date; `false` (cache unchanged) for years that need more than
    /// four digits, which [`push_key_time`] writes the long way.
    fn set_day(&mut self, day: i64) -> bool {
        let Some(dt) = DateTime::from_timestamp(day * 86_400, 0) else {
            return false;
        };
        let year = dt.year();
        if !(0..=9999).contains(&year) {
            return false;
        }
        let mut date = *b"0000-00-00 ";
        put_digits(&mut date[0..4], year as u32);
        put_digits(&mut date[5..7], dt.month());
        put_digits(&mut date[8..10], dt.day());
        self.date = date;
        self.day = Some(day);
        true
    }
}

/// Writes the last `slot.len()` decimal digits of `value` into `slot`, zero-padded.
fn put_digits(slot: &mut [u8], value: u32) {
    let mut v = value;
    for b in slot.iter_mut().rev() {
        *b = b'0' + (v % 10) as u8;
        v /= 10;
    }
}

/// Appends `value` zero-padded to at least `width` digits.
pub(crate) fn push_padded(out: &mut String, value: u32, width: usize) {
    let mut buf = [b'0'; 10];
    let mut v = value;
    let mut len = 0;
    while v > 0 || len == 0 {
        buf[9 - len] = b'0' + (v % 10) as u8;
        v /= 10;
        len += 1;
    }
    for _ in len..width {
        out.push('0');
    }
    out.push_str(std::str::from_utf8(&buf[10 - len..]).unwrap_or_default());
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
    fn cached_key_times_match() {
        let mut writer = KeyTimeWriter::default();
        let day = 86_400_000_000_000_i64;
        let times = [
            0,
            5_000,
            15_000,
            day - 1,
            day,
            -1,
            -day - 7_000,
            parse_time("2021-06-23 03:08:14.159814200+00:00").unwrap_or_default(),
            -9_000_000_000_000_000_000,
            9_000_000_000_000_000_000,
        ];
        for ns in times {
            let mut cached = String::new();
            writer.push(&mut cached, ns);
            assert_eq!(cached, key_time(ns), "{ns}");
        }
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
