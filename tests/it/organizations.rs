//! Organizations: registration numbers, owners and members, invitations,
//! verification, whitelist and debarment, the directory.

use baygrants::domain::role::Role;

use crate::support::{PASSWORD, TestApp, org_fields, pairs, uscc};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn registration_numbers_are_checked_with_the_reason_and_the_form_kept() {
    let app = TestApp::spawn().await;
    let owner = app.logged_in("gz@example.org", PASSWORD).await;
    // The code of a foundation (3) entered for a social group (1).
    let mut fields = org_fields(
        "Guangzhou Elder Care",
        "social_group",
        "guangzhou",
        "53440103427841382L",
    );
    let res = owner.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
    assert_eq!(res.status, 422);
    assert!(
        res.has("id=\"f-registration_number-error\">The second character does not match the type"),
        "{}",
        res.body
    );
    assert_eq!(
        res.field("name_en").as_deref(),
        Some("Guangzhou Elder Care"),
        "what was typed is kept"
    );
    assert_eq!(
        res.field("registration_number").as_deref(),
        Some("53440103427841382L")
    );

    fields[2].1 = "foundation".into();
    fields[3].1 = "shenzhen".into();
    let res = owner.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
    assert!(res.has("The region code (characters 3–8) is not in the chosen city"));

    fields[3].1 = "guangzhou".into();
    fields[4].1 = "53440103427841328L".into();
    let res = owner.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
    assert!(res.has("The last character (the check character) does not match"));
    let mut conn = app.state.pool.get().await.unwrap();
    let none = baygrants::models::organizations::search(&mut conn, &Default::default(), None, 10)
        .await
        .unwrap();
    assert!(none.is_empty(), "nothing saved");

    // Lower case is accepted and normalised.
    fields[4].1 = " 53440103427841382l ".into();
    let id = app.create_org(&owner, &fields).await;
    let page = owner.get(&format!("/orgs/{id}")).await;
    assert!(page.has("53440103427841382L"));
    assert!(page.has("Awaiting verification"));
    // The same number cannot be registered twice.
    let again = owner.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
    assert!(again.has("An organization with this registration number is already registered"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unconfirmed_email_cannot_register_an_organization() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    b.submit(
        "/register",
        "/register",
        &[
            ("name", "New"),
            ("email", "new@example.org"),
            ("password", PASSWORD),
            ("password_confirm", PASSWORD),
            ("lang", "en"),
        ],
    )
    .await;
    b.login("new@example.org", PASSWORD).await;
    b.submit("/", "/lang", &[("lang", "en"), ("next", "/")])
        .await;
    let fields = org_fields(
        "Unconfirmed",
        "foundation",
        "guangzhou",
        "53440103427841382L",
    );
    let res = b.submit("/orgs/new", "/orgs", &pairs(&fields)).await;
    assert_eq!(res.status, 422);
    assert!(res.has("Confirm your email address before registering an organization"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_owners_change_an_organization_and_only_members_see_its_members() {
    let app = TestApp::spawn().await;
    let owner = app.logged_in("owner@example.org", PASSWORD).await;
    let id = app
        .create_org(
            &owner,
            &org_fields("Owned", "foundation", "guangzhou", "53440103427841382L"),
        )
        .await;
    let stranger = app.logged_in("stranger@example.org", PASSWORD).await;
    let other_id = app
        .create_org(
            &stranger,
            &org_fields("Other", "social_group", "shenzhen", "514403036681849454"),
        )
        .await;
    let visitor = app.browser();

    assert_eq!(stranger.get(&format!("/orgs/{id}/edit")).await.status, 404);
    let fields = org_fields("Hijacked", "foundation", "guangzhou", "53440103427841382L");
    let token = stranger.get("/").await.csrf();
    let mut with_token = vec![("csrf", token.as_str())];
    with_token.extend(pairs(&fields));
    assert_eq!(
        stranger
            .post_raw(&format!("/orgs/{id}/edit"), &with_token)
            .await
            .status,
        404
    );
    assert_eq!(
        stranger.get(&format!("/orgs/{id}/members")).await.status,
        404,
        "a member of another organization"
    );
    assert_eq!(
        stranger
            .post_raw(
                &format!("/orgs/{id}/invitations"),
                &[
                    ("csrf", &token),
                    ("email", "x@example.org"),
                    ("role", "owner")
                ]
            )
            .await
            .status,
        404
    );
    assert!(!owner.get(&format!("/orgs/{id}")).await.has("Hijacked"));
    assert_eq!(
        owner.get(&format!("/orgs/{other_id}/edit")).await.status,
        404
    );
    assert_eq!(owner.get("/orgs/999999/edit").await.status, 404);
    assert_eq!(owner.get("/orgs/abc").await.status, 404);

    // Contact details: visitors do not see them; signed-in users do. An
    // organization is public once verified.
    assert_eq!(visitor.get(&format!("/orgs/{id}")).await.status, 404);
    let admin = app.user_with_role("admin@example.org", Role::Admin).await;
    app.verify_org(&admin, id).await;
    let public = visitor.get(&format!("/orgs/{id}")).await;
    assert_eq!(public.status, 200);
    assert!(!public.has("contact@example.org"));
    assert!(
        stranger
            .get(&format!("/orgs/{id}"))
            .await
            .has("contact@example.org")
    );
    // The directory is public, for verified organizations only.
    let directory = visitor.get("/orgs").await;
    assert_eq!(directory.status, 200);
    assert!(!directory.has(&format!("href=\"/orgs/{other_id}\"")));

    // The owner edits.
    let mut fields = org_fields(
        "Owned and renamed",
        "foundation",
        "guangzhou",
        "53440103427841382L",
    );
    fields[8].1 = "https://owned.example.org".into();
    let res = owner
        .submit(
            &format!("/orgs/{id}/edit"),
            &format!("/orgs/{id}/edit"),
            &pairs(&fields),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    assert!(
        owner
            .get(&format!("/orgs/{id}"))
            .await
            .has("Owned and renamed")
    );
    assert!(
        app.audit_actions()
            .await
            .contains(&"organization.updated".to_string())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_invite_members_by_email_in_the_invitees_language() {
    let app = TestApp::spawn().await;
    let owner = app.logged_in("lead@example.org", PASSWORD).await;
    let id = app
        .create_org(
            &owner,
            &org_fields("Inviting", "foundation", "guangzhou", "53440103427841382L"),
        )
        .await;
    let invitee = app
        .registered_user("colleague@example.org", PASSWORD, "zh-Hans")
        .await;
    invitee.login("colleague@example.org", PASSWORD).await;
    let other = app.logged_in("forwarded@example.org", PASSWORD).await;

    let bad = owner
        .submit(
            &format!("/orgs/{id}/members"),
            &format!("/orgs/{id}/invitations"),
            &[("email", "not an email"), ("role", "member")],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert_eq!(bad.field("email").as_deref(), Some("not an email"));

    let res = owner
        .submit(
            &format!("/orgs/{id}/members"),
            &format!("/orgs/{id}/invitations"),
            &[("email", "Colleague@Example.org"), ("role", "member")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let mail = app
        .smtp
        .wait_for("colleague@example.org", "/invitations/")
        .await;
    assert!(
        mail.subject.starts_with("邀请您加入"),
        "in the invitee's language: {}",
        mail.subject
    );
    let link = mail.link_containing("/invitations/");
    let path = link.trim_start_matches(&app.base).to_string();

    // Someone else holding the link cannot use it.
    let res = other.submit(&path, &path, &[]).await;
    assert_eq!(res.status, 409);
    assert_eq!(other.get(&format!("/orgs/{id}/members")).await.status, 404);

    let res = invitee.submit(&path, &path, &[]).await;
    assert_eq!(res.status, 303, "{}", res.body);
    let members = invitee.get(&format!("/orgs/{id}/members")).await;
    assert_eq!(members.status, 200, "a member sees the member list");
    assert!(members.has("colleague@example.org"));
    assert!(
        !members.has("/invitations\""),
        "members do not see the owners' controls"
    );
    assert_eq!(
        invitee.get(&format!("/orgs/{id}/edit")).await.status,
        404,
        "members do not edit"
    );
    // Used once.
    assert_eq!(invitee.submit(&path, &path, &[]).await.status, 409);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_organization_always_keeps_an_owner() {
    let app = TestApp::spawn().await;
    let owner = app.logged_in("solo@example.org", PASSWORD).await;
    let id = app
        .create_org(
            &owner,
            &org_fields("Solo", "foundation", "guangzhou", "53440103427841382L"),
        )
        .await;
    let me = {
        let mut conn = app.state.pool.get().await.unwrap();
        baygrants::models::users::find_by_email(&mut conn, "solo@example.org")
            .await
            .unwrap()
            .unwrap()
            .id
    };
    // The page does not offer what can only fail: the buttons are disabled
    // with why; a forged request still gets the reason.
    let members = owner.get(&format!("/orgs/{id}/members")).await;
    assert!(
        members.has("disabled aria-describedby=\"sole-owner-")
            && members.has("The only owner")
            && !members.has(&format!("action=\"/orgs/{id}/members/{me}\"")),
        "{}",
        members.body
    );
    for action in ["make_member", "remove"] {
        let res = owner
            .submit(
                &format!("/orgs/{id}/members"),
                &format!("/orgs/{id}/members/{me}"),
                &[("action", action)],
            )
            .await;
        assert_eq!(res.status, 409, "{action}");
        assert!(res.has("at least one owner"));
    }
    assert_eq!(
        owner.get(&format!("/orgs/{id}/edit")).await.status,
        200,
        "still the owner"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_verify_or_return_with_emails_in_the_owners_language() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("verifier@example.org", Role::Admin)
        .await;
    let owner = app
        .registered_user("hk@example.org", PASSWORD, "zh-Hant")
        .await;
    owner.login("hk@example.org", PASSWORD).await;
    let id = app
        .create_org(
            &owner,
            &org_fields("Harbour Youth", "hk_charity", "", "91/12345"),
        )
        .await;
    let mainland = app
        .create_org(
            &owner,
            &org_fields(
                "Mainland Arm",
                "foundation",
                "guangzhou",
                "53440103427841382L",
            ),
        )
        .await;

    assert_eq!(owner.get("/admin/verifications").await.status, 404);
    let token = owner.get("/").await.csrf();
    assert_eq!(
        owner
            .post_raw(
                &format!("/admin/orgs/{id}/decision"),
                &[("csrf", &token), ("decision", "approve"), ("note", "")]
            )
            .await
            .status,
        404
    );
    let queue = admin.get("/admin/verifications").await;
    assert!(queue.has("Harbour Youth"));

    // Returning needs a reason; the form says so and nothing changes.
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/decision"),
            &[("decision", "return"), ("note", " ")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert!(res.has("Give a reason."));
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/decision"),
            &[
                ("decision", "return"),
                ("note", "Please upload the s.88 letter"),
            ],
        )
        .await;
    assert_eq!(res.status, 303);
    let mail = app
        .smtp
        .wait_for("hk@example.org", "Please upload the s.88 letter")
        .await;
    assert!(
        mail.subject.contains("審核已退回"),
        "{:?}",
        mail.subject.chars().map(|c| c as u32).collect::<Vec<_>>()
    );
    assert!(owner.get(&format!("/orgs/{id}")).await.has("已退回修正"));

    // Corrected, it goes back to the queue; then verified.
    let fields = org_fields("Harbour Youth", "hk_charity", "", "91/12345");
    owner
        .submit(
            &format!("/orgs/{id}/edit"),
            &format!("/orgs/{id}/edit"),
            &pairs(&fields),
        )
        .await;
    assert!(admin.get("/admin/verifications").await.has("Harbour Youth"));
    app.verify_org(&admin, id).await;
    let mail = app.smtp.wait_for("hk@example.org", "基金已審核").await;
    assert!(mail.subject.contains("已通過審核"), "{}", mail.subject);

    // Whitelist: Hong Kong yes, mainland no.
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/whitelist"),
            &[("on", "1")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        admin
            .get(&format!("/orgs/{id}"))
            .await
            .has("Cross-border whitelist")
    );
    app.verify_org(&admin, mainland).await;
    let res = admin
        .submit(
            &format!("/orgs/{mainland}"),
            &format!("/admin/orgs/{mainland}/whitelist"),
            &[("on", "1")],
        )
        .await;
    assert_eq!(res.status, 409);

    // Debarment with an end date and a reason.
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/debarment"),
            &[("until", "2020-01-01"), ("reason", "breach")],
        )
        .await;
    assert_eq!(res.status, 422, "a past date is refused");
    let bar = [
        ("until", "2029-12-31"),
        ("reason", "Breach of the 2025 agreement"),
    ];
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/debarment"),
            &bar,
        )
        .await;
    assert_eq!(res.status, 200, "barring asks first: {}", res.body);
    assert!(
        res.has("Bar this organization?")
            && res.has("barred until 2029-12-31")
            && res.has("value=\"Breach of the 2025 agreement\""),
        "{}",
        res.body
    );
    assert!(
        !admin
            .get(&format!("/orgs/{id}"))
            .await
            .has("Debarred until 2029-12-31")
    );
    let res = admin
        .submit(
            &format!("/orgs/{id}"),
            &format!("/admin/orgs/{id}/debarment"),
            &[bar[0], bar[1], ("confirmed", "yes")],
        )
        .await;
    assert_eq!(res.status, 303);
    assert!(
        admin
            .get(&format!("/orgs/{id}"))
            .await
            .has("Debarred until 2029-12-31")
    );

    let audit = admin
        .get(&format!(
            "/admin/audit?entity_type=organization&entity_id={id}"
        ))
        .await;
    for action in [
        "organization.created",
        "organization.returned",
        "organization.verified",
        "organization.whitelist_changed",
        "organization.debarred",
    ] {
        assert!(audit.has(action), "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_directory_filters_and_pages_in_a_stable_order() {
    let app = TestApp::spawn().await;
    let admin = app
        .user_with_role("dir-admin@example.org", Role::Admin)
        .await;
    let owner = app.logged_in("many@example.org", PASSWORD).await;
    let mut ids = Vec::new();
    for i in 0..24u32 {
        let (org_type, city, region) = if i % 2 == 0 {
            ("social_group", "shenzhen", "440304")
        } else {
            ("foundation", "guangzhou", "440103")
        };
        let type_char = if org_type == "social_group" { '1' } else { '3' };
        let fields = org_fields(
            &format!("Org number {i:02}"),
            org_type,
            city,
            &uscc(type_char, region, 1000 + i),
        );
        ids.push(app.create_org(&owner, &fields).await);
    }
    app.verify_org(&admin, ids[3]).await;

    let page1 = owner.get("/orgs").await;
    assert_eq!(page1.body.matches("class=\"card\"").count(), 20);
    let next = page1
        .body
        .split("href=\"/orgs?")
        .nth(1)
        .expect("a next page")
        .split('"')
        .next()
        .unwrap()
        .replace("&#38;", "&")
        .replace("&amp;", "&");
    let page2 = owner.get(&format!("/orgs?{next}")).await;
    assert_eq!(page2.body.matches("class=\"card\"").count(), 4);
    for i in 0..24 {
        let name = format!("Org number {i:02}<");
        let on1 = page1.body.contains(&name);
        let on2 = page2.body.contains(&name);
        assert!(on1 ^ on2, "{name} on exactly one page");
    }
    // In the order they registered, the first twenty on the first page, and
    // the same order on every reading.
    let order = |body: &str| -> Vec<usize> {
        (0..24)
            .filter_map(|i| body.find(&format!("Org number {i:02}<")).map(|at| (at, i)))
            .collect::<std::collections::BTreeMap<_, _>>()
            .into_values()
            .collect()
    };
    assert_eq!(order(&page1.body), (0..20).collect::<Vec<_>>());
    assert_eq!(order(&page2.body), (20..24).collect::<Vec<_>>());
    assert_eq!(order(&owner.get("/orgs").await.body), order(&page1.body));

    let sz = owner.get("/orgs?city=shenzhen").await;
    assert_eq!(sz.body.matches("class=\"card\"").count(), 12);
    let by_name = owner.get("/orgs?q=number%2007").await;
    assert_eq!(by_name.body.matches("class=\"card\"").count(), 1);
    let by_chinese = owner
        .get(&format!(
            "/orgs?q={}",
            url::form_urlencoded::byte_serialize("number 07（中文".as_bytes()).collect::<String>()
        ))
        .await;
    assert_eq!(by_chinese.body.matches("class=\"card\"").count(), 1);
    let verified = owner.get("/orgs?verified=1").await;
    assert_eq!(verified.body.matches("class=\"card\"").count(), 1);
    let foundations = owner.get("/orgs?type=foundation&focus=elderly_care").await;
    assert_eq!(foundations.body.matches("class=\"card\"").count(), 12);
    let none = owner.get("/orgs?focus=education").await;
    assert!(none.has("No organization matches."));
    // Hostile search text is just text.
    let weird = owner.get("/orgs?q=%25%27%3B%3Cscript%3E").await;
    assert_eq!(weird.status, 200);
    assert!(!weird.has("<script>"));
}
