//! Registration, email verification, login and logout, forgotten password.

use actix_web::cookie::time;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx, NoFields, SESSION_COOKIE};
use super::{
    cookie, removal_cookie, render, render_invalid, safe_next, see_other, see_other_with_flash,
};
use crate::AppState;
use crate::clock::format_bay_area;
use crate::error::{AppError, FormErrors};
use crate::services::accounts::{self, LoginOutcome, Registration, TokenOutcome};

#[derive(Template)]
#[template(path = "auth/register.html")]
struct RegisterPage<'a> {
    c: &'a Ctx,
    form: Registration,
    errors: FormErrors,
}

pub async fn register_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    if ctx.user.is_some() {
        return Ok(see_other("/"));
    }
    let form = Registration {
        lang: ctx.lang.code().to_string(),
        ..Default::default()
    };
    render(&RegisterPage {
        c: &ctx,
        form,
        errors: FormErrors::default(),
    })
}

pub async fn register(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<Registration>,
) -> Result<HttpResponse, AppError> {
    match accounts::register(&state, &form, &ctx.origin).await {
        Ok(_) => Ok(see_other_with_flash(
            "/login",
            "flash-registered",
            state.config.cookie_secure,
        )),
        Err(AppError::Invalid(errors)) => {
            // Passwords are never sent back to the browser.
            let form = Registration {
                password: String::new(),
                password_confirm: String::new(),
                ..form
            };
            render_invalid(&RegisterPage {
                c: &ctx,
                form,
                errors,
            })
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "auth/message.html")]
struct MessagePage<'a> {
    c: &'a Ctx,
    title_key: &'static str,
    body_key: &'static str,
}

#[derive(Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

/// The link in the verification email.
pub async fn verify_email(
    ctx: Ctx,
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    let (title_key, body_key) = match accounts::verify_email(&state, &q.token, &ctx.origin).await? {
        TokenOutcome::Done => ("verify-done-title", "verify-done-body"),
        TokenOutcome::AlreadyDone => ("verify-already-title", "verify-already-body"),
        TokenOutcome::Invalid => ("verify-invalid-title", "verify-invalid-body"),
    };
    let page = MessagePage {
        c: &ctx,
        title_key,
        body_key,
    };
    if title_key == "verify-invalid-title" {
        render_invalid(&page).map(|mut r| {
            *r.status_mut() = actix_web::http::StatusCode::BAD_REQUEST;
            r
        })
    } else {
        render(&page)
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LoginForm {
    email: String,
    password: String,
    next: String,
}

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage<'a> {
    c: &'a Ctx,
    email: String,
    next: String,
    /// Catalogue text for a refusal that concerns the whole form.
    problem: Option<String>,
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    pub next: String,
}

pub async fn login_form(ctx: Ctx, q: web::Query<NextQuery>) -> Result<HttpResponse, AppError> {
    if ctx.user.is_some() {
        return Ok(see_other(safe_next(&q.next)));
    }
    render(&LoginPage {
        c: &ctx,
        email: String::new(),
        next: q.next.clone(),
        problem: None,
    })
}

pub async fn login(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let previous = ctx.user.as_ref().map(|u| u.session_id);
    match accounts::login(&state, &form.email, &form.password, previous, &ctx.origin).await? {
        LoginOutcome::SignedIn { token, .. } => {
            let secure = state.config.cookie_secure;
            let max_age = time::Duration::seconds(state.config.session_absolute.num_seconds());
            Ok(HttpResponse::SeeOther()
                .insert_header((actix_web::http::header::LOCATION, safe_next(&form.next)))
                .cookie(cookie(SESSION_COOKIE, token, secure, Some(max_age)))
                .finish())
        }
        LoginOutcome::SecondFactor { token } => Ok(super::second_factor::challenge_redirect(
            token,
            &form.next,
            state.config.cookie_secure,
        )),
        LoginOutcome::Refused => render_invalid(&LoginPage {
            c: &ctx,
            email: form.email,
            next: form.next,
            problem: Some(ctx.t("err-login-refused")),
        }),
        LoginOutcome::Locked { until } => {
            let page = LoginPage {
                c: &ctx,
                email: form.email,
                next: form.next,
                problem: Some(ctx.t_with("err-login-locked", &[("until", format_bay_area(until))])),
            };
            Ok(HttpResponse::TooManyRequests()
                .content_type("text/html; charset=utf-8")
                .body(page.render()?))
        }
    }
}

pub async fn logout(
    ctx: Ctx,
    state: web::Data<AppState>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let secure = state.config.cookie_secure;
    if let Some(user) = &ctx.user {
        accounts::logout(&state, user.session_id, user.id, &ctx.origin).await?;
    }
    let mut res = see_other_with_flash("/", "flash-logged-out", secure);
    res.add_cookie(&removal_cookie(SESSION_COOKIE, secure))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(res)
}

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage<'a> {
    c: &'a Ctx,
    email: String,
    errors: FormErrors,
}

pub async fn forgot_form(ctx: Ctx) -> Result<HttpResponse, AppError> {
    render(&ForgotPage {
        c: &ctx,
        email: String::new(),
        errors: FormErrors::default(),
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ForgotForm {
    email: String,
}

pub async fn forgot(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<ForgotForm>,
) -> Result<HttpResponse, AppError> {
    match accounts::request_password_reset(&state, &form.email, &ctx.origin).await {
        Ok(()) => render(&MessagePage {
            c: &ctx,
            title_key: "forgot-sent-title",
            body_key: "forgot-sent-body",
        }),
        Err(AppError::Invalid(errors)) => render_invalid(&ForgotPage {
            c: &ctx,
            email: form.email,
            errors,
        }),
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage<'a> {
    c: &'a Ctx,
    token: String,
    errors: FormErrors,
}

pub async fn reset_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    q: web::Query<TokenQuery>,
) -> Result<HttpResponse, AppError> {
    if !accounts::reset_token_is_valid(&state, &q.token).await? {
        return invalid_reset_link(&ctx);
    }
    render(&ResetPage {
        c: &ctx,
        token: q.token.clone(),
        errors: FormErrors::default(),
    })
}

fn invalid_reset_link(ctx: &Ctx) -> Result<HttpResponse, AppError> {
    let page = MessagePage {
        c: ctx,
        title_key: "reset-invalid-title",
        body_key: "reset-invalid-body",
    };
    Ok(HttpResponse::BadRequest()
        .content_type("text/html; charset=utf-8")
        .body(page.render()?))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct ResetForm {
    token: String,
    password: String,
    password_confirm: String,
}

pub async fn reset(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<ResetForm>,
) -> Result<HttpResponse, AppError> {
    match accounts::reset_password(
        &state,
        &form.token,
        &form.password,
        &form.password_confirm,
        &ctx.origin,
    )
    .await
    {
        Ok(TokenOutcome::Done) => Ok(see_other_with_flash(
            "/login",
            "flash-password-reset",
            state.config.cookie_secure,
        )),
        Ok(_) => invalid_reset_link(&ctx),
        Err(AppError::Invalid(errors)) => render_invalid(&ResetPage {
            c: &ctx,
            token: form.token,
            errors,
        }),
        Err(e) => Err(e),
    }
}
