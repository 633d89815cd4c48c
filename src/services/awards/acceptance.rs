//! Commitment, acceptance, lapse.

use super::*;

/// Creates the award of a published decision with its tranche schedule and
/// commits the amount from the pool, in the caller's transaction; refused
/// when the pool cannot cover it.
pub async fn create_for_decision(
    conn: &mut Conn,
    app: ApplicationId,
    amount: Decimal,
    conditions: &str,
    by: Option<crate::models::UserId>,
    now: DateTime<Utc>,
) -> Result<AwardId, AppError> {
    let application = apps::find(conn, app).await?.ok_or(AppError::NotFound)?;
    let call = crate::models::calls::find(conn, application.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fund = crate::models::funds::find(conn, call.fund_id)
        .await?
        .ok_or(AppError::NotFound)?;
    ledger::lock_fund(conn, fund.id).await?;
    let pool = ledger::balance(conn, fund.id, Account::Pool, None).await?;
    if pool < amount {
        return Err(AppError::Conflict("err-pool-insufficient"));
    }
    let id = awards::insert(
        conn,
        &NewAward {
            application: app,
            call: call.id,
            fund: fund.id,
            lead: application.lead_org_id,
            amount,
            currency: fund.currency,
            conditions,
            accept_by: now + ACCEPTANCE_PERIOD,
        },
        now,
    )
    .await?;
    // The schedule follows the milestones as submitted.
    let snapshot = apps::latest_snapshot(conn, app).await?.unwrap_or_default();
    let schedule = milestones_of(&snapshot, application.duration_months);
    let parts = schedule_of(&snapshot, amount);
    for (i, (part, (month, _, deliverables))) in parts.into_iter().zip(&schedule).enumerate() {
        awards::add_tranche(conn, id, i as i32 + 1, part, *month, deliverables).await?;
    }
    ledger::post(
        conn,
        &NewEntry {
            fund: fund.id,
            kind: EntryKind::Commitment,
            amount,
            award: Some(id),
            contribution: None,
            payment: None,
            memo: "award",
            by,
        },
        now,
    )
    .await?;
    Ok(id)
}

/// The submitted milestones as (month, share %, deliverables); one tranche
/// at the end when there are none.
pub(super) fn milestones_of(
    snapshot: &serde_json::Value,
    duration: Option<i32>,
) -> Vec<(i32, Decimal, String)> {
    let milestones: Vec<(i32, Decimal, String)> = snapshot["milestones"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter_map(|m| {
            let percent = match &m["tranche_percent"] {
                serde_json::Value::String(s) => s.parse().ok()?,
                serde_json::Value::Number(n) => n.to_string().parse().ok()?,
                _ => return None,
            };
            Some((
                m["month_due"].as_i64()? as i32,
                percent,
                m["deliverables"].as_str().unwrap_or_default().to_string(),
            ))
        })
        .filter(|(_, p, _)| *p > Decimal::ZERO)
        .collect();
    if milestones.is_empty() {
        let months = duration
            .or_else(|| snapshot["duration_months"].as_i64().map(|m| m as i32))
            .unwrap_or(12);
        vec![(months, Decimal::ONE_HUNDRED, String::new())]
    } else {
        milestones
    }
}

/// The tranche amounts an award of `amount` would have.
pub fn schedule_of(snapshot: &serde_json::Value, amount: Decimal) -> Vec<Decimal> {
    let percents: Vec<Decimal> = milestones_of(snapshot, None)
        .iter()
        .map(|(_, p, _)| *p)
        .collect();
    split(amount, &percents)
}

/// A bank account as the grantee types it: holder and bank required on one
/// line, the number in letters, digits, spaces and hyphens and short enough
/// for a bank file (34 letters and digits), a currency of ours. Refusals go
/// into `e`; what was read comes back (the currency when it is one).
pub(super) fn bank_account(
    e: &mut FormErrors,
    holder: &str,
    bank: &str,
    number: &str,
    currency: &str,
) -> (String, String, String, Option<Currency>) {
    let mut field = |name: &'static str, value: &str, max: usize| {
        text::required(value, max, Lines::One)
            .map_err(|k| e.add(name, k))
            .unwrap_or_default()
    };
    let holder = field("account_name", holder, 200);
    let bank = field("bank_name", bank, 200);
    let number = field("account_number", number, 64);
    let typed_well = number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ');
    if !number.is_empty() && !typed_well {
        e.add("account_number", "err-account-number");
    } else if !number.is_empty() && !crate::domain::bank::account_fits(&number) {
        e.add("account_number", "err-bank-account-file");
    }
    let currency = Currency::parse(currency);
    if currency.is_none() {
        e.add("bank_currency", "err-choice-unknown");
    }
    (holder, bank, number, currency)
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct AcceptForm {
    pub signature: String,
    pub account_name: String,
    pub bank_name: String,
    pub account_number: String,
    pub bank_currency: String,
    pub agree: Option<String>,
}

/// The grantee's owner accepts the agreement (typed name, time and address
/// recorded) and registers the bank account; the award becomes active.
pub async fn accept(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &AcceptForm,
    origin: &Origin,
) -> Result<(), AppError> {
    // Only the grantee's owners get as far as the form's errors.
    access(
        &mut *state.pool.get().await?,
        actor,
        id,
        AwardAction::Accept,
    )
    .await?;
    let mut e = FormErrors::default();
    let signature = text::required(&form.signature, 200, Lines::One)
        .map_err(|k| e.add("signature", k))
        .unwrap_or_default();
    let (account_name, bank_name, account_number, bank_currency) = bank_account(
        &mut e,
        &form.account_name,
        &form.bank_name,
        &form.account_number,
        &form.bank_currency,
    );
    if form.agree.is_none() {
        e.add("agree", "err-agree-required");
    }
    let Some(bank_currency) = bank_currency.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let user = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        access(conn, actor, id, AwardAction::Accept).await?;
        let award = awards::find_for_update(conn, id).await?.ok_or(AppError::NotFound)?;
        if award.state != AwardState::Offered {
            return Err(AppError::Conflict("err-award-not-offered"));
        }
        if now > award.accept_by {
            return Err(AppError::Conflict("err-award-lapsed"));
        }
        let ip = origin.ip.clone().unwrap_or_default();
        let acceptance = awards::Acceptance {
            by: user,
            signature: &signature,
            ip: &ip,
            account_name: &account_name,
            bank: &bank_name,
            account_number: &account_number,
            currency: bank_currency,
        };
        if !awards::accept(conn, id, &acceptance, now).await? {
            return Err(AppError::Conflict("err-award-not-offered"));
        }
        audit::insert(
            conn,
            &event(now, Some(user), origin, "award.accepted", "award", id).change(
                Some(json!({ "state": "offered" })),
                Some(json!({ "state": "active", "signature": signature, "ip": ip, "bank_currency": form.bank_currency })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Moves what is still committed to an award back to the pool.
pub(super) async fn decommit_rest(
    conn: &mut Conn,
    award: &Award,
    memo: &str,
    by: Option<crate::models::UserId>,
    now: DateTime<Utc>,
) -> Result<Decimal, AppError> {
    ledger::lock_fund(conn, award.fund_id).await?;
    let rest = ledger::balance(conn, award.fund_id, Account::Committed, Some(award.id)).await?;
    if rest > Decimal::ZERO {
        ledger::post(
            conn,
            &NewEntry {
                fund: award.fund_id,
                kind: EntryKind::Decommitment,
                amount: rest,
                award: Some(award.id),
                contribution: None,
                payment: None,
                memo,
                by,
            },
            now,
        )
        .await?;
    }
    Ok(rest)
}

/// Offers not accepted in time lapse and are decommitted (a periodic job;
/// safe to run on several workers at once).
pub async fn lapse_offers(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let due = awards::lapsing(&mut conn, now).await?;
    let mut lapsed = 0;
    for id in due {
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                let Some(fund) = awards::find(conn, id).await?.map(|a| a.fund_id) else {
                    return Ok(false);
                };
                ledger::lock_fund(conn, fund).await?;
                let Some(award) = awards::find_for_update(conn, id).await? else {
                    return Ok(false);
                };
                if award.state != AwardState::Offered || award.accept_by >= now {
                    return Ok(false);
                }
                awards::set_state(conn, id, AwardState::Offered, AwardState::Lapsed, now).await?;
                let rest = decommit_rest(conn, &award, "offer lapsed", None, now).await?;
                audit::insert(
                    conn,
                    &event(now, None, &Origin::default(), "award.lapsed", "award", id).change(
                        Some(json!({ "state": "offered" })),
                        Some(json!({ "state": "lapsed", "decommitted": rest })),
                    ),
                )
                .await?;
                tell_grantee(state, conn, &award, "lapsed", money(&award, rest), "", now).await?;
                Ok(true)
            })
            .await?;
        lapsed += usize::from(done);
    }
    Ok(lapsed)
}

/// Reminds the grantee's owners a week before an offer lapses, once.
pub async fn remind_offers(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let mut sent = 0;
    for id in awards::offers_ending_before(&mut conn, now + Duration::days(7)).await? {
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                let Some(award) = awards::find(conn, id).await? else {
                    return Ok(false);
                };
                if award.state != AwardState::Offered
                    || award.accept_by < now
                    || !job_runs::claim(conn, Job::OfferReminder, &id.to_string(), now).await?
                {
                    return Ok(false);
                }
                let detail = crate::clock::format_bay_area(award.accept_by);
                tell_grantee(
                    state,
                    conn,
                    &award,
                    "offer_reminder",
                    money(&award, award.amount),
                    &detail,
                    now,
                )
                .await?;
                audit::insert(
                    conn,
                    &event(
                        now,
                        None,
                        &Origin::default(),
                        "award.offer_reminded",
                        "award",
                        id,
                    ),
                )
                .await?;
                Ok(true)
            })
            .await?;
        sent += usize::from(done);
    }
    Ok(sent)
}
