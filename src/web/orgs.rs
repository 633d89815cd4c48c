//! Organizations: the directory, profiles, the owner's forms, members and
//! invitations, and the admins' verification controls on the profile.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::{CsrfForm, Ctx};
use super::{after_form, render, render_form, see_other_with_flash};
use crate::AppState;
use crate::domain::organization::MemberRole;
use crate::domain::organization::Verification;
use crate::domain::organization::{City, Jurisdiction, OrgType, OrganizationForm};
use crate::domain::search::{Segment, highlight};
use crate::error::{AppError, FormErrors};
use crate::i18n::Lang;
use crate::models::focus_areas::{self, FocusArea};
use crate::models::organizations::{
    self as orgs, DirectoryFilter, Invitation, Member, Organization,
};
use crate::models::{OrganizationId, UserId};
use crate::policy::{OrgAction, Permission, may, may_on_organization};
use crate::services::organizations::{self as service, InvitationForm, InvitationOutcome};
use crate::services::verification::{self, DebarmentForm, DecisionForm};

const PAGE: i64 = 20;

/// An organization as a list row or profile header shows it.
pub struct OrgView {
    pub id: OrganizationId,
    pub name_zh: String,
    pub name_en: String,
    pub place: String,
    pub type_label: String,
    pub verification: Verification,
    pub whitelisted: bool,
    pub debarred_until: Option<String>,
    pub focus: Vec<String>,
}

pub(super) fn place(ctx: &Ctx, org: &Organization) -> String {
    match &org.city {
        Some(city) => format!(
            "{} · {}",
            ctx.t("jurisdiction-mainland"),
            ctx.t(&format!("city-{city}"))
        ),
        None => ctx.t(&format!("jurisdiction-{}", org.jurisdiction)),
    }
}

fn focus_name(areas: &[FocusArea], code: &str, lang: Lang) -> String {
    areas
        .iter()
        .find(|a| a.code == code)
        .map_or_else(|| code.to_string(), |a| a.name(lang).to_string())
}

pub fn view(
    ctx: &Ctx,
    org: &Organization,
    focus: &[(OrganizationId, String)],
    areas: &[FocusArea],
) -> OrgView {
    OrgView {
        id: org.id,
        name_zh: org.name_zh.clone(),
        name_en: org.name_en.clone(),
        place: place(ctx, org),
        type_label: ctx.t(&format!("orgtype-{}", org.org_type)),
        verification: org.verification,
        whitelisted: org.whitelisted,
        debarred_until: org.debarred_until.map(|d| d.to_string()),
        focus: focus
            .iter()
            .filter(|(id, _)| *id == org.id)
            .map(|(_, code)| focus_name(areas, code, ctx.lang))
            .collect(),
    }
}

/// Options for the form's select boxes, with labels in the reader's language.
pub struct Choice {
    pub value: String,
    pub label: String,
}

impl Choice {
    pub fn is_in(&self, selected: &[String]) -> bool {
        selected.contains(&self.value)
    }

    pub fn is(&self, selected: &str) -> bool {
        self.value == selected
    }
}

pub(crate) fn choices<T: Copy>(
    ctx: &Ctx,
    all: &[T],
    code: impl Fn(T) -> &'static str,
    prefix: &str,
) -> Vec<Choice> {
    all.iter()
        .map(|t| Choice {
            value: code(*t).to_string(),
            label: ctx.t(&format!("{prefix}-{}", code(*t))),
        })
        .collect()
}

fn focus_choices(ctx: &Ctx, areas: &[FocusArea]) -> Vec<Choice> {
    areas
        .iter()
        .filter(|a| a.active)
        .map(|a| Choice {
            value: a.code.clone(),
            label: a.name(ctx.lang).to_string(),
        })
        .collect()
}

// ---- directory

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct DirectoryQuery {
    q: String,
    city: String,
    #[serde(rename = "type")]
    org_type: String,
    focus: String,
    verified: String,
    after: Option<i64>,
}

#[derive(Template)]
#[template(path = "orgs/directory.html")]
struct DirectoryPage<'a> {
    c: &'a Ctx,
    q: &'a DirectoryQuery,
    visitor: bool,
    /// Each organization with its two names, the query's words marked.
    rows: Vec<(OrgView, Vec<Segment>, Vec<Segment>)>,
    cities: Vec<Choice>,
    types: Vec<Choice>,
    focus: Vec<Choice>,
    next_link: Option<String>,
}

pub async fn directory(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<DirectoryQuery>,
) -> Result<HttpResponse, AppError> {
    // Visitors see the public directory: verified organizations only.
    let visitor = ctx.user.is_none();
    let filter = DirectoryFilter {
        text: Some(crate::domain::search::Query::parse(&query.q)),
        city: City::from_code(&query.city),
        org_type: OrgType::from_code(&query.org_type),
        focus: (!query.focus.is_empty()).then(|| query.focus.clone()),
        verified_only: visitor || !query.verified.is_empty(),
        verification: None,
    };
    let mut conn = state.pool.get().await?;
    let mut found = orgs::search(
        &mut conn,
        &filter,
        query.after.map(OrganizationId),
        PAGE + 1,
    )
    .await?;
    let more = found.len() as i64 > PAGE;
    found.truncate(PAGE as usize);
    let ids: Vec<_> = found.iter().map(|o| o.id).collect();
    let focus = orgs::focus_of(&mut conn, &ids).await?;
    let areas = focus_areas::all(&mut conn).await?;
    let next_link = match (more, found.last()) {
        (true, Some(last)) => Some(format!(
            "/orgs?q={}&city={}&type={}&focus={}&verified={}&after={}",
            super::url_encode(&query.q),
            super::url_encode(&query.city),
            super::url_encode(&query.org_type),
            super::url_encode(&query.focus),
            super::url_encode(&query.verified),
            last.id
        )),
        _ => None,
    };
    let text = filter.text.unwrap_or_default();
    let rows = found
        .iter()
        .map(|o| {
            let name = ctx.pick(&o.name_zh, &o.name_en);
            (
                view(&ctx, o, &focus, &areas),
                highlight(&name, &text, 200),
                highlight(&o.name_en, &text, 200),
            )
        })
        .collect();
    render(&DirectoryPage {
        c: &ctx,
        q: &query,
        visitor,
        rows,
        cities: choices(&ctx, &City::ALL, City::code, "city"),
        types: choices(&ctx, &OrgType::ALL, OrgType::code, "orgtype"),
        focus: focus_choices(&ctx, &areas),
        next_link,
    })
}

#[derive(Template)]
#[template(path = "orgs/mine.html")]
struct MinePage<'a> {
    c: &'a Ctx,
    rows: Vec<(OrgView, String)>,
}

pub async fn mine(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    let mut conn = state.pool.get().await?;
    let mine = orgs::of_user(&mut conn, user.id).await?;
    let ids: Vec<_> = mine.iter().map(|(o, _)| o.id).collect();
    let focus = orgs::focus_of(&mut conn, &ids).await?;
    let areas = focus_areas::all(&mut conn).await?;
    let rows = mine
        .iter()
        .map(|(o, role)| {
            (
                view(&ctx, o, &focus, &areas),
                ctx.t(&format!("member-role-{role}")),
            )
        })
        .collect();
    render(&MinePage { c: &ctx, rows })
}

// ---- create and edit

#[derive(Template)]
#[template(path = "orgs/form.html")]
struct FormPage<'a> {
    c: &'a Ctx,
    action: String,
    form: OrganizationForm,
    errors: FormErrors,
    cities: Vec<Choice>,
    types: Vec<Choice>,
    focus: Vec<Choice>,
    editing: bool,
}

async fn form_page(
    ctx: &Ctx,
    state: &AppState,
    action: String,
    form: OrganizationForm,
    errors: FormErrors,
    editing: bool,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let areas = focus_areas::all(&mut conn).await?;
    let page = FormPage {
        c: ctx,
        action,
        form,
        cities: choices(ctx, &City::ALL, City::code, "city"),
        types: choices(ctx, &OrgType::ALL, OrgType::code, "orgtype"),
        focus: focus_choices(ctx, &areas),
        editing,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn new_form(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require_user()?;
    form_page(
        &ctx,
        &state,
        "/orgs".into(),
        OrganizationForm::default(),
        FormErrors::default(),
        false,
    )
    .await
}

pub async fn create(
    ctx: Ctx,
    state: web::Data<AppState>,
    CsrfForm(form): CsrfForm<OrganizationForm>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    after_form(
        service::create(&state, user.id, &form, &ctx.origin).await,
        |id| {
            see_other_with_flash(
                &format!("/orgs/{id}"),
                "flash-org-created",
                state.config.cookie_secure,
            )
        },
        |errors| form_page(&ctx, &state, "/orgs".into(), form, errors, false),
    )
    .await
}

fn parse_id(raw: &str) -> Result<OrganizationId, AppError> {
    raw.parse().map_err(|_| AppError::NotFound)
}

pub async fn edit_form(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id = parse_id(&path)?;
    let mut conn = state.pool.get().await?;
    service::authorize(&mut conn, &actor, id, OrgAction::Edit).await?;
    let org = orgs::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let focus = orgs::focus_of(&mut conn, &[id])
        .await?
        .into_iter()
        .map(|(_, f)| f)
        .collect();
    let form = OrganizationForm {
        name_zh: org.name_zh,
        name_en: org.name_en,
        org_type: org.org_type.code().to_string(),
        city: org.city.map(|c| c.code().to_string()).unwrap_or_default(),
        registration_number: org.registration_number,
        founded_on: org.founded_on.to_string(),
        focus,
        address: org.address,
        website: org.website,
        contact_email: org.contact_email,
    };
    drop(conn);
    form_page(
        &ctx,
        &state,
        format!("/orgs/{id}/edit"),
        form,
        FormErrors::default(),
        true,
    )
    .await
}

pub async fn update(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<OrganizationForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id = parse_id(&path)?;
    after_form(
        service::update(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                &format!("/orgs/{id}"),
                "flash-org-saved",
                state.config.cookie_secure,
            )
        },
        |errors| form_page(&ctx, &state, format!("/orgs/{id}/edit"), form, errors, true),
    )
    .await
}

// ---- profile

#[derive(Template)]
#[template(path = "orgs/show.html")]
struct ShowPage<'a> {
    c: &'a Ctx,
    org: OrgView,
    raw: Organization,
    show_contacts: bool,
    is_member: bool,
    is_owner: bool,
    is_admin: bool,
    cross_border: bool,
    errors: FormErrors,
}

pub async fn show(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    show_page(&ctx, &state, id, FormErrors::default()).await
}

async fn show_page(
    ctx: &Ctx,
    state: &AppState,
    id: OrganizationId,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let mut conn = state.pool.get().await?;
    let org = orgs::find(&mut conn, id)
        .await?
        // Visitors see the public directory: verified organizations only.
        .filter(|o| ctx.user.is_some() || o.verification == Verification::Verified)
        .ok_or(AppError::NotFound)?;
    let focus = orgs::focus_of(&mut conn, &[id]).await?;
    let areas = focus_areas::all(&mut conn).await?;
    let membership = match &ctx.user {
        Some(u) => orgs::role_of(&mut conn, id, u.id).await?,
        None => None,
    };
    let actor = ctx.actor();
    let is_admin = actor
        .as_ref()
        .is_some_and(|a| may(a, Permission::VerifyOrganizations));
    let page = ShowPage {
        c: ctx,
        org: view(ctx, &org, &focus, &areas),
        show_contacts: actor
            .as_ref()
            .is_some_and(|a| may_on_organization(a, membership, OrgAction::SeeContacts)),
        is_member: actor
            .as_ref()
            .is_some_and(|a| may_on_organization(a, membership, OrgAction::SeeMembers)),
        is_owner: actor
            .as_ref()
            .is_some_and(|a| may_on_organization(a, membership, OrgAction::Edit)),
        is_admin,
        cross_border: Some(org.jurisdiction).is_some_and(Jurisdiction::is_cross_border),
        raw: org,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

// ---- members

#[derive(Template)]
#[template(path = "orgs/members.html")]
struct MembersPage<'a> {
    c: &'a Ctx,
    org: Organization,
    members: Vec<Member>,
    invitations: Vec<Invitation>,
    is_owner: bool,
    form: InvitationForm,
    errors: FormErrors,
    /// The invitation's choices, the least power first (and so the default).
    roles: [MemberRole; 2],
}

impl MembersPage<'_> {
    /// The organization has one owner: they can be neither demoted nor
    /// removed until another member is an owner.
    fn sole_owner(&self) -> bool {
        self.members
            .iter()
            .filter(|m| m.role == MemberRole::Owner)
            .count()
            == 1
    }
}

pub async fn members(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let id = parse_id(&path)?;
    members_page(
        &ctx,
        &state,
        id,
        InvitationForm {
            role: "member".into(),
            ..Default::default()
        },
        FormErrors::default(),
    )
    .await
}

async fn members_page(
    ctx: &Ctx,
    state: &AppState,
    id: OrganizationId,
    form: InvitationForm,
    errors: FormErrors,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let mut conn = state.pool.get().await?;
    let membership = service::authorize(&mut conn, &actor, id, OrgAction::SeeMembers).await?;
    let org = orgs::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let page = MembersPage {
        roles: [MemberRole::Member, MemberRole::Owner],
        c: ctx,
        members: orgs::members(&mut conn, id).await?,
        invitations: orgs::open_invitations(&mut conn, id, state.clock.now()).await?,
        is_owner: may_on_organization(&actor, membership, OrgAction::ManageMembers),
        org,
        form,
        errors,
    };
    render_form(&page, page.errors.is_empty())
}

pub async fn invite(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<InvitationForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id = parse_id(&path)?;
    after_form(
        service::invite(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                &format!("/orgs/{id}/members"),
                "flash-invitation-sent",
                state.config.cookie_secure,
            )
        },
        |errors| members_page(&ctx, &state, id, form, errors),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct MemberChange {
    action: String,
}

pub async fn change_member(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<MemberChange>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.actor().ok_or_else(|| AppError::SignInRequired {
        next: ctx.path.clone(),
    })?;
    let id = parse_id(&path.0)?;
    let member: UserId = path.1.parse().map_err(|_| AppError::NotFound)?;
    let role = match form.action.as_str() {
        "make_owner" => Some("owner"),
        "make_member" => Some("member"),
        "remove" => None,
        // Refused by the service as a role nobody has, once it has settled
        // that the actor may manage members at all (404 first).
        other => Some(other),
    };
    service::change_member(&state, &actor, id, member, role, &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/orgs/{id}/members"),
        "flash-members-saved",
        state.config.cookie_secure,
    ))
}

// ---- invitations

#[derive(Template)]
#[template(path = "orgs/invitation.html")]
struct InvitationPage<'a> {
    c: &'a Ctx,
    token: String,
}

pub async fn invitation(ctx: Ctx, path: web::Path<String>) -> Result<HttpResponse, AppError> {
    ctx.require_user()?;
    // The token goes into the form's address: only our own shape may.
    if !crate::domain::token::is_well_formed(&path) {
        return Err(AppError::NotFound);
    }
    render(&InvitationPage {
        c: &ctx,
        token: path.into_inner(),
    })
}

pub async fn accept_invitation(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    _form: CsrfForm<super::ctx::NoFields>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?;
    match service::accept_invitation(&state, user.id, &path, &ctx.origin).await? {
        InvitationOutcome::Joined(org) => Ok(see_other_with_flash(
            &format!("/orgs/{org}"),
            "flash-joined",
            state.config.cookie_secure,
        )),
        InvitationOutcome::Invalid => Err(AppError::Conflict("err-invitation-invalid")),
        InvitationOutcome::OtherEmail => Err(AppError::Conflict("err-invitation-other-email")),
    }
}

// ---- admin controls on the profile

pub async fn decide(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<DecisionForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::VerifyOrganizations)?;
    let id = parse_id(&path)?;
    after_form(
        verification::decide(&state, &actor, id, &form, &ctx.origin).await,
        |()| {
            see_other_with_flash(
                "/admin/verifications",
                "flash-verification-decided",
                state.config.cookie_secure,
            )
        },
        |errors| show_page(&ctx, &state, id, errors),
    )
    .await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct WhitelistForm {
    on: String,
}

pub async fn whitelist(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<WhitelistForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::VerifyOrganizations)?;
    let id = parse_id(&path)?;
    verification::set_whitelisted(&state, &actor, id, form.on == "1", &ctx.origin).await?;
    Ok(see_other_with_flash(
        &format!("/orgs/{id}"),
        "flash-org-saved",
        state.config.cookie_secure,
    ))
}

pub async fn debar(
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<DebarmentForm>,
) -> Result<HttpResponse, AppError> {
    let actor = ctx.require(Permission::VerifyOrganizations)?;
    let id = parse_id(&path)?;
    let confirmed = super::confirm::given(&form.confirmed);
    let outcome =
        verification::set_debarment(&state, &actor, id, &form, confirmed, &ctx.origin).await;
    if let Err(AppError::Unconfirmed) = outcome {
        let mut conn = state.pool.get().await?;
        let org = orgs::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
        let name = ctx.pick(&org.name_zh, &org.name_en);
        return super::confirm::ConfirmPage {
            c: &ctx,
            title: ctx.t("confirm-debar-title"),
            consequences: vec![ctx.t_with(
                "confirm-debar-what",
                &[("name", name), ("until", form.until.trim().to_string())],
            )],
            action: format!("/admin/orgs/{id}/debarment"),
            fields: vec![
                ("until", form.until.clone()),
                ("reason", form.reason.clone()),
            ],
            confirm: ctx.t("confirm-debar"),
            back: format!("/orgs/{id}"),
            back_label: ctx.t("confirm-back-org"),
        }
        .respond();
    }
    after_form(
        outcome,
        |()| {
            see_other_with_flash(
                &format!("/orgs/{id}"),
                "flash-org-saved",
                state.config.cookie_secure,
            )
        },
        |errors| show_page(&ctx, &state, id, errors),
    )
    .await
}

#[derive(Template)]
#[template(path = "admin/verifications.html")]
struct QueuePage<'a> {
    c: &'a Ctx,
    rows: Vec<OrgView>,
}

/// Organizations waiting for verification, oldest first.
pub async fn queue(ctx: Ctx, state: web::Data<AppState>) -> Result<HttpResponse, AppError> {
    ctx.require(Permission::VerifyOrganizations)?;
    let mut conn = state.pool.get().await?;
    let filter = DirectoryFilter {
        verification: Some(Verification::Pending),
        ..Default::default()
    };
    let pending = orgs::search(&mut conn, &filter, None, 200).await?;
    let ids: Vec<_> = pending.iter().map(|o| o.id).collect();
    let focus = orgs::focus_of(&mut conn, &ids).await?;
    let areas = focus_areas::all(&mut conn).await?;
    let rows = pending
        .iter()
        .map(|o| view(&ctx, o, &focus, &areas))
        .collect();
    render(&QueuePage { c: &ctx, rows })
}
