//! The shared HTTP client and OAuth2 token cache against a loopback server: retries,
//! Retry-After, timeouts, auth errors, streaming lines, and secrets kept out of errors.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use huntbook_data::config::Secret;
use huntbook_data::driver::DriverError;
use huntbook_data::driver::auth::{ClientCredentials, TokenCache, TokenSource};
use huntbook_data::driver::http::{Credential, HttpClient, HttpOptions, HttpRequest};
use huntbook_testkit::{LoopbackServer, Reply, Request};
use url::Url;

fn fast() -> HttpOptions {
    HttpOptions::default()
        .with_timeout(Duration::from_secs(5))
        .with_initial_backoff(Duration::from_millis(20))
        .with_max_attempts(3)
}

fn client(options: HttpOptions) -> HttpClient {
    HttpClient::new("test", options).unwrap()
}

fn post(server: &LoopbackServer, path: &str) -> HttpRequest {
    let url = Url::parse(&format!("{}{path}", server.url())).unwrap();
    HttpRequest::post(url).with_json(&serde_json::json!({"q": 1}))
}

/// A handler that answers `first` for the first `times` requests, then `then`.
fn sequence(
    times: usize,
    first: impl Fn() -> Reply + Send + Sync + 'static,
    then: impl Fn(&Request) -> Reply + Send + Sync + 'static,
) -> impl Fn(&Request) -> Reply + Send + Sync + 'static {
    let count = Arc::new(AtomicUsize::new(0));
    move |req| {
        if count.fetch_add(1, Ordering::SeqCst) < times {
            first()
        } else {
            then(req)
        }
    }
}

#[test]
fn throttling_honours_retry_after_seconds() {
    let server = LoopbackServer::start(sequence(
        1,
        || {
            Reply::json(
                429,
                r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
            )
            .header("Retry-After", "1")
        },
        |_| Reply::json(200, r#"{"ok":true}"#),
    ));
    let started = Instant::now();
    let body: serde_json::Value = client(fast()).send_json(&post(&server, "/q")).unwrap();
    let waited = started.elapsed();
    assert_eq!(body["ok"], true);
    assert_eq!(server.requests().len(), 2);
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(3), "waited {waited:?}");
    eprintln!("429 + Retry-After: 1 took {waited:?}");
}

#[test]
fn throttling_honours_retry_after_dates() {
    let server = LoopbackServer::start(sequence(
        1,
        || {
            let when = chrono::Utc::now() + chrono::Duration::seconds(2);
            let date = when.format("%a, %d %b %Y %H:%M:%S GMT").to_string();
            Reply::new(429).header("Retry-After", &date)
        },
        |_| Reply::json(200, "{}"),
    ));
    let started = Instant::now();
    client(fast()).send(&post(&server, "/q")).unwrap();
    let waited = started.elapsed();
    // The date has whole seconds, so the wait is between one and two seconds.
    assert!(
        waited >= Duration::from_millis(900),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(4), "waited {waited:?}");
}

#[test]
fn server_errors_are_retried_with_backoff() {
    let server = LoopbackServer::start(sequence(
        2,
        || Reply::text(503, "busy"),
        |_| Reply::json(200, r#"[1,2]"#),
    ));
    let body: Vec<i32> = client(fast()).send_json(&post(&server, "/q")).unwrap();
    assert_eq!(body, [1, 2]);
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn retries_stop_at_max_attempts() {
    let server = LoopbackServer::start(|_| Reply::new(429).header("Retry-After", "0"));
    let err = client(fast())
        .send(&post(&server, "/throttled?sig=abc"))
        .unwrap_err();
    assert!(
        matches!(err, DriverError::Throttled { attempts: 3, .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 3);
    assert!(!err.to_string().contains("sig=abc"), "{err}");

    let server = LoopbackServer::start(|_| Reply::text(500, "kaput"));
    let err = client(fast()).send(&post(&server, "/broken")).unwrap_err();
    let DriverError::Http {
        status,
        ref message,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert_eq!(status, 500);
    assert!(
        message.contains("kaput") && message.contains("after 3 attempts"),
        "{message}"
    );
}

#[test]
fn client_errors_are_not_retried() {
    let body = r#"{"error":{"code":"BadArgumentError","message":"Syntax error near |"}}"#;
    let server = LoopbackServer::start(move |_| Reply::json(400, body));
    let err = client(fast()).send(&post(&server, "/q")).unwrap_err();
    assert_eq!(server.requests().len(), 1);
    assert!(
        err.to_string()
            .contains("BadArgumentError: Syntax error near |"),
        "{err}"
    );
}

#[test]
fn unauthorized_is_an_auth_error_without_the_token() {
    let server = LoopbackServer::start(|_| {
        Reply::json(
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"expired"}}"#,
        )
    });
    let token = Secret::new("eyJ0eXAiOiJKV1QiLCJhbGciOi-secret-token");
    let request = post(&server, "/q?code=hidden").with_credential(Credential::Bearer(token));
    let err = client(fast()).send(&request).unwrap_err();
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    let text = format!("{err} {err:?} {request:?}");
    assert!(
        text.contains("InvalidAuthenticationToken: expired"),
        "{text}"
    );
    assert!(
        !text.contains("secret-token") && !text.contains("hidden"),
        "{text}"
    );
    let seen = server.requests();
    let header = seen[0].header("authorization").unwrap();
    assert_eq!(header, "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi-secret-token");
}

#[test]
fn slow_answers_time_out() {
    let server = LoopbackServer::start(|_| Reply::json(200, "{}").delay(Duration::from_secs(3)));
    let options = fast().with_timeout(Duration::from_millis(400));
    let started = Instant::now();
    let err = client(options).send(&post(&server, "/slow")).unwrap_err();
    let took = started.elapsed();
    let DriverError::Timeout {
        ref url, seconds, ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(url.ends_with("/slow"), "{url}");
    assert!((seconds - 0.4).abs() < 1e-9);
    assert!(took < Duration::from_secs(2), "took {took:?}");
}

#[test]
fn malformed_json_says_where() {
    let server = LoopbackServer::start(|_| Reply::json(200, "{\"tables\": [\n  {\"name\": }"));
    let err = client(fast())
        .send_json::<serde_json::Value>(&post(&server, "/q"))
        .unwrap_err();
    let DriverError::Parse {
        ref what,
        ref message,
        ..
    } = err
    else {
        panic!("{err:?}")
    };
    assert!(what.contains("/q"), "{what}");
    assert!(message.contains("line 2 column"), "{message}");
}

#[test]
fn refused_connections_are_connect_errors() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let url = Url::parse(&format!("http://127.0.0.1:{port}/q?key=k")).unwrap();
    let err = client(fast().with_max_attempts(2))
        .send(&HttpRequest::get(url))
        .unwrap_err();
    assert!(matches!(err, DriverError::Connect { .. }), "{err:?}");
    assert!(!err.to_string().contains("key=k"), "{err}");
}

#[test]
fn lines_arrive_one_by_one() {
    let body: String = (1..=500).map(|i| format!("{{\"n\":{i}}}\r\n")).collect();
    let server = LoopbackServer::start(move |_| Reply::text(200, body.clone()));
    let mut seen = Vec::new();
    client(fast())
        .send_lines(&post(&server, "/lines"), |line_no, line| {
            let value: serde_json::Value = serde_json::from_slice(line).unwrap();
            seen.push((line_no, value["n"].as_i64().unwrap()));
            Ok(())
        })
        .unwrap();
    assert_eq!(seen.len(), 500);
    assert!(seen.iter().all(|(line, n)| *line as i64 == *n));
}

fn token_server(token_requests: Arc<AtomicUsize>) -> LoopbackServer {
    LoopbackServer::start(move |req| {
        if req.path.ends_with("/oauth2/v2.0/token") {
            token_requests.fetch_add(1, Ordering::SeqCst);
            let body = req.body_str();
            if !body.contains("client_secret=right-secret") {
                return Reply::json(
                    401,
                    r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}"#,
                );
            }
            assert!(body.contains("grant_type=client_credentials"), "{body}");
            assert!(
                body.contains("scope=api%3A%2F%2Fservice%2F.default"),
                "{body}"
            );
            return Reply::json(
                200,
                r#"{"token_type":"Bearer","expires_in":3599,"access_token":"issued-token-1"}"#,
            );
        }
        match req.header("authorization") {
            Some("Bearer issued-token-1") => Reply::json(200, r#"{"ok":true}"#),
            _ => Reply::new(401),
        }
    })
}

fn credentials(server: &LoopbackServer, secret: &str) -> TokenSource {
    let creds = ClientCredentials::new("tenant-1", "client-1", Secret::new(secret))
        .with_authority(&server.url())
        .with_scope("api://service/.default");
    TokenSource::ClientCredentials(creds)
}

#[test]
fn client_credential_tokens_are_fetched_once_and_cached() {
    let token_requests = Arc::new(AtomicUsize::new(0));
    let server = token_server(Arc::clone(&token_requests));
    let http = client(fast());
    let cache = TokenCache::new("test", credentials(&server, "right-secret"));
    for _ in 0..3 {
        let ok: serde_json::Value = cache
            .with_credential(&http, |credential| {
                http.send_json(&post(&server, "/api").with_credential(credential))
            })
            .unwrap();
        assert_eq!(ok["ok"], true);
    }
    assert_eq!(token_requests.load(Ordering::SeqCst), 1);
    assert!(server.requests()[0].path == "/tenant-1/oauth2/v2.0/token");
}

#[test]
fn a_wrong_client_secret_is_reported_without_the_secret() {
    let token_requests = Arc::new(AtomicUsize::new(0));
    let server = token_server(token_requests);
    let http = client(fast());
    let source = credentials(&server, "wrong-secret-value");
    let cache = TokenCache::new("test", source.clone());
    let err = cache.credential(&http).unwrap_err();
    let text = format!("{err} | {err:?} | {cache:?} | {source:?}");
    assert!(matches!(err, DriverError::Auth { .. }), "{err:?}");
    assert!(text.contains("AADSTS7000215"), "{text}");
    assert!(!text.contains("wrong-secret-value"), "{text}");
}

#[test]
fn a_rejected_cached_token_is_renewed_once() {
    let token_requests = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&token_requests);
    let api_calls = Arc::new(AtomicUsize::new(0));
    let calls = Arc::clone(&api_calls);
    let server = LoopbackServer::start(move |req| {
        if req.path.ends_with("/token") {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            return Reply::json(
                200,
                format!(r#"{{"expires_in":"3600","access_token":"tok-{n}"}}"#),
            );
        }
        calls.fetch_add(1, Ordering::SeqCst);
        match req.header("authorization") {
            Some("Bearer tok-2") => Reply::json(200, "{}"),
            _ => Reply::new(401),
        }
    });
    let http = client(fast());
    let cache = TokenCache::new("test", credentials(&server, "any"));
    cache
        .with_credential(&http, |credential| {
            http.send(&post(&server, "/api").with_credential(credential))
        })
        .unwrap();
    assert_eq!(token_requests.load(Ordering::SeqCst), 2);
    assert_eq!(api_calls.load(Ordering::SeqCst), 2);
}
