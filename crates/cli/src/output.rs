//! Writing the CLI's results: CSV or JSON lines to stdout or a file.

use std::fs::File;
use std::io::{BufWriter, Write};

use anyhow::{Context, Result};
use polars::prelude::*;

/// The formats `--output-format` accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// Writes `frame` to `path` (stdout for `-` or none).
pub fn write_frame(frame: &mut DataFrame, format: OutputFormat, path: Option<&str>) -> Result<()> {
    let mut sink = open_sink(path)?;

    // Nested values (lists, structs) and bytes have no CSV form; write them as text.
    let mut frame = match format {
        OutputFormat::Csv => flatten_nested(frame)?,
        OutputFormat::Jsonl => frame.clone(),
    };
    let result = match format {
        // The header is written here: polars' header writer fills an 8 MiB zeroed buffer on
        // first use, which was a sixth of the CLI's peak memory on small inputs.
        OutputFormat::Csv => write_csv_header(&mut sink, &frame).and_then(|()| {
            CsvWriter::new(&mut sink)
                .include_header(false)
                .finish(&mut frame)
        }),
        OutputFormat::Jsonl => JsonWriter::new(&mut sink)
            .with_json_format(JsonFormat::JsonLines)
            .finish(&mut frame),
    };
    match result {
        Err(err) if is_broken_pipe(&err) => return Ok(()),
        other => anyhow::Context::context(other, "cannot write the result")?,
    }

    match sink.flush() {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write the result"),
    }
}

/// A buffered writer to `path`, or to stdout for `-` or none.
pub fn open_sink(path: Option<&str>) -> Result<BufWriter<Box<dyn Write>>> {
    let sink: Box<dyn Write> = match path {
        None | Some("-") => Box::new(std::io::stdout().lock()),
        Some(path) => {
            Box::new(File::create(path).with_context(|| format!("cannot create {path}"))?)
        }
    };
    Ok(BufWriter::new(sink))
}

fn flatten_nested(frame: &DataFrame) -> Result<DataFrame> {
    let nested: Vec<String> = frame
        .columns()
        .iter()
        .filter(|c| c.dtype().is_nested() || matches!(c.dtype(), DataType::Binary))
        .map(|c| c.name().to_string())
        .collect();
    if nested.is_empty() {
        return Ok(frame.clone());
    }

    let mut out = frame.clone();
    for name in nested {
        let column = frame.column(&name)?;
        if let Ok(bytes) = column.binary() {
            let hex: Vec<Option<String>> = bytes.iter().map(|v| v.map(to_hex)).collect();
            out.with_column(Column::new(name.as_str().into(), hex))?;
            continue;
        }
        let texts: Vec<Option<String>> = (0..column.len())
            .map(|i| {
                column
                    .get(i)
                    .ok()
                    .filter(|v| !v.is_null())
                    .map(|v| v.to_string())
            })
            .collect();
        out.with_column(Column::new(name.as_str().into(), texts))?;
    }
    Ok(out)
}

/// The header row as polars writes it: names joined by commas, a name quoted (with `"` doubled)
/// when it is empty or holds a comma, a quote or a line break.
fn write_csv_header(sink: &mut impl Write, frame: &DataFrame) -> PolarsResult<()> {
    let mut line = String::new();
    for (i, name) in frame.get_column_names().iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_csv_field(&mut line, name.as_str());
    }
    line.push('\n');

    sink.write_all(line.as_bytes())?;
    Ok(())
}

fn push_csv_field(line: &mut String, field: &str) {
    if !field.is_empty() && !field.contains([',', '"', '\n', '\r']) {
        line.push_str(field);
        return;
    }
    line.push('"');
    line.push_str(&field.replace('"', "\"\""));
    line.push('"');
}

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_broken_pipe(err: &PolarsError) -> bool {
    matches!(err, PolarsError::IO { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The header written here is byte for byte the one polars writes.
    #[test]
    fn header_matches_polars() {
        let names = [
            "plain",
            "with,comma",
            "say \"hi\"",
            "two\nlines",
            "cr\rhere",
            "",
            " spaced ",
            "tab\tin",
            "é",
        ];
        let columns = names
            .iter()
            .map(|n| Column::new((*n).into(), [1i32, 2]))
            .collect::<Vec<_>>();
        let mut frame = DataFrame::new(2, columns).unwrap();

        let mut ours = Vec::new();
        write_csv_header(&mut ours, &frame).unwrap();
        CsvWriter::new(&mut ours)
            .include_header(false)
            .finish(&mut frame)
            .unwrap();
        let mut theirs = Vec::new();
        CsvWriter::new(&mut theirs)
            .include_header(true)
            .finish(&mut frame)
            .unwrap();

        assert_eq!(
            String::from_utf8_lossy(&ours),
            String::from_utf8_lossy(&theirs)
        );
        let mut none = (Vec::new(), Vec::new(), DataFrame::empty());
        write_csv_header(&mut none.0, &none.2).unwrap();
        CsvWriter::new(&mut none.0)
            .include_header(false)
            .finish(&mut none.2)
            .unwrap();
        CsvWriter::new(&mut none.1)
            .include_header(true)
            .finish(&mut none.2)
            .unwrap();
        assert_eq!(none.0, none.1, "a frame without columns");

        assert!(ours.starts_with(b"plain,\"with,comma\",\"say \"\"hi\"\"\","));
    }
}
