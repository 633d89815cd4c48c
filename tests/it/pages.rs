//! Headers, languages, error pages, health.

use reqwest::header::{ACCEPT_LANGUAGE, HeaderMap, HeaderValue};

use crate::support::{Browser, PASSWORD, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let user = app.logged_in("headers@example.org", PASSWORD).await;
    let visitor = app.browser();
    let mut pages = vec![];
    for path in [
        "/",
        "/login",
        "/register",
        "/password/forgot",
        "/no/such/page",
        "/static/app.css",
        "/healthz",
    ] {
        pages.push((path, visitor.get(path).await));
    }
    pages.push(("/account", user.get("/account").await));
    pages.push((
        "POST /register without token",
        visitor.post_raw("/register", &[]).await,
    ));
    for (path, page) in pages {
        let h = |name: &str| {
            page.headers
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default()
        };
        let csp = h("content-security-policy");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert_eq!(h("x-content-type-options"), "nosniff", "{path}");
        assert_eq!(h("referrer-policy"), "same-origin", "{path}");
        assert_eq!(h("x-frame-options"), "DENY", "{path}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_cookies_are_http_only_and_lax() {
    let app = TestApp::spawn().await;
    let b = app
        .registered_user("cookies@example.org", PASSWORD, "en")
        .await;
    let res = b.login("cookies@example.org", PASSWORD).await;
    let set = res
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("bg_session="))
        .unwrap();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(
        !set.contains("Secure"),
        "not over plain http in tests: {set}"
    );
    let value = set
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("bg_session=");
    assert_eq!(value.len(), 43, "256 bits, base64");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn switching_language_changes_the_page_text() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let home = b.get("/").await;
    assert!(
        home.has("<html lang=\"zh-Hant\">"),
        "Traditional Chinese by default"
    );
    assert!(home.has("登入"));
    for (code, login_word, html_lang) in [
        ("en", "Log in", "en"),
        ("zh-Hans", "登录", "zh-Hans"),
        ("zh-Hant", "登入", "zh-Hant"),
    ] {
        let res = b
            .submit("/login", "/lang", &[("lang", code), ("next", "/login")])
            .await;
        assert_eq!(res.status, 303);
        assert_eq!(res.location(), "/login");
        let page = b.get("/login").await;
        assert!(page.has(&format!("<html lang=\"{html_lang}\">")), "{code}");
        assert!(page.has(&format!("<h1>{login_word}</h1>")), "{code}");
        // Error pages follow the choice too.
        let missing = b.get("/missing").await;
        assert_eq!(missing.status, 404);
        assert!(
            missing.has(&format!("<html lang=\"{html_lang}\">")),
            "{code}"
        );
    }
    let bad = b
        .submit("/", "/lang", &[("lang", "xx"), ("next", "/")])
        .await;
    assert_eq!(bad.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_browser_language_is_used_until_someone_chooses() {
    let app = TestApp::spawn().await;
    let mut headers = HeaderMap::new();
    headers.insert(
        ACCEPT_LANGUAGE,
        HeaderValue::from_static("zh-CN,zh;q=0.9,en;q=0.8"),
    );
    let b = Browser::with_headers(&app.base, headers);
    assert!(b.get("/").await.has("<html lang=\"zh-Hans\">"));
    let mut headers = HeaderMap::new();
    headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("en-GB,en;q=0.9"));
    let e = Browser::with_headers(&app.base, headers);
    assert!(e.get("/").await.has("<html lang=\"en\">"));
    e.submit("/", "/lang", &[("lang", "zh-Hant"), ("next", "/")])
        .await;
    assert!(
        e.get("/").await.has("<html lang=\"zh-Hant\">"),
        "the switcher beats the header"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_in_users_language_setting_wins_and_the_switcher_saves_it() {
    let app = TestApp::spawn().await;
    let b = app
        .registered_user("lang@example.org", PASSWORD, "zh-Hans")
        .await;
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    b.login("lang@example.org", PASSWORD).await;
    assert!(
        b.get("/").await.has("<html lang=\"zh-Hans\">"),
        "the account's language after login"
    );
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let other = app.browser();
    other.login("lang@example.org", PASSWORD).await;
    assert!(
        other.get("/").await.has("<html lang=\"en\">"),
        "remembered on the account"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    assert_eq!(b.get("/healthz").await.status, 200);
    let ready = b.get("/readyz").await;
    assert_eq!(ready.status, 200);
    assert_eq!(ready.body, "ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_pages_and_malformed_requests_get_pages_not_crashes() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let res = b.get("/admin/users/../../etc/passwd").await;
    assert_eq!(res.status, 404);
    let big = "x".repeat(100_000);
    let token = b.get("/login").await.csrf();
    let res = b
        .post_raw(
            "/login",
            &[("csrf", &token), ("email", &big), ("password", "p")],
        )
        .await;
    assert_eq!(res.status, 413);
    assert!(res.has("<html"));
    let res = b.get("/verify-email?token=%ff%fe").await;
    assert_eq!(res.status, 400);
}

/// While PostgreSQL will not have the app (stopped, restarting, the
/// connections cut), pages answer 503 with the page that says to try again
/// shortly, not a 500; and they come back by themselves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_answer_503_while_the_database_is_away_and_recover() {
    use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
    let app = TestApp::spawn().await;
    let b = app.browser();
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    assert_eq!(b.get("/calls").await.status, 200);
    let server = app.db.url.rsplit_once('/').unwrap().0.to_string();
    let mut admin = AsyncPgConnection::establish(&format!("{server}/postgres"))
        .await
        .unwrap();
    let away = |allow: bool| format!("ALTER DATABASE {} ALLOW_CONNECTIONS {allow}", app.db.name);
    diesel::sql_query(away(false))
        .execute(&mut admin)
        .await
        .unwrap();
    diesel::sql_query(format!(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{}'",
        app.db.name
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    for path in ["/calls", "/grants"] {
        let page = b.get(path).await;
        assert_eq!(page.status, 503, "{path}: {}", page.body);
        assert!(page.has("Please try again in a moment."), "{}", page.body);
    }
    diesel::sql_query(away(true))
        .execute(&mut admin)
        .await
        .unwrap();
    // Back by itself once PostgreSQL takes connections again (the pool
    // opens new ones; a request in between may still get the 503).
    assert!(
        crate::support::eventually(std::time::Duration::from_secs(10), || async {
            b.get("/calls").await.status == 200
        })
        .await,
        "back by itself"
    );
}
