//! One apply per platform at a time: a lease in DynamoDB that its holder keeps renewing.
//!
//! The lease is one item per platform in the table [`LOCK_TABLE`] (created on first use,
//! on-demand billing, shared by every platform of the account and region, so destroying a
//! platform leaves it for the others). Taking the lock is a conditional put that succeeds only
//! when no item exists or the existing lease has expired; the holder renews it every third of
//! the lease time with a conditional update on its own run id, and deletes it when done. A
//! crashed run stops renewing, so its lease lapses within one lease time (a minute by default)
//! and the next run takes over and repairs what was left. Expiry compares wall clocks of
//! different machines: the lease is long against any plausible clock skew, and a holder that
//! cannot renew (network, clock, a takeover) learns it: nothing more starts, and what runs stops
//! at its next step.
//!
//! Fencing: a renewal counts only if it finishes while the lease it extends still holds (its
//! call is given the time left, less a tenth of the lease for clocks), so a holder never
//! believes in a lease that another run may already have taken over.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, Tag,
};
use aws_smithy_types::date_time::{DateTime, Format};

use crate::{AwsError, Clients};

/// The DynamoDB table holding every platform's lease.
pub const LOCK_TABLE: &str = "rnd-locks";
const KEY: &str = "platform";

/// How the lock is taken and kept.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// How long a lease lasts without renewal: the longest a crashed run blocks the next.
    pub lease: Duration,
    /// How long to wait for another run's lock before giving up; zero refuses at once.
    pub wait: Duration,
    /// Time between two attempts while waiting.
    pub poll: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            lease: Duration::from_secs(60),
            wait: Duration::ZERO,
            poll: Duration::from_secs(5),
        }
    }
}

/// Who holds a platform's lock, as recorded in its lease.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    /// Who took it: user, machine and process, or the CI run (the frontend says).
    pub holder: String,
    /// When it was taken, in seconds since the Unix epoch.
    pub since: u64,
    /// When the lease lapses unless renewed, in seconds since the Unix epoch.
    pub expires: u64,
}

impl std::fmt::Display for LockHolder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} since {} (the lease lapses at {} unless renewed)",
            self.holder,
            timestamp(self.since),
            timestamp(self.expires)
        )
    }
}

/// Why the lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("platform {platform} is being changed by another run: held by {holder}")]
    Held { platform: String, holder: LockHolder },
    #[error("taking the apply lock of platform {platform}: {source}")]
    Aws { platform: String, source: AwsError },
}

/// Set once the lease is lost (not renewed in time, or taken over): the run must stop starting
/// operations, and stop those in flight at their next step. Cheap to clone and to check.
#[derive(Debug, Clone, Default)]
pub struct LockLost(Arc<LostFlag>);

#[derive(Debug, Default)]
pub struct LostFlag {
    lost: AtomicBool,
    changed: tokio::sync::Notify,
}

impl LockLost {
    pub fn is_lost(&self) -> bool {
        self.0.lost.load(Ordering::SeqCst)
    }

    /// Mark the lease lost (the renewer does; tests may too).
    pub fn set(&self) {
        self.0.lost.store(true, Ordering::SeqCst);
        self.0.changed.notify_waiters();
    }

    /// Returns once the lease is lost (at once if it already is).
    pub async fn wait(&self) {
        loop {
            // Registered before the check, so a `set` in between is not missed.
            let changed = self.0.changed.notified();
            if self.is_lost() {
                return;
            }
            changed.await;
        }
    }

    /// Run `work` unless the lease is lost first: `None` when it was stopped. Dropping the
    /// future stops it at its next await, i.e. before its next AWS call; every operation is
    /// idempotent, so the next run finishes what was stopped.
    pub async fn unless_lost<F: std::future::Future>(&self, work: F) -> Option<F::Output> {
        tokio::select! {
            biased;
            () = self.wait() => None,
            output = work => Some(output),
        }
    }
}

/// A held lock. Renewed in the background until [`Lease::release`]; dropped without release,
/// it stops renewing and lapses after one lease time.
#[derive(Debug)]
pub struct Lease {
    clients: Clients,
    platform: String,
    run_id: String,
    lost: LockLost,
    renewer: tokio::task::JoinHandle<()>,
}

impl Lease {
    /// Becomes true when the lease is lost while the run goes on.
    pub fn lost(&self) -> LockLost {
        self.lost.clone()
    }

    /// This run's id, recorded in the lease beside the holder.
    pub fn run_id(&self) -> &str {
        &self.run_id
    }

    /// Stop renewing and delete the lease (only if it is still this run's).
    pub async fn release(self) -> Result<(), AwsError> {
        self.renewer.abort();
        let result = self
            .clients
            .dynamodb
            .delete_item()
            .table_name(LOCK_TABLE)
            .key(KEY, AttributeValue::S(self.platform.clone()))
            .condition_expression("run_id = :me")
            .expression_attribute_values(":me", AttributeValue::S(self.run_id.clone()))
            .send()
            .await;
        match result {
            Ok(_) => Ok(()),
            // Someone took over an expired lease: it is theirs now, not ours to delete.
            Err(e) if is_condition_failure(&e) => Ok(()),
            Err(e) => Err(AwsError::call("DeleteItem", &self.platform, e)),
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.renewer.abort();
    }
}

/// Take the apply lock of `platform` for `holder`, waiting up to `options.wait` for another
/// run's lock; `waiting` is told who holds it each time a different holder is seen.
pub async fn acquire(
    clients: &Clients,
    platform: &str,
    holder: &str,
    options: &LockOptions,
    waiting: impl Fn(&LockHolder),
) -> Result<Lease, LockError> {
    let aws = |source| LockError::Aws {
        platform: platform.to_string(),
        source,
    };
    let run_id = format!("{:016x}-{}", fastrand::u64(..), std::process::id());
    let deadline = tokio::time::Instant::now() + options.wait;
    let mut last_seen: Option<LockHolder> = None;
    // The lease holds from when the call that took it was sent (a safe underestimate).
    let taken_at = loop {
        let sent = tokio::time::Instant::now();
        match try_acquire(clients, platform, holder, &run_id, options.lease).await {
            Ok(()) => break sent,
            Err(Attempt::Aws(e)) => return Err(aws(e)),
            Err(Attempt::Held) => {
                // Read who holds it; a lease released in between means: try again at once.
                let Some(current) = read(clients, platform).await.map_err(aws)? else {
                    continue;
                };
                if tokio::time::Instant::now() >= deadline {
                    return Err(LockError::Held {
                        platform: platform.to_string(),
                        holder: current,
                    });
                }
                if last_seen.as_ref().map(|h| &h.holder) != Some(&current.holder) {
                    waiting(&current);
                }
                last_seen = Some(current);
                let left = deadline.saturating_duration_since(tokio::time::Instant::now());
                tokio::time::sleep(options.poll.min(left).max(Duration::from_millis(50))).await;
            }
        }
    };
    let lost = LockLost::default();
    let renewer = tokio::spawn(renew(
        clients.clone(),
        platform.to_string(),
        run_id.clone(),
        options.lease,
        taken_at + options.lease,
        lost.clone(),
    ));
    Ok(Lease {
        clients: clients.clone(),
        platform: platform.to_string(),
        run_id,
        lost,
        renewer,
    })
}

/// Who holds `platform`'s lock now, if anyone does and the lease has not lapsed.
pub async fn holder(clients: &Clients, platform: &str) -> Result<Option<LockHolder>, AwsError> {
    Ok(read(clients, platform).await?.filter(|h| h.expires >= now_secs()))
}

enum Attempt {
    Held,
    Aws(AwsError),
}

async fn try_acquire(
    clients: &Clients,
    platform: &str,
    holder: &str,
    run_id: &str,
    lease: Duration,
) -> Result<(), Attempt> {
    let mut created_table = false;
    loop {
        let now = now_secs();
        let result = clients
            .dynamodb
            .put_item()
            .table_name(LOCK_TABLE)
            .item(KEY, AttributeValue::S(platform.to_string()))
            .item("holder", AttributeValue::S(holder.to_string()))
            .item("run_id", AttributeValue::S(run_id.to_string()))
            .item("since", number(now))
            .item("expires", number(now + lease.as_secs().max(1)))
            .condition_expression("attribute_not_exists(#key) OR expires < :now")
            .expression_attribute_names("#key", KEY)
            .expression_attribute_values(":now", number(now))
            .send()
            .await;
        match result {
            Ok(_) => return Ok(()),
            Err(e) if is_condition_failure(&e) => return Err(Attempt::Held),
            Err(e) if !created_table && is_missing_table(&e) => {
                create_table(clients).await.map_err(Attempt::Aws)?;
                created_table = true;
            }
            Err(e) => return Err(Attempt::Aws(AwsError::call("PutItem", platform, e))),
        }
    }
}

async fn read(clients: &Clients, platform: &str) -> Result<Option<LockHolder>, AwsError> {
    let result = clients
        .dynamodb
        .get_item()
        .table_name(LOCK_TABLE)
        .key(KEY, AttributeValue::S(platform.to_string()))
        .consistent_read(true)
        .send()
        .await;
    let item = match result {
        Ok(out) => out.item,
        Err(e) if is_missing_table(&e) => None,
        Err(e) => return Err(AwsError::call("GetItem", platform, e)),
    };
    Ok(item.map(|item| {
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        let num = |name: &str| {
            item.get(name)
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse().ok())
                .unwrap_or(0)
        };
        LockHolder {
            holder: text("holder").unwrap_or_else(|| "an unknown run".into()),
            since: num("since"),
            expires: num("expires"),
        }
    }))
}

/// Keep the lease alive; on the first renewal that fails or cannot finish while the lease still
/// holds (`valid_until`, measured from when the call that set it was sent), mark it lost and stop.
async fn renew(
    clients: Clients,
    platform: String,
    run_id: String,
    lease: Duration,
    mut valid_until: tokio::time::Instant,
    lost: LockLost,
) {
    let every = (lease / 3).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(every).await;
        let sent = tokio::time::Instant::now();
        let now = now_secs();
        let call = clients
            .dynamodb
            .update_item()
            .table_name(LOCK_TABLE)
            .key(KEY, AttributeValue::S(platform.clone()))
            .update_expression("SET expires = :expires")
            .condition_expression("run_id = :me")
            .expression_attribute_values(":expires", number(now + lease.as_secs().max(1)))
            .expression_attribute_values(":me", AttributeValue::S(run_id.clone()))
            .send();
        let why = match tokio::time::timeout(renewal_budget(valid_until, sent, lease), call).await {
            Ok(Ok(_)) => {
                valid_until = sent + lease;
                continue;
            }
            Ok(Err(e)) => AwsError::call("UpdateItem", &platform, e).to_string(),
            Err(_) => "the renewal did not finish before the lease would lapse".to_string(),
        };
        tracing::error!(platform = %platform, error = %why,
            "the apply lock could not be renewed: nothing more starts, and what runs stops");
        lost.set();
        return;
    }
}

/// How long a renewal sent at `sent` may take: until the lease it extends lapses, less a tenth of
/// the lease for the clocks of this machine and DynamoDB's.
fn renewal_budget(
    valid_until: tokio::time::Instant,
    sent: tokio::time::Instant,
    lease: Duration,
) -> Duration {
    valid_until
        .saturating_duration_since(sent)
        .saturating_sub(lease / 10)
}

/// Create the lock table and wait until it takes writes. Two runs creating it at once is fine.
pub(crate) async fn create_table(clients: &Clients) -> Result<(), AwsError> {
    let created = clients
        .dynamodb
        .create_table()
        .table_name(LOCK_TABLE)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(KEY)
                .attribute_type(ScalarAttributeType::S)
                .build()?,
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(KEY)
                .key_type(KeyType::Hash)
                .build()?,
        )
        .tags(Tag::builder().key("rnd:component").value("lock").build()?)
        .send()
        .await;
    if let Err(e) = created {
        let err = AwsError::call("CreateTable", LOCK_TABLE, e);
        if !err.code_is(&["ResourceInUse"]) {
            return Err(err);
        }
    }
    for _ in 0..120 {
        let table = clients
            .dynamodb
            .describe_table()
            .table_name(LOCK_TABLE)
            .send()
            .await
            .map_err(|e| AwsError::call("DescribeTable", LOCK_TABLE, e))?;
        let status = table.table.and_then(|t| t.table_status);
        if status == Some(aws_sdk_dynamodb::types::TableStatus::Active) {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Err(AwsError::Timeout {
        resource: format!("DynamoDB table {LOCK_TABLE}"),
        seconds: 60,
    })
}

pub(crate) fn is_condition_failure<E: ProvideErrorMetadata, R>(
    e: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> bool {
    e.code() == Some("ConditionalCheckFailedException")
}

pub(crate) fn is_missing_table<E: ProvideErrorMetadata, R>(
    e: &aws_sdk_dynamodb::error::SdkError<E, R>,
) -> bool {
    e.code() == Some("ResourceNotFoundException")
}

fn number(n: u64) -> AttributeValue {
    AttributeValue::N(n.to_string())
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// RFC 3339 in UTC, e.g. `2026-11-27T19:04:19Z`.
pub fn timestamp(secs: u64) -> String {
    DateTime::from_secs(secs as i64)
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| secs.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_renewal_may_take_only_what_is_left_of_the_lease() {
        let lease = Duration::from_secs(60);
        let start = tokio::time::Instant::now();
        // Sent a third of the way through: 40 s left, less 6 s for clocks.
        assert_eq!(
            renewal_budget(start + lease, start + lease / 3, lease),
            Duration::from_secs(34)
        );
        // Sent after the lease lapsed (a stalled process): no time at all, so it counts as lost.
        assert_eq!(
            renewal_budget(start + lease, start + lease * 2, lease),
            Duration::ZERO
        );
    }

    #[tokio::test]
    async fn work_in_flight_stops_when_the_lease_is_lost() {
        let lost = LockLost::default();
        let setter = lost.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            setter.set();
        });
        let stopped = lost.unless_lost(std::future::pending::<()>()).await;
        assert_eq!(stopped, None);
        // Once lost, nothing more runs at all.
        assert_eq!(lost.unless_lost(async { 1 }).await, None);
        assert_eq!(LockLost::default().unless_lost(async { 1 }).await, Some(1));
    }
}
