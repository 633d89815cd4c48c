//! Registration, verification, login, password reset and change.

use std::time::Instant;

use crate::support::{PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn register_verify_login_logout_and_the_old_cookie_is_dead() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let res = b
        .submit(
            "/register",
            "/register",
            &[
                ("name", "陳大文"),
                ("email", "Chan@Example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("lang", "zh-Hans"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/login");

    // The verification email arrives over SMTP, in the chosen language.
    let mail = app
        .smtp
        .wait_for("chan@example.org", "/verify-email?token=")
        .await;
    assert_eq!(mail.subject, "请确认您在 Baygrants 的邮箱地址");
    assert!(mail.text.contains("陈大文") || mail.text.contains("陳大文"));
    assert!(!mail.html.is_empty());
    let link = mail.link_containing("/verify-email?token=");
    assert!(
        link.starts_with(&app.base),
        "absolute link to this site: {link}"
    );

    let login = b.login("chan@example.org", PASSWORD).await;
    assert_eq!(login.location(), "/");
    let home = b.get("/").await;
    assert!(
        home.has("请确认您的邮箱地址"),
        "unverified banner shown in Simplified Chinese"
    );

    let verified = b.get_url(&link).await;
    assert_eq!(verified.status, 200);
    assert!(verified.has("邮箱地址已确认"));
    assert!(!b.get("/").await.has("请确认您的邮箱地址"));
    // The link works once; afterwards it says so instead of failing.
    assert!(b.get_url(&link).await.has("已经确认"));

    let session = b.cookie("bg_session").expect("session cookie");
    assert_eq!(b.get("/account").await.status, 200);
    let out = b.logout().await;
    assert_eq!(out.status, 303);
    assert_eq!(b.get("/account").await.status, 303, "logged out");

    // Replaying the old session cookie does not work: the session is gone on the server.
    let replay = app.browser();
    replay.set_cookie("bg_session", &session);
    let res = replay.get("/account").await;
    assert_eq!(res.status, 303);
    assert!(res.location().starts_with("/login"));

    let actions = app.audit_actions().await;
    for a in [
        "user.registered",
        "session.login",
        "user.email_verified",
        "session.logout",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_email_and_wrong_password_get_the_same_answer_in_similar_time() {
    let app = TestApp::spawn().await;
    app.registered_user("known@example.org", PASSWORD, "en")
        .await;
    let b = app.browser();
    let token = b.get("/login").await.csrf();
    let attempt = async |email: &str| {
        let t = Instant::now();
        let page = b
            .post_raw(
                "/login",
                &[
                    ("csrf", token.as_str()),
                    ("email", email),
                    ("password", "not the password"),
                ],
            )
            .await;
        (t.elapsed(), page)
    };
    let mut wrong = Vec::new();
    let mut unknown = Vec::new();
    let mut pages = Vec::new();
    // Nine of each, interleaved so that load from other tests falls on both;
    // the clock moves on past the throttle's window every four attempts.
    for i in 0..9 {
        if i % 4 == 3 {
            app.clock.advance(chrono::Duration::minutes(16));
        }
        let (t, a) = attempt("known@example.org").await;
        wrong.push(t);
        let (t, c) = attempt("nobody@example.org").await;
        unknown.push(t);
        pages.push((a, c));
    }
    for (a, c) in &pages {
        assert_eq!(a.status, 422);
        assert_eq!(a.status, c.status);
        let msg = |p: &crate::support::browser::Page| {
            p.body
                .split("class=\"form-error\"")
                .nth(1)
                .unwrap()
                .split("</p>")
                .next()
                .unwrap()
                .to_string()
        };
        assert_eq!(msg(a), msg(c));
    }
    // Both paths run Argon2 (m = 19 MiB, t = 2; tens of milliseconds, most of
    // each answer): the medians agree within a factor of two either way. An
    // unknown email answered without hashing takes a fraction of that.
    wrong.sort();
    unknown.sort();
    let (w, u) = (wrong[4].as_secs_f64(), unknown[4].as_secs_f64());
    assert!(
        u > w / 2.0 && w > u / 2.0,
        "median unknown {u:.4} s vs wrong password {w:.4} s: {unknown:?} vs {wrong:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_locks_after_five_failures_and_lifts_after_fifteen_minutes() {
    let app = TestApp::spawn().await;
    let b = app
        .registered_user("slow@example.org", PASSWORD, "en")
        .await;
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    for _ in 0..5 {
        let res = b
            .submit(
                "/login",
                "/login",
                &[
                    ("email", "slow@example.org"),
                    ("password", "guess guess guess"),
                ],
            )
            .await;
        assert_eq!(res.status, 422);
    }
    // Even the right password is refused while locked, with a clear message.
    let locked = b
        .submit(
            "/login",
            "/login",
            &[("email", "slow@example.org"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(locked.status, 429);
    assert!(locked.has("Too many failed attempts"), "{}", locked.body);
    assert!(locked.has("(UTC+8)"));

    app.clock.advance(chrono::Duration::minutes(16));
    b.login("slow@example.org", PASSWORD).await;
    assert!(
        app.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "session.login_failed")
            .count()
            >= 5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttling_per_address_covers_many_accounts() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    for i in 0..20 {
        let email = format!("spray{i}@example.org");
        let res = b
            .submit(
                "/login",
                "/login",
                &[("email", &email), ("password", "password123")],
            )
            .await;
        assert_eq!(res.status, 422);
    }
    let res = b
        .submit(
            "/login",
            "/login",
            &[
                ("email", "spray99@example.org"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(res.status, 429);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_token_works_once_and_not_after_expiry() {
    let app = TestApp::spawn().await;
    let user = app
        .registered_user("forgetful@example.org", PASSWORD, "zh-Hant")
        .await;
    user.login("forgetful@example.org", PASSWORD).await;

    let b = app.browser();
    let res = b
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "forgetful@example.org")],
        )
        .await;
    assert_eq!(res.status, 200);
    // The same page for an unknown address: nothing reveals who has an account.
    let other = b
        .submit(
            "/password/forgot",
            "/password/forgot",
            &[("email", "stranger@example.org")],
        )
        .await;
    assert_eq!(other.status, 200);
    assert_eq!(strip_csrf(&res.body), strip_csrf(&other.body));

    let mail = app
        .smtp
        .wait_for("forgetful@example.org", "/password/reset?token=")
        .await;
    assert_eq!(mail.subject, "設定新的 Baygrants 密碼");
    let link = mail.link_containing("/password/reset?token=");
    let token = link.split("token=").nth(1).unwrap().to_string();

    let form = b.get_url(&link).await;
    assert_eq!(form.status, 200);
    let res = b
        .post_raw(
            "/password/reset",
            &[
                ("csrf", &form.csrf()),
                ("token", &token),
                ("password", "a brand new secret"),
                ("password_confirm", "a brand new secret"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    b.login("forgetful@example.org", "a brand new secret").await;
    // Every earlier session ended with the reset.
    assert_eq!(user.get("/account").await.status, 303);

    // Used once: refused the second time, and the password stays.
    let again = b
        .post_raw(
            "/password/reset",
            &[
                ("csrf", &b.get("/").await.csrf()),
                ("token", &token),
                ("password", "another new secret"),
                ("password_confirm", "another new secret"),
            ],
        )
        .await;
    assert_eq!(again.status, 400);
    assert_eq!(b.get_url(&link).await.status, 400);

    // A fresh token expires after an hour.
    let c = app.browser();
    c.submit(
        "/password/forgot",
        "/password/forgot",
        &[("email", "forgetful@example.org")],
    )
    .await;
    let newest = tokio::time::timeout(std::time::Duration::from_secs(20), async {
        loop {
            let mails = app.smtp.mails_to("forgetful@example.org");
            let resets: Vec<_> = mails
                .iter()
                .filter(|m| m.text.contains("/password/reset?token="))
                .collect();
            if resets.len() == 2 {
                break resets[1].link_containing("/password/reset?token=");
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
    })
    .await
    .expect("the second reset email within 20 s");
    app.clock.advance(chrono::Duration::minutes(61));
    let expired = c.get_url(&newest).await;
    assert_eq!(expired.status, 400);
    let t = newest.split("token=").nth(1).unwrap();
    let res = c
        .post_raw(
            "/password/reset",
            &[
                ("csrf", &c.get("/").await.csrf()),
                ("token", t),
                ("password", "too late secret"),
                ("password_confirm", "too late secret"),
            ],
        )
        .await;
    assert_eq!(res.status, 400);
    app.browser()
        .login("forgetful@example.org", "a brand new secret")
        .await;
}

fn strip_csrf(html: &str) -> String {
    html.lines()
        .filter(|l| !l.contains("name=\"csrf\""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_registration_input_comes_back_filled_in_with_errors_beside_fields() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let long_name = "名".repeat(101);
    type Fields<'a> = Vec<(&'a str, &'a str)>;
    let cases: Vec<(Fields, &str, &str)> = vec![
        (
            vec![
                ("name", &long_name),
                ("email", "ok@example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("lang", "en"),
            ],
            "name",
            "The name is too long",
        ),
        (
            vec![
                ("name", "Wong"),
                ("email", "not-an-email"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("lang", "en"),
            ],
            "email",
            "This is not a valid email address",
        ),
        (
            vec![
                ("name", "Wong"),
                ("email", "ok@example.org"),
                ("password", "short"),
                ("password_confirm", "short"),
                ("lang", "en"),
            ],
            "password",
            "The password is too short",
        ),
        (
            vec![
                ("name", "Wong"),
                ("email", "ok@example.org"),
                ("password", "Password123"),
                ("password_confirm", "Password123"),
                ("lang", "en"),
            ],
            "password",
            "This password is one of the most common ones",
        ),
        (
            vec![
                ("name", "Wong"),
                ("email", "ok@example.org"),
                ("password", PASSWORD),
                ("password_confirm", "something else"),
                ("lang", "en"),
            ],
            "password_confirm",
            "The two passwords do not match",
        ),
        (
            vec![
                ("name", "Wong"),
                ("email", "ok@example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("lang", "tlh"),
            ],
            "lang",
            "Choose one of the languages offered",
        ),
    ];
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    for (fields, field, message) in cases {
        let res = b.submit("/register", "/register", &fields).await;
        assert_eq!(res.status, 422, "{field}");
        let error_id = format!("id=\"f-{field}-error\"");
        assert!(res.has(&error_id), "{field}: error beside the field");
        let error_block = res.body.split(&error_id).nth(1).unwrap();
        assert!(
            error_block.starts_with(&format!(">{message}")),
            "{field}: {error_block:.80}"
        );
        // What was typed comes back (except passwords, which never do).
        let name = fields.iter().find(|(k, _)| *k == "name").unwrap().1;
        let email = fields.iter().find(|(k, _)| *k == "email").unwrap().1;
        assert_eq!(res.field("name").as_deref(), Some(name));
        assert_eq!(res.field("email").as_deref(), Some(email));
        assert_eq!(res.field("password").as_deref(), Some(""));
    }
    let mut conn = app.state.pool.get().await.unwrap();
    assert!(
        baygrants::models::users::find_by_email(&mut conn, "ok@example.org")
            .await
            .unwrap()
            .is_none(),
        "nothing was created"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_address_registers_once() {
    let app = TestApp::spawn().await;
    app.registered_user("once@example.org", PASSWORD, "en")
        .await;
    let b = app.browser();
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let res = b
        .submit(
            "/register",
            "/register",
            &[
                ("name", "Again"),
                ("email", "ONCE@example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("An account already uses this email address"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changing_the_password_needs_the_current_one_and_ends_other_sessions() {
    let app = TestApp::spawn().await;
    let here = app.logged_in("mover@example.org", PASSWORD).await;
    let elsewhere = app.browser();
    elsewhere.login("mover@example.org", PASSWORD).await;

    let wrong = here
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", "not it at all"),
                ("password", "new password here"),
                ("password_confirm", "new password here"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.has("id=\"f-current_password-error\""));

    // A common password is refused, and the old one still works.
    let common = here
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "QWERTYUIOP"),
                ("password_confirm", "QWERTYUIOP"),
            ],
        )
        .await;
    assert_eq!(common.status, 422);
    assert!(common.has("one of the most common ones"), "{}", common.body);
    assert_eq!(
        elsewhere.get("/account").await.status,
        200,
        "nothing changed: the other session goes on"
    );

    let ok = here
        .submit(
            "/account",
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", "new password here"),
                ("password_confirm", "new password here"),
            ],
        )
        .await;
    assert_eq!(ok.status, 303);
    assert_eq!(
        here.get("/account").await.status,
        200,
        "this session continues"
    );
    assert_eq!(
        elsewhere.get("/account").await.status,
        303,
        "the other session ended"
    );
    app.browser()
        .login("mover@example.org", "new password here")
        .await;
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.password_changed".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn profile_keeps_typed_values_on_error_and_saves_name_and_language() {
    let app = TestApp::spawn().await;
    let b = app.logged_in("profile@example.org", PASSWORD).await;
    let bad = b
        .submit("/account", "/account", &[("name", "   "), ("lang", "en")])
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.has("id=\"f-name-error\""));
    let ok = b
        .submit(
            "/account",
            "/account",
            &[("name", "李小龍"), ("lang", "zh-Hant")],
        )
        .await;
    assert_eq!(ok.status, 303);
    let page = b.visit("/account").await;
    assert!(page.has("個人資料已儲存"), "flash in the new language");
    assert!(page.has("李小龍"));
}
