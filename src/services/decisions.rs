//! Decisions (DESIGN §5): award, decline or waitlist with a rationale,
//! recorded while the call is in review and published together, and the
//! scores of the call's other final-score components.

use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::application::ApplicationState;
use crate::domain::award::Outcome;
use crate::domain::call::CallState;
use crate::domain::money::{format_money, parse_amount_in};
use crate::domain::text::{self, Lines};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::calls::{self, Call};
use crate::models::decisions::{self, NewDecision};
use crate::models::{
    ApplicationId, CallId, Conn, applications as apps, audit, funds, reviews, users,
};
use crate::policy::{Actor, Permission, may};

fn require(actor: &Actor) -> Result<(), AppError> {
    if may(actor, Permission::ManageReview) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The grant the application asked for, in the fund's currency, as submitted.
pub async fn grant_request(conn: &mut Conn, app: ApplicationId) -> Result<Decimal, AppError> {
    Ok(apps::latest_snapshot(conn, app)
        .await?
        .and_then(|s| s["grant_request"].as_str().and_then(|v| v.parse().ok()))
        .unwrap_or_default())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    pub outcome: String,
    pub amount: String,
    pub conditions: String,
    pub rationale: String,
}

/// The application under review in an undecided call, or why not.
async fn decidable(
    conn: &mut Conn,
    app: ApplicationId,
) -> Result<(apps::Application, Call), AppError> {
    // The call first, then the application: the order publishing takes,
    // so a decision cannot slip in beside a publication.
    let call_id = apps::find(conn, app)
        .await?
        .ok_or(AppError::NotFound)?
        .call_id;
    let call = calls::find_for_update(conn, call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let application = apps::find_for_update(conn, app)
        .await?
        .ok_or(AppError::NotFound)?;
    if decisions::published_at(conn, call.id).await?.is_some() {
        return Err(AppError::Conflict("err-decisions-published"));
    }
    if application.state != ApplicationState::UnderReview {
        return Err(AppError::NotFound);
    }
    if !matches!(call.state(), CallState::InReview | CallState::Decided) {
        return Err(AppError::Conflict("err-call-not-in-review"));
    }
    Ok((application, call))
}

/// Records (or changes, until publication) the decision on one application.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    app: ApplicationId,
    form: &DecisionForm,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (application, call) = decidable(conn, app).await?;
        let currency = crate::models::funds::find(conn, call.fund_id)
            .await?.map(|f| f.currency);
        let request = grant_request(conn, app).await?;
        let snapshot = apps::latest_snapshot(conn, app).await?.unwrap_or_default();
        let mut e = FormErrors::default();
        let outcome = Outcome::from_code(form.outcome.trim());
        if outcome.is_none() {
            e.add("outcome", "err-choice-unknown");
        }
        let amount = if outcome == Some(Outcome::Award) {
            match parse_amount_in(&form.amount, currency) {
                Ok(a) if a.is_zero() => {
                    e.add("amount", "err-amount-zero");
                    None
                }
                Ok(a) if a > request => {
                    e.add("amount", "err-award-above-request");
                    None
                }
                Ok(a) if super::awards::schedule_of(&snapshot, a).iter().any(|t| *t <= Decimal::ZERO) => {
                    e.add("amount", "err-award-too-small");
                    None
                }
                Ok(a) => Some(a),
                Err(k) => {
                    e.add("amount", k);
                    None
                }
            }
        } else {
            None
        };
        let conditions = text::checked(&form.conditions, 4000, Lines::Many)
            .map_err(|k| e.add("conditions", k))
            .unwrap_or_default();
        let rationale = text::required(&form.rationale, 4000, Lines::Many)
            .map_err(|k| e.add("rationale", k))
            .unwrap_or_default();
        let Some(outcome) = outcome.filter(|_| e.is_empty()) else {
            return Err(AppError::Invalid(e));
        };
        let before = decisions::find(conn, app).await?;
        let decision = NewDecision {
            outcome,
            amount,
            conditions: &conditions,
            rationale: &rationale,
        };
        decisions::upsert(conn, call.id, app, &decision, actor.user_id(), now).await?;
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "decision.recorded", "application", application.id).change(
                before.map(|d| json!({ "outcome": d.outcome, "amount": d.amount, "conditions": d.conditions, "rationale": d.rationale })),
                Some(json!({ "outcome": outcome, "amount": amount, "conditions": conditions, "rationale": rationale })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// What an applicant reads of the reviews once decisions are published:
/// each submitted review's comments, under a name or "Reviewer n".
pub async fn comments_for_applicant(
    conn: &mut Conn,
    app: ApplicationId,
    anonymise: bool,
    lang: Lang,
) -> Result<Vec<(String, String)>, AppError> {
    let submitted = reviews::submitted_of_application(conn, app).await?;
    let ids: Vec<_> = submitted.iter().map(|r| r.0).collect();
    let scores = reviews::scores_of(conn, &ids).await?;
    let mut out = Vec::new();
    for (n, (review, name, overall, _)) in submitted.into_iter().enumerate() {
        let who = if anonymise {
            lang.t_with("reviewer-n", &[("n", (n + 1).to_string())])
        } else {
            name
        };
        let mut text = overall;
        for (_, s) in scores.iter().filter(|(r, _)| *r == review) {
            if !s.comment.trim().is_empty() {
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&s.comment);
            }
        }
        if !text.trim().is_empty() {
            out.push((who, text));
        }
    }
    Ok(out)
}

/// Publishes every decision of a decided call at once: each application
/// takes its outcome and its applicant gets one email in their language.
pub async fn publish(
    state: &AppState,
    actor: &Actor,
    call_id: CallId,
    confirmed: bool,
    origin: &Origin,
) -> Result<usize, AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let call = calls::find_for_update(conn, call_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if call.state() != CallState::Decided {
            return Err(AppError::Conflict("err-call-not-decided"));
        }
        // Emails go out and awards are offered: only once confirmed.
        if !confirmed {
            if decisions::published_at(conn, call_id).await?.is_some() {
                return Err(AppError::Conflict("err-decisions-published"));
            }
            return Err(AppError::Unconfirmed);
        }
        if !decisions::publish(conn, call_id, actor.user_id(), now).await? {
            return Err(AppError::Conflict("err-decisions-published"));
        }
        let fund = funds::find(conn, call.fund_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let currency = fund.currency;
        let all = decisions::of_call(conn, call_id).await?;
        for d in &all {
            let app = apps::find(conn, d.application_id)
                .await?
                .ok_or(AppError::NotFound)?;
            let to = d.outcome.application_state();
            apps::set_state(conn, app.id, to, app.submitted_at, now).await?;
            // An award commits its amount from the pool now, or nothing is published.
            let award = match d.amount {
                Some(amount) if d.outcome == Outcome::Award => Some(
                    super::awards::create_for_decision(conn, app.id, amount, &d.conditions, actor.user_id(), now).await?,
                ),
                _ => None,
            };
            let applicant = users::find(conn, app.created_by)
                .await?
                .ok_or(AppError::NotFound)?;
            let lang = applicant.lang;
            let mut extra = Vec::new();
            if !d.conditions.is_empty() {
                extra.push(format!(
                    "{}: {}",
                    lang.t("decision-conditions"),
                    d.conditions
                ));
            }
            extra.push(format!("{}: {}", lang.t("decision-rationale"), d.rationale));
            for (who, text) in
                comments_for_applicant(conn, app.id, call.anonymise_reviews, lang).await?
            {
                extra.push(format!("{who}: {text}"));
            }
            let mail = Email::Decision {
                title: app.title.clone(),
                call: call.title_in(lang),
                outcome: d.outcome.code().to_string(),
                amount: d
                    .amount
                    .map(|a| format_money(a, currency))
                    .unwrap_or_default(),
                extra,
                link: match award {
                    Some(a) => state.config.link(&format!("/awards/{a}")),
                    None => state.config.link(&format!("/applications/{}", app.id)),
                },
            };
            email::enqueue(conn, now, &applicant.email, lang, &mail).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    actor.user_id(),
                    origin,
                    "decision.published",
                    "application",
                    app.id,
                )
                .change(
                    Some(json!({ "state": app.state })),
                    Some(json!({ "state": to, "outcome": d.outcome, "amount": d.amount, "award": award })),
                ),
            )
            .await?;
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "call.decisions_published",
                "call",
                call_id,
            )
            .change(None, Some(json!({ "decisions": all.len() }))),
        )
        .await?;
        Ok(all.len())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ComponentForm {
    pub component: Vec<String>,
}

/// An admin enters the application's scores for the call's other components
/// (0–100, up to two decimals); an empty field clears the score.
pub async fn set_component_scores(
    state: &AppState,
    actor: &Actor,
    app: ApplicationId,
    form: &ComponentForm,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (application, call) = decidable(conn, app).await?;
        let settings = calls::review_settings(conn, call.id).await?;
        let mut e = FormErrors::default();
        let mut scores = Vec::new();
        for (i, field) in COMPONENT_FIELDS
            .iter()
            .enumerate()
            .take(settings.components.len())
        {
            let raw = form
                .component
                .get(i)
                .map(String::as_str)
                .unwrap_or("")
                .trim();
            if raw.is_empty() {
                scores.push(None);
                continue;
            }
            match raw.parse::<Decimal>() {
                Ok(v) if v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED && v.scale() <= 2 => {
                    scores.push(Some(v))
                }
                _ => {
                    e.add(field, "err-component-score");
                    scores.push(None);
                }
            }
        }
        e.into_result()?;
        for (i, score) in scores.iter().enumerate() {
            decisions::set_component_score(conn, app, i as i32 + 1, *score, actor.user_id(), now)
                .await?;
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "application.component_scores_entered",
                "application",
                application.id,
            )
            .change(None, Some(json!({ "scores": scores }))),
        )
        .await?;
        Ok(())
    })
    .await
}

pub const COMPONENT_FIELDS: [&str; 3] = ["component-1", "component-2", "component-3"];
