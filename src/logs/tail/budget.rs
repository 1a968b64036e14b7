//! The per-process FilterLogEvents budget. The API allows about 10 requests a second per
//! account and region, shared with every other client of the account (the AWS CLI, other
//! dashboards, CI): every tail of this process draws from one bucket so that opening more
//! tails slows each of them down instead of throttling the account.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

/// A token bucket (kept as a theoretical arrival time, GCRA style): `burst` requests at
/// once, then one every `1 / per_second`. Waiters reserve their slot when they ask, so they
/// are served in order and none starves. It runs on tokio's clock, which tests can pause.
#[derive(Debug)]
pub struct RequestBudget {
    interval: Duration,
    tolerance: Duration,
    next: Mutex<Option<Instant>>,
    made: AtomicU64,
}

impl RequestBudget {
    /// The default: half the usual FilterLogEvents quota, leaving room for other clients.
    pub const DEFAULT_PER_SECOND: f64 = 5.0;
    pub const DEFAULT_BURST: u32 = 5;

    /// A budget of `per_second` requests a second with bursts of `burst`. Nonsense values
    /// (zero, negative, NaN) fall back to the slowest sane rate rather than "never".
    pub fn new(per_second: f64, burst: u32) -> Arc<Self> {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second.max(0.01)
        } else {
            0.01
        };
        let interval = Duration::from_secs_f64(1.0 / per_second);
        let burst = burst.max(1);
        Arc::new(RequestBudget {
            interval,
            tolerance: interval * (burst - 1),
            next: Mutex::new(None),
            made: AtomicU64::new(0),
        })
    }

    /// The default budget, to share between every tail of the process.
    pub fn shared_default() -> Arc<Self> {
        Self::new(Self::DEFAULT_PER_SECOND, Self::DEFAULT_BURST)
    }

    /// Waits until a request may be sent and counts it.
    pub async fn acquire(&self) {
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let arrival = next.map_or(now, |t| t.max(now));
            *next = Some(arrival + self.interval);
            arrival
                .checked_sub(self.tolerance)
                .map_or(now, |t| t.max(now))
        };
        tokio::time::sleep_until(at).await;
        self.made.fetch_add(1, Ordering::Relaxed);
    }

    /// Requests admitted so far, across every tail.
    pub fn requests_made(&self) -> u64 {
        self.made.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_burst_then_the_sustained_rate() {
        let budget = RequestBudget::new(5.0, 3);
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..7 {
            budget.acquire().await;
            at.push((Instant::now() - start).as_millis());
        }
        assert_eq!(at, vec![0, 0, 0, 200, 400, 600, 800]);
        assert_eq!(budget.requests_made(), 7);
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_bucket_refills_to_the_burst_only() {
        let budget = RequestBudget::new(10.0, 2);
        budget.acquire().await;
        budget.acquire().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..4 {
            budget.acquire().await;
            at.push((Instant::now() - start).as_millis());
        }
        assert_eq!(at, vec![0, 0, 100, 200]);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_rate() {
        let budget = RequestBudget::new(4.0, 1);
        let start = Instant::now();
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let budget = Arc::clone(&budget);
                tokio::spawn(async move {
                    budget.acquire().await;
                    Instant::now()
                })
            })
            .collect();
        let mut at = Vec::new();
        for t in tasks {
            at.push((t.await.unwrap() - start).as_millis());
        }
        at.sort_unstable();
        assert_eq!(at, vec![0, 250, 500, 750, 1000, 1250, 1500, 1750]);
    }

    #[tokio::test(start_paused = true)]
    async fn nonsense_rates_still_admit_requests() {
        for rate in [0.0, -3.0, f64::NAN] {
            let budget = RequestBudget::new(rate, 0);
            budget.acquire().await;
            assert_eq!(budget.requests_made(), 1);
        }
    }
}
