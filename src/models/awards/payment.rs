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
