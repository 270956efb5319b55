//! Fewer rows for the master when a fleet has too many distinct task shapes: the two shapes
//! whose merger loses least are merged, again and again, until few enough remain.
//!
//! A merged shape needs the same GPUs and GPU memory as both (only such shapes merge) and the
//! *smaller* CPU and memory of the two, so its tasks are never bigger than the real ones:
//! every real packing is a packing of the merged shapes, and a lower bound for these is one
//! for the real tasks (but a packing of them may not fit the real tasks). What a merger loses
//! is the share of CPU and of memory its tasks no longer ask for, summed over tasks. Merging
//! near neighbours loses far less than rounding every shape to a coarse grid: on CPU-skewed
//! fleets of 2,000 tasks (650 shapes), a grid fine enough for 400 shapes took up to a
//! quarter of a small task's CPU.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};

use super::shapes::Shape;

/// Pairs considered per shape when it is (re)made: its nearest in the same group.
const NEIGHBOURS: usize = 24;

/// One shape and what its tasks really asked for, summed so a merger's loss is quick to
/// compute: a task of `cpu_i` rounded to `cpu` loses `1 − cpu / cpu_i`.
struct Cluster {
    shape: Shape,
    tasks: f64,
    /// Σ tasks / their real CPU.
    per_cpu: f64,
    /// Σ tasks / their real memory.
    per_mem: f64,
    alive: bool,
    version: u32,
}

impl Cluster {
    fn loss_at(&self, other: &Cluster, cpu: u32, mem: u32) -> f64 {
        let tasks = self.tasks + other.tasks;
        let cpu_share = f64::from(cpu) * (self.per_cpu + other.per_cpu);
        let mem_share = f64::from(mem) * (self.per_mem + other.per_mem);
        2.0 * tasks - cpu_share - mem_share
    }

    fn loss(&self) -> f64 {
        2.0 * self.tasks
            - f64::from(self.shape.class.cpu) * self.per_cpu
            - f64::from(self.shape.class.mem) * self.per_mem
    }

    /// What merging `self` and `other` loses beyond what each has lost already.
    fn merger_loss(&self, other: &Cluster) -> f64 {
        let cpu = self.shape.class.cpu.min(other.shape.class.cpu);
        let mem = self.shape.class.mem.min(other.shape.class.mem);
        (self.loss_at(other, cpu, mem) - self.loss() - other.loss()).max(0.0)
    }

    /// Only shapes with the same GPUs and GPU memory per GPU merge.
    fn group(&self) -> (u32, u32) {
        (self.shape.class.gpus, self.shape.class.gpu_mem)
    }
}

/// A candidate merger: its loss (as bits of a non-negative float, which order as the float
/// does), the two clusters and their versions when it was computed.
type Candidate = Reverse<(u64, usize, usize, u32, u32)>;

/// `shapes` (exact, sorted by shape) merged down to at most `most` shapes, in their order.
pub(crate) fn merge(shapes: Vec<Shape>, most: usize) -> Vec<Shape> {
    let mut clusters: Vec<Cluster> = shapes
        .into_iter()
        .map(|shape| {
            let tasks = f64::from(shape.demand);
            let (cpu, mem) = (
                f64::from(shape.class.cpu.max(1)),
                f64::from(shape.class.mem.max(1)),
            );
            Cluster {
                tasks,
                per_cpu: tasks / cpu,
                per_mem: tasks / mem,
                shape,
                alive: true,
                version: 0,
            }
        })
        .collect();
    let mut groups: BTreeMap<(u32, u32), Vec<usize>> = BTreeMap::new();
    for (a, cluster) in clusters.iter().enumerate() {
        groups.entry(cluster.group()).or_default().push(a);
    }
    let mut heap: BinaryHeap<Candidate> = BinaryHeap::new();
    let mut alive = clusters.len();
    while alive > most {
        if heap.is_empty() {
            // At the start, and whenever every candidate went stale: all live clusters again.
            for a in (0..clusters.len()).filter(|&a| clusters[a].alive) {
                push_nearest(&clusters, &groups[&clusters[a].group()], a, &mut heap);
            }
            if heap.is_empty() {
                break;
            }
        }
        let Some(Reverse((_, a, b, va, vb))) = heap.pop() else {
            break;
        };
        if !clusters[a].alive || !clusters[b].alive || clusters[a].version != va || clusters[b].version != vb
        {
            continue;
        }
        let taken = std::mem::take(&mut clusters[b].shape.members);
        let (tasks, per_cpu, per_mem, demand) = {
            let other = &clusters[b];
            (other.tasks, other.per_cpu, other.per_mem, other.shape.demand)
        };
        let (cpu, mem) = (clusters[b].shape.class.cpu, clusters[b].shape.class.mem);
        clusters[b].alive = false;
        let kept = &mut clusters[a];
        kept.shape.class.cpu = kept.shape.class.cpu.min(cpu);
        kept.shape.class.mem = kept.shape.class.mem.min(mem);
        kept.shape.demand += demand;
        kept.shape.members.extend(taken);
        kept.shape.members.sort_unstable();
        kept.tasks += tasks;
        kept.per_cpu += per_cpu;
        kept.per_mem += per_mem;
        kept.version += 1;
        alive -= 1;
        push_nearest(&clusters, &groups[&clusters[a].group()], a, &mut heap);
    }
    clusters
        .into_iter()
        .filter(|c| c.alive)
        .map(|c| c.shape)
        .collect()
}

/// Pushes the [`NEIGHBOURS`] cheapest mergers of cluster `a` with the live clusters of its
/// group (`group`, every cluster index in it).
fn push_nearest(clusters: &[Cluster], group: &[usize], a: usize, heap: &mut BinaryHeap<Candidate>) {
    let mut near: Vec<(u64, usize)> = group
        .iter()
        .filter(|&&b| b != a && clusters[b].alive)
        .map(|&b| (clusters[a].merger_loss(&clusters[b]).to_bits(), b))
        .collect();
    near.sort_unstable();
    near.truncate(NEIGHBOURS);
    for (loss, b) in near {
        let (x, y) = (a.min(b), a.max(b));
        heap.push(Reverse((loss, x, y, clusters[x].version, clusters[y].version)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::model::Class;
    use super::*;
    use proptest::prelude::*;

    fn shape(i: usize, (gpus, gpu_mem, cpu, mem, demand): (u32, u32, u32, u32, u32)) -> Shape {
        Shape {
            class: Class {
                gpus: 1 + gpus % 2,
                gpu_mem: gpu_mem % 2 * 24_576,
                cpu: 1024 * (1 + cpu % 40),
                mem: 1024 * (8 + mem % 180),
            },
            demand: 1 + demand % 5,
            members: vec![(i, 1 + demand % 5)],
        }
    }

    proptest! {
        #[test]
        fn merged_shapes_never_ask_more_and_keep_every_task(
            raw in prop::collection::vec((any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>(), any::<u32>()), 1..120),
            most in 4usize..60,
        ) {
            let shapes: Vec<Shape> = raw.iter().enumerate().map(|(i, &r)| shape(i, r)).collect();
            let merged = merge(shapes.clone(), most);
            // Four groups (GPUs × GPU memory) can always be merged down to `most` ≥ 4.
            prop_assert!(merged.len() <= most.max(shapes.len().min(most)));
            let mut seen = vec![false; shapes.len()];
            for m in &merged {
                let mut demand = 0;
                for &(i, n) in &m.members {
                    prop_assert!(!seen[i], "class {} in two shapes", i);
                    seen[i] = true;
                    demand += n;
                    let real = &shapes[i].class;
                    prop_assert_eq!((m.class.gpus, m.class.gpu_mem), (real.gpus, real.gpu_mem));
                    prop_assert!(m.class.cpu <= real.cpu && m.class.mem <= real.mem);
                }
                prop_assert_eq!(demand, m.demand);
            }
            prop_assert!(seen.iter().all(|&s| s), "a class was lost");
        }
    }
}
