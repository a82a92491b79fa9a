//! The Elasticsearch / OpenSearch driver: the recorded `_search` example from the
//! Elasticsearch specification, `search_after` paging, errors and auth.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use huntbook_data::config::Secret;
use huntbook_data::driver::elastic::{ElasticDriver, ElasticOptions};
use huntbook_data::driver::http::HttpOptions;
use huntbook_data::driver::{Driver, DriverError};
use huntbook_testkit::{LoopbackServer, Reply, shared_data};
use polars::prelude::*;
use serde_json::{Value, json};

/// The JSON of the specification's example (the `value` of its YAML file).
fn spec_example() -> Option<String> {
    let rel = "query-api/elasticsearch-specification-Apache2/SearchResponseExample1.yaml";
    let Some(path) = shared_data(rel) else {
        eprintln!("skipping: {rel} not found");
        return None;
    };
    let yaml: serde_yaml::Value =
        serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    Some(yaml["value"].as_str().unwrap().to_string())
}

fn options(server: &LoopbackServer) -> ElasticOptions {
    ElasticOptions::new(&server.url(), "my-index-000001").with_http(
        HttpOptions::default()
            .with_timeout(Duration::from_secs(5))
            .with_initial_backoff(Duration::from_millis(10)),
    )
}

#[test]
fn recorded_search_answer_is_flattened() {
    let Some(answer) = spec_example() else { return };
    let server = LoopbackServer::start(move |req| match req.path.as_str() {
        "/my-index-000001/_search" => Reply::json(200, answer.clone()),
        _ => Reply::text(404, "no"),
    });
    let driver = ElasticDriver::new(options(&server)).unwrap();
    let frame = driver.query("user.id:kimchy").unwrap();
    assert_eq!(frame.height(), 1);
    assert_eq!(
        frame.column("@timestamp").unwrap().dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    let status = frame.column("http.response.status_code").unwrap();
    assert_eq!(status.i64().unwrap().get(0), Some(200));
    assert_eq!(
        frame
            .column("http.response.bytes")
            .unwrap()
            .i64()
            .unwrap()
            .get(0),
        Some(1070000)
    );
    assert_eq!(
        frame.column("http.version").unwrap().str().unwrap().get(0),
        Some("1.1")
    );
    assert_eq!(
        frame.column("user.id").unwrap().str().unwrap().get(0),
        Some("kimchy")
    );
    assert_eq!(
        frame.column("_id").unwrap().str().unwrap().get(0),
        Some("0")
    );
    assert_eq!(
        frame.column("_index").unwrap().str().unwrap().get(0),
        Some("my-index-000001")
    );

    let sent: Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(sent["query"]["query_string"]["query"], "user.id:kimchy");
    assert_eq!(sent["sort"], json!([{"_doc": "asc"}]));
}

fn hit(n: usize) -> Value {
    json!({
        "_index": "logs", "_id": n.to_string(), "_score": null,
        "_source": {"event": {"id": n, "ok": n.is_multiple_of(2)}, "tags": ["a", n.to_string()]},
        "sort": [n]
    })
}

/// A server holding `total` documents, answering `search_after` pages in order.
fn paging_server(total: usize) -> LoopbackServer {
    LoopbackServer::start(move |req| {
        let body: Value = serde_json::from_slice(&req.body).unwrap();
        let size = body["size"].as_u64().unwrap() as usize;
        let start = body["search_after"][0]
            .as_u64()
            .map_or(0, |after| after as usize + 1);
        let hits: Vec<Value> = (start..total.min(start + size)).map(hit).collect();
        let answer = json!({
            "took": 1, "timed_out": false,
            "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0},
            "hits": {"total": {"value": total, "relation": "eq"}, "max_score": null, "hits": hits}
        });
        Reply::json(200, answer.to_string())
    })
}

#[test]
fn pages_follow_search_after() {
    let server = paging_server(25);
    let options = options(&server)
        .with_page_size(10)
        .with_sort(json!([{"event.id": "asc"}]));
    let frame = ElasticDriver::new(options)
        .unwrap()
        .query(r#"{"query":{"match_all":{}}}"#)
        .unwrap();
    assert_eq!(frame.height(), 25);
    let ids: Vec<Option<i64>> = frame
        .column("event.id")
        .unwrap()
        .i64()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(ids, (0..25).map(Some).collect::<Vec<_>>());
    assert_eq!(
        frame.column("event.ok").unwrap().dtype(),
        &DataType::Boolean
    );
    let tags = frame.column("tags").unwrap().str().unwrap();
    assert_eq!(tags.get(3), Some(r#"["a","3"]"#));

    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    let third: Value = serde_json::from_slice(&seen[2].body).unwrap();
    assert_eq!(third["search_after"], json!([19]));
    assert_eq!(third["sort"], json!([{"event.id": "asc"}]));
}

#[test]
fn row_limits_stop_paging() {
    let server = paging_server(100);
    let options = options(&server).with_page_size(10).with_max_rows(35);
    let frame = ElasticDriver::new(options).unwrap().query("*").unwrap();
    assert_eq!(frame.height(), 35);
    assert_eq!(server.requests().len(), 4);

    // A size in the body is a limit too; `from` turns paging off.
    let server = paging_server(100);
    let driver = ElasticDriver::new(self::options(&server).with_page_size(10)).unwrap();
    assert_eq!(
        driver
            .query(r#"{"size": 5, "query": {"match_all": {}}}"#)
            .unwrap()
            .height(),
        5
    );
    let server = paging_server(100);
    let driver = ElasticDriver::new(self::options(&server).with_page_size(10)).unwrap();
    let frame = driver
        .query(r#"{"from": 0, "size": 10, "sort": [{"event.id": "asc"}]}"#)
        .unwrap();
    assert_eq!(frame.height(), 10);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn shard_failures_are_a_partial_result() {
    let server = LoopbackServer::start(|_| {
        Reply::json(
            200,
            r#"{"took":3,"timed_out":false,"_shards":{"total":2,"successful":1,"skipped":0,"failed":1,
            "failures":[{"shard":1,"index":"logs","reason":{"type":"query_shard_exception","reason":"No mapping found for [ts] in order to sort on"}}]},
            "hits":{"total":{"value":1,"relation":"eq"},"hits":[{"_index":"logs","_id":"1","_source":{"a":1},"sort":[1]}]}}"#,
        )
    });
    let driver = ElasticDriver::new(options(&server)).unwrap();
    let result = driver.query_result("*").unwrap();
    let message = result.partial_error.clone().unwrap();
    assert!(
        message.contains("1 shards failed: No mapping found"),
        "{message}"
    );
    assert_eq!(result.primary().height(), 1);
}

#[test]
fn errors_auth_throttling_and_timeouts() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |req| {
        if req.header("authorization") != Some("ApiKey a2V5LWlkOmtleS1zZWNyZXQ=") {
            return Reply::json(
                401,
                r#"{"error":{"root_cause":[{"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"}],"type":"security_exception","reason":"unable to authenticate with provided credentials and anonymous access is not allowed for this request"},"status":401}"#,
            );
        }
        let body = req.body_str();
        if body.contains("slow") {
            return Reply::json(200, "{}").delay(Duration::from_secs(3));
        }
        if body.contains("broken") {
            return Reply::json(200, r#"{"hits": {"hits": [{"_id": "1", "_source": "#);
        }
        if body.contains("bad(") {
            return Reply::json(
                400,
                r#"{"error":{"root_cause":[{"type":"query_shard_exception","reason":"Failed to parse query [bad(]"}],"type":"search_phase_execution_exception","reason":"all shards failed"},"status":400}"#,
            );
        }
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(429, r#"{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"},"status":429}"#)
                .header("Retry-After", "1");
        }
        Reply::json(200, r#"{"hits":{"hits":[]}}"#)
    });
    let err = ElasticDriver::new(
        options(&server).with_basic_auth("elastic", Secret::new("pw-elastic-9")),
    )
    .unwrap()
    .query("*")
    .unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("unable to authenticate") && !text.contains("pw-elastic-9"),
        "{text}"
    );

    let keyed = options(&server).with_api_key(Secret::new("a2V5LWlkOmtleS1zZWNyZXQ="));
    let driver = ElasticDriver::new(keyed.clone()).unwrap();
    assert!(!format!("{driver:?}").contains("a2V5LWlk"));
    let started = Instant::now();
    assert_eq!(driver.query("*").unwrap().height(), 0);
    assert!(started.elapsed() >= Duration::from_millis(950));

    let err = driver.query("bad(").unwrap_err();
    assert!(
        err.to_string()
            .contains("search_phase_execution_exception: all shards failed"),
        "{err}"
    );
    let err = driver.query("broken").unwrap_err();
    assert!(matches!(err, DriverError::Parse { .. }), "{err:?}");

    let quick = keyed.with_http(HttpOptions::default().with_timeout(Duration::from_millis(300)));
    let err = ElasticDriver::new(quick)
        .unwrap()
        .query("slow")
        .unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
}

#[test]
fn list_parameters_are_json_strings() {
    let server = LoopbackServer::start(|_| Reply::new(200));
    let driver = ElasticDriver::new(options(&server)).unwrap();
    let items = ["a".to_string(), "b\"c".to_string()];
    assert_eq!(driver.format_list(&items, true), r#""a", "b\"c""#);
}

#[test]
fn server_errors_are_retried() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |_| match counter.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::json(
            503,
            r#"{"error":{"type":"cluster_block_exception","reason":"blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];"},"status":503}"#,
        ),
        _ => Reply::json(
            200,
            r#"{"hits":{"hits":[{"_index":"i","_id":"1","_source":{"a":1}}]}}"#,
        ),
    });
    let frame = ElasticDriver::new(options(&server))
        .unwrap()
        .query("*")
        .unwrap();
    assert_eq!(frame.height(), 1);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
