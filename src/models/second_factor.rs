//! The second factor: TOTP secrets, recovery codes and logins waiting for a code.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, UserId};
use crate::db::schema::{login_challenges, recovery_codes, user_totp};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = user_totp)]
pub struct Totp {
    pub user_id: UserId,
    pub secret: Vec<u8>,
    pub confirmed_at: DateTime<Utc>,
    pub last_step: i64,
}

pub async fn totp_of(conn: &mut Conn, user: UserId) -> QueryResult<Option<Totp>> {
    user_totp::table
        .find(user)
        .select(Totp::as_select())
        .first(conn)
        .await
        .optional()
}

/// Which of `users` have a confirmed second factor.
pub async fn enrolled_among(conn: &mut Conn, users: &[UserId]) -> QueryResult<Vec<UserId>> {
    user_totp::table
        .filter(user_totp::user_id.eq_any(users))
        .select(user_totp::user_id)
        .load(conn)
        .await
}

pub async fn enrol(
    conn: &mut Conn,
    user: UserId,
    secret: &[u8],
    step: i64,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(user_totp::table)
        .values((
            user_totp::user_id.eq(user),
            user_totp::secret.eq(secret),
            user_totp::confirmed_at.eq(at),
            user_totp::last_step.eq(step),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Records `step` as used, only if it is later than the last one used:
/// of two requests with the same code, one wins.
pub async fn use_step(conn: &mut Conn, user: UserId, step: i64) -> QueryResult<bool> {
    diesel::update(
        user_totp::table
            .find(user)
            .filter(user_totp::last_step.lt(step)),
    )
    .set(user_totp::last_step.eq(step))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Removes the second factor and its recovery codes (an admin's reset).
pub async fn remove(conn: &mut Conn, user: UserId) -> QueryResult<bool> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
        .execute(conn)
        .await?;
    diesel::delete(user_totp::table.find(user))
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Replaces the user's recovery codes with new ones (digests only).
pub async fn replace_recovery_codes(
    conn: &mut Conn,
    user: UserId,
    digests: &[Vec<u8>],
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(recovery_codes::table.filter(recovery_codes::user_id.eq(user)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = digests
        .iter()
        .map(|d| {
            (
                recovery_codes::user_id.eq(user),
                recovery_codes::code_hash.eq(d),
                recovery_codes::issued_at.eq(at),
            )
        })
        .collect();
    diesel::insert_into(recovery_codes::table)
        .values(&rows)
        .execute(conn)
        .await
        .map(drop)
}

/// Marks an unused recovery code used; false when there is none such.
pub async fn use_recovery_code(
    conn: &mut Conn,
    user: UserId,
    digest: &[u8],
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        recovery_codes::table
            .filter(recovery_codes::user_id.eq(user))
            .filter(recovery_codes::code_hash.eq(digest))
            .filter(recovery_codes::used_at.is_null()),
    )
    .set(recovery_codes::used_at.eq(at))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn recovery_codes_left(conn: &mut Conn, user: UserId) -> QueryResult<i64> {
    recovery_codes::table
        .filter(recovery_codes::user_id.eq(user))
        .filter(recovery_codes::used_at.is_null())
        .count()
        .get_result(conn)
        .await
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = login_challenges)]
pub struct Challenge {
    pub id: i64,
    pub user_id: UserId,
    pub created_at: DateTime<Utc>,
    pub pending_secret: Option<Vec<u8>>,
    pub failures: i32,
}

/// A new challenge; any earlier one of the same user ends (one login at a time).
pub async fn open_challenge(
    conn: &mut Conn,
    user: UserId,
    token_hash: &[u8],
    pending_secret: Option<&[u8]>,
    at: DateTime<Utc>,
    ip: Option<&str>,
) -> QueryResult<()> {
    diesel::delete(login_challenges::table.filter(login_challenges::user_id.eq(user)))
        .execute(conn)
        .await?;
    diesel::insert_into(login_challenges::table)
        .values((
            login_challenges::token_hash.eq(token_hash),
            login_challenges::user_id.eq(user),
            login_challenges::created_at.eq(at),
            login_challenges::pending_secret.eq(pending_secret),
            login_challenges::ip.eq(ip),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// The challenge of a token, locked until the end of the transaction so that
/// two codes sent at once are judged one after the other.
pub async fn challenge_for_update(
    conn: &mut Conn,
    token_hash: &[u8],
) -> QueryResult<Option<Challenge>> {
    login_challenges::table
        .filter(login_challenges::token_hash.eq(token_hash))
        .select(Challenge::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn challenge(conn: &mut Conn, token_hash: &[u8]) -> QueryResult<Option<Challenge>> {
    login_challenges::table
        .filter(login_challenges::token_hash.eq(token_hash))
        .select(Challenge::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn count_failure(conn: &mut Conn, id: i64) -> QueryResult<i32> {
    diesel::update(login_challenges::table.find(id))
        .set(login_challenges::failures.eq(login_challenges::failures + 1))
        .returning(login_challenges::failures)
        .get_result(conn)
        .await
}

/// Ends every open login of a user (password reset, second factor reset).
pub async fn close_challenges_of(conn: &mut Conn, user: UserId) -> QueryResult<()> {
    diesel::delete(login_challenges::table.filter(login_challenges::user_id.eq(user)))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn close_challenge(conn: &mut Conn, id: i64) -> QueryResult<()> {
    diesel::delete(login_challenges::table.find(id))
        .execute(conn)
        .await
        .map(drop)
}
