//! The outbox: same-transaction enqueueing, delivery, retries, failures.

use std::time::Duration;

use baygrants::domain::role::Role;
use baygrants::email::{self, Email};
use baygrants::i18n::Lang;
use baygrants::models::outbox;
use diesel_async::AsyncConnection;

use crate::support::{Options, PASSWORD, TestApp, eventually};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_enqueued_in_a_transaction_that_rolls_back_is_never_sent() {
    let app = TestApp::spawn().await;
    let now = app.state.clock.now();
    let mut conn = app.state.pool.get().await.unwrap();
    let result = conn
        .transaction::<(), baygrants::error::AppError, _>(async |conn| {
            let mail = Email::VerifyEmail {
                name: "Rolled Back".into(),
                link: "http://x/rollback".into(),
            };
            email::enqueue(conn, now, "rollback@example.org", Lang::En, &mail).await?;
            Err(baygrants::error::AppError::BadRequest)
        })
        .await;
    assert!(result.is_err());
    // And one that commits, as a control: the worker is running.
    conn.transaction::<(), baygrants::error::AppError, _>(async |conn| {
        let mail = Email::VerifyEmail {
            name: "Committed".into(),
            link: "http://x/commit".into(),
        };
        email::enqueue(conn, now, "commit@example.org", Lang::En, &mail).await?;
        Ok(())
    })
    .await
    .unwrap();
    app.smtp
        .wait_for("commit@example.org", "http://x/commit")
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(app.smtp.mails_to("rollback@example.org").is_empty());
    assert_eq!(
        outbox::count_by_status(&mut conn, baygrants::models::outbox::Status::Pending)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_smtp_down_emails_wait_and_are_delivered_once_when_it_returns() {
    let app = TestApp::spawn_with(Options {
        smtp_up: false,
        ..Default::default()
    })
    .await;
    let b = app.browser();
    let res = b
        .submit(
            "/register",
            "/register",
            &[
                ("name", "Patient"),
                ("email", "patient@example.org"),
                ("password", PASSWORD),
                ("password_confirm", PASSWORD),
                ("lang", "en"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "registration does not wait for SMTP");

    let pool = app.state.pool.clone();
    let tried = eventually(Duration::from_secs(10), || {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await.unwrap();
            outbox::problems(&mut conn, 10)
                .await
                .unwrap()
                .iter()
                .any(|e| {
                    e.attempts >= 1
                        && e.last_error.is_some()
                        && e.status == baygrants::models::outbox::Status::Pending
                })
        }
    })
    .await;
    assert!(tried, "the worker tried, failed, and will retry");
    assert!(app.smtp.mails().is_empty());

    app.smtp.resume().await;
    // The retry is due after the backoff: move time past it.
    app.clock.advance(chrono::Duration::minutes(2));
    app.smtp
        .wait_for("patient@example.org", "/verify-email?token=")
        .await;
    // Several more worker rounds: still exactly one copy.
    app.clock.advance(chrono::Duration::hours(1));
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(app.smtp.mails_to("patient@example.org").len(), 1);
    let mut conn = app.state.pool.get().await.unwrap();
    assert_eq!(
        outbox::count_by_status(&mut conn, baygrants::models::outbox::Status::Sent)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_email_is_shown_to_admins_who_can_send_it_again() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("postmaster@example.org", Role::Admin)
        .await;
    app.smtp.refuse("bounce@example.org");
    let b = app.browser();
    b.submit(
        "/register",
        "/register",
        &[
            ("name", "Bounce"),
            ("email", "bounce@example.org"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("lang", "en"),
        ],
    )
    .await;

    let pool = app.state.pool.clone();
    let failed = eventually(Duration::from_secs(10), || {
        let pool = pool.clone();
        async move {
            let mut conn = pool.get().await.unwrap();
            outbox::problems(&mut conn, 10)
                .await
                .unwrap()
                .iter()
                .any(|e| e.status == baygrants::models::outbox::Status::Failed)
        }
    })
    .await;
    assert!(failed, "a permanent refusal is not retried forever");

    let page = admin.get("/admin/emails").await;
    assert!(page.has("bounce@example.org"), "{}", page.body);
    assert!(page.has("550"));
    let id = {
        let mut conn = app.state.pool.get().await.unwrap();
        outbox::problems(&mut conn, 10).await.unwrap()[0].id
    };
    app.smtp.accept_all();
    let res = admin
        .submit("/admin/emails", &format!("/admin/emails/{id}/retry"), &[])
        .await;
    assert_eq!(res.status, 303);
    app.smtp
        .wait_for("bounce@example.org", "/verify-email?token=")
        .await;
    // A second click finds nothing failed and changes nothing.
    let again = admin
        .submit("/admin/emails", &format!("/admin/emails/{id}/retry"), &[])
        .await;
    assert_eq!(again.status, 303);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(app.smtp.mails_to("bounce@example.org").len(), 1);
    assert_eq!(
        app.audit_actions()
            .await
            .iter()
            .filter(|a| *a == "email.retried")
            .count(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_never_send_the_same_email_twice() {
    let app = TestApp::spawn().await;
    let now = app.state.clock.now();
    {
        let mut conn = app.state.pool.get().await.unwrap();
        for i in 0..30 {
            let mail = Email::PasswordReset {
                name: format!("N{i}"),
                link: format!("http://x/{i}"),
            };
            email::enqueue(
                &mut conn,
                now,
                &format!("many{i}@example.org"),
                Lang::ZhHant,
                &mail,
            )
            .await
            .unwrap();
        }
    }
    // Two more workers race the one inside the app.
    let w1 = app.state.worker().unwrap();
    let w2 = app.state.worker().unwrap();
    let (a, b) = tokio::join!(w1.deliver_due(), w2.deliver_due());
    a.unwrap();
    b.unwrap();
    let pool = app.state.pool.clone();
    assert!(
        eventually(Duration::from_secs(10), || {
            let pool = pool.clone();
            async move {
                outbox::count_by_status(
                    &mut pool.get().await.unwrap(),
                    baygrants::models::outbox::Status::Sent,
                )
                .await
                .unwrap()
                    == 30
            }
        })
        .await
    );
    assert_eq!(app.smtp.mails().len(), 30);
}
