use std::collections::HashSet;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use super::{ApplicationId, CallId, Conn, OrganizationId, Reader, ReviewId, UserId};
use crate::db::schema::{
    application_partners, applications, organization_members, organizations, panel_members,
    review_scores, reviewer_affiliations, reviews, users,
};
use crate::domain::application::ApplicationState;
use crate::domain::application::PartnerStatus;
use crate::domain::call::CallState;
use crate::domain::organization::Jurisdiction;
use crate::domain::scoring::Recommendation;
use crate::domain::scoring::ReviewState;
use crate::i18n::Lang;

// ---- panels

#[derive(Debug, Clone, Queryable)]
pub struct PanelMember {
    pub user_id: UserId,
    pub name: String,
    pub email: String,
    pub lang: Lang,
    pub base: Jurisdiction,
}

pub async fn add_panel_member(
    conn: &mut Conn,
    call: CallId,
    user: UserId,
    base: Jurisdiction,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(panel_members::table)
        .values((
            panel_members::call_id.eq(call),
            panel_members::user_id.eq(user),
            panel_members::base.eq(base),
            panel_members::added_by.eq(by),
            panel_members::added_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn panel(conn: &mut Conn, call: CallId) -> QueryResult<Vec<PanelMember>> {
    panel_members::table
        .inner_join(users::table.on(users::id.eq(panel_members::user_id)))
        .filter(panel_members::call_id.eq(call))
        .select((
            users::id,
            users::name,
            users::email,
            users::lang,
            panel_members::base,
        ))
        .order(users::id)
        .load(conn)
        .await
}

// ---- affiliations

pub async fn add_affiliation(
    conn: &mut Conn,
    user: UserId,
    org: OrganizationId,
    note: &str,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::insert_into(reviewer_affiliations::table)
        .values((
            reviewer_affiliations::user_id.eq(user),
            reviewer_affiliations::organization_id.eq(org),
            reviewer_affiliations::note.eq(note),
            reviewer_affiliations::created_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

pub async fn remove_affiliation(
    conn: &mut Conn,
    user: UserId,
    org: OrganizationId,
) -> QueryResult<bool> {
    diesel::delete(
        reviewer_affiliations::table
            .filter(reviewer_affiliations::user_id.eq(user))
            .filter(reviewer_affiliations::organization_id.eq(org)),
    )
    .execute(conn)
    .await
    .map(|n| n == 1)
}

pub async fn affiliations(
    conn: &mut Conn,
    user: UserId,
) -> QueryResult<Vec<(OrganizationId, String, String)>> {
    reviewer_affiliations::table
        .inner_join(organizations::table)
        .filter(reviewer_affiliations::user_id.eq(user))
        .select((
            organizations::id,
            organizations::name_zh,
            reviewer_affiliations::note,
        ))
        .order(organizations::id)
        .load(conn)
        .await
}

// ---- conflicts

/// The organizations on an application: the lead and every partner that has not declined.
pub async fn organizations_on(
    conn: &mut Conn,
    app: ApplicationId,
) -> QueryResult<Vec<OrganizationId>> {
    let lead: OrganizationId = applications::table
        .find(app)
        .select(applications::lead_org_id)
        .first(conn)
        .await?;
    let mut orgs: Vec<OrganizationId> = application_partners::table
        .filter(application_partners::application_id.eq(app))
        .filter(application_partners::status.ne(PartnerStatus::Declined))
        .select(application_partners::organization_id)
        .load(conn)
        .await?;
    orgs.push(lead);
    Ok(orgs)
}

/// Everyone who may never review `app`: members of, or affiliated with, an
/// organization on it, and anyone who declared a conflict with it.
pub async fn conflicted(conn: &mut Conn, app: ApplicationId) -> QueryResult<HashSet<UserId>> {
    let orgs = organizations_on(conn, app).await?;
    let mut out: HashSet<UserId> = organization_members::table
        .filter(organization_members::organization_id.eq_any(&orgs))
        .select(organization_members::user_id)
        .load::<UserId>(conn)
        .await?
        .into_iter()
        .collect();
    out.extend(
        reviewer_affiliations::table
            .filter(reviewer_affiliations::organization_id.eq_any(&orgs))
            .select(reviewer_affiliations::user_id)
            .load::<UserId>(conn)
            .await?,
    );
    out.extend(
        reviews::table
            .filter(reviews::application_id.eq(app))
            .filter(reviews::state.eq(ReviewState::Conflict))
            .select(reviews::reviewer_id)
            .load::<UserId>(conn)
            .await?,
    );
    Ok(out)
}

// ---- reviews

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reviews)]
pub struct Review {
    pub id: ReviewId,
    pub call_id: CallId,
    pub application_id: ApplicationId,
    pub reviewer_id: UserId,
    pub state: ReviewState,
    pub conflict_reason: String,
    pub overall_comment: String,
    pub recommendation: Option<Recommendation>,
    pub assigned_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// Assigns; `None` if that reviewer already has this application.
pub async fn assign(
    conn: &mut Conn,
    call: CallId,
    app: ApplicationId,
    reviewer: UserId,
    due: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<Option<ReviewId>> {
    diesel::insert_into(reviews::table)
        .values((
            reviews::call_id.eq(call),
            reviews::application_id.eq(app),
            reviews::reviewer_id.eq(reviewer),
            reviews::assigned_at.eq(now),
            reviews::due_at.eq(due),
            reviews::updated_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .returning(reviews::id)
        .get_result(conn)
        .await
        .optional()
}

pub async fn find(conn: &mut Conn, id: ReviewId) -> QueryResult<Option<Review>> {
    reviews::table
        .find(id)
        .select(Review::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_for_update(conn: &mut Conn, id: ReviewId) -> QueryResult<Option<Review>> {
    reviews::table
        .find(id)
        .select(Review::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

pub async fn of_call(conn: &mut Conn, call: CallId) -> QueryResult<Vec<Review>> {
    reviews::table
        .filter(reviews::call_id.eq(call))
        .select(Review::as_select())
        .order(reviews::id)
        .load(conn)
        .await
}

/// The ids of one page of a reviewer's reviews, as a condition on
/// `reviews.id`: `reviews.id IN (SELECT … ORDER BY id LIMIT n)` on one of
/// the partial indexes `reviews_to_do_idx` (assigned, draft; oldest first,
/// after `bound`) and `reviews_done_idx` (submitted, conflict; newest first,
/// before `bound`). The state lists are literals, so that any plan can use
/// the partial index; the SQL is fixed, so that diesel keeps the statement
/// prepared (an `sql()` fragment would have it parsed at every request).
///
/// `DONE` is in the type because diesel keys its statement cache by type:
/// the two pages are two statements.
#[derive(Debug, Clone, Copy)]
struct ReviewPage<const DONE: bool> {
    reviewer: i64,
    bound: i64,
    limit: i64,
}

impl<const DONE: bool> diesel::query_builder::QueryId for ReviewPage<DONE> {
    type QueryId = ReviewPage<DONE>;
    const HAS_STATIC_QUERY_ID: bool = true;
}

impl<const DONE: bool> diesel::Expression for ReviewPage<DONE> {
    type SqlType = diesel::sql_types::Bool;
}

impl<QS, const DONE: bool> diesel::AppearsOnTable<QS> for ReviewPage<DONE> {}

impl<QS, const DONE: bool> diesel::SelectableExpression<QS> for ReviewPage<DONE> {}

impl<const DONE: bool> diesel::expression::ValidGrouping<()> for ReviewPage<DONE> {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl<const DONE: bool> diesel::query_builder::QueryFragment<diesel::pg::Pg> for ReviewPage<DONE> {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> QueryResult<()> {
        use diesel::sql_types::BigInt;
        let (states, after, order) = if DONE {
            ("'submitted', 'conflict'", "<", "DESC")
        } else {
            ("'assigned', 'draft'", ">", "ASC")
        };
        out.push_sql("reviews.id IN (SELECT s.id FROM reviews s WHERE s.state IN (");
        out.push_sql(states);
        out.push_sql(") AND s.reviewer_id = ");
        out.push_bind_param::<BigInt, _>(&self.reviewer)?;
        out.push_sql(" AND s.id ");
        out.push_sql(after);
        out.push_sql(" ");
        out.push_bind_param::<BigInt, _>(&self.bound)?;
        out.push_sql(" ORDER BY s.id ");
        out.push_sql(order);
        out.push_sql(" LIMIT ");
        out.push_bind_param::<BigInt, _>(&self.limit)?;
        out.push_sql(")");
        Ok(())
    }
}

/// One page of a reviewer's reviews: still to do (assigned or draft) in
/// the order they were assigned, or done (submitted or declared a
/// conflict), latest first; after the review `after`.
pub async fn of_reviewer(
    conn: &mut Conn,
    reviewer: UserId,
    to_do: bool,
    text: Option<&crate::domain::search::Query>,
    after: Option<ReviewId>,
    limit: i64,
) -> QueryResult<Vec<(Review, String)>> {
    let mut q = reviews::table
        .inner_join(applications::table)
        .filter(reviews::reviewer_id.eq(reviewer))
        .select((Review::as_select(), applications::title))
        .limit(limit)
        .into_boxed();
    let bound = match (to_do, after) {
        (_, Some(a)) => a.0,
        (true, None) => 0,
        (false, None) => i64::MAX,
    };
    let (reviewer, limit) = (reviewer.0, limit);
    q = if to_do {
        let page = ReviewPage::<false> {
            reviewer,
            bound,
            limit,
        };
        q.filter(page).order(reviews::id.asc())
    } else {
        let page = ReviewPage::<true> {
            reviewer,
            bound,
            limit,
        };
        q.filter(page).order(reviews::id.desc())
    };
    if let Some(text) = text {
        // Its application's words and organizations, or its number.
        q = q.filter(
            reviews::application_id.eq_any(crate::models::search::ids_matching(
                crate::domain::search::SearchKind::Application,
                text,
            )),
        );
    }
    q.load(conn).await
}

pub async fn set_state(
    conn: &mut Conn,
    id: ReviewId,
    state: ReviewState,
    conflict_reason: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(reviews::table.find(id))
        .set((
            reviews::state.eq(state),
            reviews::conflict_reason.eq(conflict_reason),
            reviews::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Submitted applications of a call (what gets reviewed), by id.
pub async fn reviewable_applications(
    conn: &mut Conn,
    call: CallId,
) -> QueryResult<Vec<(ApplicationId, String)>> {
    Ok(reviewable_with_state(conn, call)
        .await?
        .into_iter()
        .map(|(id, title, _)| (id, title))
        .collect())
}

/// The same, with each application's state.
pub async fn reviewable_with_state(
    conn: &mut Conn,
    call: CallId,
) -> QueryResult<Vec<(ApplicationId, String, ApplicationState)>> {
    applications::table
        .filter(applications::call_id.eq(call))
        .filter(applications::state.eq_any([
            ApplicationState::Submitted,
            ApplicationState::UnderReview,
            ApplicationState::Awarded,
            ApplicationState::Declined,
            ApplicationState::Waitlisted,
        ]))
        .select((applications::id, applications::title, applications::state))
        .order(applications::id)
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable)]
pub struct Score {
    pub position: i32,
    pub score: i32,
    pub comment: String,
}

pub async fn scores(conn: &mut Conn, review: ReviewId) -> QueryResult<Vec<Score>> {
    review_scores::table
        .filter(review_scores::review_id.eq(review))
        .select((
            review_scores::position,
            review_scores::score,
            review_scores::comment,
        ))
        .order(review_scores::position)
        .load(conn)
        .await
}

/// The scores of several reviews in one query, by review and position.
pub async fn scores_of(
    conn: &mut Conn,
    reviews: &[ReviewId],
) -> QueryResult<Vec<(ReviewId, Score)>> {
    review_scores::table
        .filter(review_scores::review_id.eq_any(reviews))
        .select((
            review_scores::review_id,
            (
                review_scores::position,
                review_scores::score,
                review_scores::comment,
            ),
        ))
        .order((review_scores::review_id, review_scores::position))
        .load(conn)
        .await
}

/// Replaces a review's scores and texts; `submitted_at` set means submitted.
pub async fn save(
    conn: &mut Conn,
    id: ReviewId,
    scores: &[(i32, i32, String)],
    overall_comment: &str,
    recommendation: Option<Recommendation>,
    submitted_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::delete(review_scores::table.filter(review_scores::review_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = scores
        .iter()
        .map(|(position, score, comment)| {
            (
                review_scores::review_id.eq(id),
                review_scores::position.eq(*position),
                review_scores::score.eq(*score),
                review_scores::comment.eq(comment),
            )
        })
        .collect();
    diesel::insert_into(review_scores::table)
        .values(rows)
        .execute(conn)
        .await?;
    let state = if submitted_at.is_some() {
        ReviewState::Submitted
    } else {
        ReviewState::Draft
    };
    diesel::update(reviews::table.find(id))
        .set((
            reviews::overall_comment.eq(overall_comment),
            reviews::recommendation.eq(recommendation),
            reviews::state.eq(state),
            reviews::submitted_at.eq(submitted_at),
            reviews::updated_at.eq(now),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// Every score of the call's submitted reviews: (review, application, reviewer, position, score).
pub async fn submitted_scores(
    conn: &mut Conn,
    call: CallId,
) -> QueryResult<Vec<(ReviewId, ApplicationId, UserId, i32, i32)>> {
    review_scores::table
        .inner_join(reviews::table)
        .filter(reviews::call_id.eq(call))
        .filter(reviews::state.eq(ReviewState::Submitted))
        .select((
            reviews::id,
            reviews::application_id,
            reviews::reviewer_id,
            review_scores::position,
            review_scores::score,
        ))
        .order((reviews::id, review_scores::position))
        .load(conn)
        .await
}

// ---- invitations of people without an account

pub async fn invite_to_panel(
    conn: &mut Conn,
    call: CallId,
    email: &str,
    base: Jurisdiction,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    use crate::db::schema::panel_invitations as pi;
    diesel::insert_into(pi::table)
        .values((
            pi::call_id.eq(call),
            pi::email.eq(email),
            pi::base.eq(base),
            pi::invited_by.eq(by),
            pi::invited_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await
        .map(|n| n == 1)
}

/// Pending panel invitations for an email address, as (call, base).
pub async fn take_panel_invitations(
    conn: &mut Conn,
    email: &str,
    now: DateTime<Utc>,
) -> QueryResult<Vec<(CallId, Jurisdiction)>> {
    use crate::db::schema::panel_invitations as pi;
    diesel::update(
        pi::table
            .filter(pi::email.eq(email))
            .filter(pi::accepted_at.is_null()),
    )
    .set(pi::accepted_at.eq(now))
    .returning((pi::call_id, pi::base))
    .get_results(conn)
    .await
}

/// Invitations not yet taken up, for the admin's panel page: (email, base).
pub async fn pending_invitations(
    conn: &mut Conn,
    call: CallId,
) -> QueryResult<Vec<(String, Jurisdiction)>> {
    use crate::db::schema::panel_invitations as pi;
    pi::table
        .filter(pi::call_id.eq(call))
        .filter(pi::accepted_at.is_null())
        .select((pi::email, pi::base))
        .order(pi::email)
        .load(conn)
        .await
}

// ---- due dates

/// Open reviews due before `until` whose reviewer has not been reminded:
/// (review, reviewer's email, language, application title, due).
pub async fn due_unreminded(
    conn: &mut Conn,
    until: DateTime<Utc>,
) -> QueryResult<Vec<(ReviewId, String, String, String, DateTime<Utc>)>> {
    reviews::table
        .inner_join(users::table)
        .inner_join(applications::table)
        .filter(reviews::state.eq_any([ReviewState::Assigned, ReviewState::Draft]))
        .filter(reviews::reminded_at.is_null())
        .filter(reviews::due_at.le(until))
        .select((
            reviews::id,
            users::email,
            users::lang,
            applications::title,
            reviews::due_at.assume_not_null(),
        ))
        .order(reviews::id)
        .load(conn)
        .await
}

/// Marks the review reminded; `false` if another worker did it first.
pub async fn mark_reminded(conn: &mut Conn, id: ReviewId, now: DateTime<Utc>) -> QueryResult<bool> {
    diesel::update(
        reviews::table
            .find(id)
            .filter(reviews::reminded_at.is_null()),
    )
    .set(reviews::reminded_at.eq(now))
    .execute(conn)
    .await
    .map(|n| n == 1)
}

/// Submitted reviews of one application: (review, reviewer, weighted inputs
/// come from `submitted_scores`), with their comments for the applicant.
pub async fn submitted_of_application(
    conn: &mut Conn,
    app: ApplicationId,
) -> QueryResult<Vec<(ReviewId, String, String, Option<Recommendation>)>> {
    reviews::table
        .inner_join(users::table)
        .filter(reviews::application_id.eq(app))
        .filter(reviews::state.eq(ReviewState::Submitted))
        .select((
            reviews::id,
            users::name,
            reviews::overall_comment,
            reviews::recommendation,
        ))
        .order(reviews::id)
        .load(conn)
        .await
}

// ---- the reviewer's and the admin's dashboards

/// The reviewer's reviews not yet submitted (assigned or being scored), the
/// earliest due first and those without a due date last, with the
/// application's title.
pub async fn open_by_due(
    conn: &mut impl Reader,
    reviewer: UserId,
    limit: i64,
) -> QueryResult<Vec<(Review, String)>> {
    reviews::table
        .inner_join(applications::table)
        .filter(reviews::reviewer_id.eq(reviewer))
        .filter(reviews::state.eq_any([ReviewState::Assigned, ReviewState::Draft]))
        .select((Review::as_select(), applications::title))
        .order((reviews::due_at.asc().nulls_last(), reviews::id))
        .limit(limit)
        .load(conn)
        .await
}

/// How many of the reviewer's reviews are in each state.
pub async fn count_by_state_of(
    conn: &mut impl Reader,
    reviewer: UserId,
) -> QueryResult<Vec<(ReviewState, i64)>> {
    reviews::table
        .filter(reviews::reviewer_id.eq(reviewer))
        .group_by(reviews::state)
        .select((reviews::state, diesel::dsl::count_star()))
        .load(conn)
        .await
}

/// Whether the user sits on any call's panel.
pub async fn on_any_panel(conn: &mut impl Reader, user: UserId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        panel_members::table.filter(panel_members::user_id.eq(user)),
    ))
    .get_result(conn)
    .await
}

/// Submitted applications of calls in review that nobody reviews yet (a
/// declared conflict does not count as a reviewer): the oldest `limit` as
/// (application, call, title), and how many there are. From the kept
/// `review_coverage` rows, on the partial index of the uncovered ones, so
/// the work grows with the applications waiting, not with the calls' sizes.
pub async fn awaiting_assignment(
    conn: &mut impl Reader,
    limit: i64,
) -> QueryResult<(Vec<(ApplicationId, CallId, String)>, i64)> {
    use crate::db::schema::{calls, review_coverage};
    let waiting = || {
        review_coverage::table
            .inner_join(calls::table.on(calls::id.eq(review_coverage::call_id)))
            .filter(calls::state.eq(CallState::InReview))
            .filter(review_coverage::unassigned)
    };
    let rows = waiting()
        .inner_join(applications::table.on(applications::id.eq(review_coverage::application_id)))
        .select((applications::id, applications::call_id, applications::title))
        .order(applications::id)
        .limit(limit)
        .load(conn)
        .await?;
    let total = waiting().count().get_result(conn).await?;
    Ok((rows, total))
}

/// Reviews assigned and not yet submitted (nor handed back with a declared
/// conflict): of one application, or of every application of a call.
pub async fn count_open(
    conn: &mut impl Reader,
    call: CallId,
    application: Option<ApplicationId>,
) -> QueryResult<i64> {
    let mut q = reviews::table
        .filter(reviews::call_id.eq(call))
        .filter(reviews::state.eq_any([ReviewState::Assigned, ReviewState::Draft]))
        .count()
        .into_boxed();
    if let Some(app) = application {
        q = q.filter(reviews::application_id.eq(app));
    }
    q.get_result(conn).await
}
