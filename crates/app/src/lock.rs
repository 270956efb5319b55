//! A frontend's side of the apply lock: who this run is, how long to wait, what to say meanwhile
//! (on standard error, which the CLI's terminal, the action's log and the function's log all show).

use std::time::Duration;

use anyhow::Result;
use rnd_aws::{Clients, Lease, LockError, LockHolder, LockOptions};

/// Take the platform's lock, or say clearly on stderr why not and return `None`.
pub async fn take(clients: &Clients, platform: &str, holder: &str, wait: Duration) -> Result<Option<Lease>> {
    let options = LockOptions {
        wait,
        ..LockOptions::default()
    };
    let waiting = |current: &LockHolder| {
        eprintln!(
            "waiting up to {} for the lock of platform {platform}: held by {current}",
            humantime::format_duration(wait)
        );
    };
    match rnd_aws::acquire_lock(clients, platform, holder, &options, waiting).await {
        Ok(lease) => Ok(Some(lease)),
        Err(held @ LockError::Held { .. }) => {
            eprintln!("error: {held}");
            eprintln!(
                "  help: wait for that run to finish (pass --lock-wait 10m to wait here); a crashed \
                 run's lock lapses by itself within {} s",
                options.lease.as_secs()
            );
            Ok(None)
        }
        Err(other) => Err(other.into()),
    }
}

/// Give the lock back; a failure only delays the next run by one lease time, so it warns.
pub async fn release(lease: Lease) {
    if let Err(e) = lease.release().await {
        eprintln!("warning: could not release the apply lock ({e}); it lapses by itself within a minute");
    }
}

/// Who this run is, for whoever finds the lock taken: the CI run when there is one, otherwise
/// user, machine and process. It reads a file, so call it before entering the async runtime.
pub fn holder() -> String {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let version = env!("CARGO_PKG_VERSION");
    if let (Some(repository), Some(run)) = (var("GITHUB_REPOSITORY"), var("GITHUB_RUN_ID")) {
        let actor = var("GITHUB_ACTOR").unwrap_or_else(|| "unknown".into());
        return format!("GitHub Actions run {run} of {repository} (by {actor}, rnd {version})");
    }
    let user = var("USER")
        .or_else(|| var("USERNAME"))
        .unwrap_or_else(|| "someone".into());
    let host = var("HOSTNAME")
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|h| h.trim().to_string())
        })
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "an unknown machine".into());
    format!("{user}@{host} (rnd {version}, pid {})", std::process::id())
}
