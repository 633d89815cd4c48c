//! Awards: the grantee's view and acceptance, progress reports, payments
//! (maker and checker), the fund dashboard, exports, and the public list.

use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::Decimal;

use super::charts::{Chart, Kind, Row as ChartRow};
use super::ctx::{CsrfForm, Ctx};
use super::{after_form, render, render_form, see_other_with_flash};
use crate::AppState;
use crate::domain::application::Category;
use crate::domain::award::Approval;
use crate::domain::award::AwardState;
use crate::domain::award::Condition;
use crate::domain::award::ReportState;
use crate::domain::award::{EvaluationKind, SupportKind, TranchePayment};
use crate::domain::money::{Currency, format_amount, format_money};
use crate::error::{AppError, FormErrors};
use crate::models::awards::{self, Award, Payment, Report, Support};
use crate::models::ledger::{self, EntryRow};
use crate::models::{AwardId, FundId, PaymentId, TrancheId, funds, organizations};
use crate::policy::{Actor, AwardAction, AwardOffers, Permission, award_offers, may};
use crate::services::awards::{
    self as service, AcceptForm, ApproveForm, ContributionForm, RefundForm, ReportForm,
    ReportReview, SupportForm,
};

mod award;
mod batches;
mod exports;
mod finance;

pub use award::*;
pub use batches::*;
pub use exports::*;
pub use finance::*;

pub(super) fn actor(ctx: &Ctx) -> Result<Actor, AppError> {
    ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })
}

pub(super) fn id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub(super) fn fmt(currency: Currency, amount: Decimal) -> String {
    format_money(amount, currency)
}
