//! The second factor that admin and finance accounts need at login (TOTP,
//! RFC 6238, with recovery codes), over HTTP as people use it.

use baygrants::domain::role::Role;
use baygrants::domain::totp::{self, Secret};

use crate::support::{Browser, PASSWORD, TestApp};

/// A registered user holding `role`, not yet logged in.
async fn staff(app: &TestApp, email: &str, role: Role) -> Browser {
    let b = app.registered_user(email, PASSWORD, "en").await;
    baygrants::services::roles::grant_by_email(&app.state, email, role)
        .await
        .unwrap();
    b
}

/// The password step: for staff it leads to the second step, with no session.
async fn password_step(b: &Browser, email: &str) -> String {
    // Until the second step is passed the person is a visitor, who reads
    // the language of the switcher.
    b.set_cookie("bg_lang", "en");
    let res = b
        .submit(
            "/login",
            "/login",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("next", "/finance"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        res.location().starts_with("/login/second-factor"),
        "{}",
        res.location()
    );
    assert_eq!(b.cookie("bg_session"), None, "no session before the code");
    res.location().to_string()
}

async fn type_code(b: &Browser, path: &str, code: &str) -> crate::support::browser::Page {
    let page = b.get(path).await;
    assert_eq!(page.status, 200, "{}", page.body);
    b.post_raw(
        "/login/second-factor",
        &[
            ("csrf", &page.csrf()),
            ("code", code),
            ("next", &page.field("next").unwrap_or_default()),
        ],
    )
    .await
}

/// `count` distinct six-digit strings that are no code of `secret` near
/// now, so that a "wrong code" can never be right by chance.
fn wrong_codes(secret: &Secret, app: &TestApp, count: usize) -> Vec<String> {
    use baygrants::clock::Clock;
    let now = totp::step_at(app.clock.now());
    let near: Vec<String> = (now - 2..=now + 2)
        .map(|s| totp::code_for_step(secret, s))
        .collect();
    (0..1_000_000)
        .map(|n| format!("{n:06}"))
        .filter(|c| !near.contains(c))
        .take(count)
        .collect()
}

fn wrong_code(secret: &Secret, app: &TestApp) -> String {
    wrong_codes(secret, app, 1).remove(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_sets_up_the_app_at_first_login_then_signs_in_with_its_codes() {
    let app = TestApp::spawn().await;
    let email = "first@bay.test";
    let b = staff(&app, email, Role::Admin).await;
    let challenge = password_step(&b, email).await;
    assert_eq!(b.get("/admin/users").await.status, 303, "still a visitor");

    let page = b.get(&challenge).await;
    assert!(page.has("Set up your authenticator app"), "{}", page.body);
    assert!(page.has("<svg"), "a QR code to scan");
    assert!(page.has("otpauth://totp/Baygrants:first%40bay.test?secret="));
    let key = page.totp_key().unwrap();
    let secret = Secret::from_base32(&key).unwrap();

    let wrong = type_code(&b, &challenge, &wrong_code(&secret, &app)).await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.has("That code is not right"));
    assert_eq!(wrong.totp_key().as_deref(), Some(key.as_str()), "same key");
    assert_eq!(b.cookie("bg_session"), None);

    app.authenticator.learn(email, &key);
    let done = type_code(&b, &challenge, &app.authenticator.code(email).await).await;
    assert_eq!(done.status, 200, "{}", done.body);
    let codes = done.recovery_codes();
    assert_eq!(codes.len(), 10, "{}", done.body);
    assert!(
        done.has("href=\"/finance\""),
        "continues where login was going"
    );
    assert!(
        done.has("action=\"/logout\""),
        "the page shows the person signed in"
    );
    assert_eq!(b.get("/admin/users").await.status, 200, "signed in");
    let mail = app
        .smtp
        .wait_for(email, "authenticator app was set up")
        .await;
    assert!(
        mail.subject.contains("authenticator app"),
        "{}",
        mail.subject
    );
    let account = b.get("/account").await;
    assert!(account.has("Recovery codes left: 10."), "{}", account.body);

    // Next time: the code form, no key shown.
    b.logout().await;
    let challenge = password_step(&b, email).await;
    let page = b.get(&challenge).await;
    assert!(page.totp_key().is_none());
    assert!(page.has("recovery code"));
    let code = app.authenticator.code(email).await;
    let ok = type_code(&b, &challenge, &code).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    assert_eq!(ok.location(), "/finance");

    // The same code again is refused (RFC 6238 §5.2).
    b.logout().await;
    let challenge = password_step(&b, email).await;
    let replay = type_code(&b, &challenge, &code).await;
    assert_eq!(replay.status, 422, "a code works once");

    // A recovery code works once, and its owner is told.
    let ok = type_code(&b, &challenge, &codes[3].to_uppercase()).await;
    assert_eq!(ok.status, 303, "{}", ok.body);
    app.smtp
        .wait_for(
            email,
            "signed in to your Baygrants account with one of its recovery codes",
        )
        .await;
    assert!(b.get("/account").await.has("Recovery codes left: 9."));
    b.logout().await;
    let challenge = password_step(&b, email).await;
    assert_eq!(type_code(&b, &challenge, &codes[3]).await.status, 422);

    let actions = app.audit_actions().await;
    for action in [
        "session.second_factor_asked",
        "session.second_factor_failed",
        "user.second_factor_enrolled",
        "user.recovery_code_used",
        "session.login",
    ] {
        assert!(actions.iter().any(|a| a == action), "{action}: {actions:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stolen_password_buys_four_guesses_then_the_account_locks() {
    let app = TestApp::spawn().await;
    let email = "guarded@bay.test";
    let setup = staff(&app, email, Role::Finance).await;
    setup.login(email, PASSWORD).await;
    setup.logout().await;
    let key = app.authenticator.clone();
    assert!(key.knows(email));

    let thief = app.browser();
    let challenge = password_step(&thief, email).await;
    let page = thief.get(&challenge).await;
    assert!(page.totp_key().is_none(), "the key is never shown again");
    let wrong_codes = wrong_codes(&key.secret(email), &app, 4);
    let mut statuses = Vec::new();
    for wrong in &wrong_codes {
        statuses.push(type_code(&thief, &challenge, wrong).await.status);
    }
    // The password's attempt and four wrong codes make five failures: locked,
    // so even the right code is refused now.
    let right = key.code(email).await;
    statuses.push(type_code(&thief, &challenge, &right).await.status);
    assert_eq!(statuses, [422, 422, 422, 422, 429], "{statuses:?}");
    let again = thief
        .submit(
            "/login",
            "/login",
            &[("email", email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status, 429, "the password alone is locked out too");
    assert_eq!(thief.cookie("bg_session"), None);

    // Fifteen minutes later the owner signs in as usual.
    app.clock.advance(chrono::Duration::minutes(16));
    let owner = app.browser();
    let res = owner.login(email, PASSWORD).await;
    assert_eq!(res.status, 303);
    assert_eq!(owner.get("/finance").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applicants_sign_in_with_the_password_and_a_stale_challenge_starts_over() {
    let app = TestApp::spawn().await;
    let applicant = app.registered_user("plain@ngo.test", PASSWORD, "en").await;
    let res = applicant.login("plain@ngo.test", PASSWORD).await;
    assert_eq!(res.location(), "/", "no second step");
    assert!(applicant.cookie("bg_session").is_some());
    let account = applicant.get("/account").await;
    assert!(account.has("Not set up."), "{}", account.body);

    // Without a challenge, or after ten minutes, it is back to the password.
    let visitor = app.browser();
    let res = visitor.get("/login/second-factor").await;
    assert_eq!(res.status, 303);
    assert_eq!(res.location(), "/login");
    let email = "slow@bay.test";
    let b = staff(&app, email, Role::Admin).await;
    let challenge = password_step(&b, email).await;
    let page = b.get(&challenge).await;
    app.authenticator.learn(email, &page.totp_key().unwrap());
    app.clock.advance(chrono::Duration::minutes(11));
    let late = b
        .post_raw(
            "/login/second-factor",
            &[
                ("csrf", &page.csrf()),
                ("code", &app.authenticator.code(email).await),
            ],
        )
        .await;
    assert_eq!(late.status, 303);
    assert_eq!(late.location(), "/login");
    assert_eq!(b.cookie("bg_session"), None);
    assert_eq!(b.get(&challenge).await.location(), "/login");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_role_ends_sessions_that_had_no_second_factor() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("boss@bay.test", Role::Admin).await;
    let officer = app.logged_in("new-officer@bay.test", PASSWORD).await;
    assert_eq!(officer.get("/account").await.status, 200);
    let id = crate::review::user_id(&app, "new-officer@bay.test").await;
    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/roles"),
            &[("role", "finance"), ("action", "grant")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        officer.get("/account").await.status,
        303,
        "the session without a second factor ended"
    );
    let res = officer.login("new-officer@bay.test", PASSWORD).await;
    assert!(res.has("recovery-codes"), "set up at the next login");
    assert_eq!(officer.get("/finance").await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_resets_a_lost_second_factor_and_codes_can_be_renewed() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("reset-admin@bay.test", Role::Admin)
        .await;
    let email = "lost-phone@bay.test";
    let officer = app.user_with_role(email, Role::Finance).await;

    // Renewing recovery codes needs a current code; the old codes stop working.
    let old = app.authenticator.recovery_codes(email);
    assert_eq!(old.len(), 10);
    let wrong = officer
        .submit("/account", "/account/recovery-codes", &[("code", "12")])
        .await;
    assert_eq!(wrong.status, 422);
    assert!(wrong.has("That code is not right"), "{}", wrong.body);
    let renewed = officer
        .submit(
            "/account",
            "/account/recovery-codes",
            &[("code", &app.authenticator.code(email).await)],
        )
        .await;
    assert_eq!(renewed.status, 200, "{}", renewed.body);
    let new = renewed.recovery_codes();
    assert_eq!(new.len(), 10);
    app.smtp
        .wait_for(email, "New recovery codes were made")
        .await;
    officer.logout().await;
    let challenge = password_step(&officer, email).await;
    assert_eq!(type_code(&officer, &challenge, &old[0]).await.status, 422);
    assert_eq!(type_code(&officer, &challenge, &new[0]).await.status, 303);

    let id = crate::review::user_id(&app, email).await;
    let users = admin.get("/admin/users").await;
    assert!(users.has(&format!("/admin/users/{id}/second-factor")));
    // Nobody else can reset it: not the officer, not an applicant.
    let res = officer
        .submit("/account", &format!("/admin/users/{id}/second-factor"), &[])
        .await;
    assert_eq!(res.status, 404);
    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/second-factor"),
            &[],
        )
        .await;
    assert_eq!(res.status, 303);
    assert_eq!(officer.get("/finance").await.status, 303, "sessions ended");
    app.smtp.wait_for(email, "removed the second factor").await;
    // Twice is harmless.
    let res = admin
        .submit(
            "/admin/users",
            &format!("/admin/users/{id}/second-factor"),
            &[],
        )
        .await;
    assert_eq!(res.status, 303);

    let fresh = app.browser();
    let res = fresh.login(email, PASSWORD).await;
    assert!(res.has("recovery-codes"), "a new key is set up");
    assert!(
        app.audit_actions()
            .await
            .contains(&"user.second_factor_reset".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn renewing_recovery_codes_is_throttled_like_login() {
    let app = TestApp::spawn().await;
    let email = "hijacked@bay.test";
    let session = app.user_with_role(email, Role::Finance).await;
    let wrong_codes = wrong_codes(&app.authenticator.secret(email), &app, 5);
    for wrong in &wrong_codes {
        let res = session
            .submit("/account", "/account/recovery-codes", &[("code", wrong)])
            .await;
        assert_eq!(res.status, 422);
        assert!(res.has("That code is not right"), "{}", res.body);
    }
    // Five wrong codes lock the account: even the right one is refused now.
    let code = app.authenticator.code(email).await;
    let res = session
        .submit("/account", "/account/recovery-codes", &[("code", &code)])
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("Too many wrong codes"), "{}", res.body);
    assert!(res.recovery_codes().is_empty());
    let refused = app
        .audit_actions()
        .await
        .iter()
        .filter(|a| *a == "user.recovery_codes_refused")
        .count();
    assert_eq!(refused, 5);
}
