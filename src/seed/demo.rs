//! `seed --demo`: one verified user per role, with passwords printed once.
//! Running it again leaves existing users and their passwords alone.

use diesel_async::AsyncConnection;

use crate::AppState;
use crate::domain::organization::MemberRole;
use crate::domain::organization::Verification;
use crate::domain::organization::{City, OrgType};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::models::users::NewUser;
use crate::models::{audit, users};
use crate::services::{Origin, audit::event, passwords};

pub struct DemoUser {
    pub email: &'static str,
    pub name: &'static str,
    pub roles: &'static [Role],
    /// `Some` only when the user was created by this run.
    pub password: Option<String>,
    /// The key of the second factor set up for an admin or finance user
    /// created by this run (base32, for an authenticator app).
    pub totp_secret: Option<String>,
}

const USERS: [(&str, &str, &[Role]); 9] = [
    (
        "admin@demo.baygrants.org",
        "示範管理員 Demo Admin",
        &[Role::Admin],
    ),
    (
        "finance1@demo.baygrants.org",
        "示範財務一 Demo Finance 1",
        &[Role::Finance],
    ),
    (
        "finance2@demo.baygrants.org",
        "示範財務二 Demo Finance 2",
        &[Role::Finance],
    ),
    (
        "applicant@demo.baygrants.org",
        "示範申請人 Demo Applicant (Guangzhou)",
        &[],
    ),
    (
        "shenzhen@demo.baygrants.org",
        "深圳示範用戶 Demo Shenzhen",
        &[],
    ),
    (
        "hongkong@demo.baygrants.org",
        "香港示範用戶 Demo Hong Kong",
        &[],
    ),
    ("macau@demo.baygrants.org", "澳門示範用戶 Demo Macau", &[]),
    (
        "reviewer1@demo.baygrants.org",
        "示範評審員（廣州）Demo Reviewer Guangzhou",
        &[],
    ),
    (
        "reviewer2@demo.baygrants.org",
        "示範評審員（香港）Demo Reviewer Hong Kong",
        &[],
    ),
];

const FUND_NAME_EN: &str = "Greater Bay Area Venture Philanthropy Fund (demo)";

type DemoOrganization = (
    usize,
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    &'static str,
    &'static str,
);

/// Verified organizations: owner (index into `USERS`), names, type, city,
/// registration number, focus area.
const ORGANIZATIONS: [DemoOrganization; 4] = [
    (
        3,
        "廣州長者關愛基金會",
        "Guangzhou Elder Care Foundation",
        "foundation",
        Some("guangzhou"),
        "53440103427841382L",
        "elderly_care",
    ),
    (
        4,
        "深圳社區共融協會",
        "Shenzhen Community Inclusion Association",
        "social_group",
        Some("shenzhen"),
        "514403036681849454",
        "community_services",
    ),
    (
        5,
        "香港跨境青年服務社",
        "Hong Kong Cross-border Youth Service",
        "hk_charity",
        None,
        "91/12345",
        "youth_exchange",
    ),
    (
        6,
        "澳門長者及社區服務協會",
        "Macau Elderly and Community Service Association",
        "macau_association",
        None,
        "1234/2015",
        "elderly_care",
    ),
];

pub async fn seed(state: &AppState) -> Result<Vec<DemoUser>, AppError> {
    let mut out = Vec::new();
    for (email, name, roles) in USERS {
        let now = state.clock.now();
        let exists = {
            let mut conn = state.pool.get().await?;
            users::find_by_email(&mut conn, email).await?.is_some()
        };
        if exists {
            out.push(DemoUser {
                email,
                name,
                roles,
                password: None,
                totp_secret: None,
            });
            continue;
        }
        let password = readable_password();
        let hash = passwords::hash(password.clone()).await?;
        let totp =
            crate::policy::needs_second_factor(roles).then(crate::domain::totp::Secret::generate);
        let mut conn = state.pool.get().await?;
        conn.transaction::<_, AppError, _>(async |conn| {
            let user = users::insert(
                conn,
                &NewUser {
                    email,
                    name,
                    password_hash: &hash,
                    lang: Lang::ZhHant,
                    email_verified_at: Some(now),
                    created_at: now,
                    updated_at: now,
                },
            )
            .await?;
            for role in roles {
                users::grant_role(conn, user.id, *role, None, now).await?;
            }
            if let Some(secret) = &totp {
                crate::models::second_factor::enrol(conn, user.id, secret.as_bytes(), 0, now)
                    .await?;
            }
            audit::insert(
                conn,
                &event(
                    now,
                    None,
                    &Origin::cli(),
                    "user.demo_seeded",
                    "user",
                    user.id,
                ),
            )
            .await?;
            Ok(())
        })
        .await?;
        out.push(DemoUser {
            email,
            name,
            roles,
            password: Some(password),
            totp_secret: totp.map(|s| s.base32()),
        });
    }
    seed_data(state).await?;
    Ok(out)
}

/// A fund, four verified organizations (Guangzhou, Shenzhen, Hong Kong,
/// Macau; the latter two whitelisted) and a call open for six weeks.
async fn seed_data(state: &AppState) -> Result<(), AppError> {
    use crate::domain::call::{CallForm, CallState};
    use crate::domain::money::Currency;
    use crate::models::organizations::{self as orgs, OrganizationFields};
    use crate::models::{calls, funds};

    let now = state.clock.now();
    let mut conn = state.pool.get().await?;
    if funds::find_by_name_en(&mut conn, FUND_NAME_EN)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let admin = users::find_by_email(&mut conn, USERS[0].0)
        .await?
        .ok_or(AppError::NotFound)?;
    let form = CallForm {
        title_zh: "大灣區長者服務公益創投（示範）".into(),
        title_en: "Greater Bay Area elderly care venture grants (demo)".into(),
        description_zh: "支持內地與港澳社會組織聯合開展的長者服務創新項目。".into(),
        description_en: "Supports innovative elderly-care projects run jointly by mainland, Hong Kong and Macau social organizations.".into(),
        focus: vec!["elderly_care".into(), "community_services".into()],
        opens_at: crate::domain::call::to_bay_area_input(now - chrono::Duration::days(1)),
        closes_at: crate::domain::call::to_bay_area_input(now + chrono::Duration::days(42)),
        budget: "2,000,000".into(),
        min_request: "50,000".into(),
        max_request: "500,000".into(),
        max_duration_months: "24".into(),
        joint_required: Some("on".into()),
        verified_required: Some("on".into()),
        whitelist_required: Some("on".into()),
        min_registered_months: "12".into(),
        min_matching_percent: "40".into(),
        max_overhead_percent: "15".into(),
        max_applications_per_lead: "2".into(),
        no_debarred: Some("on".into()),
        declaration_required: Some("on".into()),
        rate_hkd: "0.92".into(),
        rate_mop: "0.89".into(),
        crit_name_zh: vec!["社會需要".into(), "項目設計".into(), "跨境協作".into(), "可持續性".into()],
        crit_name_en: vec!["Social need".into(), "Project design".into(), "Cross-border collaboration".into(), "Sustainability".into()],
        crit_guidance_zh: vec!["需要是否清晰並有數據支持？".into(), "方法是否可行？".into(), "合作是否實質？".into(), "資助結束後能否延續？".into()],
        crit_guidance_en: vec![
            "Is the need clear and evidenced?".into(),
            "Is the approach workable?".into(),
            "Is the partnership real?".into(),
            "Will it last beyond the grant?".into(),
        ],
        crit_weight: vec!["30".into(), "30".into(), "25".into(), "15".into()],
        crit_max: vec!["10".into(), "10".into(), "10".into(), "10".into()],
        ..Default::default()
    };
    let known = crate::models::focus_areas::active_codes(&mut conn).await?;
    let call = form
        .clone()
        .validate(Currency::Cny, &known)
        .map_err(AppError::Invalid)?;
    let (call_id, org_ids) = conn
        .transaction::<_, AppError, _>(async |conn| {
            let mut org_ids = Vec::new();
            let fund = funds::insert(
                conn,
                &funds::NewFund {
                    name_zh: "大灣區公益創投基金（示範）",
                    name_en: FUND_NAME_EN,
                    sponsors: "Demo Foundation; Demo Charitable Trust",
                    currency: Currency::Cny,
                    created_by: Some(admin.id),
                    created_at: now,
                },
            )
            .await?;
            for (owner, name_zh, name_en, org_type, city, regno, focus) in ORGANIZATIONS {
                let owner = users::find_by_email(conn, USERS[owner].0)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let jurisdiction = OrgType::from_code(org_type)
                    .map(|t| t.jurisdiction())
                    .ok_or(AppError::NotFound)?;
                let org = orgs::insert(
                    conn,
                    &OrganizationFields {
                        name_zh: name_zh.into(),
                        name_en: name_en.into(),
                        jurisdiction,
                        city: city.and_then(City::from_code),
                        org_type: OrgType::from_code(org_type).ok_or(AppError::NotFound)?,
                        registration_number: regno.into(),
                        founded_on: chrono::NaiveDate::from_ymd_opt(2015, 6, 1).unwrap_or_default(),
                        address: String::new(),
                        website: "https://example.org".into(),
                        contact_email: owner.email.clone(),
                    },
                    now,
                )
                .await?;
                orgs::set_focus(conn, org.id, &[focus.to_string()]).await?;
                orgs::add_member(conn, org.id, owner.id, MemberRole::Owner, now).await?;
                orgs::set_verification(conn, org.id, Verification::Verified, "demo", now).await?;
                org_ids.push((owner.id, org.id));
                if jurisdiction.is_cross_border() {
                    orgs::set_whitelisted(conn, org.id, true, now).await?;
                }
            }
            let id = calls::insert(conn, fund.id, &call, admin.id, now).await?;
            calls::set_state(conn, id, CallState::Draft, CallState::Published, now).await?;
            audit::insert(
                conn,
                &event(
                    now,
                    None,
                    &Origin::cli(),
                    "demo.data_seeded",
                    "fund",
                    fund.id,
                ),
            )
            .await?;
            Ok((id, org_ids))
        })
        .await?;
    drop(conn);
    seed_applications(state, call_id, &org_ids).await?;
    seed_review(state, &form, &org_ids).await
}

/// A second round that closed a month ago and is now in review: two joint
/// applications submitted back then, a panel of two reviewers assigned
/// automatically, one review in draft and the others submitted. Decisions are left
/// for the demo admin to make.
async fn seed_review(
    state: &AppState,
    form: &crate::domain::call::CallForm,
    orgs: &[(crate::models::UserId, crate::models::OrganizationId)],
) -> Result<(), AppError> {
    use crate::policy::Actor;
    use crate::services::review::{self, Declaration, PanelForm, ScoreForm};
    let [(gz_user, gz), (sz_user, sz), (hk_user, hk), (mo_user, mo)] = orgs else {
        return Ok(());
    };
    let origin = Origin::cli();
    let clock = std::sync::Arc::new(crate::clock::ShiftedClock::default());
    clock.advance(-chrono::Duration::days(60));
    let past = AppState {
        clock: clock.clone(),
        ..state.clone()
    };
    let then = past.clock.now();
    let mut conn = state.pool.get().await?;
    let admin_user = users::find_by_email(&mut conn, USERS[0].0)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let admin = Actor::User {
        id: admin_user.id,
        roles: vec![Role::Admin],
    };
    let mut form = form.clone();
    form.title_zh = "大灣區社區共融公益創投（示範，評審中）".into();
    form.title_en = "Greater Bay Area community inclusion grants (demo, in review)".into();
    form.opens_at = crate::domain::call::to_bay_area_input(then - chrono::Duration::days(1));
    form.closes_at = crate::domain::call::to_bay_area_input(then + chrono::Duration::days(30));
    form.fund_id = {
        let mut conn = state.pool.get().await?;
        crate::models::funds::find_by_name_en(&mut conn, FUND_NAME_EN)
            .await?
            .ok_or(AppError::NotFound)?
            .id
            .to_string()
    };
    form.anonymise_reviews = Some("on".into());
    form.show_peer_scores = Some("on".into());
    form.comp_name_zh = vec!["公眾評審團".into()];
    form.comp_name_en = vec!["Public jury".into()];
    form.comp_weight = vec!["30".into()];
    let call = crate::services::calls::create(&past, &admin, &form, &origin).await?;
    crate::services::calls::transition(&past, &admin, call, "published", &origin).await?;
    submitted_application(
        &past,
        call,
        (*gz_user, *gz),
        (*mo_user, *mo),
        "穗澳長者數碼共融計劃",
    )
    .await?;
    submitted_application(
        &past,
        call,
        (*sz_user, *sz),
        (*hk_user, *hk),
        "深港青年義工共融計劃",
    )
    .await?;
    // The round has closed: review starts today.
    crate::services::calls::transition(state, &admin, call, "in_review", &origin).await?;
    for (email, base) in [(USERS[7].0, "mainland"), (USERS[8].0, "hong_kong")] {
        let panel = PanelForm {
            email: email.into(),
            base: base.into(),
        };
        review::add_panel_member(
            state,
            &admin,
            call,
            &panel,
            crate::i18n::Lang::default(),
            &origin,
        )
        .await?;
    }
    review::auto_assign(state, &admin, call, 2, 1, &origin).await?;
    let mut conn = state.pool.get().await?;
    let assigned = crate::models::reviews::of_call(&mut conn, call).await?;
    drop(conn);
    let mut first = true;
    for r in assigned {
        let reviewer = Actor::User {
            id: r.reviewer_id,
            roles: Vec::new(),
        };
        let declaration = Declaration {
            decision: "no_conflict".into(),
            reason: String::new(),
        };
        review::declare(state, &reviewer, r.id, &declaration, &origin).await?;
        let scores = ScoreForm {
            score: vec!["8".into(), "7".into(), "9".into(), "6".into()],
            comment: vec![
                "需要有數據支持。".into(),
                "方法清晰。".into(),
                "兩地分工明確。".into(),
                "需補充延續計劃。".into(),
            ],
            overall_comment: "值得資助，但須加強可持續性。".into(),
            recommendation: "fund_with_changes".into(),
            action: if first { "save" } else { "submit" }.into(),
        };
        first = false;
        review::save_scores(state, &reviewer, r.id, &scores, &origin).await?;
    }
    // Money in the pool, so that the demo admin's awards can be published.
    let mut conn = state.pool.get().await?;
    let finance = users::find_by_email(&mut conn, USERS[1].0)
        .await?
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let contribution = crate::services::awards::ContributionForm {
        donor: "示範基金會 Demo Foundation".into(),
        received_on: state.clock.now().date_naive().to_string(),
        reference: "DEMO-0001".into(),
        amount: "2,000,000".into(),
    };
    let finance = Actor::User {
        id: finance.id,
        roles: vec![Role::Finance],
    };
    let fund = crate::models::FundId(form.fund_id.parse().unwrap_or_default());
    crate::services::awards::record_contribution(state, &finance, fund, &contribution, &origin)
        .await
}

/// A joint application submitted through the real use cases.
async fn submitted_application(
    state: &AppState,
    call: crate::models::CallId,
    (lead_user, lead): (crate::models::UserId, crate::models::OrganizationId),
    (partner_user, partner): (crate::models::UserId, crate::models::OrganizationId),
    title: &str,
) -> Result<(), AppError> {
    use crate::policy::Actor;
    use crate::services::applications::{
        self as apps, BudgetForm, ContentForm, MilestoneForm, PartnerAnswer,
    };
    let origin = Origin::cli();
    let actor = |id| Actor::User {
        id,
        roles: Vec::new(),
    };
    let id = apps::start(state, lead_user, call, lead, &origin).await?;
    let content = ContentForm {
        title: title.into(),
        summary: "兩地社會組織合作，以義工培訓及社區活動促進共融。".into(),
        need: "社區支援不足，跨境家庭缺乏連繫。".into(),
        approach: "培訓義工、舉辦每月社區活動並追蹤成效。".into(),
        outcomes: "服務 500 人次；培訓 60 名義工。".into(),
        beneficiaries: "跨境家庭及長者".into(),
        duration_months: "12".into(),
        focus: vec!["elderly_care".into()],
        declaration: Some("on".into()),
    };
    apps::save_content(state, &actor(lead_user), id, &content, &origin).await?;
    apps::invite_partner(state, &actor(lead_user), id, partner, &origin).await?;
    let answer = PartnerAnswer {
        decision: "accept".into(),
        role: "社區活動".into(),
        contribution: "義工及場地".into(),
    };
    apps::answer_partner(state, &actor(partner_user), id, partner, &answer, &origin).await?;
    for (org, amount, source, category) in [
        (lead, "150,000", "grant", "personnel"),
        (lead, "10,000", "grant", "administration"),
        (partner, "120,000", "matching", "activities"),
    ] {
        let line = BudgetForm {
            category: category.into(),
            organization_id: org.to_string(),
            currency: "CNY".into(),
            amount: amount.into(),
            source: source.into(),
            description: String::new(),
        };
        apps::add_budget_line(state, &actor(lead_user), id, &line, &origin).await?;
    }
    for (month, deliverables, percent) in [("6", "中期報告", "50"), ("12", "末期報告", "50")]
    {
        let m = MilestoneForm {
            month_due: month.into(),
            deliverables: deliverables.into(),
            tranche_percent: percent.into(),
        };
        apps::add_milestone(state, &actor(lead_user), id, &m, &origin).await?;
    }
    match apps::submit(state, &actor(lead_user), id, &origin).await? {
        apps::SubmitOutcome::Submitted => Ok(()),
        apps::SubmitOutcome::Problems(p) => Err(AppError::Internal(anyhow::anyhow!(
            "the demo application could not be submitted: {p:?}"
        ))),
    }
}

/// Through the real use cases: a submitted joint application (Guangzhou
/// lead, Macau partner) and a draft (Shenzhen lead, Hong Kong invited).
async fn seed_applications(
    state: &AppState,
    call: crate::models::CallId,
    orgs: &[(crate::models::UserId, crate::models::OrganizationId)],
) -> Result<(), AppError> {
    use crate::policy::Actor;
    use crate::services::applications::{
        self as apps, BudgetForm, ContentForm, MilestoneForm, PartnerAnswer,
    };
    let [(gz_user, gz), (sz_user, sz), (hk_user, hk), (mo_user, mo)] = orgs else {
        return Ok(());
    };
    let actor = |id| Actor::User {
        id,
        roles: Vec::new(),
    };
    let origin = Origin::cli();
    let content = |title: &str| {
        ContentForm {
        title: title.into(),
        summary: "長者與青年志願者跨境結對探訪。Cross-border home visits pairing elders with young volunteers.".into(),
        need: "區內獨居長者增加，社區支援不足。".into(),
        approach: "培訓兩地青年志願者，每月定期探訪並記錄長者需要。".into(),
        outcomes: "每月探訪 300 名長者；培訓 80 名志願者。".into(),
        beneficiaries: "廣州及澳門獨居長者".into(),
        duration_months: "18".into(),
        focus: vec!["elderly_care".into()],
        declaration: Some("on".into()),
    }
    };
    let line = |org: crate::models::OrganizationId,
                currency: &str,
                amount: &str,
                source: &str,
                category: &str| BudgetForm {
        category: category.into(),
        organization_id: org.to_string(),
        currency: currency.into(),
        amount: amount.into(),
        source: source.into(),
        description: String::new(),
    };

    // Submitted: Guangzhou leads, Macau accepts.
    let id = apps::start(state, *gz_user, call, *gz, &origin).await?;
    apps::save_content(
        state,
        &actor(*gz_user),
        id,
        &content("銀齡橋：穗澳長者探訪計劃"),
        &origin,
    )
    .await?;
    apps::invite_partner(state, &actor(*gz_user), id, *mo, &origin).await?;
    let answer = PartnerAnswer {
        decision: "accept".into(),
        role: "澳門社區探訪".into(),
        contribution: "志願者及場地".into(),
    };
    apps::answer_partner(state, &actor(*mo_user), id, *mo, &answer, &origin).await?;
    for l in [
        line(*gz, "CNY", "180,000", "grant", "personnel"),
        line(*gz, "CNY", "20,000", "grant", "administration"),
        line(*mo, "MOP", "120,000", "grant", "activities"),
        line(*mo, "MOP", "250,000", "matching", "activities"),
        line(*gz, "CNY", "60,000", "matching", "travel"),
    ] {
        apps::add_budget_line(state, &actor(*gz_user), id, &l, &origin).await?;
    }
    for (month, deliverables, percent) in [
        ("6", "志願者培訓完成", "40"),
        ("12", "中期評估", "30"),
        ("18", "末期報告", "30"),
    ] {
        let m = MilestoneForm {
            month_due: month.into(),
            deliverables: deliverables.into(),
            tranche_percent: percent.into(),
        };
        apps::add_milestone(state, &actor(*gz_user), id, &m, &origin).await?;
    }
    apps::submit(state, &actor(*gz_user), id, &origin).await?;

    // Draft: Shenzhen leads, Hong Kong has not answered yet.
    let draft = apps::start(state, *sz_user, call, *sz, &origin).await?;
    apps::save_content(
        state,
        &actor(*sz_user),
        draft,
        &content("深港共融社區計劃"),
        &origin,
    )
    .await?;
    apps::invite_partner(state, &actor(*sz_user), draft, *hk, &origin).await?;
    let _ = hk_user;
    Ok(())
}

/// Random and easy to copy: three groups of six letters and digits (~107 bits).
fn readable_password() -> String {
    use rand::Rng;
    use rand::distributions::Alphanumeric;
    let chars: String = rand::rngs::OsRng
        .sample_iter(&Alphanumeric)
        .take(18)
        .map(char::from)
        .collect();
    format!("{}-{}-{}", &chars[0..6], &chars[6..12], &chars[12..18])
}
