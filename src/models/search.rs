//! The search index: one row per organization, application and person,
//! rewritten by the transaction that changes what it was cut from.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use diesel_async::RunQueryDsl;

use super::{ApplicationId, AwardId, Conn, OrganizationId, Reader, UserId};
use crate::db::schema::{
    application_partners, applications, awards, organizations, progress_reports, search_documents,
    users,
};
use crate::domain::application::{ApplicationState, PartnerStatus};
use crate::domain::search::{Query, SearchKind, code_token, document_tokens};

type Tokens = Vec<Option<String>>;

/// One row to write.
struct Doc {
    id: i64,
    tokens: Vec<String>,
    title: Vec<String>,
    /// When what it was cut from last changed.
    at: DateTime<Utc>,
    /// An application still being drafted: found by its own side only.
    draft: bool,
}

impl Doc {
    fn new(id: i64, (tokens, title): (Vec<String>, Vec<String>), at: DateTime<Utc>) -> Doc {
        Doc {
            id,
            tokens,
            title,
            at,
            draft: false,
        }
    }
}

/// Writes (or rewrites) one thing's row.
async fn put(conn: &mut Conn, kind: SearchKind, doc: Doc) -> QueryResult<()> {
    let tokens = marked(kind, &doc.tokens);
    let title_tokens = marked(kind, &doc.title);
    diesel::insert_into(search_documents::table)
        .values((
            search_documents::kind.eq(kind),
            search_documents::entity_id.eq(doc.id),
            search_documents::tokens.eq(&tokens),
            search_documents::title_tokens.eq(&title_tokens),
            search_documents::updated_at.eq(doc.at),
            search_documents::draft.eq(doc.draft),
        ))
        .on_conflict((search_documents::kind, search_documents::entity_id))
        .do_update()
        .set((
            search_documents::tokens.eq(&tokens),
            search_documents::title_tokens.eq(&title_tokens),
            search_documents::updated_at.eq(doc.at),
            search_documents::draft.eq(doc.draft),
        ))
        .execute(conn)
        .await
        .map(drop)
}

/// What an organization is found by: its names in every language and its
/// registration number (as typed and as a code). Addresses and contacts are
/// left out: visitors search the same rows.
pub fn organization_tokens(
    name_zh: &str,
    name_en: &str,
    number: &str,
) -> (Vec<String>, Vec<String>) {
    let mut title = document_tokens([name_zh, name_en, number]);
    title.extend(code_token(number));
    title.sort_unstable();
    (title.clone(), title)
}

pub async fn index_organization(conn: &mut Conn, id: OrganizationId) -> QueryResult<()> {
    let (zh, en, number, at): (String, String, String, DateTime<Utc>) = organizations::table
        .find(id)
        .select((
            organizations::name_zh,
            organizations::name_en,
            organizations::registration_number,
            organizations::updated_at,
        ))
        .first(conn)
        .await?;
    let doc = Doc::new(id.0, organization_tokens(&zh, &en, &number), at);
    put(conn, SearchKind::Organization, doc).await?;
    // The applications it leads or joins carry its names.
    let led: Vec<ApplicationId> = applications::table
        .filter(applications::lead_org_id.eq(id))
        .select(applications::id)
        .load(conn)
        .await?;
    let joined: Vec<ApplicationId> = application_partners::table
        .filter(application_partners::organization_id.eq(id))
        .select(application_partners::application_id)
        .load(conn)
        .await?;
    for app in led.into_iter().chain(joined) {
        index_application(conn, app).await?;
    }
    Ok(())
}

/// The texts of an application that it is found by, and those of its title.
pub struct ApplicationTexts<'a> {
    pub title: &'a str,
    pub body: [&'a str; 5],
    pub organizations: Vec<&'a str>,
}

pub fn application_tokens(t: &ApplicationTexts<'_>) -> (Vec<String>, Vec<String>) {
    let title = document_tokens([t.title]);
    let tokens = document_tokens(
        std::iter::once(t.title)
            .chain(t.body.iter().copied())
            .chain(t.organizations.iter().copied()),
    );
    (tokens, title)
}

pub async fn index_application(conn: &mut Conn, id: ApplicationId) -> QueryResult<()> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        DateTime<Utc>,
        String,
        String,
        ApplicationState,
    );
    let row: Row = applications::table
        .inner_join(organizations::table)
        .filter(applications::id.eq(id))
        .select((
            applications::title,
            applications::summary,
            applications::need,
            applications::approach,
            applications::outcomes,
            applications::beneficiaries,
            applications::updated_at,
            organizations::name_zh,
            organizations::name_en,
            applications::state,
        ))
        .first(conn)
        .await?;
    let partners: Vec<(String, String)> = application_partners::table
        .inner_join(organizations::table)
        .filter(application_partners::application_id.eq(id))
        .select((organizations::name_zh, organizations::name_en))
        .load(conn)
        .await?;
    let (title, summary, need, approach, outcomes, beneficiaries, at, lead_zh, lead_en, state) =
        row;
    let mut names = vec![lead_zh.as_str(), lead_en.as_str()];
    for (zh, en) in &partners {
        names.push(zh);
        names.push(en);
    }
    let tokens = application_tokens(&ApplicationTexts {
        title: &title,
        body: [&summary, &need, &approach, &outcomes, &beneficiaries],
        organizations: names,
    });
    let doc = Doc {
        draft: state == ApplicationState::Draft,
        ..Doc::new(id.0, tokens, at)
    };
    put(conn, SearchKind::Application, doc).await
}

/// An application's row keeps its state's draft flag and its
/// `updated_at` (the admins' list with a query is read in that order from
/// the row alone): after a change of state or a touch, copy them again.
pub async fn sync_application(conn: &mut Conn, id: ApplicationId) -> QueryResult<()> {
    diesel::sql_query(SYNC_APPLICATIONS.replace("{which}", "a.id = $1"))
        .bind::<BigInt, _>(id.0)
        .execute(conn)
        .await
        .map(drop)
}

/// As `sync_application`, for every application of a call.
pub async fn sync_call(conn: &mut Conn, call: super::CallId) -> QueryResult<()> {
    diesel::sql_query(SYNC_APPLICATIONS.replace("{which}", "a.call_id = $1"))
        .bind::<BigInt, _>(call.0)
        .execute(conn)
        .await
        .map(drop)
}

const SYNC_APPLICATIONS: &str = "UPDATE search_documents d \
     SET updated_at = a.updated_at, draft = (a.state = 'draft') \
     FROM applications a \
     WHERE d.kind = 'application' AND d.entity_id = a.id AND {which} \
       AND (d.updated_at <> a.updated_at OR d.draft <> (a.state = 'draft'))";

/// A person by name and email address (the address also whole).
pub fn person_tokens(name: &str, email: &str) -> (Vec<String>, Vec<String>) {
    let mut tokens = document_tokens([name, email]);
    tokens.push(format!("@{}", email.trim().to_lowercase()));
    tokens.sort_unstable();
    (tokens.clone(), tokens)
}

pub async fn index_person(conn: &mut Conn, id: UserId) -> QueryResult<()> {
    let (name, email, at): (String, String, DateTime<Utc>) = users::table
        .find(id)
        .select((users::name, users::email, users::updated_at))
        .first(conn)
        .await?;
    let doc = Doc::new(id.0, person_tokens(&name, &email), at);
    put(conn, SearchKind::Person, doc).await
}

/// What a progress report is found by: its narrative and its targets.
pub fn report_tokens(narrative: &str, targets: &str) -> (Vec<String>, Vec<String>) {
    (document_tokens([narrative, targets]), Vec::new())
}

pub async fn index_report(conn: &mut Conn, award: AwardId, position: i32) -> QueryResult<()> {
    let (id, narrative, targets, at): (i64, String, String, DateTime<Utc>) =
        progress_reports::table
            .filter(progress_reports::award_id.eq(award))
            .filter(progress_reports::position.eq(position))
            .select((
                progress_reports::id,
                progress_reports::narrative,
                progress_reports::targets,
                progress_reports::submitted_at,
            ))
            .first(conn)
            .await?;
    let doc = Doc::new(id, report_tokens(&narrative, &targets), at);
    put(conn, SearchKind::Report, doc).await
}

/// Rows for everything that has none yet (data from before the index, or
/// written by the scale seed's SQL), on two connections at once: cutting
/// text is Rust's work and writing the GIN index PostgreSQL's, and each
/// keeps a core busy. Returns how many were written.
pub async fn index_missing(pool: &crate::db::Pool) -> anyhow::Result<usize> {
    let mut a = pool.get().await?;
    if pool.status().max_size < 2 {
        return Ok(index_part(&mut a, 0).await? + index_part(&mut a, 1).await?);
    }
    let mut b = pool.get().await?;
    let (x, y) = tokio::try_join!(index_part(&mut a, 0), index_part(&mut b, 1))?;
    Ok(x + y)
}

/// The things of one half (`part`: 0 even ids, 1 odd ids) without a row,
/// in batches in id order.
async fn index_part(conn: &mut Conn, part: i64) -> QueryResult<usize> {
    use diesel::dsl::{exists, not};
    const BATCH: i64 = 2_000;
    let half =
        |column: &'static str| sql::<Bool>(&format!("{column} % 2 = ")).bind::<BigInt, _>(part);
    let mut written = 0;
    let mut after = 0;
    loop {
        let orgs: Vec<(OrganizationId, String, String, String, DateTime<Utc>)> =
            organizations::table
                .filter(organizations::id.gt(OrganizationId(after)))
                .filter(half("organizations.id"))
                .filter(not(exists(
                    search_documents::table
                        .filter(search_documents::kind.eq(SearchKind::Organization))
                        .filter(
                            search_documents::entity_id.eq(organizations::id.assume_not_null()),
                        ),
                )))
                .select((
                    organizations::id,
                    organizations::name_zh,
                    organizations::name_en,
                    organizations::registration_number,
                    organizations::updated_at,
                ))
                .order(organizations::id)
                .limit(BATCH)
                .load(conn)
                .await?;
        let Some(last) = orgs.last() else { break };
        after = last.0.0;
        let docs = orgs
            .iter()
            .map(|(id, zh, en, number, at)| {
                Doc::new(id.0, organization_tokens(zh, en, number), *at)
            })
            .collect();
        written += put_many(conn, SearchKind::Organization, docs).await?;
    }
    after = 0;
    loop {
        type Row = (
            ApplicationId,
            String,
            String,
            String,
            String,
            String,
            String,
            DateTime<Utc>,
            ApplicationState,
        );
        let apps: Vec<Row> = applications::table
            .filter(applications::id.gt(ApplicationId(after)))
            .filter(half("applications.id"))
            .filter(not(exists(
                search_documents::table
                    .filter(search_documents::kind.eq(SearchKind::Application))
                    .filter(search_documents::entity_id.eq(applications::id.assume_not_null())),
            )))
            .select((
                applications::id,
                applications::title,
                applications::summary,
                applications::need,
                applications::approach,
                applications::outcomes,
                applications::beneficiaries,
                applications::updated_at,
                applications::state,
            ))
            .order(applications::id)
            .limit(BATCH)
            .load(conn)
            .await?;
        let Some(last) = apps.last() else { break };
        after = last.0.0;
        let ids: Vec<ApplicationId> = apps.iter().map(|a| a.0).collect();
        let names: Vec<(ApplicationId, String, String)> = applications::table
            .inner_join(organizations::table)
            .filter(applications::id.eq_any(&ids))
            .select((
                applications::id,
                organizations::name_zh,
                organizations::name_en,
            ))
            .union(
                application_partners::table
                    .inner_join(organizations::table)
                    .filter(application_partners::application_id.eq_any(&ids))
                    .select((
                        application_partners::application_id,
                        organizations::name_zh,
                        organizations::name_en,
                    )),
            )
            .load(conn)
            .await?;
        let mut by_app: std::collections::HashMap<ApplicationId, Vec<&str>> = Default::default();
        for (app, zh, en) in &names {
            by_app
                .entry(*app)
                .or_default()
                .extend([zh.as_str(), en.as_str()]);
        }
        let docs = apps
            .iter()
            .map(
                |(id, title, summary, need, approach, outcomes, beneficiaries, at, state)| {
                    let tokens = application_tokens(&ApplicationTexts {
                        title,
                        body: [summary, need, approach, outcomes, beneficiaries],
                        organizations: by_app.remove(id).unwrap_or_default(),
                    });
                    Doc {
                        draft: *state == ApplicationState::Draft,
                        ..Doc::new(id.0, tokens, *at)
                    }
                },
            )
            .collect();
        written += put_many(conn, SearchKind::Application, docs).await?;
    }
    after = 0;
    loop {
        let people: Vec<(UserId, String, String, DateTime<Utc>)> = users::table
            .filter(users::id.gt(UserId(after)))
            .filter(half("users.id"))
            .filter(not(exists(
                search_documents::table
                    .filter(search_documents::kind.eq(SearchKind::Person))
                    .filter(search_documents::entity_id.eq(users::id.assume_not_null())),
            )))
            .select((users::id, users::name, users::email, users::updated_at))
            .order(users::id)
            .limit(BATCH)
            .load(conn)
            .await?;
        let Some(last) = people.last() else { break };
        after = last.0.0;
        let docs = people
            .iter()
            .map(|(id, name, email, at)| Doc::new(id.0, person_tokens(name, email), *at))
            .collect();
        written += put_many(conn, SearchKind::Person, docs).await?;
    }
    after = 0;
    loop {
        let reports: Vec<(i64, String, String, DateTime<Utc>)> = progress_reports::table
            .filter(progress_reports::id.gt(after))
            .filter(half("progress_reports.id"))
            .filter(not(exists(
                search_documents::table
                    .filter(search_documents::kind.eq(SearchKind::Report))
                    .filter(search_documents::entity_id.eq(progress_reports::id)),
            )))
            .select((
                progress_reports::id,
                progress_reports::narrative,
                progress_reports::targets,
                progress_reports::submitted_at,
            ))
            .order(progress_reports::id)
            .limit(BATCH)
            .load(conn)
            .await?;
        let Some(last) = reports.last() else { break };
        after = last.0;
        let docs = reports
            .iter()
            .map(|(id, narrative, targets, at)| {
                Doc::new(*id, report_tokens(narrative, targets), *at)
            })
            .collect();
        written += put_many(conn, SearchKind::Report, docs).await?;
    }
    Ok(written)
}

/// Many rows in one statement: tokens travel space-joined (no token holds a
/// space) and are split again by PostgreSQL.
async fn put_many(conn: &mut Conn, kind: SearchKind, docs: Vec<Doc>) -> QueryResult<usize> {
    let mut ids = Vec::with_capacity(docs.len());
    let mut tokens = Vec::with_capacity(docs.len());
    let mut titles = Vec::with_capacity(docs.len());
    let mut ats = Vec::with_capacity(docs.len());
    let mut drafts = Vec::with_capacity(docs.len());
    let joined = |t: &[String]| {
        marked(kind, t)
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    };
    for doc in docs {
        ids.push(doc.id);
        tokens.push(joined(&doc.tokens));
        titles.push(joined(&doc.title));
        ats.push(doc.at);
        drafts.push(doc.draft);
    }
    diesel::sql_query(
        "INSERT INTO search_documents (kind, entity_id, tokens, title_tokens, updated_at, draft) \
         SELECT $1, d.id, string_to_array(d.t, ' '), string_to_array(d.title, ' '), d.at, d.draft \
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[], $6::boolean[]) \
           AS d(id, t, title, at, draft) \
         ON CONFLICT (kind, entity_id) DO NOTHING",
    )
    .bind::<Text, _>(kind.code())
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(tokens)
    .bind::<Array<Text>, _>(titles)
    .bind::<Array<diesel::sql_types::Timestamptz>, _>(ats)
    .bind::<Array<Bool>, _>(drafts)
    .execute(conn)
    .await
}

// ---- finding

/// Tokens are stored with their kind's mark (`a:长者`, `o:长者`), so that
/// PostgreSQL's statistics of common elements are per kind: a word common
/// in organizations' names but rare in applications' titles is planned as
/// rare there.
fn marked(kind: SearchKind, tokens: &[String]) -> Tokens {
    let mark = match kind {
        SearchKind::Organization => "o:",
        SearchKind::Application => "a:",
        SearchKind::Person => "p:",
        SearchKind::Report => "r:",
    };
    tokens.iter().map(|t| Some(format!("{mark}{t}"))).collect()
}

fn tokens_of(kind: SearchKind, q: &Query) -> Tokens {
    marked(kind, &q.tokens)
}

fn code_of(kind: SearchKind, q: &Query) -> Tokens {
    marked(kind, q.code.as_slice())
}

/// The ids of things of `kind` matching the query (every token, or the
/// whole query as a code; for applications also the number typed alone),
/// as a subquery for lists that keep their own order and filters.
pub fn ids_matching(
    kind: SearchKind,
    q: &Query,
) -> search_documents::BoxedQuery<'static, diesel::pg::Pg, BigInt> {
    let reference = q.reference.filter(|_| kind == SearchKind::Application);
    search_documents::table
        .filter(search_documents::kind.eq(kind))
        .filter(
            search_documents::tokens
                .contains(tokens_of(kind, q))
                .and(some_tokens(q))
                .or(search_documents::title_tokens
                    .contains(code_of(kind, q))
                    .and(some_code(q)))
                .or(search_documents::entity_id.nullable().eq(reference)),
        )
        .select(search_documents::entity_id)
        .into_boxed()
}

/// `tokens @> '{}'` holds for every row: a query without tokens matches
/// by code alone, and one without a code by its tokens alone.
fn some_tokens(q: &Query) -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(if q.tokens.is_empty() { "false" } else { "true" })
}

fn some_code(q: &Query) -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(if q.code.is_none() { "false" } else { "true" })
}

/// A found thing's id and how well it matched: 0 a code or reference,
/// 1 its title or name, 2 anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub id: i64,
    pub rank: i32,
}

/// Who the application results are for: staff see every submitted one;
/// anyone else, those their organizations lead or join (drafts too; a
/// partner that declined is no longer on the application). `Awarded`
/// keeps the applications that have an award: all of them, or those led
/// by the given organizations (a partner does not see the lead's award).
pub enum AppScope<'a> {
    Staff,
    MemberOf(&'a [OrganizationId]),
    Awarded(Option<&'a [OrganizationId]>),
}

/// Which rows a ranked search reads, before the query's own condition.
fn rows_of<'a>(
    kind: SearchKind,
    scope: &AppScope<'_>,
) -> search_documents::BoxedQuery<'a, diesel::pg::Pg, BigInt> {
    let q = search_documents::table
        .filter(search_documents::kind.eq(kind))
        .select(search_documents::entity_id)
        .into_boxed();
    match scope {
        // The row says whether it is a draft: no join for staff, and the
        // (kind, draft, updated_at) index reads the newest first.
        AppScope::Staff => q.filter(search_documents::draft.eq(false)),
        AppScope::MemberOf(orgs) => q.filter(
            search_documents::entity_id
                .eq_any(
                    applications::table
                        .filter(applications::lead_org_id.eq_any(orgs.to_vec()))
                        .select(applications::id),
                )
                .or(search_documents::entity_id.eq_any(
                    application_partners::table
                        .filter(application_partners::organization_id.eq_any(orgs.to_vec()))
                        .filter(application_partners::status.ne(PartnerStatus::Declined))
                        .select(application_partners::application_id),
                )),
        ),
        AppScope::Awarded(None) => q.filter(
            search_documents::entity_id.eq_any(awards::table.select(awards::application_id)),
        ),
        AppScope::Awarded(Some(orgs)) => q.filter(
            search_documents::entity_id.eq_any(
                awards::table
                    .filter(awards::lead_org_id.eq_any(orgs.to_vec()))
                    .select(awards::application_id),
            ),
        ),
    }
}

/// The best `limit` things of `kind` for the query, in three tiers, each
/// newest first: a code or reference, then the title or name, then the
/// rest of the text. Each tier is its own statement with its own limit, so
/// a word in a third of the documents reads a few dozen rows from the
/// newest down instead of ranking all of them; a rare word is looked up in
/// the GIN indexes. Organizations and people have no text beyond their
/// names (their title tokens are all their tokens).
async fn ranked(
    conn: &mut impl Reader,
    kind: SearchKind,
    q: &Query,
    scope: AppScope<'_>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let newest = (
        search_documents::updated_at.desc(),
        search_documents::entity_id.desc(),
    );
    let mut hits: Vec<Hit> = Vec::new();
    let add = |ids: Vec<i64>, rank: i32, hits: &mut Vec<Hit>| {
        for id in ids {
            if !hits.iter().any(|h| h.id == id) {
                hits.push(Hit { id, rank });
            }
        }
    };
    let reference = q.reference.filter(|_| kind == SearchKind::Application);
    if q.code.is_some() || reference.is_some() {
        let ids = rows_of(kind, &scope)
            .filter(
                search_documents::title_tokens
                    .contains(code_of(kind, q))
                    .and(some_code(q))
                    .or(search_documents::entity_id.nullable().eq(reference)),
            )
            .order(newest)
            .limit(limit)
            .load(conn)
            .await?;
        add(ids, 0, &mut hits);
    }
    let titled = kind != SearchKind::Report;
    if titled && !q.tokens.is_empty() && (hits.len() as i64) < limit {
        let ids = rows_of(kind, &scope)
            .filter(search_documents::title_tokens.contains(tokens_of(kind, q)))
            .order(newest)
            .limit(limit)
            .load(conn)
            .await?;
        add(ids, 1, &mut hits);
    }
    let more_text = matches!(kind, SearchKind::Application | SearchKind::Report);
    if more_text && !q.tokens.is_empty() && (hits.len() as i64) < limit {
        let mut body =
            rows_of(kind, &scope).filter(search_documents::tokens.contains(tokens_of(kind, q)));
        if titled {
            body = body.filter(diesel::dsl::not(
                search_documents::title_tokens.contains(tokens_of(kind, q)),
            ));
        }
        let ids = body.order(newest).limit(limit).load(conn).await?;
        add(ids, 2, &mut hits);
    }
    hits.truncate(usize::try_from(limit).unwrap_or_default());
    Ok(hits)
}

/// The best `limit` applications for the query.
pub async fn applications(
    conn: &mut impl Reader,
    q: &Query,
    scope: AppScope<'_>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    ranked(conn, SearchKind::Application, q, scope, limit).await
}

/// The best `limit` organizations (or people) for the query.
pub async fn best(
    conn: &mut impl Reader,
    kind: SearchKind,
    q: &Query,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    ranked(conn, kind, q, AppScope::Staff, limit).await
}

/// The admins' list with a query and no other filter: submitted
/// applications matching it, most recently changed first, after the
/// cursor, read from the rows alone (they keep the application's state
/// and `updated_at`): a common word walks the newest rows down and stops
/// at the page, a rare one comes from the GIN index.
pub async fn newest_submitted(
    conn: &mut impl Reader,
    q: &Query,
    after: Option<ApplicationId>,
    after_updated: Option<DateTime<Utc>>,
    limit: i64,
) -> QueryResult<Vec<(ApplicationId, DateTime<Utc>)>> {
    use diesel::sql_types::Timestamptz;
    let kind = SearchKind::Application;
    let mut query = search_documents::table
        .filter(search_documents::kind.eq(kind))
        .filter(search_documents::draft.eq(false))
        .filter(
            search_documents::tokens
                .contains(tokens_of(kind, q))
                .and(some_tokens(q))
                .or(search_documents::entity_id.nullable().eq(q.reference)),
        )
        .select((search_documents::entity_id, search_documents::updated_at))
        .into_boxed();
    match (after, after_updated) {
        (Some(id), Some(at)) => {
            query = query.filter(
                sql::<Bool>("(search_documents.updated_at, search_documents.entity_id) < (")
                    .bind::<Timestamptz, _>(at)
                    .sql(", ")
                    .bind::<BigInt, _>(id.0)
                    .sql(")"),
            )
        }
        (Some(id), None) => {
            query = query.filter(
                sql::<Bool>(
                    "(search_documents.updated_at, search_documents.entity_id) < \
                     (SELECT s.updated_at, s.id FROM applications s WHERE s.id = ",
                )
                .bind::<BigInt, _>(id.0)
                .sql(")"),
            )
        }
        (None, _) => {}
    }
    let rows: Vec<(i64, DateTime<Utc>)> = query
        .order((
            search_documents::updated_at.desc(),
            search_documents::entity_id.desc(),
        ))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, at)| (ApplicationId(id), at))
        .collect())
}

/// Who the report results are for: staff see every submitted report;
/// anyone else, the reports of awards their organizations lead.
pub enum AwardScope<'a> {
    Staff,
    LeadBy(&'a [OrganizationId]),
}

/// A found report: its id, award and place in the schedule.
#[derive(Debug, Clone, Queryable)]
pub struct ReportHit {
    pub id: i64,
    pub award_id: AwardId,
    pub application_id: ApplicationId,
    pub position: i32,
    pub state: crate::domain::award::ReportState,
    pub narrative: String,
}

/// The best `limit` progress reports for the query, newest first.
pub async fn reports(
    conn: &mut impl Reader,
    q: &Query,
    scope: AwardScope<'_>,
    limit: i64,
) -> QueryResult<Vec<ReportHit>> {
    let mut query = search_documents::table
        .inner_join(
            progress_reports::table.on(progress_reports::id.eq(search_documents::entity_id)),
        )
        .inner_join(awards::table.on(awards::id.eq(progress_reports::award_id)))
        .filter(search_documents::kind.eq(SearchKind::Report))
        .filter(
            search_documents::tokens
                .contains(tokens_of(SearchKind::Report, q))
                .and(some_tokens(q)),
        )
        .select((
            progress_reports::id,
            awards::id,
            awards::application_id,
            progress_reports::position,
            progress_reports::state,
            progress_reports::narrative,
        ))
        .into_boxed();
    if let AwardScope::LeadBy(orgs) = scope {
        query = query.filter(awards::lead_org_id.eq_any(orgs.to_vec()));
    }
    query
        .order((
            search_documents::updated_at.desc(),
            search_documents::entity_id.desc(),
        ))
        .limit(limit)
        .load(conn)
        .await
}

// ---- what a result shows

#[derive(Debug, Clone, Queryable)]
pub struct ApplicationRow {
    pub id: ApplicationId,
    pub title: String,
    pub summary: String,
    pub need: String,
    pub approach: String,
    pub outcomes: String,
    pub beneficiaries: String,
    pub state: crate::domain::application::ApplicationState,
    pub call_title_zh: String,
    pub call_title_en: String,
    pub lead_zh: String,
    pub lead_en: String,
}

/// The found applications' rows, in no order.
pub async fn application_rows(
    conn: &mut impl Reader,
    ids: &[ApplicationId],
) -> QueryResult<Vec<ApplicationRow>> {
    use crate::db::schema::calls;
    applications::table
        .inner_join(calls::table)
        .inner_join(organizations::table)
        .filter(applications::id.eq_any(ids.to_vec()))
        .select((
            applications::id,
            applications::title,
            applications::summary,
            applications::need,
            applications::approach,
            applications::outcomes,
            applications::beneficiaries,
            applications::state,
            calls::title_zh,
            calls::title_en,
            organizations::name_zh,
            organizations::name_en,
        ))
        .load(conn)
        .await
}

#[derive(Debug, Clone, Queryable)]
pub struct AwardRow {
    pub id: super::AwardId,
    pub application_id: ApplicationId,
    pub state: crate::domain::award::AwardState,
    pub amount: rust_decimal::Decimal,
    pub currency: crate::domain::money::Currency,
}

/// The awards of these applications.
pub async fn awards_of(
    conn: &mut impl Reader,
    ids: &[ApplicationId],
) -> QueryResult<Vec<AwardRow>> {
    use crate::db::schema::awards;
    awards::table
        .filter(awards::application_id.eq_any(ids.to_vec()))
        .select((
            awards::id,
            awards::application_id,
            awards::state,
            awards::amount,
            awards::currency,
        ))
        .order(awards::id.desc())
        .load(conn)
        .await
}

/// People by id: (id, name, email).
pub async fn people(
    conn: &mut impl Reader,
    ids: &[UserId],
) -> QueryResult<Vec<(UserId, String, String)>> {
    users::table
        .filter(users::id.eq_any(ids.to_vec()))
        .select((users::id, users::name, users::email))
        .load(conn)
        .await
}
