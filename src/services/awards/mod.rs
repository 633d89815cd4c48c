//! Awards and the money behind them (DESIGN §6): commitment on publication,
//! acceptance, progress reports, maker–checker payments and refunds,
//! contributions, and the non-financial support log.
//!
//! Every change that touches a fund's pool takes the fund's row lock first
//! (`ledger::lock_fund`), then checks, then posts: concurrent requests run
//! one after the other per fund, and the database checks the invariants
//! again at commit.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::application::Category;
use crate::domain::award::Approval;
use crate::domain::award::AwardState;
use crate::domain::award::EvaluationKind;
use crate::domain::award::PaymentKind;
use crate::domain::award::ReportState;
use crate::domain::award::SupportKind;
use crate::domain::award::{self as rules, Condition, PaymentFact, ReportFact};
use crate::domain::award::{Transfer, TransferEvent};
use crate::domain::ledger::{Account, EntryKind, split};
use crate::domain::money::{Currency, format_money, parse_amount_in, parse_rate};
use crate::domain::role::Role;
use crate::domain::text::{self, Lines};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::awards::{self, Award, NewAward};
use crate::models::job_runs::{self, Job};
use crate::models::ledger::{self, NewEntry};
use crate::models::{
    ApplicationId, AwardId, Conn, FundId, PaymentId, TrancheId, applications as apps, audit,
    organizations as orgs, users,
};
use crate::policy::{Actor, AwardAction, Permission, may, may_approve_payment, may_on_award};

mod acceptance;
mod calendar;
mod contributions;
mod corrections;
mod dashboards;
mod evaluations;
mod payments;
mod reports;
mod transfers;

pub use acceptance::*;
pub use calendar::*;
pub use contributions::*;
pub use corrections::*;
pub use dashboards::*;
pub use evaluations::*;
pub use payments::*;
pub use reports::*;
pub use transfers::*;

/// How long a grantee has to accept an offer. DESIGN §6 cites the Macao
/// Foundation's 30 working days; six calendar weeks is that, roughly.
pub const ACCEPTANCE_PERIOD: Duration = Duration::days(42);

pub(super) fn money(award: &Award, amount: Decimal) -> String {
    Some(award.currency)
        .map(|c| format_money(amount, c))
        .unwrap_or_else(|| amount.to_string())
}

/// The award if the actor may do `action` with it; 404 otherwise.
pub async fn access(
    conn: &mut Conn,
    actor: &Actor,
    id: AwardId,
    action: AwardAction,
) -> Result<Award, AppError> {
    let award = awards::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let role = match actor.user_id() {
        Some(u) => orgs::role_of(conn, award.lead_org_id, u).await?,
        None => None,
    };
    if may_on_award(actor, role, action) {
        Ok(award)
    } else {
        Err(AppError::NotFound)
    }
}

/// Emails the owners of the grantee organization.
pub(super) async fn tell_grantee(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    event: &str,
    amount: String,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let title = apps::find(conn, award.application_id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    for owner in orgs::owners(conn, award.lead_org_id).await? {
        let mail = Email::AwardUpdate {
            title: title.clone(),
            event: event.into(),
            amount: amount.clone(),
            detail: detail.into(),
            link: state.config.link(&format!("/awards/{}", award.id)),
        };
        let lang = owner.lang;
        email::enqueue(conn, now, &owner.email, lang, &mail).await?;
    }
    Ok(())
}
