//! One test per defect found in review, so that none comes back.

use baygrants::domain::role::Role;

use crate::support::{PASSWORD, TestApp, call_fields, fund, org_fields, pairs};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_url_cannot_aim_its_form_at_another_route() {
    let app = TestApp::spawn().await;
    let user = app.logged_in("victim@example.org", PASSWORD).await;
    for path in [
        "/invitations/..%2Fapplications%2F1%2Fsubmit",
        "/invitations/..%2F..%2Flogout",
        "/invitations/short",
    ] {
        let res = user.get(path).await;
        assert_eq!(res.status, 404, "{path}");
        assert!(!res.has("action=\"/invitations/.."), "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn parallel_wrong_passwords_get_no_more_than_five_tries() {
    let app = TestApp::spawn().await;
    let b = app
        .registered_user("target@example.org", PASSWORD, "en")
        .await;
    let token = b.get("/login").await.csrf();
    let tries = (0..10).map(|i| {
        let token = token.clone();
        let b = &b;
        async move {
            let guess = format!("guess number {i}");
            b.post_raw(
                "/login",
                &[
                    ("csrf", &token),
                    ("email", "target@example.org"),
                    ("password", &guess),
                ],
            )
            .await
            .status
        }
    });
    let statuses = futures_util::future::join_all(tries).await;
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        5,
        "{statuses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_cannot_go_to_review_before_it_closes() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("early@example.org", Role::Admin).await;
    let fund = fund(&app, &admin, "CNY").await;
    let res = admin
        .submit(
            "/admin/calls/new",
            "/admin/calls",
            &pairs(&call_fields(&fund)),
        )
        .await;
    let id = res.location().trim_start_matches("/calls/").to_string();
    admin
        .submit(
            &format!("/calls/{id}"),
            &format!("/admin/calls/{id}/state"),
            &[("to", "published")],
        )
        .await;
    let res = admin
        .submit(
            &format!("/calls/{id}"),
            &format!("/admin/calls/{id}/state"),
            &[("to", "in_review")],
        )
        .await;
    assert_eq!(res.status, 409);
    assert!(res.has("still open"));
    app.clock.advance(chrono::Duration::days(366 * 10));
    let admin = app.browser();
    admin.login("early@example.org", PASSWORD).await;
    let res = admin
        .submit(
            &format!("/calls/{id}"),
            &format!("/admin/calls/{id}/state"),
            &[("to", "in_review")],
        )
        .await;
    assert_eq!(res.status, 303, "after closing it can");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn approving_needs_a_pending_organization_and_type_changes_leave_the_whitelist_cleanly() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("checker@example.org", Role::Admin).await;
    let owner = app.logged_in("switch@example.org", PASSWORD).await;
    let id = app
        .create_org(
            &owner,
            &org_fields("Switcher", "hk_charity", "", "91/54321"),
        )
        .await;
    app.verify_org(&admin, id).await;
    admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/whitelist"),
            &[("on", "1")],
        )
        .await;
    // Approving again what is already verified: refused, nothing changes.
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/decision"),
            &[("decision", "approve"), ("note", "")],
        )
        .await;
    assert_eq!(res.status, 409);
    // The owner turns it into a mainland foundation: back to the queue, off the whitelist, no error.
    let res = owner
        .submit(
            &format!("/orgs/{id}/edit"),
            &format!("/orgs/{id}/edit"),
            &pairs(&org_fields(
                "Switcher",
                "foundation",
                "guangzhou",
                "53440103427841382L",
            )),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = owner.get(&format!("/orgs/{id}")).await;
    assert!(page.has("Awaiting verification"));
    assert!(!page.has("Cross-border whitelist"));
    // Changing only the founding date also needs verifying again.
    app.verify_org(&admin, id).await;
    let mut fields = org_fields("Switcher", "foundation", "guangzhou", "53440103427841382L");
    fields[5].1 = "2001-01-01".into();
    owner
        .submit(
            &format!("/orgs/{id}/edit"),
            &format!("/orgs/{id}/edit"),
            &pairs(&fields),
        )
        .await;
    assert!(
        owner
            .get(&format!("/orgs/{id}"))
            .await
            .has("Awaiting verification")
    );
}

/// Every route in the table, asked by a visitor: GETs answer without a
/// server error; POSTs without a token are refused (403) or hidden (404).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_a_visitor_safely() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    for (method, pattern) in baygrants::web::ROUTES {
        let path: String = pattern
            .split('/')
            .map(|part| {
                if part.starts_with('{') {
                    if *pattern == "/static/{file}" {
                        "app.css"
                    } else {
                        "1"
                    }
                } else {
                    part
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let res = match *method {
            "GET" => visitor.get(&path).await,
            _ => visitor.post_raw(&path, &[("x", "y")]).await,
        };
        let status = res.status;
        match *method {
            "GET" => assert!(
                matches!(status, 200 | 303 | 400 | 404),
                "GET {path}: {status}"
            ),
            // Uploads settle who is asking before reading the body: a
            // visitor is sent to log in, unread.
            _ if pattern.ends_with("/attachments") || *pattern == "/finance/statements" => assert!(
                status == 303 && res.location().starts_with("/login"),
                "POST {path}: {status}"
            ),
            _ => assert!(matches!(status, 403 | 404), "POST {path}: {status}"),
        }
    }
    assert!(baygrants::web::ROUTES.len() > 60);
}

/// A state the code does not know, read from the database, fails the
/// request loudly rather than showing the call as something it is not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_state_in_the_database_is_an_error_not_a_fallback() {
    use diesel_async::RunQueryDsl;
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("codes@example.org", Role::Admin).await;
    let fund = fund(&app, &admin, "CNY").await;
    let res = admin
        .submit(
            "/admin/calls/new",
            "/admin/calls",
            &pairs(&call_fields(&fund)),
        )
        .await;
    let id: i64 = res
        .location()
        .trim_start_matches("/calls/")
        .parse()
        .unwrap();
    assert_eq!(admin.get(&format!("/calls/{id}")).await.status, 200);
    let mut conn = app.state.pool.get().await.unwrap();
    // Only a schema change (or a hand edit) can put it there: the column's
    // CHECK lists the known states.
    diesel::sql_query("ALTER TABLE calls DROP CONSTRAINT calls_state_check")
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(format!(
        "UPDATE calls SET state = 'paused', published_at = now() WHERE id = {id}"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let err = baygrants::models::calls::find(&mut conn, baygrants::models::CallId(id))
        .await
        .unwrap_err();
    let described = format!("{err:?}");
    assert!(
        described.contains("unknown CallState") && described.contains("paused"),
        "{described}"
    );
    let res = admin.get(&format!("/calls/{id}")).await;
    assert_eq!(res.status, 500);
    assert!(
        !res.has("Elder care ventures"),
        "nothing of the call is shown"
    );
}
