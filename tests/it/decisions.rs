//! Decisions: recorded privately, published together, one email each;
//! blind review, peers' scores after submitting, other score components,
//! panel invitations for people without accounts, and review reminders.

use std::time::Duration;

use rust_decimal::Decimal;

use crate::applications::fixture;
use crate::review::{another_call, in_review_with, relogin, submitted_in, user_id};
use crate::support::{Browser, PASSWORD, TestApp, eventually, set};
use baygrants::domain::organization::Jurisdiction;

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
    let (b, page) = reviewer_assigned(app, admin, call, application, email, base).await;
    declare_no_conflict(&b, &page).await;
    (b, page)
}

async fn declare_no_conflict(b: &Browser, page: &str) {
    let res = b
        .submit(
            page,
            &format!("{page}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status, 303);
}

/// Puts `email` on the panel and assigns them the application; their
/// session and the review's page, before they declare anything.
async fn reviewer_assigned(
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
    (b, format!("/reviews/{review}"))
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
    let (first, first_page) = reviewer_assigned(
        &app,
        &admin,
        call,
        application,
        "first@review.test",
        "mainland",
    )
    .await;
    // Blind review: the declaration names no organization, says why, and
    // shows what the system checked (here: nothing recorded).
    let page = first.get(&first_page).await;
    assert!(
        page.has("Review of this call is blind")
            && page.has("You have recorded no affiliations")
            && !page.has("Guangzhou Lead"),
        "{}",
        page.body
    );
    declare_no_conflict(&first, &first_page).await;
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
    // Deciding now would leave the second review out: the decision page says so.
    let decision_page = format!("/admin/applications/{application}/decision");
    assert!(
        admin
            .get(&decision_page)
            .await
            .has("One review of this application is not submitted yet.")
    );
    score(&second, &second_page, "5", "5", "The budget is thin").await;
    assert!(!admin.get(&decision_page).await.has("not submitted yet"));
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
    // No final score yet: the board is ranked by the calibrated score, and says so.
    let board = admin.get(&format!("/admin/calls/{call}/board")).await;
    assert!(
        board.has("No application has a final score yet")
            && board.has("<strong>Calibrated score</strong>"),
        "{}",
        board.body
    );
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
    assert!(board.has("<strong>Final score</strong>") && !board.has("no final score"));
    // The call cannot be decided while an application has no decision:
    // its page shows the button disabled, with why and where to go.
    assert_eq!(to_state(&admin, call, "decided").await, 409);
    let shown = admin.get(&format!("/calls/{call}")).await;
    assert!(
        shown.has("disabled aria-describedby=\"undecided-why\"")
            && shown.has("One application has no decision yet")
            && !shown.has(&format!("action=\"/admin/calls/{call}/state\"")),
        "{}",
        shown.body
    );
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
    // Publishing asks first: who gets an email, that nothing changes after.
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.has("Publish every decision of this call?")
            && res.has("The applicant receives an email with the decision")
            && !res.has("still not submitted"),
        "{}",
        res.body
    );
    assert!(
        !lead.get(&app_page).await.has("Strong panel support"),
        "nothing published yet"
    );
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[("confirmed", "yes")],
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
            .any(|m| m.user_id.0 == newcomer && m.base == Jurisdiction::HongKong),
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
    let (reviewer, review) = reviewer_assigned(
        app,
        &admin,
        f.call,
        application,
        "first@review.test",
        "mainland",
    )
    .await;
    // Not blind: the declaration names the lead and the partners, with
    // where they are and their registration numbers.
    let page = reviewer.get(&review).await;
    assert!(
        page.has("<strong>Lead organization</strong>: Guangzhou Lead")
            && page.has("<strong>Partner</strong>: Macau Partner")
            && page.has("Registration number 53440103427841382L"),
        "{}",
        page.body
    );
    declare_no_conflict(&reviewer, &review).await;
    let page = reviewer.get(&review).await;
    assert_eq!(page.status, 200);
    assert!(
        page.has("Home visits by trained volunteers"),
        "the submitted snapshot is shown: {}",
        page.body
    );
    // The application comes before the scoring form, and a conflict
    // recognised while reading can still be declared.
    assert!(
        page.body.find("Home visits by trained volunteers") < page.body.find("action=\"/reviews/"),
        "the application is read above the scores"
    );
    assert!(page.has("Recognised an organization?"));
    let res = reviewer
        .submit(
            &review,
            &format!("{review}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status, 409, "no second 'no conflict'");
    let res = reviewer
        .submit(
            &review,
            &format!("{review}/declare"),
            &[("decision", "conflict"), ("reason", "I sit on its board")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let after = reviewer.get(&review).await;
    assert!(after.has("I sit on its board") && !after.has("Recognised an organization?"));
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
    assert!(
        page.has("<strong>Lead organization</strong>: Guangzhou Lead"),
        "the application as submitted names its lead"
    );
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Registers `email` and puts them on the call's panel with `base`; their id.
async fn on_panel(app: &TestApp, admin: &Browser, call: i64, email: &str, base: &str) -> i64 {
    app.registered_user(email, PASSWORD, "en").await;
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/review"),
            &format!("/admin/calls/{call}/panel"),
            &[("email", email), ("base", base)],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    user_id(app, email).await
}

/// Assigns the application to the panel member by hand; the review's page.
async fn assigned(
    app: &TestApp,
    admin: &Browser,
    call: i64,
    application: i64,
    reviewer: i64,
) -> String {
    let res = crate::review::assign(admin, call, application, reviewer).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mut conn = app.state.pool.get().await.unwrap();
    let review = baygrants::models::reviews::of_call(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.reviewer_id.0 == reviewer && r.application_id.0 == application)
        .unwrap()
        .id;
    format!("/reviews/{review}")
}

/// Submits one score per criterion, in rubric order.
async fn submit_scores(b: &Browser, page: &str, scores: &[&str]) {
    let mut fields: Vec<(&str, &str)> = Vec::new();
    for s in scores {
        fields.push(("score", *s));
        fields.push(("comment", ""));
    }
    fields.extend([
        ("overall_comment", "Scored"),
        ("recommendation", "fund"),
        ("action", "submit"),
    ]);
    let res = b.submit(page, &format!("{page}/scores"), &fields).await;
    assert_eq!(res.status, 303, "{}", res.body);
}

/// Declares no conflict, then submits the scores.
async fn declare_and_score(b: &Browser, page: &str, scores: &[&str]) {
    let res = b
        .submit(
            page,
            &format!("{page}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    submit_scores(b, page, scores).await;
}

/// One application's row on the ranking board, as the page shows it.
#[derive(Debug)]
pub(crate) struct BoardRow {
    pub application: i64,
    /// The numeric cells after the rank: grant request, reviews, mean,
    /// spread, calibrated, then each component and the final score.
    pub cells: Vec<String>,
    pub funded: bool,
    pub discuss: bool,
}

impl BoardRow {
    /// The request, shown with its currency ("CNY 100,000.00").
    pub fn request(&self) -> Decimal {
        let (currency, amount) = self.cells[0].split_once(' ').unwrap();
        assert_eq!(currency.len(), 3, "a currency code before the amount");
        amount.replace(',', "").parse().unwrap()
    }
    pub fn mean(&self) -> &str {
        &self.cells[2]
    }
    pub fn calibrated(&self) -> &str {
        &self.cells[4]
    }
    pub fn last(&self) -> &str {
        self.cells.last().unwrap()
    }
}

/// The board's table, top to bottom; `None` is the funding line.
pub(crate) fn board_rows(body: &str) -> Vec<Option<BoardRow>> {
    let table = body
        .split("<tbody>")
        .nth(1)
        .and_then(|s| s.split("</tbody>").next())
        .unwrap_or_else(|| panic!("no ranking table:\n{body}"));
    table
        .split("<tr")
        .skip(1)
        .map(|tr| {
            if tr.starts_with(" class=\"funding-line\"") {
                return None;
            }
            let application = tr
                .split("href=\"/applications/")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or_else(|| panic!("no application link in <tr{tr}"));
            let cells = tr
                .split("<td class=\"num\">")
                .skip(2) // what precedes the first cell, and the rank
                .map(|c| c.split("</td>").next().unwrap_or_default().to_string())
                .collect();
            Some(BoardRow {
                application,
                cells,
                funded: tr.starts_with(" class=\"funded\""),
                discuss: tr.contains("class=\"badge bad\""),
            })
        })
        .collect()
}

/// The board shows one funding line with `above` (in this order) inside it
/// and `below` outside; what is above fits the budget shown on the page, and
/// adding the first application below would not.
fn funding_line_at(body: &str, above: &[i64], below: &[i64]) {
    let budget = body
        .split("Budget of the call: ")
        .nth(1)
        // "CNY 300,000.00 · …": the currency, then the amount.
        .and_then(|s| s.split(' ').nth(1))
        .map(|s| d(&s.replace(',', "")))
        .unwrap_or_else(|| panic!("no budget on the board:\n{body}"));
    let rows = board_rows(body);
    let lines: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.is_none())
        .map(|(i, _)| i)
        .collect();
    assert_eq!(lines.len(), 1, "one funding line:\n{body}");
    let (up, down) = rows.split_at(lines[0]);
    let up: Vec<&BoardRow> = up.iter().flatten().collect();
    let down: Vec<&BoardRow> = down.iter().flatten().collect();
    assert_eq!(up.iter().map(|r| r.application).collect::<Vec<_>>(), above);
    assert_eq!(
        down.iter().map(|r| r.application).collect::<Vec<_>>(),
        below
    );
    assert!(
        up.iter().all(|r| r.funded) && down.iter().all(|r| !r.funded),
        "{up:?}\n{down:?}"
    );
    let inside: Decimal = up.iter().map(|r| r.request()).sum();
    assert!(inside <= budget, "{inside} above the line, budget {budget}");
    assert!(
        inside + down[0].request() > budget,
        "the first application below the line would have fitted"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_funding_line_falls_where_the_calls_budget_runs_out() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let call = another_call(&app, &f, |fields| {
        set(fields, "budget", 0, "300,000");
        set(fields, "max_request", 0, "150,000");
    })
    .await;
    let big = submitted_in(&app, &f, call, f.macau, "150000").await;
    let mid = submitted_in(&app, &f, call, f.macau, "100000").await;
    let small = submitted_in(&app, &f, call, f.macau, "50000").await;
    let late = submitted_in(&app, &f, call, f.macau, "90000").await;
    app.clock.advance(chrono::Duration::days(366 * 10));
    let admin = relogin(&app, "admin@grants.test").await;
    assert_eq!(to_state(&admin, call, "in_review").await, 303);
    // One reviewer scores all four (40/60 of 10 each): 90, 80, 70, 60.
    let judge = on_panel(&app, &admin, call, "judge@review.test", "mainland").await;
    let b = relogin(&app, "judge@review.test").await;
    let mut pages = Vec::new();
    for (application, score) in [(big, "9"), (mid, "8"), (small, "7"), (late, "6")] {
        let page = assigned(&app, &admin, call, application, judge).await;
        declare_and_score(&b, &page, &[score, score]).await;
        pages.push(page);
    }
    let board_page = format!("/admin/calls/{call}/board");
    let board = admin.get(&board_page).await;
    assert_eq!(board.status, 200);
    // 150,000 + 100,000 + 50,000 is the budget exactly: inside. 90,000 more is not.
    funding_line_at(&board.body, &[big, mid, small], &[late]);

    // The 50,000 application drops to last (its review reopened, now 50):
    // 150,000 + 100,000 fit, 90,000 more does not, and the line is one cut,
    // even though 50,000 more would have fitted again below it.
    let review = pages[2].trim_start_matches("/reviews/");
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/review"),
            &format!("/admin/reviews/{review}/reopen"),
            &[],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    submit_scores(&b, &pages[2], &["5", "5"]).await;
    let board = admin.get(&board_page).await;
    funding_line_at(&board.body, &[big, mid], &[late, small]);
}

/// The shared scoring vectors.
fn scoring_vectors() -> serde_json::Value {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/data/vectors/scoring.json"
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub(crate) struct VectorBoard {
    pub call: i64,
    pub admin: Browser,
    /// The vectors' application labels ("A1", …) and their ids here.
    pub apps: Vec<(String, i64)>,
    pub v: serde_json::Value,
}

/// A call in review with the vectors' rubric and a 30 % "Public jury"
/// component; one application (100,000 asked) per vector application, one
/// reviewer per vector reviewer submitting exactly the vectors' scores, and
/// the jury's 80 for every application.
pub(crate) async fn vector_board(app: &TestApp) -> VectorBoard {
    let v = scoring_vectors();
    let rubric = v["rubric"].as_array().unwrap().clone();
    assert_eq!(
        rubric.len(),
        3,
        "the default call form has three rubric rows"
    );
    let f = fixture(app).await;
    let call = another_call(app, &f, |fields| {
        for (i, c) in rubric.iter().enumerate() {
            let name = c["criterion"].as_str().unwrap();
            set(fields, "crit_name_zh", i, name);
            set(fields, "crit_name_en", i, name);
            set(fields, "crit_weight", i, &c["weight"].to_string());
            set(fields, "crit_max", i, &c["max"].to_string());
        }
        for (k, val) in [
            ("comp_name_zh", "公眾評審團"),
            ("comp_name_en", "Public jury"),
            ("comp_weight", "30"),
        ] {
            fields.push((k.to_string(), val.to_string()));
        }
    })
    .await;
    let reviews = v["reviews"].as_array().unwrap().clone();
    let mut apps: Vec<(String, i64)> = Vec::new();
    for r in &reviews {
        let label = r["application"].as_str().unwrap();
        if !apps.iter().any(|(l, _)| l == label) {
            let id = submitted_in(app, &f, call, f.macau, "100000").await;
            apps.push((label.to_string(), id));
        }
    }
    app.clock.advance(chrono::Duration::days(366 * 10));
    let admin = relogin(app, "admin@grants.test").await;
    assert_eq!(to_state(&admin, call, "in_review").await, 303);
    let mut reviewers: Vec<(String, i64, Browser)> = Vec::new();
    for r in &reviews {
        let label = r["reviewer"].as_str().unwrap();
        if !reviewers.iter().any(|(l, _, _)| l == label) {
            let email = format!("{}@review.test", label.to_lowercase());
            let id = on_panel(app, &admin, call, &email, "mainland").await;
            reviewers.push((label.to_string(), id, relogin(app, &email).await));
        }
        let (_, reviewer, b) = reviewers.iter().find(|(l, _, _)| l == label).unwrap();
        let target = r["application"].as_str().unwrap();
        let application = apps.iter().find(|(l, _)| l == target).unwrap().1;
        let page = assigned(app, &admin, call, application, *reviewer).await;
        let typed: Vec<String> = r["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.to_string())
            .collect();
        let scores: Vec<&str> = typed.iter().map(String::as_str).collect();
        declare_and_score(b, &page, &scores).await;
    }
    for (_, application) in &apps {
        let res = admin
            .submit(
                &format!("/admin/applications/{application}/decision"),
                &format!("/admin/applications/{application}/components"),
                &[("component", "80")],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    VectorBoard {
        call,
        admin,
        apps,
        v,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_calibrates_reviewers_as_the_shared_vectors_do() {
    let app = TestApp::spawn().await;
    let VectorBoard {
        call,
        admin,
        apps,
        v,
    } = vector_board(&app).await;
    let one = |x: &serde_json::Value| format!("{:.1}", x.as_f64().unwrap());
    let label_of = |id: i64| apps.iter().find(|(_, a)| *a == id).unwrap().0.clone();
    let ranked = |key: &str| -> Vec<String> {
        let score = |l: &String| v["applications"][l.as_str()][key].as_f64().unwrap();
        let mut labels: Vec<String> = apps.iter().map(|(l, _)| l.clone()).collect();
        labels.sort_by(|a, b| score(b).total_cmp(&score(a)));
        labels
    };
    let order = |body: &str| -> Vec<String> {
        board_rows(body)
            .into_iter()
            .flatten()
            .map(|r| label_of(r.application))
            .collect()
    };
    // The vectors can tell the two apart: A1 leads by mean, A3 once calibrated.
    assert_ne!(ranked("calibrated"), ranked("mean"));

    // Each application's mean, calibrated score, flag and final score as the vectors say.
    let board = admin.get(&format!("/admin/calls/{call}/board")).await;
    assert_eq!(board.status, 200);
    let rows: Vec<BoardRow> = board_rows(&board.body).into_iter().flatten().collect();
    assert_eq!(rows.len(), apps.len());
    for r in &rows {
        let label = label_of(r.application);
        let want = &v["applications"][label.as_str()];
        assert_eq!(r.mean(), one(&want["mean"]), "{label} mean");
        assert_eq!(
            r.calibrated(),
            one(&want["calibrated"]),
            "{label} calibrated"
        );
        assert_ne!(r.mean(), r.calibrated(), "{label}: calibration moves it");
        assert_eq!(
            r.discuss,
            want["flag_discussion"].as_bool().unwrap(),
            "{label} flag"
        );
        let final_score = 0.7 * want["calibrated"].as_f64().unwrap() + 0.3 * 80.0;
        assert_eq!(r.last(), format!("{final_score:.1}"), "{label} final");
    }
    // Ranked by the final score (the jury gave everyone 80): the calibrated order.
    assert_eq!(order(&board.body), ranked("calibrated"));
    let by_calibrated = admin
        .get(&format!("/admin/calls/{call}/board?sort=calibrated"))
        .await;
    assert_eq!(order(&by_calibrated.body), ranked("calibrated"));
    let by_mean = admin
        .get(&format!("/admin/calls/{call}/board?sort=mean"))
        .await;
    assert_eq!(order(&by_mean.body), ranked("mean"));
}
