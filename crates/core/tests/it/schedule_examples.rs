//! The apply's schedule on small graphs, as traces: what the executor reports, and what the
//! schedule answers each time.

use std::num::NonZeroUsize;

use rnd_core::plan::schedule::{NotInOrder, Outcome, Schedule, SkipReason, Step};

/// Runs `reports` (`"0 ok"`, `"1 fails"`, `"lock lost"`, separated by `;`) against a schedule
/// of `dependencies` at `limit`, and compares the trace: each report, then every step `poll`
/// answers after it (the steps before the first report come first).
fn check(dependencies: &[&[usize]], limit: usize, reports: &str, expected: &str) {
    let dependencies: Vec<Vec<usize>> = dependencies.iter().map(|d| d.to_vec()).collect();
    let mut schedule = Schedule::new(&dependencies, NonZeroUsize::new(limit).unwrap()).unwrap();
    let mut trace = Vec::new();
    drain(&mut schedule, &mut trace);
    for report in reports.split(';').map(str::trim).filter(|r| !r.is_empty()) {
        trace.push(report.to_string());
        match report.split_once(' ') {
            Some((op, "ok")) => schedule.succeeded(op.parse().unwrap()),
            Some((op, "fails")) => schedule.failed(op.parse().unwrap()),
            _ if report == "lock lost" => schedule.lock_lost(),
            _ => panic!("unknown report {report:?}"),
        }
        drain(&mut schedule, &mut trace);
    }
    // Steps are indented under reports for the reader; the comparison ignores indentation.
    let actual: Vec<&str> = trace.iter().map(|l| l.trim()).collect();
    let expected: Vec<&str> = expected
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(actual, expected, "\nactual trace:\n{}", trace.join("\n"));
}

fn drain(schedule: &mut Schedule, trace: &mut Vec<String>) {
    while let Some(step) = schedule.poll() {
        trace.push(match step {
            Step::Start(op) => format!("  start {op}"),
            Step::Skip {
                operation,
                reason: SkipReason::Dependency { dependency, failed },
            } => format!("  skip {operation}: {dependency} did not succeed ({failed} failed)"),
            Step::Skip {
                operation,
                reason: SkipReason::LockLost,
            } => format!("  skip {operation}: lock lost"),
        });
    }
}

#[test]
fn a_diamond_runs_each_operation_once_its_dependencies_succeeded() {
    check(
        &[&[], &[], &[0], &[0, 1], &[2, 3]],
        2,
        "0 ok; 1 ok; 2 ok; 3 ok; 4 ok",
        "
          start 0
          start 1
        0 ok
          start 2
        1 ok
          start 3
        2 ok
        3 ok
          start 4
        4 ok
        ",
    );
}

#[test]
fn the_limit_holds_back_ready_operations_until_one_ends() {
    check(
        &[&[], &[], &[]],
        1,
        "0 ok; 1 fails; 2 ok",
        "
          start 0
        0 ok
          start 1
        1 fails
          start 2
        2 ok
        ",
    );
}

#[test]
fn a_failure_skips_its_dependents_and_nothing_else() {
    check(
        &[&[], &[], &[0], &[2], &[1], &[1, 3]],
        10,
        "0 fails; 1 ok; 4 ok",
        "
          start 0
          start 1
        0 fails
          skip 2: 0 did not succeed (0 failed)
          skip 3: 2 did not succeed (0 failed)
          skip 5: 3 did not succeed (0 failed)
        1 ok
          start 4
        4 ok
        ",
    );
}

#[test]
fn after_the_lock_is_lost_running_operations_end_and_nothing_starts() {
    // 2 depends on 0, which fails after the lock is lost: 2 is skipped for that failure; 3
    // never started, so it is skipped for the lock, once nothing runs.
    check(
        &[&[], &[], &[0], &[]],
        2,
        "lock lost; 1 ok; 0 fails",
        "
          start 0
          start 1
        lock lost
        1 ok
        0 fails
          skip 2: 0 did not succeed (0 failed)
          skip 3: lock lost
        ",
    );
}

#[test]
fn outcomes_say_how_each_operation_ended() {
    let mut schedule = Schedule::new(&[vec![], vec![0], vec![]], NonZeroUsize::MIN).unwrap();
    assert_eq!(schedule.poll(), Some(Step::Start(0)));
    assert_eq!(schedule.poll(), None, "the limit is one");
    schedule.failed(0);
    assert_eq!(
        schedule.poll(),
        Some(Step::Skip {
            operation: 1,
            reason: SkipReason::Dependency {
                dependency: 0,
                failed: 0
            }
        })
    );
    assert_eq!(schedule.poll(), Some(Step::Start(2)));
    assert!(!schedule.is_finished());
    schedule.succeeded(2);
    assert_eq!(schedule.poll(), None);
    assert!(schedule.is_finished());
    assert_eq!(schedule.outcome(0), Some(Outcome::Failed));
    assert_eq!(
        schedule.outcome(1),
        Some(Outcome::Skipped(SkipReason::Dependency {
            dependency: 0,
            failed: 0
        }))
    );
    assert_eq!(schedule.outcome(2), Some(Outcome::Succeeded));
}

#[test]
fn an_empty_schedule_is_finished_at_once() {
    let mut schedule = Schedule::new(&[], NonZeroUsize::MIN).unwrap();
    assert_eq!(schedule.poll(), None);
    assert!(schedule.is_finished());
}

#[test]
fn dependencies_must_come_first() {
    let err = Schedule::new(&[vec![1], vec![]], NonZeroUsize::MIN).unwrap_err();
    assert_eq!(
        err,
        NotInOrder {
            operation: 0,
            dependency: 1
        }
    );
    let err = Schedule::new(&[vec![0]], NonZeroUsize::MIN).unwrap_err();
    assert_eq!(
        err,
        NotInOrder {
            operation: 0,
            dependency: 0
        }
    );
}
