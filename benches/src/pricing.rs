//! Pricing for the column generation in `bound.rs`: the most valuable fill of one instance
//! type under dual values π, or at least a valid upper bound on it.
//!
//! Every task takes at least one GPU and an instance has at most 8, so when task slots do not
//! bind (slots ≥ GPUs) a dynamic programme over (GPUs, whole vCPUs) is exact for the problem
//! without the memory constraint, and one over (GPUs, 4-GiB memory units, demands rounded
//! down) for the problem without CPU. Both are relaxations, so each value is an upper bound;
//! when a relaxation's best fill happens to satisfy the dropped constraint it is optimal.
//! Otherwise (or when slots bind) a depth-first search finds a column and the smaller
//! relaxation value stays the bound.

use rnd_core::placement::ServiceDemand;

use crate::capacity::Cap;

type Fill = (f64, Vec<(usize, u32)>);

/// An upper bound on the best fill's value, and the best feasible fill found.
pub(crate) fn price_type(cap: &Cap, classes: &[&ServiceDemand], pi: &[f64], floor: f64) -> (f64, Fill) {
    if cap.slots < cap.gpus {
        return best_pattern(cap, classes, pi, floor);
    }
    let usable: Vec<usize> = (0..classes.len())
        .filter(|&i| pi[i] > 1e-12 && cap.holds(&[classes[i]]))
        .collect();
    let cpu = |s: &ServiceDemand| s.cpu_units / 1024;
    let (by_cpu, cpu_fill) = dp(cap.gpus, cap.cpu.div_ceil(1024), classes, pi, &usable, cpu);
    if fits(cap, classes, &cpu_fill) {
        return (by_cpu, (by_cpu, cpu_fill));
    }
    let mem = |s: &ServiceDemand| s.memory_mib / 4096;
    let (by_mem, mem_fill) = dp(cap.gpus, cap.mem.div_ceil(4096), classes, pi, &usable, mem);
    if fits(cap, classes, &mem_fill) {
        return (by_mem, (by_mem, mem_fill));
    }
    // Both constraints matter: move memory into the objective with a multiplier λ ≥ 0
    // (Lagrangian relaxation): for every λ, DP_cpu(π − λ·mem) + λ·room is an upper bound.
    let lagrange = lagrangian(cap, classes, pi, &usable);
    let (searched, found) = best_pattern(cap, classes, pi, floor);
    let upper = searched.min(by_cpu).min(by_mem).min(lagrange).max(found.0);
    if upper <= floor {
        return (upper, found);
    }
    // Still open: keep all three constraints, memory in the finest unit (a multiple of 1 GiB)
    // that keeps the table under [`DP3_STATES`] cells; demands round down, room up.
    let cells = |unit: u32| {
        u64::from(cap.gpus + 1) * u64::from(cap.cpu / 1024 + 1) * u64::from(cap.mem.div_ceil(unit) + 1)
    };
    let unit = (1..)
        .map(|k| k * 1024)
        .find(|&u| cells(u) <= DP3_STATES)
        .unwrap_or(1024);
    let (exact, fill) = dp3(cap, classes, pi, &usable, unit);
    if fits(cap, classes, &fill) && exact > found.0 {
        return (exact, (exact, fill));
    }
    (upper.min(exact).max(found.0), found)
}

/// Largest (GPUs × vCPUs × memory units) table `dp3` builds.
const DP3_STATES: u64 = 400_000;

/// Knapsack over (GPUs, whole vCPUs, memory in `unit` MiB).
fn dp3(
    cap: &Cap,
    classes: &[&ServiceDemand],
    pi: &[f64],
    usable: &[usize],
    unit: u32,
) -> (f64, Vec<(usize, u32)>) {
    // When every demand is a whole number of units, flooring the room is exact; otherwise
    // demands round down and the room rounds up, which keeps it a relaxation.
    let whole = usable
        .iter()
        .all(|&i| classes[i].memory_mib % unit == 0 && classes[i].cpu_units % 1024 == 0);
    let room = if whole {
        cap.mem / unit
    } else {
        cap.mem.div_ceil(unit)
    };
    let (c_len, m_len) = ((cap.cpu / 1024) as usize + 1, room as usize + 1);
    let g_len = cap.gpus as usize + 1;
    let at = |g: usize, c: usize, m: usize| (g * c_len + c) * m_len + m;
    let need = |s: &ServiceDemand| {
        (
            s.gpus as usize,
            (s.cpu_units / 1024) as usize,
            (s.memory_mib / unit) as usize,
        )
    };
    let mut best = vec![f64::NEG_INFINITY; g_len * c_len * m_len];
    best[0] = 0.0;
    let mut choice: Vec<Vec<u8>> = Vec::with_capacity(usable.len());
    for &i in usable {
        let s = classes[i];
        let (g, c, m) = need(s);
        let most = (s.replicas as usize).min(cap.gpus as usize / g);
        let mut next = best.clone();
        let mut pick = vec![0u8; best.len()];
        for gu in 0..g_len {
            for cu in 0..c_len {
                for mu in 0..m_len {
                    let base = best[at(gu, cu, mu)];
                    if base == f64::NEG_INFINITY {
                        continue;
                    }
                    for k in 1..=most {
                        let (ng, nc, nm) = (gu + k * g, cu + k * c, mu + k * m);
                        if ng >= g_len || nc >= c_len || nm >= m_len {
                            break;
                        }
                        let v = base + pi[i] * k as f64;
                        if v > next[at(ng, nc, nm)] {
                            next[at(ng, nc, nm)] = v;
                            pick[at(ng, nc, nm)] = k as u8;
                        }
                    }
                }
            }
        }
        best = next;
        choice.push(pick);
    }
    let (mut state, mut value) = (0, 0.0);
    for (st, &v) in best.iter().enumerate() {
        if v > value {
            (state, value) = (st, v);
        }
    }
    let mut fill = Vec::new();
    for (n, &i) in usable.iter().enumerate().rev() {
        let k = choice[n][state] as usize;
        if k > 0 {
            fill.push((i, k as u32));
            let (g, c, m) = need(classes[i]);
            state -= k * at(g, c, m);
        }
    }
    fill.reverse();
    (value, fill)
}

/// The smallest Lagrangian bound found by golden-section search over λ (the bound is convex
/// in λ, and every λ gives a valid bound, so an inexact minimum is still safe).
fn lagrangian(cap: &Cap, classes: &[&ServiceDemand], pi: &[f64], usable: &[usize]) -> f64 {
    let room = f64::from(cap.mem);
    let bound_at = |lambda: f64| {
        let adjusted: Vec<f64> = (0..classes.len())
            .map(|i| pi[i] - lambda * f64::from(classes[i].memory_mib))
            .collect();
        let keep: Vec<usize> = usable.iter().copied().filter(|&i| adjusted[i] > 0.0).collect();
        let cpu = |s: &ServiceDemand| s.cpu_units / 1024;
        dp(cap.gpus, cap.cpu.div_ceil(1024), classes, &adjusted, &keep, cpu).0 + lambda * room
    };
    let top = usable
        .iter()
        .map(|&i| pi[i] / f64::from(classes[i].memory_mib.max(1)))
        .fold(0.0, f64::max);
    let (mut lo, mut hi) = (0.0, top);
    let mut best = bound_at(0.0).min(bound_at(top));
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    for _ in 0..30 {
        let (a, b) = (hi - ratio * (hi - lo), lo + ratio * (hi - lo));
        let (fa, fb) = (bound_at(a), bound_at(b));
        best = best.min(fa).min(fb);
        if fa < fb {
            hi = b;
        } else {
            lo = a;
        }
    }
    best
}

fn fits(cap: &Cap, classes: &[&ServiceDemand], fill: &[(usize, u32)]) -> bool {
    let set: Vec<&ServiceDemand> = fill
        .iter()
        .flat_map(|&(i, n)| std::iter::repeat_n(classes[i], n as usize))
        .collect();
    cap.holds(&set)
}

/// Bounded knapsack over (GPUs ≤ `gpus`, weight ≤ `room`), weight from `weight`.
fn dp(
    gpus: u32,
    room: u32,
    classes: &[&ServiceDemand],
    pi: &[f64],
    usable: &[usize],
    weight: impl Fn(&ServiceDemand) -> u32,
) -> (f64, Vec<(usize, u32)>) {
    let (g_len, w_len) = (gpus as usize + 1, room as usize + 1);
    let at = |g: usize, w: usize| g * w_len + w;
    let mut best = vec![f64::NEG_INFINITY; g_len * w_len];
    best[at(0, 0)] = 0.0;
    let mut choice: Vec<Vec<u8>> = Vec::with_capacity(usable.len());
    for &i in usable {
        let s = classes[i];
        let (g, w) = (s.gpus as usize, weight(s) as usize);
        let most = (s.replicas as usize).min(gpus as usize / g);
        let mut next = best.clone();
        let mut pick = vec![0u8; g_len * w_len];
        for gu in 0..g_len {
            for wu in 0..w_len {
                let base = best[at(gu, wu)];
                if base == f64::NEG_INFINITY {
                    continue;
                }
                for k in 1..=most {
                    let (ng, nw) = (gu + k * g, wu + k * w);
                    if ng >= g_len || nw >= w_len {
                        break;
                    }
                    let v = base + pi[i] * k as f64;
                    if v > next[at(ng, nw)] {
                        next[at(ng, nw)] = v;
                        pick[at(ng, nw)] = k as u8;
                    }
                }
            }
        }
        best = next;
        choice.push(pick);
    }
    let (mut state, mut value) = (0, 0.0);
    for (s, &v) in best.iter().enumerate() {
        if v > value {
            (state, value) = (s, v);
        }
    }
    let mut fill = Vec::new();
    for (n, &i) in usable.iter().enumerate().rev() {
        let k = choice[n][state] as usize;
        if k > 0 {
            fill.push((i, k as u32));
            let s = classes[i];
            state -= k * at(s.gpus as usize, weight(s) as usize);
        }
    }
    fill.reverse();
    (value, fill)
}

/// The most valuable fill of one instance of `cap` (values `pi`, at most `replicas` each),
/// by depth-first search. Returns an upper bound on the best value and the best fill found;
/// subtrees that cannot beat `floor` are pruned (so the bound is at least `floor`), and after
/// [`NODE_LIMIT`] nodes every unexplored subtree contributes its bound instead. The bound at each node is the
/// smallest of five fractional knapsacks over the classes not yet decided, one per valid
/// relaxation: GPUs only, CPU only, memory only, task slots only, and the *surrogate*
/// "mean of the four fill fractions ≤ 1", which every feasible fill satisfies.
pub(crate) fn best_pattern(
    cap: &Cap,
    classes: &[&ServiceDemand],
    pi: &[f64],
    floor: f64,
) -> (f64, (f64, Vec<(usize, u32)>)) {
    let have = [cap.gpus, cap.cpu, cap.mem, cap.slots].map(|h| f64::from(h.max(1)));
    let fractions = |s: &ServiceDemand| {
        let need = [s.gpus, s.cpu_units, s.memory_mib, 1].map(f64::from);
        [0, 1, 2, 3].map(|r| need[r] / have[r])
    };
    // Relaxation r ∈ 0..4 keeps resource r only; relaxation 4 is the surrogate mean.
    let size = |s: &ServiceDemand, r: usize| {
        let f = fractions(s);
        if r < 4 {
            f[r]
        } else {
            f.iter().sum::<f64>() / 4.0
        }
    };
    let mut order: Vec<usize> = (0..classes.len())
        .filter(|&i| pi[i] > 1e-12 && cap.holds(&[classes[i]]))
        .collect();
    order.sort_by(|&a, &b| {
        (pi[b] / size(classes[b], 0))
            .total_cmp(&(pi[a] / size(classes[a], 0)))
            .then(a.cmp(&b))
    });
    let relax: Vec<Vec<(usize, f64)>> = (0..5)
        .map(|r| {
            let mut list: Vec<(usize, f64)> = order
                .iter()
                .enumerate()
                .map(|(pos, &i)| (pos, size(classes[i], r).max(1e-12)))
                .collect();
            list.sort_by(|a, b| (pi[order[b.0]] / b.1).total_cmp(&(pi[order[a.0]] / a.1)));
            list
        })
        .collect();
    let mut search = Search {
        cap,
        classes,
        pi,
        order: &order,
        relax: &relax,
        take: vec![0; order.len()],
        best: (0.0, Vec::new()),
        nodes: 0,
        frontier: 0.0,
        floor,
    };
    search.dfs(0, [0; 4], 0.0);
    (search.best.0.max(search.frontier).max(floor), search.best)
}

/// Search nodes per pricing call before the rest of the tree is summarised by its bounds.
const NODE_LIMIT: u64 = 2_000_000;

struct Search<'a> {
    cap: &'a Cap,
    classes: &'a [&'a ServiceDemand],
    pi: &'a [f64],
    order: &'a [usize],
    relax: &'a [Vec<(usize, f64)>],
    take: Vec<u32>,
    best: (f64, Vec<(usize, u32)>),
    nodes: u64,
    frontier: f64,
    floor: f64,
}

impl Search<'_> {
    fn dfs(&mut self, k: usize, used: [u64; 4], value: f64) {
        if value > self.best.0 {
            let take = (0..k)
                .filter(|&j| self.take[j] > 0)
                .map(|j| (self.order[j], self.take[j]))
                .collect();
            self.best = (value, take);
        }
        if k == self.order.len() {
            return;
        }
        let bound = value + self.bound(k, used);
        if bound <= self.best.0.max(self.floor) {
            return;
        }
        self.nodes += 1;
        if self.nodes > NODE_LIMIT {
            self.frontier = self.frontier.max(bound);
            return;
        }
        let cap = self.cap;
        let have = [cap.gpus, cap.cpu, cap.mem, cap.slots].map(u64::from);
        let s = self.classes[self.order[k]];
        let need = [s.gpus, s.cpu_units, s.memory_mib, 1].map(|n| u64::from(n.max(1)));
        let most = (0..4)
            .map(|r| (have[r] - used[r]) / need[r])
            .fold(u64::from(s.replicas), u64::min);
        for n in (0..=most).rev() {
            let next = [0, 1, 2, 3].map(|r| used[r] + n * need[r]);
            self.take[k] = n as u32;
            self.dfs(k + 1, next, value + self.pi[self.order[k]] * n as f64);
        }
        self.take[k] = 0;
    }

    /// The smallest fractional-knapsack value over the relaxations, for classes from `k` on.
    fn bound(&self, k: usize, used: [u64; 4]) -> f64 {
        let cap = self.cap;
        let have = [cap.gpus, cap.cpu, cap.mem, cap.slots].map(|h| f64::from(h.max(1)));
        let left: [f64; 4] = [0, 1, 2, 3].map(|r| 1.0 - used[r] as f64 / have[r]);
        let mut best = f64::INFINITY;
        for (r, list) in self.relax.iter().enumerate() {
            let mut room = if r < 4 {
                left[r]
            } else {
                left.iter().sum::<f64>() / 4.0
            };
            let mut bound = 0.0;
            for &(pos, size) in list {
                if room <= 1e-12 {
                    break;
                }
                if pos < k {
                    continue;
                }
                let i = self.order[pos];
                let n = f64::from(self.classes[i].replicas).min(room / size);
                bound += n * self.pi[i];
                room -= n * size;
            }
            best = best.min(bound);
        }
        best
    }
}
