//! Two server processes on one database, as behind a load balancer: a
//! session made on one works on the other, each email is sent once however
//! many outbox workers run, and approvals of one payment split across both
//! processes pay it once.

use baygrants::domain::ledger::Account;
use baygrants::models::{AwardId, FundId};

use crate::crash::{server, wait_ready};
use crate::ledger::requested;
use crate::support::{Browser, PASSWORD, TestApp, free_port};
use baygrants::domain::ledger::EntryKind;

struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_share_sessions_send_each_email_once_and_pay_once() {
    let app = TestApp::spawn().await;
    let (decided, award, payment) = requested(&app).await;

    // Two more servers on the same database, each with its outbox worker
    // (the test's own in-process server runs a third).
    let smtp = format!("smtp://127.0.0.1:{}", app.smtp.port());
    let mut bases = Vec::new();
    let mut children = Vec::new();
    for _ in 0..2 {
        let port = free_port();
        children.push(Killed(server(
            &app,
            port,
            &[
                ("SMTP_URL", smtp.clone()),
                (
                    "MAIL_FROM",
                    "Baygrants Test <no-reply@baygrants.test>".into(),
                ),
                ("OUTBOX_POLL_MS", "50".into()),
            ],
        )));
        let base = format!("http://127.0.0.1:{port}");
        wait_ready(&base).await;
        bases.push(base);
    }
    // The processes keep real time (the test's own server has a clock of its own).
    let app_on_phone = app.authenticator.real_time();
    let (a, b) = (
        Browser::new(&bases[0]).with_authenticator(app_on_phone.clone()),
        Browser::new(&bases[1]).with_authenticator(app_on_phone),
    );

    // A session made on A works on B (cookies are per host, not per port,
    // as behind one address).
    let login = a.login("fin2@grants.test", PASSWORD).await;
    assert_eq!(login.status, 303);
    b.set_cookie(
        baygrants::web::ctx::SESSION_COOKIE,
        &a.cookie(baygrants::web::ctx::SESSION_COOKIE).unwrap(),
    );
    let on_b = b.get("/finance").await;
    assert_eq!(on_b.status, 200, "the session from A is known to B");
    let token = on_b.csrf();
    assert_eq!(
        token,
        a.get("/finance").await.csrf(),
        "one session, one token"
    );

    // 40 approvals of the same payment, alternating between A and B.
    let fields = [
        ("csrf", token.as_str()),
        ("decision", "approve"),
        ("payee_currency", "CNY"),
        ("rate", "1"),
        ("reference", "SPLIT-1"),
    ];
    let path = format!("/finance/payments/{payment}");
    let tries = (0..40).map(|i| {
        let who = if i % 2 == 0 { &a } else { &b };
        let path = path.clone();
        async move { who.post_raw(&path, &fields).await.status }
    });
    let statuses = futures_util::future::join_all(tries).await;
    assert!(
        statuses.iter().all(|s| *s == 303 || *s == 409),
        "{statuses:?}"
    );
    let mut conn = app.state.pool.get().await.unwrap();
    let disbursements =
        baygrants::models::ledger::postings(&mut conn, FundId(decided.fund), Some(AwardId(award)))
            .await
            .unwrap()
            .iter()
            .filter(|r| r.kind == EntryKind::Disbursement)
            .count();
    assert_eq!(disbursements, 2, "one disbursement entry of two postings");
    let paid = baygrants::models::ledger::balance(
        &mut conn,
        FundId(decided.fund),
        Account::Disbursed,
        Some(AwardId(award)),
    )
    .await
    .unwrap();
    assert_eq!(paid.to_string(), "32000.00");
    drop(conn);

    // Ten registrations, alternating between A and B: three outbox workers
    // poll the same queue, and each address gets its one email.
    for i in 0..10 {
        let via = Browser::new(&bases[i % 2]);
        let email = format!("new{i}@two.test");
        let res = via
            .submit(
                "/register",
                "/register",
                &[
                    ("name", "Two Processes"),
                    ("email", &email),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                    ("lang", "en"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    for i in 0..10 {
        app.smtp
            .wait_for(&format!("new{i}@two.test"), "/verify-email?token=")
            .await;
    }
    // Long enough for a duplicate to arrive, were one sent.
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    for i in 0..10 {
        let address = format!("new{i}@two.test");
        let mails = app.smtp.mails_to(&address);
        assert_eq!(
            mails.len(),
            1,
            "{address}: {:?}",
            mails.iter().map(|m| &m.subject).collect::<Vec<_>>()
        );
    }
    drop(children);
}
