//! How an instance's price is shared among its tasks.
//!
//! Rule: each task's weight is its *dominant share* of the instance, the largest of its
//! fractions of the instance's GPUs, CPU and memory (what it uses of the resource it binds
//! on). The price is split in proportion to the weights, so idle capacity is paid for by the
//! tasks that left it idle, in proportion to their size. The split is done in whole
//! nano-dollars with the largest-remainder method (ties to the earlier task), so the shares
//! add up to exactly the instance's price.

use super::model::{Class, TypeCap};

/// The share of `ty.price` (nano-dollars) owed by each task in `items`, in the same order.
pub(crate) fn split_price(ty: &TypeCap, classes: &[Class], items: &[usize]) -> Vec<u64> {
    const SCALE: u128 = 1_000_000_000_000;
    if items.is_empty() {
        return Vec::new();
    }
    let frac = |need: u32, have: u32| u128::from(need) * SCALE / u128::from(have.max(1));
    let weights: Vec<u128> = items
        .iter()
        .map(|&i| {
            let c = &classes[i];
            frac(c.gpus, ty.gpus)
                .max(frac(c.cpu, ty.cpu))
                .max(frac(c.mem, ty.mem))
                .max(1)
        })
        .collect();
    let total: u128 = weights.iter().sum();
    let price = u128::from(ty.price);
    let mut shares: Vec<u64> = weights.iter().map(|w| (price * w / total) as u64).collect();
    let mut left = ty.price - shares.iter().sum::<u64>();
    let mut by_remainder: Vec<usize> = (0..weights.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let ra = price * weights[a] % total;
        let rb = price * weights[b] % total;
        rb.cmp(&ra).then(a.cmp(&b))
    });
    for &k in by_remainder.iter().cycle() {
        if left == 0 {
            break;
        }
        shares[k] += 1;
        left -= 1;
    }
    shares
}
