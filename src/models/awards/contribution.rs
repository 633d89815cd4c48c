//! Contributions.

use super::*;

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
    conn: &mut impl Reader,
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
