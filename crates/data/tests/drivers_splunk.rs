//! The Splunk driver against a loopback server speaking the export endpoint's
//! newline-delimited JSON.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use huntbook_data::config::{Config, Secret};
use huntbook_data::driver::http::{ERRORS_COLUMN, HttpOptions};
use huntbook_data::driver::splunk::{SplunkAuth, SplunkDriver, SplunkOptions};
use huntbook_data::driver::{Driver, DriverError};
use huntbook_testkit::{LoopbackServer, Reply};
use polars::prelude::*;

const EXPORT: &str = concat!(
    r#"{"preview":true,"offset":0,"result":{"host":"preview-only"}}"#,
    "\n",
    r#"{"preview":false,"offset":0,"result":{"_time":"2024-03-01T10:00:00.000+00:00","host":"web01","source":"/var/log/auth.log","user":"alice","count":"3"}}"#,
    "\n",
    r#"{"preview":false,"offset":1,"result":{"_time":"2024-03-01T10:05:00.000+01:00","host":"web02","user":["bob","carol"],"count":"5"}}"#,
    "\n",
    r#"{"preview":false,"offset":2,"lastrow":true,"result":{"_time":"2024-03-01T10:10:00.000+00:00","host":"web03","count":"7"}}"#,
    "\n",
);

fn options(server: &LoopbackServer, auth: SplunkAuth) -> SplunkOptions {
    SplunkOptions::new(&server.url(), auth).with_http(
        HttpOptions::default()
            .with_timeout(Duration::from_secs(5))
            .with_initial_backoff(Duration::from_millis(10)),
    )
}

fn basic() -> SplunkAuth {
    SplunkAuth::Basic {
        user: "admin".to_string(),
        password: Secret::new("changeme-pw"),
    }
}

#[test]
fn export_results_become_rows() {
    let server = LoopbackServer::start(|req| match req.path.as_str() {
        "/services/search/jobs/export" => Reply::text(200, EXPORT),
        _ => Reply::text(404, "no"),
    });
    let driver = SplunkDriver::new(options(&server, basic()).with_earliest("-24h")).unwrap();
    let frame = driver.query("index=main sourcetype=linux_secure").unwrap();
    assert_eq!(frame.height(), 3);
    let time = frame.column("_time").unwrap();
    assert_eq!(
        time.dtype(),
        &DataType::Datetime(TimeUnit::Microseconds, Some(TimeZone::UTC))
    );
    let times = time
        .as_materialized_series()
        .datetime()
        .unwrap()
        .physical()
        .clone();
    let expected = chrono::DateTime::parse_from_rfc3339("2024-03-01T09:05:00Z").unwrap();
    assert_eq!(times.get(1), Some(expected.timestamp_micros()));
    let hosts: Vec<Option<&str>> = frame
        .column("host")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(hosts, [Some("web01"), Some("web02"), Some("web03")]);
    let users = frame.column("user").unwrap().str().unwrap();
    assert_eq!(users.get(1), Some(r#"["bob","carol"]"#));
    assert_eq!(users.get(2), None);
    assert_eq!(frame.column("count").unwrap().dtype(), &DataType::String);

    let seen = server.requests();
    let form = seen[0].body_str();
    assert!(form.contains("search=search+index%3Dmain"), "{form}");
    assert!(
        form.contains("output_mode=json") && form.contains("earliest_time=-24h"),
        "{form}"
    );
    // admin:changeme-pw
    assert_eq!(
        seen[0].header("authorization"),
        Some("Basic YWRtaW46Y2hhbmdlbWUtcHc=")
    );
}

#[test]
fn tokens_are_sent_as_bearer() {
    let server = LoopbackServer::start(|_| Reply::text(200, EXPORT));
    let auth = SplunkAuth::Token(Secret::new("splunk-token-abc"));
    SplunkDriver::new(options(&server, auth))
        .unwrap()
        .query("| makeresults")
        .unwrap();
    let seen = server.requests();
    assert_eq!(
        seen[0].header("authorization"),
        Some("Bearer splunk-token-abc")
    );
    assert!(seen[0].body_str().contains("search=%7C+makeresults"));
}

#[test]
fn fatal_messages_fail_the_search() {
    let server = LoopbackServer::start(|_| {
        Reply::text(
            200,
            r#"{"messages":[{"type":"FATAL","text":"Error in 'search' command: Unable to parse the search: unbalanced parentheses."}]}"#,
        )
    });
    let err = SplunkDriver::new(options(&server, basic()))
        .unwrap()
        .query("(x")
        .unwrap_err();
    assert!(matches!(err, DriverError::Query { .. }), "{err:?}");
    assert!(err.to_string().contains("unbalanced parentheses"), "{err}");
}

#[test]
fn errors_beside_rows_are_a_partial_result() {
    let body = format!(
        "{EXPORT}{}\n",
        r#"{"messages":[{"type":"ERROR","text":"Search peer idx02 is down"}]}"#
    );
    let server = LoopbackServer::start(move |_| Reply::text(200, body.clone()));
    let driver = SplunkDriver::new(options(&server, basic())).unwrap();
    let result = driver.query_result("index=main").unwrap();
    assert_eq!(
        result.partial_error.as_deref(),
        Some("ERROR: Search peer idx02 is down")
    );
    assert_eq!(driver.query("index=main").unwrap().height(), 3);
}

#[test]
fn a_broken_line_is_kept_as_an_error_row() {
    let body = EXPORT.replace(
        r#"{"preview":false,"offset":1,"#,
        r#"{"preview":false,"offset":1"#,
    );
    let server = LoopbackServer::start(move |_| Reply::text(200, body.clone()));
    let frame = SplunkDriver::new(options(&server, basic()))
        .unwrap()
        .query("x")
        .unwrap();
    assert_eq!(frame.height(), 3);
    let errors = frame.column(ERRORS_COLUMN).unwrap().str().unwrap();
    assert!(
        errors
            .get(1)
            .unwrap()
            .starts_with("line 3: not a JSON object"),
        "{errors:?}"
    );
    assert_eq!(
        frame.column("host").unwrap().str().unwrap().get(2),
        Some("web03")
    );
}

#[test]
fn an_answer_that_is_not_json_is_a_parse_error() {
    let server = LoopbackServer::start(|_| Reply::text(200, "<html>login</html>\n"));
    let err = SplunkDriver::new(options(&server, basic()))
        .unwrap()
        .query("x")
        .unwrap_err();
    let DriverError::Parse { ref message, .. } = err else {
        panic!("{err:?}")
    };
    assert!(message.starts_with("line 1"), "{message}");
}

#[test]
fn bad_credentials_throttling_and_timeouts() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |req| {
        if req.header("authorization") != Some("Basic YWRtaW46Y2hhbmdlbWUtcHc=") {
            return Reply::json(
                401,
                r#"{"messages":[{"type":"WARN","text":"call not properly authenticated"}]}"#,
            );
        }
        if req.body_str().contains("slow") {
            return Reply::text(200, EXPORT).delay(Duration::from_secs(3));
        }
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::text(503, "Search head is busy").header("Retry-After", "1");
        }
        Reply::text(200, EXPORT)
    });
    let wrong = SplunkAuth::Basic {
        user: "admin".into(),
        password: Secret::new("wrong-pw-123"),
    };
    let err = SplunkDriver::new(options(&server, wrong))
        .unwrap()
        .query("x")
        .unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?}");
    assert!(
        text.contains("not properly authenticated") && !text.contains("wrong-pw"),
        "{text}"
    );

    let driver = SplunkDriver::new(options(&server, basic())).unwrap();
    let started = Instant::now();
    assert_eq!(driver.query("x").unwrap().height(), 3);
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert!(!format!("{driver:?}").contains("changeme-pw"));

    let quick = options(&server, basic())
        .with_http(HttpOptions::default().with_timeout(Duration::from_millis(300)));
    let err = SplunkDriver::new(quick).unwrap().query("slow").unwrap_err();
    assert!(matches!(err, DriverError::Timeout { .. }), "{err:?}");
}

#[test]
fn settings_come_from_the_configuration() {
    let config = Config::from_yaml_str(
        "DataProviders:\n  Splunk:\n    Args:\n      host: splunk.example.com\n      \
         username: admin\n      password: pw-from-config\n",
    )
    .unwrap();
    let options = SplunkOptions::discover(Some(&config)).unwrap();
    assert_eq!(options.base_url, "https://splunk.example.com:8089");
    assert!(!format!("{options:?}").contains("pw-from-config"));
}

#[test]
fn throttling_is_retried_after_the_given_seconds() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let server = LoopbackServer::start(move |_| {
        if counter.fetch_add(1, Ordering::SeqCst) == 0 {
            return Reply::json(
                429,
                r#"{"messages":[{"type":"ERROR","text":"Too many requests"}]}"#,
            )
            .header("Retry-After", "1");
        }
        Reply::text(200, EXPORT)
    });
    let started = Instant::now();
    let frame = SplunkDriver::new(options(&server, basic()))
        .unwrap()
        .query("x")
        .unwrap();
    assert_eq!(frame.height(), 3);
    assert!(started.elapsed() >= Duration::from_millis(950));
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}
