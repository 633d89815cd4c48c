//! Roles: granted and revoked by admins on a page, audited.

use baygrants::domain::role::Role;

use crate::support::{PASSWORD, TestApp};
use baygrants::domain::call::CallState;
use baygrants::domain::scoring::ReviewState;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_grants_and_revokes_roles_and_it_is_audited() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("chief@example.org", Role::Admin).await;
    let officer = app.logged_in("officer@example.org", PASSWORD).await;
    let officer_id = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::users::find_by_email(&mut conn, "officer@example.org")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    assert_eq!(officer.get("/admin/users").await.status, 404);
    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{officer_id}/roles"),
            &[("role", "admin"), ("action", "grant")],
        )
        .await;
    assert_eq!(res.status, 303);
    // The role needs a second factor, which this session never had: it
    // ended, and the next login sets the app up; then the role applies.
    assert_eq!(officer.get("/admin/users").await.status, 303);
    officer.login("officer@example.org", PASSWORD).await;
    assert_eq!(officer.get("/admin/users").await.status, 200);

    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{officer_id}/roles"),
            &[("role", "admin"), ("action", "revoke")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(officer.get("/admin/users").await.status, 404);

    let audit = admin
        .get(&format!(
            "/admin/audit?entity_type=user&entity_id={officer_id}"
        ))
        .await;
    assert!(
        audit.has("user.role_granted") && audit.has("user.role_revoked"),
        "{}",
        audit.body
    );
    assert!(audit.has("chief@example.org"), "who did it is shown");
    // In the reader's language, and the change field by field, not as JSON.
    assert!(
        audit.has(">Role granted<")
            && audit.has(">Role revoked<")
            && audit.has(&format!("User #{officer_id}")),
        "{}",
        audit.body
    );
    assert!(
        audit.has("sessions ended</span>: 0")
            && audit.has("admin</span>: Yes → No")
            && !audit.has("{&#34;")
            && !audit.has("{\""),
        "{}",
        audit.body
    );

    // Bad ids and bad roles change nothing.
    for (path, fields) in [
        (
            "/admin/users/999999/roles",
            vec![("role", "admin"), ("action", "grant")],
        ),
        (
            "/admin/users/abc/roles",
            vec![("role", "admin"), ("action", "grant")],
        ),
    ] {
        assert_eq!(
            admin.submit("/admin/users", path, &fields).await.status,
            404,
            "{path}"
        );
    }
    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{officer_id}/roles"),
            &[("role", "root"), ("action", "grant")],
        )
        .await;
    assert_eq!(res.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_admin_cannot_lose_the_role() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("only@example.org", Role::Admin).await;
    let id = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::users::find_by_email(&mut conn, "only@example.org")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/roles"),
            &[("role", "admin"), ("action", "revoke")],
        )
        .await;
    assert_eq!(res.status, 303);
    let page = admin.visit("/admin/users").await;
    assert_eq!(page.status, 200, "still an admin");
    assert!(page.has("The last fund administrator cannot lose the role"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_grant_and_demo_seed_work_and_are_idempotent() {
    let app = TestApp::spawn().await;
    let first = baygrants::seed::demo::seed(&app.state).await.unwrap();
    assert_eq!(first.len(), 9);
    assert!(first.iter().all(|u| u.password.is_some()));
    let again = baygrants::seed::demo::seed(&app.state).await.unwrap();
    assert!(
        again.iter().all(|u| u.password.is_none()),
        "rerun leaves passwords alone"
    );

    // The data: a published call open now, four verified organizations, a
    // submitted joint application and a draft; a rerun adds nothing.
    let calls_page = app.browser().get("/calls").await;
    let open = calls_page
        .body
        .split("id=\"calls-open\"")
        .nth(1)
        .unwrap()
        .split("id=\"calls-upcoming\"")
        .next()
        .unwrap();
    assert!(
        open.contains("大灣區長者服務公益創投"),
        "the demo call is open"
    );
    let mut conn = app.state.pool.get().await.unwrap();
    let verified = baygrants::models::organizations::search(
        &mut conn,
        &baygrants::models::organizations::DirectoryFilter {
            verified_only: true,
            ..Default::default()
        },
        None,
        50,
    )
    .await
    .unwrap();
    assert_eq!(verified.len(), 4);
    let applicant_id =
        baygrants::models::users::find_by_email(&mut conn, "applicant@demo.baygrants.org")
            .await
            .unwrap()
            .unwrap()
            .id;
    let mine = baygrants::models::applications::for_user(&mut conn, applicant_id)
        .await
        .unwrap();
    let mut states: Vec<&str> = mine.iter().map(|(a, _)| a.state.code()).collect();
    states.sort();
    assert_eq!(states, ["submitted", "under_review"], "one per round");
    let shenzhen_id =
        baygrants::models::users::find_by_email(&mut conn, "shenzhen@demo.baygrants.org")
            .await
            .unwrap()
            .unwrap()
            .id;
    let drafts = baygrants::models::applications::for_user(&mut conn, shenzhen_id)
        .await
        .unwrap();
    let mut states: Vec<&str> = drafts.iter().map(|(a, _)| a.state.code()).collect();
    states.sort();
    assert_eq!(states, ["draft", "under_review"]);
    // The round in review: each application has two reviewers, one
    // mainland and one Hong Kong; one review is a draft, the rest submitted.
    let in_review = baygrants::models::calls::all_with_currency(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .find(|(c, _)| c.state == CallState::InReview)
        .unwrap()
        .0;
    let reviews = baygrants::models::reviews::of_call(&mut conn, in_review.id)
        .await
        .unwrap();
    assert_eq!(reviews.len(), 4);
    assert_eq!(
        reviews
            .iter()
            .filter(|r| r.state == ReviewState::Submitted)
            .count(),
        3
    );
    // And the fund has money for the awards the demo admin will make.
    let pool = baygrants::models::ledger::balance(
        &mut conn,
        in_review.fund_id,
        baygrants::domain::ledger::Account::Pool,
        None,
    )
    .await
    .unwrap();
    assert_eq!(pool, rust_decimal::Decimal::from(2_000_000));
    drop(conn);

    let admin = first
        .iter()
        .find(|u| u.roles.contains(&Role::Admin))
        .unwrap();
    // Staff are seeded with their second factor set up; the key is printed.
    assert!(
        first
            .iter()
            .all(|u| u.totp_secret.is_some() != u.roles.is_empty())
    );
    app.authenticator
        .learn(admin.email, admin.totp_secret.as_deref().unwrap());
    let b = app.browser();
    b.login(admin.email, admin.password.as_deref().unwrap())
        .await;
    assert_eq!(b.get("/admin/users").await.status, 200);

    let applicant = first.iter().find(|u| u.roles.is_empty()).unwrap();
    assert!(
        baygrants::services::roles::grant_by_email(&app.state, applicant.email, Role::Finance)
            .await
            .unwrap()
    );
    assert!(
        !baygrants::services::roles::grant_by_email(&app.state, applicant.email, Role::Finance)
            .await
            .unwrap()
    );
    assert!(
        baygrants::services::roles::grant_by_email(&app.state, "nobody@example.org", Role::Finance)
            .await
            .is_err()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_trail_cannot_be_rewritten() {
    let app = TestApp::spawn().await;
    app.logged_in("audited@example.org", PASSWORD).await;
    let mut conn = app.state.pool.get().await.unwrap();
    use diesel_async::RunQueryDsl;
    for sql in [
        "UPDATE audit_events SET action = 'nothing'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events",
    ] {
        let err = diesel::sql_query(sql).execute(&mut conn).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{sql}: {err}");
    }
}
