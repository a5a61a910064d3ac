//! The one source of "now", so that tests can move time forward (session timeouts, expiry, pacing,
//! the per-IP rate limits).
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, DurationRound, Utc};

#[derive(Debug, Clone, Default)]
pub struct Clock {
    offset_seconds: Arc<AtomicI64>,
    /// Set by [`Clock::stopped`]: time stands still here, and moves only by [`Clock::advance`].
    stopped_at: Option<DateTime<Utc>>,
}

impl Clock {
    /// A clock on which time does not pass by itself, for tests that must not depend on how fast
    /// the machine runs (a rate limit refilling while a slow test runs). It stands on a whole
    /// second, so that moving it to a given time (in whole seconds) lands on that time exactly,
    /// whatever the wall clock's fraction of a second was when it stopped.
    pub fn stopped() -> Self {
        let now = Utc::now();
        Self {
            stopped_at: Some(now.duration_trunc(Duration::seconds(1)).unwrap_or(now)),
            ..Self::default()
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.stopped_at.unwrap_or_else(Utc::now)
            + Duration::seconds(self.offset_seconds.load(Ordering::Relaxed))
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: Duration) {
        self.offset_seconds
            .fetch_add(by.num_seconds(), Ordering::Relaxed);
    }
}

/// The rate limiters run on the app's clock too. Their instants are the time since the Unix epoch:
/// a wall-clock step backwards only delays refills (the limiter saturates at zero elapsed time).
impl governor::clock::Clock for Clock {
    type Instant = std::time::Duration;

    fn now(&self) -> Self::Instant {
        (Clock::now(self) - DateTime::UNIX_EPOCH)
            .to_std()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stopped_clock_moves_only_when_advanced() {
        let clock = Clock::stopped();
        let start = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(clock.now(), start);
        clock.clone().advance(Duration::seconds(20));
        assert_eq!(clock.now(), start + Duration::seconds(20));
        assert_eq!(
            governor::clock::Clock::now(&clock),
            (start + Duration::seconds(20) - DateTime::UNIX_EPOCH)
                .to_std()
                .unwrap_or_default()
        );
    }

    #[test]
    fn a_stopped_clock_moved_to_a_whole_second_lands_on_it_exactly() {
        use chrono::TimeZone;
        let clock = Clock::stopped();
        let target = Utc.with_ymd_and_hms(2026, 12, 1, 20, 0, 0).unwrap();
        clock.advance(target - clock.now());
        assert_eq!(clock.now(), target);
    }
}
