//! One search box for everyone signed in: applications, awards,
//! organizations and people, grouped by kind, the matching words marked,
//! each result linking where it belongs. What a person finds is what
//! `policy::search_reach` lets them open.

use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::ctx::Ctx;
use super::render;
use crate::AppState;
use crate::domain::money::format_money;
use crate::domain::search::{Query, SearchKind, Segment, highlight};
use crate::error::AppError;
use crate::models::search::{self as index, AppScope, AwardScope, Hit};
use crate::models::{ApplicationId, Conn, OrganizationId, UserId, organizations as orgs};
use crate::policy::search_reach;

/// Results shown per kind; the lists behind "more" have pages of their own.
const PER_KIND: i64 = 10;
/// Characters of body text shown around the first match.
const SNIPPET: usize = 120;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SearchQuery {
    q: String,
}

/// One result: where it leads, its name with the matches marked, a line
/// of text around the first match, and what kind of thing it is.
pub struct Found {
    pub href: String,
    pub title: Vec<Segment>,
    pub text: Vec<Segment>,
    pub meta: String,
}

pub struct Group {
    /// The catalogue key of the group's heading.
    pub heading: &'static str,
    pub rows: Vec<Found>,
    /// The list holding every match, when there are more than shown.
    pub more: Option<String>,
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage<'a> {
    c: &'a Ctx,
    q: &'a str,
    /// Something was typed, but nothing in it can be looked for.
    nothing_to_find: bool,
    groups: Vec<Group>,
}

pub async fn page(
    ctx: Ctx,
    state: web::Data<AppState>,
    query: web::Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let user = ctx.require_user()?.id;
    let actor = ctx.actor().ok_or(AppError::NotFound)?;
    let reach = search_reach(&actor);
    let q = Query::parse(&query.q);
    if q.is_empty() {
        return render(&SearchPage {
            c: &ctx,
            q: &q.text,
            nothing_to_find: !q.text.is_empty(),
            groups: Vec::new(),
        });
    }
    let mut conn = state.pool.get().await?;
    let mine: Vec<OrganizationId> = if reach.all_applications && reach.all_awards {
        Vec::new()
    } else {
        orgs::memberships(&mut conn, user)
            .await?
            .into_iter()
            .map(|(org, _)| org)
            .collect()
    };
    let scope = |all: bool| {
        if all {
            AppScope::Staff
        } else {
            AppScope::MemberOf(&mine)
        }
    };
    // The hits of every kind at once, pipelined on the one connection.
    let c: &Conn = &conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5) = (c, c, c, c, c);
    let report_scope = if reach.all_awards {
        AwardScope::Staff
    } else {
        AwardScope::LeadBy(&mine)
    };
    // Awards are found through their applications' words, among the
    // applications that have one (the lead's own, for everyone but staff).
    let award_scope = AppScope::Awarded((!reach.all_awards).then_some(mine.as_slice()));
    let (apps, awarded, found_orgs, found_people, reports) = tokio::try_join!(
        index::applications(&mut c1, &q, scope(reach.all_applications), PER_KIND + 1),
        index::applications(&mut c2, &q, award_scope, PER_KIND + 1),
        index::best(&mut c3, SearchKind::Organization, &q, PER_KIND + 1),
        async {
            if reach.people {
                index::best(&mut c4, SearchKind::Person, &q, PER_KIND + 1).await
            } else {
                Ok(Vec::new())
            }
        },
        index::reports(&mut c5, &q, report_scope, PER_KIND),
    )?;
    let award_hits: &[Hit] = &awarded;
    let ids = |hits: &[Hit]| -> Vec<ApplicationId> {
        hits.iter()
            .take(PER_KIND as usize)
            .map(|h| ApplicationId(h.id))
            .collect()
    };
    let (app_ids, award_app_ids) = (ids(&apps), ids(award_hits));
    let all_app_ids: Vec<ApplicationId> = app_ids
        .iter()
        .chain(award_app_ids.iter())
        .copied()
        .chain(reports.iter().map(|r| r.application_id))
        .collect();
    let org_ids: Vec<OrganizationId> = found_orgs
        .iter()
        .take(PER_KIND as usize)
        .map(|h| OrganizationId(h.id))
        .collect();
    let people_ids: Vec<UserId> = found_people
        .iter()
        .take(PER_KIND as usize)
        .map(|h| UserId(h.id))
        .collect();
    let (mut c1, mut c2, mut c3, mut c4) = (c, c, c, c);
    let (app_rows, awards, org_rows, people) = tokio::try_join!(
        index::application_rows(&mut c1, &all_app_ids),
        index::awards_of(&mut c2, &award_app_ids),
        orgs::find_many(&mut c3, &org_ids),
        index::people(&mut c4, &people_ids),
    )?;

    let mut groups = Vec::new();
    let title_of = |id: ApplicationId| {
        app_rows
            .iter()
            .find(|r| r.id == id)
            .map(|r| {
                if r.title.is_empty() {
                    ctx.t("application-untitled")
                } else {
                    ctx.own(&r.title)
                }
            })
            .unwrap_or_default()
    };
    {
        let rows = app_ids
            .iter()
            .filter_map(|id| app_rows.iter().find(|r| r.id == *id))
            .map(|r| {
                let body = [
                    &r.summary,
                    &r.need,
                    &r.approach,
                    &r.outcomes,
                    &r.beneficiaries,
                ]
                .into_iter()
                .map(|t| highlight(&ctx.own(t), &q, SNIPPET))
                .find(|segments| segments.iter().any(|s| s.hit))
                .unwrap_or_else(|| highlight(&ctx.own(&r.summary), &q, SNIPPET));
                Found {
                    href: format!("/applications/{}", r.id),
                    title: highlight(&title_of(r.id), &q, 200),
                    text: body,
                    meta: format!(
                        "#{} · {} · {} · {}",
                        r.id,
                        ctx.label("appstate", &r.state),
                        ctx.pick(&r.call_title_zh, &r.call_title_en),
                        ctx.pick(&r.lead_zh, &r.lead_en)
                    ),
                }
            })
            .collect();
        groups.push(Group {
            heading: "search-applications",
            rows,
            more: (apps.len() as i64 > PER_KIND && reach.all_applications)
                .then(|| format!("/admin/applications?q={}", super::url_encode(&q.text))),
        });
    }
    groups.push(Group {
        heading: "search-awards",
        rows: awards
            .iter()
            .map(|a| Found {
                href: format!("/awards/{}", a.id),
                title: highlight(&title_of(a.application_id), &q, 200),
                text: Vec::new(),
                meta: format!(
                    "#{} · {} · {}",
                    a.id,
                    ctx.label("award-state", &a.state),
                    format_money(a.amount, a.currency)
                ),
            })
            .collect(),
        more: None,
    });
    groups.push(Group {
        heading: "search-reports",
        rows: reports
            .iter()
            .map(|r| Found {
                href: format!("/awards/{}#tranches-h", r.award_id),
                title: highlight(&title_of(r.application_id), &q, 200),
                text: highlight(&ctx.own(&r.narrative), &q, SNIPPET),
                meta: format!(
                    "#{} · {} · {}",
                    r.award_id,
                    ctx.t_with("search-report-number", &[("n", r.position.to_string())]),
                    ctx.label("report-state", &r.state)
                ),
            })
            .collect(),
        more: None,
    });
    groups.push(Group {
        heading: "search-organizations",
        rows: org_ids
            .iter()
            .filter_map(|id| org_rows.iter().find(|o| o.id == *id))
            .map(|o| Found {
                href: format!("/orgs/{}", o.id),
                title: highlight(&ctx.pick(&o.name_zh, &o.name_en), &q, 200),
                text: highlight(&o.name_en, &q, 200),
                meta: format!(
                    "{} · {} · {}",
                    super::orgs::place(&ctx, o),
                    ctx.label("orgtype", &o.org_type),
                    ctx.label("verification", &o.verification)
                ),
            })
            .collect(),
        more: (found_orgs.len() as i64 > PER_KIND)
            .then(|| format!("/orgs?q={}", super::url_encode(&q.text))),
    });
    if reach.people {
        groups.push(Group {
            heading: "search-people",
            rows: people_ids
                .iter()
                .filter_map(|id| people.iter().find(|p| p.0 == *id))
                .map(|(_, name, email)| Found {
                    href: format!("/admin/users?q={}", super::url_encode(email)),
                    title: highlight(name, &q, 200),
                    text: highlight(email, &q, 200),
                    meta: String::new(),
                })
                .collect(),
            more: (found_people.len() as i64 > PER_KIND)
                .then(|| format!("/admin/users?q={}", super::url_encode(&q.text))),
        });
    }
    render(&SearchPage {
        c: &ctx,
        q: &q.text,
        nothing_to_find: false,
        groups,
    })
}
