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

use super::dominance::undominated;
use super::model::{Bin, Class, Load, TypeCap};

/// Most move or swap evaluations per call for plans of up to 32 instances (a few ms); larger
/// plans get less in proportion to their number of instance pairs, since their greedy passes
/// took most of the time budget already.
const WORK_BUDGET: u64 = 30_000;
/// Most passes over all pairs: later passes only shuffle free room at equal cost.
const MAX_PASSES: usize = 8;
/// Gains in unevenness smaller than this are rounding, not progress.
const EPSILON: f64 = 1e-12;

/// Improves `bins` in place (see the module docs).
pub(crate) fn exchange(classes: &[Class], types: &[TypeCap], bins: &mut Vec<Bin>) {
    let search = Search::new(classes, types);
    let mut work = Work::budget_for(bins.len());
    let mut improved = true;
    let mut passes = 0;
    while improved && !work.exhausted() && passes < MAX_PASSES {
        passes += 1;
        improved = search.pass(bins, &mut work);
    }
    bins.sort();
}

/// Move and swap evaluations: how many were made, and how many may be.
struct Work {
    done: u64,
    budget: u64,
}

impl Work {
    fn budget_for(instances: usize) -> Work {
        let pairs = (instances as u64).max(32).pow(2);
        Work {
            done: 0,
            budget: WORK_BUDGET * 32 * 32 / pairs,
        }
    }

    fn exhausted(&self) -> bool {
        self.done >= self.budget
    }
}

/// What every evaluation needs, computed once per call.
struct Search<'a> {
    classes: &'a [Class],
    types: &'a [TypeCap],
    /// The types an instance may be resized to: those no other type dominates, cheapest first.
    useful: Vec<usize>,
    /// The most GPUs, CPU and memory of any type (at least 1), so that loads of different
    /// resources weigh alike in the unevenness.
    largest: [f64; 3],
    /// The most GPUs any type has: a trade that puts more on one instance is impossible.
    most_gpus: u32,
}

/// One instance's side of a trade: what it holds and the groups of tasks that may leave it.
struct Side<'p> {
    load: Load,
    groups: &'p [Group],
}

/// A trade between two instances: a group of tasks leaves each for the other (an empty group
/// makes it a move), and each instance is resized to hold what it then has.
#[derive(Debug, Clone, Copy)]
struct Trade {
    /// The two instances' price afterwards.
    cost: u64,
    /// How much the sum of squared loads grows.
    gain: f64,
    first_gives: Group,
    second_gives: Group,
    first_becomes: Resized,
    second_becomes: Resized,
}

impl Trade {
    /// Cheaper wins; at equal cost, the one that makes the loads more uneven.
    fn beats(&self, other: &Trade) -> bool {
        self.cost < other.cost || (self.cost == other.cost && self.gain > other.gain + EPSILON)
    }
}

/// What an instance becomes after a trade.
#[derive(Debug, Clone, Copy)]
enum Resized {
    /// Every task left: it costs nothing and is dropped at the end of the pass.
    Emptied,
    /// The cheapest useful type that holds what it keeps and receives.
    To { ty: usize, price: u64 },
}

impl Resized {
    fn price(self) -> u64 {
        match self {
            Resized::Emptied => 0,
            Resized::To { price, .. } => price,
        }
    }

    fn apply_to(self, bin: &mut Bin) {
        if let Resized::To { ty, .. } = self {
            bin.ty = ty;
        }
    }
}

impl<'a> Search<'a> {
    fn new(classes: &'a [Class], types: &'a [TypeCap]) -> Self {
        Search {
            classes,
            types,
            useful: undominated(types),
            largest: [
                types.iter().map(|t| f64::from(t.gpus)).fold(1.0, f64::max),
                types.iter().map(|t| f64::from(t.cpu)).fold(1.0, f64::max),
                types.iter().map(|t| f64::from(t.mem)).fold(1.0, f64::max),
            ],
            most_gpus: types.iter().map(|t| t.gpus).max().unwrap_or(0),
        }
    }

    /// One pass over every pair of instances, most idle first, each pair making its best
    /// trade; instances emptied on the way are dropped. Whether any trade was made.
    fn pass(&self, bins: &mut Vec<Bin>, work: &mut Work) -> bool {
        // Instances with the most idle capacity (in dollars) first: they are where moves pay.
        bins.sort_by(|x, y| {
            self.idle_dollars(y)
                .total_cmp(&self.idle_dollars(x))
                .then_with(|| x.cmp(y))
        });
        let mut groups: Vec<Vec<Group>> = bins.iter().map(|b| groups_of(self.classes, &b.items)).collect();
        let mut loads: Vec<Load> = bins.iter().map(|b| Load::of(self.classes, &b.items)).collect();
        let mut improved = false;
        for a in 0..bins.len() {
            for b in a + 1..bins.len() {
                if bins[a].items.is_empty() || bins[b].items.is_empty() || work.exhausted() {
                    continue;
                }
                let price_now = self.types[bins[a].ty].price + self.types[bins[b].ty].price;
                let first = Side {
                    load: loads[a],
                    groups: &groups[a],
                };
                let second = Side {
                    load: loads[b],
                    groups: &groups[b],
                };
                let Some(trade) = self.best_trade(&first, &second, price_now, work) else {
                    continue;
                };
                move_tasks(
                    &mut bins[a].items,
                    trade.first_gives.leaving,
                    trade.second_gives.leaving,
                );
                move_tasks(
                    &mut bins[b].items,
                    trade.second_gives.leaving,
                    trade.first_gives.leaving,
                );
                for x in [a, b] {
                    groups[x] = groups_of(self.classes, &bins[x].items);
                    loads[x] = Load::of(self.classes, &bins[x].items);
                }
                trade.first_becomes.apply_to(&mut bins[a]);
                trade.second_becomes.apply_to(&mut bins[b]);
                improved = true;
            }
        }
        bins.retain(|b| !b.items.is_empty());
        improved
    }

    /// The best trade between two instances that together cost `price_now`: one that lowers
    /// their cost, or keeps it and makes their loads more uneven. `None` if there is none.
    fn best_trade(&self, first: &Side, second: &Side, price_now: u64, work: &mut Work) -> Option<Trade> {
        let unevenness_now = self.unevenness(&first.load) + self.unevenness(&second.load);
        let mut best: Option<Trade> = None;
        for first_gives in first.groups {
            for second_gives in second.groups {
                // The same tasks both ways (nothing for nothing included) change nothing.
                if first_gives.leaving == second_gives.leaving {
                    continue;
                }
                work.done += 1;
                let Some(first_after) = swapped(&first.load, first_gives, second_gives, self.most_gpus)
                else {
                    continue;
                };
                let Some(second_after) = swapped(&second.load, second_gives, first_gives, self.most_gpus)
                else {
                    continue;
                };
                let (Some(first_becomes), Some(second_becomes)) =
                    (self.resized(&first_after), self.resized(&second_after))
                else {
                    continue;
                };
                let cost = first_becomes.price() + second_becomes.price();
                if cost > price_now {
                    continue;
                }
                let gain = self.unevenness(&first_after) + self.unevenness(&second_after) - unevenness_now;
                if cost == price_now && gain <= EPSILON {
                    continue;
                }
                let trade = Trade {
                    cost,
                    gain,
                    first_gives: *first_gives,
                    second_gives: *second_gives,
                    first_becomes,
                    second_becomes,
                };
                if best.as_ref().is_none_or(|b| trade.beats(b)) {
                    best = Some(trade);
                }
            }
        }
        best
    }

    /// What an instance holding `load` becomes: emptied, or the cheapest useful type that
    /// holds it; `None` if no type does.
    fn resized(&self, load: &Load) -> Option<Resized> {
        if load.tasks == 0 {
            return Some(Resized::Emptied);
        }
        self.useful
            .iter()
            .find(|&&t| self.types[t].holds(load))
            .map(|&t| Resized::To {
                ty: t,
                price: self.types[t].price,
            })
    }

    /// How full an instance is, as the sum of its squared loads relative to the largest type:
    /// the sum over instances grows as free room gathers in fewer of them.
    fn unevenness(&self, l: &Load) -> f64 {
        let g = f64::from(l.gpus) / self.largest[0];
        let c = l.cpu as f64 / self.largest[1];
        let m = l.mem as f64 / self.largest[2];
        g * g + c * c + m * m
    }

    /// The dollars of an instance's price that pay for capacity its tasks leave idle.
    fn idle_dollars(&self, bin: &Bin) -> f64 {
        let (t, l) = (&self.types[bin.ty], Load::of(self.classes, &bin.items));
        let used = f64::from(l.gpus) / f64::from(t.gpus.max(1))
            + l.cpu as f64 / f64::from(t.cpu.max(1))
            + l.mem as f64 / f64::from(t.mem.max(1));
        t.price as f64 * (3.0 - used)
    }
}

/// The tasks (by class) of a group that leave an instance together: none, one or two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Leaving {
    Nobody,
    One(usize),
    Two(usize, usize),
}

impl Leaving {
    fn classes(self) -> impl Iterator<Item = usize> {
        let (first, second) = match self {
            Leaving::Nobody => (None, None),
            Leaving::One(a) => (Some(a), None),
            Leaving::Two(a, b) => (Some(a), Some(b)),
        };
        first.into_iter().chain(second)
    }
}

/// Up to two tasks of one instance that may leave it together: which, their summed needs,
/// and the largest GPU memory need of the tasks that would stay.
#[derive(Debug, Clone, Copy)]
struct Group {
    leaving: Leaving,
    sum: Load,
    rest_gpu_mem: u32,
}

/// Every group of `items` (sorted): nobody, each class once, each pair of tasks once.
fn groups_of(classes: &[Class], items: &[usize]) -> Vec<Group> {
    // `positions` are the leaving tasks' places in `items`, to tell who stays.
    let group = |leaving: Leaving, positions: &[usize]| {
        let mut sum = Load::default();
        for class in leaving.classes() {
            sum.add(&classes[class], 1);
        }
        let rest_gpu_mem = (0..items.len())
            .filter(|q| !positions.contains(q))
            .map(|q| classes[items[q]].gpu_mem)
            .max()
            .unwrap_or(0);
        Group {
            leaving,
            sum,
            rest_gpu_mem,
        }
    };
    let mut out = vec![group(Leaving::Nobody, &[])];
    for p in 0..items.len() {
        if p > 0 && items[p - 1] == items[p] {
            continue;
        }
        out.push(group(Leaving::One(items[p]), &[p]));
    }
    for p in 0..items.len() {
        for q in p + 1..items.len() {
            let pair = Leaving::Two(items[p], items[q]);
            if !out.iter().any(|o| o.leaving == pair) {
                out.push(group(pair, &[p, q]));
            }
        }
    }
    out
}

/// `load` without `out` and with `add`, or `None` when no instance has that many GPUs.
fn swapped(load: &Load, out: &Group, add: &Group, most_gpus: u32) -> Option<Load> {
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

/// An instance's tasks after `out` left and `add` arrived, kept sorted.
fn move_tasks(items: &mut Vec<usize>, out: Leaving, add: Leaving) {
    for x in out.classes() {
        if let Some(p) = items.iter().position(|&i| i == x) {
            items.remove(p);
        }
    }
    items.extend(add.classes());
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
