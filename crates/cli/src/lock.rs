//! The CLI's flag for the apply lock (taking it is `rnd_app::lock`'s).

use std::time::Duration;

use clap::Args;

/// How `rnd apply` and `rnd destroy` wait for another run's lock.
#[derive(Debug, Clone, Args)]
pub struct LockArgs {
    /// Wait this long for another run's lock on the platform (e.g. `30s`, `10m`); `0` refuses
    /// at once, saying who holds it.
    #[arg(long, default_value = "0s", value_name = "DURATION", value_parser = humantime::parse_duration)]
    pub lock_wait: Duration,
}
