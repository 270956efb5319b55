//! How the planner's independent per-service work is spread: the caller's choice, not the core's.
//!
//! The core starts no threads (clippy.toml forbids it): whether a fleet's services are built and
//! compared on one core or several is a frontend's decision, like any other use of the machine.
//! The planner only asks for a [`Fanout`]; [`Sequential`] is what `plan`, `plan_with` and
//! `desired_state` use, and `rnd_cli::fanout::Threads` spreads chunks over threads.

/// Runs `f` over contiguous chunks of `items` and returns one result per chunk.
///
/// The contract, which keeps plans byte-identical whatever the implementation: the chunks are
/// contiguous, cover every item exactly once, in order, and the results come back in chunk
/// order. How many chunks there are and whether they run at the same time is free.
/// `tests/it/plan_properties.rs` checks that a plan made with threads and uneven chunks equals the
/// sequential one.
pub trait Fanout {
    fn map_chunks<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R>;
}

/// One chunk, on the caller's thread.
#[derive(Debug, Clone, Copy, Default)]
pub struct Sequential;

impl Fanout for Sequential {
    fn map_chunks<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
        vec![f(items)]
    }
}
