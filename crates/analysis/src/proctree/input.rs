//! The schema's columns read out of the input frame, row-aligned, plus the problems found.

use polars::prelude::*;

use super::ProcTreeError;
use super::schema::ProcSchema;
use super::values::{TextColumn, time_values};

/// A row-level problem: the row is either skipped or kept with a caveat, as `message` says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RowIssue {
    /// Input row number (0-based).
    pub row: usize,
    /// Column concerned.
    pub field: String,
    /// The offending value, if there was one.
    pub value: Option<String>,
    /// What was wrong and what happened to the row.
    pub message: String,
}

/// Schema columns of the input, one entry per input row; text is borrowed from the frame's
/// arrays (see [`TextColumn`]), times are parsed once.
pub(crate) struct Inputs {
    pub rows: usize,
    pub time: Vec<Option<i64>>,
    pub name: TextColumn,
    pub pid: TextColumn,
    pub ppid: TextColumn,
    pub parent_name: Option<TextColumn>,
    pub host: Option<TextColumn>,
    pub cmd_line: Option<TextColumn>,
    /// Whether each row passes the schema's event filter; `None` when every row does.
    pub process_event: Option<Vec<bool>>,
    pub exact: Option<ExactParents>,
    pub issues: Vec<RowIssue>,
}

/// Defender parent and grandparent columns.
pub(crate) struct ExactParents {
    pub parent_time: Vec<Option<i64>>,
    pub parent_cmd_line: Option<TextColumn>,
    pub gp_id: TextColumn,
    pub gp_name: TextColumn,
    pub gp_time: Vec<Option<i64>>,
}

impl Inputs {
    /// Reads every schema column; a missing required column is an error, a missing optional
    /// one is treated as absent.
    pub fn read(df: &DataFrame, schema: &ProcSchema) -> Result<Inputs, ProcTreeError> {
        let mut issues = Vec::new();
        let time = read_times(df, schema, &schema.time, &mut issues)?;
        let exact = match &schema.parent_columns {
            Some(p) => Some(ExactParents {
                parent_time: read_times(df, schema, &p.parent_time, &mut issues)?,
                parent_cmd_line: optional_text(df, p.parent_cmd_line.as_deref())?,
                gp_id: required_text(df, schema, &p.grandparent_id)?,
                gp_name: required_text(df, schema, &p.grandparent_name)?,
                gp_time: read_times(df, schema, &p.grandparent_time, &mut issues)?,
            }),
            None => None,
        };
        Ok(Inputs {
            rows: df.height(),
            time,
            name: required_text(df, schema, &schema.process_name)?,
            pid: required_text(df, schema, &schema.process_id)?,
            ppid: required_text(df, schema, &schema.parent_id)?,
            parent_name: optional_text(df, schema.parent_name.as_deref())?,
            host: optional_text(df, schema.host.as_deref())?,
            cmd_line: optional_text(df, schema.cmd_line.as_deref())?,
            process_event: event_filter(df, schema)?,
            exact,
            issues,
        })
    }

    /// Whether the row is a process-creation event under the schema's event filter.
    #[inline]
    pub fn is_process_event(&self, row: usize) -> bool {
        self.process_event
            .as_ref()
            .is_none_or(|keep| keep.get(row).copied().unwrap_or(false))
    }
}

fn column<'a>(df: &'a DataFrame, name: &str) -> Option<&'a Column> {
    df.column(name).ok()
}

fn required_text(
    df: &DataFrame,
    schema: &ProcSchema,
    name: &str,
) -> Result<TextColumn, ProcTreeError> {
    let col = column(df, name).ok_or_else(|| missing(schema, name))?;
    Ok(TextColumn::new(col)?)
}

fn optional_text(df: &DataFrame, name: Option<&str>) -> Result<Option<TextColumn>, ProcTreeError> {
    match name.and_then(|n| column(df, n)) {
        Some(col) => Ok(Some(TextColumn::new(col)?)),
        None => Ok(None),
    }
}

/// Which rows carry the schema's event id, when the schema filters on one.
///
/// An integer column is compared as numbers when the wanted id is written the way an integer
/// prints (`4688`): the same answer as comparing the text, without casting every row to text.
fn event_filter(df: &DataFrame, schema: &ProcSchema) -> Result<Option<Vec<bool>>, ProcTreeError> {
    let (Some(col), Some(want)) = (
        schema
            .event_id_column
            .as_deref()
            .and_then(|n| column(df, n)),
        schema.event_id_value.as_deref(),
    ) else {
        return Ok(None);
    };
    let number = want.parse::<i64>().ok().filter(|n| n.to_string() == want);
    if let (Some(n), true) = (number, col.dtype().is_integer()) {
        let ids = col.as_materialized_series().cast(&DataType::Int64)?;
        return Ok(Some(ids.i64()?.iter().map(|id| id == Some(n)).collect()));
    }
    let ids = TextColumn::new(col)?;
    Ok(Some(
        (0..ids.len())
            .map(|row| ids.get(row) == Some(want))
            .collect(),
    ))
}

fn read_times(
    df: &DataFrame,
    schema: &ProcSchema,
    name: &str,
    issues: &mut Vec<RowIssue>,
) -> Result<Vec<Option<i64>>, ProcTreeError> {
    let col = column(df, name).ok_or_else(|| missing(schema, name))?;
    let (values, bad) = time_values(col)?;
    issues.extend(bad.into_iter().map(|b| {
        RowIssue {
            row: b.row,
            field: name.to_string(),
            value: Some(b.text),
            message: "unparseable timestamp; use ISO 8601 (2024-01-31T12:00:00.123Z) or cast the \
                  column to Datetime"
                .to_string(),
        }
    }));
    Ok(values)
}

fn missing(schema: &ProcSchema, name: &str) -> ProcTreeError {
    ProcTreeError::MissingColumn {
        schema: schema.label.clone(),
        column: name.to_string(),
    }
}
