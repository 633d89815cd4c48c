//! The admins' side of organizations: verify or return, the cross-border
//! whitelist, debarment.

use chrono::NaiveDate;
use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use super::organizations::display_name;
use crate::AppState;
use crate::domain::organization::Jurisdiction;
use crate::domain::organization::Verification;
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::models::organizations as orgs;
use crate::models::{OrganizationId, audit};
use crate::policy::{Actor, Permission, may};

fn require(actor: &Actor) -> Result<(), AppError> {
    if may(actor, Permission::VerifyOrganizations) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub decision: String,
    pub note: String,
}

/// Approves (with an optional note) or returns (with a reason) an
/// organization, and tells its owners by email.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    id: OrganizationId,
    form: &DecisionForm,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(AppError::BadRequest),
    };
    let note = form.note.trim().to_string();
    if !approve && note.is_empty() {
        return Err(FormErrors::single("note", "err-reason-required"));
    }
    if note.chars().count() > 2000 {
        return Err(FormErrors::single("note", "err-too-long"));
    }
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let org = orgs::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Only what waits in the queue is approved: an owner's later edit
        // puts it back there, so an admin never approves unseen details.
        if approve && org.verification != Verification::Pending {
            return Err(AppError::Conflict("err-verification-stale"));
        }
        let state_code = if approve {
            Verification::Verified
        } else {
            Verification::Returned
        };
        if !approve && org.whitelisted {
            orgs::set_whitelisted(conn, id, false, now).await?;
        }
        orgs::set_verification(conn, id, state_code, &note, now).await?;
        let link = state.config.link(&format!("/orgs/{id}"));
        for owner in orgs::owners(conn, id).await? {
            let lang = owner.lang;
            let organization = display_name(&org, lang);
            let mail = if approve {
                Email::OrganizationVerified {
                    organization,
                    note: note.clone(),
                    link: link.clone(),
                }
            } else {
                Email::OrganizationReturned {
                    organization,
                    reason: note.clone(),
                    link: link.clone(),
                }
            };
            email::enqueue(conn, now, &owner.email, lang, &mail).await?;
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                if approve {
                    "organization.verified"
                } else {
                    "organization.returned"
                },
                "organization",
                id,
            )
            .change(
                Some(json!({ "verification": org.verification })),
                Some(json!({ "verification": state_code, "note": note })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Puts a verified Hong Kong or Macau organization on (or off) the cross-border whitelist.
pub async fn set_whitelisted(
    state: &AppState,
    actor: &Actor,
    id: OrganizationId,
    on: bool,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let org = orgs::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if on && (!org.is_verified() || org.jurisdiction == Jurisdiction::Mainland) {
            return Err(AppError::Conflict("err-whitelist-not-eligible"));
        }
        if org.whitelisted != on {
            orgs::set_whitelisted(conn, id, on, now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    actor.user_id(),
                    origin,
                    "organization.whitelist_changed",
                    "organization",
                    id,
                )
                .change(
                    Some(json!({ "whitelisted": org.whitelisted })),
                    Some(json!({ "whitelisted": on })),
                ),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DebarmentForm {
    /// Empty: lift the debarment.
    pub until: String,
    pub reason: String,
    /// `yes` once the admin has read what barring means.
    pub confirmed: String,
}

/// Bars an organization until a date (with a reason), or lifts the bar.
pub async fn set_debarment(
    state: &AppState,
    actor: &Actor,
    id: OrganizationId,
    form: &DebarmentForm,
    confirmed: bool,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let today = now
        .with_timezone(&crate::clock::bay_area_offset())
        .date_naive();
    let until = if form.until.trim().is_empty() {
        None
    } else {
        let date = NaiveDate::parse_from_str(form.until.trim(), "%Y-%m-%d")
            .map_err(|_| FormErrors::single("until", "err-date-invalid"))?;
        if date <= today {
            return Err(FormErrors::single("until", "err-date-not-future"));
        }
        Some(date)
    };
    let reason = crate::domain::text::checked(&form.reason, 2000, crate::domain::text::Lines::Many)
        .map_err(|k| FormErrors::single("reason", k))?;
    if until.is_some() && reason.is_empty() {
        return Err(FormErrors::single("reason", "err-reason-required"));
    }
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let org = orgs::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Barring shuts the organization out of calls: only once confirmed
        // (lifting a bar needs no second look).
        if until.is_some() && !confirmed {
            return Err(AppError::Unconfirmed);
        }
        orgs::set_debarment(conn, id, until, &reason, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                if until.is_some() {
                    "organization.debarred"
                } else {
                    "organization.debarment_lifted"
                },
                "organization",
                id,
            )
            .change(
                Some(
                    json!({ "debarred_until": org.debarred_until, "reason": org.debarment_reason }),
                ),
                Some(json!({ "debarred_until": until, "reason": reason })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}
