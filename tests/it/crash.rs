//! The server process killed (SIGKILL) again and again while finance
//! officers approve payments: afterwards every approved payment has exactly
//! one balanced ledger entry, no tranche is paid twice, and the accounts
//! sum to the payments made. The server is the real binary, started as a
//! separate process on the test's database.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use baygrants::domain::role::Role;
use baygrants::models::{ApplicationId, UserId};
use baygrants::policy::Actor;
use baygrants::services::Origin;
use diesel_async::{AsyncConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::awards::{contribute, decided};
use crate::review::user_id;
use crate::support::{Browser, PASSWORD, TestApp, free_port};

fn start(app: &TestApp, port: u16, mail: &std::path::Path) -> Child {
    server(app, port, &[("MAIL_DIR", mail.display().to_string())])
}

/// The real server binary on the test's database, with `env` on top.
pub(crate) fn server(app: &TestApp, port: u16, env: &[(&str, String)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_baygrants"))
        .arg("serve")
        .env("DATABASE_URL", &app.db.url)
        .env("BIND", format!("127.0.0.1:{port}"))
        .env("BASE_URL", format!("http://127.0.0.1:{port}"))
        .env_remove("SMTP_URL")
        .env("DB_POOL_SIZE", "8")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        // SERVER_LOG=<file> keeps the server's log, to read after a failure.
        .stderr(match std::env::var_os("SERVER_LOG") {
            Some(path) => std::fs::File::create(path)
                .map(Stdio::from)
                .unwrap_or_else(|_| Stdio::null()),
            None => Stdio::null(),
        })
        .spawn()
        .expect("the server binary starts")
}

pub(crate) async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    for _ in 0..300 {
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status().is_success()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server did not become ready");
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .await
        .unwrap()
        .n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_approval_never_half_writes_or_pays_twice() {
    let app = TestApp::spawn().await;
    let setup = decided(&app).await;
    assert_eq!(
        contribute(&setup.fin1, setup.fund, "10,000,000")
            .await
            .status,
        303
    );

    // Forty active single-tranche awards, each with its tranche requested by fin1.
    let mut conn = app.state.pool.get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let ids: Vec<Id> = diesel::sql_query(format!(
        "INSERT INTO applications (call_id, lead_org_id, state, title, created_by, created_at, updated_at)
         SELECT call_id, lead_org_id, 'under_review', 'Clone ' || g, created_by, now(), now()
         FROM applications, generate_series(1, 40) g WHERE id = {} RETURNING id",
        setup.application
    ))
    .load(&mut conn)
    .await
    .unwrap();
    let now = app.state.clock.now();
    for Id { id } in &ids {
        conn.transaction::<_, baygrants::error::AppError, _>(async |conn| {
            baygrants::services::awards::create_for_decision(
                conn,
                ApplicationId(*id),
                "25000".parse().unwrap(),
                "",
                None,
                now,
            )
            .await
        })
        .await
        .unwrap();
    }
    diesel::sql_query(
        "UPDATE awards SET state = 'active', accepted_at = now(), bank_account_number = '1'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let maker = Actor::User {
        id: UserId(user_id(&app, "fin1@grants.test").await),
        roles: vec![Role::Finance],
    };
    let tranches: Vec<Id> = diesel::sql_query("SELECT id FROM tranches ORDER BY id")
        .load(&mut conn)
        .await
        .unwrap();
    drop(conn);
    for Id { id } in &tranches {
        baygrants::services::awards::request_tranche(
            &app.state,
            &maker,
            baygrants::models::TrancheId(*id),
            &Origin::default(),
        )
        .await
        .unwrap();
    }
    let payments: Vec<i64> = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::pending_payments(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|(p, _, _)| p.id.0)
            .collect()
    };
    assert_eq!(payments.len(), 40);

    // fin2 approves through the real server process, which is killed mid-stream.
    let port = free_port();
    let mail = std::env::temp_dir().join(format!("baygrants-crash-{port}"));
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&app, port, &mail);
    wait_ready(&base).await;
    let checker = Browser::new(&base).with_authenticator(app.authenticator.real_time());
    checker.login("fin2@grants.test", PASSWORD).await;
    for round in 0..8 {
        let pending = count(
            &app,
            "SELECT count(*) AS n FROM payment_requests WHERE state = 'pending'",
        )
        .await;
        eprintln!("round {round}: {pending} payments pending before the kill");
        if pending == 0 {
            break;
        }
        let token = checker.get("/finance").await.csrf();
        let mut tasks = Vec::new();
        for &p in &payments {
            // Each one twice, as a double click would.
            for _ in 0..2 {
                let b = checker.clone();
                let token = token.clone();
                tasks.push(tokio::spawn(async move {
                    let _ = b
                        .try_post_raw(
                            &format!("/finance/payments/{p}"),
                            &[
                                ("csrf", token.as_str()),
                                ("decision", "approve"),
                                ("payee_currency", "HKD"),
                                ("rate", "1.08"),
                                ("reference", "CRASH-TEST"),
                            ],
                        )
                        .await;
                }));
            }
        }
        tokio::time::sleep(Duration::from_millis(120 + 60 * round)).await;
        child.kill().unwrap();
        child.wait().unwrap();
        for t in tasks {
            let _ = t.await;
        }
        child = start(&app, port, &mail);
        wait_ready(&base).await;
    }
    // After the crashes, whatever is still pending is approved on a calm server.
    let token = checker.get("/finance").await.csrf();
    for &p in &payments {
        checker
            .post_raw(
                &format!("/finance/payments/{p}"),
                &[
                    ("csrf", token.as_str()),
                    ("decision", "approve"),
                    ("payee_currency", "HKD"),
                    ("rate", "1.08"),
                    ("reference", "CALM"),
                ],
            )
            .await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&mail);

    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM payment_requests WHERE state = 'approved'"
        )
        .await,
        40,
        "every payment made"
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM payment_requests p WHERE p.state = 'approved' AND NOT EXISTS (SELECT 1 FROM ledger_entries e WHERE e.payment_request_id = p.id)").await,
        0,
        "no payment without its entry"
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM ledger_entries e WHERE e.payment_request_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM payment_requests p WHERE p.id = e.payment_request_id AND p.state = 'approved')").await,
        0,
        "no entry without its approved payment"
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id HAVING sum(amount) <> 0 OR count(*) <> 2) x").await,
        0,
        "no half-written entry"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM (SELECT 1 FROM ledger_postings HAVING sum(amount) <> 0) x"
        )
        .await,
        0
    );
    // Each award: paid exactly its one tranche, committed nothing left.
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM awards a WHERE a.state = 'active' AND (SELECT coalesce(sum(amount), 0) FROM ledger_postings WHERE award_id = a.id AND account = 'disbursed') <> a.amount").await,
        0
    );
    let mut conn = app.state.pool.get().await.unwrap();
    let disbursed = baygrants::models::ledger::balance(
        &mut conn,
        baygrants::models::FundId(setup.fund),
        baygrants::domain::ledger::Account::Disbursed,
        None,
    )
    .await
    .unwrap();
    assert_eq!(disbursed, Decimal::from(40 * 25_000));
}
