//! Awards: the grantee's view and acceptance, progress reports, payments
//! (maker and checker), the fund dashboard, exports, and the public list.

use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::Decimal;

use super::charts::{Chart, Kind, Row as ChartRow};
use super::ctx::{CsrfForm, Ctx};
use super::{render, render_form, see_other_with_flash};
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

fn actor(ctx: &Ctx) -> Result<Actor, AppError> {
    ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })
}

fn id<T: std::str::FromStr>(raw: &str) -> Result<T, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

fn fmt(currency: Currency, amount: Decimal) -> String {
    format_money(amount, currency)
}

// ---- one award

pub struct TrancheView {
    pub id: TrancheId,
    pub position: i32,
    pub amount: String,
    pub month_due: i32,
    pub deliverables: String,
    pub payment: Option<TranchePayment>,
    pub condition: String,
    pub can_request: bool,
    pub report: Option<Report>,
    pub can_report: bool,
    /// When its report is due (from acceptance), and whether that has passed.
    pub report_due: Option<(String, bool)>,
}

/// Forms typed on the page, kept when one comes back with errors.
#[derive(Default)]
pub struct Typed {
    pub accept: AcceptForm,
    pub report: Option<(i32, ReportForm)>,
    pub refund: RefundForm,
    pub support: SupportForm,
    pub evaluation: service::EvaluationForm,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "awards/show.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    award: Award,
    title: String,
    grantee: String,
    amount: String,
    paid: String,
    committed: String,
    offers: AwardOffers,
    is_admin: bool,
    can_view_money: bool,
    /// Finance (who pay) and the grantee's members see the bank account.
    show_bank: bool,
    tranches: Vec<TrancheView>,
    payments: Vec<(Payment, String, String)>,
    /// (attachment, report, file name)
    files: Vec<(i64, i64, String)>,
    postings: Vec<EntryRow>,
    support: Vec<Support>,
    evaluations: Vec<(EvaluationKind, i32, String, chrono::DateTime<chrono::Utc>)>,
    needs_evaluations: bool,
    categories: &'static [Category],
    support_kinds: &'static [SupportKind],
    evaluation_kinds: &'static [EvaluationKind],
    typed: Typed,
    /// Paid against scheduled, tranche by tranche.
    by_tranche: Chart,
}

impl ShowPage<'_> {
    fn money(&self, d: impl std::borrow::Borrow<Decimal>) -> String {
        fmt(self.award.currency, *d.borrow())
    }

    fn spent(&self, position: &i32, i: &usize) -> String {
        match &self.typed.report {
            Some((p, f)) if p == position => f.spent.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        }
    }

    /// A report field's id: one report form per tranche can be on the page.
    fn report_field(&self, position: &i32, name: &str) -> String {
        format!("f-report{position}-{name}")
    }

    fn typed_report(&self, position: &i32) -> (String, String) {
        match &self.typed.report {
            Some((p, f)) if p == position => (f.narrative.clone(), f.targets.clone()),
            _ => (String::new(), String::new()),
        }
    }
}

async fn award_page(
    ctx: &Ctx,
    state: &AppState,
    id: AwardId,
    typed: Typed,
) -> Result<HttpResponse, AppError> {
    let actor = actor(ctx)?;
    let mut conn = state.pool.get().await?;
    let award = service::access(&mut conn, &actor, id, AwardAction::View).await?;
    let role = match actor.user_id() {
        Some(u) => organizations::role_of(&mut conn, award.lead_org_id, u).await?,
        None => None,
    };
    let is_finance = may(&actor, Permission::HandleMoney);
    let is_admin = may(&actor, Permission::ManageAwards);
    let can_view_money = may(&actor, Permission::ViewMoney);
    let offers = award_offers(&actor, role, award.state);
    let can_report = offers.report;
    let title = crate::models::applications::find(&mut conn, award.application_id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    let grantee = organizations::find(&mut conn, award.lead_org_id)
        .await?
        .map(|o| o.name_zh)
        .unwrap_or_default();
    let payments = awards::payments(&mut conn, id).await?;
    let reports = awards::reports(&mut conn, id).await?;
    let tranches = awards::tranches(&mut conn, id).await?;
    let paid = ledger::balance(
        &mut conn,
        award.fund_id,
        crate::domain::ledger::Account::Disbursed,
        Some(id),
    )
    .await?;
    let committed = ledger::balance(
        &mut conn,
        award.fund_id,
        crate::domain::ledger::Account::Committed,
        Some(id),
    )
    .await?;
    let tranche_views = tranches
        .iter()
        .map(|t| {
            let payment = service::payment_state(&payments, t.id);
            let condition = service::condition(&award, t.position, &reports);
            let report = reports.iter().find(|r| r.position == t.position).cloned();
            TrancheView {
                id: t.id,
                position: t.position,
                amount: fmt(award.currency, t.amount),
                month_due: t.month_due,
                deliverables: t.deliverables.clone(),
                payment,
                condition: match condition {
                    Condition::Acceptance { .. } => ctx.t("tranche-condition-acceptance"),
                    Condition::Report { milestone, .. } => {
                        ctx.t_with("tranche-condition-report", &[("n", milestone.to_string())])
                    }
                },
                can_request: is_finance
                    && crate::domain::award::requestable(award.state, payment, &condition),
                can_report: can_report
                    && report
                        .as_ref()
                        .is_none_or(|r| r.state == ReportState::Returned),
                report_due: service::report_due(&award, t.month_due).map(|due| {
                    let late = due < state.clock.now()
                        && report
                            .as_ref()
                            .is_none_or(|r| r.state == ReportState::Returned);
                    (ctx.when(&due), late)
                }),
                report,
            }
        })
        .collect();
    let by_tranche = tranche_chart(ctx, &award, &tranches, &payments);
    let payment_rows = payments
        .into_iter()
        .map(|p| {
            let sent = match (&p.payee_currency, p.amount_sent) {
                (Some(c), Some(a)) => fmt(*c, a),
                _ => String::new(),
            };
            let amount = fmt(award.currency, p.amount);
            (p, amount, sent)
        })
        .collect();
    let postings = if can_view_money {
        ledger::postings(&mut conn, award.fund_id, Some(id)).await?
    } else {
        Vec::new()
    };
    let page = ShowPage {
        by_tranche,
        c: ctx,
        offers,
        title,
        grantee,
        amount: fmt(award.currency, award.amount),
        paid: fmt(award.currency, paid),
        committed: fmt(award.currency, committed),
        is_admin,
        can_view_money,
        show_bank: can_view_money || role.is_some(),
        files: awards::report_attachments(&mut conn, id).await?,
        tranches: tranche_views,
        payments: payment_rows,
        postings,
        support: awards::support(&mut conn, id).await?,
        evaluations: awards::evaluations(&mut conn, id).await?,
        needs_evaluations: crate::models::calls::review_settings(&mut conn, award.call_id)
            .await?
            .evaluations,
        categories: &Category::ALL,
        support_kinds: &SupportKind::ALL,
        evaluation_kinds: &EvaluationKind::ALL,
        typed,
        award,
    };
    render_form(&page, page.typed.errors.is_empty())
}

/// Each tranche's scheduled amount beside what its approved payments paid,
/// in the award's currency. Refunds are the award's, not a tranche's, so
/// they show in the payments table and not here.
fn tranche_chart(
    ctx: &Ctx,
    award: &Award,
    tranches: &[awards::Tranche],
    payments: &[Payment],
) -> Chart {
    Chart {
        id: "chart-tranches",
        kind: Kind::Grouped,
        title: ctx.t_with(
            "chart-tranches",
            &[("currency", award.currency.to_string())],
        ),
        desc: ctx.t("chart-tranches-desc"),
        row_heading: ctx.t("chart-tranche"),
        series: vec![ctx.t("chart-scheduled"), ctx.t("award-paid")],
        rows: tranches
            .iter()
            .map(|t| ChartRow {
                label: ctx.t_with(
                    "chart-tranche-label",
                    &[
                        ("n", t.position.to_string()),
                        ("month", t.month_due.to_string()),
                    ],
                ),
                values: vec![
                    t.amount,
                    payments
                        .iter()
                        .filter(|p| p.tranche_id == Some(t.id) && p.state == Approval::Approved)
                        .map(|p| p.amount)
                        .sum(),
                ],
            })
            .collect(),
        total_heading: String::new(),
        empty: ctx.t("chart-tranches-empty"),
        format: format_amount,
    }
}

pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    award_page(&ctx, &state, id(&path)?, Typed::default()).await
}

fn back(state: &AppState, to: &str, flash: &str) -> HttpResponse {
    see_other_with_flash(to, flash, state.config.cookie_secure)
}

pub async fn accept(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&ctx)?;
    let award: AwardId = id(&path)?;
    match service::accept(&state, &actor, award, &form, &ctx.origin).await {
        Ok(()) => Ok(back(
            &state,
            &format!("/awards/{award}"),
            "flash-award-accepted",
        )),
        Err(AppError::Invalid(errors)) => {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    accept: form,
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn submit_report(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&ctx)?;
    let award: AwardId = id(&path.0)?;
    let position: i32 = id(&path.1)?;
    match service::submit_report(&state, &actor, award, position, &form, &ctx.origin).await {
        Ok(()) => Ok(back(
            &state,
            &format!("/awards/{award}"),
            "flash-report-submitted",
        )),
        Err(AppError::Invalid(errors)) => {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    report: Some((position, form)),
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn review_report(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ReportReview>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageAwards)?;
    let award = service::review_report(&state, &actor, id(&path)?, &form, &ctx.origin).await?;
    Ok(back(&state, &format!("/awards/{award}"), "flash-saved"))
}

pub async fn log_support(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<SupportForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageAwards)?;
    let award: AwardId = id(&path)?;
    match service::log_support(&state, &actor, award, &form, &ctx.origin).await {
        Ok(()) => Ok(back(&state, &format!("/awards/{award}"), "flash-saved")),
        Err(AppError::Invalid(errors)) => {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    support: form,
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn request_tranche(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _f: CsrfForm<super::ctx::NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let tranche: TrancheId = id(&path)?;
    service::request_tranche(&state, &actor, tranche, &ctx.origin).await?;
    let mut conn = state.pool.get().await?;
    let award = awards::find_tranche(&mut conn, tranche)
        .await?
        .ok_or(AppError::NotFound)?
        .award_id;
    Ok(back(
        &state,
        &format!("/awards/{award}"),
        "flash-payment-requested",
    ))
}

pub async fn request_refund(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<RefundForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let award: AwardId = id(&path)?;
    match service::request_refund(&state, &actor, award, &form, &ctx.origin).await {
        Ok(_) => Ok(back(
            &state,
            &format!("/awards/{award}"),
            "flash-payment-requested",
        )),
        Err(AppError::Invalid(errors)) => {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    refund: form,
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn decide_payment(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ApproveForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let payment: PaymentId = id(&path)?;
    match service::decide_payment(&state, &actor, payment, &form, &ctx.origin).await {
        Ok(_) => Ok(back(
            &state,
            "/finance",
            if form.approves() == Some(true) {
                "flash-payment-approved"
            } else {
                "flash-saved"
            },
        )),
        Err(AppError::Invalid(errors)) => {
            finance_page(&ctx, &state, Some((payment, form)), errors).await
        }
        Err(e) => Err(e),
    }
}

/// The awards of the user's organizations.
#[derive(Template)]
#[template(path = "awards/mine.html")]
struct MinePage<'a> {
    c: &'a Ctx,
    awards: Vec<(Award, String, String)>,
}

pub async fn mine(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let mut conn = state.pool.get().await?;
    let awards = awards::of_user(&mut conn, user.id)
        .await?
        .into_iter()
        .map(|(a, t)| {
            let amount = fmt(a.currency, a.amount);
            (a, t, amount)
        })
        .collect();
    render(&MinePage { c: &ctx, awards })
}

// ---- finance

#[derive(Template)]
#[template(path = "finance/home.html")]
struct FinancePage<'a> {
    c: &'a Ctx,
    user: i64,
    pending: Vec<(Payment, String, String)>,
    funds: Vec<(FundId, String, String)>,
    typed: Option<(PaymentId, ApproveForm)>,
    errors: FormErrors,
}

async fn finance_page(
    ctx: &Ctx,
    state: &AppState,
    typed: Option<(PaymentId, ApproveForm)>,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ViewMoney)?;
    let mut conn = state.pool.get().await?;
    let mut pending = Vec::new();
    for (p, title, currency) in awards::pending_payments(&mut conn).await? {
        let amount = fmt(currency, p.amount);
        pending.push((p, title, amount));
    }
    let pools = ledger::pools(&mut conn).await?;
    let mut fund_rows = Vec::new();
    for f in funds::all(&mut conn).await? {
        let pool = pools.get(&f.id).copied().unwrap_or_default();
        let name = if ctx.lang == crate::i18n::Lang::En {
            f.name_en.clone()
        } else {
            f.name_zh.clone()
        };
        fund_rows.push((f.id, name, fmt(f.currency, pool)));
    }
    let page = FinancePage {
        c: ctx,
        user: actor.user_id().map_or(0, |u| u.0),
        pending,
        funds: fund_rows,
        typed,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn finance(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    finance_page(&ctx, &state, None, FormErrors::default()).await
}

#[derive(Template)]
#[template(path = "finance/fund.html")]
struct FundPage<'a> {
    c: &'a Ctx,
    fund: i64,
    name: String,
    currency: Currency,
    summary: service::FundSummary,
    /// The award state listed.
    shown: AwardState,
    contributions: Vec<(String, chrono::NaiveDate, String, Decimal)>,
    can_record: bool,
    form: ContributionForm,
    correction: service::CorrectionForm,
    corrections: Vec<ledger::Correction>,
    /// The latest postings, newest first.
    recent: Vec<EntryRow>,
    user: i64,
    errors: FormErrors,
    /// Commitments and disbursements so far, month by month.
    over_time: Chart,
}

impl FundPage<'_> {
    fn money(&self, d: impl std::borrow::Borrow<Decimal>) -> String {
        fmt(self.currency, *d.borrow())
    }
}

/// Which awards the fund dashboard lists: a state (active by default) and
/// the last award of the previous page.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct FundQuery {
    state: String,
    after: Option<i64>,
}

impl FundQuery {
    fn state(&self) -> AwardState {
        AwardState::from_code(&self.state).unwrap_or(AwardState::Active)
    }
}

/// Contributions and postings shown on the fund dashboard; the CSV has all.
const FUND_RECENT: i64 = 40;

/// Months drawn on the fund dashboard's chart, up to the latest.
const FUND_MONTHS: i64 = 36;

async fn fund_page(
    ctx: &Ctx,
    state: &AppState,
    fund: FundId,
    query: &FundQuery,
    form: ContributionForm,
    correction: service::CorrectionForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ViewMoney)?;
    let mut conn = state.pool.get().await?;
    let f = funds::find(&mut conn, fund)
        .await?
        .ok_or(AppError::NotFound)?;
    let months = ledger::monthly_totals(&mut conn, fund, FUND_MONTHS).await?;
    let over_time = Chart {
        id: "chart-fund",
        kind: Kind::Steps,
        title: ctx.t_with("chart-fund", &[("currency", f.currency.to_string())]),
        desc: ctx.t("chart-fund-desc"),
        row_heading: ctx.t("chart-month"),
        series: vec![ctx.t("chart-fund-committed"), ctx.t("chart-fund-disbursed")],
        rows: months
            .into_iter()
            .map(|m| ChartRow {
                label: m.month,
                values: vec![m.committed, m.disbursed],
            })
            .collect(),
        total_heading: String::new(),
        empty: ctx.t("chart-fund-empty"),
        format: format_amount,
    };
    let page = FundPage {
        over_time,
        c: ctx,
        fund: fund.0,
        name: if ctx.lang == crate::i18n::Lang::En {
            f.name_en
        } else {
            f.name_zh
        },
        currency: f.currency,
        summary: service::fund_summary(
            &mut conn,
            fund,
            query.state(),
            query.after.map(crate::models::AwardId),
        )
        .await?,
        shown: query.state(),
        contributions: awards::contributions(&mut conn, fund, FUND_RECENT).await?,
        can_record: may(&actor, Permission::HandleMoney),
        form,
        correction,
        corrections: ledger::pending_corrections(&mut conn, fund).await?,
        recent: ledger::recent_postings(&mut conn, fund, FUND_RECENT).await?,
        user: actor.user_id().map_or(0, |u| u.0),
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn fund(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    query: web::Query<FundQuery>,
) -> Result<HttpResponse, AppError> {
    fund_page(
        &ctx,
        &state,
        id(&path)?,
        &query,
        ContributionForm::default(),
        service::CorrectionForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn contribute(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ContributionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let fund: FundId = id(&path)?;
    match service::record_contribution(&state, &actor, fund, &form, &ctx.origin).await {
        Ok(()) => Ok(back(
            &state,
            &format!("/finance/funds/{fund}"),
            "flash-saved",
        )),
        Err(AppError::Invalid(errors)) => {
            fund_page(
                &ctx,
                &state,
                fund,
                &FundQuery::default(),
                form,
                service::CorrectionForm::default(),
                errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

fn csv_response(name: &str, out: csv::Writer<Vec<u8>>) -> Result<HttpResponse, AppError> {
    let body = out
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ))
        .body(body))
}

fn csv_error(e: csv::Error) -> AppError {
    AppError::Internal(e.into())
}

/// Postings per database round trip of a streamed ledger export.
const EXPORT_BATCH: i64 = 2_000;

/// A pooled connection holding the read-only snapshot an export reads
/// from. If the download stops early, the connection is closed rather than
/// put back into the pool with its transaction open.
struct Snapshot {
    conn: Option<crate::db::PooledConn>,
    finished: bool,
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        if !self.finished
            && let Some(conn) = self.conn.take()
        {
            drop(diesel_async::pooled_connection::deadpool::Object::take(
                conn,
            ));
        }
    }
}

/// The ledger as CSV, one line per posting, streamed in batches so that
/// memory stays flat however long the ledger is. Every batch reads the same
/// snapshot (one REPEATABLE READ transaction), so an entry committed during
/// the download is either wholly in it or wholly out. `whole`: every fund,
/// with posting and fund columns; otherwise one fund, in the per-fund layout.
fn ledger_stream(
    state: AppState,
    fund: Option<FundId>,
) -> impl futures_util::Stream<Item = Result<actix_web::web::Bytes, AppError>> {
    let whole = fund.is_none();
    let header: &'static [u8] = if whole {
        b"posting,entry,created_at,kind,fund,award,account,amount,currency,memo\n"
    } else {
        b"entry,created_at,kind,award,account,amount,currency,memo\n"
    };
    let header =
        futures_util::stream::once(async move { Ok(actix_web::web::Bytes::from_static(header)) });
    let start = Snapshot {
        conn: None,
        finished: false,
    };
    let pages =
        futures_util::stream::try_unfold((start, Some(0i64)), move |(mut snapshot, after)| {
            let state = state.clone();
            async move {
                let Some(after) = after else {
                    return Ok(None);
                };
                if snapshot.conn.is_none() {
                    let mut conn = state.pool.get().await?;
                    ledger::begin_export_snapshot(&mut conn).await?;
                    snapshot.conn = Some(conn);
                }
                let conn = snapshot.conn.as_mut().ok_or(AppError::NotFound)?;
                let rows = ledger::export_page(conn, fund, after, EXPORT_BATCH).await?;
                let last = rows.last().map(|r| r.posting);
                if (rows.len() as i64) < EXPORT_BATCH {
                    ledger::end_export_snapshot(conn).await?;
                    snapshot.finished = true;
                }
                if rows.is_empty() {
                    return Ok(None);
                }
                let next = if snapshot.finished { None } else { last };
                let mut out = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(Vec::with_capacity(rows.len() * 96));
                for r in rows {
                    let mut record = Vec::with_capacity(10);
                    if whole {
                        record.push(r.posting.to_string());
                    }
                    record.push(r.entry.to_string());
                    record.push(r.created_at.to_rfc3339());
                    record.push(r.kind.to_string());
                    if whole {
                        record.push(r.fund.to_string());
                    }
                    record.push(r.award_id.map(|a| a.to_string()).unwrap_or_default());
                    record.push(r.account.to_string());
                    record.push(r.amount.to_string());
                    record.push(r.currency.to_string());
                    record.push(crate::services::review::csv_cell(&r.memo));
                    out.write_record(&record).map_err(csv_error)?;
                }
                let bytes = out
                    .into_inner()
                    .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))?;
                Ok(Some((actix_web::web::Bytes::from(bytes), (snapshot, next))))
            }
        });
    futures_util::StreamExt::chain(header, pages)
}

fn csv_download(name: &str) -> actix_web::HttpResponseBuilder {
    let mut res = HttpResponse::Ok();
    res.insert_header((CONTENT_TYPE, "text/csv; charset=utf-8"))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        ));
    res
}

/// Every posting of the fund, one line each.
pub async fn ledger_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    let fund: FundId = id(&path)?;
    let mut conn = state.pool.get().await?;
    funds::find(&mut conn, fund)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    Ok(csv_download(&format!("fund-{fund}-ledger.csv"))
        .streaming(ledger_stream(state.get_ref().clone(), Some(fund))))
}

/// Every posting of every fund, each in its fund's currency.
pub async fn whole_ledger_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    Ok(csv_download("ledger.csv").streaming(ledger_stream(state.get_ref().clone(), None)))
}

pub async fn payments_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    let fund: FundId = id(&path)?;
    let mut conn = state.pool.get().await?;
    let f = funds::find(&mut conn, fund)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record([
        "payment",
        "award",
        "kind",
        "amount",
        "currency",
        "payee_currency",
        "rate",
        "amount_sent",
        "reference",
        "approved_at",
        "requested_by",
        "approved_by",
    ])
    .map_err(csv_error)?;
    for p in awards::fund_payments(&mut conn, fund).await? {
        out.write_record([
            p.id.to_string(),
            p.award_id.to_string(),
            p.kind.to_string(),
            p.amount.to_string(),
            f.currency.to_string(),
            p.payee_currency.map(|c| c.to_string()).unwrap_or_default(),
            p.rate
                .map(|r| r.normalize().to_string())
                .unwrap_or_default(),
            p.amount_sent.map(|a| a.to_string()).unwrap_or_default(),
            crate::services::review::csv_cell(&p.reference.unwrap_or_default()),
            p.decided_at.map(|d| d.to_rfc3339()).unwrap_or_default(),
            p.requested_by.to_string(),
            p.decided_by.map(|u| u.to_string()).unwrap_or_default(),
        ])
        .map_err(csv_error)?;
    }
    csv_response(&format!("fund-{fund}-payments.csv"), out)
}

#[derive(Template)]
#[template(path = "admin/reports.html")]
struct ReportsPage<'a> {
    c: &'a Ctx,
    waiting: Vec<(Report, String)>,
    /// (award, title, milestone, due, overdue)
    outstanding: Vec<(AwardId, String, i32, String, bool)>,
}

/// Reports waiting for review, and reports not yet in with their due dates.
pub async fn reports(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageAwards)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let outstanding = service::reports_outstanding(&mut conn)
        .await?
        .into_iter()
        .map(|r| (r.award, r.title, r.position, ctx.when(&r.due), r.due < now))
        .collect();
    render(&ReportsPage {
        c: &ctx,
        waiting: awards::reports_waiting(&mut conn).await?,
        outstanding,
    })
}

pub async fn request_correction(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<service::CorrectionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let fund: FundId = id(&path)?;
    match service::request_correction(&state, &actor, fund, &form, &ctx.origin).await {
        Ok(()) => Ok(back(
            &state,
            &format!("/finance/funds/{fund}"),
            "flash-payment-requested",
        )),
        Err(AppError::Invalid(errors)) => {
            fund_page(
                &ctx,
                &state,
                fund,
                &FundQuery::default(),
                ContributionForm::default(),
                form,
                errors,
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn decide_correction(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<service::DecisionOnly>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let fund = service::decide_correction(&state, &actor, id(&path)?, &form, &ctx.origin).await?;
    Ok(back(
        &state,
        &format!("/finance/funds/{fund}"),
        "flash-saved",
    ))
}

pub async fn upload_report_file(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    use super::applications::{Upload, read_upload};
    let award: AwardId = id(&path.0)?;
    let position: i32 = id(&path.1)?;
    let actor = actor(&ctx)?;
    service::may_add_report_attachment(&state, &actor, award, position).await?;
    let errors = |key: &str| {
        let mut e = FormErrors::default();
        e.add("file", key);
        e
    };
    let (name, data) = match read_upload(&ctx, &req, payload).await? {
        Upload::File(name, data) => (name, data),
        Upload::TooLarge => {
            let typed = Typed {
                errors: errors("err-file-too-large"),
                ..Default::default()
            };
            return award_page(&ctx, &state, award, typed).await.map(|mut r| {
                *r.status_mut() = actix_web::http::StatusCode::PAYLOAD_TOO_LARGE;
                r
            });
        }
    };
    match service::add_report_attachment(&state, &actor, award, position, &name, data, &ctx.origin)
        .await
    {
        Ok(()) => Ok(back(
            &state,
            &format!("/awards/{award}"),
            "flash-file-uploaded",
        )),
        Err(AppError::Invalid(errors)) => {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

pub async fn report_file(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&ctx)?;
    let award: AwardId = id(&path.0)?;
    let file: i64 = id(&path.1)?;
    let mut conn = state.pool.get().await?;
    service::access(&mut conn, &actor, award, AwardAction::View).await?;
    let (name, content_type, data) = awards::report_attachment_data(&mut conn, award, file)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(super::applications::attachment_response(
        &name,
        content_type,
        data,
    ))
}

pub async fn record_evaluation(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<service::EvaluationForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageAwards)?;
    let award: AwardId = id(&path)?;
    match service::record_evaluation(&state, &actor, award, &form, &ctx.origin).await {
        Ok(()) => Ok(back(&state, &format!("/awards/{award}"), "flash-saved")),
        Err(AppError::Invalid(errors)) => {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    evaluation: form,
                    errors,
                    ..Default::default()
                },
            )
            .await
        }
        Err(e) => Err(e),
    }
}
