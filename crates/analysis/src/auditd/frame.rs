//! Audit events as a DataFrame, from audit.log text or from Log Analytics rows.

use std::path::Path;

use polars::prelude::*;
use serde_json::Value;

use super::event::{AuditEvent, build_event, group_records};
use super::pyrepr;
use super::record::{self, Record, parse_body};
use crate::cmdline::ColumnError;
use crate::cmdline::columns;

/// Why audit data could not be read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The audit log file could not be read.
    #[error("cannot read audit log {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A column is missing or of the wrong type.
    #[error("{0}; pass the column holding the audit messages (msticpy: AuditdMessage)")]
    Column(#[from] ColumnError),
    /// polars refused to build the output frame.
    #[error("building the auditd output frame failed: {0}")]
    Frame(#[from] PolarsError),
}

/// Settings for reading audit data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditOptions {
    /// The host to report when a record names none (`node=`, syslog prefix, Computer column).
    pub computer: Option<String>,
    /// Keep only events of this type (e.g. `SYSCALL_EXECVE`); unreadable lines are kept too.
    pub event_type: Option<String>,
}

impl AuditOptions {
    /// Sets [`computer`](Self::computer).
    pub fn with_computer(mut self, computer: impl Into<String>) -> Self {
        self.computer = Some(computer.into());
        self
    }

    /// Sets [`event_type`](Self::event_type).
    pub fn with_event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }
}

/// The output columns, in order (see the module doc for each one's meaning).
pub const COLUMNS: [&str; 40] = [
    "TimeGenerated",
    "EventSerial",
    "mssg_id",
    "EventType",
    "RecordTypes",
    "Computer",
    "line",
    "src_row",
    "pid",
    "ppid",
    "uid",
    "auid",
    "euid",
    "gid",
    "egid",
    "suid",
    "fsuid",
    "ses",
    "syscall",
    "success",
    "exit",
    "tty",
    "comm",
    "exe",
    "cwd",
    "proctitle",
    "argc",
    "cmdline",
    "key",
    "acct",
    "op",
    "res",
    "hostname",
    "addr",
    "terminal",
    "cmd",
    "old-ses",
    "subj",
    "fields",
    "error",
];

/// Integer columns: 4294967295 (unset, `(u32)-1`) is reported as -1, as msticpy does.
const INT_FIELDS: [&str; 13] = [
    "pid", "ppid", "uid", "auid", "euid", "gid", "egid", "suid", "fsuid", "ses", "exit", "argc",
    "old-ses",
];

/// Text columns taken straight from the merged fields.
const TEXT_FIELDS: [&str; 16] = [
    "syscall",
    "success",
    "tty",
    "comm",
    "exe",
    "cwd",
    "proctitle",
    "cmdline",
    "key",
    "acct",
    "op",
    "res",
    "hostname",
    "addr",
    "terminal",
    "cmd",
];

/// Events parsed from audit text: raw `audit.log` lines or audit lines forwarded through
/// syslog. Lines without an audit header become events with only `line` and `error` set.
pub fn parse_events(text: &str, opts: &AuditOptions) -> Vec<AuditEvent> {
    let mut good: Vec<(u32, Record)> = Vec::new();
    let mut bad: Vec<AuditEvent> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            continue;
        }
        match record::parse_line(line) {
            Ok(rec) => good.push((number, rec)),
            Err(err) => bad.push(AuditEvent::failed(
                Some(number),
                None,
                format!("line {number}: {err}"),
            )),
        }
    }

    let mut events: Vec<AuditEvent> = group_records(good)
        .into_iter()
        .map(|g| build_event(g, opts.computer.as_deref()))
        .collect();
    events.extend(bad);
    events.sort_by_key(|e| e.line.unwrap_or(u32::MAX));
    events
}

/// A DataFrame of the events in audit text (columns: [`COLUMNS`]).
pub fn read_audit_log(text: &str, opts: &AuditOptions) -> Result<DataFrame, AuditError> {
    let events = filter(parse_events(text, opts), opts);
    Ok(events_to_frame(&events)?)
}

/// [`read_audit_log`] on a file; bytes that are not UTF-8 are replaced, never fatal.
pub fn read_audit_file(
    path: impl AsRef<Path>,
    opts: &AuditOptions,
) -> Result<DataFrame, AuditError> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|source| AuditError::Io {
        path: path.display().to_string(),
        source,
    })?;
    read_audit_log(&String::from_utf8_lossy(&bytes), opts)
}

/// Events from Log Analytics rows (msticpy's `extract_events_to_df`): `input_column`
/// holds a Python-literal or JSON list of `{TYPE: ["k=v", …]}` records, or raw audit text.
///
/// The event time comes from `mssg_id` (`"SECONDS.MS:SERIAL"`) when the frame has it, else
/// from `TimeGenerated`; `Computer` is carried over. One output row per input row, in order;
/// every other input column is appended unchanged (unless the name is already an output column).
pub fn extract_events_to_df(
    df: &DataFrame,
    input_column: &str,
    opts: &AuditOptions,
) -> Result<DataFrame, AuditError> {
    let messages = columns::strings(df, input_column)?;
    let ids = columns::strings_or_null(df, "mssg_id");
    let computers = columns::strings_or_null(df, "Computer");
    let times = columns::times_ms(df, "TimeGenerated").unwrap_or_else(|_| vec![None; df.height()]);

    let mut events = Vec::with_capacity(messages.len());
    for (row, message) in messages.iter().enumerate() {
        let computer = computers[row].as_deref().or(opts.computer.as_deref());
        let stamp = ids[row]
            .as_deref()
            .and_then(parse_mssg_id)
            .or(times[row].map(|t| (t, 0)));
        let mut event = row_event(message.as_deref(), stamp, computer, row as u32);
        if ids[row].is_none() && stamp.is_some() {
            event.serial = event.serial.filter(|s| *s != 0);
        }
        events.push(event);
    }

    let out = events_to_frame(&events)?;
    let out = append_other_columns(out, df, input_column)?;
    Ok(match &opts.event_type {
        Some(wanted) => keep_type(&out, wanted, true)?,
        None => out,
    })
}

/// Events from rows that each hold one audit record — audit lines forwarded through syslog
/// (`audispd`/`audisp-syslog` in the Syslog table) — with the records of one event merged
/// across rows. `src_row` is the event's first row; `Computer` comes from `node=`, then the
/// row's `Computer` column, then the option. Rows without an audit header are kept as
/// unreadable events (with `src_row` and `error`).
pub fn extract_records_to_df(
    df: &DataFrame,
    input_column: &str,
    opts: &AuditOptions,
) -> Result<DataFrame, AuditError> {
    let messages = columns::strings(df, input_column)?;
    let computers = columns::strings_or_null(df, "Computer");

    let mut good: Vec<(u32, Record)> = Vec::new();
    let mut bad: Vec<AuditEvent> = Vec::new();
    for (row, message) in messages.iter().enumerate() {
        let row = u32::try_from(row).unwrap_or(u32::MAX);
        let Some(message) = message.as_deref().filter(|m| !m.trim().is_empty()) else {
            continue;
        };
        match record::parse_line(message) {
            Ok(mut rec) => {
                if rec.node.is_none() {
                    rec.node = computers[row as usize].clone();
                }
                good.push((row, rec));
            }
            Err(err) => bad.push(AuditEvent::failed(
                None,
                Some(row),
                format!("row {row}: {err}"),
            )),
        }
    }

    let mut events: Vec<AuditEvent> = group_records(good)
        .into_iter()
        .map(|group| {
            let first = group.iter().map(|(row, _)| *row).min();
            let mut event = build_event(group, opts.computer.as_deref());
            event.line = None;
            event.src_row = first;
            event
        })
        .collect();
    events.extend(bad);
    events.sort_by_key(|e| e.src_row.unwrap_or(u32::MAX));
    Ok(events_to_frame(&filter(events, opts))?)
}

/// Only the rows whose `EventType` is `event_type` (msticpy's `get_event_subset`).
pub fn event_subset(df: &DataFrame, event_type: &str) -> Result<DataFrame, AuditError> {
    keep_type(df, event_type, false)
}

/// Rows of `event_type`, and with `keep_unread` the rows that could not be read at all.
fn keep_type(df: &DataFrame, event_type: &str, keep_unread: bool) -> Result<DataFrame, AuditError> {
    let types = columns::strings(df, "EventType")?;
    let mask: BooleanChunked = types
        .iter()
        .map(|t| Some(t.as_deref() == Some(event_type) || (keep_unread && t.is_none())))
        .collect();
    Ok(df.filter(&mask)?)
}

fn filter(events: Vec<AuditEvent>, opts: &AuditOptions) -> Vec<AuditEvent> {
    match &opts.event_type {
        Some(wanted) => events
            .into_iter()
            .filter(|e| e.event_type.is_none() || e.event_type.as_ref() == Some(wanted))
            .collect(),
        None => events,
    }
}

/// `"1550505627.301:9077922"` → (milliseconds, serial).
fn parse_mssg_id(id: &str) -> Option<(i64, u64)> {
    let (time, serial) = id.trim().split_once(':').unwrap_or((id.trim(), "0"));
    let (secs, frac) = time.split_once('.').unwrap_or((time, "0"));
    let secs: i64 = secs.parse().ok()?;
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    Some((
        secs.checked_mul(1000)?
            .checked_add(frac.parse::<i64>().ok()?)?,
        serial.parse().ok()?,
    ))
}

fn row_event(
    message: Option<&str>,
    stamp: Option<(i64, u64)>,
    computer: Option<&str>,
    row: u32,
) -> AuditEvent {
    let Some(message) = message.map(str::trim).filter(|m| !m.is_empty()) else {
        return AuditEvent::failed(
            None,
            Some(row),
            format!("row {row}: the audit message is empty"),
        );
    };

    let records = if message.starts_with('[') {
        match pyrepr::parse_message(message) {
            Ok(records) => literal_records(records, stamp),
            Err(err) => return AuditEvent::failed(None, Some(row), format!("row {row}: {err}")),
        }
    } else {
        let parsed: Result<Vec<Record>, _> = message
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(record::parse_line)
            .collect();
        match parsed {
            Ok(records) => records,
            Err(err) => return AuditEvent::failed(None, Some(row), format!("row {row}: {err}")),
        }
    };
    if records.is_empty() {
        return AuditEvent::failed(
            None,
            Some(row),
            format!("row {row}: the audit message has no records"),
        );
    }

    let mut event = build_event(records.into_iter().map(|r| (0, r)).collect(), computer);
    event.src_row = Some(row);
    event
}

/// Records from the literal form; the exporter split values on spaces, so items are
/// re-joined before tokenising (which restores quoted values that held spaces).
fn literal_records(records: Vec<pyrepr::PyRecord>, stamp: Option<(i64, u64)>) -> Vec<Record> {
    let (time_ms, serial) = stamp.unwrap_or((0, 0));
    records
        .into_iter()
        .map(|(record_type, items)| Record {
            fields: parse_body(&record_type, &items.join(" ")),
            record_type,
            time_ms,
            serial,
            node: None,
            prefix: None,
        })
        .collect()
}

/// Events as rows; columns in [`COLUMNS`] order.
pub fn events_to_frame(events: &[AuditEvent]) -> PolarsResult<DataFrame> {
    let n = events.len();
    let mut errors: Vec<Vec<String>> = events.iter().map(|e| e.errors.clone()).collect();

    let mut cols: Vec<Column> = vec![
        columns::datetime_column("TimeGenerated", events.iter().map(|e| e.time_ms).collect()),
        Column::new(
            "EventSerial".into(),
            events.iter().map(|e| e.serial).collect::<Vec<_>>(),
        ),
        Column::new(
            "mssg_id".into(),
            events.iter().map(mssg_id).collect::<Vec<_>>(),
        ),
        Column::new(
            "EventType".into(),
            events
                .iter()
                .map(|e| e.event_type.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "RecordTypes".into(),
            events
                .iter()
                .map(|e| (!e.record_types.is_empty()).then(|| e.record_types.join(",")))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "Computer".into(),
            events
                .iter()
                .map(|e| e.computer.clone())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "line".into(),
            events.iter().map(|e| e.line).collect::<Vec<_>>(),
        ),
        Column::new(
            "src_row".into(),
            events.iter().map(|e| e.src_row).collect::<Vec<_>>(),
        ),
    ];
    for name in &COLUMNS[8..COLUMNS.len() - 2] {
        cols.push(field_column(name, events, &mut errors));
    }
    cols.push(Column::new(
        "fields".into(),
        events.iter().map(fields_json).collect::<Vec<_>>(),
    ));
    cols.push(Column::new(
        "error".into(),
        errors
            .iter()
            .map(|e| (!e.is_empty()).then(|| e.join("; ")))
            .collect::<Vec<_>>(),
    ));
    DataFrame::new(n, cols)
}

fn field_column(name: &str, events: &[AuditEvent], errors: &mut [Vec<String>]) -> Column {
    if INT_FIELDS.contains(&name) {
        let values: Vec<Option<i64>> = events
            .iter()
            .zip(errors.iter_mut())
            .map(|(e, errs)| int_field(e, name, errs))
            .collect();
        return Column::new(name.into(), values);
    }
    let values: Vec<Option<String>> = events
        .iter()
        .map(|e| {
            if name == "cmdline" {
                e.cmdline.clone()
            } else {
                e.field(name).map(str::to_string)
            }
        })
        .collect();
    debug_assert!(TEXT_FIELDS.contains(&name) || name == "subj");
    Column::new(name.into(), values)
}

fn int_field(event: &AuditEvent, name: &str, errors: &mut Vec<String>) -> Option<i64> {
    let raw = event.field(name)?.trim();
    match raw.parse::<i64>() {
        Ok(4_294_967_295) => Some(-1),
        Ok(v) => Some(v),
        Err(_) => {
            let at = event.line.map_or_else(
                || {
                    event
                        .src_row
                        .map_or(String::new(), |r| format!("row {r}: "))
                },
                |l| format!("line {l}: "),
            );
            errors.push(format!("{at}{name}={raw:?} is not an integer"));
            None
        }
    }
}

fn mssg_id(event: &AuditEvent) -> Option<String> {
    let t = event.time_ms?;
    Some(format!(
        "{}.{:03}:{}",
        t.div_euclid(1000),
        t.rem_euclid(1000),
        event.serial.unwrap_or(0)
    ))
}

fn fields_json(event: &AuditEvent) -> Option<String> {
    (!event.all_fields.is_empty()).then(|| Value::Object(event.all_fields.clone()).to_string())
}

fn append_other_columns(
    out: DataFrame,
    input: &DataFrame,
    input_column: &str,
) -> PolarsResult<DataFrame> {
    let skip = [input_column, "TimeGenerated", "mssg_id"];
    let extra: Vec<Column> = input
        .columns()
        .iter()
        .filter(|c| !skip.contains(&c.name().as_str()) && out.column(c.name()).is_err())
        .cloned()
        .collect();
    out.hstack(&extra)
}
