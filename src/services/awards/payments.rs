//! Payments: maker and checker.

use super::*;

/// The rules' view of an award's reports and payments.
pub fn report_facts(reports: &[awards::Report]) -> Vec<ReportFact> {
    reports
        .iter()
        .map(|r| ReportFact {
            position: r.position,
            state: r.state,
        })
        .collect()
}

pub fn payment_facts(payments: &[awards::Payment]) -> Vec<PaymentFact> {
    payments
        .iter()
        .map(|p| PaymentFact {
            tranche: p.tranche_id.map(|t| t.0),
            state: p.state,
            returned: p.transfer == Some(Transfer::Returned),
        })
        .collect()
}

pub fn condition(award: &Award, position: i32, reports: &[awards::Report]) -> Condition {
    rules::condition(award.state, position, &report_facts(reports))
}

/// Tells the finance officers other than the maker that a request waits.
pub(super) async fn tell_checkers(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    maker: crate::models::UserId,
    amount: Decimal,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    tell_checkers_event(state, conn, award, maker, amount, "payment_awaiting", now).await
}

/// A finance officer asks for a tranche to be paid: only when its condition
/// holds, and only once.
pub async fn request_tranche(
    state: &AppState,
    actor: &Actor,
    tranche: TrancheId,
    origin: &Origin,
) -> Result<PaymentId, AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    let maker = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let t = awards::find_tranche(conn, tranche)
            .await?
            .ok_or(AppError::NotFound)?;
        let award = awards::find_for_update(conn, t.award_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let reports = awards::reports(conn, award.id).await?;
        if award.state != AwardState::Active || !condition(&award, t.position, &reports).met() {
            return Err(AppError::Conflict("err-tranche-condition"));
        }
        let last_return = awards::last_return(conn, award.id).await?;
        if !rules::bank_confirmed(award.bank_confirmed_at, last_return) {
            return Err(AppError::Conflict("err-bank-unconfirmed"));
        }
        let payment = awards::NewPayment {
            award: award.id,
            kind: PaymentKind::Tranche,
            tranche: Some(tranche),
            amount: t.amount,
            reason: "",
            by: maker,
        };
        let Some(id) = awards::request_payment(conn, &payment, now).await? else {
            return Err(AppError::Conflict("err-tranche-requested"));
        };
        audit::insert(
            conn,
            &event(
                now,
                Some(maker),
                origin,
                "payment.requested",
                "award",
                award.id,
            )
            .change(
                None,
                Some(json!({ "payment": id, "tranche": t.position, "amount": t.amount })),
            ),
        )
        .await?;
        tell_checkers(state, conn, &award, maker, t.amount, now).await?;
        Ok(id)
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct RefundForm {
    pub amount: String,
    pub reason: String,
}

/// A finance officer asks to record money the grantee paid back (a refund
/// or clawback): at most what was paid, with a reason.
pub async fn request_refund(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &RefundForm,
    origin: &Origin,
) -> Result<PaymentId, AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    let maker = actor.user_id().ok_or(AppError::NotFound)?;
    let currency = awards::find(&mut *state.pool.get().await?, id)
        .await?
        .map(|a| a.currency);
    let mut e = FormErrors::default();
    let amount = parse_amount_in(&form.amount, currency)
        .map_err(|k| e.add("amount", k))
        .ok();
    if amount.is_some_and(|a| a.is_zero()) {
        e.add("amount", "err-amount-zero");
    }
    let reason = text::required(&form.reason, 2000, Lines::Many)
        .map_err(|k| e.add("reason", k))
        .unwrap_or_default();
    let Some(amount) = amount.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award = awards::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        let paid = ledger::balance(conn, award.fund_id, Account::Disbursed, Some(id)).await?;
        if !rules::refund_fits(amount, paid) {
            return Err(FormErrors::single("amount", "err-refund-above-paid"));
        }
        let payment = awards::request_payment(
            conn,
            &awards::NewPayment {
                award: id,
                kind: PaymentKind::Refund,
                tranche: None,
                amount,
                reason: &reason,
                by: maker,
            },
            now,
        )
        .await?
        .ok_or(AppError::Conflict("err-tranche-requested"))?;
        audit::insert(
            conn,
            &event(now, Some(maker), origin, "refund.requested", "award", id).change(
                None,
                Some(json!({ "payment": payment, "amount": amount, "reason": reason })),
            ),
        )
        .await?;
        tell_checkers(state, conn, &award, maker, amount, now).await?;
        Ok(payment)
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ApproveForm {
    /// `approve` or `reject`.
    pub decision: String,
    /// The payee's currency and units of it per unit of the fund's currency.
    pub payee_currency: String,
    pub rate: String,
    pub reference: String,
    /// `yes` once the officer has read what rejecting means.
    pub confirmed: String,
}

impl ApproveForm {
    /// `Some(true)` to approve, `Some(false)` to reject, `None` for anything else.
    pub fn approves(&self) -> Option<bool> {
        match self.decision.as_str() {
            "approve" => Some(true),
            "reject" => Some(false),
            _ => None,
        }
    }
}

/// A second finance officer approves (posting the ledger entry and
/// recording the payment) or rejects a request. The maker cannot; a double
/// click, a retry or two checkers at once still make one payment.
pub async fn decide_payment(
    state: &AppState,
    actor: &Actor,
    id: PaymentId,
    form: &ApproveForm,
    confirmed: bool,
    origin: &Origin,
) -> Result<AwardId, AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    let checker = actor.user_id().ok_or(AppError::NotFound)?;
    let approve = form.approves().ok_or(AppError::BadRequest)?;
    let mut e = FormErrors::default();
    let currency = if approve {
        Currency::parse(&form.payee_currency).or_else(|| {
            e.add("payee_currency", "err-choice-unknown");
            None
        })
    } else {
        None
    };
    let rate = if approve {
        parse_rate(&form.rate).map_err(|k| e.add("rate", k)).ok()
    } else {
        None
    };
    let reference = if approve {
        text::required(&form.reference, 200, Lines::One)
            .map_err(|k| e.add("reference", k))
            .unwrap_or_default()
    } else {
        String::new()
    };
    e.into_result()?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award_id = awards::payment_award(conn, id).await?.ok_or(AppError::NotFound)?;
        let award = awards::find(conn, award_id).await?.ok_or(AppError::NotFound)?;
        // The fund first, then the request: one order for every path.
        ledger::lock_fund(conn, award.fund_id).await?;
        let p = awards::find_payment_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
        if p.state != Approval::Pending {
            return Err(AppError::Conflict("err-payment-decided"));
        }
        if !may_approve_payment(actor, p.requested_by) {
            return Err(AppError::Conflict("err-maker-checker"));
        }
        if !approve {
            // A rejected request cannot be approved later: only once confirmed.
            if !confirmed {
                return Err(AppError::Unconfirmed);
            }
            awards::reject_payment(conn, id, checker, now).await?;
            audit::insert(
                conn,
                &event(now, Some(checker), origin, "payment.rejected", "award", award.id)
                    .change(Some(json!({ "payment": id, "state": "pending" })), Some(json!({ "state": "rejected" }))),
            )
            .await?;
            return Ok(award.id);
        }
        let (Some(currency), Some(mut rate)) = (currency, rate) else {
            return Err(AppError::BadRequest);
        };
        if currency == award.currency {
            rate = Decimal::ONE;
        }
        let kind = if p.kind == PaymentKind::Refund {
            EntryKind::Refund
        } else {
            if award.state != AwardState::Active {
                return Err(AppError::Conflict("err-award-not-active"));
            }
            let committed = ledger::balance(conn, award.fund_id, Account::Committed, Some(award.id)).await?;
            if committed < p.amount {
                return Err(AppError::Conflict("err-award-exceeded"));
            }
            EntryKind::Disbursement
        };
        if kind == EntryKind::Refund
            && ledger::balance(conn, award.fund_id, Account::Disbursed, Some(award.id)).await? < p.amount
        {
            return Err(AppError::Conflict("err-refund-above-paid"));
        }
        let sent = crate::domain::money::checked_convert(p.amount, rate)
            .filter(|v| *v < Decimal::from(1_000_000_000_000_i64))
            .ok_or_else(|| FormErrors::single("rate", "err-rate-invalid"))?;
        // A tranche goes to the account on record, confirmed since the
        // last return, in a form a bank file can carry.
        let payee = if kind == EntryKind::Disbursement {
            let last_return = awards::last_return(conn, award.id).await?;
            if !rules::bank_confirmed(award.bank_confirmed_at, last_return) {
                return Err(AppError::Conflict("err-bank-unconfirmed"));
            }
            match (&award.bank_account_name, &award.bank_name, &award.bank_account_number) {
                (Some(name), Some(bank), Some(account)) if crate::domain::bank::account_fits(account) => {
                    Some(awards::Payee { name, bank, account })
                }
                _ => return Err(AppError::Conflict("err-bank-account-unusable")),
            }
        } else {
            None
        };
        let remittance = awards::Remittance {
            currency,
            rate,
            amount_sent: sent,
            reference: &reference,
            payee,
        };
        if !awards::approve_payment(conn, id, checker, &remittance, now).await? {
            return Err(AppError::Conflict("err-payment-decided"));
        }
        ledger::post(
            conn,
            &NewEntry {
                fund: award.fund_id,
                kind,
                amount: p.amount,
                award: Some(award.id),
                contribution: None,
                payment: Some(id),
                memo: &reference,
                by: Some(checker),
            },
            now,
        )
        .await?;
        audit::insert(
            conn,
            &event(now, Some(checker), origin, "payment.approved", "award", award.id).change(
                Some(json!({ "payment": id, "state": "pending" })),
                Some(json!({ "state": "approved", "kind": p.kind, "amount": p.amount, "payee_currency": currency.code(), "rate": rate, "amount_sent": sent, "reference": reference })),
            ),
        )
        .await?;
        // The grantee hears of a tranche when the bank's statement shows
        // it paid (the remittance advice, `transfers::settle_payment`).
        Ok(award.id)
    })
    .await
}
