//! The search index: one row per organization, application and person,
//! rewritten by the transaction that changes what it was cut from.

use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text};
use diesel_async::RunQueryDsl;

use super::{ApplicationId, AwardId, Conn, OrganizationId, Reader, UserId};
use crate::db::schema::{
    application_partners, applications, awards, organizations, progress_reports, search_documents,
    users,
};
use crate::domain::search::{Query, SearchKind, code_token, document_tokens};

type Tokens = Vec<Option<String>>;

/// One row to write: the thing's id, its tokens, its title's tokens, when
/// it last changed.
type Doc = (i64, Vec<String>, Vec<String>, DateTime<Utc>);

fn as_column(tokens: Vec<String>) -> Tokens {
    tokens.into_iter().map(Some).collect()
}

/// Writes (or rewrites) one thing's row.
async fn put(
    conn: &mut Conn,
    kind: SearchKind,
    id: i64,
    tokens: Vec<String>,
    title_tokens: Vec<String>,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    let tokens = as_column(tokens);
    let title_tokens = as_column(title_tokens);
    diesel::insert_into(search_documents::table)
        .values((
            search_documents::kind.eq(kind),
            search_documents::entity_id.eq(id),
            search_documents::tokens.eq(&tokens),
            search_documents::title_tokens.eq(&title_tokens),
            search_documents::updated_at.eq(at),
        ))
        .on_conflict((search_documents::kind, search_documents::entity_id))
        .do_update()
        .set((
            search_documents::tokens.eq(&tokens),
            search_documents::title_tokens.eq(&title_tokens),
            search_documents::updated_at.eq(at),
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
    let (tokens, title) = organization_tokens(&zh, &en, &number);
    put(conn, SearchKind::Organization, id.0, tokens, title, at).await?;
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
        ))
        .first(conn)
        .await?;
    let partners: Vec<(String, String)> = application_partners::table
        .inner_join(organizations::table)
        .filter(application_partners::application_id.eq(id))
        .select((organizations::name_zh, organizations::name_en))
        .load(conn)
        .await?;
    let (title, summary, need, approach, outcomes, beneficiaries, at, lead_zh, lead_en) = row;
    let mut names = vec![lead_zh.as_str(), lead_en.as_str()];
    for (zh, en) in &partners {
        names.push(zh);
        names.push(en);
    }
    let (tokens, title) = application_tokens(&ApplicationTexts {
        title: &title,
        body: [&summary, &need, &approach, &outcomes, &beneficiaries],
        organizations: names,
    });
    put(conn, SearchKind::Application, id.0, tokens, title, at).await
}

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
    let (tokens, title) = person_tokens(&name, &email);
    put(conn, SearchKind::Person, id.0, tokens, title, at).await
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
    let (tokens, title) = report_tokens(&narrative, &targets);
    put(conn, SearchKind::Report, id, tokens, title, at).await
}

/// Rows for everything that has none yet (data from before the index, or
/// written by the scale seed's SQL), in batches. Returns how many were written.
pub async fn index_missing(conn: &mut Conn) -> QueryResult<usize> {
    const BATCH: i64 = 2_000;
    let mut written = 0;
    loop {
        let orgs: Vec<(OrganizationId, String, String, String, DateTime<Utc>)> =
            organizations::table
                .filter(diesel::dsl::not(diesel::dsl::exists(
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
                .limit(BATCH)
                .load(conn)
                .await?;
        if orgs.is_empty() {
            break;
        }
        let docs = orgs
            .iter()
            .map(|(id, zh, en, number, at)| {
                let (t, title) = organization_tokens(zh, en, number);
                (id.0, t, title, *at)
            })
            .collect();
        written += put_many(conn, SearchKind::Organization, docs).await?;
    }
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
        );
        let apps: Vec<Row> = applications::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
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
            ))
            .order(applications::id)
            .limit(BATCH)
            .load(conn)
            .await?;
        if apps.is_empty() {
            break;
        }
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
        let docs = apps
            .iter()
            .map(
                |(id, title, summary, need, approach, outcomes, beneficiaries, at)| {
                    let orgs: Vec<&str> = names
                        .iter()
                        .filter(|(a, _, _)| a == id)
                        .flat_map(|(_, zh, en)| [zh.as_str(), en.as_str()])
                        .collect();
                    let (t, title) = application_tokens(&ApplicationTexts {
                        title,
                        body: [summary, need, approach, outcomes, beneficiaries],
                        organizations: orgs,
                    });
                    (id.0, t, title, *at)
                },
            )
            .collect();
        written += put_many(conn, SearchKind::Application, docs).await?;
    }
    loop {
        let people: Vec<(UserId, String, String, DateTime<Utc>)> = users::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
                search_documents::table
                    .filter(search_documents::kind.eq(SearchKind::Person))
                    .filter(search_documents::entity_id.eq(users::id.assume_not_null())),
            )))
            .select((users::id, users::name, users::email, users::updated_at))
            .limit(BATCH)
            .load(conn)
            .await?;
        if people.is_empty() {
            break;
        }
        let docs = people
            .iter()
            .map(|(id, name, email, at)| {
                let (t, title) = person_tokens(name, email);
                (id.0, t, title, *at)
            })
            .collect();
        written += put_many(conn, SearchKind::Person, docs).await?;
    }
    loop {
        let reports: Vec<(i64, String, String, DateTime<Utc>)> = progress_reports::table
            .filter(diesel::dsl::not(diesel::dsl::exists(
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
            .limit(BATCH)
            .load(conn)
            .await?;
        if reports.is_empty() {
            break;
        }
        let docs = reports
            .iter()
            .map(|(id, narrative, targets, at)| {
                let (t, title) = report_tokens(narrative, targets);
                (*id, t, title, *at)
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
    for (id, t, title, at) in docs {
        ids.push(id);
        tokens.push(t.join(" "));
        titles.push(title.join(" "));
        ats.push(at);
    }
    diesel::sql_query(
        "INSERT INTO search_documents (kind, entity_id, tokens, title_tokens, updated_at) \
         SELECT $1, d.id, string_to_array(d.t, ' '), string_to_array(d.title, ' '), d.at \
         FROM unnest($2::bigint[], $3::text[], $4::text[], $5::timestamptz[]) AS d(id, t, title, at) \
         ON CONFLICT (kind, entity_id) DO NOTHING",
    )
    .bind::<Text, _>(kind.code())
    .bind::<Array<BigInt>, _>(ids)
    .bind::<Array<Text>, _>(tokens)
    .bind::<Array<Text>, _>(titles)
    .bind::<Array<diesel::sql_types::Timestamptz>, _>(ats)
    .execute(conn)
    .await
}

// ---- finding

fn tokens_of(q: &Query) -> Tokens {
    q.tokens.iter().cloned().map(Some).collect()
}

fn code_of(q: &Query) -> Tokens {
    vec![q.code.clone()]
}

/// The ids of things of `kind` matching the query (every token, or the
/// whole query as a code), as a subquery for lists that keep their own
/// order and filters.
pub fn ids_matching(
    kind: SearchKind,
    q: &Query,
) -> search_documents::BoxedQuery<'static, diesel::pg::Pg, BigInt> {
    search_documents::table
        .filter(search_documents::kind.eq(kind))
        .filter(
            search_documents::tokens
                .contains(tokens_of(q))
                .and(some_tokens(q))
                .or(search_documents::tokens.contains(code_of(q))),
        )
        .select(search_documents::entity_id)
        .into_boxed()
}

/// `tokens @> '{}'` holds for every row: a query without tokens matches
/// by code alone.
fn some_tokens(q: &Query) -> diesel::expression::SqlLiteral<Bool> {
    sql::<Bool>(if q.tokens.is_empty() { "false" } else { "true" })
}

/// A found thing's id and how well it matched: 0 a code, 1 its title or
/// name, 2 anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub id: i64,
    pub rank: i32,
}

/// Who the application results are for: staff see every submitted one;
/// anyone else, those their organizations lead or join (drafts too).
pub enum AppScope<'a> {
    Staff,
    MemberOf(&'a [OrganizationId]),
}

/// The best `limit` applications for the query, best first, newest first
/// among equals; `reference` (an application number typed alone) first.
pub async fn applications(
    conn: &mut impl Reader,
    q: &Query,
    scope: AppScope<'_>,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let mut query = search_documents::table
        .inner_join(applications::table.on(applications::id.eq(search_documents::entity_id)))
        .filter(search_documents::kind.eq(SearchKind::Application))
        .filter(
            search_documents::tokens
                .contains(tokens_of(q))
                .and(some_tokens(q))
                .or(search_documents::tokens.contains(code_of(q)))
                .or(search_documents::entity_id.nullable().eq(q.reference)),
        )
        .select((
            search_documents::entity_id,
            sql::<Integer>("CASE WHEN search_documents.title_tokens @> ")
                .bind::<Array<Nullable<Text>>, _>(code_of(q))
                .sql(" THEN 0 WHEN search_documents.title_tokens @> ")
                .bind::<Array<Nullable<Text>>, _>(tokens_of(q))
                .sql(" THEN 1 ELSE 2 END"),
        ))
        .into_boxed();
    query = match scope {
        AppScope::Staff => query
            .filter(applications::state.ne(crate::domain::application::ApplicationState::Draft)),
        AppScope::MemberOf(orgs) => query.filter(
            applications::lead_org_id
                .eq_any(orgs.to_vec())
                .or(applications::id.eq_any(
                    application_partners::table
                        .filter(application_partners::organization_id.eq_any(orgs.to_vec()))
                        .select(application_partners::application_id),
                )),
        ),
    };
    let rows: Vec<(i64, i32)> = query
        .order((
            sql::<Integer>("2"),
            search_documents::updated_at.desc(),
            search_documents::entity_id.desc(),
        ))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, rank)| Hit {
            id,
            rank: if Some(id) == q.reference { 0 } else { rank },
        })
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
                .contains(tokens_of(q))
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

/// The best `limit` organizations (or people) for the query.
pub async fn best(
    conn: &mut impl Reader,
    kind: SearchKind,
    q: &Query,
    limit: i64,
) -> QueryResult<Vec<Hit>> {
    let rows: Vec<(i64, i32)> = search_documents::table
        .filter(search_documents::kind.eq(kind))
        .filter(
            search_documents::tokens
                .contains(tokens_of(q))
                .and(some_tokens(q))
                .or(search_documents::tokens.contains(code_of(q))),
        )
        .select((
            search_documents::entity_id,
            sql::<Integer>("CASE WHEN search_documents.title_tokens @> ")
                .bind::<Array<Nullable<Text>>, _>(code_of(q))
                .sql(" THEN 0 WHEN search_documents.title_tokens @> ")
                .bind::<Array<Nullable<Text>>, _>(tokens_of(q))
                .sql(" THEN 1 ELSE 2 END"),
        ))
        .order((
            sql::<Integer>("2"),
            search_documents::updated_at.desc(),
            search_documents::entity_id.desc(),
        ))
        .limit(limit)
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, rank)| Hit { id, rank })
        .collect())
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
