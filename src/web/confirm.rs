//! Irreversible actions ask first (issue 19). The action's button posts its
//! form without `confirmed`; the service settles who may act, checks the
//! input and whether the action may happen now, and answers
//! [`AppError::Unconfirmed`] instead of acting (in a transaction that then
//! changes nothing). The handler shows [`ConfirmPage`]: what will happen,
//! and the same fields posted again with `confirmed=yes`, or a way back.
//! Plain forms and links: no JavaScript needed.

use actix_web::HttpResponse;
use askama::Template;

use super::ctx::Ctx;
use super::render;
use crate::error::AppError;

/// Whether a form's `confirmed` field says yes (the confirmation page
/// posts `confirmed=yes`).
pub fn given(value: &str) -> bool {
    value == "yes"
}

#[derive(Template)]
#[template(path = "confirm.html")]
pub struct ConfirmPage<'a> {
    pub c: &'a Ctx,
    /// The question, as the heading ("Withdraw this application?").
    pub title: String,
    /// What will happen, a sentence or two each.
    pub consequences: Vec<String>,
    /// Where the confirmed form posts: the action's own route.
    pub action: String,
    /// The action's fields, posted again as they were.
    pub fields: Vec<(&'static str, String)>,
    /// The confirming button's label.
    pub confirm: String,
    /// Where "go back" leads, and its label.
    pub back: String,
    pub back_label: String,
}

impl ConfirmPage<'_> {
    pub fn respond(&self) -> Result<HttpResponse, AppError> {
        render(self)
    }
}

/// The form of an action that has no fields of its own.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct Confirmation {
    pub confirmed: String,
}
