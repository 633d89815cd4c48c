use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, FundId, Reader, UserId};
use crate::db::schema::funds;
use crate::domain::money::Currency;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = funds)]
pub struct Fund {
    pub id: FundId,
    pub name_zh: String,
    pub name_en: String,
    pub sponsors: String,
    pub currency: Currency,
    pub created_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = funds)]
pub struct NewFund<'a> {
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub sponsors: &'a str,
    pub currency: Currency,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: &NewFund<'_>) -> QueryResult<Fund> {
    diesel::insert_into(funds::table)
        .values(new)
        .returning(Fund::as_returning())
        .get_result(conn)
        .await
}

pub async fn all(conn: &mut Conn) -> QueryResult<Vec<Fund>> {
    funds::table
        .select(Fund::as_select())
        .order(funds::id)
        .load(conn)
        .await
}

pub async fn find(conn: &mut impl Reader, id: FundId) -> QueryResult<Option<Fund>> {
    funds::table
        .find(id)
        .select(Fund::as_select())
        .first(conn)
        .await
        .optional()
}

/// The fund of the call `call`, by the call's id alone (so that it can be
/// read together with the call).
pub async fn of_call(
    conn: &mut impl Reader,
    call: crate::models::CallId,
) -> QueryResult<Option<Fund>> {
    use crate::db::schema::calls;
    funds::table
        .filter(
            funds::id.eq_any(
                calls::table
                    .filter(calls::id.eq(call))
                    .select(calls::fund_id),
            ),
        )
        .select(Fund::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_by_name_en(conn: &mut Conn, name: &str) -> QueryResult<Option<Fund>> {
    funds::table
        .filter(funds::name_en.eq(name))
        .select(Fund::as_select())
        .first(conn)
        .await
        .optional()
}

/// The currencies of these funds.
pub async fn currencies(
    conn: &mut impl Reader,
    ids: &[FundId],
) -> QueryResult<std::collections::HashMap<FundId, Currency>> {
    funds::table
        .filter(funds::id.eq_any(ids.to_vec()))
        .select((funds::id, funds::currency))
        .load::<(FundId, Currency)>(conn)
        .await
        .map(|rows| rows.into_iter().collect())
}
