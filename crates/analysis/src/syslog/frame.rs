//! Raw syslog text as a DataFrame, one row per line, with Log Analytics' Syslog column names.

use std::path::Path;

use chrono::Datelike;
use polars::prelude::*;

use super::SyslogError;
use super::line::{SyslogLine, parse_line};

/// Settings for reading raw syslog text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Year for RFC 3164 timestamps (which carry none); default: the current UTC year, and
    /// the year before for dates that would lie more than a day in the future.
    pub year: Option<i32>,
}

impl ReadOptions {
    /// Sets [`year`](Self::year).
    pub fn with_year(mut self, year: i32) -> Self {
        self.year = Some(year);
        self
    }
}

/// The output columns of [`read_syslog`], in order.
pub const COLUMNS: [&str; 13] = [
    "line",
    "TimeGenerated",
    "Computer",
    "HostName",
    "Facility",
    "SeverityLevel",
    "ProcessName",
    "ProcessID",
    "MsgId",
    "StructuredData",
    "SyslogMessage",
    "format",
    "error",
];

/// Every non-empty line of `text` as a row; lines that do not parse keep their text in
/// `SyslogMessage` and say why in `error`.
///
/// Columns: `line` (u32, 1-based), `TimeGenerated` (UTC), `Computer` and `HostName` (the
/// host field), `Facility`, `SeverityLevel` (from PRI; null without one), `ProcessName`,
/// `ProcessID` (i64), `MsgId`, `StructuredData` (RFC 5424), `SyslogMessage`, `format`
/// (`rfc3164` / `rfc5424`), `error`.
pub fn read_syslog(text: &str, opts: &ReadOptions) -> Result<DataFrame, SyslogError> {
    let now = chrono::Utc::now();
    let year = opts.year.unwrap_or_else(|| now.year());
    let future_limit = now.timestamp_millis() + 86_400_000;

    let mut numbers = Vec::new();
    let mut lines: Vec<SyslogLine> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        if raw.trim().is_empty() {
            continue;
        }
        let mut parsed = parse_line(raw, year);
        if opts.year.is_none()
            && parsed.time_ms.is_some_and(|t| t > future_limit)
            && parsed.format == Some(super::line::Format::Rfc3164)
        {
            parsed = parse_line(raw, year - 1);
        }
        numbers.push(u32::try_from(i + 1).unwrap_or(u32::MAX));
        lines.push(parsed);
    }
    Ok(lines_to_frame(&numbers, &lines)?)
}

/// [`read_syslog`] on a file; bytes that are not UTF-8 are replaced, never fatal.
pub fn read_syslog_file(
    path: impl AsRef<Path>,
    opts: &ReadOptions,
) -> Result<DataFrame, SyslogError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| SyslogError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_syslog(&String::from_utf8_lossy(&bytes), opts)
}

fn lines_to_frame(numbers: &[u32], lines: &[SyslogLine]) -> PolarsResult<DataFrame> {
    let l = lines;
    let text = |f: &dyn Fn(&SyslogLine) -> Option<String>| -> Vec<Option<String>> {
        l.iter().map(f).collect()
    };
    let cols = vec![
        Column::new("line".into(), numbers),
        crate::cmdline::columns::datetime_column(
            "TimeGenerated",
            l.iter().map(|x| x.time_ms).collect(),
        ),
        Column::new("Computer".into(), text(&|x| x.host.clone())),
        Column::new("HostName".into(), text(&|x| x.host.clone())),
        Column::new("Facility".into(), text(&|x| x.facility.map(str::to_string))),
        Column::new(
            "SeverityLevel".into(),
            text(&|x| x.severity.map(str::to_string)),
        ),
        Column::new("ProcessName".into(), text(&|x| x.app.clone())),
        Column::new(
            "ProcessID".into(),
            l.iter().map(|x| x.pid).collect::<Vec<_>>(),
        ),
        Column::new("MsgId".into(), text(&|x| x.msg_id.clone())),
        Column::new(
            "StructuredData".into(),
            text(&|x| x.structured_data.clone()),
        ),
        Column::new("SyslogMessage".into(), text(&|x| Some(x.message.clone()))),
        Column::new("format".into(), text(&|x| x.format.map(|f| f.to_string()))),
        Column::new(
            "error".into(),
            l.iter()
                .zip(numbers)
                .map(|(x, n)| x.error.as_ref().map(|e| format!("line {n}: {e}")))
                .collect::<Vec<_>>(),
        ),
    ];
    DataFrame::new(l.len(), cols)
}
