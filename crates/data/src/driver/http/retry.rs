//! When to retry and how long to wait: `Retry-After` (seconds or an HTTP date) and
//! exponential backoff with jitter.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Whether an HTTP status is worth retrying: throttling (429) and transient server errors.
pub fn is_retryable(status: u16) -> bool {
    matches!(status, 429 | 500 | 502 | 503 | 504)
}

/// Reads a `Retry-After` header: a number of seconds (`"120"`, `"1.5"`) or an HTTP date
/// (`"Wed, 21 Oct 2015 07:28:00 GMT"`), measured from `now`. A date in the past means no wait.
pub fn parse_retry_after(value: &str, now: DateTime<Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }

    let date = DateTime::parse_from_rfc2822(value)
        .ok()?
        .with_timezone(&Utc);
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

/// The wait before retry number `retry` (1 for the first retry): `initial * 2^(retry-1)`,
/// capped at `max`, then reduced by a random share of up to a half so that many clients
/// throttled together do not come back together.
pub fn backoff_delay(retry: u32, initial: Duration, max: Duration) -> Duration {
    let exponent = retry.saturating_sub(1).min(20);
    let full = initial.saturating_mul(1u32 << exponent).min(max);
    let jitter = rand::random::<f64>() * 0.5;
    full.mul_f64(1.0 - jitter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_dates_are_read() {
        let now = DateTime::parse_from_rfc3339("2015-10-21T07:27:50Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after(" 0.5 ", now),
            Some(Duration::from_millis(500))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:20:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-1", now), None);
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let initial = Duration::from_millis(100);
        let max = Duration::from_secs(1);
        for retry in 1..10 {
            let delay = backoff_delay(retry, initial, max);
            let full = (initial * 2u32.pow(retry - 1)).min(max);
            assert!(
                delay <= full && delay >= full / 2,
                "retry {retry}: {delay:?}"
            );
        }
    }

    #[test]
    fn retryable_statuses() {
        assert!(is_retryable(429) && is_retryable(503));
        assert!(!is_retryable(400) && !is_retryable(401) && !is_retryable(200));
    }
}
