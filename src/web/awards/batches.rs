//! Payments at the bank (issue 25): batches and their files, settling and
//! returning payments, and the grantee's corrected bank details.

use super::*;
use crate::models::BatchId;
use crate::models::awards::{Batch, BatchState};
use crate::services::awards::{
    BankDecisionForm, BankForm, BatchForm, BatchFormat, ReturnDecisionForm, ReturnForm,
};

/// A group of approved payments ready for a batch, with the batch form
/// preset from the fund's last batch in that currency.
pub struct ReadyRow {
    pub fund: FundId,
    pub fund_name: String,
    pub currency: Currency,
    pub count: i64,
    pub total: String,
    pub form: BatchForm,
}

/// What the finance desk shows of payments at the bank.
pub struct BankDesk {
    pub ready: Vec<ReadyRow>,
    pub batches: Vec<(Batch, String)>,
    /// Sent payments waiting for the statement or for a return's checker:
    /// (payment, title, amount sent, who may decide a reported return).
    pub at_bank: Vec<(Payment, String, String, Checker)>,
    pub bank_changes: Vec<(awards::BankChange, String)>,
    pub counts: awards::TransferCounts,
    /// The latest statements, each with its unmatched lines.
    pub statements: Vec<(awards::Statement, i64)>,
}

/// Payments at the bank listed on the desk, oldest first (the counts say
/// how many there are in all).
pub(super) const AT_BANK_SHOWN: i64 = 50;

/// Payments listed on a batch's page; its file has them all.
pub(super) const BATCH_SHOWN: i64 = 100;

pub(super) async fn bank_desk(
    ctx: &Ctx,
    conn: &mut crate::models::Conn,
    actor: &Actor,
    typed_batch: Option<&BatchForm>,
) -> Result<BankDesk, AppError> {
    let fund_list = funds::all(conn).await?;
    let c: &crate::models::Conn = conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5, mut c6) = (c, c, c, c, c, c);
    let (groups, batches, at_bank, changes, counts, statements) = tokio::try_join!(
        awards::ready_groups(&mut c1),
        awards::batches(&mut c2, 20),
        awards::payments_at_bank(&mut c3, AT_BANK_SHOWN),
        awards::pending_bank_changes(&mut c4),
        awards::transfer_counts(&mut c5),
        awards::statements(&mut c6, 10),
    )?;
    let names: std::collections::HashMap<FundId, String> = fund_list
        .iter()
        .map(|f| (f.id, ctx.pick(&f.name_zh, &f.name_en)))
        .collect();
    let mut ready = Vec::with_capacity(groups.len());
    for g in groups {
        let form = match typed_batch {
            Some(f) if f.fund == g.fund_id.to_string() && f.currency == g.currency.code() => {
                f.clone()
            }
            _ => {
                let last = awards::last_debtor(conn, g.fund_id, g.currency).await?;
                BatchForm {
                    fund: g.fund_id.to_string(),
                    currency: g.currency.code().to_string(),
                    debtor_name: last
                        .as_ref()
                        .map(|b| b.debtor_name.clone())
                        .unwrap_or_default(),
                    debtor_account: last
                        .as_ref()
                        .map(|b| b.debtor_account.clone())
                        .unwrap_or_default(),
                    debtor_bank: last
                        .as_ref()
                        .map(|b| b.debtor_bank.clone())
                        .unwrap_or_default(),
                    debtor_bic: last
                        .as_ref()
                        .map(|b| b.debtor_bic.clone())
                        .unwrap_or_default(),
                }
            }
        };
        ready.push(ReadyRow {
            fund_name: names.get(&g.fund_id).cloned().unwrap_or_default(),
            fund: g.fund_id,
            currency: g.currency,
            count: g.count,
            total: fmt(g.currency, g.total),
            form,
        });
    }
    let batches = batches
        .into_iter()
        .map(|b| {
            let name = names.get(&b.fund_id).cloned().unwrap_or_default();
            (b, name)
        })
        .collect();
    let at_bank = at_bank
        .into_iter()
        .map(|(p, title)| {
            let sent = match (p.payee_currency, p.amount_sent) {
                (Some(c), Some(a)) => fmt(c, a),
                _ => String::new(),
            };
            let checker = match p.return_reported_by {
                Some(maker) if crate::policy::may_approve_payment(actor, maker) => Checker::You,
                Some(maker) if actor.user_id() == Some(maker) => Checker::NotYouTheMaker,
                _ => Checker::AFinanceOfficer,
            };
            (p, title, sent, checker)
        })
        .collect();
    Ok(BankDesk {
        ready,
        batches,
        at_bank,
        bank_changes: changes,
        counts,
        statements,
    })
}

pub async fn make_batch(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<BatchForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    after_form(
        service::make_batch(&state, &actor, &form, &ctx.origin).await,
        |batch| {
            back(
                &state,
                &format!("/finance/batches/{batch}"),
                "flash-batch-made",
            )
        },
        |errors| finance_page_with(&ctx, &state, FinanceTyped::Batch(form), errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "finance/batch.html")]
pub(super) struct BatchPage<'a> {
    c: &'a Ctx,
    batch: Batch,
    fund_name: String,
    total: String,
    /// (payment, title, amount sent): the first [`BATCH_SHOWN`].
    payments: Vec<(Payment, String, String)>,
    /// How many payments the batch holds.
    count: i64,
    /// Finance officers change and send batches; others read them.
    can_handle: bool,
}

pub async fn batch(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ViewMoney)?;
    let batch: BatchId = id(&path)?;
    let mut conn = state.pool.get().await?;
    let b = awards::find_batch(&mut conn, batch)
        .await?
        .ok_or(AppError::NotFound)?;
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2, mut c3) = (c, c, c);
    let (fund, payments, (count, total)) = tokio::try_join!(
        funds::find(&mut c1, b.fund_id),
        awards::batch_payments_shown(&mut c2, batch, BATCH_SHOWN),
        awards::batch_total(&mut c3, batch),
    )?;
    let payments = payments
        .into_iter()
        .map(|(p, title)| {
            let sent = fmt(b.currency, p.amount_sent.unwrap_or_default());
            (p, title, sent)
        })
        .collect();
    render(&BatchPage {
        c: &ctx,
        fund_name: fund
            .map(|f| ctx.pick(&f.name_zh, &f.name_en))
            .unwrap_or_default(),
        total: fmt(b.currency, total),
        batch: b,
        payments,
        count,
        can_handle: may(&actor, Permission::HandleMoney),
    })
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct RemoveForm {
    pub payment: String,
}

pub async fn remove_from_batch(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let batch: BatchId = id(&path)?;
    let payment: PaymentId = id(&form.payment)?;
    service::remove_from_batch(&state, &actor, batch, payment, &ctx.origin).await?;
    Ok(back(
        &state,
        &format!("/finance/batches/{batch}"),
        "flash-saved",
    ))
}

#[derive(Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct DownloadForm {
    /// `pain001` or `csv`.
    pub format: String,
}

/// The batch's file; the first download sends the batch (a POST with the
/// form's token, so that no link, prefetch or other site can send it).
pub async fn download_batch(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<DownloadForm>,
) -> Result<HttpResponse, AppError> {
    use actix_web::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
    let actor = ctx.require(Permission::HandleMoney)?;
    let batch: BatchId = id(&path)?;
    let format = BatchFormat::parse(&form.format).ok_or(AppError::BadRequest)?;
    let d = service::download_batch(&state, &actor, batch, format, &ctx.origin).await?;
    match format {
        BatchFormat::Pain001 => Ok(HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "application/xml; charset=utf-8"))
            .insert_header((
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"batch-{batch}.pain.001.xml\""),
            ))
            .body(crate::domain::bank::pain001(&d.file))),
        BatchFormat::Csv => {
            let mut w = crate::web::csv::writer();
            w.write_record([
                "end_to_end_id",
                "payee_name",
                "payee_bank",
                "payee_account",
                "currency",
                "amount",
                "remittance",
                "debtor_account",
                "batch",
            ])
            .map_err(crate::web::csv::error)?;
            let cell = crate::web::csv::cell;
            for t in &d.file.transfers {
                w.write_record([
                    t.end_to_end.clone(),
                    cell(&t.payee_name),
                    cell(&t.payee_bank),
                    crate::domain::bank::account_id(&t.payee_account),
                    d.batch.currency.code().to_string(),
                    crate::domain::bank::amount(t.amount),
                    cell(&t.remittance),
                    crate::domain::bank::account_id(&d.file.debtor_account),
                    d.file.message_id.clone(),
                ])
                .map_err(crate::web::csv::error)?;
            }
            crate::web::csv::response(&format!("batch-{batch}.csv"), w)
        }
    }
}

pub async fn settle_payment(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _f: CsrfForm<crate::web::ctx::NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    service::settle_payment(&state, &actor, id(&path)?, &ctx.origin).await?;
    Ok(back(&state, "/finance#at-bank", "flash-payment-settled"))
}

pub async fn report_return(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ReturnForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let payment: PaymentId = id(&path)?;
    after_form(
        service::report_return(&state, &actor, payment, &form, &ctx.origin).await,
        |_| back(&state, "/finance#at-bank", "flash-return-reported"),
        |errors| finance_page_with(&ctx, &state, FinanceTyped::Return(payment, form), errors),
    )
    .await
}

pub async fn decide_return(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ReturnDecisionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    service::decide_return(&state, &actor, id(&path)?, &form, &ctx.origin).await?;
    Ok(back(&state, "/finance#at-bank", "flash-saved"))
}

pub async fn propose_bank(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<BankForm>,
) -> Result<HttpResponse, AppError> {
    let actor = actor(&ctx)?;
    let award: AwardId = id(&path)?;
    after_form(
        service::propose_bank_details(&state, &actor, award, &form, &ctx.origin).await,
        |()| {
            back(
                &state,
                &format!("/awards/{award}#bank"),
                "flash-bank-proposed",
            )
        },
        |errors| {
            award_page(
                &ctx,
                &state,
                award,
                Typed {
                    bank: form,
                    errors,
                    ..Default::default()
                },
            )
        },
    )
    .await
}

pub async fn decide_bank(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<BankDecisionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::HandleMoney)?;
    let award: AwardId = id(&path)?;
    service::decide_bank_details(&state, &actor, award, &form, &ctx.origin).await?;
    Ok(back(
        &state,
        &format!("/awards/{award}#bank"),
        "flash-saved",
    ))
}

impl BatchPage<'_> {
    /// Whether the reader may still change the batch.
    fn open(&self) -> bool {
        self.can_handle && self.batch.state == BatchState::Open
    }
}

/// A bank statement uploaded (camt.053 or the plain CSV); the statement's
/// page shows what each line did.
pub async fn import_statement(
    ctx: Ctx,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    use crate::web::upload::{Upload, read_upload};
    let actor = ctx.require(Permission::HandleMoney)?;
    let (name, data) = match read_upload(&ctx, &req, payload).await? {
        Upload::File(name, data) => (name, data),
        Upload::TooLarge => {
            return finance_page_with(&ctx, &state, FinanceTyped::Statement, {
                let mut e = FormErrors::default();
                e.add("file", "err-file-too-large");
                e
            })
            .await
            .map(|mut r| {
                *r.status_mut() = actix_web::http::StatusCode::PAYLOAD_TOO_LARGE;
                r
            });
        }
    };
    match service::import_statement(&state, &actor, &name, &data, &ctx.origin).await {
        Ok(done) => Ok(back(
            &state,
            &format!("/finance/statements/{}", done.statement),
            if done.again {
                "flash-statement-again"
            } else {
                "flash-statement-imported"
            },
        )),
        Err(AppError::Invalid(errors)) => {
            finance_page_with(&ctx, &state, FinanceTyped::Statement, errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Template)]
#[template(path = "finance/statement.html")]
pub(super) struct StatementPage<'a> {
    c: &'a Ctx,
    statement: awards::Statement,
    lines: Vec<awards::StatementLineRow>,
}

/// Lines shown on a statement's page, in file order.
pub(super) const STATEMENT_LINES_SHOWN: i64 = 100;

pub async fn statement(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ViewMoney)?;
    let id: i64 = id(&path)?;
    let conn = state.pool.get().await?;
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2) = (c, c);
    let (statement, lines) = tokio::try_join!(
        awards::find_statement(&mut c1, id),
        awards::statement_lines(&mut c2, id, STATEMENT_LINES_SHOWN),
    )?;
    render(&StatementPage {
        c: &ctx,
        statement: statement.ok_or(AppError::NotFound)?,
        lines,
    })
}
