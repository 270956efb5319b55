//! The instances of a packing that lose the most at the LP's duals, freed and packed again by
//! the branch and bound (`branch.rs`): a large neighbourhood for fleets too big to search whole.
//!
//! At the duals `π` a packing costs `Σ demand × π` plus, per instance, its price less its
//! tasks' worth (its excess). `repack.rs` repacks pairs and triples of the instances with the
//! largest excess exactly; here the [`WINDOW`] worst are freed together, the branch and bound
//! looks for a cheaper packing of their tasks over every type's most valuable fills for them,
//! and the result replaces them only when it is strictly cheaper.

use super::super::model::{Bin, Class, TypeCap};
use super::branch;
use super::column_generation::{dollars, Configurations, Pattern};
use super::near::with_near_fills;
use super::shapes::Shape;
use super::Budget;
use super::{pattern_of, shape_of};

/// Instances freed at once (the hungry 400-task fleets: 12 gained 0.09–0.11 % on average,
/// 24 gained 0.12–0.19 %, 40 less than 12 within the same steps).
pub(crate) const WINDOW: usize = 24;
/// Fills per type for the freed tasks.
const FILLS: usize = 30;
/// Search nodes per type for those fills.
const NODES: u64 = 50_000;

/// Frees the [`WINDOW`] instances of `bins` whose price most exceeds their tasks' worth at
/// `duals_in` (per shape), after the `skip` that exceed it most, and packs their tasks again
/// when the branch and bound finds a cheaper way, within `budget`. Whether `bins` changed.
#[allow(clippy::too_many_arguments)]
pub(crate) fn rebranch(
    classes: &[Class],
    types: &[TypeCap],
    shapes: &[Shape],
    candidates: &[usize],
    duals_in: &[f64],
    bins: &mut Vec<Bin>,
    budget: &mut Budget,
    skip: usize,
) -> bool {
    let shape_of = shape_of(classes.len(), shapes);
    let worth = |bin: &Bin| -> f64 { bin.items.iter().map(|&i| duals_in[shape_of[i]]).sum() };
    let mut excess: Vec<(f64, usize)> = bins
        .iter()
        .enumerate()
        .map(|(b, bin)| (dollars(types[bin.ty].price) - worth(bin), b))
        .collect();
    excess.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut freed: Vec<usize> = excess.iter().skip(skip).take(WINDOW).map(|&(_, b)| b).collect();
    freed.sort_unstable();
    // The freed tasks per shape, and which classes they are.
    let mut demand = vec![0u32; shapes.len()];
    let mut items: Vec<Vec<usize>> = vec![Vec::new(); shapes.len()];
    let mut cost = 0u64;
    for &b in &freed {
        cost += types[bins[b].ty].price;
        for &i in &bins[b].items {
            demand[shape_of[i]] += 1;
            items[shape_of[i]].push(i);
        }
    }
    // The freed instances themselves, so the search starts from what they cost.
    let pool: Vec<Pattern> = freed.iter().map(|&b| pattern_of(&bins[b], &shape_of)).collect();
    // The LP of the freed tasks alone, by column generation from their instances: the
    // whole fleet's duals price them poorly (over its columns, the freed tasks' LP is no
    // cheaper than the instances they came from).
    let none_relaxed = vec![false; types.len()];
    let mut sub = Configurations::new(shapes, types, candidates.to_vec(), pool, none_relaxed);
    sub.prove = false;
    sub.solve(&demand, f64::INFINITY, budget);
    let duals = sub.duals();
    let gap = dollars(cost) - sub.master.objective();
    if gap <= 0.0 {
        return false;
    }
    let columns = sub.columns();
    let fills = (FILLS, NODES);
    let pool = with_near_fills(
        columns, types, candidates, shapes, &duals, &demand, gap, fills, budget,
    );
    let Some(patterns) = branch::cheapest(shapes, types, candidates, pool, &demand, cost, budget) else {
        return false;
    };
    // The freed instances out, the new ones in, each shape's freed tasks handed out in order.
    for &b in freed.iter().rev() {
        bins.swap_remove(b);
    }
    for pattern in patterns {
        let mut bin_items = Vec::new();
        for &(s, n) in &pattern.take {
            for _ in 0..n {
                bin_items.push(items[s].pop().expect("patterns hold only freed tasks"));
            }
        }
        bin_items.sort_unstable();
        bins.push(Bin {
            ty: pattern.ty,
            items: bin_items,
        });
    }
    true
}
