//! Support log.

use super::*;

#[derive(Debug, Clone, Queryable)]
pub struct Support {
    pub given_on: NaiveDate,
    pub kind: SupportKind,
    pub hours: Decimal,
    pub given_by: String,
    pub note: String,
}

pub async fn log_support(
    conn: &mut Conn,
    award: AwardId,
    s: &Support,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(support_log::table)
        .values((
            support_log::award_id.eq(award),
            support_log::given_on.eq(s.given_on),
            support_log::kind.eq(&s.kind),
            support_log::hours.eq(s.hours),
            support_log::given_by.eq(&s.given_by),
            support_log::note.eq(&s.note),
            support_log::recorded_by.eq(by),
            support_log::recorded_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn support(conn: &mut impl Reader, award: AwardId) -> QueryResult<Vec<Support>> {
    support_log::table
        .filter(support_log::award_id.eq(award))
        .select((
            support_log::given_on,
            support_log::kind,
            support_log::hours,
            support_log::given_by,
            support_log::note,
        ))
        .order(support_log::given_on)
        .load(conn)
        .await
}

/// The award a payment request belongs to.
pub async fn payment_award(conn: &mut Conn, id: PaymentId) -> QueryResult<Option<AwardId>> {
    payment_requests::table
        .find(id)
        .select(payment_requests::award_id)
        .first(conn)
        .await
        .optional()
}

/// Requests of an award still waiting for a checker.
pub async fn pending_for_award(conn: &mut Conn, award: AwardId) -> QueryResult<i64> {
    payment_requests::table
        .filter(payment_requests::award_id.eq(award))
        .filter(payment_requests::state.eq(Approval::Pending))
        .count()
        .get_result(conn)
        .await
}

/// What the public may know of one award (DESIGN §6, transparency).
#[derive(Debug, Clone, Queryable)]
pub struct OpenAward {
    pub id: AwardId,
    pub amount: Decimal,
    pub currency: Currency,
    pub state: AwardState,
    pub offered_at: DateTime<Utc>,
    pub title: String,
    pub summary: String,
    pub duration_months: Option<i32>,
    pub org_id: OrganizationId,
    pub org_name_zh: String,
    pub org_name_en: String,
    pub jurisdiction: Jurisdiction,
    pub city: Option<City>,
    pub registration_number: String,
    pub call_id: CallId,
    pub call_title_zh: String,
    pub call_title_en: String,
    pub fund_id: FundId,
    pub fund_name_en: String,
}

/// One page of the published awards that did not lapse, newest first:
/// `limit` ids before the award `after`. Apart from `open_data`, whose
/// five-table join PostgreSQL planned again at every execution while a
/// `LIMIT` was among its parameters (1.6 ms of planning for 1 ms of work).
pub async fn open_page(
    conn: &mut impl Reader,
    after: Option<AwardId>,
    limit: i64,
) -> QueryResult<Vec<AwardId>> {
    awards::table
        .filter(awards::state.ne(AwardState::Lapsed))
        .filter(awards::id.lt(after.map_or(i64::MAX, |a| a.0)))
        .select(awards::id)
        .order(awards::id.desc())
        .limit(limit)
        .load(conn)
        .await
}

/// Published awards that did not lapse, newest first, with what the public
/// may know of them: all of them (the open-data files), or those named.
pub async fn open_data(
    conn: &mut impl Reader,
    only: Option<&[AwardId]>,
) -> QueryResult<Vec<OpenAward>> {
    use crate::db::schema::{applications, calls, funds};
    let mut q = awards::table
        .inner_join(applications::table)
        .inner_join(organizations::table)
        .inner_join(calls::table.on(calls::id.eq(awards::call_id)))
        .inner_join(funds::table.on(funds::id.eq(awards::fund_id)))
        .filter(awards::state.ne(AwardState::Lapsed))
        .select((
            awards::id,
            awards::amount,
            awards::currency,
            awards::state,
            awards::offered_at,
            applications::title,
            applications::summary,
            applications::duration_months,
            organizations::id,
            organizations::name_zh,
            organizations::name_en,
            organizations::jurisdiction,
            organizations::city,
            organizations::registration_number,
            calls::id,
            calls::title_zh,
            calls::title_en,
            funds::id,
            funds::name_en,
        ))
        .order(awards::id.desc())
        .into_boxed();
    if let Some(ids) = only {
        q = q.filter(awards::id.eq_any(ids.to_vec()));
    }
    q.load(conn).await
}

/// What has been paid on each award (net of refunds), from the kept
/// balances: of the awards named, or of every award.
pub async fn disbursed_by_award(
    conn: &mut impl Reader,
    of: Option<&[AwardId]>,
) -> QueryResult<std::collections::HashMap<AwardId, Decimal>> {
    use crate::db::schema::ledger_balances as b;
    let mut q = b::table
        .filter(b::account.eq(Account::Disbursed))
        .select((b::award_id, b::balance))
        .into_boxed();
    if let Some(ids) = of {
        q = q.filter(b::award_id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(i64, Decimal)> = q.load(conn).await?;
    let mut paid = std::collections::HashMap::new();
    for (award, balance) in rows {
        *paid.entry(AwardId(award)).or_default() += balance;
    }
    Ok(paid)
}

/// Active awards with their tranches and reports, for the report calendar.
pub async fn active_with_schedule(
    conn: &mut Conn,
) -> QueryResult<Vec<(Award, String, Vec<Tranche>, Vec<Report>)>> {
    use crate::db::schema::applications;
    let list: Vec<(Award, String)> = awards::table
        .inner_join(applications::table)
        .filter(awards::state.eq(AwardState::Active))
        .select((Award::as_select(), applications::title))
        .order(awards::id)
        .load(conn)
        .await?;
    let ids: Vec<AwardId> = list.iter().map(|(a, _)| a.id).collect();
    let all_tranches = tranches_of(conn, &ids).await?;
    let all_reports: Vec<Report> = progress_reports::table
        .filter(progress_reports::award_id.eq_any(&ids))
        .select(Report::as_select())
        .load(conn)
        .await?;
    // Grouped once by award: filtering the whole list per award was
    // quadratic in the number of active awards.
    let mut tranches_of: std::collections::HashMap<AwardId, Vec<Tranche>> = Default::default();
    for t in all_tranches {
        tranches_of.entry(t.award_id).or_default().push(t);
    }
    let mut reports_of: std::collections::HashMap<AwardId, Vec<Report>> = Default::default();
    for r in all_reports {
        reports_of.entry(r.award_id).or_default().push(r);
    }
    Ok(list
        .into_iter()
        .map(|(a, title)| {
            let t = tranches_of.remove(&a.id).unwrap_or_default();
            let r = reports_of.remove(&a.id).unwrap_or_default();
            (a, title, t, r)
        })
        .collect())
}

/// The award a report belongs to.
pub async fn report_award(conn: &mut Conn, id: i64) -> QueryResult<Option<AwardId>> {
    progress_reports::table
        .find(id)
        .select(progress_reports::award_id)
        .first(conn)
        .await
        .optional()
}
