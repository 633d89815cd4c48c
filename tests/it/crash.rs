//! The server process killed (SIGKILL) again and again while finance
//! officers approve payments, or confirm payments the bank sent back:
//! afterwards every approved payment has exactly one balanced ledger entry,
//! every confirmed return exactly one reversal, no tranche is paid twice,
//! and the accounts sum to the payments made. The server is the real
//! binary, started as a separate process on the test's database.

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
struct Xid {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    xid: i64,
}

#[derive(diesel::QueryableByName)]
struct Status {
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
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

/// Forty active single-tranche awards of 25,000 in one fund, each with its
/// tranche requested by fin1: the fund and the payments.
async fn forty_requested(app: &TestApp) -> (i64, Vec<i64>) {
    let setup = decided(app).await;
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
        "UPDATE awards SET state = 'active', accepted_at = now(), bank_account_number = '1',
                bank_account_name = 'Lead', bank_name = 'Bank'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let maker = Actor::User {
        id: UserId(user_id(app, "fin1@grants.test").await),
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
    (setup.fund, payments)
}

/// What the kills saw: how many landed inside a transaction (rolled back)
/// and how many requests they cut off.
struct Kills {
    caught: usize,
    cut_off: usize,
}

/// Posts `fields` to `path(p)` for every payment, twice each as a double
/// click would, through the real server, and SIGKILLs it `rounds` times:
/// each time once `round` more payments are `done` (an SQL condition on
/// `payment_requests`), the moment a backend of the server holds a write
/// lock on the payments or the ledger and has written (it has a
/// transaction id), not yet committed. The server is started again after
/// each kill.
#[allow(clippy::too_many_arguments)]
async fn kill_rounds(
    app: &TestApp,
    child: &mut Child,
    port: u16,
    mail: &std::path::Path,
    checker: &Browser,
    payments: &[i64],
    path: impl Fn(i64) -> String,
    fields: &[(&'static str, &'static str)],
    done: &str,
    rounds: usize,
) -> Kills {
    let base = format!("http://127.0.0.1:{port}");
    let total = payments.len() as i64;
    let mut watcher = app.state.pool.get().await.unwrap();
    let mut caught = 0;
    let mut broken_requests = 0;
    for round in 0..rounds as i64 {
        let finished = count(
            app,
            &format!("SELECT count(*) AS n FROM payment_requests WHERE {done}"),
        )
        .await;
        let pending = total - finished;
        assert!(pending > 0, "round {round}: nothing left to interrupt");
        let token = checker.get("/finance").await.csrf();
        let mut tasks = Vec::new();
        for &p in payments {
            for _ in 0..2 {
                let b = checker.clone();
                let mut form: Vec<(&'static str, String)> = vec![("csrf", token.clone())];
                form.extend(fields.iter().map(|(k, v)| (*k, v.to_string())));
                let to = path(p);
                tasks.push(tokio::spawn(async move {
                    let form: Vec<(&str, &str)> =
                        form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                    b.try_post_raw(&to, &form).await
                }));
            }
        }
        // Once `round` more are done (so later rounds re-post what is done
        // already), kill the moment the next one is inside its transaction.
        let target = finished + round;
        let in_flight = tokio::time::timeout(Duration::from_secs(30), async {
            loop {
                let xid: Vec<Xid> = diesel::sql_query(format!(
                    "SELECT a.backend_xid::text::bigint AS xid
                     FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                     WHERE l.relation IN ('payment_requests'::regclass, 'ledger_postings'::regclass)
                       AND l.mode = 'RowExclusiveLock' AND a.backend_xid IS NOT NULL
                       AND a.datname = current_database() AND a.pid <> pg_backend_pid()
                       AND (SELECT count(*) FROM payment_requests WHERE {done}) >= {target}
                     LIMIT 1"
                ))
                .load(&mut watcher)
                .await
                .unwrap();
                if let [x, ..] = xid.as_slice() {
                    return x.xid;
                }
            }
        })
        .await
        .expect("a transaction in flight within 30 s");
        child.kill().unwrap();
        child.wait().unwrap();
        let mut answered = 0;
        let mut broken = 0;
        for t in tasks {
            match t.await.unwrap() {
                Some(status) => {
                    assert!(status < 500, "round {round}: a {status} before the kill");
                    answered += 1;
                }
                None => broken += 1,
            }
        }
        broken_requests += broken;
        // The transaction seen in flight was rolled back by PostgreSQL when
        // its client died: the kill landed inside one.
        let status = tokio::time::timeout(Duration::from_secs(20), async {
            loop {
                let s: Status = diesel::sql_query(format!(
                    "SELECT pg_xact_status(((pg_current_xact_id()::text::bigint >> 32 << 32) | {in_flight})::text::xid8)::text AS status"
                ))
                .get_result(&mut watcher)
                .await
                .unwrap();
                if s.status != "in progress" {
                    return s.status;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
        .await
        .expect("the killed transaction ended");
        if status == "aborted" {
            caught += 1;
        }
        eprintln!(
            "round {round}: {pending} to do; killed with transaction {in_flight} in flight ({status}); {answered} requests answered, {broken} cut off"
        );
        *child = start(app, port, mail);
        wait_ready(&base).await;
    }
    Kills {
        caught,
        cut_off: broken_requests,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_approval_never_half_writes_or_pays_twice() {
    let app = TestApp::spawn().await;
    let (fund, payments) = forty_requested(&app).await;
    // fin2 approves through the real server process, which is killed mid-stream.
    let port = free_port();
    let mail = std::env::temp_dir().join(format!("baygrants-crash-{port}"));
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&app, port, &mail);
    wait_ready(&base).await;
    let checker = Browser::new(&base).with_authenticator(app.authenticator.real_time());
    checker.login("fin2@grants.test", PASSWORD).await;
    let kills = kill_rounds(
        &app,
        &mut child,
        port,
        &mail,
        &checker,
        &payments,
        |p| format!("/finance/payments/{p}"),
        &[
            ("decision", "approve"),
            ("payee_currency", "HKD"),
            ("rate", "1.08"),
            ("reference", "CRASH-TEST"),
        ],
        "state = 'approved'",
        8,
    )
    .await;
    // A kill that lands between transactions proves nothing; most must land
    // inside one (rolled back), and requests must have been cut off.
    assert!(
        kills.caught >= 4,
        "only {} of 8 kills landed inside an approval",
        kills.caught
    );
    assert!(kills.cut_off > 0, "no request was in flight at a kill");
    // After the crashes, whatever is still pending is approved on a calm server.
    let token = checker.get("/finance").await.csrf();
    for &p in &payments {
        let res = checker
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
        // Approved now, or already approved before a kill (409).
        assert!(
            res.status == 303 || res.status == 409,
            "{p}: {}",
            res.status
        );
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
        baygrants::models::FundId(fund),
        baygrants::domain::ledger::Account::Disbursed,
        None,
    )
    .await
    .unwrap();
    assert_eq!(disbursed, Decimal::from(40 * 25_000));
}

/// The same with returns (issue 25): forty payments sent to the bank and
/// reported returned; a second officer confirms the returns through the
/// real server while it is killed again and again. Afterwards every return
/// is confirmed once, with exactly one reversal of its disbursement, and
/// the ledger balances.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_the_server_mid_return_never_reverses_twice_or_by_half() {
    use baygrants::models::{FundId, PaymentId};
    use baygrants::services::awards as service;
    let app = TestApp::spawn().await;
    let (fund, payments) = forty_requested(&app).await;
    let officer = |email: &'static str| {
        let app = &app;
        async move {
            Actor::User {
                id: UserId(user_id(app, email).await),
                roles: vec![Role::Finance],
            }
        }
    };
    let (fin1, fin2) = (
        officer("fin1@grants.test").await,
        officer("fin2@grants.test").await,
    );
    let approve = service::ApproveForm {
        decision: "approve".into(),
        payee_currency: "HKD".into(),
        rate: "1.08".into(),
        reference: "CRASH-TEST".into(),
        confirmed: String::new(),
    };
    for &p in &payments {
        service::decide_payment(
            &app.state,
            &fin2,
            PaymentId(p),
            &approve,
            false,
            &Origin::default(),
        )
        .await
        .unwrap();
    }
    let batch = service::make_batch(
        &app.state,
        &fin1,
        &service::BatchForm {
            fund: fund.to_string(),
            currency: "HKD".into(),
            debtor_name: "Fund".into(),
            debtor_account: "012-345".into(),
            debtor_bank: "Bank".into(),
            debtor_bic: String::new(),
        },
        &Origin::default(),
    )
    .await
    .unwrap();
    service::download_batch(
        &app.state,
        &fin1,
        batch,
        service::BatchFormat::Csv,
        &Origin::default(),
    )
    .await
    .unwrap();
    let reason = service::ReturnForm {
        reason: "AC04 closed".into(),
    };
    for &p in &payments {
        service::report_return(&app.state, &fin1, PaymentId(p), &reason, &Origin::default())
            .await
            .unwrap();
    }

    let port = free_port();
    let mail = std::env::temp_dir().join(format!("baygrants-crash-{port}"));
    let base = format!("http://127.0.0.1:{port}");
    let mut child = start(&app, port, &mail);
    wait_ready(&base).await;
    let checker = Browser::new(&base).with_authenticator(app.authenticator.real_time());
    checker.login("fin2@grants.test", PASSWORD).await;
    let kills = kill_rounds(
        &app,
        &mut child,
        port,
        &mail,
        &checker,
        &payments,
        |p| format!("/finance/payments/{p}/return/decision"),
        &[("decision", "confirm")],
        "transfer = 'returned'",
        4,
    )
    .await;
    assert!(
        kills.caught >= 2,
        "only {} of 4 kills landed inside a return",
        kills.caught
    );
    let token = checker.get("/finance").await.csrf();
    for &p in &payments {
        let res = checker
            .post_raw(
                &format!("/finance/payments/{p}/return/decision"),
                &[("csrf", token.as_str()), ("decision", "confirm")],
            )
            .await;
        // Confirmed now, or before a kill (409).
        assert!(
            res.status == 303 || res.status == 409,
            "{p}: {}",
            res.status
        );
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&mail);

    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM payment_requests WHERE transfer = 'returned'"
        )
        .await,
        40,
        "every return confirmed"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM ledger_entries WHERE kind = 'adjustment'"
        )
        .await,
        40,
        "one reversal each"
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM payment_requests p WHERE p.transfer = 'returned' AND NOT EXISTS (
               SELECT 1 FROM ledger_entries d JOIN ledger_entries r ON r.reverses = d.id
               WHERE d.payment_request_id = p.id)"
        )
        .await,
        0,
        "no return without the reversal of its disbursement"
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id HAVING sum(amount) <> 0 OR count(*) <> 2) x").await,
        0,
        "no half-written entry"
    );
    let mut conn = app.state.pool.get().await.unwrap();
    let disbursed = baygrants::models::ledger::balance(
        &mut conn,
        FundId(fund),
        baygrants::domain::ledger::Account::Disbursed,
        None,
    )
    .await
    .unwrap();
    assert_eq!(disbursed, Decimal::ZERO, "every payment came back");
}
