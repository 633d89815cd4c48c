//! Evaluations of an award's outcomes, mid-term and final.

use super::*;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct EvaluationForm {
    pub kind: String,
    pub rating: String,
    pub summary: String,
}

/// An admin records the award's mid-term or final evaluation, once each.
pub async fn record_evaluation(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &EvaluationForm,
    origin: &Origin,
) -> Result<(), AppError> {
    if !may(actor, Permission::ManageAwards) {
        return Err(AppError::NotFound);
    }
    let mut e = FormErrors::default();
    let kind = EvaluationKind::from_code(form.kind.trim());
    if kind.is_none() {
        e.add("evaluation_kind", "err-choice-unknown");
    }
    let rating = form
        .rating
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|r| (1..=5).contains(r));
    if rating.is_none() {
        e.add("rating", "err-rating");
    }
    let summary = text::required(&form.summary, 8000, Lines::Many)
        .map_err(|k| e.add("summary", k))
        .unwrap_or_default();
    let (Some(kind), Some(rating)) = (kind, rating.filter(|_| e.is_empty())) else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award = awards::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if award.state != AwardState::Active {
            return Err(AppError::Conflict("err-award-not-active"));
        }
        if !awards::record_evaluation(conn, id, kind, rating, &summary, actor.user_id(), now)
            .await?
        {
            return Err(AppError::Conflict("err-evaluation-exists"));
        }
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "award.evaluated", "award", id).change(
                None,
                Some(json!({ "kind": form.kind, "rating": rating, "summary": summary })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}
