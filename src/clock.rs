//! Time comes from an injected clock so that expiry rules can be tested
//! without waiting. SQL never calls `now()` for a rule; it is given the time.

use std::sync::Mutex;

use chrono::{DateTime, Duration, FixedOffset, Utc};

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Real time plus an offset that tests move forward, or a frozen instant.
#[derive(Default)]
pub struct ShiftedClock {
    offset: Mutex<Duration>,
    frozen: Mutex<Option<DateTime<Utc>>>,
}

impl ShiftedClock {
    pub fn advance(&self, by: Duration) {
        let mut offset = self.offset.lock().unwrap_or_else(|p| p.into_inner());
        *offset += by;
    }

    /// Stops the clock at `at` (to the second, for deadline tests).
    pub fn freeze_at(&self, at: DateTime<Utc>) {
        *self.frozen.lock().unwrap_or_else(|p| p.into_inner()) = Some(at);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        if let Some(at) = *self.frozen.lock().unwrap_or_else(|p| p.into_inner()) {
            return at;
        }
        Utc::now() + *self.offset.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Bay Area time, UTC+8, used for everything shown to people.
pub fn bay_area_offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).unwrap_or_else(|| unreachable!("+08:00 is a valid offset"))
}

/// `2026-11-26 14:05 (UTC+8)`.
/// A time for machines and spreadsheets, in the Bay Area's time with its
/// offset written out: `2026-12-07T21:00:00+08:00`, as the interface says.
pub fn bay_area_rfc3339(at: DateTime<Utc>) -> String {
    at.with_timezone(&bay_area_offset()).to_rfc3339()
}

pub fn format_bay_area(at: DateTime<Utc>) -> String {
    use chrono::{Datelike, Timelike};
    // Field by field: chrono's `format` parses its pattern at every call,
    // which was a twentieth of the public call list's time (issue 18).
    let t = at.with_timezone(&bay_area_offset());
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} (UTC+8)",
        t.year(),
        t.month(),
        t.day(),
        t.hour(),
        t.minute()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_bay_area_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 26, 23, 30, 0).unwrap();
        assert_eq!(format_bay_area(at), "2026-11-27 07:30 (UTC+8)");
    }

    #[test]
    fn shifted_clock_moves_forward() {
        let c = ShiftedClock::default();
        let before = c.now();
        c.advance(Duration::hours(2));
        assert!(c.now() - before >= Duration::hours(2));
    }
}
