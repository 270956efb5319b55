//! The flows every rnd frontend runs, as values: read a deployments repository (from a directory
//! or from GitHub, through one reader), validate it, check that what it refers to exists, observe
//! and plan, take the platform's lock and apply with Slack reports. The frontends (`rnd-cli`,
//! `rnd-action`, `rnd-lambda`) depend on this crate and on nothing of each other; each decides
//! only how to show what comes back.

pub mod apply;
pub mod aws;
pub mod exit;
pub mod fanout;
pub mod github;
pub mod lock;
pub mod progress;
pub mod references;
pub mod repository;
pub mod slack;
pub mod validate;

pub use apply::{apply_locked, ApplyFrontend, ApplyOutcome, ApplyRequest, Mode};
pub use aws::{
    check_region, clients, observe, observe_and_plan, observe_for_planning, plan_owned, runtime, Refresh,
};
pub use lock::holder;
pub use repository::{Deployments, Directory};
pub use rnd_slack::RunContext;
pub use slack::{process_env, run_context, EnvReader};
pub use validate::{validate, validate_directory, validate_platform_only, validate_tree, Valid, Validated};
