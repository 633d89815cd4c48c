use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, Reader};
use crate::db::schema::outbox;
use crate::domain::code::codes;
use crate::i18n::Lang;

codes! {
    /// Where an email in the outbox stands.
    pub enum Status {
        Pending = "pending",
        Sent = "sent",
        /// Gave up after the last retry.
        Failed = "failed",
    }
}

#[derive(Debug, Insertable)]
#[diesel(table_name = outbox)]
pub struct NewEmail<'a> {
    pub kind: &'a str,
    pub recipient: &'a str,
    pub lang: Lang,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub next_attempt_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, QueryableByName, Selectable)]
#[diesel(table_name = outbox)]
pub struct OutboxEmail {
    pub id: i64,
    pub kind: String,
    pub recipient: String,
    pub lang: Lang,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: Status,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut Conn, email: &NewEmail<'_>) -> QueryResult<i64> {
    diesel::insert_into(outbox::table)
        .values(email)
        .returning(outbox::id)
        .get_result(conn)
        .await
}

/// Leases up to `limit` due emails to this worker for `lease`, in one
/// statement. `SKIP LOCKED` lets several workers claim disjoint batches at
/// once, and the lease keeps a claimed email from being sent twice while SMTP
/// is slow; a crashed worker's lease simply lapses. Leases are timed by the
/// database's clock, the one clock every process shares: a process whose
/// clock runs ahead would otherwise see others' leases as lapsed and send
/// their emails again. (Due times stay on the app's clock, which set them.)
pub async fn claim_due(
    conn: &mut Conn,
    now: DateTime<Utc>,
    lease: Duration,
    limit: i64,
) -> QueryResult<Vec<OutboxEmail>> {
    use diesel::sql_types::{BigInt, Timestamptz};
    diesel::sql_query(
        "UPDATE outbox SET leased_until = clock_timestamp() + $2 * interval '1 second', \
                          attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox \
                      WHERE status = 'pending' AND next_attempt_at <= $1 \
                        AND (leased_until IS NULL OR leased_until < clock_timestamp()) \
                      ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED) \
         RETURNING *",
    )
    .bind::<Timestamptz, _>(now)
    .bind::<BigInt, _>(lease.num_seconds())
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

pub async fn mark_sent(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(Status::Sent),
            outbox::sent_at.eq(now),
            outbox::leased_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Records a failed attempt: try again at `retry_at`, or give up when `None`.
pub async fn mark_attempt_failed(
    conn: &mut Conn,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> QueryResult<()> {
    let row = outbox::table.find(id);
    let released = (
        outbox::last_error.eq(error),
        outbox::leased_until.eq(None::<DateTime<Utc>>),
    );
    match retry_at {
        Some(at) => {
            diesel::update(row)
                .set((released, outbox::next_attempt_at.eq(at)))
                .execute(conn)
                .await
        }
        None => {
            diesel::update(row)
                .set((released, outbox::status.eq(Status::Failed)))
                .execute(conn)
                .await
        }
    }
    .map(drop)
}

/// Emails that failed for good, or are still failing, newest first.
pub async fn problems(conn: &mut impl Reader, limit: i64) -> QueryResult<Vec<OutboxEmail>> {
    outbox::table
        .filter(
            outbox::status.eq(Status::Failed).or(outbox::status
                .eq(Status::Pending)
                .and(outbox::last_error.is_not_null())),
        )
        .select(OutboxEmail::as_select())
        .order(outbox::id.desc())
        .limit(limit)
        .load(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: i64) -> QueryResult<Option<OutboxEmail>> {
    outbox::table
        .find(id)
        .select(OutboxEmail::as_select())
        .first(conn)
        .await
        .optional()
}

/// Puts a failed email back in the queue with fresh attempts.
pub async fn requeue_failed(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> QueryResult<bool> {
    diesel::update(
        outbox::table
            .find(id)
            .filter(outbox::status.eq(Status::Failed)),
    )
    .set((
        outbox::status.eq(Status::Pending),
        outbox::attempts.eq(0),
        outbox::next_attempt_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn count_by_status(conn: &mut Conn, status: Status) -> QueryResult<i64> {
    outbox::table
        .filter(outbox::status.eq(status))
        .count()
        .get_result(conn)
        .await
}

/// How many emails `problems` would list without a limit.
pub async fn count_problems(conn: &mut impl Reader) -> QueryResult<i64> {
    outbox::table
        .filter(
            outbox::status.eq(Status::Failed).or(outbox::status
                .eq(Status::Pending)
                .and(outbox::last_error.is_not_null())),
        )
        .count()
        .get_result(conn)
        .await
}

#[derive(QueryableByName)]
struct Backlog {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pending: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    failed: i64,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>)]
    oldest: Option<DateTime<Utc>>,
}

/// The outbox at a glance for `/metrics`: emails waiting, emails failed for
/// good, and when the oldest waiting one was written (one statement, each
/// part on its partial index).
pub async fn backlog(conn: &mut Conn) -> QueryResult<(i64, i64, Option<DateTime<Utc>>)> {
    diesel::sql_query(
        "SELECT (SELECT count(*) FROM outbox WHERE status = 'pending') AS pending,
                (SELECT count(*) FROM outbox WHERE status = 'failed') AS failed,
                (SELECT min(created_at) FROM outbox WHERE status = 'pending') AS oldest",
    )
    .get_result::<Backlog>(conn)
    .await
    .map(|b| (b.pending, b.failed, b.oldest))
}
