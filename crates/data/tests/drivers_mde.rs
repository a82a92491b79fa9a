//! Defender for Endpoint, Microsoft 365 Defender and Graph hunting against loopback servers
//! answering in the documented formats (hand-written from the public API documentation).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use huntbook_data::config::Secret;
use huntbook_data::driver::auth::TokenSource;
use huntbook_data::driver::graph::{GraphDriver, GraphOptions};
use huntbook_data::driver::http::{ERRORS_COLUMN, HttpOptions};
use huntbook_data::driver::mde::{MdeApi, MdeDriver, MdeOptions};
use huntbook_data::driver::{Driver, DriverError};
use huntbook_testkit::{LoopbackServer, Reply};
use polars::prelude::*;

/// The shape of the advanced hunting answer in the Defender for Endpoint documentation.
const MDE_ANSWER: &str = r#"{
  "Stats": {"ExecutionTime": 0.0749987, "resource_usage": {"cache": {"memory": {"hits": 1, "misses": 1, "total": 2}}}, "dataset_statistics": [{"table_row_count": 2, "table_size": 1000}]},
  "Schema": [
    {"Name": "Timestamp", "Type": "DateTime"},
    {"Name": "FileName", "Type": "String"},
    {"Name": "InitiatingProcessFileName", "Type": "String"},
    {"Name": "ProcessId", "Type": "Int64"},
    {"Name": "IsElevated", "Type": "Boolean"},
    {"Name": "AdditionalFields", "Type": "Dynamic"}
  ],
  "Results": [
    {"Timestamp": "2020-02-05T01:10:26.2648757Z", "FileName": "csc.exe", "InitiatingProcessFileName": "powershell.exe", "ProcessId": 4120, "IsElevated": true, "AdditionalFields": {"Tag": "x"}},
    {"Timestamp": "2020-02-05T01:15:29.6093115Z", "FileName": "csc.exe", "InitiatingProcessFileName": "powershell.exe", "ProcessId": "not-a-number", "IsElevated": null}
  ]
}"#;

/// The shape of Graph's runHuntingQuery answer.
const GRAPH_ANSWER: &str = r#"{
  "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.security.huntingQueryResults",
  "schema": [
    {"name": "Timestamp", "type": "DateTime"},
    {"name": "FileName", "type": "String"},
    {"name": "InitiatingProcessFileName", "type": "String"},
    {"name": "Count", "type": "Int32"}
  ],
  "results": [
    {"Timestamp": "2022-08-29T10:43:56.7773556Z", "FileName": "powershell.exe", "InitiatingProcessFileName": "cmd.exe", "Count": 3},
    {"Timestamp": "2022-08-29T10:44:02.0000000Z", "FileName": "csc.exe", "InitiatingProcessFileName": "powershell.exe", "Count": 1}
  ]
}"#;

fn http() -> HttpOptions {
    HttpOptions::default()
        .with_timeout(Duration::from_secs(5))
        .with_initial_backoff(Duration::from_millis(10))
}

fn mde(server: &LoopbackServer, api: MdeApi) -> MdeDriver {
    let options = MdeOptions::new(api)
        .with_endpoint(&server.url())
        .with_http(http());
    MdeDriver::new(options, TokenSource::Static(Secret::new("mde-token-777"))).unwrap()
}

fn utc_micros() -> DataType {
    DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
}

#[test]
fn defender_for_endpoint_hunting() {
    let server = LoopbackServer::start(|req| match req.path.as_str() {
        "/api/advancedqueries/run" => Reply::json(200, MDE_ANSWER),
        _ => Reply::text(404, "no such API"),
    });
    let driver = mde(&server, MdeApi::Endpoint);
    let frame = driver.query("DeviceProcessEvents | take 2").unwrap();
    assert_eq!(frame.shape(), (2, 7), "six columns and the error column");
    assert_eq!(frame.column("Timestamp").unwrap().dtype(), &utc_micros());
    assert_eq!(
        frame.column("ProcessId").unwrap().i64().unwrap().get(0),
        Some(4120)
    );
    assert_eq!(
        frame.column("IsElevated").unwrap().bool().unwrap().get(0),
        Some(true)
    );
    let extra = frame.column("AdditionalFields").unwrap().str().unwrap();
    assert_eq!(extra.get(0), Some(r#"{"Tag":"x"}"#));
    assert_eq!(extra.get(1), None);
    let errors = frame.column(ERRORS_COLUMN).unwrap().str().unwrap();
    assert_eq!(errors.get(0), None);
    assert!(
        errors
            .get(1)
            .unwrap()
            .contains("ProcessId: \"not-a-number\""),
        "{errors:?}"
    );

    let seen = server.requests();
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"Query": "DeviceProcessEvents | take 2"})
    );
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer mde-token-777")
    );
}

#[test]
fn microsoft_365_defender_hunting_with_lower_case_keys() {
    let answer = MDE_ANSWER
        .replace("\"Schema\"", "\"schema\"")
        .replace("\"Results\"", "\"results\"");
    let server = LoopbackServer::start(move |req| match req.path.as_str() {
        "/api/advancedhunting/run" => Reply::json(200, answer.clone()),
        _ => Reply::text(404, "no such API"),
    });
    let driver = mde(&server, MdeApi::M365D);
    assert_eq!(driver.query("DeviceEvents").unwrap().height(), 2);
    assert_eq!(driver.environments(), ["M365D"]);
    assert_eq!("m365d".parse::<MdeApi>().unwrap(), MdeApi::M365D);
    assert_eq!(MdeApi::Endpoint.to_string(), "MDE");
}

#[test]
fn throttling_is_retried_after_the_given_seconds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"API calls quota exceeded! Maximum admitted 45 per 1m.","target":"b1d2"}}"#,
            )
            .header("Retry-After", "1");
        }
        Reply::json(200, MDE_ANSWER)
    });
    let started = Instant::now();
    let frame = mde(&server, MdeApi::Endpoint).query("DeviceInfo").unwrap();
    let waited = started.elapsed();
    assert_eq!(frame.height(), 2);
    assert!(waited >= Duration::from_millis(950), "{waited:?}");
    eprintln!("MDE 429 then 200 took {waited:?}");
}

#[test]
fn unauthorized_says_so_without_the_token() {
    let server = LoopbackServer::start(|_| {
        Reply::json(
            401,
            r#"{"error":{"code":"Unauthorized","message":"Authorization has been denied for this request.","target":"43f4"}}"#,
        )
    });
    let driver = mde(&server, MdeApi::Endpoint);
    let err = driver.query("DeviceInfo").unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {driver:?}");
    assert!(text.contains("Authorization has been denied"), "{text}");
    assert!(!text.contains("mde-token-777"), "{text}");
}

#[test]
fn bad_queries_and_malformed_bodies() {
    let server = LoopbackServer::start(|req| {
        if req.body_str().contains("garbage") {
            return Reply::json(
                200,
                r#"{"Schema": [{"Name": "A", "Type": "String"}], "Results": [{"A": "#,
            );
        }
        if req.body_str().contains("shape") {
            return Reply::json(200, r#"{"value": []}"#);
        }
        Reply::json(
            400,
            r#"{"error":{"code":"BadRequest","message":"Syntax error at line 1","target":"1a2b"}}"#,
        )
    });
    let driver = mde(&server, MdeApi::Endpoint);
    let err = driver.query("DeviceInfo | wher").unwrap_err();
    assert!(
        err.to_string()
            .contains("BadRequest: Syntax error at line 1"),
        "{err}"
    );
    let err = driver.query("garbage").unwrap_err();
    let DriverError::Parse { ref message, .. } = err else {
        panic!("{err:?}")
    };
    assert!(message.contains("line 1 column"), "{message}");
    let err = driver.query("shape").unwrap_err();
    assert!(err.to_string().contains("no Schema array"), "{err}");
}

#[test]
fn slow_answers_time_out() {
    let server =
        LoopbackServer::start(|_| Reply::json(200, MDE_ANSWER).delay(Duration::from_secs(3)));
    let options = MdeOptions::new(MdeApi::Endpoint)
        .with_endpoint(&server.url())
        .with_http(http().with_timeout(Duration::from_millis(300)));
    let driver = MdeDriver::new(options, TokenSource::Static(Secret::new("t"))).unwrap();
    let err = driver.query("x").unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
}

fn graph(server: &LoopbackServer) -> GraphDriver {
    let options = GraphOptions::default()
        .with_endpoint(&server.url())
        .with_http(http());
    GraphDriver::new(options, TokenSource::Static(Secret::new("graph-token-5"))).unwrap()
}

#[test]
fn graph_run_hunting_query() {
    let server = LoopbackServer::start(|req| match req.path.as_str() {
        "/v1.0/security/runHuntingQuery" => Reply::json(200, GRAPH_ANSWER),
        _ => Reply::text(404, "no"),
    });
    let frame = graph(&server)
        .query("DeviceProcessEvents | summarize Count=count()")
        .unwrap();
    assert_eq!(frame.shape(), (2, 4));
    assert_eq!(frame.column("Timestamp").unwrap().dtype(), &utc_micros());
    assert_eq!(
        frame.column("Count").unwrap().i64().unwrap().get(0),
        Some(3)
    );
    let seen = server.requests();
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer graph-token-5")
    );
    let body: serde_json::Value = serde_json::from_slice(&seen[0].body).unwrap();
    assert_eq!(
        body["Query"],
        "DeviceProcessEvents | summarize Count=count()"
    );
}

#[test]
fn graph_throttling_and_auth() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |req| {
        if req.body_str().contains("denied") {
            return Reply::json(
                403,
                r#"{"error":{"code":"Forbidden","message":"Missing role permissions on the request. API requires one of 'ThreatHunting.Read.All'."}}"#,
            );
        }
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::new(429).header("Retry-After", "1");
        }
        Reply::json(200, GRAPH_ANSWER)
    });
    let driver = graph(&server);
    let started = Instant::now();
    assert_eq!(driver.query("x").unwrap().height(), 2);
    assert!(started.elapsed() >= Duration::from_millis(950));
    let err = driver.query("denied").unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    assert!(err.to_string().contains("ThreatHunting.Read.All"), "{err}");
}

#[test]
fn server_errors_are_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |_| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(
            503,
            r#"{"error":{"code":"ServiceUnavailable","message":"Try again later"}}"#,
        ),
        _ => Reply::json(200, MDE_ANSWER),
    });
    assert_eq!(
        mde(&server, MdeApi::Endpoint).query("x").unwrap().height(),
        2
    );
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn graph_server_errors_unauthorized_timeouts_and_bad_bodies() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |req| {
        let body = req.body_str();
        if body.contains("expired") {
            return Reply::json(
                401,
                r#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#,
            );
        }
        if body.contains("slow") {
            return Reply::json(200, GRAPH_ANSWER).delay(Duration::from_secs(3));
        }
        if body.contains("garbled") {
            return Reply::json(
                200,
                r#"{"schema": [{"name": "A", "type": "String"}], "results": ["#,
            );
        }
        match counter.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::json(
                504,
                r#"{"error":{"code":"UnknownError","message":"Gateway timeout"}}"#,
            ),
            _ => Reply::json(200, GRAPH_ANSWER),
        }
    });
    let driver = graph(&server);
    assert_eq!(driver.query("x").unwrap().height(), 2);
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let err = driver.query("expired").unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {driver:?}");
    assert!(
        text.contains("token is expired") && !text.contains("graph-token-5"),
        "{text}"
    );

    let err = driver.query("garbled").unwrap_err();
    assert!(matches!(err, DriverError::Parse { .. }), "{err:?}");

    let options = GraphOptions::default()
        .with_endpoint(&server.url())
        .with_http(http().with_timeout(Duration::from_millis(300)));
    let quick = GraphDriver::new(options, TokenSource::Static(Secret::new("t"))).unwrap();
    let err = quick.query("slow").unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
}
