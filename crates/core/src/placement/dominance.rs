//! Instance types never worth launching: another type is as cheap and at least as big in
//! every respect. Shared by the greedy (`pack.rs`), which never solves their knapsack, and the
//! moves and swaps (`exchange.rs`), which never resize an instance to one.

use super::model::TypeCap;

/// Whether some other type is at most as expensive and at least as big in every respect
/// (ties go to the earlier, i.e. cheaper-then-alphabetical, type).
pub(crate) fn dominated(types: &[TypeCap], t: usize) -> bool {
    let b = &types[t];
    types.iter().enumerate().any(|(u, a)| {
        u != t
            && (a.price < b.price || (a.price == b.price && u < t))
            && a.gpus >= b.gpus
            && a.gpu_mem >= b.gpu_mem
            && a.cpu >= b.cpu
            && a.mem >= b.mem
            && a.slots >= b.slots
    })
}

/// The indexes of the types no other type dominates, cheapest first (the order of `types`).
pub(crate) fn undominated(types: &[TypeCap]) -> Vec<usize> {
    (0..types.len()).filter(|&t| !dominated(types, t)).collect()
}
