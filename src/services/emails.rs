//! Admin actions on the outbox.

use diesel_async::AsyncConnection;

use super::Origin;
use super::audit::event;
use crate::AppState;
use crate::error::AppError;
use crate::models::{audit, outbox};
use crate::policy::{Actor, Permission, may};

/// Queues a failed email again; `Ok(false)` if it was not failed (e.g. a double click).
pub async fn retry(
    state: &AppState,
    actor: &Actor,
    id: i64,
    origin: &Origin,
) -> Result<bool, AppError> {
    if !may(actor, Permission::ManageEmails) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        outbox::find(conn, id).await?.ok_or(AppError::NotFound)?;
        let requeued = outbox::requeue_failed(conn, id, now).await?;
        if requeued {
            audit::insert(
                conn,
                &event(now, actor.user_id(), origin, "email.retried", "email", id),
            )
            .await?;
        }
        Ok(requeued)
    })
    .await
}
