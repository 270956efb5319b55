//! What rnd's test suites share, so each crate's `tests/it/support` keeps only what is its own:
//! the AWS emulator (its environment, failing loudly when it is not running, and SDK
//! configuration for it), a stand-in ACM certificate, a local HTTP stand-in server, and the IAM
//! policy simulator the permission tests decide recorded requests with.

pub mod emulator;
pub mod http;
pub mod iam;
