//! rnd-action's integration tests, one binary with a module per subject: the AWS SDK and the
//! crate are linked once for all of them rather than once per file.

mod action_emulator;
mod invalid_manifests;
mod support;
