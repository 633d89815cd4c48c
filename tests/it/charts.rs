//! Charts drawn on the server: each page's picture is an image with a name,
//! and the table after it gives the figures of known data.

use baygrants::domain::role::Role;
use chrono::Duration;

use crate::applications::{Fixture, budget, fixture, invite_and_accept, start};
use crate::awards::contribute;
use crate::decisions::to_state;
use crate::review::{in_review_with, relogin, user_id};
use crate::support::{Browser, PASSWORD, TestApp};

/// The `<tr>` of the chart table's row labelled `label`, with its cells.
fn row(body: &str, label: &str) -> String {
    let head = format!("<tr><th scope=\"row\">{label}</th>");
    let at = body
        .find(&head)
        .unwrap_or_else(|| panic!("no row {label}:\n{body}"));
    let rest = &body[at..];
    rest[..rest.find("</tr>").unwrap()].to_string()
}

fn cells(values: &[&str]) -> String {
    values
        .iter()
        .map(|v| format!("<td class=\"num\">{v}</td>"))
        .collect()
}

/// The chart `id` is there as an image named by its title and description.
fn has_chart(body: &str, id: &str) {
    let svg =
        format!("<svg role=\"img\" aria-labelledby=\"{id}-title\" aria-describedby=\"{id}-desc\"");
    assert!(body.contains(&svg), "no {svg}:\n{body}");
    assert!(body.contains(&format!("<title id=\"{id}-title\">")));
    assert!(!body.contains("NaN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_application_page_draws_its_budget_in_the_funds_currency() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    invite_and_accept(&f, id, f.macau).await;
    for (org, currency, amount, source, category) in [
        (f.gz, "CNY", "100000", "grant", "personnel"),
        (f.gz, "HKD", "10000", "grant", "activities"),
        (f.macau, "MOP", "50000", "matching", "activities"),
    ] {
        let status = budget(&f.lead, id, org, currency, amount, source, category).await;
        assert_eq!(status, 303);
    }
    let page = f.lead.get(&format!("/applications/{id}")).await;
    assert_eq!(page.status, 200);
    let body = &page.body;
    has_chart(body, "chart-budget-category");
    has_chart(body, "chart-budget-organization");
    assert!(body.contains("Budget by category (CNY)"), "{body}");
    // Each line converted at the call's rates (HKD 0.92, MOP 0.89), then summed.
    assert_eq!(
        row(body, "Personnel"),
        format!(
            "<tr><th scope=\"row\">Personnel</th>{}",
            cells(&["100,000.00", "0.00", "100,000.00"])
        )
    );
    assert_eq!(
        row(body, "Activities"),
        format!(
            "<tr><th scope=\"row\">Activities</th>{}",
            cells(&["9,200.00", "44,500.00", "53,700.00"])
        )
    );
    assert!(
        // English pages name organizations by their English names.
        row(body, "Guangzhou Lead").ends_with(&cells(&["109,200.00", "0.00", "109,200.00"])),
        "{body}"
    );
    assert!(row(body, "Macau Partner").ends_with(&cells(&["0.00", "44,500.00", "44,500.00"])));
    // The picture says the same, largest bar first.
    assert!(body.contains(">109,200.00</text>") && body.contains(">53,700.00</text>"));

    // In Traditional Chinese too.
    f.lead
        .submit("/", "/lang", &[("lang", "zh-Hant"), ("next", "/")])
        .await;
    let page = f.lead.get(&format!("/applications/{id}")).await;
    assert!(page.has("按類別劃分的預算（CNY）"), "{}", page.body);
    assert!(page.has("按機構劃分的預算（CNY）"));
    assert!(page.has("<th scope=\"row\">Guangzhou Lead（中文）</th>"));
}

struct Decided {
    f: Fixture,
    application: i64,
    fund: i64,
    admin: Browser,
    fin1: Browser,
}

/// A call in review whose one application is scored by one reviewer per
/// pair of (need, approach) scores, then awarded 80,000 CNY (milestones
/// 40 % and 60 %) and decided; and two finance officers.
async fn decided_with_reviews(app: &TestApp, scores: &[(&str, &str)]) -> Decided {
    let (f, application) = in_review_with(app, &[]).await;
    let admin = relogin(app, "admin@grants.test").await;
    let call = f.call;
    assert_eq!(to_state(&admin, call, "in_review").await, 303);
    let panel = format!("/admin/calls/{call}/review");
    for (i, (need, approach)) in scores.iter().enumerate() {
        let email = format!("reviewer{i}@review.test");
        app.registered_user(&email, PASSWORD, "en").await;
        let res = admin
            .submit(
                &panel,
                &format!("/admin/calls/{call}/panel"),
                &[("email", email.as_str()), ("base", "mainland")],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let reviewer = user_id(app, &email).await;
        let res = admin
            .submit(
                &panel,
                &format!("/admin/calls/{call}/assign"),
                &[
                    ("application_id", &application.to_string()),
                    ("reviewer_id", &reviewer.to_string()),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let review = {
            let mut conn = app.state.pool.get().await.unwrap();
            baygrants::models::reviews::of_call(&mut conn, baygrants::models::CallId(call))
                .await
                .unwrap()
                .into_iter()
                .find(|r| r.reviewer_id.0 == reviewer)
                .unwrap()
                .id
        };
        let b = relogin(app, &email).await;
        let page = format!("/reviews/{review}");
        let res = b
            .submit(
                &page,
                &format!("{page}/declare"),
                &[("decision", "no_conflict"), ("reason", "")],
            )
            .await;
        assert_eq!(res.status, 303);
        let res = b
            .submit(
                &page,
                &format!("{page}/scores"),
                &[
                    ("score", need),
                    ("comment", ""),
                    ("score", approach),
                    ("comment", ""),
                    ("overall_comment", "Fine"),
                    ("recommendation", "fund"),
                    ("action", "submit"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    let decision = format!("/admin/applications/{application}/decision");
    let res = admin
        .submit(
            &decision,
            &decision,
            &[
                ("outcome", "award"),
                ("amount", "80,000"),
                ("conditions", ""),
                ("rationale", "Strong"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(to_state(&admin, call, "decided").await, 303);
    let fin1 = app.user_with_role("fin1@grants.test", Role::Finance).await;
    app.user_with_role("fin2@grants.test", Role::Finance).await;
    let mut conn = app.state.pool.get().await.unwrap();
    let fund = baygrants::models::calls::find(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap()
        .unwrap()
        .fund_id
        .0;
    Decided {
        f,
        application,
        fund,
        admin,
        fin1,
    }
}

async fn publish(admin: &Browser, call: i64) {
    let res = admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
}

/// Month `YYYY-MM` of the app's clock, in Bay Area time.
fn month_now(app: &TestApp) -> String {
    app.state
        .clock
        .now()
        .with_timezone(&baygrants::clock::bay_area_offset())
        .format("%Y-%m")
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_fund_and_award_pages_draw_scores_and_money() {
    let app = TestApp::spawn().await;
    // Two reviews of the one application: 74 and 78 (weights 40/60 of 10).
    let d = decided_with_reviews(&app, &[("8", "7"), ("6", "9")]).await;
    let call = d.f.call;

    // The board: one application, mean and calibrated 76, in the 70–80 bin.
    let board = d.admin.get(&format!("/admin/calls/{call}/board")).await;
    assert_eq!(board.status, 200);
    has_chart(&board.body, "chart-scores");
    assert!(board.has("Score distribution"));
    assert!(row(&board.body, "70–80").ends_with(&cells(&["1", "1"])));
    for empty in ["0–10", "60–70", "80–90", "90–100"] {
        assert!(
            row(&board.body, empty).ends_with(&cells(&["0", "0"])),
            "{empty}"
        );
    }

    // The fund: nothing committed yet.
    let fund_page = format!("/finance/funds/{}", d.fund);
    let fund = d.fin1.get(&fund_page).await;
    has_chart(&fund.body, "chart-fund");
    assert!(fund.has("Nothing has been committed or disbursed yet."));

    // Committed this month, the first tranche paid two months later.
    assert_eq!(contribute(&d.fin1, d.fund, "1,000,000").await.status, 303);
    publish(&d.admin, call).await;
    let committed_in = month_now(&app);
    let award = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::of_application(
            &mut conn,
            baygrants::models::ApplicationId(d.application),
        )
        .await
        .unwrap()
        .unwrap()
        .id
        .0
    };
    let page = format!("/awards/{award}");
    let lead = relogin(&app, "lead@gz.test").await;
    let res = crate::awards::accept_offer(&lead, award, "Chan Tai Man").await;
    assert_eq!(res.status, 303, "{}", res.body);
    app.clock.advance(Duration::days(62));
    let paid_in = month_now(&app);
    let fin1 = relogin(&app, "fin1@grants.test").await;
    let fin2 = relogin(&app, "fin2@grants.test").await;
    let tranches = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::tranches(&mut conn, baygrants::models::AwardId(award))
            .await
            .unwrap()
    };
    let res = fin1
        .submit(
            &page,
            &format!("/finance/tranches/{}/request", tranches[0].id.0),
            &[],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let payment = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::pending_payments(&mut conn)
            .await
            .unwrap()
            .last()
            .unwrap()
            .0
            .id
            .0
    };
    let res = fin2
        .submit(
            "/finance",
            &format!("/finance/payments/{payment}"),
            &[
                ("decision", "approve"),
                ("payee_currency", "CNY"),
                ("rate", "1"),
                ("reference", "SWIFT-001"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    // The award: tranche 1 paid in full, tranche 2 not yet.
    let shown = relogin(&app, "lead@gz.test").await.get(&page).await;
    assert_eq!(shown.status, 200);
    has_chart(&shown.body, "chart-tranches");
    assert!(shown.has("Paid and scheduled by tranche (CNY)"));
    assert!(row(&shown.body, "Tranche 1 (month 6)").ends_with(&cells(&["32,000.00", "32,000.00"])));
    assert!(row(&shown.body, "Tranche 2 (month 18)").ends_with(&cells(&["48,000.00", "0.00"])));

    // The fund: month by month, quiet months repeating the month before.
    let fund = fin1.get(&fund_page).await;
    assert_eq!(fund.status, 200);
    has_chart(&fund.body, "chart-fund");
    assert!(fund.has("Commitments and disbursements over time (CNY)"));
    assert!(row(&fund.body, &committed_in).ends_with(&cells(&["80,000.00", "0.00"])));
    assert!(row(&fund.body, &paid_in).ends_with(&cells(&["80,000.00", "32,000.00"])));
    let months = fund.body.matches("<tr><th scope=\"row\">20").count();
    assert!((3..=4).contains(&months), "{months} months:\n{}", fund.body);
    assert_eq!(
        fund.body.matches("<path d=\"M").count(),
        2,
        "two step lines"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_score_distribution_bins_mean_and_calibrated_scores_apart() {
    let app = TestApp::spawn().await;
    let vb = crate::decisions::vector_board(&app).await;
    let board = vb
        .admin
        .get(&format!("/admin/calls/{}/board", vb.call))
        .await;
    assert_eq!(board.status, 200);
    has_chart(&board.body, "chart-scores");
    // The shared vectors: means 73.8, 47.2, 72.5, 62.7 and calibrated 79.5,
    // 51.6, 81.9, 61.8 (A1–A4) fall in different bins.
    for (bin, mean, calibrated) in [
        ("0–10", "0", "0"),
        ("30–40", "0", "0"),
        ("40–50", "1", "0"),
        ("50–60", "0", "1"),
        ("60–70", "1", "1"),
        ("70–80", "2", "1"),
        ("80–90", "0", "1"),
        ("90–100", "0", "0"),
    ] {
        let shown = row(&board.body, bin);
        assert!(
            shown.ends_with(&cells(&[mean, calibrated])),
            "{bin}: {shown}"
        );
    }
}
