use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::Conn;
use crate::db::schema::login_failures;

pub async fn record(conn: &mut Conn, email: &str, ip: &str, at: DateTime<Utc>) -> QueryResult<()> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::email.eq(email),
            login_failures::ip.eq(ip),
            login_failures::at.eq(at),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn times_for_email(
    conn: &mut Conn,
    email: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DateTime<Utc>>> {
    login_failures::table
        .filter(login_failures::email.eq(email))
        .filter(login_failures::at.ge(since))
        .select(login_failures::at)
        .load(conn)
        .await
}

pub async fn times_for_ip(
    conn: &mut Conn,
    ip: &str,
    since: DateTime<Utc>,
) -> QueryResult<Vec<DateTime<Utc>>> {
    login_failures::table
        .filter(login_failures::ip.eq(ip))
        .filter(login_failures::at.ge(since))
        .select(login_failures::at)
        .load(conn)
        .await
}

/// A successful login forgives the account's earlier failures.
pub async fn clear_for_email(conn: &mut Conn, email: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::email.eq(email)))
        .execute(conn)
        .await
        .map(drop)
}

/// Serialises login attempts for one account and one address until the end
/// of the transaction.
pub async fn lock(conn: &mut Conn, email: &str, ip: &str) -> QueryResult<()> {
    use diesel::sql_types::Text;
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('login-email:' || $1)), pg_advisory_xact_lock(hashtext('login-ip:' || $2))")
        .bind::<Text, _>(email)
        .bind::<Text, _>(ip)
        .execute(conn)
        .await
        .map(drop)
}
