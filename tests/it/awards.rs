//! Awards and the ledger over HTTP: commitment on publication, acceptance,
//! maker–checker payments, reports, refunds, closing; and the ledger's
//! invariants under concurrency against the real database.

use std::time::Duration;

use baygrants::domain::role::Role;
use baygrants::models::{AwardId, FundId};
use rust_decimal::Decimal;

use crate::applications::Fixture;
use crate::decisions::to_state;
use crate::review::{in_review_with, relogin};
use crate::support::{Browser, TestApp, eventually};
use baygrants::domain::award::AwardState;
use baygrants::domain::ledger::EntryKind;

pub(crate) struct Decided {
    pub f: Fixture,
    pub application: i64,
    pub fund: i64,
    pub admin: Browser,
    pub fin1: Browser,
    pub fin2: Browser,
}

/// A call in `decided` with one application awarded 80,000 CNY (of
/// 100,000 requested; milestones 40 % and 60 %), not yet published, and
/// two finance officers.
pub(crate) async fn decided(app: &TestApp) -> Decided {
    decided_with(app, &[]).await
}

/// The same, with more call fields.
pub(crate) async fn decided_with(app: &TestApp, extra: &[(&str, &str)]) -> Decided {
    let (f, application) = in_review_with(app, extra).await;
    let admin = relogin(app, "admin@grants.test").await;
    let call = f.call;
    assert_eq!(to_state(&admin, call, "in_review").await, 303);
    let decision = format!("/admin/applications/{application}/decision");
    let res = admin
        .submit(
            &decision,
            &decision,
            &[
                ("outcome", "award"),
                ("amount", "80,000"),
                ("conditions", "Quarterly reports"),
                ("rationale", "Strong"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(to_state(&admin, call, "decided").await, 303);
    let fin1 = app.user_with_role("fin1@grants.test", Role::Finance).await;
    let fin2 = app.user_with_role("fin2@grants.test", Role::Finance).await;
    let mut conn = app.state.pool.get().await.unwrap();
    let fund = baygrants::models::calls::find(&mut conn, baygrants::models::CallId(call))
        .await
        .unwrap()
        .unwrap()
        .fund_id
        .0;
    Decided {
        f,
        application,
        fund,
        admin,
        fin1,
        fin2,
    }
}

pub(crate) async fn contribute(
    fin: &Browser,
    fund: i64,
    amount: &str,
) -> crate::support::browser::Page {
    let page = format!("/finance/funds/{fund}");
    fin.submit(
        &page,
        &format!("{page}/contributions"),
        &[
            ("donor", "Demo Foundation"),
            ("received_on", "2026-01-15"),
            ("amount", amount),
            ("reference", "BANK-REF-1"),
        ],
    )
    .await
}

pub(crate) async fn publish(admin: &Browser, call: i64) -> u16 {
    admin
        .submit(
            &format!("/admin/calls/{call}/board"),
            &format!("/admin/calls/{call}/publish-decisions"),
            &[("confirmed", "yes")],
        )
        .await
        .status
}

pub(crate) async fn award_of(app: &TestApp, application: i64) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::of_application(
        &mut conn,
        baygrants::models::ApplicationId(application),
    )
    .await
    .unwrap()
    .unwrap()
    .id
    .0
}

/// The milestones whose reports the award still owes, from the kept rows
/// the admin's dashboard reads (and no drift from a fresh computation).
async fn reports_due(app: &TestApp, award: i64) -> Vec<i32> {
    use baygrants::db::schema::reports_due;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let mut conn = app.state.pool.get().await.unwrap();
    let drift: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM reports_due_drift)",
    ))
    .get_result(&mut conn)
    .await
    .unwrap();
    assert_eq!(drift, 0);
    reports_due::table
        .filter(reports_due::award_id.eq(award))
        .select(reports_due::position)
        .order(reports_due::position)
        .load(&mut conn)
        .await
        .unwrap()
}

pub(crate) async fn balance(
    app: &TestApp,
    fund: i64,
    account: baygrants::domain::ledger::Account,
    award: Option<i64>,
) -> Decimal {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::ledger::balance(&mut conn, FundId(fund), account, award.map(AwardId))
        .await
        .unwrap()
}

/// Uploads `bytes` as `name` to the award's report on milestone `n`; the status.
async fn upload(app: &TestApp, b: &Browser, award: i64, n: i32, name: &str, bytes: Vec<u8>) -> u16 {
    let token = b.get(&format!("/awards/{award}")).await.csrf();
    let client = reqwest::Client::builder()
        .cookie_provider(b.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let form = reqwest::multipart::Form::new().text("csrf", token).part(
        "file",
        reqwest::multipart::Part::bytes(bytes)
            .file_name(name.to_string())
            .mime_str("application/pdf")
            .unwrap(),
    );
    client
        .post(format!(
            "{}/awards/{award}/reports/{n}/attachments",
            app.base
        ))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

pub(crate) async fn pending_payment(app: &TestApp) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::pending_payments(&mut conn)
        .await
        .unwrap()
        .last()
        .unwrap()
        .0
        .id
        .0
}

pub(crate) async fn approve(fin: &Browser, payment: i64) -> crate::support::browser::Page {
    fin.submit(
        "/finance",
        &format!("/finance/payments/{payment}"),
        &[
            ("decision", "approve"),
            ("payee_currency", "MOP"),
            ("rate", "1.1"),
            ("reference", "SWIFT-001"),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_award_goes_from_the_pool_to_the_grantee_by_maker_and_checker() {
    use baygrants::domain::ledger::Account;
    let app = TestApp::spawn().await;
    let Decided {
        f,
        application,
        fund,
        admin,
        fin1,
        fin2,
    } = decided_with(&app, &[("evaluations", "on")]).await;

    // An award too small to split by the milestones is refused.
    let decision = format!("/admin/applications/{application}/decision");
    let res = admin
        .submit(
            &decision,
            &decision,
            &[
                ("outcome", "award"),
                ("amount", "0.01"),
                ("conditions", ""),
                ("rationale", "tiny"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("a tranche would be zero"));
    // The pool is empty: publishing is refused and nothing is published.
    assert_eq!(publish(&admin, f.call).await, 409);
    let lead = relogin(&app, "lead@gz.test").await;
    assert!(
        lead.get(&format!("/applications/{application}"))
            .await
            .has("Under review")
    );
    assert_eq!(contribute(&fin1, fund, "12.345").await.status, 422);
    let res = contribute(&fin1, fund, "1,000,000").await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        fin1.get(&format!("/finance/funds/{fund}"))
            .await
            .has("CNY 1,000,000.00")
    );
    assert_eq!(publish(&admin, f.call).await, 303);
    let award = award_of(&app, application).await;
    assert_eq!(balance(&app, fund, Account::Pool, None).await, d("920000"));
    assert_eq!(
        balance(&app, fund, Account::Committed, Some(award)).await,
        d("80000")
    );

    // Who sees the award: the grantee and finance; not a partner, not a visitor.
    let page = format!("/awards/{award}");
    assert_eq!(lead.get(&page).await.status, 200);
    assert_eq!(fin1.get(&page).await.status, 200);
    let partner = relogin(&app, "owner@mo.test").await;
    assert_eq!(partner.get(&page).await.status, 404);
    assert_eq!(app.browser().get(&page).await.status, 303);

    // Nothing is payable before acceptance.
    let tranches = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::tranches(&mut conn, AwardId(award))
            .await
            .unwrap()
    };
    assert_eq!(
        tranches.iter().map(|t| t.amount).collect::<Vec<_>>(),
        [d("32000"), d("48000")],
        "40 % and 60 % of the award"
    );
    let request = |t: usize| format!("/finance/tranches/{}/request", tranches[t].id.0);
    assert_eq!(fin1.submit(&page, &request(0), &[]).await.status, 409);

    // Acceptance: a missing signature keeps what was typed.
    let accept = format!("{page}/accept");
    let res = lead
        .submit(
            &page,
            &accept,
            &[
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank of Guangzhou"),
                ("account_number", "6222-0000-1111"),
                ("bank_currency", "CNY"),
                ("agree", "on"),
                ("signature", ""),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("value=\"6222-0000-1111\""));
    let res = lead
        .submit(
            &page,
            &accept,
            &[
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank of Guangzhou"),
                ("account_number", "6222-0000-1111"),
                ("bank_currency", "HKD"),
                ("agree", "on"),
                ("signature", "Chan Tai Man"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(lead.get(&page).await.has("Chan Tai Man"));

    // Maker: one request per tranche, however many clicks.
    assert_eq!(fin1.submit(&page, &request(0), &[]).await.status, 303);
    assert_eq!(fin1.submit(&page, &request(0), &[]).await.status, 409);
    app.smtp
        .wait_for("fin2@grants.test", "awaits approval")
        .await;
    let payment = pending_payment(&app).await;
    // The desk offers the decision only to a checker: not to its maker, not
    // to an admin (who reads money but does not move it).
    let form = format!("action=\"/finance/payments/{payment}\"");
    let desk = fin2.get("/finance").await;
    assert!(desk.has(&form));
    // The checker sees where the money goes (masked), the account's currency
    // preset, the rate from the call in the form's direction (the call says
    // 1 HKD = 0.92 CNY: 1 CNY buys 1.086957 HKD), and both amounts.
    assert!(
        desk.has("Pays into: Bank of Guangzhou · Guangzhou Lead · •••• 1111 (HKD)")
            && desk.has("<option value=\"HKD\" selected>")
            && desk.has("Rate: HKD paid for 1 CNY")
            && desk.has("name=\"rate\" value=\"1.086957\"")
            && desk.has("The call&#39;s rate is 1 HKD = 0.92 CNY.")
            && desk
                .has("Leaves the fund: CNY 32,000.00. Arrives, at the rate shown: HKD 34,782.62."),
        "{}",
        desk.body
    );
    assert!(!desk.has("6222-0000-1111"), "the account number is masked");
    assert!(!fin1.get("/finance").await.has(&form));
    let desk = admin.get("/finance").await;
    assert_eq!(desk.status, 200);
    assert!(!desk.has(&form), "an admin sees no form they cannot use");
    // Checker: not the maker.
    assert_eq!(approve(&fin1, payment).await.status, 409);
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        Decimal::ZERO
    );
    // Rejecting asks first, naming the request; then the maker asks again.
    let reject = |confirmed: &'static str| {
        let fin2 = &fin2;
        async move {
            fin2.submit(
                "/finance",
                &format!("/finance/payments/{payment}"),
                &[("decision", "reject"), ("confirmed", confirmed)],
            )
            .await
        }
    };
    let res = reject("").await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.has("Reject this payment request?") && res.has("32,000.00"),
        "{}",
        res.body
    );
    assert_eq!(pending_payment(&app).await, payment, "still pending");
    assert_eq!(reject("yes").await.status, 303);
    assert_eq!(
        approve(&fin2, payment).await.status,
        409,
        "rejected for good"
    );
    assert_eq!(fin1.submit(&page, &request(0), &[]).await.status, 303);
    let payment = pending_payment(&app).await;
    let res = approve(&fin2, payment).await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(approve(&fin2, payment).await.status, 409, "paid once");
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("32000")
    );
    // The money reaches the grantee when the bank pays it: sent in a
    // batch, then settled, with the remittance advice (tests/it/bank.rs
    // follows a batch and a return in full).
    assert!(lead.get(&page).await.has("Approved, waiting for a batch"));
    let batch = crate::bank::make_batch(&fin1, fund, "MOP").await;
    assert_eq!(crate::bank::download(&fin1, batch, "csv").await.status, 200);
    assert_eq!(crate::bank::settle(&fin2, payment).await.status, 303);
    let remittance = app.smtp.wait_for("lead@gz.test", "The bank has paid").await;
    assert!(
        remittance.text.contains("MOP 35,200.00")
            && remittance.text.contains("SWIFT-001")
            && remittance.text.contains("1 CNY = 1.1 MOP"),
        "{}",
        remittance.text
    );
    assert!(lead.get(&page).await.has("MOP 35,200.00"));

    // Tranche 2 waits for milestone 1's approved report.
    assert_eq!(fin1.submit(&page, &request(1), &[]).await.status, 409);
    let report = |n: i32| format!("{page}/reports/{n}");
    // The page offers the report that may come next, not every milestone's form.
    let shown = lead.get(&page).await;
    assert!(
        shown.has(&format!("action=\"{}\"", report(1)))
            && !shown.has(&format!("action=\"{}\"", report(2))),
        "{}",
        shown.body
    );
    let res = lead
        .submit(
            &page,
            &report(1),
            &[
                ("narrative", ""),
                ("targets", "80 volunteers trained"),
                ("spent", "abc"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(
        res.has(">80 volunteers trained</textarea>"),
        "typed text kept"
    );
    let mut fields = vec![
        ("narrative", "Training done"),
        ("targets", "80 volunteers trained"),
    ];
    fields.extend(std::iter::repeat_n(("spent", ""), 6));
    fields[2] = ("spent", "30,000");
    assert_eq!(reports_due(&app, award).await, [1, 2]);
    assert_eq!(lead.submit(&page, &report(1), &fields).await.status, 303);
    assert_eq!(
        reports_due(&app, award).await,
        [2],
        "the admin's dashboard no longer counts milestone 1's report as due"
    );
    assert_eq!(
        lead.submit(&page, &report(2), &fields).await.status,
        409,
        "reports come in milestone order"
    );
    // Files with the report: judged by content, readable by finance, not by a partner.
    let exe = [b"MZ\x90\x00".as_slice(), &[0u8; 64]].concat();
    assert_eq!(
        upload(&app, &lead, award, 1, "receipts.pdf", exe).await,
        422
    );
    let pdf = b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n".to_vec();
    assert_eq!(
        upload(&app, &lead, award, 1, "receipts.pdf", pdf).await,
        303
    );
    let shown = fin1.get(&page).await;
    let link = shown
        .body
        .split("href=\"")
        .find(|s| s.starts_with(&format!("/awards/{award}/report-files/")))
        .and_then(|s| s.split('"').next())
        .expect("a link to the file")
        .to_string();
    assert!(fin1.get(&link).await.body.starts_with("%PDF-1.7"));
    assert_eq!(partner.get(&link).await.status, 404);
    let report_id = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::reports(&mut conn, AwardId(award))
            .await
            .unwrap()[0]
            .id
    };
    assert_eq!(
        lead.submit(
            &page,
            &format!("/admin/reports/{report_id}"),
            &[("decision", "approve"), ("comment", "")]
        )
        .await
        .status,
        404,
        "only admins review"
    );
    let res = admin
        .submit(
            &page,
            &format!("/admin/reports/{report_id}"),
            &[("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        lead.get(&page)
            .await
            .has(&format!("action=\"{}\"", report(2))),
        "milestone 1 approved: the second report's form"
    );
    assert_eq!(fin1.submit(&page, &request(1), &[]).await.status, 303);
    assert_eq!(
        approve(&fin2, pending_payment(&app).await).await.status,
        303
    );
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("80000")
    );
    assert_eq!(
        balance(&app, fund, Account::Committed, Some(award)).await,
        Decimal::ZERO
    );

    // A clawback: at most what was paid, approved by the other officer.
    let refunds = format!("{page}/refunds");
    let res = fin1
        .submit(
            &page,
            &refunds,
            &[("amount", "90,000"), ("reason", "Misused")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("A refund cannot be more than what was paid."));
    assert_eq!(
        fin1.submit(
            &page,
            &refunds,
            // The award's currency sign beside the amount is read as such.
            &[("amount", "¥5,000"), ("reason", "Unspent travel")]
        )
        .await
        .status,
        303
    );
    assert_eq!(
        approve(&fin2, pending_payment(&app).await).await.status,
        303
    );
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("75000")
    );

    // The final report closes the award.
    assert_eq!(lead.submit(&page, &report(2), &fields).await.status, 303);
    assert!(reports_due(&app, award).await.is_empty());
    let final_id = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::reports(&mut conn, AwardId(award))
            .await
            .unwrap()[1]
            .id
    };
    let approve_final = || async {
        admin
            .submit(
                &page,
                &format!("/admin/reports/{final_id}"),
                &[("decision", "approve"), ("comment", "")],
            )
            .await
            .status
    };
    // This call requires both evaluations before the award closes.
    assert_eq!(approve_final().await, 409);
    let evaluations = format!("{page}/evaluations");
    let res = admin
        .submit(
            &page,
            &evaluations,
            &[
                ("kind", "mid_term"),
                ("rating", "6"),
                ("summary", "Good progress"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has(">Good progress</textarea>"));
    for (kind, rating) in [("mid_term", "4"), ("final", "5")] {
        let res = admin
            .submit(
                &page,
                &evaluations,
                &[
                    ("kind", kind),
                    ("rating", rating),
                    ("summary", "Good progress"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    assert_eq!(
        admin
            .submit(
                &page,
                &evaluations,
                &[("kind", "final"), ("rating", "3"), ("summary", "again")]
            )
            .await
            .status,
        409,
        "once each"
    );
    assert_eq!(approve_final().await, 303);
    assert!(lead.get(&page).await.has("Closed"));

    // The dashboard equals the ledger: 1,000,000 in, 75,000 out net, the rest available.
    let summary = {
        let conn = app.state.pool.get().await.unwrap();
        baygrants::services::awards::fund_summary(
            &conn,
            FundId(fund),
            AwardState::Closed,
            None,
            None,
        )
        .await
        .unwrap()
    };
    assert_eq!(summary.contributed, d("1000000"));
    assert_eq!(summary.disbursed, d("75000"));
    assert_eq!(summary.committed, Decimal::ZERO);
    assert_eq!(summary.available, d("925000"));
    assert_eq!(
        summary.contributed,
        summary.available + summary.committed + summary.disbursed
    );
    // Exports open in Excel (a byte-order mark), in the interface's time
    // zone, with people by name beside their ids.
    let (status, payments) = fin1
        .get_bytes(&format!("/finance/funds/{fund}/payments.csv"))
        .await;
    assert_eq!(status, 200);
    assert!(payments.starts_with(b"\xEF\xBB\xBFpayment,award,"));
    let payments = String::from_utf8(payments[3..].to_vec()).unwrap();
    let mut reader = csv::Reader::from_reader(payments.as_bytes());
    let header = reader.headers().unwrap().clone();
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let first = reader.records().next().unwrap().unwrap();
    assert!(first[col("approved_at")].ends_with("+08:00"), "{first:?}");
    for who in ["requested_by_name", "approved_by_name"] {
        assert!(!first[col(who)].is_empty(), "{who}: {first:?}");
    }
    let (_, ledger) = fin1
        .get_bytes(&format!("/finance/funds/{fund}/ledger.csv"))
        .await;
    assert!(ledger.starts_with(b"\xEF\xBB\xBFentry,created_at,"));
    assert!(String::from_utf8_lossy(&ledger).contains("+08:00"));
    let csv = fin1.get(&format!("/finance/funds/{fund}/ledger.csv")).await;
    assert_eq!(csv.status, 200);
    assert_eq!(
        csv.body.lines().count(),
        1 + 2 * 5,
        "contribution, commitment, two disbursements, refund: nothing left to decommit"
    );
    assert_eq!(
        lead.get(&format!("/finance/funds/{fund}/ledger.csv"))
            .await
            .status,
        404
    );

    // The public list and its open data.
    let public = app.browser().get("/grants").await;
    assert!(public.has("Silver bridges") && public.has("CNY 80,000.00"));
    assert!(
        eventually(Duration::from_secs(5), || async {
            app.smtp
                .mails_to("lead@gz.test")
                .iter()
                .any(|m| m.text.contains("is closed"))
        })
        .await
    );

    // A contribution typed wrongly is reversed, maker and checker, with a reason.
    assert_eq!(contribute(&fin1, fund, "10").await.status, 303);
    let entries = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::ledger::postings(&mut conn, FundId(fund), None)
            .await
            .unwrap()
    };
    let wrong = entries
        .iter()
        .rev()
        .find(|r| r.kind == EntryKind::Contribution)
        .unwrap()
        .id
        .to_string();
    let paid = entries
        .iter()
        .find(|r| r.kind == EntryKind::Disbursement)
        .unwrap()
        .id
        .to_string();
    let fund_page = format!("/finance/funds/{fund}");
    let corrections = format!("{fund_page}/corrections");
    let res = fin1
        .submit(
            &fund_page,
            &corrections,
            &[("entry", &paid), ("reason", "wrong")],
        )
        .await;
    assert_eq!(res.status, 422, "payments are corrected by refunds");
    assert!(res.has("Payment entries are corrected by refunds"));
    let res = fin1
        .submit(
            &fund_page,
            &corrections,
            &[("entry", &wrong), ("reason", "Typed 10 instead of 10,000")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let res = fin1
        .submit(
            &fund_page,
            &corrections,
            &[("entry", &wrong), ("reason", "again")],
        )
        .await;
    assert_eq!(res.status, 422, "one correction per entry");
    let correction = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::ledger::pending_corrections(&mut conn, FundId(fund))
            .await
            .unwrap()[0]
            .id
    };
    let decide = format!("/finance/corrections/{correction}");
    assert_eq!(
        fin1.submit(&fund_page, &decide, &[("decision", "approve")])
            .await
            .status,
        409
    );
    assert_eq!(balance(&app, fund, Account::Pool, None).await, d("925010"));
    assert_eq!(
        fin2.submit(&fund_page, &decide, &[("decision", "approve")])
            .await
            .status,
        303
    );
    assert_eq!(balance(&app, fund, Account::Pool, None).await, d("925000"));
    assert_eq!(
        fin2.submit(&fund_page, &decide, &[("decision", "approve")])
            .await
            .status,
        409
    );
}

async fn award_row(app: &TestApp, award: i64) -> baygrants::models::awards::Award {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::find(&mut conn, AwardId(award))
        .await
        .unwrap()
        .unwrap()
}

/// The grantee's owner posts the acceptance form, complete.
pub(crate) async fn accept_offer(
    lead: &Browser,
    award: i64,
    signature: &str,
) -> crate::support::browser::Page {
    let page = format!("/awards/{award}");
    lead.submit(
        &page,
        &format!("{page}/accept"),
        &[
            ("account_name", "Guangzhou Lead"),
            ("bank_name", "Bank of Guangzhou"),
            ("account_number", "6222-0000-1111"),
            ("bank_currency", "CNY"),
            ("agree", "on"),
            ("signature", signature),
        ],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offer_can_be_accepted_a_minute_before_it_lapses_and_not_a_minute_after() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let Decided {
        f,
        application,
        fund,
        admin,
        fin1,
        ..
    } = decided(&app).await;
    assert_eq!(contribute(&fin1, fund, "1,000,000").await.status, 303);
    let before = app.state.clock.now();
    assert_eq!(publish(&admin, f.call).await, 303);
    let after = app.state.clock.now();
    let award = award_of(&app, application).await;
    let offer = award_row(&app, award).await;
    assert_eq!(offer.state, AwardState::Offered);
    // The lapse instant: the moment decisions were published plus exactly
    // 42 × 24 hours (both columns come from the one `now` of the publication).
    assert!(
        before <= offer.offered_at && offer.offered_at <= after,
        "offered at publication: {before} <= {} <= {after}",
        offer.offered_at
    );
    assert_eq!(
        offer.accept_by - offer.offered_at,
        chrono::Duration::days(42)
    );
    let minute = chrono::Duration::minutes(1);

    // The worker's periodic lapse job (every 60 s of real time) would lapse
    // the offer once the clock passes accept_by, making the next refusal
    // "no longer on offer" instead of the deadline's own. It takes the
    // fund's row lock before it looks at the award (services/awards.rs
    // lapse_offers); acceptance never takes that lock. Holding it here keeps
    // the job out until both attempts are done.
    let mut lock = app.state.pool.get().await.unwrap();
    SimpleAsyncConnection::batch_execute(
        &mut *lock,
        &format!("BEGIN; SELECT id FROM funds WHERE id = {fund} FOR UPDATE"),
    )
    .await
    .unwrap();

    // One minute after the lapse instant: refused by the deadline itself.
    app.clock.freeze_at(offer.accept_by + minute);
    let lead = relogin(&app, "lead@gz.test").await;
    let res = accept_offer(&lead, award, "Too Late").await;
    assert_eq!(res.status, 409, "{}", res.body);
    assert!(
        res.has("The acceptance period is over: the offer has lapsed."),
        "{}",
        res.body
    );
    assert_eq!(
        award_row(&app, award).await.state,
        AwardState::Offered,
        "refused by the acceptance check, not lapsed by the job"
    );

    // One minute before it: the page shows the date, and acceptance works.
    app.clock.freeze_at(offer.accept_by - minute);
    let lead = relogin(&app, "lead@gz.test").await;
    let shown = lead.get(&format!("/awards/{award}")).await;
    assert!(
        shown.has(&baygrants::clock::format_bay_area(offer.accept_by)),
        "{}",
        shown.body
    );
    let res = accept_offer(&lead, award, "Chan Tai Man").await;
    assert_eq!(res.status, 303, "{}", res.body);
    SimpleAsyncConnection::batch_execute(&mut *lock, "COMMIT")
        .await
        .unwrap();
    drop(lock);

    let accepted = award_row(&app, award).await;
    assert_eq!(accepted.state, AwardState::Active);
    assert_eq!(accepted.accepted_at, Some(offer.accept_by - minute));
    // The fund's kept award counts moved with it: one active, no offer.
    {
        use baygrants::db::schema::fund_award_counts as k;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        let kept: Vec<(String, i64)> = k::table
            .filter(k::fund_id.eq(accepted.fund_id.0))
            .select((k::state, k::n))
            .order(k::state)
            .load(&mut conn)
            .await
            .unwrap();
        assert_eq!(kept, vec![("active".into(), 1), ("offered".into(), 0)]);
    }
    assert_eq!(accepted.signature_name.as_deref(), Some("Chan Tai Man"));
    // The lapse job, past the instant, leaves an accepted offer alone.
    app.clock.freeze_at(offer.accept_by + minute);
    assert_eq!(
        baygrants::services::awards::lapse_offers(&app.state)
            .await
            .unwrap(),
        0
    );
    assert_eq!(award_row(&app, award).await.state, AwardState::Active);
}

async fn report_id(app: &TestApp, award: i64, position: i32) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::reports(&mut conn, AwardId(award))
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.position == position)
        .unwrap()
        .id
}

async fn approve_report(admin: &Browser, page: &str, report: i64) -> u16 {
    admin
        .submit(
            page,
            &format!("/admin/reports/{report}"),
            &[("decision", "approve"), ("comment", "")],
        )
        .await
        .status
}

async fn award_state(app: &TestApp, award: i64) -> String {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::find(&mut conn, AwardId(award))
        .await
        .unwrap()
        .unwrap()
        .state
        .to_string()
}

/// What the fund's ledger moved back to the pool by decommitment.
async fn decommitments(app: &TestApp, fund: i64) -> Vec<Decimal> {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::ledger::postings(&mut conn, FundId(fund), None)
        .await
        .unwrap()
        .into_iter()
        .filter(|p| {
            p.kind == EntryKind::Decommitment
                && p.account == baygrants::domain::ledger::Account::Pool
        })
        .map(|p| p.amount)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_waits_for_every_tranche_and_returns_what_is_still_committed() {
    use baygrants::domain::ledger::Account;
    let app = TestApp::spawn().await;
    let Decided {
        f,
        application,
        fund,
        admin,
        fin1,
        fin2,
    } = decided(&app).await;
    assert_eq!(contribute(&fin1, fund, "1,000,000").await.status, 303);
    assert_eq!(publish(&admin, f.call).await, 303);
    let award = award_of(&app, application).await;
    let page = format!("/awards/{award}");
    let lead = relogin(&app, "lead@gz.test").await;
    let res = accept_offer(&lead, award, "Chan Tai Man").await;
    assert_eq!(res.status, 303, "{}", res.body);
    let tranches = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::tranches(&mut conn, AwardId(award))
            .await
            .unwrap()
    };
    let request = |t: usize| format!("/finance/tranches/{}/request", tranches[t].id.0);
    let mut fields = vec![("narrative", "Done"), ("targets", "80 volunteers trained")];
    fields.extend(std::iter::repeat_n(("spent", ""), 6));
    let report = |n: i32| format!("{page}/reports/{n}");

    // Tranche 1 (32,000) paid; milestone 1's report approved.
    assert_eq!(fin1.submit(&page, &request(0), &[]).await.status, 303);
    assert_eq!(
        approve(&fin2, pending_payment(&app).await).await.status,
        303
    );
    assert_eq!(lead.submit(&page, &report(1), &fields).await.status, 303);
    assert_eq!(
        approve_report(&admin, &page, report_id(&app, award, 1).await).await,
        303
    );

    // A. The final report while tranche 2 (48,000) is unpaid: closing is
    // refused, and no money moves.
    assert_eq!(lead.submit(&page, &report(2), &fields).await.status, 303);
    let final_report = report_id(&app, award, 2).await;
    let pool = balance(&app, fund, Account::Pool, None).await;
    assert_eq!(pool, d("920000"));
    assert_eq!(approve_report(&admin, &page, final_report).await, 409);
    assert_eq!(award_state(&app, award).await, "active");
    assert_eq!(balance(&app, fund, Account::Pool, None).await, pool);
    assert_eq!(
        balance(&app, fund, Account::Committed, Some(award)).await,
        d("48000")
    );
    assert!(decommitments(&app, fund).await.is_empty());

    // B. No flow of the product leaves money committed once every tranche is
    // paid (tranches add up to the award). A schedule short of the award,
    // made by hand, is the only way to see closing give the rest back:
    // tranche 2 of 30,000 paid leaves 18,000 committed.
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        let changed = diesel::sql_query(
            "UPDATE tranches SET amount = 30000 WHERE award_id = $1 AND position = 2",
        )
        .bind::<diesel::sql_types::BigInt, _>(award)
        .execute(&mut conn)
        .await
        .unwrap();
        assert_eq!(changed, 1);
    }
    assert_eq!(fin1.submit(&page, &request(1), &[]).await.status, 303);
    assert_eq!(
        approve(&fin2, pending_payment(&app).await).await.status,
        303
    );
    assert_eq!(
        balance(&app, fund, Account::Committed, Some(award)).await,
        d("18000")
    );
    let pool = balance(&app, fund, Account::Pool, None).await;
    assert_eq!(approve_report(&admin, &page, final_report).await, 303);
    assert_eq!(award_state(&app, award).await, "closed");
    assert_eq!(
        balance(&app, fund, Account::Pool, None).await,
        pool + d("18000"),
        "exactly the unpaid rest is back in the pool"
    );
    assert_eq!(
        balance(&app, fund, Account::Committed, Some(award)).await,
        Decimal::ZERO
    );
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("62000"),
        "closing takes back nothing paid"
    );
    assert_eq!(decommitments(&app, fund).await, [d("18000")]);
}
