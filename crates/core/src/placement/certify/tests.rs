//! The facts the certificate rests on, checked against brute force on small random inputs: a
//! pricing search, or a knapsack's LP relaxation, never reports a ceiling below the best fill,
//! and the column generation's Farley bound, with or without relaxed types, and the relaxed
//! LP's dual climbed by `ascent.rs`, are never above the exact optimum; and the fills and
//! packings the branch and bound finds (`near.rs`, `branch.rs`, `rebranch.rs`) fit and place
//! every task. One pricing problem taken from a real fleet checks that memory-bound fills are
//! proven within the nodes column generation gives them.

use proptest::prelude::*;

use super::super::demand::AllowList;
use super::super::model::{priced_allowed_types, Class, Load, TypeCap};
use super::ascent::ascent;
use super::column_generation::{dollars, Configurations};
use super::exact::cheapest;
use super::fractional::ceiling;
use super::near::near_fills;
use super::pricing::price;
use super::shapes::Shape;
use super::Budget;
use crate::catalog::Catalog;

fn types() -> Vec<TypeCap> {
    priced_allowed_types(Catalog::builtin(), &AllowList::all(), "us-east-1")
}

/// Up to 5 shapes of 1–4 GPUs, each with up to 4 tasks, sized as fractions of `ty`.
fn shapes_for(ty: &TypeCap, raw: &[(u32, u32, u32, u32)]) -> Vec<Shape> {
    raw.iter()
        .map(|&(g, c, m, n)| Shape {
            class: Class {
                gpus: 1 + g % ty.gpus.min(4),
                gpu_mem: 0,
                cpu: (ty.cpu * (c % 60 + 5) / 100).max(128),
                mem: (ty.mem * (m % 60 + 5) / 100).max(256),
            },
            demand: 1 + n % 4,
            members: Vec::new(),
        })
        .collect()
}

/// The best fill of `ty` by enumeration of every count vector.
pub(super) fn brute_force(ty: &TypeCap, shapes: &[Shape], duals: &[f64]) -> f64 {
    fn go(ty: &TypeCap, shapes: &[Shape], duals: &[f64], k: usize, load: Load, value: f64) -> f64 {
        if k == shapes.len() {
            return value;
        }
        let mut best = go(ty, shapes, duals, k + 1, load, value);
        let mut load = load;
        for n in 1..=shapes[k].demand {
            load.add(&shapes[k].class, 1);
            if !ty.holds(&load) {
                break;
            }
            best = best.max(go(
                ty,
                shapes,
                duals,
                k + 1,
                load,
                value + f64::from(n) * duals[k],
            ));
        }
        best
    }
    go(ty, shapes, duals, 0, Load::default(), 0.0)
}

/// The types `certify` would price for `shapes`, and the cheapest packing's cost (exact).
fn candidates_and_optimum(shapes: &[Shape], types: &[TypeCap]) -> (Vec<usize>, u64) {
    let candidates = super::candidates_for(shapes, types);
    let (optimum, _) = cheapest(shapes, types, &candidates, &mut Budget::new(u64::MAX))
        .expect("small fleets are solved exactly");
    (candidates, optimum)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn a_pricing_ceiling_is_never_below_the_best_fill(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..6),
        duals in prop::collection::vec(0.0f64..0.6, 6),
        node_limit in prop_oneof![Just(3u64), Just(50), Just(20_000)],
        bar in prop_oneof![Just(0.0f64), Just(0.5), Just(1.0)],
    ) {
        let types = types();
        let ty = &types[t % types.len()];
        let shapes = shapes_for(ty, &raw);
        // Duals as fractions of the price, so that fills of a few tasks are worth about it
        // and the search (not only the bound at the root) decides.
        let duals: Vec<f64> = duals[..shapes.len()].iter().map(|d| d * dollars(ty.price)).collect();
        let duals = &duals[..];
        let limit: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let best = brute_force(ty, &shapes, duals);
        let threshold = bar * dollars(ty.price);
        let priced = price(ty, &shapes, duals, &limit, threshold, node_limit);
        prop_assert!(priced.upper >= best - 1e-9, "ceiling {} below the best fill {}", priced.upper, best);
        for take in &priced.improving {
            let mut load = Load::default();
            let mut value = 0.0;
            for &(s, n) in take {
                prop_assert!(n <= limit[s]);
                load.add(&shapes[s].class, n);
                value += f64::from(n) * duals[s];
            }
            prop_assert!(ty.holds(&load), "an improving fill does not fit");
            prop_assert!(value > threshold && value <= best + 1e-9);
        }
    }

    #[test]
    fn a_relaxed_ceiling_is_never_below_the_best_fill(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..6),
        duals in prop::collection::vec(0.0f64..0.6, 6),
        steps in prop_oneof![Just(0u64), Just(300), Just(1_000_000)],
    ) {
        let types = types();
        let ty = &types[t % types.len()];
        let shapes = shapes_for(ty, &raw);
        let duals: Vec<f64> = duals[..shapes.len()].iter().map(|d| d * dollars(ty.price)).collect();
        let limit: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let best = brute_force(ty, &shapes, &duals);
        // Whatever the budget (even none: the simplex's starting point), the ceiling holds.
        let upper = ceiling(ty, &shapes, &duals, &limit, &mut Budget::new(steps));
        prop_assert!(upper >= best - 1e-9, "ceiling {upper} below the best fill {best}");
    }

    #[test]
    fn the_farley_bound_is_never_above_the_exact_optimum(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..5),
        steps in prop_oneof![Just(1_000u64), Just(2_500_000)],
        relax in any::<bool>(),
    ) {
        let types = types();
        let shapes = shapes_for(&types[t % types.len()], &raw);
        let (candidates, optimum) = candidates_and_optimum(&shapes, &types);
        // Relaxed: every type that holds many tasks holds its relaxation in the master.
        let relaxed = if relax { super::holds_many(&shapes, &types) } else { vec![false; types.len()] };
        let mut configurations = Configurations::new(&shapes, &types, candidates, Vec::new(), relaxed);
        let demand: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let bound = configurations.solve(&demand, f64::INFINITY, &mut Budget::new(steps));
        prop_assert!(bound <= dollars(optimum) * (1.0 + 1e-9), "bound {bound} above the optimum {}", dollars(optimum));
    }

    #[test]
    fn relaxing_types_after_a_solve_never_lifts_the_bound_above_the_exact_optimum(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..5),
        steps in prop_oneof![Just(1_000u64), Just(2_500_000)],
        mask in any::<u64>(),
    ) {
        let types = types();
        let shapes = shapes_for(&types[t % types.len()], &raw);
        let (candidates, optimum) = candidates_and_optimum(&shapes, &types);
        let demand: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let mut exact = Configurations::new(&shapes, &types, candidates.clone(), Vec::new(), vec![false; types.len()]);
        exact.solve(&demand, f64::INFINITY, &mut Budget::new(steps));
        // Any candidates relaxed again, over the columns the exact solve found (what `certify`
        // does with the types whose pricing got stuck).
        let more: Vec<usize> = candidates.iter().copied().filter(|&c| mask >> (c % 64) & 1 == 1).collect();
        let mut again = exact.relaxing(&more);
        let bound = again.solve(&demand, f64::INFINITY, &mut Budget::new(steps));
        prop_assert!(bound <= dollars(optimum) * (1.0 + 1e-9), "bound {bound} above the optimum {}", dollars(optimum));
    }

    #[test]
    fn the_ascent_bound_is_never_above_the_exact_optimum(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..5),
        target in 1.0f64..3.0,
        steps in prop_oneof![Just(0u64), Just(500), Just(60_000_000)],
    ) {
        let types = types();
        let shapes = shapes_for(&types[t % types.len()], &raw);
        let (candidates, optimum) = candidates_and_optimum(&shapes, &types);
        let classes: Vec<Class> = shapes.iter().map(|s| s.class).collect();
        let counts: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        // Whatever the target it climbs toward (a packing's cost, or far above it) and
        // however early it stops, every iterate is a bound.
        let upper = dollars(optimum) * target;
        let bound = ascent(&classes, &counts, &types, &candidates, upper, &mut Budget::new(steps)).bound;
        prop_assert!(bound <= dollars(optimum) * (1.0 + 1e-9), "bound {bound} above the optimum {}", dollars(optimum));
    }

    #[test]
    fn near_fills_fit_are_maximal_and_the_first_is_the_best_fill(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..6),
        duals in prop::collection::vec(0.01f64..0.6, 6),
        count in 1usize..8,
        bar in prop_oneof![Just(0.0f64), Just(0.5), Just(1.0)],
    ) {
        let types = types();
        let ty = &types[t % types.len()];
        let shapes = shapes_for(ty, &raw);
        let duals: Vec<f64> = duals[..shapes.len()].iter().map(|d| d * dollars(ty.price)).collect();
        let limit: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let best = brute_force(ty, &shapes, &duals);
        let floor = bar * dollars(ty.price);
        let (fills, _) = near_fills(ty, &shapes, &duals, &limit, floor, count, u64::MAX);
        prop_assert!(fills.len() <= count);
        let mut last = f64::INFINITY;
        for take in &fills {
            let mut load = Load::default();
            let mut value = 0.0;
            for &(s, n) in take {
                prop_assert!(n >= 1 && n <= limit[s]);
                load.add(&shapes[s].class, n);
                value += f64::from(n) * duals[s];
            }
            prop_assert!(ty.holds(&load), "a fill does not fit");
            prop_assert!(value >= floor - 1e-9 && value <= last + 1e-9, "below the floor or out of order");
            last = value;
            // Maximal: no task of a shape with some left fits beside it.
            for (s, shape) in shapes.iter().enumerate() {
                let taken = take.iter().find(|t| t.0 == s).map_or(0, |t| t.1);
                let mut more = load;
                more.add(&shape.class, 1);
                prop_assert!(taken == limit[s] || !ty.holds(&more), "a fill could take one more task");
            }
        }
        // With no limit on the search, the most valuable fill is the brute force's best.
        if best >= floor {
            prop_assert!(!fills.is_empty());
            let first: f64 = fills[0].iter().map(|&(s, n)| f64::from(n) * duals[s]).sum();
            prop_assert!((first - best).abs() <= 1e-9 * best.max(1.0), "first {first}, best {best}");
        }
    }

    /// Both searches: on patterns (`branch.rs`) and on instance counts (`count_branch.rs`).
    #[test]
    fn the_branch_and_bound_places_every_task_once_and_never_below_the_optimum(
        t in 0usize..40,
        raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..5),
        steps in prop_oneof![Just(2_000u64), Just(1_000_000)],
        on_counts in any::<bool>(),
    ) {
        let types = types();
        let shapes = shapes_for(&types[t % types.len()], &raw);
        let (candidates, optimum) = candidates_and_optimum(&shapes, &types);
        let demand: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let mut lp = Configurations::new(&shapes, &types, candidates.clone(), Vec::new(), vec![false; types.len()]);
        lp.solve(&demand, f64::INFINITY, &mut Budget::new(2_500_000));
        let pool = lp.patterns.iter().filter(|p| !p.take.is_empty()).cloned().collect();
        // Asked for anything cheaper than a dollar a day more than every shape alone.
        let worst: u64 = shapes.iter().map(|s| {
            let cheapest = candidates.iter().filter(|&&c| types[c].admits(&s.class)).map(|&c| types[c].price).min().unwrap();
            cheapest * u64::from(s.demand)
        }).sum::<u64>() + 1_000_000_000;
        let search = if on_counts { super::count_branch::cheapest } else { super::branch::cheapest };
        let found = search(&shapes, &types, &candidates, pool, &demand, worst, &mut Budget::new(steps));
        let Some(patterns) = found else {
            // Only a budget too small to finish a single dive finds nothing.
            prop_assert!(steps < 1_000_000, "nothing found with a full budget");
            return Ok(());
        };
        let mut placed = vec![0u32; shapes.len()];
        let mut cost = 0u64;
        for p in &patterns {
            let mut load = Load::default();
            for &(s, n) in &p.take {
                placed[s] += n;
                load.add(&shapes[s].class, n);
            }
            prop_assert!(types[p.ty].holds(&load), "an instance is overfull");
            cost += types[p.ty].price;
        }
        prop_assert_eq!(&placed, &demand, "every task exactly once");
        prop_assert!(cost >= optimum, "cost {cost} below the proven optimum {optimum}");
        prop_assert!(cost < worst);
    }
}

/// A fleet past 400 shapes takes the climbed path (`certify_climbed`): every task is placed
/// once, on an instance that holds its load, and the bound is below the packing's cost and
/// well above what the shapes merged down to 160 prove.
#[test]
fn a_fleet_of_many_shapes_is_packed_and_certified_by_the_climb() {
    let types = types();
    // 450 CPU-hungry 1-GPU shapes (8–42 vCPU, 16–104 GiB), each distinct, two tasks each.
    let classes: Vec<Class> = (0..450u32)
        .map(|i| Class {
            gpus: 1,
            gpu_mem: 0,
            cpu: 8192 + 256 * (i % 97) + 2048 * (i % 5),
            mem: 16_384 + 1024 * (i % 89),
        })
        .collect();
    let counts = vec![2u32; classes.len()];
    let incumbent = super::super::pack::pack(&classes, &counts, &types, Vec::new());
    let incumbent_cost: u64 = incumbent.iter().map(|b| types[b.ty].price).sum();
    let certified = super::certify(&classes, &counts, &types, incumbent);
    let mut placed = vec![0u32; classes.len()];
    for bin in &certified.bins {
        for &i in &bin.items {
            placed[i] += 1;
        }
        assert!(
            types[bin.ty].holds(&Load::of(&classes, &bin.items)),
            "an instance is overfull"
        );
    }
    assert_eq!(placed, counts, "every task exactly once");
    let cost: u64 = certified.bins.iter().map(|b| types[b.ty].price).sum();
    assert!(cost <= incumbent_cost, "never dearer than the greedy's packing");
    assert!(certified.lower_bound <= cost);
    // These tasks need much CPU, which merging shapes gives away: the bound from merged
    // shapes alone is 11 % below this packing, the climbed one 1.3 %.
    assert!(
        certified.lower_bound as f64 >= 0.95 * cost as f64,
        "bound {} far below the packing's {cost}",
        certified.lower_bound
    );
}

/// Freeing a packing's worst instances and packing their tasks again (`rebranch.rs`) keeps
/// every task placed once, on instances that hold them, and never costs more.
#[test]
fn rebranching_keeps_every_task_once_and_never_costs_more() {
    let types = types();
    let mut changed = 0;
    for seed in 0..6u32 {
        // 60 CPU-hungry shapes of 1–2 GPUs, 2–4 tasks each.
        let classes: Vec<Class> = (0..60u32)
            .map(|i| Class {
                gpus: 1 + (i + seed) % 2,
                gpu_mem: 0,
                cpu: 8192 + 1024 * ((i * 7 + seed * 13) % 33),
                mem: 16_384 + 1024 * ((i * 11 + seed * 5) % 80),
            })
            .collect();
        let counts: Vec<u32> = (0..60u32).map(|i| 2 + (i + seed) % 3).collect();
        let mut bins = super::super::pack::pack(&classes, &counts, &types, Vec::new());
        let before: u64 = bins.iter().map(|b| types[b.ty].price).sum();
        let (shapes, exact) = super::shapes::coarse_shapes(&classes, &counts, &types);
        assert!(exact);
        let candidates = super::candidates_for(&shapes, &types);
        let demand: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
        let mut lp = Configurations::new(
            &shapes,
            &types,
            candidates.clone(),
            Vec::new(),
            vec![false; types.len()],
        );
        lp.solve(&demand, f64::INFINITY, &mut Budget::new(2_500_000));
        let duals = lp.duals();
        changed += usize::from(super::rebranch::rebranch(
            &classes,
            &types,
            &shapes,
            &candidates,
            &duals,
            &mut bins,
            &mut Budget::new(3_000_000),
            0,
        ));
        let mut placed = vec![0u32; classes.len()];
        for bin in &bins {
            for &i in &bin.items {
                placed[i] += 1;
            }
            assert!(
                types[bin.ty].holds(&Load::of(&classes, &bin.items)),
                "an instance is overfull"
            );
        }
        assert_eq!(placed, counts, "every task exactly once (seed {seed})");
        let after: u64 = bins.iter().map(|b| types[b.ty].price).sum();
        assert!(
            after <= before,
            "dearer after rebranching (seed {seed}): {after} > {before}"
        );
    }
    // The greedy's packings leave something to find: the checks above saw new instances.
    assert!(changed > 0, "no fleet was repacked");
}

/// One pricing problem of a mixed 400-task fleet (seed 2): a g4dn.metal (8 GPUs, 96 vCPU,
/// 365 GiB) at the master's duals, over the 72 shapes it admits, `(GPUs, CPU units, MiB,
/// tasks, dual)`, from early in column generation. Memory binds, not CPU: with only the GPU ×
/// CPU table, searches on this fleet ran out of nodes with ceilings 1.3× the price, and
/// Farley's bound ended 1.0 % below the LP (0.02 % with the GPU × memory table).
const MEMORY_BOUND_PRICING: [(u32, u32, u32, u32, f64); 72] = [
    (1, 2048, 18432, 3, 7.52e-1),
    (1, 2048, 29696, 4, 7.52e-1),
    (1, 3072, 11264, 1, 5.26e-1),
    (1, 3072, 12288, 6, 5.26e-1),
    (1, 3072, 22528, 4, 7.52e-1),
    (1, 4096, 16384, 6, 7.52e-1),
    (1, 4096, 21504, 2, 7.52e-1),
    (1, 5120, 10240, 7, 6.173333333333333e-1),
    (1, 5120, 29696, 1, 7.52e-1),
    (1, 5120, 30720, 1, 7.52e-1),
    (1, 5120, 32768, 5, 8.648696969696973e-1),
    (1, 6144, 9216, 3, 7.52e-1),
    (1, 6144, 27648, 1, 7.52e-1),
    (1, 6144, 31744, 5, 9.776e-1),
    (1, 7168, 11264, 1, 7.52e-1),
    (1, 7168, 17408, 5, 7.52e-1),
    (1, 7168, 21504, 4, 7.52e-1),
    (1, 8192, 15360, 1, 7.52e-1),
    (1, 8192, 27648, 5, 7.52e-1),
    (1, 8192, 31744, 1, 7.616000000000007e-1),
    (1, 8192, 32768, 3, 1.130654545454545e0),
    (1, 8192, 80896, 4, 8.692433811802243e-1),
    (1, 10240, 69632, 4, 9.472130781499098e-1),
    (1, 11264, 19456, 5, 9.933333333333356e-1),
    (1, 12288, 71680, 4, 7.209524720893199e-1),
    (1, 17408, 88064, 5, 9.615125917065408e-1),
    (1, 21504, 24576, 5, 7.258181818181608e-1),
    (1, 25600, 38912, 4, 1.1960708133971378e0),
    (1, 27648, 21504, 4, 1.118084848484847e0),
    (1, 27648, 28672, 4, 1.1180848484848473e0),
    (1, 27648, 56320, 3, 1.263819286283887e0),
    (1, 27648, 77824, 1, 1.1369479864433338e0),
    (1, 28672, 38912, 5, 1.2350475279106798e0),
    (1, 29696, 39936, 1, 1.2823141945774066e0),
    (1, 30720, 92160, 5, 1.2740242424242438e0),
    (1, 32768, 58368, 2, 7.797727272727358e-1),
    (1, 37888, 67584, 1, 1.3663121212121632e0),
    (1, 40960, 82944, 3, 1.3951346969697007e0),
    (2, 4096, 26624, 3, 1.3689418261562958e0),
    (2, 4096, 61440, 1, 1.4681372248803477e0),
    (2, 10240, 20480, 4, 1.7359983492823479e0),
    (2, 10240, 55296, 6, 1.9015884449761005e0),
    (2, 12288, 38912, 2, 1.6250470135566029e0),
    (2, 14336, 40960, 2, 1.7396107814991777e0),
    (2, 14336, 192512, 3, 2.2310504226475665e0),
    (2, 16384, 122880, 4, 1.8431209290270896e0),
    (2, 16384, 188416, 1, 2.4086674561403147e0),
    (2, 18432, 32768, 3, 1.8452894537479905e0),
    (2, 22528, 32768, 1, 1.8452894537479896e0),
    (2, 24576, 124928, 3, 2.210395909090959e0),
    (2, 26624, 192512, 1, 2.3020963317384933e0),
    (2, 32768, 96256, 4, 1.9223625318979458e0),
    (2, 40960, 67584, 1, 2.097797926634721e0),
    (4, 16384, 77824, 6, 3.912e0),
    (4, 16384, 114688, 3, 3.912e0),
    (4, 24576, 65536, 5, 3.6154181818181828e0),
    (4, 24576, 303104, 3, 4.208581818181816e0),
    (4, 28672, 65536, 6, 3.912e0),
    (4, 28672, 126976, 3, 3.912e0),
    (4, 28672, 372736, 2, 6.6752e0),
    (4, 36864, 77824, 1, 3.912e0),
    (4, 36864, 163840, 1, 3.912e0),
    (4, 40960, 352256, 3, 6.6752e0),
    (4, 45056, 172032, 2, 3.912e0),
    (4, 45056, 233472, 1, 3.6404191387560094e0),
    (4, 45056, 278528, 3, 4.7882272727272595e0),
    (4, 45056, 323584, 3, 5.220000000000002e0),
    (4, 49152, 65536, 2, 3.0357727272727404e0),
    (8, 65536, 360448, 3, 7.824e0),
    (8, 81920, 253952, 2, 7.824e0),
    (8, 81920, 344064, 2, 7.824e0),
    (8, 90112, 253952, 2, 7.824e0),
];

#[test]
fn memory_hungry_fills_are_proven_by_the_gpu_memory_table() {
    let ty = TypeCap {
        name: "g4dn.metal".to_string(),
        gpus: 8,
        gpu_mem: 16_384,
        cpu: 98_304,
        mem: 373_554,
        slots: 14,
        price: 7_824_000_000,
    };
    let shapes: Vec<Shape> = MEMORY_BOUND_PRICING
        .iter()
        .map(|&(gpus, cpu, mem, demand, _)| Shape {
            class: Class {
                gpus,
                gpu_mem: 0,
                cpu,
                mem,
            },
            demand,
            members: Vec::new(),
        })
        .collect();
    let duals: Vec<f64> = MEMORY_BOUND_PRICING.iter().map(|r| r.4).collect();
    let limit: Vec<u32> = shapes.iter().map(|s| s.demand).collect();
    // Fills worth more than 1.15× the price exist (the best is 1.1592×): the search must find
    // the best and prove that nothing beats it. It does in about 20,000 nodes; with only the
    // GPU × CPU table it took 145,000.
    let price_of = 7.824;
    let priced = price(&ty, &shapes, &duals, &limit, 1.15 * price_of, 50_000);
    assert!(!priced.out_of_nodes, "the search ran out of nodes");
    assert!(
        priced.best >= 1.159 * price_of,
        "best fill {} of the price",
        priced.best / price_of
    );
    assert!(
        priced.upper <= priced.best * (1.0 + 1e-3),
        "ceiling {} against the best fill {}",
        priced.upper,
        priced.best
    );
}
