use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;

use super::organizations::Organization;
use super::{ApplicationId, CallId, Conn, OrganizationId, Reader, UserId};
use crate::db::schema::{
    application_partners, application_snapshots, applications, attachments, budget_lines,
    milestones, organization_members, organizations,
};
use crate::domain::application::ApplicationState;
use crate::domain::application::Category;
use crate::domain::application::PartnerStatus;
use crate::domain::application::Source;
use crate::domain::call::CallState;
use crate::domain::code::codes;
use crate::domain::money::Currency;
use crate::domain::organization::City;
use crate::domain::organization::Jurisdiction;
use crate::domain::organization::MemberRole;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = applications)]
pub struct Application {
    pub id: ApplicationId,
    pub call_id: CallId,
    pub lead_org_id: OrganizationId,
    pub state: ApplicationState,
    pub title: String,
    pub summary: String,
    pub need: String,
    pub approach: String,
    pub outcomes: String,
    pub beneficiaries: String,
    pub duration_months: Option<i32>,
    pub focus: Vec<Option<String>>,
    pub declaration: bool,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, AsChangeset)]
#[diesel(table_name = applications)]
#[diesel(treat_none_as_null = true)]
pub struct Content {
    pub title: String,
    pub summary: String,
    pub need: String,
    pub approach: String,
    pub outcomes: String,
    pub beneficiaries: String,
    pub duration_months: Option<i32>,
    pub focus: Vec<Option<String>>,
    pub declaration: bool,
}

pub async fn insert(
    conn: &mut Conn,
    call: CallId,
    lead: OrganizationId,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<ApplicationId> {
    let id = diesel::insert_into(applications::table)
        .values((
            applications::call_id.eq(call),
            applications::lead_org_id.eq(lead),
            applications::created_by.eq(by),
            applications::created_at.eq(now),
            applications::updated_at.eq(now),
        ))
        .returning(applications::id)
        .get_result(conn)
        .await?;
    super::search::index_application(conn, id).await?;
    Ok(id)
}

pub async fn find(conn: &mut impl Reader, id: ApplicationId) -> QueryResult<Option<Application>> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the application: every change to it and its parts goes through this.
pub async fn find_for_update(
    conn: &mut Conn,
    id: ApplicationId,
) -> QueryResult<Option<Application>> {
    applications::table
        .find(id)
        .select(Application::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn save_content(
    conn: &mut Conn,
    id: ApplicationId,
    content: &Content,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set((content, applications::updated_at.eq(now)))
        .execute(conn)
        .await?;
    super::search::index_application(conn, id).await
}

pub async fn set_state(
    conn: &mut Conn,
    id: ApplicationId,
    state: ApplicationState,
    submitted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set((
            applications::state.eq(state),
            applications::submitted_at.eq(submitted_at),
            applications::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    super::search::sync_application(conn, id).await
}

pub async fn touch(conn: &mut Conn, id: ApplicationId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(applications::table.find(id))
        .set(applications::updated_at.eq(now))
        .execute(conn)
        .await?;
    super::search::sync_application(conn, id).await
}

/// Applications the lead organization has in the call, other than `except`, in states that count.
pub async fn count_led_in_call(
    conn: &mut Conn,
    call: CallId,
    lead: OrganizationId,
    except: ApplicationId,
) -> QueryResult<i64> {
    applications::table
        .filter(applications::call_id.eq(call))
        .filter(applications::lead_org_id.eq(lead))
        .filter(applications::id.ne(except))
        .filter(applications::state.ne_all([ApplicationState::Draft, ApplicationState::Withdrawn]))
        .count()
        .get_result(conn)
        .await
}

/// How many applications each of `leads` has submitted to the call (not
/// drafts, not withdrawn ones); leads with none are left out.
pub async fn count_led_in_call_by(
    conn: &mut Conn,
    call: CallId,
    leads: &[OrganizationId],
) -> QueryResult<Vec<(OrganizationId, i64)>> {
    applications::table
        .filter(applications::call_id.eq(call))
        .filter(applications::lead_org_id.eq_any(leads.to_vec()))
        .filter(applications::state.ne_all([ApplicationState::Draft, ApplicationState::Withdrawn]))
        .group_by(applications::lead_org_id)
        .select((applications::lead_org_id, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Applications a user's organizations lead or partner in, newest first.
pub async fn for_user(
    conn: &mut impl Reader,
    user: UserId,
) -> QueryResult<Vec<(Application, String)>> {
    // Two index scans (led, partnered) rather than one OR, which would
    // read every application.
    let my_orgs = || {
        organization_members::table
            .filter(organization_members::user_id.eq(user))
            .select(organization_members::organization_id)
    };
    let mut led: Vec<(Application, String)> = applications::table
        .inner_join(organizations::table)
        .filter(applications::lead_org_id.eq_any(my_orgs()))
        .select((Application::as_select(), organizations::name_zh))
        .order(applications::id.desc())
        .limit(200)
        .load(conn)
        .await?;
    let partnered: Vec<(Application, String)> = applications::table
        .inner_join(organizations::table)
        .filter(
            applications::id.eq_any(
                application_partners::table
                    .filter(application_partners::organization_id.eq_any(my_orgs()))
                    .select(application_partners::application_id),
            ),
        )
        .select((Application::as_select(), organizations::name_zh))
        .order(applications::id.desc())
        .limit(200)
        .load(conn)
        .await?;
    led.extend(partnered);
    led.sort_by_key(|row| std::cmp::Reverse(row.0.id));
    led.dedup_by(|a, b| a.0.id == b.0.id);
    led.truncate(200);
    Ok(led)
}

/// Drafts of calls closing in `(from, to]`, not yet reminded under `job`.
pub async fn drafts_closing_between(
    conn: &mut Conn,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> QueryResult<Vec<(ApplicationId, OrganizationId, String)>> {
    use crate::db::schema::calls;
    applications::table
        .inner_join(calls::table)
        .filter(applications::state.eq(ApplicationState::Draft))
        .filter(calls::state.eq(CallState::Published))
        .filter(calls::closes_at.gt(from))
        .filter(calls::closes_at.le(to))
        .select((
            applications::id,
            applications::lead_org_id,
            applications::title,
        ))
        .load(conn)
        .await
}

// ---- partners

#[derive(Debug, Clone, Queryable)]
pub struct Partner {
    pub organization: Organization,
    pub status: PartnerStatus,
    pub role: String,
    pub contribution: String,
}

pub async fn partners(conn: &mut Conn, id: ApplicationId) -> QueryResult<Vec<Partner>> {
    application_partners::table
        .inner_join(organizations::table)
        .filter(application_partners::application_id.eq(id))
        .select((
            Organization::as_select(),
            application_partners::status,
            application_partners::role,
            application_partners::contribution,
        ))
        .order(organizations::id)
        .load(conn)
        .await
}

pub async fn partner_status(
    conn: &mut Conn,
    id: ApplicationId,
    org: OrganizationId,
) -> QueryResult<Option<PartnerStatus>> {
    application_partners::table
        .filter(application_partners::application_id.eq(id))
        .filter(application_partners::organization_id.eq(org))
        .select(application_partners::status)
        .first(conn)
        .await
        .optional()
}

pub async fn invite_partner(
    conn: &mut Conn,
    id: ApplicationId,
    org: OrganizationId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let added = diesel::insert_into(application_partners::table)
        .values((
            application_partners::application_id.eq(id),
            application_partners::organization_id.eq(org),
            application_partners::invited_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    // The application is found by its partners' names too.
    super::search::index_application(conn, id).await?;
    Ok(added == 1)
}

#[allow(clippy::too_many_arguments)]
pub async fn respond_partner(
    conn: &mut Conn,
    id: ApplicationId,
    org: OrganizationId,
    status: PartnerStatus,
    role: &str,
    contribution: &str,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(
        application_partners::table
            .filter(application_partners::application_id.eq(id))
            .filter(application_partners::organization_id.eq(org))
            .filter(application_partners::status.eq(PartnerStatus::Invited)),
    )
    .set((
        application_partners::status.eq(status),
        application_partners::role.eq(role),
        application_partners::contribution.eq(contribution),
        application_partners::responded_at.eq(now),
        application_partners::responded_by.eq(by),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn remove_partner(
    conn: &mut Conn,
    id: ApplicationId,
    org: OrganizationId,
) -> QueryResult<bool> {
    let removed = diesel::delete(
        application_partners::table
            .filter(application_partners::application_id.eq(id))
            .filter(application_partners::organization_id.eq(org)),
    )
    .execute(conn)
    .await?;
    super::search::index_application(conn, id).await?;
    Ok(removed == 1)
}

/// Organizations of the user that are invited as partners and have not answered.
pub async fn invitations_for_user(
    conn: &mut impl Reader,
    user: UserId,
) -> QueryResult<Vec<(ApplicationId, OrganizationId, String)>> {
    let owned = organization_members::table
        .filter(organization_members::user_id.eq(user))
        .filter(organization_members::role.eq(MemberRole::Owner))
        .select(organization_members::organization_id);
    application_partners::table
        .inner_join(applications::table)
        .filter(application_partners::organization_id.eq_any(owned))
        .filter(application_partners::status.eq(PartnerStatus::Invited))
        // Only a draft's invitations can still be answered.
        .filter(applications::state.eq(ApplicationState::Draft))
        .select((
            applications::id,
            application_partners::organization_id,
            applications::title,
        ))
        .load(conn)
        .await
}

// ---- budget

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = budget_lines)]
pub struct BudgetLine {
    pub id: i64,
    pub category: Category,
    pub organization_id: OrganizationId,
    pub currency: Currency,
    pub amount: Decimal,
    pub source: Source,
    pub description: String,
}

pub async fn budget(conn: &mut Conn, id: ApplicationId) -> QueryResult<Vec<BudgetLine>> {
    budget_lines::table
        .filter(budget_lines::application_id.eq(id))
        .select(BudgetLine::as_select())
        .order(budget_lines::id)
        .load(conn)
        .await
}

/// What a budget line says: written when it is added and when it is changed.
#[derive(Debug, Clone, Insertable, AsChangeset)]
#[diesel(table_name = budget_lines)]
pub struct LineValues {
    pub category: Category,
    pub organization_id: OrganizationId,
    pub currency: Currency,
    pub amount: Decimal,
    pub source: Source,
    pub description: String,
}

impl From<BudgetLine> for LineValues {
    fn from(l: BudgetLine) -> Self {
        LineValues {
            category: l.category,
            organization_id: l.organization_id,
            currency: l.currency,
            amount: l.amount,
            source: l.source,
            description: l.description,
        }
    }
}

pub async fn add_budget_line(
    conn: &mut Conn,
    id: ApplicationId,
    line: &LineValues,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(budget_lines::table)
        .values((
            budget_lines::application_id.eq(id),
            line,
            budget_lines::created_at.eq(now),
        ))
        .returning(budget_lines::id)
        .get_result(conn)
        .await
}

/// Changes a line of application `id`; false when it has no such line.
pub async fn change_budget_line(
    conn: &mut Conn,
    id: ApplicationId,
    line: i64,
    values: &LineValues,
) -> QueryResult<bool> {
    diesel::update(
        budget_lines::table
            .filter(budget_lines::application_id.eq(id))
            .filter(budget_lines::id.eq(line)),
    )
    .set(values)
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn delete_budget_line(
    conn: &mut Conn,
    id: ApplicationId,
    line: i64,
) -> QueryResult<bool> {
    diesel::delete(
        budget_lines::table
            .filter(budget_lines::application_id.eq(id))
            .filter(budget_lines::id.eq(line)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

// ---- milestones

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = milestones)]
pub struct Milestone {
    pub id: i64,
    pub month_due: i32,
    pub deliverables: String,
    pub tranche_percent: Decimal,
}

pub async fn milestones(conn: &mut Conn, id: ApplicationId) -> QueryResult<Vec<Milestone>> {
    milestones::table
        .filter(milestones::application_id.eq(id))
        .select(Milestone::as_select())
        .order((milestones::month_due, milestones::id))
        .load(conn)
        .await
}

pub async fn add_milestone(
    conn: &mut Conn,
    id: ApplicationId,
    month: i32,
    deliverables: &str,
    percent: Decimal,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(milestones::table)
        .values((
            milestones::application_id.eq(id),
            milestones::month_due.eq(month),
            milestones::deliverables.eq(deliverables),
            milestones::tranche_percent.eq(percent),
            milestones::created_at.eq(now),
        ))
        .returning(milestones::id)
        .get_result(conn)
        .await
}

/// Changes a milestone of application `id`; false when it has no such one.
pub async fn change_milestone(
    conn: &mut Conn,
    id: ApplicationId,
    milestone: i64,
    month: i32,
    deliverables: &str,
    percent: Decimal,
) -> QueryResult<bool> {
    diesel::update(
        milestones::table
            .filter(milestones::application_id.eq(id))
            .filter(milestones::id.eq(milestone)),
    )
    .set((
        milestones::month_due.eq(month),
        milestones::deliverables.eq(deliverables),
        milestones::tranche_percent.eq(percent),
    ))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn delete_milestone(
    conn: &mut Conn,
    id: ApplicationId,
    milestone: i64,
) -> QueryResult<bool> {
    diesel::delete(
        milestones::table
            .filter(milestones::application_id.eq(id))
            .filter(milestones::id.eq(milestone)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

// ---- attachments

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = attachments)]
pub struct AttachmentInfo {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i32,
    pub uploaded_by: UserId,
    pub uploaded_at: DateTime<Utc>,
}

pub async fn attachments(
    conn: &mut Conn,
    id: ApplicationId,
) -> QueryResult<Vec<(AttachmentInfo, String)>> {
    use crate::db::schema::users;
    attachments::table
        .inner_join(users::table)
        .filter(attachments::application_id.eq(id))
        .select((AttachmentInfo::as_select(), users::name))
        .order(attachments::id)
        .load(conn)
        .await
}

#[allow(clippy::too_many_arguments)]
pub async fn add_attachment(
    conn: &mut Conn,
    id: ApplicationId,
    filename: &str,
    content_type: &str,
    data: &[u8],
    sha256: &[u8],
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(attachments::table)
        .values((
            attachments::application_id.eq(id),
            attachments::filename.eq(filename),
            attachments::content_type.eq(content_type),
            attachments::size_bytes.eq(data.len() as i32),
            attachments::sha256.eq(sha256),
            attachments::data.eq(data),
            attachments::uploaded_by.eq(by),
            attachments::uploaded_at.eq(now),
        ))
        .returning(attachments::id)
        .get_result(conn)
        .await
}

/// An attachment's name, type and bytes, if it belongs to the application.
pub async fn attachment_data(
    conn: &mut Conn,
    id: ApplicationId,
    attachment: i64,
) -> QueryResult<Option<(String, String, Vec<u8>)>> {
    attachments::table
        .filter(attachments::application_id.eq(id))
        .filter(attachments::id.eq(attachment))
        .select((
            attachments::filename,
            attachments::content_type,
            attachments::data,
        ))
        .first(conn)
        .await
        .optional()
}

pub async fn delete_attachment(
    conn: &mut Conn,
    id: ApplicationId,
    attachment: i64,
) -> QueryResult<bool> {
    diesel::delete(
        attachments::table
            .filter(attachments::application_id.eq(id))
            .filter(attachments::id.eq(attachment)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

// ---- snapshots and jobs

pub async fn add_snapshot(
    conn: &mut Conn,
    id: ApplicationId,
    content: &serde_json::Value,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(application_snapshots::table)
        .values((
            application_snapshots::application_id.eq(id),
            application_snapshots::taken_at.eq(now),
            application_snapshots::content.eq(content),
        ))
        .execute(conn)
        .await
        .map(drop)
}

pub async fn latest_snapshot(
    conn: &mut Conn,
    id: ApplicationId,
) -> QueryResult<Option<serde_json::Value>> {
    application_snapshots::table
        .filter(application_snapshots::application_id.eq(id))
        .order(application_snapshots::id.desc())
        .select(application_snapshots::content)
        .first(conn)
        .await
        .optional()
}

/// When a call goes to review, its submitted applications do too.
pub async fn mark_under_review(
    conn: &mut Conn,
    call: CallId,
    now: DateTime<Utc>,
) -> QueryResult<usize> {
    let moved = diesel::update(
        applications::table
            .filter(applications::call_id.eq(call))
            .filter(applications::state.eq(ApplicationState::Submitted)),
    )
    .set((
        applications::state.eq(ApplicationState::UnderReview),
        applications::updated_at.eq(now),
    ))
    .execute(conn)
    .await?;
    super::search::sync_call(conn, call).await?;
    Ok(moved)
}

/// The grant request of each submitted application of a call, from its
/// latest snapshot, in one query.
pub async fn grant_requests(
    conn: &mut Conn,
    call: CallId,
) -> QueryResult<std::collections::HashMap<ApplicationId, rust_decimal::Decimal>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Int8, Text};
    let rows: Vec<(ApplicationId, String)> = application_snapshots::table
        .inner_join(applications::table)
        .filter(applications::call_id.eq(call))
        .distinct_on(application_snapshots::application_id)
        .order((
            application_snapshots::application_id,
            application_snapshots::id.desc(),
        ))
        .select((
            sql::<Int8>("application_snapshots.application_id"),
            sql::<Text>("coalesce(application_snapshots.content->>'grant_request', '0')"),
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, v)| (id, v.parse().unwrap_or_default()))
        .collect())
}

codes! {
    /// How the admins' application list is ordered.
    pub enum ListOrder {
        /// Most recently changed first.
        Updated = "updated",
        /// By title, A to Z.
        Title = "title",
    }
}

/// What the admins' application list shows; `after` is the id of the last
/// row of the previous page (keyset pagination: page 500 costs as page 1).
#[derive(Debug, Clone)]
pub struct ListFilter {
    /// Words in its texts or its organizations' names, or its number.
    pub text: Option<crate::domain::search::Query>,
    pub call: Option<CallId>,
    pub state: Option<ApplicationState>,
    pub city: Option<City>,
    pub order: ListOrder,
    pub after: Option<ApplicationId>,
    /// The last row's `updated_at`, carried in the link: the row may change
    /// (and move to the top) before the next page is asked for.
    pub after_updated: Option<DateTime<Utc>>,
    pub limit: i64,
}

#[derive(Debug, Clone, Queryable)]
pub struct ListRow {
    pub id: ApplicationId,
    pub title: String,
    pub state: ApplicationState,
    pub updated_at: DateTime<Utc>,
    pub call_id: CallId,
    pub call_title_zh: String,
    pub call_title_en: String,
    pub lead_zh: String,
    pub lead_en: String,
    pub city: Option<City>,
    pub jurisdiction: Jurisdiction,
}

/// One page of every application but drafts, filtered and ordered. Drafts
/// belong to their organizations until submitted.
///
/// Two steps: the page's ids from `applications` alone (with the
/// organizations only for a city), then the rows by id. A statement that
/// joins four tables and has a `LIMIT` among its parameters was planned
/// again at every execution (PostgreSQL's generic plan always looks
/// costlier with a `LIMIT` it cannot see); the ids take a plan that is cheap
/// to make, and the rows by id keep theirs.
///
/// Every state of every call at once by most recently changed (the list's
/// default view) is the page of each state, merged: six statements,
/// pipelined, each starting its state's index at the cursor. One statement
/// over the whole table sorted every application (204 ms on the large
/// seed), and an index for that order alone misled PostgreSQL when a state
/// is chosen (see migration `2026-12-07-000017_list_indexes`). One call's
/// list has an index of its own. A query alone is answered by the search
/// index's rows, which keep each application's state and `updated_at`
/// (`search::newest_submitted`); with a state or city too, each state's
/// newest rows are checked against the index until the page is full.
pub async fn admin_page(conn: &Conn, f: &ListFilter) -> QueryResult<Vec<ListRow>> {
    let ids: Vec<ApplicationId> = if let (Some(text), None, None, None, ListOrder::Updated) =
        (&f.text, f.state, f.call, f.city, f.order)
    {
        let mut c = conn;
        super::search::newest_submitted(&mut c, text, f.after, f.after_updated, f.limit)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    } else if f.state.is_some() || f.call.is_some() || f.order != ListOrder::Updated {
        let mut c = conn;
        admin_page_ids(&mut c, f)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect()
    } else {
        let pages = futures_util::future::try_join_all(
            ApplicationState::ALL
                .into_iter()
                .filter(|s| *s != ApplicationState::Draft)
                .map(|s| {
                    let of_state = ListFilter {
                        state: Some(s),
                        ..f.clone()
                    };
                    async move {
                        let mut c = conn;
                        admin_page_ids(&mut c, &of_state).await
                    }
                }),
        )
        .await?;
        let mut all: Vec<(ApplicationId, DateTime<Utc>)> = pages.into_iter().flatten().collect();
        all.sort_by_key(|(id, at)| std::cmp::Reverse((*at, *id)));
        all.truncate(usize::try_from(f.limit).unwrap_or_default());
        all.into_iter().map(|(id, _)| id).collect()
    };
    let mut c = conn;
    let mut rows = list_rows(&mut c, &ids).await?;
    rows.sort_by_key(|r| ids.iter().position(|i| *i == r.id));
    Ok(rows)
}

/// The rows of the admins' list for these applications, in no order.
async fn list_rows(conn: &mut impl Reader, ids: &[ApplicationId]) -> QueryResult<Vec<ListRow>> {
    use crate::db::schema::calls;
    applications::table
        .inner_join(calls::table)
        .inner_join(organizations::table)
        .filter(applications::id.eq_any(ids.to_vec()))
        .select((
            applications::id,
            applications::title,
            applications::state,
            applications::updated_at,
            calls::id,
            calls::title_zh,
            calls::title_en,
            organizations::name_zh,
            organizations::name_en,
            organizations::city,
            organizations::jurisdiction,
        ))
        .load(conn)
        .await
}

/// One page of the list's ids (with when each changed), in one statement.
async fn admin_page_ids(
    conn: &mut impl Reader,
    f: &ListFilter,
) -> QueryResult<Vec<(ApplicationId, DateTime<Utc>)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool};

    let mut q = applications::table
        .filter(applications::state.ne(ApplicationState::Draft))
        .select((applications::id, applications::updated_at))
        .into_boxed();
    if let Some(call) = f.call {
        q = q.filter(applications::call_id.eq(call));
    }
    if let Some(state) = &f.state {
        q = q.filter(applications::state.eq(*state));
    }
    if let Some(text) = &f.text {
        // Its words and organizations, or its number.
        q = q.filter(applications::id.eq_any(super::search::ids_matching(
            crate::domain::search::SearchKind::Application,
            text,
        )));
    }
    if let Some(city) = &f.city {
        q = q.filter(
            applications::lead_org_id.eq_any(
                organizations::table
                    .filter(organizations::city.eq(*city))
                    .select(organizations::id),
            ),
        );
    }
    // Row comparisons let PostgreSQL start the index scan at the cursor.
    match (f.order, f.after) {
                (ListOrder::Updated, Some(after)) if f.after_updated.is_some() => {
            q = q.filter(
                sql::<Bool>("(applications.updated_at, applications.id) < (")
                    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>, _>(
                        f.after_updated,
                    )
                    .sql(", ")
                    .bind::<BigInt, _>(after.0)
                    .sql(")"),
            )
        }
        (ListOrder::Updated, Some(after)) => {
            q = q.filter(
                sql::<Bool>("(applications.updated_at, applications.id) < (SELECT s.updated_at, s.id FROM applications s WHERE s.id = ")
                    .bind::<BigInt, _>(after.0)
                    .sql(")"),
            )
        }
        (ListOrder::Title, Some(after)) => {
            q = q.filter(
                sql::<Bool>("(applications.title, applications.id) > (SELECT s.title, s.id FROM applications s WHERE s.id = ")
                    .bind::<BigInt, _>(after.0)
                    .sql(")"),
            )
        }
        (_, None) => {}
    }
    q = match f.order {
        ListOrder::Updated => q.order((applications::updated_at.desc(), applications::id.desc())),
        ListOrder::Title => q.order((applications::title.asc(), applications::id.asc())),
    };
    q.limit(f.limit).load(conn).await
}

// ---- the same, for many applications at once (dashboards)

/// Partners of these applications: (application, partner).
pub async fn partners_of(
    conn: &mut impl Reader,
    ids: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, Partner)>> {
    let rows: Vec<(ApplicationId, Organization, PartnerStatus, String, String)> =
        application_partners::table
            .inner_join(organizations::table)
            .filter(application_partners::application_id.eq_any(ids.to_vec()))
            .select((
                application_partners::application_id,
                Organization::as_select(),
                application_partners::status,
                application_partners::role,
                application_partners::contribution,
            ))
            .order((application_partners::application_id, organizations::id))
            .load(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(app, organization, status, role, contribution)| {
            (
                app,
                Partner {
                    organization,
                    status,
                    role,
                    contribution,
                },
            )
        })
        .collect())
}

/// Budget lines of these applications: (application, line).
pub async fn budget_of(
    conn: &mut impl Reader,
    ids: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, BudgetLine)>> {
    budget_lines::table
        .filter(budget_lines::application_id.eq_any(ids.to_vec()))
        .select((budget_lines::application_id, BudgetLine::as_select()))
        .order(budget_lines::id)
        .load(conn)
        .await
}

/// Milestones of these applications: (application, milestone).
pub async fn milestones_of(
    conn: &mut impl Reader,
    ids: &[ApplicationId],
) -> QueryResult<Vec<(ApplicationId, Milestone)>> {
    milestones::table
        .filter(milestones::application_id.eq_any(ids.to_vec()))
        .select((milestones::application_id, Milestone::as_select()))
        .order((milestones::month_due, milestones::id))
        .load(conn)
        .await
}

/// Applications (neither drafts nor withdrawn) per (call, lead) among these
/// calls and leads.
pub async fn led_counts(
    conn: &mut impl Reader,
    calls: &[CallId],
    leads: &[OrganizationId],
) -> QueryResult<Vec<(CallId, OrganizationId, i64)>> {
    applications::table
        .filter(applications::call_id.eq_any(calls.to_vec()))
        .filter(applications::lead_org_id.eq_any(leads.to_vec()))
        .filter(applications::state.ne_all([ApplicationState::Draft, ApplicationState::Withdrawn]))
        .group_by((applications::call_id, applications::lead_org_id))
        .select((
            applications::call_id,
            applications::lead_org_id,
            diesel::dsl::count_star(),
        ))
        .load(conn)
        .await
}

/// Drafts led by any of `orgs` in calls that still take applications,
/// nearest deadline first: the first `limit`, with their calls, and how many
/// there are in all.
pub async fn open_drafts_led_by(
    conn: &mut Conn,
    orgs: &[OrganizationId],
    now: DateTime<Utc>,
    limit: i64,
) -> QueryResult<(Vec<(Application, super::calls::Call)>, i64)> {
    use crate::db::schema::calls;
    let base = || {
        applications::table
            .inner_join(calls::table)
            .filter(applications::lead_org_id.eq_any(orgs.to_vec()))
            .filter(applications::state.eq(ApplicationState::Draft))
            .filter(calls::closes_at.gt(now))
    };
    let rows = base()
        .order((calls::closes_at.asc(), applications::id.asc()))
        .limit(limit)
        .select((Application::as_select(), super::calls::Call::as_select()))
        .load(conn)
        .await?;
    let total = base().count().get_result(conn).await?;
    Ok((rows, total))
}
