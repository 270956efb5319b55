//! rnd-slack's integration tests, one binary with a module per subject: the AWS SDK and the
//! crate are linked once for all of them rather than once per file.

mod bot;
mod delivery;
mod payloads;
