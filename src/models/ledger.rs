//! The ledger's rows: entries with their postings, and balances read from
//! them. Rows are only ever inserted.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;

use super::{AwardId, Conn, FundId, PaymentId, Reader, UserId};
use crate::db::schema::{
    funds, ledger_balances, ledger_entries, ledger_fund_totals, ledger_postings,
};
use crate::domain::award::Approval;
use crate::domain::ledger::{Account, EntryKind};
use crate::domain::money::Currency;

/// Locks the fund's row: every change to its pool is made under this lock,
/// one at a time, so that checks and postings cannot interleave.
pub async fn lock_fund(conn: &mut Conn, fund: FundId) -> QueryResult<()> {
    funds::table
        .find(fund)
        .select(funds::id)
        .for_update()
        .first::<FundId>(conn)
        .await
        .map(drop)
}

pub struct NewEntry<'a> {
    pub fund: FundId,
    pub kind: EntryKind,
    pub amount: Decimal,
    pub award: Option<AwardId>,
    pub contribution: Option<i64>,
    pub payment: Option<PaymentId>,
    pub memo: &'a str,
    pub by: Option<UserId>,
}

/// Inserts an entry and its two postings (checked again at commit by the database).
pub async fn post(conn: &mut Conn, e: &NewEntry<'_>, now: DateTime<Utc>) -> QueryResult<i64> {
    // An adjustment is posted by `reverse`, mirroring the entry it reverses.
    let postings = e.kind.postings(e.amount).ok_or_else(|| {
        diesel::result::Error::QueryBuilderError("an adjustment has no postings of its own".into())
    })?;
    let id: i64 = diesel::insert_into(ledger_entries::table)
        .values((
            ledger_entries::fund_id.eq(e.fund),
            ledger_entries::kind.eq(e.kind),
            ledger_entries::award_id.eq(e.award),
            ledger_entries::contribution_id.eq(e.contribution),
            ledger_entries::payment_request_id.eq(e.payment),
            ledger_entries::memo.eq(e.memo),
            ledger_entries::created_by.eq(e.by),
            ledger_entries::created_at.eq(now),
        ))
        .returning(ledger_entries::id)
        .get_result(conn)
        .await?;
    let rows: Vec<_> = postings
        .iter()
        .map(|(account, amount)| {
            (
                ledger_postings::entry_id.eq(id),
                ledger_postings::fund_id.eq(e.fund),
                ledger_postings::account.eq(*account),
                ledger_postings::award_id.eq(if account.per_award() { e.award } else { None }),
                ledger_postings::amount.eq(*amount),
            )
        })
        .collect();
    diesel::insert_into(ledger_postings::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(id)
}

/// The balance of one of the fund's accounts (of one award for per-award
/// accounts; without an award, the account's total over the fund's awards).
/// Read from `ledger_balances`, which the database keeps equal to the
/// ledger's sums.
pub async fn balance(
    conn: &mut impl Reader,
    fund: FundId,
    account: Account,
    award: Option<AwardId>,
) -> QueryResult<Decimal> {
    let mut q = ledger_balances::table
        .filter(ledger_balances::fund_id.eq(fund))
        .filter(ledger_balances::account.eq(account))
        .select(diesel::dsl::sum(ledger_balances::balance))
        .into_boxed();
    if let Some(a) = award {
        q = q.filter(ledger_balances::award_id.eq(a.0));
    }
    Ok(q.first::<Option<Decimal>>(conn).await?.unwrap_or_default())
}

/// Each account's total in the fund: (account, balance).
pub async fn totals(
    conn: &mut impl Reader,
    fund: FundId,
) -> QueryResult<std::collections::HashMap<Account, Decimal>> {
    ledger_fund_totals::table
        .filter(ledger_fund_totals::fund_id.eq(fund))
        .select((ledger_fund_totals::account, ledger_fund_totals::balance))
        .load::<(Account, Decimal)>(conn)
        .await
        .map(|rows| rows.into_iter().collect())
}

/// Whether postings of these amounts fit the fund's kept totals
/// (`domain::ledger::fits`). Called under the fund's lock, before posting:
/// an entry that would not fit is refused instead of failing in the database.
pub async fn fits(
    conn: &mut Conn,
    fund: FundId,
    changes: &[(Account, Decimal)],
) -> QueryResult<bool> {
    Ok(crate::domain::ledger::fits(
        &totals(conn, fund).await?,
        changes,
    ))
}

/// Whether reversing `entry` fits its fund's kept totals (see `fits`).
pub async fn reversal_fits(conn: &mut Conn, fund: FundId, entry: i64) -> QueryResult<bool> {
    let originals: Vec<(String, Decimal)> = ledger_postings::table
        .filter(ledger_postings::entry_id.eq(entry))
        .select((ledger_postings::account, ledger_postings::amount))
        .load(conn)
        .await?;
    let changes: Vec<(Account, Decimal)> = originals
        .into_iter()
        .filter_map(|(code, amount)| Account::from_code(&code).map(|a| (a, -amount)))
        .collect();
    fits(conn, fund, &changes).await
}

/// The per-award balances of these awards: (account, award, balance).
pub async fn of_awards(
    conn: &mut impl Reader,
    awards: &[AwardId],
) -> QueryResult<Vec<(Account, AwardId, Decimal)>> {
    let ids: Vec<i64> = awards.iter().map(|a| a.0).collect();
    ledger_balances::table
        .filter(ledger_balances::award_id.eq_any(ids))
        .select((
            ledger_balances::account,
            ledger_balances::award_id,
            ledger_balances::balance,
        ))
        .load::<(Account, i64, Decimal)>(conn)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|(a, w, b)| (a, AwardId(w), b))
                .collect()
        })
}

/// Every fund's pool balance, in one query: from the fund totals (a row
/// per fund and account), not the per-award balances, which it would have
/// to scan whole (the pool is a fund account, so the two agree).
pub async fn pools(conn: &mut Conn) -> QueryResult<std::collections::HashMap<FundId, Decimal>> {
    let rows: Vec<(i64, Decimal)> = ledger_fund_totals::table
        .filter(ledger_fund_totals::account.eq(Account::Pool))
        .select((ledger_fund_totals::fund_id, ledger_fund_totals::balance))
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|(f, b)| (FundId(f), b)).collect())
}

/// The fund's latest `limit` postings, newest first.
pub async fn recent_postings(
    conn: &mut impl Reader,
    fund: FundId,
    limit: i64,
) -> QueryResult<Vec<EntryRow>> {
    ledger_postings::table
        .inner_join(ledger_entries::table)
        .filter(ledger_postings::fund_id.eq(fund))
        .select((
            ledger_entries::id,
            ledger_entries::kind,
            ledger_entries::award_id,
            ledger_entries::memo,
            ledger_entries::created_at,
            ledger_postings::account,
            ledger_postings::amount,
        ))
        .order(ledger_postings::id.desc())
        .limit(limit)
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable)]
pub struct EntryRow {
    pub id: i64,
    pub kind: EntryKind,
    pub award_id: Option<AwardId>,
    pub memo: String,
    pub created_at: DateTime<Utc>,
    pub account: Account,
    pub amount: Decimal,
}

/// Postings of the fund (or of one award), entry by entry, oldest first.
pub async fn postings(
    conn: &mut impl Reader,
    fund: FundId,
    award: Option<AwardId>,
) -> QueryResult<Vec<EntryRow>> {
    let mut q = ledger_postings::table
        .inner_join(ledger_entries::table)
        .filter(ledger_entries::fund_id.eq(fund))
        .select((
            ledger_entries::id,
            ledger_entries::kind,
            ledger_entries::award_id,
            ledger_entries::memo,
            ledger_entries::created_at,
            ledger_postings::account,
            ledger_postings::amount,
        ))
        .order((ledger_entries::id, ledger_postings::id))
        .into_boxed();
    if let Some(a) = award {
        q = q.filter(ledger_entries::award_id.eq(a));
    }
    q.load(conn).await
}

// ---- corrections

#[derive(Debug, Clone, Queryable)]
pub struct Correction {
    pub id: i64,
    pub entry_id: i64,
    pub reason: String,
    pub state: Approval,
    pub requested_by: UserId,
    pub requested_at: DateTime<Utc>,
}

/// `None` if the entry already has a correction waiting or made.
pub async fn request_correction(
    conn: &mut Conn,
    fund: FundId,
    entry: i64,
    reason: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Option<i64>> {
    use crate::db::schema::corrections as c;
    let r = diesel::insert_into(c::table)
        .values((
            c::fund_id.eq(fund),
            c::entry_id.eq(entry),
            c::reason.eq(reason),
            c::requested_by.eq(by),
            c::requested_at.eq(now),
        ))
        .returning(c::id)
        .get_result(conn)
        .await;
    match r {
        Ok(id) => Ok(Some(id)),
        Err(e) if super::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

pub async fn find_correction_for_update(
    conn: &mut Conn,
    id: i64,
) -> QueryResult<Option<(FundId, Correction)>> {
    use crate::db::schema::corrections as c;
    c::table
        .find(id)
        .select((
            c::fund_id,
            (
                c::id,
                c::entry_id,
                c::reason,
                c::state,
                c::requested_by,
                c::requested_at,
            ),
        ))
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Marks a waiting correction decided; `false` if it was decided meanwhile.
pub async fn decide_correction(
    conn: &mut Conn,
    id: i64,
    to: Approval,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    use crate::db::schema::corrections as c;
    diesel::update(c::table.find(id).filter(c::state.eq(Approval::Pending)))
        .set((c::state.eq(to), c::decided_by.eq(by), c::decided_at.eq(now)))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn pending_corrections(
    conn: &mut impl Reader,
    fund: FundId,
) -> QueryResult<Vec<Correction>> {
    use crate::db::schema::corrections as c;
    c::table
        .filter(c::fund_id.eq(fund))
        .filter(c::state.eq(Approval::Pending))
        .select((
            c::id,
            c::entry_id,
            c::reason,
            c::state,
            c::requested_by,
            c::requested_at,
        ))
        .order(c::id)
        .load(conn)
        .await
}

/// The entry's fund, kind and payment request, if it exists.
pub async fn entry(
    conn: &mut Conn,
    id: i64,
) -> QueryResult<Option<(FundId, EntryKind, Option<PaymentId>, Option<i64>)>> {
    ledger_entries::table
        .find(id)
        .select((
            ledger_entries::fund_id,
            ledger_entries::kind,
            ledger_entries::payment_request_id,
            ledger_entries::reverses,
        ))
        .first(conn)
        .await
        .optional()
}

/// Whether an entry has been reversed already (an entry is reversed at most once).
pub async fn is_reversed(conn: &mut Conn, entry: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        ledger_entries::table.filter(ledger_entries::reverses.eq(entry)),
    ))
    .get_result(conn)
    .await
}

/// Posts the reversal of `entry`: an adjustment whose postings are the
/// original's, negated.
pub async fn post_reversal(
    conn: &mut Conn,
    entry: i64,
    memo: &str,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let (fund, award): (FundId, Option<AwardId>) = ledger_entries::table
        .find(entry)
        .select((ledger_entries::fund_id, ledger_entries::award_id))
        .first(conn)
        .await?;
    let id: i64 = diesel::insert_into(ledger_entries::table)
        .values((
            ledger_entries::fund_id.eq(fund),
            ledger_entries::kind.eq(EntryKind::Adjustment),
            ledger_entries::award_id.eq(award),
            ledger_entries::reverses.eq(entry),
            ledger_entries::memo.eq(memo),
            ledger_entries::created_by.eq(by),
            ledger_entries::created_at.eq(now),
        ))
        .returning(ledger_entries::id)
        .get_result(conn)
        .await?;
    let originals: Vec<(String, Option<AwardId>, Decimal)> = ledger_postings::table
        .filter(ledger_postings::entry_id.eq(entry))
        .select((
            ledger_postings::account,
            ledger_postings::award_id,
            ledger_postings::amount,
        ))
        .load(conn)
        .await?;
    let rows: Vec<_> = originals
        .iter()
        .map(|(account, award, amount)| {
            (
                ledger_postings::entry_id.eq(id),
                ledger_postings::fund_id.eq(fund),
                ledger_postings::account.eq(account),
                ledger_postings::award_id.eq(*award),
                ledger_postings::amount.eq(-*amount),
            )
        })
        .collect();
    diesel::insert_into(ledger_postings::table)
        .values(rows)
        .execute(conn)
        .await?;
    Ok(id)
}

/// The positive amount an entry moved (its postings' positive side).
pub async fn entry_amount(conn: &mut Conn, entry: i64) -> QueryResult<Decimal> {
    let amounts: Vec<Decimal> = ledger_postings::table
        .filter(ledger_postings::entry_id.eq(entry))
        .filter(ledger_postings::amount.gt(Decimal::ZERO))
        .select(ledger_postings::amount)
        .load(conn)
        .await?;
    Ok(amounts.into_iter().sum())
}

#[derive(Debug, Clone, Queryable)]
pub struct ExportRow {
    pub posting: i64,
    pub entry: i64,
    pub created_at: DateTime<Utc>,
    pub kind: EntryKind,
    pub fund: FundId,
    pub currency: Currency,
    pub award_id: Option<AwardId>,
    pub account: Account,
    pub amount: Decimal,
    pub memo: String,
}

/// Starts the read-only snapshot a streamed export reads every page from.
/// The caller ends it with `end_export_snapshot` or closes the connection.
pub async fn begin_export_snapshot(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(conn)
        .await
        .map(drop)
}

pub async fn end_export_snapshot(conn: &mut Conn) -> QueryResult<()> {
    diesel::sql_query("COMMIT").execute(conn).await.map(drop)
}

/// Up to `limit` postings with ids after `after`, of one fund or all, by
/// posting id: one page of a streamed export (run in one snapshot).
pub async fn export_page(
    conn: &mut Conn,
    fund: Option<FundId>,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ExportRow>> {
    let mut q = ledger_postings::table
        .inner_join(ledger_entries::table)
        .inner_join(funds::table.on(funds::id.eq(ledger_postings::fund_id)))
        .filter(ledger_postings::id.gt(after))
        .select((
            ledger_postings::id,
            ledger_entries::id,
            ledger_entries::created_at,
            ledger_entries::kind,
            ledger_postings::fund_id,
            funds::currency,
            ledger_postings::award_id,
            ledger_postings::account,
            ledger_postings::amount,
            ledger_entries::memo,
        ))
        .order(ledger_postings::id)
        .limit(limit)
        .into_boxed();
    if let Some(f) = fund {
        q = q.filter(ledger_postings::fund_id.eq(f));
    }
    q.load(conn).await
}

/// One month of a fund's ledger, with the running totals at its end.
pub use crate::domain::ledger::MonthTotals;

/// The fund's running commitments and disbursements at the end of each of
/// its last `months` months with ledger activity or between such months
/// (a quiet month repeats the month before). Read from the monthly flows
/// the posting trigger keeps (`ledger_fund_months`, a row per account and
/// month), so the work grows with the fund's months, not with its
/// postings; the running sums are `domain::ledger::running_months`.
pub async fn monthly_totals(
    conn: &mut impl Reader,
    fund: FundId,
    months: i64,
) -> QueryResult<Vec<MonthTotals>> {
    use crate::db::schema::ledger_fund_months as m;
    let flows: Vec<(chrono::NaiveDate, Account, Decimal)> = m::table
        .filter(m::fund_id.eq(fund))
        .select((m::month, m::account, m::amount))
        .load(conn)
        .await?;
    Ok(crate::domain::ledger::running_months(
        &flows,
        usize::try_from(months).unwrap_or(0),
    ))
}
