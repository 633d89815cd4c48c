//! Applications: the dashboard, the draft with its sections, the partner's
//! answer, uploads and downloads, submission.

use actix_web::http::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::charts::{Chart, Kind, Row as ChartRow};
use super::ctx::{CsrfForm, Ctx, NoFields};
use super::orgs::Choice;
use super::upload::{Upload, read_upload};
use super::{after_form, render, render_invalid, see_other_with_flash, see_other_with_flash_at};
use crate::AppState;
use crate::domain::application::PartnerStatus;
use crate::domain::application::{ApplicationState as State, Category, Line, Source, totals};
use crate::domain::award::Outcome;
use crate::domain::money::{Currency, format_amount, format_money};
use crate::error::{AppError, FormErrors};
use crate::models::applications::{
    self as apps, Application, AttachmentInfo, BudgetLine, Milestone, Partner,
};
use crate::models::organizations::{self as orgs, DirectoryFilter, Organization};
use crate::models::{ApplicationId, CallId, OrganizationId, calls, focus_areas, funds};
use crate::policy::{Actor, AppAction};
use crate::services::applications::{
    self as service, BudgetForm, ContentForm, MAX_ATTACHMENT, MilestoneForm, PartnerAnswer,
    SubmitOutcome,
};

fn actor(ctx: &Ctx) -> Result<Actor, AppError> {
    ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })
}

fn app_id(raw: &str) -> Result<ApplicationId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

// ---- dashboard

pub struct DashboardRow {
    pub id: ApplicationId,
    pub title: String,
    pub lead: String,
    pub state: State,
    pub closes: String,
    pub missing: usize,
}

#[derive(Template)]
#[template(path = "applications/dashboard.html")]
struct DashboardPage<'a> {
    c: &'a Ctx,
    rows: Vec<DashboardRow>,
    invitations: Vec<(ApplicationId, String)>,
}

pub async fn dashboard(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let now = state.clock.now();
    let conn = state.pool.get().await?;
    // Three round trips: the applications and invitations, their calls,
    // then the drafts' checklists (pipelined within each).
    let c: &crate::models::Conn = &conn;
    let (mut c1, mut c2, mut c3) = (c, c, c);
    let (mine, invited) = tokio::try_join!(
        apps::for_user(&mut c1, user.id),
        apps::invitations_for_user(&mut c2, user.id),
    )?;
    let call_ids: Vec<CallId> = mine.iter().map(|(a, _)| a.call_id).collect();
    let calls: std::collections::HashMap<CallId, crate::models::calls::Call> =
        calls::find_many(&mut c3, &call_ids)
            .await?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
    let drafts: Vec<_> = mine
        .iter()
        .filter(|(a, _)| a.state == State::Draft)
        .filter_map(|(a, _)| Some((a.clone(), calls.get(&a.call_id)?.clone())))
        .collect();
    let missing = service::checklist_counts(c, &drafts, now).await?;
    let mut rows = Vec::new();
    for (app, lead) in mine {
        let call = calls.get(&app.call_id).ok_or(AppError::NotFound)?;
        rows.push(DashboardRow {
            id: app.id,
            title: if app.title.is_empty() {
                ctx.t("application-untitled")
            } else {
                app.title.clone()
            },
            lead,
            missing: missing.get(&app.id).copied().unwrap_or_default(),
            state: app.state,
            closes: ctx.when(&call.closes_at),
        });
    }
    let invitations = invited
        .into_iter()
        .map(|(id, _, title)| {
            (
                id,
                if title.is_empty() {
                    format!("#{id}")
                } else {
                    title
                },
            )
        })
        .collect();
    render(&DashboardPage {
        c: &ctx,
        rows,
        invitations,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct StartForm {
    organization_id: String,
}

pub async fn start(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<StartForm>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let call: CallId = path.parse().map_err(|_| AppError::NotFound)?;
    let org: OrganizationId = form
        .organization_id
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let id = service::start(&state, user.id, call, org, &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/applications/{id}"),
        "flash-application-started",
        state.config.cookie_secure,
    ))
}

// ---- the application page

pub struct LineView {
    pub id: i64,
    pub category: String,
    pub organization: String,
    pub amount: String,
    pub source: String,
    pub converted: String,
    pub description: String,
}

pub struct ProblemView {
    pub text: String,
    pub anchor: &'static str,
}

#[derive(Default)]
pub struct Forms {
    pub content: Option<ContentForm>,
    pub content_errors: FormErrors,
    pub budget: BudgetForm,
    pub budget_errors: FormErrors,
    pub milestone: MilestoneForm,
    pub milestone_errors: FormErrors,
    /// The budget line whose form this is (else the form adds one).
    pub editing_line: Option<i64>,
    /// The milestone whose form this is (else the form adds one).
    pub editing_milestone: Option<i64>,
    pub answer: PartnerAnswer,
    pub answer_errors: FormErrors,
    pub file_errors: FormErrors,
    pub submit_problems: bool,
}

#[derive(Template)]
#[template(path = "applications/show.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    app: Application,
    call_title: String,
    closes: String,
    lead: Organization,
    editable: bool,
    can_edit: bool,
    content: ContentForm,
    focus: Vec<Choice>,
    partners: Vec<Partner>,
    answer_for: Vec<OrganizationId>,
    search: String,
    found: Vec<Organization>,
    lines: Vec<LineView>,
    /// (heading, [(label, amount)])
    totals: Vec<(String, Vec<(String, String)>)>,
    /// Budget by category and by organization, in the fund's currency.
    charts: Vec<Chart>,
    team: Vec<Choice>,
    categories: Vec<Choice>,
    currencies: Vec<Choice>,
    sources: Vec<Choice>,
    milestones: Vec<Milestone>,
    tranche_sum: String,
    attachments: Vec<(AttachmentInfo, String)>,
    problems: Vec<ProblemView>,
    forms: Forms,
    max_mib: usize,
    /// The published decision, with the reviewers' comments.
    decision: Option<DecisionView>,
}

pub struct DecisionView {
    pub outcome: Outcome,
    pub amount: String,
    pub conditions: String,
    pub rationale: String,
    pub comments: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct ShowQuery {
    partner_q: String,
    /// A budget line or milestone to change in place: its form, filled in.
    edit_line: String,
    edit_milestone: String,
}

pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ShowQuery>,
) -> Result<HttpResponse, AppError> {
    let forms = Forms {
        editing_line: q.edit_line.parse().ok(),
        editing_milestone: q.edit_milestone.parse().ok(),
        ..Forms::default()
    };
    show_page(&ctx, &state, app_id(&path)?, &q.partner_q, forms).await
}

/// A partner's name, marked while its answer to the invitation is awaited
/// (or after it declined).
fn pending_mark(ctx: &Ctx, status: PartnerStatus, name: String) -> String {
    match status {
        PartnerStatus::Accepted => name,
        PartnerStatus::Invited => ctx.t_with("budget-org-pending", &[("org", name)]),
        PartnerStatus::Declined => ctx.t_with("budget-org-declined", &[("org", name)]),
    }
}

async fn show_page(
    ctx: &Ctx,
    state: &AppState,
    id: ApplicationId,
    search: &str,
    forms: Forms,
) -> Result<HttpResponse, AppError> {
    let actor = actor(ctx)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let access = service::access(&mut conn, &actor, id, AppAction::View).await?;
    let app = access.app;
    let call = calls::find(&mut conn, app.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let fund = funds::find(&mut conn, call.fund_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let base = fund.currency;
    let lead = orgs::find(&mut conn, app.lead_org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let partners = apps::partners(&mut conn, id).await?;
    let draft = app.state == State::Draft;
    let editable = draft && access.can_edit;
    let name_of = |org: OrganizationId| -> String {
        if org == lead.id {
            ctx.pick(&lead.name_zh, &lead.name_en)
        } else {
            partners
                .iter()
                .find(|p| p.organization.id == org)
                .map_or_else(
                    || format!("#{org}"),
                    |p| ctx.pick(&p.organization.name_zh, &p.organization.name_en),
                )
        }
    };
    let budget: Vec<BudgetLine> = apps::budget(&mut conn, id).await?;
    let domain_lines: Vec<Line> = budget
        .iter()
        .map(|l| Line {
            category: l.category,
            organization_id: l.organization_id.0,
            currency: l.currency,
            amount: l.amount,
            source: l.source,
        })
        .collect();
    let t = totals(&domain_lines, |c| call.rate(c));
    let lines = budget
        .iter()
        .map(|l| LineView {
            id: l.id,
            category: ctx.label("category", &l.category),
            organization: pending_mark(
                ctx,
                partners
                    .iter()
                    .find(|p| p.organization.id == l.organization_id)
                    .map_or(PartnerStatus::Accepted, |p| p.status),
                name_of(l.organization_id),
            ),
            amount: format!("{} {}", l.currency, format_amount(l.amount)),
            source: ctx.label("source", &l.source),
            converted: format_money(
                crate::domain::money::convert(l.amount, call.rate(l.currency)),
                base,
            ),
            description: l.description.clone(),
        })
        .collect();
    let totals_view = vec![
        (
            ctx.t("budget-by-source"),
            vec![
                (ctx.t("budget-total-grant"), format_money(t.grant, base)),
                (
                    ctx.t("budget-total-matching"),
                    format_money(t.matching, base),
                ),
                (ctx.t("budget-total"), format_money(t.total(), base)),
                (
                    ctx.t("budget-matching-share"),
                    format!("{}%", t.matching_percent().normalize()),
                ),
            ],
        ),
        (
            ctx.t("budget-by-category"),
            t.by_category
                .iter()
                .map(|(cat, amount)| (ctx.label("category", cat), format_money(*amount, base)))
                .collect(),
        ),
        (
            ctx.t("budget-by-currency"),
            t.by_currency
                .iter()
                .map(|(cur, amount)| {
                    (
                        ctx.t_with(
                            "budget-in-currency",
                            &[("currency", cur.code().to_string())],
                        ),
                        format!("{} {}", cur.code(), format_amount(*amount)),
                    )
                })
                .collect(),
        ),
        (
            ctx.t("budget-by-organization"),
            t.by_organization
                .iter()
                .map(|(org, amount)| (name_of(OrganizationId(*org)), format_money(*amount, base)))
                .collect(),
        ),
    ];
    let charts = budget_charts(ctx, base, &domain_lines, |c| call.rate(c), &name_of);
    let milestones = apps::milestones(&mut conn, id).await?;
    let tranche_sum: rust_decimal::Decimal = milestones.iter().map(|m| m.tranche_percent).sum();
    // A line or milestone being changed: its form holds what it says now,
    // unless the form comes back with errors (what was typed stays).
    let mut forms = forms;
    forms.editing_line = forms
        .editing_line
        .filter(|l| editable && budget.iter().any(|b| b.id == *l));
    if let Some(l) = budget.iter().find(|b| Some(b.id) == forms.editing_line)
        && forms.budget_errors.is_empty()
    {
        forms.budget = BudgetForm {
            category: l.category.code().to_string(),
            organization_id: l.organization_id.to_string(),
            currency: l.currency.code().to_string(),
            amount: l.amount.to_string(),
            source: l.source.code().to_string(),
            description: l.description.clone(),
        };
    }
    forms.editing_milestone = forms
        .editing_milestone
        .filter(|m| editable && milestones.iter().any(|x| x.id == *m));
    if let Some(m) = milestones
        .iter()
        .find(|m| Some(m.id) == forms.editing_milestone)
        && forms.milestone_errors.is_empty()
    {
        forms.milestone = MilestoneForm {
            month_due: m.month_due.to_string(),
            deliverables: m.deliverables.clone(),
            tranche_percent: m.tranche_percent.normalize().to_string(),
        };
    }
    let problems = if draft {
        service::checklist(&mut conn, &app, now)
            .await?
            .iter()
            .map(|p| ProblemView {
                text: service::describe(ctx.lang, p),
                anchor: p.anchor,
            })
            .collect()
    } else {
        Vec::new()
    };
    let found = if editable && !search.trim().is_empty() {
        let filter = DirectoryFilter {
            text: Some(crate::domain::search::Query::parse(search)),
            verified_only: true,
            ..Default::default()
        };
        orgs::search(&mut conn, &filter, None, 10)
            .await?
            .into_iter()
            .filter(|o| o.id != lead.id)
            .collect()
    } else {
        Vec::new()
    };
    let areas = focus_areas::all(&mut conn).await?;
    let answer_for = partners
        .iter()
        .filter(|p| {
            p.status == PartnerStatus::Invited
                && access.owned_partner_orgs.contains(&p.organization.id)
        })
        .map(|p| p.organization.id)
        .collect();
    let mut team = vec![Choice {
        value: lead.id.to_string(),
        label: ctx.pick(&lead.name_zh, &lead.name_en),
    }];
    // An invited partner's lines may be drafted before it answers: marked
    // as pending, here and in the table.
    team.extend(
        partners
            .iter()
            .filter(|p| p.status != PartnerStatus::Declined)
            .map(|p| Choice {
                value: p.organization.id.to_string(),
                label: pending_mark(ctx, p.status, name_of(p.organization.id)),
            }),
    );
    let content = forms.content.clone().unwrap_or_else(|| ContentForm {
        title: app.title.clone(),
        summary: app.summary.clone(),
        need: app.need.clone(),
        approach: app.approach.clone(),
        outcomes: app.outcomes.clone(),
        beneficiaries: app.beneficiaries.clone(),
        duration_months: app
            .duration_months
            .map(|d| d.to_string())
            .unwrap_or_default(),
        focus: app.focus.iter().flatten().cloned().collect(),
        declaration: app.declaration.then(|| "on".to_string()),
    });
    // Applicants learn nothing of the decision before it is published.
    let decision = match crate::models::decisions::find(&mut conn, app.id).await? {
        Some(d) if d.published_at.is_some() => Some(DecisionView {
            amount: d
                .amount
                .map(|a| crate::domain::money::format_money(a, base))
                .unwrap_or_default(),
            comments: crate::services::decisions::comments_for_applicant(
                &mut conn,
                app.id,
                call.anonymise_reviews,
                ctx.lang,
            )
            .await?,
            outcome: d.outcome,
            conditions: d.conditions,
            rationale: d.rationale,
        }),
        _ => None,
    };
    let page = ShowPage {
        decision,
        c: ctx,
        call_title: ctx.call_text(&call.title_zh, &call.title_hans, &call.title_en),
        closes: ctx.when(&call.closes_at),
        lead,
        editable,
        can_edit: access.can_edit,
        content,
        focus: areas
            .iter()
            .filter(|a| a.active)
            .map(|a| Choice {
                value: a.code.clone(),
                label: a.name(ctx.lang).to_string(),
            })
            .collect(),
        partners,
        answer_for,
        search: search.to_string(),
        found,
        lines,
        totals: totals_view,
        charts,
        team,
        categories: Category::ALL
            .iter()
            .map(|c| Choice {
                value: c.to_string(),
                label: ctx.label("category", c),
            })
            .collect(),
        currencies: Currency::ALL
            .iter()
            .map(|c| Choice {
                value: c.code().into(),
                label: c.code().into(),
            })
            .collect(),
        sources: Source::ALL
            .iter()
            .map(|s| Choice {
                value: s.to_string(),
                label: ctx.label("source", s),
            })
            .collect(),
        milestones,
        tranche_sum: tranche_sum.normalize().to_string(),
        attachments: apps::attachments(&mut conn, id).await?,
        problems,
        max_mib: MAX_ATTACHMENT / (1024 * 1024),
        app,
        forms,
    };
    let invalid = !page.forms.content_errors.is_empty()
        || !page.forms.budget_errors.is_empty()
        || !page.forms.milestone_errors.is_empty()
        || !page.forms.answer_errors.is_empty()
        || !page.forms.file_errors.is_empty()
        || page.forms.submit_problems;
    if invalid {
        render_invalid(&page)
    } else {
        render(&page)
    }
}

/// The budget by category and by organization, grant request and matching
/// funds stacked, converted to the fund's currency line by line with the
/// call's rates: the same figures as the totals beside them.
fn budget_charts(
    ctx: &Ctx,
    base: Currency,
    lines: &[Line],
    rate: impl Fn(Currency) -> rust_decimal::Decimal + Copy,
    name_of: &dyn Fn(OrganizationId) -> String,
) -> Vec<Chart> {
    let of_source = |source: Source| -> Vec<Line> {
        lines
            .iter()
            .filter(|l| l.source == source)
            .cloned()
            .collect()
    };
    let all = totals(lines, rate);
    let grant = totals(&of_source(Source::Grant), rate);
    let matching = totals(&of_source(Source::Matching), rate);
    let find = |v: &[(Category, rust_decimal::Decimal)], k: &Category| {
        v.iter()
            .find(|(c, _)| c == k)
            .map(|(_, a)| *a)
            .unwrap_or_default()
    };
    let find_org = |v: &[(i64, rust_decimal::Decimal)], k: i64| {
        v.iter()
            .find(|(o, _)| *o == k)
            .map(|(_, a)| *a)
            .unwrap_or_default()
    };
    let currency = [("currency", base.code().to_string())];
    let chart = |id, title: &str, desc: &str, heading: &str, rows| Chart {
        id,
        kind: Kind::Stacked,
        title: ctx.t_with(title, &currency),
        desc: ctx.t(desc),
        row_heading: ctx.t(heading),
        series: vec![ctx.t("source-grant"), ctx.t("source-matching")],
        rows,
        total_heading: ctx.t("budget-total"),
        empty: ctx.t("chart-empty"),
        format: format_amount,
    };
    vec![
        chart(
            "chart-budget-category",
            "chart-budget-category",
            "chart-budget-category-desc",
            "budget-category",
            all.by_category
                .iter()
                .map(|(cat, _)| ChartRow {
                    label: ctx.label("category", cat),
                    values: vec![
                        find(&grant.by_category, cat),
                        find(&matching.by_category, cat),
                    ],
                })
                .collect(),
        ),
        chart(
            "chart-budget-organization",
            "chart-budget-organization",
            "chart-budget-organization-desc",
            "budget-organization",
            all.by_organization
                .iter()
                .map(|(org, _)| ChartRow {
                    label: name_of(OrganizationId(*org)),
                    values: vec![
                        find_org(&grant.by_organization, *org),
                        find_org(&matching.by_organization, *org),
                    ],
                })
                .collect(),
        ),
    ]
}

impl ShowPage<'_> {
    fn checked(&self, flag: &Option<String>) -> bool {
        flag.is_some()
    }
}

/// After a section's form: back to the section, or the page again with the
/// section's errors and what was typed.
async fn after_section(
    ctx: &Ctx,
    state: &AppState,
    id: ApplicationId,
    result: Result<(), AppError>,
    anchor: &str,
    flash: &str,
    on_invalid: impl FnOnce(FormErrors) -> Forms,
) -> Result<HttpResponse, AppError> {
    match result {
        Ok(()) => Ok(back(state, id, anchor, flash)),
        Err(AppError::Invalid(e)) => show_page(ctx, state, id, "", on_invalid(e)).await,
        Err(e) => Err(e),
    }
}

/// Removes a part of the draft and goes back to its section.
async fn remove(
    ctx: &Ctx,
    state: &AppState,
    id: ApplicationId,
    part: service::Part,
    anchor: &str,
) -> Result<HttpResponse, AppError> {
    service::remove_part(state, &actor(ctx)?, id, part, &ctx.origin).await?;
    Ok(back(state, id, anchor, "flash-saved"))
}

fn child_id(raw: &str) -> Result<i64, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

fn back(state: &AppState, id: ApplicationId, anchor: &str, flash: &str) -> HttpResponse {
    see_other_with_flash_at(
        &format!("/applications/{id}"),
        anchor,
        flash,
        state.config.cookie_secure,
    )
}

pub async fn save_content(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ContentForm>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    let result = service::save_content(&state, &actor(&ctx)?, id, &form, &ctx.origin).await;
    after_section(&ctx, &state, id, result, "content", "flash-saved", |e| {
        Forms {
            content: Some(form),
            content_errors: e,
            ..Default::default()
        }
    })
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PartnerPick {
    organization_id: String,
}

pub async fn invite_partner(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<PartnerPick>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    let org: OrganizationId = form
        .organization_id
        .parse()
        .map_err(|_| AppError::NotFound)?;
    service::invite_partner(&state, &actor(&ctx)?, id, org, &ctx.origin).await?;
    Ok(back(&state, id, "partners", "flash-partner-invited"))
}

pub async fn remove_partner(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let org = OrganizationId(child_id(&path.1)?);
    remove(
        &ctx,
        &state,
        app_id(&path.0)?,
        service::Part::Partner(org),
        "partners",
    )
    .await
}

pub async fn answer_partner(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<PartnerAnswer>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path.0)?;
    let org = OrganizationId(child_id(&path.1)?);
    let result = service::answer_partner(&state, &actor(&ctx)?, id, org, &form, &ctx.origin).await;
    after_section(
        &ctx,
        &state,
        id,
        result,
        "partners",
        "flash-partner-answered",
        |e| Forms {
            answer: form,
            answer_errors: e,
            ..Default::default()
        },
    )
    .await
}

pub async fn add_budget_line(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<BudgetForm>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    let result = service::add_budget_line(&state, &actor(&ctx)?, id, &form, &ctx.origin).await;
    after_section(&ctx, &state, id, result, "budget", "flash-saved", |e| {
        Forms {
            budget: form,
            budget_errors: e,
            ..Default::default()
        }
    })
    .await
}

pub async fn change_budget_line(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<BudgetForm>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path.0)?;
    let line = child_id(&path.1)?;
    let result =
        service::change_budget_line(&state, &actor(&ctx)?, id, line, &form, &ctx.origin).await;
    after_section(&ctx, &state, id, result, "budget", "flash-saved", |e| {
        Forms {
            budget: form,
            budget_errors: e,
            editing_line: Some(line),
            ..Default::default()
        }
    })
    .await
}

pub async fn delete_budget_line(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let line = child_id(&path.1)?;
    remove(
        &ctx,
        &state,
        app_id(&path.0)?,
        service::Part::BudgetLine(line),
        "budget",
    )
    .await
}

pub async fn add_milestone(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    let result = service::add_milestone(&state, &actor(&ctx)?, id, &form, &ctx.origin).await;
    after_section(&ctx, &state, id, result, "milestones", "flash-saved", |e| {
        Forms {
            milestone: form,
            milestone_errors: e,
            ..Default::default()
        }
    })
    .await
}

pub async fn change_milestone(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<MilestoneForm>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path.0)?;
    let m = child_id(&path.1)?;
    let result = service::change_milestone(&state, &actor(&ctx)?, id, m, &form, &ctx.origin).await;
    after_section(&ctx, &state, id, result, "milestones", "flash-saved", |e| {
        Forms {
            milestone: form,
            milestone_errors: e,
            editing_milestone: Some(m),
            ..Default::default()
        }
    })
    .await
}

pub async fn delete_milestone(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let m = child_id(&path.1)?;
    remove(
        &ctx,
        &state,
        app_id(&path.0)?,
        service::Part::Milestone(m),
        "milestones",
    )
    .await
}

pub async fn upload(
    ctx: Ctx,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    let actor = actor(&ctx)?;
    service::may_add_attachment(&state, &actor, id).await?;
    let (name, data) = match read_upload(&ctx, &req, payload).await? {
        Upload::File(name, data) => (name, data),
        Upload::TooLarge => {
            return show_page(
                &ctx,
                &state,
                id,
                "",
                Forms {
                    file_errors: single("file", "err-file-too-large"),
                    ..Default::default()
                },
            )
            .await
            .map(|mut r| {
                *r.status_mut() = actix_web::http::StatusCode::PAYLOAD_TOO_LARGE;
                r
            });
        }
    };
    after_form(
        service::add_attachment(&state, &actor, id, &name, data, &ctx.origin).await,
        |()| back(&state, id, "attachments", "flash-file-uploaded"),
        |e| {
            show_page(
                &ctx,
                &state,
                id,
                "",
                Forms {
                    file_errors: e,
                    ..Default::default()
                },
            )
        },
    )
    .await
}

fn single(field: &'static str, key: &str) -> FormErrors {
    let mut e = FormErrors::default();
    e.add(field, key);
    e
}

pub async fn download(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path.0)?;
    let attachment: i64 = path.1.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    service::access(&mut conn, &actor(&ctx)?, id, AppAction::View).await?;
    let (name, content_type, data) = apps::attachment_data(&mut conn, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(attachment_response(&name, content_type, data))
}

/// A stored file as a download, its name safe in the header.
pub(crate) fn attachment_response(name: &str, content_type: String, data: Vec<u8>) -> HttpResponse {
    let encoded: String = url::form_urlencoded::byte_serialize(name.as_bytes())
        .collect::<String>()
        .replace('+', "%20");
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || ".-_".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, content_type))
        .insert_header((
            CONTENT_DISPOSITION,
            format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}"),
        ))
        .insert_header((CACHE_CONTROL, "private, no-store"))
        .body(data)
}

pub async fn delete_attachment(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let a = child_id(&path.1)?;
    remove(
        &ctx,
        &state,
        app_id(&path.0)?,
        service::Part::Attachment(a),
        "attachments",
    )
    .await
}

pub async fn submit(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _f: CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    match service::submit(&state, &actor(&ctx)?, id, &ctx.origin).await? {
        SubmitOutcome::Submitted => Ok(back(&state, id, "top", "flash-submitted")),
        SubmitOutcome::Problems(_) => {
            show_page(
                &ctx,
                &state,
                id,
                "",
                Forms {
                    submit_problems: true,
                    ..Default::default()
                },
            )
            .await
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct TakeBack {
    to: String,
    /// `yes` once the person has read what withdrawing means.
    confirmed: String,
}

pub async fn take_back(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<TakeBack>,
) -> Result<HttpResponse, AppError> {
    let id = app_id(&path)?;
    let to = State::from_code(&form.to);
    let confirmed = super::confirm::given(&form.confirmed);
    match service::take_back(&state, &actor(&ctx)?, id, to, confirmed, &ctx.origin).await {
        Err(AppError::Unconfirmed) => {
            return super::confirm::ConfirmPage {
                c: &ctx,
                title: ctx.t("confirm-withdraw-title"),
                consequences: vec![
                    ctx.t("confirm-withdraw-what"),
                    ctx.t("confirm-withdraw-instead"),
                ],
                action: format!("/applications/{id}/state"),
                fields: vec![("to", form.to.clone())],
                confirm: ctx.t("application-withdraw"),
                back: format!("/applications/{id}"),
                back_label: ctx.t("confirm-keep-application"),
            }
            .respond();
        }
        outcome => outcome?,
    }
    Ok(back(
        &state,
        id,
        "top",
        if to == Some(State::Draft) {
            "flash-back-to-draft"
        } else {
            "flash-withdrawn"
        },
    ))
}

// ---- the admins' list of every submitted application

const ADMIN_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AdminQuery {
    q: String,
    call: String,
    state: String,
    city: String,
    sort: String,
    after: Option<i64>,
    /// With `after` in the "recently changed" order: the row's `updated_at`
    /// in microseconds since 1970.
    at: Option<i64>,
}

pub struct AdminRow {
    id: ApplicationId,
    title: String,
    state: State,
    updated: String,
    call_title: String,
    lead: String,
    place: String,
}

#[derive(Template)]
#[template(path = "admin/applications.html")]
struct AdminListPage<'a> {
    c: &'a Ctx,
    q: &'a AdminQuery,
    order: crate::models::applications::ListOrder,
    orders: &'static [crate::models::applications::ListOrder],
    rows: Vec<AdminRow>,
    states: Vec<Choice>,
    cities: Vec<Choice>,
    next_link: Option<String>,
}

pub async fn admin_list(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<AdminQuery>,
) -> Result<HttpResponse, AppError> {
    use crate::domain::organization::City;
    use crate::models::applications::{ListFilter, ListOrder, admin_page};
    ctx.require(crate::policy::Permission::ManageReview)?;
    let text = crate::domain::search::Query::parse(&query.q);
    let filter = ListFilter {
        text: (!text.is_empty()).then_some(text),
        call: query.call.trim().parse().ok().map(CallId),
        state: State::from_code(&query.state).filter(|s| *s != State::Draft),
        city: City::from_code(&query.city),
        order: ListOrder::from_code(&query.sort).unwrap_or(ListOrder::Updated),
        after: query.after.map(ApplicationId),
        after_updated: query
            .at
            .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_micros),
        limit: ADMIN_PAGE + 1,
    };
    let conn = state.pool.get().await?;
    let mut found = admin_page(&conn, &filter).await?;
    let more = found.len() as i64 > ADMIN_PAGE;
    found.truncate(ADMIN_PAGE as usize);
    let next_link = match (more, found.last()) {
        (true, Some(last)) => Some(format!(
            "/admin/applications?q={}&call={}&state={}&city={}&sort={}&after={}&at={}",
            super::url_encode(&query.q),
            super::url_encode(&query.call),
            super::url_encode(&query.state),
            super::url_encode(&query.city),
            super::url_encode(&query.sort),
            last.id,
            last.updated_at.timestamp_micros()
        )),
        _ => None,
    };
    let rows = found
        .into_iter()
        .map(|r| AdminRow {
            id: r.id,
            title: if r.title.is_empty() {
                ctx.t("application-untitled")
            } else {
                ctx.own(&r.title)
            },
            state: r.state,
            updated: ctx.when(&r.updated_at),
            call_title: ctx.pick(&r.call_title_zh, &r.call_title_en),
            lead: ctx.pick(&r.lead_zh, &r.lead_en),
            place: match r.city {
                Some(city) => ctx.t(&format!("city-{city}")),
                None => ctx.t(&format!("jurisdiction-{}", r.jurisdiction)),
            },
        })
        .collect();
    let states: Vec<State> = State::ALL
        .into_iter()
        .filter(|s| *s != State::Draft)
        .collect();
    render(&AdminListPage {
        c: &ctx,
        q: &query,
        order: filter.order,
        orders: &crate::models::applications::ListOrder::ALL,
        rows,
        states: super::orgs::choices(&ctx, &states, State::code, "appstate"),
        cities: super::orgs::choices(&ctx, &City::ALL, City::code, "city"),
        next_link,
    })
}
