use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, UserId};
use crate::db::schema::{user_roles, users};
use crate::domain::role::Role;
use crate::i18n::Lang;

#[derive(Debug, Clone, Queryable, Selectable, Identifiable)]
#[diesel(table_name = users)]
pub struct User {
    pub id: UserId,
    pub email: String,
    pub name: String,
    pub password_hash: String,
    pub lang: Lang,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub lang: Lang,
    pub email_verified_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, new: &NewUser<'_>) -> QueryResult<User> {
    let user = diesel::insert_into(users::table)
        .values(new)
        .returning(User::as_returning())
        .get_result(conn)
        .await?;
    super::search::index_person(conn, user.id).await?;
    Ok(user)
}

pub async fn find(conn: &mut Conn, id: UserId) -> QueryResult<Option<User>> {
    users::table
        .find(id)
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

/// The names of these users, for exports that give names beside ids.
pub async fn names(
    conn: &mut Conn,
    ids: &[UserId],
) -> QueryResult<std::collections::HashMap<UserId, String>> {
    let rows: Vec<(UserId, String)> = users::table
        .filter(users::id.eq_any(ids.to_vec()))
        .select((users::id, users::name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

pub async fn find_by_email(conn: &mut Conn, email: &str) -> QueryResult<Option<User>> {
    users::table
        .filter(users::email.eq(email))
        .select(User::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn set_password(
    conn: &mut Conn,
    id: UserId,
    hash: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::password_hash.eq(hash), users::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

/// Marks the email verified; `false` if it already was.
pub async fn mark_verified(conn: &mut Conn, id: UserId, now: DateTime<Utc>) -> QueryResult<bool> {
    diesel::update(
        users::table
            .find(id)
            .filter(users::email_verified_at.is_null()),
    )
    .set((users::email_verified_at.eq(now), users::updated_at.eq(now)))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn update_profile(
    conn: &mut Conn,
    id: UserId,
    name: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((
            users::name.eq(name),
            users::lang.eq(lang),
            users::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    super::search::index_person(conn, id).await
}

pub async fn set_lang(
    conn: &mut Conn,
    id: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(users::table.find(id))
        .set((users::lang.eq(lang), users::updated_at.eq(now)))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn roles_of(conn: &mut Conn, id: UserId) -> QueryResult<Vec<Role>> {
    user_roles::table
        .filter(user_roles::user_id.eq(id))
        .select(user_roles::role)
        .order(user_roles::role)
        .load(conn)
        .await
}

/// Grants a role; `false` if the user already had it.
pub async fn grant_role(
    conn: &mut Conn,
    id: UserId,
    role: Role,
    granted_by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(user_roles::table)
        .values((
            user_roles::user_id.eq(id),
            user_roles::role.eq(role),
            user_roles::granted_by.eq(granted_by),
            user_roles::granted_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Revokes a role; `false` if the user did not have it.
pub async fn revoke_role(conn: &mut Conn, id: UserId, role: Role) -> QueryResult<bool> {
    diesel::delete(
        user_roles::table
            .filter(user_roles::user_id.eq(id))
            .filter(user_roles::role.eq(role)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Counts the holders of `role`, locking their rows so that two revocations
/// at once cannot both see "one more left".
pub async fn count_with_role_for_update(conn: &mut Conn, role: Role) -> QueryResult<i64> {
    let holders: Vec<UserId> = user_roles::table
        .filter(user_roles::role.eq(role))
        .select(user_roles::user_id)
        .for_update()
        .load(conn)
        .await?;
    Ok(holders.len() as i64)
}

pub struct UserWithRoles {
    pub user: User,
    pub roles: Vec<Role>,
}

/// One page of users in id order after `after`, with their roles, in two queries.
pub async fn page_with_roles(
    conn: &mut Conn,
    search: Option<&str>,
    after: Option<UserId>,
    limit: i64,
) -> QueryResult<Vec<UserWithRoles>> {
    let mut query = users::table
        .select(User::as_select())
        .order(users::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(users::id.gt(after));
    }
    if let Some(term) = search.map(str::trim).filter(|s| !s.is_empty()) {
        let q = crate::domain::search::Query::parse(term);
        query = query.filter(users::id.eq_any(super::search::ids_matching(
            crate::domain::search::SearchKind::Person,
            &q,
        )));
    }
    let found: Vec<User> = query.load(conn).await?;
    let ids: Vec<UserId> = found.iter().map(|u| u.id).collect();
    let grants: Vec<(UserId, Role)> = user_roles::table
        .filter(user_roles::user_id.eq_any(&ids))
        .select((user_roles::user_id, user_roles::role))
        .order((user_roles::user_id, user_roles::role))
        .load(conn)
        .await?;
    Ok(found
        .into_iter()
        .map(|user| {
            let roles = grants
                .iter()
                .filter(|(id, _)| *id == user.id)
                .map(|(_, role)| *role)
                .collect();
            UserWithRoles { user, roles }
        })
        .collect())
}

/// Everyone holding `role`: (id, email, language).
pub async fn holders(conn: &mut Conn, role: Role) -> QueryResult<Vec<(UserId, String, String)>> {
    user_roles::table
        .inner_join(users::table)
        .filter(user_roles::role.eq(role))
        .select((users::id, users::email, users::lang))
        .order(users::id)
        .load(conn)
        .await
}
