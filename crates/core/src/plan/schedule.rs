//! The order in which an apply carries out its operations, as a state machine without I/O.
//!
//! The executor (`rnd_aws::apply`) tells a `Schedule` what happened — an operation succeeded,
//! one failed, the run lost its lock — and asks it with `poll` what to do next: start an
//! operation, or skip one and why. The schedule never waits, reads a clock or runs anything, so
//! the same answers come from the same reports, and every rule below is tested without AWS
//! (`tests/it/schedule_properties.rs`):
//! - an operation starts only once every operation it depends on has succeeded, and at most
//!   `limit` are running at once; ready operations start in the order given (topological, so
//!   runs are reproducible);
//! - a failed operation skips everything that depends on it, transitively, and nothing else;
//! - once the lock is lost nothing more starts; what never started is skipped for that reason;
//! - every operation ends exactly once: succeeded, failed, or skipped with a reason.

use std::collections::{BTreeSet, VecDeque};
use std::num::NonZeroUsize;

use super::graph::OperationGraph;

/// What the executor should do next. Operations are named by their position in the order the
/// schedule was built from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Start this operation now, then report how it ended (`succeeded` or `failed`).
    Start(usize),
    /// This operation will not run.
    Skip { operation: usize, reason: SkipReason },
}

/// Why an operation was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    /// `dependency`, a direct dependency, did not succeed: it is `failed`, the operation whose
    /// failure started the chain, or was itself skipped because of it.
    Dependency { dependency: usize, failed: usize },
    /// The run lost its lock before this operation could start: another run may own the
    /// platform now, so what is left is left to the next run.
    LockLost,
}

/// How an operation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Succeeded,
    Failed,
    Skipped(SkipReason),
}

/// A dependency list that does not put every dependency before its dependent, which could
/// hide a cycle (and a run that never ends).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("operation {operation} depends on operation {dependency}, which does not come before it")]
pub struct NotInOrder {
    pub operation: usize,
    pub dependency: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// This many dependencies have not succeeded yet.
    Waiting(usize),
    Ready,
    Running,
    Ended(Outcome),
}

/// The scheduling state of one apply.
#[derive(Debug, Clone)]
pub struct Schedule {
    states: Vec<State>,
    dependents: Vec<Vec<usize>>,
    /// Operations whose dependencies all succeeded, started lowest position first.
    ready: BTreeSet<usize>,
    /// Skips decided but not yet handed out by `poll`.
    skips: VecDeque<(usize, SkipReason)>,
    running: usize,
    ended: usize,
    limit: NonZeroUsize,
    lock_lost: bool,
}

impl Schedule {
    /// A schedule over operations `0..dependencies.len()`, where `dependencies[i]` lists the
    /// operations `i` waits for; each must come before `i`.
    pub fn new(dependencies: &[Vec<usize>], limit: NonZeroUsize) -> Result<Self, NotInOrder> {
        for (operation, deps) in dependencies.iter().enumerate() {
            if let Some(&dependency) = deps.iter().find(|&&d| d >= operation) {
                return Err(NotInOrder {
                    operation,
                    dependency,
                });
            }
        }
        Ok(Self::in_order(dependencies, limit))
    }

    /// A schedule over `graph`'s operations, named by position in `graph.topological_order()`.
    pub fn for_graph(graph: &OperationGraph, limit: NonZeroUsize) -> Self {
        let order = graph.topological_order();
        let mut position = vec![0; order.len()];
        for (i, node) in order.iter().enumerate() {
            position[node.index()] = i;
        }
        let dependencies: Vec<Vec<usize>> = order
            .iter()
            .map(|&node| graph.dependencies(node).map(|d| position[d.index()]).collect())
            .collect();
        // A topological order puts every dependency first, as `new` checks.
        Self::in_order(&dependencies, limit)
    }

    fn in_order(dependencies: &[Vec<usize>], limit: NonZeroUsize) -> Self {
        let mut states = Vec::with_capacity(dependencies.len());
        let mut dependents = vec![Vec::new(); dependencies.len()];
        let mut ready = BTreeSet::new();
        for (i, deps) in dependencies.iter().enumerate() {
            // A dependency listed twice is still one operation to wait for.
            let deps: BTreeSet<usize> = deps.iter().copied().collect();
            for &d in &deps {
                dependents[d].push(i);
            }
            if deps.is_empty() {
                ready.insert(i);
                states.push(State::Ready);
            } else {
                states.push(State::Waiting(deps.len()));
            }
        }
        Schedule {
            states,
            dependents,
            ready,
            skips: VecDeque::new(),
            running: 0,
            ended: 0,
            limit,
            lock_lost: false,
        }
    }

    /// What to do next, or `None` until something is reported. Call it until `None` after
    /// every report. When it returns `None` with nothing running, every operation has ended.
    pub fn poll(&mut self) -> Option<Step> {
        if let Some((operation, reason)) = self.skips.pop_front() {
            return Some(Step::Skip { operation, reason });
        }
        if self.lock_lost {
            self.skip_the_rest();
            return self
                .skips
                .pop_front()
                .map(|(operation, reason)| Step::Skip { operation, reason });
        }
        if self.running >= self.limit.get() {
            return None;
        }
        let operation = self.ready.pop_first()?;
        self.states[operation] = State::Running;
        self.running += 1;
        Some(Step::Start(operation))
    }

    /// `operation`, started by `poll`, succeeded: what waited only for it becomes ready.
    ///
    /// # Panics
    /// When `operation` is not running: a driver that reports what it never started is broken.
    pub fn succeeded(&mut self, operation: usize) {
        self.end(operation, Outcome::Succeeded);
        let Schedule {
            states,
            dependents,
            ready,
            ..
        } = self;
        for &dependent in &dependents[operation] {
            // A dependent already skipped (another dependency failed) stays skipped.
            if let State::Waiting(left) = &mut states[dependent] {
                *left -= 1;
                if *left == 0 {
                    states[dependent] = State::Ready;
                    ready.insert(dependent);
                }
            }
        }
    }

    /// `operation`, started by `poll`, failed: everything that depends on it is skipped.
    ///
    /// # Panics
    /// When `operation` is not running.
    pub fn failed(&mut self, operation: usize) {
        self.end(operation, Outcome::Failed);
        self.skip_dependents_of(operation);
    }

    /// The run's lock is gone: nothing more starts. What is running may still be reported;
    /// what never started is skipped once nothing runs any more, so that the dependents of an
    /// operation still running that then fails are skipped for that failure, the truer reason.
    pub fn lock_lost(&mut self) {
        self.lock_lost = true;
    }

    /// How `operation` ended, once it has.
    pub fn outcome(&self, operation: usize) -> Option<Outcome> {
        match self.states[operation] {
            State::Ended(outcome) => Some(outcome),
            _ => None,
        }
    }

    /// Operations started and not yet reported.
    pub fn running(&self) -> usize {
        self.running
    }

    /// Every operation has ended and `poll` has handed out every skip.
    pub fn is_finished(&self) -> bool {
        self.ended == self.states.len() && self.skips.is_empty()
    }

    pub fn len(&self) -> usize {
        self.states.len()
    }

    pub fn is_empty(&self) -> bool {
        self.states.is_empty()
    }

    fn end(&mut self, operation: usize, outcome: Outcome) {
        assert_eq!(
            self.states[operation],
            State::Running,
            "operation {operation} reported as {outcome:?} but it is not running"
        );
        self.states[operation] = State::Ended(outcome);
        self.running -= 1;
        self.ended += 1;
    }

    /// Depth first, each skip naming the dependency it came through, so a report can show the
    /// chain from the failure.
    fn skip_dependents_of(&mut self, failed: usize) {
        let mut stack: Vec<(usize, usize)> = self.dependents[failed].iter().map(|&d| (d, failed)).collect();
        while let Some((operation, dependency)) = stack.pop() {
            // Already skipped through another path (or another failure): one reason is enough.
            if !matches!(self.states[operation], State::Waiting(_)) {
                continue;
            }
            self.skip(operation, SkipReason::Dependency { dependency, failed });
            stack.extend(self.dependents[operation].iter().map(|&d| (d, operation)));
        }
    }

    /// After the lock is lost, once nothing runs: everything not yet ended, in order.
    fn skip_the_rest(&mut self) {
        if self.running > 0 || self.ended == self.states.len() {
            return;
        }
        for operation in 0..self.states.len() {
            if !matches!(self.states[operation], State::Ended(_)) {
                self.skip(operation, SkipReason::LockLost);
            }
        }
    }

    fn skip(&mut self, operation: usize, reason: SkipReason) {
        self.ready.remove(&operation);
        self.states[operation] = State::Ended(Outcome::Skipped(reason));
        self.ended += 1;
        self.skips.push_back((operation, reason));
    }
}
