//! Splitting independent work over the machine's cores, deterministically.

/// `f` over contiguous chunks of `items`, one thread per chunk (as many as there are cores,
/// for inputs worth it; the caller's thread is one of them); results come back in chunk
/// order, so output never depends on scheduling. Pure computation only: no I/O happens on
/// these threads.
pub fn map_chunks<T: Sync, R: Send>(items: &[T], f: impl Fn(&[T]) -> R + Sync) -> Vec<R> {
    const WORTH_A_THREAD: usize = 512;
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len() / WORTH_A_THREAD)
        .max(1);
    if threads == 1 {
        return vec![f(items)];
    }
    let size = items.len().div_ceil(threads);
    let mut chunks = items.chunks(size);
    // The calling thread takes the last chunk itself instead of waiting idle: one thread fewer
    // to start, and half the memory is allocated where the rest of planning runs (the
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
