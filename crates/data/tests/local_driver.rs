//! The LocalData driver on real files: CSV, JSON lines, JSON, Parquet and SQL.

use std::fs;

use huntbook_data::driver::Driver;
use huntbook_data::driver::local::LocalDataDriver;
use polars::prelude::*;

fn shared(relative: &str) -> Option<std::path::PathBuf> {
    let found = huntbook_testkit::shared_data(relative);
    if found.is_none() {
        eprintln!("skipped: shared data {relative} is not available");
    }
    found
}

fn copy_to_temp(files: &[std::path::PathBuf]) -> std::io::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for file in files {
        let name = file.file_name().unwrap_or_default();
        fs::copy(file, dir.path().join(name))?;
    }
    Ok(dir)
}

#[test]
fn msticpy_csv_reads_with_parsed_times() {
    let Some(flows) = shared("logs/msticpy/az_net_flows.csv") else {
        return;
    };
    let Some(logons) = shared("logs/msticpy/host_logons.csv") else {
        return;
    };
    let dir = copy_to_temp(&[flows, logons]).unwrap();
    let driver = LocalDataDriver::new(dir.path());
    let frame = driver.query("AZ_NET_FLOWS.csv").unwrap();
    assert!(frame.height() > 100);
    for column in ["TimeGenerated", "FlowStartTime", "FlowEndTime"] {
        assert!(
            matches!(
                frame.column(column).unwrap().dtype(),
                DataType::Datetime(..)
            ),
            "{column}: {:?}",
            frame.column(column).unwrap().dtype()
        );
    }
    assert!(frame.column("DestPort").unwrap().dtype().is_float());
    let logons = driver.query("host_logons.csv").unwrap();
    assert!(logons.column("EventID").unwrap().dtype().is_integer());
}

#[test]
fn json_lines_skip_bad_lines_and_keep_good_ones() {
    let Some(source) = shared("logs/msticpy/from_pkl/host_logons.jsonl") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let text = fs::read_to_string(&source).unwrap();
    let good_lines = text.lines().filter(|l| !l.trim().is_empty()).count();
    let mut broken: Vec<&str> = text.lines().collect();
    broken.insert(3, "{\"TimeGenerated\": oops");
    broken.insert(7, "[1, 2]");
    fs::write(dir.path().join("logons.jsonl"), broken.join("\n")).unwrap();
    let frame = LocalDataDriver::new(dir.path())
        .query("logons.jsonl")
        .unwrap();
    assert_eq!(frame.height(), good_lines);
    assert!(matches!(
        frame.column("TimeGenerated").unwrap().dtype(),
        DataType::Datetime(..)
    ));
}

#[test]
fn json_array_and_parquet_read() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("events.json"),
        r#"[{"TimeGenerated":"2024-05-01T10:00:00Z","EventID":4624,"Computer":"a"},
            {"TimeGenerated":"2024-05-01T11:00:00Z","EventID":4625,"Computer":"b"}]"#,
    )
    .unwrap();
    let driver = LocalDataDriver::new(dir.path());
    let mut frame = driver.query("events.json").unwrap();
    assert_eq!(frame.height(), 2);
    assert!(matches!(
        frame.column("TimeGenerated").unwrap().dtype(),
        DataType::Datetime(..)
    ));
    let mut file = fs::File::create(dir.path().join("events_copy.parquet")).unwrap();
    ParquetWriter::new(&mut file).finish(&mut frame).unwrap();
    let back = driver.query("events_copy.parquet").unwrap();
    assert_eq!(back.shape(), frame.shape());
}

#[test]
fn sql_runs_over_files_by_stem() {
    let Some(logons) = shared("logs/msticpy/host_logons.csv") else {
        return;
    };
    let dir = copy_to_temp(&[logons]).unwrap();
    let driver = LocalDataDriver::new(dir.path());
    let all = driver.query("host_logons.csv").unwrap();
    let frame = driver
        .query("SELECT TargetUserName, COUNT(*) AS n FROM host_logons WHERE EventID = 4624 GROUP BY TargetUserName ORDER BY n DESC")
        .unwrap();
    assert!(frame.height() >= 1);
    let total: i64 = frame
        .column("n")
        .unwrap()
        .u32()
        .map(|c| c.sum().unwrap_or(0) as i64)
        .or_else(|_| {
            frame
                .column("n")
                .unwrap()
                .i64()
                .map(|c| c.sum().unwrap_or(0))
        })
        .or_else(|_| {
            frame
                .column("n")
                .unwrap()
                .u64()
                .map(|c| c.sum().unwrap_or(0) as i64)
        })
        .unwrap();
    let successes = all
        .column("EventID")
        .unwrap()
        .as_materialized_series()
        .equal(4624)
        .unwrap()
        .sum()
        .unwrap_or(0);
    assert_eq!(total, i64::from(successes));
    let after = driver
        .query("SELECT * FROM host_logons WHERE TimeGenerated >= '2019-01-15 04:00:00.000000'")
        .unwrap();
    assert_eq!((after.height(), all.height()), (6, 14));
}

#[test]
fn unknown_file_and_bad_sql_name_what_exists() {
    let Some(logons) = shared("logs/msticpy/host_logons.csv") else {
        return;
    };
    let dir = copy_to_temp(&[logons]).unwrap();
    let driver = LocalDataDriver::new(dir.path());
    let error = driver.query("nope.csv").unwrap_err().to_string();
    assert!(
        error.contains("no data file 'nope.csv'") && error.contains("host_logons.csv"),
        "{error}"
    );
    let error = driver
        .query("SELECT * FROM missing_table")
        .unwrap_err()
        .to_string();
    assert!(error.contains("tables: host_logons"), "{error}");
}
