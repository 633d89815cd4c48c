//! Corrections: reversing entries, maker and checker.

use super::*;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct CorrectionForm {
    pub entry: String,
    pub reason: String,
}

/// A finance officer asks to reverse a ledger entry, with a reason. Entries
/// of payments are corrected by refunds instead; a reversal is not reversed.
pub async fn request_correction(
    state: &AppState,
    actor: &Actor,
    fund: FundId,
    form: &CorrectionForm,
    origin: &Origin,
) -> Result<(), AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    let maker = actor.user_id().ok_or(AppError::NotFound)?;
    let mut e = FormErrors::default();
    let entry: Option<i64> = form.entry.trim().trim_start_matches('#').parse().ok();
    if entry.is_none() {
        e.add("entry", "err-entry-unknown");
    }
    let reason = text::required(&form.reason, 2000, Lines::Many)
        .map_err(|k| e.add("reason", k))
        .unwrap_or_default();
    let Some(entry) = entry.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let Some((entry_fund, kind, payment, reverses)) = ledger::entry(conn, entry).await? else {
            return Err(FormErrors::single("entry", "err-entry-unknown"));
        };
        if entry_fund != fund {
            return Err(FormErrors::single("entry", "err-entry-unknown"));
        }
        // Contributions typed wrongly are what needs reversing; awards are
        // corrected by their own flows (lapse, closing, refunds).
        if kind != EntryKind::Contribution || payment.is_some() || reverses.is_some() {
            return Err(FormErrors::single("entry", "err-entry-not-reversible"));
        }
        if ledger::request_correction(conn, fund, entry, &reason, maker, now)
            .await?
            .is_none()
        {
            return Err(FormErrors::single("entry", "err-entry-corrected"));
        }
        audit::insert(
            conn,
            &event(
                now,
                Some(maker),
                origin,
                "ledger.correction_requested",
                "fund",
                fund,
            )
            .change(None, Some(json!({ "entry": entry, "reason": reason }))),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct DecisionOnly {
    pub decision: String,
}

/// Another finance officer approves (posting the reversing entry) or rejects.
pub async fn decide_correction(
    state: &AppState,
    actor: &Actor,
    id: i64,
    form: &DecisionOnly,
    origin: &Origin,
) -> Result<FundId, AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    let checker = actor.user_id().ok_or(AppError::NotFound)?;
    let approve = match form.decision.as_str() {
        "approve" => true,
        "reject" => false,
        _ => return Err(AppError::BadRequest),
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let (fund, _) = ledger::find_correction_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        ledger::lock_fund(conn, fund).await?;
        let (_, c) = ledger::find_correction_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if c.state != Approval::Pending {
            return Err(AppError::Conflict("err-payment-decided"));
        }
        if !may_approve_payment(actor, c.requested_by) {
            return Err(AppError::Conflict("err-maker-checker"));
        }
        ledger::decide_correction(
            conn,
            id,
            if approve {
                Approval::Approved
            } else {
                Approval::Rejected
            },
            checker,
            now,
        )
        .await?;
        if approve {
            let amount = ledger::entry_amount(conn, c.entry_id).await?;
            if ledger::balance(conn, fund, Account::Pool, None).await? < amount {
                return Err(AppError::Conflict("err-correction-pool"));
            }
            if !ledger::reversal_fits(conn, fund, c.entry_id).await? {
                return Err(AppError::Conflict("err-fund-full"));
            }
        }
        let reversal = if approve {
            Some(ledger::post_reversal(conn, c.entry_id, &c.reason, Some(checker), now).await?)
        } else {
            None
        };
        audit::insert(
            conn,
            &event(
                now,
                Some(checker),
                origin,
                if approve {
                    "ledger.entry_reversed"
                } else {
                    "ledger.correction_rejected"
                },
                "fund",
                fund,
            )
            .change(
                Some(json!({ "correction": id, "entry": c.entry_id })),
                Some(json!({ "reversal": reversal, "reason": c.reason })),
            ),
        )
        .await?;
        Ok(fund)
    })
    .await
}
