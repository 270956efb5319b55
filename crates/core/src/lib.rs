//! rnd-core: the pure planning core of rnd (manifests and platform in; validated models, placement and plans out).
//!
//! Nothing in this crate performs I/O, reads a clock or spawns tasks: callers hand it the text of
//! files and snapshots of AWS, and get values back. That keeps every decision testable and
//! embeddable in other tools.

// The purity rules live in `clippy.toml` beside Cargo.toml (files, environment, clock, threads,
// processes, network). They are errors here, not warnings, so a plain `cargo clippy` stops on
// them too, not only the `-D warnings` run in CI. `tests/it/purity.rs` guards the dependencies.
#![deny(clippy::disallowed_methods, clippy::disallowed_types)]

pub mod catalog;
pub mod diagnostic;
pub mod export;
pub mod manifest;
pub mod permissions;
pub mod placement;
pub mod plan;
pub mod platform;
pub mod platform_references;
pub mod prerequisites;
pub mod repository;
pub mod schema;
pub mod schema_reference;
pub mod sleep;
pub mod source;
pub mod validate;
