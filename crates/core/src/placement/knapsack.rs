//! Best fill of one instance: which tasks, of those still unplaced, give the most value.
//!
//! A small multi-dimensional bounded knapsack (GPUs, CPU, memory, task slots). An instance
//! holds at most 8 GPUs and every task takes at least one, so a depth-first branch and bound
//! over task classes is fast; the bound is the best value per free unit of each resource,
//! which is valid because dropping all but one constraint can only raise the optimum.

use super::model::{Class, Load, TypeCap};

/// Search nodes per call before settling for the best fill found so far (searches with
/// standalone costs as values, which are coarse, mostly end far sooner; with repriced values
/// the limit binds on large fleets, and 12 000 keeps a 400-task plan well under 50 ms). The
/// result is still a valid fill and still deterministic.
pub(crate) const NODE_LIMIT: u32 = 12_000;

/// The best fill found: its total value and how many tasks of each class (by class index).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Fill {
    pub value: f64,
    pub take: Vec<(usize, u32)>,
}

/// The most valuable set of tasks that fits in `ty` on top of `base` (what is already on the
/// instance), taking at most `avail[i]` tasks of class `i`, each worth `values[i]`.
pub(crate) fn best_fill(
    ty: &TypeCap,
    classes: &[Class],
    avail: &[u32],
    values: &[f64],
    base: Load,
    node_limit: u32,
    dominators: &[Vec<usize>],
) -> Fill {
    let mut order: Vec<usize> = (0..classes.len())
        .filter(|&i| avail[i] > 0 && values[i] > 0.0 && ty.admits(&classes[i]))
        .collect();
    // Value per GPU first: GPUs are the scarce, whole resource; ties by index keep it stable.
    order.sort_by(|&a, &b| {
        let da = values[a] / f64::from(classes[a].gpus);
        let db = values[b] / f64::from(classes[b].gpus);
        db.total_cmp(&da).then(a.cmp(&b))
    });
    let n = order.len();
    // Suffix maxima of value per unit of each resource, for the bound.
    let mut dens = vec![[0.0f64; 4]; n + 1];
    for k in (0..n).rev() {
        let c = &classes[order[k]];
        let v = values[order[k]];
        let here = [
            v / f64::from(c.gpus),
            if c.cpu == 0 {
                f64::INFINITY
            } else {
                v / f64::from(c.cpu)
            },
            if c.mem == 0 {
                f64::INFINITY
            } else {
                v / f64::from(c.mem)
            },
            v,
        ];
        for r in 0..4 {
            dens[k][r] = dens[k + 1][r].max(here[r]);
        }
    }
    let mut pos_of = vec![usize::MAX; classes.len()];
    for (pos, &i) in order.iter().enumerate() {
        pos_of[i] = pos;
    }
    let mut search = Search {
        dominators,
        pos_of: &pos_of,
        ty,
        classes,
        avail,
        values,
        order: &order,
        dens: &dens,
        take: vec![0; n],
        best: Fill::default(),
        nodes: 0,
        node_limit,
    };
    search.dfs(0, base, 0.0);
    search.best
}

struct Search<'a> {
    dominators: &'a [Vec<usize>],
    pos_of: &'a [usize],
    ty: &'a TypeCap,
    classes: &'a [Class],
    avail: &'a [u32],
    values: &'a [f64],
    order: &'a [usize],
    dens: &'a [[f64; 4]],
    take: Vec<u32>,
    best: Fill,
    nodes: u32,
    node_limit: u32,
}

impl Search<'_> {
    fn dfs(&mut self, k: usize, load: Load, value: f64) {
        self.nodes += 1;
        if value > self.best.value + tolerance(self.best.value) {
            self.best.value = value;
            self.best.take = (0..k)
                .filter(|&j| self.take[j] > 0)
                .map(|j| (self.order[j], self.take[j]))
                .collect();
        }
        if k == self.order.len() || self.nodes > self.node_limit {
            return;
        }
        let ty = self.ty;
        let free = [
            f64::from(ty.gpus - load.gpus),
            ty.cpu as f64 - load.cpu as f64,
            ty.mem as f64 - load.mem as f64,
            f64::from(ty.slots - load.tasks),
        ];
        let d = &self.dens[k];
        let per_unit = (0..4).map(|r| free[r] * d[r]).fold(f64::INFINITY, f64::min);
        let floor = self.best.value + tolerance(self.best.value);
        // The cheap bound first: the GPU knapsack's loop only runs when it could still prune.
        if value + per_unit <= floor || value + self.gpu_bound(k, free[0]) <= floor {
            return;
        }
        let i = self.order[k];
        let c = self.classes[i];
        // Skip a class while a class that dominates it, already decided, is not used up.
        let open_dominator = self.dominators[i].iter().any(|&a| {
            let pos = self.pos_of[a];
            pos < k && self.take[pos] < self.avail[a]
        });
        if open_dominator {
            self.take[k] = 0;
            self.dfs(k + 1, load, value);
            return;
        }
        let fit_cpu = if c.cpu == 0 {
            u64::MAX
        } else {
            (u64::from(ty.cpu) - load.cpu) / u64::from(c.cpu)
        };
        let fit_mem = if c.mem == 0 {
            u64::MAX
        } else {
            (u64::from(ty.mem) - load.mem) / u64::from(c.mem)
        };
        let most = u64::from(self.avail[i])
            .min(u64::from((ty.gpus - load.gpus) / c.gpus))
            .min(fit_cpu)
            .min(fit_mem)
            .min(u64::from(ty.slots - load.tasks)) as u32;
        for t in (0..=most).rev() {
            let mut next = load;
            next.add(&c, t);
            self.take[k] = t;
            self.dfs(k + 1, next, value + self.values[i] * f64::from(t));
        }
        self.take[k] = 0;
    }
}

impl Search<'_> {
    /// Fractional knapsack on GPUs alone over classes `k..`, which are in value-per-GPU
    /// order: at most 9 steps, since every task takes a whole GPU and an instance has ≤ 8.
    fn gpu_bound(&self, k: usize, mut room: f64) -> f64 {
        let mut bound = 0.0;
        for &i in &self.order[k..] {
            if room <= 0.0 {
                break;
            }
            let gpus = f64::from(self.classes[i].gpus);
            let n = f64::from(self.avail[i]).min(room / gpus);
            bound += n * self.values[i];
            room -= n * gpus;
        }
        bound
    }
}

/// For each class, the classes that dominate it: worth at least as much under `values` and
/// needing no more GPUs, GPU memory, CPU or memory (identical classes: the lower index
/// dominates). Some optimal fill never takes a class while a dominating one is still
/// available (swap one for the other), so `best_fill` skips such branches.
pub(crate) fn dominators(classes: &[Class], values: &[f64]) -> Vec<Vec<usize>> {
    (0..classes.len())
        .map(|b| {
            let cb = &classes[b];
            (0..classes.len())
                .filter(|&a| {
                    let ca = &classes[a];
                    let no_more = ca.gpus <= cb.gpus
                        && ca.gpu_mem <= cb.gpu_mem
                        && ca.cpu <= cb.cpu
                        && ca.mem <= cb.mem;
                    let same = ca == cb && values[a] == values[b];
                    a != b && no_more && values[a] >= values[b] && (!same || a < b)
                })
                .collect()
        })
        .collect()
}

/// Improvements smaller than this are rounding noise, not a better fill.
fn tolerance(value: f64) -> f64 {
    value.abs() * 1e-12 + 1e-9
}
