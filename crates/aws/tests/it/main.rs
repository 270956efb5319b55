//! rnd-aws's integration tests, one binary with a module per subject: the AWS SDK and the
//! crate are linked once for all of them rather than once per file.

mod api_calls;
mod apply_emulator;
mod changes;
mod destroy;
mod dns;
mod faults;
mod gpu_sleep;
mod hardening;
mod lock;
mod ownership;
mod permissions;
mod references;
mod scale;
mod scale_in;
mod scale_to_zero;
mod support;
mod task_logs;
