//! Funds and the key-area catalogue, kept by admins.

use diesel_async::AsyncConnection;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::money::Currency;
use crate::domain::text::{self, Lines};
use crate::error::{AppError, FormErrors};
use crate::models::focus_areas::FocusArea;
use crate::models::funds::NewFund;
use crate::models::{FundId, audit, focus_areas, funds};
use crate::policy::{Actor, Permission, may};

fn require(actor: &Actor) -> Result<(), AppError> {
    if may(actor, Permission::ManageFunds) {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

fn required_text(e: &mut FormErrors, field: &'static str, raw: &str, max: usize) -> String {
    text::required(raw, max, Lines::One)
        .map_err(|k| e.add(field, k))
        .unwrap_or_default()
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct FundForm {
    pub name_zh: String,
    pub name_en: String,
    pub sponsors: String,
    pub currency: String,
}

pub async fn create_fund(
    state: &AppState,
    actor: &Actor,
    form: &FundForm,
    origin: &Origin,
) -> Result<FundId, AppError> {
    require(actor)?;
    let mut e = FormErrors::default();
    let name_zh = required_text(&mut e, "name_zh", &form.name_zh, 200);
    let name_en = required_text(&mut e, "name_en", &form.name_en, 200);
    let sponsors = text::checked(&form.sponsors, 1000, Lines::One)
        .map_err(|k| e.add("sponsors", k))
        .unwrap_or_default();
    let currency = Currency::parse(&form.currency);
    if currency.is_none() {
        e.add("currency", "err-choice-unknown");
    }
    let Some(currency) = currency.filter(|_| e.is_empty()) else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let fund = funds::insert(
            conn,
            &NewFund {
                name_zh: &name_zh,
                name_en: &name_en,
                sponsors: &sponsors,
                currency,
                created_by: actor.user_id(),
                created_at: now,
            },
        )
        .await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "fund.created",
                "fund",
                fund.id,
            )
            .change(
                None,
                Some(
                    json!({ "name_zh": name_zh, "name_en": name_en, "currency": currency.code() }),
                ),
            ),
        )
        .await?;
        Ok(fund.id)
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct FocusAreaForm {
    pub code: String,
    pub name_hant: String,
    pub name_hans: String,
    pub name_en: String,
}

pub async fn add_focus_area(
    state: &AppState,
    actor: &Actor,
    form: &FocusAreaForm,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let mut e = FormErrors::default();
    let code = form.code.trim().to_lowercase();
    let code_ok = (2..=40).contains(&code.len())
        && code.starts_with(|c: char| c.is_ascii_lowercase())
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !code_ok {
        e.add("code", "err-code-invalid");
    }
    let area = FocusArea {
        code,
        name_hant: required_text(&mut e, "name_hant", &form.name_hant, 100),
        name_hans: required_text(&mut e, "name_hans", &form.name_hans, 100),
        name_en: required_text(&mut e, "name_en", &form.name_en, 100),
        active: true,
        position: 1000,
    };
    e.into_result()?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        focus_areas::insert(conn, &area).await.map_err(|e| {
            if crate::models::is_unique_violation(&e) { FormErrors::single("code", "err-code-taken") } else { e.into() }
        })?;
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "focus_area.added", "focus_area", &area.code)
                .change(None, Some(json!({ "en": area.name_en, "zh-Hant": area.name_hant, "zh-Hans": area.name_hans }))),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Retires a key area from new choices (existing uses keep it), or brings it back.
pub async fn set_focus_area_active(
    state: &AppState,
    actor: &Actor,
    code: &str,
    active: bool,
    origin: &Origin,
) -> Result<(), AppError> {
    require(actor)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        if !focus_areas::set_active(conn, code, active).await? {
            return Err(AppError::NotFound);
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "focus_area.active_changed",
                "focus_area",
                code,
            )
            .change(None, Some(json!({ "active": active }))),
        )
        .await?;
        Ok(())
    })
    .await
}
