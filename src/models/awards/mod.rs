//! Awards with their tranches, progress reports, payment requests,
//! contributions and the non-financial support log.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;

use super::{
    ApplicationId, AwardId, BatchId, CallId, Conn, FundId, OrganizationId, PaymentId, Reader,
    TrancheId, UserId,
};
use crate::db::schema::{
    awards, bank_changes, bank_statement_lines, bank_statements, contributions, organizations,
    payment_batches, payment_requests, progress_reports, support_log, tranches,
};
use crate::domain::award::Approval;
use crate::domain::award::AwardState;
use crate::domain::award::EvaluationKind;
use crate::domain::award::PaymentKind;
use crate::domain::award::ReportState;
use crate::domain::award::SupportKind;
use crate::domain::award::Transfer;
use crate::domain::ledger::Account;
use crate::domain::money::Currency;
use crate::domain::organization::City;
use crate::domain::organization::Jurisdiction;

mod attachment;
mod batch;
mod contribution;
mod evaluation;
mod payment;
mod report;
mod support;
mod tranche;

pub use attachment::*;
pub use batch::*;
pub use contribution::*;
pub use evaluation::*;
pub use payment::*;
pub use report::*;
pub use support::*;
pub use tranche::*;

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
    /// When finance last confirmed the bank details (acceptance counts).
    pub bank_confirmed_at: Option<DateTime<Utc>>,
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

pub async fn find_many(conn: &mut impl Reader, ids: &[AwardId]) -> QueryResult<Vec<Award>> {
    awards::table
        .filter(awards::id.eq_any(ids.to_vec()))
        .select(Award::as_select())
        .load(conn)
        .await
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
    conn: &mut impl Reader,
    fund: FundId,
    state: AwardState,
    text: Option<&crate::domain::search::Query>,
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
    if let Some(text) = text {
        // Its application's words and organizations, or its number.
        q = q.filter(
            awards::application_id.eq_any(crate::models::search::ids_matching(
                crate::domain::search::SearchKind::Application,
                text,
            )),
        );
    }
    q.load(conn).await
}

/// How many of the fund's awards are in each state, from the counts the
/// awards' trigger keeps (`fund_award_counts`): four rows at most, however
/// many awards the fund has.
pub async fn count_by_state(
    conn: &mut impl Reader,
    fund: FundId,
) -> QueryResult<Vec<(AwardState, i64)>> {
    use crate::db::schema::fund_award_counts as k;
    k::table
        .filter(k::fund_id.eq(fund))
        .select((k::state, k::n))
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
        awards::bank_confirmed_at.eq(now),
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
