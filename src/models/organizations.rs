use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{Conn, OrganizationId, Reader, UserId};
use crate::db::schema::{
    organization_focus_areas, organization_invitations, organization_members, organizations, users,
};
use crate::domain::organization::City;
use crate::domain::organization::Jurisdiction;
use crate::domain::organization::MemberRole;
use crate::domain::organization::OrgType;
use crate::domain::organization::Verification;
use crate::i18n::Lang;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organizations)]
pub struct Organization {
    pub id: OrganizationId,
    pub name_zh: String,
    pub name_en: String,
    pub jurisdiction: Jurisdiction,
    pub city: Option<City>,
    pub org_type: OrgType,
    pub registration_number: String,
    pub founded_on: NaiveDate,
    pub address: String,
    pub website: String,
    pub contact_email: String,
    pub verification: Verification,
    pub verification_note: String,
    pub verified_at: Option<DateTime<Utc>>,
    pub whitelisted: bool,
    pub debarred_until: Option<NaiveDate>,
    pub debarment_reason: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Organization {
    pub fn is_verified(&self) -> bool {
        self.verification == Verification::Verified
    }

    pub fn is_debarred_on(&self, day: NaiveDate) -> bool {
        self.debarred_until.is_some_and(|until| day <= until)
    }
}

/// The fields an owner enters, for inserts and edits alike.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = organizations)]
pub struct OrganizationFields {
    pub name_zh: String,
    pub name_en: String,
    pub jurisdiction: Jurisdiction,
    pub city: Option<City>,
    pub org_type: OrgType,
    pub registration_number: String,
    pub founded_on: NaiveDate,
    pub address: String,
    pub website: String,
    pub contact_email: String,
}

pub async fn insert(
    conn: &mut Conn,
    fields: &OrganizationFields,
    now: DateTime<Utc>,
) -> QueryResult<Organization> {
    let org = diesel::insert_into(organizations::table)
        .values((
            fields,
            organizations::created_at.eq(now),
            organizations::updated_at.eq(now),
        ))
        .returning(Organization::as_returning())
        .get_result(conn)
        .await?;
    super::search::index_organization(conn, org.id).await?;
    Ok(org)
}

/// Saves an owner's edit; `reverify` sends it back to the queue (and off
/// the whitelist) in the same statement, so no constraint sees half of it.
pub async fn update(
    conn: &mut Conn,
    id: OrganizationId,
    fields: &OrganizationFields,
    reverify: bool,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let target = organizations::table.find(id);
    if reverify {
        diesel::update(target)
            .set((
                fields,
                organizations::updated_at.eq(now),
                organizations::verification.eq(Verification::Pending),
                organizations::verified_at.eq(None::<DateTime<Utc>>),
                organizations::whitelisted.eq(false),
            ))
            .execute(conn)
            .await?;
    } else {
        diesel::update(target)
            .set((fields, organizations::updated_at.eq(now)))
            .execute(conn)
            .await?;
    }
    super::search::index_organization(conn, id).await
}

pub async fn find(conn: &mut impl Reader, id: OrganizationId) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_for_update(
    conn: &mut Conn,
    id: OrganizationId,
) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn set_focus(conn: &mut Conn, id: OrganizationId, codes: &[String]) -> QueryResult<()> {
    diesel::delete(
        organization_focus_areas::table.filter(organization_focus_areas::organization_id.eq(id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = codes
        .iter()
        .map(|c| {
            (
                organization_focus_areas::organization_id.eq(id),
                organization_focus_areas::focus_area.eq(c),
            )
        })
        .collect();
    diesel::insert_into(organization_focus_areas::table)
        .values(rows)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn focus_of(
    conn: &mut Conn,
    ids: &[OrganizationId],
) -> QueryResult<Vec<(OrganizationId, String)>> {
    organization_focus_areas::table
        .filter(organization_focus_areas::organization_id.eq_any(ids))
        .select((
            organization_focus_areas::organization_id,
            organization_focus_areas::focus_area,
        ))
        .order((
            organization_focus_areas::organization_id,
            organization_focus_areas::focus_area,
        ))
        .load(conn)
        .await
}

pub async fn set_verification(
    conn: &mut Conn,
    id: OrganizationId,
    state: Verification,
    note: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let verified_at = (state == Verification::Verified).then_some(now);
    diesel::update(organizations::table.find(id))
        .set((
            organizations::verification.eq(state),
            organizations::verification_note.eq(note),
            organizations::verified_at.eq(verified_at),
            organizations::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn set_whitelisted(
    conn: &mut Conn,
    id: OrganizationId,
    on: bool,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(organizations::table.find(id))
        .set((
            organizations::whitelisted.eq(on),
            organizations::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn set_debarment(
    conn: &mut Conn,
    id: OrganizationId,
    until: Option<NaiveDate>,
    reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(organizations::table.find(id))
        .set((
            organizations::debarred_until.eq(until),
            organizations::debarment_reason.eq(reason),
            organizations::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

#[derive(Debug, Default, Clone)]
pub struct DirectoryFilter {
    /// Names in any script or language, or the registration number.
    pub text: Option<crate::domain::search::Query>,
    pub city: Option<City>,
    pub org_type: Option<OrgType>,
    pub focus: Option<String>,
    pub verified_only: bool,
    pub verification: Option<Verification>,
}

/// Organizations in id order after `after`; stable across pages.
pub async fn search(
    conn: &mut impl Reader,
    f: &DirectoryFilter,
    after: Option<OrganizationId>,
    limit: i64,
) -> QueryResult<Vec<Organization>> {
    let mut q = organizations::table
        .select(Organization::as_select())
        .order(organizations::id)
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(organizations::id.gt(after));
    }
    if let Some(text) = f.text.as_ref().filter(|t| !t.is_empty()) {
        q = q.filter(organizations::id.eq_any(super::search::ids_matching(
            crate::domain::search::SearchKind::Organization,
            text,
        )));
    }
    if let Some(city) = &f.city {
        q = q.filter(organizations::city.eq(*city));
    }
    if let Some(t) = &f.org_type {
        q = q.filter(organizations::org_type.eq(*t));
    }
    if let Some(area) = &f.focus {
        q = q.filter(
            organizations::id.eq_any(
                organization_focus_areas::table
                    .filter(organization_focus_areas::focus_area.eq(area.clone()))
                    .select(organization_focus_areas::organization_id),
            ),
        );
    }
    if f.verified_only {
        q = q.filter(organizations::verification.eq(Verification::Verified));
    }
    if let Some(v) = &f.verification {
        q = q.filter(organizations::verification.eq(*v));
    }
    q.load(conn).await
}

// ---- members

#[derive(Debug, Clone, Queryable)]
pub struct Member {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub lang: Lang,
    pub role: MemberRole,
    pub joined_at: DateTime<Utc>,
}

pub async fn add_member(
    conn: &mut Conn,
    org: OrganizationId,
    user: UserId,
    role: MemberRole,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(organization_members::table)
        .values((
            organization_members::organization_id.eq(org),
            organization_members::user_id.eq(user),
            organization_members::role.eq(role),
            organization_members::joined_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn role_of(
    conn: &mut Conn,
    org: OrganizationId,
    user: UserId,
) -> QueryResult<Option<MemberRole>> {
    organization_members::table
        .filter(organization_members::organization_id.eq(org))
        .filter(organization_members::user_id.eq(user))
        .select(organization_members::role)
        .first(conn)
        .await
        .optional()
}

pub async fn members(conn: &mut Conn, org: OrganizationId) -> QueryResult<Vec<Member>> {
    organization_members::table
        .inner_join(users::table)
        .filter(organization_members::organization_id.eq(org))
        .select((
            users::id,
            users::name,
            users::email,
            users::lang,
            organization_members::role,
            organization_members::joined_at,
        ))
        .order((organization_members::role.desc(), users::id))
        .load(conn)
        .await
}

pub async fn owners(conn: &mut Conn, org: OrganizationId) -> QueryResult<Vec<Member>> {
    Ok(members(conn, org)
        .await?
        .into_iter()
        .filter(|m| m.role == MemberRole::Owner)
        .collect())
}

/// Locks the organization's membership while its owners are counted and changed.
pub async fn lock_members(conn: &mut Conn, org: OrganizationId) -> QueryResult<Vec<Member>> {
    organization_members::table
        .filter(organization_members::organization_id.eq(org))
        .select(organization_members::user_id)
        .for_update()
        .load::<UserId>(conn)
        .await?;
    members(conn, org).await
}

pub async fn set_member_role(
    conn: &mut Conn,
    org: OrganizationId,
    user: UserId,
    role: MemberRole,
) -> QueryResult<bool> {
    diesel::update(
        organization_members::table
            .filter(organization_members::organization_id.eq(org))
            .filter(organization_members::user_id.eq(user)),
    )
    .set(organization_members::role.eq(role))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn remove_member(
    conn: &mut Conn,
    org: OrganizationId,
    user: UserId,
) -> QueryResult<bool> {
    diesel::delete(
        organization_members::table
            .filter(organization_members::organization_id.eq(org))
            .filter(organization_members::user_id.eq(user)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Every organization a user belongs to, with their role (ids only).
pub async fn memberships(
    conn: &mut Conn,
    user: UserId,
) -> QueryResult<Vec<(OrganizationId, MemberRole)>> {
    organization_members::table
        .filter(organization_members::user_id.eq(user))
        .select((
            organization_members::organization_id,
            organization_members::role,
        ))
        .load(conn)
        .await
}

/// The organizations a user belongs to, with their role.
pub async fn of_user(
    conn: &mut Conn,
    user: UserId,
) -> QueryResult<Vec<(Organization, MemberRole)>> {
    organizations::table
        .inner_join(organization_members::table)
        .filter(organization_members::user_id.eq(user))
        .select((Organization::as_select(), organization_members::role))
        .order(organizations::id)
        .load(conn)
        .await
}

// ---- invitations

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organization_invitations)]
pub struct Invitation {
    pub id: i64,
    pub organization_id: OrganizationId,
    pub email: String,
    pub role: MemberRole,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub accepted_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_invitation(
    conn: &mut Conn,
    org: OrganizationId,
    email: &str,
    role: MemberRole,
    token_hash: &[u8],
    invited_by: UserId,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(organization_invitations::table)
        .values((
            organization_invitations::organization_id.eq(org),
            organization_invitations::email.eq(email),
            organization_invitations::role.eq(role),
            organization_invitations::token_hash.eq(token_hash),
            organization_invitations::invited_by.eq(invited_by),
            organization_invitations::created_at.eq(now),
            organization_invitations::expires_at.eq(expires_at),
        ))
        .returning(organization_invitations::id)
        .get_result(conn)
        .await
}

pub async fn find_invitation_for_update(
    conn: &mut Conn,
    token_hash: &[u8],
) -> QueryResult<Option<Invitation>> {
    organization_invitations::table
        .filter(organization_invitations::token_hash.eq(token_hash))
        .select(Invitation::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn accept_invitation(
    conn: &mut Conn,
    id: i64,
    user: UserId,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(organization_invitations::table.find(id))
        .set((
            organization_invitations::accepted_at.eq(now),
            organization_invitations::accepted_by.eq(user),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn open_invitations(
    conn: &mut Conn,
    org: OrganizationId,
    now: DateTime<Utc>,
) -> QueryResult<Vec<Invitation>> {
    organization_invitations::table
        .filter(organization_invitations::organization_id.eq(org))
        .filter(organization_invitations::accepted_at.is_null())
        .filter(organization_invitations::revoked_at.is_null())
        .filter(organization_invitations::expires_at.gt(now))
        .select(Invitation::as_select())
        .order(organization_invitations::id)
        .load(conn)
        .await
}

/// These organizations, in no particular order.
pub async fn find_many(
    conn: &mut impl Reader,
    ids: &[OrganizationId],
) -> QueryResult<Vec<Organization>> {
    organizations::table
        .filter(organizations::id.eq_any(ids.to_vec()))
        .select(Organization::as_select())
        .load(conn)
        .await
}

/// How many organizations are in this verification state.
pub async fn count_by_verification(
    conn: &mut impl Reader,
    verification: Verification,
) -> QueryResult<i64> {
    organizations::table
        .filter(organizations::verification.eq(verification))
        .count()
        .get_result(conn)
        .await
}
