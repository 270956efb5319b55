//! Tasks aggregated by shape: the configuration LP has one row per distinct task shape, not
//! one per service, and a pattern says how many tasks of each shape share an instance.

use super::super::model::{Class, TypeCap};

/// One distinct task shape, how many tasks have it, and which classes (services) they are.
#[derive(Debug, Clone)]
pub(crate) struct Shape {
    /// The shape; its `gpu_mem` is raised to the smallest per-GPU memory of a type that
    /// admits it, which changes no type's admission but merges e.g. 0 and 12 GiB needs.
    pub class: Class,
    /// Tasks of this shape.
    pub demand: u32,
    /// The classes with this shape and their task counts, in class order.
    pub members: Vec<(usize, u32)>,
}

/// The master's work grows with the square of its rows: past this many shapes, CPU and memory
/// are rounded down to coarser grains until the shapes fit (see [`coarse_shapes`]).
pub(crate) const MAX_SHAPES: usize = 400;

/// The shapes, exact when there are at most [`MAX_SHAPES`]; otherwise with CPU and memory
/// rounded *down* to ever coarser grains until there are. Rounded-down tasks are smaller than
/// the real ones, so every real packing is also a packing of them, and a lower bound for them
/// is one for the real tasks; but a packing of them may not fit the real tasks. Returns the
/// shapes and whether they are exact.
pub(crate) fn coarse_shapes(classes: &[Class], counts: &[u32], types: &[TypeCap]) -> (Vec<Shape>, bool) {
    let mut grain = (1, 1);
    loop {
        let shapes = shapes_of(classes, counts, types, grain);
        if shapes.len() <= MAX_SHAPES || grain.0 >= 1 << 14 {
            return (shapes, grain == (1, 1));
        }
        // 256 CPU units (a quarter vCPU) and 1 GiB first, then doubling both.
        grain = if grain == (1, 1) {
            (256, 1024)
        } else {
            (grain.0 * 2, grain.1 * 2)
        };
    }
}

/// The shapes of every class with tasks, CPU and memory rounded down to multiples of `grain`,
/// sorted by shape so the result does not depend on service order beyond what `classes`
/// already fixes.
fn shapes_of(classes: &[Class], counts: &[u32], types: &[TypeCap], grain: (u32, u32)) -> Vec<Shape> {
    let mut levels: Vec<u32> = types.iter().map(|t| t.gpu_mem).collect();
    levels.sort_unstable();
    levels.dedup();
    let mut keyed: Vec<(Class, usize, u32)> = classes
        .iter()
        .zip(counts)
        .enumerate()
        .filter(|(_, (_, &n))| n > 0)
        .map(|(i, (c, &n))| {
            let gpu_mem = levels
                .iter()
                .copied()
                .find(|&l| l >= c.gpu_mem)
                .unwrap_or(c.gpu_mem);
            let class = Class {
                gpu_mem,
                cpu: c.cpu / grain.0 * grain.0,
                mem: c.mem / grain.1 * grain.1,
                ..*c
            };
            (class, i, n)
        })
        .collect();
    keyed.sort_by_key(|&(c, i, _)| (c.gpus, c.gpu_mem, c.cpu, c.mem, i));
    let mut shapes: Vec<Shape> = Vec::new();
    for (class, i, n) in keyed {
        match shapes.last_mut() {
            Some(last) if last.class == class => {
                last.demand += n;
                last.members.push((i, n));
            }
            _ => shapes.push(Shape {
                class,
                demand: n,
                members: vec![(i, n)],
            }),
        }
    }
    shapes
}
