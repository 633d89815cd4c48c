//! Funds and calls: validation, publishing and the freeze, public pages.

use baygrants::domain::role::Role;

use crate::support::{PASSWORD, TestApp, call_fields, fund, pairs, set};

async fn call_count(app: &TestApp) -> usize {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::calls::all_with_currency(&mut conn)
        .await
        .unwrap()
        .len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_calls_are_refused_with_the_form_kept_and_nothing_saved() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("calls@example.org", Role::Admin).await;
    admin
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let fund = fund(&app, &admin, "CNY").await;
    let cases: Vec<(&str, usize, &str, &str, &str)> = vec![
        (
            "crit_weight",
            1,
            "50",
            "f-rubric-error",
            "The weights of the criteria must add up to 100.",
        ),
        (
            "closes_at",
            0,
            "2025-12-01T09:00",
            "f-closes_at-error",
            "The closing time must be after the opening time.",
        ),
        (
            "min_request",
            0,
            "600,000",
            "f-min_request-error",
            "The smallest request cannot be above the largest.",
        ),
        (
            "budget",
            0,
            "-100",
            "f-budget-error",
            "The amount cannot be negative.",
        ),
        (
            "budget",
            0,
            "a lot",
            "f-budget-error",
            "Enter an amount in digits, such as 12,345.60 or 12345.6.",
        ),
        (
            "rate_hkd",
            0,
            "0",
            "f-rate_hkd-error",
            "A rate cannot be zero.",
        ),
        (
            "fund_id",
            0,
            "999999",
            "f-fund_id-error",
            "Choose one of the options offered.",
        ),
    ];
    for (key, nth, value, error_id, message) in cases {
        let mut fields = call_fields(&fund);
        set(&mut fields, key, nth, value);
        let res = admin
            .submit("/admin/calls/new", "/admin/calls", &pairs(&fields))
            .await;
        assert_eq!(res.status, 422, "{key}={value}");
        assert!(
            res.has(&format!("id=\"{error_id}\">{message}")),
            "{key}={value}: {message}"
        );
        assert_eq!(
            res.field("title_en").as_deref(),
            Some("Elder care ventures"),
            "form kept"
        );
        assert!(
            res.has(&format!("value=\"{value}\""))
                || res.has(&format!(">{value}<"))
                || key == "fund_id",
            "typed value kept: {value}"
        );
    }
    assert_eq!(call_count(&app).await, 0, "nothing saved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_published_call_cannot_be_changed_by_any_request() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("publisher@example.org", Role::Admin)
        .await;
    let fund = fund(&app, &admin, "HKD").await;
    let fields = call_fields(&fund);
    let res = admin
        .submit("/admin/calls/new", "/admin/calls", &pairs(&fields))
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id: i64 = res
        .location()
        .trim_start_matches("/calls/")
        .parse()
        .unwrap();

    // A draft is the admins' alone.
    let visitor = app.browser();
    assert_eq!(visitor.get(&format!("/calls/{id}")).await.status, 404);
    assert!(!visitor.get("/calls").await.has("Elder care ventures"));
    // Drafts can be edited.
    let mut edited = call_fields(&fund);
    set(&mut edited, "title_en", 0, "Elder care ventures 2027");
    let res = admin
        .submit(
            &format!("/admin/calls/{id}/edit"),
            &format!("/admin/calls/{id}/edit"),
            &pairs(&edited),
        )
        .await;
    assert_eq!(
        res.status,
        303,
        "{}",
        res.body
            .split("field-error")
            .skip(1)
            .map(|s| &s[..120.min(s.len())])
            .collect::<Vec<_>>()
            .join(" | ")
    );

    let res = admin
        .submit(
            &format!("/calls/{id}"),
            &format!("/admin/calls/{id}/state"),
            &[("to", "published")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    // Now frozen: the editor refuses, over HTTP and in the database.
    assert_eq!(
        admin.get(&format!("/admin/calls/{id}/edit")).await.status,
        409
    );
    let mut changed = call_fields(&fund);
    set(&mut changed, "crit_weight", 0, "50");
    set(&mut changed, "crit_weight", 1, "50");
    set(&mut changed, "rate_hkd", 0, "1");
    set(&mut changed, "min_matching_percent", 0, "0");
    let res = admin
        .submit(
            "/admin/calls",
            &format!("/admin/calls/{id}/edit"),
            &pairs(&changed),
        )
        .await;
    assert_eq!(res.status, 409);
    assert!(res.has("can no longer be changed"));
    // Only the next state is accepted.
    for to in ["draft", "decided", "archived", "nonsense"] {
        let res = admin
            .submit(
                &format!("/calls/{id}"),
                &format!("/admin/calls/{id}/state"),
                &[("to", to)],
            )
            .await;
        assert!(
            res.status == 409 || res.status == 400,
            "{to}: {}",
            res.status
        );
    }
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        let err = diesel::sql_query(format!("UPDATE calls SET rate_mop = 2 WHERE id = {id}"))
            .execute(&mut conn)
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("can no longer be changed"),
            "{err}"
        );
        let err = diesel::sql_query(format!(
            "UPDATE rubric_criteria SET weight = 1 WHERE call_id = {id}"
        ))
        .execute(&mut conn)
        .await
        .unwrap_err();
        assert!(
            err.to_string().contains("can no longer be changed"),
            "{err}"
        );
        let call = baygrants::models::calls::find(&mut conn, baygrants::models::CallId(id))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(call.rate_hkd.to_string(), "1.000000");
        assert_eq!(call.rule_min_matching_percent.unwrap().to_string(), "40.00");
        let weights: Vec<i32> = baygrants::models::calls::criteria(&mut conn, call.id)
            .await
            .unwrap()
            .iter()
            .map(|c| c.weight)
            .collect();
        assert_eq!(weights, vec![40, 60]);
    }

    // The public sees it, with its rules in plain words, in each language.
    let page = visitor.get(&format!("/calls/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.has("接受申請中"));
    assert!(page.has("必須聯合申請"));
    visitor
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let page = visitor.get(&format!("/calls/{id}")).await;
    assert!(page.has("Elder care ventures 2027"));
    assert!(page.has(
        "A joint application: the lead and its partners include at least one mainland organization"
    ));
    assert!(page.has("Matching funds are at least 40% of the total project budget."));
    assert!(page.has("Administration costs are at most 15% of the grant request."));
    assert!(page.has("The lead organization is registered in: Mainland."));
    assert!(page.has("HKD 2,000,000.00"));
    assert!(page.has("1 MOP = 0.89 HKD"));
    assert!(page.has("How good is the Need?"));
    assert!(page.has("(UTC+8)"));
    visitor
        .submit("/", "/lang", &[("lang", "zh-Hans"), ("next", "/")])
        .await;
    assert!(
        visitor
            .get(&format!("/calls/{id}"))
            .await
            .has("配套资金至少占项目总预算的 40%")
    );
    // The list is in Simplified Chinese, the call's own title too,
    // converted from the Traditional the admin typed.
    let list = visitor.get("/calls").await;
    assert!(list.has("<html lang=\"zh-Hans\""), "{}", list.body);
    assert!(list.has("资助计划征集") && !list.has("資助計劃徵集"));
    assert!(list.has("接受申请中") && !list.has("接受申請中"));
    assert!(list.has("长者服务创投") && !list.has("長者服務創投"));

    // Past the closing time it shows as closed.
    app.clock.advance(chrono::Duration::days(366 * 10));
    visitor
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let page = visitor.get(&format!("/calls/{id}")).await;
    assert!(page.has("Applications are closed."));
    let list = visitor.get("/calls").await;
    let closed = list.body.split("id=\"calls-closed\"").nth(1).unwrap();
    assert!(closed.contains("Elder care ventures 2027"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_reach_call_editing_and_funds() {
    let app = TestApp::spawn().await;
    let user = app.logged_in("applicant@example.org", PASSWORD).await;
    let finance = app.user_with_role("cash@example.org", Role::Finance).await;
    let visitor = app.browser();
    for path in [
        "/admin/calls",
        "/admin/calls/new",
        "/admin/funds",
        "/admin/focus-areas",
        "/admin/verifications",
        "/admin/calls/1/edit",
    ] {
        assert_eq!(user.get(path).await.status, 404, "{path}");
        assert_eq!(finance.get(path).await.status, 404, "{path}");
        assert_eq!(visitor.get(path).await.status, 303, "{path}");
    }
    let token = user.get("/").await.csrf();
    let fields = call_fields("1");
    let mut with_token = vec![("csrf", token.as_str())];
    with_token.extend(pairs(&fields));
    assert_eq!(user.post_raw("/admin/calls", &with_token).await.status, 404);
    assert_eq!(
        user.post_raw(
            "/admin/funds",
            &[
                ("csrf", &token),
                ("name_zh", "x"),
                ("name_en", "x"),
                ("currency", "CNY")
            ]
        )
        .await
        .status,
        404
    );
    assert_eq!(call_count(&app).await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_keep_funds_and_the_key_area_catalogue() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("catalogue@example.org", Role::Admin)
        .await;
    admin
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let res = admin
        .submit(
            "/admin/funds",
            "/admin/funds",
            &[
                ("name_zh", "基金"),
                ("name_en", "Fund"),
                ("currency", "EUR"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("id=\"f-currency-error\""));
    assert_eq!(res.field("name_en").as_deref(), Some("Fund"));
    fund(&app, &admin, "MOP").await;
    assert!(admin.get("/admin/funds").await.has("MOP"));

    let res = admin
        .submit(
            "/admin/focus-areas",
            "/admin/focus-areas",
            &[
                ("code", "rural_revitalisation"),
                ("name_hant", "鄉村振興"),
                ("name_hans", "乡村振兴"),
                ("name_en", "Rural revitalisation"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let res = admin
        .submit(
            "/admin/focus-areas",
            "/admin/focus-areas",
            &[
                ("code", "Bad Code!"),
                ("name_hant", "x"),
                ("name_hans", "x"),
                ("name_en", "x"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    let user = app.logged_in("chooser@example.org", PASSWORD).await;
    assert!(
        user.get("/orgs/new")
            .await
            .has("value=\"rural_revitalisation\"")
    );
    admin
        .submit(
            "/admin/focus-areas",
            "/admin/focus-areas/rural_revitalisation/active",
            &[("active", "0")],
        )
        .await;
    assert!(
        !user
            .get("/orgs/new")
            .await
            .has("value=\"rural_revitalisation\""),
        "retired areas are not offered"
    );
}

/// An open call never leaves a reader with no button and no reason: a
/// visitor is asked to sign in, someone without an organization to
/// register one, and each of their organizations that may not lead is
/// named with why, before any draft exists (issue 19).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_call_says_what_stands_between_the_reader_and_applying() {
    use crate::support::org_fields;
    let app = TestApp::spawn().await;
    let f = crate::applications::fixture(&app).await;
    let page = format!("/calls/{}", f.call);

    let english = async |b: &crate::support::Browser| {
        b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
            .await;
    };
    let visitor = app.browser();
    english(&visitor).await;
    let visitor = visitor.get(&page).await;
    assert!(
        visitor.has("Sign in to apply")
            && visitor.has(&format!("href=\"/login?next={page}\""))
            && visitor.has("This call needs a joint team"),
        "{}",
        visitor.body
    );
    assert!(!visitor.has(&format!("action=\"{page}/apply\"")));

    let newcomer = app.logged_in("new@zh.test", PASSWORD).await;
    english(&newcomer).await;
    english(&f.macau_owner).await;
    let shown = newcomer.get(&page).await;
    assert!(shown.has("Applications are made by organizations") && shown.has("href=\"/orgs/new\""));

    // A new organization waiting for verification is named, with why.
    app.create_org(
        &newcomer,
        &org_fields(
            "Foshan Newcomer",
            "social_group",
            "foshan",
            &crate::support::uscc('1', "440604", 9),
        ),
    )
    .await;
    let shown = newcomer.get(&page).await;
    assert!(
        shown.has("Foshan Newcomer cannot lead an application to this call:")
            && shown.has("Foshan Newcomer is not verified by the fund yet."),
        "{}",
        shown.body
    );
    assert!(!shown.has(&format!("action=\"{page}/apply\"")));

    // Hong Kong and Macau organizations cannot lead this call (mainland
    // leads only); the Guangzhou lead can, and starts a draft.
    let shown = f.macau_owner.get(&page).await;
    assert!(
        shown.has("Macau Partner cannot lead an application to this call:")
            && shown.has("does not accept a lead organization registered where yours is"),
        "{}",
        shown.body
    );
    let shown = f.lead.get(&page).await;
    assert!(
        shown.has(&format!("action=\"{page}/apply\"")) && shown.has(">Guangzhou Lead</option>")
    );
    assert!(!shown.has("cannot lead"));

    // In its last hour the countdown is in minutes.
    let closes = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::calls::find(&mut conn, baygrants::models::CallId(f.call))
            .await
            .unwrap()
            .unwrap()
            .closes_at
    };
    let left = closes - app.state.clock.now() - chrono::Duration::minutes(40);
    app.clock.advance(left);
    let visitor = app.browser();
    english(&visitor).await;
    let shown = visitor.get(&page).await;
    assert!(shown.has("Closes in 40 minutes."), "{}", shown.body);
}

/// People's Chinese text in the reader's script: a call written in
/// Traditional Chinese only reads in Simplified characters on Simplified
/// pages (saying it was converted), in Chinese on English pages (saying
/// there is no English), as entered after one click, and a call's own
/// Simplified title wins over the conversion.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chinese_text_is_shown_in_the_reader_s_script_with_the_original_one_click_away() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("scripts@example.org", Role::Admin).await;
    let fund = fund(&app, &admin, "CNY").await;
    let mut ids = Vec::new();
    for (title, hans) in [
        ("長者服務創投", ""),
        ("社區共融計劃", "社区共融计划（简体版）"),
    ] {
        let mut fields = call_fields(&fund);
        set(&mut fields, "title_zh", 0, title);
        set(&mut fields, "title_en", 0, "");
        set(&mut fields, "description_en", 0, "");
        fields.push(("title_hans".into(), hans.into()));
        let res = admin
            .submit("/admin/calls/new", "/admin/calls", &pairs(&fields))
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        let id: i64 = res
            .location()
            .trim_start_matches("/calls/")
            .parse()
            .unwrap();
        let res = admin
            .submit(
                &format!("/calls/{id}"),
                &format!("/admin/calls/{id}/state"),
                &[("to", "published")],
            )
            .await;
        assert_eq!(res.status, 303, "{}", res.body);
        ids.push(id);
    }

    let reader = app.browser();
    reader
        .submit("/", "/lang", &[("lang", "zh-Hans"), ("next", "/")])
        .await;
    let list = reader.get("/calls").await;
    assert!(
        list.has("长者服务创投") && !list.has("長者服務創投"),
        "{}",
        list.body
    );
    assert!(
        list.has("社区共融计划（简体版）"),
        "its own Simplified title"
    );
    let page = reader.get(&format!("/calls/{}", ids[0])).await;
    assert!(page.has("此征集的简体中文内容由繁体自动转换。"));
    assert!(page.has("湾区基金"), "the fund's name too");

    // One click: the text as entered, on every page, until clicked back.
    let res = reader
        .submit(
            "/calls",
            "/script",
            &[("original", "1"), ("next", "/calls")],
        )
        .await;
    assert_eq!(res.status, 303);
    let list = reader.get("/calls").await;
    assert!(
        list.has("長者服務創投") && list.has("按简体显示"),
        "{}",
        list.body
    );
    assert!(
        reader
            .get(&format!("/calls/{}", ids[0]))
            .await
            .has("灣區基金")
    );
    reader
        .submit(
            "/calls",
            "/script",
            &[("original", "0"), ("next", "/calls")],
        )
        .await;
    assert!(reader.get("/calls").await.has("长者服务创投"));

    // English: no English text, so the Chinese, and the page says so.
    reader
        .submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let page = reader.get(&format!("/calls/{}", ids[0])).await;
    assert!(
        page.has("長者服務創投") && page.has("This call has no English text"),
        "{}",
        page.body
    );
    assert!(page.has("Bay Fund"));
    assert!(
        !page.has("Text as entered"),
        "nothing to convert on English pages"
    );
}
