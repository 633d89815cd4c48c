//! Awards with their tranches, progress reports, payment requests,
//! contributions and the non-financial support log.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;

use super::{
    ApplicationId, AwardId, CallId, Conn, FundId, OrganizationId, PaymentId, TrancheId, UserId,
};
use crate::db::schema::{
    awards, contributions, organizations, payment_requests, progress_reports, support_log, tranches,
};
use crate::domain::award::Approval;
use crate::domain::award::AwardState;
use crate::domain::award::EvaluationKind;
use crate::domain::award::PaymentKind;
use crate::domain::award::ReportState;
use crate::domain::award::SupportKind;
use crate::domain::ledger::Account;
use crate::domain::money::Currency;
use crate::domain::organization::City;
use crate::domain::organization::Jurisdiction;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = awards)]
pub struct Award {
    pub id: AwardId,
    pub application_id: ApplicationId,
    pub call_id: CallId,
    pub fund_id: FundId,
    pub lead_org_id: OrganizationId,
    pub amount: Decimal,
    pub currency: Currency,
    pub conditions: String,
    pub state: AwardState,
    pub offered_at: DateTime<Utc>,
    pub accept_by: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub signature_name: Option<String>,
    pub bank_account_name: Option<String>,
    pub bank_name: Option<String>,
    pub bank_account_number: Option<String>,
    pub bank_currency: Option<Currency>,
    pub closed_at: Option<DateTime<Utc>>,
}

pub struct NewAward<'a> {
    pub application: ApplicationId,
    pub call: CallId,
    pub fund: FundId,
    pub lead: OrganizationId,
    pub amount: Decimal,
    pub currency: Currency,
    pub conditions: &'a str,
    pub accept_by: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, a: &NewAward<'_>, now: DateTime<Utc>) -> QueryResult<AwardId> {
    diesel::insert_into(awards::table)
        .values((
            awards::application_id.eq(a.application),
            awards::call_id.eq(a.call),
            awards::fund_id.eq(a.fund),
            awards::lead_org_id.eq(a.lead),
            awards::amount.eq(a.amount),
            awards::currency.eq(a.currency),
            awards::conditions.eq(a.conditions),
            awards::offered_at.eq(now),
            awards::accept_by.eq(a.accept_by),
        ))
        .returning(awards::id)
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut Conn, id: AwardId) -> QueryResult<Option<Award>> {
    awards::table
        .find(id)
        .select(Award::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the award's row without blocking the foreign-key checks of rows
/// that refer to it (ledger entries, payments), so that it cannot deadlock
/// with a transaction holding the fund's lock.
pub async fn find_for_update(conn: &mut Conn, id: AwardId) -> QueryResult<Option<Award>> {
    awards::table
        .find(id)
        .select(Award::as_select())
        .for_no_key_update()
        .first(conn)
        .await
        .optional()
}

pub async fn of_application(conn: &mut Conn, app: ApplicationId) -> QueryResult<Option<Award>> {
    awards::table
        .filter(awards::application_id.eq(app))
        .select(Award::as_select())
        .first(conn)
        .await
        .optional()
}

/// One page of the fund's awards in `state`, by id, after `after`.
pub async fn of_fund(
    conn: &mut Conn,
    fund: FundId,
    state: AwardState,
    after: Option<AwardId>,
    limit: i64,
) -> QueryResult<Vec<(Award, String)>> {
    let mut q = awards::table
        .inner_join(crate::db::schema::applications::table)
        .filter(awards::fund_id.eq(fund))
        .filter(awards::state.eq(state))
        .select((Award::as_select(), crate::db::schema::applications::title))
        .order(awards::id)
        .limit(limit)
        .into_boxed();
    if let Some(a) = after {
        q = q.filter(awards::id.gt(a));
    }
    q.load(conn).await
}

/// How many of the fund's awards are in each state.
pub async fn count_by_state(conn: &mut Conn, fund: FundId) -> QueryResult<Vec<(AwardState, i64)>> {
    awards::table
        .filter(awards::fund_id.eq(fund))
        .group_by(awards::state)
        .select((awards::state, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Awards of organizations the user belongs to.
pub async fn of_user(conn: &mut Conn, user: UserId) -> QueryResult<Vec<(Award, String)>> {
    use crate::db::schema::{applications, organization_members};
    awards::table
        .inner_join(applications::table)
        .filter(
            awards::lead_org_id.eq_any(
                organization_members::table
                    .filter(organization_members::user_id.eq(user))
                    .select(organization_members::organization_id),
            ),
        )
        .select((Award::as_select(), applications::title))
        .order(awards::id.desc())
        .load(conn)
        .await
}

pub struct Acceptance<'a> {
    pub by: UserId,
    pub signature: &'a str,
    pub ip: &'a str,
    pub account_name: &'a str,
    pub bank: &'a str,
    pub account_number: &'a str,
    pub currency: Currency,
}

/// `false` if the award was no longer on offer.
pub async fn accept(
    conn: &mut Conn,
    id: AwardId,
    a: &Acceptance<'_>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        awards::table
            .find(id)
            .filter(awards::state.eq(AwardState::Offered)),
    )
    .set((
        awards::state.eq(AwardState::Active),
        awards::accepted_at.eq(now),
        awards::accepted_by.eq(a.by),
        awards::signature_name.eq(a.signature),
        awards::signature_ip.eq(a.ip),
        awards::bank_account_name.eq(a.account_name),
        awards::bank_name.eq(a.bank),
        awards::bank_account_number.eq(a.account_number),
        awards::bank_currency.eq(a.currency),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn set_state(
    conn: &mut Conn,
    id: AwardId,
    from: AwardState,
    to: AwardState,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let closed = (to == AwardState::Closed).then_some(now);
    diesel::update(awards::table.find(id).filter(awards::state.eq(from)))
        .set((awards::state.eq(to), awards::closed_at.eq(closed)))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Offers past their acceptance date.
pub async fn lapsing(conn: &mut Conn, now: DateTime<Utc>) -> QueryResult<Vec<AwardId>> {
    awards::table
        .filter(awards::state.eq(AwardState::Offered))
        .filter(awards::accept_by.lt(now))
        .select(awards::id)
        .load(conn)
        .await
}

// ---- tranches

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tranches)]
pub struct Tranche {
    pub id: TrancheId,
    pub award_id: AwardId,
    pub position: i32,
    pub amount: Decimal,
    pub month_due: i32,
    pub deliverables: String,
}

pub async fn add_tranche(
    conn: &mut Conn,
    award: AwardId,
    position: i32,
    amount: Decimal,
    month_due: i32,
    deliverables: &str,
) -> QueryResult<()> {
    diesel::insert_into(tranches::table)
        .values((
            tranches::award_id.eq(award),
            tranches::position.eq(position),
            tranches::amount.eq(amount),
            tranches::month_due.eq(month_due),
            tranches::deliverables.eq(deliverables),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn tranches(conn: &mut Conn, award: AwardId) -> QueryResult<Vec<Tranche>> {
    tranches::table
        .filter(tranches::award_id.eq(award))
        .select(Tranche::as_select())
        .order(tranches::position)
        .load(conn)
        .await
}

pub async fn find_tranche(conn: &mut Conn, id: TrancheId) -> QueryResult<Option<Tranche>> {
    tranches::table
        .find(id)
        .select(Tranche::as_select())
        .first(conn)
        .await
        .optional()
}

// ---- progress reports

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
    if inserted == 1 {
        return Ok(true);
    }
    diesel::update(
        progress_reports::table
            .filter(progress_reports::award_id.eq(r.award))
            .filter(progress_reports::position.eq(r.position))
            .filter(progress_reports::state.eq(ReportState::Returned)),
    )
    .set(values)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn reports(conn: &mut Conn, award: AwardId) -> QueryResult<Vec<Report>> {
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

// ---- payment requests

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_requests)]
pub struct Payment {
    pub id: PaymentId,
    pub award_id: AwardId,
    pub kind: PaymentKind,
    pub tranche_id: Option<TrancheId>,
    pub amount: Decimal,
    pub reason: String,
    pub state: Approval,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub payee_currency: Option<Currency>,
    pub rate: Option<Decimal>,
    pub amount_sent: Option<Decimal>,
    pub reference: Option<String>,
}

pub struct NewPayment<'a> {
    pub award: AwardId,
    /// `tranche` or `refund`.
    pub kind: PaymentKind,
    pub tranche: Option<TrancheId>,
    pub amount: Decimal,
    pub reason: &'a str,
    pub by: UserId,
}

/// `None` if the tranche already has a request waiting or paid.
pub async fn request_payment(
    conn: &mut Conn,
    p: &NewPayment<'_>,
    now: DateTime<Utc>,
) -> QueryResult<Option<PaymentId>> {
    let result = diesel::insert_into(payment_requests::table)
        .values((
            payment_requests::award_id.eq(p.award),
            payment_requests::kind.eq(p.kind),
            payment_requests::tranche_id.eq(p.tranche),
            payment_requests::amount.eq(p.amount),
            payment_requests::reason.eq(p.reason),
            payment_requests::requested_by.eq(p.by),
            payment_requests::requested_at.eq(now),
        ))
        .returning(payment_requests::id)
        .get_result(conn)
        .await;
    match result {
        Ok(id) => Ok(Some(id)),
        Err(e) if super::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn find_payment_for_update(
    conn: &mut Conn,
    id: PaymentId,
) -> QueryResult<Option<Payment>> {
    payment_requests::table
        .find(id)
        .select(Payment::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub struct Remittance<'a> {
    pub currency: Currency,
    pub rate: Decimal,
    pub amount_sent: Decimal,
    pub reference: &'a str,
}

/// Approves a waiting request; `false` if it was decided meanwhile.
pub async fn approve_payment(
    conn: &mut Conn,
    id: PaymentId,
    by: UserId,
    r: &Remittance<'_>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(id)
            .filter(payment_requests::state.eq(Approval::Pending)),
    )
    .set((
        payment_requests::state.eq(Approval::Approved),
        payment_requests::decided_by.eq(by),
        payment_requests::decided_at.eq(now),
        payment_requests::payee_currency.eq(r.currency),
        payment_requests::rate.eq(r.rate),
        payment_requests::amount_sent.eq(r.amount_sent),
        payment_requests::reference.eq(r.reference),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn reject_payment(
    conn: &mut Conn,
    id: PaymentId,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(id)
            .filter(payment_requests::state.eq(Approval::Pending)),
    )
    .set((
        payment_requests::state.eq(Approval::Rejected),
        payment_requests::decided_by.eq(by),
        payment_requests::decided_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn payments(conn: &mut Conn, award: AwardId) -> QueryResult<Vec<Payment>> {
    payment_requests::table
        .filter(payment_requests::award_id.eq(award))
        .select(Payment::as_select())
        .order(payment_requests::id)
        .load(conn)
        .await
}

/// Requests waiting for a checker, oldest first, with the application's
/// title and the award's currency.
pub async fn pending_payments(conn: &mut Conn) -> QueryResult<Vec<(Payment, String, Currency)>> {
    use crate::db::schema::applications;
    payment_requests::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(payment_requests::state.eq(Approval::Pending))
        .select((Payment::as_select(), applications::title, awards::currency))
        .order(payment_requests::id)
        .load(conn)
        .await
}

/// Every approved payment of a fund, for the export.
pub async fn fund_payments(conn: &mut Conn, fund: FundId) -> QueryResult<Vec<Payment>> {
    payment_requests::table
        .inner_join(awards::table)
        .filter(awards::fund_id.eq(fund))
        .filter(payment_requests::state.eq(Approval::Approved))
        .select(Payment::as_select())
        .order(payment_requests::id)
        .load(conn)
        .await
}

// ---- contributions

pub struct NewContribution<'a> {
    pub fund: FundId,
    pub donor: &'a str,
    pub received_on: NaiveDate,
    pub reference: &'a str,
    pub amount: Decimal,
    pub by: Option<UserId>,
}

pub async fn add_contribution(
    conn: &mut Conn,
    c: &NewContribution<'_>,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(contributions::table)
        .values((
            contributions::fund_id.eq(c.fund),
            contributions::donor.eq(c.donor),
            contributions::received_on.eq(c.received_on),
            contributions::reference.eq(c.reference),
            contributions::amount.eq(c.amount),
            contributions::recorded_by.eq(c.by),
            contributions::recorded_at.eq(now),
        ))
        .returning(contributions::id)
        .get_result(conn)
        .await
}

/// (donor, received on, reference, amount), newest first.
/// The fund's latest `limit` contributions, newest first.
pub async fn contributions(
    conn: &mut Conn,
    fund: FundId,
    limit: i64,
) -> QueryResult<Vec<(String, NaiveDate, String, Decimal)>> {
    contributions::table
        .filter(contributions::fund_id.eq(fund))
        .select((
            contributions::donor,
            contributions::received_on,
            contributions::reference,
            contributions::amount,
        ))
        .order(contributions::id.desc())
        .limit(limit)
        .load(conn)
        .await
}

// ---- support log

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

pub async fn support(conn: &mut Conn, award: AwardId) -> QueryResult<Vec<Support>> {
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

/// Published awards that did not lapse, newest first, in three queries' worth of joins.
pub async fn open_data(conn: &mut Conn) -> QueryResult<Vec<OpenAward>> {
    use crate::db::schema::{applications, calls, funds};
    awards::table
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
        .load(conn)
        .await
}

/// What has been paid on each award (net of refunds).
pub async fn disbursed_by_award(
    conn: &mut Conn,
) -> QueryResult<std::collections::HashMap<AwardId, Decimal>> {
    use crate::db::schema::ledger_postings;
    let rows: Vec<(Option<AwardId>, Option<Decimal>)> = ledger_postings::table
        .filter(ledger_postings::account.eq(Account::Disbursed))
        .group_by(ledger_postings::award_id)
        .select((
            ledger_postings::award_id,
            diesel::dsl::sum(ledger_postings::amount),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|(a, s)| Some((a?, s.unwrap_or_default())))
        .collect())
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
    let all_tranches: Vec<Tranche> = tranches::table
        .filter(tranches::award_id.eq_any(&ids))
        .select(Tranche::as_select())
        .order((tranches::award_id, tranches::position))
        .load(conn)
        .await?;
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

// ---- report attachments

pub struct NewFile<'a> {
    pub name: &'a str,
    pub content_type: &'a str,
    pub data: &'a [u8],
    pub sha256: &'a [u8],
}

pub async fn add_report_attachment(
    conn: &mut Conn,
    report: i64,
    f: &NewFile<'_>,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    use crate::db::schema::report_attachments as ra;
    diesel::insert_into(ra::table)
        .values((
            ra::report_id.eq(report),
            ra::filename.eq(f.name),
            ra::content_type.eq(f.content_type),
            ra::size_bytes.eq(f.data.len() as i32),
            ra::sha256.eq(f.sha256),
            ra::data.eq(f.data),
            ra::uploaded_by.eq(by),
            ra::uploaded_at.eq(now),
        ))
        .returning(ra::id)
        .get_result(conn)
        .await
}

/// (attachment, report, file name) of every report of an award.
pub async fn report_attachments(
    conn: &mut Conn,
    award: AwardId,
) -> QueryResult<Vec<(i64, i64, String)>> {
    use crate::db::schema::report_attachments as ra;
    ra::table
        .inner_join(progress_reports::table)
        .filter(progress_reports::award_id.eq(award))
        .select((ra::id, ra::report_id, ra::filename))
        .order(ra::id)
        .load(conn)
        .await
}

/// The file, if it belongs to a report of this award.
pub async fn report_attachment_data(
    conn: &mut Conn,
    award: AwardId,
    id: i64,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    use crate::db::schema::report_attachments as ra;
    ra::table
        .inner_join(progress_reports::table)
        .filter(progress_reports::award_id.eq(award))
        .filter(ra::id.eq(id))
        .select((ra::filename, ra::content_type, ra::data))
        .first(conn)
        .await
        .optional()
}

// ---- evaluations

/// Records an evaluation; `false` if one of that kind exists already.
pub async fn record_evaluation(
    conn: &mut Conn,
    award: AwardId,
    kind: EvaluationKind,
    rating: i32,
    summary: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    use crate::db::schema::evaluations as ev;
    diesel::insert_into(ev::table)
        .values((
            ev::award_id.eq(award),
            ev::kind.eq(kind),
            ev::rating.eq(rating),
            ev::summary.eq(summary),
            ev::recorded_by.eq(by),
            ev::recorded_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// (kind, rating, summary, recorded at), mid-term first.
pub async fn evaluations(
    conn: &mut Conn,
    award: AwardId,
) -> QueryResult<Vec<(EvaluationKind, i32, String, DateTime<Utc>)>> {
    use crate::db::schema::evaluations as ev;
    ev::table
        .filter(ev::award_id.eq(award))
        .select((ev::kind, ev::rating, ev::summary, ev::recorded_at))
        .order(ev::kind.desc())
        .load(conn)
        .await
}

/// Every tranche, payment request and report of a fund's awards, in three
/// queries (for the fund dashboard).
pub async fn schedule_of(
    conn: &mut Conn,
    ids: &[AwardId],
) -> QueryResult<(Vec<Tranche>, Vec<Payment>, Vec<Report>)> {
    let ids = ids.to_vec();
    let t = tranches::table
        .filter(tranches::award_id.eq_any(&ids))
        .select(Tranche::as_select())
        .order((tranches::award_id, tranches::position))
        .load(conn)
        .await?;
    let p = payment_requests::table
        .filter(payment_requests::award_id.eq_any(&ids))
        .select(Payment::as_select())
        .load(conn)
        .await?;
    let r = progress_reports::table
        .filter(progress_reports::award_id.eq_any(&ids))
        .select(Report::as_select())
        .load(conn)
        .await?;
    Ok((t, p, r))
}

/// Offers whose acceptance period ends before `until`.
pub async fn offers_ending_before(
    conn: &mut Conn,
    until: DateTime<Utc>,
) -> QueryResult<Vec<AwardId>> {
    awards::table
        .filter(awards::state.eq(AwardState::Offered))
        .filter(awards::accept_by.lt(until))
        .select(awards::id)
        .load(conn)
        .await
}
