//! Awards and the money behind them (DESIGN §6): commitment on publication,
//! acceptance, progress reports, maker–checker payments and refunds,
//! contributions, and the non-financial support log.
//!
//! Every change that touches a fund's pool takes the fund's row lock first
//! (`ledger::lock_fund`), then checks, then posts: concurrent requests run
//! one after the other per fund, and the database checks the invariants
//! again at commit.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use rust_decimal::Decimal;
use serde_json::json;

use super::Origin;
use super::audit::{WithChange, event};
use crate::AppState;
use crate::domain::application::Category;
use crate::domain::award::Approval;
use crate::domain::award::AwardState;
use crate::domain::award::EvaluationKind;
use crate::domain::award::PaymentKind;
use crate::domain::award::ReportState;
use crate::domain::award::SupportKind;
use crate::domain::award::TranchePayment;
use crate::domain::award::{self as rules, Condition, PaymentFact, ReportFact};
use crate::domain::ledger::{Account, EntryKind, split};
use crate::domain::money::{Currency, format_money, parse_amount_in, parse_rate};
use crate::domain::role::Role;
use crate::domain::text::{self, Lines};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::awards::{self, Award, NewAward};
use crate::models::job_runs::{self, Job};
use crate::models::ledger::{self, NewEntry};
use crate::models::{
    ApplicationId, AwardId, Conn, FundId, PaymentId, TrancheId, applications as apps, audit,
    organizations as orgs, users,
};
use crate::policy::{Actor, AwardAction, Permission, may, may_approve_payment, may_on_award};

/// How long a grantee has to accept an offer. DESIGN §6 cites the Macao
/// Foundation's 30 working days; six calendar weeks is that, roughly.
pub const ACCEPTANCE_PERIOD: Duration = Duration::days(42);

fn money(award: &Award, amount: Decimal) -> String {
    Some(award.currency)
        .map(|c| format_money(amount, c))
        .unwrap_or_else(|| amount.to_string())
}

/// The award if the actor may do `action` with it; 404 otherwise.
pub async fn access(
    conn: &mut Conn,
    actor: &Actor,
    id: AwardId,
    action: AwardAction,
) -> Result<Award, AppError> {
    let award = awards::find(conn, id).await?.ok_or(AppError::NotFound)?;
    let role = match actor.user_id() {
        Some(u) => orgs::role_of(conn, award.lead_org_id, u).await?,
        None => None,
    };
    if may_on_award(actor, role, action) {
        Ok(award)
    } else {
        Err(AppError::NotFound)
    }
}

/// Emails the owners of the grantee organization.
async fn tell_grantee(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    event: &str,
    amount: String,
    detail: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let title = apps::find(conn, award.application_id)
        .await?
        .map(|a| a.title)
        .unwrap_or_default();
    for owner in orgs::owners(conn, award.lead_org_id).await? {
        let mail = Email::AwardUpdate {
            title: title.clone(),
            event: event.into(),
            amount: amount.clone(),
            detail: detail.into(),
            link: state.config.link(&format!("/awards/{}", award.id)),
        };
        let lang = owner.lang;
        email::enqueue(conn, now, &owner.email, lang, &mail).await?;
    }
    Ok(())
}

// ---- commitment, acceptance, lapse

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
fn milestones_of(
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
    let mut field = |name: &'static str, value: &str, max: usize| {
        text::required(value, max, Lines::One)
            .map_err(|k| e.add(name, k))
            .unwrap_or_default()
    };
    let signature = field("signature", &form.signature, 200);
    let account_name = field("account_name", &form.account_name, 200);
    let bank_name = field("bank_name", &form.bank_name, 200);
    let account_number = field("account_number", &form.account_number, 64);
    if !account_number.is_empty()
        && !account_number
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == ' ')
    {
        e.add("account_number", "err-account-number");
    }
    let bank_currency = Currency::parse(&form.bank_currency);
    if bank_currency.is_none() {
        e.add("bank_currency", "err-choice-unknown");
    }
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
async fn decommit_rest(
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

// ---- progress reports

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub narrative: String,
    pub targets: String,
    /// One amount per budget category, in `Category::ALL` order.
    pub spent: Vec<String>,
}

/// The grantee reports on milestone `position`; the last one is the final report.
pub async fn submit_report(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    position: i32,
    form: &ReportForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let award = access(
        &mut *state.pool.get().await?,
        actor,
        id,
        AwardAction::Report,
    )
    .await?;
    let currency = Some(award.currency);
    let mut e = FormErrors::default();
    let narrative = text::required(&form.narrative, 20_000, Lines::Many)
        .map_err(|k| e.add("narrative", k))
        .unwrap_or_default();
    let targets = text::required(&form.targets, 20_000, Lines::Many)
        .map_err(|k| e.add("targets", k))
        .unwrap_or_default();
    let mut spent = serde_json::Map::new();
    for (i, category) in Category::ALL.iter().enumerate() {
        let raw = form.spent.get(i).map(String::as_str).unwrap_or("").trim();
        if raw.is_empty() {
            continue;
        }
        match parse_amount_in(raw, currency) {
            Ok(a) => {
                spent.insert(category.code().to_string(), json!(a));
            }
            Err(k) => e.add("spent", k),
        }
    }
    e.into_result()?;
    let user = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award = access(conn, actor, id, AwardAction::Report).await?;
        if award.state != AwardState::Active {
            return Err(AppError::Conflict("err-award-not-active"));
        }
        let tranches = awards::tranches(conn, id).await?;
        if !tranches.iter().any(|t| t.position == position) {
            return Err(AppError::NotFound);
        }
        let is_final = tranches.last().is_some_and(|t| t.position == position);
        // Reports come in milestone order.
        if position > 1
            && !awards::reports(conn, id)
                .await?
                .iter()
                .any(|r| r.position == position - 1 && r.state == ReportState::Approved)
        {
            return Err(AppError::Conflict("err-report-order"));
        }
        let expenditure = serde_json::Value::Object(spent.clone());
        let report = awards::NewReport {
            award: id,
            position,
            is_final,
            narrative: &narrative,
            targets: &targets,
            expenditure: &expenditure,
            by: user,
        };
        if !awards::submit_report(conn, &report, now).await? {
            return Err(AppError::Conflict("err-report-exists"));
        }
        audit::insert(
            conn,
            &event(now, Some(user), origin, "report.submitted", "award", id).change(
                None,
                Some(
                    json!({ "milestone": position, "final": is_final, "expenditure": expenditure }),
                ),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ReportReview {
    pub decision: String,
    pub comment: String,
}

/// An admin approves a report or returns it with comments. Approving the
/// final report closes the award and decommits what is unspent.
pub async fn review_report(
    state: &AppState,
    actor: &Actor,
    report: i64,
    form: &ReportReview,
    origin: &Origin,
) -> Result<AwardId, AppError> {
    if !may(actor, Permission::ManageAwards) {
        return Err(AppError::NotFound);
    }
    let approve = match form.decision.as_str() {
        "approve" => true,
        "return" => false,
        _ => return Err(AppError::BadRequest),
    };
    let comment = if approve {
        text::checked(&form.comment, 4000, Lines::Many)
    } else {
        text::required(&form.comment, 4000, Lines::Many)
    }
    .map_err(|k| FormErrors::single("comment", k))?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award_id = awards::report_award(conn, report)
            .await?
            .ok_or(AppError::NotFound)?;
        let fund = awards::find(conn, award_id)
            .await?
            .ok_or(AppError::NotFound)?
            .fund_id;
        ledger::lock_fund(conn, fund).await?;
        let r = awards::find_report(conn, report)
            .await?
            .ok_or(AppError::NotFound)?;
        let award = awards::find_for_update(conn, r.award_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let to = if approve {
            ReportState::Approved
        } else {
            ReportState::Returned
        };
        if !awards::review_report(conn, report, to, &comment, actor.user_id(), now).await? {
            return Err(AppError::Conflict("err-report-state"));
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                if approve {
                    "report.approved"
                } else {
                    "report.returned"
                },
                "award",
                award.id,
            )
            .change(
                Some(json!({ "milestone": r.position, "state": "submitted" })),
                Some(json!({ "state": to, "comment": comment })),
            ),
        )
        .await?;
        let event_code = if approve {
            "report_approved"
        } else {
            "report_returned"
        };
        tell_grantee(
            state,
            conn,
            &award,
            event_code,
            String::new(),
            &comment,
            now,
        )
        .await?;
        if approve && r.is_final && award.state == AwardState::Active {
            if awards::pending_for_award(conn, award.id).await? > 0 {
                return Err(AppError::Conflict("err-payments-pending"));
            }
            // Closing must not take back what the grantee has earned: every
            // earlier report approved and every tranche paid first.
            let reports = awards::reports(conn, award.id).await?;
            let payments = awards::payments(conn, award.id).await?;
            let tranches = awards::tranches(conn, award.id).await?;
            let earlier_approved = tranches
                .iter()
                .filter(|t| t.position < r.position)
                .all(|t| {
                    reports
                        .iter()
                        .any(|x| x.position == t.position && x.state == ReportState::Approved)
                });
            let all_paid = tranches.iter().all(|t| {
                payments
                    .iter()
                    .any(|p| p.tranche_id == Some(t.id) && p.state == Approval::Approved)
            });
            if !earlier_approved || !all_paid {
                return Err(AppError::Conflict("err-award-not-complete"));
            }
            if crate::models::calls::review_settings(conn, award.call_id)
                .await?
                .evaluations
                && awards::evaluations(conn, award.id).await?.len() < 2
            {
                return Err(AppError::Conflict("err-evaluations-missing"));
            }
            awards::set_state(conn, award.id, AwardState::Active, AwardState::Closed, now).await?;
            let rest = decommit_rest(conn, &award, "award closed", actor.user_id(), now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    actor.user_id(),
                    origin,
                    "award.closed",
                    "award",
                    award.id,
                )
                .change(
                    Some(json!({ "state": "active" })),
                    Some(json!({ "state": "closed", "decommitted": rest })),
                ),
            )
            .await?;
            tell_grantee(state, conn, &award, "closed", money(&award, rest), "", now).await?;
        }
        Ok(award.id)
    })
    .await
}

// ---- payments: maker and checker

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
        })
        .collect()
}

pub fn condition(award: &Award, position: i32, reports: &[awards::Report]) -> Condition {
    rules::condition(award.state, position, &report_facts(reports))
}

/// Tells the finance officers other than the maker that a request waits.
async fn tell_checkers(
    state: &AppState,
    conn: &mut Conn,
    award: &Award,
    maker: crate::models::UserId,
    amount: Decimal,
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
            event: "payment_awaiting".into(),
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
        let remittance = awards::Remittance {
            currency,
            rate,
            amount_sent: sent,
            reference: &reference,
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
        if kind == EntryKind::Disbursement {
            let detail = format!("{} {} · {}", currency.code(), crate::domain::money::format_amount(sent), reference);
            tell_grantee(state, conn, &award, "payment_sent", money(&award, p.amount), &detail, now).await?;
        }
        Ok(award.id)
    })
    .await
}

// ---- contributions and support

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

// ---- what the dashboards show

pub struct AwardLine {
    pub award: Award,
    pub title: String,
    pub paid: Decimal,
    pub committed: Decimal,
    /// The next tranche not yet paid or requested, and whether it may be.
    pub next: Option<(awards::Tranche, Condition)>,
}

impl AwardLine {
    pub fn outstanding(&self) -> Decimal {
        self.award.amount - self.paid
    }
}

pub struct FundSummary {
    pub contributed: Decimal,
    pub committed: Decimal,
    pub disbursed: Decimal,
    pub available: Decimal,
    /// How many awards are in each state.
    pub counts: Vec<(AwardState, i64)>,
    /// One page of awards in the chosen state.
    pub awards: Vec<AwardLine>,
    /// Whether awards follow this page.
    pub more: bool,
}

/// Awards per page of the fund dashboard.
pub const FUND_PAGE: i64 = 50;

/// The fund's totals, kept beside the ledger, and the position of one page
/// of its awards in `state` (after the award `after`): a fixed number of
/// statements however many awards the fund has.
pub async fn fund_summary(
    conn: &mut Conn,
    fund: FundId,
    state: AwardState,
    after: Option<AwardId>,
) -> Result<FundSummary, AppError> {
    let totals = ledger::totals(conn, fund).await?;
    let total = |account: Account| totals.get(&account).copied().unwrap_or_default();
    let mut page = awards::of_fund(conn, fund, state, after, FUND_PAGE + 1).await?;
    let more = page.len() as i64 > FUND_PAGE;
    page.truncate(FUND_PAGE as usize);
    let ids: Vec<AwardId> = page.iter().map(|(a, _)| a.id).collect();
    let balances = ledger::of_awards(conn, &ids).await?;
    let of = |account: &str, award: AwardId| -> Decimal {
        balances
            .iter()
            .filter(|(a, w, _)| a == account && *w == award)
            .map(|(_, _, b)| *b)
            .sum()
    };
    let (tranches, payments, reports) = awards::schedule_of(conn, &ids).await?;
    let mut lines = Vec::new();
    for (award, title) in page {
        let t: Vec<_> = tranches
            .iter()
            .filter(|t| t.award_id == award.id)
            .cloned()
            .collect();
        let p: Vec<_> = payments
            .iter()
            .filter(|p| p.award_id == award.id)
            .cloned()
            .collect();
        let r: Vec<_> = reports
            .iter()
            .filter(|r| r.award_id == award.id)
            .cloned()
            .collect();
        let next = next_tranche(&award, t, &p, &r);
        lines.push(AwardLine {
            paid: of("disbursed", award.id),
            committed: of("committed", award.id),
            award,
            title,
            next,
        });
    }
    Ok(FundSummary {
        contributed: -total(Account::Contributions),
        committed: total(Account::Committed),
        disbursed: total(Account::Disbursed),
        available: total(Account::Pool),
        counts: {
            // Every state, in the order awards move through them.
            let found = awards::count_by_state(conn, fund).await?;
            AwardState::ALL
                .into_iter()
                .map(|s| {
                    let n = found.iter().find(|(k, _)| *k == s).map_or(0, |(_, n)| *n);
                    (s, n)
                })
                .collect()
        },
        awards: lines,
        more,
    })
}

/// Where one tranche stands: paid, requested or nothing yet.
pub fn payment_state(payments: &[awards::Payment], tranche: TrancheId) -> Option<TranchePayment> {
    rules::payment_state(&payment_facts(payments), tranche.0)
}

/// The first tranche with no payment waiting or made, and its condition.
pub fn next_tranche(
    award: &Award,
    mut tranches: Vec<awards::Tranche>,
    payments: &[awards::Payment],
    reports: &[awards::Report],
) -> Option<(awards::Tranche, Condition)> {
    let order: Vec<(i64, i32)> = tranches.iter().map(|t| (t.id.0, t.position)).collect();
    let (i, condition) = rules::next_tranche(
        award.state,
        &order,
        &payment_facts(payments),
        &report_facts(reports),
    )?;
    Some((tranches.swap_remove(i), condition))
}

// ---- the report calendar

/// When the report on a milestone is due: its month after acceptance.
pub fn report_due(award: &Award, month_due: i32) -> Option<DateTime<Utc>> {
    rules::report_due(award.accepted_at, month_due)
}

/// A report not yet submitted (or returned) and its due date.
pub struct DueReport {
    pub award: AwardId,
    pub title: String,
    pub position: i32,
    pub due: DateTime<Utc>,
}

/// Reports of active awards that are not in (a returned one counts as
/// not in), by due date.
pub async fn reports_outstanding(conn: &mut Conn) -> Result<Vec<DueReport>, AppError> {
    let mut out = Vec::new();
    for (award, title, tranches, reports) in awards::active_with_schedule(conn).await? {
        out.extend(outstanding_reports_of(&award, &title, &tranches, &reports));
    }
    out.sort_by_key(|r| r.due);
    Ok(out)
}

/// The reports of one award that are not in (a returned one counts as not
/// in), with their due dates, milestone by milestone.
pub fn outstanding_reports_of(
    award: &Award,
    title: &str,
    tranches: &[awards::Tranche],
    reports: &[awards::Report],
) -> Vec<DueReport> {
    let milestones: Vec<(i32, i32)> = tranches.iter().map(|t| (t.position, t.month_due)).collect();
    rules::outstanding_reports(award.accepted_at, &milestones, &report_facts(reports))
        .into_iter()
        .map(|(position, due)| DueReport {
            award: award.id,
            title: title.to_string(),
            position,
            due,
        })
        .collect()
}

pub const REPORT_REMINDER_BEFORE: Duration = Duration::days(14);

/// Reminds grantees two weeks before a report is due and warns them once it
/// is overdue; each once per report, however many workers run this.
pub async fn remind_reports(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let mut sent = 0;
    for r in reports_outstanding(&mut conn).await? {
        let (job, what) = if r.due < now {
            (Job::ReportOverdue, "report_overdue")
        } else if r.due < now + REPORT_REMINDER_BEFORE {
            (Job::ReportReminder, "report_due")
        } else {
            continue;
        };
        let key = format!("{}:{}", r.award, r.position);
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                if !job_runs::claim(conn, job, &key, now).await? {
                    return Ok(false);
                }
                let award = awards::find(conn, r.award)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let detail = crate::clock::format_bay_area(r.due);
                tell_grantee(state, conn, &award, what, String::new(), &detail, now).await?;
                let action = if job == Job::ReportOverdue {
                    "report.overdue_warned"
                } else {
                    "report.reminded"
                };
                audit::insert(
                    conn,
                    &event(now, None, &Origin::default(), action, "award", r.award)
                        .change(None, Some(json!({ "milestone": r.position }))),
                )
                .await?;
                Ok(true)
            })
            .await?;
        sent += usize::from(done);
    }
    Ok(sent)
}

// ---- corrections: reversing entries, maker and checker

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

/// The report at `position` if `actor` may add files to it: the grantee's,
/// while it is not approved.
async fn report_taking_files(
    conn: &mut Conn,
    actor: &Actor,
    id: AwardId,
    position: i32,
) -> Result<awards::Report, AppError> {
    access(conn, actor, id, AwardAction::Report).await?;
    let report = awards::reports(conn, id)
        .await?
        .into_iter()
        .find(|r| r.position == position)
        .ok_or(AppError::NotFound)?;
    if report.state == ReportState::Approved {
        return Err(AppError::Conflict("err-report-state"));
    }
    Ok(report)
}

/// Whether `actor` may add a file to the report now: asked before an
/// upload's body is read (and again when the file is stored).
pub async fn may_add_report_attachment(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    position: i32,
) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    report_taking_files(&mut conn, actor, id, position)
        .await
        .map(drop)
}

/// The grantee adds a file to a report that is waiting for review or was
/// returned; checked by content like application attachments.
pub async fn add_report_attachment(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    position: i32,
    filename: &str,
    data: Vec<u8>,
    origin: &Origin,
) -> Result<(), AppError> {
    let file = super::applications::check_file(filename, &data)?;
    let by = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let report = report_taking_files(conn, actor, id, position).await?;
        let a = awards::add_report_attachment(
            conn,
            report.id,
            &awards::NewFile { name: &file.name, content_type: file.content_type, data: &data, sha256: &file.sha256 },
            by,
            now,
        ).await?;
        audit::insert(
            conn,
            &event(now, Some(by), origin, "report.attachment_added", "award", id)
                .change(None, Some(json!({ "milestone": position, "attachment": a, "name": file.name, "bytes": data.len() }))),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct EvaluationForm {
    pub kind: String,
    pub rating: String,
    pub summary: String,
}

/// An admin records the award's mid-term or final evaluation, once each.
pub async fn record_evaluation(
    state: &AppState,
    actor: &Actor,
    id: AwardId,
    form: &EvaluationForm,
    origin: &Origin,
) -> Result<(), AppError> {
    if !may(actor, Permission::ManageAwards) {
        return Err(AppError::NotFound);
    }
    let mut e = FormErrors::default();
    let kind = EvaluationKind::from_code(form.kind.trim());
    if kind.is_none() {
        e.add("evaluation_kind", "err-choice-unknown");
    }
    let rating = form
        .rating
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|r| (1..=5).contains(r));
    if rating.is_none() {
        e.add("rating", "err-rating");
    }
    let summary = text::required(&form.summary, 8000, Lines::Many)
        .map_err(|k| e.add("summary", k))
        .unwrap_or_default();
    let (Some(kind), Some(rating)) = (kind, rating.filter(|_| e.is_empty())) else {
        return Err(AppError::Invalid(e));
    };
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let award = awards::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if award.state != AwardState::Active {
            return Err(AppError::Conflict("err-award-not-active"));
        }
        if !awards::record_evaluation(conn, id, kind, rating, &summary, actor.user_id(), now)
            .await?
        {
            return Err(AppError::Conflict("err-evaluation-exists"));
        }
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "award.evaluated", "award", id).change(
                None,
                Some(json!({ "kind": form.kind, "rating": rating, "summary": summary })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}
