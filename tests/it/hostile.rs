//! Hostile input over HTTP: script and SQL-looking text is stored and shown
//! literally (escaped) wherever it appears; oversized bodies, wrong content
//! types, invalid UTF-8 and malformed multipart get a 4xx and change
//! nothing; a submission posted twice at once submits once.

use crate::applications::{Fixture, attach_pdf, budget, fixture, invite_and_accept, start};
use crate::support::{Browser, TestApp};

const SCRIPT: &str = "<script>alert(\"x\")</script> & <b>bold</b>";
const SQL: &str = "'; DROP TABLE applications; -- \" OR 1=1";

fn client(b: &Browser) -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_provider(b.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn title_of(app: &TestApp, id: i64) -> String {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::applications::find(&mut conn, baygrants::models::ApplicationId(id))
        .await
        .unwrap()
        .unwrap()
        .title
}

async fn save_content(b: &Browser, id: i64, title: &str, summary: &str) -> u16 {
    let page = format!("/applications/{id}");
    b.submit(
        &page,
        &format!("{page}/content"),
        &[
            ("title", title),
            ("summary", summary),
            ("need", "Need"),
            ("approach", "Approach"),
            ("outcomes", "Outcomes"),
            ("beneficiaries", "Elders"),
            ("duration_months", "18"),
            ("focus", "elderly_care"),
            ("declaration", "on"),
        ],
    )
    .await
    .status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn script_and_sql_text_is_kept_literally_and_shown_escaped() {
    let app = TestApp::spawn().await;
    let f: Fixture = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    assert_eq!(save_content(&f.lead, id, SCRIPT, SQL).await, 303);
    assert_eq!(title_of(&app, id).await, SCRIPT, "stored as typed");
    let escaped =
        "&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62; &#38; &#60;b&#62;bold&#60;/b&#62;";
    // Everywhere the title shows: the form, the lead's lists and dashboard.
    for path in [
        format!("/applications/{id}"),
        "/applications".into(),
        "/".into(),
    ] {
        let page = f.lead.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            page.has(escaped),
            "{path} shows the title escaped: {}",
            page.body
                .lines()
                .filter(|l| l.contains("alert"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(!page.has("<script>alert"), "{path} runs no script");
        assert!(!page.has("<b>bold"), "{path}");
    }
    let form = f.lead.get(&format!("/applications/{id}")).await;
    assert!(
        form.has("&#39;; DROP TABLE applications; -- &#34; OR 1=1"),
        "the SQL-looking summary is kept as text"
    );
    // In a budget line's description too.
    let page = format!("/applications/{id}");
    let gz = f.gz.to_string();
    let res = f
        .lead
        .submit(
            &page,
            &format!("{page}/budget"),
            &[
                ("category", "personnel"),
                ("organization_id", &gz),
                ("currency", "CNY"),
                ("amount", "1,000"),
                ("source", "grant"),
                ("description", SCRIPT),
            ],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let shown = f.lead.get(&page).await;
    assert_eq!(
        shown.body.matches(escaped).count(),
        4,
        "title (page title, heading, field) and the budget line"
    );
    assert!(!shown.has("<script>alert"));
    let mut conn = app.state.pool.get().await.unwrap();
    let count: i64 = {
        use baygrants::db::schema::applications::dsl::*;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        applications.count().get_result(&mut conn).await.unwrap()
    };
    assert_eq!(count, 1, "the table is still there");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_get_a_4xx_and_change_nothing() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    assert_eq!(
        save_content(&f.lead, id, "Silver bridges", "Summary").await,
        303
    );
    let page = format!("/applications/{id}");
    let token = f.lead.get(&page).await.csrf();
    let url = format!("{}{page}/content", app.base);
    let http = client(&f.lead);

    // A body over the 64 KiB form limit.
    let huge = format!(
        "csrf={token}&title=Changed&summary={}",
        "x".repeat(200 * 1024)
    );
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        (
            "oversized",
            "application/x-www-form-urlencoded",
            huge.into_bytes(),
        ),
        (
            "JSON",
            "application/json",
            format!("{{\"csrf\":\"{token}\",\"title\":\"Changed\"}}").into_bytes(),
        ),
        (
            "invalid UTF-8",
            "application/x-www-form-urlencoded",
            [
                format!("csrf={token}&title=").as_bytes(),
                b"Ch\xff\xfeanged",
            ]
            .concat(),
        ),
        (
            "percent-encoded invalid UTF-8",
            "application/x-www-form-urlencoded",
            format!("csrf={token}&title=Ch%FF%FEanged").into_bytes(),
        ),
    ];
    for (what, content_type, body) in cases {
        let res = http
            .post(&url)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert_eq!(title_of(&app, id).await, "Silver bridges", "{what}");
        assert!((400..500).contains(&status), "{what}: {status}");
    }

    // Multipart that is not multipart, and multipart without a file.
    let attach = format!("{}{page}/attachments", app.base);
    for (what, content_type, body) in [
        (
            "garbage",
            "multipart/form-data; boundary=XYZ",
            b"this is not multipart at all".to_vec(),
        ),
        (
            "truncated",
            "multipart/form-data; boundary=XYZ",
            format!("--XYZ\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7")
                .into_bytes(),
        ),
        ("no boundary", "multipart/form-data", b"--XYZ--".to_vec()),
    ] {
        let res = http
            .post(&attach)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!((400..500).contains(&status), "{what}: {status}");
    }
    let mut conn = app.state.pool.get().await.unwrap();
    let files = baygrants::models::applications::attachments(
        &mut conn,
        baygrants::models::ApplicationId(id),
    )
    .await
    .unwrap();
    assert!(files.is_empty(), "no attachment from malformed uploads");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submission_posted_twice_at_once_submits_once() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    crate::applications::fill(&f.lead, id).await;
    invite_and_accept(&f, id, f.macau).await;
    budget(&f.lead, id, f.gz, "CNY", "100000", "grant", "personnel").await;
    budget(
        &f.lead,
        id,
        f.macau,
        "CNY",
        "100000",
        "matching",
        "activities",
    )
    .await;
    attach_pdf(&app, &f.lead, id).await;
    let page = format!("/applications/{id}");
    let token = f.lead.get(&page).await.csrf();
    let url = format!("{}{page}/submit", app.base);
    let http = client(&f.lead);
    let post = || http.post(&url).form(&[("csrf", token.as_str())]).send();
    let (a, b) = tokio::join!(post(), post());
    let mut statuses = [a.unwrap().status().as_u16(), b.unwrap().status().as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses[0], 303, "one submits: {statuses:?}");
    let mut conn = app.state.pool.get().await.unwrap();
    let snapshots: i64 = {
        use baygrants::db::schema::application_snapshots::dsl::*;
        use diesel::prelude::*;
        use diesel_async::RunQueryDsl;
        application_snapshots
            .filter(application_id.eq(id))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(snapshots, 1, "one snapshot");
    drop(conn);
    app.smtp.wait_for("lead@gz.test", "is submitted.").await;
    // Time for a second receipt to arrive, were one sent.
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    let receipts = app
        .smtp
        .mails_to("lead@gz.test")
        .into_iter()
        .filter(|m| m.subject.starts_with("Received:"))
        .count();
    assert_eq!(receipts, 1, "one receipt");
}
