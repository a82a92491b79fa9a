//! CSV feeds: a header row, then one indicator per row.
//!
//! The indicator column is `ioc`, `indicator`, `value` or `observable`; optional columns are
//! `type` (msticpy type names; detected when absent or unreadable), `severity`
//! (information/low/medium/high and synonyms; default `medium`) and `description`. Any other
//! column is kept in the entry's details. Quoted fields may hold commas and `""`; a field
//! may not span lines.

use std::path::Path;

use serde_json::{Map, Value};

use super::{FeedEntry, FeedProvider};
use crate::asn::split_csv_line;
use crate::ti::{Severity, TiError, detect};

const IOC_NAMES: [&str; 4] = ["ioc", "indicator", "value", "observable"];

/// Reads a CSV feed file.
pub fn from_path(path: &Path) -> Result<FeedProvider, TiError> {
    let text = std::fs::read_to_string(path).map_err(|e| TiError::File {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    from_str(&text, &name)
}

/// Reads CSV feed text; `source` names it in entries and problems.
pub fn from_str(text: &str, source: &str) -> Result<FeedProvider, TiError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'));
    let Some((_, header)) = lines.next() else {
        return Err(TiError::File {
            path: source.to_string(),
            message: "the file is empty".into(),
        });
    };
    let header: Vec<String> = split_csv_line(header)
        .into_iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let Some(ioc_col) = header.iter().position(|h| IOC_NAMES.contains(&h.as_str())) else {
        return Err(TiError::File {
            path: source.to_string(),
            message: format!(
                "no indicator column: the header needs one of {IOC_NAMES:?}, found {header:?}"
            ),
        });
    };
    let find = |name: &str| header.iter().position(|h| h == name);
    let (type_col, severity_col, description_col) =
        (find("type"), find("severity"), find("description"));

    let mut feed = FeedProvider::new(source);
    for (index, line) in lines {
        let fields = split_csv_line(line);
        if fields.len() != header.len() {
            feed.note_problem(format!(
                "{source} line {}: {} fields where the header has {}; row skipped",
                index + 1,
                fields.len(),
                header.len()
            ));
            continue;
        }
        let value = fields[ioc_col].trim().to_string();
        if value.is_empty() {
            feed.note_problem(format!(
                "{source} line {}: empty indicator; row skipped",
                index + 1
            ));
            continue;
        }
        let ioc_type = type_col
            .and_then(|c| fields[c].parse().ok())
            .unwrap_or_else(|| detect(&value));
        let severity = match severity_col
            .map(|c| fields[c].trim())
            .filter(|s| !s.is_empty())
        {
            Some(text) => text.parse().unwrap_or_else(|_| {
                feed.note_problem(format!(
                    "{source} line {}: severity {text:?} not understood; medium used",
                    index + 1
                ));
                Severity::Medium
            }),
            None => Severity::Medium,
        };
        let mut extra = Map::new();
        for (i, name) in header.iter().enumerate() {
            if Some(i) != type_col
                && Some(i) != severity_col
                && Some(i) != description_col
                && i != ioc_col
            {
                extra.insert(name.clone(), Value::String(fields[i].clone()));
            }
        }
        feed.add(FeedEntry {
            value,
            ioc_type,
            severity,
            malicious: severity > Severity::Information,
            description: description_col
                .map(|c| fields[c].clone())
                .filter(|d| !d.is_empty()),
            source: source.to_string(),
            extra: Value::Object(extra),
        });
    }
    Ok(feed)
}
