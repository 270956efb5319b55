//! Sleep and wake of a service with `idle_after`, as a state machine told what happened (a
//! request reached it or its waker, its idle alarm fired, its tasks turned healthy) and answering
//! what to do. No clock and no I/O: times are seconds the caller counts (rnd's Lambda function
//! with AWS's timestamps, the trace benchmark with a simulated month), so the same decisions run
//! in both. See `docs/design/scale-to-zero.md`.

mod alarm;
pub mod saving;

pub use alarm::IdleAlarm;

/// Where a service is in its sleep cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Tasks run and the listener rule forwards to them.
    Awake,
    /// No task runs; the rule forwards to the waker.
    Asleep { since: u64 },
    /// The first request after a sleep started the service; the waker answers until a task is
    /// healthy.
    Waking { since: u64 },
}

/// What happened to the service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// A request arrived (at the service, or at the waker while it sleeps or wakes).
    Request { at: u64 },
    /// The idle alarm went to ALARM: no request for `idle_after`.
    IdleAlarm { at: u64 },
    /// A task of the woken service passed the load balancer's health check.
    Healthy { at: u64 },
}

/// What to do about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The service answers: nothing to do.
    Serve,
    /// Start the service (desired count back to its replicas, GPU capacity back) and answer
    /// "starting". Given once per wake, however many requests arrive together.
    Wake,
    /// A wake is under way: answer "starting, try again in `retry_after` seconds".
    Starting { retry_after: u64 },
    /// Flip the rule to the waker, then scale the service to zero.
    Sleep,
    /// Flip the rule back to the service: it answers from now on.
    HandBack,
    /// Nothing to do: the event does not apply in this phase (an alarm while a wake is under
    /// way, a late health report).
    Ignore,
}

/// One service's sleep cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SleepCycle {
    phase: Phase,
    /// How long a wake is expected to take, for the `Retry-After` the waker answers.
    expected_wake: u64,
}

/// The shortest `Retry-After` the waker gives: clients that retry sooner only load the waker.
pub const MIN_RETRY_AFTER: u64 = 5;

impl SleepCycle {
    /// A service deployed awake, whose wakes are expected to take `expected_wake` seconds.
    pub fn awake(expected_wake: u64) -> Self {
        SleepCycle {
            phase: Phase::Awake,
            expected_wake,
        }
    }

    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Take `event` into account; what to do about it.
    pub fn on(&mut self, event: Event) -> Decision {
        match (self.phase, event) {
            (Phase::Awake, Event::Request { .. }) => Decision::Serve,
            (Phase::Awake, Event::IdleAlarm { at }) => {
                self.phase = Phase::Asleep { since: at };
                Decision::Sleep
            }
            (Phase::Asleep { .. }, Event::Request { at }) => {
                self.phase = Phase::Waking { since: at };
                Decision::Wake
            }
            (Phase::Waking { since }, Event::Request { at }) => Decision::Starting {
                retry_after: (since + self.expected_wake)
                    .saturating_sub(at)
                    .max(MIN_RETRY_AFTER),
            },
            (Phase::Waking { .. }, Event::Healthy { .. }) => {
                self.phase = Phase::Awake;
                Decision::HandBack
            }
            // Never sleep in the middle of a wake: the alarm counts the waker's requests too,
            // so one firing now is stale.
            (Phase::Waking { .. }, Event::IdleAlarm { .. })
            | (Phase::Asleep { .. }, Event::IdleAlarm { .. })
            | (Phase::Awake | Phase::Asleep { .. }, Event::Healthy { .. }) => Decision::Ignore,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cycle_sleeps_wakes_once_and_hands_back() {
        let mut cycle = SleepCycle::awake(120);
        assert_eq!(cycle.on(Event::Request { at: 0 }), Decision::Serve);
        assert_eq!(cycle.on(Event::IdleAlarm { at: 1_800 }), Decision::Sleep);
        assert_eq!(cycle.on(Event::IdleAlarm { at: 1_900 }), Decision::Ignore);
        assert_eq!(cycle.on(Event::Request { at: 5_000 }), Decision::Wake);
        assert_eq!(
            cycle.on(Event::Request { at: 5_000 }),
            Decision::Starting { retry_after: 120 }
        );
        assert_eq!(
            cycle.on(Event::Request { at: 5_118 }),
            Decision::Starting {
                retry_after: MIN_RETRY_AFTER
            }
        );
        assert_eq!(cycle.on(Event::IdleAlarm { at: 5_050 }), Decision::Ignore);
        assert_eq!(cycle.on(Event::Healthy { at: 5_110 }), Decision::HandBack);
        assert_eq!(cycle.phase(), Phase::Awake);
        assert_eq!(cycle.on(Event::Request { at: 5_111 }), Decision::Serve);
    }
}
