//! Organizations and their members: create, edit, invite, accept, change
//! roles, remove. Owners manage; the policy module decides.

use chrono::Duration;
use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::account::EmailAddress;
use crate::domain::organization::MemberRole;
use crate::domain::organization::Verification;
use crate::domain::organization::{OrganizationForm, ValidOrganization};
use crate::domain::token::{digest, new_token};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::organizations::{self as orgs, Organization, OrganizationFields};
use crate::models::{Conn, OrganizationId, UserId, audit, focus_areas, users};
use crate::policy::{Actor, OrgAction, may_on_organization};

pub const INVITATION_VALID_FOR: Duration = Duration::days(14);

fn fields(v: &ValidOrganization) -> OrganizationFields {
    OrganizationFields {
        name_zh: v.name_zh.clone(),
        name_en: v.name_en.clone(),
        jurisdiction: v.org_type.jurisdiction(),
        city: v.city,
        org_type: v.org_type,
        registration_number: v.registration_number.clone(),
        founded_on: v.founded_on,
        address: v.address.clone(),
        website: v.website.clone(),
        contact_email: v.contact_email.clone(),
    }
}

fn summary(f: &OrganizationFields) -> serde_json::Value {
    json!({
        "name_zh": f.name_zh, "name_en": f.name_en, "type": f.org_type, "city": f.city,
        "registration_number": f.registration_number, "founded_on": f.founded_on,
    })
}

fn taken(e: diesel::result::Error) -> AppError {
    if crate::models::is_unique_violation(&e) {
        FormErrors::single("registration_number", "err-regno-taken")
    } else {
        e.into()
    }
}

/// The actor's role in the organization, or 404 if the action is not theirs.
pub async fn authorize(
    conn: &mut Conn,
    actor: &Actor,
    org: OrganizationId,
    action: OrgAction,
) -> Result<Option<MemberRole>, AppError> {
    let membership = match actor.user_id() {
        Some(user) => orgs::role_of(conn, org, user).await?,
        None => None,
    };
    if may_on_organization(actor, membership, action) {
        Ok(membership)
    } else {
        Err(AppError::NotFound)
    }
}

/// Creates an organization with its creator as owner, awaiting verification.
pub async fn create(
    state: &AppState,
    user: UserId,
    form: &OrganizationForm,
    origin: &Origin,
) -> Result<OrganizationId, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let verified = users::find(&mut conn, user)
        .await?
        .ok_or(AppError::NotFound)?
        .email_verified_at
        .is_some();
    if !verified {
        return Err(FormErrors::single("form", "err-email-unverified"));
    }
    let known = focus_areas::active_codes(&mut conn).await?;
    let valid = form
        .validate(
            &known,
            now.with_timezone(&crate::clock::bay_area_offset())
                .date_naive(),
        )
        .map_err(AppError::Invalid)?;
    let f = fields(&valid);
    conn.transaction::<_, AppError, _>(async |conn| {
        let org = orgs::insert(conn, &f, now).await.map_err(taken)?;
        orgs::set_focus(conn, org.id, &valid.focus).await?;
        orgs::add_member(conn, org.id, user, MemberRole::Owner, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user),
                origin,
                "organization.created",
                "organization",
                org.id,
            )
            .change(None, Some(summary(&f))),
        )
        .await?;
        Ok(org.id)
    })
    .await
}

/// Saves an owner's edit. Changing what was verified sends it back to the queue.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: OrganizationId,
    form: &OrganizationForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    // Checked first so that strangers get 404 even for an invalid form, and
    // again under the lock below.
    authorize(&mut conn, actor, id, OrgAction::Edit).await?;
    let known = focus_areas::active_codes(&mut conn).await?;
    let valid = form
        .validate(
            &known,
            now.with_timezone(&crate::clock::bay_area_offset())
                .date_naive(),
        )
        .map_err(AppError::Invalid)?;
    let f = fields(&valid);
    conn.transaction::<_, AppError, _>(async |conn| {
        let before = orgs::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Decided under the organization's lock, so a concurrent demotion wins.
        authorize(conn, actor, id, OrgAction::Edit).await?;
        let identity_changed = before.registration_number != f.registration_number
            || before.org_type != f.org_type
            || before.city != f.city
            || before.name_zh != f.name_zh
            || before.name_en != f.name_en
            || before.founded_on != f.founded_on;
        // A returned organization goes back to the queue when corrected; a
        // verified one only when what was verified changes.
        let reverify = before.verification == Verification::Returned
            || (identity_changed && before.verification == Verification::Verified);
        orgs::update(conn, id, &f, reverify, now)
            .await
            .map_err(taken)?;
        orgs::set_focus(conn, id, &valid.focus).await?;
        let before_fields = OrganizationFields {
            name_zh: before.name_zh,
            name_en: before.name_en,
            jurisdiction: before.jurisdiction,
            city: before.city,
            org_type: before.org_type,
            registration_number: before.registration_number,
            founded_on: before.founded_on,
            address: before.address,
            website: before.website,
            contact_email: before.contact_email,
        };
        let mut after = summary(&f);
        after["reverification"] = json!(reverify);
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "organization.updated",
                "organization",
                id,
            )
            .change(Some(summary(&before_fields)), Some(after)),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct InvitationForm {
    pub email: String,
    pub role: String,
}

fn member_role(raw: &str) -> Option<MemberRole> {
    MemberRole::from_code(raw.trim())
}

/// Emails an invitation to join; the link works once, for fourteen days.
pub async fn invite(
    state: &AppState,
    actor: &Actor,
    org: OrganizationId,
    form: &InvitationForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    authorize(&mut conn, actor, org, OrgAction::ManageMembers).await?;
    let mut errors = FormErrors::default();
    let email = EmailAddress::parse(&form.email)
        .map_err(|k| errors.add("email", k))
        .ok();
    let role = member_role(&form.role);
    if role.is_none() {
        errors.add("role", "err-choice-unknown");
    }
    let (Some(email), Some(role)) = (email, role) else {
        return Err(AppError::Invalid(errors));
    };
    let inviter_id = actor.user_id().ok_or(AppError::NotFound)?;
    conn.transaction::<_, AppError, _>(async |conn| {
        orgs::lock_members(conn, org).await?;
        authorize(conn, actor, org, OrgAction::ManageMembers).await?;
        let organization = orgs::find(conn, org).await?.ok_or(AppError::NotFound)?;
        let inviter = users::find(conn, inviter_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let invitee = users::find_by_email(conn, email.as_str()).await?;
        if let Some(u) = &invitee
            && orgs::role_of(conn, org, u.id).await?.is_some()
        {
            return Err(FormErrors::single("email", "err-already-member"));
        }
        // The invitee's own language if they have an account; the inviter's otherwise.
        let lang = invitee.as_ref().map_or(inviter.lang, |u| u.lang);
        let token = new_token();
        let id = orgs::insert_invitation(
            conn,
            org,
            email.as_str(),
            role,
            &digest(&token),
            inviter_id,
            now,
            now + INVITATION_VALID_FOR,
        )
        .await?;
        let link = state.config.link(&format!("/invitations/{token}"));
        let mail = Email::MemberInvitation {
            organization: display_name(&organization, lang),
            inviter: inviter.name.clone(),
            link,
        };
        email::enqueue(conn, now, email.as_str(), lang, &mail).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(inviter_id),
                origin,
                "organization.member_invited",
                "organization",
                org,
            )
            .change(
                None,
                Some(json!({ "invitation": id, "email": email.as_str(), "role": role })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// An organization's name for a reader of `lang`.
pub fn display_name(org: &Organization, lang: Lang) -> String {
    crate::i18n::script::pick(lang, &org.name_zh, &org.name_en)
}

pub enum InvitationOutcome {
    Joined(OrganizationId),
    Invalid,
    OtherEmail,
}

/// Accepts an invitation for the signed-in user whose email it was sent to.
pub async fn accept_invitation(
    state: &AppState,
    user: UserId,
    token: &str,
    origin: &Origin,
) -> Result<InvitationOutcome, AppError> {
    let now = state.clock.now();
    let hash = digest(token.trim());
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some(inv) = orgs::find_invitation_for_update(conn, &hash).await? else {
            return Ok(InvitationOutcome::Invalid);
        };
        if inv.accepted_at.is_some() || inv.revoked_at.is_some() || inv.expires_at <= now {
            return Ok(InvitationOutcome::Invalid);
        }
        let me = users::find(conn, user).await?.ok_or(AppError::NotFound)?;
        // A forwarded link must not let someone else join.
        if me.email != inv.email {
            return Ok(InvitationOutcome::OtherEmail);
        }
        orgs::add_member(conn, inv.organization_id, user, inv.role, now).await?;
        orgs::accept_invitation(conn, inv.id, user, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user),
                origin,
                "organization.member_joined",
                "organization",
                inv.organization_id,
            )
            .change(None, Some(json!({ "user": user, "role": inv.role }))),
        )
        .await?;
        Ok(InvitationOutcome::Joined(inv.organization_id))
    })
    .await
}

/// Changes a member's role (`Some`) or removes them (`None`); an
/// organization always keeps at least one owner.
pub async fn change_member(
    state: &AppState,
    actor: &Actor,
    org: OrganizationId,
    member: UserId,
    new_role: Option<&str>,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    authorize(&mut conn, actor, org, OrgAction::ManageMembers).await?;
    let new_role = match new_role {
        Some(r) => Some(member_role(r).ok_or(AppError::BadRequest)?),
        None => None,
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        let members = orgs::lock_members(conn, org).await?;
        authorize(conn, actor, org, OrgAction::ManageMembers).await?;
        let current = members
            .iter()
            .find(|m| m.user_id == member)
            .ok_or(AppError::NotFound)?;
        let owners = members
            .iter()
            .filter(|m| m.role == MemberRole::Owner)
            .count();
        if current.role == MemberRole::Owner && new_role != Some(MemberRole::Owner) && owners <= 1 {
            return Err(AppError::Conflict("err-last-owner"));
        }
        let (action, after) = match new_role {
            Some(role) => {
                orgs::set_member_role(conn, org, member, role).await?;
                (
                    "organization.member_role_changed",
                    json!({ "user": member, "role": role }),
                )
            }
            None => {
                orgs::remove_member(conn, org, member).await?;
                (
                    "organization.member_removed",
                    json!({ "user": member, "role": null }),
                )
            }
        };
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, action, "organization", org).change(
                Some(json!({ "user": member, "role": current.role })),
                Some(after),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}
