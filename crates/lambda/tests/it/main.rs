//! rnd-lambda's integration tests, one binary with a module per subject: the AWS SDK and the
//! crate are linked once for all of them rather than once per file.

mod cargo_lambda;
mod emulator;
mod events;
mod sleep_cargo_lambda;
mod support;
mod template_role;
