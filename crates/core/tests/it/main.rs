//! rnd-core's integration tests, one binary with a module per subject: the crate, proptest and
//! insta are linked once for all of them rather than once per file.

mod access;
mod budget;
mod capacity_explain;
mod certificate_properties;
mod dns_records;
mod ecs_limits;
mod env_files;
mod export;
mod gpu_root_volume;
mod gpu_scale_in;
mod gpu_sleep_plan;
mod idle_after;
mod naming_properties;
mod ownership;
mod permissions;
mod placement_examples;
mod placement_properties;
mod plan_examples;
mod plan_properties;
mod platform_references;
mod prerequisites;
mod purity;
mod scale_to_zero_plan;
mod schedule_examples;
mod schedule_properties;
mod schema;
mod sleep_properties;
mod support;
mod validation_properties;
