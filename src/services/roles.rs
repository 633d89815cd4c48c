//! Granting and revoking the platform roles (admin, finance).

use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::role::Role;
use crate::error::{AppError, FormErrors};
use crate::models::{UserId, audit, second_factor, sessions, users};
use crate::policy::{Actor, Permission, may};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Grant,
    Revoke,
}

/// Grants or revokes `role`; `Ok(false)` when nothing had to change.
pub async fn change(
    state: &AppState,
    actor: &Actor,
    target: UserId,
    role: Role,
    change: Change,
    origin: &Origin,
) -> Result<bool, AppError> {
    if !may(actor, Permission::ManageRoles) {
        return Err(AppError::NotFound);
    }
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        users::find(conn, target).await?.ok_or(AppError::NotFound)?;
        let mut sessions_ended = 0;
        let changed = match change {
            Change::Grant => {
                let granted = users::grant_role(conn, target, role, actor.user_id(), now).await?;
                // Sessions opened without a second factor must not carry a
                // role that needs one: the person signs in again and sets it up.
                if granted
                    && crate::policy::needs_second_factor(&[role])
                    && second_factor::totp_of(conn, target).await?.is_none()
                {
                    sessions_ended = sessions::delete_for_user(conn, target, None).await?;
                }
                granted
            }
            Change::Revoke => {
                // Someone must always be able to manage the platform.
                if role == Role::Admin
                    && users::count_with_role_for_update(conn, Role::Admin).await? <= 1
                {
                    return Err(FormErrors::single("role", "err-last-admin"));
                }
                users::revoke_role(conn, target, role).await?
            }
        };
        if changed {
            let (action, before, after) = match change {
                Change::Grant => ("user.role_granted", false, true),
                Change::Revoke => ("user.role_revoked", true, false),
            };
            audit::insert(
                conn,
                &event(now, actor.user_id(), origin, action, "user", target).change(
                    Some(json!({ role.code(): before })),
                    Some(json!({ role.code(): after, "sessions_ended": sessions_ended })),
                ),
            )
            .await?;
        }
        Ok(changed)
    })
    .await
}

/// `baygrants user grant --email E --role R`.
pub async fn grant_by_email(state: &AppState, email: &str, role: Role) -> Result<bool, AppError> {
    let user = {
        let mut conn = state.pool.get().await?;
        users::find_by_email(&mut conn, &email.trim().to_lowercase())
            .await?
            .ok_or(AppError::NotFound)?
    };
    change(
        state,
        &Actor::System,
        user.id,
        role,
        Change::Grant,
        &Origin::cli(),
    )
    .await
}
