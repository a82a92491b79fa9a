//! The lookup machinery: retries on 429 with Retry-After, timeouts, bad JSON, rate limits,
//! the disk cache, isolation of failing providers, progress, and keys never leaking.

// Helpers outside #[test] functions unwrap too: a failure there is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use huntbook_data::IocType;
use huntbook_data::config::{Config, Secret};
use huntbook_enrich::ti::feeds::demo_feed;
use huntbook_enrich::ti::http::HttpOptions;
use huntbook_enrich::ti::providers::{AbuseIpdb, Pulsedive, VirusTotal};
use huntbook_enrich::ti::{LookupOptions, RateLimit, Status, TiLookup, results_frame};
use huntbook_testkit::{LoopbackServer, Reply, Request};

const KEY: &str = "planted-secret-key-9f8e7d6c";

const ABUSE_OK: &str =
    r#"{"data":{"ipAddress":"198.51.100.1","abuseConfidenceScore":50,"totalReports":3}}"#;

/// The tests use documentation addresses, which are withheld from online providers by
/// default; they are let through here.
fn no_cache() -> LookupOptions {
    LookupOptions::default()
        .without_cache()
        .with_private_addresses(true)
}

#[test]
fn retries_429_honouring_retry_after() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let server = LoopbackServer::start(move |_req: &Request| {
        if seen.fetch_add(1, Ordering::SeqCst) == 0 {
            Reply::new(429).header("Retry-After", "1")
        } else {
            Reply::json(200, ABUSE_OK)
        }
    });
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None)
        .with_http_options(HttpOptions::default().with_backoff(Duration::from_millis(10)));
    let lookup = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache());
    let start = Instant::now();
    let rows = lookup.lookup_typed(vec![("198.51.100.1".into(), IocType::Ipv4)]);
    assert_eq!(rows[0].status, Status::Ok);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "Retry-After: 1 was not honoured"
    );
}

#[test]
fn gives_up_after_retries_with_a_clear_message() {
    let server =
        LoopbackServer::start(|_req: &Request| Reply::json(503, r#"{"error":"maintenance"}"#));
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None)
        .with_http_options(
            HttpOptions::default()
                .with_retries(2)
                .with_backoff(Duration::from_millis(5)),
        );
    let rows = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache())
        .lookup_typed(vec![("198.51.100.1".into(), IocType::Ipv4)]);
    let Status::Error(message) = &rows[0].status else {
        panic!("{:?}", rows[0].status)
    };
    assert!(
        message.contains("503") && message.contains("retry later"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn timeouts_are_errors_not_hangs() {
    let server = LoopbackServer::start(|_req: &Request| {
        Reply::json(200, ABUSE_OK).delay(Duration::from_secs(3))
    });
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None)
        .with_http_options(
            HttpOptions::default()
                .with_timeout(Duration::from_millis(300))
                .with_retries(0),
        );
    let start = Instant::now();
    let rows = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache())
        .lookup_typed(vec![("198.51.100.1".into(), IocType::Ipv4)]);
    assert!(start.elapsed() < Duration::from_secs(2));
    let Status::Error(message) = &rows[0].status else {
        panic!("{:?}", rows[0].status)
    };
    assert!(message.contains("no answer"), "{message}");
}

#[test]
fn bad_json_is_reported() {
    let server = LoopbackServer::start(|_req: &Request| Reply::json(200, "<html>oops</html>"));
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let rows = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache())
        .lookup_typed(vec![("198.51.100.1".into(), IocType::Ipv4)]);
    let Status::Error(message) = &rows[0].status else {
        panic!("{:?}", rows[0].status)
    };
    assert!(
        message.contains("not valid JSON") && message.contains("<html>"),
        "{message}"
    );
}

#[test]
fn one_failing_provider_keeps_the_others() {
    let server = LoopbackServer::start(|_req: &Request| Reply::json(500, "{}"));
    let broken = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None)
        .with_http_options(HttpOptions::default().with_retries(0));
    let lookup = TiLookup::new()
        .with_provider(demo_feed().unwrap())
        .with_provider(broken)
        .with_options(no_cache());
    let frame = lookup
        .lookup_iocs(&["198.51.100.23", "login-update.example.com"])
        .unwrap();
    assert_eq!(
        frame.height(),
        3,
        "two feed rows plus one AbuseIPDB error row"
    );
    let status = frame.column("status").unwrap().str().unwrap();
    let provider = frame.column("provider").unwrap().str().unwrap();
    assert_eq!(provider.get(0), Some("DemoFeed"));
    assert_eq!(status.get(0), Some("ok"));
    assert_eq!(provider.get(1), Some("AbuseIPDB"));
    assert!(status.get(1).unwrap().starts_with("error: "));
    assert_eq!(status.get(2), Some("ok"));
}

#[test]
fn rate_limit_holds_and_progress_reports() {
    let server = LoopbackServer::start(|_req: &Request| Reply::json(200, ABUSE_OK));
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(Some(RateLimit::per_second(20.0).with_burst(1)));
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    let lookup = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache().with_concurrency(8))
        .with_progress(move |done, total| record.lock().unwrap().push((done, total)));
    let iocs: Vec<String> = (1..=21).map(|i| format!("198.51.100.{i}")).collect();
    let start = Instant::now();
    let frame = lookup.lookup_iocs(&iocs).unwrap();
    let elapsed = start.elapsed();
    assert_eq!(frame.height(), 21);
    assert!(
        elapsed >= Duration::from_millis(950),
        "21 requests at 20/s took {elapsed:?}"
    );
    let progress = seen.lock().unwrap();
    assert_eq!(progress.len(), 21);
    assert_eq!(progress.last(), Some(&(21, 21)));
}

#[test]
fn cache_answers_the_second_time_and_expires() {
    let server = LoopbackServer::start(|_req: &Request| Reply::json(200, ABUSE_OK));
    let dir = tempfile::tempdir().unwrap();
    let make = |ttl: Duration| {
        let provider = AbuseIpdb::new(Secret::new(KEY))
            .with_base_url(&server.url())
            .with_rate_limit(None);
        TiLookup::new().with_provider(provider).with_options(
            LookupOptions::default()
                .with_cache(dir.path(), ttl)
                .with_private_addresses(true),
        )
    };
    let items = vec![("198.51.100.1".to_string(), IocType::Ipv4)];
    let first = make(Duration::from_secs(3600)).lookup_typed(items.clone());
    let second = make(Duration::from_secs(3600)).lookup_typed(items.clone());
    assert_eq!(first, second);
    assert_eq!(
        server.requests().len(),
        1,
        "the second lookup came from the cache"
    );
    make(Duration::ZERO).lookup_typed(items);
    assert_eq!(
        server.requests().len(),
        2,
        "an expired entry is fetched again"
    );

    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        assert!(!text.contains(KEY), "a key reached the cache");
    }
}

/// Plants a key, provokes every kind of answer and failure, and searches every column of
/// the output, every error message and the Debug output for it.
#[test]
fn keys_never_appear_in_outputs() {
    let server = LoopbackServer::start(|req: &Request| {
        // The service echoes what it was sent, as some do in their error bodies.
        let echo = format!(
            r#"{{"error":"bad request {} {}","headers":"{:?}"}}"#,
            req.query, req.path, req.headers
        );
        match req.path.as_str() {
            p if p.contains("198.51.100.1") => Reply::json(
                200,
                r#"{"data":{"attributes":{"last_analysis_stats":{"malicious":1}}}}"#,
            ),
            p if p.contains("198.51.100.2") => Reply::json(401, echo),
            p if p.contains("198.51.100.3") => Reply::json(200, format!("not json {echo}")),
            "/api/info.php" => Reply::json(500, echo),
            _ => Reply::json(404, echo),
        }
    });
    let options = HttpOptions::default().with_retries(0);
    let vt = VirusTotal::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None)
        .with_http_options(options.clone());
    let pd = Pulsedive::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None)
        .with_http_options(options);
    let dead = VirusTotal::new(Secret::new(KEY))
        .with_base_url("http://127.0.0.1:9")
        .with_rate_limit(None)
        .with_http_options(HttpOptions::default().with_retries(0));
    let debug = format!("{vt:?} {pd:?} {dead:?}");
    assert!(!debug.contains(KEY), "{debug}");

    let lookup = TiLookup::new()
        .with_provider(vt)
        .with_provider(pd)
        .with_provider(dead)
        .with_options(no_cache());
    let iocs = [
        "198.51.100.1",
        "198.51.100.2",
        "198.51.100.3",
        "198.51.100.4",
        "evil.example.com",
    ];
    let rows = lookup.lookup_iocs(&iocs).unwrap();
    assert!(rows.height() >= 10);
    let mut errors = 0;
    for column in rows.columns() {
        let text = column.cast(&polars::prelude::DataType::String).unwrap();
        for value in text.str().unwrap().iter().flatten() {
            assert!(
                !value.contains(KEY),
                "key in column {}: {value}",
                column.name()
            );
            errors += usize::from(value.starts_with("error: "));
        }
    }
    assert!(errors >= 5, "expected failures to check, saw {errors}");

    let typed = lookup.lookup_typed(
        iocs.iter()
            .map(|i| (i.to_string(), IocType::Ipv4))
            .collect(),
    );
    let all = format!("{typed:?} {lookup:?}");
    assert!(!all.contains(KEY));
    let frame = results_frame(&typed).unwrap();
    assert!(!format!("{frame}").contains(KEY));
}

#[test]
fn keys_come_from_config_or_environment() {
    let config = Config::from_yaml_str(&format!(
        "TIProviders:\n  VirusTotal:\n    Args:\n      AuthKey: {KEY}\n  GreyNoise:\n    Args:\n      AuthKey:\n        EnvironmentVar: HUNTBOOK_TEST_UNSET_GN_KEY\n  Mystery:\n    Args: {{}}\n"
    ))
    .unwrap();
    let (providers, notes) = huntbook_enrich::ti::providers::from_config(&config);
    let names: Vec<&str> = providers.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["VirusTotal"]);
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(
        notes
            .iter()
            .any(|n| n.contains("HUNTBOOK_TEST_UNSET_GN_KEY"))
    );
    assert!(notes.iter().all(|n| !n.contains(KEY)));

    let (lookup, _) = TiLookup::from_config(&config);
    assert_eq!(lookup.provider_names(), ["VirusTotal"]);
}

#[test]
fn internal_addresses_are_not_sent_to_online_providers() {
    let server = LoopbackServer::start(|_req: &Request| Reply::json(200, ABUSE_OK));
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let lookup = TiLookup::new()
        .with_provider(demo_feed().unwrap())
        .with_provider(provider)
        .with_options(LookupOptions::default().without_cache());
    let rows = lookup.lookup_typed(vec![
        ("10.20.30.40".into(), IocType::Ipv4),
        ("198.51.100.23".into(), IocType::Ipv4),
        ("8.8.4.4".into(), IocType::Ipv4),
    ]);
    assert_eq!(rows.len(), 6);
    assert_eq!(
        (rows[0].provider.as_str(), &rows[0].status),
        ("DemoFeed", &Status::NotFound)
    );
    assert_eq!(rows[1].status, Status::Unsupported);
    assert!(
        rows[1].details["reason"]
            .as_str()
            .unwrap()
            .starts_with("private address")
    );
    assert_eq!(
        (rows[2].provider.as_str(), &rows[2].status),
        ("DemoFeed", &Status::Ok)
    );
    assert!(
        rows[3].details["reason"]
            .as_str()
            .unwrap()
            .starts_with("documentation address")
    );
    assert_eq!(rows[5].status, Status::Ok);
    assert_eq!(
        server.requests().len(),
        1,
        "only the global address left the machine"
    );
}

#[test]
fn repeated_indicators_are_asked_once() {
    let server = LoopbackServer::start(|_req: &Request| Reply::json(200, ABUSE_OK));
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let lookup = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache());
    let frame = lookup
        .lookup_iocs(&["8.8.4.4", "1.0.0.1", "8.8.4.4", "8.8.4.4"])
        .unwrap();
    assert_eq!(frame.height(), 4, "one row per input value");
    let iocs = frame.column("ioc").unwrap().str().unwrap();
    assert_eq!(iocs.get(1), Some("1.0.0.1"));
    assert_eq!(iocs.get(3), Some("8.8.4.4"));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_long_retry_after_is_not_waited_for() {
    let server = LoopbackServer::start(|_req: &Request| {
        Reply::json(
            429,
            r#"{"errors":[{"detail":"Daily rate limit of 1000 requests exceeded"}]}"#,
        )
        .header("Retry-After", "3600")
    });
    let provider = AbuseIpdb::new(Secret::new(KEY))
        .with_base_url(&server.url())
        .with_rate_limit(None);
    let start = Instant::now();
    let rows = TiLookup::new()
        .with_provider(provider)
        .with_options(no_cache())
        .lookup_typed(vec![("8.8.4.4".into(), IocType::Ipv4)]);
    assert!(start.elapsed() < Duration::from_secs(5));
    let Status::Error(message) = &rows[0].status else {
        panic!("{:?}", rows[0].status)
    };
    assert!(
        message.contains("429") && message.contains("Daily rate limit"),
        "{message}"
    );
    assert_eq!(server.requests().len(), 1);
}
