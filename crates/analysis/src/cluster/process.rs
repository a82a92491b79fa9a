//! Process-event features for clustering (msticpy's `add_process_features`): numbers drawn
//! from `NewProcessName`, `CommandLine` and `SubjectLogonId`.

use polars::prelude::*;

use super::error::ClusterError;
use super::features::{char_ord_score, crc32_hash, delim_count, delim_hash, text_column};

/// Logon ids of system sessions: Windows' SYSTEM (`0x3e7`) and Linux's unset audit id (`-1`).
const SYSTEM_LOGON_IDS: [&str; 2] = ["0x3e7", "-1"];

/// Settings of [`add_process_features`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProcessFeatureOptions {
    /// The path separator; `None` picks `/` if any of the first ten `NewProcessName` values
    /// holds one, else `\`.
    pub path_separator: Option<char>,
    /// Recompute feature columns the frame already has.
    pub force: bool,
}

impl ProcessFeatureOptions {
    /// Sets the path separator.
    pub fn with_path_separator(mut self, separator: char) -> Self {
        self.path_separator = Some(separator);
        self
    }

    /// Recomputes existing feature columns.
    pub fn with_force(mut self, force: bool) -> Self {
        self.force = force;
        self
    }
}

/// Adds msticpy's process features to a copy of the frame.
///
/// From `NewProcessName`: `processName` (text after the last separator), `pathScore`
/// (sum of code points), `pathLogScore` (log10 of it, 0 for 0), `pathHash` (CRC32).
/// From `CommandLine`: `commandlineLen` (characters), `commandlineLogLen` (log10, 0 for 0),
/// `commandlineTokensFull` (delimiter count), `commandlineScore` (sum of code points),
/// `commandlineTokensHash` (CRC32 of the delimiters). From `SubjectLogonId`:
/// `isSystemSession` (`0x3e7` or `-1`). Integer features are `Int64`, logs `Float64`.
/// Nulls read as empty strings; a source column that is absent adds none of its features.
pub fn add_process_features(
    df: &DataFrame,
    options: &ProcessFeatureOptions,
) -> Result<DataFrame, ClusterError> {
    let mut out = df.clone();
    if df.column("NewProcessName").is_ok() {
        let separator = options.path_separator.unwrap_or(guess_separator(df)?);
        add_path_features(&mut out, separator, options.force)?;
    }
    if df.column("CommandLine").is_ok() {
        add_commandline_features(&mut out, options.force)?;
    }
    if df.column("SubjectLogonId").is_ok() && wanted(&out, "isSystemSession", options.force) {
        // Linux logon ids may arrive as numbers (-1): compare their text.
        let ids = df.column("SubjectLogonId")?.cast(&DataType::String)?;
        let ids = ids.str()?;
        let flags: Vec<bool> = ids
            .iter()
            .map(|id| id.is_some_and(|id| SYSTEM_LOGON_IDS.contains(&id)))
            .collect();
        out.with_column(Column::new("isSystemSession".into(), flags))?;
    }
    Ok(out)
}

fn wanted(df: &DataFrame, column: &str, force: bool) -> bool {
    force || df.column(column).is_err()
}

fn guess_separator(df: &DataFrame) -> Result<char, ClusterError> {
    let names = text_column(df, "NewProcessName")?;
    let unix = names
        .iter()
        .take(10)
        .flatten()
        .any(|name| name.contains('/'));
    Ok(if unix { '/' } else { '\\' })
}

fn add_path_features(
    out: &mut DataFrame,
    separator: char,
    force: bool,
) -> Result<(), ClusterError> {
    let paths: Vec<String> = text_column(out, "NewProcessName")?
        .iter()
        .map(|p| p.unwrap_or("").to_string())
        .collect();

    if wanted(out, "processName", force) {
        let names: Vec<&str> = paths
            .iter()
            .map(|p| p.rsplit(separator).next().unwrap_or(""))
            .collect();
        out.with_column(Column::new("processName".into(), names))?;
    }
    let scores: Vec<i64> = paths.iter().map(|p| char_ord_score(p, 1)).collect();
    let logs = log10_or_zero(&scores);
    if wanted(out, "pathScore", force) {
        out.with_column(Column::new("pathScore".into(), scores))?;
    }
    if wanted(out, "pathLogScore", force) {
        out.with_column(Column::new("pathLogScore".into(), logs))?;
    }
    if wanted(out, "pathHash", force) {
        let hashes: Vec<i64> = paths.iter().map(|p| crc32_hash(p)).collect();
        out.with_column(Column::new("pathHash".into(), hashes))?;
    }
    Ok(())
}

fn add_commandline_features(out: &mut DataFrame, force: bool) -> Result<(), ClusterError> {
    let lines: Vec<String> = text_column(out, "CommandLine")?
        .iter()
        .map(|c| c.unwrap_or("").to_string())
        .collect();

    let lengths: Vec<i64> = lines.iter().map(|c| c.chars().count() as i64).collect();
    let logs = log10_or_zero(&lengths);
    if wanted(out, "commandlineLen", force) {
        out.with_column(Column::new("commandlineLen".into(), lengths))?;
    }
    if wanted(out, "commandlineLogLen", force) {
        out.with_column(Column::new("commandlineLogLen".into(), logs))?;
    }
    let per_line = |f: fn(&str) -> i64| -> Vec<i64> { lines.iter().map(|c| f(c)).collect() };
    if wanted(out, "commandlineTokensFull", force) {
        out.with_column(Column::new(
            "commandlineTokensFull".into(),
            per_line(delim_count),
        ))?;
    }
    if wanted(out, "commandlineScore", force) {
        let scores: Vec<i64> = lines.iter().map(|c| char_ord_score(c, 1)).collect();
        out.with_column(Column::new("commandlineScore".into(), scores))?;
    }
    if wanted(out, "commandlineTokensHash", force) {
        out.with_column(Column::new(
            "commandlineTokensHash".into(),
            per_line(delim_hash),
        ))?;
    }
    Ok(())
}

fn log10_or_zero(values: &[i64]) -> Vec<f64> {
    values
        .iter()
        .map(|&v| if v == 0 { 0.0 } else { (v as f64).log10() })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linux_paths_and_numeric_logon_ids() {
        let df = df!(
            "NewProcessName" => ["/usr/bin/bash", "/usr/sbin/sshd"],
            "CommandLine" => [Some("bash -c id"), None],
            "SubjectLogonId" => [-1i64, 1000],
        )
        .unwrap();
        let out = add_process_features(&df, &ProcessFeatureOptions::default()).unwrap();
        let names: Vec<Option<&str>> = out
            .column("processName")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(names, [Some("bash"), Some("sshd")]);
        let system: Vec<Option<bool>> = out
            .column("isSystemSession")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(system, [Some(true), Some(false)]);
        let lengths: Vec<Option<i64>> = out
            .column("commandlineLen")
            .unwrap()
            .i64()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(lengths, [Some(10), Some(0)]);
        let logs = out.column("commandlineLogLen").unwrap().f64().unwrap();
        assert_eq!(logs.get(0), Some(1.0));
        assert_eq!(logs.get(1), Some(0.0));
    }

    #[test]
    fn existing_columns_kept_unless_forced() {
        let df = df!("NewProcessName" => [r"C:\a.exe"], "processName" => ["keep"]).unwrap();
        let kept = add_process_features(&df, &ProcessFeatureOptions::default()).unwrap();
        assert_eq!(
            kept.column("processName").unwrap().str().unwrap().get(0),
            Some("keep")
        );
        let forced = ProcessFeatureOptions::default().with_force(true);
        let redone = add_process_features(&df, &forced).unwrap();
        assert_eq!(
            redone.column("processName").unwrap().str().unwrap().get(0),
            Some("a.exe")
        );
    }
}
