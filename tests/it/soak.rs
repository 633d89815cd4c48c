//! Load and soak (ignored by a plain `cargo test`; `.ci/run` runs it for 90
//! seconds with faults after the suite, and `.ci/soak` for ten minutes): the
//! server, started as its own process on loopback, takes mixed journeys for
//! `SOAK_SECONDS` (600 by default) — applicants drafting and submitting
//! joint applications, reviewers saving scores, finance officers recording
//! contributions and reading the money pages. With `SOAK_FAULTS=1`,
//! PostgreSQL is restarted and SMTP is down for a while in the middle.
//!
//! Afterwards: no 5xx outside a database outage, no growth of connections
//! or memory, the ledger balances, every submitted application has its
//! snapshot, every acknowledged write is there, every email went out once.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use baygrants::seed::scale;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::applications::{Fixture, budget, fill, start, submit};
use crate::crash::{server, wait_ready};
use crate::support::{Browser, PASSWORD, TestApp, call_fields, free_port, fund, pairs};

#[derive(Default)]
struct Tally {
    /// (status, milliseconds, during an outage)
    answers: Vec<(u16, f64, bool)>,
    submitted: Vec<i64>,
    contributions: Vec<String>,
}

type Shared = Arc<Mutex<Tally>>;

fn outage(flag: &Arc<std::sync::atomic::AtomicBool>) -> bool {
    std::sync::atomic::AtomicBool::load(flag, std::sync::atomic::Ordering::SeqCst)
}

#[derive(diesel::QueryableByName)]
struct N {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn count(url: &str, sql: &str) -> i64 {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(sql)
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Times one request and records its answer.
async fn timed<F: std::future::Future<Output = u16>>(
    tally: &Shared,
    down: &Arc<std::sync::atomic::AtomicBool>,
    f: F,
) -> u16 {
    let t = Instant::now();
    let status = f.await;
    let during = outage(down);
    tally
        .lock()
        .unwrap()
        .answers
        .push((status, t.elapsed().as_secs_f64() * 1000.0, during));
    status
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// Runs `round` until `until`, each round as a task of its own. A round
/// that fails while the database is down (or across the outage) is counted
/// as interrupted; any other failure fails the soak.
async fn rounds<F, Fut>(
    until: Instant,
    epoch: Arc<std::sync::atomic::AtomicU64>,
    interrupted: Arc<std::sync::atomic::AtomicU64>,
    round: F,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    use std::sync::atomic::Ordering::SeqCst;
    while Instant::now() < until {
        let before = std::sync::atomic::AtomicU64::load(&epoch, SeqCst);
        if let Err(e) = tokio::spawn(round()).await {
            let after = std::sync::atomic::AtomicU64::load(&epoch, SeqCst);
            if before == after && before.is_multiple_of(2) {
                std::panic::resume_unwind(e.into_panic());
            }
            interrupted.fetch_add(1, SeqCst);
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "restarts PostgreSQL: run alone, by .ci/run (90 s) and .ci/soak"]
async fn soak() {
    let seconds: u64 = std::env::var("SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let faults = std::env::var("SOAK_FAULTS").is_ok_and(|v| v == "1");
    let app = TestApp::spawn().await;
    // Reviewers with open reviews, from the seed…
    let seeded = app.seed(crate::support::TINY_BAY, 11).await;
    // …and a joint call of our own that takes submissions.
    let f = crate::applications::fixture(&app).await;
    let fund_id = fund(&app, &f.admin, "CNY").await;
    let fin = app
        .user_with_role(
            "soakfin@grants.test",
            baygrants::domain::role::Role::Finance,
        )
        .await;
    drop(fin);
    let mut fields = call_fields(&fund_id);
    crate::support::set(&mut fields, "whitelist_required", 0, "");
    let res = f
        .admin
        .submit("/admin/calls/new", "/admin/calls", &pairs(&fields))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let call: i64 = res
        .location()
        .trim_start_matches("/calls/")
        .parse()
        .unwrap();
    let res = f
        .admin
        .submit(
            &format!("/calls/{call}"),
            &format!("/admin/calls/{call}/state"),
            &[("to", "published")],
        )
        .await;
    assert_eq!(res.status, 303);

    // The release server, as its own process.
    let port = free_port();
    let mut child = server(
        &app,
        port,
        &[
            ("SMTP_URL", format!("smtp://127.0.0.1:{}", app.smtp.port())),
            (
                "MAIL_FROM",
                "Baygrants Soak <no-reply@baygrants.test>".into(),
            ),
            ("OUTBOX_POLL_MS", "200".into()),
            ("DB_POOL_SIZE", "16".into()),
            ("RUST_LOG", "warn".into()),
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&base).await;
    let pid = child.id();
    let db = app.db.url.clone();
    let db_name = app.db.name.clone();
    let connections = || {
        let (db, name) = (db.clone(), db_name.clone());
        async move {
            count(
                &db,
                &format!("SELECT count(*) AS n FROM pg_stat_activity WHERE datname = '{name}'"),
            )
            .await
        }
    };

    let tally: Shared = Arc::default();
    let down = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Even while the database is up, odd while it is down.
    let epoch = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let interrupted = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let until = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();

    // Two applicants (the lead and the Macau partner's owner, in two pairs
    // of browsers) drafting and submitting joint applications: each round
    // is the whole journey.
    for _ in 0..2 {
        let (tally, down, base) = (tally.clone(), down.clone(), base.clone());
        let lead = Browser::new(&base).with_authenticator(app.authenticator.real_time());
        let owner = Browser::new(&base).with_authenticator(app.authenticator.real_time());
        lead.login("lead@gz.test", PASSWORD).await;
        owner.login("owner@mo.test", PASSWORD).await;
        let fx = Arc::new(Fixture {
            admin: Browser::new(&base).with_authenticator(app.authenticator.real_time()),
            call,
            lead,
            gz: f.gz,
            macau_owner: owner,
            macau: f.macau,
            hk: f.hk,
            sz: f.sz,
        });
        tasks.push(tokio::spawn(rounds(
            until,
            epoch.clone(),
            interrupted.clone(),
            move || {
                let (fx, tally, down, base) =
                    (fx.clone(), tally.clone(), down.clone(), base.clone());
                async move {
                    let id = start(&fx.lead, fx.call, fx.gz).await;
                    fill(&fx.lead, id).await;
                    crate::applications::invite_and_accept(&fx, id, fx.macau).await;
                    budget(&fx.lead, id, fx.gz, "CNY", "100000", "grant", "personnel").await;
                    budget(
                        &fx.lead,
                        id,
                        fx.macau,
                        "MOP",
                        "100000",
                        "matching",
                        "activities",
                    )
                    .await;
                    attach_pdf_to(&base, &fx.lead, id).await;
                    let status =
                        timed(&tally, &down, async { submit(&fx.lead, id).await.status }).await;
                    if status == 303 {
                        tally.lock().unwrap().submitted.push(id);
                    }
                    for path in [
                        "/".to_string(),
                        "/applications".into(),
                        format!("/applications/{id}"),
                    ] {
                        timed(&tally, &down, async { fx.lead.get(&path).await.status }).await;
                    }
                }
            },
        )));
    }

    // Reviewers saving their scores again and again.
    for _ in 0..2 {
        let (tally, down) = (tally.clone(), down.clone());
        let reviewer =
            Arc::new(Browser::new(&base).with_authenticator(app.authenticator.real_time()));
        reviewer.login(&seeded.reviewer, scale::PASSWORD).await;
        tasks.push(tokio::spawn(rounds(
            until,
            epoch.clone(),
            interrupted.clone(),
            move || {
                let (reviewer, tally, down) = (reviewer.clone(), tally.clone(), down.clone());
                async move {
                    let queue = reviewer.get("/reviewer").await;
                    timed(&tally, &down, async { queue.status }).await;
                    let Some(review) = queue
                        .body
                        .split("href=\"/reviews/")
                        .nth(1)
                        .and_then(|s| s.split('"').next())
                        .map(str::to_string)
                    else {
                        return;
                    };
                    let page = format!("/reviews/{review}");
                    let form = reviewer.get(&page).await;
                    let scores: Vec<String> = form
                        .body
                        .split("name=\"score\" value=\"")
                        .skip(1)
                        .filter_map(|s| s.split('"').next())
                        .map(|s| {
                            if s.is_empty() {
                                "5".into()
                            } else {
                                s.to_string()
                            }
                        })
                        .collect();
                    let mut fields: Vec<(&str, &str)> = Vec::new();
                    for s in &scores {
                        fields.push(("score", s));
                        fields.push(("comment", "Soak comment"));
                    }
                    fields.extend([
                        ("overall_comment", "Soak"),
                        ("recommendation", "fund"),
                        ("action", "save"),
                    ]);
                    timed(&tally, &down, async {
                        reviewer
                            .submit(&page, &format!("/reviews/{review}/scores"), &fields)
                            .await
                            .status
                    })
                    .await;
                }
            },
        )));
    }

    // Finance officers recording contributions and reading the money pages.
    for n in 0..2 {
        let (tally, down) = (tally.clone(), down.clone());
        let officer =
            Arc::new(Browser::new(&base).with_authenticator(app.authenticator.real_time()));
        if n == 0 {
            officer.login("soakfin@grants.test", PASSWORD).await;
        } else {
            officer.login(&seeded.finance[0], scale::PASSWORD).await;
        }
        let counter = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let fund_id = fund_id.clone();
        tasks.push(tokio::spawn(rounds(
            until,
            epoch.clone(),
            interrupted.clone(),
            move || {
                let (officer, tally, down, counter) = (
                    officer.clone(),
                    tally.clone(),
                    down.clone(),
                    counter.clone(),
                );
                let fund_id = fund_id.clone();
                async move {
                    let i = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let reference = format!("SOAK-{n}-{i}");
                    let page = format!("/finance/funds/{fund_id}");
                    let status = timed(&tally, &down, async {
                        officer
                            .submit(
                                &page,
                                &format!("{page}/contributions"),
                                &[
                                    ("donor", "Soak Foundation"),
                                    ("received_on", "2026-01-15"),
                                    ("amount", "1,000.10"),
                                    ("reference", &reference),
                                ],
                            )
                            .await
                            .status
                    })
                    .await;
                    if status == 303 {
                        tally.lock().unwrap().contributions.push(reference);
                    }
                    for path in ["/finance", page.as_str(), "/"] {
                        timed(&tally, &down, async { officer.get(path).await.status }).await;
                    }
                }
            },
        )));
    }

    // Samples after a warm-up, and the faults in the middle.
    tokio::time::sleep(Duration::from_secs(seconds.min(60) / 6)).await;
    let (rss_start, conns_start) = (rss_kib(pid), connections().await);
    let mut fault_log = Vec::new();
    if faults {
        tokio::time::sleep(Duration::from_secs(seconds / 3)).await;
        // SMTP down for a while: emails wait in the outbox.
        app.smtp.pause();
        fault_log.push("SMTP down".to_string());
        // PostgreSQL restarted under load.
        down.store(true, std::sync::atomic::Ordering::SeqCst);
        epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let version = std::fs::read_dir("/etc/postgresql")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .max()
            .unwrap();
        let client = reqwest::Client::new();
        let stop = std::process::Command::new("pg_ctlcluster")
            .args([
                "--skip-systemctl-redirect",
                &version,
                "main",
                "stop",
                "-m",
                "fast",
            ])
            .status()
            .unwrap();
        assert!(stop.success());
        let ready = client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .unwrap()
            .status();
        fault_log.push(format!("PostgreSQL stopped: /readyz {ready}"));
        assert_eq!(ready, 503, "not ready without the database");
        tokio::time::sleep(Duration::from_secs(5)).await;
        let start = std::process::Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status()
            .unwrap();
        assert!(start.success());
        let back = Instant::now();
        let mut recovered = false;
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{base}/readyz")).send().await
                && r.status() == 200
            {
                recovered = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(recovered, "the server came back by itself");
        fault_log.push(format!(
            "PostgreSQL started: ready again after {:.1} s",
            back.elapsed().as_secs_f64()
        ));
        // Requests in flight when it went down may fail; after a grace
        // period, none may.
        tokio::time::sleep(Duration::from_secs(3)).await;
        down.store(false, std::sync::atomic::Ordering::SeqCst);
        epoch.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        tokio::time::sleep(Duration::from_secs(20)).await;
        app.smtp.resume().await;
        fault_log.push("SMTP back".to_string());
    }
    for t in tasks {
        t.await.unwrap();
    }
    let (rss_end, conns_end) = (rss_kib(pid), connections().await);

    // Let the outbox drain, then stop the server.
    // After faults, emails claimed in a batch cut short by the outage wait
    // for their five-minute lease; the rest for their backoff.
    let drain = Duration::from_secs(if faults { 420 } else { 120 });
    let drained = crate::support::eventually(drain, || {
        let db = db.clone();
        async move {
            count(
                &db,
                "SELECT count(*) AS n FROM outbox WHERE status = 'pending'",
            )
            .await
                == 0
        }
    })
    .await;
    let _ = child.kill();
    let _ = child.wait();

    let t = std::mem::take(&mut *tally.lock().unwrap());
    // Latency of the answers outside the outage (its quick 503s would
    // flatter the figures).
    let mut ms: Vec<f64> = t.answers.iter().filter(|a| !a.2).map(|a| a.1).collect();
    ms.sort_by(f64::total_cmp);
    let errors: Vec<u16> = t
        .answers
        .iter()
        .filter(|a| a.0 >= 500 && !a.2)
        .map(|a| a.0)
        .collect();
    let outage_errors = t.answers.iter().filter(|a| a.0 >= 500 && a.2).count();
    let unbalanced = count(
        &db,
        "SELECT count(*) AS n FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id HAVING sum(amount) <> 0) x",
    )
    .await;
    let drift = count(&db, "SELECT count(*) AS n FROM ledger_balances_drift").await;
    let no_snapshot = count(
        &db,
        "SELECT count(*) AS n FROM applications a WHERE a.state <> 'draft' AND NOT EXISTS (SELECT 1 FROM application_snapshots s WHERE s.application_id = a.id)",
    )
    .await;
    let ids: Vec<String> = t.submitted.iter().map(i64::to_string).collect();
    let submitted_in_db = if ids.is_empty() {
        0
    } else {
        count(
            &db,
            &format!(
                "SELECT count(*) AS n FROM applications WHERE state = 'submitted' AND id IN ({})",
                ids.join(",")
            ),
        )
        .await
    };
    let refs: Vec<String> = t.contributions.iter().map(|r| format!("'{r}'")).collect();
    let contributions_in_db = if refs.is_empty() {
        0
    } else {
        count(
            &db,
            &format!(
                "SELECT count(*) AS n FROM contributions WHERE reference IN ({})",
                refs.join(",")
            ),
        )
        .await
    };
    let mails = app.smtp.mails();
    let mut keys: Vec<(String, String, String)> = mails
        .iter()
        .map(|m| (m.to.join(","), m.subject.clone(), m.text.clone()))
        .collect();
    let all_mails = keys.len();
    keys.sort();
    keys.dedup();
    let sent = count(
        &db,
        "SELECT count(*) AS n FROM outbox WHERE status = 'sent'",
    )
    .await;

    println!("\n== soak: {seconds} s, faults {faults}");
    for line in &fault_log {
        println!("   {line}");
    }
    println!(
        "requests {} · 5xx outside the outage {} · 5xx during it {} · p50 {:.1} ms · p99 {:.1} ms · max {:.1} ms",
        t.answers.len(),
        errors.len(),
        outage_errors,
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or(0.0)
    );
    println!(
        "server RSS {:.1} MiB after warm-up → {:.1} MiB at the end · database connections {conns_start} → {conns_end}",
        rss_start as f64 / 1024.0,
        rss_end as f64 / 1024.0
    );
    println!(
        "submitted {} (in the database: {submitted_in_db}) · contributions {} (in the database: {contributions_in_db}) · emails received {all_mails}, distinct {}, outbox sent {sent} · outbox drained {drained}",
        t.submitted.len(),
        t.contributions.len(),
        keys.len()
    );
    println!(
        "rounds interrupted by the outage {}",
        std::sync::atomic::AtomicU64::load(&interrupted, std::sync::atomic::Ordering::SeqCst)
    );
    println!(
        "unbalanced entries {unbalanced} · kept balances drifting {drift} · submitted applications without a snapshot {no_snapshot}"
    );

    assert!(errors.is_empty(), "5xx outside the outage: {errors:?}");
    assert!(!t.submitted.is_empty() && !t.contributions.is_empty());
    assert_eq!(
        submitted_in_db as usize,
        t.submitted.len(),
        "acknowledged submissions kept"
    );
    assert_eq!(
        contributions_in_db as usize,
        t.contributions.len(),
        "acknowledged contributions kept"
    );
    assert_eq!((unbalanced, drift, no_snapshot), (0, 0, 0));
    assert!(drained, "every email left the outbox");
    assert_eq!(all_mails, keys.len(), "no email twice");
    assert_eq!(all_mails as i64, sent, "each sent email arrived");
    assert!(
        conns_end <= conns_start + 2 && conns_end <= 16 + 8 + 4,
        "connections {conns_start} → {conns_end}"
    );
    assert!(
        rss_end < rss_start * 3 / 2 + 32 * 1024,
        "memory grew: {rss_start} → {rss_end} KiB"
    );
}

/// `attach_pdf` for a browser on another server.
async fn attach_pdf_to(base: &str, b: &Browser, id: i64) {
    let token = b.get(&format!("/applications/{id}")).await.csrf();
    let client = reqwest::Client::builder()
        .cookie_provider(b.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", token).part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec())
            .file_name("plan.pdf")
            .mime_str("application/pdf")
            .unwrap(),
    );
    let res = client
        .post(format!("{base}/applications/{id}/attachments"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 303);
}
