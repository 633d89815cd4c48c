use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use rust_decimal::Decimal;

use super::{CallId, Conn, FundId, Reader, UserId};
use crate::db::schema::{
    call_focus_areas, call_review_settings, call_score_components, calls, funds, rubric_criteria,
};
use crate::domain::call::{CallState, Component, Criterion, ReviewSettings, ValidCall};
use crate::domain::money::Currency;
use crate::domain::organization::Jurisdiction;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calls)]
pub struct Call {
    pub id: CallId,
    pub fund_id: FundId,
    pub state: CallState,
    pub title_zh: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_en: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub budget: Decimal,
    pub min_request: Decimal,
    pub max_request: Decimal,
    pub max_duration_months: i32,
    pub rule_joint_required: bool,
    pub rule_lead_jurisdictions: Vec<Option<Jurisdiction>>,
    pub rule_verified_required: bool,
    pub rule_whitelist_required: bool,
    pub rule_min_registered_months: Option<i32>,
    pub rule_min_matching_percent: Option<Decimal>,
    pub rule_max_overhead_percent: Option<Decimal>,
    pub rule_max_applications_per_lead: Option<i32>,
    pub rule_no_debarred: bool,
    pub rule_declaration_required: bool,
    pub anonymise_reviews: bool,
    pub rate_cny: Decimal,
    pub rate_hkd: Decimal,
    pub rate_mop: Decimal,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub title_hans: String,
    pub description_hans: String,
}

/// What a list of calls shows of each: no descriptions, rules or rates
/// (the public list reads a tenth of the bytes a whole `Call` holds).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = calls)]
pub struct CallCard {
    pub id: CallId,
    pub fund_id: FundId,
    pub state: CallState,
    pub title_zh: String,
    pub title_en: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub budget: Decimal,
    pub title_hans: String,
}

impl Call {
    /// The title for a reader of `lang` (an email, say): their language's
    /// where the call has one, else the Chinese in their script.
    pub fn title_in(&self, lang: crate::i18n::Lang) -> String {
        match lang {
            crate::i18n::Lang::ZhHans if !self.title_hans.trim().is_empty() => {
                self.title_hans.clone()
            }
            _ => crate::i18n::script::pick(lang, &self.title_zh, &self.title_en),
        }
    }

    pub fn state(&self) -> CallState {
        self.state
    }

    pub fn rate(&self, currency: Currency) -> Decimal {
        match currency {
            Currency::Cny => self.rate_cny,
            Currency::Hkd => self.rate_hkd,
            Currency::Mop => self.rate_mop,
        }
    }

    pub fn lead_jurisdictions(&self) -> Vec<Jurisdiction> {
        self.rule_lead_jurisdictions
            .iter()
            .flatten()
            .copied()
            .collect()
    }
}

#[derive(AsChangeset, Insertable)]
#[diesel(table_name = calls)]
#[diesel(treat_none_as_null = true)]
struct CallFields<'a> {
    fund_id: FundId,
    title_zh: &'a str,
    title_en: &'a str,
    title_hans: &'a str,
    description_zh: &'a str,
    description_en: &'a str,
    description_hans: &'a str,
    opens_at: DateTime<Utc>,
    closes_at: DateTime<Utc>,
    budget: Decimal,
    min_request: Decimal,
    max_request: Decimal,
    max_duration_months: i32,
    rule_joint_required: bool,
    rule_lead_jurisdictions: Vec<Option<Jurisdiction>>,
    rule_verified_required: bool,
    rule_whitelist_required: bool,
    rule_min_registered_months: Option<i32>,
    rule_min_matching_percent: Option<Decimal>,
    rule_max_overhead_percent: Option<Decimal>,
    rule_max_applications_per_lead: Option<i32>,
    rule_no_debarred: bool,
    rule_declaration_required: bool,
    anonymise_reviews: bool,
    rate_cny: Decimal,
    rate_hkd: Decimal,
    rate_mop: Decimal,
    updated_at: DateTime<Utc>,
}

fn fields(fund: FundId, c: &ValidCall, now: DateTime<Utc>) -> CallFields<'_> {
    let rate = |cur: Currency| {
        c.rates
            .iter()
            .find(|(k, _)| *k == cur)
            .map(|(_, r)| *r)
            .unwrap_or(Decimal::ONE)
    };
    CallFields {
        fund_id: fund,
        title_zh: &c.title_zh,
        title_en: &c.title_en,
        title_hans: &c.title_hans,
        description_zh: &c.description_zh,
        description_en: &c.description_en,
        description_hans: &c.description_hans,
        opens_at: c.opens_at,
        closes_at: c.closes_at,
        budget: c.budget,
        min_request: c.min_request,
        max_request: c.max_request,
        max_duration_months: c.max_duration_months,
        rule_joint_required: c.rules.joint_required,
        rule_lead_jurisdictions: c
            .rules
            .lead_jurisdictions
            .iter()
            .map(|j| Some(*j))
            .collect(),
        rule_verified_required: c.rules.verified_required,
        rule_whitelist_required: c.rules.whitelist_required,
        rule_min_registered_months: c.rules.min_registered_months,
        rule_min_matching_percent: c.rules.min_matching_percent,
        rule_max_overhead_percent: c.rules.max_overhead_percent,
        rule_max_applications_per_lead: c.rules.max_applications_per_lead,
        rule_no_debarred: c.rules.no_debarred,
        rule_declaration_required: c.rules.declaration_required,
        anonymise_reviews: c.anonymise_reviews,
        rate_cny: rate(Currency::Cny),
        rate_hkd: rate(Currency::Hkd),
        rate_mop: rate(Currency::Mop),
        updated_at: now,
    }
}

pub async fn insert(
    conn: &mut Conn,
    fund: FundId,
    c: &ValidCall,
    by: UserId,
    now: DateTime<Utc>,
) -> QueryResult<CallId> {
    let id = diesel::insert_into(calls::table)
        .values((
            fields(fund, c, now),
            calls::created_by.eq(by),
            calls::created_at.eq(now),
        ))
        .returning(calls::id)
        .get_result(conn)
        .await?;
    replace_parts(conn, id, c).await?;
    Ok(id)
}

/// Saves a draft; `false` if the call is no longer a draft.
pub async fn update_draft(
    conn: &mut Conn,
    id: CallId,
    fund: FundId,
    c: &ValidCall,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::update(
        calls::table
            .find(id)
            .filter(calls::state.eq(CallState::Draft)),
    )
    .set(fields(fund, c, now))
    .execute(conn)
    .await?;
    if n == 1 {
        replace_parts(conn, id, c).await?;
    }
    Ok(n == 1)
}

async fn replace_parts(conn: &mut Conn, id: CallId, c: &ValidCall) -> QueryResult<()> {
    diesel::delete(call_focus_areas::table.filter(call_focus_areas::call_id.eq(id)))
        .execute(conn)
        .await?;
    let focus: Vec<_> = c
        .focus
        .iter()
        .map(|f| {
            (
                call_focus_areas::call_id.eq(id),
                call_focus_areas::focus_area.eq(f),
            )
        })
        .collect();
    diesel::insert_into(call_focus_areas::table)
        .values(focus)
        .execute(conn)
        .await?;
    diesel::delete(rubric_criteria::table.filter(rubric_criteria::call_id.eq(id)))
        .execute(conn)
        .await?;
    let rows: Vec<_> = c
        .criteria
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                rubric_criteria::call_id.eq(id),
                rubric_criteria::position.eq(i as i32 + 1),
                rubric_criteria::name_zh.eq(&k.name_zh),
                rubric_criteria::name_en.eq(&k.name_en),
                rubric_criteria::guidance_zh.eq(&k.guidance_zh),
                rubric_criteria::guidance_en.eq(&k.guidance_en),
                rubric_criteria::weight.eq(k.weight),
                rubric_criteria::max_score.eq(k.max_score),
            )
        })
        .collect();
    diesel::insert_into(rubric_criteria::table)
        .values(rows)
        .execute(conn)
        .await?;
    let r = &c.review;
    diesel::insert_into(call_review_settings::table)
        .values((
            call_review_settings::call_id.eq(id),
            call_review_settings::blind.eq(r.blind),
            call_review_settings::show_peer_scores.eq(r.show_peer_scores),
            call_review_settings::review_days.eq(r.review_days),
            call_review_settings::evaluations.eq(r.evaluations),
        ))
        .on_conflict(call_review_settings::call_id)
        .do_update()
        .set((
            call_review_settings::blind.eq(r.blind),
            call_review_settings::show_peer_scores.eq(r.show_peer_scores),
            call_review_settings::review_days.eq(r.review_days),
            call_review_settings::evaluations.eq(r.evaluations),
        ))
        .execute(conn)
        .await?;
    diesel::delete(call_score_components::table.filter(call_score_components::call_id.eq(id)))
        .execute(conn)
        .await?;
    let components: Vec<_> = r
        .components
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                call_score_components::call_id.eq(id),
                call_score_components::position.eq(i as i32 + 1),
                call_score_components::name_zh.eq(&k.name_zh),
                call_score_components::name_en.eq(&k.name_en),
                call_score_components::weight.eq(k.weight),
            )
        })
        .collect();
    diesel::insert_into(call_score_components::table)
        .values(components)
        .execute(conn)
        .await
        .map(drop)
}

/// How the call is reviewed; calls saved before these settings existed get the defaults.
pub async fn review_settings(conn: &mut Conn, id: CallId) -> QueryResult<ReviewSettings> {
    let row: Option<(bool, bool, i32, bool)> = call_review_settings::table
        .find(id)
        .select((
            call_review_settings::blind,
            call_review_settings::show_peer_scores,
            call_review_settings::review_days,
            call_review_settings::evaluations,
        ))
        .first(conn)
        .await
        .optional()?;
    let components = call_score_components::table
        .filter(call_score_components::call_id.eq(id))
        .order(call_score_components::position)
        .select((
            call_score_components::name_zh,
            call_score_components::name_en,
            call_score_components::weight,
        ))
        .load::<(String, String, i32)>(conn)
        .await?
        .into_iter()
        .map(|(name_zh, name_en, weight)| Component {
            name_zh,
            name_en,
            weight,
        })
        .collect();
    let mut settings = ReviewSettings {
        components,
        ..ReviewSettings::default()
    };
    if let Some((blind, peers, days, evaluations)) = row {
        settings.evaluations = evaluations;
        settings.blind = blind;
        settings.show_peer_scores = peers;
        settings.review_days = days;
    }
    Ok(settings)
}

pub async fn find(conn: &mut impl Reader, id: CallId) -> QueryResult<Option<Call>> {
    calls::table
        .find(id)
        .select(Call::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn find_for_update(conn: &mut Conn, id: CallId) -> QueryResult<Option<Call>> {
    calls::table
        .find(id)
        .select(Call::as_select())
        .for_update()
        .first(conn)
        .await
        .optional()
}

/// Moves a call from `from` to `to`; `false` if it was not in `from`.
pub async fn set_state(
    conn: &mut Conn,
    id: CallId,
    from: CallState,
    to: CallState,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let published_at = (to == CallState::Published).then_some(now);
    let target = calls::table.find(id).filter(calls::state.eq(from));
    let n = match published_at {
        Some(at) => {
            diesel::update(target)
                .set((
                    calls::state.eq(to),
                    calls::published_at.eq(at),
                    calls::updated_at.eq(now),
                ))
                .execute(conn)
                .await?
        }
        None => {
            diesel::update(target)
                .set((calls::state.eq(to), calls::updated_at.eq(now)))
                .execute(conn)
                .await?
        }
    };
    Ok(n == 1)
}

pub async fn criteria(conn: &mut impl Reader, id: CallId) -> QueryResult<Vec<Criterion>> {
    let rows: Vec<(String, String, String, String, i32, i32)> = rubric_criteria::table
        .filter(rubric_criteria::call_id.eq(id))
        .order(rubric_criteria::position)
        .select((
            rubric_criteria::name_zh,
            rubric_criteria::name_en,
            rubric_criteria::guidance_zh,
            rubric_criteria::guidance_en,
            rubric_criteria::weight,
            rubric_criteria::max_score,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(name_zh, name_en, guidance_zh, guidance_en, weight, max_score)| Criterion {
                name_zh,
                name_en,
                guidance_zh,
                guidance_en,
                weight,
                max_score,
            },
        )
        .collect())
}

pub async fn focus(conn: &mut impl Reader, id: CallId) -> QueryResult<Vec<String>> {
    call_focus_areas::table
        .filter(call_focus_areas::call_id.eq(id))
        .select(call_focus_areas::focus_area)
        .order(call_focus_areas::focus_area)
        .load(conn)
        .await
}

/// Every call with its fund's currency, newest first (admin list).
pub async fn all_with_currency(conn: &mut Conn) -> QueryResult<Vec<(CallCard, Currency)>> {
    calls::table
        .inner_join(funds::table)
        .select((CallCard::as_select(), funds::currency))
        .order(calls::id.desc())
        .limit(500)
        .load(conn)
        .await
}

/// The public list's first page in one statement: every call still open or
/// yet to open (closing after `now`), then the `closed` latest closed by
/// `now`, each part latest closing first.
pub async fn public_first_page(
    conn: &mut impl Reader,
    now: DateTime<Utc>,
    closed: i64,
) -> QueryResult<Vec<(CallCard, Currency)>> {
    let current = calls::table
        .inner_join(funds::table)
        .filter(calls::state.ne(CallState::Draft))
        .filter(calls::closes_at.gt(now))
        .select((CallCard::as_select(), funds::currency));
    let past = calls::table
        .inner_join(funds::table)
        .filter(calls::state.ne(CallState::Draft))
        .filter(calls::closes_at.le(now))
        .select((CallCard::as_select(), funds::currency))
        .order((calls::closes_at.desc(), calls::id.desc()))
        .limit(closed);
    let mut rows: Vec<(CallCard, Currency)> = current.union_all(past).load(conn).await?;
    // Latest closing first puts every current call before every closed one.
    rows.sort_by_key(|(c, _)| std::cmp::Reverse((c.closes_at, c.id)));
    Ok(rows)
}

/// One page of calls closed by `now`, latest first, after the call `after`.
pub async fn public_closed(
    conn: &mut impl Reader,
    now: DateTime<Utc>,
    after: Option<CallId>,
    limit: i64,
) -> QueryResult<Vec<(CallCard, Currency)>> {
    use diesel::dsl::sql;
    use diesel::sql_types::{BigInt, Bool};
    let mut q = calls::table
        .inner_join(funds::table)
        .filter(calls::state.ne(CallState::Draft))
        .filter(calls::closes_at.le(now))
        .select((CallCard::as_select(), funds::currency))
        .order((calls::closes_at.desc(), calls::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(after) = after {
        q = q.filter(
            sql::<Bool>("(calls.closes_at, calls.id) < (SELECT s.closes_at, s.id FROM calls s WHERE s.id = ")
                .bind::<BigInt, _>(after.0)
                .sql(")"),
        );
    }
    q.load(conn).await
}

/// The call's review version (see migration 7): 0 until anything changed.
pub async fn review_version(conn: &mut Conn, call: CallId) -> QueryResult<i64> {
    use crate::db::schema::call_versions;
    call_versions::table
        .find(call.0)
        .select(call_versions::version)
        .first::<i64>(conn)
        .await
        .optional()
        .map(Option::unwrap_or_default)
}

/// Every call in review with its review version (0 before its first
/// review), in one statement.
pub async fn in_review_with_versions(conn: &mut impl Reader) -> QueryResult<Vec<(CallId, i64)>> {
    use crate::db::schema::call_versions;
    calls::table
        .left_join(call_versions::table.on(call_versions::call_id.eq(calls::id)))
        .filter(calls::state.eq(CallState::InReview))
        .select((calls::id, call_versions::version.nullable()))
        .order(calls::id)
        .load::<(CallId, Option<i64>)>(conn)
        .await
        .map(|rows| {
            rows.into_iter()
                .map(|(call, version)| (call, version.unwrap_or_default()))
                .collect()
        })
}

/// These calls, in no particular order.
pub async fn find_many(conn: &mut impl Reader, ids: &[CallId]) -> QueryResult<Vec<Call>> {
    calls::table
        .filter(calls::id.eq_any(ids.to_vec()))
        .select(Call::as_select())
        .load(conn)
        .await
}

/// How many calls are in each state.
pub async fn count_by_state(conn: &mut impl Reader) -> QueryResult<Vec<(CallState, i64)>> {
    calls::table
        .group_by(calls::state)
        .select((calls::state, diesel::dsl::count_star()))
        .load(conn)
        .await
}
