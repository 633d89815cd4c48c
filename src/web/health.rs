use actix_web::{HttpResponse, web};

use crate::AppState;

/// The process is up.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .body("ok")
}

/// The process can reach its database.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    if crate::db::ping(&state.pool).await {
        HttpResponse::Ok()
            .content_type("text/plain; charset=utf-8")
            .body("ready")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain; charset=utf-8")
            .body("database unreachable")
    }
}
