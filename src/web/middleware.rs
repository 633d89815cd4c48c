//! What every response goes through: security headers, the cookies `Ctx`
//! asked for, error pages in the reader's language, and a log line.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{DefaultHeaders, Next};
use actix_web::{HttpMessage, web};
use askama::Template;

use super::ctx::{CSRF_COOKIE, CookieActions, Ctx, FLASH_COOKIE, SESSION_COOKIE};
use super::{cookie, removal_cookie};
use crate::AppState;
use crate::error::AppError;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Set when `QUERY_COUNT_HEADER=true`: the SQL statements the request sent.
pub const QUERY_COUNT_HEADER: header::HeaderName = header::HeaderName::from_static("x-query-count");

pub fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "same-origin"))
        .add((
            "Permissions-Policy",
            "camera=(), microphone=(), geolocation=()",
        ))
        .add((header::CACHE_CONTROL, "no-store"))
}

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    c: &'a Ctx,
    status: u16,
    title_key: &'static str,
    body_key: &'static str,
}

fn error_keys(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        404 => ("error-404-title", "error-404-body"),
        403 => ("error-403-title", "error-403-body"),
        413 => ("error-413-title", "error-413-body"),
        400..=499 => ("error-400-title", "error-400-body"),
        503 => ("error-503-title", "error-503-body"),
        _ => ("error-500-title", "error-500-body"),
    }
}

pub async fn finish(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let started = Instant::now();
    let method = req.method().clone();
    // Only the path is logged: query strings carry one-time tokens.
    let path = req.path().to_string();
    let state = req.app_data::<web::Data<AppState>>().cloned();
    let (secure, show_queries) = state.as_ref().map_or((false, false), |s| {
        (s.config.cookie_secure, s.config.query_count_header)
    });

    let (res, queries) = crate::db::counting_queries(next.call(req)).await;
    let mut res = res?.map_into_boxed_body();
    if show_queries {
        res.headers_mut()
            .insert(QUERY_COUNT_HEADER, HeaderValue::from(queries));
    }
    let status = res.status();

    if (status.is_client_error() || status.is_server_error()) && res.response().error().is_some() {
        res = render_error_page(res, status);
    }
    // An upload may be answered before its body was read to the end: refused
    // (who may upload, a bad token, a part too many, too large), or stored
    // with more bytes after the closing boundary. Close the connection rather
    // than let the server drain the rest of a chunked body.
    let multipart = res
        .request()
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/")
        });
    if multipart {
        res.response_mut()
            .head_mut()
            .set_connection_type(actix_web::http::ConnectionType::Close);
    }

    let actions = res
        .request()
        .extensions()
        .get::<CookieActions>()
        .cloned()
        .unwrap_or_default();
    let sets_flash = res.response().cookies().any(|c| c.name() == FLASH_COOKIE);
    let sets_session = res.response().cookies().any(|c| c.name() == SESSION_COOKIE);
    let mut add = Vec::new();
    if let Some(token) = actions.set_csrf {
        add.push(cookie(CSRF_COOKIE, token, secure, None));
    }
    if actions.clear_flash && !sets_flash {
        add.push(removal_cookie(FLASH_COOKIE, secure));
    }
    if actions.clear_session && !sets_session {
        add.push(removal_cookie(SESSION_COOKIE, secure));
    }
    for c in add {
        if let Err(e) = res.response_mut().add_cookie(&c) {
            tracing::warn!(error = %e, "could not set cookie");
        }
    }

    let took = started.elapsed();
    if let Some(state) = state {
        let route = res
            .request()
            .app_data::<crate::metrics::RouteIndex>()
            .copied();
        state.metrics.record(route, res.status().as_u16(), took);
    }
    tracing::info!(
        %method,
        %path,
        status = res.status().as_u16(),
        ms = took.as_secs_f64() * 1000.0,
        queries,
        "request"
    );
    Ok(res)
}

fn render_error_page(
    res: ServiceResponse<BoxBody>,
    status: StatusCode,
) -> ServiceResponse<BoxBody> {
    // Release the borrow of the extensions before `from_headers` reads
    // cookies: actix caches parsed cookies in the same extensions.
    let known = res.request().extensions().get::<Ctx>().cloned();
    let ctx = known.unwrap_or_else(|| Ctx::from_headers(res.request()));
    let app_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>());
    let (title_key, body_key) = match app_error {
        Some(AppError::Csrf) => ("error-csrf-title", "error-csrf-body"),
        Some(AppError::Conflict(reason)) => ("error-409-title", *reason),
        _ => error_keys(status),
    };
    let page = ErrorPage {
        c: &ctx,
        status: status.as_u16(),
        title_key,
        body_key,
    };
    let html = page.render().unwrap_or_else(|_| status.to_string());
    let mut res = res.map_body(|head, _| {
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        BoxBody::new(html)
    });
    res.response_mut().head_mut().status = status;
    res
}
