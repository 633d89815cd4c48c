//! The whole cross-border journey in headless Chromium, clicking and typing
//! as people do, once in each language; the main pages checked with axe-core
//! and the Nu Html Checker; the applicant's and reviewer's pages on a phone.

use baygrants::domain::role::Role;
use baygrants::i18n::Lang;

use baygrants::seed::scale;

use crate::support::chrome::{Chrome, vnu};
use crate::support::{Browser, PASSWORD, TestApp, org_fields, pairs};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A user registered over HTTP (setup, not the journey) in `lang`.
async fn person(app: &TestApp, email: &str, lang: Lang, role: Option<Role>) -> Browser {
    let b = app.registered_user(email, PASSWORD, lang.code()).await;
    if let Some(role) = role {
        baygrants::services::roles::grant_by_email(&app.state, email, role)
            .await
            .unwrap();
    }
    b.login(email, PASSWORD).await;
    b
}

async fn flash(c: &Chrome, lang: Lang, key: &str) {
    let text = c.find(".flash").await.text().await.unwrap();
    assert_eq!(text.trim(), lang.t(key), "on {}", c.path().await);
}

async fn login(c: &Chrome, app: &TestApp, email: &str) {
    login_with(c, app, email, PASSWORD).await;
}

async fn login_with(c: &Chrome, app: &TestApp, email: &str, password: &str) {
    if !c
        .find_all("form[action=\"/logout\"] button")
        .await
        .is_empty()
    {
        c.click("form[action=\"/logout\"] button").await;
    }
    c.goto("/login").await;
    c.submit(
        "form[action=\"/login\"]",
        &[("email", email), ("password", password)],
        "",
    )
    .await;
    if c.path().await.starts_with("/login/second-factor") {
        // Admins and finance officers type the code from their app (set up
        // over HTTP before the journey, or here at the first login).
        c.step("second factor").await;
        let problems = c.axe().await;
        assert!(problems.is_empty(), "second-factor page: {problems:?}");
        if let Some(key) = c.find_all("#totp-secret").await.first() {
            app.authenticator.learn(email, &key.text().await.unwrap());
        }
        let code = app.authenticator.code(email).await;
        c.submit(
            "form[action=\"/login/second-factor\"]",
            &[("code", &code)],
            "",
        )
        .await;
        if !c.find_all(".recovery-codes").await.is_empty() {
            c.step("recovery codes").await;
            let problems = c.axe().await;
            assert!(problems.is_empty(), "recovery codes: {problems:?}");
            c.click("a.button").await;
        }
    }
    if c.find_all("form[action=\"/logout\"]").await.len() != 1 {
        c.step("not logged in").await;
        panic!("{email} is not logged in: {}", c.text().await);
    }
}

fn bay_time(days: i64) -> String {
    (chrono::Utc::now() + chrono::Duration::hours(8) + chrono::Duration::days(days))
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn id_after(path: &str, prefix: &str) -> i64 {
    path.trim_start_matches(prefix)
        .split(['/', '?', '#'])
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("no id in {path}"))
}

async fn journey(lang: Lang) {
    let app = TestApp::spawn().await;
    let l = lang.code();
    // Setup over HTTP: staff, reviewers, the Macau organization's owner,
    // a funded pool.
    let admin_http = person(&app, "admin@bay.test", lang, Some(Role::Admin)).await;
    let fin1 = person(&app, "fin1@bay.test", lang, Some(Role::Finance)).await;
    // The checker's first login is in the browser: the authenticator app is
    // set up there (the others were set up over HTTP with their accounts).
    app.registered_user("fin2@bay.test", PASSWORD, lang.code())
        .await;
    baygrants::services::roles::grant_by_email(&app.state, "fin2@bay.test", Role::Finance)
        .await
        .unwrap();
    person(&app, "rev1@bay.test", lang, None).await;
    person(&app, "rev2@bay.test", lang, None).await;
    let owner = person(&app, "owner@mo.test", lang, None).await;
    let macau = app
        .create_org(
            &owner,
            &org_fields("Macau Elder Link", "macau_association", "", "2468/2016"),
        )
        .await;
    let fund: i64 = crate::support::fund(&app, &admin_http, "CNY")
        .await
        .parse()
        .unwrap();
    let res = crate::awards::contribute(&fin1, fund, "500,000").await;
    assert_eq!(res.status, 303, "{}", res.body);

    let c = Chrome::start(&app.base, &format!("journey-{l}"), 1280, 900).await;

    c.step("a visitor picks the language").await;
    c.goto("/").await;
    c.click(&format!("form.lang-switch button[value=\"{l}\"]"))
        .await;
    assert_eq!(
        c.find("html").await.attr("lang").await.unwrap().as_deref(),
        Some(l)
    );

    c.step("the Guangzhou lead registers").await;
    c.click("a[href=\"/register\"]").await;
    c.submit(
        "form[action=\"/register\"]",
        &[
            ("name", "陳嘉欣"),
            ("email", "lead@gz.test"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("lang", l),
        ],
        "",
    )
    .await;
    flash(&c, lang, "flash-registered").await;
    let mail = app
        .smtp
        .wait_for("lead@gz.test", "/verify-email?token=")
        .await;
    c.step("the lead confirms the email").await;
    c.goto_url(&mail.link_containing("/verify-email?token="))
        .await;
    login(&c, &app, "lead@gz.test").await;

    c.step("the lead registers the organization").await;
    c.goto("/orgs/new").await;
    let org = org_fields(
        "Guangzhou Silver Bridge",
        "foundation",
        "guangzhou",
        "53440103427841382L",
    );
    c.submit("form.stack.wide", &pairs(&org), "").await;
    flash(&c, lang, "flash-org-created").await;
    let gz = id_after(&c.path().await, "/orgs/");

    c.step("the admin verifies both organizations").await;
    login(&c, &app, "admin@bay.test").await;
    for id in [gz, macau] {
        c.goto("/admin/verifications").await;
        c.click(&format!(".cards a[href=\"/orgs/{id}\"]")).await;
        c.click("form[action$=\"/decision\"] button[value=\"approve\"]")
            .await;
        flash(&c, lang, "flash-verification-decided").await;
    }

    c.step("the admin writes and publishes a call").await;
    c.goto("/admin/calls/new").await;
    let (opens, closes) = (bay_time(-1), bay_time(30));
    let fund_id = fund.to_string();
    c.submit(
        "form.stack.wide",
        &[
            ("fund_id", &fund_id),
            ("title_zh", "跨境長者服務創投"),
            ("title_en", "Cross-border elder care"),
            ("description_zh", "支持粵港澳合作的長者服務。"),
            ("description_en", "Elder care by Bay Area partners."),
            ("focus", "elderly_care"),
            ("opens_at", &opens),
            ("closes_at", &closes),
            ("budget", "2,000,000"),
            ("min_request", "50,000"),
            ("max_request", "500,000"),
            ("max_duration_months", "24"),
            ("joint_required", "on"),
            ("lead_jurisdictions", "mainland"),
            ("verified_required", "on"),
            ("rate_cny", "1"),
            ("rate_hkd", "0.92"),
            ("rate_mop", "0.89"),
            ("crit_name_zh", "需要"),
            ("crit_name_en", "Need"),
            ("crit_weight", "40"),
            ("crit_max", "10"),
            ("crit_name_zh", "方法"),
            ("crit_name_en", "Approach"),
            ("crit_weight", "60"),
            ("crit_max", "10"),
        ],
        "",
    )
    .await;
    flash(&c, lang, "flash-call-saved").await;
    let call = id_after(&c.path().await, "/calls/");
    c.click("form[action$=\"/state\"] button").await;
    flash(&c, lang, "flash-call-state").await;

    c.step("the lead starts an application").await;
    login(&c, &app, "lead@gz.test").await;
    c.click("a[href=\"/calls\"]").await;
    c.click(&format!("main a[href=\"/calls/{call}\"]")).await;
    c.submit(
        &format!("form[action=\"/calls/{call}/apply\"]"),
        &[("organization_id", &gz.to_string())],
        "",
    )
    .await;
    flash(&c, lang, "flash-application-started").await;
    let application = id_after(&c.path().await, "/applications/");
    let page = format!("/applications/{application}");
    c.submit(
        &format!("form[action=\"{page}/content\"]"),
        &[
            ("title", "銀橋：跨境探訪長者"),
            ("summary", "廣州與澳門義工結對探訪獨居長者。"),
            ("need", "Many elders live alone."),
            ("approach", "Home visits by trained volunteers."),
            ("outcomes", "500 elders visited monthly."),
            ("beneficiaries", "Elders in Guangzhou and Macau."),
            ("duration_months", "18"),
            ("focus", "elderly_care"),
            ("declaration", "on"),
        ],
        "",
    )
    .await;
    flash(&c, lang, "flash-saved").await;

    c.step("the lead finds and invites the Macau partner").await;
    c.submit("form.search[role=search]", &[("partner_q", "Macau")], "")
        .await;
    c.click(&format!(
        "form[action=\"{page}/partners\"] input[value=\"{macau}\"] ~ button"
    ))
    .await;
    flash(&c, lang, "flash-partner-invited").await;

    c.step("the Macau owner accepts from the emailed link")
        .await;
    let mail = app.smtp.wait_for("owner@mo.test", &page).await;
    login(&c, &app, "owner@mo.test").await;
    c.goto_url(&mail.link_containing(&page)).await;
    c.submit(
        &format!("form[action=\"{page}/partners/{macau}/answer\"]"),
        &[
            ("role", "Runs the Macau visits"),
            ("contribution", "Volunteers and a venue"),
        ],
        "[value=\"accept\"]",
    )
    .await;
    flash(&c, lang, "flash-partner-answered").await;

    c.step("the lead adds the budget in CNY and MOP").await;
    login(&c, &app, "lead@gz.test").await;
    c.goto(&page).await;
    for (org, currency, amount, source, category) in [
        (gz, "CNY", "100,000", "grant", "personnel"),
        (macau, "MOP", "60,000", "matching", "activities"),
    ] {
        c.submit(
            &format!("form[action=\"{page}/budget\"]"),
            &[
                ("category", category),
                ("organization_id", &org.to_string()),
                ("currency", currency),
                ("amount", amount),
                ("source", source),
                ("description", "Volunteer visits"),
            ],
            "",
        )
        .await;
        flash(&c, lang, "flash-saved").await;
    }
    c.submit(
        &format!("form[action=\"{page}/milestones\"]"),
        &[
            ("month_due", "6"),
            ("deliverables", "Volunteers trained"),
            ("tranche_percent", "40"),
        ],
        "",
    )
    .await;

    c.step("the lead uploads the plan").await;
    let dir = std::env::temp_dir().join(format!("baygrants-upload-{l}"));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("plan.pdf");
    std::fs::write(&file, PDF).unwrap();
    c.find(&format!(
        "form[action=\"{page}/attachments\"] input[type=file]"
    ))
    .await
    .send_keys(&file.display().to_string())
    .await
    .unwrap();
    c.click(&format!("form[action=\"{page}/attachments\"] button"))
        .await;
    flash(&c, lang, "flash-file-uploaded").await;

    c.step("the checklist shows what is missing").await;
    let checklist = c.find(".checklist").await.text().await.unwrap();
    assert!(
        !checklist.contains(&lang.t("checklist-ready")),
        "one milestone of 40 % is not a schedule: {checklist}"
    );
    c.submit(
        &format!("form[action=\"{page}/milestones\"]"),
        &[
            ("month_due", "18"),
            ("deliverables", "Final report"),
            ("tranche_percent", "60"),
        ],
        "",
    )
    .await;
    let checklist = c.find(".checklist").await.text().await.unwrap();
    assert!(
        checklist.contains(&lang.t("checklist-ready")),
        "{checklist}"
    );

    c.step("the lead submits").await;
    c.click(&format!("form[action=\"{page}/submit\"] button"))
        .await;
    flash(&c, lang, "flash-submitted").await;
    assert!(c.has(&lang.t("appstate-submitted")).await);

    c.step("after the deadline the admin starts the review")
        .await;
    app.clock.advance(chrono::Duration::days(31));
    login(&c, &app, "admin@bay.test").await;
    c.goto(&format!("/calls/{call}")).await;
    c.click("form[action$=\"/state\"] button[type=submit]")
        .await;
    flash(&c, lang, "flash-call-state").await;
    let review = format!("/admin/calls/{call}/review");
    for email in ["rev1@bay.test", "rev2@bay.test"] {
        c.goto(&review).await;
        c.submit(
            &format!("form[action=\"/admin/calls/{call}/panel\"]"),
            &[("email", email), ("base", "hong_kong")],
            "",
        )
        .await;
    }
    c.goto(&review).await;
    c.submit("form.search", &[("k", "2")], "").await;
    c.click(&format!(
        "form[action=\"/admin/calls/{call}/auto-assign\"] button"
    ))
    .await;
    flash(&c, lang, "flash-assigned").await;

    for (email, scores) in [("rev1@bay.test", ["8", "7"]), ("rev2@bay.test", ["9", "6"])] {
        c.step(&format!("{email} declares and scores")).await;
        login(&c, &app, email).await;
        c.goto("/reviewer").await;
        c.click("main table a[href^=\"/reviews/\"]").await;
        c.click("form[action$=\"/declare\"] button[value=\"no_conflict\"]")
            .await;
        assert!(c.has("Home visits by trained volunteers.").await);
        c.submit(
            "form[action$=\"/scores\"]",
            &[
                ("score", scores[0]),
                ("comment", "Clear need"),
                ("score", scores[1]),
                ("comment", "Sound plan"),
                ("overall_comment", "Worth funding"),
                ("recommendation", "fund"),
            ],
            "[value=\"submit\"]",
        )
        .await;
        flash(&c, lang, "flash-review-submitted").await;
    }

    c.step("the admin decides and publishes").await;
    login(&c, &app, "admin@bay.test").await;
    c.goto(&format!("/admin/calls/{call}/board")).await;
    c.click(&format!(
        "main a[href=\"/admin/applications/{application}/decision\"]"
    ))
    .await;
    c.submit(
        &format!("form[action=\"/admin/applications/{application}/decision\"]"),
        &[
            ("outcome", "award"),
            ("amount", "80,000"),
            ("conditions", "Quarterly reports"),
            ("rationale", "Strong partnership"),
        ],
        "",
    )
    .await;
    flash(&c, lang, "flash-saved").await;
    c.goto(&format!("/calls/{call}")).await;
    c.click("form[action$=\"/state\"] button[type=submit]")
        .await;
    flash(&c, lang, "flash-call-state").await;
    c.goto(&format!("/admin/calls/{call}/board")).await;
    c.click("form[action$=\"/publish-decisions\"] button").await;
    // The confirmation page, then the confirmed form.
    c.click("form[action$=\"/publish-decisions\"] button").await;
    flash(&c, lang, "flash-decisions-published").await;

    c.step("the lead accepts the award").await;
    login(&c, &app, "lead@gz.test").await;
    c.click("a[href=\"/awards\"]").await;
    c.click("main a[href^=\"/awards/\"]").await;
    let award = c.path().await;
    c.submit(
        "form[action$=\"/accept\"]",
        &[
            ("account_name", "廣州銀橋基金會"),
            ("bank_name", "Bank of Guangzhou"),
            ("account_number", "6222 0000 1234 5678"),
            ("bank_currency", "CNY"),
            ("agree", "on"),
            ("signature", "陳嘉欣"),
        ],
        "",
    )
    .await;
    flash(&c, lang, "flash-award-accepted").await;

    c.step("one finance officer requests the first tranche")
        .await;
    login(&c, &app, "fin1@bay.test").await;
    c.goto(&award).await;
    c.click("form[action^=\"/finance/tranches/\"] button").await;
    flash(&c, lang, "flash-payment-requested").await;

    c.step("another approves it").await;
    login(&c, &app, "fin2@bay.test").await;
    c.goto("/finance").await;
    c.submit(
        "form[action^=\"/finance/payments/\"]",
        &[
            ("payee_currency", "CNY"),
            ("rate", "1"),
            ("reference", "SWIFT-0001"),
        ],
        "[value=\"approve\"]",
    )
    .await;
    flash(&c, lang, "flash-payment-approved").await;

    c.step("the grantee sees the payment").await;
    login(&c, &app, "lead@gz.test").await;
    c.goto(&award).await;
    let text = c.text().await;
    assert!(text.contains(&lang.t("transfer-ready")), "{text}");
    assert!(text.contains("32,000"), "40 % of 80,000: {text}");
    // Through every state of the journey, the search rows kept up.
    crate::support::search_rows_agree(&app).await;
    c.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cross_border_journey_in_traditional_chinese() {
    journey(Lang::ZhHant).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cross_border_journey_in_simplified_chinese() {
    journey(Lang::ZhHans).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cross_border_journey_in_english() {
    journey(Lang::En).await;
}

/// The seeded data set the page checks run on, and a draft of the
/// applicant's own in an open call.
async fn seeded() -> (TestApp, scale::Accounts, i64) {
    let app = TestApp::spawn().await;
    let a = app.seed(crate::support::TINY_BAY, 11).await;
    let applicant = app.browser();
    applicant.login(&a.applicant, scale::PASSWORD).await;
    let open_call: i64 = {
        use baygrants::db::schema::calls::dsl::*;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        calls
            .filter(state.eq("published"))
            .select(id)
            .order(id.desc())
            .first(&mut conn)
            .await
            .unwrap()
    };
    let lead = a
        .applicant
        .trim_start_matches("owner")
        .split('@')
        .next()
        .unwrap()
        .to_string();
    let started = applicant
        .submit(
            &format!("/calls/{open_call}"),
            &format!("/calls/{open_call}/apply"),
            &[("organization_id", lead.as_str())],
        )
        .await;
    assert_eq!(started.status, 303, "{}", started.body);
    let draft = id_after(started.location(), "/applications/");
    (app, a, draft)
}

/// The email of an owner of the award's lead organization.
async fn grantee_of(app: &TestApp, award: i64) -> String {
    use baygrants::models::{applications, awards, organizations};
    let mut conn = app.state.pool.get().await.unwrap();
    let award = awards::find(&mut conn, baygrants::models::AwardId(award))
        .await
        .unwrap()
        .unwrap();
    let application = applications::find(&mut conn, award.application_id)
        .await
        .unwrap()
        .unwrap();
    organizations::members(&mut conn, application.lead_org_id)
        .await
        .unwrap()
        .remove(0)
        .email
}

/// The main pages per person: (who, email, pages).
fn main_pages(a: &scale::Accounts, draft: i64) -> Vec<(&'static str, Option<String>, Vec<String>)> {
    vec![
        (
            "visitor",
            None,
            vec![
                "/".into(),
                "/calls".into(),
                format!("/calls/{}", a.largest_call),
                "/login".into(),
                "/register".into(),
                "/orgs?q=%E9%95%B7%E8%80%85".into(),
            ],
        ),
        (
            "applicant",
            Some(a.applicant.clone()),
            vec![
                "/".into(),
                "/applications".into(),
                format!("/applications/{draft}"),
                "/awards".into(),
            ],
        ),
        (
            "reviewer",
            Some(a.reviewer.clone()),
            vec!["/".into(), "/reviewer".into(), "first-review".into()],
        ),
        (
            "admin",
            Some(a.admin.clone()),
            vec![
                "/".into(),
                "/admin/verifications".into(),
                "/admin/applications".into(),
                format!("/admin/calls/{}/board", a.largest_call),
                "/search?q=%E9%95%B7%E8%80%85".into(),
            ],
        ),
        (
            "finance",
            Some(a.finance[0].clone()),
            vec![
                "/".into(),
                "/finance".into(),
                format!("/finance/funds/{}", a.fund),
                format!("/awards/{}", a.award),
            ],
        ),
    ]
}

/// Every main page, in every language, has no serious or critical axe-core
/// violation and no Nu Html Checker error.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn main_pages_are_accessible_and_valid_html_in_every_language() {
    let (app, a, draft) = seeded().await;
    let c = Chrome::start(&app.base, "accessibility", 1280, 900).await;
    let mut problems = Vec::new();
    let mut html = Vec::new();
    let mut people = main_pages(&a, draft);
    // The award as its grantee sees it, with the report forms open.
    people.push((
        "grantee",
        Some(grantee_of(&app, a.award).await),
        vec![format!("/awards/{}", a.award)],
    ));
    for (who, email, pages) in people {
        match &email {
            Some(email) => login_with(&c, &app, email, scale::PASSWORD).await,
            None => {
                if !c
                    .find_all("form[action=\"/logout\"] button")
                    .await
                    .is_empty()
                {
                    c.click("form[action=\"/logout\"] button").await;
                }
            }
        }
        for lang in [Lang::ZhHant, Lang::ZhHans, Lang::En] {
            c.goto("/").await;
            c.click(&format!(
                "form.lang-switch button[value=\"{}\"]",
                lang.code()
            ))
            .await;
            for path in &pages {
                match path.as_str() {
                    "first-review" => {
                        c.goto("/reviewer").await;
                        c.click("main table a[href^=\"/reviews/\"]").await;
                    }
                    _ => c.goto(path).await,
                }
                let here = c.path().await;
                c.step(&format!("{who} {} {here}", lang.code())).await;
                assert_eq!(
                    c.find("html").await.attr("lang").await.unwrap().as_deref(),
                    Some(lang.code()),
                    "{here}"
                );
                for v in c.axe().await {
                    problems.push(format!("{who} {} {here}: {v}", lang.code()));
                }
                html.push((
                    format!("{who} {} {here}", lang.code()),
                    c.server_html().await,
                ));
            }
        }
    }
    problems.extend(vnu(&html));
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    c.finish().await;
}

/// The checkers above find what they are there to find: a page with an
/// unlabelled field, an image without text and a misnested paragraph.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checkers_report_a_broken_page() {
    let bad = "<!doctype html><html><head><title>x</title></head><body>\
               <p><div>misnested</div></p><img src=x.png><input name=q>\
               <p style=\"color:#ccc;background:#fff\">faint</p></body></html>";
    let c = Chrome::start("", "checkers", 800, 600).await;
    c.goto_url(&format!(
        "data:text/html;charset=utf-8,{}",
        bad.replace('#', "%23")
    ))
    .await;
    let axe = c.axe().await.join("\n");
    for rule in ["image-alt", "label", "html-has-lang", "color-contrast"] {
        assert!(axe.contains(rule), "axe missed {rule}: {axe}");
    }
    let html = vnu(&[("bad".into(), bad.into())]).join("\n");
    assert!(html.contains("bad:1: No “p” element in scope"), "{html}");
    c.finish().await;
}

/// On a 375-pixel phone the applicant's and the reviewer's pages fit the
/// screen, and a reviewer can correct a comment and save it there.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicant_and_reviewer_pages_fit_a_phone() {
    let (app, a, draft) = seeded().await;
    // A submitted application of the applicant's organization with a
    // partner that accepted, and that partner's owner: the application as
    // submitted, read by its lead and by its partner.
    let (submitted, partner): (i64, i64) = {
        use diesel_async::RunQueryDsl;
        let lead: i64 = a
            .applicant
            .trim_start_matches("owner")
            .split('@')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let mut conn = app.state.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "SELECT a.id AS application, p.organization_id AS partner FROM applications a \
             JOIN application_partners p ON p.application_id = a.id AND p.status = 'accepted' \
             WHERE a.lead_org_id = {lead} AND a.state <> 'draft' ORDER BY a.id LIMIT 1"
        ))
        .get_result::<Submitted>(&mut conn)
        .await
        .map(|r| (r.application, r.partner))
        .expect("the seed gives the applicant a submitted application with a partner")
    };
    let partner_owner = format!("owner{partner}@scale.baygrants.test");
    let c = Chrome::start(&app.base, "phone", 375, 812).await;
    let mut wide = Vec::new();
    for (email, lang, pages) in [
        (
            &a.applicant,
            "zh-Hans",
            vec![
                "/".to_string(),
                "/calls".into(),
                "/grants".into(),
                "/applications".into(),
                format!("/applications/{draft}"),
                "/awards".into(),
            ],
        ),
        (
            &a.reviewer,
            "zh-Hans",
            vec!["/".into(), "/reviewer".into(), "first-review".into()],
        ),
        // In English, where labels are longest: the application as
        // submitted (its lead's and its partner's view) and as the
        // reviewer reads it.
        (
            &a.applicant,
            "en",
            vec![
                format!("/applications/{submitted}"),
                format!("/applications/{draft}"),
                "/applications".into(),
                "/grants".into(),
            ],
        ),
        // The public awards, with their page links, in the third language.
        (&a.applicant, "zh-Hant", vec!["/grants".into()]),
        (
            &partner_owner,
            "en",
            vec![format!("/applications/{submitted}")],
        ),
        (&a.reviewer, "en", vec!["first-review-read".into()]),
    ] {
        login_with(&c, &app, email, scale::PASSWORD).await;
        c.click(&format!("form.lang-switch button[value=\"{lang}\"]"))
            .await;
        for path in pages {
            if path == "first-review-read" {
                c.goto("/reviewer").await;
                c.click("main table a[href^=\"/reviews/\"]").await;
                let here = c.path().await;
                c.step(&format!("phone {here} en")).await;
                let (fits, what) = c.fits_width().await;
                if !fits {
                    wide.push(format!("{here} (en): {what}"));
                }
                continue;
            }
            if path == "first-review" {
                c.goto("/reviewer").await;
                c.click("main table a[href^=\"/reviews/\"]").await;
            } else {
                c.goto(&path).await;
            }
            let here = c.path().await;
            c.step(&format!("phone {here} {lang}")).await;
            let (fits, what) = c.fits_width().await;
            if !fits {
                wide.push(format!("{here} ({lang}): {what}"));
            }
            if path == "first-review" {
                // The reviewer corrects a comment and saves, on the phone.
                let comment = c
                    .find("form[action$=\"/scores\"] textarea[name=\"comment\"]")
                    .await;
                comment.clear().await.unwrap();
                comment.send_keys("Read on the train").await.unwrap();
                c.click("form[action$=\"/scores\"] button[value=\"save\"]")
                    .await;
                flash(&c, Lang::ZhHans, "flash-saved").await;
                let kept = c
                    .find("form[action$=\"/scores\"] textarea[name=\"comment\"]")
                    .await
                    .prop("value")
                    .await
                    .unwrap();
                assert_eq!(kept.as_deref(), Some("Read on the train"));
            }
        }
    }
    assert!(
        wide.is_empty(),
        "wider than the phone:\n{}",
        wide.join("\n")
    );
    c.finish().await;
}

/// Search in each language, on a phone: a visitor finds organizations in
/// the public directory by a Traditional name typed in Simplified, and an
/// admin finds an application with the words marked and opens it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_works_in_every_language_on_a_phone() {
    let (app, a, _) = seeded().await;
    let c = Chrome::start(&app.base, "search", 375, 812).await;
    let mut wide = Vec::new();
    for lang in [Lang::ZhHant, Lang::ZhHans, Lang::En] {
        c.goto("/").await;
        c.click(&format!(
            "form.lang-switch button[value=\"{}\"]",
            lang.code()
        ))
        .await;
        c.goto("/orgs").await;
        c.submit("form[action=\"/orgs\"]", &[("q", "长者")], "")
            .await;
        c.step(&format!("directory search {}", lang.code())).await;
        assert!(c.path().await.starts_with("/orgs?q="));
        assert!(
            !c.find_all("main .cards a[href^=\"/orgs/\"]")
                .await
                .is_empty(),
            "the directory found no organization for 长者 ({})",
            lang.code()
        );
        let (fits, what) = c.fits_width().await;
        if !fits {
            wide.push(format!("/orgs?q= ({}): {what}", lang.code()));
        }
    }
    login_with(&c, &app, &a.admin, scale::PASSWORD).await;
    for lang in [Lang::ZhHant, Lang::ZhHans, Lang::En] {
        c.click(&format!(
            "form.lang-switch button[value=\"{}\"]",
            lang.code()
        ))
        .await;
        c.goto("/search").await;
        c.submit("form[action=\"/search\"]", &[("q", "長者")], "")
            .await;
        c.step(&format!("search {}", lang.code())).await;
        assert!(
            !c.find_all("#search-applications mark").await.is_empty(),
            "no marked words among the applications ({})",
            lang.code()
        );
        let (fits, what) = c.fits_width().await;
        if !fits {
            wide.push(format!("/search ({}): {what}", lang.code()));
        }
        c.click("#search-applications .result a").await;
        assert!(c.path().await.starts_with("/applications/"));
    }
    assert!(
        wide.is_empty(),
        "wider than the phone:\n{}",
        wide.join("\n")
    );
    c.finish().await;
}

#[derive(diesel::QueryableByName)]
struct Submitted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    application: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    partner: i64,
}

/// The application form works from the keyboard alone: Tab reaches each
/// field in order with a visible focus, typing fills it, Enter on the save
/// button saves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_form_works_from_the_keyboard_alone() {
    let (app, a, draft) = seeded().await;
    let c = Chrome::start(&app.base, "keyboard", 1280, 900).await;
    login_with(&c, &app, &a.applicant, scale::PASSWORD).await;
    c.click("form.lang-switch button[value=\"en\"]").await;
    let page = format!("/applications/{draft}");
    c.goto(&page).await;
    let tab = char::from(fantoccini::key::Key::Tab).to_string();
    let focused = async || -> (String, bool) {
        let v = c
            .client
            .execute(
                "const e = document.activeElement; const s = getComputedStyle(e);
                 return [e.name || e.tagName, s.outlineStyle !== 'none' || s.boxShadow !== 'none'];",
                vec![],
            )
            .await
            .unwrap();
        (v[0].as_str().unwrap().to_string(), v[1].as_bool().unwrap())
    };
    // From the top of the page to the title field, by Tab only.
    let mut presses = 0;
    loop {
        c.client
            .active_element()
            .await
            .unwrap()
            .send_keys(&tab)
            .await
            .unwrap();
        presses += 1;
        let (name, visible) = focused().await;
        assert!(visible, "{name} has no visible focus");
        if name == "title" {
            break;
        }
        assert!(presses < 80, "Tab never reached the title field");
    }
    let typed = [
        ("title", "Keyboard bridges"),
        ("summary", "Typed without a mouse"),
        ("need", "Need"),
        ("approach", "Approach"),
        ("outcomes", "Outcomes"),
        ("beneficiaries", "Elders"),
        ("duration_months", "12"),
    ];
    for (i, (name, text)) in typed.iter().enumerate() {
        if i > 0 {
            c.client
                .active_element()
                .await
                .unwrap()
                .send_keys(&tab)
                .await
                .unwrap();
        }
        assert_eq!(focused().await.0, *name, "Tab order");
        c.client
            .active_element()
            .await
            .unwrap()
            .send_keys(text)
            .await
            .unwrap();
    }
    // On through the focus checkboxes and the declaration to Save.
    let mut presses = 0;
    loop {
        c.client
            .active_element()
            .await
            .unwrap()
            .send_keys(&tab)
            .await
            .unwrap();
        presses += 1;
        let (name, visible) = focused().await;
        assert!(visible, "{name} has no visible focus");
        if name == "declaration" {
            c.client
                .active_element()
                .await
                .unwrap()
                .send_keys(" ")
                .await
                .unwrap();
        }
        if name == "BUTTON" {
            break;
        }
        assert!(presses < 40, "Tab never reached the save button");
    }
    c.step("the form typed in").await;
    c.press_enter().await;
    flash(&c, Lang::En, "flash-saved").await;
    for (name, text) in typed {
        let value = c
            .find(&format!("form[action$=\"/content\"] [name=\"{name}\"]"))
            .await
            .prop("value")
            .await
            .unwrap()
            .unwrap_or_default();
        assert_eq!(value, text, "{name} after saving");
    }
    assert!(
        c.find("[name=\"declaration\"]")
            .await
            .is_selected()
            .await
            .unwrap(),
        "the declaration was ticked with the space bar"
    );
    c.finish().await;
}

/// A finance officer on a phone, in each language, sends an approved
/// payment to the bank in a batch and records it paid (issue 25): the
/// desk, the batch and the statement pages fit 375 px.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_payment_goes_to_the_bank_and_is_settled_on_a_phone_in_every_language() {
    use baygrants::domain::role::Role;
    use baygrants::models::{PaymentId, UserId};
    use baygrants::policy::Actor;
    use baygrants::services::Origin;
    use baygrants::services::awards as service;
    let app = TestApp::spawn().await;
    let (_fund, fin1, _fin2, _lead, _awards, payments) = crate::bank::three_requested(&app).await;
    let checker = Actor::User {
        id: UserId(crate::review::user_id(&app, "fin2@grants.test").await),
        roles: vec![Role::Finance],
    };
    let transfer = |payment: i64| {
        let app = &app;
        async move {
            let mut conn = app.state.pool.get().await.unwrap();
            baygrants::models::awards::find_payment_for_update(&mut conn, PaymentId(payment))
                .await
                .unwrap()
                .unwrap()
                .transfer
                .map(|t| baygrants::domain::code::AsCode::as_code(&t).to_string())
        }
    };
    drop(fin1);
    let c = Chrome::start(&app.base, "bank", 375, 812).await;
    login_with(&c, &app, "fin1@grants.test", crate::support::PASSWORD).await;
    let mut wide = Vec::new();
    for (lang, payment) in [Lang::ZhHant, Lang::ZhHans, Lang::En]
        .into_iter()
        .zip(payments.clone())
    {
        // The checker approves one more payment: it is ready for a batch.
        let form = service::ApproveForm {
            decision: "approve".into(),
            payee_currency: "MOP".into(),
            rate: "1.1".into(),
            reference: "JOURNEY".into(),
            confirmed: String::new(),
        };
        service::decide_payment(
            &app.state,
            &checker,
            PaymentId(payment),
            &form,
            false,
            &Origin::cli(),
        )
        .await
        .unwrap();
        assert_eq!(transfer(payment).await.as_deref(), Some("ready"));

        c.goto("/").await;
        c.click(&format!(
            "form.lang-switch button[value=\"{}\"]",
            lang.code()
        ))
        .await;
        c.goto("/finance#ready").await;
        let (fits, what) = c.fits_width().await;
        if !fits {
            wide.push(format!("/finance ({}): {what}", lang.code()));
        }
        c.submit(
            "form[action=\"/finance/batches\"]",
            &[
                ("debtor_name", "灣區公益創投基金"),
                ("debtor_account", "012-345-678901"),
                ("debtor_bank", "Bank of China (Hong Kong)"),
                ("debtor_bic", "BKCHHKHH"),
            ],
            "",
        )
        .await;
        c.step(&format!("batch made {}", lang.code())).await;
        let batch = c.path().await;
        assert!(batch.starts_with("/finance/batches/"), "{batch}");
        let (fits, what) = c.fits_width().await;
        if !fits {
            wide.push(format!("{batch} ({}): {what}", lang.code()));
        }
        // Downloading the file sends the batch.
        c.click_download("form[action$=\"/download\"] button[value=\"csv\"]")
            .await;
        assert!(
            crate::support::eventually(std::time::Duration::from_secs(10), || async {
                transfer(payment).await.as_deref() == Some("sent")
            })
            .await,
            "the download did not send the batch ({})",
            lang.code()
        );
        c.goto("/finance#at-bank").await;
        c.click(&format!(
            "form[action=\"/finance/payments/{payment}/settle\"] button"
        ))
        .await;
        c.step(&format!("settled {}", lang.code())).await;
        assert_eq!(transfer(payment).await.as_deref(), Some("settled"));
    }
    // A statement's page on the phone.
    let csv = format!(
        "account,end_to_end_id,amount,currency,status,reason\n012345678901,BG-P{},35200.00,MOP,returned,AC04 closed\n\
         012345678901,BG-P999,1.00,MOP,paid,\n",
        payments[0]
    );
    let officer = Actor::User {
        id: UserId(crate::review::user_id(&app, "fin1@grants.test").await),
        roles: vec![Role::Finance],
    };
    let statement = service::import_statement(
        &app.state,
        &officer,
        "s.csv",
        csv.as_bytes(),
        &Origin::cli(),
    )
    .await
    .unwrap()
    .statement;
    c.goto(&format!("/finance/statements/{statement}")).await;
    c.step("statement").await;
    let (fits, what) = c.fits_width().await;
    if !fits {
        wide.push(format!("statement: {what}"));
    }
    assert!(
        wide.is_empty(),
        "wider than the phone:\n{}",
        wide.join("\n")
    );
    c.finish().await;
}
