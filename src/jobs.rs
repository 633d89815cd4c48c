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

/// The jobs by the names logs and `/metrics` give them.
pub const JOBS: [&str; 5] = [
    "closing_reminders",
    "review_reminders",
    "lapsed_offers",
    "offer_reminders",
    "report_reminders",
];

/// Runs each job once; a job that fails is logged and the others still run.
pub async fn run_once(state: &AppState) {
    let [closing, reviews, lapsed, offers, reports] = JOBS;
    report(state, closing, applications::send_draft_reminders(state)).await;
    report(state, reviews, review::send_review_reminders(state)).await;
    report(state, lapsed, awards::lapse_offers(state)).await;
    report(state, offers, awards::remind_offers(state)).await;
    report(state, reports, awards::remind_reports(state)).await;
}

async fn report(
    state: &AppState,
    job: &'static str,
    run: impl Future<Output = Result<usize, AppError>>,
) {
    let outcome = run.await;
    match &outcome {
        Ok(0) => {}
        Ok(n) => tracing::info!(job, n, "job done"),
        Err(e) => tracing::warn!(job, error = %e, "job failed"),
    }
    state.metrics.job_ran(job, outcome.map_err(|_| ()));
}
