//! The stylesheet and scripts, compiled into the binary and cached by browsers.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::{HttpResponse, web};

use crate::error::AppError;

const FILES: &[(&str, &str, &str)] = &[(
    "app.css",
    "text/css; charset=utf-8",
    include_str!("../../static/app.css"),
)];

pub async fn serve(file: web::Path<String>) -> Result<HttpResponse, AppError> {
    let (_, mime, body) = FILES
        .iter()
        .find(|(name, _, _)| *name == file.as_str())
        .ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, *mime))
        .insert_header((CACHE_CONTROL, "public, max-age=3600"))
        .body(*body))
}
