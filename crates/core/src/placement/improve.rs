//! Local repair after the greedy packing: right-size, empty instances, merge pairs.
//!
//! Every move strictly lowers the hourly cost, so the loop ends; moves are tried in a fixed
//! order so the result is deterministic.

use super::model::{cheapest_holding, Bin, Class, Load, TypeCap};

/// Improves `bins` in place until no move saves money.
pub(crate) fn improve(classes: &[Class], types: &[TypeCap], bins: &mut Vec<Bin>) {
    loop {
        right_size(classes, types, bins);
        if empty_one(classes, types, bins) || merge_pair(classes, types, bins) {
            continue;
        }
        break;
    }
    bins.sort();
}

/// Moves every instance to the cheapest type that still holds its tasks.
fn right_size(classes: &[Class], types: &[TypeCap], bins: &mut [Bin]) {
    for bin in bins.iter_mut() {
        let load = Load::of(classes, &bin.items);
        if let Some(t) = cheapest_holding(types, &load) {
            if types[t].price < types[bin.ty].price {
                bin.ty = t;
            }
        }
    }
}

/// Tries to spread one instance's tasks over the free room of the others; most expensive
/// instance first. Returns whether an instance was removed.
fn empty_one(classes: &[Class], types: &[TypeCap], bins: &mut Vec<Bin>) -> bool {
    let mut order: Vec<usize> = (0..bins.len()).collect();
    order.sort_by(|&a, &b| {
        types[bins[b].ty]
            .price
            .cmp(&types[bins[a].ty].price)
            .then(a.cmp(&b))
    });
    let loads: Vec<Load> = bins.iter().map(|b| Load::of(classes, &b.items)).collect();
    // Only instances with a free GPU can take a task that needs one: the only targets worth
    // trying for GPU tasks (in index order, so the first that fits is the same as before).
    let open: Vec<usize> = (0..bins.len())
        .filter(|&j| loads[j].gpus < types[bins[j].ty].gpus)
        .collect();
    let every: Vec<usize> = (0..bins.len()).collect();
    // One working copy, its trial moves undone after each victim (cloning it per victim was
    // quadratic in the instances, most of a 2,000-task plan's repair time).
    let mut trial = loads.clone();
    for &victim in &order {
        let mut moves = Vec::new();
        let ok = bins[victim].items.iter().all(|&item| {
            let targets = if classes[item].gpus > 0 { &open } else { &every };
            let target = targets.iter().copied().find(|&j| {
                if j == victim {
                    return false;
                }
                let mut l = trial[j];
                l.add(&classes[item], 1);
                types[bins[j].ty].holds(&l)
            });
            match target {
                Some(j) => {
                    trial[j].add(&classes[item], 1);
                    moves.push((item, j));
                    true
                }
                None => false,
            }
        });
        if ok {
            for (item, j) in moves {
                bins[j].items.push(item);
                bins[j].items.sort_unstable();
            }
            bins.remove(victim);
            return true;
        }
        for &(_, j) in &moves {
            trial[j] = loads[j];
        }
    }
    false
}

/// Replaces two instances by one cheaper instance holding both, when one exists.
fn merge_pair(classes: &[Class], types: &[TypeCap], bins: &mut Vec<Bin>) -> bool {
    let loads: Vec<Load> = bins.iter().map(|b| Load::of(classes, &b.items)).collect();
    // Only instances with a free GPU can take more tasks.
    let open: Vec<usize> = (0..bins.len())
        .filter(|&i| loads[i].gpus < types[bins[i].ty].gpus)
        .collect();
    for (x, &a) in open.iter().enumerate() {
        for &b in &open[x + 1..] {
            let mut load = loads[a];
            for &item in &bins[b].items {
                load.add(&classes[item], 1);
            }
            let Some(t) = cheapest_holding(types, &load) else {
                continue;
            };
            if types[t].price < types[bins[a].ty].price + types[bins[b].ty].price {
                let moved = std::mem::take(&mut bins[b].items);
                bins[a].items.extend(moved);
                bins[a].items.sort_unstable();
                bins[a].ty = t;
                bins.remove(b);
                return true;
            }
        }
    }
    false
}
