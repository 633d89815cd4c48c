//! The authorization matrix: every route of `baygrants::web::ROUTES`, asked
//! by every kind of person, against one seeded world. Each cell expects the
//! person to be let in (`Allowed`: any answer but 404 or a trip to the login
//! page, never a server error), to be told nothing exists (`Hidden`: 404, as
//! DESIGN §1 requires of anyone who may not see a resource) or to be sent to
//! sign in (`Login`). Forms carry values that are invalid or change nothing,
//! so that whoever is allowed gets a validation error, a 409 or a redirect,
//! and the world stays the same for the cells after it.

use std::collections::HashMap;

use baygrants::models::{ApplicationId, UserId};
use baygrants::seed::scale;
use baygrants::web::ROUTES;
use diesel::sql_types::BigInt;
use diesel_async::RunQueryDsl;

use crate::support::{Browser, PASSWORD, TestApp};

const PDF: &[u8] = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The plain (not owner) member of the lead organization joins by invitation.
const LEAD_MEMBER: &str = "member@authz.test";

// ---- who asks

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Visitor,
    /// Owner of the lead organization.
    LeadOwner,
    /// A plain member of the lead organization.
    LeadMember,
    /// Owner of an accepted partner organization.
    Partner,
    /// Owner of an organization unrelated to the application.
    Stranger,
    /// The reviewer of review R on the application.
    Assigned,
    /// On the call's panel, not assigned to the application.
    Panel,
    /// On the call's panel, affiliated with the lead organization.
    Conflicted,
    Admin,
    /// The finance officer who requested the pending payment.
    Maker,
    /// The other finance officer.
    Checker,
}

use Who::*;

const LEAD: &[Who] = &[LeadOwner, LeadMember];
const OWNER: &[Who] = &[LeadOwner];
const PARTNER: &[Who] = &[Partner];
const REVIEWER: &[Who] = &[Assigned];
const ADMIN: &[Who] = &[Admin];
const FINANCE: &[Who] = &[Maker, Checker];
/// `Permission::ViewMoney`.
const MONEY: &[Who] = &[Admin, Maker, Checker];
/// `AppAction::View`: the lead's and the partners' members, and admins.
const APPLICATION: &[Who] = &[LeadOwner, LeadMember, Partner, Admin];
/// `OrgAction::SeeMembers`.
const MEMBERS: &[Who] = &[LeadOwner, LeadMember, Admin];
/// `AwardAction::View`: the grantee's members and whoever may view money.
const AWARD: &[Who] = &[LeadOwner, LeadMember, Admin, Maker, Checker];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Allowed,
    Hidden,
    Login,
}

#[derive(Clone, Copy)]
enum Rule {
    /// Everyone, visitors too.
    Public,
    /// Every signed-in user; visitors are sent to log in.
    SignedIn,
    /// These people; other signed-in users get 404, visitors log in.
    Only(&'static [Who]),
    /// Everyone is sent (back) to the login page.
    ToLogin,
}

impl Rule {
    fn expect(self, who: Who) -> Outcome {
        match (self, who) {
            (Rule::Public, _) => Outcome::Allowed,
            (Rule::ToLogin, _) => Outcome::Login,
            (_, Visitor) => Outcome::Login,
            (Rule::SignedIn, _) => Outcome::Allowed,
            (Rule::Only(allowed), _) if allowed.contains(&who) => Outcome::Allowed,
            (Rule::Only(_), _) => Outcome::Hidden,
        }
    }
}

// ---- the table

#[derive(Clone, Copy)]
enum Body {
    None,
    /// Urlencoded fields; a value `{name}` is the target of that name. The
    /// CSRF token is added.
    Form(&'static str),
    /// A small PDF as the multipart field `file`, after the token.
    Pdf,
}

struct Row {
    method: &'static str,
    route: &'static str,
    /// The targets that fill the route's `{…}` segments, in order.
    args: &'static [&'static str],
    body: Body,
    rule: Rule,
    /// The cell ends the session: the person signs in again after it.
    relogin: bool,
}

const fn get(route: &'static str, args: &'static [&'static str], rule: Rule) -> Row {
    Row {
        method: "GET",
        route,
        args,
        body: Body::None,
        rule,
        relogin: false,
    }
}

const fn post(
    route: &'static str,
    args: &'static [&'static str],
    form: &'static str,
    rule: Rule,
) -> Row {
    Row {
        method: "POST",
        route,
        args,
        body: Body::Form(form),
        rule,
        relogin: false,
    }
}

const fn upload(route: &'static str, args: &'static [&'static str], rule: Rule) -> Row {
    Row {
        method: "POST",
        route,
        args,
        body: Body::Pdf,
        rule,
        relogin: false,
    }
}

use Rule::{Only, Public, SignedIn, ToLogin};

/// One row per route, in the order of `ROUTES`; the targets are described
/// at `world`. Forms carry what the server must refuse (a nonsense choice,
/// an empty required field, a wrong password) or, where nothing in the form
/// can be refused, what the target's state refuses (the application is no
/// longer a draft, the call is decided, …); files are real PDFs. Whoever may
/// not act must get 404 whatever the form holds, as
/// `services::organizations::update` puts it: "strangers get 404 even for an
/// invalid form".
static ROWS: &[Row] = &[
    get("/", &[], Public),
    get("/healthz", &[], Public),
    get("/readyz", &[], Public),
    get("/baseline", &[], Public),
    // From loopback, which METRICS_ALLOW lets in by default.
    get("/metrics", &[], Public),
    get("/static/{file}", &["file"], Public),
    get("/register", &[], Public),
    post("/register", &[], "", Public),
    get("/verify-email", &[], Public),
    post("/verify-email/resend", &[], "", SignedIn),
    get("/login", &[], Public),
    // An account nobody has: only it is locked by the failures (five, then
    // 429), not the people's accounts.
    post(
        "/login",
        &[],
        "email=nobody@authz.test&password=not-the-password",
        Public,
    ),
    // Public, but without a password just proven (a pending challenge) a
    // visitor goes back to the login page; the signed-in go home.
    get("/login/second-factor", &[], SignedIn),
    // Nobody here has a pending challenge: back to the password.
    post("/login/second-factor", &[], "code=000000&next=/", ToLogin),
    Row {
        relogin: true,
        ..post("/logout", &[], "", Public)
    },
    get("/password/forgot", &[], Public),
    post("/password/forgot", &[], "email=", Public),
    get("/password/reset", &[], Public),
    post("/password/reset", &[], "", Public),
    get("/account", &[], SignedIn),
    post("/account", &[], "name=&lang=en", SignedIn),
    post("/account/password", &[], "", SignedIn),
    post("/account/recovery-codes", &[], "code=not-a-code", SignedIn),
    post("/lang", &[], "lang=xx&next=/", Public),
    post("/script", &[], "original=1&next=/", Public),
    get("/admin/users", &[], Only(ADMIN)),
    post(
        "/admin/users/{id}/roles",
        &["stranger_user"],
        "role=finance&action=neither",
        Only(ADMIN),
    ),
    // The stranger has no second factor: nothing to reset.
    post(
        "/admin/users/{id}/second-factor",
        &["stranger_user"],
        "",
        Only(ADMIN),
    ),
    get("/admin/emails", &[], Only(ADMIN)),
    // Not a failed email: nothing is queued again.
    post("/admin/emails/{id}/retry", &["email"], "", Only(ADMIN)),
    get("/admin/audit", &[], Only(ADMIN)),
    get("/search", &[], SignedIn),
    // The public directory: visitors see verified organizations.
    get("/orgs", &[], Public),
    post("/orgs", &[], "", SignedIn),
    get("/orgs/mine", &[], SignedIn),
    get("/orgs/new", &[], SignedIn),
    // Profiles are public; contacts are not (tests/it/organizations.rs).
    get("/orgs/{id}", &["lead"], Public),
    get("/orgs/{id}/edit", &["lead"], Only(OWNER)),
    post("/orgs/{id}/edit", &["lead"], "", Only(OWNER)),
    get("/orgs/{id}/members", &["lead"], Only(MEMBERS)),
    post(
        "/orgs/{id}/invitations",
        &["lead"],
        "email=not-an-address&role=member",
        Only(OWNER),
    ),
    post(
        "/orgs/{id}/members/{user}",
        &["lead", "lead_owner_user"],
        "action=promote",
        Only(OWNER),
    ),
    get("/invitations/{token}", &["token"], SignedIn),
    post("/invitations/{token}", &["token"], "", SignedIn),
    get("/admin/verifications", &[], Only(ADMIN)),
    post(
        "/admin/orgs/{id}/decision",
        &["lead"],
        "decision=return&note=",
        Only(ADMIN),
    ),
    // The lead is a mainland organization: never whitelisted (409).
    post("/admin/orgs/{id}/whitelist", &["lead"], "on=1", Only(ADMIN)),
    post(
        "/admin/orgs/{id}/debarment",
        &["lead"],
        "until=2000-01-01&reason=past",
        Only(ADMIN),
    ),
    get("/admin/funds", &[], Only(ADMIN)),
    post("/admin/funds", &[], "", Only(ADMIN)),
    get("/admin/focus-areas", &[], Only(ADMIN)),
    post("/admin/focus-areas", &[], "", Only(ADMIN)),
    // Already active: stays so.
    post(
        "/admin/focus-areas/{code}/active",
        &["focus"],
        "active=1",
        Only(ADMIN),
    ),
    get("/admin/calls", &[], Only(ADMIN)),
    post("/admin/calls", &[], "", Only(ADMIN)),
    get("/admin/calls/new", &[], Only(ADMIN)),
    get("/admin/calls/{id}/edit", &["call"], Only(ADMIN)),
    post("/admin/calls/{id}/edit", &["call"], "", Only(ADMIN)),
    post(
        "/admin/calls/{id}/state",
        &["call"],
        "to=draft",
        Only(ADMIN),
    ),
    get("/calls", &[], Public),
    get("/calls/{id}", &["call"], Public),
    // The call is closed: the lead's members get 409.
    post(
        "/calls/{id}/apply",
        &["call"],
        "organization_id={lead}",
        Only(LEAD),
    ),
    get("/applications", &[], SignedIn),
    get("/applications/{id}", &["app"], Only(APPLICATION)),
    // The application is awarded, not a draft: no change goes through.
    post(
        "/applications/{id}/content",
        &["app"],
        "title=Changed",
        Only(LEAD),
    ),
    post(
        "/applications/{id}/partners",
        &["app"],
        "organization_id={stranger_org}",
        Only(LEAD),
    ),
    post(
        "/applications/{id}/partners/{org}/remove",
        &["app", "partner"],
        "",
        Only(LEAD),
    ),
    post(
        "/applications/{id}/partners/{org}/answer",
        &["app", "partner"],
        "decision=maybe",
        Only(PARTNER),
    ),
    post("/applications/{id}/budget", &["app"], "", Only(LEAD)),
    post(
        "/applications/{id}/budget/{line}",
        &["app", "line"],
        "",
        Only(LEAD),
    ),
    post(
        "/applications/{id}/budget/{line}/delete",
        &["app", "line"],
        "",
        Only(LEAD),
    ),
    post("/applications/{id}/milestones", &["app"], "", Only(LEAD)),
    post(
        "/applications/{id}/milestones/{m}",
        &["app", "milestone"],
        "",
        Only(LEAD),
    ),
    post(
        "/applications/{id}/milestones/{m}/delete",
        &["app", "milestone"],
        "",
        Only(LEAD),
    ),
    upload("/applications/{id}/attachments", &["app"], Only(LEAD)),
    get(
        "/applications/{id}/attachments/{a}",
        &["app", "attachment"],
        Only(APPLICATION),
    ),
    post(
        "/applications/{id}/attachments/{a}/delete",
        &["app", "attachment"],
        "",
        Only(LEAD),
    ),
    post("/applications/{id}/submit", &["app"], "", Only(LEAD)),
    post(
        "/applications/{id}/state",
        &["app"],
        "to=nowhere",
        Only(LEAD),
    ),
    get("/admin/applications", &[], Only(ADMIN)),
    get("/admin/calls/{id}/review", &["call"], Only(ADMIN)),
    post(
        "/admin/calls/{id}/panel",
        &["call"],
        "email=not-an-address&base=mainland",
        Only(ADMIN),
    ),
    // The call is decided: no assignment (409).
    post(
        "/admin/calls/{id}/assign",
        &["call"],
        "application_id={app}&reviewer_id={panel_user}",
        Only(ADMIN),
    ),
    post(
        "/admin/calls/{id}/auto-assign",
        &["call"],
        "k=0&seed=1",
        Only(ADMIN),
    ),
    get("/reviewer", &[], SignedIn),
    post(
        "/reviewer/affiliations",
        &[],
        "organization_id=none",
        SignedIn,
    ),
    // Nobody is affiliated with the stranger's organization.
    post(
        "/reviewer/affiliations/{org}/remove",
        &["stranger_org"],
        "",
        SignedIn,
    ),
    get("/reviews/{id}", &["review"], Only(REVIEWER)),
    get(
        "/reviews/{id}/attachments/{a}",
        &["review", "attachment"],
        Only(REVIEWER),
    ),
    post(
        "/reviews/{id}/declare",
        &["review"],
        "decision=maybe",
        Only(REVIEWER),
    ),
    post(
        "/reviews/{id}/scores",
        &["review"],
        "action=publish",
        Only(REVIEWER),
    ),
    // A review still open: nothing to reopen (409).
    post(
        "/admin/reviews/{id}/reopen",
        &["open_review"],
        "",
        Only(ADMIN),
    ),
    get("/admin/calls/{id}/board", &["call"], Only(ADMIN)),
    get("/admin/calls/{id}/board.csv", &["call"], Only(ADMIN)),
    get("/admin/applications/{id}/decision", &["app"], Only(ADMIN)),
    // Decisions are published: nothing changes (409).
    post(
        "/admin/applications/{id}/decision",
        &["app"],
        "outcome=&rationale=",
        Only(ADMIN),
    ),
    post(
        "/admin/applications/{id}/components",
        &["app"],
        "",
        Only(ADMIN),
    ),
    post(
        "/admin/calls/{id}/publish-decisions",
        &["call"],
        "",
        Only(ADMIN),
    ),
    get("/grants", &[], Public),
    get("/open-data/grants.json", &[], Public),
    get("/open-data/grants.csv", &[], Public),
    get("/awards", &[], SignedIn),
    get("/awards/{id}", &["award"], Only(AWARD)),
    post("/awards/{id}/accept", &["award"], "", Only(OWNER)),
    // The grantee's owner corrects the bank details: an empty form (422).
    post(
        "/awards/{id}/bank",
        &["award"],
        "account_name=",
        Only(OWNER),
    ),
    post(
        "/awards/{id}/reports/{n}",
        &["award", "approved_report"],
        "",
        Only(LEAD),
    ),
    // Report 1 is approved: no more files (409).
    upload(
        "/awards/{id}/reports/{n}/attachments",
        &["award", "approved_report"],
        Only(LEAD),
    ),
    get(
        "/awards/{id}/report-files/{a}",
        &["award", "report_file"],
        Only(AWARD),
    ),
    post("/awards/{id}/support", &["award"], "", Only(ADMIN)),
    post("/awards/{id}/evaluations", &["award"], "", Only(ADMIN)),
    post("/awards/{id}/refunds", &["award"], "", Only(FINANCE)),
    get("/admin/reports", &[], Only(ADMIN)),
    post(
        "/admin/reports/{id}",
        &["report"],
        "decision=return&comment=",
        Only(ADMIN),
    ),
    get("/finance", &[], Only(MONEY)),
    // Tranche 1 is paid: not requested twice (409).
    post(
        "/finance/tranches/{id}/request",
        &["tranche"],
        "",
        Only(FINANCE),
    ),
    // Maker and checker alike reach the form check (a bad rate, 422).
    post(
        "/finance/payments/{id}",
        &["payment"],
        "decision=approve&payee_currency=CNY&rate=not-a-rate&reference=TT1",
        Only(FINANCE),
    ),
    // A settled payment: not settled twice (409), a return needs its
    // reason (422), a decision must be one (400).
    post(
        "/finance/payments/{id}/settle",
        &["settled_payment"],
        "",
        Only(FINANCE),
    ),
    post(
        "/finance/payments/{id}/return",
        &["settled_payment"],
        "reason=",
        Only(FINANCE),
    ),
    post(
        "/finance/payments/{id}/return/decision",
        &["settled_payment"],
        "decision=neither",
        Only(FINANCE),
    ),
    // A currency that is none (400).
    post(
        "/finance/batches",
        &[],
        "fund={fund}&currency=XXX",
        Only(FINANCE),
    ),
    get("/finance/batches/{id}", &["batch"], Only(MONEY)),
    // The batch was sent: nothing is taken out (409), no format is none (400).
    post(
        "/finance/batches/{id}/remove",
        &["batch"],
        "payment={settled_payment}",
        Only(FINANCE),
    ),
    post(
        "/finance/batches/{id}/download",
        &["batch"],
        "format=neither",
        Only(FINANCE),
    ),
    post(
        "/finance/awards/{id}/bank",
        &["award"],
        "decision=neither",
        Only(FINANCE),
    ),
    // A PDF is no statement (422).
    upload("/finance/statements", &[], Only(FINANCE)),
    get("/finance/statements/{id}", &["statement"], Only(MONEY)),
    get("/finance/funds/{id}", &["fund"], Only(MONEY)),
    post(
        "/finance/funds/{id}/contributions",
        &["fund"],
        "",
        Only(FINANCE),
    ),
    post(
        "/finance/funds/{id}/corrections",
        &["fund"],
        "",
        Only(FINANCE),
    ),
    post(
        "/finance/corrections/{id}",
        &["correction"],
        "decision=neither",
        Only(FINANCE),
    ),
    get("/finance/funds/{id}/ledger.csv", &["fund"], Only(MONEY)),
    get("/finance/ledger.csv", &[], Only(MONEY)),
    get("/finance/funds/{id}/payments.csv", &["fund"], Only(MONEY)),
];

/// What is wrong with the table itself: routes without a row, rows without
/// a route, a route twice, a row whose targets do not fit its route.
fn table_problems() -> Vec<String> {
    let mut problems = Vec::new();
    for (method, route) in ROUTES {
        match ROWS
            .iter()
            .filter(|r| r.method == *method && r.route == *route)
            .count()
        {
            0 => problems.push(format!("{method} {route}: in ROUTES but has no row")),
            1 => {}
            n => problems.push(format!("{method} {route}: {n} rows")),
        }
    }
    for row in ROWS {
        if !ROUTES.contains(&(row.method, row.route)) {
            problems.push(format!(
                "{} {}: a row for a route that is not in ROUTES",
                row.method, row.route
            ));
        }
        let holes = row.route.split('/').filter(|s| s.starts_with('{')).count();
        if holes != row.args.len() {
            problems.push(format!(
                "{} {}: {holes} path parameters but {} targets",
                row.method,
                row.route,
                row.args.len()
            ));
        }
    }
    problems
}

#[test]
fn every_route_has_one_row_in_the_matrix() {
    let problems = table_problems();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

// ---- the world

type Targets = HashMap<&'static str, String>;

fn target<'a>(targets: &'a Targets, name: &str) -> &'a str {
    targets
        .get(name)
        .unwrap_or_else(|| panic!("no target named {name}"))
}

fn fill(row: &Row, targets: &Targets) -> String {
    let mut args = row.args.iter();
    row.route
        .split('/')
        .map(|part| {
            if part.starts_with('{') {
                target(targets, args.next().unwrap())
            } else {
                part
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn form(fields: &str, targets: &Targets) -> Vec<(String, String)> {
    fields
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let v = match v.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
                Some(name) => target(targets, name),
                None => v,
            };
            (k.to_string(), v.to_string())
        })
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The ids a query (selecting `id`) finds, in its order.
async fn ids(app: &TestApp, sql: &str) -> Vec<i64> {
    let mut conn = app.state.pool.get().await.unwrap();
    diesel::sql_query(sql)
        .load::<Id>(&mut conn)
        .await
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
        .into_iter()
        .map(|r| r.id)
        .collect()
}

async fn one(app: &TestApp, sql: &str) -> i64 {
    ids(app, sql)
        .await
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("the seed has nothing for: {sql}"))
}

async fn email_of(app: &TestApp, user: i64) -> String {
    let mut conn = app.state.pool.get().await.unwrap();
    baygrants::models::users::find(&mut conn, UserId(user))
        .await
        .unwrap()
        .unwrap()
        .email
}

/// A seeded user's account (they all share one password).
async fn seeded(app: &TestApp, user: i64) -> Option<(String, &'static str)> {
    Some((email_of(app, user).await, scale::PASSWORD))
}

async fn owner_of(app: &TestApp, org: i64) -> i64 {
    one(
        app,
        &format!(
            "SELECT user_id AS id FROM organization_members
             WHERE organization_id = {org} AND role = 'owner' ORDER BY user_id LIMIT 1"
        ),
    )
    .await
}

/// Status and `Location` of one answer.
struct Answer {
    status: u16,
    location: String,
}

/// Posts `PDF` as a multipart upload from `b`'s session.
async fn post_pdf(app: &TestApp, b: &Browser, path: &str, csrf: &str) -> Answer {
    let client = reqwest::Client::builder()
        .cookie_provider(b.jar.clone())
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let file = reqwest::multipart::Part::bytes(PDF.to_vec())
        .file_name("plan.pdf")
        .mime_str("application/pdf")
        .unwrap();
    let form = reqwest::multipart::Form::new()
        .text("csrf", csrf.to_string())
        .part("file", file);
    let res = client
        .post(format!("{}{path}", app.base))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    Answer {
        status: res.status().as_u16(),
        location,
    }
}

/// A setup step over HTTP that must succeed with a redirect.
async fn must(b: &Browser, page: &str, action: &str, fields: &[(&str, &str)]) {
    let res = b.submit(page, action, fields).await;
    assert_eq!(res.status, 303, "{action}: {}", res.body);
}

struct Persona {
    who: Who,
    /// Email and password; `None` for the visitor.
    account: Option<(String, &'static str)>,
    browser: Browser,
    csrf: String,
}

impl Persona {
    async fn new(app: &TestApp, who: Who, account: Option<(String, &'static str)>) -> Persona {
        let mut p = Persona {
            who,
            account,
            browser: app.browser(),
            csrf: String::new(),
        };
        p.sign_in().await;
        p
    }

    /// Signs in (again) and reads the token every page's forms carry.
    async fn sign_in(&mut self) {
        if let Some((email, password)) = &self.account {
            self.browser.login(email, password).await;
        }
        self.csrf = self.browser.get("/").await.csrf();
    }

    async fn ask(&self, app: &TestApp, row: &Row, path: &str, targets: &Targets) -> Answer {
        let page = match row.body {
            Body::None => self.browser.get(path).await,
            Body::Pdf => return post_pdf(app, &self.browser, path, &self.csrf).await,
            Body::Form(fields) => {
                let mut all = vec![("csrf".to_string(), self.csrf.clone())];
                all.extend(form(fields, targets));
                let pairs: Vec<(&str, &str)> =
                    all.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                self.browser.post_raw(path, &pairs).await
            }
        };
        Answer {
            status: page.status,
            location: page.location().to_string(),
        }
    }
}

/// The seeded Bay Area, with the few things the seed lacks made as people
/// make them. The targets:
/// - `award` W: an active award with report 1 approved; `app` A, its
///   application (awarded, so no longer editable), in the decided `call` C
///   of `fund` F, led by `lead` L with the accepted `partner` P;
/// - `review` R: a submitted review of A; `open_review`: one still open in
///   the call in review; `attachment`: a PDF of A, in A's latest snapshot;
/// - `line`, `milestone`: A's first budget line and milestone;
/// - `tranche`: W's first (paid) tranche; `payment`: a refund of W the maker
///   requested, pending; `correction`: a reversal of a contribution to F
///   the maker requested, pending;
/// - `report`: W's report waiting for review, with the file `report_file`;
///   `approved_report`: 1, the milestone of an approved report;
/// - `stranger_org` U: a verified organization with no part in A.
async fn world() -> (TestApp, Targets, Vec<Persona>) {
    let app = TestApp::spawn().await;
    let accounts = app.seed(crate::support::TINY_BAY, 11).await;
    let award = one(
        &app,
        "SELECT w.id FROM awards w WHERE w.state = 'active'
           AND EXISTS (SELECT 1 FROM progress_reports r
                       WHERE r.award_id = w.id AND r.position = 1 AND r.state = 'approved')
         ORDER BY w.id LIMIT 1",
    )
    .await;
    let of_award = |column: &str| format!("SELECT {column} AS id FROM awards WHERE id = {award}");
    let application = one(&app, &of_award("application_id")).await;
    let call = one(&app, &of_award("call_id")).await;
    let fund = one(&app, &of_award("fund_id")).await;
    let lead = one(&app, &of_award("lead_org_id")).await;
    let partner = one(
        &app,
        &format!(
            "SELECT organization_id AS id FROM application_partners
             WHERE application_id = {application} AND status = 'accepted'
             ORDER BY organization_id LIMIT 1"
        ),
    )
    .await;
    let stranger_org = one(
        &app,
        &format!(
            "SELECT id FROM organizations WHERE verification = 'verified' AND id <> {lead}
               AND id NOT IN (SELECT organization_id FROM application_partners
                              WHERE application_id = {application})
             ORDER BY id LIMIT 1"
        ),
    )
    .await;
    let review = one(
        &app,
        &format!(
            "SELECT id FROM reviews WHERE application_id = {application} AND state = 'submitted'
             ORDER BY id LIMIT 1"
        ),
    )
    .await;
    let assigned = one(
        &app,
        &format!("SELECT reviewer_id AS id FROM reviews WHERE id = {review}"),
    )
    .await;
    let unassigned = ids(
        &app,
        &format!(
            "SELECT user_id AS id FROM panel_members WHERE call_id = {call}
               AND user_id NOT IN (SELECT reviewer_id FROM reviews
                                   WHERE application_id = {application})
             ORDER BY user_id LIMIT 2"
        ),
    )
    .await;
    assert_eq!(
        unassigned.len(),
        2,
        "two panel members not on the application"
    );
    let (lead_owner, partner_owner, stranger) = (
        owner_of(&app, lead).await,
        owner_of(&app, partner).await,
        owner_of(&app, stranger_org).await,
    );

    let owner = Persona::new(&app, LeadOwner, seeded(&app, lead_owner).await).await;
    let conflicted = Persona::new(&app, Conflicted, seeded(&app, unassigned[1]).await).await;
    let maker = Persona::new(
        &app,
        Maker,
        Some((accounts.finance[0].clone(), scale::PASSWORD)),
    )
    .await;

    // A plain member of the lead organization, by the owner's invitation.
    app.registered_user(LEAD_MEMBER, PASSWORD, "en").await;
    must(
        &owner.browser,
        &format!("/orgs/{lead}/members"),
        &format!("/orgs/{lead}/invitations"),
        &[("email", LEAD_MEMBER), ("role", "member")],
    )
    .await;
    let link = app
        .smtp
        .wait_for(LEAD_MEMBER, "/invitations/")
        .await
        .link_containing("/invitations/");
    let invitation = link.trim_start_matches(&app.base).to_string();
    let member = Persona::new(&app, LeadMember, Some((LEAD_MEMBER.into(), PASSWORD))).await;
    must(&member.browser, &invitation, &invitation, &[]).await;

    // The conflict: an affiliation with the lead organization.
    must(
        &conflicted.browser,
        "/reviewer",
        "/reviewer/affiliations",
        &[("organization_id", &lead.to_string()), ("note", "Adviser")],
    )
    .await;

    // The maker's pending requests: a refund and a reversal.
    must(
        &maker.browser,
        &format!("/awards/{award}"),
        &format!("/awards/{award}/refunds"),
        &[("amount", "1.00"), ("reason", "Unspent venue deposit")],
    )
    .await;
    let entry = one(
        &app,
        &format!(
            "SELECT id FROM ledger_entries WHERE fund_id = {fund} AND kind = 'contribution'
             ORDER BY id LIMIT 1"
        ),
    )
    .await;
    must(
        &maker.browser,
        &format!("/finance/funds/{fund}"),
        &format!("/finance/funds/{fund}/corrections"),
        &[("entry", &entry.to_string()), ("reason", "Typed twice")],
    )
    .await;

    // A report waiting for review (the grantee writes the next one if none
    // waits), with a file.
    let waiting = format!(
        "SELECT id FROM progress_reports WHERE award_id = {award}
           AND state IN ('submitted', 'returned') ORDER BY position LIMIT 1"
    );
    if ids(&app, &waiting).await.is_empty() {
        let next = one(
            &app,
            &format!(
                "SELECT max(position)::bigint + 1 AS id FROM progress_reports
                 WHERE award_id = {award} AND state = 'approved'"
            ),
        )
        .await;
        must(
            &owner.browser,
            &format!("/awards/{award}"),
            &format!("/awards/{award}/reports/{next}"),
            &[("narrative", "Half way"), ("targets", "On track")],
        )
        .await;
    }
    let report = one(&app, &waiting).await;
    let position = one(
        &app,
        &format!("SELECT position::bigint AS id FROM progress_reports WHERE id = {report}"),
    )
    .await;
    let uploaded = post_pdf(
        &app,
        &owner.browser,
        &format!("/awards/{award}/reports/{position}/attachments"),
        &owner.csrf,
    )
    .await;
    assert_eq!(uploaded.status, 303, "report file not uploaded");

    // The application is long past submission: its attachment goes in as
    // submitting would have left it, stored and in the latest snapshot.
    let attachment = {
        use baygrants::models::applications as apps;
        use sha2::Digest;
        let mut conn = app.state.pool.get().await.unwrap();
        let now = app.state.clock.now();
        let id = ApplicationId(application);
        let digest = sha2::Sha256::digest(PDF).to_vec();
        let file = apps::add_attachment(
            &mut conn,
            id,
            "plan.pdf",
            "application/pdf",
            PDF,
            &digest,
            UserId(lead_owner),
            now,
        )
        .await
        .unwrap();
        let mut snapshot = apps::latest_snapshot(&mut conn, id).await.unwrap().unwrap();
        snapshot["attachments"] = serde_json::json!([{ "id": file, "filename": "plan.pdf" }]);
        apps::add_snapshot(&mut conn, id, &snapshot, now)
            .await
            .unwrap();
        file
    };

    let first = |table: &str| {
        format!("SELECT id FROM {table} WHERE application_id = {application} ORDER BY id LIMIT 1")
    };
    let found = [
        ("line", one(&app, &first("budget_lines")).await),
        ("milestone", one(&app, &first("milestones")).await),
        (
            "tranche",
            one(
                &app,
                &format!("SELECT id FROM tranches WHERE award_id = {award} AND position = 1"),
            )
            .await,
        ),
        (
            "payment",
            one(
                &app,
                &format!(
                    "SELECT id FROM payment_requests WHERE award_id = {award} AND state = 'pending'"
                ),
            )
            .await,
        ),
        (
            "correction",
            one(
                &app,
                &format!("SELECT id FROM corrections WHERE fund_id = {fund} AND state = 'pending'"),
            )
            .await,
        ),
        (
            "report_file",
            one(
                &app,
                &format!("SELECT id FROM report_attachments WHERE report_id = {report}"),
            )
            .await,
        ),
        (
            "open_review",
            one(
                &app,
                "SELECT id FROM reviews WHERE state IN ('assigned', 'draft') ORDER BY id LIMIT 1",
            )
            .await,
        ),
        (
            "email",
            one(&app, "SELECT id FROM outbox ORDER BY id LIMIT 1").await,
        ),
        (
            "batch",
            one(&app, "SELECT id FROM payment_batches ORDER BY id LIMIT 1").await,
        ),
        (
            "statement",
            one(&app, "SELECT id FROM bank_statements ORDER BY id LIMIT 1").await,
        ),
        (
            "settled_payment",
            one(
                &app,
                "SELECT id FROM payment_requests WHERE transfer = 'settled' ORDER BY id LIMIT 1",
            )
            .await,
        ),
    ];
    let mut targets: Targets = [
        ("award", award),
        ("app", application),
        ("call", call),
        ("fund", fund),
        ("lead", lead),
        ("partner", partner),
        ("stranger_org", stranger_org),
        ("stranger_user", stranger),
        ("lead_owner_user", lead_owner),
        ("review", review),
        ("panel_user", unassigned[0]),
        ("attachment", attachment),
        ("report", report),
        ("approved_report", 1),
    ]
    .into_iter()
    .chain(found)
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    targets.insert("file", "app.css".into());
    targets.insert("focus", "elderly_care".into());
    // Well formed, never issued.
    targets.insert("token", "A".repeat(43));

    let mut people = vec![Persona::new(&app, Visitor, None).await, owner, member];
    for (who, user) in [
        (Partner, partner_owner),
        (Stranger, stranger),
        (Assigned, assigned),
        (Panel, unassigned[0]),
    ] {
        people.push(Persona::new(&app, who, seeded(&app, user).await).await);
    }
    people.push(conflicted);
    people.push(Persona::new(&app, Admin, Some((accounts.admin.clone(), scale::PASSWORD))).await);
    people.push(maker);
    people.push(
        Persona::new(
            &app,
            Checker,
            Some((accounts.finance[1].clone(), scale::PASSWORD)),
        )
        .await,
    );
    (app, targets, people)
}

/// How an answer reads, or `None` when no one may get it: a server error,
/// or a 403 (the token is always right, and refusals are 404).
fn outcome(answer: &Answer) -> Option<Outcome> {
    let to_login = answer.location == "/login" || answer.location.starts_with("/login?");
    match answer.status {
        403 | 500.. => None,
        404 => Some(Outcome::Hidden),
        303 if to_login => Some(Outcome::Login),
        _ => Some(Outcome::Allowed),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_route_answers_every_person_as_the_policy_says() {
    let (app, targets, mut people) = world().await;
    let mut mismatches = table_problems();
    let mut cells = 0;
    for row in ROWS {
        let path = fill(row, &targets);
        for person in &mut people {
            let expected = row.rule.expect(person.who);
            let answer = person.ask(&app, row, &path, &targets).await;
            cells += 1;
            if outcome(&answer) != Some(expected) {
                mismatches.push(format!(
                    "{} {} ({path}) as {:?}: expected {expected:?}, got status {} location {}",
                    row.method,
                    row.route,
                    person.who,
                    answer.status,
                    if answer.location.is_empty() {
                        "-"
                    } else {
                        &answer.location
                    }
                ));
            }
            if row.relogin {
                person.sign_in().await;
            }
        }
    }
    println!(
        "authorization matrix: {} routes × {} people = {cells} cells, {} mismatches",
        ROWS.len(),
        people.len(),
        mismatches.len()
    );
    assert!(
        mismatches.is_empty(),
        "{} of {cells} cells answered otherwise than expected:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
