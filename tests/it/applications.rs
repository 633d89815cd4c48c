//! Joint applications end to end: drafts, partners, budget, milestones,
//! attachments, the checklist, the deadline, and who may see what.

use std::time::Duration;

use baygrants::domain::role::Role;

use crate::support::{Browser, PASSWORD, TestApp, call_fields, fund, org_fields, pairs, uscc};
use baygrants::domain::application::Category;

pub(crate) struct Fixture {
    pub admin: Browser,
    pub call: i64,
    pub lead: Browser,
    pub gz: i64,
    pub macau_owner: Browser,
    pub macau: i64,
    pub hk: i64,
    pub sz: i64,
}

/// A published joint call, a Guangzhou lead, and verified partners in
/// Macau (whitelisted), Hong Kong (whitelisted) and Shenzhen.
pub(crate) async fn fixture(app: &TestApp) -> Fixture {
    fixture_with(app, &[]).await
}

/// The same, with more call fields (review settings, components).
pub(crate) async fn fixture_with(app: &TestApp, extra: &[(&str, &str)]) -> Fixture {
    let admin = app.user_with_role("admin@grants.test", Role::Admin).await;
    let fund = fund(app, &admin, "CNY").await;
    let mut fields = call_fields(&fund);
    fields.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let res = admin
        .submit("/admin/calls/new", "/admin/calls", &pairs(&fields))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let call: i64 = res
        .location()
        .trim_start_matches("/calls/")
        .parse()
        .unwrap();
    admin
        .submit(
            &format!("/calls/{call}"),
            &format!("/admin/calls/{call}/state"),
            &[("to", "published")],
        )
        .await;

    let lead = app.logged_in("lead@gz.test", PASSWORD).await;
    lead.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let gz = app
        .create_org(
            &lead,
            &org_fields(
                "Guangzhou Lead",
                "foundation",
                "guangzhou",
                "53440103427841382L",
            ),
        )
        .await;
    let sz = app
        .create_org(
            &lead,
            &org_fields(
                "Shenzhen Friend",
                "social_group",
                "shenzhen",
                &uscc('1', "440304", 77),
            ),
        )
        .await;
    let macau_owner = app.logged_in("owner@mo.test", PASSWORD).await;
    let macau = app
        .create_org(
            &macau_owner,
            &org_fields("Macau Partner", "macau_association", "", "1234/2015"),
        )
        .await;
    let hk = app
        .create_org(
            &macau_owner,
            &org_fields("Hong Kong Partner", "hk_charity", "", "91/12345"),
        )
        .await;
    for id in [gz, sz, macau, hk] {
        app.verify_org(&admin, id).await;
    }
    for id in [macau, hk] {
        let res = admin
            .submit(
                &format!("/orgs/{id}"),
                &format!("/admin/orgs/{id}/whitelist"),
                &[("on", "1")],
            )
            .await;
        assert_eq!(res.status, 303);
    }
    Fixture {
        admin,
        call,
        lead,
        gz,
        macau_owner,
        macau,
        hk,
        sz,
    }
}

/// Uploads a small PDF named `plan.pdf` to the draft as its lead.
pub(crate) async fn attach_pdf(app: &TestApp, lead: &Browser, id: i64) {
    let token = lead.get(&format!("/applications/{id}")).await.csrf();
    let client = reqwest::Client::builder()
        .cookie_provider(lead.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", token).part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec())
            .file_name("plan.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let res = client
        .post(format!("{}/applications/{id}/attachments", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
}

pub(crate) async fn start(lead: &Browser, call: i64, org: i64) -> i64 {
    let res = lead
        .submit(
            &format!("/calls/{call}"),
            &format!("/calls/{call}/apply"),
            &[("organization_id", &org.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .trim_start_matches("/applications/")
        .parse()
        .unwrap()
}

pub(crate) async fn fill(lead: &Browser, id: i64) {
    let page = format!("/applications/{id}");
    let res = lead
        .submit(
            &page,
            &format!("{page}/content"),
            &[
                ("title", "Silver bridges"),
                ("summary", "Elderly care across the border"),
                ("need", "Many elders live alone"),
                ("approach", "Home visits by trained volunteers"),
                ("outcomes", "500 elders visited monthly"),
                ("beneficiaries", "Elders in Guangzhou and Macau"),
                ("duration_months", "18"),
                ("focus", "elderly_care"),
                ("declaration", "on"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    for (month, deliverables, percent) in [
        ("6", "Volunteers trained", "40"),
        ("18", "Final report", "60"),
    ] {
        let res = lead
            .submit(
                &page,
                &format!("{page}/milestones"),
                &[
                    ("month_due", month),
                    ("deliverables", deliverables),
                    ("tranche_percent", percent),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
}

pub(crate) async fn budget(
    lead: &Browser,
    id: i64,
    org: i64,
    currency: &str,
    amount: &str,
    source: &str,
    category: &str,
) -> u16 {
    let page = format!("/applications/{id}");
    let org = org.to_string();
    lead.submit(
        &page,
        &format!("{page}/budget"),
        &[
            ("category", category),
            ("organization_id", &org),
            ("currency", currency),
            ("amount", amount),
            ("source", source),
            ("description", "line"),
        ],
    )
    .await
    .status
}

pub(crate) async fn invite_and_accept(f: &Fixture, id: i64, partner: i64) {
    let page = format!("/applications/{id}");
    let res = f
        .lead
        .submit(
            &page,
            &format!("{page}/partners"),
            &[("organization_id", &partner.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = f
        .macau_owner
        .submit(
            &page,
            &format!("{page}/partners/{partner}/answer"),
            &[
                ("decision", "accept"),
                ("role", "Delivers in Macau"),
                ("contribution", "Volunteers"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
}

/// Withdraws the application for good, the confirmation given.
async fn withdraw_confirmed(b: &Browser, id: i64) -> crate::support::browser::Page {
    let page = format!("/applications/{id}");
    b.submit(
        &page,
        &format!("{page}/state"),
        &[("to", "withdrawn"), ("confirmed", "yes")],
    )
    .await
}

pub(crate) async fn submit(b: &Browser, id: i64) -> crate::support::browser::Page {
    b.submit(
        &format!("/applications/{id}"),
        &format!("/applications/{id}/submit"),
        &[],
    )
    .await
}

/// (snapshots, `application.submitted` audit events, submission emails
/// queued) of an application.
async fn submission_traces(app: &TestApp, id: i64) -> (i64, i64, i64) {
    #[derive(diesel::QueryableByName)]
    struct Traces {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        snapshots: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        events: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        emails: i64,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    let t: Traces = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!(
            "SELECT (SELECT count(*) FROM application_snapshots WHERE application_id = {id}) AS snapshots,
                    (SELECT count(*) FROM audit_events WHERE action = 'application.submitted' AND entity_id = '{id}') AS events,
                    (SELECT count(*) FROM outbox WHERE body_text LIKE '%is submitted%') AS emails"
        )),
        &mut conn,
    )
    .await
    .unwrap();
    (t.snapshots, t.events, t.emails)
}

async fn state_of(app: &TestApp, id: i64) -> String {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::applications::find(&mut conn, baygrants::models::ApplicationId(id))
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_guangzhou_and_macau_team_submits_once_the_partner_has_accepted() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;

    // An empty draft lists everything still to do.
    let page = f.lead.get(&format!("/applications/{id}")).await;
    assert!(page.has("Fill in: Project title."));
    assert!(page.has("This call needs a joint application"));
    assert!(page.has("Add at least one milestone."));
    assert!(
        page.has("href=\"#budget\""),
        "each problem links to where to fix it"
    );

    fill(&f.lead, id).await;
    assert_eq!(
        budget(&f.lead, id, f.gz, "CNY", "100,000", "grant", "personnel").await,
        303
    );
    let page = format!("/applications/{id}");
    f.lead
        .submit(
            &page,
            &format!("{page}/partners"),
            &[("organization_id", &f.macau.to_string())],
        )
        .await;
    let mail = app.smtp.wait_for("owner@mo.test", "/applications/").await;
    assert!(
        mail.subject.contains("Guangzhou Lead") || mail.subject.contains("（中文）"),
        "{}",
        mail.subject
    );

    // Not yet: the partner has not answered.
    let res = submit(&f.lead, id).await;
    assert_eq!(res.status, 422);
    assert!(
        res.has("has not answered the partner invitation yet"),
        "{}",
        res.body
    );
    assert_eq!(state_of(&app, id).await, "draft");

    let res = f
        .macau_owner
        .submit(
            &page,
            &format!("{page}/partners/{}/answer", f.macau),
            &[
                ("decision", "accept"),
                ("role", "Delivers in Macau"),
                ("contribution", "Volunteers"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.smtp.wait_for("lead@gz.test", "accepted").await;
    // Matching funds in MOP from the partner: 100,000 × 0.89 = 89,000 of 189,000 (47 %).
    assert_eq!(
        budget(
            &f.lead,
            id,
            f.macau,
            "MOP",
            "100000",
            "matching",
            "activities"
        )
        .await,
        303
    );

    let res = submit(&f.lead, id).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(state_of(&app, id).await, "submitted");
    app.smtp.wait_for("lead@gz.test", "is submitted").await;
    app.smtp.wait_for("owner@mo.test", "is submitted").await;
    // A second click changes nothing: no second snapshot, audit event or
    // email, and the state stays.
    let before = submission_traces(&app, id).await;
    assert_eq!(
        before,
        (1, 1, 2),
        "one snapshot, one audit event, two emails"
    );
    assert_eq!(submit(&f.lead, id).await.status, 303);
    assert_eq!(submission_traces(&app, id).await, before);
    assert_eq!(state_of(&app, id).await, "submitted");
    let mut conn = app.state.pool.get().await.unwrap();
    let snapshot = baygrants::models::applications::latest_snapshot(
        &mut conn,
        baygrants::models::ApplicationId(id),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(snapshot["grant_request"], "100000.00");
    assert_eq!(snapshot["partners"][0]["status"], "accepted");
    assert_eq!(snapshot["budget"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_sided_teams_are_refused_by_the_joint_rule() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    // Mainland only: Guangzhou with Shenzhen.
    let id = start(&f.lead, f.call, f.gz).await;
    fill(&f.lead, id).await;
    let page = format!("/applications/{id}");
    f.lead
        .submit(
            &page,
            &format!("{page}/partners"),
            &[("organization_id", &f.sz.to_string())],
        )
        .await;
    f.lead
        .submit(
            &page,
            &format!("{page}/partners/{}/answer", f.sz),
            &[
                ("decision", "accept"),
                ("role", "Helps"),
                ("contribution", ""),
            ],
        )
        .await;
    budget(&f.lead, id, f.gz, "CNY", "100000", "grant", "personnel").await;
    budget(&f.lead, id, f.sz, "CNY", "100000", "matching", "other").await;
    let res = submit(&f.lead, id).await;
    assert_eq!(res.status, 422);
    assert!(res.has("This call needs a joint application"));

    // Hong Kong only: a Hong Kong lead with... nobody from the mainland.
    let hk_lead = f.macau_owner.get("/").await;
    assert_eq!(hk_lead.status, 200);
    let id = start(&f.macau_owner, f.call, f.hk).await;
    fill(&f.macau_owner, id).await;
    budget(
        &f.macau_owner,
        id,
        f.hk,
        "HKD",
        "100000",
        "grant",
        "personnel",
    )
    .await;
    budget(
        &f.macau_owner,
        id,
        f.hk,
        "HKD",
        "100000",
        "matching",
        "other",
    )
    .await;
    let res = submit(&f.macau_owner, id).await;
    assert_eq!(res.status, 422);
    assert!(res.has("This call needs a joint application"));
    assert_eq!(state_of(&app, id).await, "draft");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matching_and_overhead_limits_hold_at_and_just_over_their_bounds() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    fill(&f.lead, id).await;
    invite_and_accept(&f, id, f.macau).await;
    // Grant 85,000 personnel + 15,000 administration (15 % exactly); matching 66,666.66 (39.99…%).
    budget(&f.lead, id, f.gz, "CNY", "85000", "grant", "personnel").await;
    budget(
        &f.lead,
        id,
        f.gz,
        "CNY",
        "15000.01",
        "grant",
        "administration",
    )
    .await;
    budget(
        &f.lead,
        id,
        f.macau,
        "CNY",
        "66666.66",
        "matching",
        "activities",
    )
    .await;
    let res = submit(&f.lead, id).await;
    assert_eq!(res.status, 422);
    assert!(
        res.has("Administration is 15% of the grant request") || res.has("Administration is 15.0"),
        "{}",
        res.body.split("checklist").nth(1).unwrap_or("")
    );
    assert!(res.has("Matching funds are"));

    // Fix both to their exact bounds: administration 15,000 of 100,000; matching 66,666.67 of 166,666.67 (40.00 %).
    let mut conn = app.state.pool.get().await.unwrap();
    let lines =
        baygrants::models::applications::budget(&mut conn, baygrants::models::ApplicationId(id))
            .await
            .unwrap();
    drop(conn);
    for l in lines.iter().filter(|l| l.category != Category::Personnel) {
        let res = f
            .lead
            .submit(
                &format!("/applications/{id}"),
                &format!("/applications/{id}/budget/{}/delete", l.id),
                &[],
            )
            .await;
        assert_eq!(res.status, 303);
    }
    budget(&f.lead, id, f.gz, "CNY", "15000", "grant", "administration").await;
    budget(
        &f.lead,
        id,
        f.macau,
        "CNY",
        "66666.67",
        "matching",
        "activities",
    )
    .await;
    let res = submit(&f.lead, id).await;
    assert_eq!(
        res.status,
        303,
        "{}",
        res.body.split("class=\"checklist").nth(1).unwrap_or("")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_enforces_the_deadline_to_the_second() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    fill(&f.lead, id).await;
    invite_and_accept(&f, id, f.macau).await;
    budget(&f.lead, id, f.gz, "CNY", "100000", "grant", "personnel").await;
    budget(
        &f.lead,
        id,
        f.macau,
        "CNY",
        "100000",
        "matching",
        "activities",
    )
    .await;
    // The call closes 2036-01-31 17:00 Bay Area time.
    let closes = baygrants::domain::call::parse_bay_area_time("2036-01-31T17:00").unwrap();
    for (at, ok) in [
        (closes, false),
        (closes + chrono::Duration::seconds(1), false),
        (closes - chrono::Duration::seconds(1), true),
    ] {
        app.clock.freeze_at(at);
        let lead = app.browser();
        lead.login("lead@gz.test", PASSWORD).await;
        let res = submit(&lead, id).await;
        if ok {
            assert_eq!(res.status, 303, "one second before closing: {}", res.body);
        } else {
            assert_eq!(res.status, 422, "at {at}");
            assert!(res.has("not open for applications"), "at {at}");
        }
    }
    assert_eq!(state_of(&app, id).await, "submitted");
    // After the deadline it cannot be taken back either.
    app.clock.freeze_at(closes + chrono::Duration::seconds(1));
    let lead = app.browser();
    lead.login("lead@gz.test", PASSWORD).await;
    let res = lead
        .submit(
            &format!("/applications/{id}"),
            &format!("/applications/{id}/state"),
            &[("to", "draft")],
        )
        .await;
    assert_eq!(res.status, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submitted_application_cannot_be_edited_until_returned_to_draft() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    fill(&f.lead, id).await;
    invite_and_accept(&f, id, f.macau).await;
    budget(&f.lead, id, f.gz, "CNY", "100000", "grant", "personnel").await;
    budget(
        &f.lead,
        id,
        f.macau,
        "CNY",
        "100000",
        "matching",
        "activities",
    )
    .await;
    assert_eq!(submit(&f.lead, id).await.status, 303);

    let token = f.lead.get("/").await.csrf();
    let page = format!("/applications/{id}");
    for (path, fields) in [
        (
            format!("{page}/content"),
            vec![("title", "Changed after submission")],
        ),
        (
            format!("{page}/budget"),
            vec![
                ("category", "other"),
                ("organization_id", "1"),
                ("currency", "CNY"),
                ("amount", "1"),
                ("source", "grant"),
            ],
        ),
        (
            format!("{page}/milestones"),
            vec![
                ("month_due", "1"),
                ("deliverables", "x"),
                ("tranche_percent", "1"),
            ],
        ),
        (
            format!("{page}/partners"),
            vec![("organization_id", &*f.hk.to_string().leak())],
        ),
    ] {
        let mut all = vec![("csrf", token.as_str())];
        all.extend(fields);
        let res = f.lead.post_raw(&path, &all).await;
        assert_eq!(res.status, 409, "{path}");
    }
    assert!(!f.lead.get(&page).await.has("Changed after submission"));

    // Back to draft, edit, submit again.
    let res = f
        .lead
        .submit(&page, &format!("{page}/state"), &[("to", "draft")])
        .await;
    assert_eq!(res.status, 303);
    f.lead
        .submit(
            &page,
            &format!("{page}/content"),
            &[
                ("title", "Silver bridges, revised"),
                ("summary", "s"),
                ("need", "n"),
                ("approach", "a"),
                ("outcomes", "o"),
                ("beneficiaries", "b"),
                ("duration_months", "18"),
                ("declaration", "on"),
            ],
        )
        .await;
    assert_eq!(submit(&f.lead, id).await.status, 303);
    let mut conn = app.state.pool.get().await.unwrap();
    let snapshot = baygrants::models::applications::latest_snapshot(
        &mut conn,
        baygrants::models::ApplicationId(id),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(snapshot["title"], "Silver bridges, revised");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_judged_by_content_limited_and_returned_intact() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    let page = format!("/applications/{id}");
    let url = format!("{}/applications/{id}/attachments", app.base);
    let client = reqwest::Client::builder()
        .cookie_provider(f.lead.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let upload = |name: &'static str, bytes: Vec<u8>, token: String| {
        let client = client.clone();
        let url = url.clone();
        async move {
            let form = reqwest::multipart::Form::new().text("csrf", token).part(
                "file",
                reqwest::multipart::Part::bytes(bytes)
                    .file_name(name)
                    .mime_str("application/pdf")
                    .unwrap(),
            );
            let res = client.post(&url).multipart(form).send().await.unwrap();
            (res.status().as_u16(), res.text().await.unwrap_or_default())
        }
    };
    let token = f.lead.get(&page).await.csrf();

    let exe = [b"MZ\x90\x00\x03\x00\x00\x00".as_slice(), &[0u8; 2048]].concat();
    let (status, body) = upload("report.pdf", exe, token.clone()).await;
    assert_eq!(status, 422);
    assert!(body.contains("Only PDF, DOCX, XLSX, PNG and JPEG files are accepted"));

    let mut big = b"%PDF-1.4\n".to_vec();
    big.resize(11 * 1024 * 1024, b'x');
    let (status, body) = upload("big.pdf", big, token.clone()).await;
    assert_eq!(status, 413);
    assert!(body.contains("larger than 10 MiB"));

    let pdf = [
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n".as_slice(),
        &(0..=255u8).collect::<Vec<_>>(),
        b"\n%%EOF\n",
    ]
    .concat();
    let (status, body) = upload("計劃書 plan.pdf", pdf.clone(), token.clone()).await;
    assert_eq!(status, 303, "{body}");
    let (status, _) = upload("no-token.pdf", pdf.clone(), "wrong".into()).await;
    assert_eq!(status, 403);

    let mut conn = app.state.pool.get().await.unwrap();
    let list = baygrants::models::applications::attachments(
        &mut conn,
        baygrants::models::ApplicationId(id),
    )
    .await
    .unwrap();
    assert_eq!(list.len(), 1, "only the real PDF was stored");
    let attachment = list[0].0.id;
    let res = client
        .get(format!(
            "{}/applications/{id}/attachments/{attachment}",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.bytes().await.unwrap().to_vec(), pdf, "byte-identical");

    // Someone unrelated gets 404 for the application, its budget and the attachment.
    let stranger = app.logged_in("stranger@elsewhere.test", PASSWORD).await;
    app.create_org(
        &stranger,
        &org_fields(
            "Elsewhere",
            "social_group",
            "foshan",
            &uscc('1', "440604", 5),
        ),
    )
    .await;
    assert_eq!(stranger.get(&page).await.status, 404);
    assert_eq!(
        stranger
            .get(&format!("{page}/attachments/{attachment}"))
            .await
            .status,
        404
    );
    let token = stranger.get("/").await.csrf();
    let res = stranger
        .post_raw(
            &format!("{page}/budget"),
            &[
                ("csrf", &token),
                ("category", "other"),
                ("organization_id", "1"),
                ("currency", "CNY"),
                ("amount", "1"),
                ("source", "grant"),
            ],
        )
        .await;
    assert_eq!(res.status, 404);
    assert_eq!(
        stranger
            .post_raw(
                &format!("{page}/attachments/{attachment}/delete"),
                &[("csrf", &token)]
            )
            .await
            .status,
        404
    );
    // A partner may see it; an admin may see it.
    invite_and_accept(&f, id, f.macau).await;
    assert_eq!(f.macau_owner.get(&page).await.status, 200);
    assert_eq!(
        f.macau_owner
            .get(&format!("{page}/attachments/{attachment}"))
            .await
            .status,
        200
    );
    assert_eq!(f.admin.get(&page).await.status, 200);
    assert_eq!(
        app.browser().get(&page).await.status,
        303,
        "visitors log in first"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_closing_reminder_is_sent_once_even_with_two_workers() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    start(&f.lead, f.call, f.gz).await;
    // 48 hours before the 2036 closing time.
    let closes = baygrants::domain::call::parse_bay_area_time("2036-01-31T17:00").unwrap();
    app.clock.freeze_at(closes - chrono::Duration::hours(48));
    // Two processes' schedulers run every job at the same moment.
    tokio::join!(
        baygrants::jobs::run_once(&app.state),
        baygrants::jobs::run_once(&app.state)
    );
    // And later rounds do not send it again.
    assert_eq!(
        baygrants::services::applications::send_draft_reminders(&app.state)
            .await
            .unwrap(),
        0
    );
    app.smtp
        .wait_for("lead@gz.test", "is not submitted yet")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reminders = app
        .smtp
        .mails_to("lead@gz.test")
        .into_iter()
        .filter(|m| m.text.contains("is not submitted yet"))
        .count();
    assert_eq!(reminders, 1);
}

/// A complete Guangzhou–Macau draft that passes every rule of the fixture's
/// call: content and milestones, the Macau partner accepted, 100,000 grant
/// and 100,000 matching (50 %).
async fn ready_draft(f: &Fixture) -> i64 {
    let id = start(&f.lead, f.call, f.gz).await;
    fill(&f.lead, id).await;
    invite_and_accept(f, id, f.macau).await;
    assert_eq!(
        budget(&f.lead, id, f.gz, "CNY", "100000", "grant", "personnel").await,
        303
    );
    assert_eq!(
        budget(
            &f.lead,
            id,
            f.macau,
            "CNY",
            "100000",
            "matching",
            "activities"
        )
        .await,
        303
    );
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_withdrawn_application_is_final_and_can_no_longer_be_changed() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = ready_draft(&f).await;
    assert_eq!(submit(&f.lead, id).await.status, 303);
    let page = format!("/applications/{id}");
    assert!(
        f.lead.get(&page).await.has("value=\"withdrawn\""),
        "a submitted application offers withdrawal before the deadline"
    );

    // The button asks first, on a page that says what withdrawing means.
    let res = f
        .lead
        .submit(&page, &format!("{page}/state"), &[("to", "withdrawn")])
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.has("Withdraw this application for good?")
            && res.has("cannot be returned to draft")
            && res.has("name=\"confirmed\" value=\"yes\"")
            && res.has(&format!("href=\"{page}\"")),
        "{}",
        res.body
    );
    assert_eq!(state_of(&app, id).await, "submitted", "nothing changed yet");
    let res = withdraw_confirmed(&f.lead, id).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(res.location(), format!("{page}#top"));
    assert_eq!(state_of(&app, id).await, "withdrawn");

    // What the lead sees: the notice, the state, and no form left to use.
    let shown = f.lead.get(&page).await;
    assert_eq!(shown.status, 200);
    assert!(shown.has("The application is withdrawn."), "{}", shown.body);
    assert!(
        shown.has("<span class=\"badge\">Withdrawn</span>"),
        "{}",
        shown.body
    );
    for form in [
        "state",
        "submit",
        "content",
        "budget",
        "milestones",
        "attachments",
    ] {
        assert!(
            !shown.has(&format!("action=\"{page}/{form}\"")),
            "no {form} form on a withdrawn application"
        );
    }
    // The partner sees it withdrawn too.
    assert!(
        f.macau_owner
            .get(&page)
            .await
            .has("<span class=\"badge\">Withdrawn</span>")
    );

    // Nothing brings it back: not to draft, not "withdrawn" again ...
    for to in ["draft", "withdrawn"] {
        let res = f
            .lead
            .submit(&page, &format!("{page}/state"), &[("to", to)])
            .await;
        assert_eq!(res.status, 409, "to {to}");
        // err-application-state (the state check), not err-after-deadline:
        // the call is still open.
        assert!(
            res.has("not possible in the application"),
            "to {to}: {}",
            res.body
        );
    }
    // ... no resubmission ...
    let res = submit(&f.lead, id).await;
    assert_eq!(res.status, 409);
    assert!(
        res.has("This application is no longer a draft, so it cannot be changed."),
        "{}",
        res.body
    );
    // ... and no edits.
    let res = f
        .lead
        .submit(
            &page,
            &format!("{page}/content"),
            &[("title", "Revived after withdrawal")],
        )
        .await;
    assert_eq!(res.status, 409);
    assert!(!f.lead.get(&page).await.has("Revived after withdrawal"));

    // In the database: still withdrawn; the one snapshot, the one
    // `application.submitted` event and the two receipts of the original
    // submission and nothing more; exactly one `application.withdrawn` event.
    assert_eq!(state_of(&app, id).await, "withdrawn");
    assert_eq!(submission_traces(&app, id).await, (1, 1, 2));
    let actions = app.audit_actions().await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| a.as_str() == "application.withdrawn")
            .count(),
        1
    );
    assert!(
        !actions
            .iter()
            .any(|a| a.as_str() == "application.returned_to_draft")
    );
    crate::support::search_rows_agree(&app).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lead_may_submit_only_as_many_applications_as_the_call_allows() {
    let app = TestApp::spawn().await;
    let f = fixture_with(&app, &[("max_applications_per_lead", "2")]).await;
    assert!(
        f.lead
            .get(&format!("/calls/{}", f.call))
            .await
            .has("An organization may lead at most 2 applications to this call."),
        "the call states the cap"
    );
    let first = ready_draft(&f).await;
    let second = ready_draft(&f).await;
    let third = ready_draft(&f).await;
    // Up to the cap: both go in (the second with one other already counted).
    assert_eq!(submit(&f.lead, first).await.status, 303);
    let res = submit(&f.lead, second).await;
    assert_eq!(res.status, 303, "{}", res.body);

    // One more than the cap: refused with the reason, and nothing happens.
    let res = submit(&f.lead, third).await;
    assert_eq!(res.status, 422);
    assert!(res.has("The application was not submitted. Fix these first:"));
    assert!(
        res.has("The lead organization already has 2 applications in this call, the most allowed."),
        "{}",
        res.body
    );
    assert_eq!(state_of(&app, third).await, "draft");
    // No snapshot, no audit event for it; the outbox holds only the two
    // receipts of each of the first two submissions.
    assert_eq!(submission_traces(&app, third).await, (0, 0, 4));
    assert_eq!(state_of(&app, first).await, "submitted");
    assert_eq!(state_of(&app, second).await, "submitted");

    // A withdrawn application does not count: withdrawing one frees a place.
    let res = withdraw_confirmed(&f.lead, first).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = submit(&f.lead, third).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(state_of(&app, third).await, "submitted");
}

/// The part of a page inside `<section id="{id}"`, up to its end.
fn section<'p>(body: &'p str, id: &str) -> &'p str {
    let start = body
        .find(&format!("<section id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &body[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

/// An invited partner's budget lines are drafted before it answers, marked
/// as pending; a line and a milestone change in place, audited, with the
/// same rules as new ones and what was typed kept on an error; and the
/// confirmation of a save shows in the section saved, not at the top.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn budget_lines_and_milestones_change_in_place() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    fill(&f.lead, id).await;
    let page = format!("/applications/{id}");
    let res = f
        .lead
        .submit(
            &page,
            &format!("{page}/partners"),
            &[("organization_id", &f.macau.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        budget(
            &f.lead,
            id,
            f.macau,
            "MOP",
            "20000",
            "matching",
            "personnel"
        )
        .await,
        303,
        "a line for a partner still invited"
    );
    let shown = f.lead.get(&page).await;
    let budget_part = section(&shown.body, "budget");
    assert!(
        budget_part.contains("(invited, not yet answered)")
            && budget_part.contains("MOP 20,000.00"),
        "{budget_part}"
    );
    // The message of the save is in the budget section, where the page
    // opens (#budget), and not above the first section.
    assert!(budget_part.contains("class=\"flash\""), "{budget_part}");
    assert!(
        !shown.body[..shown.body.find("<section id=\"content\"").unwrap()]
            .contains("class=\"flash\"")
    );

    let line = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::applications::budget(&mut conn, baygrants::models::ApplicationId(id))
            .await
            .unwrap()[0]
            .id
    };
    // The line's own form, filled in.
    let edit = f.lead.get(&format!("{page}?edit_line={line}")).await;
    assert!(
        edit.has(&format!("action=\"/applications/{id}/budget/{line}\""))
            && edit.has("value=\"20000.00\"")
            && edit.has("Change this budget line"),
        "{}",
        section(&edit.body, "budget")
    );
    // A wrong amount: refused, what was typed kept, still the line's form.
    let edit_page = format!("{page}?edit_line={line}");
    let line_action = format!("{page}/budget/{line}");
    let org = f.macau.to_string();
    let fields = |amount: &'static str| {
        [
            ("category", "personnel"),
            ("organization_id", org.as_str()),
            ("currency", "MOP"),
            ("amount", amount),
            ("source", "matching"),
            ("description", "Volunteer stipends"),
        ]
    };
    let res = f
        .lead
        .submit(&edit_page, &line_action, &fields("12,34x"))
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.has("value=\"12,34x\"")
            && res.has("value=\"Volunteer stipends\"")
            && res.has(&format!("action=\"/applications/{id}/budget/{line}\"")),
        "{}",
        section(&res.body, "budget")
    );
    // Another organization's id, or another application's line: nothing changes.
    let res = f
        .lead
        .submit(
            &edit_page,
            &format!("{page}/budget/999999"),
            &fields("25000"),
        )
        .await;
    assert_eq!(res.status, 404);
    let res = f
        .lead
        .submit(&edit_page, &line_action, &fields("25,000"))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let shown = f.lead.get(&page).await;
    let budget_part = section(&shown.body, "budget");
    assert!(
        budget_part.contains("MOP 25,000.00")
            && !budget_part.contains("MOP 20,000.00")
            && budget_part.contains("Volunteer stipends"),
        "{budget_part}"
    );
    assert_eq!(
        budget_part.matches("?edit_line=").count(),
        1,
        "one line, changed"
    );

    // A milestone, likewise.
    let milestone = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::applications::milestones(&mut conn, baygrants::models::ApplicationId(id))
            .await
            .unwrap()[0]
            .id
    };
    let m_page = format!("{page}?edit_milestone={milestone}");
    let m_action = format!("{page}/milestones/{milestone}");
    assert!(
        f.lead
            .get(&m_page)
            .await
            .has("value=\"Volunteers trained\"")
    );
    let res = f
        .lead
        .submit(
            &m_page,
            &m_action,
            &[
                ("month_due", "7"),
                ("deliverables", "Forty volunteers trained"),
                ("tranche_percent", "0"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("value=\"Forty volunteers trained\""));
    let res = f
        .lead
        .submit(
            &m_page,
            &m_action,
            &[
                ("month_due", "7"),
                ("deliverables", "Forty volunteers trained"),
                ("tranche_percent", "40"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let milestones_part = f.lead.get(&page).await;
    let milestones_part = section(&milestones_part.body, "milestones");
    assert!(
        milestones_part.contains("Forty volunteers trained")
            && !milestones_part.contains(">Volunteers trained<"),
        "{milestones_part}"
    );
    assert!(milestones_part.contains("class=\"flash\""));

    // A partner may not change the lead's draft.
    let res = f.macau_owner.get(&edit_page).await;
    assert!(!res.has(&line_action));

    // Each change is in the audit trail with what it was and what it became.
    let mut conn = app.state.pool.get().await.unwrap();
    let changed: Vec<(String, Option<serde_json::Value>, Option<serde_json::Value>)> = {
        use baygrants::db::schema::audit_events as a;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        a::table
            .filter(a::action.like("application.%_changed"))
            .filter(a::entity_id.eq(id.to_string()))
            .select((a::action, a::before, a::after))
            .order(a::id)
            .load(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert_eq!(changed[0].0, "application.budget_line_changed");
    assert_eq!(changed[0].1.as_ref().unwrap()["amount"], "20000.00");
    assert_eq!(changed[0].2.as_ref().unwrap()["amount"], "25000");
    assert_eq!(changed[1].0, "application.milestone_changed");
    assert_eq!(changed[1].2.as_ref().unwrap()["month"], 7);
}
