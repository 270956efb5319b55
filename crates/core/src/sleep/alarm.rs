//! The idle alarm as CloudWatch evaluates it: `Sum` of the requests to the service's target
//! group and its wake group, missing data filled with 0, below 1 in every one of the last N
//! periods. Here to say when it fires for a known sequence of requests (the trace benchmark),
//! and what periods rnd asks CloudWatch for.

/// CloudWatch evaluates at most one day of data with periods under an hour, seven days with
/// hour-long periods (PutMetricAlarm, `Period`).
const ONE_DAY: u64 = 24 * 3_600;

/// The periods of one service's idle alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdleAlarm {
    /// Seconds per period: 60 up to a day of idleness, 3,600 beyond.
    pub period: u64,
    /// Periods without a request before the alarm fires.
    pub periods: u64,
}

impl IdleAlarm {
    /// The alarm for `idle_after` minutes (validated: 5 minutes to 7 days).
    pub fn for_idle_minutes(idle_after_minutes: u32) -> Self {
        let idle = u64::from(idle_after_minutes) * 60;
        let period = if idle <= ONE_DAY { 60 } else { 3_600 };
        IdleAlarm {
            period,
            periods: idle.div_ceil(period),
        }
    }

    /// When the alarm goes to ALARM after the last request at `last_request`, if no other
    /// request comes: at the end of the `periods`-th whole period after the one holding the
    /// request (CloudWatch evaluates whole periods), plus `delay`, the time AWS takes to publish
    /// the load balancer's metrics and evaluate the alarm.
    pub fn fires_after(&self, last_request: u64, delay: u64) -> u64 {
        let holding = last_request / self.period;
        (holding + 1 + self.periods) * self.period + delay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_follow_cloudwatchs_limits() {
        assert_eq!(
            IdleAlarm::for_idle_minutes(30),
            IdleAlarm {
                period: 60,
                periods: 30
            }
        );
        assert_eq!(
            IdleAlarm::for_idle_minutes(24 * 60),
            IdleAlarm {
                period: 60,
                periods: 1_440
            }
        );
        assert_eq!(
            IdleAlarm::for_idle_minutes(24 * 60 + 30),
            IdleAlarm {
                period: 3_600,
                periods: 25
            }
        );
        assert_eq!(
            IdleAlarm::for_idle_minutes(7 * 24 * 60),
            IdleAlarm {
                period: 3_600,
                periods: 168
            }
        );
    }

    #[test]
    fn the_alarm_fires_whole_periods_after_the_last_request() {
        let alarm = IdleAlarm::for_idle_minutes(30);
        // A request at 00:00:30 sits in the first minute; 30 empty minutes follow it.
        assert_eq!(alarm.fires_after(30, 0), 31 * 60);
        assert_eq!(alarm.fires_after(30, 120), 31 * 60 + 120);
        assert!(alarm.fires_after(30, 0) - 30 >= 30 * 60);
    }
}
