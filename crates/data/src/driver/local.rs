//! The LocalData driver: CSV, JSON lines, JSON and Parquet files in a folder, and SQL over them.
//!
//! As in msticpy, a LocalData query file maps each query to a data file: the rendered
//! `args.query` is a file name (`host_logons.csv`), looked up case-insensitively under the
//! folder and its subfolders. Query text that starts with `SELECT` or `WITH` is run as SQL
//! through polars' SQL context, with every data file registered as a table named by its stem
//! (`host_logons.csv` is table `host_logons`).
//!
//! Reading: CSV with type inference and date parsing; JSON lines with malformed lines skipped
//! (each reported as a warning with its line number, the good lines kept); JSON arrays of
//! records; Parquet. Afterwards, text columns whose names say they hold times
//! (`TimeGenerated`, `*Time`, `*TimeUtc`, `*Date`, `timestamp`, …) become UTC datetimes
//! when every value in them parses. Frames are cached and re-read when the file changes.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use polars::prelude::*;
use polars::sql::SQLContext;

use super::{Driver, DriverError};

const DRIVER: &str = "LocalData";

/// File kinds the driver reads, by extension.
const EXTENSIONS: [&str; 6] = ["csv", "jsonl", "ndjson", "json", "parquet", "tsv"];

/// Queries over data files in a folder.
#[derive(Debug)]
pub struct LocalDataDriver {
    dirs: Vec<PathBuf>,
    cache: Mutex<HashMap<PathBuf, (Option<SystemTime>, DataFrame)>>,
}

impl LocalDataDriver {
    /// A driver over the files in `dir` and its subfolders.
    pub fn new(dir: impl Into<PathBuf>) -> LocalDataDriver {
        LocalDataDriver::with_dirs([dir.into()])
    }

    /// A driver over several folders; for files with the same name, the first folder wins.
    pub fn with_dirs(dirs: impl IntoIterator<Item = PathBuf>) -> LocalDataDriver {
        LocalDataDriver {
            dirs: dirs.into_iter().collect(),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Every data file, by lower-case file name.
    pub fn data_files(&self) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for dir in &self.dirs {
            collect_files(dir, &mut files);
        }
        files.sort();
        files
    }

    /// The SQL table names (file stems), sorted.
    pub fn tables(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .data_files()
            .iter()
            .filter_map(|p| table_name(p))
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Reads one data file (cached until it changes).
    pub fn read(&self, path: &Path) -> Result<DataFrame, DriverError> {
        let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
        if let Ok(cache) = self.cache.lock()
            && let Some((stamp, frame)) = cache.get(path)
            && *stamp == modified
            && modified.is_some()
        {
            return Ok(frame.clone());
        }
        let frame = read_file(path)?;
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(path.to_path_buf(), (modified, frame.clone()));
        }
        Ok(frame)
    }

    fn find_file(&self, name: &str) -> Option<PathBuf> {
        let wanted = name.trim().replace('\\', "/").to_lowercase();
        for dir in &self.dirs {
            let direct = dir.join(name.trim());
            if direct.is_file() {
                return Some(direct);
            }
            let mut files = Vec::new();
            collect_files(dir, &mut files);
            files.sort();
            let found = files.into_iter().find(|path| {
                let relative = path.strip_prefix(dir).unwrap_or(path);
                let relative = relative.to_string_lossy().replace('\\', "/").to_lowercase();
                let file_name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
                relative == wanted || file_name.as_deref() == Some(wanted.as_str())
            });
            if found.is_some() {
                return found;
            }
        }
        None
    }

    fn run_sql(&self, sql: &str) -> Result<DataFrame, DriverError> {
        let mut context = SQLContext::new();
        let mut registered = Vec::new();
        for path in self.data_files() {
            let Some(table) = table_name(&path) else {
                continue;
            };
            if registered.contains(&table) || !mentions(sql, &table) {
                continue;
            }
            context.register(&table, self.read(&path)?.lazy());
            registered.push(table);
        }
        let query_error = |error: PolarsError| DriverError::Query {
            driver: DRIVER,
            message: format!("{error} (tables: {})", self.tables().join(", ")),
        };
        context
            .execute(sql)
            .and_then(LazyFrame::collect)
            .map_err(query_error)
    }
}

impl Driver for LocalDataDriver {
    fn environments(&self) -> &[&'static str] {
        &["LocalData"]
    }

    fn query(&self, text: &str) -> Result<DataFrame, DriverError> {
        let text = text.trim();
        if is_sql(text) {
            return self.run_sql(text);
        }
        match self.find_file(text) {
            Some(path) => self.read(&path),
            None => Err(DriverError::Config {
                driver: DRIVER,
                message: format!(
                    "no data file '{text}' under {}; files are: {}",
                    self.dirs
                        .iter()
                        .map(|d| d.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                    self.data_files()
                        .iter()
                        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }),
        }
    }

    /// SQL over the files compares naive UTC datetimes, written `YYYY-MM-DD HH:MM:SS.ffffff`.
    fn format_datetime(&self, value: &DateTime<Utc>) -> String {
        value.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
    }

    /// SQL quotes text items with `'` and doubles quotes inside them.
    fn format_list(&self, items: &[String], quote: bool) -> String {
        let items: Vec<String> = if quote {
            items
                .iter()
                .map(|item| format!("'{}'", item.replace('\'', "''")))
                .collect()
        } else {
            items.to_vec()
        };
        items.join(", ")
    }
}

fn is_sql(text: &str) -> bool {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    matches!(first.as_str(), "select" | "with")
}

/// Whether `sql` names `table` as a whole word (so only tables used are read).
fn mentions(sql: &str, table: &str) -> bool {
    let sql = sql.to_lowercase();
    let table = table.to_lowercase();
    sql.match_indices(&table).any(|(start, _)| {
        let before = sql[..start].chars().next_back();
        let after = sql[start + table.len()..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        boundary(before) && boundary(after)
    })
}

fn table_name(path: &Path) -> Option<String> {
    path.file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
}

fn collect_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, files);
        } else if extension(&path).is_some_and(|ext| EXTENSIONS.contains(&ext.as_str())) {
            files.push(path);
        }
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .map(|ext| ext.to_string_lossy().to_ascii_lowercase())
}

/// Reads one file by its extension, then parses its time columns.
pub fn read_file(path: &Path) -> Result<DataFrame, DriverError> {
    let bytes = std::fs::read(path).map_err(|source| DriverError::Io {
        driver: DRIVER,
        path: path.to_path_buf(),
        source,
    })?;
    let parse_error = |error: PolarsError| DriverError::Parse {
        driver: DRIVER,
        what: path.display().to_string(),
        message: error.to_string(),
    };
    let frame = match extension(path).as_deref() {
        Some("csv") => read_csv(bytes, b',').map_err(parse_error)?,
        Some("tsv") => read_csv(bytes, b'\t').map_err(parse_error)?,
        Some("jsonl") | Some("ndjson") => read_json_lines(path, &bytes).map_err(parse_error)?,
        Some("json") => JsonReader::new(Cursor::new(bytes))
            .with_json_format(JsonFormat::Json)
            .finish()
            .map_err(parse_error)?,
        Some("parquet") => ParquetReader::new(Cursor::new(bytes))
            .finish()
            .map_err(parse_error)?,
        other => {
            return Err(DriverError::Config {
                driver: DRIVER,
                message: format!("cannot read {} (extension {other:?})", path.display()),
            });
        }
    };
    Ok(parse_time_columns(frame))
}

fn read_csv(bytes: Vec<u8>, separator: u8) -> PolarsResult<DataFrame> {
    CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(1000))
        .map_parse_options(|options| {
            options
                .with_separator(separator)
                .with_try_parse_dates(true)
                .with_truncate_ragged_lines(true)
        })
        .into_reader_with_file_handle(Cursor::new(bytes))
        .finish()
}

/// Keeps the lines that are JSON objects; the others are logged with their line numbers.
fn read_json_lines(path: &Path, bytes: &[u8]) -> PolarsResult<DataFrame> {
    let text = String::from_utf8_lossy(bytes);
    let mut good = String::with_capacity(text.len());
    let mut bad = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<serde_json::Value>(line) {
            Ok(serde_json::Value::Object(_)) => {
                good.push_str(line);
                good.push('\n');
            }
            _ => bad.push(number + 1),
        }
    }
    if !bad.is_empty() {
        tracing::warn!(
            file = %path.display(),
            lines = ?bad.iter().take(20).collect::<Vec<_>>(),
            count = bad.len(),
            "skipped JSON lines that are not JSON objects"
        );
    }
    if good.is_empty() {
        return Ok(DataFrame::empty());
    }
    JsonReader::new(Cursor::new(good.into_bytes()))
        .with_json_format(JsonFormat::JsonLines)
        .finish()
}

/// Whether a column name says it holds times.
pub fn is_time_column(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [
        "time",
        "timeutc",
        "timestamp",
        "date",
        "datetime",
        "_time",
        "@timestamp",
    ]
    .iter()
    .any(|suffix| lower.ends_with(suffix))
        || lower.starts_with("time")
        || lower == "ts"
}

/// Converts text columns with time-like names to datetimes (µs, naive UTC) when every non-null
/// value parses; other columns are left alone.
pub fn parse_time_columns(mut frame: DataFrame) -> DataFrame {
    let candidates: Vec<PlSmallStr> = frame
        .columns()
        .iter()
        .filter(|c| c.dtype() == &DataType::String && is_time_column(c.name()))
        .map(|c| c.name().clone())
        .collect();
    for name in candidates {
        let Ok(column) = frame.column(&name) else {
            continue;
        };
        let Some(parsed) = parse_time_column(column) else {
            tracing::debug!(column = %name, "time-like column kept as text: not every value parses");
            continue;
        };
        if let Err(error) = frame.with_column(parsed) {
            tracing::debug!(column = %name, %error, "time column not replaced");
        }
    }
    frame
}

fn parse_time_column(column: &Column) -> Option<Column> {
    let strings = column.str().ok()?;
    let mut micros: Vec<Option<i64>> = Vec::with_capacity(strings.len());
    let mut parsed_any = false;
    for value in strings.iter() {
        match value.map(str::trim).filter(|v| !v.is_empty()) {
            None => micros.push(None),
            Some(text) => {
                micros.push(Some(parse_timestamp(text)?.and_utc().timestamp_micros()));
                parsed_any = true;
            }
        }
    }
    if !parsed_any {
        return None;
    }
    let series = Series::new(column.name().clone(), micros);
    series
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .ok()
        .map(Column::from)
}

/// Reads the timestamp spellings seen in security logs, as naive UTC.
pub fn parse_timestamp(text: &str) -> Option<NaiveDateTime> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.naive_utc());
    }
    const FORMATS: [&str; 8] = [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.fZ",
        "%Y-%m-%d %H:%M",
        "%m/%d/%Y %H:%M:%S%.f",
        "%m/%d/%Y %H:%M",
        "%m/%d/%Y %I:%M:%S %p",
        "%d/%m/%Y %H:%M:%S",
    ];
    if let Some(time) = FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
    {
        return Some(time);
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sql_detection_and_table_mentions() {
        assert!(is_sql("  select * from x"));
        assert!(is_sql("WITH a AS (SELECT 1) SELECT * FROM a"));
        assert!(!is_sql("host_logons.csv"));
        assert!(mentions("SELECT * FROM host_logons WHERE x", "host_logons"));
        assert!(!mentions("SELECT * FROM host_logons_old", "host_logons"));
    }

    #[test]
    fn time_names_and_values() {
        assert!(is_time_column("TimeGenerated"));
        assert!(is_time_column("CreationTimeUtc"));
        assert!(is_time_column("FlowStartTime"));
        assert!(!is_time_column("Computer"));
        assert!(parse_timestamp("2019-02-12 14:22:40.697").is_some());
        assert!(parse_timestamp("7/8/2019 16:08").is_some());
        assert!(parse_timestamp("2024-05-01T10:00:00Z").is_some());
        assert!(parse_timestamp("yesterday").is_none());
    }
}
