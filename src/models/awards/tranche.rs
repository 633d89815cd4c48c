//! Tranches.

use super::*;

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

pub async fn tranches(conn: &mut impl Reader, award: AwardId) -> QueryResult<Vec<Tranche>> {
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
