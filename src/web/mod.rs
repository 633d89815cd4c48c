//! HTTP: the route list, extractors, middleware and thin handlers. Handlers
//! read the request, call one service, and render a page or redirect.

mod account;
mod admin;
mod applications;
pub use upload::UPLOAD_BYTES_READ;
mod assets;
mod auth;
mod awards;
mod calls;
pub mod charts;
mod confirm;
pub mod csv;
pub mod ctx;
mod decisions;
mod funds;
mod health;
mod home;
pub mod middleware;
mod orgs;
mod review;
mod search;
mod second_factor;
mod transparency;
pub(crate) mod upload;

use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header::{CONTENT_TYPE, LOCATION};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::{AppError, FormErrors};

/// Every route, in one table, in the order the router tries them (a fixed
/// path before a pattern that would also match it): the router and
/// [`ROUTES`] (which `tests/it/regressions.rs` asks as a visitor and the
/// authorization matrix covers) are both made from it.
macro_rules! route_table {
    ($($method:ident $path:literal => $handler:path;)*) => {
        pub const ROUTES: &[(&str, &str)] = &[$((stringify!($method), $path)),*];

        pub fn routes(cfg: &mut web::ServiceConfig) {
            // Each route knows its place in ROUTES, for `/metrics`.
            let mut index = 0;
            $(
                cfg.service(
                    web::resource($path)
                        .guard(actix_web::guard::Method(actix_web::http::Method::$method))
                        .app_data(crate::metrics::RouteIndex(index))
                        .route(web::method(actix_web::http::Method::$method).to($handler)),
                );
                index += 1;
            )*
            let _ = index;
        }
    };
}

route_table! {
    GET "/" => home::index;
    GET "/healthz" => health::healthz;
    GET "/readyz" => health::readyz;
    GET "/baseline" => health::baseline;
    GET "/metrics" => health::metrics;
    GET "/static/{file}" => assets::serve;
    GET "/register" => auth::register_form;
    POST "/register" => auth::register;
    GET "/verify-email" => auth::verify_email;
    POST "/verify-email/resend" => account::resend_verification;
    GET "/login" => auth::login_form;
    POST "/login" => auth::login;
    GET "/login/second-factor" => second_factor::challenge_form;
    POST "/login/second-factor" => second_factor::answer;
    POST "/logout" => auth::logout;
    GET "/password/forgot" => auth::forgot_form;
    POST "/password/forgot" => auth::forgot;
    GET "/password/reset" => auth::reset_form;
    POST "/password/reset" => auth::reset;
    GET "/account" => account::show;
    POST "/account" => account::update_profile;
    POST "/account/password" => account::change_password;
    POST "/account/recovery-codes" => second_factor::renew_recovery_codes;
    POST "/lang" => account::switch_language;
    POST "/script" => account::switch_script;
    GET "/admin/users" => admin::users;
    POST "/admin/users/{id}/roles" => admin::change_role;
    POST "/admin/users/{id}/second-factor" => second_factor::reset;
    GET "/admin/emails" => admin::emails;
    POST "/admin/emails/{id}/retry" => admin::retry_email;
    GET "/admin/audit" => admin::audit;
    GET "/search" => search::page;
    GET "/orgs" => orgs::directory;
    POST "/orgs" => orgs::create;
    GET "/orgs/mine" => orgs::mine;
    GET "/orgs/new" => orgs::new_form;
    GET "/orgs/{id}" => orgs::show;
    GET "/orgs/{id}/edit" => orgs::edit_form;
    POST "/orgs/{id}/edit" => orgs::update;
    GET "/orgs/{id}/members" => orgs::members;
    POST "/orgs/{id}/invitations" => orgs::invite;
    POST "/orgs/{id}/members/{user}" => orgs::change_member;
    GET "/invitations/{token}" => orgs::invitation;
    POST "/invitations/{token}" => orgs::accept_invitation;
    GET "/admin/verifications" => orgs::queue;
    POST "/admin/orgs/{id}/decision" => orgs::decide;
    POST "/admin/orgs/{id}/whitelist" => orgs::whitelist;
    POST "/admin/orgs/{id}/debarment" => orgs::debar;
    GET "/admin/funds" => funds::list;
    POST "/admin/funds" => funds::create;
    GET "/admin/focus-areas" => funds::focus_list;
    POST "/admin/focus-areas" => funds::focus_add;
    POST "/admin/focus-areas/{code}/active" => funds::focus_active;
    GET "/admin/calls" => calls::admin_list;
    POST "/admin/calls" => calls::create;
    GET "/admin/calls/new" => calls::new_form;
    GET "/admin/calls/{id}/edit" => calls::edit_form;
    POST "/admin/calls/{id}/edit" => calls::update;
    POST "/admin/calls/{id}/state" => calls::change_state;
    GET "/calls" => calls::list;
    GET "/calls/{id}" => calls::show;
    POST "/calls/{id}/apply" => applications::start;
    GET "/applications" => applications::dashboard;
    GET "/applications/{id}" => applications::show;
    POST "/applications/{id}/content" => applications::save_content;
    POST "/applications/{id}/partners" => applications::invite_partner;
    POST "/applications/{id}/partners/{org}/remove" => applications::remove_partner;
    POST "/applications/{id}/partners/{org}/answer" => applications::answer_partner;
    POST "/applications/{id}/budget" => applications::add_budget_line;
    POST "/applications/{id}/budget/{line}" => applications::change_budget_line;
    POST "/applications/{id}/budget/{line}/delete" => applications::delete_budget_line;
    POST "/applications/{id}/milestones" => applications::add_milestone;
    POST "/applications/{id}/milestones/{m}" => applications::change_milestone;
    POST "/applications/{id}/milestones/{m}/delete" => applications::delete_milestone;
    POST "/applications/{id}/attachments" => applications::upload;
    GET "/applications/{id}/attachments/{a}" => applications::download;
    POST "/applications/{id}/attachments/{a}/delete" => applications::delete_attachment;
    POST "/applications/{id}/submit" => applications::submit;
    POST "/applications/{id}/state" => applications::take_back;
    GET "/admin/applications" => applications::admin_list;
    GET "/admin/calls/{id}/review" => review::admin;
    POST "/admin/calls/{id}/panel" => review::add_panel_member;
    POST "/admin/calls/{id}/assign" => review::assign;
    POST "/admin/calls/{id}/auto-assign" => review::auto_assign;
    GET "/reviewer" => review::home;
    POST "/reviewer/affiliations" => review::add_affiliation;
    POST "/reviewer/affiliations/{org}/remove" => review::remove_affiliation;
    GET "/reviews/{id}" => review::show;
    GET "/reviews/{id}/attachments/{a}" => review::attachment;
    POST "/reviews/{id}/declare" => review::declare;
    POST "/reviews/{id}/scores" => review::save_scores;
    POST "/admin/reviews/{id}/reopen" => review::reopen;
    GET "/admin/calls/{id}/board" => review::board;
    GET "/admin/applications/{id}/decision" => decisions::show;
    POST "/admin/applications/{id}/decision" => decisions::decide;
    POST "/admin/applications/{id}/components" => decisions::components;
    POST "/admin/calls/{id}/publish-decisions" => decisions::publish;
    GET "/grants" => transparency::page;
    GET "/open-data/grants.json" => transparency::json_export;
    GET "/open-data/grants.csv" => transparency::csv_export;
    GET "/awards" => awards::mine;
    GET "/awards/{id}" => awards::show;
    POST "/awards/{id}/accept" => awards::accept;
    POST "/awards/{id}/bank" => awards::propose_bank;
    POST "/awards/{id}/reports/{n}" => awards::submit_report;
    POST "/awards/{id}/reports/{n}/attachments" => awards::upload_report_file;
    GET "/awards/{id}/report-files/{a}" => awards::report_file;
    POST "/awards/{id}/support" => awards::log_support;
    POST "/awards/{id}/evaluations" => awards::record_evaluation;
    POST "/awards/{id}/refunds" => awards::request_refund;
    GET "/admin/reports" => awards::reports;
    POST "/admin/reports/{id}" => awards::review_report;
    GET "/finance" => awards::finance;
    POST "/finance/tranches/{id}/request" => awards::request_tranche;
    POST "/finance/payments/{id}" => awards::decide_payment;
    POST "/finance/payments/{id}/settle" => awards::settle_payment;
    POST "/finance/payments/{id}/return" => awards::report_return;
    POST "/finance/payments/{id}/return/decision" => awards::decide_return;
    POST "/finance/batches" => awards::make_batch;
    GET "/finance/batches/{id}" => awards::batch;
    POST "/finance/batches/{id}/remove" => awards::remove_from_batch;
    POST "/finance/batches/{id}/download" => awards::download_batch;
    POST "/finance/awards/{id}/bank" => awards::decide_bank;
    POST "/finance/statements" => awards::import_statement;
    GET "/finance/statements/{id}" => awards::statement;
    GET "/finance/funds/{id}" => awards::fund;
    POST "/finance/funds/{id}/contributions" => awards::contribute;
    POST "/finance/funds/{id}/corrections" => awards::request_correction;
    POST "/finance/corrections/{id}" => awards::decide_correction;
    GET "/finance/funds/{id}/ledger.csv" => awards::ledger_csv;
    GET "/finance/ledger.csv" => awards::whole_ledger_csv;
    GET "/finance/funds/{id}/payments.csv" => awards::payments_csv;
    GET "/admin/calls/{id}/board.csv" => review::board_csv;
}

/// A file's size as people read it: bytes below a kilobyte, then KB and MB
/// with one decimal (1 KB = 1,024 bytes).
pub fn file_size(bytes: &i32) -> String {
    const KB: i32 = 1024;
    match *bytes {
        b if b < KB => format!("{b} B"),
        b if b < KB * KB => format!("{:.1} KB", b as f64 / KB as f64),
        b => format!("{:.1} MB", b as f64 / (KB * KB) as f64),
    }
}

pub fn render(page: &impl Template) -> Result<HttpResponse, AppError> {
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/html; charset=utf-8"))
        .body(page.render()?))
}

/// The end of a form's POST: `done` (a redirect, usually with a flash) when
/// the use case went through; `again` (the form re-rendered with what was
/// typed and the errors, as 422) when its input was invalid; any other
/// error as it is.
pub async fn after_form<T, Again>(
    outcome: Result<T, AppError>,
    done: impl FnOnce(T) -> HttpResponse,
    again: impl FnOnce(FormErrors) -> Again,
) -> Result<HttpResponse, AppError>
where
    Again: std::future::Future<Output = Result<HttpResponse, AppError>>,
{
    match outcome {
        Ok(value) => Ok(done(value)),
        Err(AppError::Invalid(errors)) => again(errors).await,
        Err(e) => Err(e),
    }
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
/// Like [`see_other_with_flash`], to a part of a page (`location#at`), with
/// the message shown in that part: where the person will be looking.
pub fn see_other_with_flash_at(
    location: &str,
    at: &str,
    flash_key: &str,
    secure: bool,
) -> HttpResponse {
    see_other_with(
        &format!("{location}#{at}"),
        format!("{flash_key}.{at}"),
        secure,
    )
}

pub fn see_other_with_flash(location: &str, flash_key: &str, secure: bool) -> HttpResponse {
    see_other_with(location, flash_key.to_string(), secure)
}

fn see_other_with(location: &str, flash: String, secure: bool) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .cookie(cookie(
            ctx::FLASH_COOKIE,
            flash,
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
    fn file_sizes_read_as_people_say_them() {
        assert_eq!(file_size(&812), "812 B");
        assert_eq!(file_size(&36_045), "35.2 KB");
        assert_eq!(file_size(&1_468_006), "1.4 MB");
    }

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
