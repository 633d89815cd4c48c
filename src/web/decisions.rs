//! The admin's decision on one application, the other components' scores,
//! and publishing a call's decisions.

use actix_web::{HttpResponse, web};
use askama::Template;

use super::confirm::{ConfirmPage, Confirmation};
use super::ctx::{CsrfForm, Ctx};
use super::{after_form, render_form, see_other_with_flash};
use crate::AppState;
use crate::domain::application::ApplicationState;
use crate::error::{AppError, FormErrors};
use crate::models::{ApplicationId, CallId, applications, calls, decisions as model};
use crate::policy::Permission;
use crate::services::decisions::{self as service, COMPONENT_FIELDS, ComponentForm, DecisionForm};
use crate::services::review;

pub struct ComponentRow {
    pub field: &'static str,
    pub name: String,
    pub weight: i32,
    pub value: String,
}

#[derive(Template)]
#[template(path = "admin/decision.html")]
struct DecisionPage<'a> {
    c: &'a Ctx,
    app: i64,
    call: i64,
    title: String,
    request: String,
    reviews: usize,
    mean: String,
    calibrated: String,
    final_score: Option<String>,
    recommendations: Vec<String>,
    components: Vec<ComponentRow>,
    form: DecisionForm,
    errors: FormErrors,
    published: bool,
    /// Reviews of the application assigned and not yet submitted.
    open_reviews: i64,
}

async fn page(
    ctx: &Ctx,
    state: &AppState,
    id: ApplicationId,
    typed: Option<DecisionForm>,
    typed_components: Option<ComponentForm>,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageReview)?;
    let mut conn = state.pool.get().await?;
    let app = applications::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !matches!(
        app.state,
        ApplicationState::UnderReview
            | ApplicationState::Awarded
            | ApplicationState::Declined
            | ApplicationState::Waitlisted
    ) {
        return Err(AppError::NotFound);
    }
    let call = calls::find(&mut conn, app.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = calls::review_settings(&mut conn, call.id).await?;
    // The board's ranking, computed once per change of the call's reviews:
    // calibration needs every review of the call.
    let ranking = review::ranking_cached(
        &state.rankings,
        &mut conn,
        call.id,
        review::RankBy::Calibrated,
    )
    .await?;
    let row = ranking.0.iter().find(|r| r.application == id);
    let decision = model::find(&mut conn, id).await?;
    let open_reviews = crate::models::reviews::count_open(&mut conn, call.id, Some(id)).await?;
    let recommendations = crate::models::reviews::submitted_of_application(&mut conn, id)
        .await?
        .into_iter()
        .filter_map(|(_, _, _, r)| r)
        .map(|r| ctx.label("recommendation", &r))
        .collect();
    let form = typed.unwrap_or_else(|| match &decision {
        Some(d) => DecisionForm {
            outcome: d.outcome.code().to_string(),
            amount: d
                .amount
                .map(crate::domain::money::format_amount)
                .unwrap_or_default(),
            conditions: d.conditions.clone(),
            rationale: d.rationale.clone(),
        },
        None => DecisionForm::default(),
    });
    let components = settings
        .components
        .iter()
        .enumerate()
        .map(|(i, k)| ComponentRow {
            field: COMPONENT_FIELDS[i],
            name: ctx.pick(&k.name_zh, &k.name_en),
            weight: k.weight,
            value: match &typed_components {
                Some(t) => t.component.get(i).cloned().unwrap_or_default(),
                None => row
                    .as_ref()
                    .and_then(|r| r.components.get(i).copied().flatten())
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
            },
        })
        .collect();
    let one = |v: f64| format!("{v:.1}");
    let page = DecisionPage {
        c: ctx,
        app: id.0,
        call: call.id.0,
        title: app.title,
        request: crate::domain::money::format_money(
            service::grant_request(&mut conn, id).await?,
            crate::models::funds::of_call(&mut conn, call.id)
                .await?
                .ok_or(AppError::NotFound)?
                .currency,
        ),
        reviews: row.as_ref().map_or(0, |r| r.reviews),
        mean: row.as_ref().map_or_else(String::new, |r| one(r.mean)),
        calibrated: row.as_ref().map_or_else(String::new, |r| one(r.calibrated)),
        final_score: row
            .as_ref()
            .and_then(|r| r.final_score)
            .filter(|_| !settings.components.is_empty())
            .map(one),
        recommendations,
        components,
        form,
        errors,
        published: decision.is_some_and(|d| d.published_at.is_some()),
        open_reviews,
    };
    render_form(&page, page.errors.is_empty())
}

fn app_id(raw: &str) -> Result<ApplicationId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    page(
        &ctx,
        &state,
        app_id(&path)?,
        None,
        None,
        FormErrors::default(),
    )
    .await
}

pub async fn decide(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id = app_id(&path)?;
    match service::decide(&state, &actor, id, &form, &ctx.origin).await {
        Ok(()) => {
            let mut conn = state.pool.get().await?;
            let call = applications::find(&mut conn, id)
                .await?
                .ok_or(AppError::NotFound)?
                .call_id;
            Ok(see_other_with_flash(
                &format!("/admin/calls/{call}/board"),
                "flash-saved",
                state.config.cookie_secure,
            ))
        }
        Err(AppError::Invalid(e)) => page(&ctx, &state, id, Some(form), None, e).await,
        Err(e) => Err(e),
    }
}

pub async fn components(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ComponentForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id = app_id(&path)?;
    after_form(
        service::set_component_scores(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                &format!("/admin/applications/{id}/decision"),
                "flash-saved",
                state.config.cookie_secure,
            )
        },
        |e| page(&ctx, &state, id, None, Some(form), e),
    )
    .await
}

pub async fn publish(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<Confirmation>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id: CallId = path.parse().map_err(|_| AppError::NotFound)?;
    let confirmed = super::confirm::given(&form.confirmed);
    match service::publish(&state, &actor, id, confirmed, &ctx.origin).await {
        Err(AppError::Unconfirmed) => {
            let mut conn = state.pool.get().await?;
            let decided = crate::models::decisions::of_call(&mut conn, id)
                .await?
                .len();
            let open = crate::models::reviews::count_open(&mut conn, id, None).await?;
            let mut consequences =
                vec![ctx.t_with("confirm-publish-what", &[("n", decided.to_string())])];
            if open > 0 {
                consequences.push(ctx.t_with("confirm-publish-open", &[("n", open.to_string())]));
            }
            return ConfirmPage {
                c: &ctx,
                title: ctx.t("confirm-publish-title"),
                consequences,
                action: format!("/admin/calls/{id}/publish-decisions"),
                fields: Vec::new(),
                confirm: ctx.t("board-publish"),
                back: format!("/admin/calls/{id}/board"),
                back_label: ctx.t("confirm-back-board"),
            }
            .respond();
        }
        outcome => outcome?,
    };
    Ok(see_other_with_flash(
        &format!("/admin/calls/{id}/board"),
        "flash-decisions-published",
        state.config.cookie_secure,
    ))
}
