//! Sessions, CSRF and access to admin pages.

use baygrants::domain::role::Role;

use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_token_changes_at_every_login() {
    let app = TestApp::spawn().await;
    let b = app
        .registered_user("rotate@example.org", PASSWORD, "en")
        .await;
    assert_eq!(b.cookie("bg_session"), None);
    b.login("rotate@example.org", PASSWORD).await;
    let first = b.cookie("bg_session").unwrap();
    // Logging in again while logged in (e.g. from a stale tab) replaces the session.
    let token = b.get("/").await.csrf();
    let again = b
        .post_raw(
            "/login",
            &[
                ("csrf", &token),
                ("email", "rotate@example.org"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(again.status, 303);
    let second = b.cookie("bg_session").unwrap();
    assert_ne!(first, second);
    let old = app.browser();
    old.set_cookie("bg_session", &first);
    assert_eq!(
        old.get("/account").await.status,
        303,
        "the first session ended"
    );
    assert_eq!(b.get("/account").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_without_a_valid_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    b.get("/register").await;
    let fields = [
        ("name", "Forged"),
        ("email", "forged@example.org"),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
        ("lang", "en"),
    ];
    let missing = b.post_raw("/register", &fields).await;
    assert_eq!(missing.status, 403);
    assert!(missing.has("<html"), "an error page, not a bare status");
    let mut wrong = vec![("csrf", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")];
    wrong.extend_from_slice(&fields);
    assert_eq!(b.post_raw("/register", &wrong).await.status, 403);
    let mut conn = app.state.pool.get().await.unwrap();
    assert!(
        baygrants::models::users::find_by_email(&mut conn, "forged@example.org")
            .await
            .unwrap()
            .is_none()
    );

    // Signed in, the token of another visitor does not work either.
    let user = app.logged_in("victim@example.org", PASSWORD).await;
    let attacker_token = app.browser().get("/login").await.csrf();
    let res = user
        .post_raw(
            "/account",
            &[("csrf", &attacker_token), ("name", "Pwned"), ("lang", "en")],
        )
        .await;
    assert_eq!(res.status, 403);
    assert!(!user.get("/account").await.has("Pwned"));
    // Logout is a state change too.
    assert_eq!(user.post_raw("/logout", &[]).await.status, 403);
    assert_eq!(user.get("/account").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_pages_are_404_for_users_and_ask_visitors_to_log_in() {
    let app = TestApp::spawn().await;
    let visitor = app.browser();
    let user = app.logged_in("plain@example.org", PASSWORD).await;
    let finance = app.user_with_role("money@example.org", Role::Finance).await;
    let admin = app.user_with_role("boss@example.org", Role::Admin).await;
    for path in ["/admin/users", "/admin/emails", "/admin/audit"] {
        let res = visitor.get(path).await;
        assert_eq!(res.status, 303, "{path}");
        assert_eq!(
            res.location(),
            format!(
                "/login?next={}",
                url::form_urlencoded::byte_serialize(path.as_bytes()).collect::<String>()
            )
        );
        assert_eq!(user.get(path).await.status, 404, "{path}");
        assert_eq!(finance.get(path).await.status, 404, "{path}");
        assert_eq!(admin.get(path).await.status, 200, "{path}");
    }
    // Posting to an admin action as a user: 404, nothing changes.
    let token = user.get("/").await.csrf();
    let res = user
        .post_raw(
            "/admin/users/1/roles",
            &[("csrf", &token), ("role", "admin"), ("action", "grant")],
        )
        .await;
    assert_eq!(res.status, 404);
    // Only the two grants made to set up this test were recorded.
    let grants = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "user.role_granted")
        .count();
    assert_eq!(grants, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_returns_to_the_page_asked_for_but_never_off_site() {
    let app = TestApp::spawn().await;
    app.user_with_role("back@example.org", Role::Admin).await;
    let b = app.browser();
    let to_login = b.get("/admin/audit").await;
    let login_page = b.get(to_login.location()).await;
    assert_eq!(login_page.field("next").as_deref(), Some("/admin/audit"));
    let res = b
        .post_raw(
            "/login",
            &[
                ("csrf", &login_page.csrf()),
                ("email", "back@example.org"),
                ("password", PASSWORD),
                ("next", "/admin/audit"),
            ],
        )
        .await;
    // Through the second factor, and on to the page.
    let res = b.second_factor("back@example.org", res.location()).await;
    assert_eq!(res.location(), "/admin/audit");

    let c = app.browser();
    let page = c.get("/login?next=https://evil.example/").await;
    let res = c
        .post_raw(
            "/login",
            &[
                ("csrf", &page.csrf()),
                ("email", "back@example.org"),
                ("password", PASSWORD),
                ("next", "https://evil.example/"),
            ],
        )
        .await;
    assert_eq!(res.location(), "/login/second-factor?next=%2F");
    let res = c.second_factor("back@example.org", res.location()).await;
    assert_eq!(res.location(), "/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_expire_when_idle_and_after_an_absolute_limit() {
    let app = TestApp::spawn().await;
    let idle = app.logged_in("idle@example.org", PASSWORD).await;
    app.clock.advance(chrono::Duration::minutes(119));
    assert_eq!(
        idle.get("/account").await.status,
        200,
        "119 idle minutes are fine"
    );
    app.clock.advance(chrono::Duration::minutes(121));
    assert_eq!(
        idle.get("/account").await.status,
        303,
        "121 idle minutes end it"
    );

    let busy = app.browser();
    busy.login("idle@example.org", PASSWORD).await;
    for _ in 0..11 {
        app.clock.advance(chrono::Duration::minutes(60));
        assert_eq!(busy.get("/account").await.status, 200);
    }
    app.clock.advance(chrono::Duration::minutes(61));
    assert_eq!(
        busy.get("/account").await.status,
        303,
        "12 hours is the absolute limit"
    );
    // An expired session is removed on the server and the cookie is cleared.
    assert_eq!(busy.cookie("bg_session"), None);
}
