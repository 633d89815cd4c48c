//! Grant calls: drafts, edits, publishing and the later states (DESIGN §3).

use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::call::{CallForm, CallState, ValidCall};
use crate::domain::money::Currency;
use crate::error::AppError;
use crate::models::{CallId, Conn, FundId, audit, calls, focus_areas, funds};
use crate::policy::{Actor, Permission, may};

fn require(actor: &Actor) -> Result<(), AppError> {
    if may(actor, Permission::ManageCalls) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

async fn validate(conn: &mut Conn, form: &CallForm) -> Result<(FundId, ValidCall), AppError> {
    let fund = match form.fund_id.parse::<FundId>() {
        Ok(id) => funds::find(conn, id).await?,
        Err(_) => None,
    };
    let known = focus_areas::active_codes(conn).await?;
    let base = fund.as_ref().map(|f| f.currency).unwrap_or(Currency::Cny);
    let result = form.validate(base, &known);
    match (fund, result) {
        (Some(f), Ok(call)) => Ok((f.id, call)),
        (fund, result) => {
            let mut errors = result.err().unwrap_or_default();
            if fund.is_none() {
                errors.add("fund_id", "err-choice-unknown");
            }
            Err(AppError::Invalid(errors))
        }
    }
}

fn summary(fund: FundId, c: &ValidCall) -> serde_json::Value {
    json!({
        "fund": fund, "title_zh": c.title_zh, "title_en": c.title_en,
        "opens_at": c.opens_at, "closes_at": c.closes_at,
        "budget": c.budget, "min_request": c.min_request, "max_request": c.max_request,
        "criteria": c.criteria.len(), "focus": c.focus,
    })
}

pub async fn create(
    state: &AppState,
    actor: &Actor,
    form: &CallForm,
    origin: &Origin,
) -> Result<CallId, AppError> {
    require(actor)?;
    let by = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let (fund, call) = validate(&mut conn, form).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let id = calls::insert(conn, fund, &call, by, now).await?;
        audit::insert(
            conn,
            &event(now, Some(by), origin, "call.created", "call", id)
                .change(None, Some(summary(fund, &call))),
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Saves changes to a draft. Published calls are frozen: refused with 409.
pub async fn update(
    state: &AppState,
    actor: &Actor,
    id: CallId,
    form: &CallForm,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let existing = calls::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if existing.state() != CallState::Draft {
        return Err(AppError::Conflict("err-call-frozen"));
    }
    let (fund, call) = validate(&mut conn, form).await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let before = calls::find_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
        if !calls::update_draft(conn, id, fund, &call, now).await? {
            return Err(AppError::Conflict("err-call-frozen"));
        }
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "call.updated", "call", id).change(
                Some(json!({ "title_en": before.title_en, "budget": before.budget, "opens_at": before.opens_at, "closes_at": before.closes_at })),
                Some(summary(fund, &call)),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Moves a call to its next state. Publishing checks the call once more
/// and freezes its rules, rubric and rates.
pub async fn transition(
    state: &AppState,
    actor: &Actor,
    id: CallId,
    to: &str,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let to = CallState::from_code(to).ok_or(AppError::BadRequest)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let call = calls::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let from = call.state();
        if !from.can_become(to) {
            return Err(AppError::Conflict("err-call-transition"));
        }
        // Applicants may submit until the published closing time.
        if to == CallState::InReview && now < call.closes_at {
            return Err(AppError::Conflict("err-call-still-open"));
        }
        if to == CallState::Published {
            let criteria = calls::criteria(conn, id).await?;
            if criteria.is_empty() || criteria.iter().map(|c| c.weight).sum::<i32>() != 100 {
                return Err(AppError::Conflict("err-rubric-weights"));
            }
            if call.closes_at <= now {
                return Err(AppError::Conflict("err-publish-after-closing"));
            }
        }
        if to == CallState::Decided && crate::models::decisions::undecided(conn, id).await? > 0 {
            return Err(AppError::Conflict("err-undecided-applications"));
        }
        if !calls::set_state(conn, id, from, to, now).await? {
            return Err(AppError::Conflict("err-call-transition"));
        }
        if to == CallState::InReview {
            crate::models::applications::mark_under_review(conn, id, now).await?;
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "call.state_changed",
                "call",
                id,
            )
            .change(
                Some(json!({ "state": from.code() })),
                Some(json!({ "state": to.code() })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}
