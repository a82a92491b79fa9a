//! Kusto v1 and v2 answers: every recorded response from azure-kusto-python (and msticpy's)
//! parses to the expected rows, columns and dtypes, or to a clear partial-result error; and
//! the driver speaks the REST API over a loopback server.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use huntbook_data::config::Secret;
use huntbook_data::driver::auth::TokenSource;
use huntbook_data::driver::http::{ERRORS_COLUMN, HttpOptions, PartialResults, QueryResult};
use huntbook_data::driver::kusto::{KustoDriver, KustoOptions, parse_response};
use huntbook_data::driver::{Driver, DriverError};
use huntbook_testkit::{LoopbackServer, Reply, shared_data};
use polars::prelude::*;

fn recorded(name: &str) -> Option<PathBuf> {
    let path = shared_data(&format!("query-api/azure-kusto-python-MIT/{name}"));
    if path.is_none() {
        eprintln!("skipping: shared test data query-api/azure-kusto-python-MIT/{name} not found");
    }
    path
}

fn parse(name: &str) -> Option<QueryResult> {
    let path = recorded(name)?;
    Some(parse_response(&std::fs::read(path).unwrap()).unwrap())
}

fn utc_micros() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

fn micros(text: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .timestamp_micros()
}

fn datetime_at(frame: &DataFrame, column: &str, row: usize) -> Option<i64> {
    let series = frame.column(column).unwrap().as_materialized_series();
    series.datetime().unwrap().physical().get(row)
}

fn duration_at(frame: &DataFrame, column: &str, row: usize) -> Option<i64> {
    let series = frame.column(column).unwrap().as_materialized_series();
    series.duration().unwrap().physical().get(row)
}

fn check_deft(result: QueryResult) {
    assert!(result.partial_error.is_none(), "{:?}", result.partial_error);
    assert_eq!(result.tables.len(), 1);
    assert_eq!(result.tables[0].0, "Deft");
    let frame = result.primary();
    assert_eq!(frame.shape(), (11, 19));
    let expected = [
        ("rownumber", DataType::Int64),
        ("rowguid", DataType::String),
        ("xdouble", DataType::Float64),
        ("xbool", DataType::Boolean),
        ("xuint64", DataType::Int64),
        ("xdate", utc_micros()),
        ("xtime", DataType::Duration(TimeUnit::Microseconds)),
        ("xdynamicWithNulls", DataType::String),
    ];
    for (name, dtype) in expected {
        assert_eq!(frame.column(name).unwrap().dtype(), &dtype, "{name}");
    }

    // Row 0 is all nulls (with empty strings for text), rows 1.. count from 0.
    let rownumber = frame.column("rownumber").unwrap().i64().unwrap();
    assert_eq!(rownumber.get(0), None);
    assert_eq!(rownumber.get(1), Some(0));
    assert_eq!(rownumber.get(10), Some(9));
    let xbool = frame.column("xbool").unwrap().bool().unwrap();
    assert_eq!((xbool.get(1), xbool.get(2)), (Some(false), Some(true)));
    let xdouble = frame.column("xdouble").unwrap().f64().unwrap();
    assert_eq!(xdouble.get(2), Some(1.0001));
    assert_eq!(
        datetime_at(&frame, "xdate", 2),
        Some(micros("2015-01-01T01:01:01Z"))
    );
    assert_eq!(duration_at(&frame, "xtime", 2), Some(86_401_001_000));
    assert_eq!(duration_at(&frame, "xtime", 3), Some(-172_802_002_000));
    let dynamic = frame.column("xdynamicWithNulls").unwrap().str().unwrap();
    assert_eq!(dynamic.get(0), None);
    let row1: serde_json::Value = serde_json::from_str(dynamic.get(2).unwrap()).unwrap();
    assert_eq!(row1, serde_json::json!({"rowId": 1, "arr": [0, 1]}));
    let text = frame.column("xtextWithNulls").unwrap().str().unwrap();
    assert_eq!(text.get(1), Some(""));
    assert!(
        frame.column(ERRORS_COLUMN).is_err(),
        "no row should have errors"
    );
}

#[test]
fn deft_all_types() {
    let Some(result) = parse("deft.json") else {
        return;
    };
    check_deft(result);
}

#[test]
fn deft_with_frames_in_another_key_order() {
    let Some(result) = parse("alternative_order.json") else {
        return;
    };
    check_deft(result);
}

#[test]
fn deft_with_table_progress_frames() {
    let Some(result) = parse("deft_with_progressive_result.json") else {
        return;
    };
    check_deft(result);
}

#[test]
fn progressive_fragments_make_one_table() {
    let Some(result) = parse("progressive_result.json") else {
        return;
    };
    assert!(result.partial_error.is_none());
    let frame = result.primary();
    assert_eq!(frame.shape(), (5, 22));
    assert_eq!(frame.column("StartTime").unwrap().dtype(), &utc_micros());
    assert_eq!(
        frame.column("EpisodeId").unwrap().i64().unwrap().get(0),
        Some(2592)
    );
    assert_eq!(
        frame.column("BeginLat").unwrap().dtype(),
        &DataType::Float64
    );
    let summary = frame.column("StormSummary").unwrap().str().unwrap();
    let first: serde_json::Value = serde_json::from_str(summary.get(0).unwrap()).unwrap();
    assert_eq!(first["Details"]["Location"], "NORTH CAROLINA");
}

#[test]
fn dataframe_edge_values_and_a_short_row() {
    let Some(result) = parse("dataframe.json") else {
        return;
    };
    let frame = result.primary();
    // 13 columns and the error column for the last row, which has only 6 values.
    assert_eq!(frame.shape(), (8, 14));
    let errors = frame.column(ERRORS_COLUMN).unwrap().str().unwrap();
    assert!(
        errors.get(7).unwrap().contains("6 values for 13 columns"),
        "{errors:?}"
    );
    assert_eq!(errors.get(0), None);

    assert_eq!(
        datetime_at(&frame, "RecordTime", 1),
        Some(micros("0000-01-01T00:00:00Z"))
    );
    assert_eq!(
        datetime_at(&frame, "RecordTime", 2),
        Some(micros("9999-12-31T23:59:59Z"))
    );
    let real = frame.column("RecordReal").unwrap().f64().unwrap();
    assert_eq!(real.get(0), Some(314159.0 / 100000.0));
    assert!(real.get(1).unwrap().is_nan());
    assert_eq!(real.get(2), Some(f64::INFINITY));
    assert_eq!(real.get(3), Some(f64::NEG_INFINITY));
    assert_eq!(
        frame.column("RecordDecimal").unwrap().dtype(),
        &DataType::Float64
    );
    // Ticks (100 ns) and a time span string.
    assert_eq!(duration_at(&frame, "RecordOffset", 5), Some(60_000_000));
    assert_eq!(duration_at(&frame, "RecordOffset", 6), Some(90_061_000_000));
    assert_eq!(
        frame.column("RecordLong").unwrap().i64().unwrap().get(0),
        Some(92233720368)
    );
    assert_eq!(
        frame.column("MissingType").unwrap().dtype(),
        &DataType::String
    );
    let record_bool = frame.column("RecordBool").unwrap().bool().unwrap();
    assert_eq!(record_bool.get(7), Some(false));
}

#[test]
fn dynamic_values_stay_json_text() {
    let Some(result) = parse("dynamic.json") else {
        return;
    };
    let frame = result.primary();
    assert_eq!(frame.shape(), (1, 6));
    let text = |name: &str| {
        frame
            .column(name)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .map(str::to_string)
    };
    assert_eq!(text("print_0").as_deref(), Some("123"));
    assert_eq!(text("print_1").as_deref(), Some("123"));
    assert_eq!(text("print_2").as_deref(), Some("test bad json"));
    assert_eq!(text("print_3"), None);
    let object: serde_json::Value = serde_json::from_str(&text("print_5").unwrap()).unwrap();
    assert_eq!(object, serde_json::json!({"rowId": 2, "arr": [0, 2]}));
}

#[test]
fn null_values_keep_their_dtypes() {
    let Some(result) = parse("null_values.json") else {
        return;
    };
    let frame = result.primary();
    assert_eq!(frame.shape(), (1, 10));
    for (name, dtype) in [
        ("String", DataType::String),
        ("Int", DataType::Int64),
        ("Bool", DataType::Boolean),
        ("Datetime", utc_micros()),
        ("Dynamic", DataType::String),
        ("Guid", DataType::String),
        ("Long", DataType::Int64),
        ("Real", DataType::Float64),
        ("Timespan", DataType::Duration(TimeUnit::Microseconds)),
        ("Decimal", DataType::Float64),
    ] {
        let column = frame.column(name).unwrap();
        assert_eq!(column.dtype(), &dtype, "{name}");
        assert_eq!(column.null_count(), 1, "{name}");
    }
}

#[test]
fn booleans_with_nulls() {
    let Some(result) = parse("pandas_bool.json") else {
        return;
    };
    let frame = result.primary();
    let values: Vec<Option<bool>> = frame
        .column("xbool")
        .unwrap()
        .bool()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(values, [None, Some(true), Some(false)]);
}

#[test]
fn zero_rows_keep_the_schema() {
    let Some(result) = parse("zero_results.json") else {
        return;
    };
    let frame = result.primary();
    assert_eq!(frame.shape(), (0, 1));
    assert_eq!(frame.column("print_0").unwrap().dtype(), &DataType::String);
}

#[test]
fn partial_failure_row_is_reported_and_good_rows_kept() {
    let Some(result) = parse("query_partial_results_defer_is_false.json") else {
        return;
    };
    let message = result.partial_error.clone().unwrap();
    assert!(message.contains("LimitsExceeded"), "{message}");
    assert!(message.contains("80DA0003"), "{message}");
    let frame = result.primary();
    assert_eq!(frame.shape(), (5, 1));
    let x: Vec<Option<i64>> = frame.column("x").unwrap().i64().unwrap().iter().collect();
    assert_eq!(x, [Some(1), Some(2), Some(3), Some(4), Some(5)]);

    let body = std::fs::read(recorded("query_partial_results_defer_is_false.json").unwrap());
    let result = parse_response(&body.unwrap()).unwrap();
    let err = PartialResults::Fail.apply("kusto", result).unwrap_err();
    assert!(matches!(err, DriverError::Query { .. }), "{err:?}");
    assert!(
        err.to_string().contains("partial result: LimitsExceeded"),
        "{err}"
    );
}

#[test]
fn deferred_partial_failure_is_read_from_completion_information() {
    let Some(result) = parse("query_partial_results_defer_is_true.json") else {
        return;
    };
    let message = result.partial_error.clone().unwrap();
    assert!(
        message.contains("E_QUERY_RESULT_SET_TOO_LARGE"),
        "{message}"
    );
    assert_eq!(result.primary().shape(), (5, 1));
}

#[test]
fn v1_query_answer_uses_the_table_of_contents() {
    let Some(result) = parse("adminthenquery.json") else {
        return;
    };
    assert_eq!(result.tables.len(), 1, "only the QueryResult table");
    let frame = result.primary();
    assert_eq!(frame.shape(), (2, 2));
    let names = frame.column("TableName").unwrap().str().unwrap();
    assert_eq!(names.get(0), Some("KustoLogs"));
}

#[test]
fn v1_command_answer() {
    let Some(result) = parse("versionshowcommandresult.json") else {
        return;
    };
    let frame = result.primary();
    assert_eq!(frame.shape(), (1, 4));
    assert_eq!(
        datetime_at(&frame, "BuildTime", 0),
        Some(micros("2018-04-29T08:05:54Z"))
    );
    assert_eq!(
        frame
            .column("ProductVersion")
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("KustoMain_2018.04.29.5")
    );
}

#[test]
fn msticpy_recorded_answer() {
    let Some(path) = shared_data("query-api/msticpy-MIT/kusto_raw_resp.json") else {
        eprintln!("skipping: query-api/msticpy-MIT/kusto_raw_resp.json not found");
        return;
    };
    let result = parse_response(&std::fs::read(path).unwrap()).unwrap();
    let frame = result.primary();
    assert_eq!(frame.height(), 10);
    assert_eq!(
        frame.column("CreatedProcessIsElevated").unwrap().dtype(),
        &DataType::Boolean
    );
    assert_eq!(
        frame.column("CreatedProcessCreationTime").unwrap().dtype(),
        &utc_micros()
    );
    assert_eq!(
        frame.column("CreatedProcessId").unwrap().dtype(),
        &DataType::Int64
    );
}

#[test]
fn every_recorded_file_is_covered() {
    let Some(dir) = shared_data("query-api/azure-kusto-python-MIT") else {
        eprintln!("skipping: query-api/azure-kusto-python-MIT not found");
        return;
    };
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let result = parse_response(&std::fs::read(&path).unwrap());
            let result = result.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(!result.tables.is_empty(), "{}", path.display());
        }
    }
}

fn driver(server: &LoopbackServer) -> KustoDriver {
    let options = KustoOptions::new(&server.url(), "Samples").with_http(
        HttpOptions::default()
            .with_timeout(Duration::from_secs(5))
            .with_initial_backoff(Duration::from_millis(10)),
    );
    KustoDriver::new(options, TokenSource::Static(Secret::new("kusto-token-123"))).unwrap()
}

#[test]
fn driver_posts_queries_to_v2_and_commands_to_v1() {
    let (Some(v2), Some(v1)) = (
        recorded("deft.json"),
        recorded("versionshowcommandresult.json"),
    ) else {
        return;
    };
    let (v2, v1) = (
        std::fs::read_to_string(v2).unwrap(),
        std::fs::read_to_string(v1).unwrap(),
    );
    let server = LoopbackServer::start(move |req| match req.path.as_str() {
        "/v2/rest/query" => Reply::json(200, v2.clone()),
        "/v1/rest/mgmt" => Reply::json(200, v1.clone()),
        _ => Reply::text(404, "no"),
    });
    let driver = driver(&server);
    assert_eq!(driver.query("Deft | take 11").unwrap().shape(), (11, 19));
    assert_eq!(driver.query(".show version").unwrap().shape(), (1, 4));

    let seen = server.requests();
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(body["db"], "Samples");
    assert_eq!(body["csl"], "Deft | take 11");
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer kusto-token-123")
    );
    assert!(
        seen[0]
            .header("x-ms-client-request-id")
            .unwrap()
            .starts_with("huntbook;")
    );
    let when = chrono::DateTime::parse_from_rfc3339("2024-05-06T07:08:09Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        driver.format_datetime(&when),
        "datetime(2024-05-06T07:08:09.000000Z)"
    );
}

#[test]
fn driver_reports_service_errors_and_bad_bodies() {
    let server = LoopbackServer::start(|req| {
        if req.body_str().contains("bad syntax") {
            return Reply::json(
                400,
                r#"{"error":{"code":"General_BadRequest","message":"Request is invalid and cannot be executed.","@message":"Syntax error: SYN0002"}}"#,
            );
        }
        if req.body_str().contains("garbled") {
            return Reply::json(
                200,
                r#"[{"FrameType":"DataSetHeader"},{"FrameType":"DataTable","#,
            );
        }
        Reply::json(
            401,
            r#"{"error":{"code":"Unauthorized","message":"token expired"}}"#,
        )
    });
    let driver = driver(&server);
    let err = driver.query("bad syntax |").unwrap_err();
    assert!(
        matches!(err, DriverError::Http { status: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("Request is invalid"), "{err}");

    let err = driver.query("garbled").unwrap_err();
    let DriverError::Parse { ref message, .. } = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("line 1 column"), "{message}");

    let err = driver.query("x").unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {driver:?}");
    assert!(
        text.contains("token expired") && !text.contains("kusto-token-123"),
        "{text}"
    );
}

/// Measures parsing of a large synthetic v2 answer (run with `--ignored --nocapture`).
#[test]
#[ignore = "measurement, not a check"]
fn measure_large_v2_answer() {
    let rows = 200_000;
    let mut body = String::from(
        r#"[{"FrameType":"DataSetHeader","IsProgressive":false,"Version":"v2.0"},
{"FrameType":"DataTable","TableId":1,"TableKind":"PrimaryResult","TableName":"PrimaryResult",
"Columns":[{"ColumnName":"TimeGenerated","ColumnType":"datetime"},{"ColumnName":"Id","ColumnType":"long"},
{"ColumnName":"Score","ColumnType":"real"},{"ColumnName":"Computer","ColumnType":"string"},
{"ColumnName":"Ok","ColumnType":"bool"},{"ColumnName":"Extra","ColumnType":"dynamic"},
{"ColumnName":"Guid","ColumnType":"guid"},{"ColumnName":"Span","ColumnType":"timespan"}],"Rows":["#,
    );
    for i in 0..rows {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&format!(
            r#"["2024-01-01T00:{:02}:{:02}.1234567Z",{i},{}.5,"host-{}",{},{{"n":{i},"tags":["a","b"]}},"00000000-0000-0000-0000-{:012}","01:02:03.5"]"#,
            (i / 60) % 60,
            i % 60,
            i % 1000,
            i % 50,
            i % 2 == 0,
            i
        ));
    }
    body.push_str(r#"]},{"FrameType":"DataSetCompletion","HasErrors":false,"Cancelled":false}]"#);

    let started = std::time::Instant::now();
    let values: serde_json::Value = serde_json::from_str(&body).unwrap();
    eprintln!("serde_json::Value alone: {:?}", started.elapsed());
    drop(values);

    let started = std::time::Instant::now();
    let frame = parse_response(body.as_bytes()).unwrap().primary();
    let took = started.elapsed();
    assert_eq!(frame.shape(), (rows, 8));
    eprintln!(
        "parsed {rows} rows x 8 columns ({:.1} MB) in {took:?}: {:.0} rows/s",
        body.len() as f64 / 1e6,
        rows as f64 / took.as_secs_f64()
    );
}

#[test]
fn driver_retries_server_errors_and_throttling_then_times_out() {
    let Some(path) = recorded("pandas_bool.json") else {
        return;
    };
    let answer = std::fs::read_to_string(path).unwrap();
    let calls = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&calls);
    let server = LoopbackServer::start(move |req| {
        if req.body_str().contains("slow") {
            return Reply::json(200, answer.clone()).delay(Duration::from_secs(3));
        }
        match counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) {
            0 => Reply::text(502, "Bad Gateway"),
            1 => Reply::json(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"throttled"}}"#,
            )
            .header("Retry-After", "1"),
            _ => Reply::json(200, answer.clone()),
        }
    });
    let started = std::time::Instant::now();
    assert_eq!(driver(&server).query("Deft").unwrap().height(), 3);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls.load(std::sync::atomic::Ordering::SeqCst), 3);

    let options = KustoOptions::new(&server.url(), "Samples")
        .with_http(HttpOptions::default().with_timeout(Duration::from_millis(300)));
    let quick = KustoDriver::new(options, TokenSource::Static(Secret::new("t"))).unwrap();
    let err = quick.query("slow").unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
}
