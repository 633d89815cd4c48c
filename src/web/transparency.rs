//! Published awards for everyone, and their open data in the 360Giving
//! Data Standard (JSON and CSV).

use actix_web::http::header::CONTENT_TYPE;
use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::prelude::ToPrimitive;
use serde_json::{Value, json};

use super::ctx::Ctx;
use super::render;
use crate::AppState;
use crate::domain::money::format_money;
use crate::domain::organization::Jurisdiction;
use crate::error::AppError;
use crate::models::awards::{self, OpenAward};

/// Our prefix for grant identifiers, and for funders and recipients that
/// no public register names.
pub const PREFIX: &str = "360G-baygrants";
pub const ORG_PREFIX: &str = "XI-BAYGRANTS";

fn recipient_id(a: &OpenAward) -> String {
    match a.jurisdiction {
        // The Unified Social Credit Code is the mainland's public register number.
        Jurisdiction::Mainland => format!("CN-USCC-{}", a.registration_number),
        Jurisdiction::HongKong | Jurisdiction::Macau => format!("{ORG_PREFIX}-ORG-{}", a.org_id),
    }
}

fn country(a: &OpenAward) -> &'static str {
    match a.jurisdiction {
        Jurisdiction::HongKong => "HK",
        Jurisdiction::Macau => "MO",
        Jurisdiction::Mainland => "CN",
    }
}

fn location(a: &OpenAward) -> String {
    match (a.jurisdiction, a.city) {
        (Jurisdiction::HongKong, _) => "Hong Kong".into(),
        (Jurisdiction::Macau, _) => "Macao".into(),
        (Jurisdiction::Mainland, Some(city)) => {
            let mut c = city.code().chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
        (Jurisdiction::Mainland, None) => "Guangdong".into(),
    }
}

/// One award as a 360Giving grant.
pub fn grant(a: &OpenAward, disbursed: rust_decimal::Decimal, base: &str) -> Value {
    let number = |d: rust_decimal::Decimal| d.to_f64().unwrap_or_default();
    let mut g = json!({
        "id": format!("{PREFIX}-award-{}", a.id),
        "title": a.title,
        "description": if a.summary.is_empty() { a.title.clone() } else { a.summary.clone() },
        "currency": a.currency,
        "amountAwarded": number(a.amount),
        "amountDisbursed": number(disbursed),
        "awardDate": a.offered_at.format("%Y-%m-%d").to_string(),
        // The public page's keyset page that starts with this award.
        "url": format!(
            "{}/grants?after={}#award-{}",
            base.trim_end_matches('/'),
            a.id.0 + 1,
            a.id
        ),
        "recipientOrganization": [{
            "id": recipient_id(a),
            "name": a.org_name_zh,
            "alternateName": a.org_name_en,
            "addressCountry": country(a),
        }],
        "fundingOrganization": [{
            "id": format!("{ORG_PREFIX}-FUND-{}", a.fund_id),
            "name": a.fund_name_en,
        }],
        "grantProgramme": [{
            "code": format!("call-{}", a.call_id),
            "title": a.call_title_en,
        }],
        "beneficiaryLocation": [{
            "name": location(a),
            "countryCode": country(a),
        }],
        "dateModified": a.offered_at.to_rfc3339(),
    });
    if let Some(months) = a.duration_months {
        g["plannedDates"] = json!([{
            "startDate": a.offered_at.format("%Y-%m-%d").to_string(),
            "duration": months,
        }]);
    }
    g
}

/// The data package: `{"grants": [...]}`.
pub async fn package(state: &AppState) -> Result<Value, AppError> {
    let mut conn = state.pool.get().await?;
    let paid = awards::disbursed_by_award(&mut conn, None).await?;
    let grants: Vec<Value> = awards::open_data(&mut conn, None)
        .await?
        .iter()
        .map(|a| {
            grant(
                a,
                paid.get(&a.id).copied().unwrap_or_default(),
                state.config.base_url.as_ref(),
            )
        })
        .collect();
    Ok(json!({
        "version": "1.4",
        "title": "Baygrants published awards",
        "grants": grants,
    }))
}

pub async fn json_export(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let body =
        serde_json::to_string_pretty(&package(&state).await?).map_err(anyhow::Error::from)?;
    Ok(HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "application/json; charset=utf-8"))
        .body(body))
}

pub async fn csv_export(state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let package = package(&state).await?;
    let mut out = super::csv::writer();
    let err = super::csv::error;
    // The column names of 360Giving's flattened spreadsheet template.
    out.write_record([
        "Identifier",
        "Title",
        "Description",
        "Currency",
        "Amount Awarded",
        "Amount Disbursed",
        "Award Date",
        "Recipient Org:Identifier",
        "Recipient Org:Name",
        "Recipient Org:Country",
        "Funding Org:Identifier",
        "Funding Org:Name",
        "Grant Programme:Code",
        "Grant Programme:Title",
        "Beneficiary Location:Name",
        "Beneficiary Location:Country Code",
        "Last modified",
    ])
    .map_err(err)?;
    let s = |v: &Value| match v {
        Value::String(t) => super::csv::cell(t),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    for g in package["grants"].as_array().cloned().unwrap_or_default() {
        out.write_record([
            s(&g["id"]),
            s(&g["title"]),
            s(&g["description"]),
            s(&g["currency"]),
            s(&g["amountAwarded"]),
            s(&g["amountDisbursed"]),
            s(&g["awardDate"]),
            s(&g["recipientOrganization"][0]["id"]),
            s(&g["recipientOrganization"][0]["name"]),
            s(&g["recipientOrganization"][0]["addressCountry"]),
            s(&g["fundingOrganization"][0]["id"]),
            s(&g["fundingOrganization"][0]["name"]),
            s(&g["grantProgramme"][0]["code"]),
            s(&g["grantProgramme"][0]["title"]),
            s(&g["beneficiaryLocation"][0]["name"]),
            s(&g["beneficiaryLocation"][0]["countryCode"]),
            s(&g["dateModified"]),
        ])
        .map_err(err)?;
    }
    super::csv::response("baygrants-grants.csv", out)
}

/// Awards per page of the public list.
pub const GRANTS_PAGE: i64 = 50;

#[derive(Template)]
#[template(path = "grants.html")]
struct GrantsPage<'a> {
    c: &'a Ctx,
    /// (award, title, grantee, call, amount, paid)
    rows: Vec<(i64, String, String, String, String, String)>,
    /// Whether this is a later page (a link back to the first).
    later: bool,
    /// The `after` of the next page, if there is one.
    next_after: Option<i64>,
}

/// Which page of the public awards: those before the award `after`.
#[derive(serde::Deserialize, Default)]
#[serde(default)]
pub struct GrantsQuery {
    after: Option<i64>,
}

pub async fn page(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<GrantsQuery>,
) -> Result<HttpResponse, AppError> {
    let conn = state.pool.get().await?;
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2, mut c3) = (c, c, c);
    let after = query.after.map(crate::models::AwardId);
    let mut ids = awards::open_page(&mut c1, after, GRANTS_PAGE + 1).await?;
    let next_after = (ids.len() as i64 > GRANTS_PAGE).then(|| {
        ids.truncate(GRANTS_PAGE as usize);
        ids.last().map_or(0, |a| a.0)
    });
    // The page's awards and what was paid on them, pipelined.
    let (open, paid) = tokio::try_join!(
        awards::open_data(&mut c2, Some(&ids)),
        awards::disbursed_by_award(&mut c3, Some(&ids)),
    )?;
    let rows = open
        .into_iter()
        .map(|a| {
            let p = paid.get(&a.id).copied().unwrap_or_default();
            (
                a.id.0,
                ctx.own(&a.title),
                ctx.pick(&a.org_name_zh, &a.org_name_en),
                ctx.pick(&a.call_title_zh, &a.call_title_en),
                format_money(a.amount, a.currency),
                format_money(p, a.currency),
            )
        })
        .collect();
    render(&GrantsPage {
        c: &ctx,
        rows,
        later: after.is_some(),
        next_after,
    })
}
