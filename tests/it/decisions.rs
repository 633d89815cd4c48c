//! Decisions: recorded privately, published together, one email each;
//! blind review, peers' scores after submitting, other score components,
//! panel invitations for people without accounts, and review reminders.

use std::time::Duration;

use crate::review::{in_review_with, relogin, user_id};
use crate::support::{Browser, PASSWORD, TestApp, eventually};

pub(crate) async fn to_state(admin: &Browser, call: i64, to: &str) -> u16 {
    admin
        .submit(
            &format!("/calls/{call}"),
            &format!("/admin/calls/{call}/state"),
            &[("to", to)],
        )
        .await
        .status
}

/// Puts `email` on the panel, assigns it the application and declares no
/// conflict; returns the reviewer's browser and the review's page.
async fn reviewer_on(
    app: &TestApp,
    admin: &Browser,
    call: i64,
    application: i64,
    email: &str,
    base: &str,
) -> (Browser, String) {
    let panel = format!("/admin/calls/{call}/review");
    let res = admin
        .submit(
            &panel,
            &format!("/admin/calls/{call}/panel"),
            &[("email", email), ("base", base)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let reviewer = user_id(app, email).await.to_string();
    let res = admin
        .submit(
            &panel,
            &format!("/admin/calls/{call}/assign"),
            &[
                ("application_id", &application.to_string()),
                ("reviewer_id", &reviewer),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mut conn = app.state.pool.get().await.unwrap();
    let review = baygrants::models::reviews::of_call(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.reviewer_id.0.to_string() == reviewer)
        .unwrap()
        .id;
    let b = relogin(app, email).await;
    let page = format!("/reviews/{review}");
    let res = b
        .submit(
            &page,
            &format!("{page}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status, 303);
    (b, page)
}

async fn score(b: &Browser, page: &str, need: &str, approach: &str, overall: &str) {
    let res = b
        .submit(
            page,
            &format!("{page}/scores"),
            &[
                ("score", need),
                ("comment", ""),
                ("score", approach),
                ("comment", ""),
                ("overall_comment", overall),
                ("recommendation", "fund_with_changes"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decisions_stay_private_until_published_and_each_applicant_gets_one_email() {
    let app = TestApp::spawn().await;
    let (f, application) = in_review_with(
        &app,
        &[
            ("anonymise_reviews", "on"),
            ("blind_review", "on"),
            ("show_peer_scores", "on"),
            ("comp_name_zh", "公眾評審團"),
            ("comp_name_en", "Public jury"),
            ("comp_weight", "30"),
        ],
    )
    .await;
    let call = f.call;
    for email in ["first@review.test", "second@review.test"] {
        app.registered_user(email, PASSWORD, "en").await;
    }
    let admin = relogin(&app, "admin@grants.test").await;
    assert_eq!(to_state(&admin, call, "in_review").await, 303);
    let (first, first_page) = reviewer_on(
        &app,
        &admin,
        call,
        application,
        "first@review.test",
        "mainland",
    )
    .await;
    let (second, second_page) = reviewer_on(
        &app,
        &admin,
        call,
        application,
        "second@review.test",
        "macau",
    )
    .await;

    // Blind review: the partner is "Partner 1", never its name.
    let page = first.get(&first_page).await;
    assert!(page.has("Partner 1"), "{}", page.body);
    assert!(!page.has("Macau Partner"));

    // The submitted attachment opens for the reviewer, and for nobody else.
    let link = page
        .body
        .split("href=\"")
        .find(|s| s.starts_with(&format!("{first_page}/attachments/")))
        .and_then(|s| s.split('"').next())
        .expect("an attachment link")
        .to_string();
    let file = first.get(&link).await;
    assert_eq!(file.status, 200);
    assert!(file.body.starts_with("%PDF-1.7"));
    assert_eq!(second.get(&link).await.status, 404);
    assert_eq!(
        relogin(&app, "lead@gz.test").await.get(&link).await.status,
        404
    );

    score(&first, &first_page, "8", "6", "Strong community ties").await;
    // The other review is not submitted: nothing to compare with, and it stays out of reach.
    assert!(!first.get(&first_page).await.has("The other reviewers"));
    assert_eq!(first.get(&second_page).await.status, 404);
    // The application itself is read through the review, not its own page.
    assert_eq!(
        first
            .get(&format!("/applications/{application}"))
            .await
            .status,
        404
    );
    score(&second, &second_page, "5", "5", "The budget is thin").await;
    // 40 % × 5/10 + 60 % × 5/10 = 50.
    let page = first.get(&first_page).await;
    assert!(
        page.has("The other reviewers") && page.has(">50.0<"),
        "{}",
        page.body
    );
    assert_eq!(first.get(&second_page).await.status, 404);

    // The decision: refused above the request, with what was typed kept.
    let decision = format!("/admin/applications/{application}/decision");
    let res = admin
        .submit(
            &decision,
            &decision,
            &[
                ("outcome", "award"),
                ("amount", "999,999"),
                ("conditions", "Quarterly reports"),
                ("rationale", "Strong panel support"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("The award cannot be more than the amount requested."));
    assert!(res.has("value=\"999,999\"") && res.has(">Quarterly reports</textarea>"));
    // The other component's score: out of range refused, then entered.
    let components = format!("/admin/applications/{application}/components");
    assert_eq!(
        admin
            .submit(&decision, &components, &[("component", "101")])
            .await
            .status,
        422
    );
    assert_eq!(
        admin
            .submit(&decision, &components, &[("component", "80")])
            .await
            .status,
        303
    );
    // Weighted 68 and 50; each reviewer has one review, so the calibrated
    // score is their mean, 59; final = 70 % × 59 + 30 % × 80 = 65.3.
    let board = admin.get(&format!("/admin/calls/{call}/board")).await;
    assert!(board.has(">59.0<") && board.has(">65.3<"), "{}", board.body);
    // The call cannot be decided while an application has no decision.
    assert_eq!(to_state(&admin, call, "decided").await, 409);
    let res = admin
        .submit(
            &decision,
            &decision,
            &[
                ("outcome", "award"),
                ("amount", "80,000"),
                ("conditions", "Quarterly reports"),
                ("rationale", "Strong panel support"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(to_state(&admin, call, "decided").await, 303);

    // Before publication the applicant sees no decision, score or comment.
    let app_page = format!("/applications/{application}");
    let lead = relogin(&app, "lead@gz.test").await;
    let before = lead.get(&app_page).await;
    assert_eq!(before.status, 200);
    assert!(before.has("Under review"));
    for secret in [
        "Strong panel support",
        "The budget is thin",
        "80,000",
        "65.3",
    ] {
        assert!(!before.has(secret), "{secret} leaked before publication");
    }
    assert!(
        app.smtp
            .mails_to("lead@gz.test")
            .iter()
            .all(|m| !m.subject.contains("Decision"))
    );

    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        diesel::sql_query(
            "UPDATE users SET name = 'Dr Reviewer Chan' WHERE email LIKE '%@review.test'",
        )
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let finance = app
        .user_with_role("fin@grants.test", baygrants::domain::role::Role::Finance)
        .await;
    let fund = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::calls::find(&mut conn, baygrants::models::CallId(call))
            .await
            .unwrap()
            .unwrap()
            .fund_id
            .0
    };
    let res = crate::awards::contribute(&finance, fund, "500,000").await;
    assert_eq!(res.location(), format!("/finance/funds/{fund}"));
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let after = lead.get(&app_page).await;
    assert!(after.has("Awarded") && after.has("80,000"));
    assert!(after.has("Strong panel support") && after.has("Quarterly reports"));
    assert!(after.has("Reviewer 2") && after.has("The budget is thin"));
    assert!(!after.has("Dr Reviewer Chan"), "comments are anonymised");
    assert!(
        eventually(Duration::from_secs(10), || async {
            app.smtp
                .mails_to("lead@gz.test")
                .iter()
                .any(|m| m.subject.contains("Decision"))
        })
        .await
    );
    // Published once: again is refused, and decisions no longer change.
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[],
        )
        .await;
    assert_eq!(res.status, 409);
    let res = admin
        .post_raw(
            &decision,
            &[
                ("csrf", &admin.get(&decision).await.csrf()),
                ("outcome", "decline"),
                ("rationale", "changed my mind"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    tokio::time::sleep(Duration::from_millis(500)).await;
    let decision_mails: Vec<_> = app
        .smtp
        .mails()
        .into_iter()
        .filter(|m| m.subject.contains("Decision"))
        .collect();
    assert_eq!(decision_mails.len(), 1, "one email per applicant");
    assert!(decision_mails[0].text.contains("The budget is thin"));
    assert!(decision_mails[0].text.contains("is awarded"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_without_accounts_join_the_panel_on_verifying_and_reviews_are_reminded_once() {
    let app = TestApp::spawn().await;
    let (f, application) = in_review_with(&app, &[("review_days", "10")]).await;
    let call = f.call;
    let admin = relogin(&app, "admin@grants.test").await;
    assert_eq!(to_state(&admin, call, "in_review").await, 303);
    let panel = format!("/admin/calls/{call}/review");
    let res = admin
        .submit(
            &panel,
            &format!("/admin/calls/{call}/panel"),
            &[("email", "newcomer@review.test"), ("base", "hong_kong")],
        )
        .await;
    assert_eq!(res.status, 303);
    let invite = app.smtp.wait_for("newcomer@review.test", "/register").await;
    assert!(invite.subject.contains("invited"), "{}", invite.subject);
    assert!(admin.get(&panel).await.has("newcomer@review.test"));
    // Registering and verifying that address puts them on the panel.
    app.registered_user("newcomer@review.test", PASSWORD, "en")
        .await;
    let newcomer = user_id(&app, "newcomer@review.test").await;
    let mut conn = app.state.pool.get().await.unwrap();
    let members = baygrants::models::reviews::panel(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap();
    drop(conn);
    assert!(
        members
            .iter()
            .any(|m| m.user_id.0 == newcomer && m.base == "hong_kong"),
        "joined on verifying"
    );
    assert!(!admin.get(&panel).await.has("Invited, not yet registered"));
    let (_newcomer, _page) = reviewer_on(
        &app,
        &admin,
        call,
        application,
        "newcomer@review.test",
        "hong_kong",
    )
    .await;

    // Due in 10 days: nothing to remind yet, then one reminder within two days of it.
    assert_eq!(
        baygrants::services::review::send_review_reminders(&app.state)
            .await
            .unwrap(),
        0
    );
    app.clock.advance(chrono::Duration::days(9));
    assert_eq!(
        baygrants::services::review::send_review_reminders(&app.state)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        baygrants::services::review::send_review_reminders(&app.state)
            .await
            .unwrap(),
        0,
        "reminded once"
    );
    let reminder = app
        .smtp
        .wait_for("newcomer@review.test", "has not been submitted yet")
        .await;
    assert!(reminder.subject.contains("due soon"));
}

/// The review page of the Guangzhou–Macau application for a reviewer who
/// has declared no conflict, in a call set up without blind review
/// (`call_fields` has no `blind_review`).
async fn review_in_a_call_without_blind_review(app: &TestApp) -> crate::support::browser::Page {
    let (f, application) = in_review_with(app, &[]).await;
    app.registered_user("first@review.test", PASSWORD, "en")
        .await;
    let admin = relogin(app, "admin@grants.test").await;
    assert_eq!(to_state(&admin, f.call, "in_review").await, 303);
    let mut conn = app.state.pool.get().await.unwrap();
    let settings =
        baygrants::models::calls::review_settings(&mut conn, baygrants::models::CallId(f.call))
            .await
            .unwrap();
    drop(conn);
    assert!(
        !settings.blind,
        "the control's premise: the call is not blind"
    );
    let (reviewer, review) = reviewer_on(
        app,
        &admin,
        f.call,
        application,
        "first@review.test",
        "mainland",
    )
    .await;
    let page = reviewer.get(&review).await;
    assert_eq!(page.status, 200);
    assert!(
        page.has("Home visits by trained volunteers"),
        "the submitted snapshot is shown: {}",
        page.body
    );
    page
}

/// The control of the blind assertions in `decisions_stay_private…`: without blind review the reviewer sees the partners by name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_blind_review_the_reviewer_sees_the_partners_names() {
    let app = TestApp::spawn().await;
    let page = review_in_a_call_without_blind_review(&app).await;
    assert!(
        page.has("Macau Partner（中文） (Macau Partner) · Delivers in Macau · Volunteers"),
        "{}",
        page.body
    );
    assert!(
        !page.has("Partner 1 ·"),
        "no pseudonym when the call is not blind"
    );
}
