//! The Log Analytics driver against a loopback server replaying the recorded query API
//! answers (azure-rest-api-specs and msticpy), plus partial errors, throttling and auth.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use huntbook_data::config::Secret;
use huntbook_data::driver::auth::{ClientCredentials, TokenSource};
use huntbook_data::driver::http::{HttpOptions, PartialResults};
use huntbook_data::driver::loganalytics::{
    LogAnalyticsDriver, LogAnalyticsOptions, parse_response,
};
use huntbook_data::driver::{Driver, DriverError};
use huntbook_testkit::{LoopbackServer, Reply, shared_data};
use polars::prelude::*;

const WORKSPACE: &str = "63613592-b6f7-4c3d-a390-22ba13102111";

fn utc_micros() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

/// The 200 body of the REST spec example.
fn spec_example() -> Option<String> {
    let Some(path) = shared_data("query-api/azure-rest-api-specs-MIT/oms-post-example.json") else {
        eprintln!("skipping: query-api/azure-rest-api-specs-MIT/oms-post-example.json not found");
        return None;
    };
    let example: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    Some(example["responses"]["200"]["body"].to_string())
}

fn options(server: &LoopbackServer) -> LogAnalyticsOptions {
    LogAnalyticsOptions::new(WORKSPACE)
        .with_endpoint(&server.url())
        .with_http(
            HttpOptions::default()
                .with_timeout(Duration::from_secs(5))
                .with_initial_backoff(Duration::from_millis(10)),
        )
}

fn driver(server: &LoopbackServer) -> LogAnalyticsDriver {
    LogAnalyticsDriver::new(
        options(server),
        TokenSource::Static(Secret::new("la-token-xyz")),
    )
    .unwrap()
}

#[test]
fn spec_example_over_the_wire() {
    let Some(body) = spec_example() else { return };
    let server = LoopbackServer::start(move |_| Reply::json(200, body.clone()));
    let driver = driver(&server);
    let frame = driver.query("Usage | take 10").unwrap();
    assert_eq!(frame.shape(), (2, 21));
    assert_eq!(
        frame.column("TimeGenerated").unwrap().dtype(),
        &utc_micros()
    );
    // Numbers and booleans arrive as strings in this example and still get their types.
    let within = frame.column("BatchesWithinSla").unwrap().i64().unwrap();
    assert_eq!(within.get(0), Some(1));
    let latency = frame.column("AvgLatencyInSeconds").unwrap().f64().unwrap();
    assert_eq!(latency.get(1), Some(1.7));
    let billable = frame.column("IsBillable").unwrap().bool().unwrap();
    assert_eq!(billable.get(0), Some(true));
    assert_eq!(frame.column("LinkedResourceUri").unwrap().null_count(), 2);

    let seen = server.requests();
    assert_eq!(seen[0].path, format!("/v1/workspaces/{WORKSPACE}/query"));
    assert_eq!(seen[0].header("authorization"), Some("Bearer la-token-xyz"));
    let sent: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(sent["query"], "Usage | take 10");
}

#[test]
fn msticpy_alerts_answer() {
    let Some(path) = shared_data("query-api/msticpy-MIT/az_mon_raw_query.json") else {
        eprintln!("skipping: query-api/msticpy-MIT/az_mon_raw_query.json not found");
        return;
    };
    let result = parse_response(&std::fs::read(path).unwrap()).unwrap();
    let frame = result.primary();
    assert_eq!(frame.shape(), (3, 34));
    assert_eq!(frame.column("StartTime").unwrap().dtype(), &utc_micros());
    assert_eq!(
        frame.column("ConfidenceScore").unwrap().dtype(),
        &DataType::Float64
    );
    assert_eq!(
        frame.column("IsIncident").unwrap().bool().unwrap().get(0),
        Some(false)
    );
    let severity = frame.column("AlertSeverity").unwrap().str().unwrap();
    assert_eq!(severity.get(0), Some("Medium"));
    let generated = frame
        .column("TimeGenerated")
        .unwrap()
        .as_materialized_series();
    let expected = chrono::DateTime::parse_from_rfc3339("2023-02-20T11:04:02.637163Z").unwrap();
    assert_eq!(
        generated.datetime().unwrap().physical().get(0),
        Some(expected.timestamp_micros())
    );
}

#[test]
fn timespan_and_server_timeout_are_sent() {
    let server = LoopbackServer::start(|_| {
        Reply::json(
            200,
            r#"{"tables":[{"name":"PrimaryResult","columns":[],"rows":[]}]}"#,
        )
    });
    let options = options(&server)
        .with_timespan("P1D")
        .with_server_timeout(120)
        .with_workspace("w2");
    let driver = LogAnalyticsDriver::new(options, TokenSource::Static(Secret::new("t"))).unwrap();
    assert_eq!(driver.query("Heartbeat").unwrap().shape(), (0, 0));
    let seen = server.requests();
    let sent: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(sent["timespan"], "P1D");
    assert_eq!(sent["workspaces"], serde_json::json!(["w2"]));
    assert_eq!(seen[0].header("prefer"), Some("wait=120"));
}

const PARTIAL: &str = r#"{"tables":[{"name":"PrimaryResult","columns":[{"name":"Computer","type":"string"},{"name":"n","type":"long"}],"rows":[["a",1],["b",2]]}],
"error":{"code":"PartialError","message":"There were some errors when processing your query.",
"details":[{"code":"EngineError","message":"Something went wrong processing your query on the server.",
"innererror":{"code":"-2133196797","message":"Query result set has exceeded the internal record count limit 2"}}]}}"#;

#[test]
fn partial_errors_keep_rows_or_fail_as_asked() {
    let server = LoopbackServer::start(|_| Reply::json(200, PARTIAL));
    let driver = driver(&server);
    let result = driver.query_result("big").unwrap();
    let message = result.partial_error.clone().unwrap();
    assert!(
        message.contains("PartialError") && message.contains("record count limit"),
        "{message}"
    );
    assert_eq!(driver.query("big").unwrap().height(), 2);

    let strict = options(&server).with_partial_results(PartialResults::Fail);
    let strict = LogAnalyticsDriver::new(strict, TokenSource::Static(Secret::new("t"))).unwrap();
    let err = strict.query("big").unwrap_err();
    assert!(matches!(err, DriverError::Query { .. }), "{err:?}");
}

#[test]
fn throttled_then_answered() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(
                429,
                r#"{"error":{"code":"ThrottledError","message":"Too many"}}"#,
            )
            .header("Retry-After", "1");
        }
        Reply::json(200, PARTIAL)
    });
    let started = Instant::now();
    assert_eq!(driver(&server).query("x").unwrap().height(), 2);
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn failed_queries_and_malformed_answers() {
    let server = LoopbackServer::start(|req| {
        if req.body_str().contains("broken") {
            return Reply::json(200, r#"{"tables": [{"name": "PrimaryResult", "columns": "#);
        }
        Reply::json(
            400,
            r#"{"error":{"code":"BadArgumentError","message":"The request had some invalid properties","details":[{"code":"SyntaxError","message":"A recognition error occurred in the query."}]}}"#,
        )
    });
    let driver = driver(&server);
    let err = driver.query("Heartbeat | wher").unwrap_err();
    assert!(
        matches!(err, DriverError::Http { status: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("BadArgumentError"), "{err}");
    let err = driver.query("broken").unwrap_err();
    assert!(matches!(err, DriverError::Parse { .. }), "{err:?}");
    assert!(err.to_string().contains("line 1 column"), "{err}");
}

#[test]
fn client_credentials_end_to_end_without_leaking_the_secret() {
    let server = LoopbackServer::start(|req| {
        if req.path == "/tenant-a/oauth2/v2.0/token" {
            assert!(
                req.body_str()
                    .contains("scope=https%3A%2F%2Fapi.loganalytics.io%2F.default")
            );
            return Reply::json(
                200,
                r#"{"access_token":"minted-la-token","expires_in":3600}"#,
            );
        }
        if req.header("authorization") != Some("Bearer minted-la-token") {
            return Reply::new(401);
        }
        Reply::json(
            401,
            r#"{"error":{"code":"InsufficientAccessError","message":"The provided credentials have insufficient access"}}"#,
        )
    });
    let creds = ClientCredentials::new("tenant-a", "app-a", Secret::new("sup3r-s3cret"))
        .with_authority(&server.url())
        .with_scope(huntbook_data::driver::loganalytics::SCOPE);
    let source = TokenSource::ClientCredentials(creds);
    let driver = LogAnalyticsDriver::new(options(&server), source).unwrap();
    let err = driver.query("SecurityAlert").unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {driver:?}");
    assert!(text.contains("insufficient access"), "{text}");
    assert!(
        !text.contains("sup3r-s3cret") && !text.contains("minted-la-token"),
        "{text}"
    );
}

#[test]
fn slow_workspace_times_out() {
    let server = LoopbackServer::start(|_| Reply::json(200, PARTIAL).delay(Duration::from_secs(3)));
    let options = options(&server).with_http(
        HttpOptions::default()
            .with_timeout(Duration::from_millis(300))
            .with_max_attempts(1),
    );
    let driver = LogAnalyticsDriver::new(options, TokenSource::Static(Secret::new("t"))).unwrap();
    let err = driver.query("x").unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
}

#[test]
fn kql_formats() {
    let server = LoopbackServer::start(|_| Reply::new(200));
    let driver = driver(&server);
    let when = chrono::DateTime::parse_from_rfc3339("2024-01-02T03:04:05.5Z")
        .unwrap()
        .to_utc();
    assert_eq!(
        driver.format_datetime(&when),
        "datetime(2024-01-02T03:04:05.500000Z)"
    );
    let items = ["a".to_string(), "b'c".to_string()];
    assert_eq!(driver.format_list(&items, true), r"'a', 'b\'c'");
    assert!(driver.environments().contains(&"MSSentinel"));
}

#[test]
fn server_errors_are_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |_| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(
            500,
            r#"{"error":{"code":"InternalServerError","message":"An internal error occurred"}}"#,
        ),
        1 => Reply::text(503, "Service Unavailable"),
        _ => Reply::json(200, PARTIAL),
    });
    assert_eq!(driver(&server).query("x").unwrap().height(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}
