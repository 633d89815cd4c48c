//! Payments on their way to the bank (issue 25): batches, the transfer
//! states of approved tranche payments, and the grantee's bank details
//! waiting for finance.

use super::*;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = payment_batches)]
pub struct Batch {
    pub id: BatchId,
    pub fund_id: FundId,
    pub currency: Currency,
    pub state: BatchState,
    pub debtor_name: String,
    pub debtor_account: String,
    pub debtor_bank: String,
    pub debtor_bic: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub sent_by: Option<UserId>,
    pub sent_at: Option<DateTime<Utc>>,
}

crate::domain::code::codes! {
    /// A batch can change until its file is first downloaded.
    pub enum BatchState {
        Open = "open",
        Sent = "sent",
    }
}

/// The account a batch pays from, as finance typed it.
pub struct Debtor<'a> {
    pub name: &'a str,
    pub account: &'a str,
    pub bank: &'a str,
    pub bic: &'a str,
}

/// Approved payments of one fund in one currency not yet in a batch.
#[derive(Debug, Clone, QueryableByName)]
pub struct ReadyGroup {
    #[diesel(sql_type = diesel::sql_types::Int8)]
    pub fund_id: FundId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub currency: Currency,
    #[diesel(sql_type = diesel::sql_types::Int8)]
    pub count: i64,
    #[diesel(sql_type = diesel::sql_types::Numeric)]
    pub total: Decimal,
}

pub async fn ready_groups(conn: &mut impl Reader) -> QueryResult<Vec<ReadyGroup>> {
    diesel::sql_query(
        "SELECT a.fund_id, p.payee_currency AS currency, count(*) AS count, \
                sum(p.amount_sent) AS total \
         FROM payment_requests p JOIN awards a ON a.id = p.award_id \
         WHERE p.transfer = 'ready' AND p.batch_id IS NULL \
         GROUP BY a.fund_id, p.payee_currency ORDER BY a.fund_id, p.payee_currency",
    )
    .load(conn)
    .await
}

/// Opens a batch holding every ready payment of `fund` in `currency` not in
/// another batch; `None` (and no batch) when there is none.
pub async fn create_batch(
    conn: &mut Conn,
    fund: FundId,
    currency: Currency,
    debtor: &Debtor<'_>,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Option<(BatchId, Vec<PaymentId>)>> {
    let id: BatchId = diesel::insert_into(payment_batches::table)
        .values((
            payment_batches::fund_id.eq(fund),
            payment_batches::currency.eq(currency),
            payment_batches::debtor_name.eq(debtor.name),
            payment_batches::debtor_account.eq(debtor.account),
            payment_batches::debtor_bank.eq(debtor.bank),
            payment_batches::debtor_bic.eq(debtor.bic),
            payment_batches::created_by.eq(by),
            payment_batches::created_at.eq(now),
        ))
        .returning(payment_batches::id)
        .get_result(conn)
        .await?;
    let of_fund = awards::table
        .filter(awards::fund_id.eq(fund))
        .select(awards::id);
    let mut taken: Vec<PaymentId> = diesel::update(
        payment_requests::table
            .filter(payment_requests::transfer.eq(Transfer::Ready))
            .filter(payment_requests::batch_id.is_null())
            .filter(payment_requests::payee_currency.eq(currency))
            .filter(payment_requests::award_id.eq_any(of_fund)),
    )
    .set(payment_requests::batch_id.eq(id))
    .returning(payment_requests::id)
    .get_results(conn)
    .await?;
    if taken.is_empty() {
        diesel::delete(payment_batches::table.find(id))
            .execute(conn)
            .await?;
        return Ok(None);
    }
    taken.sort();
    Ok(Some((id, taken)))
}

pub async fn find_batch(conn: &mut impl Reader, id: BatchId) -> QueryResult<Option<Batch>> {
    payment_batches::table
        .find(id)
        .select(Batch::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_batch_for_update(conn: &mut Conn, id: BatchId) -> QueryResult<Option<Batch>> {
    payment_batches::table
        .find(id)
        .select(Batch::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// The batch's payments in order, each with its application's title.
pub async fn batch_payments(
    conn: &mut impl Reader,
    batch: BatchId,
) -> QueryResult<Vec<(Payment, String)>> {
    use crate::db::schema::applications;
    payment_requests::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(payment_requests::batch_id.eq(batch))
        .select((Payment::as_select(), applications::title))
        .order(payment_requests::id)
        .load(conn)
        .await
}

/// The latest batches, newest first.
pub async fn batches(conn: &mut impl Reader, limit: i64) -> QueryResult<Vec<Batch>> {
    payment_batches::table
        .select(Batch::as_select())
        .order(payment_batches::id.desc())
        .limit(limit)
        .load(conn)
        .await
}

/// The account the fund's last batch in `currency` paid from, to preset
/// the next one.
pub async fn last_debtor(
    conn: &mut impl Reader,
    fund: FundId,
    currency: Currency,
) -> QueryResult<Option<Batch>> {
    payment_batches::table
        .filter(payment_batches::fund_id.eq(fund))
        .filter(payment_batches::currency.eq(currency))
        .select(Batch::as_select())
        .order(payment_batches::id.desc())
        .first(conn)
        .await
        .optional()
}

/// Takes a ready payment out of an open batch; `false` if it was not there.
pub async fn remove_from_batch(
    conn: &mut Conn,
    batch: BatchId,
    payment: PaymentId,
) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(payment)
            .filter(payment_requests::batch_id.eq(batch))
            .filter(payment_requests::transfer.eq(Transfer::Ready)),
    )
    .set(payment_requests::batch_id.eq(None::<BatchId>))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Sends an open batch: it is locked and its payments are sent. `false` if
/// it was sent already.
pub async fn send_batch(
    conn: &mut Conn,
    batch: BatchId,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        payment_batches::table
            .find(batch)
            .filter(payment_batches::state.eq(BatchState::Open)),
    )
    .set((
        payment_batches::state.eq(BatchState::Sent),
        payment_batches::sent_by.eq(by),
        payment_batches::sent_at.eq(now),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    diesel::update(
        payment_requests::table
            .filter(payment_requests::batch_id.eq(batch))
            .filter(payment_requests::transfer.eq(Transfer::Ready)),
    )
    .set(payment_requests::transfer.eq(Transfer::Sent))
    .execute(conn)
    .await?;
    Ok(true)
}

/// Records a sent payment as paid by the bank; `false` if it was not sent
/// (or no longer is).
pub async fn settle(
    conn: &mut Conn,
    payment: PaymentId,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(payment)
            .filter(payment_requests::transfer.eq(Transfer::Sent))
            .filter(payment_requests::return_reported_at.is_null()),
    )
    .set((
        payment_requests::transfer.eq(Transfer::Settled),
        payment_requests::settled_by.eq(by),
        payment_requests::settled_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// A finance officer reports that the bank sent a payment back; another
/// confirms it. `false` if the payment was not sent or a return is already
/// reported.
pub async fn report_return(
    conn: &mut Conn,
    payment: PaymentId,
    reason: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(payment)
            .filter(payment_requests::transfer.eq(Transfer::Sent))
            .filter(payment_requests::return_reported_at.is_null()),
    )
    .set((
        payment_requests::return_reason.eq(reason),
        payment_requests::return_reported_by.eq(by),
        payment_requests::return_reported_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// The checker confirms a reported return; `false` if there was none to
/// confirm.
pub async fn confirm_return(
    conn: &mut Conn,
    payment: PaymentId,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(payment)
            .filter(payment_requests::transfer.eq(Transfer::Sent))
            .filter(payment_requests::return_reported_by.is_not_null())
            .filter(payment_requests::return_reported_by.ne(by)),
    )
    .set((
        payment_requests::transfer.eq(Transfer::Returned),
        payment_requests::returned_by.eq(by),
        payment_requests::returned_at.eq(now),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// The checker finds a reported return wrong: the payment is sent again,
/// waiting for the statement.
pub async fn dismiss_return(conn: &mut Conn, payment: PaymentId) -> QueryResult<bool> {
    diesel::update(
        payment_requests::table
            .find(payment)
            .filter(payment_requests::transfer.eq(Transfer::Sent))
            .filter(payment_requests::return_reported_by.is_not_null()),
    )
    .set((
        payment_requests::return_reason.eq(None::<String>),
        payment_requests::return_reported_by.eq(None::<UserId>),
        payment_requests::return_reported_at.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Payments at the bank that wait for someone: sent (waiting for the
/// statement) and returns reported (waiting for a checker), oldest first,
/// with their application's title.
pub async fn payments_at_bank(conn: &mut impl Reader) -> QueryResult<Vec<(Payment, String)>> {
    use crate::db::schema::applications;
    payment_requests::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(payment_requests::transfer.eq(Transfer::Sent))
        .select((Payment::as_select(), applications::title))
        .order(payment_requests::id)
        .limit(200)
        .load(conn)
        .await
}

/// How many payments wait at each stage: approved and not in a batch,
/// in an open batch, sent, return reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TransferCounts {
    pub ready: i64,
    pub batched: i64,
    pub sent: i64,
    pub return_reported: i64,
}

#[derive(QueryableByName)]
struct TransferCount {
    #[diesel(sql_type = diesel::sql_types::Text)]
    stage: String,
    #[diesel(sql_type = diesel::sql_types::Int8)]
    n: i64,
}

pub async fn transfer_counts(conn: &mut impl Reader) -> QueryResult<TransferCounts> {
    let rows: Vec<TransferCount> = diesel::sql_query(
        "SELECT CASE WHEN transfer = 'ready' AND batch_id IS NULL THEN 'ready' \
                     WHEN transfer = 'ready' THEN 'batched' \
                     WHEN return_reported_at IS NULL THEN 'sent' \
                     ELSE 'return_reported' END AS stage, count(*) AS n \
         FROM payment_requests WHERE transfer IN ('ready', 'sent') GROUP BY 1",
    )
    .load(conn)
    .await?;
    let mut c = TransferCounts::default();
    for row in rows {
        match row.stage.as_str() {
            "ready" => c.ready = row.n,
            "batched" => c.batched = row.n,
            "sent" => c.sent = row.n,
            _ => c.return_reported = row.n,
        }
    }
    Ok(c)
}

/// When the bank last sent back a payment of the award.
pub async fn last_return(
    conn: &mut impl Reader,
    award: AwardId,
) -> QueryResult<Option<DateTime<Utc>>> {
    payment_requests::table
        .filter(payment_requests::award_id.eq(award))
        .select(diesel::dsl::max(payment_requests::returned_at))
        .first(conn)
        .await
}

/// The ledger entry that disbursed a payment.
pub async fn disbursement_of(conn: &mut Conn, payment: PaymentId) -> QueryResult<Option<i64>> {
    use crate::db::schema::ledger_entries;
    ledger_entries::table
        .filter(ledger_entries::payment_request_id.eq(payment))
        .filter(ledger_entries::kind.eq(crate::domain::ledger::EntryKind::Disbursement))
        .select(ledger_entries::id)
        .first(conn)
        .await
        .optional()
}

/// Bank details the grantee proposed, waiting for finance.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bank_changes)]
pub struct BankChange {
    pub id: i64,
    pub award_id: AwardId,
    pub account_name: String,
    pub bank_name: String,
    pub account_number: String,
    pub currency: Currency,
    pub proposed_by: UserId,
    pub proposed_at: DateTime<Utc>,
}

pub struct NewBankDetails<'a> {
    pub account_name: &'a str,
    pub bank_name: &'a str,
    pub account_number: &'a str,
    pub currency: Currency,
}

/// `false` if a change already waits for the award.
pub async fn propose_bank_change(
    conn: &mut Conn,
    award: AwardId,
    d: &NewBankDetails<'_>,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let result = diesel::insert_into(bank_changes::table)
        .values((
            bank_changes::award_id.eq(award),
            bank_changes::account_name.eq(d.account_name),
            bank_changes::bank_name.eq(d.bank_name),
            bank_changes::account_number.eq(d.account_number),
            bank_changes::currency.eq(d.currency),
            bank_changes::proposed_by.eq(by),
            bank_changes::proposed_at.eq(now),
        ))
        .execute(conn)
        .await;
    match result {
        Ok(_) => Ok(true),
        Err(e) if crate::models::is_unique_violation(&e) => Ok(false),
        Err(e) => Err(e),
    }
}

pub async fn pending_bank_change(
    conn: &mut impl Reader,
    award: AwardId,
) -> QueryResult<Option<BankChange>> {
    bank_changes::table
        .filter(bank_changes::award_id.eq(award))
        .filter(bank_changes::state.eq("pending"))
        .select(BankChange::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every change waiting, oldest first, with the application's title.
pub async fn pending_bank_changes(
    conn: &mut impl Reader,
) -> QueryResult<Vec<(BankChange, String)>> {
    use crate::db::schema::applications;
    bank_changes::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(bank_changes::state.eq("pending"))
        .select((BankChange::as_select(), applications::title))
        .order(bank_changes::id)
        .limit(200)
        .load(conn)
        .await
}

/// Finance decides the waiting change: confirmed, it becomes the award's
/// account. `false` if none waited.
pub async fn decide_bank_change(
    conn: &mut Conn,
    change: &BankChange,
    confirm: bool,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        bank_changes::table
            .find(change.id)
            .filter(bank_changes::state.eq("pending")),
    )
    .set((
        bank_changes::state.eq(if confirm { "confirmed" } else { "rejected" }),
        bank_changes::decided_by.eq(by),
        bank_changes::decided_at.eq(now),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    if confirm {
        diesel::update(awards::table.find(change.award_id))
            .set((
                awards::bank_account_name.eq(&change.account_name),
                awards::bank_name.eq(&change.bank_name),
                awards::bank_account_number.eq(&change.account_number),
                awards::bank_currency.eq(change.currency),
                awards::bank_confirmed_at.eq(now),
            ))
            .execute(conn)
            .await?;
    }
    Ok(true)
}

/// Finance confirms the bank details as they stand (the bank's return was
/// not about them).
pub async fn confirm_bank_details(
    conn: &mut Conn,
    award: AwardId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        awards::table
            .find(award)
            .filter(awards::bank_account_number.is_not_null()),
    )
    .set(awards::bank_confirmed_at.eq(now))
    .execute(conn)
    .await
    .map(|n| n == 1)
}
