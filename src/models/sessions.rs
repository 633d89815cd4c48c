use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::users::User;
use super::{Conn, UserId};
use crate::db::schema::{sessions, users};
use crate::domain::role::Role;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: i64,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = sessions)]
pub struct NewSession<'a> {
    pub token_hash: &'a [u8],
    pub user_id: UserId,
    pub csrf_token: &'a str,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, new: &NewSession<'_>) -> QueryResult<Session> {
    diesel::insert_into(sessions::table)
        .values(new)
        .returning(Session::as_returning())
        .get_result(conn)
        .await
}

diesel::define_sql_function! {
    /// The user's roles, sorted (migration `user_roles_of`).
    fn user_roles_of(user_id: diesel::sql_types::BigInt) -> diesel::sql_types::Array<diesel::sql_types::Text>;
}

/// The session, its user and the user's roles, in one statement (it runs on
/// every signed-in request, so it is written without SQL fragments: diesel
/// keeps it prepared on each connection instead of parsing it each time).
pub async fn find_with_user(
    conn: &mut Conn,
    token_hash: &[u8],
) -> QueryResult<Option<(Session, User, Vec<Role>)>> {
    sessions::table
        .inner_join(users::table)
        .filter(sessions::token_hash.eq(token_hash))
        .select((
            Session::as_select(),
            User::as_select(),
            user_roles_of(users::id),
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn touch(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(sessions::table.find(id))
        .set(sessions::last_seen_at.eq(now))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn delete(conn: &mut Conn, id: i64) -> QueryResult<bool> {
    diesel::delete(sessions::table.find(id))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Ends every session of a user except `keep`.
pub async fn delete_for_user(
    conn: &mut Conn,
    user: UserId,
    keep: Option<i64>,
) -> QueryResult<usize> {
    diesel::delete(
        sessions::table
            .filter(sessions::user_id.eq(user))
            .filter(sessions::id.ne(keep.unwrap_or(-1))),
    )
    .execute(conn)
    .await
}
