//! The second step of login (a code from the authenticator app, or a
//! recovery code), setting the app up on the way, and the account's own
//! second-factor actions.

use actix_web::cookie::time;
use actix_web::http::header::LOCATION;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth::NextQuery;
use super::ctx::{CsrfForm, Ctx, NoFields, SESSION_COOKIE};
use super::{
    cookie, removal_cookie, render, render_form, safe_next, see_other_with_flash, url_encode,
};
use crate::AppState;
use crate::clock::format_bay_area;
use crate::error::AppError;
use crate::models::UserId;
use crate::services::second_factor::{self, Answer, CHALLENGE_VALID_FOR, Challenge, ISSUER};

/// The browser's half of a login waiting for its second factor.
pub const CHALLENGE_COOKIE: &str = "bg_login";

/// Where the login form sends a password that needs a second factor.
pub fn challenge_redirect(token: String, next: &str, secure: bool) -> HttpResponse {
    let location = format!("/login/second-factor?next={}", url_encode(safe_next(next)));
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .cookie(cookie(
            CHALLENGE_COOKIE,
            token,
            secure,
            Some(time::Duration::seconds(CHALLENGE_VALID_FOR.num_seconds())),
        ))
        .finish()
}

#[derive(Template)]
#[template(path = "auth/second_factor.html")]
struct ChallengePage<'a> {
    c: &'a Ctx,
    next: String,
    /// Set when the account sets its app up now.
    enrol: Option<Enrolment>,
    /// Catalogue text of what was wrong with the code.
    problem: Option<String>,
}

struct Enrolment {
    secret: String,
    uri: String,
    qr_svg: String,
}

fn enrolment(challenge: Challenge) -> Option<Enrolment> {
    match challenge {
        Challenge::Code => None,
        Challenge::Enrol { secret, account } => {
            let uri = secret.otpauth_uri(ISSUER, &account);
            Some(Enrolment {
                secret: secret.base32_grouped(),
                qr_svg: qr_svg(&uri),
                uri,
            })
        }
    }
}

/// The otpauth URI as an inline SVG QR code (no text of the user's in it,
/// only modules); empty if it cannot be encoded, and the typed secret serves.
fn qr_svg(uri: &str) -> String {
    let Ok(code) = qrcode::QrCode::new(uri.as_bytes()) else {
        return String::new();
    };
    let svg = code
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    // Inline in HTML: no XML prologue.
    match svg.find("<svg") {
        Some(at) => svg[at..].replacen("<svg", "<svg aria-hidden=\"true\" focusable=\"false\"", 1),
        None => String::new(),
    }
}

fn challenge_token(req: &HttpRequest) -> Option<String> {
    req.cookie(CHALLENGE_COOKIE)
        .map(|c| c.value().to_string())
        .filter(|t| crate::domain::token::is_well_formed(t))
}

fn back_to_login(state: &AppState) -> HttpResponse {
    let secure = state.config.cookie_secure;
    let mut res = see_other_with_flash("/login", "flash-login-again", secure);
    let _ = res.add_cookie(&removal_cookie(CHALLENGE_COOKIE, secure));
    res
}

pub async fn challenge_form(
    ctx: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<NextQuery>,
) -> Result<HttpResponse, AppError> {
    if ctx.user.is_some() {
        return Ok(super::see_other(safe_next(&q.next)));
    }
    let Some(token) = challenge_token(&req) else {
        return Ok(back_to_login(&state));
    };
    let Some(challenge) = second_factor::find(&state, &token).await? else {
        return Ok(back_to_login(&state));
    };
    render(&ChallengePage {
        c: &ctx,
        next: q.next.clone(),
        enrol: enrolment(challenge),
        problem: None,
    })
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct CodeForm {
    code: String,
    next: String,
}

#[derive(Template)]
#[template(path = "auth/recovery_codes.html")]
struct RecoveryCodesPage<'a> {
    c: &'a Ctx,
    codes: Vec<String>,
    next: String,
}

pub async fn answer(
    ctx: Ctx,
    req: HttpRequest,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some(token) = challenge_token(&req) else {
        return Ok(back_to_login(&state));
    };
    let previous = ctx.user.as_ref().map(|u| u.session_id);
    let secure = state.config.cookie_secure;
    let next = safe_next(&form.next).to_string();
    match second_factor::answer(&state, &token, &form.code, previous, &ctx.origin).await? {
        Answer::SignedIn {
            session_token,
            recovery_codes,
        } => {
            let max_age = time::Duration::seconds(state.config.session_absolute.num_seconds());
            let mut res = match recovery_codes {
                // Shown once, on this answer, which also brings the session
                // cookie: the page already shows the person signed in.
                Some(codes) => render(&RecoveryCodesPage {
                    c: &super::ctx::for_new_session(&req, &state, &session_token).await?,
                    codes,
                    next,
                })?,
                None => super::see_other(&next),
            };
            res.add_cookie(&cookie(
                SESSION_COOKIE,
                session_token,
                secure,
                Some(max_age),
            ))
            .map_err(|e| AppError::Internal(e.into()))?;
            res.add_cookie(&removal_cookie(CHALLENGE_COOKIE, secure))
                .map_err(|e| AppError::Internal(e.into()))?;
            Ok(res)
        }
        Answer::Wrong => {
            let Some(challenge) = second_factor::find(&state, &token).await? else {
                return Ok(back_to_login(&state));
            };
            render_form(
                &ChallengePage {
                    c: &ctx,
                    next: form.next,
                    enrol: enrolment(challenge),
                    problem: Some(ctx.t("err-second-factor-wrong")),
                },
                false,
            )
        }
        Answer::Ended => Ok(back_to_login(&state)),
        Answer::Locked { until } => {
            let page = ChallengePage {
                c: &ctx,
                next: form.next,
                enrol: None,
                problem: Some(ctx.t_with("err-login-locked", &[("until", format_bay_area(until))])),
            };
            Ok(HttpResponse::TooManyRequests()
                .content_type("text/html; charset=utf-8")
                .body(page.render()?))
        }
    }
}

#[derive(Default, Deserialize)]
#[serde(default)]
pub struct RenewForm {
    code: String,
}

/// New recovery codes, shown once; the form needs a current code.
pub async fn renew_recovery_codes(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<RenewForm>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    match second_factor::renew_recovery_codes(&state, user.id, &form.code, &ctx.origin).await {
        Ok(codes) => render(&RecoveryCodesPage {
            c: &ctx,
            codes,
            next: "/account".into(),
        }),
        Err(AppError::Invalid(errors)) => {
            super::account::page(&ctx, &state, super::account::Errors::SecondFactor(errors)).await
        }
        Err(e) => Err(e),
    }
}

/// An admin removes a user's second factor (lost phone, no codes left).
pub async fn reset(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<UserId>,
    _form: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(crate::policy::Permission::ManageRoles)?;
    let done = second_factor::reset(&state, &actor, path.into_inner(), &ctx.origin).await?;
    Ok(see_other_with_flash(
        "/admin/users",
        if done {
            "flash-second-factor-reset"
        } else {
            "flash-second-factor-none"
        },
        state.config.cookie_secure,
    ))
}
