//! AWS edge of rnd: observe a platform's tagged resources, and carry out plans.
//!
//! Everything here talks to AWS through the official SDK, configured the standard way
//! (environment, profiles, `AWS_ENDPOINT_URL`), so the same code runs against AWS and against
//! an emulator. Decisions are the core's; this crate only reads and acts.

pub mod calls;
mod clients;
mod error;
pub mod events;
pub mod execute;
pub mod foreign;
pub mod instances;
pub mod lock;
mod network;
pub mod observe;
pub mod references;
pub mod restart;
mod retry;
mod route53;
pub mod secrets;
pub mod service_logs;
pub mod sleep;
pub mod status;
mod tags;
pub mod task_logs;

pub use calls::{ApiOperation, CallCounter};
pub use clients::{configured, ClientOptions, Clients};
pub use error::AwsError;
pub use events::{Event, EventSink};
pub use execute::{apply, ApplyOptions, ApplyReport, OperationOutcome, OperationResult, ServiceOutcome};
pub use foreign::foreign;
pub use lock::{acquire as acquire_lock, Lease, LockError, LockHolder, LockLost, LockOptions};
pub use observe::{observe, observe_with};
pub use secrets::SecretValue;
