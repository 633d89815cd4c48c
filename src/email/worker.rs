//! The outbox worker: claims due emails, sends them, and records the outcome.
//! Safe to run in several processes at once (see `outbox::claim_due`).

use std::sync::Arc;

use chrono::Duration;
use lettre::message::Mailbox;

use super::transport::{Transport, build_message};
use crate::clock::Clock;
use crate::db::Pool;
use crate::models::outbox;

/// After this many failed attempts an email is marked failed for an admin.
pub const MAX_ATTEMPTS: i32 = 10;
const BATCH: i64 = 20;
/// Long enough for one batch to be sent; a crashed worker's lease then lapses.
const LEASE: Duration = Duration::minutes(5);

/// Wait before attempt `attempts + 1`: 30 s, doubling, at most six hours.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 16) - 1;
    std::cmp::min(
        Duration::seconds(30) * 2_i32.pow(exp as u32),
        Duration::hours(6),
    )
}

pub struct Worker {
    pub pool: Pool,
    pub clock: Arc<dyn Clock>,
    pub transport: Transport,
    pub from: Mailbox,
    pub poll: std::time::Duration,
}

impl Worker {
    pub async fn run(self) {
        tracing::info!("outbox worker started");
        loop {
            match self.deliver_due().await {
                Ok(n) if n > 0 => continue,
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "outbox worker could not reach the database"),
            }
            tokio::time::sleep(self.poll).await;
        }
    }

    /// Records a sent email on fresh connections while the database is
    /// away (restarting, say), for as long as its lease holds.
    async fn record_sent_when_back(&self, id: i64) -> anyhow::Result<()> {
        let give_up = tokio::time::Instant::now()
            + (LEASE - Duration::seconds(30)).to_std().unwrap_or_default();
        loop {
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
            if let Ok(mut conn) = self.pool.get().await
                && outbox::mark_sent(&mut conn, id, self.clock.now())
                    .await
                    .is_ok()
            {
                return Ok(());
            }
            if tokio::time::Instant::now() > give_up {
                anyhow::bail!("email {id} was sent but could not be recorded as sent");
            }
        }
    }

    /// Sends what is due now; returns how many emails were tried.
    pub async fn deliver_due(&self) -> anyhow::Result<usize> {
        let mut conn = self.pool.get().await?;
        let batch = outbox::claim_due(&mut conn, self.clock.now(), LEASE, BATCH).await?;
        for email in &batch {
            let result = match build_message(email, &self.from) {
                Ok(message) => self
                    .transport
                    .send(message)
                    .await
                    .map_err(|e| (e.message, e.retryable)),
                Err(e) => Err((e, false)),
            };
            match result {
                Ok(()) => {
                    if outbox::mark_sent(&mut conn, email.id, self.clock.now())
                        .await
                        .is_err()
                    {
                        // SMTP has it: record that before anything else, or
                        // the email goes out again when its lease lapses.
                        self.record_sent_when_back(email.id).await?;
                        tracing::info!(outbox_id = email.id, "email sent, recorded late");
                        // The connection is gone; the rest of the batch
                        // stays leased, unsent, until the lease lapses.
                        return Ok(batch.len());
                    }
                    tracing::info!(outbox_id = email.id, kind = %email.kind, "email sent");
                }
                Err((error, retryable)) => {
                    let retry_at = (retryable && email.attempts < MAX_ATTEMPTS)
                        .then(|| self.clock.now() + backoff(email.attempts));
                    outbox::mark_attempt_failed(&mut conn, email.id, &error, retry_at).await?;
                    tracing::warn!(outbox_id = email.id, attempts = email.attempts, %error, gave_up = retry_at.is_none(), "email not sent");
                }
            }
        }
        Ok(batch.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_and_is_capped() {
        assert_eq!(backoff(1), Duration::seconds(30));
        assert_eq!(backoff(2), Duration::seconds(60));
        assert_eq!(backoff(5), Duration::seconds(480));
        assert_eq!(backoff(40), Duration::hours(6));
    }
}
