//! The ledger's invariants against the real database: concurrency,
//! append-only rows, balanced entries, bounds; and the open data's schema.

use baygrants::domain::ledger::Account;
use baygrants::domain::role::Role;
use baygrants::models::{ApplicationId, AwardId, FundId, PaymentId, UserId};
use baygrants::policy::Actor;
use baygrants::services::Origin;
use baygrants::services::awards::ApproveForm;
use diesel_async::{AsyncConnection, RunQueryDsl};
use rust_decimal::Decimal;

use crate::awards::{Decided, contribute, decided};
use crate::review::{relogin, user_id};
use crate::support::TestApp;
use baygrants::domain::award::AwardState;
use baygrants::domain::ledger::EntryKind;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// An accepted award of 80,000 whose first tranche (32,000) is requested by fin1.
pub(crate) async fn requested(app: &TestApp) -> (Decided, i64, i64) {
    let decided = decided(app).await;
    assert_eq!(
        contribute(&decided.fin1, decided.fund, "1,000,000")
            .await
            .status,
        303
    );
    let call = decided.f.call;
    let res = decided
        .admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status, 303);
    let mut conn = app.state.pool.get().await.unwrap();
    let award =
        baygrants::models::awards::of_application(&mut conn, ApplicationId(decided.application))
            .await
            .unwrap()
            .unwrap()
            .id;
    let tranche = baygrants::models::awards::tranches(&mut conn, award)
        .await
        .unwrap()[0]
        .id;
    drop(conn);
    let lead = relogin(app, "lead@gz.test").await;
    let page = format!("/awards/{award}");
    let res = lead
        .submit(
            &page,
            &format!("{page}/accept"),
            &[
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank"),
                ("account_number", "123"),
                ("bank_currency", "CNY"),
                ("agree", "on"),
                ("signature", "Chan Tai Man"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let res = decided
        .fin1
        .submit(&page, &format!("/finance/tranches/{tranche}/request"), &[])
        .await;
    assert_eq!(res.status, 303);
    let mut conn = app.state.pool.get().await.unwrap();
    let payment = baygrants::models::awards::pending_payments(&mut conn)
        .await
        .unwrap()[0]
        .0
        .id
        .0;
    (decided, award.0, payment)
}

/// The account's balance summed from the postings themselves (the ground
/// truth the kept balances and the dashboards must equal).
async fn balance(app: &TestApp, fund: i64, account: Account, award: Option<i64>) -> Decimal {
    #[derive(diesel::QueryableByName)]
    struct Sum {
        #[diesel(sql_type = diesel::sql_types::Numeric)]
        total: Decimal,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    let summed: Sum = diesel::sql_query(
        "SELECT coalesce(sum(amount), 0) AS total FROM ledger_postings \
         WHERE fund_id = $1 AND account = $2 AND ($3::bigint IS NULL OR award_id = $3)",
    )
    .bind::<diesel::sql_types::BigInt, _>(fund)
    .bind::<diesel::sql_types::Text, _>(account.code())
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::BigInt>, _>(award)
    .get_result(&mut conn)
    .await
    .unwrap();
    let kept =
        baygrants::models::ledger::balance(&mut conn, FundId(fund), account, award.map(AwardId))
            .await
            .unwrap();
    assert_eq!(
        kept, summed.total,
        "kept balance of {account:?} equals the ledger's sum"
    );
    summed.total
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_approvals_of_one_tranche_make_one_payment() {
    let app = TestApp::spawn().await;
    let (decided, award, payment) = requested(&app).await;
    let checker = Actor::User {
        id: UserId(user_id(&app, "fin2@grants.test").await),
        roles: vec![Role::Finance],
    };
    let form = ApproveForm {
        decision: "approve".into(),
        payee_currency: "CNY".into(),
        rate: "1".into(),
        reference: "REF".into(),
        confirmed: String::new(),
    };
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let state = app.state.clone();
            let checker = checker.clone();
            let form = form.clone();
            tokio::spawn(async move {
                baygrants::services::awards::decide_payment(
                    &state,
                    &checker,
                    PaymentId(payment),
                    &form,
                    false,
                    &Origin::default(),
                )
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(baygrants::error::AppError::Conflict(_)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(ok, 1, "exactly one approval");
    assert_eq!(
        balance(&app, decided.fund, Account::Disbursed, Some(award)).await,
        d("32000")
    );
    let mut conn = app.state.pool.get().await.unwrap();
    let entries: i64 =
        baygrants::models::ledger::postings(&mut conn, FundId(decided.fund), Some(AwardId(award)))
            .await
            .unwrap()
            .iter()
            .filter(|r| r.kind == EntryKind::Disbursement)
            .count() as i64;
    assert_eq!(entries, 2, "one disbursement entry of two postings");

    // The rows are history: no update, no delete, no truncate.
    for sql in [
        "UPDATE ledger_postings SET amount = amount * 2",
        "DELETE FROM ledger_postings",
        "UPDATE ledger_entries SET memo = 'changed'",
        "DELETE FROM ledger_entries",
        "TRUNCATE ledger_postings",
        "DELETE FROM contributions",
    ] {
        let e = diesel::sql_query(sql).execute(&mut conn).await.unwrap_err();
        assert!(e.to_string().contains("not allowed"), "{sql}: {e}");
    }
    // The kept balances the commit check trusts cannot be edited by hand.
    for sql in [
        "UPDATE ledger_balances SET balance = balance + 1000000",
        "DELETE FROM ledger_balances",
        "TRUNCATE ledger_balances",
        "UPDATE ledger_fund_totals SET balance = 0",
        "INSERT INTO ledger_fund_totals (fund_id, account, balance) VALUES (1, 'other', 1)",
        "UPDATE ledger_fund_months SET amount = 0",
        "DELETE FROM ledger_fund_months",
        "TRUNCATE ledger_fund_months",
    ] {
        let e = diesel::sql_query(sql).execute(&mut conn).await.unwrap_err();
        assert!(e.to_string().contains("kept by the ledger"), "{sql}: {e}");
    }
    // An unbalanced entry, or one taking the award above its amount, never commits.
    let fund = decided.fund;
    let attempts = [
        format!(
            "INSERT INTO ledger_postings (entry_id, fund_id, account, amount) VALUES (currval('ledger_entries_id_seq'), {fund}, 'pool', 10)"
        ),
        format!(
            "INSERT INTO ledger_postings (entry_id, fund_id, account, award_id, amount) VALUES (currval('ledger_entries_id_seq'), {fund}, 'committed', {award}, -60000), (currval('ledger_entries_id_seq'), {fund}, 'disbursed', {award}, 60000)"
        ),
        format!(
            "INSERT INTO ledger_postings (entry_id, fund_id, account, amount) VALUES (currval('ledger_entries_id_seq'), {fund}, 'pool', -2000000), (currval('ledger_entries_id_seq'), {fund}, 'contributions', 2000000)"
        ),
    ];
    for postings in attempts {
        let result = conn
            .transaction::<_, diesel::result::Error, _>(async |conn| {
                diesel::sql_query(format!(
                    "INSERT INTO ledger_entries (fund_id, kind, memo, created_at) VALUES ({fund}, 'adjustment', 'test', now())"
                ))
                .execute(conn)
                .await?;
                diesel::sql_query(&postings).execute(conn).await?;
                Ok(())
            })
            .await;
        assert!(result.is_err(), "{postings} committed");
    }
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("32000")
    );
    assert_eq!(balance(&app, fund, Account::Pool, None).await, d("920000"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_simultaneous_commitments_stop_where_the_pool_does() {
    let app = TestApp::spawn().await;
    let decided = decided(&app).await;
    assert_eq!(
        contribute(&decided.fin1, decided.fund, "1,000,000")
            .await
            .status,
        303
    );
    // Fifty more applications of the same lead, under review.
    let mut conn = app.state.pool.get().await.unwrap();
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let ids: Vec<Id> = diesel::sql_query(format!(
        "INSERT INTO applications (call_id, lead_org_id, state, title, created_by, created_at, updated_at)
         SELECT call_id, lead_org_id, 'under_review', 'Clone ' || g, created_by, now(), now()
         FROM applications, generate_series(1, 50) g WHERE id = {}
         RETURNING id",
        decided.application
    ))
    .load(&mut conn)
    .await
    .unwrap();
    drop(conn);
    assert_eq!(ids.len(), 50);
    let now = app.state.clock.now();
    let tasks: Vec<_> = ids
        .into_iter()
        .map(|Id { id }| {
            let state = app.state.clone();
            tokio::spawn(async move {
                let mut conn = state.pool.get().await.unwrap();
                conn.transaction::<_, baygrants::error::AppError, _>(async |conn| {
                    baygrants::services::awards::create_for_decision(
                        conn,
                        ApplicationId(id),
                        d("30000"),
                        "",
                        None,
                        now,
                    )
                    .await
                })
                .await
            })
        })
        .collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(baygrants::error::AppError::Conflict("err-pool-insufficient")) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    assert_eq!(ok, 33, "1,000,000 covers 33 awards of 30,000");
    let pool = balance(&app, decided.fund, Account::Pool, None).await;
    assert_eq!(pool, d("10000"));
    // The dashboard equals the ledger.
    let mut conn = app.state.pool.get().await.unwrap();
    let summary = baygrants::services::awards::fund_summary(
        &conn,
        FundId(decided.fund),
        AwardState::Offered,
        None,
        None,
    )
    .await
    .unwrap();
    assert_eq!(summary.awards.len(), 33);
    assert!(
        summary.awards.iter().all(|l| l
            .next
            .as_ref()
            .is_some_and(|(t, c)| t.position == 1 && !c.met())),
        "each offer's next tranche is the first, waiting for acceptance"
    );
    assert_eq!(summary.committed, d("990000"));
    assert_eq!(summary.available, pool);
    assert_eq!(
        summary.awards.iter().map(|l| l.committed).sum::<Decimal>(),
        summary.committed
    );
    // The kept balances and fund totals equal the ledger's sums, row by row.
    #[derive(diesel::QueryableByName)]
    struct Drift {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let drift: Drift = diesel::sql_query("SELECT count(*) AS n FROM ledger_balances_drift")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(drift.n, 0);
    // The award counts the dashboard reads equal a fresh count.
    let drift: Drift = diesel::sql_query("SELECT count(*) AS n FROM fund_award_counts_drift")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(drift.n, 0);
    assert_eq!(
        summary
            .counts
            .iter()
            .find(|(s, _)| *s == AwardState::Offered)
            .map(|c| c.1),
        Some(33),
        "the kept count of offers"
    );
    // The monthly flows the fund chart reads are compared too: one changed
    // behind the trigger's back (and rolled back) shows as drift.
    let mut seen = 0;
    let rolled_back = conn
        .transaction::<(), diesel::result::Error, _>(async |conn| {
            diesel::sql_query(
                "ALTER TABLE ledger_fund_months DISABLE TRIGGER ledger_fund_months_kept",
            )
            .execute(conn)
            .await?;
            let changed = diesel::sql_query(
                "UPDATE ledger_fund_months SET amount = amount + 1 WHERE account = 'committed'",
            )
            .execute(conn)
            .await?;
            assert!(changed > 0);
            let drift: Drift = diesel::sql_query("SELECT count(*) AS n FROM ledger_balances_drift")
                .get_result(conn)
                .await?;
            seen = drift.n;
            Err(diesel::result::Error::RollbackTransaction)
        })
        .await;
    assert!(matches!(
        rolled_back,
        Err(diesel::result::Error::RollbackTransaction)
    ));
    assert!(seen > 0, "a month off by one is drift");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_data_validates_against_the_360giving_schemas() {
    let app = TestApp::spawn().await;
    let (_decided, _award, _payment) = requested(&app).await;
    let res = app.browser().get("/open-data/grants.json").await;
    assert_eq!(res.status, 200);
    let package: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/360giving");
    // The files name their draft with an http:// URL the validator does not
    // know; the draft is given explicitly instead.
    let load = |name: &str| -> serde_json::Value {
        let mut v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(name)).unwrap()).unwrap();
        v.as_object_mut().unwrap().remove("$schema");
        v
    };
    // The package schema refers to the grant schema by URL: check the
    // package with its items open, and each grant against the grant schema.
    let mut package_schema = load("360-giving-package-schema.json");
    package_schema["properties"]["grants"]["items"] = serde_json::json!(true);
    let grant_schema = load("360-giving-schema.json");
    let package_validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&package_schema)
        .unwrap();
    let grant_validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&grant_schema)
        .unwrap();
    let errors: Vec<String> = package_validator
        .iter_errors(&package)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let grants = package["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 1);
    for g in grants {
        let errors: Vec<String> = grant_validator
            .iter_errors(g)
            .map(|e| format!("{} at {}", e, e.instance_path))
            .collect();
        assert!(errors.is_empty(), "{errors:?}\n{g:#}");
    }
    let g = &grants[0];
    assert_eq!(g["amountAwarded"], serde_json::json!(80000.0));
    assert!(
        g["recipientOrganization"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("CN-USCC-")
    );
    // And a broken grant is caught, so the check can fail.
    let mut broken = g.clone();
    broken["amountAwarded"] = serde_json::json!("80,000");
    assert!(!grant_validator.is_valid(&broken));
    let csv = app.browser().get("/open-data/grants.csv").await;
    assert!(
        csv.body
            .starts_with("Identifier,Title,Description,Currency,Amount Awarded")
    );
    assert_eq!(csv.body.lines().count(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_not_accepted_in_time_lapses_and_goes_back_to_the_pool() {
    let app = TestApp::spawn().await;
    let decided = decided(&app).await;
    assert_eq!(
        contribute(&decided.fin1, decided.fund, "100,000")
            .await
            .status,
        303
    );
    let call = decided.f.call;
    decided
        .admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[("confirmed", "yes")],
        )
        .await;
    assert_eq!(
        balance(&app, decided.fund, Account::Pool, None).await,
        d("20000")
    );
    let lapse = || baygrants::services::awards::lapse_offers(&app.state);
    let remind = || baygrants::services::awards::remind_offers(&app.state);
    assert_eq!(remind().await.unwrap(), 0, "not yet a week before");
    assert_eq!(
        lapse().await.unwrap(),
        0,
        "still within the acceptance period"
    );
    app.clock.advance(chrono::Duration::days(36));
    assert_eq!(remind().await.unwrap(), 1, "a week before it lapses");
    assert_eq!(remind().await.unwrap(), 0, "once");
    app.smtp.wait_for("lead@gz.test", "lapses soon").await;
    app.clock.advance(chrono::Duration::days(7));
    assert_eq!(lapse().await.unwrap(), 1);
    assert_eq!(lapse().await.unwrap(), 0, "once");
    assert_eq!(
        balance(&app, decided.fund, Account::Pool, None).await,
        d("100000")
    );
    app.smtp.wait_for("lead@gz.test", "has lapsed").await;
    let lead = relogin(&app, "lead@gz.test").await;
    let mut conn = app.state.pool.get().await.unwrap();
    let award =
        baygrants::models::awards::of_application(&mut conn, ApplicationId(decided.application))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(award.state, AwardState::Lapsed);
    let page = format!("/awards/{}", award.id);
    let res = lead
        .post_raw(
            &format!("{page}/accept"),
            &[
                ("csrf", &lead.get(&page).await.csrf()),
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank"),
                ("account_number", "123"),
                ("bank_currency", "CNY"),
                ("agree", "on"),
                ("signature", "Too Late"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_reminded_before_their_due_date_and_warned_once_overdue() {
    let app = TestApp::spawn().await;
    let (_decided, award, _payment) = requested(&app).await;
    let remind = || baygrants::services::awards::remind_reports(&app.state);
    assert_eq!(remind().await.unwrap(), 0, "milestone 1 is due in month 6");
    // About ten days before month 6: one reminder, for milestone 1 only.
    app.clock.advance(chrono::Duration::days(172));
    assert_eq!(remind().await.unwrap(), 1);
    assert_eq!(remind().await.unwrap(), 0, "reminded once");
    app.smtp.wait_for("lead@gz.test", "is due soon").await;
    app.clock.advance(chrono::Duration::days(20));
    assert_eq!(remind().await.unwrap(), 1, "then warned once overdue");
    assert_eq!(remind().await.unwrap(), 0);
    app.smtp.wait_for("lead@gz.test", "is overdue").await;
    let admin = relogin(&app, "admin@grants.test").await;
    let list = admin.get("/admin/reports").await;
    assert!(
        list.has("Overdue") && list.has(&format!("/awards/{award}")),
        "{}",
        list.body
    );
    let lead = relogin(&app, "lead@gz.test").await;
    let page = format!("/awards/{award}");
    assert!(lead.get(&page).await.has("Overdue"));
    let res = lead
        .submit(
            &page,
            &format!("{page}/reports/1"),
            &[("narrative", "Late but done"), ("targets", "All met")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        !admin.get("/admin/reports").await.has("Overdue"),
        "in now, waiting for review"
    );
}
