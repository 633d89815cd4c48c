//! Progress reports.

use super::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = progress_reports)]
pub struct Report {
    pub id: i64,
    pub award_id: AwardId,
    pub position: i32,
    pub is_final: bool,
    pub narrative: String,
    pub targets: String,
    pub expenditure: serde_json::Value,
    pub state: ReportState,
    pub submitted_at: DateTime<Utc>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub review_comment: String,
}

pub struct NewReport<'a> {
    pub award: AwardId,
    pub position: i32,
    pub is_final: bool,
    pub narrative: &'a str,
    pub targets: &'a str,
    pub expenditure: &'a serde_json::Value,
    pub by: UserId,
}

/// Submits a report, or submits a returned one again; `false` if one is
/// already waiting or approved.
pub async fn submit_report(
    conn: &mut Conn,
    r: &NewReport<'_>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let values = (
        progress_reports::is_final.eq(r.is_final),
        progress_reports::narrative.eq(r.narrative),
        progress_reports::targets.eq(r.targets),
        progress_reports::expenditure.eq(r.expenditure),
        progress_reports::state.eq(ReportState::Submitted),
        progress_reports::submitted_by.eq(r.by),
        progress_reports::submitted_at.eq(now),
    );
    let inserted = diesel::insert_into(progress_reports::table)
        .values((
            progress_reports::award_id.eq(r.award),
            progress_reports::position.eq(r.position),
            values,
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    let submitted = inserted == 1
        || diesel::update(
            progress_reports::table
                .filter(progress_reports::award_id.eq(r.award))
                .filter(progress_reports::position.eq(r.position))
                .filter(progress_reports::state.eq(ReportState::Returned)),
        )
        .set(values)
        .execute(conn)
        .await?
            == 1;
    if submitted {
        crate::models::search::index_report(conn, r.award, r.position).await?;
    }
    Ok(submitted)
}

pub async fn reports(conn: &mut impl Reader, award: AwardId) -> QueryResult<Vec<Report>> {
    progress_reports::table
        .filter(progress_reports::award_id.eq(award))
        .select(Report::as_select())
        .order(progress_reports::position)
        .load(conn)
        .await
}

pub async fn find_report(conn: &mut Conn, id: i64) -> QueryResult<Option<Report>> {
    progress_reports::table
        .find(id)
        .select(Report::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn review_report(
    conn: &mut Conn,
    id: i64,
    to: ReportState,
    comment: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        progress_reports::table
            .find(id)
            .filter(progress_reports::state.eq(ReportState::Submitted)),
    )
    .set((
        progress_reports::state.eq(to),
        progress_reports::review_comment.eq(comment),
        progress_reports::reviewed_by.eq(by),
        progress_reports::reviewed_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Reports waiting for an admin, oldest first.
pub async fn reports_waiting(conn: &mut Conn) -> QueryResult<Vec<(Report, String)>> {
    use crate::db::schema::applications;
    progress_reports::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(progress_reports::state.eq(ReportState::Submitted))
        .select((Report::as_select(), applications::title))
        .order(progress_reports::submitted_at)
        .load(conn)
        .await
}

/// Reports of active awards not yet in (a returned one counts as not in)
/// due before `before`, from the kept `reports_due` rows, earliest first:
/// (award, application title, milestone, due). At most `limit`; `None`
/// for every one.
pub async fn due_before(
    conn: &mut impl Reader,
    before: Option<DateTime<Utc>>,
    limit: Option<i64>,
) -> QueryResult<Vec<(AwardId, String, i32, DateTime<Utc>)>> {
    use crate::db::schema::{applications, reports_due};
    let mut q = reports_due::table
        .inner_join(awards::table.on(awards::id.eq(reports_due::award_id)))
        .inner_join(applications::table.on(applications::id.eq(awards::application_id)))
        .select((
            reports_due::award_id,
            applications::title,
            reports_due::position,
            reports_due::due_at,
        ))
        .order((
            reports_due::due_at,
            reports_due::award_id,
            reports_due::position,
        ))
        .into_boxed();
    if let Some(before) = before {
        q = q.filter(reports_due::due_at.lt(before));
    }
    if let Some(limit) = limit {
        q = q.limit(limit);
    }
    q.load(conn).await
}

/// How many reports not yet in are due before `before`.
pub async fn count_due_before(conn: &mut impl Reader, before: DateTime<Utc>) -> QueryResult<i64> {
    use crate::db::schema::reports_due;
    reports_due::table
        .filter(reports_due::due_at.lt(before))
        .count()
        .get_result(conn)
        .await
}
