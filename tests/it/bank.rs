//! Payments that reach the bank (issue 25): an approved tranche goes into a
//! batch, its pain.001 file validates against the ISO 20022 schema, the
//! bank pays or sends it back; a return (maker and checker) reverses the
//! disbursement, and the tranche is paid again only after finance confirms
//! the grantee's corrected bank details.

use baygrants::domain::ledger::Account;
use rust_decimal::Decimal;

use crate::awards::{
    Decided, accept_offer, approve, award_of, balance, contribute, decided, pending_payment,
    publish,
};
use crate::review::relogin;
use crate::support::Browser;
use crate::support::browser::Page;

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Makes the batch of a fund's approved payments in `currency`; its id.
pub(crate) async fn make_batch(fin: &Browser, fund: i64, currency: &str) -> i64 {
    let fund = fund.to_string();
    let res = fin
        .submit(
            "/finance",
            "/finance/batches",
            &[
                ("fund", fund.as_str()),
                ("currency", currency),
                ("debtor_name", "Bay Area Venture Fund"),
                ("debtor_account", "012-345-678901"),
                ("debtor_bank", "Bank of China (Hong Kong)"),
                ("debtor_bic", "BKCHHKHH"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let to = res.headers["location"].to_str().unwrap();
    to.trim_start_matches("/finance/batches/").parse().unwrap()
}

pub(crate) async fn download(fin: &Browser, batch: i64, format: &str) -> Page {
    fin.submit(
        &format!("/finance/batches/{batch}"),
        &format!("/finance/batches/{batch}/download"),
        &[("format", format)],
    )
    .await
}

pub(crate) async fn settle(fin: &Browser, payment: i64) -> Page {
    fin.submit(
        "/finance",
        &format!("/finance/payments/{payment}/settle"),
        &[],
    )
    .await
}

/// Validates `xml` against pain.001.001.03 as shipped in PyPI's sepaxml
/// (installed by `.ci/run`); the validator's complaint, if any.
fn schema_errors(xml: &str) -> Option<String> {
    use std::io::Write;
    let mut child = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import io, os, sys, sepaxml, xmlschema\n\
             xsd = os.path.join(os.path.dirname(sepaxml.__file__), 'schemas', 'pain.001.001.03.xsd')\n\
             xmlschema.XMLSchema(xsd).validate(io.BytesIO(sys.stdin.buffer.read()))\n",
        )
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python3 runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(xml.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("ModuleNotFoundError"),
        "the schema tools are missing (pip install sepaxml xmlschema, as .ci/run does): {stderr}"
    );
    (!out.status.success()).then(|| stderr.into_owned())
}

#[test]
fn the_schema_check_fails_on_a_file_that_breaks_the_schema() {
    let bad = "<?xml version=\"1.0\"?><Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">\
               <CstmrCdtTrfInitn><GrpHdr><MsgId>x</MsgId></GrpHdr></CstmrCdtTrfInitn></Document>";
    assert!(
        schema_errors(bad).is_some(),
        "a header without its fields is refused"
    );
}

async fn transfer_of(app: &crate::support::TestApp, payment: i64) -> Option<String> {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::awards::find_payment_for_update(
        &mut conn,
        baygrants::models::PaymentId(payment),
    )
    .await
    .unwrap()
    .unwrap()
    .transfer
    .map(|t| baygrants::domain::code::AsCode::as_code(&t).to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_goes_to_the_bank_and_a_returned_payment_comes_back_to_the_award() {
    let app = crate::support::TestApp::spawn().await;
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
    let lead = relogin(&app, "lead@gz.test").await;
    assert_eq!(accept_offer(&lead, award, "Chan Tai Man").await.status, 303);
    let page = format!("/awards/{award}");
    let tranches = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::awards::tranches(&mut conn, baygrants::models::AwardId(award))
            .await
            .unwrap()
    };
    let request = format!("/finance/tranches/{}/request", tranches[0].id.0);
    assert_eq!(fin1.submit(&page, &request, &[]).await.status, 303);
    let payment = pending_payment(&app).await;
    assert_eq!(approve(&fin2, payment).await.status, 303);
    assert_eq!(transfer_of(&app, payment).await.as_deref(), Some("ready"));
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("32000")
    );

    // A batch needs a usable paying account: errors keep what was typed.
    let fund_s = fund.to_string();
    let res = fin1
        .submit(
            "/finance",
            "/finance/batches",
            &[
                ("fund", fund_s.as_str()),
                ("currency", "MOP"),
                ("debtor_name", "Bay Area Venture Fund"),
                ("debtor_account", &"9".repeat(40)),
                ("debtor_bank", "<script>alert(1)</script>"),
                ("debtor_bic", "not a bic"),
            ],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.has("at most 34 letters and digits") && res.has("A BIC has 8 or 11"));
    assert!(
        res.has("&#60;script&#62;alert(1)&#60;/script&#62;") && !res.has("<script>alert"),
        "{}",
        res.body
    );
    // Nothing in another currency waits.
    let res = fin1
        .submit(
            "/finance",
            "/finance/batches",
            &[
                ("fund", fund_s.as_str()),
                ("currency", "HKD"),
                ("debtor_name", "F"),
                ("debtor_account", "1"),
                ("debtor_bank", "B"),
            ],
        )
        .await;
    assert_eq!(res.status, 409);

    let batch = make_batch(&fin1, fund, "MOP").await;
    let shown = fin1.get(&format!("/finance/batches/{batch}")).await;
    assert!(
        shown.has(&format!("BG-P{payment}")) && shown.has("MOP 35,200.00"),
        "{}",
        shown.body
    );
    // The applicant side cannot see or send batches.
    assert_eq!(
        lead.get(&format!("/finance/batches/{batch}")).await.status,
        404
    );

    // The first download sends the batch; the file is valid pain.001 and
    // the same on every download.
    let xml = download(&fin1, batch, "pain001").await;
    assert_eq!(xml.status, 200);
    assert!(
        xml.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/xml")
    );
    assert_eq!(schema_errors(&xml.body), None);
    assert!(
        xml.body
            .contains(&format!("<EndToEndId>BG-P{payment}</EndToEndId>"))
            && xml
                .body
                .contains("<InstdAmt Ccy=\"MOP\">35200.00</InstdAmt>")
            && xml.body.contains("<Othr><Id>622200001111</Id>")
            && xml
                .body
                .contains("<NbOfTxs>1</NbOfTxs><CtrlSum>35200.00</CtrlSum>"),
        "{}",
        xml.body
    );
    assert_eq!(download(&fin2, batch, "pain001").await.body, xml.body);
    let csv = download(&fin1, batch, "csv").await;
    assert!(
        csv.body.contains(&format!("BG-P{payment},Guangzhou Lead")),
        "{}",
        csv.body
    );
    assert_eq!(transfer_of(&app, payment).await.as_deref(), Some("sent"));
    // A sent batch no longer changes.
    let pid = payment.to_string();
    let res = fin1
        .submit(
            &format!("/finance/batches/{batch}"),
            &format!("/finance/batches/{batch}/remove"),
            &[("payment", pid.as_str())],
        )
        .await;
    assert_eq!(res.status, 409);

    // The bank sends it back: one officer reports, another confirms.
    let report = format!("/finance/payments/{payment}/return");
    let res = fin1.submit("/finance", &report, &[("reason", "")]).await;
    assert_eq!(res.status, 422);
    let res = fin1
        .submit("/finance", &report, &[("reason", "AC04 account closed")])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        fin1.submit("/finance", &report, &[("reason", "again")])
            .await
            .status,
        409
    );
    let decide = format!("/finance/payments/{payment}/return/decision");
    assert_eq!(
        fin1.submit("/finance", &decide, &[("decision", "confirm")])
            .await
            .status,
        409,
        "not by the officer who reported it"
    );
    assert_eq!(
        settle(&fin2, payment).await.status,
        409,
        "a reported return is decided first"
    );
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("32000"),
        "nothing moves before the checker"
    );
    let res = fin2
        .submit("/finance", &decide, &[("decision", "confirm")])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        fin2.submit("/finance", &decide, &[("decision", "confirm")])
            .await
            .status,
        409
    );
    assert_eq!(
        transfer_of(&app, payment).await.as_deref(),
        Some("returned")
    );
    // The disbursement is reversed by a new entry: the money is committed
    // to the award again, and the ledger still balances.
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        Decimal::ZERO
    );
    assert_eq!(
        balance(&app, fund, Account::Committed, Some(award)).await,
        d("80000")
    );
    crate::support::ledger_agrees(&app).await;
    let told = app
        .smtp
        .wait_for("lead@gz.test", "came back from the bank")
        .await;
    assert!(told.text.contains("AC04 account closed"), "{}", told.text);
    let shown = lead.get(&page).await;
    assert!(shown.has("Returned by the bank") && shown.has("AC04 account closed"));

    // Not paid again until finance confirms the grantee's corrected details.
    assert_eq!(fin1.submit(&page, &request, &[]).await.status, 409);
    let bank = format!("{page}/bank");
    let res = lead
        .submit(
            &page,
            &bank,
            &[
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank of Guangzhou"),
                ("account_number", &"7".repeat(40)),
                ("bank_currency", "MOP"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has(&"7".repeat(40)), "what was typed is kept");
    let res = lead
        .submit(
            &page,
            &bank,
            &[
                ("account_name", "Guangzhou Lead"),
                ("bank_name", "Bank of Guangzhou"),
                ("account_number", "6222-0000-2222"),
                ("bank_currency", "MOP"),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(
        fin1.submit(&page, &request, &[]).await.status,
        409,
        "still waiting for finance"
    );
    let other = relogin(&app, "owner@mo.test").await;
    assert_eq!(other.submit("/applications", &bank, &[]).await.status, 404);
    let res = fin2
        .submit(
            &page,
            &format!("/finance/awards/{award}/bank"),
            &[("decision", "confirm")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert_eq!(fin1.submit(&page, &request, &[]).await.status, 303);
    let again = pending_payment(&app).await;
    assert_ne!(again, payment);
    assert_eq!(approve(&fin2, again).await.status, 303);
    let batch2 = make_batch(&fin1, fund, "MOP").await;
    let xml = download(&fin1, batch2, "pain001").await;
    assert_eq!(schema_errors(&xml.body), None);
    assert!(
        xml.body.contains("<Othr><Id>622200002222</Id>"),
        "the corrected account"
    );
    assert_eq!(settle(&fin1, again).await.status, 303);
    assert_eq!(settle(&fin1, again).await.status, 409, "settled once");
    app.smtp.wait_for("lead@gz.test", "The bank has paid").await;
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(award)).await,
        d("32000")
    );
    crate::support::ledger_agrees(&app).await;
}

/// Three awards of one call (80,000 CNY each), each accepted with its
/// tranche 1 (32,000 CNY) requested by fin1 and waiting for a checker:
/// (fund, the two finance officers, the lead, the awards, the payments).
pub(crate) async fn three_requested(
    app: &crate::support::TestApp,
) -> (i64, Browser, Browser, Browser, Vec<i64>, Vec<i64>) {
    use crate::review::submitted_in;
    let f = crate::applications::fixture(app).await;
    let mut applications = Vec::new();
    for _ in 0..3 {
        applications.push(submitted_in(app, &f, f.call, f.macau, "100000").await);
    }
    app.clock.advance(chrono::Duration::days(366 * 10));
    let admin = relogin(app, "admin@grants.test").await;
    assert_eq!(
        crate::decisions::to_state(&admin, f.call, "in_review").await,
        303
    );
    for application in &applications {
        let decision = format!("/admin/applications/{application}/decision");
        let res = admin
            .submit(
                &decision,
                &decision,
                &[
                    ("outcome", "award"),
                    ("amount", "80,000"),
                    ("conditions", ""),
                    ("rationale", "Strong"),
                ],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    assert_eq!(
        crate::decisions::to_state(&admin, f.call, "decided").await,
        303
    );
    let fin1 = app
        .user_with_role("fin1@grants.test", baygrants::domain::role::Role::Finance)
        .await;
    let fin2 = app
        .user_with_role("fin2@grants.test", baygrants::domain::role::Role::Finance)
        .await;
    let fund = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::calls::find(&mut conn, baygrants::models::CallId(f.call))
            .await
            .unwrap()
            .unwrap()
            .fund_id
            .0
    };
    assert_eq!(contribute(&fin1, fund, "1,000,000").await.status, 303);
    assert_eq!(publish(&admin, f.call).await, 303);
    let lead = relogin(app, "lead@gz.test").await;
    let mut awards = Vec::new();
    let mut payments = Vec::new();
    for application in &applications {
        let award = award_of(app, *application).await;
        assert_eq!(accept_offer(&lead, award, "Chan Tai Man").await.status, 303);
        let tranche = {
            let mut conn = app.state.pool.get().await.unwrap();
            baygrants::models::awards::tranches(&mut conn, baygrants::models::AwardId(award))
                .await
                .unwrap()[0]
                .id
                .0
        };
        let res = fin1
            .submit(
                &format!("/awards/{award}"),
                &format!("/finance/tranches/{tranche}/request"),
                &[],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        awards.push(award);
        payments.push(pending_payment(app).await);
    }
    (fund, fin1, fin2, lead, awards, payments)
}

/// The same, each approved by fin2 (sent as MOP 35,200.00 at 1.1) and sent
/// in one batch: (fund, the officers, the lead, the batch, the awards, the
/// payments).
async fn three_sent(
    app: &crate::support::TestApp,
) -> (i64, Browser, Browser, Browser, i64, Vec<i64>, Vec<i64>) {
    let (fund, fin1, fin2, lead, awards, payments) = three_requested(app).await;
    for payment in &payments {
        assert_eq!(approve(&fin2, *payment).await.status, 303);
    }
    let batch = make_batch(&fin1, fund, "MOP").await;
    assert_eq!(download(&fin1, batch, "pain001").await.status, 200);
    (fund, fin1, fin2, lead, batch, awards, payments)
}

async fn import(fin: &Browser, name: &str, bytes: Vec<u8>) -> Page {
    fin.upload("/finance", "/finance/statements", name, bytes)
        .await
}

async fn statement_count(app: &crate::support::TestApp) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(
        "SELECT (SELECT count(*) FROM bank_statements) * 1000000
              + (SELECT count(*) FROM bank_statement_lines) * 1000
              + (SELECT count(*) FROM audit_events) AS n",
    )
    .get_result::<N>(&mut conn)
    .await
    .unwrap()
    .n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_settles_two_payments_returns_one_and_changes_nothing_the_second_time() {
    let app = crate::support::TestApp::spawn().await;
    let (fund, fin1, fin2, lead, _batch, awards, p) = three_sent(&app).await;
    let entry = |n: usize, e2e: &str, dir: &str, amount: &str, ret: &str| {
        format!(
            "<Ntry><Amt Ccy=\"MOP\">{amount}</Amt><CdtDbtInd>{dir}</CdtDbtInd><Sts>BOOK</Sts>\
             <BookgDt><Dt>2036-02-0{n}</Dt></BookgDt><NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId></Refs>{ret}</TxDtls></NtryDtls></Ntry>"
        )
    };
    let camt = |entries: String| {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
             <Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.02\"><BkToCstmrStmt>\
             <GrpHdr><MsgId>ST-1</MsgId><CreDtTm>2036-02-03T09:00:00</CreDtTm></GrpHdr>\
             <Stmt><Id>ST-1</Id><Acct><Id><Othr><Id>012345678901</Id></Othr></Id><Ccy>MOP</Ccy></Acct>{entries}</Stmt>\
             </BkToCstmrStmt></Document>"
        )
    };
    let statement = camt(format!(
        "{}{}{}{}{}",
        entry(1, &format!("BG-P{}", p[0]), "DBIT", "35200.00", ""),
        entry(1, &format!("BG-P{}", p[1]), "DBIT", "35200.00", ""),
        entry(
            2,
            &format!("BG-P{}", p[2]),
            "CRDT",
            "35200.00",
            "<RtrInf><Rsn><Cd>AC04</Cd></Rsn><AddtlInf>Closed account</AddtlInf></RtrInf>"
        ),
        entry(2, "BG-P999999", "DBIT", "5.00", ""),
        entry(3, &format!("BG-P{}", p[0]), "DBIT", "1.00", ""),
    ));

    // A statement of another account is refused whole.
    let other = statement.replace("012345678901", "999999999");
    let before = statement_count(&app).await;
    let res = import(&fin1, "other.xml", other.into_bytes()).await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(res.has("no batch paid from"));
    // So is a hostile one.
    let entities =
        "<?xml version=\"1.0\"?><!DOCTYPE d [<!ENTITY x \"x\">]><Document>&x;</Document>";
    let res = import(&fin1, "bomb.xml", entities.as_bytes().to_vec()).await;
    assert_eq!(res.status, 422);
    assert!(res.has("document type declaration"));
    assert_eq!(statement_count(&app).await, before, "nothing changed");

    let res = import(&fin1, "statement-0203.xml", statement.clone().into_bytes()).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = res.headers["location"].to_str().unwrap().to_string();
    let shown = fin1.get(&page).await;
    assert!(
        shown.has("Settled the payment")
            && shown.has("Return reported, for another officer to confirm")
            && shown.has("The reference names none of our payments.")
            && shown.has("The amount or currency differs from the payment&#39;s."),
        "{}",
        shown.body
    );
    for (payment, want) in [(p[0], "settled"), (p[1], "settled"), (p[2], "sent")] {
        assert_eq!(transfer_of(&app, payment).await.as_deref(), Some(want));
    }
    let mut advice = Vec::new();
    for _ in 0..2 {
        advice.push(app.smtp.wait_for("lead@gz.test", "The bank has paid").await);
    }
    assert!(advice.iter().all(|m| m.text.contains("MOP 35,200.00")));
    // The return waits for a checker other than the importer.
    let decide = format!("/finance/payments/{}/return/decision", p[2]);
    assert_eq!(
        fin1.submit("/finance", &decide, &[("decision", "confirm")])
            .await
            .status,
        409
    );
    assert_eq!(
        fin2.submit("/finance", &decide, &[("decision", "confirm")])
            .await
            .status,
        303
    );
    let told = app
        .smtp
        .wait_for("lead@gz.test", "came back from the bank")
        .await;
    assert!(told.text.contains("AC04 Closed account"), "{}", told.text);
    // The ledger, the awards and the emails agree.
    for (award, paid) in [(awards[0], "32000"), (awards[1], "32000"), (awards[2], "0")] {
        assert_eq!(
            balance(&app, fund, Account::Disbursed, Some(award)).await,
            d(paid)
        );
        assert_eq!(
            balance(&app, fund, Account::Committed, Some(award)).await,
            d("80000") - d(paid)
        );
    }
    crate::support::ledger_agrees(&app).await;
    let award_page = lead.get(&format!("/awards/{}", awards[2])).await;
    assert!(award_page.has("Returned by the bank") && award_page.has("AC04 Closed account"));
    assert!(
        lead.get(&format!("/awards/{}", awards[0]))
            .await
            .has(">Settled<")
    );

    // The same file again: nothing changes, and the page says so.
    let before = statement_count(&app).await;
    let res = import(&fin2, "statement-0203-again.xml", statement.into_bytes()).await;
    assert_eq!(res.status, 303);
    assert_eq!(res.headers["location"].to_str().unwrap(), page);
    assert_eq!(statement_count(&app).await, before, "nothing changed");
    // A later statement repeating a settled line changes nothing either.
    let csv = format!(
        "account,end_to_end_id,amount,currency,status,reason\n012-345-678901,BG-P{},35200.00,MOP,paid,\n",
        p[0]
    );
    let res = import(&fin1, "later.csv", csv.into_bytes()).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let later = fin1.get(res.headers["location"].to_str().unwrap()).await;
    assert!(
        later.has("Already recorded: nothing changed"),
        "{}",
        later.body
    );
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(awards[0])).await,
        d("32000")
    );
    crate::support::ledger_agrees(&app).await;
}

async fn count(app: &crate::support::TestApp, sql: &str) -> i64 {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::Int8)]
        n: i64,
    }
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<N>(&mut conn)
        .await
        .unwrap()
        .n
}

/// Runs `f` fifty times at once; how many succeeded (the rest must be
/// refusals, 409 or a form's error, never anything else).
async fn fifty<F, Fut, T>(f: F) -> usize
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, baygrants::error::AppError>> + Send + 'static,
    T: Send + 'static,
{
    let tasks: Vec<_> = (0..50).map(|_| tokio::spawn(f())).collect();
    let mut ok = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => ok += 1,
            Err(baygrants::error::AppError::Conflict(_)) => {}
            Err(e) => panic!("unexpected: {e}"),
        }
    }
    ok
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_requests_at_once_settle_return_and_import_once() {
    use baygrants::domain::role::Role;
    use baygrants::models::{PaymentId, UserId};
    use baygrants::policy::Actor;
    use baygrants::services::Origin;
    use baygrants::services::awards as service;
    let app = crate::support::TestApp::spawn().await;
    let (fund, _fin1, _fin2, _lead, _batch, awards, p) = three_sent(&app).await;
    let (p0, p1) = (PaymentId(p[0]), PaymentId(p[1]));
    let officer = |email: &'static str| {
        let app = &app;
        async move {
            Actor::User {
                id: UserId(crate::review::user_id(app, email).await),
                roles: vec![Role::Finance],
            }
        }
    };
    let (fin1, fin2) = (
        officer("fin1@grants.test").await,
        officer("fin2@grants.test").await,
    );

    // Fifty settlements of one payment: one.
    let settled = fifty(|| {
        let (state, actor) = (app.state.clone(), fin1.clone());
        async move { service::settle_payment(&state, &actor, p0, &Origin::cli()).await }
    })
    .await;
    assert_eq!(settled, 1);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM audit_events WHERE action = 'payment.settled'
                 AND after->>'transfer' = 'settled' AND before->>'payment' = '{}'",
                p[0]
            )
        )
        .await,
        1
    );

    // Fifty reports of a return, then fifty confirmations: one each, one
    // reversal.
    let form = service::ReturnForm {
        reason: "AC04".into(),
    };
    let reported = fifty(|| {
        let (state, actor, form) = (app.state.clone(), fin1.clone(), form.clone());
        async move { service::report_return(&state, &actor, p1, &form, &Origin::cli()).await }
    })
    .await;
    assert_eq!(reported, 1);
    let decision = service::ReturnDecisionForm {
        decision: "confirm".into(),
    };
    let confirmed = fifty(|| {
        let (state, actor, form) = (app.state.clone(), fin2.clone(), decision.clone());
        async move { service::decide_return(&state, &actor, p1, &form, &Origin::cli()).await }
    })
    .await;
    assert_eq!(confirmed, 1);
    assert_eq!(
        count(
            &app,
            &format!(
                "SELECT count(*) AS n FROM ledger_entries WHERE kind = 'adjustment' AND award_id = {}",
                awards[1]
            )
        )
        .await,
        1
    );
    assert_eq!(
        balance(&app, fund, Account::Disbursed, Some(awards[1])).await,
        Decimal::ZERO
    );

    // Fifty imports of one statement: one statement, one settlement.
    let csv = format!(
        "account,end_to_end_id,amount,currency,status\n012345678901,BG-P{},35200.00,MOP,paid\n",
        p[2]
    );
    let again = fifty(|| {
        let (state, actor, csv) = (app.state.clone(), fin1.clone(), csv.clone());
        async move {
            service::import_statement(&state, &actor, "s.csv", csv.as_bytes(), &Origin::cli()).await
        }
    })
    .await;
    assert_eq!(again, 50, "every import is answered with the one statement");
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM bank_statements").await,
        1
    );
    assert_eq!(
        count(&app, "SELECT count(*) AS n FROM bank_statement_lines").await,
        1
    );
    assert_eq!(transfer_of(&app, p[2]).await.as_deref(), Some("settled"));
    crate::support::ledger_agrees(&app).await;
}
