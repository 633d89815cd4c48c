//! HTTP: the route list, extractors, middleware and thin handlers. Handlers
//! read the request, call one service, and render a page or redirect.

mod account;
mod admin;
mod applications;
pub use applications::UPLOAD_BYTES_READ;
mod assets;
mod auth;
mod awards;
mod calls;
pub mod charts;
pub mod ctx;
mod decisions;
mod funds;
mod health;
mod home;
pub mod middleware;
mod orgs;
mod review;
mod second_factor;
mod transparency;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::AppError;

/// Every route, in one list. `tests/it/regressions.rs` asks each one as a visitor.
pub const ROUTES: &[(&str, &str)] = &[
    ("GET", "/"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/baseline"),
    ("GET", "/static/{file}"),
    ("GET", "/register"),
    ("POST", "/register"),
    ("GET", "/verify-email"),
    ("POST", "/verify-email/resend"),
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/login/second-factor"),
    ("POST", "/login/second-factor"),
    ("POST", "/logout"),
    ("GET", "/password/forgot"),
    ("POST", "/password/forgot"),
    ("GET", "/password/reset"),
    ("POST", "/password/reset"),
    ("GET", "/account"),
    ("POST", "/account"),
    ("POST", "/account/password"),
    ("POST", "/account/recovery-codes"),
    ("POST", "/lang"),
    ("GET", "/admin/users"),
    ("POST", "/admin/users/{id}/roles"),
    ("POST", "/admin/users/{id}/second-factor"),
    ("GET", "/admin/emails"),
    ("POST", "/admin/emails/{id}/retry"),
    ("GET", "/admin/audit"),
    ("GET", "/orgs"),
    ("POST", "/orgs"),
    ("GET", "/orgs/mine"),
    ("GET", "/orgs/new"),
    ("GET", "/orgs/{id}"),
    ("GET", "/orgs/{id}/edit"),
    ("POST", "/orgs/{id}/edit"),
    ("GET", "/orgs/{id}/members"),
    ("POST", "/orgs/{id}/invitations"),
    ("POST", "/orgs/{id}/members/{user}"),
    ("GET", "/invitations/{token}"),
    ("POST", "/invitations/{token}"),
    ("GET", "/admin/verifications"),
    ("POST", "/admin/orgs/{id}/decision"),
    ("POST", "/admin/orgs/{id}/whitelist"),
    ("POST", "/admin/orgs/{id}/debarment"),
    ("GET", "/admin/funds"),
    ("POST", "/admin/funds"),
    ("GET", "/admin/focus-areas"),
    ("POST", "/admin/focus-areas"),
    ("POST", "/admin/focus-areas/{code}/active"),
    ("GET", "/admin/calls"),
    ("POST", "/admin/calls"),
    ("GET", "/admin/calls/new"),
    ("GET", "/admin/calls/{id}/edit"),
    ("POST", "/admin/calls/{id}/edit"),
    ("POST", "/admin/calls/{id}/state"),
    ("GET", "/calls"),
    ("GET", "/calls/{id}"),
    ("POST", "/calls/{id}/apply"),
    ("GET", "/applications"),
    ("GET", "/applications/{id}"),
    ("POST", "/applications/{id}/content"),
    ("POST", "/applications/{id}/partners"),
    ("POST", "/applications/{id}/partners/{org}/remove"),
    ("POST", "/applications/{id}/partners/{org}/answer"),
    ("POST", "/applications/{id}/budget"),
    ("POST", "/applications/{id}/budget/{line}/delete"),
    ("POST", "/applications/{id}/milestones"),
    ("POST", "/applications/{id}/milestones/{m}/delete"),
    ("POST", "/applications/{id}/attachments"),
    ("GET", "/applications/{id}/attachments/{a}"),
    ("POST", "/applications/{id}/attachments/{a}/delete"),
    ("POST", "/applications/{id}/submit"),
    ("POST", "/applications/{id}/state"),
    ("GET", "/admin/applications"),
    ("GET", "/admin/calls/{id}/review"),
    ("POST", "/admin/calls/{id}/panel"),
    ("POST", "/admin/calls/{id}/assign"),
    ("POST", "/admin/calls/{id}/auto-assign"),
    ("GET", "/reviewer"),
    ("POST", "/reviewer/affiliations"),
    ("POST", "/reviewer/affiliations/{org}/remove"),
    ("GET", "/reviews/{id}"),
    ("GET", "/reviews/{id}/attachments/{a}"),
    ("POST", "/reviews/{id}/declare"),
    ("POST", "/reviews/{id}/scores"),
    ("POST", "/admin/reviews/{id}/reopen"),
    ("GET", "/admin/calls/{id}/board"),
    ("GET", "/admin/calls/{id}/board.csv"),
    ("GET", "/admin/applications/{id}/decision"),
    ("POST", "/admin/applications/{id}/decision"),
    ("POST", "/admin/applications/{id}/components"),
    ("POST", "/admin/calls/{id}/publish-decisions"),
    ("GET", "/grants"),
    ("GET", "/open-data/grants.json"),
    ("GET", "/open-data/grants.csv"),
    ("GET", "/awards"),
    ("GET", "/awards/{id}"),
    ("POST", "/awards/{id}/accept"),
    ("POST", "/awards/{id}/reports/{n}"),
    ("POST", "/awards/{id}/reports/{n}/attachments"),
    ("GET", "/awards/{id}/report-files/{a}"),
    ("POST", "/awards/{id}/support"),
    ("POST", "/awards/{id}/evaluations"),
    ("POST", "/awards/{id}/refunds"),
    ("GET", "/admin/reports"),
    ("POST", "/admin/reports/{id}"),
    ("GET", "/finance"),
    ("POST", "/finance/tranches/{id}/request"),
    ("POST", "/finance/payments/{id}"),
    ("GET", "/finance/funds/{id}"),
    ("POST", "/finance/funds/{id}/contributions"),
    ("POST", "/finance/funds/{id}/corrections"),
    ("POST", "/finance/corrections/{id}"),
    ("GET", "/finance/funds/{id}/ledger.csv"),
    ("GET", "/finance/ledger.csv"),
    ("GET", "/finance/funds/{id}/payments.csv"),
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home::index))
        .route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/baseline", web::get().to(health::baseline))
        .route("/static/{file}", web::get().to(assets::serve))
        .route("/register", web::get().to(auth::register_form))
        .route("/register", web::post().to(auth::register))
        .route("/verify-email", web::get().to(auth::verify_email))
        .route(
            "/verify-email/resend",
            web::post().to(account::resend_verification),
        )
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route(
            "/login/second-factor",
            web::get().to(second_factor::challenge_form),
        )
        .route(
            "/login/second-factor",
            web::post().to(second_factor::answer),
        )
        .route("/logout", web::post().to(auth::logout))
        .route("/password/forgot", web::get().to(auth::forgot_form))
        .route("/password/forgot", web::post().to(auth::forgot))
        .route("/password/reset", web::get().to(auth::reset_form))
        .route("/password/reset", web::post().to(auth::reset))
        .route("/account", web::get().to(account::show))
        .route("/account", web::post().to(account::update_profile))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route(
            "/account/recovery-codes",
            web::post().to(second_factor::renew_recovery_codes),
        )
        .route("/lang", web::post().to(account::switch_language))
        .route("/admin/users", web::get().to(admin::users))
        .route(
            "/admin/users/{id}/roles",
            web::post().to(admin::change_role),
        )
        .route(
            "/admin/users/{id}/second-factor",
            web::post().to(second_factor::reset),
        )
        .route("/admin/emails", web::get().to(admin::emails))
        .route(
            "/admin/emails/{id}/retry",
            web::post().to(admin::retry_email),
        )
        .route("/admin/audit", web::get().to(admin::audit))
        .route("/orgs", web::get().to(orgs::directory))
        .route("/orgs", web::post().to(orgs::create))
        .route("/orgs/mine", web::get().to(orgs::mine))
        .route("/orgs/new", web::get().to(orgs::new_form))
        .route("/orgs/{id}", web::get().to(orgs::show))
        .route("/orgs/{id}/edit", web::get().to(orgs::edit_form))
        .route("/orgs/{id}/edit", web::post().to(orgs::update))
        .route("/orgs/{id}/members", web::get().to(orgs::members))
        .route("/orgs/{id}/invitations", web::post().to(orgs::invite))
        .route(
            "/orgs/{id}/members/{user}",
            web::post().to(orgs::change_member),
        )
        .route("/invitations/{token}", web::get().to(orgs::invitation))
        .route(
            "/invitations/{token}",
            web::post().to(orgs::accept_invitation),
        )
        .route("/admin/verifications", web::get().to(orgs::queue))
        .route("/admin/orgs/{id}/decision", web::post().to(orgs::decide))
        .route(
            "/admin/orgs/{id}/whitelist",
            web::post().to(orgs::whitelist),
        )
        .route("/admin/orgs/{id}/debarment", web::post().to(orgs::debar))
        .route("/admin/funds", web::get().to(funds::list))
        .route("/admin/funds", web::post().to(funds::create))
        .route("/admin/focus-areas", web::get().to(funds::focus_list))
        .route("/admin/focus-areas", web::post().to(funds::focus_add))
        .route(
            "/admin/focus-areas/{code}/active",
            web::post().to(funds::focus_active),
        )
        .route("/admin/calls", web::get().to(calls::admin_list))
        .route("/admin/calls", web::post().to(calls::create))
        .route("/admin/calls/new", web::get().to(calls::new_form))
        .route("/admin/calls/{id}/edit", web::get().to(calls::edit_form))
        .route("/admin/calls/{id}/edit", web::post().to(calls::update))
        .route(
            "/admin/calls/{id}/state",
            web::post().to(calls::change_state),
        )
        .route("/calls", web::get().to(calls::list))
        .route("/calls/{id}", web::get().to(calls::show))
        .route("/calls/{id}/apply", web::post().to(applications::start))
        .route("/applications", web::get().to(applications::dashboard))
        .route("/applications/{id}", web::get().to(applications::show))
        .route(
            "/applications/{id}/content",
            web::post().to(applications::save_content),
        )
        .route(
            "/applications/{id}/partners",
            web::post().to(applications::invite_partner),
        )
        .route(
            "/applications/{id}/partners/{org}/remove",
            web::post().to(applications::remove_partner),
        )
        .route(
            "/applications/{id}/partners/{org}/answer",
            web::post().to(applications::answer_partner),
        )
        .route(
            "/applications/{id}/budget",
            web::post().to(applications::add_budget_line),
        )
        .route(
            "/applications/{id}/budget/{line}/delete",
            web::post().to(applications::delete_budget_line),
        )
        .route(
            "/applications/{id}/milestones",
            web::post().to(applications::add_milestone),
        )
        .route(
            "/applications/{id}/milestones/{m}/delete",
            web::post().to(applications::delete_milestone),
        )
        .route(
            "/applications/{id}/attachments",
            web::post().to(applications::upload),
        )
        .route(
            "/applications/{id}/attachments/{a}",
            web::get().to(applications::download),
        )
        .route(
            "/applications/{id}/attachments/{a}/delete",
            web::post().to(applications::delete_attachment),
        )
        .route(
            "/applications/{id}/submit",
            web::post().to(applications::submit),
        )
        .route(
            "/applications/{id}/state",
            web::post().to(applications::take_back),
        )
        .route(
            "/admin/applications",
            web::get().to(applications::admin_list),
        )
        .route("/admin/calls/{id}/review", web::get().to(review::admin))
        .route(
            "/admin/calls/{id}/panel",
            web::post().to(review::add_panel_member),
        )
        .route("/admin/calls/{id}/assign", web::post().to(review::assign))
        .route(
            "/admin/calls/{id}/auto-assign",
            web::post().to(review::auto_assign),
        )
        .route("/reviewer", web::get().to(review::home))
        .route(
            "/reviewer/affiliations",
            web::post().to(review::add_affiliation),
        )
        .route(
            "/reviewer/affiliations/{org}/remove",
            web::post().to(review::remove_affiliation),
        )
        .route("/reviews/{id}", web::get().to(review::show))
        .route(
            "/reviews/{id}/attachments/{a}",
            web::get().to(review::attachment),
        )
        .route("/reviews/{id}/declare", web::post().to(review::declare))
        .route("/reviews/{id}/scores", web::post().to(review::save_scores))
        .route("/admin/reviews/{id}/reopen", web::post().to(review::reopen))
        .route("/admin/calls/{id}/board", web::get().to(review::board))
        .route(
            "/admin/applications/{id}/decision",
            web::get().to(decisions::show),
        )
        .route(
            "/admin/applications/{id}/decision",
            web::post().to(decisions::decide),
        )
        .route(
            "/admin/applications/{id}/components",
            web::post().to(decisions::components),
        )
        .route(
            "/admin/calls/{id}/publish-decisions",
            web::post().to(decisions::publish),
        )
        .route("/grants", web::get().to(transparency::page))
        .route(
            "/open-data/grants.json",
            web::get().to(transparency::json_export),
        )
        .route(
            "/open-data/grants.csv",
            web::get().to(transparency::csv_export),
        )
        .route("/awards", web::get().to(awards::mine))
        .route("/awards/{id}", web::get().to(awards::show))
        .route("/awards/{id}/accept", web::post().to(awards::accept))
        .route(
            "/awards/{id}/reports/{n}",
            web::post().to(awards::submit_report),
        )
        .route(
            "/awards/{id}/reports/{n}/attachments",
            web::post().to(awards::upload_report_file),
        )
        .route(
            "/awards/{id}/report-files/{a}",
            web::get().to(awards::report_file),
        )
        .route("/awards/{id}/support", web::post().to(awards::log_support))
        .route(
            "/awards/{id}/evaluations",
            web::post().to(awards::record_evaluation),
        )
        .route(
            "/awards/{id}/refunds",
            web::post().to(awards::request_refund),
        )
        .route("/admin/reports", web::get().to(awards::reports))
        .route("/admin/reports/{id}", web::post().to(awards::review_report))
        .route("/finance", web::get().to(awards::finance))
        .route(
            "/finance/tranches/{id}/request",
            web::post().to(awards::request_tranche),
        )
        .route(
            "/finance/payments/{id}",
            web::post().to(awards::decide_payment),
        )
        .route("/finance/funds/{id}", web::get().to(awards::fund))
        .route(
            "/finance/funds/{id}/contributions",
            web::post().to(awards::contribute),
        )
        .route(
            "/finance/funds/{id}/corrections",
            web::post().to(awards::request_correction),
        )
        .route(
            "/finance/corrections/{id}",
            web::post().to(awards::decide_correction),
        )
        .route(
            "/finance/funds/{id}/ledger.csv",
            web::get().to(awards::ledger_csv),
        )
        .route(
            "/finance/ledger.csv",
            web::get().to(awards::whole_ledger_csv),
        )
        .route(
            "/finance/funds/{id}/payments.csv",
            web::get().to(awards::payments_csv),
        )
        .route(
            "/admin/calls/{id}/board.csv",
            web::get().to(review::board_csv),
        );
}

pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(page.render()?))
}

/// A page holding a form: 200 when it is fine, 422 when it comes back with errors.
pub fn render_form(page: &impl Template, ok: bool) -> Result<HttpResponse, AppError> {
    if ok {
        render(page)
    } else {
        render_invalid(page)
    }
}

/// Renders a form again with its errors, keeping what was typed.
pub fn render_invalid(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::UnprocessableEntity()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(page.render()?))
}

pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .finish()
}

/// Redirect after POST, leaving a message (a catalogue key) for the next page.
pub fn see_other_with_flash(location: &str, flash_key: &str, secure: bool) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .cookie(cookie(
            ctx::FLASH_COOKIE,
            flash_key.to_string(),
            secure,
            Some(time::Duration::minutes(5)),
        ))
        .finish()
}

pub fn cookie(
    name: &'static str,
    value: String,
    secure: bool,
    max_age: Option<time::Duration>,
) -> Cookie<'static> {
    let mut c = Cookie::build(name, value)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .finish();
    if let Some(age) = max_age {
        c.set_max_age(age);
    }
    c
}

pub fn removal_cookie(name: &'static str, secure: bool) -> Cookie<'static> {
    let mut c = cookie(name, String::new(), secure, None);
    c.make_removal();
    c
}

pub fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Only same-site paths are followed after login or a language switch, so
/// that a crafted link cannot bounce a user to another site.
pub fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.chars().any(char::is_control);
    if ok { next } else { "/" }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_must_stay_on_site() {
        assert_eq!(safe_next("/account?x=1"), "/account?x=1");
        for bad in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:alert(1)",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad}");
        }
    }
}
