//! A small dense revised simplex for the covering LP `min c·x, A x ≥ b, x ≥ 0` whose columns
//! arrive one at a time (column generation).
//!
//! Why our own and not a general LP crate: the master is tiny and special. Every column has at
//! most 8 non-zeros (an instance holds at most 8 GPU tasks), one singleton column per row
//! gives an identity starting basis that is feasible at once (no phase 1), a new column just
//! enters the current basis (warm start), and the duals come for free. A dense `B⁻¹` of one
//! row per task shape (a few hundred) is updated in `O(m²)` per pivot, and every pivot is
//! counted, so the work is bounded in steps, not time. A new demand is met from the current
//! basis by the dual simplex (`reoptimize`), as the rounding's dive asks after every fix.
//!
//! Accuracy does not decide correctness: the lower bound built on these duals is Farley's
//! (`column_generation.rs`), valid for any non-negative duals.

/// One column: its cost and its non-zero entries `(row, coefficient)`.
#[derive(Debug, Clone)]
pub(crate) struct Column {
    pub cost: f64,
    pub entries: Vec<(usize, f64)>,
}

/// Which variable is basic in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Var {
    Column(usize),
    /// The surplus of row `s` (`A x − surplus = b`).
    Surplus(usize),
}

/// The restricted master: its columns, the current basis and `B⁻¹`.
#[derive(Debug, Clone)]
pub(crate) struct Master {
    m: usize,
    pub columns: Vec<Column>,
    basis: Vec<Var>,
    binv: Vec<f64>,
    xb: Vec<f64>,
    in_basis: Vec<bool>,
    surplus_basic: Vec<bool>,
    /// Entries of every column: what pricing the columns at one pivot multiplies.
    entries: usize,
    /// Whether the last [`Master::reoptimize`] found no basis meeting its right-hand side.
    infeasible: bool,
}

/// Each row's demand is raised by between one and two times this, distinct per row: the
/// master of a packing problem is massively degenerate (the greedy's columns cover most rows
/// exactly), and without it pivots move the objective by nothing. The duals stay valid for
/// the real demand through Farley's bound, whatever the perturbation.
const PERTURBATION: f64 = 1e-6;

/// `b` with each row raised by its share of [`PERTURBATION`].
fn perturbed(b: &[f64], m: usize) -> Vec<f64> {
    b.iter()
        .enumerate()
        .map(|(s, &v)| v + PERTURBATION * (1.0 + ((s * 7919) % (m + 1)) as f64 / (m + 1) as f64))
        .collect()
}

/// Pivots between full recomputations of the duals inside [`Master::optimize`].
const REFRESH: usize = 32;

/// Reduced costs above `-TOLERANCE` count as optimal.
const TOLERANCE: f64 = 1e-9;
/// Pivots on entries smaller than this are refused (numerically meaningless).
const PIVOT_MIN: f64 = 1e-9;

impl Master {
    /// A master whose first `m` columns are the singletons `singleton_costs[s]·e_s`, in basis.
    pub(crate) fn new(singleton_costs: &[f64]) -> Master {
        let m = singleton_costs.len();
        let columns = singleton_costs
            .iter()
            .enumerate()
            .map(|(s, &cost)| Column {
                cost,
                entries: vec![(s, 1.0)],
            })
            .collect();
        let mut master = Master {
            m,
            columns,
            basis: Vec::new(),
            binv: Vec::new(),
            xb: Vec::new(),
            in_basis: Vec::new(),
            surplus_basic: Vec::new(),
            entries: m,
            infeasible: false,
        };
        master.reset(&vec![0.0; m]);
        master
    }

    /// Back to the singleton basis for right-hand side `b` (perturbed by a few millionths per
    /// row, distinct per row, so no pivot is degenerate and the simplex cannot cycle). Not
    /// for a master with rows from [`Master::add_row`]: they have no singleton.
    pub(crate) fn reset(&mut self, b: &[f64]) {
        let m = self.m;
        self.basis = (0..m).map(Var::Column).collect();
        self.binv = vec![0.0; m * m];
        for i in 0..m {
            self.binv[i * m + i] = 1.0;
        }
        self.xb = perturbed(b, m);
        self.in_basis = vec![false; self.columns.len()];
        self.surplus_basic = vec![false; m];
        for i in 0..m {
            self.in_basis[i] = true;
        }
    }

    /// Rows of the LP.
    pub(crate) fn rows(&self) -> usize {
        self.m
    }

    /// Appends the row `Σ coefficient·x_column ≥ b` (its right-hand side is given to the next
    /// [`Master::reoptimize`]) with its surplus basic, so the basis stays dual feasible and
    /// the dual simplex restores the primal: how a branch adds a bound to a solved LP.
    ///
    /// With `B` the old basis and `a` the new row's entries on its basic columns, the new
    /// basis is `[[B, 0], [a, −1]]`, whose inverse is `[[B⁻¹, 0], [a B⁻¹, −1]]`.
    pub(crate) fn add_row(&mut self, coefficients: &[(usize, f64)]) {
        let m = self.m;
        let row = m;
        for &(j, a) in coefficients {
            self.columns[j].entries.push((row, a));
        }
        self.entries += coefficients.len();
        let mut on_basis = vec![0.0; m];
        for (i, var) in self.basis.iter().enumerate() {
            if let Var::Column(j) = var {
                on_basis[i] = self.columns[*j]
                    .entries
                    .iter()
                    .find(|&&(r, _)| r == row)
                    .map_or(0.0, |&(_, a)| a);
            }
        }
        let n = m + 1;
        let mut binv = vec![0.0; n * n];
        for i in 0..m {
            binv[i * n..i * n + m].copy_from_slice(&self.binv[i * m..(i + 1) * m]);
        }
        for (i, &a) in on_basis.iter().enumerate() {
            if a != 0.0 {
                for k in 0..m {
                    binv[m * n + k] += a * self.binv[i * m + k];
                }
            }
        }
        binv[m * n + m] = -1.0;
        self.binv = binv;
        self.m = n;
        self.basis.push(Var::Surplus(row));
        self.surplus_basic.push(true);
        self.xb.push(0.0);
    }

    /// Whether the last [`Master::reoptimize`] found no solution meeting its right-hand side.
    pub(crate) fn infeasible(&self) -> bool {
        self.infeasible
    }

    pub(crate) fn add(&mut self, column: Column) {
        self.entries += column.entries.len();
        self.columns.push(column);
        self.in_basis.push(false);
    }

    /// The duals `π = c_B B⁻¹`.
    pub(crate) fn duals(&self) -> Vec<f64> {
        let m = self.m;
        let mut pi = vec![0.0; m];
        for (i, var) in self.basis.iter().enumerate() {
            let cost = match var {
                Var::Column(j) => self.columns[*j].cost,
                Var::Surplus(_) => 0.0,
            };
            if cost != 0.0 {
                let row = &self.binv[i * m..(i + 1) * m];
                for (p, &r) in pi.iter_mut().zip(row) {
                    *p += cost * r;
                }
            }
        }
        pi
    }

    /// Each column's value in the current basic solution.
    pub(crate) fn values(&self) -> Vec<f64> {
        let mut x = vec![0.0; self.columns.len()];
        for (i, var) in self.basis.iter().enumerate() {
            if let Var::Column(j) = var {
                x[*j] = self.xb[i].max(0.0);
            }
        }
        x
    }

    /// The objective of the current basic solution.
    pub(crate) fn objective(&self) -> f64 {
        self.values()
            .iter()
            .zip(&self.columns)
            .map(|(x, c)| x * c.cost)
            .sum()
    }

    /// The work of one pivot in steps: it touches `B⁻¹` twice (duals and update), `2m²`
    /// multiplications, counted as `max(2m, m²/64)` steps so that a step costs about what a
    /// pricing search node does; and it prices every column, one step per 128 entries (with
    /// many columns per round, that is as much again).
    fn per_pivot(&self) -> u64 {
        let m = self.m;
        ((m * m / 64).max(2 * m) + self.entries / 128) as u64
    }

    /// Pivots until optimal over the columns present or `budget` runs out; returns the work
    /// done in steps (see [`Master::per_pivot`]).
    pub(crate) fn optimize(&mut self, budget: u64) -> u64 {
        let m = self.m;
        let per_pivot = self.per_pivot();
        let mut steps = 0u64;
        // Updated after each pivot in `O(m)` rather than recomputed in `O(m²)`, and
        // recomputed every [`REFRESH`] pivots so rounding cannot build up.
        let mut pi = self.duals();
        let mut pivots = 0usize;
        // Whether `pi` was computed from `B⁻¹` rather than updated since.
        let mut fresh = true;
        while steps < budget {
            if pivots % REFRESH == REFRESH - 1 && !fresh {
                pi = self.duals();
                fresh = true;
            }
            // Dantzig's rule, lowest index on ties: deterministic.
            let mut enter: Option<(Var, f64)> = None;
            for (j, col) in self.columns.iter().enumerate() {
                if self.in_basis[j] {
                    continue;
                }
                let d = col.cost - col.entries.iter().map(|&(s, a)| a * pi[s]).sum::<f64>();
                if d < -TOLERANCE && enter.is_none_or(|(_, best)| d < best) {
                    enter = Some((Var::Column(j), d));
                }
            }
            for (s, &p) in pi.iter().enumerate() {
                if p < -TOLERANCE && enter.is_none_or(|(_, best)| p < best) && !self.surplus_basic[s] {
                    enter = Some((Var::Surplus(s), p));
                }
            }
            let Some((var, reduced)) = enter else {
                if fresh {
                    break;
                }
                // Optimality is only declared on exact duals: updated ones may have drifted.
                pi = self.duals();
                fresh = true;
                continue;
            };
            let u = self.direction(var);
            let mut leave: Option<(usize, f64)> = None;
            for (i, &ui) in u.iter().enumerate() {
                if ui > PIVOT_MIN {
                    let ratio = self.xb[i].max(0.0) / ui;
                    if leave.is_none_or(|(_, best)| ratio < best) {
                        leave = Some((i, ratio));
                    }
                }
            }
            let Some((r, _)) = leave else { break };
            self.pivot(r, var, &u);
            // `π' = π + d_q ρ_r` (`ρ_r` the new row `r` of `B⁻¹`): the entering column's
            // reduced cost becomes zero, every other basic column's stays zero.
            for (p, &v) in pi.iter_mut().zip(&self.binv[r * m..(r + 1) * m]) {
                *p += reduced * v;
            }
            pivots += 1;
            fresh = false;
            steps += per_pivot;
        }
        steps
    }

    /// Re-optimises for a new right-hand side `b` from the current basis, by the dual
    /// simplex, and returns the work done in steps (counted as in [`Master::optimize`]).
    ///
    /// Changing `b` leaves every reduced cost as it was, so an optimal basis stays dual
    /// feasible; only the basic values move, and some may turn negative. Each dual pivot
    /// takes the most negative out and lets in the variable that keeps every reduced cost
    /// non-negative: after a few pivots the basis is optimal again, where starting over from
    /// the singletons takes hundreds (a dive re-solves after every instance it fixes).
    pub(crate) fn reoptimize(&mut self, b: &[f64], budget: u64) -> u64 {
        let m = self.m;
        let per_pivot = self.per_pivot();
        let perturbed = perturbed(b, m);
        self.xb = (0..m)
            .map(|i| {
                let row = &self.binv[i * m..(i + 1) * m];
                row.iter().zip(&perturbed).map(|(r, v)| r * v).sum()
            })
            .collect();
        self.infeasible = false;
        let mut steps = 0u64;
        while steps < budget {
            // The most negative basic value leaves (lowest row on ties: deterministic).
            let mut leave: Option<(usize, f64)> = None;
            for (i, &x) in self.xb.iter().enumerate() {
                if x < -TOLERANCE && leave.is_none_or(|(_, worst)| x < worst) {
                    leave = Some((i, x));
                }
            }
            let Some((r, _)) = leave else { break };
            let pi = self.duals();
            let rho = &self.binv[r * m..(r + 1) * m];
            // The entering variable: among those whose entry in row `r` of `B⁻¹ A` is
            // negative, the one with the smallest reduced cost per unit of that entry.
            let mut enter: Option<(Var, f64)> = None;
            for (j, col) in self.columns.iter().enumerate() {
                if self.in_basis[j] {
                    continue;
                }
                let alpha: f64 = col.entries.iter().map(|&(s, a)| a * rho[s]).sum();
                if alpha < -PIVOT_MIN {
                    let d = col.cost - col.entries.iter().map(|&(s, a)| a * pi[s]).sum::<f64>();
                    let ratio = d.max(0.0) / -alpha;
                    if enter.is_none_or(|(_, best)| ratio < best) {
                        enter = Some((Var::Column(j), ratio));
                    }
                }
            }
            for s in 0..m {
                // The surplus column is `−e_s`: its entry is `−ρ_s`, its reduced cost `π_s`.
                if !self.surplus_basic[s] && rho[s] > PIVOT_MIN {
                    let ratio = pi[s].max(0.0) / rho[s];
                    if enter.is_none_or(|(_, best)| ratio < best) {
                        enter = Some((Var::Surplus(s), ratio));
                    }
                }
            }
            // None: no basis covers this `b` (cannot happen while the singletons are columns
            // and every row is a demand; rows added by a branch can contradict each other).
            let Some((var, _)) = enter else {
                self.infeasible = true;
                return steps;
            };
            let u = self.direction(var);
            self.pivot(r, var, &u);
            steps += per_pivot;
        }
        // Whatever drift the pivots left, the primal simplex cleans up.
        steps + self.optimize(budget.saturating_sub(steps))
    }

    /// `B⁻¹ a` for the entering variable's column `a`.
    fn direction(&self, var: Var) -> Vec<f64> {
        let m = self.m;
        let mut u = vec![0.0; m];
        let entries: Vec<(usize, f64)> = match var {
            Var::Column(j) => self.columns[j].entries.clone(),
            Var::Surplus(s) => vec![(s, -1.0)],
        };
        for (i, ui) in u.iter_mut().enumerate() {
            let row = &self.binv[i * m..(i + 1) * m];
            *ui = entries.iter().map(|&(s, a)| a * row[s]).sum();
        }
        u
    }

    fn pivot(&mut self, r: usize, var: Var, u: &[f64]) {
        let m = self.m;
        let ur = u[r];
        let (head, rest) = self.binv.split_at_mut(r * m);
        let (pivot_row, tail) = rest.split_at_mut(m);
        for v in pivot_row.iter_mut() {
            *v /= ur;
        }
        self.xb[r] /= ur;
        let xr = self.xb[r];
        for (i, &ui) in u.iter().enumerate() {
            if i == r || ui == 0.0 {
                continue;
            }
            let row = if i < r {
                &mut head[i * m..(i + 1) * m]
            } else {
                let k = i - r - 1;
                &mut tail[k * m..(k + 1) * m]
            };
            for (v, &p) in row.iter_mut().zip(pivot_row.iter()) {
                *v -= ui * p;
            }
            self.xb[i] -= ui * xr;
        }
        match self.basis[r] {
            Var::Column(j) => self.in_basis[j] = false,
            Var::Surplus(s) => self.surplus_basic[s] = false,
        }
        match var {
            Var::Column(j) => self.in_basis[j] = true,
            Var::Surplus(s) => self.surplus_basic[s] = true,
        }
        self.basis[r] = var;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// A covering LP with `rows` rows: the singletons, then `columns` (cost, entries).
    fn master(rows: usize, singleton: &[f64], columns: &[(f64, Vec<(usize, u8)>)]) -> Master {
        let mut master = Master::new(&singleton[..rows]);
        for (cost, entries) in columns {
            let mut entries: Vec<(usize, f64)> =
                entries.iter().map(|&(s, a)| (s % rows, f64::from(a))).collect();
            entries.sort_by_key(|e| e.0);
            entries.dedup_by_key(|e| e.0);
            master.add(Column { cost: *cost, entries });
        }
        master
    }

    proptest! {
        /// Re-optimising from the basis of another right-hand side (the dive's warm start)
        /// ends at the optimum a cold solve from the singletons finds.
        #[test]
        fn reoptimizing_for_a_new_demand_finds_the_cold_optimum(
            rows in 1usize..7,
            singleton in prop::collection::vec(1.0f64..10.0, 7),
            columns in prop::collection::vec((1.0f64..20.0, prop::collection::vec((0usize..7, 1u8..4), 1..4)), 0..12),
            first in prop::collection::vec(0u8..6, 7),
            second in prop::collection::vec(0u8..6, 7),
        ) {
            let b1: Vec<f64> = first[..rows].iter().map(|&v| f64::from(v)).collect();
            let b2: Vec<f64> = second[..rows].iter().map(|&v| f64::from(v)).collect();
            let mut cold = master(rows, &singleton, &columns);
            cold.reset(&b2);
            cold.optimize(u64::MAX);
            let mut warm = master(rows, &singleton, &columns);
            warm.reset(&b1);
            warm.optimize(u64::MAX);
            warm.reoptimize(&b2, u64::MAX);
            prop_assert!(warm.xb.iter().all(|&x| x >= -1e-9), "infeasible: {:?}", warm.xb);
            let (w, c) = (warm.objective(), cold.objective());
            prop_assert!((w - c).abs() <= 1e-6 * (1.0 + c.abs()), "warm {w} cold {c}");
        }
    }

    #[test]
    fn a_row_added_to_a_solved_lp_bounds_it_and_contradicting_rows_are_infeasible() {
        // The LP below (optimum 10: the pair column twice), then with the pair bounded.
        let solved = || {
            let mut master = Master::new(&[3.0, 2.0]);
            master.add(Column {
                cost: 4.0,
                entries: vec![(0, 1.0), (1, 1.0)],
            });
            master.reoptimize(&[2.0, 3.0], 10_000);
            master
        };
        // At most one pair: 4 + 3 + 2 × 2 = 11.
        let mut at_most_one = solved();
        at_most_one.add_row(&[(2, -1.0)]);
        at_most_one.reoptimize(&[2.0, 3.0, -1.0], 10_000);
        assert!(!at_most_one.infeasible());
        assert!(
            (at_most_one.objective() - 11.0).abs() < 1e-4,
            "{}",
            at_most_one.objective()
        );
        // At least three pairs: 12.
        let mut at_least_three = solved();
        at_least_three.add_row(&[(2, 1.0)]);
        at_least_three.reoptimize(&[2.0, 3.0, 3.0], 10_000);
        assert!(!at_least_three.infeasible());
        assert!(
            (at_least_three.objective() - 12.0).abs() < 1e-4,
            "{}",
            at_least_three.objective()
        );
        // Both: no solution.
        at_least_three.add_row(&[(2, -1.0)]);
        at_least_three.reoptimize(&[2.0, 3.0, 3.0, -1.0], 10_000);
        assert!(at_least_three.infeasible());
    }

    #[test]
    fn solves_a_small_covering_lp() {
        // Two rows; singletons cost 3 and 2; a column covering both costs 4.
        // min: 2 of row 0 and 3 of row 1 → 2 × pair + 1 × single(1) = 8 + 2 = 10.
        let mut master = Master::new(&[3.0, 2.0]);
        master.add(Column {
            cost: 4.0,
            entries: vec![(0, 1.0), (1, 1.0)],
        });
        master.reset(&[2.0, 3.0]);
        master.optimize(10_000);
        assert!((master.objective() - 10.0).abs() < 1e-4, "{}", master.objective());
        let pi = master.duals();
        // Dual: π0 + π1 ≤ 4, π0 ≤ 3, π1 ≤ 2 → π = (2, 2), value 2·2 + 3·2 = 10.
        assert!((pi[0] - 2.0).abs() < 1e-6 && (pi[1] - 2.0).abs() < 1e-6, "{pi:?}");
    }
}
