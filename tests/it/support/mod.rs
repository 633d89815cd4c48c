pub mod authenticator;
pub mod browser;
pub mod chrome;
pub mod db;
pub mod smtp;

use std::collections::HashMap;
use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use baygrants::clock::ShiftedClock;
use baygrants::config::Config;
use baygrants::{AppState, Application};

pub use authenticator::Authenticator;
pub use browser::Browser;
pub use smtp::SmtpServer;

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    pub clock: Arc<ShiftedClock>,
    pub smtp: SmtpServer,
    pub db: db::TestDb,
    /// The second-factor keys of the test's admins and finance officers.
    pub authenticator: Authenticator,
}

pub struct Options {
    /// Start the SMTP receiver with the app (false: SMTP is "down").
    pub smtp_up: bool,
    pub vars: Vec<(&'static str, String)>,
    /// PostgreSQL settings for the app's connections (`-c name=value …`),
    /// passed as the `options` of its `DATABASE_URL`.
    pub db_options: Option<&'static str>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            smtp_up: true,
            vars: Vec::new(),
            db_options: None,
        }
    }
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> TestApp {
        let db = db::TestDb::create().await;
        let smtp_port = free_port();
        let smtp = if options.smtp_up {
            SmtpServer::start(smtp_port).await
        } else {
            SmtpServer::stopped(smtp_port)
        };
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let mut vars: HashMap<&str, String> = HashMap::from([
            (
                "DATABASE_URL",
                match options.db_options {
                    Some(o) => format!(
                        "{}?options={}",
                        db.url,
                        o.replace(' ', "%20").replace('=', "%3D")
                    ),
                    None => db.url.clone(),
                },
            ),
            ("BIND", format!("127.0.0.1:{port}")),
            ("BASE_URL", base.clone()),
            ("SMTP_URL", format!("smtp://127.0.0.1:{smtp_port}")),
            (
                "MAIL_FROM",
                "Baygrants Test <no-reply@baygrants.test>".into(),
            ),
            ("OUTBOX_POLL_MS", "50".into()),
            ("DB_POOL_SIZE", "8".into()),
        ]);
        vars.extend(options.vars);
        let config = Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
        let clock = Arc::new(ShiftedClock::default());
        let app = Application::build_on(listener, config, clock.clone(), 1)
            .await
            .unwrap();
        let state = app.state.clone();
        tokio::spawn(app.run_until_stopped());
        TestApp {
            base,
            state,
            authenticator: Authenticator::new(clock.clone()),
            clock,
            smtp,
            db,
        }
    }

    pub fn browser(&self) -> Browser {
        Browser::new(&self.base).with_authenticator(self.authenticator.clone())
    }

    /// Registers through the form and confirms the email with the emailed link.
    pub async fn registered_user(&self, email: &str, password: &str, lang: &str) -> Browser {
        let b = self.browser();
        let res = b
            .submit(
                "/register",
                "/register",
                &[
                    ("name", "測試用戶"),
                    ("email", email),
                    ("password", password),
                    ("password_confirm", password),
                    ("lang", lang),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "registration failed: {}", res.body);
        let mail = self.smtp.wait_for(email, "/verify-email?token=").await;
        let link = mail.link_containing("/verify-email?token=");
        let verified = b.get_url(&link).await;
        assert_eq!(verified.status, 200, "{}", verified.body);
        b
    }

    /// A verified user, logged in.
    pub async fn logged_in(&self, email: &str, password: &str) -> Browser {
        let b = self.registered_user(email, password, "en").await;
        b.login(email, password).await;
        b
    }

    /// A logged-in user holding `role`.
    pub async fn user_with_role(
        &self,
        email: &str,
        role: baygrants::domain::role::Role,
    ) -> Browser {
        let b = self.registered_user(email, PASSWORD, "en").await;
        baygrants::services::roles::grant_by_email(&self.state, email, role)
            .await
            .unwrap();
        b.login(email, PASSWORD).await;
        b
    }

    /// `seed --scale` with the caller's sizes (most tests take `TINY_BAY`); the seeded admin and finance
    /// officers' authenticator app knows the seed's second-factor key.
    pub async fn seed(
        &self,
        sizes: baygrants::seed::scale::Sizes,
        seed: u64,
    ) -> baygrants::seed::scale::Accounts {
        use baygrants::seed::scale;
        let a = scale::seed_sizes(&self.state, sizes, seed).await.unwrap();
        for staff in [&a.admin, &a.finance[0], &a.finance[1]] {
            self.authenticator
                .learn(staff, &scale::totp_secret().base32());
        }
        a
    }

    pub async fn audit_actions(&self) -> Vec<String> {
        let mut conn = self.state.pool.get().await.unwrap();
        let rows = baygrants::models::audit::page(&mut conn, None, None, 1000)
            .await
            .unwrap();
        rows.into_iter().rev().map(|r| r.action).collect()
    }
}

pub const PASSWORD: &str = "correct horse battery";

/// The smallest seeded Bay Area the page tests use: ten calls (the eighth
/// decided with active awards, the ninth in review), panels of twenty.
pub const TINY_BAY: baygrants::seed::scale::Sizes = baygrants::seed::scale::Sizes {
    organizations: 300,
    calls: 10,
    applications: 120,
    largest_call: 24,
    reviewers: 30,
    funds: 2,
    donations: 40,
};

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Polls `check` every 25 ms until it is true or `timeout` passes.
pub async fn eventually<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        if check().await {
            return true;
        }
        if tokio::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// A valid Unified Social Credit Code for a mainland organization.
pub fn uscc(type_char: char, region: &str, serial: u32) -> String {
    let body = format!("5{type_char}{region}{serial:09}");
    let check = baygrants::domain::uscc::check_char(&body).unwrap();
    format!("{body}{check}")
}

/// The fields of a valid organization form for `/orgs`.
pub fn org_fields(name: &str, org_type: &str, city: &str, regno: &str) -> Vec<(String, String)> {
    vec![
        ("name_zh".into(), format!("{name}（中文）")),
        ("name_en".into(), name.to_string()),
        ("org_type".into(), org_type.into()),
        ("city".into(), city.into()),
        ("registration_number".into(), regno.into()),
        ("founded_on".into(), "2015-03-01".into()),
        ("focus".into(), "elderly_care".into()),
        ("address".into(), "1 Demo Road".into()),
        ("website".into(), "https://example.org".into()),
        ("contact_email".into(), "contact@example.org".into()),
    ]
}

pub fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

impl TestApp {
    /// Registers an organization through the form; returns its id.
    pub async fn create_org(&self, owner: &Browser, fields: &[(String, String)]) -> i64 {
        let res = owner.submit("/orgs/new", "/orgs", &pairs(fields)).await;
        assert_eq!(res.status, 303, "organization not created: {}", res.body);
        res.location().trim_start_matches("/orgs/").parse().unwrap()
    }

    pub async fn verify_org(&self, admin: &Browser, id: i64) {
        let res = admin
            .submit(
                &format!("/orgs/{id}"),
                &format!("/admin/orgs/{id}/decision"),
                &[("decision", "approve"), ("note", "")],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
}

pub async fn fund(app: &TestApp, admin: &Browser, currency: &str) -> String {
    let res = admin
        .submit(
            "/admin/funds",
            "/admin/funds",
            &[
                ("name_zh", "灣區基金"),
                ("name_en", "Bay Fund"),
                ("sponsors", "A; B"),
                ("currency", currency),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::funds::all(&mut conn)
        .await
        .unwrap()
        .last()
        .unwrap()
        .id
        .to_string()
}

pub fn call_fields(fund: &str) -> Vec<(String, String)> {
    let mut f: Vec<(String, String)> = [
        ("fund_id", fund),
        ("title_zh", "長者服務創投"),
        ("title_en", "Elder care ventures"),
        ("description_zh", "中文說明"),
        ("description_en", "English description"),
        ("focus", "elderly_care"),
        ("opens_at", "2026-01-01T09:00"),
        ("closes_at", "2036-01-31T17:00"),
        ("budget", "2,000,000"),
        ("min_request", "50,000"),
        ("max_request", "500,000"),
        ("max_duration_months", "24"),
        ("joint_required", "on"),
        ("lead_jurisdictions", "mainland"),
        ("verified_required", "on"),
        ("whitelist_required", "on"),
        ("min_registered_months", "12"),
        ("min_matching_percent", "40"),
        ("max_overhead_percent", "15"),
        ("rate_cny", "1.08"),
        ("rate_hkd", "0.92"),
        ("rate_mop", "0.89"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (zh, en, w) in [
        ("需要", "Need", "40"),
        ("方法", "Approach", "60"),
        ("", "", ""),
    ] {
        f.push(("crit_name_zh".into(), zh.into()));
        f.push(("crit_name_en".into(), en.into()));
        f.push(("crit_guidance_zh".into(), String::new()));
        f.push((
            "crit_guidance_en".into(),
            if en.is_empty() {
                String::new()
            } else {
                format!("How good is the {en}?")
            },
        ));
        f.push(("crit_weight".into(), w.into()));
        f.push((
            "crit_max".into(),
            if w.is_empty() {
                String::new()
            } else {
                "10".into()
            },
        ));
    }
    f
}

pub fn set(fields: &mut [(String, String)], key: &str, nth: usize, value: &str) {
    let slot = fields
        .iter_mut()
        .filter(|(k, _)| k == key)
        .nth(nth)
        .unwrap();
    slot.1 = value.to_string();
}

/// The search index's rows agree with what they keep of each application
/// (its draft flag and `updated_at`, read by the admins' list with a
/// query) and every organization and application has its row.
pub async fn search_rows_agree(app: &TestApp) {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Drift {
        #[diesel(sql_type = diesel::sql_types::Text)]
        v: String,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    let drift: Drift = diesel::sql_query(
        "SELECT coalesce(string_agg(a.id::text, ', '), '') AS v FROM applications a
           LEFT JOIN search_documents d ON d.kind = 'application' AND d.entity_id = a.id
          WHERE d.entity_id IS NULL OR d.updated_at <> a.updated_at
             OR d.draft <> (a.state = 'draft')
         UNION ALL
         SELECT coalesce(string_agg(o.id::text, ', '), '') FROM organizations o
          WHERE NOT EXISTS (SELECT 1 FROM search_documents d
                             WHERE d.kind = 'organization' AND d.entity_id = o.id)",
    )
    .get_results::<Drift>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .reduce(|a, b| Drift {
        v: format!("{}|{}", a.v, b.v),
    })
    .unwrap();
    assert_eq!(
        drift.v, "|",
        "applications | organizations whose search rows are missing or stale"
    );
}

/// The ledger balances (every entry and every fund's postings sum to zero)
/// and what is kept beside it agrees with it: the balances and the
/// tranches ready to request.
pub async fn ledger_agrees(app: &TestApp) {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::Text)]
        what: String,
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    let counts: Vec<Count> = diesel::sql_query(
        "SELECT 'unbalanced entries' AS what, count(*) AS n FROM (SELECT entry_id FROM ledger_postings
           GROUP BY entry_id HAVING sum(amount) <> 0) x
         UNION ALL SELECT 'unbalanced funds', count(*) FROM (SELECT fund_id FROM ledger_postings
           GROUP BY fund_id HAVING sum(amount) <> 0) x
         UNION ALL SELECT 'balance drift', count(*) FROM ledger_balances_drift
         UNION ALL SELECT 'tranches ready drift', count(*) FROM tranches_ready_drift",
    )
    .load(&mut conn)
    .await
    .unwrap();
    for c in counts {
        assert_eq!(c.n, 0, "{}", c.what);
    }
}
