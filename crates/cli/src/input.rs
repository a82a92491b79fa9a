//! Reading the CLI's input: a file or stdin, as CSV, JSON lines, JSON, Parquet or plain text.

use std::fs::File;
use std::io::{Cursor, Read};
use std::path::Path;

use anyhow::{Context, Result, bail};
use polars::prelude::*;

/// The formats `--input-format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Decide from the file name, else sniff the first bytes.
    Auto,
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
    /// A JSON array of objects.
    Json,
    /// Apache Parquet.
    Parquet,
    /// Plain text: one row per line in a column named `line`.
    Text,
}

/// The raw bytes of `path`, or of stdin when the path is `-`.
pub fn read_bytes(path: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    if path == "-" {
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("cannot read standard input")?;
    } else {
        File::open(path)
            .and_then(|mut file| file.read_to_end(&mut bytes))
            .with_context(|| format!("cannot read {path}"))?;
    }
    Ok(bytes)
}

/// Reads `path` (or stdin for `-`) into a frame.
pub fn read_frame(path: &str, format: InputFormat) -> Result<DataFrame> {
    let bytes = read_bytes(path)?;
    let format = resolve(path, &bytes, format);
    parse_named(path, bytes, format)
}

/// `format`, or for `Auto` the one [`detect`] finds in `bytes` read from `path`.
pub fn resolve(path: &str, bytes: &[u8], format: InputFormat) -> InputFormat {
    match format {
        InputFormat::Auto => detect(path, bytes),
        other => other,
    }
}

/// [`parse`], with an error that names `path` and the format.
pub fn parse_named(path: &str, bytes: Vec<u8>, format: InputFormat) -> Result<DataFrame> {
    parse(bytes, format).with_context(|| format!("cannot read {path} as {format:?}"))
}

/// The text of `path` (or stdin), as one string; invalid UTF-8 is replaced, not fatal.
pub fn read_text(path: &str) -> Result<String> {
    Ok(decode_text(path, read_bytes(path)?))
}

/// `bytes` read from `path` as text; invalid UTF-8 is replaced (with a warning), not fatal.
pub fn decode_text(path: &str, bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            tracing::warn!(path, "input is not valid UTF-8; invalid bytes replaced");
            String::from_utf8_lossy(err.as_bytes()).into_owned()
        }
    }
}

/// The format of `bytes` read from `path`: by file extension, else by the first bytes.
pub fn detect(path: &str, bytes: &[u8]) -> InputFormat {
    let extension = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    match extension.as_deref() {
        Some("csv") => return InputFormat::Csv,
        Some("jsonl" | "ndjson") => return InputFormat::Jsonl,
        Some("json") => return InputFormat::Json,
        Some("parquet" | "pq") => return InputFormat::Parquet,
        Some("txt" | "log") => return InputFormat::Text,
        _ => {}
    }

    if bytes.starts_with(b"PAR1") {
        return InputFormat::Parquet;
    }
    let start = bytes.iter().find(|b| !b.is_ascii_whitespace());
    match start {
        Some(b'[') => InputFormat::Json,
        Some(b'{') => InputFormat::Jsonl,
        _ => InputFormat::Text,
    }
}

/// Parses `bytes` in a known `format` (not `Auto`).
pub fn parse(bytes: Vec<u8>, format: InputFormat) -> Result<DataFrame> {
    let frame = match format {
        InputFormat::Csv => read_csv(bytes)?,
        InputFormat::Jsonl => JsonReader::new(Cursor::new(bytes))
            .with_json_format(JsonFormat::JsonLines)
            .infer_schema_len(std::num::NonZeroUsize::new(10_000))
            .finish()?,
        InputFormat::Json => JsonReader::new(Cursor::new(bytes)).finish()?,
        InputFormat::Parquet => ParquetReader::new(Cursor::new(bytes)).finish()?,
        InputFormat::Text => text_frame(&String::from_utf8_lossy(&bytes))?,
        InputFormat::Auto => bail!("input format was not resolved"),
    };
    Ok(frame)
}

/// CSV with a header row. A row with more fields than the header would make polars refuse the
/// whole file; then it is read again with the extra fields dropped, and a warning says so.
fn read_csv(bytes: Vec<u8>) -> Result<DataFrame> {
    let read = |bytes: &[u8], ragged: bool| {
        CsvReadOptions::default()
            .with_has_header(true)
            .with_infer_schema_length(Some(10_000))
            .map_parse_options(|o| o.with_truncate_ragged_lines(ragged))
            .into_reader_with_file_handle(Cursor::new(bytes))
            .finish()
    };
    let frame = match read(&bytes, false) {
        Ok(frame) => frame,
        Err(first) => {
            let frame = read(&bytes, true).map_err(|_| first)?;
            tracing::warn!(
                "some CSV rows have more fields than the header; their extra fields were dropped \
                 (quote fields that contain commas)"
            );
            frame
        }
    };
    Ok(iso_times(frame))
}

/// Text columns whose values are all ISO 8601 times (`2024-01-31`, `2024-01-31T10:00:00Z`,
/// `2024-01-31 10:00:00.123`) become date-times. Other layouts stay text: `7/8/2019` is
/// ambiguous, and the tools read such text times month first, as Log Analytics writes them.
fn iso_times(frame: DataFrame) -> DataFrame {
    // (column, whether its times carry a zone or offset: those are converted to UTC)
    let candidates: Vec<(String, bool)> = frame
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String)
        .filter_map(|c| {
            let first = c.str().ok()?.iter().flatten().next()?;
            looks_iso(first).then(|| (c.name().to_string(), has_zone(first)))
        })
        .collect();

    let mut out = frame;
    for (name, zoned) in candidates {
        let options = StrptimeOptions {
            strict: true,
            ..StrptimeOptions::default()
        };
        let parsed = out
            .clone()
            .lazy()
            .with_column(col(name.as_str()).str().to_datetime(
                None,
                zoned.then_some(TimeZone::UTC),
                options,
                lit("raise"),
            ))
            .collect();
        match parsed {
            Ok(frame) => out = frame,
            Err(err) => tracing::debug!(column = name, %err, "left as text"),
        }
    }
    out
}

fn has_zone(text: &str) -> bool {
    let time = text.get(10..).unwrap_or_default();
    time.ends_with('Z') || time.contains('+') || time.contains('-')
}

fn looks_iso(text: &str) -> bool {
    let b = text.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    digits(0..4)
        && b.get(4) == Some(&b'-')
        && digits(5..7)
        && b.get(7) == Some(&b'-')
        && digits(8..10)
        && matches!(b.get(10), None | Some(b'T' | b' '))
}

/// One row per line in a column named `line`.
pub fn text_frame(text: &str) -> Result<DataFrame> {
    let lines: Vec<&str> = text.lines().collect();
    Ok(DataFrame::new_infer_height(vec![Column::new(
        "line".into(),
        lines,
    )])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_by_extension_and_content() {
        assert_eq!(detect("a.csv", b""), InputFormat::Csv);
        assert_eq!(detect("-", b"PAR1...."), InputFormat::Parquet);
        assert_eq!(detect("-", b"  [{\"a\":1}]"), InputFormat::Json);
        assert_eq!(detect("-", b"{\"a\":1}\n"), InputFormat::Jsonl);
        assert_eq!(detect("-", b"hello"), InputFormat::Text);
    }

    #[test]
    fn parses_csv_and_jsonl() {
        let csv = parse(b"a,b\n1,x\n2,y\n".to_vec(), InputFormat::Csv).unwrap();
        assert_eq!(csv.shape(), (2, 2));
        let jsonl = parse(b"{\"a\":1}\n{\"a\":2}\n".to_vec(), InputFormat::Jsonl).unwrap();
        assert_eq!(jsonl.height(), 2);
        let text = parse(b"one\ntwo\n".to_vec(), InputFormat::Text).unwrap();
        assert_eq!(text.column("line").unwrap().len(), 2);
    }

    #[test]
    fn iso_times_become_datetimes_and_ambiguous_dates_stay_text() {
        let csv = b"t,u,v\n2024-01-31T10:00:00Z,7/8/2019 16:08,2024-01-31\n\
                    2024-02-01T11:30:00Z,12/30/2019 10:00,not a date\n";
        let frame = parse(csv.to_vec(), InputFormat::Csv).unwrap();
        assert!(matches!(
            frame.column("t").unwrap().dtype(),
            DataType::Datetime(_, _)
        ));
        assert_eq!(frame.column("u").unwrap().dtype(), &DataType::String);
        assert_eq!(frame.column("v").unwrap().dtype(), &DataType::String);
    }
}
