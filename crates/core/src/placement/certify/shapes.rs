//! Tasks aggregated by shape: the configuration LP has one row per distinct task shape, not
//! one per service, and a pattern says how many tasks of each shape share an instance.

use super::super::model::{Class, TypeCap};
use super::merge::merge;

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

/// The master's work grows with the square of its rows: past this many shapes, the closest
/// are merged until the shapes fit (see `merge.rs`).
pub(crate) const MAX_SHAPES: usize = 400;

/// The shapes, exact when there are at most [`MAX_SHAPES`]; otherwise the closest are merged
/// into shapes that ask for the smaller CPU and memory of each pair until there are.
/// Merged tasks are never bigger than the real ones, so every real packing is also a packing
/// of them, and a lower bound for them is one for the real tasks; but a packing of them may
/// not fit the real tasks. Returns the shapes and whether they are exact.
pub(crate) fn coarse_shapes(classes: &[Class], counts: &[u32], types: &[TypeCap]) -> (Vec<Shape>, bool) {
    let shapes = shapes_of(classes, counts, types);
    if shapes.len() <= MAX_SHAPES {
        return (shapes, true);
    }
    (merge(shapes, MAX_SHAPES), false)
}

/// The shapes of every class with tasks, sorted by shape so the result does not depend on service order beyond what `classes`
/// already fixes.
fn shapes_of(classes: &[Class], counts: &[u32], types: &[TypeCap]) -> Vec<Shape> {
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
            let class = Class { gpu_mem, ..*c };
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
