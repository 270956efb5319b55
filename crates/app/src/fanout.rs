//! Planning's per-service work over the machine's cores: the threads the pure core may not start.
//!
//! `rnd_core::plan::plan_with_fanout` takes a `Fanout` from its caller; this one is the
//! deterministic chunked threading the core used to do itself (`plan/parallel.rs` until the
//! core was made thread-free). It depends on `rnd_core` and std only, so `benches/` compiles
//! this same file into `plan_scale` (`#[path]`) without building the AWS SDK.

use rnd_core::plan::Fanout;

/// Below this many items per thread, starting a thread costs more than it saves (measured with
/// `benches/src/bin/plan_scale.rs`: 1,000 manifests run on one thread, 10,000 on two).
const WORTH_A_THREAD: usize = 512;

/// Contiguous chunks of the items, one thread per chunk, as many as there are cores for inputs
/// worth it; the caller's thread takes one of them. Results come back in chunk order, so the plan
/// never depends on scheduling. Pure computation only: no I/O happens on these threads.
#[derive(Debug, Clone, Copy)]
pub struct Threads {
    /// At most this many threads (the caller's included).
    pub max: usize,
}

impl Threads {
    /// As many threads as the machine has cores (`available_parallelism`, which honours CPU
    /// affinity and cgroup quotas).
    pub fn per_core() -> Self {
        Threads {
            max: std::thread::available_parallelism().map_or(1, usize::from),
        }
    }
}

impl Default for Threads {
    fn default() -> Self {
        Threads::per_core()
    }
}

impl Fanout for Threads {
    fn map_chunks<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
        let threads = self.max.min(items.len() / WORTH_A_THREAD).max(1);
        if threads == 1 {
            return vec![f(items)];
        }
        let size = items.len().div_ceil(threads);
        let mut chunks = items.chunks(size);
        // The calling thread takes the last chunk itself instead of waiting idle: one thread
        // fewer to start, and half the memory is allocated where the rest of planning runs (the
        // allocator reuses a thread's freed memory most readily on that thread).
        let last = chunks.next_back();
        std::thread::scope(|scope| {
            let handles: Vec<_> = chunks.map(|chunk| scope.spawn(|| f(chunk))).collect();
            let last = last.map(&f);
            handles
                .into_iter()
                .map(|h| h.join().expect("planning threads do not panic"))
                .chain(last)
                .collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_cover_every_item_once_in_order() {
        let items: Vec<usize> = (0..5_000).collect();
        for max in [1, 2, 3, 8] {
            let parts = Threads { max }.map_chunks(&items, <[usize]>::to_vec);
            assert_eq!(parts.len(), max.min(items.len() / WORTH_A_THREAD));
            assert_eq!(parts.concat(), items, "{max} threads");
        }
    }
}
