//! The finance desk and a fund's dashboard: contributions, payments waiting, corrections.

use super::*;

#[derive(Template)]
#[template(path = "finance/home.html")]
pub(super) struct FinancePage<'a> {
    c: &'a Ctx,
    pending: Vec<PendingRow>,
    currencies: &'static [Currency],
    funds: Vec<(FundId, String, String)>,
    typed: Option<(PaymentId, ApproveForm)>,
    errors: FormErrors,
    /// Payments at the bank: ready for a batch, batches, sent, returns.
    bank: super::batches::BankDesk,
    /// A return reported with errors, as typed.
    typed_return: Option<(PaymentId, crate::services::awards::ReturnForm)>,
    /// Finance officers act on payments at the bank; others read.
    can_handle: bool,
    /// Which form the errors belong to: `approve`, `batch`, `return` or
    /// `statement`.
    errors_of: &'static str,
}

/// A form of the finance desk that came back with errors, as typed.
pub(super) enum FinanceTyped {
    None,
    Approve(PaymentId, ApproveForm),
    Batch(crate::services::awards::BatchForm),
    Return(PaymentId, crate::services::awards::ReturnForm),
    /// A statement upload refused.
    Statement,
}

/// A payment waiting on the finance desk, with what its checker needs to
/// see before approving: where the money goes, in which currency, at which
/// rate (in words), and how much leaves the fund and how much arrives.
pub(super) struct PendingRow {
    payment: Payment,
    title: String,
    amount: String,
    checker: Checker,
    /// The grantee's account, masked but recognisable; `None` for a refund.
    payee: Option<String>,
    /// The form's values: as typed after an error, else preset from the
    /// account's currency and the call's rate.
    payee_currency: String,
    rate: String,
    reference: String,
    /// "HKD paid per 1 CNY": the direction of `rate`.
    rate_label: String,
    /// The call's own rate, as the call states it ("1 HKD = 0.92 CNY").
    call_rate: Option<String>,
    /// What leaves the fund, and what arrives at the preset rate.
    leaves: String,
    arrives: String,
}

/// The account number's last four letters or digits, the rest masked.
fn masked(number: &str) -> String {
    let kept: Vec<char> = number.chars().filter(char::is_ascii_alphanumeric).collect();
    let tail: String = kept[kept.len().saturating_sub(4)..].iter().collect();
    format!("•••• {tail}")
}

/// Payee units per unit of the fund's currency, from the call's rate of
/// the payee's currency (fund units per payee unit), to six places.
fn preset_rate(
    call: Option<&crate::models::calls::Call>,
    payee: Currency,
    fund: Currency,
) -> Decimal {
    if payee == fund {
        return Decimal::ONE;
    }
    call.and_then(|c| crate::domain::money::inverse_rate(c.rate(payee)))
        .unwrap_or(Decimal::ONE)
}

pub(super) async fn finance_page(
    ctx: &Ctx,
    state: &AppState,
    typed: Option<(PaymentId, ApproveForm)>,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let typed = match typed {
        Some((id, form)) => FinanceTyped::Approve(id, form),
        None => FinanceTyped::None,
    };
    finance_page_with(ctx, state, typed, errors).await
}

pub(super) async fn finance_page_with(
    ctx: &Ctx,
    state: &AppState,
    typed: FinanceTyped,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ViewMoney)?;
    let (typed, typed_batch, typed_return, errors_of) = match typed {
        FinanceTyped::None => (None, None, None, ""),
        FinanceTyped::Approve(id, f) => (Some((id, f)), None, None, "approve"),
        FinanceTyped::Batch(f) => (None, Some(f), None, "batch"),
        FinanceTyped::Return(id, f) => (None, None, Some((id, f)), "return"),
        FinanceTyped::Statement => (None, None, None, "statement"),
    };
    let mut conn = state.pool.get().await?;
    let bank = super::batches::bank_desk(ctx, &mut conn, &actor, typed_batch.as_ref()).await?;
    let waiting = awards::pending_payments(&mut conn).await?;
    let ids: Vec<AwardId> = waiting.iter().map(|(p, _, _)| p.award_id).collect();
    let of_award: std::collections::HashMap<AwardId, Award> = awards::find_many(&mut conn, &ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let call_ids: Vec<crate::models::CallId> = of_award.values().map(|a| a.call_id).collect();
    let calls: std::collections::HashMap<_, _> =
        crate::models::calls::find_many(&mut conn, &call_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let mut pending = Vec::new();
    for (p, title, currency) in waiting {
        let checker = if crate::policy::may_approve_payment(&actor, p.requested_by) {
            Checker::You
        } else if actor.user_id() == Some(p.requested_by) {
            Checker::NotYouTheMaker
        } else {
            Checker::AFinanceOfficer
        };
        let award = of_award.get(&p.award_id);
        let call = award.and_then(|a| calls.get(&a.call_id));
        let refund = p.kind == crate::domain::award::PaymentKind::Refund;
        let account_currency = award
            .and_then(|a| a.bank_currency)
            .filter(|_| !refund)
            .unwrap_or(currency);
        let preset = preset_rate(call, account_currency, currency);
        let (payee_currency, rate, reference) = match &typed {
            Some((id, form)) if *id == p.id => (
                form.payee_currency.clone(),
                form.rate.clone(),
                form.reference.clone(),
            ),
            _ => (
                account_currency.code().to_string(),
                preset.to_string(),
                String::new(),
            ),
        };
        let payee = award.filter(|_| !refund).and_then(|a| {
            Some(format!(
                "{} · {} · {} ({})",
                a.bank_name.as_deref()?,
                a.bank_account_name.as_deref()?,
                masked(a.bank_account_number.as_deref()?),
                a.bank_currency?
            ))
        });
        let arrives = crate::domain::money::checked_convert(p.amount, preset)
            .map(|v| fmt(account_currency, v))
            .unwrap_or_default();
        pending.push(PendingRow {
            amount: fmt(currency, p.amount),
            leaves: fmt(currency, p.amount),
            arrives,
            rate_label: ctx.t_with(
                "finance-rate-direction",
                &[
                    ("payee", account_currency.to_string()),
                    ("fund", currency.to_string()),
                ],
            ),
            call_rate: call.filter(|_| account_currency != currency).map(|c| {
                format!(
                    "1 {} = {} {}",
                    account_currency,
                    c.rate(account_currency).normalize(),
                    currency
                )
            }),
            payee,
            payee_currency,
            rate,
            reference,
            payment: p,
            title,
            checker,
        });
    }
    let pools = ledger::pools(&mut conn).await?;
    let mut fund_rows = Vec::new();
    for f in funds::all(&mut conn).await? {
        let pool = pools.get(&f.id).copied().unwrap_or_default();
        let name = ctx.pick(&f.name_zh, &f.name_en);
        fund_rows.push((f.id, name, fmt(f.currency, pool)));
    }
    let page = FinancePage {
        c: ctx,
        pending,
        currencies: &Currency::ALL,
        funds: fund_rows,
        typed,
        errors,
        bank,
        typed_return,
        errors_of,
        can_handle: may(&actor, Permission::HandleMoney),
    };
    render_form(&page, page.errors.is_empty())
}

/// Who decides a payment waiting on the finance desk, as the reader sees it
/// (maker–checker: never its maker; only finance officers).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Checker {
    You,
    NotYouTheMaker,
    AFinanceOfficer,
}

pub async fn finance(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    finance_page(&ctx, &state, None, FormErrors::default()).await
}

#[derive(Template)]
#[template(path = "finance/fund.html")]
pub(super) struct FundPage<'a> {
    c: &'a Ctx,
    fund: i64,
    name: String,
    currency: Currency,
    summary: service::FundSummary,
    /// The award state listed.
    shown: AwardState,
    /// What the list was searched for.
    q: String,
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
    /// Words of the awards' applications, their organizations, a number.
    q: String,
    after: Option<i64>,
}

impl FundQuery {
    fn text(&self) -> Option<crate::domain::search::Query> {
        Some(crate::domain::search::Query::parse(&self.q)).filter(|q| !q.is_empty())
    }

    fn state(&self) -> AwardState {
        AwardState::from_code(&self.state).unwrap_or(AwardState::Active)
    }
}

/// Contributions and postings shown on the fund dashboard; the CSV has all.
pub(super) const FUND_RECENT: i64 = 40;

/// Months drawn on the fund dashboard's chart, up to the latest.
pub(super) const FUND_MONTHS: i64 = 36;

pub(super) async fn fund_page(
    ctx: &Ctx,
    state: &AppState,
    fund: FundId,
    query: &FundQuery,
    form: ContributionForm,
    correction: service::CorrectionForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ViewMoney)?;
    let text = query.text();
    let conn = state.pool.get().await?;
    // Every read of the page pipelined on the one connection: two round
    // trips (the summary needs its page of awards before their schedules).
    use futures_util::TryFutureExt;
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5) = (c, c, c, c, c);
    let (f, months, summary, contributions, corrections, recent) = tokio::try_join!(
        funds::find(&mut c1, fund).err_into::<AppError>(),
        ledger::monthly_totals(&mut c2, fund, FUND_MONTHS).err_into(),
        service::fund_summary(
            c,
            fund,
            query.state(),
            text.as_ref(),
            query.after.map(crate::models::AwardId)
        ),
        awards::contributions(&mut c3, fund, FUND_RECENT).err_into(),
        ledger::pending_corrections(&mut c4, fund).err_into(),
        ledger::recent_postings(&mut c5, fund, FUND_RECENT).err_into(),
    )?;
    let f = f.ok_or(AppError::NotFound)?;
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
        name: ctx.pick(&f.name_zh, &f.name_en),
        currency: f.currency,
        summary,
        shown: query.state(),
        q: text.map(|t| t.text).unwrap_or_default(),
        contributions,
        can_record: may(&actor, Permission::HandleMoney),
        form,
        correction,
        corrections,
        recent,
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
    let no_query = FundQuery::default();
    after_form(
        service::record_contribution(&state, &actor, fund, &form, &ctx.origin).await,
        |()| back(&state, &format!("/finance/funds/{fund}"), "flash-saved"),
        |errors| {
            fund_page(
                &ctx,
                &state,
                fund,
                &no_query,
                form,
                service::CorrectionForm::default(),
                errors,
            )
        },
    )
    .await
}

pub async fn request_correction(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<service::CorrectionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let fund: FundId = id(&path)?;
    let no_query = FundQuery::default();
    after_form(
        service::request_correction(&state, &actor, fund, &form, &ctx.origin).await,
        |()| {
            back(
                &state,
                &format!("/finance/funds/{fund}"),
                "flash-payment-requested",
            )
        },
        |errors| {
            fund_page(
                &ctx,
                &state,
                fund,
                &no_query,
                ContributionForm::default(),
                form,
                errors,
            )
        },
    )
    .await
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
