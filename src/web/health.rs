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

#[derive(askama::Template)]
#[template(
    source = "<!doctype html><html lang=\"en\"><title>baseline</title><p>{{ n }}</p></html>",
    ext = "html"
)]
struct Baseline {
    n: i32,
}

/// The benchmark's yardstick: the same stack (pool, one trivial query, a
/// template) doing nothing else. Every page is measured against it.
pub async fn baseline(state: web::Data<AppState>) -> Result<HttpResponse, crate::error::AppError> {
    use diesel::IntoSql;
    use diesel_async::RunQueryDsl;
    let mut conn = state.pool.get().await?;
    let n = diesel::select(1.into_sql::<diesel::sql_types::Integer>())
        .get_result::<i32>(&mut conn)
        .await?;
    super::render(&Baseline { n })
}

/// `/metrics` for Prometheus, to the addresses `METRICS_ALLOW` lists (by
/// the connection's own peer address); anyone else is told nothing is here.
pub async fn metrics(
    req: actix_web::HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, crate::error::AppError> {
    let allowed = req.peer_addr().is_some_and(|peer| {
        state
            .config
            .metrics_allow
            .iter()
            .any(|n| n.contains(peer.ip()))
    });
    if !allowed {
        return Err(crate::error::AppError::NotFound);
    }
    let gauges = crate::metrics::gauges(&state).await?;
    Ok(HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&gauges)))
}
