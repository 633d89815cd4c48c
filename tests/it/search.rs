//! Search that reads Chinese (issue 21): the public directory and the one
//! search box, over HTTP through the real app and the real index.

use baygrants::domain::role::Role;
use diesel::sql_types::Text;

use crate::support::{PASSWORD, TINY_BAY, TestApp, org_fields, pairs, uscc};

fn org_links(body: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = body
        .split("<a href=\"/orgs/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    ids.dedup();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_directory_finds_names_in_either_script_and_codes_however_typed() {
    let app = TestApp::spawn().await;
    let admin = app.user_with_role("admin@example.org", Role::Admin).await;
    let owner = app.logged_in("gz@example.org", PASSWORD).await;
    let code = uscc('1', "440103", 427_841);
    let mut fields = org_fields(
        "Guangzhou Elderly Care Association",
        "social_group",
        "guangzhou",
        &code,
    );
    fields[0].1 = "廣州長者服務協會".into();
    let gz = app.create_org(&owner, &fields).await;
    let mut fields = org_fields(
        "Shenzhen Youth Exchange Centre",
        "social_group",
        "shenzhen",
        &uscc('1', "440304", 12_345),
    );
    fields[0].1 = "深圳青年交流中心".into();
    let sz = app.create_org(&owner, &fields).await;
    let mut fields = org_fields(
        "Guangzhou Unverified Society",
        "social_group",
        "guangzhou",
        &uscc('1', "440104", 777),
    );
    fields[0].1 = "廣州待審核社".into();
    let pending = app.create_org(&owner, &fields).await;
    app.verify_org(&admin, gz).await;
    app.verify_org(&admin, sz).await;

    let visitor = app.browser();
    for q in [
        "广州",
        "廣州",
        "ＧＵＡＮＧＺＨＯＵ",
        "guangzhou",
        "長",
        "长者",
        "care",
        "Caring",
    ] {
        let page = visitor.get(&format!("/orgs?q={}", urlencode(q))).await;
        assert_eq!(page.status, 200, "{q}");
        assert_eq!(org_links(&page.body), vec![gz], "{q}: {}", page.body);
    }
    for q in ["青", "交流", "YOUTH"] {
        let page = visitor.get(&format!("/orgs?q={}", urlencode(q))).await;
        assert_eq!(org_links(&page.body), vec![sz], "{q}");
    }
    // The registration number, in lower case with spaces, or full-width.
    let spaced: String = code
        .to_lowercase()
        .chars()
        .enumerate()
        .flat_map(|(i, c)| (i % 4 == 0 && i > 0).then_some(' ').into_iter().chain([c]))
        .collect();
    let full_width: String = code
        .chars()
        .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
        .collect();
    for q in [code.as_str(), spaced.as_str(), full_width.as_str()] {
        let page = visitor.get(&format!("/orgs?q={}", urlencode(q))).await;
        assert_eq!(org_links(&page.body), vec![gz], "{q:?}");
    }
    // Visitors see verified organizations only; signed-in users see all.
    let page = visitor.get("/orgs?q=%E5%BB%A3%E5%B7%9E").await;
    assert!(!org_links(&page.body).contains(&pending));
    assert_eq!(visitor.get(&format!("/orgs/{pending}")).await.status, 404);
    let page = owner.get("/orgs?q=%E5%B9%BF%E5%B7%9E").await;
    assert_eq!(org_links(&page.body), vec![gz, pending]);
    // No contact details in the public directory or profile.
    assert!(
        !visitor
            .get(&format!("/orgs/{gz}"))
            .await
            .has("contact@example.org")
    );

    // The match is marked, in the reader's script.
    visitor
        .submit("/", "/lang", &[("lang", "zh-Hant"), ("next", "/")])
        .await;
    let page = visitor.get("/orgs?q=%E5%B9%BF%E5%B7%9E").await;
    assert!(page.has("<mark>廣州</mark>長者服務協會"), "{}", page.body);
    // Script in a query is shown back as text.
    let page = visitor
        .get("/orgs?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E")
        .await;
    assert_eq!(page.status, 200);
    assert!(!page.has("<script>alert(1)"));

    // A change is findable as soon as its transaction commits.
    let mut fields = org_fields(
        "Foshan Elderly Care Association",
        "social_group",
        "guangzhou",
        &code,
    );
    fields[0].1 = "佛山頤養協會".into();
    let res = owner
        .submit(
            &format!("/orgs/{gz}/edit"),
            &format!("/orgs/{gz}/edit"),
            &pairs(&fields),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let page = owner.get(&format!("/orgs?q={}", urlencode("颐养"))).await;
    assert_eq!(org_links(&page.body), vec![gz]);
    let page = owner
        .get(&format!("/orgs?q={}", urlencode("長者服務")))
        .await;
    assert!(org_links(&page.body).is_empty(), "the old name is gone");
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[derive(diesel::QueryableByName)]
struct V {
    #[diesel(sql_type = Text)]
    v: String,
}

async fn pick(app: &TestApp, sql: &str) -> String {
    use diesel_async::RunQueryDsl;
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(sql)
        .get_result::<V>(&mut conn)
        .await
        .unwrap()
        .v
}

fn award_links(body: &str) -> Vec<i64> {
    let mut ids: Vec<i64> = body
        .split("<a href=\"/awards/")
        .skip(1)
        .filter_map(|s| s.split(['"', '#']).next()?.parse().ok())
        .collect();
    ids.dedup();
    ids
}

/// The part of a page from the element with this id to the end of its section.
fn section<'a>(body: &'a str, id: &str) -> &'a str {
    let start = body
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    let rest = &body[start..];
    &rest[..rest.find("</section>").unwrap_or(rest.len())]
}

fn app_links(body: &str) -> Vec<i64> {
    body.split("<a href=\"/applications/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_search_box_finds_only_what_each_person_may_open() {
    let app = TestApp::spawn().await;
    let a = app.seed(TINY_BAY, 5).await;
    let admin = app.browser();
    admin
        .login(&a.admin, baygrants::seed::scale::PASSWORD)
        .await;
    let finance = app.browser();
    finance
        .login(&a.finance[0], baygrants::seed::scale::PASSWORD)
        .await;
    let applicant = app.browser();
    applicant
        .login(&a.applicant, baygrants::seed::scale::PASSWORD)
        .await;

    // Someone else's draft, and one of the applicant's own applications.
    let draft: i64 = pick(
        &app,
        &format!(
            "SELECT a.id::text AS v FROM applications a WHERE a.state = 'draft'
               AND a.lead_org_id NOT IN (SELECT m.organization_id FROM organization_members m
                 JOIN users u ON u.id = m.user_id WHERE u.email = '{}')
             ORDER BY a.id LIMIT 1",
            a.applicant
        ),
    )
    .await
    .parse()
    .unwrap();
    let own: i64 = pick(
        &app,
        &format!(
            "SELECT a.id::text AS v FROM applications a JOIN organization_members m
               ON m.organization_id = a.lead_org_id JOIN users u ON u.id = m.user_id
             WHERE u.email = '{}' ORDER BY a.id LIMIT 1",
            a.applicant
        ),
    )
    .await
    .parse()
    .unwrap();
    let submitted: i64 = pick(
        &app,
        &format!(
            "SELECT a.id::text AS v FROM applications a WHERE a.state = 'under_review'
               AND a.lead_org_id NOT IN (SELECT m.organization_id FROM organization_members m
                 JOIN users u ON u.id = m.user_id WHERE u.email = '{}')
             ORDER BY a.id LIMIT 1",
            a.applicant
        ),
    )
    .await
    .parse()
    .unwrap();
    let title_of = |id: i64| {
        let app = &app;
        async move {
            pick(
                app,
                &format!("SELECT title AS v FROM applications WHERE id = {id}"),
            )
            .await
        }
    };

    // By its exact title, the draft is found by nobody but its own side:
    // not the applicant of another organization, not staff.
    let q = urlencode(&title_of(draft).await);
    for who in [&applicant, &admin, &finance] {
        let page = who.get(&format!("/search?q={q}")).await;
        assert_eq!(page.status, 200);
        assert!(!app_links(&page.body).contains(&draft), "{}", page.body);
    }
    // Its own side does find it.
    let drafter = app.browser();
    let lead = pick(
        &app,
        &format!("SELECT lead_org_id::text AS v FROM applications WHERE id = {draft}"),
    )
    .await;
    drafter
        .login(
            &format!("owner{lead}@scale.baygrants.test"),
            baygrants::seed::scale::PASSWORD,
        )
        .await;
    let page = drafter.get(&format!("/search?q={q}")).await;
    assert_eq!(app_links(&page.body).first(), Some(&draft), "{}", page.body);
    // Another organization's submitted application: the admin finds it,
    // first, with the words marked; the applicant does not.
    let title = title_of(submitted).await;
    let page = admin.get(&format!("/search?q={}", urlencode(&title))).await;
    assert_eq!(
        app_links(&page.body).first(),
        Some(&submitted),
        "{}",
        page.body
    );
    assert!(page.has("<mark>"));
    assert!(page.has("id=\"search-people\""));
    let page = applicant
        .get(&format!("/search?q={}", urlencode(&title)))
        .await;
    assert!(!app_links(&page.body).contains(&submitted));
    assert!(
        !page.has("id=\"search-people\""),
        "only those who manage roles find people"
    );
    // The applicant finds their own, by number too.
    let page = applicant
        .get(&format!("/search?q={}", urlencode(&title_of(own).await)))
        .await;
    assert!(app_links(&page.body).contains(&own), "{}", page.body);
    let page = applicant.get(&format!("/search?q=%23{own}")).await;
    assert_eq!(app_links(&page.body).first(), Some(&own));
    // Finance officers open awards, not applications.
    let page = finance
        .get(&format!("/search?q={}", urlencode(&title)))
        .await;
    assert!(app_links(&page.body).is_empty());
    // People by email, for admins.
    let page = admin
        .get(&format!("/search?q={}", urlencode(&a.applicant)))
        .await;
    let people = section(&page.body, "search-people");
    assert!(
        people.contains(&format!("/admin/users?q={}", urlencode(&a.applicant))),
        "{people}"
    );
    // Visitors are asked to sign in.
    assert_eq!(app.browser().get("/search?q=x").await.status, 303);

    // Progress reports: the applicant's own awards' only; staff all.
    let q = urlencode("进度报告");
    let own_awards: Vec<i64> = {
        let listed = pick(
            &app,
            &format!(
                "SELECT coalesce(string_agg(w.id::text, ','), '') AS v FROM awards w
                 JOIN organization_members m ON m.organization_id = w.lead_org_id
                 JOIN users u ON u.id = m.user_id WHERE u.email = '{}'",
                a.applicant
            ),
        )
        .await;
        listed.split(',').filter_map(|s| s.parse().ok()).collect()
    };
    let page = applicant.get(&format!("/search?q={q}")).await;
    let found = award_links(section(&page.body, "search-reports"));
    assert!(
        found.iter().all(|w| own_awards.contains(w)),
        "{found:?} {own_awards:?}"
    );
    let own_reports: i64 = pick(
        &app,
        &format!(
            "SELECT count(*)::text AS v FROM progress_reports r JOIN awards w ON w.id = r.award_id
             JOIN organization_members m ON m.organization_id = w.lead_org_id
             JOIN users u ON u.id = m.user_id WHERE u.email = '{}'",
            a.applicant
        ),
    )
    .await
    .parse()
    .unwrap();
    assert_eq!(
        !found.is_empty(),
        own_reports > 0,
        "the applicant finds their own reports"
    );
    let page = admin.get(&format!("/search?q={q}")).await;
    let found = award_links(section(&page.body, "search-reports"));
    assert!(
        found.iter().any(|w| !own_awards.contains(w)),
        "staff find every report"
    );

    // The reviewer's queue and a fund's awards search too.
    let (review, reviewed): (String, String) = {
        let v = pick(
            &app,
            &format!(
                "SELECT r.id::text || '|' || a.title AS v FROM reviews r
                 JOIN applications a ON a.id = r.application_id JOIN users u ON u.id = r.reviewer_id
                 WHERE u.email = '{}' ORDER BY r.id DESC LIMIT 1",
                a.reviewer
            ),
        )
        .await;
        let (id, title) = v.split_once('|').unwrap();
        (id.to_string(), title.to_string())
    };
    let reviewer = app.browser();
    reviewer
        .login(&a.reviewer, baygrants::seed::scale::PASSWORD)
        .await;
    let page = reviewer
        .get(&format!("/reviewer?q={}", urlencode(&reviewed)))
        .await;
    assert_eq!(
        page.body.matches("href=\"/reviews/").count(),
        1,
        "{}",
        page.body
    );
    assert!(page.has(&format!("href=\"/reviews/{review}\"")));
    let v = pick(
        &app,
        &format!(
            "SELECT w.id::text || '|' || a.title AS v FROM awards w JOIN applications a
               ON a.id = w.application_id WHERE w.fund_id = {} AND w.state = 'active'
             ORDER BY w.id DESC LIMIT 1",
            a.fund
        ),
    )
    .await;
    let (award, awarded) = v.split_once('|').unwrap();
    let page = finance
        .get(&format!(
            "/finance/funds/{}?state=active&q={}",
            a.fund,
            urlencode(awarded)
        ))
        .await;
    // Its words also appear in other applications' texts (the numbers in
    // "由21號機構牽頭"), so others may match; the list keeps its order.
    let found = award_links(section(&page.body, "awards-h"));
    assert!(found.contains(&award.parse::<i64>().unwrap()), "{found:?}");
    let all = award_links(section(
        &finance
            .get(&format!("/finance/funds/{}?state=active", a.fund))
            .await
            .body,
        "awards-h",
    ));
    assert!(found.len() < all.len(), "{found:?} of {all:?}");

    // The admins' list searches too, keeping its filters and pages.
    let page = admin
        .get(&format!(
            "/admin/applications?q={}&state=under_review",
            urlencode(&title)
        ))
        .await;
    assert_eq!(
        app_links(&page.body).first(),
        Some(&submitted),
        "{}",
        page.body
    );
    let page = admin
        .get(&format!(
            "/admin/applications?q={}&state=declined",
            urlencode(&title)
        ))
        .await;
    assert!(!app_links(&page.body).contains(&submitted));
    let page = admin
        .get(&format!("/admin/applications?q={}", urlencode(&title)))
        .await;
    assert!(app_links(&page.body).contains(&submitted));
    // And by its number alone.
    let page = admin
        .get(&format!("/admin/applications?q=%23{submitted}"))
        .await;
    assert_eq!(app_links(&page.body).first(), Some(&submitted));
    let page = admin
        .get(&format!(
            "/admin/applications?q={}",
            urlencode(&title_of(draft).await)
        ))
        .await;
    assert!(!app_links(&page.body).contains(&draft), "never a draft");

    // Partners: an accepted partner finds the application but not the
    // lead's award; a partner that declined finds neither.
    let v = pick(
        &app,
        "SELECT a.id::text || '|' || p.organization_id::text || '|' || w.id::text AS v
           FROM applications a JOIN application_partners p ON p.application_id = a.id
           JOIN awards w ON w.application_id = a.id
          WHERE p.status = 'accepted' ORDER BY a.id LIMIT 1",
    )
    .await;
    let mut parts = v.split('|').map(|x| x.parse::<i64>().unwrap());
    let (awarded_app, partner, award) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let partner_owner = app.browser();
    partner_owner
        .login(
            &format!("owner{partner}@scale.baygrants.test"),
            baygrants::seed::scale::PASSWORD,
        )
        .await;
    let q = urlencode(&title_of(awarded_app).await);
    let page = partner_owner.get(&format!("/search?q={q}")).await;
    assert!(
        app_links(&page.body).contains(&awarded_app),
        "{}",
        page.body
    );
    assert!(!award_links(section(&page.body, "search-awards")).contains(&award));
    let page = admin.get(&format!("/search?q={q}")).await;
    assert!(award_links(section(&page.body, "search-awards")).contains(&award));
    {
        use diesel_async::RunQueryDsl;
        let mut conn = app.state.pool.get().await.unwrap();
        diesel::sql_query(format!(
            "UPDATE application_partners SET status = 'declined'
              WHERE application_id = {awarded_app} AND organization_id = {partner}"
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    }
    let page = partner_owner.get(&format!("/search?q={q}")).await;
    assert!(!app_links(&page.body).contains(&awarded_app));
    crate::support::search_rows_agree(&app).await;
}
