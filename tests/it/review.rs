//! Review panels: conflicts of interest, assignment, declarations.

use crate::applications::{
    Fixture, attach_pdf, budget, fill, fixture, fixture_with, invite_and_accept, start, submit,
};
use crate::support::{Browser, PASSWORD, TestApp, call_fields, pairs};

pub(crate) async fn user_id(app: &TestApp, email: &str) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::users::find_by_email(&mut conn, email)
        .await
        .unwrap()
        .unwrap()
        .id
        .0
}

/// A submitted Guangzhou–Macau application in a call that is now in review.
async fn in_review(app: &TestApp) -> (crate::applications::Fixture, i64) {
    in_review_with(app, &[]).await
}

/// The same, with more call fields.
pub(crate) async fn in_review_with(
    app: &TestApp,
    extra: &[(&str, &str)],
) -> (crate::applications::Fixture, i64) {
    let f = fixture_with(app, extra).await;
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
    attach_pdf(app, &f.lead, id).await;
    assert_eq!(submit(&f.lead, id).await.status, 303);
    app.clock.advance(chrono::Duration::days(366 * 10));
    (f, id)
}

/// The admin assigns the application to a panel member by hand.
pub(crate) async fn assign(
    admin: &Browser,
    call: i64,
    application: i64,
    reviewer: i64,
) -> crate::support::browser::Page {
    admin
        .submit(
            &format!("/admin/calls/{call}/review"),
            &format!("/admin/calls/{call}/assign"),
            &[
                ("application_id", &application.to_string()),
                ("reviewer_id", &reviewer.to_string()),
            ],
        )
        .await
}

pub(crate) async fn relogin(app: &TestApp, email: &str) -> Browser {
    let b = app.browser();
    b.login(email, PASSWORD).await;
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conflicted_reviewers_are_never_assigned_and_declarations_gate_the_content() {
    let app = TestApp::spawn().await;
    let (f, application) = in_review(&app).await;
    for email in ["mainland@review.test", "hk@review.test", "tied@review.test"] {
        app.registered_user(email, PASSWORD, "en").await;
    }
    let admin = relogin(&app, "admin@grants.test").await;
    let call = f.call;
    let res = admin
        .submit(
            &format!("/calls/{call}"),
            &format!("/admin/calls/{call}/state"),
            &[("to", "in_review")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(app_state(&app, application).await, "under_review");

    let review_page = format!("/admin/calls/{call}/review");
    for (email, base) in [
        ("mainland@review.test", "mainland"),
        ("hk@review.test", "hong_kong"),
        ("tied@review.test", "mainland"),
        ("owner@mo.test", "macau"),
    ] {
        let res = admin
            .submit(
                &review_page,
                &format!("/admin/calls/{call}/panel"),
                &[("email", email), ("base", base)],
            )
            .await;
        assert_eq!(res.status, 303, "{email}: {}", res.body);
    }
    let res = admin
        .submit(
            &review_page,
            &format!("/admin/calls/{call}/panel"),
            &[("email", "nobody@review.test"), ("base", "mainland")],
        )
        .await;
    assert_eq!(res.status, 303, "no account yet: invited to register");
    app.smtp.wait_for("nobody@review.test", "/register").await;
    app.smtp.wait_for("hk@review.test", "/reviewer").await;

    // The tied reviewer finds the Guangzhou lead by its name and declares
    // an affiliation with it.
    let tied = relogin(&app, "tied@review.test").await;
    let found = tied.get("/reviewer?org_q=Guangzhou").await;
    assert!(
        found.has("Guangzhou Lead")
            && found.has(&format!("name=\"organization_id\" value=\"{}\"", f.gz)),
        "{}",
        found.body
    );
    assert!(
        tied.get("/reviewer?org_q=Nowhere%20Society")
            .await
            .has("No organization matches.")
    );
    let res = tied
        .submit(
            "/reviewer?org_q=Guangzhou",
            "/reviewer/affiliations",
            &[
                ("organization_id", &f.gz.to_string()),
                ("note", "board member"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    // Neither the Macau partner's owner nor the tied reviewer can be assigned, by any request.
    for email in ["owner@mo.test", "tied@review.test"] {
        let res = assign(&admin, call, application, user_id(&app, email).await).await;
        assert_eq!(res.status, 409, "{email}");
    }
    // The two without a conflict are assigned by hand (the automatic plan,
    // with a real choice to make, has its own test).
    for email in ["mainland@review.test", "hk@review.test"] {
        let res = assign(&admin, call, application, user_id(&app, email).await).await;
        assert_eq!(res.status, 303, "{email}: {}", res.body);
    }
    let mut conn = app.state.pool.get().await.unwrap();
    let reviews = baygrants::models::reviews::of_call(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap();
    drop(conn);
    assert_eq!(reviews.len(), 2);

    // A reviewer sees only their own review, and the content only after declaring.
    let mainland = relogin(&app, "mainland@review.test").await;
    let hk = relogin(&app, "hk@review.test").await;
    let (mainland_id, hk_id) = (
        user_id(&app, "mainland@review.test").await,
        user_id(&app, "hk@review.test").await,
    );
    let mine = reviews
        .iter()
        .find(|r| r.reviewer_id.0 == mainland_id)
        .unwrap()
        .id;
    let theirs = reviews
        .iter()
        .find(|r| r.reviewer_id.0 == hk_id)
        .unwrap()
        .id;
    assert_eq!(
        mainland.get(&format!("/reviews/{theirs}")).await.status,
        404
    );
    let lead = relogin(&app, "lead@gz.test").await;
    assert_eq!(
        lead.get(&format!("/reviews/{mine}")).await.status,
        404,
        "applicants see no review"
    );
    let page = mainland.get(&format!("/reviews/{mine}")).await;
    assert!(page.has("do you have a conflict of interest"));
    assert!(
        !page.has("Home visits by trained volunteers"),
        "no content before the declaration"
    );
    let res = mainland
        .submit(
            &format!("/reviews/{mine}"),
            &format!("/reviews/{mine}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        mainland
            .get(&format!("/reviews/{mine}"))
            .await
            .has("Home visits by trained volunteers")
    );

    // A conflict needs a reason and goes back to the admin.
    let res = hk
        .submit(
            &format!("/reviews/{theirs}"),
            &format!("/reviews/{theirs}/declare"),
            &[("decision", "conflict"), ("reason", " ")],
        )
        .await;
    assert_eq!(res.status, 422);
    let res = hk
        .submit(
            &format!("/reviews/{theirs}"),
            &format!("/reviews/{theirs}/declare"),
            &[
                ("decision", "conflict"),
                ("reason", "I advised the Macau partner last year"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        admin
            .get(&review_page)
            .await
            .has("I advised the Macau partner last year")
    );
    // Declared once: a second declaration changes nothing.
    let res = hk
        .submit(
            &format!("/reviews/{theirs}"),
            &format!("/reviews/{theirs}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status, 409);
    // And now that reviewer can never be assigned it again.
    let reviewer = user_id(&app, "hk@review.test").await.to_string();
    let res = admin
        .submit(
            &review_page,
            &format!("/admin/calls/{call}/assign"),
            &[
                ("application_id", &application.to_string()),
                ("reviewer_id", &reviewer),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
    // Non-admins never reach the review pages.
    assert_eq!(mainland.get(&review_page).await.status, 404);
}

async fn app_state(app: &TestApp, id: i64) -> String {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::applications::find(&mut conn, baygrants::models::ApplicationId(id))
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scores_are_whole_and_in_range_drafts_save_and_submitting_locks() {
    let app = TestApp::spawn().await;
    let (f, application) = in_review(&app).await;
    app.registered_user("scorer@review.test", PASSWORD, "en")
        .await;
    let admin = relogin(&app, "admin@grants.test").await;
    let call = f.call;
    admin
        .submit(
            &format!("/calls/{call}"),
            &format!("/admin/calls/{call}/state"),
            &[("to", "in_review")],
        )
        .await;
    let review_page = format!("/admin/calls/{call}/review");
    admin
        .submit(
            &review_page,
            &format!("/admin/calls/{call}/panel"),
            &[("email", "scorer@review.test"), ("base", "mainland")],
        )
        .await;
    let scorer_id = user_id(&app, "scorer@review.test").await.to_string();
    let res = admin
        .submit(
            &review_page,
            &format!("/admin/calls/{call}/assign"),
            &[
                ("application_id", &application.to_string()),
                ("reviewer_id", &scorer_id),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mut conn = app.state.pool.get().await.unwrap();
    let review = baygrants::models::reviews::of_call(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap()[0]
        .id;
    drop(conn);

    let scorer = relogin(&app, "scorer@review.test").await;
    let page = format!("/reviews/{review}");
    scorer
        .submit(
            &page,
            &format!("{page}/declare"),
            &[("decision", "no_conflict"), ("reason", "")],
        )
        .await;
    let scores = format!("{page}/scores");
    // The rubric has two criteria, each 0–10.
    let bad = scorer
        .submit(
            &page,
            &scores,
            &[
                ("score", "11"),
                ("comment", "too generous"),
                ("score", "7.5"),
                ("comment", "half"),
                ("overall_comment", "kept"),
                ("recommendation", "fund"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("id=\"f-score-1-error\">The score must be from 0 to the criterion"));
    assert!(bad.has("id=\"f-score-2-error\">The score must be a whole number."));
    assert!(
        bad.has("value=\"11\"") && bad.has("value=\"7.5\"") && bad.has(">kept</textarea>"),
        "typed values kept"
    );
    let mut conn = app.state.pool.get().await.unwrap();
    assert!(
        baygrants::models::reviews::scores(&mut conn, baygrants::models::ReviewId(review.0))
            .await
            .unwrap()
            .is_empty(),
        "nothing saved"
    );
    drop(conn);

    // A draft with one score saves; submitting without a recommendation does not.
    let res = scorer
        .submit(
            &page,
            &scores,
            &[
                ("score", "8"),
                ("comment", "clear need"),
                ("score", ""),
                ("comment", ""),
                ("overall_comment", "so far"),
                ("recommendation", ""),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    // Back at the scoring form (#scores), with the message of the save in it.
    assert!(res.location().ends_with("#scores"), "{}", res.location());
    let saved = scorer.get(&page).await;
    assert!(saved.has("value=\"8\""));
    let form_part = &saved.body[saved.body.find("<section id=\"scores\"").unwrap()..];
    assert!(form_part.contains("class=\"flash\""), "{form_part}");
    let res = scorer
        .submit(
            &page,
            &scores,
            &[
                ("score", "8"),
                ("comment", "clear need"),
                ("score", "6"),
                ("comment", "ok"),
                ("overall_comment", "good"),
                ("recommendation", ""),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    let res = scorer
        .submit(
            &page,
            &scores,
            &[
                ("score", "8"),
                ("comment", "clear need"),
                ("score", "6"),
                ("comment", "ok"),
                ("overall_comment", "good"),
                ("recommendation", "fund_with_changes"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let locked = scorer
        .submit(
            &page,
            &scores,
            &[
                ("score", "1"),
                ("comment", ""),
                ("score", "1"),
                ("comment", ""),
                ("overall_comment", ""),
                ("recommendation", "do_not_fund"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(locked.status, 409, "submitted reviews are locked");
    assert!(scorer.get(&page).await.has("8 / 10"));

    // An admin reopens it; the reviewer can change it again.
    let res = admin
        .submit(
            &review_page,
            &format!("/admin/reviews/{review}/reopen"),
            &[],
        )
        .await;
    assert_eq!(res.status, 303);
    let res = scorer
        .submit(
            &page,
            &scores,
            &[
                ("score", "9"),
                ("comment", ""),
                ("score", "6"),
                ("comment", ""),
                ("overall_comment", "better"),
                ("recommendation", "fund"),
                ("action", "submit"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(
        scorer
            .post_raw(
                &format!("/admin/reviews/{review}/reopen"),
                &[("csrf", &scorer.get("/").await.csrf())]
            )
            .await
            .status,
        404,
        "reviewers cannot reopen"
    );
}

/// A submitted application in `call`, led by the Guangzhou organization with
/// `partner` (the fixture's Macau or Hong Kong organization), asking for
/// `grant` CNY matched one to one; its id.
pub(crate) async fn submitted_in(
    app: &TestApp,
    f: &Fixture,
    call: i64,
    partner: i64,
    grant: &str,
) -> i64 {
    let id = start(&f.lead, call, f.gz).await;
    fill(&f.lead, id).await;
    invite_and_accept(f, id, partner).await;
    assert_eq!(
        budget(&f.lead, id, f.gz, "CNY", grant, "grant", "personnel").await,
        303
    );
    assert_eq!(
        budget(&f.lead, id, partner, "CNY", grant, "matching", "activities").await,
        303
    );
    attach_pdf(app, &f.lead, id).await;
    let res = submit(&f.lead, id).await;
    assert_eq!(res.status, 303, "{}", res.body);
    id
}

/// Creates and publishes another call in the fixture's fund: the default
/// call form changed by `edit` (a published call is frozen, and the
/// fixture's `extra` fields cannot replace a field); its id.
pub(crate) async fn another_call(
    app: &TestApp,
    f: &Fixture,
    edit: impl FnOnce(&mut Vec<(String, String)>),
) -> i64 {
    let fund = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::calls::find(&mut conn, baygrants::models::CallId(f.call))
            .await
            .unwrap()
            .unwrap()
            .fund_id
            .0
    };
    let mut fields = call_fields(&fund.to_string());
    edit(&mut fields);
    let res = f
        .admin
        .submit("/admin/calls/new", "/admin/calls", &pairs(&fields))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let call: i64 = res
        .location()
        .trim_start_matches("/calls/")
        .parse()
        .unwrap();
    assert_eq!(
        crate::decisions::to_state(&f.admin, call, "published").await,
        303
    );
    call
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_automatic_plan_follows_the_rules_whichever_team_it_picks() {
    use std::collections::{BTreeMap, BTreeSet, HashSet};
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let call = f.call;
    // Two applications with the Macau partner, two with the Hong Kong one.
    let mut macau_apps = Vec::new();
    for _ in 0..2 {
        macau_apps.push(submitted_in(&app, &f, call, f.macau, "100000").await);
    }
    let mut hk_apps = Vec::new();
    for _ in 0..2 {
        hk_apps.push(submitted_in(&app, &f, call, f.hk, "100000").await);
    }
    app.clock.advance(chrono::Duration::days(366 * 10));
    let admin = relogin(&app, "admin@grants.test").await;
    assert_eq!(
        crate::decisions::to_state(&admin, call, "in_review").await,
        303
    );

    let review_page = format!("/admin/calls/{call}/review");
    let mut base_of: BTreeMap<i64, &str> = BTreeMap::new();
    for (email, base) in [
        ("ml1@review.test", "mainland"),
        ("ml2@review.test", "mainland"),
        ("ml3@review.test", "mainland"),
        ("ml4@review.test", "mainland"),
        ("hk1@review.test", "hong_kong"),
        ("mo1@review.test", "macau"),
    ] {
        app.registered_user(email, PASSWORD, "en").await;
        let res = admin
            .submit(
                &review_page,
                &format!("/admin/calls/{call}/panel"),
                &[("email", email), ("base", base)],
            )
            .await;
        assert_eq!(res.status, 303, "{email}: {}", res.body);
        base_of.insert(user_id(&app, email).await, base);
    }
    // ml1 sits on the Macau partner's board: only the Hong Kong ones are open to it.
    let ml1 = user_id(&app, "ml1@review.test").await;
    let ml1_browser = relogin(&app, "ml1@review.test").await;
    let res = ml1_browser
        .submit(
            "/reviewer",
            "/reviewer/affiliations",
            &[
                ("organization_id", &f.macau.to_string()),
                ("note", "board member"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    // The rules, whatever the team: every application gets k = 2 different
    // reviewers, never a conflicted one, a mainland and a Hong Kong/Macau
    // reviewer each, and loads within one of each other.
    let all_apps: BTreeSet<i64> = macau_apps.iter().chain(&hk_apps).copied().collect();
    let follows_rules = |teams: &BTreeMap<i64, Vec<i64>>| {
        assert_eq!(teams.keys().copied().collect::<BTreeSet<_>>(), all_apps);
        let mut loads: BTreeMap<i64, usize> = base_of.keys().map(|r| (*r, 0)).collect();
        for (a, team) in teams {
            assert_eq!(team.len(), 2, "k reviewers on {a}: {team:?}");
            assert_ne!(team[0], team[1], "one reviewer twice on {a}");
            if macau_apps.contains(a) {
                assert!(!team.contains(&ml1), "conflicted reviewer on {a}");
            }
            let sides: HashSet<bool> = team.iter().map(|r| base_of[r] == "mainland").collect();
            assert_eq!(sides.len(), 2, "one from each side on {a}: {team:?}");
            for r in team {
                *loads.get_mut(r).expect("a panel member") += 1;
            }
        }
        let (lo, hi) = (loads.values().min().unwrap(), loads.values().max().unwrap());
        assert!(hi - lo <= 1, "loads {loads:?}");
    };

    // Every seed's plan follows them, and the seeds do not all pick one team.
    let mut teams = HashSet::new();
    let previewed = {
        let mut conn = app.state.pool.get().await.unwrap();
        for seed in 0..50 {
            let plan = baygrants::services::review::plan(
                &mut conn,
                baygrants::models::CallId(call),
                2,
                seed,
            )
            .await
            .unwrap();
            assert!(
                plan.shortfalls.is_empty(),
                "seed {seed}: {:?}",
                plan.shortfalls
            );
            follows_rules(&plan.assignments);
            teams.insert(plan.assignments);
        }
        baygrants::services::review::plan(&mut conn, baygrants::models::CallId(call), 2, 7)
            .await
            .unwrap()
            .assignments
    };
    assert!(teams.len() > 1, "the setup leaves the plan a choice");

    // Committing seed 7 over HTTP stores that plan.
    let preview = admin.get(&format!("{review_page}?k=2&seed=7")).await;
    assert!(preview.has("Proposed assignment"));
    let res = admin
        .submit(
            &format!("{review_page}?k=2&seed=7"),
            &format!("/admin/calls/{call}/auto-assign"),
            &[("k", "2"), ("seed", "7")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mut conn = app.state.pool.get().await.unwrap();
    let mut committed: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for r in baygrants::models::reviews::of_call(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap()
    {
        committed
            .entry(r.application_id.0)
            .or_default()
            .push(r.reviewer_id.0);
    }
    drop(conn);
    follows_rules(&committed);
    let sorted = |m: &BTreeMap<i64, Vec<i64>>| -> BTreeMap<i64, Vec<i64>> {
        m.iter()
            .map(|(a, t)| {
                let mut t = t.clone();
                t.sort();
                (*a, t)
            })
            .collect()
    };
    assert_eq!(
        sorted(&committed),
        sorted(&previewed),
        "same seed, same plan"
    );
}
