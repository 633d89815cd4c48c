//! The signed-in user's own settings, and the language switcher.

use actix_web::cookie::time;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx, LANG_COOKIE, NoFields, ORIGINAL_COOKIE};
use super::{after_form, cookie, render_form, safe_next, see_other_with_flash};
use crate::AppState;
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::services::accounts::{self, PasswordChange, ProfileUpdate};
use crate::services::second_factor;

#[derive(Template)]
#[template(path = "account/show.html")]
struct AccountPage<'a> {
    c: &'a Ctx,
    profile: ProfileUpdate,
    profile_errors: FormErrors,
    password_errors: FormErrors,
    second_factor: second_factor::Status,
    second_factor_errors: FormErrors,
}

/// Which of the account page's forms came back with errors.
pub enum Errors {
    None,
    Profile(ProfileUpdate, FormErrors),
    Password(FormErrors),
    SecondFactor(FormErrors),
}

/// The account page, with one form's errors (422) or none (200).
pub async fn page(ctx: &Ctx, state: &AppState, errors: Errors) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let ok = matches!(errors, Errors::None);
    let mut page = AccountPage {
        c: ctx,
        profile: ProfileUpdate {
            name: user.name.clone(),
            lang: ctx.lang.code().to_string(),
        },
        profile_errors: FormErrors::default(),
        password_errors: FormErrors::default(),
        second_factor: second_factor::status(state, user.id).await?,
        second_factor_errors: FormErrors::default(),
    };
    match errors {
        Errors::None => {}
        Errors::Profile(typed, e) => {
            page.profile = typed;
            page.profile_errors = e;
        }
        Errors::Password(e) => page.password_errors = e,
        Errors::SecondFactor(e) => page.second_factor_errors = e,
    }
    render_form(&page, ok)
}

pub async fn show(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    page(&ctx, &state, Errors::None).await
}

pub async fn update_profile(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<ProfileUpdate>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    after_form(
        accounts::update_profile(&state, user.id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                "/account",
                "flash-profile-saved",
                state.config.cookie_secure,
            )
        },
        |errors| page(&ctx, &state, Errors::Profile(form, errors)),
    )
    .await
}

pub async fn change_password(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<PasswordChange>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    after_form(
        accounts::change_password(&state, user.id, user.session_id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                "/account",
                "flash-password-changed",
                state.config.cookie_secure,
            )
        },
        |errors| page(&ctx, &state, Errors::Password(errors)),
    )
    .await
}

pub async fn resend_verification(
    ctx: Ctx,
    state: web::Data<AppState>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    accounts::resend_verification(&state, user.id, &ctx.origin).await?;
    Ok(see_other_with_flash(
        "/account",
        "flash-verification-sent",
        state.config.cookie_secure,
    ))
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct LanguageChoice {
    lang: String,
    next: String,
}

#[derive(serde::Deserialize)]
pub struct ScriptChoice {
    /// "1": people's own text as entered; anything else: in the reader's script.
    #[serde(default)]
    original: String,
    #[serde(default)]
    next: String,
}

/// People's own text as entered or converted to the reader's script: a
/// cookie, for the whole site, one click from every Chinese page.
pub async fn switch_script(
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<ScriptChoice>,
) -> Result<HttpResponse, AppError> {
    let secure = state.config.cookie_secure;
    let mut res = HttpResponse::SeeOther();
    res.insert_header((actix_web::http::header::LOCATION, safe_next(&form.next)));
    if form.original == "1" {
        res.cookie(cookie(
            ORIGINAL_COOKIE,
            "1".to_string(),
            secure,
            Some(time::Duration::days(365)),
        ));
    } else {
        res.cookie(cookie(
            ORIGINAL_COOKIE,
            String::new(),
            secure,
            Some(time::Duration::ZERO),
        ));
    }
    Ok(res.finish())
}

/// The switcher: a cookie for everyone, and the account setting when signed in.
pub async fn switch_language(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<LanguageChoice>,
) -> Result<HttpResponse, AppError> {
    let lang = Lang::parse(&form.lang).ok_or(AppError::BadRequest)?;
    if let Some(user) = &ctx.user {
        accounts::set_language(&state, user.id, lang, &ctx.origin).await?;
    }
    let secure = state.config.cookie_secure;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, safe_next(&form.next)))
        .cookie(cookie(
            LANG_COOKIE,
            lang.code().to_string(),
            secure,
            Some(time::Duration::days(365)),
        ))
        .finish())
}
