//! Shared helpers for rnd benchmarks.
