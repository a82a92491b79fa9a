//! A small row-by-row table builder that becomes a DataFrame and a CSV or JSON lines file.

use std::fs::File;
use std::path::Path;

use chrono::{DateTime, Utc};
use polars::prelude::*;

use crate::DataError;

/// One cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// No value.
    Null,
}

/// Text cell.
pub fn s(text: impl Into<String>) -> Cell {
    Cell::Str(text.into())
}

/// Integer cell.
pub fn i(value: i64) -> Cell {
    Cell::Int(value)
}

/// Float cell.
pub fn f(value: f64) -> Cell {
    Cell::Float(value)
}

/// Time cell, written ISO 8601 with milliseconds and `Z`.
pub fn t(time: DateTime<Utc>) -> Cell {
    Cell::Str(time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// Rows of named cells over a fixed column list.
#[derive(Debug, Clone)]
pub struct Table {
    /// The table (and file stem) name.
    pub name: &'static str,
    columns: Vec<&'static str>,
    rows: Vec<Vec<Cell>>,
}

impl Table {
    /// A table with these columns, in this order.
    pub fn new(name: &'static str, columns: &[&'static str]) -> Table {
        Table {
            name,
            columns: columns.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Adds a row; columns not named are null, names not in the table are a programming error
    /// caught by the sample tests (they are ignored here).
    pub fn push(&mut self, cells: Vec<(&str, Cell)>) {
        let mut row = vec![Cell::Null; self.columns.len()];
        for (name, cell) in cells {
            match self.columns.iter().position(|c| *c == name) {
                Some(index) => row[index] = cell,
                None => tracing::debug!(table = self.name, column = name, "unknown sample column"),
            }
        }
        self.rows.push(row);
    }

    /// How many rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The column names.
    pub fn columns(&self) -> &[&'static str] {
        &self.columns
    }

    /// Sorts rows by a text column (ISO times sort as text).
    pub fn sort_by(&mut self, column: &str) {
        let Some(index) = self.columns.iter().position(|c| *c == column) else {
            return;
        };
        self.rows.sort_by(|a, b| match (&a[index], &b[index]) {
            (Cell::Str(x), Cell::Str(y)) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
    }

    /// The table as a DataFrame; a column's type is that of its first non-null cell.
    pub fn to_frame(&self) -> Result<DataFrame, DataError> {
        let height = self.rows.len();
        let mut columns = Vec::with_capacity(self.columns.len());
        for (index, name) in self.columns.iter().enumerate() {
            let cells = self.rows.iter().map(|row| &row[index]);
            let first = cells.clone().find(|c| **c != Cell::Null);
            let column = match first {
                Some(Cell::Int(_)) => {
                    Column::new((*name).into(), cells.map(as_int).collect::<Vec<_>>())
                }
                Some(Cell::Float(_)) => {
                    Column::new((*name).into(), cells.map(as_float).collect::<Vec<_>>())
                }
                _ => Column::new((*name).into(), cells.map(as_text).collect::<Vec<_>>()),
            };
            columns.push(column);
        }
        DataFrame::new(height, columns)
            .map_err(|e| DataError::frame(format!("sample {}", self.name), e))
    }

    /// Writes `<dir>/<name>.csv` or `.jsonl`.
    pub fn write(&self, dir: &Path, json_lines: bool) -> Result<std::path::PathBuf, DataError> {
        let extension = if json_lines { "jsonl" } else { "csv" };
        let path = dir.join(format!("{}.{extension}", self.name));
        let mut frame = self.to_frame()?;
        let mut file = File::create(&path).map_err(|source| DataError::Write {
            path: path.clone(),
            source,
        })?;
        let result = if json_lines {
            JsonWriter::new(&mut file)
                .with_json_format(JsonFormat::JsonLines)
                .finish(&mut frame)
        } else {
            CsvWriter::new(&mut file)
                .include_header(true)
                .finish(&mut frame)
        };
        result.map_err(|e| DataError::frame(format!("writing {}", path.display()), e))?;
        Ok(path)
    }
}

fn as_int(cell: &Cell) -> Option<i64> {
    match cell {
        Cell::Int(value) => Some(*value),
        Cell::Float(value) => Some(*value as i64),
        _ => None,
    }
}

fn as_float(cell: &Cell) -> Option<f64> {
    match cell {
        Cell::Float(value) => Some(*value),
        Cell::Int(value) => Some(*value as f64),
        _ => None,
    }
}

fn as_text(cell: &Cell) -> Option<String> {
    match cell {
        Cell::Str(text) => Some(text.clone()),
        Cell::Int(value) => Some(value.to_string()),
        Cell::Float(value) => Some(value.to_string()),
        Cell::Null => None,
    }
}
