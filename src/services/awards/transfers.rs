//! Payments at the bank (issue 25): batches and their files, settlement,
//! returns (maker and checker: the return moves money back in the ledger)
//! and the grantee's corrected bank details, which finance confirms before
//! a returned tranche is paid again.

use super::*;
use crate::domain::bank::{self, BatchFile, StatementOutcome};
use crate::models::BatchId;
use crate::models::awards::{Batch, BatchState, Debtor, Payment};

/// The finance officer acting; anyone else is told nothing is here.
fn officer(actor: &Actor) -> Result<crate::models::UserId, AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    actor.user_id().ok_or(AppError::NotFound)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct BatchForm {
    pub fund: String,
    pub currency: String,
    pub debtor_name: String,
    pub debtor_account: String,
    pub debtor_bank: String,
    pub debtor_bic: String,
}

/// A finance officer groups the approved payments of one fund in one
/// currency into a batch, paid from the account typed. Each payment was
/// approved by a checker already; the batch moves no money in the ledger.
pub async fn make_batch(
    state: &AppState,
    actor: &Actor,
    form: &BatchForm,
    origin: &Origin,
) -> Result<BatchId, AppError> {
    let by = officer(actor)?;
    let fund: FundId = form.fund.parse().map_err(|_| AppError::BadRequest)?;
    let currency = Currency::parse(&form.currency).ok_or(AppError::BadRequest)?;
    let mut e = FormErrors::default();
    let mut field = |name: &'static str, value: &str, max: usize| {
        text::required(value, max, Lines::One)
            .map_err(|k| e.add(name, k))
            .unwrap_or_default()
    };
    let debtor_name = field("debtor_name", &form.debtor_name, 140);
    let debtor_bank = field("debtor_bank", &form.debtor_bank, 140);
    let debtor_account = field("debtor_account", &form.debtor_account, 64);
    if !debtor_account.is_empty() && !bank::account_fits(&debtor_account) {
        e.add("debtor_account", "err-bank-account-file");
    }
    let debtor_bic = form.debtor_bic.trim().to_ascii_uppercase();
    if !debtor_bic.is_empty() && !bank::is_bic(&debtor_bic) {
        e.add("debtor_bic", "err-bic");
    }
    e.into_result()?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        // The fund's lock: one batch at a time takes its ready payments.
        ledger::lock_fund(conn, fund).await?;
        let debtor = Debtor {
            name: &debtor_name,
            account: &debtor_account,
            bank: &debtor_bank,
            bic: &debtor_bic,
        };
        let Some((id, payments)) =
            awards::create_batch(conn, fund, currency, &debtor, by, now).await?
        else {
            return Err(AppError::Conflict("err-batch-empty"));
        };
        audit::insert(
            conn,
            &event(now, Some(by), origin, "batch.created", "fund", fund).change(
                None,
                Some(
                    json!({ "batch": id, "currency": currency.code(), "payments": payments,
                             "debtor_account": debtor_account, "debtor_bank": debtor_bank }),
                ),
            ),
        )
        .await?;
        Ok(id)
    })
    .await
}

/// Takes a payment out of a batch not yet sent (it waits for the next).
pub async fn remove_from_batch(
    state: &AppState,
    actor: &Actor,
    batch: BatchId,
    payment: PaymentId,
    origin: &Origin,
) -> Result<(), AppError> {
    let by = officer(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let b = awards::find_batch_for_update(conn, batch)
            .await?
            .ok_or(AppError::NotFound)?;
        if b.state != BatchState::Open {
            return Err(AppError::Conflict("err-batch-sent"));
        }
        if !awards::remove_from_batch(conn, batch, payment).await? {
            return Err(AppError::NotFound);
        }
        audit::insert(
            conn,
            &event(
                now,
                Some(by),
                origin,
                "batch.payment_removed",
                "fund",
                b.fund_id,
            )
            .change(Some(json!({ "batch": batch, "payment": payment })), None),
        )
        .await?;
        Ok(())
    })
    .await
}

/// The file formats a batch is downloaded in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BatchFormat {
    Pain001,
    Csv,
}

impl BatchFormat {
    pub fn parse(s: &str) -> Option<BatchFormat> {
        match s {
            "pain001" => Some(BatchFormat::Pain001),
            "csv" => Some(BatchFormat::Csv),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            BatchFormat::Pain001 => "pain001",
            BatchFormat::Csv => "csv",
        }
    }
}

/// A batch as its file needs it.
pub struct BatchDownload {
    pub batch: Batch,
    pub file: BatchFile,
}

/// The batch for its file. The first download sends it: the batch is
/// locked, its payments are sent, and both are audited; every download is
/// audited. Downloading again gives the same file.
pub async fn download_batch(
    state: &AppState,
    actor: &Actor,
    batch: BatchId,
    format: BatchFormat,
    origin: &Origin,
) -> Result<BatchDownload, AppError> {
    let by = officer(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        // The fund, then the batch and its payments: the order every path
        // that touches payments uses.
        let fund = awards::find_batch(conn, batch)
            .await?
            .ok_or(AppError::NotFound)?
            .fund_id;
        ledger::lock_fund(conn, fund).await?;
        let b = awards::find_batch_for_update(conn, batch)
            .await?
            .ok_or(AppError::NotFound)?;
        if b.state == BatchState::Open {
            let payments = awards::batch_payments(conn, batch).await?;
            if payments.is_empty() {
                return Err(AppError::Conflict("err-batch-empty"));
            }
            awards::send_batch(conn, batch, by, now).await?;
            audit::insert(
                conn,
                &event(now, Some(by), origin, "batch.sent", "fund", b.fund_id).change(
                    Some(json!({ "batch": batch, "state": "open" })),
                    Some(json!({ "state": "sent",
                                 "payments": payments.iter().map(|(p, _)| p.id).collect::<Vec<_>>() })),
                ),
            )
            .await?;
        }
        let b = awards::find_batch(conn, batch)
            .await?
            .ok_or(AppError::NotFound)?;
        let fund = crate::models::funds::find(conn, b.fund_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let payments = awards::batch_payments(conn, batch).await?;
        audit::insert(
            conn,
            &event(now, Some(by), origin, "batch.downloaded", "fund", b.fund_id)
                .change(None, Some(json!({ "batch": batch, "format": format.code() }))),
        )
        .await?;
        let file = batch_file(&b, &fund.name_zh, &fund.name_en, &payments);
        Ok(BatchDownload { batch: b, file })
    })
    .await
}

/// What the bank file says of a batch: its payments as they were approved
/// (the payee recorded then, the amount in the payee's currency).
fn batch_file(
    b: &Batch,
    name_zh: &str,
    name_en: &str,
    payments: &[(Payment, String)],
) -> BatchFile {
    let initiator = if name_en.trim().is_empty() {
        name_zh
    } else {
        name_en
    };
    BatchFile {
        message_id: format!("BG-B{}", b.id),
        created_at: b.sent_at.unwrap_or(b.created_at),
        initiator: initiator.to_string(),
        debtor_name: b.debtor_name.clone(),
        debtor_account: b.debtor_account.clone(),
        debtor_bank: b.debtor_bank.clone(),
        debtor_bic: b.debtor_bic.clone(),
        currency: b.currency,
        transfers: payments
            .iter()
            .map(|(p, title)| bank::Transfer {
                end_to_end: p.end_to_end(),
                amount: p.amount_sent.unwrap_or_default(),
                payee_name: p.payee_name.clone().unwrap_or_default(),
                payee_bank: p.payee_bank.clone().unwrap_or_default(),
                payee_account: p.payee_account.clone().unwrap_or_default(),
                remittance: match p.reference.as_deref() {
                    Some(r) if !r.trim().is_empty() => format!("{} {r} {title}", p.end_to_end()),
                    _ => format!("{} {title}", p.end_to_end()),
                },
            })
            .collect(),
    }
}

/// A sent payment and its award, locked in the one order every path uses
/// (the fund, then the payment).
async fn sent_payment(conn: &mut Conn, id: PaymentId) -> Result<(Award, Payment), AppError> {
    let award_id = awards::payment_award(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let award = awards::find(conn, award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    ledger::lock_fund(conn, award.fund_id).await?;
    let p = awards::find_payment_for_update(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if p.transfer.is_none() {
        return Err(AppError::NotFound);
    }
    Ok((award, p))
}

/// The remittance advice's line: what left the fund, at which rate, what
/// the grantee received.
fn remittance_detail(award: &Award, p: &Payment) -> String {
    let currency = p.payee_currency.unwrap_or(award.currency);
    let mut detail = format!(
        "{} → {} {} (1 {} = {} {}) · {}",
        money(award, p.amount),
        currency.code(),
        crate::domain::money::format_amount(p.amount_sent.unwrap_or_default()),
        award.currency.code(),
        p.rate.unwrap_or(Decimal::ONE).normalize(),
        currency.code(),
        p.end_to_end(),
    );
    if let Some(reference) = p.reference.as_deref().filter(|r| !r.trim().is_empty()) {
        detail.push_str(" · ");
        detail.push_str(reference);
    }
    detail
}

/// The bank paid a sent payment: recorded, audited, and the grantee gets
/// the remittance advice. No money moves in the ledger (the disbursement
/// was posted on approval), so one officer records it.
pub async fn settle_payment(
    state: &AppState,
    actor: &Actor,
    id: PaymentId,
    origin: &Origin,
) -> Result<AwardId, AppError> {
    let by = officer(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (award, p) = sent_payment(conn, id).await?;
        settle_locked(state, conn, &award, &p, by, origin, now).await?;
        Ok(award.id)
    })
    .await
}

/// Settles `p` (locked by the caller).
pub(super) async fn settle_locked(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    p: &Payment,
    by: crate::models::UserId,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let from = p.transfer.ok_or(AppError::NotFound)?;
    if from.after(TransferEvent::Settle).is_none() || p.return_reported_at.is_some() {
        return Err(AppError::Conflict("err-transfer-state"));
    }
    if !awards::settle(conn, p.id, by, now).await? {
        return Err(AppError::Conflict("err-transfer-state"));
    }
    audit::insert(
        conn,
        &event(now, Some(by), origin, "payment.settled", "award", award.id).change(
            Some(json!({ "payment": p.id, "transfer": from.code() })),
            Some(json!({ "transfer": "settled" })),
        ),
    )
    .await?;
    let detail = remittance_detail(award, p);
    tell_grantee(
        state,
        conn,
        award,
        "payment_settled",
        money(award, p.amount),
        &detail,
        now,
    )
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReturnForm {
    pub reason: String,
}

/// A finance officer reports that the bank sent a payment back, with the
/// bank's reason; another officer confirms it before the ledger changes.
pub async fn report_return(
    state: &AppState,
    actor: &Actor,
    id: PaymentId,
    form: &ReturnForm,
    origin: &Origin,
) -> Result<AwardId, AppError> {
    let by = officer(actor)?;
    let reason = text::required(&form.reason, 500, Lines::One)
        .map_err(|k| FormErrors::single("reason", k))?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (award, p) = sent_payment(conn, id).await?;
        report_return_locked(state, conn, &award, &p, &reason, by, origin, now).await?;
        Ok(award.id)
    })
    .await
}

/// Reports the return of `p` (locked by the caller).
#[allow(clippy::too_many_arguments)]
pub(super) async fn report_return_locked(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    p: &Payment,
    reason: &str,
    by: crate::models::UserId,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let from = p.transfer.ok_or(AppError::NotFound)?;
    if from.after(TransferEvent::Return).is_none() || p.return_reported_at.is_some() {
        return Err(AppError::Conflict("err-transfer-state"));
    }
    if !awards::report_return(conn, p.id, reason, by, now).await? {
        return Err(AppError::Conflict("err-transfer-state"));
    }
    audit::insert(
        conn,
        &event(
            now,
            Some(by),
            origin,
            "payment.return_reported",
            "award",
            award.id,
        )
        .change(
            Some(json!({ "payment": p.id })),
            Some(json!({ "return_reason": reason })),
        ),
    )
    .await?;
    tell_checkers_event(state, conn, award, by, p.amount, "return_awaiting", now).await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReturnDecisionForm {
    /// `confirm` or `dismiss`.
    pub decision: String,
}

/// A second officer confirms a reported return — the disbursement is
/// reversed in the ledger (a new entry mirroring it), the tranche is
/// payable again once the bank details are confirmed, and the grantee is
/// told why — or dismisses it (the payment waits for the statement again).
pub async fn decide_return(
    state: &AppState,
    actor: &Actor,
    id: PaymentId,
    form: &ReturnDecisionForm,
    origin: &Origin,
) -> Result<AwardId, AppError> {
    let by = officer(actor)?;
    let confirm = match form.decision.as_str() {
        "confirm" => true,
        "dismiss" => false,
        _ => return Err(AppError::BadRequest),
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (award, p) = sent_payment(conn, id).await?;
        let Some(maker) = p
            .return_reported_by
            .filter(|_| p.transfer == Some(Transfer::Sent))
        else {
            return Err(AppError::Conflict("err-transfer-state"));
        };
        if !may_approve_payment(actor, maker) {
            return Err(AppError::Conflict("err-maker-checker"));
        }
        let reason = p.return_reason.clone().unwrap_or_default();
        if !confirm {
            awards::dismiss_return(conn, id).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    Some(by),
                    origin,
                    "payment.return_dismissed",
                    "award",
                    award.id,
                )
                .change(
                    Some(json!({ "payment": id, "return_reason": reason })),
                    None,
                ),
            )
            .await?;
            return Ok(award.id);
        }
        // The money comes back to the award's commitment: only while the
        // award is active (a closed award committed nothing any more), and
        // never more than the award has disbursed (a refund may have
        // recorded it already).
        if award.state != AwardState::Active {
            return Err(AppError::Conflict("err-award-not-active"));
        }
        if ledger::balance(conn, award.fund_id, Account::Disbursed, Some(award.id)).await?
            < p.amount
        {
            return Err(AppError::Conflict("err-return-above-paid"));
        }
        let entry = awards::disbursement_of(conn, id)
            .await?
            .ok_or(AppError::Conflict("err-transfer-state"))?;
        if ledger::is_reversed(conn, entry).await? {
            return Err(AppError::Conflict("err-entry-corrected"));
        }
        if !awards::confirm_return(conn, id, by, now).await? {
            return Err(AppError::Conflict("err-transfer-state"));
        }
        let memo = format!("{} returned: {reason}", p.end_to_end());
        let reversal = ledger::post_reversal(conn, entry, &memo, Some(by), now).await?;
        audit::insert(
            conn,
            &event(now, Some(by), origin, "payment.returned", "award", award.id).change(
                Some(json!({ "payment": id, "transfer": "sent" })),
                Some(json!({ "transfer": "returned", "return_reason": reason,
                             "reversal": reversal, "amount": p.amount })),
            ),
        )
        .await?;
        tell_grantee(
            state,
            conn,
            &award,
            "payment_returned",
            money(&award, p.amount),
            &reason,
            now,
        )
        .await?;
        Ok(award.id)
    })
    .await
}

/// Tells the finance officers other than `maker` that something of theirs
/// waits (`payment_awaiting`, `return_awaiting`, `bank_awaiting`).
pub(super) async fn tell_checkers_event(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    maker: crate::models::UserId,
    amount: Decimal,
    what: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let title = apps::find(conn, award.application_id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    for (id, to, lang) in users::holders(conn, Role::Finance).await? {
        if id == maker {
            continue;
        }
        let mail = Email::AwardUpdate {
            title: title.clone(),
            event: what.into(),
            amount: money(award, amount),
            detail: String::new(),
            link: state.config.link("/finance"),
        };
        email::enqueue(
            conn,
            now,
            &to,
            Lang::parse(&lang).unwrap_or_default(),
            &mail,
        )
        .await?;
    }
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct BankForm {
    pub account_name: String,
    pub bank_name: String,
    pub account_number: String,
    pub bank_currency: String,
}

/// The grantee's owner proposes corrected bank details (after a return, or
/// whenever the account changes); finance confirms them before they are
/// paid to.
pub async fn propose_bank_details(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &BankForm,
    origin: &Origin,
) -> Result<(), AppError> {
    access(
        &mut *state.pool.get().await?,
        actor,
        id,
        AwardAction::Accept,
    )
    .await?;
    let mut e = FormErrors::default();
    let (account_name, bank_name, account_number, currency) = super::acceptance::bank_account(
        &mut e,
        &form.account_name,
        &form.bank_name,
        &form.account_number,
        &form.bank_currency,
    );
    let Some(currency) = currency.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let by = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        access(conn, actor, id, AwardAction::Accept).await?;
        let award = awards::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if award.state != AwardState::Active {
            return Err(AppError::Conflict("err-award-not-active"));
        }
        let details = awards::NewBankDetails {
            account_name: &account_name,
            bank_name: &bank_name,
            account_number: &account_number,
            currency,
        };
        if !awards::propose_bank_change(conn, id, &details, by, now).await? {
            return Err(AppError::Conflict("err-bank-change-waiting"));
        }
        audit::insert(
            conn,
            &event(now, Some(by), origin, "bank.proposed", "award", id).change(
                None,
                Some(
                    json!({ "account_name": account_name, "bank_name": bank_name,
                             "account_number": account_number, "currency": currency.code() }),
                ),
            ),
        )
        .await?;
        tell_checkers_event(state, conn, &award, by, Decimal::ZERO, "bank_awaiting", now).await
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct BankDecisionForm {
    /// `confirm` or `reject` a proposed change; `confirm_current` for the
    /// details as they stand.
    pub decision: String,
}

/// Finance confirms or rejects the grantee's proposed details, or confirms
/// the details on record (when the bank's return was not about them).
pub async fn decide_bank_details(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &BankDecisionForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let by = officer(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award = awards::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let pending = awards::pending_bank_change(conn, id).await?;
        // Whoever proposed the details (a finance officer who is also the
        // grantee's owner) does not confirm them too.
        if pending.as_ref().is_some_and(|c| c.proposed_by == by) {
            return Err(AppError::Conflict("err-maker-checker"));
        }
        let (action, event_name) = match (form.decision.as_str(), &pending) {
            ("confirm", Some(change)) => {
                awards::decide_bank_change(conn, change, true, by, now).await?;
                ("confirmed", "bank_confirmed")
            }
            ("reject", Some(change)) => {
                awards::decide_bank_change(conn, change, false, by, now).await?;
                ("rejected", "bank_rejected")
            }
            ("confirm_current", None) => {
                if !awards::confirm_bank_details(conn, id, now).await? {
                    return Err(AppError::Conflict("err-bank-account-unusable"));
                }
                ("confirmed_current", "bank_confirmed")
            }
            ("confirm" | "reject", None) | ("confirm_current", Some(_)) => {
                return Err(AppError::Conflict("err-bank-change-decided"));
            }
            _ => return Err(AppError::BadRequest),
        };
        audit::insert(
            conn,
            &event(now, Some(by), origin, "bank.decided", "award", id).change(
                pending
                    .as_ref()
                    .map(|c| json!({ "change": c.id, "account_number": c.account_number })),
                Some(json!({ "decision": action })),
            ),
        )
        .await?;
        tell_grantee(
            state,
            conn,
            &award,
            event_name,
            money(&award, Decimal::ZERO),
            "",
            now,
        )
        .await
    })
    .await
}

/// What importing a statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Imported {
    pub statement: i64,
    /// The same file was imported before: nothing changed.
    pub again: bool,
}

/// Imports a bank statement (camt.053 or the plain CSV): each line is
/// matched to a payment by its end-to-end reference, amount, currency and
/// the account its batch paid from. A payment paid settles (with the
/// remittance advice); one sent back has its return reported for another
/// officer to confirm; what matches nothing is listed for a person. The
/// same file twice changes nothing, and a statement of an account no batch
/// paid from is refused whole.
pub async fn import_statement(
    state: &AppState,
    actor: &Actor,
    file_name: &str,
    bytes: &[u8],
    origin: &Origin,
) -> Result<Imported, AppError> {
    use sha2::Digest;
    let by = officer(actor)?;
    let lines = bank::parse_statement(bytes).map_err(|k| FormErrors::single("file", k))?;
    let digest = format!("{:x}", sha2::Sha256::digest(bytes));
    let name: String = file_name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    if let Some(id) = awards::statement_by_digest(&mut conn, &digest).await? {
        return Ok(Imported {
            statement: id,
            again: true,
        });
    }
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            let accounts: Vec<String> = lines.iter().map(|l| l.account.clone()).collect();
            if !awards::account_known(conn, &accounts).await? {
                return Err(FormErrors::single("file", "err-statement-account"));
            }
            let Some(statement) = awards::insert_statement(
                conn,
                &digest,
                &name,
                i32::try_from(lines.len()).unwrap_or(i32::MAX),
                by,
                now,
            )
            .await?
            else {
                return Ok(None);
            };
            // Every fund the statement touches, locked in one order.
            let mut ids: Vec<PaymentId> = lines
                .iter()
                .filter_map(|l| awards::payment_of_reference(&l.end_to_end))
                .collect();
            ids.sort();
            ids.dedup();
            for fund in awards::funds_of_payments(conn, &ids).await? {
                ledger::lock_fund(conn, fund).await?;
            }
            // The account each batch paid from, read once for the file.
            let accounts = awards::payment_batch_accounts(conn, &ids).await?;
            let mut tally = (0, 0, 0, 0);
            for l in &lines {
                let (payment, outcome, note) =
                    match_line(state, conn, l, &accounts, by, origin, now).await?;
                match outcome {
                    StatementOutcome::Settled => tally.0 += 1,
                    StatementOutcome::ReturnReported => tally.1 += 1,
                    StatementOutcome::Already => tally.2 += 1,
                    StatementOutcome::Unmatched => tally.3 += 1,
                }
                awards::insert_statement_line(
                    conn,
                    statement,
                    &awards::NewStatementLine {
                        line: i32::try_from(l.line).unwrap_or(i32::MAX),
                        account: &l.account,
                        end_to_end: &l.end_to_end.chars().take(35).collect::<String>(),
                        amount: l.amount,
                        currency: &l.currency.chars().take(3).collect::<String>(),
                        returned: l.returned,
                        reason: &l.reason.chars().take(500).collect::<String>(),
                        payment,
                        outcome,
                        note,
                    },
                )
                .await?;
            }
            audit::insert(
                conn,
                &event(
                    now,
                    Some(by),
                    origin,
                    "statement.imported",
                    "statement",
                    statement,
                )
                .change(
                    None,
                    Some(
                        json!({ "file": name, "digest": digest, "lines": lines.len(),
                                     "settled": tally.0, "returns_reported": tally.1,
                                     "already": tally.2, "unmatched": tally.3 }),
                    ),
                ),
            )
            .await?;
            Ok(Some(statement))
        })
        .await?;
    match outcome {
        Some(statement) => Ok(Imported {
            statement,
            again: false,
        }),
        // Imported meanwhile by someone else.
        None => {
            let id = awards::statement_by_digest(&mut conn, &digest)
                .await?
                .ok_or(AppError::NotFound)?;
            Ok(Imported {
                statement: id,
                again: true,
            })
        }
    }
}

/// What one line of a statement does: (payment, outcome, note key).
async fn match_line(
    state: &AppState,
    conn: &mut Conn,
    l: &bank::StatementLine,
    accounts: &std::collections::HashMap<BatchId, String>,
    by: crate::models::UserId,
    origin: &Origin,
    now: DateTime<Utc>,
) -> Result<(Option<PaymentId>, StatementOutcome, &'static str), AppError> {
    let Some(id) = awards::payment_of_reference(&l.end_to_end) else {
        return Ok((
            None,
            StatementOutcome::Unmatched,
            "statement-note-reference",
        ));
    };
    let Some(p) = awards::find_payment_for_update(conn, id).await? else {
        return Ok((
            None,
            StatementOutcome::Unmatched,
            "statement-note-reference",
        ));
    };
    let (Some(transfer), Some(batch)) = (p.transfer, p.batch_id) else {
        return Ok((
            Some(id),
            StatementOutcome::Unmatched,
            "statement-note-not-sent",
        ));
    };
    if accounts.get(&batch).map(|a| bank::account_id(a)) != Some(l.account.clone()) {
        return Ok((
            Some(id),
            StatementOutcome::Unmatched,
            "statement-note-account",
        ));
    }
    if p.payee_currency.map(|c| c.code()) != Some(l.currency.as_str())
        || p.amount_sent != Some(l.amount)
    {
        return Ok((
            Some(id),
            StatementOutcome::Unmatched,
            "statement-note-amount",
        ));
    }
    let award = awards::find(conn, p.award_id)
        .await?
        .ok_or(AppError::NotFound)?;
    match (transfer, l.returned, p.return_reported_at.is_some()) {
        (Transfer::Sent, false, false) => {
            settle_locked(state, conn, &award, &p, by, origin, now).await?;
            Ok((Some(id), StatementOutcome::Settled, ""))
        }
        (Transfer::Sent, true, false) => {
            let reason = if l.reason.trim().is_empty() {
                "-".to_string()
            } else {
                l.reason.chars().take(500).collect()
            };
            report_return_locked(state, conn, &award, &p, &reason, by, origin, now).await?;
            Ok((Some(id), StatementOutcome::ReturnReported, ""))
        }
        (Transfer::Settled, false, _)
        | (Transfer::Returned, true, _)
        | (Transfer::Sent, true, true) => Ok((Some(id), StatementOutcome::Already, "")),
        _ => Ok((
            Some(id),
            StatementOutcome::Unmatched,
            "statement-note-state",
        )),
    }
}
