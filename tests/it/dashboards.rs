//! The home page of a signed-in user: one section per role, each opening
//! with what needs them now.

use baygrants::models::{ApplicationId, AwardId, CallId, OrganizationId, UserId};
use chrono::Duration;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::applications::{fixture, start};
use crate::awards::{contribute, decided};
use crate::decisions::to_state;
use crate::review::{in_review_with, relogin, user_id};
use crate::support::{Browser, PASSWORD, TestApp, org_fields, uscc};
use baygrants::domain::organization::Jurisdiction;
use baygrants::i18n::Lang;

/// Where `needle` first appears in the page, for checking order.
fn at(body: &str, needle: &str) -> usize {
    body.find(needle)
        .unwrap_or_else(|| panic!("{needle} not in:\n{body}"))
}

async fn home(b: &Browser) -> crate::support::browser::Page {
    let page = b.get("/").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page
}

async fn switch(b: &Browser, lang: &str) {
    let res = b
        .submit("/", "/lang", &[("lang", lang), ("next", "/")])
        .await;
    assert_eq!(res.status, 303);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicants_see_drafts_and_invitations_admins_the_queues() {
    let app = TestApp::spawn().await;

    // Visitors keep the welcome page.
    let visitor = home(&app.browser()).await;
    assert!(visitor.has("href=\"/register\""));
    assert!(!visitor.has("What needs you now"));

    // Someone with no organization and no role is shown how to start.
    let newcomer = app.logged_in("new@zh.test", PASSWORD).await;
    let page = home(&newcomer).await;
    assert!(page.has("What needs you now"), "{}", page.body);
    assert!(page.has("Getting started"));
    assert!(page.has("Nothing needs you here right now."));
    assert!(!page.has("Drafts to finish"));

    let f = fixture(&app).await;
    // A visitor's home lists the calls open now, with their deadlines.
    let visitor = app.browser();
    switch(&visitor, "en").await;
    let page = home(&visitor).await;
    assert!(
        page.has("Calls open now")
            && page.has(&format!("href=\"/calls/{}\">Elder care ventures", f.call))
            && page.has("2036-01-31 17:00 (UTC+8)"),
        "{}",
        page.body
    );
    // A member of an organization with nothing pending sees the empty state.
    let page = home(&f.macau_owner).await;
    assert!(page.has("Your organizations’ applications and awards"));
    assert!(page.has("Nothing needs you here right now."));
    assert!(!page.has("Partner invitations to answer"));

    // The lead's draft, with its deadline and what is still missing.
    let id = start(&f.lead, f.call, f.gz).await;
    let res = f
        .lead
        .submit(
            &format!("/applications/{id}"),
            &format!("/applications/{id}/partners"),
            &[("organization_id", &f.macau.to_string())],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let missing = {
        let mut conn = app.state.pool.get().await.unwrap();
        let draft = baygrants::models::applications::find(&mut conn, ApplicationId(id))
            .await
            .unwrap()
            .unwrap();
        baygrants::services::applications::checklist(&mut conn, &draft, app.state.clock.now())
            .await
            .unwrap()
            .len()
    };
    assert!(missing > 0);
    let page = home(&f.lead).await;
    assert!(page.has("Drafts to finish (1)"), "{}", page.body);
    assert!(page.has(&format!("href=\"/applications/{id}\"")));
    assert!(page.has("Elder care ventures"));
    assert!(page.has("2036-01-31 17:00 (UTC+8)"));
    assert!(page.has(&format!("{missing} items")));
    assert!(
        !page.has("Nothing needs you here right now."),
        "the applicant section has work"
    );
    assert!(!page.has("Fund administration"), "not an admin");

    // The invited partner's owner sees the invitation, for their organization.
    let page = home(&f.macau_owner).await;
    assert!(
        page.has("Partner invitations to answer (1)"),
        "{}",
        page.body
    );
    assert!(page.has(&format!("href=\"/applications/{id}#partners\"")));
    assert!(page.has("Macau Partner"));
    assert!(!page.has("Drafts to finish"), "the draft is the lead's");

    // In Traditional Chinese.
    switch(&f.lead, "zh-Hant").await;
    let page = home(&f.lead).await;
    assert!(page.has("待辦事項"));
    assert!(page.has("待完成的草稿（1）"), "{}", page.body);
    assert!(page.has("長者服務創投"));

    // The admin: an organization waiting for verification and a failed email.
    app.create_org(
        &newcomer,
        &org_fields(
            "Zhuhai Newcomer",
            "social_group",
            "zhuhai",
            &uscc('1', "440402", 5),
        ),
    )
    .await;
    {
        use baygrants::models::outbox;
        let mut conn = app.state.pool.get().await.unwrap();
        let now = app.state.clock.now();
        let email = outbox::insert(
            &mut conn,
            &outbox::NewEmail {
                kind: "test",
                recipient: "bounce@nowhere.test",
                lang: Lang::En,
                subject: "Undeliverable",
                body_text: "text",
                body_html: "<p>html</p>",
                next_attempt_at: now,
                created_at: now,
            },
        )
        .await
        .unwrap();
        outbox::mark_attempt_failed(&mut conn, email, "550 no such user", None)
            .await
            .unwrap();
    }
    let page = home(&f.admin).await;
    assert!(page.has("Fund administration"), "{}", page.body);
    assert!(page.has("Organizations waiting for verification (1)"));
    assert!(page.has("Zhuhai Newcomer"));
    assert!(page.has("href=\"/admin/verifications\""));
    assert!(page.has("Emails not delivered (1)"));
    assert!(page.has("bounce@nowhere.test"));
    assert!(page.has("Calls by state"));
    assert!(!page.has("Drafts to finish"), "the admin leads nothing");
    // Staff links come grouped in a navigation of their own, not one long row.
    let staff = page
        .body
        .split("class=\"nav-staff\"")
        .nth(1)
        .and_then(|s| s.split("</nav>").next())
        .unwrap_or_else(|| panic!("no staff navigation: {}", page.body));
    for group in ["Programmes", "Registers", "Money", "System"] {
        assert!(staff.contains(&format!(">{group}<")), "{group}: {staff}");
    }
    assert!(staff.contains("href=\"/admin/calls\"") && staff.contains("href=\"/admin/audit\""));
    assert!(
        !home(&f.lead).await.has("nav-staff"),
        "an applicant has no staff links"
    );
    // The newcomer now belongs to an organization, with nothing to do yet.
    let page = home(&newcomer).await;
    assert!(!page.has("Getting started"));
    assert!(page.has("Your organizations’ applications and awards"));
    assert!(page.has("Nothing needs you here right now."));
}

/// Another application of the call, submitted and under review.
async fn another_application(app: &TestApp, call: i64, lead: i64, by: i64, title: &str) -> i64 {
    use baygrants::db::schema::applications;
    let mut conn = app.state.pool.get().await.unwrap();
    let now = app.state.clock.now();
    let id = baygrants::models::applications::insert(
        &mut conn,
        CallId(call),
        OrganizationId(lead),
        UserId(by),
        now,
    )
    .await
    .unwrap();
    diesel::update(applications::table.find(id.0))
        .set((
            applications::title.eq(title),
            applications::state.eq("under_review"),
            applications::submitted_at.eq(now),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    id.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reviewers_see_overdue_work_first_and_admins_the_disagreements() {
    use baygrants::models::reviews;
    let app = TestApp::spawn().await;
    let (f, first) = in_review_with(&app, &[]).await;
    let admin = relogin(&app, "admin@grants.test").await;
    assert_eq!(to_state(&admin, f.call, "in_review").await, 303);
    let page = home(&admin).await;
    assert!(
        page.has("Applications without reviewers (1)"),
        "{}",
        page.body
    );
    assert!(page.has("Silver bridges"));
    assert!(page.has(&format!("href=\"/admin/calls/{}/review\"", f.call)));

    let lead_user = user_id(&app, "lead@gz.test").await;
    let second = another_application(&app, f.call, f.gz, lead_user, "Second harbour").await;
    let third = another_application(&app, f.call, f.gz, lead_user, "Third lantern").await;
    let rev = app.logged_in("rev@review.test", PASSWORD).await;
    let rev2 = app.logged_in("rev2@review.test", PASSWORD).await;
    let (r1, r2) = (
        UserId(user_id(&app, "rev@review.test").await),
        UserId(user_id(&app, "rev2@review.test").await),
    );
    let second_review = {
        let mut conn = app.state.pool.get().await.unwrap();
        let now = app.state.clock.now();
        let call = CallId(f.call);
        for r in [r1, r2] {
            reviews::add_panel_member(&mut conn, call, r, Jurisdiction::Mainland, None, now)
                .await
                .unwrap();
        }
        // Assigned first but due later, then one already overdue.
        let assign = async |conn: &mut _, app_id: i64, r: UserId, due: Duration| {
            reviews::assign(conn, call, ApplicationId(app_id), r, Some(now + due), now)
                .await
                .unwrap()
                .unwrap()
        };
        let second_review = assign(&mut conn, second, r1, Duration::days(5)).await;
        assign(&mut conn, first, r1, Duration::days(-1)).await;
        // Two submitted reviews of the third, 100 and 0 points apart.
        for (r, score) in [(r1, 10), (r2, 0)] {
            let review = assign(&mut conn, third, r, Duration::days(3)).await;
            reviews::save(
                &mut conn,
                review,
                &[(1, score, String::new()), (2, score, String::new())],
                "",
                Some(baygrants::domain::scoring::Recommendation::Fund),
                Some(now),
                now,
            )
            .await
            .unwrap();
        }
        second_review
    };

    let page = home(&rev).await;
    assert!(page.has("Your reviews"), "{}", page.body);
    assert!(page.has("Reviews to submit (2)"));
    assert!(page.has("1 of 3 reviews done."));
    assert!(
        at(&page.body, "Silver bridges") < at(&page.body, "Second harbour"),
        "the overdue review comes first"
    );
    assert!(page.has("Overdue"));
    assert!(!page.has("Third lantern"), "submitted reviews are done");
    let page = home(&rev2).await;
    assert!(page.has("1 of 1 reviews done."));
    assert!(page.has("Nothing needs you here right now."));

    let page = home(&admin).await;
    assert!(
        page.has("Applications flagged for discussion: reviewers disagree (1)"),
        "{}",
        page.body
    );
    assert!(page.has("Third lantern"));
    assert!(page.has("50.0"));
    assert!(page.has(&format!("href=\"/admin/calls/{}/board\"", f.call)));
    assert!(!page.has("Applications without reviewers"));
    assert!(!page.has("Your reviews"), "the admin reviews nothing");

    // A declared conflict leaves the second application with nobody to
    // review it: it is back on the admin's list.
    let review = format!("/reviews/{}", second_review.0);
    let res = rev
        .submit(
            &review,
            &format!("{review}/declare"),
            &[("decision", "conflict"), ("reason", "I advised them")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = home(&admin).await;
    assert!(
        page.has("Applications without reviewers (1)"),
        "{}",
        page.body
    );
    assert!(page.has("Second harbour"));
    assert!(!page.has("Silver bridges"), "still reviewed by rev");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grantees_and_finance_officers_see_the_money_that_waits_for_them() {
    let app = TestApp::spawn().await;
    let d = decided(&app).await;
    assert_eq!(contribute(&d.fin1, d.fund, "1,000,000").await.status, 303);
    let res = d
        .admin
        .submit(
            &format!("/admin/calls/{}/board", d.f.call),
            &format!("/admin/calls/{}/publish-decisions", d.f.call),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let (award, tranches) = {
        let mut conn = app.state.pool.get().await.unwrap();
        let award =
            baygrants::models::awards::of_application(&mut conn, ApplicationId(d.application))
                .await
                .unwrap()
                .unwrap()
                .id;
        let tranches = baygrants::models::awards::tranches(&mut conn, award)
            .await
            .unwrap();
        (award.0, tranches)
    };

    // The offer waits for the lead's owner.
    let lead = relogin(&app, "lead@gz.test").await;
    let page = home(&lead).await;
    assert!(page.has("Award offers to accept (1)"), "{}", page.body);
    assert!(page.has(&format!("href=\"/awards/{award}\"")));
    assert!(page.has("CNY 80,000.00"));
    assert!(page.has("Once the agreement is accepted"));
    let page_of_award = format!("/awards/{award}");
    let res = lead
        .submit(
            &page_of_award,
            &format!("{page_of_award}/accept"),
            &[
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank of Guangzhou"),
                ("account_number", "6222-0000-1111"),
                ("bank_currency", "CNY"),
                ("agree", "on"),
                ("signature", "Chan Tai Man"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(!home(&lead).await.has("Award offers to accept"));

    // Accepted: the first tranche is ready to request, on finance's home.
    let page = home(&d.fin1).await;
    assert!(page.has("Tranches ready to request (1)"), "{}", page.body);
    assert!(page.has(&format!("href=\"/awards/{award}#tranches\"")));
    assert!(!page.has("Nothing needs you here right now."));
    assert_eq!(
        kept_drift(&app, "tranches_ready_drift").await,
        0,
        "the kept list is the rule"
    );

    // Maker and checker: the request is the other officer's to approve.
    let res = d
        .fin1
        .submit(
            &page_of_award,
            &format!("/finance/tranches/{}/request", tranches[0].id.0),
            &[],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = home(&d.fin1).await;
    assert!(
        page.has("<h2 id=\"dash-finance-h\">Finance</h2>"),
        "{}",
        page.body
    );
    assert!(!page.has("Payments waiting for your approval"));
    assert!(
        !page.has("Tranches ready to request"),
        "requested: no longer ready"
    );
    assert!(page.has("Nothing needs you here right now."));
    assert!(page.has("Your own requests waiting for another officer: 1"));
    assert!(page.has("Pool balances"));
    assert!(page.has("Bay Fund"));
    assert!(page.has("CNY 920,000.00"), "the pool after the commitment");
    let page = home(&d.fin2).await;
    assert!(
        page.has("Payments waiting for your approval (1)"),
        "{}",
        page.body
    );
    assert!(page.has("Silver bridges"));
    assert!(page.has("CNY 32,000.00"));
    assert!(!page.has("Your own requests waiting"));
    assert!(home(&lead).await.has("Awaiting approval"));

    let payment = pending_payment_id(&app, AwardId(award)).await;
    let res = d
        .fin2
        .submit(
            "/finance",
            &format!("/finance/payments/{payment}"),
            &[
                ("decision", "approve"),
                ("payee_currency", "CNY"),
                ("rate", "1"),
                ("reference", "SWIFT-9"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        !home(&d.fin2)
            .await
            .has("Payments waiting for your approval")
    );
    // Approved is not received: the money reaches the grantee when the
    // bank pays it.
    assert!(!home(&lead).await.has("Payments received"));
    let page = home(&d.fin1).await;
    assert!(
        page.has("Waiting for a batch: 1 · in open batches: 0 · at the bank: 0"),
        "{}",
        page.body
    );
    let batch = crate::bank::make_batch(&d.fin1, d.fund, "CNY").await;
    assert_eq!(
        crate::bank::download(&d.fin1, batch, "csv").await.status,
        200
    );
    assert!(
        home(&d.fin1)
            .await
            .has("Waiting for a batch: 0 · in open batches: 0 · at the bank: 1")
    );
    assert_eq!(crate::bank::settle(&d.fin1, payment).await.status, 303);
    let page = home(&lead).await;
    assert!(page.has("Payments received (1)"), "{}", page.body);
    assert!(page.has("CNY 32,000.00"));
    assert!(page.has("Tranches to come (1)"));
    assert!(!page.has("Progress reports due"), "months away");

    // Seven months on, milestone 1's report (month 6) is overdue.
    app.clock.advance(Duration::days(213));
    let lead = relogin(&app, "lead@gz.test").await;
    let page = home(&lead).await;
    assert!(page.has("Progress reports due (1)"), "{}", page.body);
    assert!(page.has("Overdue"));
    let admin = relogin(&app, "admin@grants.test").await;
    let page = home(&admin).await;
    assert!(page.has("Overdue progress reports (1)"), "{}", page.body);
    assert!(page.has("Silver bridges"));
    // In Simplified Chinese.
    switch(&lead, "zh-Hans").await;
    let page = home(&lead).await;
    assert!(page.has("到期的进度报告（1）"), "{}", page.body);
    assert!(page.has("已逾期"));
    assert!(page.has("已收到的拨款（1）"));
}

/// Rows of a kept figure's drift view: where it differs from its rule.
async fn kept_drift(app: &TestApp, view: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(format!("SELECT count(*) AS n FROM {view}"))
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

async fn pending_payment_id(app: &TestApp, award: AwardId) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::pending_payments(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .find(|(p, _, _)| p.award_id == award)
        .unwrap()
        .0
        .id
        .0
}
