//! rnd-cli's integration tests, one binary with a module per subject: the AWS SDK and the
//! crate are linked once for all of them rather than once per file.

mod access_emulator;
mod apply_emulator;
mod aws_setup_errors;
mod export;
mod logs_emulator;
mod ownership_emulator;
mod permissions;
mod plan_and_capacity;
mod references_emulator;
mod refresh_emulator;
mod slack_emulator;
mod status_emulator;
mod support;
mod validate_corpus;
