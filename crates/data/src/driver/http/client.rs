//! The blocking HTTP client: reqwest's async client driven by a small tokio runtime the
//! client owns, so that drivers offer a synchronous API to notebook cells.
//!
//! Each attempt has a total timeout covering the request and the whole body; 429 and
//! transient 5xx answers are retried with exponential backoff and jitter, honouring
//! `Retry-After`. Errors name the URL without its query string, and any secret the request
//! carries is masked in the service's error text.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use url::Url;

use super::retry::{backoff_delay, is_retryable, parse_retry_after};
use crate::config::Secret;
use crate::driver::DriverError;

/// How the client waits and retries.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Time allowed to open the connection.
    pub connect_timeout: Duration,
    /// Time allowed for one attempt, from sending the request to the last byte of the body.
    pub timeout: Duration,
    /// How many requests are made at most (1 means no retry).
    pub max_attempts: u32,
    /// The wait before the first retry when the service gives no `Retry-After`.
    pub initial_backoff: Duration,
    /// The longest wait between two attempts; a longer `Retry-After` is cut to this.
    pub max_backoff: Duration,
    /// Accepts any TLS certificate (a self-signed Splunk or Elasticsearch on a lab network).
    /// Off by default; turning it on allows anyone on the path to read the traffic.
    pub accept_invalid_certs: bool,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(300),
            max_attempts: 4,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(60),
            accept_invalid_certs: false,
        }
    }
}

impl HttpOptions {
    /// Sets the connect timeout.
    pub fn with_connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the total timeout of one attempt.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the maximum number of attempts (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// Sets the first backoff wait.
    pub fn with_initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// Sets the longest wait between attempts.
    pub fn with_max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Accepts invalid (e.g. self-signed) TLS certificates.
    pub fn with_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }
}

/// Credentials sent with a request.
#[derive(Debug, Clone)]
pub enum Credential {
    /// `Authorization: Bearer <token>`.
    Bearer(Secret),
    /// `Authorization: Basic base64(user:password)`.
    Basic {
        /// The user name.
        user: String,
        /// The password.
        password: Secret,
    },
    /// `Authorization: <scheme> <value>`, e.g. Elasticsearch's `ApiKey`.
    Scheme {
        /// The scheme word.
        scheme: String,
        /// The value after it.
        value: Secret,
    },
}

impl Credential {
    fn header_value(&self) -> String {
        use base64::Engine;
        match self {
            Credential::Bearer(token) => format!("Bearer {}", token.expose()),
            Credential::Basic { user, password } => {
                let pair = format!("{user}:{}", password.expose());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
            Credential::Scheme { scheme, value } => format!("{scheme} {}", value.expose()),
        }
    }

    fn secret(&self) -> &str {
        match self {
            Credential::Bearer(token) => token.expose(),
            Credential::Basic { password, .. } => password.expose(),
            Credential::Scheme { value, .. } => value.expose(),
        }
    }
}

/// One request, kept whole so that it can be sent again on retry.
#[derive(Clone)]
pub struct HttpRequest {
    method: Method,
    url: Url,
    headers: Vec<(String, String)>,
    credential: Option<Credential>,
    body: Option<(Vec<u8>, &'static str)>,
    secrets: Vec<Secret>,
}

impl fmt::Debug for HttpRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpRequest")
            .field("method", &self.method)
            .field("url", &display_url(&self.url))
            .field("headers", &self.headers)
            .field("credential", &self.credential)
            .field("body_bytes", &self.body.as_ref().map(|(b, _)| b.len()))
            .finish()
    }
}

impl HttpRequest {
    /// A POST request.
    pub fn post(url: Url) -> Self {
        Self::new(Method::POST, url)
    }

    /// A GET request.
    pub fn get(url: Url) -> Self {
        Self::new(Method::GET, url)
    }

    /// A request with any method.
    pub fn new(method: Method, url: Url) -> Self {
        HttpRequest {
            method,
            url,
            headers: Vec::new(),
            credential: None,
            body: None,
            secrets: Vec::new(),
        }
    }

    /// Adds a (non-secret) header.
    pub fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    /// Sends credentials in the `Authorization` header.
    pub fn with_credential(mut self, credential: Credential) -> Self {
        self.credential = Some(credential);
        self
    }

    /// Sets a JSON body.
    pub fn with_json(mut self, body: &serde_json::Value) -> Self {
        self.body = Some((body.to_string().into_bytes(), "application/json"));
        self
    }

    /// Sets a form body (`application/x-www-form-urlencoded`). Values that are secrets
    /// should also be passed to [`HttpRequest::with_secret`] so they are masked in errors.
    pub fn with_form(mut self, fields: &[(&str, &str)]) -> Self {
        let mut form = url::form_urlencoded::Serializer::new(String::new());
        for (name, value) in fields {
            form.append_pair(name, value);
        }
        self.body = Some((
            form.finish().into_bytes(),
            "application/x-www-form-urlencoded",
        ));
        self
    }

    /// Names a secret carried in the body so that it is masked in any error text.
    pub fn with_secret(mut self, secret: &Secret) -> Self {
        self.secrets.push(secret.clone());
        self
    }

    /// The URL without its query string (what errors show).
    pub fn display_url(&self) -> String {
        display_url(&self.url)
    }

    /// Replaces every secret this request carries with `***`.
    fn mask(&self, text: &str) -> String {
        let credential = self.credential.iter().map(Credential::secret);
        let body = self.secrets.iter().map(Secret::expose);
        redact(text, credential.chain(body))
    }
}

/// Replaces every occurrence of each secret in `text` with `***`. Values shorter than four
/// characters are left alone: masking them would garble ordinary text and hide nothing.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a str>) -> String {
    secrets
        .into_iter()
        .filter(|s| s.len() >= 4)
        .fold(text.to_string(), |out, secret| out.replace(secret, "***"))
}

/// A URL as errors show it: no user name, password, query or fragment.
pub fn display_url(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// A successful answer.
#[derive(Debug)]
pub struct HttpResponse {
    /// The HTTP status (2xx).
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The whole body.
    pub body: Vec<u8>,
}

/// The blocking HTTP client one driver uses.
pub struct HttpClient {
    driver: &'static str,
    options: HttpOptions,
    client: reqwest::Client,
    runtime: tokio::runtime::Runtime,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("driver", &self.driver)
            .field("options", &self.options)
            .finish()
    }
}

/// What one attempt ended with.
enum Attempt<T> {
    Done(T),
    Retry {
        status: u16,
        wait: Option<Duration>,
        message: String,
    },
}

impl HttpClient {
    /// A client for `driver` (its name appears in every error).
    pub fn new(driver: &'static str, options: HttpOptions) -> Result<HttpClient, DriverError> {
        let config_error = |message: String| DriverError::Config { driver, message };
        if options.accept_invalid_certs {
            tracing::warn!(driver, "TLS certificates are not checked for this driver");
        }
        let client = reqwest::Client::builder()
            .connect_timeout(options.connect_timeout)
            .danger_accept_invalid_certs(options.accept_invalid_certs)
            .user_agent(concat!("huntbook/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| config_error(format!("cannot build the HTTP client: {e}")))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| config_error(format!("cannot start the HTTP runtime: {e}")))?;
        Ok(HttpClient {
            driver,
            options,
            client,
            runtime,
        })
    }

    /// The driver name errors carry.
    pub fn driver(&self) -> &'static str {
        self.driver
    }

    /// The options in force.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Sends a request, retrying as the options say, and returns the whole body of a 2xx
    /// answer. Must not be called from inside an async runtime.
    pub fn send(&self, request: &HttpRequest) -> Result<HttpResponse, DriverError> {
        self.runtime.block_on(async {
            let url = request.display_url();
            let (response, deadline) = self.with_retries(request, &url).await?;
            let status = response.status().as_u16();
            let headers = response.headers().clone();
            let body = tokio::time::timeout_at(deadline, read_body(response))
                .await
                .map_err(|_| self.timeout_error(&url))?
                .map_err(|e| self.stream_error(&url, request, e))?;
            Ok(HttpResponse {
                status,
                headers,
                body,
            })
        })
    }

    /// Sends a request and parses the 2xx body as JSON.
    pub fn send_json<T: serde::de::DeserializeOwned>(
        &self,
        request: &HttpRequest,
    ) -> Result<T, DriverError> {
        let response = self.send(request)?;
        parse_json(self.driver, &request.display_url(), &response.body)
    }

    /// Sends a request and hands each line of a 2xx body to `on_line` as it arrives, with its
    /// 1-based line number, so that newline-delimited answers never sit whole in memory.
    pub fn send_lines(
        &self,
        request: &HttpRequest,
        mut on_line: impl FnMut(usize, &[u8]) -> Result<(), DriverError>,
    ) -> Result<(), DriverError> {
        self.runtime.block_on(async {
            let url = request.display_url();
            let (response, deadline) = self.with_retries(request, &url).await?;
            tokio::time::timeout_at(deadline, read_lines(response, &mut on_line))
                .await
                .map_err(|_| self.timeout_error(&url))?
                .map_err(|e| self.stream_error(&url, request, e))
        })
    }

    async fn with_retries(
        &self,
        request: &HttpRequest,
        url: &str,
    ) -> Result<(reqwest::Response, tokio::time::Instant), DriverError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let deadline = tokio::time::Instant::now() + self.options.timeout;
            let outcome = tokio::time::timeout_at(deadline, self.attempt(request, url))
                .await
                .map_err(|_| self.timeout_error(url))??;

            let (status, wait, message) = match outcome {
                Attempt::Done(response) => return Ok((response, deadline)),
                Attempt::Retry {
                    status,
                    wait,
                    message,
                } => (status, wait, message),
            };
            if attempt >= self.options.max_attempts {
                return Err(self.exhausted(url, status, attempt, message));
            }

            let backoff = backoff_delay(
                attempt,
                self.options.initial_backoff,
                self.options.max_backoff,
            );
            let wait = wait.map_or(backoff, |w| w.min(self.options.max_backoff));
            tracing::debug!(driver = self.driver, %url, status, attempt, ?wait, "retrying");
            tokio::time::sleep(wait).await;
        }
    }

    async fn attempt(
        &self,
        request: &HttpRequest,
        url: &str,
    ) -> Result<Attempt<reqwest::Response>, DriverError> {
        let response = match self.build(request).send().await {
            Ok(response) => response,
            Err(e) if e.is_timeout() => return Err(self.timeout_error(url)),
            Err(e) if e.is_connect() => {
                let message = describe_reqwest(request, e);
                return Ok(Attempt::Retry {
                    status: 0,
                    wait: None,
                    message,
                });
            }
            Err(e) => return Err(self.connect_error(url, describe_reqwest(request, e))),
        };

        let status = response.status().as_u16();
        if response.status().is_success() {
            return Ok(Attempt::Done(response));
        }

        let wait = retry_after(response.headers());
        let body = read_body(response).await.unwrap_or_default();
        let message = request.mask(&service_message(&body));
        if is_retryable(status) {
            return Ok(Attempt::Retry {
                status,
                wait,
                message,
            });
        }
        Err(self.status_error(url, status, message))
    }

    fn build(&self, request: &HttpRequest) -> reqwest::RequestBuilder {
        let mut builder = self
            .client
            .request(request.method.clone(), request.url.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        if let Some(credential) = &request.credential {
            builder = builder.header(AUTHORIZATION, credential.header_value());
        }
        if let Some((body, content_type)) = &request.body {
            builder = builder
                .header(CONTENT_TYPE, *content_type)
                .body(body.clone());
        }
        builder
    }

    fn timeout_error(&self, url: &str) -> DriverError {
        DriverError::Timeout {
            driver: self.driver,
            url: url.to_string(),
            seconds: self.options.timeout.as_secs_f64(),
        }
    }

    fn connect_error(&self, url: &str, message: String) -> DriverError {
        DriverError::Connect {
            driver: self.driver,
            url: url.to_string(),
            message,
        }
    }

    fn stream_error(&self, url: &str, request: &HttpRequest, error: StreamError) -> DriverError {
        match error {
            StreamError::Driver(e) => e,
            StreamError::Http(e) if e.is_timeout() => self.timeout_error(url),
            StreamError::Http(e) => self.connect_error(
                url,
                format!("the answer broke off: {}", describe_reqwest(request, e)),
            ),
        }
    }

    fn exhausted(&self, url: &str, status: u16, attempts: u32, message: String) -> DriverError {
        match status {
            0 => self.connect_error(url, format!("{message} (after {attempts} attempts)")),
            429 => DriverError::Throttled {
                driver: self.driver,
                url: url.to_string(),
                attempts,
            },
            _ => DriverError::Http {
                driver: self.driver,
                url: url.to_string(),
                status,
                message: format!("{message} (after {attempts} attempts)"),
            },
        }
    }

    fn status_error(&self, url: &str, status: u16, message: String) -> DriverError {
        if status == 401 || status == 403 {
            let what = if status == 401 {
                "rejected the credentials"
            } else {
                "refused access"
            };
            return DriverError::Auth {
                driver: self.driver,
                message: format!(
                    "{url} {what} (HTTP {status}): {message}; check the client id, secret or \
                     token and that the application has permission for this API"
                ),
            };
        }
        DriverError::Http {
            driver: self.driver,
            url: url.to_string(),
            status,
            message,
        }
    }
}

/// Why reading a successful answer stopped.
enum StreamError {
    Http(reqwest::Error),
    Driver(DriverError),
}

impl From<reqwest::Error> for StreamError {
    fn from(e: reqwest::Error) -> Self {
        StreamError::Http(e)
    }
}

/// Parses a JSON body, saying where it broke.
pub fn parse_json<T: serde::de::DeserializeOwned>(
    driver: &'static str,
    what: &str,
    body: &[u8],
) -> Result<T, DriverError> {
    serde_json::from_slice(body).map_err(|e| DriverError::Parse {
        driver,
        what: format!("response body from {what}"),
        message: format!(
            "invalid JSON at line {} column {}: {e}",
            e.line(),
            e.column()
        ),
    })
}

async fn read_lines(
    mut response: reqwest::Response,
    on_line: &mut impl FnMut(usize, &[u8]) -> Result<(), DriverError>,
) -> Result<(), StreamError> {
    let mut pending: Vec<u8> = Vec::new();
    let mut line_no = 0;
    while let Some(chunk) = response.chunk().await? {
        pending.extend_from_slice(&chunk);
        let mut start = 0;
        while let Some(end) = memchr_newline(&pending[start..]) {
            line_no += 1;
            on_line(line_no, trim_cr(&pending[start..start + end])).map_err(StreamError::Driver)?;
            start += end + 1;
        }
        pending.drain(..start);
    }
    if !pending.is_empty() {
        on_line(line_no + 1, trim_cr(&pending)).map_err(StreamError::Driver)?;
    }
    Ok(())
}

async fn read_body(mut response: reqwest::Response) -> Result<Vec<u8>, StreamError> {
    let capacity = response.content_length().unwrap_or(0).min(64 << 20) as usize;
    let mut body = Vec::with_capacity(capacity);
    while let Some(chunk) = response.chunk().await? {
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    parse_retry_after(value, chrono::Utc::now())
}

/// The service's own words from an error body: the usual JSON error shapes, else the text.
pub fn service_message(body: &[u8]) -> String {
    const LIMIT: usize = 600;
    let text = match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(json) => json_message(&json).unwrap_or_else(|| json.to_string()),
        Err(_) => String::from_utf8_lossy(body).trim().to_string(),
    };
    if text.chars().count() <= LIMIT {
        return text;
    }
    let cut: String = text.chars().take(LIMIT).collect();
    format!("{cut}…")
}

fn json_message(json: &serde_json::Value) -> Option<String> {
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string);
    let error = json.get("error");
    let nested = error.and_then(|e| {
        let message = e
            .get("message")
            .or_else(|| e.get("reason"))
            .and_then(text)?;
        let code = e.get("code").or_else(|| e.get("type")).and_then(text);
        Some(match code {
            Some(code) => format!("{code}: {message}"),
            None => message,
        })
    });
    nested
        .or_else(|| json.get("error_description").and_then(text))
        .or_else(|| error.and_then(text))
        .or_else(|| {
            json.get("message")
                .or_else(|| json.get("Message"))
                .and_then(text)
        })
        .or_else(|| {
            let messages = json.get("messages")?.as_array()?;
            let texts: Vec<String> = messages
                .iter()
                .filter_map(|m| m.get("text").and_then(text))
                .collect();
            (!texts.is_empty()).then(|| texts.join("; "))
        })
}

/// A reqwest error's text without the URL it carries (which may hold a query string) and
/// with the request's secrets masked.
fn describe_reqwest(request: &HttpRequest, error: reqwest::Error) -> String {
    request.mask(&error_chain(&error.without_url()))
}

/// An error and each of its sources, joined by `: ` (reqwest's and tokio-postgres' top-level
/// messages alone rarely say what failed).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        source = inner.source();
    }
    text
}

fn memchr_newline(bytes: &[u8]) -> Option<usize> {
    bytes.iter().position(|&b| b == b'\n')
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_query_and_userinfo() {
        let url = Url::parse("https://me:pw@example.com:8089/a/b?code=SECRET#x").unwrap();
        assert_eq!(display_url(&url), "https://example.com:8089/a/b");
    }

    #[test]
    fn service_messages_are_found() {
        let body =
            br#"{"error":{"code":"BadArgumentError","message":"Query could not be parsed"}}"#;
        assert_eq!(
            service_message(body),
            "BadArgumentError: Query could not be parsed"
        );
        let oauth = br#"{"error":"invalid_client","error_description":"AADSTS7000215: bad"}"#;
        assert_eq!(service_message(oauth), "AADSTS7000215: bad");
        let splunk = br#"{"messages":[{"type":"ERROR","text":"Unknown search command"}]}"#;
        assert_eq!(service_message(splunk), "Unknown search command");
        assert_eq!(service_message(b"  plain text "), "plain text");
    }

    #[test]
    fn secrets_are_masked_and_not_debugged() {
        let secret = Secret::new("s3cr3t-value");
        let request = HttpRequest::post(Url::parse("https://x/token").unwrap())
            .with_form(&[("client_secret", secret.expose())])
            .with_secret(&secret)
            .with_credential(Credential::Bearer(Secret::new("tok-123456")));
        assert_eq!(
            request.mask("bad s3cr3t-value and tok-123456"),
            "bad *** and ***"
        );
        let debug = format!("{request:?}");
        assert!(
            !debug.contains("s3cr3t") && !debug.contains("tok-1"),
            "{debug}"
        );
    }
}
