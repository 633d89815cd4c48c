//! One award: its page, acceptance, reports and their files, payments asked for, support and evaluations; the grantee's list; the admins' report queue.

use super::*;

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
    pub bank: service::BankForm,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "awards/show.html")]
pub(super) struct ShowPage<'a> {
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
    /// Corrected bank details waiting for finance.
    bank_change: Option<awards::BankChange>,
    /// A payment came back and finance has not confirmed the details since.
    bank_unconfirmed: bool,
    /// The grantee's owner may correct the bank details.
    can_correct_bank: bool,
    is_finance: bool,
    currencies: &'static [Currency],
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

pub(super) async fn award_page(
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
    // Every read the page needs from here is pipelined on the one
    // connection: one round trip instead of eleven.
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5, mut c6) = (c, c, c, c, c, c);
    let (mut c7, mut c8, mut c9, mut c10, mut c11, mut c12) = (c, c, c, c, c, c);
    let (
        application,
        organization,
        payments,
        reports,
        tranches,
        paid,
        committed,
        postings,
        files,
        support,
        evaluations,
        bank_change,
    ) = tokio::try_join!(
        crate::models::applications::find(&mut c1, award.application_id),
        organizations::find(&mut c2, award.lead_org_id),
        awards::payments(&mut c3, id),
        awards::reports(&mut c4, id),
        awards::tranches(&mut c5, id),
        ledger::balance(
            &mut c6,
            award.fund_id,
            crate::domain::ledger::Account::Disbursed,
            Some(id),
        ),
        ledger::balance(
            &mut c7,
            award.fund_id,
            crate::domain::ledger::Account::Committed,
            Some(id),
        ),
        async {
            if can_view_money {
                ledger::postings(&mut c8, award.fund_id, Some(id)).await
            } else {
                Ok(Vec::new())
            }
        },
        awards::report_attachments(&mut c9, id),
        awards::support(&mut c10, id),
        awards::evaluations(&mut c11, id),
        awards::pending_bank_change(&mut c12, id),
    )?;
    let last_return = payments.iter().filter_map(|p| p.returned_at).max();
    let bank_unconfirmed =
        !crate::domain::award::bank_confirmed(award.bank_confirmed_at, last_return);
    let title = application.map(|a| a.title).unwrap_or_default();
    let grantee = organization
        .map(|o| ctx.pick(&o.name_zh, &o.name_en))
        .unwrap_or_default();
    // The rules' view of the payments and reports, read once for every tranche.
    let payment_facts = service::payment_facts(&payments);
    let report_facts = service::report_facts(&reports);
    let tranche_views = tranches
        .iter()
        .map(|t| {
            let payment = crate::domain::award::payment_state(&payment_facts, t.id.0);
            let condition = crate::domain::award::condition(award.state, t.position, &report_facts);
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
                // Only the report that may come next gets its form, not every
                // milestone's at once.
                can_report: can_report
                    && crate::domain::award::report_in_order(t.position, &report_facts)
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
        files,
        tranches: tranche_views,
        payments: payment_rows,
        postings,
        support,
        evaluations,
        needs_evaluations: crate::models::calls::review_settings(&mut conn, award.call_id)
            .await?
            .evaluations,
        categories: &Category::ALL,
        support_kinds: &SupportKind::ALL,
        evaluation_kinds: &EvaluationKind::ALL,
        typed,
        bank_change,
        bank_unconfirmed,
        can_correct_bank: role == Some(crate::domain::organization::MemberRole::Owner)
            && award.state == AwardState::Active,
        is_finance,
        currencies: &Currency::ALL,
        award,
    };
    render_form(&page, page.typed.errors.is_empty())
}

/// Each tranche's scheduled amount beside what its approved payments paid,
/// in the award's currency. Refunds are the award's, not a tranche's, so
/// they show in the payments table and not here.
pub(super) fn tranche_chart(
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

pub(super) fn back(state: &AppState, to: &str, flash: &str) -> HttpResponse {
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
    after_form(
        service::accept(&state, &actor, award, &form, &ctx.origin).await,
        |()| back(&state, &format!("/awards/{award}"), "flash-award-accepted"),
        |errors| {
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
        },
    )
    .await
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
    after_form(
        service::submit_report(&state, &actor, award, position, &form, &ctx.origin).await,
        |()| {
            back(
                &state,
                &format!("/awards/{award}"),
                "flash-report-submitted",
            )
        },
        |errors| {
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
        },
    )
    .await
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
    after_form(
        service::log_support(&state, &actor, award, &form, &ctx.origin).await,
        |()| back(&state, &format!("/awards/{award}"), "flash-saved"),
        |errors| {
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
        },
    )
    .await
}

pub async fn request_tranche(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _f: CsrfForm<crate::web::ctx::NoFields>,
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
    after_form(
        service::request_refund(&state, &actor, award, &form, &ctx.origin).await,
        |_| {
            back(
                &state,
                &format!("/awards/{award}"),
                "flash-payment-requested",
            )
        },
        |errors| {
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
        },
    )
    .await
}

pub async fn decide_payment(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ApproveForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let payment: PaymentId = id(&path)?;
    let confirmed = crate::web::confirm::given(&form.confirmed);
    match service::decide_payment(&state, &actor, payment, &form, confirmed, &ctx.origin).await {
        Err(AppError::Unconfirmed) => {
            let mut conn = state.pool.get().await?;
            let (p, title, currency) = awards::pending_payments(&mut conn)
                .await?
                .into_iter()
                .find(|(p, _, _)| p.id == payment)
                .ok_or(AppError::NotFound)?;
            crate::web::confirm::ConfirmPage {
                c: &ctx,
                title: ctx.t("confirm-reject-title"),
                consequences: vec![ctx.t_with(
                    "confirm-reject-what",
                    &[("amount", fmt(currency, p.amount)), ("title", title)],
                )],
                action: format!("/finance/payments/{payment}"),
                fields: vec![("decision", form.decision.clone())],
                confirm: ctx.t("confirm-reject"),
                back: "/finance".into(),
                back_label: ctx.t("confirm-back-finance"),
            }
            .respond()
        }
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
pub(super) struct MinePage<'a> {
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

#[derive(Template)]
#[template(path = "admin/reports.html")]
pub(super) struct ReportsPage<'a> {
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
    let outstanding = service::reports_outstanding(&mut conn, None, None)
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

pub async fn upload_report_file(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    use crate::web::upload::{Upload, read_upload};
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
    Ok(crate::web::applications::attachment_response(
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
    after_form(
        service::record_evaluation(&state, &actor, award, &form, &ctx.origin).await,
        |()| back(&state, &format!("/awards/{award}"), "flash-saved"),
        |errors| {
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
        },
    )
    .await
}
