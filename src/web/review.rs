//! Review: the admins' panel and assignment page, the reviewer's home, and
//! one review.

use actix_web::{HttpResponse, web};
use askama::Template;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::charts::{Chart, Kind, Row as ChartRow, bin_labels, histogram};
use super::ctx::{CsrfForm, Ctx};
use super::{after_form, render, render_form, see_other_with_flash, see_other_with_flash_at};
use crate::AppState;
use crate::domain::assignment::{Plan, Shortfall};
use crate::domain::call::CallState;
use crate::domain::code::codes;
use crate::domain::organization::Jurisdiction;
use crate::domain::scoring::ReviewState;
use crate::error::{AppError, FormErrors};
use crate::models::reviews::{self, PanelMember, Review};
use crate::models::{ApplicationId, CallId, OrganizationId, ReviewId, UserId, applications, calls};
use crate::policy::Permission;
use crate::services::review::{self as service, AffiliationForm, Declaration, PanelForm};

fn call_id(raw: &str) -> Result<CallId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

// ---- admins

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PreviewQuery {
    k: Option<usize>,
    seed: Option<u64>,
}

pub struct PlanRow {
    pub application: String,
    pub reviewers: Vec<String>,
    pub shortfall: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/review.html")]
struct AdminPage<'a> {
    c: &'a Ctx,
    call: i64,
    title: String,
    state: CallState,
    panel: Vec<PanelMember>,
    /// Invited by email, no account yet: (email, base).
    invitations: Vec<(String, Jurisdiction)>,
    rows: Vec<service::AssignmentRow>,
    panel_form: PanelForm,
    errors: FormErrors,
    k: usize,
    seed: u64,
    preview: Option<Vec<PlanRow>>,
}

async fn admin_page(
    ctx: &Ctx,
    state: &AppState,
    id: CallId,
    panel_form: PanelForm,
    errors: FormErrors,
    preview: Option<(usize, u64)>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageReview)?;
    let mut conn = state.pool.get().await?;
    let call = calls::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let panel = reviews::panel(&mut conn, id).await?;
    let rows = service::board_of_assignments(&mut conn, id).await?;
    let (k, seed) = preview.unwrap_or((3, 1));
    let preview = match preview {
        Some((k, seed)) => Some(plan_rows(
            ctx,
            &service::plan(&mut conn, id, k, seed).await?,
            &panel,
            &rows,
        )),
        None => None,
    };
    let invitations = reviews::pending_invitations(&mut conn, id).await?;
    let page = AdminPage {
        invitations,
        c: ctx,
        call: id.0,
        title: ctx.call_text(&call.title_zh, &call.title_hans, &call.title_en),
        state: call.state,
        panel,
        rows,
        panel_form,
        errors,
        k,
        seed,
        preview,
    };
    render_form(&page, page.errors.is_empty())
}

fn plan_rows(
    ctx: &Ctx,
    plan: &Plan,
    panel: &[PanelMember],
    apps: &[service::AssignmentRow],
) -> Vec<PlanRow> {
    let name = |id: i64| {
        panel
            .iter()
            .find(|m| m.user_id.0 == id)
            .map_or_else(|| format!("#{id}"), |m| m.name.clone())
    };
    plan.assignments
        .iter()
        .map(|(app, reviewers)| PlanRow {
            application: apps
                .iter()
                .find(|a| a.application.0 == *app)
                .map_or_else(|| format!("#{app}"), |a| a.title.clone()),
            reviewers: reviewers.iter().map(|r| name(*r)).collect(),
            shortfall: plan
                .shortfalls
                .iter()
                .find(|(a, _)| a == app)
                .map(|(_, s)| match s {
                    Shortfall::NotEnoughReviewers { eligible } => {
                        ctx.t_with("shortfall-reviewers", &[("eligible", eligible.to_string())])
                    }
                    Shortfall::NoDiversity => ctx.t("shortfall-diversity"),
                }),
        })
        .collect()
}

pub async fn admin(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<PreviewQuery>,
) -> Result<HttpResponse, AppError> {
    let preview = q.k.map(|k| (k.clamp(1, 10), q.seed.unwrap_or(1)));
    admin_page(
        &ctx,
        &state,
        call_id(&path)?,
        PanelForm {
            base: "mainland".into(),
            ..Default::default()
        },
        FormErrors::default(),
        preview,
    )
    .await
}

pub async fn add_panel_member(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<PanelForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id = call_id(&path)?;
    after_form(
        service::add_panel_member(&state, &actor, id, &form, ctx.lang, &ctx.origin).await,
        |outcome| {
            see_other_with_flash(
                &format!("/admin/calls/{id}/review"),
                match outcome {
                    service::PanelOutcome::Added => "flash-saved",
                    service::PanelOutcome::Invited => "flash-panel-invited",
                },
                state.config.cookie_secure,
            )
        },
        |e| admin_page(&ctx, &state, id, form, e, None),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AssignForm {
    application_id: String,
    reviewer_id: String,
}

pub async fn assign(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<AssignForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id = call_id(&path)?;
    let app: ApplicationId = form
        .application_id
        .parse()
        .map_err(|_| AppError::NotFound)?;
    let reviewer: UserId = form.reviewer_id.parse().map_err(|_| AppError::NotFound)?;
    service::assign(&state, &actor, id, app, reviewer, &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/admin/calls/{id}/review"),
        "flash-saved",
        state.config.cookie_secure,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AutoForm {
    k: String,
    seed: String,
}

pub async fn auto_assign(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<AutoForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id = call_id(&path)?;
    let k: usize = form.k.trim().parse().map_err(|_| AppError::BadRequest)?;
    let seed: u64 = form.seed.trim().parse().map_err(|_| AppError::BadRequest)?;
    service::auto_assign(&state, &actor, id, k, seed, &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/admin/calls/{id}/review"),
        "flash-assigned",
        state.config.cookie_secure,
    ))
}

// ---- reviewers

#[derive(Template)]
#[template(path = "reviewer/home.html")]
struct HomePage<'a> {
    c: &'a Ctx,
    /// What the reviews were searched for.
    q: String,
    /// Reviews to do, in the order assigned; the next page's link.
    reviews: Vec<(Review, String)>,
    next_link: Option<String>,
    /// Reviews done, latest first, a page at a time; the next page's link.
    done: Vec<(Review, String)>,
    done_link: Option<String>,
    affiliations: Vec<(OrganizationId, String, String)>,
    /// The name searched for, and the organizations found by it:
    /// (id, name, place, registration number).
    org_q: String,
    found: Vec<(OrganizationId, String, String, String)>,
    form: AffiliationForm,
    errors: FormErrors,
}

/// Reviews to do per page of the reviewer's queue; done ones shown.
const QUEUE_PAGE: i64 = 50;
const DONE_SHOWN: i64 = 20;
/// Organizations listed for a name searched on the reviewer's page.
const ORGS_FOUND: i64 = 20;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct QueueQuery {
    /// Words of the applications, their organizations, or a number.
    q: String,
    after: Option<i64>,
    /// The last done review of the previous page of done ones.
    done_after: Option<i64>,
    /// An organization's name, to record an affiliation with it.
    org_q: String,
}

async fn home_page(
    ctx: &Ctx,
    state: &AppState,
    query: &QueueQuery,
    form: AffiliationForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let text = Some(crate::domain::search::Query::parse(&query.q)).filter(|t| !t.is_empty());
    // The next pages keep the search.
    let searched = match &text {
        Some(t) => format!("&q={}", super::url_encode(&t.text)),
        None => String::new(),
    };
    let mut conn = state.pool.get().await?;
    let mut to_do = reviews::of_reviewer(
        &mut conn,
        user.id,
        true,
        text.as_ref(),
        query.after.map(crate::models::ReviewId),
        QUEUE_PAGE + 1,
    )
    .await?;
    let more = to_do.len() as i64 > QUEUE_PAGE;
    to_do.truncate(QUEUE_PAGE as usize);
    let next_link = match (more, to_do.last()) {
        (true, Some((last, _))) => Some(format!("/reviewer?after={}{searched}", last.id)),
        _ => None,
    };
    let mut done = reviews::of_reviewer(
        &mut conn,
        user.id,
        false,
        text.as_ref(),
        query.done_after.map(crate::models::ReviewId),
        DONE_SHOWN + 1,
    )
    .await?;
    let more_done = done.len() as i64 > DONE_SHOWN;
    done.truncate(DONE_SHOWN as usize);
    let done_link = match (more_done, done.last()) {
        (true, Some((last, _))) => {
            Some(format!("/reviewer?done_after={}{searched}#done-h", last.id))
        }
        _ => None,
    };
    let org_q = query.org_q.trim().to_string();
    let found = if org_q.is_empty() {
        Vec::new()
    } else {
        let filter = crate::models::organizations::DirectoryFilter {
            text: Some(crate::domain::search::Query::parse(&org_q)),
            ..Default::default()
        };
        crate::models::organizations::search(&mut conn, &filter, None, ORGS_FOUND)
            .await?
            .iter()
            .map(|o| {
                (
                    o.id,
                    org_name(ctx, o),
                    super::orgs::place(ctx, o),
                    o.registration_number.clone(),
                )
            })
            .collect()
    };
    let page = HomePage {
        c: ctx,
        q: query.q.trim().to_string(),
        reviews: to_do,
        next_link,
        done,
        done_link,
        affiliations: reviews::affiliations(&mut conn, user.id).await?,
        org_q,
        found,
        form,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn home(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<QueueQuery>,
) -> Result<HttpResponse, AppError> {
    home_page(
        &ctx,
        &state,
        &query,
        AffiliationForm::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn add_affiliation(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<AffiliationForm>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let no_query = QueueQuery::default();
    after_form(
        service::add_affiliation(&state, user.id, &form, &ctx.origin).await,
        |()| see_other_with_flash("/reviewer", "flash-saved", state.config.cookie_secure),
        |e| home_page(&ctx, &state, &no_query, form, e),
    )
    .await
}

pub async fn remove_affiliation(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _f: CsrfForm<super::ctx::NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let org: OrganizationId = path.parse().map_err(|_| AppError::NotFound)?;
    service::remove_affiliation(&state, user.id, org, &ctx.origin).await?;
    Ok(see_other_with_flash(
        "/reviewer",
        "flash-saved",
        state.config.cookie_secure,
    ))
}

/// The application exactly as submitted, laid out for reading.
pub struct SnapshotView {
    pub fields: Vec<(String, String)>,
    pub partners: Vec<String>,
    pub budget: Vec<String>,
    pub grant_request: String,
    pub milestones: Vec<String>,
    /// (attachment id, file name), as submitted.
    pub attachments: Vec<(i64, String)>,
}

/// An organization's name in the reader's language: its English name on
/// English pages where it has one, else its Chinese name.
fn org_name(ctx: &Ctx, o: &crate::models::organizations::Organization) -> String {
    if ctx.lang == crate::i18n::Lang::En && !o.name_en.trim().is_empty() {
        format!("{} ({})", o.name_en, o.name_zh)
    } else {
        ctx.own(&o.name_zh)
    }
}

/// `blind`: organizations appear as "Partner n", without names.
fn snapshot_view(ctx: &Ctx, s: &serde_json::Value, blind: bool) -> SnapshotView {
    // The applicants' own text, in the reader's script.
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(t) => ctx.own(t),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    };
    let list = |key: &str| s[key].as_array().cloned().unwrap_or_default();
    SnapshotView {
        fields: ["summary", "need", "approach", "outcomes", "beneficiaries"]
            .iter()
            .map(|k| (ctx.t(&format!("appfield-{k}")), text(&s[*k])))
            .chain(std::iter::once((
                ctx.t("appfield-duration"),
                text(&s["duration_months"]),
            )))
            .collect(),
        partners: list("partners")
            .iter()
            .enumerate()
            .map(|(n, p)| {
                if blind {
                    return format!(
                        "{} · {} · {}",
                        ctx.t_with("partner-n", &[("n", (n + 1).to_string())]),
                        text(&p["role"]),
                        text(&p["contribution"])
                    );
                }
                format!(
                    "{} ({}) · {} · {}",
                    text(&p["name_zh"]),
                    text(&p["name_en"]),
                    text(&p["role"]),
                    text(&p["contribution"])
                )
            })
            .collect(),
        budget: list("budget")
            .iter()
            .map(|l| {
                format!(
                    "{} · {} {} · {}",
                    ctx.label("category", &text(&l["category"])),
                    text(&l["currency"]),
                    text(&l["amount"]),
                    ctx.label("source", &text(&l["source"]))
                )
            })
            .collect(),
        grant_request: text(&s["grant_request"]),
        milestones: list("milestones")
            .iter()
            .map(|m| {
                format!(
                    "{} {} · {}% · {}",
                    ctx.t("milestone-month"),
                    text(&m["month_due"]),
                    text(&m["tranche_percent"]),
                    text(&m["deliverables"])
                )
            })
            .collect(),
        attachments: list("attachments")
            .iter()
            .filter_map(|a| Some((a["id"].as_i64()?, text(&a["filename"]))))
            .collect(),
    }
}

pub struct ScoreRow {
    pub n: usize,
    pub name: String,
    pub guidance: String,
    pub weight: i32,
    pub max: i32,
    pub value: String,
    pub comment: String,
    pub error: Option<String>,
}

#[derive(Template)]
#[template(path = "reviewer/review.html")]
struct ReviewPage<'a> {
    c: &'a Ctx,
    review: Review,
    title: String,
    snapshot: Option<SnapshotView>,
    rows: Vec<ScoreRow>,
    overall_comment: String,
    recommendation: String,
    errors: FormErrors,
    /// Other reviewers' submitted reviews, once this one is submitted and
    /// if the call allows: (label, weighted score, recommendation).
    peers: Vec<(String, String, String)>,
    /// Blind review: the organizations are not named.
    blind: bool,
    /// Where review is not blind, the organizations on the application,
    /// the lead first: (role, name, place, registration number).
    team: Vec<(String, String, String, String)>,
    /// Where it is blind, the reviewer's recorded affiliations, which the
    /// system checked against the application's organizations.
    affiliations: Vec<String>,
}

pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    review_page(
        &ctx,
        &state,
        path.parse().map_err(|_| AppError::NotFound)?,
        None,
        FormErrors::default(),
    )
    .await
}

async fn review_page(
    ctx: &Ctx,
    state: &AppState,
    id: ReviewId,
    typed: Option<service::ScoreForm>,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let mut conn = state.pool.get().await?;
    let review = service::own_review(&mut conn, &actor, id).await?;
    let app = applications::find(&mut conn, review.application_id)
        .await?
        .ok_or(AppError::NotFound)?;
    // Until the reviewer has declared no conflict, they see the title only.
    let open = matches!(review.state, ReviewState::Draft | ReviewState::Submitted);
    let settings = calls::review_settings(&mut conn, review.call_id).await?;
    let snapshot = if open {
        applications::latest_snapshot(&mut conn, review.application_id)
            .await?
            .map(|s| snapshot_view(ctx, &s, settings.blind))
    } else {
        None
    };
    let saved = reviews::scores(&mut conn, id).await?;
    let criteria = if open {
        service::rubric(&mut conn, review.call_id).await?
    } else {
        Vec::new()
    };
    let rows = criteria
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let stored = saved.iter().find(|s| s.position == i as i32 + 1);
            let (value, comment) = match &typed {
                Some(t) => (
                    t.score.get(i).cloned().unwrap_or_default(),
                    t.comment.get(i).cloned().unwrap_or_default(),
                ),
                None => (
                    stored.map(|s| s.score.to_string()).unwrap_or_default(),
                    stored.map(|s| s.comment.clone()).unwrap_or_default(),
                ),
            };
            ScoreRow {
                n: i + 1,
                name: ctx.pick(&k.name_zh, &k.name_en),
                guidance: ctx.pick(&k.guidance_zh, &k.guidance_en),
                weight: k.weight,
                max: k.max_score,
                value,
                comment,
                error: errors.get(&format!("score-{}", i + 1)).map(str::to_string),
            }
        })
        .collect();
    let (overall_comment, recommendation) = match &typed {
        Some(t) => (t.overall_comment.clone(), t.recommendation.clone()),
        None => (
            review.overall_comment.clone(),
            review
                .recommendation
                .map(|r| r.code().to_string())
                .unwrap_or_default(),
        ),
    };
    let peers = if review.state == ReviewState::Submitted && settings.show_peer_scores {
        service::peer_scores(&mut conn, &review)
            .await?
            .into_iter()
            .enumerate()
            .map(|(n, (weighted, recommendation))| {
                (
                    ctx.t_with("reviewer-n", &[("n", (n + 1).to_string())]),
                    format!("{weighted:.1}"),
                    recommendation
                        .map(|r| ctx.label("recommendation", &r))
                        .unwrap_or_default(),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let (team, affiliations) = if settings.blind {
        let mine = reviews::affiliations(&mut conn, review.reviewer_id).await?;
        let ids: Vec<_> = mine.iter().map(|(o, _, _)| *o).collect();
        let named = crate::models::organizations::find_many(&mut conn, &ids).await?;
        let affiliations = named.iter().map(|o| org_name(ctx, o)).collect();
        (Vec::new(), affiliations)
    } else {
        let lead = crate::models::organizations::find(&mut conn, app.lead_org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let partners = applications::partners(&mut conn, app.id).await?;
        let line = |role: String, o: &crate::models::organizations::Organization| {
            (
                role,
                org_name(ctx, o),
                super::orgs::place(ctx, o),
                o.registration_number.clone(),
            )
        };
        let team = std::iter::once(line(ctx.t("application-lead"), &lead))
            .chain(
                partners
                    .iter()
                    .filter(|p| p.status != crate::domain::application::PartnerStatus::Declined)
                    .map(|p| line(ctx.t("review-partner"), &p.organization)),
            )
            .collect();
        (team, Vec::new())
    };
    let page = ReviewPage {
        peers,
        blind: settings.blind,
        team,
        affiliations,
        c: ctx,
        review,
        title: app.title,
        snapshot,
        rows,
        overall_comment,
        recommendation,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn save_scores(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<service::ScoreForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id: ReviewId = path.parse().map_err(|_| AppError::NotFound)?;
    let flash = if form.submits() == Some(true) {
        "flash-review-submitted"
    } else {
        "flash-saved"
    };
    after_form(
        service::save_scores(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash_at(
                &format!("/reviews/{id}"),
                "scores",
                flash,
                state.config.cookie_secure,
            )
        },
        |e| review_page(&ctx, &state, id, Some(form), e),
    )
    .await
}

pub async fn reopen(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _f: CsrfForm<super::ctx::NoFields>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::ManageReview)?;
    let id: ReviewId = path.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    let call = reviews::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?
        .call_id;
    drop(conn);
    service::reopen(&state, &actor, id, &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/admin/calls/{call}/review"),
        "flash-saved",
        state.config.cookie_secure,
    ))
}
pub async fn declare(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<Declaration>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id: ReviewId = path.parse().map_err(|_| AppError::NotFound)?;
    after_form(
        service::declare(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                &format!("/reviews/{id}"),
                "flash-saved",
                state.config.cookie_secure,
            )
        },
        |e| review_page(&ctx, &state, id, None, e),
    )
    .await
}

/// An attachment of the application as submitted, for its reviewer once
/// they have declared no conflict; 404 for anyone else.
pub async fn attachment(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id: ReviewId = path.0.parse().map_err(|_| AppError::NotFound)?;
    let attachment: i64 = path.1.parse().map_err(|_| AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    let review = service::own_review(&mut conn, &actor, id).await?;
    if !matches!(review.state, ReviewState::Draft | ReviewState::Submitted) {
        return Err(AppError::NotFound);
    }
    let submitted = applications::latest_snapshot(&mut conn, review.application_id)
        .await?
        .and_then(|s| s["attachments"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .any(|a| a["id"].as_i64() == Some(attachment));
    if !submitted {
        return Err(AppError::NotFound);
    }
    let (name, content_type, data) =
        applications::attachment_data(&mut conn, review.application_id, attachment)
            .await?
            .ok_or(AppError::NotFound)?;
    Ok(super::applications::attachment_response(
        &name,
        content_type,
        data,
    ))
}

// ---- the ranking board

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct BoardQuery {
    sort: String,
    kind: String,
    page: Option<usize>,
}

/// Applications per page of the ranking board.
const BOARD_PAGE: usize = 100;

#[derive(Template)]
#[template(path = "admin/board.html")]
struct BoardPage<'a> {
    c: &'a Ctx,
    call: i64,
    title: String,
    state: CallState,
    budget: String,
    sort: &'static str,
    sorts: Vec<(&'static str, &'static str)>,
    /// The fund's currency, in which the call's amounts are.
    currency: crate::domain::money::Currency,
    /// Why the order is not plainly the one named, when it is not.
    order_note: Option<String>,
    components: Vec<(String, i32)>,
    panel_weight: i32,
    published: Option<String>,
    undecided: i64,
    ranking: std::sync::Arc<service::Ranking>,
    /// The page shown (1-based) and how many there are.
    page: usize,
    pages: usize,
    /// How the call's scored applications spread over the 0–100 scale.
    distribution: Chart,
}

impl BoardPage<'_> {
    /// This page's rows, with their rank.
    fn rows(&self) -> impl Iterator<Item = (usize, &service::RankRow)> {
        let first = (self.page - 1) * BOARD_PAGE;
        self.ranking
            .0
            .iter()
            .enumerate()
            .skip(first)
            .take(BOARD_PAGE)
            .map(|(i, r)| (i + 1, r))
    }

    /// Whether the funding line falls just above the row of this rank.
    fn line_above(&self, rank: &usize) -> bool {
        let rows = &self.ranking.0;
        *rank >= 2 && !rows[*rank - 1].funded && rows[*rank - 2].funded
    }

    fn total(&self) -> usize {
        self.ranking.0.len()
    }

    fn one(&self, v: &f64) -> String {
        format!("{v:.1}")
    }

    /// An amount with its currency, grouped: "CNY 150,000.00".
    fn money(&self, d: &rust_decimal::Decimal) -> String {
        crate::domain::money::format_money(*d, self.currency)
    }
}

/// Ranked by the final score when the call has other components, else by
/// the calibrated score, unless the admin chose another.
fn rank_by(sort: &str, settings: &crate::domain::call::ReviewSettings) -> service::RankBy {
    match (sort, settings.components.is_empty()) {
        ("", true) => service::RankBy::Calibrated,
        ("", false) => service::RankBy::Final,
        ("final", true) => service::RankBy::Calibrated,
        (code, _) => service::RankBy::from_code(code),
    }
}

/// What the board says about its order when the final score is not there
/// for every application.
enum FinalScores {
    /// Every scored application has one, or the order is another score.
    Complete,
    /// None has one yet: the board is ranked by the calibrated score.
    NoneYet,
    /// This many scored applications have none and are placed by their
    /// calibrated score.
    Missing(usize),
}

/// The ranking the board shows and the order it is in: the one asked for,
/// or the final score by default where the call has other components —
/// unless no application has a final score yet, when the calibrated score
/// orders the board instead of leaving it in no order.
async fn board_ranking(
    state: &AppState,
    conn: &mut crate::models::Conn,
    id: crate::models::CallId,
    sort: &str,
    settings: &crate::domain::call::ReviewSettings,
) -> Result<
    (
        service::RankBy,
        std::sync::Arc<service::Ranking>,
        FinalScores,
    ),
    AppError,
> {
    let by = rank_by(sort, settings);
    let ranking = service::ranking_cached(&state.rankings, conn, id, by).await?;
    if by != service::RankBy::Final {
        return Ok((by, ranking, FinalScores::Complete));
    }
    let scored = ranking.0.iter().filter(|r| r.reviews > 0);
    let missing = scored.clone().filter(|r| r.final_score.is_none()).count();
    match (missing, scored.count()) {
        (0, _) => Ok((by, ranking, FinalScores::Complete)),
        (m, n) if m == n && sort.is_empty() => {
            let by = service::RankBy::Calibrated;
            let ranking = service::ranking_cached(&state.rankings, conn, id, by).await?;
            Ok((by, ranking, FinalScores::NoneYet))
        }
        (m, _) => Ok((by, ranking, FinalScores::Missing(m))),
    }
}

pub async fn board(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageReview)?;
    let id = call_id(&path)?;
    let mut conn = state.pool.get().await?;
    let call = calls::find(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let settings = calls::review_settings(&mut conn, id).await?;
    let (by, ranking, finals) = board_ranking(&state, &mut conn, id, &q.sort, &settings).await?;
    let currency = crate::models::funds::of_call(&mut conn, id)
        .await?
        .ok_or(AppError::NotFound)?
        .currency;
    let order_note = match finals {
        FinalScores::Complete => None,
        FinalScores::NoneYet => Some(ctx.t("board-no-final-yet")),
        FinalScores::Missing(n) => Some(ctx.t_with("board-final-missing", &[("n", n.to_string())])),
    };
    let pages = ranking.0.len().div_ceil(BOARD_PAGE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let mut sorts = vec![("calibrated", "board-calibrated"), ("mean", "board-mean")];
    if !settings.components.is_empty() {
        sorts.insert(0, ("final", "board-final"));
    }
    render(&BoardPage {
        c: &ctx,
        call: id.0,
        title: ctx.call_text(&call.title_zh, &call.title_hans, &call.title_en),
        state: call.state,
        budget: crate::domain::money::format_money(call.budget, currency),
        currency,
        sort: by.code(),
        sorts,
        order_note,
        panel_weight: settings.panel_weight(),
        components: settings
            .components
            .iter()
            .map(|k| (ctx.pick(&k.name_zh, &k.name_en), k.weight))
            .collect(),
        published: crate::models::decisions::published_at(&mut conn, id)
            .await?
            .map(|at| ctx.when(&at)),
        undecided: service::undecided(&ranking),
        distribution: score_distribution(&ctx, &ranking.0),
        ranking,
        page,
        pages,
    })
}

/// Score bins on the 0–100 scale.
const SCORE_BINS: usize = 10;

/// How many applications fall in each tenth of the scale, by mean and by
/// calibrated score; applications without a submitted review are left out.
fn score_distribution(ctx: &Ctx, rows: &[service::RankRow]) -> Chart {
    let scored: Vec<&service::RankRow> = rows.iter().filter(|r| r.reviews > 0).collect();
    let means = histogram(scored.iter().map(|r| r.mean), SCORE_BINS);
    let calibrated = histogram(scored.iter().map(|r| r.calibrated), SCORE_BINS);
    Chart {
        id: "chart-scores",
        kind: Kind::Grouped,
        title: ctx.t("chart-scores"),
        desc: ctx.t_with("chart-scores-desc", &[("n", scored.len().to_string())]),
        row_heading: ctx.t("chart-score-bin"),
        series: vec![ctx.t("board-mean"), ctx.t("board-calibrated")],
        rows: if scored.is_empty() {
            Vec::new()
        } else {
            bin_labels(SCORE_BINS)
                .into_iter()
                .zip(means.iter().zip(&calibrated))
                .map(|(label, (m, c))| ChartRow {
                    label,
                    values: vec![Decimal::from(*m), Decimal::from(*c)],
                })
                .collect()
        },
        total_heading: String::new(),
        empty: ctx.t("chart-scores-empty"),
        format: |d| d.to_string(),
    }
}

codes! {
    /// What the board's CSV lists, one line each.
    pub enum ExportKind {
        Applications = "applications",
        Reviews = "reviews",
    }
}

/// `kind=reviews`: one line per submitted review; otherwise one per application.
pub async fn board_csv(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<BoardQuery>,
) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::ManageReview)?;
    let id = call_id(&path)?;
    let mut conn = state.pool.get().await?;
    let settings = calls::review_settings(&mut conn, id).await?;
    let (_, ranking, _) = board_ranking(&state, &mut conn, id, &q.sort, &settings).await?;
    let (rows, reviews) = (&ranking.0, &ranking.1);
    let mut out = super::csv::writer();
    let csv_error = super::csv::error;
    let per_review = q.kind == ExportKind::Reviews.code();
    if per_review {
        out.write_record([
            "review",
            "application",
            "reviewer",
            "reviewer_name",
            "scores",
            "weighted",
        ])
        .map_err(csv_error)?;
        let people: Vec<UserId> = reviews.iter().map(|r| r.reviewer).collect();
        let names = crate::models::users::names(&mut conn, &people).await?;
        for r in reviews {
            let scores: Vec<String> = r.scores.iter().map(i32::to_string).collect();
            out.write_record([
                r.review.to_string(),
                r.application.to_string(),
                r.reviewer.to_string(),
                super::csv::cell(names.get(&r.reviewer).map_or("", String::as_str)),
                scores.join(" "),
                format!("{:.6}", r.weighted),
            ])
            .map_err(csv_error)?;
        }
    } else {
        out.write_record([
            "rank",
            "application",
            "title",
            "grant_request",
            "reviews",
            "mean",
            "spread",
            "calibrated",
            "discussion",
            "within_funding_line",
            "final",
            "decision",
        ])
        .map_err(csv_error)?;
        for (i, r) in rows.iter().enumerate() {
            out.write_record([
                (i + 1).to_string(),
                r.application.to_string(),
                super::csv::cell(&r.title),
                r.request.to_string(),
                r.reviews.to_string(),
                format!("{:.6}", r.mean),
                format!("{:.6}", r.spread),
                format!("{:.6}", r.calibrated),
                r.discuss.to_string(),
                r.funded.to_string(),
                r.final_score.map(|f| format!("{f:.6}")).unwrap_or_default(),
                r.decision.map(|d| d.code().to_string()).unwrap_or_default(),
            ])
            .map_err(csv_error)?;
        }
    }
    let name = if per_review {
        ExportKind::Reviews
    } else {
        ExportKind::Applications
    };
    super::csv::response(&format!("call-{id}-{name}.csv"), out)
}
