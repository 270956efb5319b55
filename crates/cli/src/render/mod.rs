//! Turning the core's results into text for terminals and JSON for machines.

pub mod diagnostics;
pub mod kept;
pub mod progress;
pub mod references;
pub mod status;
