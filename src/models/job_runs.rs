//! Which periodic job has run for which key: the record that lets every
//! process run the jobs while each reminder still goes out once.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use crate::db::schema::job_runs;
use crate::domain::code::codes;

codes! {
    /// A job that does something once per key (an application, an award, a
    /// report), however many processes run it.
    pub enum Job {
        DraftReminder = "draft-reminder",
        OfferReminder = "offer-reminder",
        ReportReminder = "report-reminder",
        ReportOverdue = "report-overdue",
    }
}

/// Claims `job` for `key`: `true` for the one caller that gets it, in the
/// caller's transaction (a rolled-back job is claimed by nobody), `false`
/// for everyone after, in this process or another.
pub async fn claim(conn: &mut Conn, job: Job, key: &str, now: DateTime<Utc>) -> QueryResult<bool> {
    diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(job),
            job_runs::key.eq(key),
            job_runs::ran_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}
