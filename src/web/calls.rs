//! Calls: the public list and detail pages, and the admins' editor.

use actix_web::{HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx};
use super::orgs::Choice;
use super::{after_form, render, render_form, see_other_with_flash};
use crate::AppState;
use crate::domain::call::{
    CallForm, CallState, Criterion, MAX_COMPONENTS, MAX_CRITERIA, Phase, ReviewSettings,
    to_bay_area_input,
};
use crate::domain::money::{Currency, format_amount, format_money};
use crate::domain::organization::Jurisdiction;
use crate::error::{AppError, FormErrors};
use crate::models::calls::{self, Call, CallCard};
use crate::models::{CallId, focus_areas, funds};
use crate::policy::{Permission, may};
use crate::services::calls as service;

/// A call as a list row shows it.
pub struct CallRow {
    pub id: CallId,
    pub title: String,
    pub phase: Phase,
    pub state: CallState,
    pub closes: String,
    pub budget: String,
}

fn row(ctx: &Ctx, call: &CallCard, currency: &Currency, now: DateTime<Utc>) -> CallRow {
    let state = call.state;
    CallRow {
        id: call.id,
        title: ctx.call_text(&call.title_zh, &call.title_hans, &call.title_en),
        phase: Phase::of(state, call.opens_at, call.closes_at, now),
        state,
        closes: ctx.when(&call.closes_at),
        budget: format!("{currency} {}", format_amount(call.budget)),
    }
}

#[derive(Template)]
#[template(path = "calls/list.html")]
struct ListPage<'a> {
    c: &'a Ctx,
    sections: Vec<(&'static str, Vec<CallRow>)>,
    /// The next page of closed calls.
    next_link: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ListQuery {
    after: Option<i64>,
}

/// Closed calls per page; open and upcoming ones are always all shown.
const CLOSED_PAGE: i64 = 20;

/// The calls open now, the nearest deadline first: the visitor's home
/// page lists them (one statement, the call list's first page).
pub(super) async fn open_now(
    ctx: &Ctx,
    conn: &mut crate::models::Conn,
    now: DateTime<Utc>,
) -> Result<Vec<CallRow>, AppError> {
    let mut open: Vec<CallRow> = calls::public_first_page(conn, now, 1)
        .await?
        .iter()
        .map(|(c, cur)| row(ctx, c, cur, now))
        .filter(|r| r.phase == Phase::Open)
        .collect();
    open.reverse();
    Ok(open)
}

pub async fn list(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    // The first page in one statement; later pages continue the closed calls.
    let (current, mut past): (Vec<_>, Vec<_>) = if query.after.is_none() {
        calls::public_first_page(&mut conn, now, CLOSED_PAGE + 1)
            .await?
            .into_iter()
            .partition(|(c, _)| c.closes_at > now)
    } else {
        (
            Vec::new(),
            calls::public_closed(&mut conn, now, query.after.map(CallId), CLOSED_PAGE + 1).await?,
        )
    };
    let more = past.len() as i64 > CLOSED_PAGE;
    past.truncate(CLOSED_PAGE as usize);
    let next_link = match (more, past.last()) {
        (true, Some((last, _))) => Some(format!("/calls?after={}", last.id)),
        _ => None,
    };
    let rows: Vec<CallRow> = current
        .iter()
        .chain(past.iter())
        .map(|(c, cur)| row(&ctx, c, cur, now))
        .collect();
    let (mut open, mut upcoming, mut closed) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        match r.phase {
            Phase::Open => open.push(r),
            Phase::Upcoming => upcoming.push(r),
            Phase::Closed => closed.push(r),
        }
    }
    // Soonest deadline first for what is open; soonest opening first for what is coming.
    open.reverse();
    upcoming.reverse();
    render(&ListPage {
        c: &ctx,
        // Later pages continue the closed calls only.
        sections: if query.after.is_some() {
            vec![("calls-closed", closed)]
        } else {
            vec![
                ("calls-open", open),
                ("calls-upcoming", upcoming),
                ("calls-closed", closed),
            ]
        },
        next_link,
    })
}

/// The eligibility rules in plain words, in the reader's language.
fn describe_rules(ctx: &Ctx, call: &Call) -> Vec<String> {
    let mut out = Vec::new();
    if call.rule_joint_required {
        out.push(ctx.t("rule-joint"));
    }
    let leads = call.lead_jurisdictions();
    if !leads.is_empty() {
        let places: Vec<String> = leads.iter().map(|j| ctx.t(&j.label_key())).collect();
        out.push(ctx.t_with("rule-lead", &[("places", places.join(" / "))]));
    }
    if call.rule_verified_required {
        out.push(ctx.t("rule-verified"));
    }
    if call.rule_whitelist_required {
        out.push(ctx.t("rule-whitelist"));
    }
    if let Some(m) = call.rule_min_registered_months {
        out.push(ctx.t_with("rule-registered", &[("months", m.to_string())]));
    }
    if let Some(p) = call.rule_min_matching_percent {
        out.push(ctx.t_with("rule-matching", &[("percent", p.normalize().to_string())]));
    }
    if let Some(p) = call.rule_max_overhead_percent {
        out.push(ctx.t_with("rule-overhead", &[("percent", p.normalize().to_string())]));
    }
    if let Some(n) = call.rule_max_applications_per_lead {
        out.push(ctx.t_with("rule-max-applications", &[("count", n.to_string())]));
    }
    if call.rule_no_debarred {
        out.push(ctx.t("rule-no-debarred"));
    }
    if call.rule_declaration_required {
        out.push(ctx.t("rule-declaration"));
    }
    if out.is_empty() {
        out.push(ctx.t("rule-none"));
    }
    out
}

fn time_left(ctx: &Ctx, phase: Phase, call: &Call, now: DateTime<Utc>) -> String {
    let (key, until) = match phase {
        Phase::Upcoming => ("call-opens-in", call.opens_at),
        Phase::Open => ("call-closes-in", call.closes_at),
        Phase::Closed => return ctx.t("call-closed-notice"),
    };
    let left = until - now;
    // The last hour in minutes (at least one), the last day in hours.
    if left < chrono::Duration::hours(1) {
        return ctx.t_with(
            &format!("{key}-minutes"),
            // Whole minutes still to go, rounded up: 39 min 50 s is "40".
            &[("n", ((left.num_seconds() + 59) / 60).max(1).to_string())],
        );
    }
    if left < chrono::Duration::days(1) {
        return ctx.t_with(
            &format!("{key}-hours"),
            &[("n", left.num_hours().to_string())],
        );
    }
    ctx.t_with(
        key,
        &[
            ("days", left.num_days().to_string()),
            ("hours", (left.num_hours() % 24).to_string()),
        ],
    )
}

pub struct CriterionView {
    pub name: String,
    pub guidance: String,
    pub weight: i32,
    pub max_score: i32,
}

#[derive(Template)]
#[template(path = "calls/show.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    id: CallId,
    title: String,
    description: String,
    /// Said when the call's text is not in the reader's language.
    text_note: Option<&'static str>,
    fund: String,
    phase: Phase,
    state: CallState,
    next_state: Option<CallState>,
    opens: String,
    closes: String,
    time_left: String,
    budget: String,
    min_request: String,
    max_request: String,
    duration: i32,
    focus: Vec<String>,
    rules: Vec<String>,
    rubric: Vec<CriterionView>,
    rates: Vec<(String, String)>,
    is_admin: bool,
    /// The user's organizations that may start an application now, when
    /// the call is open.
    can_lead: Vec<Choice>,
    /// What stands between the reader and applying, when the call is open.
    apply: ApplyHelp,
    /// In review with applications still undecided: the button to decide
    /// the call can only fail, so it is shown disabled with this count.
    undecided: i64,
}

/// Said beside (or instead of) the apply form of an open call, so that
/// nobody meets a call with no button and no reason.
#[derive(Default)]
struct ApplyHelp {
    /// A visitor: sign in, or register, to apply.
    sign_in: bool,
    /// Signed in, with no organization they may lead an application for.
    no_organization: bool,
    /// Their organizations that may not lead one, each with why.
    blocked: Vec<(String, Vec<String>)>,
    /// The call needs a team across the boundary (the partners are invited
    /// from the draft).
    joint: bool,
}

pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id: CallId = path.parse().map_err(|_| AppError::NotFound)?;
    let now = state.clock.now();
    let is_admin = ctx
        .actor()
        .is_some_and(|a| may(&a, Permission::ManageCalls));
    let mut conn = state.pool.get().await?;
    // The call and what it names, pipelined: one round trip.
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5) = (c, c, c, c, c);
    let (call, fund, areas, focus, criteria) = tokio::try_join!(
        calls::find(&mut c1, id),
        funds::of_call(&mut c2, id),
        focus_areas::all(&mut c3),
        calls::focus(&mut c4, id),
        calls::criteria(&mut c5, id),
    )?;
    let call = call.ok_or(AppError::NotFound)?;
    // Drafts are the admins' business alone.
    if !call.state().is_public() && !is_admin {
        return Err(AppError::NotFound);
    }
    let fund = fund.ok_or(AppError::NotFound)?;
    let currency = fund.currency;
    let phase = Phase::of(call.state(), call.opens_at, call.closes_at, now);
    let mut can_lead = Vec::new();
    let mut apply = ApplyHelp {
        joint: call.rule_joint_required,
        ..Default::default()
    };
    if phase == Phase::Open {
        match &ctx.user {
            None => apply.sign_in = true,
            Some(u) => {
                let options =
                    crate::services::applications::lead_options(&mut conn, u.id, &call, now)
                        .await?;
                apply.no_organization = options.is_empty();
                for (o, problems) in options {
                    let name = ctx.pick(&o.name_zh, &o.name_en);
                    if problems.is_empty() {
                        can_lead.push(Choice {
                            value: o.id.to_string(),
                            label: name,
                        });
                    } else {
                        let why = problems
                            .iter()
                            .map(|p| {
                                let mut args = p.args.clone();
                                args.retain(|(k, _)| *k != "org");
                                args.push(("org", name.clone()));
                                ctx.t_with(p.key, &args)
                            })
                            .collect();
                        apply.blocked.push((name, why));
                    }
                }
            }
        }
    }
    let undecided = if is_admin && call.state() == CallState::InReview {
        crate::models::decisions::undecided(&mut conn, id).await?
    } else {
        0
    };
    let page = ShowPage {
        c: &ctx,
        id,
        title: ctx.call_text(&call.title_zh, &call.title_hans, &call.title_en),
        description: ctx.call_text(
            &call.description_zh,
            &call.description_hans,
            &call.description_en,
        ),
        text_note: ctx
            .call_text_note(&call.title_zh, &call.title_hans, &call.title_en)
            .or_else(|| {
                ctx.call_text_note(
                    &call.description_zh,
                    &call.description_hans,
                    &call.description_en,
                )
            }),
        fund: format!(
            "{} ({})",
            ctx.pick(&fund.name_zh, &fund.name_en),
            fund.currency
        ),
        phase,
        state: call.state(),
        next_state: call.state().next(),
        opens: ctx.when(&call.opens_at),
        closes: ctx.when(&call.closes_at),
        time_left: time_left(&ctx, phase, &call, now),
        budget: format_money(call.budget, currency),
        min_request: format_money(call.min_request, currency),
        max_request: format_money(call.max_request, currency),
        duration: call.max_duration_months,
        focus: focus
            .iter()
            .map(|f| {
                areas
                    .iter()
                    .find(|a| &a.code == f)
                    .map_or(f.clone(), |a| a.name(ctx.lang).to_string())
            })
            .collect(),
        rules: describe_rules(&ctx, &call),
        rubric: criteria
            .iter()
            .map(|k: &Criterion| CriterionView {
                name: ctx.pick(&k.name_zh, &k.name_en),
                guidance: ctx.pick(&k.guidance_zh, &k.guidance_en),
                weight: k.weight,
                max_score: k.max_score,
            })
            .collect(),
        rates: Currency::ALL
            .iter()
            .filter(|cur| **cur != currency)
            .map(|cur| {
                (
                    format!("1 {}", cur.code()),
                    format!("{} {}", call.rate(*cur).normalize(), currency.code()),
                )
            })
            .collect(),
        is_admin,
        can_lead,
        apply,
        undecided,
    };
    render(&page)
}

// ---- the admins' editor

#[derive(Template)]
#[template(path = "admin/calls.html")]
struct AdminListPage<'a> {
    c: &'a Ctx,
    rows: Vec<CallRow>,
}

pub async fn admin_list(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageCalls)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let rows = calls::all_with_currency(&mut conn)
        .await?
        .iter()
        .map(|(c, cur)| row(&ctx, c, cur, now))
        .collect();
    render(&AdminListPage { c: &ctx, rows })
}

/// Rubric rows shown on the form: what was typed, padded with blanks.
const FORM_ROWS: usize = 6;

pub struct RubricRow {
    pub n: usize,
    pub name_zh: String,
    pub name_en: String,
    pub guidance_zh: String,
    pub guidance_en: String,
    pub weight: String,
    pub max: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/call_form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    action: String,
    form: CallForm,
    errors: FormErrors,
    funds: Vec<Choice>,
    focus: Vec<Choice>,
    jurisdictions: Vec<Choice>,
    rubric: Vec<RubricRow>,
}

impl FormPage<'_> {
    /// "New call" while it is created, "Edit the call" after.
    fn heading(&self) -> &'static str {
        // An existing call's form posts to its own `…/edit`.
        if self.action.ends_with("/edit") {
            "call-edit-title"
        } else {
            "call-new"
        }
    }

    fn checked(&self, flag: &Option<String>) -> bool {
        flag.is_some()
    }

    /// The component rows as typed, always `MAX_COMPONENTS` of them: (n, zh, en, weight).
    fn components(&self) -> Vec<(usize, String, String, String)> {
        let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
        (0..MAX_COMPONENTS)
            .map(|i| {
                (
                    i + 1,
                    cell(&self.form.comp_name_zh, i),
                    cell(&self.form.comp_name_en, i),
                    cell(&self.form.comp_weight, i),
                )
            })
            .collect()
    }
}

fn rubric_rows(form: &CallForm, errors: &FormErrors) -> Vec<RubricRow> {
    let cell = |v: &Vec<String>, i: usize| v.get(i).cloned().unwrap_or_default();
    let typed = form
        .crit_name_zh
        .len()
        .max(form.crit_name_en.len())
        .max(form.crit_weight.len());
    (0..typed.clamp(FORM_ROWS, MAX_CRITERIA))
        .map(|i| RubricRow {
            n: i + 1,
            name_zh: cell(&form.crit_name_zh, i),
            name_en: cell(&form.crit_name_en, i),
            guidance_zh: cell(&form.crit_guidance_zh, i),
            guidance_en: cell(&form.crit_guidance_en, i),
            weight: cell(&form.crit_weight, i),
            max: cell(&form.crit_max, i),
            error: errors
                .get(&format!("criterion-{}", i + 1))
                .map(str::to_string),
        })
        .collect()
}

async fn form_page(
    ctx: &Ctx,
    state: &AppState,
    action: String,
    form: CallForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let funds = funds::all(&mut conn)
        .await?
        .into_iter()
        .map(|f| Choice {
            value: f.id.to_string(),
            label: format!("{} ({})", ctx.pick(&f.name_zh, &f.name_en), f.currency),
        })
        .collect();
    let focus = focus_areas::all(&mut conn)
        .await?
        .into_iter()
        .filter(|a| a.active)
        .map(|a| Choice {
            label: a.name(ctx.lang).to_string(),
            value: a.code,
        })
        .collect();
    let jurisdictions = Jurisdiction::ALL
        .iter()
        .map(|j| Choice {
            value: j.code().into(),
            label: ctx.t(&j.label_key()),
        })
        .collect();
    let page = FormPage {
        c: ctx,
        action,
        rubric: rubric_rows(&form, &errors),
        form,
        errors,
        funds,
        focus,
        jurisdictions,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn new_form(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageCalls)?;
    let form = CallForm {
        verified_required: Some("on".into()),
        no_debarred: Some("on".into()),
        min_registered_months: "12".into(),
        max_duration_months: "24".into(),
        ..Default::default()
    };
    form_page(
        &ctx,
        &state,
        "/admin/calls".into(),
        form,
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<CallForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageCalls)?;
    after_form(
        service::create(&state, &actor, &form, &ctx.origin).await,
        |id| {
            see_other_with_flash(
                &format!("/calls/{id}"),
                "flash-call-saved",
                state.config.cookie_secure,
            )
        },
        |errors| form_page(&ctx, &state, "/admin/calls".into(), form, errors),
    )
    .await
}

fn form_of(
    call: &Call,
    focus: Vec<String>,
    criteria: &[Criterion],
    review: &ReviewSettings,
) -> CallForm {
    let on = |b: bool| b.then(|| "on".to_string());
    let opt = |v: Option<String>| v.unwrap_or_default();
    CallForm {
        fund_id: call.fund_id.to_string(),
        title_zh: call.title_zh.clone(),
        title_hans: call.title_hans.clone(),
        title_en: call.title_en.clone(),
        description_zh: call.description_zh.clone(),
        description_hans: call.description_hans.clone(),
        description_en: call.description_en.clone(),
        focus,
        opens_at: to_bay_area_input(call.opens_at),
        closes_at: to_bay_area_input(call.closes_at),
        budget: format_amount(call.budget),
        min_request: format_amount(call.min_request),
        max_request: format_amount(call.max_request),
        max_duration_months: call.max_duration_months.to_string(),
        joint_required: on(call.rule_joint_required),
        lead_jurisdictions: call
            .lead_jurisdictions()
            .iter()
            .map(|j| j.code().to_string())
            .collect(),
        verified_required: on(call.rule_verified_required),
        whitelist_required: on(call.rule_whitelist_required),
        min_registered_months: opt(call.rule_min_registered_months.map(|m| m.to_string())),
        min_matching_percent: opt(call
            .rule_min_matching_percent
            .map(|p| p.normalize().to_string())),
        max_overhead_percent: opt(call
            .rule_max_overhead_percent
            .map(|p| p.normalize().to_string())),
        max_applications_per_lead: opt(call.rule_max_applications_per_lead.map(|m| m.to_string())),
        no_debarred: on(call.rule_no_debarred),
        declaration_required: on(call.rule_declaration_required),
        anonymise_reviews: on(call.anonymise_reviews),
        rate_cny: call.rate_cny.normalize().to_string(),
        rate_hkd: call.rate_hkd.normalize().to_string(),
        rate_mop: call.rate_mop.normalize().to_string(),
        crit_name_zh: criteria.iter().map(|k| k.name_zh.clone()).collect(),
        crit_name_en: criteria.iter().map(|k| k.name_en.clone()).collect(),
        crit_guidance_zh: criteria.iter().map(|k| k.guidance_zh.clone()).collect(),
        crit_guidance_en: criteria.iter().map(|k| k.guidance_en.clone()).collect(),
        crit_weight: criteria.iter().map(|k| k.weight.to_string()).collect(),
        crit_max: criteria.iter().map(|k| k.max_score.to_string()).collect(),
        blind_review: on(review.blind),
        show_peer_scores: on(review.show_peer_scores),
        evaluations: on(review.evaluations),
        review_days: review.review_days.to_string(),
        comp_name_zh: review
            .components
            .iter()
            .map(|k| k.name_zh.clone())
            .collect(),
        comp_name_en: review
            .components
            .iter()
            .map(|k| k.name_en.clone())
            .collect(),
        comp_weight: review
            .components
            .iter()
            .map(|k| k.weight.to_string())
            .collect(),
    }
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageCalls)?;
    let id: CallId = path.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    let call = calls::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if call.state() != CallState::Draft {
        return Err(AppError::Conflict("err-call-frozen"));
    }
    let form = form_of(
        &call,
        calls::focus(&mut conn, id).await?,
        &calls::criteria(&mut conn, id).await?,
        &calls::review_settings(&mut conn, id).await?,
    );
    drop(conn);
    form_page(
        &ctx,
        &state,
        format!("/admin/calls/{id}/edit"),
        form,
        FormErrors::default(),
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<CallForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageCalls)?;
    let id: CallId = path.parse().map_err(|_| AppError::NotFound)?;
    after_form(
        service::update(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                &format!("/calls/{id}"),
                "flash-call-saved",
                state.config.cookie_secure,
            )
        },
        |errors| {
            form_page(
                &ctx,
                &state,
                format!("/admin/calls/{id}/edit"),
                form,
                errors,
            )
        },
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StateForm {
    to: String,
}

pub async fn change_state(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<StateForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageCalls)?;
    let id: CallId = path.parse().map_err(|_| AppError::NotFound)?;
    service::transition(&state, &actor, id, &form.to, &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/calls/{id}"),
        "flash-call-state",
        state.config.cookie_secure,
    ))
}
