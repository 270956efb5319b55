//! Pairwise moves and swaps that gather free room, so that instances can be right-sized.
//!
//! The greedy's instances are often full in GPUs with some CPU or memory idle in each:
//! together that idle room is worth an instance, but no single move frees one. Here up to two
//! tasks of one instance trade places with up to two of another (or just move), whenever
//! that lowers the cost (both instances right-sized to the cheapest type that holds them),
//! or keeps it and makes the loads more uneven: the sum of squared loads grows, which
//! gathers free room in few instances until one fits a smaller type or empties. The cost
//! never rises and, at equal cost, the sum of squares strictly grows, so the search ends; a
//! work budget and a pass limit cap it. On the benchmark it pays on fleets of up to ~100
//! tasks (one 100-task CPU-skewed packing: 192.9 → 189.8 $/h); on 400-task plans the budget
//! leaves it little to do. Instances are visited most idle first (ties by content) and
//! tasks in class order, so the result is deterministic.

use super::model::{Bin, Class, Load, TypeCap};
use super::pack::dominated;

/// Most move or swap evaluations per call for plans of up to 32 instances (a few ms); larger
/// plans get less in proportion to their number of instance pairs, since their greedy passes
/// took most of the time budget already.
const WORK_BUDGET: u64 = 30_000;
/// Most passes over all pairs: later passes only shuffle free room at equal cost.
const MAX_PASSES: usize = 8;

/// Improves `bins` in place (see the module docs).
pub(crate) fn exchange(classes: &[Class], types: &[TypeCap], bins: &mut Vec<Bin>) {
    let useful: Vec<usize> = (0..types.len()).filter(|&t| !dominated(types, t)).collect();
    let cheapest = |load: &Load| -> Option<(usize, u64)> {
        if load.tasks == 0 {
            return Some((usize::MAX, 0));
        }
        useful
            .iter()
            .find(|&&t| types[t].holds(load))
            .map(|&t| (t, types[t].price))
    };
    let most = [
        types.iter().map(|t| f64::from(t.gpus)).fold(1.0, f64::max),
        types.iter().map(|t| f64::from(t.cpu)).fold(1.0, f64::max),
        types.iter().map(|t| f64::from(t.mem)).fold(1.0, f64::max),
    ];
    let phi = |l: &Load| {
        let g = f64::from(l.gpus) / most[0];
        let c = l.cpu as f64 / most[1];
        let m = l.mem as f64 / most[2];
        g * g + c * c + m * m
    };
    let most_gpus = types.iter().map(|t| t.gpus).max().unwrap_or(0);
    let mut work = 0u64;
    let pairs = (bins.len() as u64).max(32).pow(2);
    let budget = WORK_BUDGET * 32 * 32 / pairs;
    let mut improved = true;
    let mut passes = 0;
    while improved && work < budget && passes < MAX_PASSES {
        improved = false;
        passes += 1;
        // Instances with the most idle capacity (in dollars) first: they are where moves pay.
        let idle = |b: &Bin| {
            let (t, l) = (&types[b.ty], Load::of(classes, &b.items));
            let used = f64::from(l.gpus) / f64::from(t.gpus.max(1))
                + l.cpu as f64 / f64::from(t.cpu.max(1))
                + l.mem as f64 / f64::from(t.mem.max(1));
            t.price as f64 * (3.0 - used)
        };
        bins.sort_by(|x, y| idle(y).total_cmp(&idle(x)).then_with(|| x.cmp(y)));
        let n = bins.len();
        let mut parts: Vec<Vec<Part>> = bins.iter().map(|b| parts_of(classes, &b.items)).collect();
        let mut loads: Vec<Load> = bins.iter().map(|b| Load::of(classes, &b.items)).collect();
        for a in 0..n {
            for b in a + 1..n {
                if bins[a].items.is_empty() || bins[b].items.is_empty() || work >= budget {
                    continue;
                }
                let before = types[bins[a].ty].price + types[bins[b].ty].price;
                let (la, lb) = (loads[a], loads[b]);
                let phi_before = phi(&la) + phi(&lb);
                let mut best: Option<(u64, f64, usize, usize, usize, usize)> = None;
                for (pa_n, pa) in parts[a].iter().enumerate() {
                    for (pb_n, pb) in parts[b].iter().enumerate() {
                        if pa.len == 0 && pb.len == 0 || pa.items == pb.items && pa.len == pb.len {
                            continue;
                        }
                        work += 1;
                        let Some(na) = swapped(&la, pa, pb, most_gpus) else {
                            continue;
                        };
                        let Some(nb) = swapped(&lb, pb, pa, most_gpus) else {
                            continue;
                        };
                        let (Some((ta, pra)), Some((tb, prb))) = (cheapest(&na), cheapest(&nb)) else {
                            continue;
                        };
                        let after = pra + prb;
                        if after > before {
                            continue;
                        }
                        let gain = phi(&na) + phi(&nb) - phi_before;
                        if after == before && gain <= 1e-12 {
                            continue;
                        }
                        let better =
                            best.is_none_or(|(c, g, ..)| after < c || (after == c && gain > g + 1e-12));
                        if better {
                            best = Some((after, gain, pa_n, pb_n, ta, tb));
                        }
                    }
                }
                let Some((_, _, pa_n, pb_n, ta, tb)) = best else {
                    continue;
                };
                let (pa, pb) = (parts[a][pa_n], parts[b][pb_n]);
                swap_items(&mut bins[a].items, &pa.items[..pa.len], &pb.items[..pb.len]);
                swap_items(&mut bins[b].items, &pb.items[..pb.len], &pa.items[..pa.len]);
                for x in [a, b] {
                    parts[x] = parts_of(classes, &bins[x].items);
                    loads[x] = Load::of(classes, &bins[x].items);
                }
                bins[a].ty = if ta == usize::MAX { bins[a].ty } else { ta };
                bins[b].ty = if tb == usize::MAX { bins[b].ty } else { tb };
                improved = true;
            }
        }
        bins.retain(|b| !b.items.is_empty());
    }
    bins.sort();
}

/// Up to two tasks of one instance that may leave it together: their classes, their summed
/// needs, and the largest GPU memory need of the tasks that would stay.
#[derive(Debug, Clone, Copy)]
struct Part {
    items: [usize; 2],
    len: usize,
    sum: Load,
    rest_gpu_mem: u32,
}

/// Every part of `items` (sorted): none, each class once, each pair of tasks once.
fn parts_of(classes: &[Class], items: &[usize]) -> Vec<Part> {
    let make = |picked: &[usize]| {
        let mut sum = Load::default();
        let mut chosen = [usize::MAX; 2];
        for (k, &p) in picked.iter().enumerate() {
            sum.add(&classes[items[p]], 1);
            chosen[k] = items[p];
        }
        let rest_gpu_mem = (0..items.len())
            .filter(|q| !picked.contains(q))
            .map(|q| classes[items[q]].gpu_mem)
            .max()
            .unwrap_or(0);
        Part {
            items: chosen,
            len: picked.len(),
            sum,
            rest_gpu_mem,
        }
    };
    let mut out = vec![make(&[])];
    for p in 0..items.len() {
        if p > 0 && items[p - 1] == items[p] {
            continue;
        }
        out.push(make(&[p]));
    }
    for p in 0..items.len() {
        for q in p + 1..items.len() {
            let dup = out.iter().any(|o| o.len == 2 && o.items == [items[p], items[q]]);
            if !dup {
                out.push(make(&[p, q]));
            }
        }
    }
    out
}

/// `load` without `out` and with `add`, or `None` when no instance has that many GPUs.
fn swapped(load: &Load, out: &Part, add: &Part, most_gpus: u32) -> Option<Load> {
    let gpus = load.gpus - out.sum.gpus + add.sum.gpus;
    if gpus > most_gpus {
        return None;
    }
    Some(Load {
        gpus,
        gpu_mem: out.rest_gpu_mem.max(add.sum.gpu_mem),
        cpu: load.cpu - out.sum.cpu + add.sum.cpu,
        mem: load.mem - out.sum.mem + add.sum.mem,
        tasks: load.tasks - out.sum.tasks + add.sum.tasks,
    })
}

fn swap_items(items: &mut Vec<usize>, out: &[usize], add: &[usize]) {
    for &x in out {
        if let Some(p) = items.iter().position(|&i| i == x) {
            items.remove(p);
        }
    }
    items.extend_from_slice(add);
    items.sort_unstable();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ty(name: &str, gpus: u32, vcpu: u32, price: u64) -> TypeCap {
        TypeCap {
            name: name.to_string(),
            gpus,
            gpu_mem: 24_576,
            cpu: vcpu * 1024,
            mem: 262_144,
            slots: 8,
            price,
        }
    }

    fn task(vcpu: u32) -> Class {
        Class {
            gpus: 1,
            gpu_mem: 0,
            cpu: vcpu * 1024,
            mem: 8192,
        }
    }

    /// Two 4-GPU instances, each with a 40-vCPU and a 10-vCPU task. They cannot merge (100
    /// vCPU) and neither fits a 1-GPU type, but moving one 10-vCPU task lets the other
    /// instance shrink to a 1-GPU, 48-vCPU type: a move only this search makes.
    #[test]
    fn a_move_that_lets_an_instance_shrink_is_made() {
        let types = vec![ty("medium", 1, 48, 2_500), ty("big", 4, 96, 6_000)];
        let classes = vec![task(40), task(10), task(40), task(10)];
        let mut bins = vec![
            Bin {
                ty: 1,
                items: vec![0, 1],
            },
            Bin {
                ty: 1,
                items: vec![2, 3],
            },
        ];
        exchange(&classes, &types, &mut bins);
        let cost: u64 = bins.iter().map(|b| types[b.ty].price).sum();
        assert_eq!(cost, 8_500, "{bins:?}");
        let mut items: Vec<usize> = bins.iter().flat_map(|b| b.items.clone()).collect();
        items.sort_unstable();
        assert_eq!(items, vec![0, 1, 2, 3]);
        for b in &bins {
            assert!(types[b.ty].holds(&Load::of(&classes, &b.items)), "{b:?} overfull");
        }
    }

    /// Nothing to gain: the packing comes back as it was (sorted), at the same cost.
    #[test]
    fn a_tight_packing_is_left_alone() {
        let types = vec![ty("medium", 1, 48, 2_500), ty("big", 4, 96, 6_000)];
        let classes = vec![task(24)];
        let mut bins = vec![
            Bin {
                ty: 1,
                items: vec![0, 0, 0, 0],
            },
            Bin {
                ty: 0,
                items: vec![0],
            },
        ];
        let before = bins.clone();
        exchange(&classes, &types, &mut bins);
        let mut expected = before;
        expected.sort();
        assert_eq!(bins, expected);
    }
}
