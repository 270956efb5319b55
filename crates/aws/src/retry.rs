//! Retrying what the SDK does not: AWS's eventual consistency between services.
//!
//! Throttling and 5xx are retried by the SDK (see `clients.rs`). Some errors only mean "not
//! yet": a security group still used by network interfaces ECS is releasing, a role created a
//! moment ago that ECS cannot see yet. Those are retried here, with exponential backoff and
//! full jitter, for a bounded time.

use std::future::Future;
use std::time::Duration;

use crate::error::AwsError;

/// Run `call` until it succeeds, fails with an error `retryable` rejects, or `patience` is spent.
pub(crate) async fn eventually<T, F, Fut>(
    patience: Duration,
    retryable: impl Fn(&AwsError) -> bool,
    mut call: F,
) -> Result<T, AwsError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, AwsError>>,
{
    let start = tokio::time::Instant::now();
    let mut ceiling = Duration::from_millis(250);
    loop {
        match call().await {
            Ok(value) => return Ok(value),
            Err(err) if retryable(&err) && start.elapsed() + ceiling < patience => {
                tracing::debug!(error = %err, "not yet; retrying");
                tokio::time::sleep(jitter(ceiling)).await;
                ceiling = (ceiling * 2).min(Duration::from_secs(15));
            }
            Err(err) => return Err(err),
        }
    }
}

/// Full jitter: a uniform delay in [0, ceiling], so parallel operations spread out.
fn jitter(ceiling: Duration) -> Duration {
    Duration::from_millis(fastrand::u64(0..=ceiling.as_millis() as u64))
}
