//! The AWS side of the CLI: an async runtime, SDK clients configured the standard way, and a
//! snapshot of what exists.

use anyhow::{Context, Result};
use rnd_aws::{ClientOptions, Clients};
use rnd_core::plan::observed::ObservedState;

/// A runtime for the commands that talk to AWS (the core itself never needs one).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Clients from the standard AWS configuration: environment, profiles, `AWS_ENDPOINT_URL`.
pub async fn clients() -> Clients {
    Clients::from_env(ClientOptions::default()).await
}

/// Everything tagged for `platform` in the configured account and region.
pub async fn observe(clients: &Clients, platform: &str) -> Result<ObservedState> {
    rnd_aws::observe(clients, platform)
        .await
        .with_context(|| format!("observing platform {platform} in AWS"))
}
