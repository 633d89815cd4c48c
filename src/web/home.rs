//! The home page: a welcome for visitors; for a signed-in user, one section
//! per role they hold, each opening with what needs them now.

use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::Decimal;

use super::ctx::Ctx;
use super::render;
use crate::AppState;
use crate::domain::award::TrancheWait;
use crate::domain::money::{Currency, format_money};
use crate::error::AppError;
use crate::models::CallId;
use crate::models::calls::Call;
use crate::models::outbox::Status;
use crate::services::dashboards::{self, Dashboard};

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage<'a> {
    c: &'a Ctx,
    /// `None` for visitors.
    dash: Option<Dashboard>,
    /// For visitors: the calls open now.
    open_calls: Vec<super::calls::CallRow>,
}

impl HomePage<'_> {
    fn money(&self, currency: &Currency, amount: &Decimal) -> String {
        format_money(*amount, *currency)
    }

    /// A name kept in Chinese and English, in the reader's language.
    fn name(&self, zh: &str, en: &str) -> String {
        self.c.pick(zh, en)
    }

    fn call_title(&self, call: &Call) -> String {
        self.c
            .call_text(&call.title_zh, &call.title_hans, &call.title_en)
    }

    /// The title of a call the admin's lists name, or its number.
    fn call_of(&self, id: &CallId) -> String {
        self.dash
            .as_ref()
            .and_then(|d| d.admin.as_ref())
            .and_then(|a| a.calls_named.get(id))
            .map_or_else(|| format!("#{id}"), |c| self.call_title(c))
    }

    /// An application's title, or its number while it has none.
    fn titled(&self, title: &str, id: &i64) -> String {
        if title.trim().is_empty() {
            format!("{} #{id}", self.c.t("application-untitled"))
        } else {
            title.to_string()
        }
    }

    /// A heading with the list's count.
    fn heading(&self, key: &str, n: &usize) -> String {
        self.c.t_with(key, &[("n", n.to_string())])
    }
}

pub async fn index(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let now = state.clock.now();
    let (dash, open_calls) = match ctx.actor() {
        Some(actor) => (
            Some(dashboards::of(&mut conn, &state.rankings, &actor, now).await?),
            Vec::new(),
        ),
        None => (None, super::calls::open_now(&ctx, &mut conn, now).await?),
    };
    render(&HomePage {
        c: &ctx,
        dash,
        open_calls,
    })
}
