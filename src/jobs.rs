//! The periodic jobs: reminders before deadlines and the lapse of offers not
//! accepted in time. Every process that runs the outbox worker runs them too,
//! every minute; each job claims what it acts on (`models::job_runs::claim`,
//! or the row's own state under `FOR UPDATE`) inside the transaction that
//! acts, so that however many processes run them, each email goes out once.

use std::future::Future;
use std::time::Duration;

use crate::AppState;
use crate::error::AppError;
use crate::services::{applications, awards, review};

/// How often the jobs run.
pub const EVERY: Duration = Duration::from_secs(60);

/// Runs every job now and then every [`EVERY`], for as long as the process lives.
pub async fn run(state: AppState) {
    tracing::info!("job scheduler started");
    loop {
        run_once(&state).await;
        tokio::time::sleep(EVERY).await;
    }
}

/// Runs each job once; a job that fails is logged and the others still run.
pub async fn run_once(state: &AppState) {
    report(
        "closing reminders",
        applications::send_draft_reminders(state),
    )
    .await;
    report("review reminders", review::send_review_reminders(state)).await;
    report("lapsed offers", awards::lapse_offers(state)).await;
    report("offer reminders", awards::remind_offers(state)).await;
    report("report reminders", awards::remind_reports(state)).await;
}

async fn report(job: &'static str, run: impl Future<Output = Result<usize, AppError>>) {
    match run.await {
        Ok(0) => {}
        Ok(n) => tracing::info!(job, n, "job done"),
        Err(e) => tracing::warn!(job, error = %e, "job failed"),
    }
}
