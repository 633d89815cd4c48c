//! Money and codes typed the way people type them (issue 16), over HTTP:
//! amounts with separators in the wrong places are refused, never misread;
//! full-width digits are read; a fund refuses what its ledger cannot hold
//! with a 422 instead of crashing; uploads are bounded per request and not
//! read at all for someone who may not upload; every email has a
//! `Message-ID` and `Auto-Submitted`; codes typed in groups are accepted and
//! a wrong character is named with its position.

use std::time::Duration;

use baygrants::domain::role::Role;
use baygrants::models::{ApplicationId, FundId};
use rust_decimal::Decimal;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::applications::{budget, fixture, start};
use crate::awards::contribute;
use crate::support::{Browser, PASSWORD, TestApp, fund, org_fields, pairs, uscc};

fn d(s: &str) -> Decimal {
    s.parse().unwrap()
}

async fn budget_amounts(app: &TestApp, id: i64) -> Vec<Decimal> {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::applications::budget(&mut conn, ApplicationId(id))
        .await
        .unwrap()
        .into_iter()
        .map(|l| l.amount)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn separators_in_the_wrong_place_are_refused_never_misread() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    let page = format!("/applications/{id}");

    // Yesterday `1,2,3` was stored as 123.00 and `12 345,60` as 1,234,560.00.
    for (typed, says) in [
        ("1,2,3", "may only separate groups of three digits"),
        ("12 345,60", "Use a dot before the cents"),
        ("12,34", "Use a dot before the cents"),
        ("HK$ 12,345.60", "not this field’s currency"),
    ] {
        let res = f
            .lead
            .submit(
                &page,
                &format!("{page}/budget"),
                &[
                    ("category", "personnel"),
                    ("organization_id", &f.gz.to_string()),
                    ("currency", "CNY"),
                    ("amount", typed),
                    ("source", "grant"),
                    ("description", "Coordinator"),
                ],
            )
            .await;
        assert_eq!(res.status, 422, "{typed} was accepted");
        assert!(res.body.contains(says), "{typed}: {}", res.body);
        // What was typed is still in the form, to be corrected.
        assert_eq!(res.field("amount").as_deref(), Some(typed));
        assert_eq!(res.field("description").as_deref(), Some("Coordinator"));
    }
    assert_eq!(budget_amounts(&app, id).await, Vec::<Decimal>::new());
    let status = budget(
        &f.lead,
        id,
        f.gz,
        "CNY",
        "¥ 1,234,567",
        "grant",
        "personnel",
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(budget_amounts(&app, id).await, vec![d("1234567")]);

    // The same grammar on the money that reaches the ledger.
    let fin = app.user_with_role("fin@grants.test", Role::Finance).await;
    let fund_id: i64 = fund(&app, &f.admin, "HKD").await.parse().unwrap();
    let res = contribute(&fin, fund_id, "12 345,60").await;
    assert_eq!(res.status, 422);
    assert!(res.body.contains("Use a dot before the cents"));
    let res = contribute(&fin, fund_id, "¥12,345.60").await;
    assert_eq!(res.status, 422, "a yuan amount in a Hong Kong dollar fund");
    assert_eq!(pool(&app, fund_id).await, Decimal::ZERO);
    assert_eq!(contribute(&fin, fund_id, "HK$ 12 345.60").await.status, 303);
    assert_eq!(pool(&app, fund_id).await, d("12345.60"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_width_digits_are_read_as_the_digits_they_are() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    // Yesterday `１２３４５` was refused as if it were not a number.
    for (typed, value) in [("１２３４５", "12345"), ("１２，３４５．６０", "12345.60")]
    {
        let status = budget(&f.lead, id, f.gz, "CNY", typed, "grant", "personnel").await;
        assert_eq!(status, 303, "{typed}");
        assert_eq!(
            budget_amounts(&app, id).await.last(),
            Some(&d(value)),
            "{typed}"
        );
    }
    let shown = f.lead.get(&format!("/applications/{id}")).await;
    assert!(shown.has("12,345.00") && shown.has("12,345.60"));
    let fin = app.user_with_role("fin@grants.test", Role::Finance).await;
    let fund_id: i64 = fund(&app, &f.admin, "HKD").await.parse().unwrap();
    assert_eq!(
        contribute(&fin, fund_id, "ＨＫ＄１，０００").await.status,
        303
    );
    assert_eq!(pool(&app, fund_id).await, d("1000"));
}

async fn pool(app: &TestApp, fund: i64) -> Decimal {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::ledger::balance(
        &mut conn,
        FundId(fund),
        baygrants::domain::ledger::Account::Pool,
        None,
    )
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fund_at_the_ledgers_limit_refuses_more_with_a_clear_422() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("admin@grants.test", Role::Admin).await;
    let fin = app.user_with_role("fin@grants.test", Role::Finance).await;
    let fund_id: i64 = fund(&app, &admin, "CNY").await.parse().unwrap();
    // The largest amount a person can enter, a hundred times: the kept
    // balances then stand 0.99 short of the most they hold.
    for _ in 0..100 {
        let res = contribute(&fin, fund_id, "999,999,999,999.99").await;
        assert_eq!(res.status, 303, "{}", res.body);
    }
    assert_eq!(
        contribute(&fin, fund_id, "1,000,000,000,000").await.status,
        422
    );
    // Exactly to the limit is accepted…
    assert_eq!(contribute(&fin, fund_id, "0.99").await.status, 303);
    let full = d("99999999999999.99");
    assert_eq!(pool(&app, fund_id).await, full);
    // …and one cent past it is refused clearly (yesterday: a 500 crash page).
    let res = contribute(&fin, fund_id, "0.01").await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(
        res.body.contains("the most the ledger holds"),
        "{}",
        res.body
    );
    assert_eq!(res.field("amount").as_deref(), Some("0.01"));
    assert_eq!(pool(&app, fund_id).await, full, "nothing was posted");
    assert_eq!(count(&app, "ledger_balances_drift").await, 0);
    assert_eq!(count(&app, "fund_award_counts_drift").await, 0);
    assert_eq!(count(&app, "contributions").await, 101);
}

/// The rows of a table or view.
async fn count(app: &TestApp, table: &str) -> i64 {
    let mut conn = app.state.pool.get().await.unwrap();
    diesel_async::RunQueryDsl::get_result::<Count>(
        diesel::sql_query(format!("SELECT count(*) AS n FROM {table}")),
        &mut conn,
    )
    .await
    .unwrap()
    .n
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// A raw HTTP/1.1 upload: the headers, then `parts` file parts of `part_size`
/// bytes each (a PDF header and filler) after the CSRF token, written with a
/// small send buffer until the server answers. Returns the status, the body
/// bytes sent before the answer (what the kernels' buffers took included),
/// and the upload bytes the server read (its own count; other tests' small
/// uploads may add a few hundred bytes); checks the answer closes the
/// connection.
async fn raw_upload(
    base: &str,
    path: &str,
    b: &Browser,
    declared_length: Option<u64>,
    parts: usize,
    part_size: usize,
) -> (u16, usize, u64) {
    let addr = base.trim_start_matches("http://").to_string();
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    // A small buffer on our side, so what we count is close to what the
    // server took (the kernel's receive buffer still holds some).
    socket.set_send_buffer_size(64 * 1024).unwrap();
    let stream = socket.connect(addr.parse().unwrap()).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let boundary = "----baygrantsboundary";
    let cookies = format!(
        "bg_session={}; bg_csrf={}",
        b.cookie("bg_session").unwrap_or_default(),
        b.cookie("bg_csrf").unwrap_or_default()
    );
    let length = match declared_length {
        Some(n) => format!("Content-Length: {n}\r\n"),
        None => "Transfer-Encoding: chunked\r\n".to_string(),
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookies}\r\n\
         Content-Type: multipart/form-data; boundary={boundary}\r\n{length}\r\n"
    );
    wr.write_all(head.as_bytes()).await.unwrap();
    let csrf = b.get("/account").await.csrf();
    let chunked = declared_length.is_none();
    // What the writer has sent so far, read when the answer comes.
    let sent_so_far = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let progress = sent_so_far.clone();
    let writer = tokio::spawn(async move {
        let mut sent = 0usize;
        let send = async |wr: &mut tokio::net::tcp::OwnedWriteHalf, data: &[u8]| {
            let framed = if chunked {
                [format!("{:x}\r\n", data.len()).as_bytes(), data, b"\r\n"].concat()
            } else {
                data.to_vec()
            };
            wr.write_all(&framed).await.map(|_| data.len())
        };
        let preamble = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
        );
        sent += send(&mut wr, preamble.as_bytes()).await.unwrap_or(0);
        let filler = vec![b'x'; 64 * 1024];
        for i in 0..parts {
            let part_head = format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"part{i}.pdf\"\r\n\
                 Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
            );
            match send(&mut wr, part_head.as_bytes()).await {
                Ok(n) => sent += n,
                Err(_) => return sent,
            }
            let mut left = part_size;
            while left > 0 {
                let n = left.min(filler.len());
                match send(&mut wr, &filler[..n]).await {
                    Ok(n) => sent += n,
                    Err(_) => return sent,
                }
                left -= n;
                progress.store(sent, std::sync::atomic::Ordering::SeqCst);
            }
            match send(&mut wr, b"\r\n").await {
                Ok(n) => sent += n,
                Err(_) => return sent,
            }
        }
        // The server may have answered and closed by now: nothing to check.
        let _ = send(&mut wr, format!("--{boundary}--\r\n").as_bytes()).await;
        if chunked {
            let _ = wr.write_all(b"0\r\n\r\n").await;
        }
        sent
    });
    let read_before = baygrants::web::UPLOAD_BYTES_READ.load(std::sync::atomic::Ordering::SeqCst);
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    let status = tokio::time::timeout(Duration::from_secs(120), async {
        loop {
            let n = rd.read(&mut buf).await.unwrap_or(0);
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&buf[..n]);
            if answer.windows(4).any(|w| w == b"\r\n\r\n") {
                break;
            }
        }
    })
    .await;
    let sent_when_answered = sent_so_far.load(std::sync::atomic::Ordering::SeqCst);
    let read =
        baygrants::web::UPLOAD_BYTES_READ.load(std::sync::atomic::Ordering::SeqCst) - read_before;
    writer.abort();
    assert!(status.is_ok(), "no answer within two minutes");
    eprintln!(
        "upload to {path}: answered after the server read {read} bytes ({sent_when_answered} sent)"
    );
    let text = String::from_utf8_lossy(&answer);
    let code = text
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    // A refusal closes the connection, so the rest of the body is not
    // drained by the server either.
    assert!(
        text.to_ascii_lowercase()
            .contains("\r\nconnection: close\r\n"),
        "{path}: the refusal keeps the connection open:\n{text}"
    );
    (code, sent_when_answered, read)
}

const MIB: u64 = 1024 * 1024;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_is_bounded_per_request_and_not_read_for_who_may_not_upload() {
    let app = TestApp::spawn().await;
    let f = fixture(&app).await;
    let id = start(&f.lead, f.call, f.gz).await;
    let path = format!("/applications/{id}/attachments");
    let stranger = app.logged_in("stranger@elsewhere.test", PASSWORD).await;
    stranger.get("/").await;
    f.lead.get(&format!("/applications/{id}")).await;
    const NOISE: u64 = 16 * 1024;

    // Someone without access gets a 404 before the body is read: yesterday
    // all of it was (1 GiB here).
    for path in [path.as_str(), "/awards/1/reports/1/attachments"] {
        let (status, sent, read) =
            raw_upload(&app.base, path, &stranger, Some(1 << 30), 110, 9_750_000).await;
        assert_eq!(status, 404);
        assert!(read < NOISE, "{path}: {read} bytes read before the 404");
        assert!(
            sent < 64 * MIB as usize,
            "{sent} bytes let in before the 404"
        );
    }

    // A body declared larger than one file may be is refused unread.
    let (status, sent, read) =
        raw_upload(&app.base, &path, &f.lead, Some(1 << 30), 110, 9_750_000).await;
    assert_eq!(status, 413);
    assert!(read < NOISE, "{read} bytes read before the 413");
    assert!(
        sent < 64 * MIB as usize,
        "{sent} bytes let in before the 413"
    );

    // Undeclared (chunked), 110 parts of 9.3 MiB: yesterday all 1 GiB was
    // read and the last part stored. Now the second file part ends it: the
    // first part is read, nothing of the second.
    let (status, sent, read) = raw_upload(&app.base, &path, &f.lead, None, 110, 9_750_000).await;
    assert_eq!(status, 400);
    assert!(
        (9_750_000..9_750_000 + 256 * 1024).contains(&read),
        "{read} bytes read before the 400"
    );
    assert!(
        sent < 64 * MIB as usize,
        "{sent} bytes let in before the 400"
    );

    // One part past the limit stops at the limit, not at its end.
    let (status, sent, read) =
        raw_upload(&app.base, &path, &f.lead, None, 1, 200 * MIB as usize).await;
    assert_eq!(status, 413);
    assert!(
        read <= 10 * MIB + 256 * 1024,
        "{read} bytes read before the 413"
    );
    assert!(
        sent < 64 * MIB as usize,
        "{sent} bytes let in before the 413"
    );

    let mut conn = app.state.pool.get().await.unwrap();
    let stored = baygrants::models::applications::attachments(&mut conn, ApplicationId(id))
        .await
        .unwrap();
    assert!(stored.is_empty(), "nothing was stored");
    drop(conn);

    // An honest upload on the same draft still works.
    crate::applications::attach_pdf(&app, &f.lead, id).await;
    // A stored upload closes the connection too: bytes after the closing
    // boundary are never drained.
    let (status, _, read) = raw_upload(&app.base, &path, &f.lead, None, 1, 1_000).await;
    assert_eq!(status, 303);
    assert!(read < NOISE);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_email_has_a_message_id_on_the_sending_domain_and_says_it_is_automatic() {
    let app = TestApp::spawn().await;
    app.registered_user("one@example.test", PASSWORD, "zh-Hant")
        .await;
    app.registered_user("two@example.test", PASSWORD, "en")
        .await;
    let b = app.browser();
    b.submit(
        "/password/forgot",
        "/password/forgot",
        &[("email", "one@example.test")],
    )
    .await;
    app.smtp
        .wait_for("one@example.test", "/password/reset")
        .await;
    let mails = app.smtp.mails();
    assert!(mails.len() >= 3);
    let mut ids = std::collections::HashSet::new();
    for mail in &mails {
        let parsed = mailparse::parse_mail(mail.raw.as_bytes()).unwrap();
        let header = |name: &str| {
            parsed
                .headers
                .iter()
                .filter(|h| h.get_key_ref().eq_ignore_ascii_case(name))
                .map(|h| h.get_value())
                .collect::<Vec<_>>()
        };
        let id = header("Message-ID");
        assert_eq!(id.len(), 1, "one Message-ID in {:?}", mail.subject);
        let id = id[0].trim();
        assert!(
            id.starts_with('<') && id.ends_with("@baygrants.test>") && id.matches('@').count() == 1,
            "{id}"
        );
        assert!(ids.insert(id.to_string()), "{id} used twice");
        assert_eq!(header("Auto-Submitted"), vec!["auto-generated".to_string()]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codes_typed_in_groups_are_accepted_and_a_wrong_character_is_named() {
    let app = TestApp::spawn().await;
    let owner = app.logged_in("owner@sz.test", PASSWORD).await;
    let code = uscc('1', "440304", 4242);
    // Typed as printed on a certificate, in groups of four.
    let grouped: String = code
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i > 0 && i % 4 == 0).then_some(' ').into_iter().chain([c]))
        .collect();
    let fields = org_fields("Shenzhen Group", "social_group", "shenzhen", &grouped);
    let org = app.create_org(&owner, &fields).await;
    let mut conn = app.state.pool.get().await.unwrap();
    let kept =
        baygrants::models::organizations::find(&mut conn, baygrants::models::OrganizationId(org))
            .await
            .unwrap()
            .unwrap()
            .registration_number;
    assert_eq!(kept, code);
    drop(conn);

    // The letter O where a zero belongs, at the 11th character.
    let mut typo: Vec<char> = uscc('1', "440304", 5000).chars().collect();
    assert_eq!(typo[10], '0');
    typo[10] = 'O';
    let typo: String = typo.into_iter().collect();
    let hyphenated = format!("{}-{}-{}", &typo[..6], &typo[6..12], &typo[12..]);
    for (lang, says) in [
        ("en", "Character 11 of the code is the letter O"),
        ("zh-Hant", "代碼第 11 位是字母 O"),
        ("zh-Hans", "代码第 11 位是字母 O"),
    ] {
        owner
            .submit("/", "/lang", &[("lang", lang), ("next", "/")])
            .await;
        let fields = org_fields("Typo Group", "social_group", "shenzhen", &hyphenated);
        let res = owner.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
        assert_eq!(res.status, 422, "{}", res.body);
        assert!(res.has(says), "{lang}: {}", res.body);
        assert_eq!(
            res.field("registration_number").as_deref(),
            Some(hyphenated.as_str())
        );
    }
    // Yesterday a valid code in groups was told it did not have 18 characters;
    // a short one is now told how many it has.
    owner
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let short = &code[..17];
    let fields = org_fields("Short Group", "social_group", "shenzhen", short);
    let res = owner.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
    assert_eq!(res.status, 422);
    assert!(res.has("this one has 17"), "{}", res.body);
}
