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

/// Tranches ready to request (kept in `tranches_ready`), in award order:
/// the first `limit`, each with its application's title and the award's
/// currency.
pub async fn ready_tranches(
    conn: &mut impl Reader,
    limit: i64,
) -> QueryResult<Vec<(Tranche, String, Currency)>> {
    use crate::db::schema::{applications, tranches_ready};
    tranches_ready::table
        .inner_join(tranches::table.on(tranches::id.eq(tranches_ready::tranche_id)))
        .inner_join(awards::table.on(awards::id.eq(tranches_ready::award_id)))
        .inner_join(applications::table.on(applications::id.eq(awards::application_id)))
        .select((Tranche::as_select(), applications::title, awards::currency))
        .order((tranches_ready::award_id, tranches_ready::position))
        .limit(limit)
        .load(conn)
        .await
}

/// How many tranches are ready to request.
pub async fn ready_tranche_count(conn: &mut impl Reader) -> QueryResult<i64> {
    use crate::db::schema::tranches_ready;
    tranches_ready::table.count().get_result(conn).await
}
