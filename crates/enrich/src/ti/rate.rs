//! A token bucket: at most `burst` requests at once, refilled at `per_second`.

use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

/// A request rate: `per_second` sustained, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: f64,
    /// Requests allowed at once after an idle period.
    pub burst: u32,
}

impl RateLimit {
    /// `count` requests per minute, with a burst of one.
    pub fn per_minute(count: u32) -> RateLimit {
        RateLimit {
            per_second: f64::from(count) / 60.0,
            burst: 1,
        }
    }

    /// `count` requests per second, with a burst of `count`.
    pub fn per_second(count: f64) -> RateLimit {
        RateLimit {
            per_second: count,
            burst: count.max(1.0) as u32,
        }
    }

    /// Sets the burst.
    pub fn with_burst(mut self, burst: u32) -> RateLimit {
        self.burst = burst.max(1);
        self
    }
}

/// The shared state of one provider's bucket.
#[derive(Debug)]
pub(crate) struct TokenBucket {
    limit: RateLimit,
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit) -> TokenBucket {
        let burst = f64::from(limit.burst.max(1));
        TokenBucket {
            limit,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Waits until a token is free and takes it.
    pub(crate) async fn acquire(&self) {
        if self.limit.per_second.is_nan() || self.limit.per_second <= 0.0 {
            return;
        }
        loop {
            let wait = {
                let mut state = self.state.lock().await;
                let now = Instant::now();
                let burst = f64::from(self.limit.burst.max(1));
                let refill = now.duration_since(state.1).as_secs_f64() * self.limit.per_second;
                state.0 = (state.0 + refill).min(burst);
                state.1 = now;
                if state.0 >= 1.0 {
                    state.0 -= 1.0;
                    return;
                }
                Duration::from_secs_f64((1.0 - state.0) / self.limit.per_second)
            };
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn holds_the_rate() {
        let bucket = TokenBucket::new(RateLimit::per_second(20.0).with_burst(1));
        let start = std::time::Instant::now();
        for _ in 0..11 {
            bucket.acquire().await;
        }
        let elapsed = start.elapsed().as_secs_f64();
        assert!(elapsed >= 0.45, "10 waits at 20/s took only {elapsed}s");
    }
}
