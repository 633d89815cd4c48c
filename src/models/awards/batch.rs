//! Payments on their way to the bank (issue 25): batches, the transfer
//! states of approved tranche payments, and the grantee's bank details
//! waiting for finance.

use super::*;
use crate::domain::bank::StatementOutcome;

crate::domain::code::codes! {
    /// Bank details the grantee proposed: waiting, then decided by finance.
    pub enum BankChangeState {
        Pending = "pending",
        Confirmed = "confirmed",
        Rejected = "rejected",
    }
}

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

/// The first `limit` of the batch's payments, each with its application's
/// title, for its page (the file has them all).
pub async fn batch_payments_shown(
    conn: &mut impl Reader,
    batch: BatchId,
    limit: i64,
) -> QueryResult<Vec<(Payment, String)>> {
    use crate::db::schema::applications;
    payment_requests::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(payment_requests::batch_id.eq(batch))
        .select((Payment::as_select(), applications::title))
        .order(payment_requests::id)
        .limit(limit)
        .load(conn)
        .await
}

/// How many payments a batch holds and what they send.
pub async fn batch_total(conn: &mut impl Reader, batch: BatchId) -> QueryResult<(i64, Decimal)> {
    let (n, sum): (i64, Option<Decimal>) = payment_requests::table
        .filter(payment_requests::batch_id.eq(batch))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::sum(payment_requests::amount_sent),
        ))
        .first(conn)
        .await?;
    Ok((n, sum.unwrap_or_default()))
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
/// at most `limit`, with their application's title.
pub async fn payments_at_bank(
    conn: &mut impl Reader,
    limit: i64,
) -> QueryResult<Vec<(Payment, String)>> {
    use crate::db::schema::applications;
    payment_requests::table
        .inner_join(awards::table.inner_join(applications::table))
        .filter(payment_requests::transfer.eq(Transfer::Sent))
        .select((Payment::as_select(), applications::title))
        .order(payment_requests::id)
        .limit(limit)
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
        .filter(bank_changes::state.eq(BankChangeState::Pending))
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
        .filter(bank_changes::state.eq(BankChangeState::Pending))
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
            .filter(bank_changes::state.eq(BankChangeState::Pending)),
    )
    .set((
        bank_changes::state.eq(if confirm {
            BankChangeState::Confirmed
        } else {
            BankChangeState::Rejected
        }),
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

/// An imported bank statement.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bank_statements)]
pub struct Statement {
    pub id: i64,
    pub digest: String,
    pub file_name: String,
    pub lines: i32,
    pub imported_by: UserId,
    pub imported_at: DateTime<Utc>,
}

/// What a line of a statement did.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = bank_statement_lines)]
pub struct StatementLineRow {
    pub line: i32,
    pub account: String,
    pub end_to_end: String,
    pub amount: Decimal,
    pub currency: String,
    pub returned: bool,
    pub reason: String,
    pub payment_id: Option<PaymentId>,
    pub outcome: StatementOutcome,
    pub note: String,
}

/// Records a statement by its digest; `None` if that file was imported
/// already.
pub async fn insert_statement(
    conn: &mut Conn,
    digest: &str,
    file_name: &str,
    lines: i32,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<Option<i64>> {
    diesel::insert_into(bank_statements::table)
        .values((
            bank_statements::digest.eq(digest),
            bank_statements::file_name.eq(file_name),
            bank_statements::lines.eq(lines),
            bank_statements::imported_by.eq(by),
            bank_statements::imported_at.eq(now),
        ))
        .on_conflict(bank_statements::digest)
        .do_nothing()
        .returning(bank_statements::id)
        .get_result(conn)
        .await
        .optional()
}

pub async fn statement_by_digest(conn: &mut impl Reader, digest: &str) -> QueryResult<Option<i64>> {
    bank_statements::table
        .filter(bank_statements::digest.eq(digest))
        .select(bank_statements::id)
        .first(conn)
        .await
        .optional()
}

pub struct NewStatementLine<'a> {
    pub line: i32,
    pub account: &'a str,
    pub end_to_end: &'a str,
    pub amount: Decimal,
    pub currency: &'a str,
    pub returned: bool,
    pub reason: &'a str,
    pub payment: Option<PaymentId>,
    pub outcome: StatementOutcome,
    pub note: &'a str,
}

pub async fn insert_statement_line(
    conn: &mut Conn,
    statement: i64,
    l: &NewStatementLine<'_>,
) -> QueryResult<()> {
    diesel::insert_into(bank_statement_lines::table)
        .values((
            bank_statement_lines::statement_id.eq(statement),
            bank_statement_lines::line.eq(l.line),
            bank_statement_lines::account.eq(l.account),
            bank_statement_lines::end_to_end.eq(l.end_to_end),
            bank_statement_lines::amount.eq(l.amount),
            bank_statement_lines::currency.eq(l.currency),
            bank_statement_lines::returned.eq(l.returned),
            bank_statement_lines::reason.eq(l.reason),
            bank_statement_lines::payment_id.eq(l.payment),
            bank_statement_lines::outcome.eq(l.outcome),
            bank_statement_lines::note.eq(l.note),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn find_statement(conn: &mut impl Reader, id: i64) -> QueryResult<Option<Statement>> {
    bank_statements::table
        .find(id)
        .select(Statement::as_select())
        .first(conn)
        .await
        .optional()
}

/// A statement's lines, those that matched nothing first, each group in
/// file order (at most `limit`).
pub async fn statement_lines(
    conn: &mut impl Reader,
    statement: i64,
    limit: i64,
) -> QueryResult<Vec<StatementLineRow>> {
    bank_statement_lines::table
        .filter(bank_statement_lines::statement_id.eq(statement))
        .select(StatementLineRow::as_select())
        .order((
            bank_statement_lines::outcome.ne(StatementOutcome::Unmatched),
            bank_statement_lines::id,
        ))
        .limit(limit)
        .load(conn)
        .await
}

/// The latest statements, newest first, each with its unmatched lines.
pub async fn statements(conn: &mut impl Reader, limit: i64) -> QueryResult<Vec<(Statement, i64)>> {
    let list: Vec<Statement> = bank_statements::table
        .select(Statement::as_select())
        .order(bank_statements::id.desc())
        .limit(limit)
        .load(conn)
        .await?;
    let ids: Vec<i64> = list.iter().map(|s| s.id).collect();
    let counts: Vec<(i64, i64)> = bank_statement_lines::table
        .filter(bank_statement_lines::statement_id.eq_any(&ids))
        .filter(bank_statement_lines::outcome.eq(StatementOutcome::Unmatched))
        .group_by(bank_statement_lines::statement_id)
        .select((
            bank_statement_lines::statement_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await?;
    let counts: std::collections::HashMap<i64, i64> = counts.into_iter().collect();
    Ok(list
        .into_iter()
        .map(|s| {
            let n = counts.get(&s.id).copied().unwrap_or(0);
            (s, n)
        })
        .collect())
}

/// The funds of `payments` (that exist), for locking in one order.
pub async fn funds_of_payments(
    conn: &mut Conn,
    payments: &[PaymentId],
) -> QueryResult<Vec<FundId>> {
    payment_requests::table
        .inner_join(awards::table)
        .filter(payment_requests::id.eq_any(payments))
        .select(awards::fund_id)
        .distinct()
        .order(awards::fund_id)
        .load(conn)
        .await
}

/// The account each batch holding one of `payments` paid from.
pub async fn payment_batch_accounts(
    conn: &mut Conn,
    payments: &[PaymentId],
) -> QueryResult<std::collections::HashMap<BatchId, String>> {
    let rows: Vec<(BatchId, String)> = payment_batches::table
        .filter(
            payment_batches::id.nullable().eq_any(
                payment_requests::table
                    .filter(payment_requests::id.eq_any(payments))
                    .select(payment_requests::batch_id),
            ),
        )
        .select((payment_batches::id, payment_batches::debtor_account))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Whether any batch was paid from `account` (as banks read it).
pub async fn account_known(conn: &mut Conn, accounts: &[String]) -> QueryResult<bool> {
    let all: Vec<String> = payment_batches::table
        .select(payment_batches::debtor_account)
        .distinct()
        .load(conn)
        .await?;
    Ok(all
        .iter()
        .any(|a| accounts.contains(&crate::domain::bank::account_id(a))))
}
