//! Contributions and support.

use super::*;

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ContributionForm {
    pub donor: String,
    pub received_on: String,
    pub reference: String,
    pub amount: String,
}

/// Money received into a fund goes to its pool.
pub async fn record_contribution(
    state: &AppState,
    actor: &Actor,
    fund: FundId,
    form: &ContributionForm,
    origin: &Origin,
) -> Result<(), AppError> {
    if !may(actor, Permission::HandleMoney) {
        return Err(AppError::NotFound);
    }
    let mut conn = state.pool.get().await?;
    let currency = crate::models::funds::find(&mut conn, fund)
        .await?
        .map(|f| f.currency)
        .ok_or(AppError::NotFound)?;
    let mut e = FormErrors::default();
    let donor = text::required(&form.donor, 200, Lines::One)
        .map_err(|k| e.add("donor", k))
        .unwrap_or_default();
    let received_on = NaiveDate::parse_from_str(form.received_on.trim(), "%Y-%m-%d")
        .map_err(|_| e.add("received_on", "err-date-invalid"))
        .ok();
    let reference = text::checked(&form.reference, 200, Lines::One)
        .map_err(|k| e.add("reference", k))
        .unwrap_or_default();
    let amount = parse_amount_in(&form.amount, Some(currency))
        .map_err(|k| e.add("amount", k))
        .ok();
    if amount.is_some_and(|a| a.is_zero()) {
        e.add("amount", "err-amount-zero");
    }
    let now = state.clock.now();
    if received_on.is_some_and(|d| d > now.date_naive() + Duration::days(1)) {
        e.add("received_on", "err-date-future");
    }
    let (Some(received_on), Some(amount)) = (received_on, amount.filter(|_| e.is_empty())) else {
        return Err(AppError::Invalid(e));
    };
    conn.transaction::<_, AppError, _>(async |conn| {
        ledger::lock_fund(conn, fund).await?;
        let postings = EntryKind::Contribution.postings(amount).ok_or(AppError::BadRequest)?;
        if !ledger::fits(conn, fund, &postings).await? {
            return Err(FormErrors::single("amount", "err-fund-full"));
        }
        let id = awards::add_contribution(
            conn,
            &awards::NewContribution { fund, donor: &donor, received_on, reference: &reference, amount, by: actor.user_id() },
            now,
        )
        .await?;
        ledger::post(
            conn,
            &NewEntry {
                fund,
                kind: EntryKind::Contribution,
                amount,
                award: None,
                contribution: Some(id),
                payment: None,
                memo: &donor,
                by: actor.user_id(),
            },
            now,
        )
        .await?;
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "fund.contribution_recorded", "fund", fund)
                .change(None, Some(json!({ "donor": donor, "received_on": received_on, "reference": reference, "amount": amount }))),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct SupportForm {
    pub given_on: String,
    pub kind: String,
    pub hours: String,
    pub given_by: String,
    pub note: String,
}

pub async fn log_support(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &SupportForm,
    origin: &Origin,
) -> Result<(), AppError> {
    if !may(actor, Permission::ManageAwards) {
        return Err(AppError::NotFound);
    }
    let mut e = FormErrors::default();
    let given_on = NaiveDate::parse_from_str(form.given_on.trim(), "%Y-%m-%d")
        .map_err(|_| e.add("given_on", "err-date-invalid"))
        .ok();
    let kind = SupportKind::from_code(form.kind.trim());
    if kind.is_none() {
        e.add("kind", "err-choice-unknown");
    }
    let hours = form
        .hours
        .trim()
        .parse::<Decimal>()
        .ok()
        .filter(|h| *h >= Decimal::ZERO && *h <= Decimal::from(1000) && h.scale() <= 1);
    if hours.is_none() {
        e.add("hours", "err-number-invalid");
    }
    let given_by = text::required(&form.given_by, 200, Lines::One)
        .map_err(|k| e.add("given_by", k))
        .unwrap_or_default();
    let note = text::checked(&form.note, 2000, Lines::Many)
        .map_err(|k| e.add("note", k))
        .unwrap_or_default();
    let (Some(given_on), Some(kind), Some(hours)) =
        (given_on, kind, hours.filter(|_| e.is_empty()))
    else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        awards::find(conn, id).await?.ok_or(AppError::NotFound)?;
        let entry = awards::Support { given_on, kind, hours, given_by: given_by.clone(), note: note.clone() };
        awards::log_support(conn, id, &entry, actor.user_id(), now).await?;
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "award.support_logged", "award", id)
                .change(None, Some(json!({ "given_on": given_on, "kind": form.kind, "hours": hours, "given_by": given_by, "note": note }))),
        )
        .await?;
        Ok(())
    })
    .await
}
