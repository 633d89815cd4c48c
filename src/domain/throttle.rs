//! Login throttling: `LIMIT` failures within `WINDOW` lock further attempts
//! for `LOCK` from the last of them.

use chrono::{DateTime, Duration, Utc};

pub struct Throttle {
    pub limit: usize,
    pub window: Duration,
    pub lock: Duration,
}

/// Per account: five failures in fifteen minutes lock it for fifteen minutes.
pub const PER_ACCOUNT: Throttle = Throttle {
    limit: 5,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

/// Per address: looser, because a whole NGO office may share one address.
pub const PER_ADDRESS: Throttle = Throttle {
    limit: 20,
    window: Duration::minutes(15),
    lock: Duration::minutes(15),
};

impl Throttle {
    /// How far back failures matter.
    pub fn lookback(&self) -> Duration {
        self.window + self.lock
    }

    /// Until when attempts are locked, given failure times (any order).
    pub fn locked_until(
        &self,
        failures: &[DateTime<Utc>],
        now: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        if self.limit == 0 || failures.len() < self.limit {
            return None;
        }
        let mut times = failures.to_vec();
        times.sort();
        times
            .windows(self.limit)
            .filter(|w| w[self.limit - 1] - w[0] <= self.window)
            .map(|w| w[self.limit - 1] + self.lock)
            .filter(|until| *until > now)
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap() + Duration::minutes(minutes)
    }

    #[test]
    fn four_failures_do_not_lock() {
        let f: Vec<_> = (0..4).map(at).collect();
        assert_eq!(PER_ACCOUNT.locked_until(&f, at(5)), None);
    }

    #[test]
    fn five_failures_lock_for_fifteen_minutes_from_the_fifth() {
        let f: Vec<_> = (0..5).map(at).collect();
        assert_eq!(PER_ACCOUNT.locked_until(&f, at(5)), Some(at(19)));
        assert_eq!(PER_ACCOUNT.locked_until(&f, at(18)), Some(at(19)));
        assert_eq!(PER_ACCOUNT.locked_until(&f, at(19)), None);
    }

    #[test]
    fn failures_spread_over_more_than_the_window_do_not_lock() {
        let f: Vec<_> = [0, 4, 8, 12, 16].into_iter().map(at).collect();
        assert_eq!(PER_ACCOUNT.locked_until(&f, at(17)), None);
    }
}
