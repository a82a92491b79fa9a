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
        OutputFormat::Csv => CsvWriter::new(&mut sink)
            .include_header(true)
            .finish(&mut frame),
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

fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn is_broken_pipe(err: &PolarsError) -> bool {
    matches!(err, PolarsError::IO { error, .. } if error.kind() == std::io::ErrorKind::BrokenPipe)
}
