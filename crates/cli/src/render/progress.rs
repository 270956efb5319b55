//! Progress of an apply on a terminal: one bar over every operation, with what is running now,
//! and the lines worth keeping (failures, services done) printed above it. Off a terminal the
//! plain lines of `events.rs` are printed instead, so CI logs stay readable.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rnd_aws::{Event, EventSink};

use rnd_app::progress::line;

/// An event sink drawing a progress bar on standard output.
pub fn progress_bar() -> EventSink {
    let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stdout());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} operations, {elapsed}  {wide_msg}")
            .expect("a valid progress template")
            .progress_chars("=> "),
    );
    bar.enable_steady_tick(Duration::from_millis(120));
    let running = Mutex::new(BTreeSet::<String>::new());
    Arc::new(move |event: Event| {
        let mut running = running.lock().unwrap_or_else(|p| p.into_inner());
        match &event {
            Event::RunStarted { operations, .. } => bar.set_length(*operations as u64),
            Event::OperationStarted { address, .. } => {
                running.insert(address.clone());
            }
            Event::OperationFinished { address, .. } | Event::OperationFailed { address, .. } => {
                running.remove(address);
                bar.inc(1);
            }
            Event::OperationSkipped { .. } => bar.inc(1),
            _ => {}
        }
        // Finished operations are summed up by the bar; everything else worth reading stays.
        let keep = !matches!(event, Event::OperationFinished { .. } | Event::RunStarted { .. });
        if keep {
            if let Some(text) = line(&event) {
                bar.println(text);
            }
        }
        if let Event::RunFinished { .. } = event {
            bar.finish_and_clear();
        } else {
            bar.set_message(now_running(&running));
        }
    })
}

/// "api, web and 3 more", for the bar's message.
fn now_running(running: &BTreeSet<String>) -> String {
    let shown: Vec<&str> = running.iter().take(2).map(String::as_str).collect();
    match running.len() {
        0 => String::new(),
        1 | 2 => shown.join(", "),
        n => format!("{} and {} more", shown.join(", "), n - 2),
    }
}
