//! Admin pages for funds and the key-area catalogue.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx};
use super::{after_form, render_form, see_other_with_flash};
use crate::AppState;
use crate::domain::money::Currency;
use crate::error::{AppError, FormErrors};
use crate::models::focus_areas::{self, FocusArea};
use crate::models::funds::{self, Fund};
use crate::policy::Permission;
use crate::services::funds::{self as service, FocusAreaForm, FundForm};

#[derive(Template)]
#[template(path = "admin/funds.html")]
struct FundsPage<'a> {
    c: &'a Ctx,
    funds: Vec<Fund>,
    form: FundForm,
    errors: FormErrors,
    currencies: [Currency; 3],
}

async fn funds_page(
    ctx: &Ctx,
    state: &AppState,
    form: FundForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let page = FundsPage {
        c: ctx,
        funds: funds::all(&mut conn).await?,
        form,
        errors,
        currencies: Currency::ALL,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn list(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageFunds)?;
    funds_page(
        &ctx,
        &state,
        FundForm {
            currency: "CNY".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<FundForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageFunds)?;
    after_form(
        service::create_fund(&state, &actor, &form, &ctx.origin).await,
        |_| {
            see_other_with_flash(
                "/admin/funds",
                "flash-fund-created",
                state.config.cookie_secure,
            )
        },
        |errors| funds_page(&ctx, &state, form, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "admin/focus_areas.html")]
struct FocusPage<'a> {
    c: &'a Ctx,
    areas: Vec<FocusArea>,
    form: FocusAreaForm,
    errors: FormErrors,
}

async fn focus_page(
    ctx: &Ctx,
    state: &AppState,
    form: FocusAreaForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let page = FocusPage {
        c: ctx,
        areas: focus_areas::all(&mut conn).await?,
        form,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn focus_list(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageFunds)?;
    focus_page(
        &ctx,
        &state,
        FocusAreaForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn focus_add(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<FocusAreaForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageFunds)?;
    after_form(
        service::add_focus_area(&state, &actor, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                "/admin/focus-areas",
                "flash-catalogue-saved",
                state.config.cookie_secure,
            )
        },
        |errors| focus_page(&ctx, &state, form, errors),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ActiveForm {
    active: String,
}

pub async fn focus_active(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ActiveForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageFunds)?;
    service::set_focus_area_active(&state, &actor, &path, form.active == "1", &ctx.origin).await?;
    Ok(see_other_with_flash(
        "/admin/focus-areas",
        "flash-catalogue-saved",
        state.config.cookie_secure,
    ))
}
