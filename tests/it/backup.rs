//! Backups: a `pg_dump` of a database in use, restored with `pg_restore`
//! into a fresh database, has the same ledger totals, kept balances and
//! attachments, keeps its ledger rules, and serves the app.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::awards::{contribute, decided};
use crate::support::TestApp;
use crate::support::db::TestDb;

#[derive(diesel::QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// What must survive, each as one comparable line of text.
const FACTS: [(&str, &str); 5] = [
    (
        "ledger totals per fund and account",
        "SELECT coalesce(string_agg(fund_id || ':' || account || ':' || total, ',' ORDER BY fund_id, account), '') AS v
         FROM (SELECT fund_id, account, sum(amount) AS total FROM ledger_postings GROUP BY 1, 2) t",
    ),
    (
        "postings and entries",
        "SELECT (SELECT count(*) FROM ledger_postings) || '/' || (SELECT count(*) FROM ledger_entries) AS v",
    ),
    (
        "kept balances",
        "SELECT coalesce(string_agg(fund_id || ':' || account || ':' || coalesce(award_id, 0) || ':' || balance, ',' ORDER BY fund_id, account, award_id), '') AS v FROM ledger_balances",
    ),
    (
        "balances that drift from the postings",
        "SELECT count(*)::text AS v FROM ledger_balances_drift",
    ),
    (
        "attachments, byte for byte",
        "SELECT coalesce(string_agg(id || ':' || filename || ':' || encode(sha256, 'hex') || ':' || md5(data), ',' ORDER BY id), '') AS v FROM attachments",
    ),
];

async fn facts(url: &str) -> Vec<String> {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    let mut out = Vec::new();
    for (_, sql) in FACTS {
        let row: Text = diesel::sql_query(sql).get_result(&mut conn).await.unwrap();
        out.push(row.v);
    }
    out
}

fn run(cmd: &mut std::process::Command) {
    let out = cmd
        .output()
        .expect("pg_dump and pg_restore come with PostgreSQL");
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dump_restores_into_a_fresh_database_with_the_same_ledger_and_files() {
    let app = TestApp::spawn().await;
    let d = decided(&app).await;
    assert_eq!(contribute(&d.fin1, d.fund, "500,000").await.status, 303);
    let res = d
        .admin
        .submit(
            &format!("/admin/calls/{}/board", d.f.call),
            &format!("/admin/calls/{}/publish-decisions", d.f.call),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let before = facts(&app.db.url).await;
    assert!(before[0].contains("pool"), "money moved: {}", before[0]);
    assert!(before[4].contains("plan.pdf"), "a file is attached");
    assert_eq!(before[3], "0");

    // The documented commands (README, "Backups").
    let file = std::env::temp_dir().join(format!("{}.dump", app.db.name));
    run(std::process::Command::new("pg_dump")
        .args(["--format=custom", "--no-owner", "--file"])
        .arg(&file)
        .arg(&app.db.url));
    let restored = TestDb::empty().await;
    run(std::process::Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname", &restored.url])
        .arg(&file));
    let _ = std::fs::remove_file(&file);

    let after = facts(&restored.url).await;
    for (i, (what, _)) in FACTS.iter().enumerate() {
        assert_eq!(before[i], after[i], "{what}");
    }

    // The ledger's rules came back with it: postings stay append-only.
    let mut conn = AsyncPgConnection::establish(&restored.url).await.unwrap();
    let update = diesel::sql_query("UPDATE ledger_postings SET amount = amount + 1")
        .execute(&mut conn)
        .await;
    assert!(update.is_err(), "the restored ledger refuses edits");
    drop(conn);

    // And the app runs on it, with the same money on the fund's page.
    let vars = std::collections::HashMap::from([
        ("DATABASE_URL", restored.url.clone()),
        ("BIND", "127.0.0.1:0".to_string()),
        // The copy sends no email: the original is the one in service.
        ("RUN_WORKER", "false".to_string()),
    ]);
    let config = baygrants::config::Config::from_lookup(|k| vars.get(k).cloned()).unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let server = baygrants::Application::build_on(
        listener,
        config,
        std::sync::Arc::new(baygrants::clock::ShiftedClock::default()),
        1,
    )
    .await
    .unwrap();
    tokio::spawn(server.run_until_stopped());
    let fin = crate::support::Browser::new(&base).with_authenticator(app.authenticator.real_time());
    fin.login("fin1@grants.test", crate::support::PASSWORD)
        .await;
    let original = d.fin1.get(&format!("/finance/funds/{}", d.fund)).await;
    let copy = fin.get(&format!("/finance/funds/{}", d.fund)).await;
    assert_eq!(copy.status, 200, "{}", copy.body);
    let summary = |body: &str| {
        let start = body.find("<dl").unwrap();
        body[start..start + body[start..].find("</dl>").unwrap()].to_string()
    };
    assert_eq!(summary(&copy.body), summary(&original.body));
}
