use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, UserId};
use crate::db::schema::user_tokens;
use crate::domain::code::codes;

codes! {
    pub enum Purpose {
        VerifyEmail = "verify_email",
        ResetPassword = "reset_password",
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_tokens)]
pub struct UserToken {
    pub id: i64,
    pub user_id: UserId,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// Stores a new token, retiring the user's earlier unused ones of the same purpose.
pub async fn issue(
    conn: &mut Conn,
    user: UserId,
    purpose: Purpose,
    token_hash: &[u8],
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        user_tokens::table
            .filter(user_tokens::user_id.eq(user))
            .filter(user_tokens::purpose.eq(purpose))
            .filter(user_tokens::used_at.is_null()),
    )
    .set(user_tokens::used_at.eq(now))
    .execute(conn)
    .await?;
    diesel::insert_into(user_tokens::table)
        .values((
            user_tokens::user_id.eq(user),
            user_tokens::purpose.eq(purpose),
            user_tokens::token_hash.eq(token_hash),
            user_tokens::created_at.eq(now),
            user_tokens::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Finds a token by its digest and locks it, so two uses cannot both succeed.
pub async fn find_for_update(
    conn: &mut Conn,
    purpose: Purpose,
    token_hash: &[u8],
) -> QueryResult<Option<UserToken>> {
    user_tokens::table
        .filter(user_tokens::purpose.eq(purpose))
        .filter(user_tokens::token_hash.eq(token_hash))
        .select(UserToken::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn mark_used(conn: &mut Conn, id: i64, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(user_tokens::table.find(id))
        .set(user_tokens::used_at.eq(now))
        .execute(conn)
        .await
        .map(drop)
}
