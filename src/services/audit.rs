//! Builds audit events; callers insert them in their own transaction.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::Origin;
use crate::models::UserId;
use crate::models::audit::NewAuditEvent;

pub fn event<'a>(
    at: DateTime<Utc>,
    actor: Option<UserId>,
    origin: &'a Origin,
    action: &'a str,
    entity_type: &'a str,
    entity_id: impl ToString,
) -> NewAuditEvent<'a> {
    NewAuditEvent {
        at,
        actor_id: actor,
        action,
        entity_type,
        entity_id: entity_id.to_string(),
        before: None,
        after: None,
        ip: origin.ip.as_deref(),
    }
}

pub trait WithChange {
    fn change(self, before: Option<Value>, after: Option<Value>) -> Self;
}

impl WithChange for NewAuditEvent<'_> {
    fn change(mut self, before: Option<Value>, after: Option<Value>) -> Self {
        self.before = before;
        self.after = after;
        self
    }
}
