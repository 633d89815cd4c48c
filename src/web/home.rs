use actix_web::HttpResponse;
use askama::Template;

use super::ctx::Ctx;
use super::render;
use crate::error::AppError;

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: &'a Ctx,
}

pub async fn index(ctx: Ctx) -> Result<HttpResponse, AppError> {
    render(&HomePage { c: &ctx })
}
