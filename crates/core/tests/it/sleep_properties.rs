//! Properties of the sleep cycle over any order of events: a sleeping service is started once per
//! wake however many requests arrive together, never put to sleep while it wakes, and handed back
//! to its tasks only after a wake.

use proptest::prelude::*;
use rnd_core::sleep::{Decision, Event, Phase, SleepCycle};

fn events() -> impl Strategy<Value = Vec<Event>> {
    proptest::collection::vec((0u8..3, 0u64..60), 0..200).prop_map(|steps| {
        let mut at = 0;
        steps
            .into_iter()
            .map(|(kind, gap)| {
                at += gap;
                match kind {
                    0 => Event::Request { at },
                    1 => Event::IdleAlarm { at },
                    _ => Event::Healthy { at },
                }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn one_wake_per_sleep_and_no_sleep_while_waking(events in events()) {
        let mut cycle = SleepCycle::awake(120);
        let mut sleeps = 0u32;
        let mut wakes = 0u32;
        let mut hand_backs = 0u32;
        for event in events {
            let before = cycle.phase();
            let decision = cycle.on(event);
            match decision {
                Decision::Sleep => {
                    prop_assert_eq!(before, Phase::Awake);
                    sleeps += 1;
                }
                Decision::Wake => {
                    prop_assert!(matches!(before, Phase::Asleep { .. }), "{:?}", before);
                    wakes += 1;
                }
                Decision::HandBack => {
                    prop_assert!(matches!(before, Phase::Waking { .. }), "{:?}", before);
                    hand_backs += 1;
                }
                Decision::Starting { retry_after } => {
                    prop_assert!(matches!(before, Phase::Waking { .. }), "{:?}", before);
                    prop_assert!(retry_after >= rnd_core::sleep::MIN_RETRY_AFTER);
                }
                Decision::Serve => prop_assert_eq!(before, Phase::Awake),
                Decision::Ignore => prop_assert_eq!(cycle.phase(), before),
            }
            // Each sleep is followed by at most one wake, each wake by at most one hand-back.
            prop_assert!(wakes <= sleeps && sleeps <= wakes + 1);
            prop_assert!(hand_backs <= wakes && wakes <= hand_backs + 1);
        }
    }
}
