//! Properties of the apply's schedule over random operation graphs, random orders in which
//! running operations end, random failures and a random moment at which the lock is lost.

use std::collections::BTreeSet;
use std::num::NonZeroUsize;

use proptest::prelude::*;
use proptest::sample::Index;
use rnd_core::plan::schedule::{Outcome, Schedule, SkipReason, Step};

/// A run to simulate: the graph, the limit, and what the world does.
#[derive(Debug, Clone)]
struct Run {
    /// `dependencies[i]` are earlier operations: every such list is a DAG, and every DAG has one.
    dependencies: Vec<Vec<usize>>,
    limit: usize,
    /// Whether operation `i` fails when it runs.
    fails: Vec<bool>,
    /// Which running operation ends next, for each report in turn.
    picks: Vec<Index>,
    /// The lock is lost just before this tick (a tick is a step polled or a report made).
    lock_lost_at: Option<usize>,
}

fn run() -> impl Strategy<Value = Run> {
    (0usize..24)
        .prop_flat_map(|n| {
            (
                proptest::collection::vec(proptest::collection::vec(any::<Index>(), 0..4), n),
                1usize..5,
                proptest::collection::vec(proptest::bool::weighted(0.2), n),
                proptest::collection::vec(any::<Index>(), n),
                proptest::option::weighted(0.5, 0..(3 * n + 2)),
            )
        })
        .prop_map(|(deps, limit, fails, picks, lock_lost_at)| Run {
            dependencies: deps
                .iter()
                .enumerate()
                .map(|(i, d)| {
                    if i == 0 {
                        Vec::new()
                    } else {
                        d.iter().map(|x| x.index(i)).collect()
                    }
                })
                .collect(),
            limit,
            fails,
            picks,
            lock_lost_at,
        })
}

/// What the simulated executor saw, checked step by step as it drives the schedule.
#[derive(Debug, Default)]
struct Trace {
    started: Vec<usize>,
    succeeded: BTreeSet<usize>,
    failed: BTreeSet<usize>,
    skipped: Vec<(usize, SkipReason)>,
    /// The tick after which the lock was lost.
    lock_lost_at_tick: Option<usize>,
    /// The tick of every start.
    start_ticks: Vec<usize>,
}

/// Drive the schedule as `rnd_aws::apply` does, checking the rules that hold at each step.
fn simulate(run: &Run) -> Result<(Schedule, Trace), TestCaseError> {
    let n = run.dependencies.len();
    let mut schedule = Schedule::new(&run.dependencies, NonZeroUsize::new(run.limit).unwrap()).unwrap();
    let mut trace = Trace::default();
    let mut running: Vec<usize> = Vec::new();
    let mut tick = 0;
    let mut reports = 0;
    let lose_lock_if_due = |schedule: &mut Schedule, tick: usize, trace: &mut Trace| {
        if run.lock_lost_at == Some(tick) {
            schedule.lock_lost();
            trace.lock_lost_at_tick = Some(tick);
        }
    };
    loop {
        lose_lock_if_due(&mut schedule, tick, &mut trace);
        while let Some(step) = schedule.poll() {
            tick += 1;
            match step {
                Step::Start(op) => {
                    let unmet: Vec<&usize> = run.dependencies[op]
                        .iter()
                        .filter(|d| !trace.succeeded.contains(d))
                        .collect();
                    prop_assert!(unmet.is_empty(), "{op} started before {unmet:?} succeeded");
                    running.push(op);
                    prop_assert!(
                        running.len() <= run.limit,
                        "{running:?} running, limit {}",
                        run.limit
                    );
                    trace.started.push(op);
                    trace.start_ticks.push(tick);
                }
                Step::Skip { operation, reason } => {
                    prop_assert!(!running.contains(&operation), "{operation} skipped while running");
                    trace.skipped.push((operation, reason));
                }
            }
            lose_lock_if_due(&mut schedule, tick, &mut trace);
        }
        prop_assert_eq!(schedule.running(), running.len());
        never_idle(run, &schedule, &trace, &running)?;
        if running.is_empty() {
            break;
        }
        // Every report ends a started operation, so there are at most `n` of them.
        prop_assert!(reports < n, "more reports than operations");
        let op = running.remove(run.picks[reports].index(running.len()));
        reports += 1;
        tick += 1;
        if run.fails[op] {
            schedule.failed(op);
            trace.failed.insert(op);
        } else {
            schedule.succeeded(op);
            trace.succeeded.insert(op);
        }
    }
    Ok((schedule, trace))
}

/// With the lock held and room to run, `poll` answered `None` only when nothing was ready.
fn never_idle(run: &Run, schedule: &Schedule, trace: &Trace, running: &[usize]) -> Result<(), TestCaseError> {
    if trace.lock_lost_at_tick.is_some() || running.len() == run.limit {
        return Ok(());
    }
    for op in 0..run.dependencies.len() {
        let ready = run.dependencies[op].iter().all(|d| trace.succeeded.contains(d));
        prop_assert!(
            !ready || schedule.outcome(op).is_some() || running.contains(&op),
            "{op} is ready, there is room, and it was not started"
        );
    }
    Ok(())
}

/// Every operation that (transitively) depends on one in `roots`, roots excluded.
fn dependents_of(dependencies: &[Vec<usize>], roots: &BTreeSet<usize>) -> BTreeSet<usize> {
    let mut reached = roots.clone();
    // Dependencies come first, so one pass in order reaches every transitive dependent.
    for (op, deps) in dependencies.iter().enumerate() {
        if deps.iter().any(|d| reached.contains(d)) {
            reached.insert(op);
        }
    }
    reached.difference(roots).copied().collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn operations_start_only_after_their_dependencies_and_within_the_limit(run in run()) {
        // `simulate` checks both at every start.
        simulate(&run)?;
    }

    #[test]
    fn the_run_terminates_with_every_operation_ended_exactly_once(run in run()) {
        let (mut schedule, trace) = simulate(&run)?;
        prop_assert!(schedule.is_finished());
        prop_assert_eq!(schedule.poll(), None);
        let n = run.dependencies.len();
        let mut ends = vec![0usize; n];
        for &op in trace.succeeded.iter().chain(&trace.failed) {
            ends[op] += 1;
            prop_assert!(trace.started.contains(&op));
        }
        for (op, reason) in &trace.skipped {
            ends[*op] += 1;
            prop_assert!(!trace.started.contains(op), "{} started and skipped", op);
            prop_assert_eq!(schedule.outcome(*op), Some(Outcome::Skipped(*reason)));
        }
        prop_assert!(ends.iter().all(|&e| e == 1), "ends per operation: {:?}", ends);
        let started: BTreeSet<usize> = trace.started.iter().copied().collect();
        prop_assert_eq!(started.len(), trace.started.len(), "an operation started twice");
        for op in &trace.succeeded {
            prop_assert_eq!(schedule.outcome(*op), Some(Outcome::Succeeded));
        }
        for op in &trace.failed {
            prop_assert_eq!(schedule.outcome(*op), Some(Outcome::Failed));
        }
    }

    #[test]
    fn a_failure_skips_exactly_its_transitive_dependents(run in run()) {
        let (_, trace) = simulate(&run)?;
        let expected = dependents_of(&run.dependencies, &trace.failed);
        let mut skipped_for_failure = BTreeSet::new();
        for &(op, reason) in &trace.skipped {
            if let SkipReason::Dependency { dependency, failed } = reason {
                skipped_for_failure.insert(op);
                prop_assert!(run.dependencies[op].contains(&dependency));
                prop_assert!(!trace.succeeded.contains(&dependency));
                prop_assert!(trace.failed.contains(&failed));
                prop_assert!(dependents_of(&run.dependencies, &BTreeSet::from([failed])).contains(&op));
            }
        }
        prop_assert_eq!(skipped_for_failure, expected);
    }

    #[test]
    fn nothing_starts_after_the_lock_is_lost(run in run()) {
        let (_, trace) = simulate(&run)?;
        let lost = trace.lock_lost_at_tick;
        if let Some(lost) = lost {
            prop_assert!(trace.start_ticks.iter().all(|&t| t <= lost), "started after tick {}", lost);
        }
        for &(op, reason) in &trace.skipped {
            if reason == SkipReason::LockLost {
                prop_assert!(lost.is_some(), "{} skipped for a lock never lost", op);
            }
        }
    }

    #[test]
    fn with_the_lock_held_everything_not_behind_a_failure_runs(run in run()) {
        let run = Run { lock_lost_at: None, ..run };
        let (_, trace) = simulate(&run)?;
        let behind = dependents_of(&run.dependencies, &trace.failed);
        let started: BTreeSet<usize> = trace.started.iter().copied().collect();
        let all: BTreeSet<usize> = (0..run.dependencies.len()).collect();
        prop_assert_eq!(started, all.difference(&behind).copied().collect::<BTreeSet<_>>());
    }

    #[test]
    fn the_same_reports_give_the_same_steps(run in run()) {
        let (_, first) = simulate(&run)?;
        let (_, second) = simulate(&run)?;
        prop_assert_eq!(first.started, second.started);
        prop_assert_eq!(first.skipped, second.skipped);
    }
}
