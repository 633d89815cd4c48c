use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, UserId};
use crate::db::schema::{audit_events, users};

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_events)]
pub struct NewAuditEvent<'a> {
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<&'a str>,
}

pub async fn insert(conn: &mut Conn, event: &NewAuditEvent<'_>) -> QueryResult<()> {
    diesel::insert_into(audit_events::table)
        .values(event)
        .execute(conn)
        .await
        .map(drop)
}

#[derive(Debug, Clone, Queryable)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_email: Option<String>,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub ip: Option<String>,
}

/// Newest first, `limit` rows older than `before_id`, optionally for one entity.
pub async fn page(
    conn: &mut Conn,
    entity: Option<(&str, &str)>,
    before_id: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut query = audit_events::table
        .left_join(users::table)
        .select((
            audit_events::id,
            audit_events::at,
            users::email.nullable(),
            audit_events::action,
            audit_events::entity_type,
            audit_events::entity_id,
            audit_events::before,
            audit_events::after,
            audit_events::ip,
        ))
        .order(audit_events::id.desc())
        .limit(limit)
        .into_boxed();
    if let Some((kind, id)) = entity {
        query = query
            .filter(audit_events::entity_type.eq(kind))
            .filter(audit_events::entity_id.eq(id));
    }
    if let Some(before) = before_id {
        query = query.filter(audit_events::id.lt(before));
    }
    query.load(conn).await
}
