//! Payment requests.

use super::*;

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
    /// Where an approved tranche payment stands at the bank; `None` for a
    /// request not approved and for a refund.
    pub transfer: Option<Transfer>,
    pub batch_id: Option<BatchId>,
    pub payee_name: Option<String>,
    pub payee_bank: Option<String>,
    pub payee_account: Option<String>,
    pub settled_at: Option<DateTime<Utc>>,
    pub return_reason: Option<String>,
    pub return_reported_by: Option<UserId>,
    pub return_reported_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
}

impl Payment {
    /// The reference the bank carries from the file to the statement
    /// (ISO 20022 end-to-end identification, at most 35 characters).
    pub fn end_to_end(&self) -> String {
        end_to_end(self.id)
    }
}

/// The end-to-end reference of payment `id`.
pub fn end_to_end(id: PaymentId) -> String {
    format!("BG-P{id}")
}

/// The payment an end-to-end reference names, if it is one of ours.
pub fn payment_of_reference(reference: &str) -> Option<PaymentId> {
    let digits = reference.trim().strip_prefix("BG-P")?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || digits.len() > 18 {
        return None;
    }
    digits.parse().ok().map(PaymentId)
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
        Err(e) if crate::models::is_unique_violation(&e) => Ok(None),
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
    /// A tranche's payee as the award's bank details stand (`None` for a
    /// refund, which has no transfer).
    pub payee: Option<Payee<'a>>,
}

/// The account a tranche payment goes to.
pub struct Payee<'a> {
    pub name: &'a str,
    pub bank: &'a str,
    pub account: &'a str,
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
        payment_requests::transfer.eq(r.payee.as_ref().map(|_| Transfer::Ready)),
        payment_requests::payee_name.eq(r.payee.as_ref().map(|p| p.name)),
        payment_requests::payee_bank.eq(r.payee.as_ref().map(|p| p.bank)),
        payment_requests::payee_account.eq(r.payee.as_ref().map(|p| p.account)),
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

pub async fn payments(conn: &mut impl Reader, award: AwardId) -> QueryResult<Vec<Payment>> {
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
