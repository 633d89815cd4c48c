//! Applications: drafts, partners, budget, milestones, attachments,
//! submission, return to draft and withdrawal (DESIGN §4).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Origin;
use super::audit::{WithChange, event};
use super::organizations::display_name;
use crate::AppState;
use crate::domain::application::{
    self as rules, ApplicationState as State, Category, Facts, Line, OrgFacts, PartnerStatus,
    Problem, Source,
};
use crate::domain::call::{CallState, Phase};
use crate::domain::money::{Currency, parse_amount_in, parse_percent};
use crate::domain::organization::MemberRole;
use crate::domain::text::{self, Lines};
use crate::email::{self, Email};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::applications::{self as apps, Application};
use crate::models::calls::{self, Call};
use crate::models::job_runs::{self, Job};
use crate::models::organizations::{self as orgs, Organization};
use crate::models::{
    ApplicationId, CallId, Conn, FundId, OrganizationId, UserId, audit, focus_areas, funds,
};
use crate::policy::{Actor, AppAction, may_on_application};

/// The actor's relation to an application, decided by the policy module.
pub struct Access {
    pub app: Application,
    pub can_edit: bool,
    /// Partner organizations the actor owns (who may answer for them).
    pub owned_partner_orgs: Vec<OrganizationId>,
}

/// Loads the application if the actor may do `action` with it; 404 otherwise.
pub async fn access(
    conn: &mut Conn,
    actor: &Actor,
    id: ApplicationId,
    action: AppAction,
) -> Result<Access, AppError> {
    let app = apps::find(conn, id).await?.ok_or(AppError::NotFound)?;
    // The actor's memberships, once, rather than one query per partner.
    let memberships = match actor.user_id() {
        Some(u) => orgs::memberships(conn, u).await?,
        None => Vec::new(),
    };
    let role_in =
        |org: OrganizationId| memberships.iter().find(|(o, _)| *o == org).map(|(_, r)| *r);
    let lead_role = role_in(app.lead_org_id);
    let mut partner_member = false;
    let mut owned_partner_orgs = Vec::new();
    if !memberships.is_empty() {
        // A partner that declined is no longer on the application.
        for p in apps::partners(conn, id)
            .await?
            .into_iter()
            .filter(|p| p.status != PartnerStatus::Declined)
        {
            if let Some(role) = role_in(p.organization.id) {
                partner_member = true;
                if role == MemberRole::Owner {
                    owned_partner_orgs.push(p.organization.id);
                }
            }
        }
    }
    if !may_on_application(actor, lead_role, partner_member, action) {
        return Err(AppError::NotFound);
    }
    let can_edit = may_on_application(actor, lead_role, partner_member, AppAction::Edit);
    Ok(Access {
        app,
        can_edit,
        owned_partner_orgs,
    })
}

/// For changes: the application, locked, if it is a draft the actor may edit.
async fn editable_draft(
    conn: &mut Conn,
    actor: &Actor,
    id: ApplicationId,
) -> Result<Application, AppError> {
    access(conn, actor, id, AppAction::Edit).await?;
    let app = apps::find_for_update(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if app.state != State::Draft {
        return Err(AppError::Conflict("err-application-not-draft"));
    }
    Ok(app)
}

fn call_open(call: &Call, now: DateTime<Utc>) -> bool {
    Phase::of(call.state(), call.opens_at, call.closes_at, now) == Phase::Open
}

fn link(state: &AppState, id: ApplicationId) -> String {
    state.config.link(&format!("/applications/{id}"))
}

fn title_or_number(app: &Application) -> String {
    if app.title.trim().is_empty() {
        format!("#{}", app.id)
    } else {
        app.title.clone()
    }
}

/// Starts a draft led by one of the user's verified organizations.
pub async fn start(
    state: &AppState,
    user: UserId,
    call_id: CallId,
    lead: OrganizationId,
    origin: &Origin,
) -> Result<ApplicationId, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let membership = orgs::role_of(conn, lead, user).await?;
        let actor = Actor::User {
            id: user,
            roles: Vec::new(),
        };
        if !crate::policy::may_on_organization(&actor, membership, crate::policy::OrgAction::Lead) {
            return Err(AppError::NotFound);
        }
        let org = orgs::find(conn, lead).await?.ok_or(AppError::NotFound)?;
        if !org.is_verified() {
            return Err(AppError::Conflict("err-lead-unverified"));
        }
        let call = calls::find(conn, call_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !call.state().is_public() {
            return Err(AppError::NotFound);
        }
        if !call_open(&call, now) {
            return Err(AppError::Conflict("sub-call-closed"));
        }
        let id = apps::insert(conn, call_id, lead, user, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(user),
                origin,
                "application.created",
                "application",
                id,
            )
            .change(None, Some(json!({ "call": call_id, "lead": lead }))),
        )
        .await?;
        Ok(id)
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct ContentForm {
    pub title: String,
    pub summary: String,
    pub need: String,
    pub approach: String,
    pub outcomes: String,
    pub beneficiaries: String,
    pub duration_months: String,
    pub focus: Vec<String>,
    pub declaration: Option<String>,
}

/// Saves what is valid and reports what is not; nothing typed is lost (the
/// caller shows the form as typed).
pub async fn save_content(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    form: &ContentForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let known = focus_areas::active_codes(&mut conn).await?;
    let errors = conn.transaction::<_, AppError, _>(async |conn| {
        let app = editable_draft(conn, actor, id).await?;
        let mut e = FormErrors::default();
        // What is invalid keeps its saved value; the typed one goes back to the form.
        let mut field = |name: &'static str, value: &str, old: &str, max: usize, lines: Lines| -> String {
            text::checked(value, max, lines).unwrap_or_else(|k| {
                e.add(name, k);
                old.to_string()
            })
        };
        let title = field("title", &form.title, &app.title, 200, Lines::One);
        let summary = field("summary", &form.summary, &app.summary, 2000, Lines::Many);
        let need = field("need", &form.need, &app.need, 10_000, Lines::Many);
        let approach = field("approach", &form.approach, &app.approach, 10_000, Lines::Many);
        let outcomes = field("outcomes", &form.outcomes, &app.outcomes, 10_000, Lines::Many);
        let beneficiaries = field("beneficiaries", &form.beneficiaries, &app.beneficiaries, 5000, Lines::Many);
        let duration_months = match form.duration_months.trim() {
            "" => None,
            raw => match raw.parse::<i32>() {
                Ok(n) if (1..=120).contains(&n) => Some(n),
                _ => {
                    e.add("duration_months", "err-number-invalid");
                    app.duration_months
                }
            },
        };
        let mut focus: Vec<String> = form.focus.iter().filter(|f| known.contains(f)).cloned().collect();
        focus.sort();
        focus.dedup();
        if focus.len() != form.focus.iter().filter(|f| !f.is_empty()).count() {
            e.add("focus", "err-focus-unknown");
        }
        let content = apps::Content {
            title,
            summary,
            need,
            approach,
            outcomes,
            beneficiaries,
            duration_months,
            focus: focus.into_iter().map(Some).collect(),
            declaration: form.declaration.is_some(),
        };
        apps::save_content(conn, id, &content, now).await?;
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "application.content_saved", "application", id)
                .change(Some(json!({ "title": app.title })), Some(json!({ "title": content.title, "duration_months": content.duration_months }))),
        )
        .await?;
        Ok(e)
    })
    .await?;
    // The valid part is committed either way; the errors still go back.
    errors.into_result()
}

// ---- partners

/// Invites a verified organization found in the directory as a partner.
pub async fn invite_partner(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    org: OrganizationId,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let app = editable_draft(conn, actor, id).await?;
        let partner = orgs::find(conn, org).await?.ok_or(AppError::NotFound)?;
        if partner.id == app.lead_org_id {
            return Err(AppError::Conflict("err-partner-is-lead"));
        }
        if !partner.is_verified() {
            return Err(AppError::Conflict("err-partner-unverified"));
        }
        if !apps::invite_partner(conn, id, org, now).await? {
            return Ok(()); // Already invited: a double click changes nothing.
        }
        let lead = orgs::find(conn, app.lead_org_id)
            .await?
            .ok_or(AppError::NotFound)?;
        for owner in orgs::owners(conn, org).await? {
            let lang = owner.lang;
            let mail = Email::PartnerInvitation {
                lead: display_name(&lead, lang),
                title: title_or_number(&app),
                link: link(state, id),
            };
            email::enqueue(conn, now, &owner.email, lang, &mail).await?;
        }
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "application.partner_invited",
                "application",
                id,
            )
            .change(None, Some(json!({ "partner": org }))),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct PartnerAnswer {
    pub decision: String,
    pub role: String,
    pub contribution: String,
}

/// An owner of the partner organization accepts (stating role and
/// contribution) or declines; the lead's members are told by email.
pub async fn answer_partner(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    org: OrganizationId,
    form: &PartnerAnswer,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    // Only an owner of this partner may answer; anyone else gets 404 before
    // the form is judged (and again under the transaction's lock below).
    {
        let mut conn = state.pool.get().await?;
        if !access(&mut conn, actor, id, AppAction::View)
            .await?
            .owned_partner_orgs
            .contains(&org)
        {
            return Err(AppError::NotFound);
        }
    }
    let accept = match form.decision.as_str() {
        "accept" => true,
        "decline" => false,
        _ => return Err(AppError::BadRequest),
    };
    let mut e = FormErrors::default();
    let role = if accept {
        text::required(&form.role, 500, Lines::One)
    } else {
        text::checked(&form.role, 500, Lines::One)
    }
    .map_err(|k| e.add("role", k))
    .unwrap_or_default();
    let contribution = text::checked(&form.contribution, 2000, Lines::Many)
        .map_err(|k| e.add("contribution", k))
        .unwrap_or_default();
    e.into_result()?;
    let by = actor.user_id().ok_or(AppError::NotFound)?;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let access = access(conn, actor, id, AppAction::View).await?;
        if !access.owned_partner_orgs.contains(&org) {
            return Err(AppError::NotFound);
        }
        let app = apps::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if app.state != State::Draft {
            return Err(AppError::Conflict("err-application-not-draft"));
        }
        let status = if accept {
            PartnerStatus::Accepted
        } else {
            PartnerStatus::Declined
        };
        if !apps::respond_partner(conn, id, org, status, &role, &contribution, by, now).await? {
            return Err(AppError::Conflict("err-partner-already-answered"));
        }
        let partner = orgs::find(conn, org).await?.ok_or(AppError::NotFound)?;
        for member in orgs::members(conn, app.lead_org_id).await? {
            let lang = member.lang;
            let (partner, title, link) = (
                display_name(&partner, lang),
                title_or_number(&app),
                link(state, id),
            );
            let mail = if accept {
                Email::PartnerAccepted {
                    partner,
                    title,
                    link,
                }
            } else {
                Email::PartnerDeclined {
                    partner,
                    title,
                    link,
                }
            };
            email::enqueue(conn, now, &member.email, lang, &mail).await?;
        }
        audit::insert(
            conn,
            &event(
                now,
                Some(by),
                origin,
                if accept {
                    "application.partner_accepted"
                } else {
                    "application.partner_declined"
                },
                "application",
                id,
            )
            .change(
                None,
                Some(json!({ "partner": org, "role": role, "contribution": contribution })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

// ---- budget and milestones

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct BudgetForm {
    pub category: String,
    pub organization_id: String,
    pub currency: String,
    pub amount: String,
    pub source: String,
    pub description: String,
}

/// A budget line's form judged against the draft's team: the line, or what
/// is wrong with each field.
async fn judge_budget_line(
    conn: &mut Conn,
    app: &Application,
    form: &BudgetForm,
) -> Result<apps::LineValues, AppError> {
    let mut e = FormErrors::default();
    let category = Category::from_code(form.category.trim());
    if category.is_none() {
        e.add("category", "err-choice-unknown");
    }
    // The lead and every partner not declined: an invited partner's lines
    // are drafted before it answers (the checklist holds submission until
    // it does).
    let partners = apps::partners(conn, app.id).await?;
    let org = form
        .organization_id
        .parse::<OrganizationId>()
        .ok()
        .filter(|o| {
            *o == app.lead_org_id
                || partners
                    .iter()
                    .any(|p| p.organization.id == *o && p.status != PartnerStatus::Declined)
        });
    if org.is_none() {
        e.add("organization_id", "err-budget-org");
    }
    let currency = Currency::parse(&form.currency);
    if currency.is_none() {
        e.add("currency", "err-choice-unknown");
    }
    let amount = parse_amount_in(&form.amount, currency)
        .map_err(|k| e.add("amount", k))
        .ok();
    if amount.is_some_and(|a| a.is_zero()) {
        e.add("amount", "err-amount-zero");
    }
    let source = Source::from_code(&form.source);
    if source.is_none() {
        e.add("source", "err-choice-unknown");
    }
    let description = text::checked(&form.description, 500, Lines::One)
        .map_err(|k| e.add("description", k))
        .unwrap_or_default();
    let (Some(category), Some(organization_id), Some(currency), Some(amount), Some(source)) =
        (category, org, currency, amount, source)
    else {
        return Err(AppError::Invalid(e));
    };
    e.into_result()?;
    Ok(apps::LineValues {
        category,
        organization_id,
        currency,
        amount,
        source,
        description,
    })
}

fn line_json(line: i64, v: &apps::LineValues) -> serde_json::Value {
    json!({
        "line": line, "category": v.category, "organization": v.organization_id,
        "currency": v.currency, "amount": v.amount, "source": v.source,
        "description": v.description,
    })
}

pub async fn add_budget_line(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    form: &BudgetForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let app = editable_draft(conn, actor, id).await?;
        let values = judge_budget_line(conn, &app, form).await?;
        let line = apps::add_budget_line(conn, id, &values, now).await?;
        apps::touch(conn, id, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "application.budget_line_added",
                "application",
                id,
            )
            .change(None, Some(line_json(line, &values))),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Changes a budget line of a draft in place: the same rules as a new one.
pub async fn change_budget_line(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    line: i64,
    form: &BudgetForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let app = editable_draft(conn, actor, id).await?;
        let before = apps::budget(conn, id)
            .await?
            .into_iter()
            .find(|l| l.id == line)
            .ok_or(AppError::NotFound)?;
        let values = judge_budget_line(conn, &app, form).await?;
        if !apps::change_budget_line(conn, id, line, &values).await? {
            return Err(AppError::NotFound);
        }
        apps::touch(conn, id, now).await?;
        let was = apps::LineValues::from(before);
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "application.budget_line_changed",
                "application",
                id,
            )
            .change(Some(line_json(line, &was)), Some(line_json(line, &values))),
        )
        .await?;
        Ok(())
    })
    .await
}

#[derive(Debug, Default, Clone, serde::Deserialize)]
#[serde(default)]
pub struct MilestoneForm {
    pub month_due: String,
    pub deliverables: String,
    pub tranche_percent: String,
}

/// A milestone's form judged: month, deliverables and tranche share, or
/// what is wrong with each.
fn judge_milestone(form: &MilestoneForm) -> Result<(i32, String, rust_decimal::Decimal), AppError> {
    let mut e = FormErrors::default();
    let month = form
        .month_due
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|m| (1..=120).contains(m));
    if month.is_none() {
        e.add("month_due", "err-number-invalid");
    }
    let deliverables = text::required(&form.deliverables, 2000, Lines::Many)
        .map_err(|k| e.add("deliverables", k))
        .unwrap_or_default();
    let percent = parse_percent(&form.tranche_percent)
        .map_err(|k| e.add("tranche_percent", k))
        .ok();
    if percent.is_some_and(|p| p.is_zero()) {
        e.add("tranche_percent", "err-percent-invalid");
    }
    let (Some(month), Some(percent)) = (month, percent) else {
        return Err(AppError::Invalid(e));
    };
    e.into_result()?;
    Ok((month, deliverables, percent))
}

pub async fn add_milestone(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    form: &MilestoneForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    // Anyone who may not edit gets 404 before the form is judged.
    editable_draft(&mut *state.pool.get().await?, actor, id).await?;
    let (month, deliverables, percent) = judge_milestone(form)?;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        editable_draft(conn, actor, id).await?;
        let m = apps::add_milestone(conn, id, month, &deliverables, percent, now).await?;
        apps::touch(conn, id, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "application.milestone_added",
                "application",
                id,
            )
            .change(
                None,
                Some(json!({ "milestone": m, "month": month, "percent": percent })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

/// Changes a milestone of a draft in place: the same rules as a new one.
pub async fn change_milestone(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    milestone: i64,
    form: &MilestoneForm,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    editable_draft(&mut *state.pool.get().await?, actor, id).await?;
    let (month, deliverables, percent) = judge_milestone(form)?;
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        editable_draft(conn, actor, id).await?;
        let before = apps::milestones(conn, id)
            .await?
            .into_iter()
            .find(|m| m.id == milestone)
            .ok_or(AppError::NotFound)?;
        if !apps::change_milestone(conn, id, milestone, month, &deliverables, percent).await? {
            return Err(AppError::NotFound);
        }
        apps::touch(conn, id, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                "application.milestone_changed",
                "application",
                id,
            )
            .change(
                Some(json!({ "milestone": milestone, "month": before.month_due,
                             "deliverables": before.deliverables, "percent": before.tranche_percent })),
                Some(json!({ "milestone": milestone, "month": month,
                             "deliverables": deliverables, "percent": percent })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

// ---- attachments

pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

/// The type of a file judged by its bytes, not its name: PDF, DOCX, XLSX,
/// PNG or JPEG. Anything else (an executable renamed `.pdf`) is `None`.
pub fn sniff(data: &[u8]) -> Option<(&'static str, &'static str)> {
    if data.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if data.starts_with(b"\xFF\xD8\xFF") {
        Some(("image/jpeg", "jpg"))
    } else if data.starts_with(b"PK\x03\x04") {
        // Office files are ZIP archives; their parts name what they are.
        let has = |name: &[u8]| data.windows(name.len()).any(|w| w == name);
        if has(b"word/document.xml") {
            Some((
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "docx",
            ))
        } else if has(b"xl/workbook.xml") {
            Some((
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "xlsx",
            ))
        } else {
            None
        }
    } else {
        None
    }
}

/// A file name safe to store and to send back in a header.
pub fn clean_filename(raw: &str, extension: &str) -> String {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | ';' | '<' | '>'))
        .take(120)
        .collect();
    let stem = cleaned
        .rsplit_once('.')
        .map_or(cleaned.as_str(), |(s, _)| s)
        .trim();
    let stem = if stem.is_empty() { "attachment" } else { stem };
    format!("{stem}.{extension}")
}

/// An uploaded file that passed the checks every upload gets: not empty,
/// within the limit, and of an accepted kind judged by its content.
pub struct CheckedFile {
    pub name: String,
    pub content_type: &'static str,
    pub sha256: Vec<u8>,
}

pub fn check_file(filename: &str, data: &[u8]) -> Result<CheckedFile, AppError> {
    if data.is_empty() {
        return Err(FormErrors::single("file", "err-file-empty"));
    }
    if data.len() > MAX_ATTACHMENT {
        return Err(FormErrors::single("file", "err-file-too-large"));
    }
    let Some((content_type, extension)) = sniff(data) else {
        return Err(FormErrors::single("file", "err-file-type"));
    };
    Ok(CheckedFile {
        name: clean_filename(filename, extension),
        content_type,
        sha256: Sha256::digest(data).to_vec(),
    })
}

/// Whether `actor` may add a file to the draft now: asked before an
/// upload's body is read, so that nobody else gets a byte of it read (and
/// asked again in the transaction that stores the file).
pub async fn may_add_attachment(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
) -> Result<(), AppError> {
    let mut conn = state.pool.get().await?;
    editable_draft(&mut conn, actor, id).await.map(drop)
}

pub async fn add_attachment(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    filename: &str,
    data: Vec<u8>,
    origin: &Origin,
) -> Result<(), AppError> {
    let CheckedFile {
        name,
        content_type,
        sha256: digest,
    } = check_file(filename, &data)?;
    let by = actor.user_id().ok_or(AppError::NotFound)?;
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        editable_draft(conn, actor, id).await?;
        let a =
            apps::add_attachment(conn, id, &name, content_type, &data, &digest, by, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                Some(by),
                origin,
                "application.attachment_added",
                "application",
                id,
            )
            .change(
                None,
                Some(json!({ "attachment": a, "name": name, "bytes": data.len() })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

// ---- removing parts of a draft

/// A part of a draft that the lead may remove.
#[derive(Debug, Clone, Copy)]
pub enum Part {
    Partner(OrganizationId),
    BudgetLine(i64),
    Milestone(i64),
    Attachment(i64),
}

/// Removes one part of a draft; removing what is already gone (a double
/// click) changes nothing.
pub async fn remove_part(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    part: Part,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        editable_draft(conn, actor, id).await?;
        let (removed, action, what) = match part {
            Part::Partner(org) => (
                apps::remove_partner(conn, id, org).await?,
                "application.partner_removed",
                json!({ "partner": org }),
            ),
            Part::BudgetLine(line) => (
                apps::delete_budget_line(conn, id, line).await?,
                "application.budget_line_deleted",
                json!({ "line": line }),
            ),
            Part::Milestone(m) => (
                apps::delete_milestone(conn, id, m).await?,
                "application.milestone_deleted",
                json!({ "milestone": m }),
            ),
            Part::Attachment(a) => (
                apps::delete_attachment(conn, id, a).await?,
                "application.attachment_deleted",
                json!({ "attachment": a }),
            ),
        };
        if removed {
            apps::touch(conn, id, now).await?;
            audit::insert(
                conn,
                &event(now, actor.user_id(), origin, action, "application", id)
                    .change(Some(what), None),
            )
            .await?;
        }
        Ok(())
    })
    .await
}

// ---- checklist and submission

/// The user's organizations that may lead an application to the call as
/// its rules stand, each with what stands in its way (empty: it may start
/// a draft now). Only organizations where the user may lead are listed.
pub async fn lead_options(
    conn: &mut Conn,
    user: UserId,
    call: &Call,
    now: DateTime<Utc>,
) -> Result<Vec<(Organization, Vec<crate::domain::application::Problem>)>, AppError> {
    let actor = Actor::User {
        id: user,
        roles: Vec::new(),
    };
    let mine: Vec<Organization> = orgs::of_user(conn, user)
        .await?
        .into_iter()
        .filter(|(_, role)| {
            crate::policy::may_on_organization(&actor, Some(*role), crate::policy::OrgAction::Lead)
        })
        .map(|(o, _)| o)
        .collect();
    let ids: Vec<OrganizationId> = mine.iter().map(|o| o.id).collect();
    let counts = apps::count_led_in_call_by(conn, call.id, &ids).await?;
    let rules = call_rules(call);
    let today = now
        .with_timezone(&crate::clock::bay_area_offset())
        .date_naive();
    Ok(mine
        .into_iter()
        .map(|o| {
            let others = counts
                .iter()
                .find(|(id, _)| *id == o.id)
                .map_or(0, |(_, n)| *n);
            let problems = crate::domain::application::lead_problems(
                &rules,
                &org_facts(&o),
                today,
                call.closes_at,
                others,
            );
            (o, problems)
        })
        .collect())
}

fn org_facts(org: &Organization) -> OrgFacts {
    OrgFacts {
        id: org.id.0,
        name: org.name_zh.clone(),
        jurisdiction: org.jurisdiction,
        verified: org.is_verified(),
        whitelisted: org.whitelisted,
        debarred_until: org.debarred_until,
        founded_on: org.founded_on,
    }
}

fn call_rules(call: &Call) -> crate::domain::call::Rules {
    crate::domain::call::Rules {
        joint_required: call.rule_joint_required,
        lead_jurisdictions: call.lead_jurisdictions(),
        verified_required: call.rule_verified_required,
        whitelist_required: call.rule_whitelist_required,
        min_registered_months: call.rule_min_registered_months,
        min_matching_percent: call.rule_min_matching_percent,
        max_overhead_percent: call.rule_max_overhead_percent,
        max_applications_per_lead: call.rule_max_applications_per_lead,
        no_debarred: call.rule_no_debarred,
        declaration_required: call.rule_declaration_required,
    }
}

/// Everything the rules need to know about an application, now.
pub async fn facts(
    conn: &mut Conn,
    app: &Application,
    call: &Call,
    now: DateTime<Utc>,
) -> Result<Facts, AppError> {
    let fund = funds::find(conn, call.fund_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let lead = orgs::find(conn, app.lead_org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let partners = apps::partners(conn, app.id).await?;
    let lines = apps::budget(conn, app.id).await?;
    let others = apps::count_led_in_call(conn, app.call_id, app.lead_org_id, app.id).await?;
    let milestones = apps::milestones(conn, app.id).await?;
    Ok(facts_from(FactSources {
        app,
        call,
        currency: fund.currency,
        lead: &lead,
        partners: partners.iter().collect(),
        lines: lines.iter().collect(),
        milestones: milestones.iter().collect(),
        other_lead_applications: others,
        now,
    }))
}

/// What `facts` reads, however it was read.
struct FactSources<'a> {
    app: &'a Application,
    call: &'a Call,
    currency: Currency,
    lead: &'a Organization,
    partners: Vec<&'a apps::Partner>,
    lines: Vec<&'a apps::BudgetLine>,
    milestones: Vec<&'a apps::Milestone>,
    other_lead_applications: i64,
    now: DateTime<Utc>,
}

fn facts_from(s: FactSources<'_>) -> Facts {
    let FactSources { app, call, now, .. } = s;
    let base = s.currency;
    let lines = s
        .lines
        .iter()
        .filter_map(|l| {
            Some(Line {
                category: l.category,
                organization_id: l.organization_id.0,
                currency: Some(l.currency)?,
                amount: l.amount,
                source: Some(l.source)?,
            })
        })
        .collect();
    let empty_fields = [
        ("title", &app.title),
        ("summary", &app.summary),
        ("need", &app.need),
        ("approach", &app.approach),
        ("outcomes", &app.outcomes),
        ("beneficiaries", &app.beneficiaries),
    ]
    .into_iter()
    .filter(|(_, v)| v.trim().is_empty())
    .map(|(k, _)| k)
    .collect();
    Facts {
        today: now
            .with_timezone(&crate::clock::bay_area_offset())
            .date_naive(),
        call: rules::CallFacts {
            open: call_open(call, now),
            closes_at: call.closes_at,
            min_request: call.min_request,
            max_request: call.max_request,
            max_duration_months: call.max_duration_months,
            rules: call_rules(call),
            base,
            rates: [
                (Currency::Cny, call.rate_cny),
                (Currency::Hkd, call.rate_hkd),
                (Currency::Mop, call.rate_mop),
            ],
        },
        lead: org_facts(s.lead),
        partners: s
            .partners
            .iter()
            .map(|p| (org_facts(&p.organization), p.status))
            .collect(),
        other_lead_applications: s.other_lead_applications,
        empty_fields,
        duration_months: app.duration_months,
        declaration: app.declaration,
        lines,
        milestones: s
            .milestones
            .iter()
            .map(|m| (m.month_due, m.tranche_percent))
            .collect(),
    }
}

/// The checklists of many drafts, in a fixed number of statements (the
/// applicant's dashboard): how many problems each has, by application.
pub async fn checklist_counts(
    conn: &Conn,
    drafts: &[(Application, Call)],
    now: DateTime<Utc>,
) -> Result<HashMap<ApplicationId, usize>, AppError> {
    if drafts.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<ApplicationId> = drafts.iter().map(|(a, _)| a.id).collect();
    let lead_ids: Vec<OrganizationId> = drafts.iter().map(|(a, _)| a.lead_org_id).collect();
    let call_ids: Vec<CallId> = drafts.iter().map(|(a, _)| a.call_id).collect();
    let fund_ids: Vec<FundId> = drafts.iter().map(|(_, c)| c.fund_id).collect();
    // The six reads pipelined: one round trip.
    let (mut c1, mut c2, mut c3, mut c4, mut c5, mut c6) = (conn, conn, conn, conn, conn, conn);
    let (currencies, leads, partners, lines, milestones, counts) = tokio::try_join!(
        funds::currencies(&mut c1, &fund_ids),
        orgs::find_many(&mut c2, &lead_ids),
        apps::partners_of(&mut c3, &ids),
        apps::budget_of(&mut c4, &ids),
        apps::milestones_of(&mut c5, &ids),
        apps::led_counts(&mut c6, &call_ids, &lead_ids),
    )?;
    let currencies: HashMap<FundId, Currency> = currencies;
    let leads: HashMap<OrganizationId, Organization> =
        leads.into_iter().map(|o| (o.id, o)).collect();
    let counts: HashMap<(CallId, OrganizationId), i64> =
        counts.into_iter().map(|(c, o, n)| ((c, o), n)).collect();
    let mut out = HashMap::new();
    for (app, call) in drafts {
        let Some(lead) = leads.get(&app.lead_org_id) else {
            continue;
        };
        let counted = app.state.counts_as_application();
        let others = counts
            .get(&(app.call_id, app.lead_org_id))
            .copied()
            .unwrap_or_default()
            - i64::from(counted);
        let facts = facts_from(FactSources {
            app,
            call,
            currency: currencies
                .get(&call.fund_id)
                .copied()
                .unwrap_or(Currency::Cny),
            lead,
            partners: partners
                .iter()
                .filter(|(a, _)| *a == app.id)
                .map(|(_, p)| p)
                .collect(),
            lines: lines
                .iter()
                .filter(|(a, _)| *a == app.id)
                .map(|(_, l)| l)
                .collect(),
            milestones: milestones
                .iter()
                .filter(|(a, _)| *a == app.id)
                .map(|(_, m)| m)
                .collect(),
            other_lead_applications: others,
            now,
        });
        out.insert(app.id, rules::check(&facts).len());
    }
    Ok(out)
}

/// What still stands between this draft and submission.
pub async fn checklist(
    conn: &mut Conn,
    app: &Application,
    now: DateTime<Utc>,
) -> Result<Vec<Problem>, AppError> {
    let call = calls::find(conn, app.call_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(rules::check(&facts(conn, app, &call, now).await?))
}

pub enum SubmitOutcome {
    Submitted,
    /// Nothing changed; fix these first.
    Problems(Vec<Problem>),
}

/// Checks every rule and, if all hold, freezes a snapshot and submits. The
/// deadline is the server's clock at this moment, not what the page showed.
pub async fn submit(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    origin: &Origin,
) -> Result<SubmitOutcome, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        let app = match editable_draft(conn, actor, id).await {
            // A second click after a successful submit: nothing more to do.
            Err(AppError::Conflict(_)) if apps::find(conn, id).await?.is_some_and(|a| a.state == State::Submitted) => {
                return Ok(SubmitOutcome::Submitted);
            }
            other => other?,
        };
        let call = calls::find_for_update(conn, app.call_id).await?.ok_or(AppError::NotFound)?;
        let facts = facts(conn, &app, &call, now).await?;
        let problems = rules::check(&facts);
        if !problems.is_empty() {
            return Ok(SubmitOutcome::Problems(problems));
        }
        let totals = rules::totals(&facts.lines, |c| call.rate(c));
        let snapshot = json!({
            "application": app.id, "call": call.id, "submitted_at": now,
            "title": app.title, "summary": app.summary, "need": app.need, "approach": app.approach,
            "outcomes": app.outcomes, "beneficiaries": app.beneficiaries, "duration_months": app.duration_months,
            "focus": app.focus, "declaration": app.declaration,
            "lead": app.lead_org_id,
            "partners": apps::partners(conn, id).await?.iter().map(|p| json!({
                "organization": p.organization.id, "name_zh": p.organization.name_zh, "name_en": p.organization.name_en,
                "status": p.status, "role": p.role, "contribution": p.contribution })).collect::<Vec<_>>(),
            "budget": apps::budget(conn, id).await?.iter().map(|l| json!({
                "category": l.category, "organization": l.organization_id, "currency": l.currency,
                "amount": l.amount, "source": l.source, "description": l.description })).collect::<Vec<_>>(),
            "rates": { "CNY": call.rate_cny, "HKD": call.rate_hkd, "MOP": call.rate_mop },
            "grant_request": totals.grant, "matching": totals.matching,
            "milestones": apps::milestones(conn, id).await?.iter().map(|m| json!({
                "month_due": m.month_due, "deliverables": m.deliverables, "tranche_percent": m.tranche_percent })).collect::<Vec<_>>(),
            "attachments": apps::attachments(conn, id).await?.iter().map(|(a, _)| json!({
                "id": a.id, "filename": a.filename, "bytes": a.size_bytes })).collect::<Vec<_>>(),
        });
        apps::add_snapshot(conn, id, &snapshot, now).await?;
        apps::set_state(conn, id, State::Submitted, Some(now), now).await?;
        // Receipts: the lead's members and the partners' owners.
        let mut recipients = orgs::members(conn, app.lead_org_id).await?;
        for p in apps::partners(conn, id).await?.into_iter().filter(|p| p.status == PartnerStatus::Accepted) {
            recipients.extend(orgs::owners(conn, p.organization.id).await?);
        }
        recipients.sort_by(|a, b| a.email.cmp(&b.email));
        recipients.dedup_by(|a, b| a.email == b.email);
        for r in recipients {
            let lang = r.lang;
            let call_title = call.title_in(lang);
            let mail = Email::SubmissionReceipt { title: title_or_number(&app), call: call_title, link: link(state, id) };
            email::enqueue(conn, now, &r.email, lang, &mail).await?;
        }
        audit::insert(
            conn,
            &event(now, actor.user_id(), origin, "application.submitted", "application", id)
                .change(Some(json!({ "state": "draft" })), Some(json!({ "state": "submitted", "grant_request": totals.grant }))),
        )
        .await?;
        Ok(SubmitOutcome::Submitted)
    })
    .await
}

/// Before the deadline the lead may take a submitted application back to
/// draft (to edit and submit again) or withdraw it for good.
pub async fn take_back(
    state: &AppState,
    actor: &Actor,
    id: ApplicationId,
    to: Option<State>,
    confirmed: bool,
    origin: &Origin,
) -> Result<(), AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    conn.transaction::<_, AppError, _>(async |conn| {
        // Who may act is settled before what they asked for (404 first).
        access(conn, actor, id, AppAction::Edit).await?;
        let to = to
            .filter(|t| matches!(t, State::Draft | State::Withdrawn))
            .ok_or(AppError::BadRequest)?;
        let app = apps::find_for_update(conn, id)
            .await?
            .ok_or(AppError::NotFound)?;
        // Both only from submitted (DESIGN §4); a draft is simply left alone.
        let allowed_from = app.state == State::Submitted;
        if !allowed_from {
            return Err(AppError::Conflict("err-application-state"));
        }
        let call = calls::find(conn, app.call_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if call.state() != CallState::Published || now >= call.closes_at {
            return Err(AppError::Conflict("err-after-deadline"));
        }
        // Withdrawing is for good: only once the person has read so.
        if to == State::Withdrawn && !confirmed {
            return Err(AppError::Unconfirmed);
        }
        apps::set_state(conn, id, to, None, now).await?;
        audit::insert(
            conn,
            &event(
                now,
                actor.user_id(),
                origin,
                if to == State::Draft {
                    "application.returned_to_draft"
                } else {
                    "application.withdrawn"
                },
                "application",
                id,
            )
            .change(
                Some(json!({ "state": app.state })),
                Some(json!({ "state": to.code() })),
            ),
        )
        .await?;
        Ok(())
    })
    .await
}

// ---- reminders

pub const REMINDER_BEFORE: Duration = Duration::hours(72);

/// Emails the owners of each draft whose call closes within 72 hours, once
/// per draft however many workers run this (`job_runs` keeps the record in
/// the same transaction as the email). Returns how many drafts were reminded.
pub async fn send_draft_reminders(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    let due = apps::drafts_closing_between(&mut conn, now, now + REMINDER_BEFORE).await?;
    let mut sent = 0;
    for (id, lead, title) in due {
        let reminded = conn
            .transaction::<_, AppError, _>(async |conn| {
                if !job_runs::claim(conn, Job::DraftReminder, &id.to_string(), now).await? {
                    return Ok(false);
                }
                let app = apps::find(conn, id).await?.ok_or(AppError::NotFound)?;
                let call = calls::find(conn, app.call_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                for owner in orgs::owners(conn, lead).await? {
                    let lang = owner.lang;
                    let title = if title.trim().is_empty() {
                        format!("#{id}")
                    } else {
                        title.clone()
                    };
                    let mail = Email::DraftReminder {
                        title,
                        closes: crate::clock::format_bay_area(call.closes_at),
                        link: link(state, id),
                    };
                    email::enqueue(conn, now, &owner.email, lang, &mail).await?;
                }
                audit::insert(
                    conn,
                    &event(
                        now,
                        None,
                        &Origin::default(),
                        "application.reminder_sent",
                        "application",
                        id,
                    ),
                )
                .await?;
                Ok(true)
            })
            .await?;
        sent += usize::from(reminded);
    }
    Ok(sent)
}

/// Used by the web layer to show a problem in the reader's language.
pub fn describe(lang: Lang, p: &Problem) -> String {
    let args: Vec<(&'static str, String)> = p
        .args
        .iter()
        .map(|(k, v)| {
            if *k == "field" {
                (*k, lang.t(&format!("appfield-{v}")))
            } else {
                (*k, v.clone())
            }
        })
        .collect();
    lang.t_with(p.key, &args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_are_judged_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n...").map(|t| t.1), Some("pdf"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n....").map(|t| t.1), Some("png"));
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0..").map(|t| t.1), Some("jpg"));
        assert_eq!(
            sniff(b"PK\x03\x04....word/document.xml...").map(|t| t.1),
            Some("docx")
        );
        assert_eq!(
            sniff(b"PK\x03\x04....xl/workbook.xml...").map(|t| t.1),
            Some("xlsx")
        );
        assert_eq!(sniff(b"MZ\x90\x00 this is an exe"), None);
        assert_eq!(sniff(b"\x7fELF...."), None);
        assert_eq!(sniff(b"PK\x03\x04 a plain zip"), None);
    }

    #[test]
    fn file_names_are_cleaned_and_take_the_real_extension() {
        assert_eq!(
            clean_filename("C:\\\\Users\\\\me\\\\plan.pdf", "pdf"),
            "plan.pdf"
        );
        assert_eq!(clean_filename("../../etc/passwd", "pdf"), "passwd.pdf");
        assert_eq!(clean_filename("virus.exe", "pdf"), "virus.pdf");
        assert_eq!(clean_filename("a\"b;c.pdf", "pdf"), "abc.pdf");
        assert_eq!(clean_filename("", "png"), "attachment.png");
        assert_eq!(clean_filename("計劃書.docx", "docx"), "計劃書.docx");
    }
}
