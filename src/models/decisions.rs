//! Decisions on applications and the scores of a call's other components.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;

use super::{ApplicationId, CallId, Conn, UserId};
use crate::db::schema::{applications, component_scores, decision_publications, decisions};
use crate::domain::application::ApplicationState;
use crate::domain::award::Outcome;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = decisions)]
pub struct Decision {
    pub application_id: ApplicationId,
    pub call_id: CallId,
    pub outcome: Outcome,
    pub amount: Option<Decimal>,
    pub conditions: String,
    pub rationale: String,
    pub decided_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

pub struct NewDecision<'a> {
    pub outcome: Outcome,
    pub amount: Option<Decimal>,
    pub conditions: &'a str,
    pub rationale: &'a str,
}

/// Records or replaces the decision (a published one is refused by the database).
pub async fn upsert(
    conn: &mut Conn,
    call: CallId,
    app: ApplicationId,
    d: &NewDecision<'_>,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let values = (
        decisions::outcome.eq(d.outcome),
        decisions::amount.eq(d.amount),
        decisions::conditions.eq(d.conditions),
        decisions::rationale.eq(d.rationale),
        decisions::decided_by.eq(by),
        decisions::decided_at.eq(now),
    );
    diesel::insert_into(decisions::table)
        .values((
            decisions::application_id.eq(app),
            decisions::call_id.eq(call),
            values,
        ))
        .on_conflict(decisions::application_id)
        .do_update()
        .set(values)
        .execute(conn)
        .await
        .map(drop)
}

pub async fn find(conn: &mut Conn, app: ApplicationId) -> QueryResult<Option<Decision>> {
    decisions::table
        .find(app)
        .select(Decision::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn of_call(conn: &mut Conn, call: CallId) -> QueryResult<Vec<Decision>> {
    decisions::table
        .filter(decisions::call_id.eq(call))
        .select(Decision::as_select())
        .order(decisions::application_id)
        .load(conn)
        .await
}

/// Applications under review in the call that have no decision yet.
pub async fn undecided(conn: &mut Conn, call: CallId) -> QueryResult<i64> {
    applications::table
        .left_join(decisions::table)
        .filter(applications::call_id.eq(call))
        .filter(applications::state.eq(ApplicationState::UnderReview))
        .filter(decisions::application_id.is_null())
        .count()
        .get_result(conn)
        .await
}

/// Marks the call's decisions published, once: `false` if they already were.
pub async fn publish(
    conn: &mut Conn,
    call: CallId,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::insert_into(decision_publications::table)
        .values((
            decision_publications::call_id.eq(call),
            decision_publications::published_by.eq(by),
            decision_publications::published_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if n == 0 {
        return Ok(false);
    }
    diesel::update(
        decisions::table
            .filter(decisions::call_id.eq(call))
            .filter(decisions::published_at.is_null()),
    )
    .set(decisions::published_at.eq(now))
    .execute(conn)
    .await?;
    Ok(true)
}

pub async fn published_at(conn: &mut Conn, call: CallId) -> QueryResult<Option<DateTime<Utc>>> {
    decision_publications::table
        .find(call)
        .select(decision_publications::published_at)
        .first(conn)
        .await
        .optional()
}

// ---- component scores

pub async fn set_component_score(
    conn: &mut Conn,
    app: ApplicationId,
    position: i32,
    score: Option<Decimal>,
    by: Option<UserId>,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    let target = component_scores::table
        .filter(component_scores::application_id.eq(app))
        .filter(component_scores::position.eq(position));
    match score {
        None => diesel::delete(target).execute(conn).await.map(drop),
        Some(score) => diesel::insert_into(component_scores::table)
            .values((
                component_scores::application_id.eq(app),
                component_scores::position.eq(position),
                component_scores::score.eq(score),
                component_scores::entered_by.eq(by),
                component_scores::entered_at.eq(now),
            ))
            .on_conflict((component_scores::application_id, component_scores::position))
            .do_update()
            .set((
                component_scores::score.eq(score),
                component_scores::entered_by.eq(by),
                component_scores::entered_at.eq(now),
            ))
            .execute(conn)
            .await
            .map(drop),
    }
}

/// Every component score of the call's applications: (application, position, score).
pub async fn component_scores_of_call(
    conn: &mut Conn,
    call: CallId,
) -> QueryResult<Vec<(ApplicationId, i32, Decimal)>> {
    component_scores::table
        .inner_join(applications::table)
        .filter(applications::call_id.eq(call))
        .select((
            component_scores::application_id,
            component_scores::position,
            component_scores::score,
        ))
        .load(conn)
        .await
}
