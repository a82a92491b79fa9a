//! The HTTP layer every online provider (and IPStack, the DB-IP download and Azure) uses:
//! one reqwest client with a timeout, retries with exponential backoff on 429 and 5xx that
//! honour `Retry-After`, and error messages that never carry a key.
//!
//! Keys travel in headers where the service allows it. Where a service wants the key in the
//! query string, errors report the URL without its query, and every message and body that
//! leaves this module is passed through [`redact`] with the request's secrets.

use std::future::Future;
use std::time::Duration;

use huntbook_data::config::Secret;
use huntbook_data::driver::http::{display_url, error_chain};
use reqwest::{RequestBuilder, StatusCode};

/// Timeouts and retries for one client.
#[derive(Debug, Clone)]
pub struct HttpOptions {
    /// Time allowed for one attempt, connection and body included.
    pub timeout: Duration,
    /// How many times a 429, a 5xx or a connection failure is retried.
    pub retries: u32,
    /// The first backoff; doubled on each retry.
    pub backoff: Duration,
    /// The longest wait honoured from a `Retry-After` header; a longer one ends the retries
    /// at once with the error.
    pub max_retry_after: Duration,
}

impl Default for HttpOptions {
    fn default() -> Self {
        HttpOptions {
            timeout: Duration::from_secs(30),
            retries: 3,
            backoff: Duration::from_millis(500),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl HttpOptions {
    /// Sets the per-attempt timeout.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the number of retries.
    pub fn with_retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Sets the first backoff.
    pub fn with_backoff(mut self, backoff: Duration) -> Self {
        self.backoff = backoff;
        self
    }
}

/// An HTTP failure, already free of secrets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HttpError {
    /// No answer in time.
    #[error("no answer from {url} within {seconds} s; raise the timeout or retry later")]
    Timeout {
        /// The URL without its query string.
        url: String,
        /// The timeout.
        seconds: u64,
    },

    /// The service answered with an error status (after any retries).
    #[error("{url} answered HTTP {status}{hint}: {message}")]
    Status {
        /// The URL without its query string.
        url: String,
        /// The status code.
        status: u16,
        /// What to do, for well-known statuses.
        hint: &'static str,
        /// The start of the body, redacted.
        message: String,
    },

    /// The request could not be sent.
    #[error("cannot reach {url}: {message}")]
    Connect {
        /// The URL without its query string.
        url: String,
        /// What went wrong, redacted.
        message: String,
    },
}

impl HttpError {
    /// The HTTP status, for a status error.
    pub fn status(&self) -> Option<u16> {
        match self {
            HttpError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct HttpReply {
    /// The status (2xx, or 404 which callers usually read as "not found").
    pub status: u16,
    /// The body as text, redacted.
    pub body: String,
}

impl HttpReply {
    /// The body parsed as JSON.
    pub fn json(&self) -> Result<serde_json::Value, String> {
        serde_json::from_str(&self.body).map_err(|e| {
            let start: String = self.body.chars().take(80).collect();
            format!("response is not valid JSON ({e}); it starts {start:?}")
        })
    }
}

/// A reqwest client with the options above.
#[derive(Debug, Clone)]
pub struct HttpClient {
    client: reqwest::Client,
    options: HttpOptions,
}

impl HttpClient {
    /// Builds a client.
    pub fn new(options: HttpOptions) -> HttpClient {
        let client = reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("huntbook/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "cannot build the configured HTTP client; using defaults");
                reqwest::Client::new()
            });
        HttpClient { client, options }
    }

    /// The underlying reqwest client, to start requests.
    pub fn inner(&self) -> &reqwest::Client {
        &self.client
    }

    /// The options.
    pub fn options(&self) -> &HttpOptions {
        &self.options
    }

    /// Sends a request, retrying 429/5xx and connection failures. A 404 is returned as a
    /// reply (providers read it as "not found"); other non-2xx statuses are errors.
    pub async fn send(
        &self,
        request: RequestBuilder,
        secrets: &[&Secret],
    ) -> Result<HttpReply, HttpError> {
        let mut attempt = 0;
        loop {
            let Some(this_try) = request.try_clone() else {
                return self.send_once(request, secrets).await.map_err(|(e, _)| e);
            };
            match self.send_once(this_try, secrets).await {
                Ok(reply) => return Ok(reply),
                Err((error, Some(wait))) if wait > self.options.max_retry_after => {
                    // A quota that resets in an hour is not worth waiting for inside a cell.
                    tracing::debug!(%error, wait_s = wait.as_secs(), "Retry-After too long");
                    return Err(error);
                }
                Err((error, retry_after))
                    if attempt < self.options.retries && retryable(&error) =>
                {
                    let wait = retry_after.unwrap_or(self.options.backoff * 2u32.pow(attempt));
                    tracing::debug!(%error, attempt, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err((error, _)) => return Err(error),
            }
        }
    }

    async fn send_once(
        &self,
        request: RequestBuilder,
        secrets: &[&Secret],
    ) -> Result<HttpReply, (HttpError, Option<Duration>)> {
        let response = request
            .send()
            .await
            .map_err(|e| (self.transport_error(e, secrets), None))?;
        let status = response.status();
        let url = display_url(response.url());
        let retry_after = retry_after(&response);
        let body = response
            .text()
            .await
            .map_err(|e| (self.transport_error(e, secrets), None))?;
        let body = redact(&body, secrets);
        if status.is_success() || status == StatusCode::NOT_FOUND {
            return Ok(HttpReply {
                status: status.as_u16(),
                body,
            });
        }
        let message: String = body.chars().take(300).collect();
        let error = HttpError::Status {
            url,
            status: status.as_u16(),
            hint: status_hint(status),
            message: message.trim().to_string(),
        };
        Err((error, retry_after))
    }

    fn transport_error(&self, error: reqwest::Error, secrets: &[&Secret]) -> HttpError {
        let url = error
            .url()
            .map(display_url)
            .unwrap_or_else(|| "the service".to_string());
        if error.is_timeout() {
            return HttpError::Timeout {
                url,
                seconds: self.options.timeout.as_secs().max(1),
            };
        }
        let message = redact(&error_chain(&error.without_url()), secrets);
        HttpError::Connect { url, message }
    }
}

fn retryable(error: &HttpError) -> bool {
    match error {
        HttpError::Status { status, .. } => *status == 429 || *status >= 500,
        HttpError::Connect { .. } => true,
        HttpError::Timeout { .. } => false,
    }
}

fn status_hint(status: StatusCode) -> &'static str {
    match status.as_u16() {
        401 | 403 => " (check the API key in msticpyconfig.yaml)",
        429 => " (rate limited: the quota is used up; lower the rate or retry later)",
        s if s >= 500 => " (the service failed; retry later)",
        _ => "",
    }
}

fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    let value = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?;
    if let Ok(seconds) = value.trim().parse::<f64>() {
        return (seconds >= 0.0 && seconds.is_finite()).then(|| Duration::from_secs_f64(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value.trim()).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    wait.to_std().ok()
}

/// Replaces every occurrence of each secret's value in `text` with `***`.
pub fn redact(text: &str, secrets: &[&Secret]) -> String {
    huntbook_data::driver::http::redact(text, secrets.iter().map(|secret| secret.expose()))
}

/// Runs a future to completion from synchronous code: on a fresh current-thread runtime,
/// or, when called from inside a runtime, on a scoped thread with its own.
pub fn block_on<F>(future: F) -> F::Output
where
    F: Future + Send,
    F::Output: Send,
{
    let run = move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map(|runtime| runtime.block_on(future))
    };
    let outcome = if tokio::runtime::Handle::try_current().is_ok() {
        std::thread::scope(|scope| scope.spawn(run).join())
    } else {
        Ok(run())
    };
    match outcome {
        Ok(Ok(value)) => value,
        Ok(Err(error)) => panic!("cannot start a tokio runtime: {error}"),
        Err(panic) => std::panic::resume_unwind(panic),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_secret() {
        let key = Secret::new("abcd1234");
        assert_eq!(redact("x abcd1234 y abcd1234", &[&key]), "x *** y ***");
    }

    #[test]
    fn url_loses_query_and_password() {
        let url = url::Url::parse("http://u:p@h/x?access_key=K").unwrap();
        assert_eq!(display_url(&url), "http://h/x");
    }
}
