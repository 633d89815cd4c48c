//! `seed --scale small|large`: a synthetic Greater Bay Area with years of
//! calls on it, for benchmarks and for looking at pages under load.
//!
//! Organizations are made here (their USCC codes carry real check
//! characters); everything else is generated inside PostgreSQL with
//! `INSERT … SELECT` over `generate_series`, drawing its randomness from
//! `hashint8extended(row, seed)` rather than `random()`, so the same seed
//! gives the same rows whatever plan PostgreSQL picks. Dates are relative to
//! the day of seeding.
//!
//! The seed fills an empty database in one transaction. The ledger's
//! per-posting commit check (`ledger_check`) is switched off for that
//! transaction only; the same rules are then checked once over the whole
//! ledger before commit, so a seed that breaks them never lands.

use std::time::Instant;

use chrono::{DateTime, Utc};
use diesel::sql_types::{Array, BigInt, Nullable, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};

use crate::AppState;
use crate::domain::organization::{City, OrgType};
use crate::domain::uscc;
use crate::models::Conn;

/// Every seeded user's password; the data set is synthetic.
pub const PASSWORD: &str = "bay-scale-2026";

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scale {
    /// About a thousand applications.
    Small,
    /// The Bay Area at scale: 50,000 organizations, 100,000 applications.
    Large,
}

#[derive(Debug, Clone, Copy)]
pub struct Sizes {
    pub organizations: i64,
    pub calls: i64,
    pub applications: i64,
    /// Applications in the largest call (the one in review).
    pub largest_call: i64,
    pub reviewers: i64,
    pub funds: i64,
    /// Small public donations; sponsors' large contributions come on top.
    pub donations: i64,
}

impl Sizes {
    /// The largest call: the first of those in review.
    pub fn largest_call_id(&self) -> i64 {
        self.calls - 2 * (self.calls / 25).max(1) + 1
    }
}

impl Scale {
    pub fn sizes(self) -> Sizes {
        match self {
            Scale::Large => Sizes {
                organizations: 50_000,
                calls: 200,
                applications: 100_000,
                largest_call: 5_000,
                reviewers: 1_000,
                funds: 10,
                donations: 440_000,
            },
            Scale::Small => Sizes {
                organizations: 2_000,
                calls: 20,
                applications: 1_000,
                largest_call: 100,
                reviewers: 100,
                funds: 3,
                donations: 4_400,
            },
        }
    }
}

/// Who to log in as, found after seeding.
pub struct Accounts {
    pub admin: String,
    pub finance: [String; 2],
    pub applicant: String,
    pub reviewer: String,
    pub largest_call: i64,
    pub fund: i64,
    pub award: i64,
    /// The batch with the most payments whose statement came in (0 in a
    /// database seeded before batches existed).
    pub batch: i64,
}

/// The second-factor key of every seeded admin and finance account (the
/// seed's data is for benchmarks and tests, like its shared password).
pub fn totp_secret() -> crate::domain::totp::Secret {
    crate::domain::totp::Secret::from_bytes(b"baygrants-scale-2026".to_vec())
        .unwrap_or_else(|| unreachable!("the key is 20 bytes"))
}

/// SplitMix64: a small, well-known generator, enough for synthetic data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Picks by weight from `(item, weight)` pairs.
    fn pick<T: Copy>(&mut self, table: &[(T, f64)]) -> T {
        let total: f64 = table.iter().map(|(_, w)| w).sum();
        let mut u = self.unit() * total;
        for (item, w) in table {
            if u < *w {
                return *item;
            }
            u -= w;
        }
        table[table.len() - 1].0
    }
}

/// Most organizations are in Shenzhen, Guangzhou and Foshan.
const CITY_WEIGHTS: [(City, f64); 9] = [
    (City::Shenzhen, 30.0),
    (City::Guangzhou, 27.0),
    (City::Foshan, 13.0),
    (City::Dongguan, 8.0),
    (City::Zhuhai, 6.0),
    (City::Huizhou, 5.0),
    (City::Zhongshan, 5.0),
    (City::Jiangmen, 3.0),
    (City::Zhaoqing, 3.0),
];

const MAINLAND_TYPES: [(OrgType, f64); 4] = [
    (OrgType::SocialGroup, 45.0),
    (OrgType::SocialServiceAgency, 40.0),
    (OrgType::Foundation, 13.0),
    (OrgType::OverseasNgoOffice, 2.0),
];

struct Orgs {
    jurisdiction: Vec<String>,
    city: Vec<Option<String>>,
    org_type: Vec<String>,
    registration: Vec<String>,
}

fn organizations(n: i64, seed: u64) -> Orgs {
    let mut rng = Rng(seed ^ 0x6F72_6773);
    let mut out = Orgs {
        jurisdiction: Vec::with_capacity(n as usize),
        city: Vec::with_capacity(n as usize),
        org_type: Vec::with_capacity(n as usize),
        registration: Vec::with_capacity(n as usize),
    };
    for i in 1..=n {
        let u = rng.unit();
        let (jurisdiction, city, org_type, registration) = if u < 0.88 {
            let city = rng.pick(&CITY_WEIGHTS);
            let t = rng.pick(&MAINLAND_TYPES);
            let district = 1 + rng.next() % 9;
            let body = format!(
                "5{}{}0{district}{i:09}",
                t.uscc_type_char().unwrap_or('1'),
                city.region_prefix()
            );
            let check = uscc::check_char(&body).unwrap_or('0');
            (
                "mainland",
                Some(city.code().to_string()),
                t,
                format!("{body}{check}"),
            )
        } else if u < 0.96 {
            let t = if rng.unit() < 0.7 {
                OrgType::HkCharity
            } else {
                OrgType::HkCompanyLimitedByGuarantee
            };
            let number = if t == OrgType::HkCharity {
                format!("91/{i:06}")
            } else {
                format!("{:07}", 1_000_000 + i)
            };
            ("hong_kong", None, t, number)
        } else {
            (
                "macau",
                None,
                OrgType::MacauAssociation,
                format!("{i}/{}", 2000 + rng.next() % 25),
            )
        };
        out.jurisdiction.push(jurisdiction.into());
        out.city.push(city);
        out.org_type.push(org_type.code().into());
        out.registration.push(registration);
    }
    out
}

fn progress(step: usize, steps: usize, what: &str, started: Instant) {
    let done = step * 30 / steps;
    println!(
        "[{}{}] {step:>2}/{steps} {what:<44} {:>6.1} s",
        "#".repeat(done),
        ".".repeat(30 - done),
        started.elapsed().as_secs_f64()
    );
}

/// The generation, step by step: (what, SQL). `{…}` placeholders are
/// filled from the sizes and the seed before running.
const STEPS: &[(&str, &str)] = &[
    (
        "helpers",
        r#"
-- Ranking-board versions start at zero for seeded calls; bumping them row
-- by row would only slow the seed.
ALTER TABLE reviews DISABLE TRIGGER reviews_call_version;
ALTER TABLE review_scores DISABLE TRIGGER review_scores_call_version;
ALTER TABLE decisions DISABLE TRIGGER decisions_call_version;
ALTER TABLE applications DISABLE TRIGGER applications_call_version;
-- The dashboard's kept figures are rebuilt once at the end instead.
ALTER TABLE applications DISABLE TRIGGER applications_coverage;
ALTER TABLE applications DISABLE TRIGGER applications_coverage_on_change;
ALTER TABLE reviews DISABLE TRIGGER reviews_coverage;
ALTER TABLE reviews DISABLE TRIGGER reviews_coverage_on_change;
ALTER TABLE awards DISABLE TRIGGER awards_reports_due;
ALTER TABLE tranches DISABLE TRIGGER tranches_reports_due;
ALTER TABLE progress_reports DISABLE TRIGGER progress_reports_due;
ALTER TABLE awards DISABLE TRIGGER awards_tranches_ready;
ALTER TABLE tranches DISABLE TRIGGER tranches_tranches_ready;
ALTER TABLE progress_reports DISABLE TRIGGER progress_reports_tranches_ready;
ALTER TABLE payment_requests DISABLE TRIGGER payment_requests_tranches_ready;
CREATE FUNCTION pg_temp.rnd(k bigint, salt int) RETURNS float8 LANGUAGE sql IMMUTABLE AS
  $$ SELECT (hashint8extended(k, {seed}::bigint * 1000 + salt) & 2147483647)::float8 / 2147483648.0 $$;
CREATE TABLE pg_temp.area (n int PRIMARY KEY, code text, zh text, en text);
INSERT INTO pg_temp.area VALUES
  (0, 'elderly_care', '長者服務', 'elderly care'), (1, 'disability_services', '殘疾人士服務', 'disability services'),
  (2, 'community_services', '社區服務', 'community services'), (3, 'youth_exchange', '青少年交流', 'youth exchange'),
  (4, 'culture_heritage', '文化傳承', 'culture and heritage'), (5, 'education', '教育', 'education'),
  (6, 'tech_for_good', '科技向善', 'technology for good'), (7, 'legal_professional', '法律及專業服務', 'legal services'),
  (8, 'social_work_training', '社工培訓', 'social work training');
"#,
    ),
    (
        "users",
        r#"
INSERT INTO users (id, email, name, password_hash, lang, email_verified_at, created_at, updated_at)
SELECT i,
       CASE WHEN i = 1 THEN 'admin@scale.baygrants.test'
            WHEN i <= 3 THEN 'finance' || (i - 1) || '@scale.baygrants.test'
            WHEN i <= 3 + {orgs} THEN 'owner' || (i - 3) || '@scale.baygrants.test'
            ELSE 'reviewer' || (i - 3 - {orgs}) || '@scale.baygrants.test' END,
       CASE WHEN i = 1 THEN '規模管理員 Scale Admin'
            WHEN i <= 3 THEN '規模財務 Scale Finance ' || (i - 1)
            WHEN i <= 3 + {orgs} THEN '負責人 Owner ' || (i - 3)
            ELSE '評審 Reviewer ' || (i - 3 - {orgs}) END,
       $1, (ARRAY['zh-Hant', 'zh-Hans', 'en'])[1 + (i % 3)],
       {t0} - interval '900 days', {t0} - interval '900 days', {t0} - interval '900 days'
FROM generate_series(1, 3 + {orgs} + {reviewers}) i;
INSERT INTO user_roles (user_id, role, granted_at) VALUES
  (1, 'admin', {t0} - interval '900 days'), (2, 'finance', {t0} - interval '900 days'),
  (3, 'finance', {t0} - interval '900 days');
-- The admin and finance accounts sign in with a second factor: one known key.
INSERT INTO user_totp (user_id, secret, confirmed_at, last_step)
SELECT DISTINCT user_id, convert_to('baygrants-scale-2026', 'UTF8'), {t0} - interval '900 days', 0
FROM user_roles;
"#,
    ),
    (
        "organizations",
        r#"
INSERT INTO organizations (id, name_zh, name_en, jurisdiction, city, org_type, registration_number,
    founded_on, address, website, contact_email, verification, verification_note, verified_at,
    whitelisted, created_at, updated_at)
SELECT o.i,
       a.zh || '協會 第' || o.i || '號',
       initcap(a.en) || ' Association No. ' || o.i,
       o.j, o.c, o.t, o.r,
       ({t0} - interval '1 day' * (400 + floor(pg_temp.rnd(o.i, 1) * 7000)))::date,
       '灣區 ' || coalesce(o.c, o.j) || ' 路 ' || o.i || ' 號', '', 'owner' || o.i || '@scale.baygrants.test',
       CASE WHEN pg_temp.rnd(o.i, 2) < 0.92 THEN 'verified' WHEN pg_temp.rnd(o.i, 2) < 0.97 THEN 'pending' ELSE 'returned' END,
       '', CASE WHEN pg_temp.rnd(o.i, 2) < 0.92 THEN {t0} - interval '800 days' END,
       o.j <> 'mainland' AND pg_temp.rnd(o.i, 2) < 0.92 AND pg_temp.rnd(o.i, 3) < 0.5,
       {t0} - interval '850 days', {t0} - interval '850 days'
FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS o(i, j, c, t, r)
JOIN pg_temp.area a ON a.n = o.i % 9;
INSERT INTO organization_members (organization_id, user_id, role, joined_at)
SELECT i, 3 + i, 'owner', {t0} - interval '850 days' FROM generate_series(1, {orgs}) i;
INSERT INTO organization_focus_areas (organization_id, focus_area)
SELECT i, a.code FROM generate_series(1, {orgs}) i JOIN pg_temp.area a ON a.n = i % 9
UNION
SELECT i, a.code FROM generate_series(1, {orgs}) i JOIN pg_temp.area a ON a.n = (i * 7 + 3) % 9;
"#,
    ),
    (
        "funds and calls",
        r#"
INSERT INTO funds (id, name_zh, name_en, sponsors, currency, created_by, created_at)
SELECT f, '灣區公益創投基金 第' || f || '號', 'Bay Area Venture Philanthropy Fund ' || f,
       '灣區基金會聯盟 Bay Area Foundations', (ARRAY['CNY', 'HKD', 'MOP'])[1 + ((f - 1) % 3)], 1,
       {t0} - interval '1900 days'
FROM generate_series(1, {funds}) f;
-- The newest 4 % of calls are open, the 4 % before them in review (the first
-- of those is the largest call), one in a hundred is a draft, the rest decided.
CREATE TABLE pg_temp.plan AS
SELECT c,
       CASE WHEN c > {calls} - greatest(1, {calls} / 25) THEN 'published'
            WHEN c > {calls} - 2 * greatest(1, {calls} / 25) THEN 'in_review'
            WHEN c % 100 = 50 THEN 'draft'
            ELSE 'decided' END AS state,
       CASE WHEN c > {calls} - greatest(1, {calls} / 25) THEN {t0} + interval '1 day' * (10 + c % 40)
            WHEN c > {calls} - 2 * greatest(1, {calls} / 25) THEN {t0} - interval '1 day' * (5 + c % 10)
            ELSE {t0} - interval '1 day' * (60 + ({calls} - c) * 1700 / {calls}) END AS closes_at
FROM generate_series(1, {calls}) c;
INSERT INTO calls (id, fund_id, state, title_zh, title_en, description_zh, description_en, opens_at,
    closes_at, budget, min_request, max_request, max_duration_months, rule_joint_required,
    rule_lead_jurisdictions, rule_verified_required, rule_whitelist_required, rule_min_registered_months,
    rule_min_matching_percent, rule_max_overhead_percent, rule_max_applications_per_lead, rule_no_debarred,
    rule_declaration_required, anonymise_reviews, rate_cny, rate_hkd, rate_mop, created_by, created_at, updated_at)
SELECT p.c, 1 + (p.c % {funds}), 'draft',
       '第' || p.c || '期灣區公益創投：' || a.zh, 'Round ' || p.c || ': ' || a.en,
       '支持粵港澳三地社會組織合作，推動' || a.zh || '。', 'Joint projects of Guangdong, Hong Kong and Macau organizations in ' || a.en || '.',
       p.closes_at - interval '60 days', p.closes_at,
       CASE WHEN p.c = {largest} THEN 500000000 ELSE 20000000 + floor(pg_temp.rnd(p.c, 4) * 80) * 1000000 END,
       50000, 500000, 24, true, ARRAY['mainland'], true, false, 12, 10, 15, NULL, true, true, p.c % 3 = 0,
       CASE f.currency WHEN 'CNY' THEN 1 WHEN 'HKD' THEN 1.09 ELSE 1.12 END,
       CASE f.currency WHEN 'CNY' THEN 0.92 WHEN 'HKD' THEN 1 ELSE 1.03 END,
       CASE f.currency WHEN 'CNY' THEN 0.89 WHEN 'HKD' THEN 0.97 ELSE 1 END,
       1, p.closes_at - interval '90 days', p.closes_at - interval '90 days'
FROM pg_temp.plan p JOIN pg_temp.area a ON a.n = p.c % 9 JOIN funds f ON f.id = 1 + (p.c % {funds});
INSERT INTO rubric_criteria (call_id, position, name_zh, name_en, weight, max_score)
SELECT c, k, (ARRAY['社會需要', '方法可行', '團隊能力', '預算合理'])[k],
       (ARRAY['Need', 'Approach', 'Team', 'Budget'])[k], (ARRAY[30, 30, 20, 20])[k], 10
FROM generate_series(1, {calls}) c, generate_series(1, 4) k;
INSERT INTO call_focus_areas (call_id, focus_area)
SELECT c, a.code FROM generate_series(1, {calls}) c JOIN pg_temp.area a ON a.n = c % 9;
INSERT INTO call_review_settings (call_id, blind, show_peer_scores, review_days, evaluations)
SELECT c, c % 4 = 0, c % 2 = 0, 14, c % 2 = 1 FROM generate_series(1, {calls}) c;
UPDATE calls SET state = p.state, published_at = CASE WHEN p.state <> 'draft' THEN calls.opens_at END
FROM pg_temp.plan p WHERE p.c = calls.id;
"#,
    ),
    (
        "applications",
        r#"
-- Calls other than the largest share the rest, some far busier than others.
CREATE TABLE pg_temp.cw AS
SELECT id, (sum(w) OVER (ORDER BY id) - w) / sum(w) OVER () AS lo, sum(w) OVER (ORDER BY id) / sum(w) OVER () AS hi
FROM (SELECT id, 0.3 + 4 * pg_temp.rnd(id, 7) ^ 3 AS w FROM calls WHERE state <> 'draft' AND id <> {largest}) x;
CREATE TABLE pg_temp.leads AS
SELECT row_number() OVER (ORDER BY id) AS rn, id FROM organizations
WHERE jurisdiction = 'mainland' AND verification = 'verified';
CREATE TABLE pg_temp.partners AS
SELECT row_number() OVER (ORDER BY id) AS rn, id, jurisdiction FROM organizations
WHERE jurisdiction <> 'mainland' AND verification = 'verified';
CREATE TABLE pg_temp.app AS
SELECT i,
       CASE WHEN i <= {largest_apps} THEN {largest}
            ELSE (SELECT cw.id FROM pg_temp.cw WHERE pg_temp.rnd(i, 8) >= cw.lo AND pg_temp.rnd(i, 8) < cw.hi LIMIT 1) END AS call_id,
       1 + floor((SELECT count(*) FROM pg_temp.leads) * pg_temp.rnd(i, 9) ^ 1.2)::bigint AS lead_rn,
       1 + floor((SELECT count(*) FROM pg_temp.partners) * pg_temp.rnd(i, 10))::bigint AS partner_rn,
       1 + floor((SELECT count(*) FROM pg_temp.partners) * pg_temp.rnd(i, 11))::bigint AS partner2_rn,
       pg_temp.rnd(i, 12) AS u,
       pg_temp.rnd(i, 13) AS quality
FROM generate_series(1, {apps}) i;
UPDATE pg_temp.app SET call_id = (SELECT max(id) FROM pg_temp.cw) WHERE call_id IS NULL;
INSERT INTO applications (id, call_id, lead_org_id, state, title, summary, need, approach, outcomes,
    beneficiaries, duration_months, focus, declaration, created_by, created_at, updated_at, submitted_at)
SELECT x.i, x.call_id, l.id,
       CASE c.state
         WHEN 'published' THEN CASE WHEN x.u < 0.4 THEN 'draft' ELSE 'submitted' END
         WHEN 'in_review' THEN CASE WHEN x.u < 0.04 THEN 'withdrawn' ELSE 'under_review' END
         ELSE CASE WHEN x.u < 0.05 THEN 'withdrawn' WHEN x.u < 0.28 THEN 'awarded'
                   WHEN x.u < 0.35 THEN 'waitlisted' ELSE 'declined' END END,
       a.zh || '跨境協作計劃 ' || x.i || ' ' || initcap(a.en) || ' partnership',
       '由' || l.id || '號機構牽頭，聯同港澳夥伴開展' || a.zh || '服務。',
       '服務需要說明 Need statement ' || x.i, '實施方法 Approach ' || x.i, '預期成效 Outcomes ' || x.i,
       (200 + (x.i % 50) * 20) || ' 名受惠者 beneficiaries', 12 + (x.i % 3) * 6, ARRAY[a.code], true,
       3 + l.id,
       c.opens_at + interval '1 hour' * floor(pg_temp.rnd(x.i, 14) * 1000),
       c.opens_at + interval '1 hour' * floor(1000 + pg_temp.rnd(x.i, 15) * 400),
       CASE WHEN c.state = 'published' AND x.u < 0.4 THEN NULL
            ELSE c.opens_at + interval '1 hour' * floor(1000 + pg_temp.rnd(x.i, 15) * 400) END
FROM pg_temp.app x
JOIN calls c ON c.id = x.call_id
JOIN pg_temp.leads l ON l.rn = x.lead_rn
JOIN pg_temp.area a ON a.n = c.id % 9;
"#,
    ),
    (
        "partners, budgets, milestones, snapshots",
        r#"
INSERT INTO application_partners (application_id, organization_id, status, role, contribution, invited_at, responded_at, responded_by)
SELECT x.i, p.id, 'accepted', '港澳合作夥伴 Partner', '專業支援 Expertise', ap.created_at, ap.created_at + interval '1 day', 3 + p.id
FROM pg_temp.app x JOIN applications ap ON ap.id = x.i JOIN pg_temp.partners p ON p.rn = x.partner_rn
UNION ALL
SELECT x.i, p.id, 'accepted', '第二夥伴 Second partner', '場地 Venue', ap.created_at, ap.created_at + interval '1 day', 3 + p.id
FROM pg_temp.app x JOIN applications ap ON ap.id = x.i JOIN pg_temp.partners p ON p.rn = x.partner2_rn
WHERE x.partner2_rn <> x.partner_rn AND pg_temp.rnd(x.i, 16) < 0.3;
INSERT INTO budget_lines (application_id, category, organization_id, currency, amount, source, description, created_at)
SELECT x.i, (ARRAY['personnel', 'activities', 'travel', 'administration'])[k],
       CASE WHEN k = 3 THEN p.id ELSE ap.lead_org_id END,
       CASE WHEN k <> 3 THEN 'CNY' WHEN p.jurisdiction = 'macau' THEN 'MOP' ELSE 'HKD' END,
       round((ARRAY[90000, 70000, 30000, 20000])[k] * (0.4 + pg_temp.rnd(x.i * 4 + k, 17))::numeric, -2),
       CASE WHEN k = 4 THEN 'matching' ELSE 'grant' END, (ARRAY['人員 Staff', '活動 Activities', '交流 Travel', '行政 Administration'])[k],
       ap.created_at
FROM pg_temp.app x JOIN applications ap ON ap.id = x.i JOIN pg_temp.partners p ON p.rn = x.partner_rn,
     generate_series(1, 4) k;
INSERT INTO milestones (application_id, month_due, deliverables, tranche_percent, created_at)
SELECT ap.id, 4 * k, (ARRAY['啟動及招募 Launch', '中期活動 Mid-term activities', '總結及評估 Closing and evaluation'])[k],
       (ARRAY[30, 30, 40])[k], ap.created_at
FROM applications ap, generate_series(1, 3) k;
INSERT INTO application_snapshots (application_id, taken_at, content)
SELECT ap.id, ap.submitted_at,
       jsonb_build_object('title', ap.title, 'summary', ap.summary, 'need', ap.need, 'approach', ap.approach,
                          'outcomes', ap.outcomes, 'beneficiaries', ap.beneficiaries,
                          'duration_months', ap.duration_months, 'focus', ap.focus, 'lead_org_id', ap.lead_org_id)
FROM applications ap WHERE ap.state <> 'draft';
"#,
    ),
    (
        "panels and reviews",
        r#"
INSERT INTO panel_members (call_id, user_id, base, added_by, added_at)
SELECT c.id, 3 + {orgs} + 1 + ((c.id * 37 + j) % {reviewers}),
       (ARRAY['mainland', 'hong_kong', 'macau'])[1 + (j % 3)], 1, c.closes_at - interval '30 days'
FROM calls c, generate_series(0, 19) j WHERE c.state <> 'draft';
-- Three reviewers per application (a fourth for about one in four) from
-- the call's panel of twenty; each
-- reviewer leans a little high or low, as people do.
INSERT INTO reviews (id, call_id, application_id, reviewer_id, state, overall_comment, recommendation,
    assigned_at, due_at, submitted_at, updated_at)
SELECT ap.id * 4 + k, ap.call_id, ap.id, 3 + {orgs} + 1 + ((ap.call_id * 37 + (ap.id + k * 7) % 20) % {reviewers}),
       s.state,
       CASE WHEN s.state IN ('draft', 'submitted') THEN '整體意見 Overall comment on ' || ap.id ELSE '' END,
       CASE WHEN s.state = 'submitted' THEN CASE WHEN x.quality > 0.6 THEN 'fund' WHEN x.quality > 0.35 THEN 'fund_with_changes' ELSE 'do_not_fund' END END,
       c.closes_at + interval '1 day', c.closes_at + interval '15 days',
       CASE WHEN s.state = 'submitted' THEN c.closes_at + interval '1 day' + interval '1 hour' * floor(pg_temp.rnd(ap.id * 4 + k, 18) * 300) END,
       c.closes_at + interval '1 day' + interval '1 hour' * floor(pg_temp.rnd(ap.id * 4 + k, 18) * 300)
FROM applications ap
JOIN calls c ON c.id = ap.call_id
JOIN pg_temp.app x ON x.i = ap.id
CROSS JOIN generate_series(0, 3) k
CROSS JOIN LATERAL (SELECT CASE
    WHEN c.state <> 'in_review' THEN 'submitted'
    WHEN pg_temp.rnd(ap.id * 4 + k, 19) < 0.6 THEN 'submitted'
    WHEN pg_temp.rnd(ap.id * 4 + k, 19) < 0.75 THEN 'draft'
    WHEN pg_temp.rnd(ap.id * 4 + k, 19) < 0.97 THEN 'assigned'
    ELSE 'conflict' END AS state) s
WHERE ap.state IN ('under_review', 'awarded', 'declined', 'waitlisted')
  AND (k < 3 OR pg_temp.rnd(ap.id, 26) < 0.23);
UPDATE reviews SET conflict_reason = '曾為申請機構顧問 Advised the applicant' WHERE state = 'conflict';
INSERT INTO review_scores (review_id, position, score, comment)
SELECT r.id, k,
       least(10, greatest(0, round(10 * (0.75 * x.quality + 0.25 * pg_temp.rnd(r.id * 4 + k, 20)
                                        + 0.15 * (pg_temp.rnd(r.reviewer_id, 21) - 0.5)))))::int,
       CASE WHEN k = 1 THEN '評分理由 Reason ' || r.id ELSE '' END
FROM reviews r JOIN pg_temp.app x ON x.i = r.application_id, generate_series(1, 4) k
WHERE r.state IN ('draft', 'submitted');
"#,
    ),
    (
        "decisions and awards",
        r#"
INSERT INTO decisions (application_id, call_id, outcome, amount, conditions, rationale, decided_by, decided_at, published_at)
SELECT ap.id, ap.call_id,
       CASE ap.state WHEN 'awarded' THEN 'award' WHEN 'declined' THEN 'decline' ELSE 'waitlist' END,
       CASE WHEN ap.state = 'awarded' THEN 50000 + round(pg_temp.rnd(ap.id, 22) * 450)::numeric * 1000 END,
       CASE WHEN ap.state = 'awarded' THEN '按季提交進度報告 Quarterly reports' ELSE '' END,
       '評審小組綜合意見 The panel''s considered view', 1,
       c.closes_at + interval '40 days', c.closes_at + interval '45 days'
FROM applications ap JOIN calls c ON c.id = ap.call_id
WHERE ap.state IN ('awarded', 'declined', 'waitlisted');
INSERT INTO decision_publications (call_id, published_by, published_at)
SELECT id, 1, closes_at + interval '45 days' FROM calls WHERE state = 'decided';
UPDATE applications ap SET updated_at = d.published_at FROM decisions d WHERE d.application_id = ap.id;
-- Offers older than six weeks were accepted (or, now and then, lapsed);
-- awards whose last milestone is long past are closed.
INSERT INTO awards (id, application_id, call_id, fund_id, lead_org_id, amount, currency, conditions, state,
    offered_at, accept_by, accepted_at, accepted_by, signature_name, signature_ip, bank_account_name,
    bank_name, bank_account_number, bank_currency, closed_at)
SELECT row_number() OVER (ORDER BY d.application_id), d.application_id, d.call_id, c.fund_id, ap.lead_org_id,
       d.amount, f.currency, d.conditions, s.state,
       d.published_at, d.published_at + interval '42 days',
       CASE WHEN s.state IN ('active', 'closed') THEN d.published_at + interval '10 days' END,
       CASE WHEN s.state IN ('active', 'closed') THEN 3 + ap.lead_org_id END,
       CASE WHEN s.state IN ('active', 'closed') THEN '負責人 Owner ' || ap.lead_org_id END,
       CASE WHEN s.state IN ('active', 'closed') THEN '203.0.113.' || (ap.id % 250) END,
       CASE WHEN s.state IN ('active', 'closed') THEN o.name_zh END,
       CASE WHEN s.state IN ('active', 'closed') THEN '中國銀行 Bank of China' END,
       CASE WHEN s.state IN ('active', 'closed') THEN '6217' || lpad(ap.id::text, 12, '0') END,
       CASE WHEN s.state IN ('active', 'closed') THEN 'CNY' END,
       CASE WHEN s.state = 'closed' THEN d.published_at + interval '430 days' END
FROM decisions d
JOIN applications ap ON ap.id = d.application_id
JOIN organizations o ON o.id = ap.lead_org_id
JOIN calls c ON c.id = d.call_id
JOIN funds f ON f.id = c.fund_id
CROSS JOIN LATERAL (SELECT CASE
    WHEN d.published_at + interval '42 days' > {t0} THEN 'offered'
    WHEN pg_temp.rnd(d.application_id, 23) < 0.03 THEN 'lapsed'
    WHEN d.published_at + interval '430 days' < {t0} THEN 'closed'
    ELSE 'active' END AS state) s
WHERE d.outcome = 'award';
INSERT INTO tranches (award_id, position, amount, month_due, deliverables)
SELECT w.id, k,
       CASE WHEN k < 3 THEN round(w.amount * 0.30, 2) ELSE w.amount - 2 * round(w.amount * 0.30, 2) END,
       4 * k, (ARRAY['啟動及招募 Launch', '中期活動 Mid-term activities', '總結及評估 Closing and evaluation'])[k]
FROM awards w, generate_series(1, 3) k;
-- Paid so far: everything for closed awards; for active ones the first
-- tranche, then one more for each approved report.
CREATE TABLE pg_temp.paid AS
SELECT w.id AS award_id,
       CASE w.state WHEN 'closed' THEN 3
            WHEN 'active' THEN least(3, 1 + floor(extract(epoch FROM {t0} - w.accepted_at) / 86400 / 120)::int)
            ELSE 0 END AS n
FROM awards w;
INSERT INTO progress_reports (award_id, position, final, narrative, targets, expenditure, state,
    submitted_by, submitted_at, reviewed_by, reviewed_at)
SELECT w.id, k, k = 3, '進度報告 Progress report ' || k, '目標與實際 Targets and actuals',
       jsonb_build_object('personnel', (w.amount * 0.1)::text, 'activities', (w.amount * 0.08)::text),
       'approved', w.accepted_by, w.accepted_at + interval '1 day' * (120 * k), 1,
       w.accepted_at + interval '1 day' * (120 * k + 7)
FROM awards w JOIN pg_temp.paid p ON p.award_id = w.id, generate_series(1, 3) k
WHERE k < p.n OR (w.state = 'closed' AND k = 3);
-- Active awards past their next milestone have a report waiting for review.
INSERT INTO progress_reports (award_id, position, final, narrative, targets, expenditure, state,
    submitted_by, submitted_at)
SELECT w.id, p.n, p.n = 3, '進度報告 Progress report ' || p.n, '目標與實際 Targets and actuals',
       '{}'::jsonb, 'submitted', w.accepted_by, w.accepted_at + interval '1 day' * (120 * p.n)
FROM awards w JOIN pg_temp.paid p ON p.award_id = w.id
WHERE w.state = 'active' AND w.accepted_at + interval '1 day' * (120 * p.n) < {t0};
INSERT INTO evaluations (award_id, kind, rating, summary, recorded_by, recorded_at)
SELECT w.id, kind, 3 + (w.id % 3), '評估摘要 Evaluation summary', 1, w.closed_at - interval '5 days'
FROM awards w JOIN call_review_settings s ON s.call_id = w.call_id, unnest(ARRAY['mid_term', 'final']) kind
WHERE w.state = 'closed' AND s.evaluations;
INSERT INTO payment_requests (award_id, kind, tranche_id, amount, reason, state, requested_by, requested_at,
    decided_by, decided_at, payee_currency, rate, amount_sent, reference, transfer, settled_by, settled_at,
    payee_name, payee_bank, payee_account)
SELECT t.award_id, 'tranche', t.id, t.amount, '', 'approved', 2,
       w.accepted_at + interval '1 day' * (1 + 120 * (t.position - 1)) + interval '8 days', 3,
       w.accepted_at + interval '1 day' * (2 + 120 * (t.position - 1)) + interval '8 days', w.currency, 1, t.amount,
       'TT' || t.id, 'settled', 2,
       w.accepted_at + interval '1 day' * (2 + 120 * (t.position - 1)) + interval '12 days',
       w.bank_account_name, w.bank_name, w.bank_account_number
FROM tranches t JOIN awards w ON w.id = t.award_id JOIN pg_temp.paid p ON p.award_id = w.id
WHERE t.position <= p.n;
-- Payments go to the bank in batches: one per fund, currency and month of
-- approval, paid from the fund's account. The last ten days' batches are
-- at the bank; older ones settled, but one payment in fifty came back
-- (a closed account), was confirmed returned, and was paid again to the
-- corrected account.
INSERT INTO payment_batches (fund_id, currency, state, debtor_name, debtor_account, debtor_bank, debtor_bic,
    created_by, created_at, sent_by, sent_at)
SELECT w.fund_id, r.payee_currency, 'sent', '灣區公益創投基金 Fund ' || w.fund_id,
       '0123-' || lpad(w.fund_id::text, 8, '0'), 'Bank of China (Hong Kong)', 'BKCHHKHH',
       2, date_trunc('month', r.decided_at), 2, least(max(r.decided_at) + interval '1 day', {t0})
FROM payment_requests r JOIN awards w ON w.id = r.award_id
GROUP BY w.fund_id, r.payee_currency, date_trunc('month', r.decided_at);
UPDATE payment_requests r
SET batch_id = b.id,
    transfer = CASE WHEN b.sent_at > {t0} - interval '10 days' THEN 'sent' ELSE 'settled' END,
    settled_at = CASE WHEN b.sent_at > {t0} - interval '10 days' THEN NULL ELSE b.sent_at + interval '2 days' END,
    settled_by = CASE WHEN b.sent_at > {t0} - interval '10 days' THEN NULL ELSE 2 END
FROM awards w, payment_batches b
WHERE w.id = r.award_id AND b.fund_id = w.fund_id AND b.currency = r.payee_currency
  AND b.created_at = date_trunc('month', r.decided_at);
UPDATE payment_requests r
SET transfer = 'returned', settled_at = NULL, settled_by = NULL,
    return_reason = 'AC04 帳戶已結束 account closed', return_reported_by = 2,
    return_reported_at = b.sent_at + interval '2 days', returned_by = 3, returned_at = b.sent_at + interval '3 days'
FROM payment_batches b
WHERE b.id = r.batch_id AND r.transfer = 'settled' AND r.id % 50 = 7;
INSERT INTO bank_changes (award_id, account_name, bank_name, account_number, currency, state, proposed_by,
    proposed_at, decided_by, decided_at)
SELECT w.id, w.bank_account_name, w.bank_name, w.bank_account_number, w.bank_currency, 'confirmed', w.accepted_by,
       r.returned_at + interval '12 hours', 2, r.returned_at + interval '1 day'
FROM payment_requests r JOIN awards w ON w.id = r.award_id WHERE r.transfer = 'returned';
INSERT INTO payment_requests (award_id, kind, tranche_id, amount, reason, state, requested_by, requested_at,
    decided_by, decided_at, payee_currency, rate, amount_sent, reference, transfer, settled_by, settled_at,
    payee_name, payee_bank, payee_account)
SELECT r.award_id, 'tranche', r.tranche_id, r.amount, '', 'approved', 2, r.returned_at + interval '2 days', 3,
       r.returned_at + interval '3 days', r.payee_currency, 1, r.amount_sent, r.reference || 'R', 'settled', 2,
       r.returned_at + interval '6 days', r.payee_name, r.payee_bank, r.payee_account
FROM payment_requests r WHERE r.transfer = 'returned';
UPDATE awards SET bank_confirmed_at = accepted_at WHERE accepted_at IS NOT NULL;
UPDATE awards w SET bank_confirmed_at = c.decided_at
FROM bank_changes c WHERE c.award_id = w.id;
-- Each settled batch's statement, imported: a line per payment.
INSERT INTO bank_statements (id, digest, file_name, lines, imported_by, imported_at)
SELECT b.id, encode(sha256(('statement ' || b.id)::bytea), 'hex'), 'camt053-' || b.id || '.xml',
       (SELECT count(*) FROM payment_requests r WHERE r.batch_id = b.id), 2, b.sent_at + interval '3 days'
FROM payment_batches b WHERE b.sent_at <= {t0} - interval '10 days';
INSERT INTO bank_statement_lines (statement_id, line, account, end_to_end, amount, currency, returned, reason,
    payment_id, outcome)
SELECT r.batch_id, row_number() OVER (PARTITION BY r.batch_id ORDER BY r.id), replace(b.debtor_account, '-', ''),
       'BG-P' || r.id, r.amount_sent, r.payee_currency, r.transfer = 'returned', coalesce(r.return_reason, ''), r.id,
       CASE WHEN r.transfer = 'returned' THEN 'return_reported' ELSE 'settled' END
FROM payment_requests r JOIN payment_batches b ON b.id = r.batch_id
WHERE r.transfer IN ('settled', 'returned');
"#,
    ),
    (
        "ledger",
        r#"
ALTER TABLE ledger_postings DISABLE TRIGGER ledger_postings_checked;
-- Sponsors fund each pool for what it commits, with a margin; the public
-- gives many small donations on top.
INSERT INTO contributions (id, fund_id, donor, received_on, reference, amount, recorded_by, recorded_at)
SELECT f.id, f.id, '灣區基金會聯盟 Bay Area Foundations', ({t0} - interval '1850 days')::date, 'SPONSOR-' || f.id,
       coalesce((SELECT sum(amount) FROM awards WHERE fund_id = f.id), 0) * 1.05 + 1000000, 2,
       {t0} - interval '1850 days'
FROM funds f;
INSERT INTO contributions (id, fund_id, donor, received_on, reference, amount, recorded_by, recorded_at)
SELECT {funds} + d, 1 + (d % {funds}), '公眾捐款 Public donor ' || (1 + (d::bigint * 7919) % 50000),
       ({t0} - interval '1 day' * floor(pg_temp.rnd(d, 24) * 1800))::date, 'DN' || d,
       round((10 + 3000 * pg_temp.rnd(d, 25) ^ 3)::numeric, 2), 2,
       {t0} - interval '1 day' * floor(pg_temp.rnd(d, 24) * 1800)
FROM generate_series(1, {donations}) d;
INSERT INTO ledger_entries (id, fund_id, kind, contribution_id, memo, created_by, created_at)
SELECT id, fund_id, 'contribution', id, donor, recorded_by, recorded_at FROM contributions;
INSERT INTO ledger_postings (entry_id, fund_id, account, award_id, amount)
SELECT id, fund_id, a.account, NULL, CASE a.account WHEN 'contributions' THEN -amount ELSE amount END
FROM contributions, (VALUES ('contributions'), ('pool')) a(account);
INSERT INTO ledger_entries (id, fund_id, kind, award_id, memo, created_by, created_at)
SELECT 20000000 + id, fund_id, 'commitment', id, '', 1, offered_at FROM awards;
INSERT INTO ledger_postings (entry_id, fund_id, account, award_id, amount)
SELECT 20000000 + id, fund_id, 'pool', NULL, -amount FROM awards
UNION ALL
SELECT 20000000 + id, fund_id, 'committed', id, amount FROM awards;
INSERT INTO ledger_entries (id, fund_id, kind, award_id, payment_request_id, memo, created_by, created_at)
SELECT 30000000 + r.id, w.fund_id, 'disbursement', w.id, r.id, r.reference, 3, r.decided_at
FROM payment_requests r JOIN awards w ON w.id = r.award_id;
INSERT INTO ledger_postings (entry_id, fund_id, account, award_id, amount)
SELECT 30000000 + r.id, w.fund_id, a.account, w.id, CASE a.account WHEN 'committed' THEN -r.amount ELSE r.amount END
FROM payment_requests r JOIN awards w ON w.id = r.award_id, (VALUES ('committed'), ('disbursed')) a(account);
INSERT INTO ledger_entries (id, fund_id, kind, award_id, memo, created_by, created_at)
SELECT 40000000 + id, fund_id, 'decommitment', id, 'lapsed', NULL, accept_by FROM awards WHERE state = 'lapsed';
INSERT INTO ledger_postings (entry_id, fund_id, account, award_id, amount)
SELECT 40000000 + id, fund_id, 'committed', id, -amount FROM awards WHERE state = 'lapsed'
UNION ALL
SELECT 40000000 + id, fund_id, 'pool', NULL, amount FROM awards WHERE state = 'lapsed';
-- Each confirmed return reversed its disbursement.
INSERT INTO ledger_entries (id, fund_id, kind, award_id, reverses, memo, created_by, created_at)
SELECT 50000000 + r.id, w.fund_id, 'adjustment', w.id, 30000000 + r.id, 'BG-P' || r.id || ' returned', 3, r.returned_at
FROM payment_requests r JOIN awards w ON w.id = r.award_id WHERE r.transfer = 'returned';
INSERT INTO ledger_postings (entry_id, fund_id, account, award_id, amount)
SELECT 50000000 + r.id, w.fund_id, a.account, w.id, CASE a.account WHEN 'committed' THEN r.amount ELSE -r.amount END
FROM payment_requests r JOIN awards w ON w.id = r.award_id, (VALUES ('committed'), ('disbursed')) a(account)
WHERE r.transfer = 'returned';
ALTER TABLE ledger_postings ENABLE TRIGGER ledger_postings_checked;
ALTER TABLE reviews ENABLE TRIGGER reviews_call_version;
ALTER TABLE review_scores ENABLE TRIGGER review_scores_call_version;
ALTER TABLE decisions ENABLE TRIGGER decisions_call_version;
ALTER TABLE applications ENABLE TRIGGER applications_call_version;
ALTER TABLE applications ENABLE TRIGGER applications_coverage;
ALTER TABLE applications ENABLE TRIGGER applications_coverage_on_change;
ALTER TABLE reviews ENABLE TRIGGER reviews_coverage;
ALTER TABLE reviews ENABLE TRIGGER reviews_coverage_on_change;
ALTER TABLE awards ENABLE TRIGGER awards_reports_due;
ALTER TABLE tranches ENABLE TRIGGER tranches_reports_due;
ALTER TABLE progress_reports ENABLE TRIGGER progress_reports_due;
ALTER TABLE awards ENABLE TRIGGER awards_tranches_ready;
ALTER TABLE tranches ENABLE TRIGGER tranches_tranches_ready;
ALTER TABLE progress_reports ENABLE TRIGGER progress_reports_tranches_ready;
ALTER TABLE payment_requests ENABLE TRIGGER payment_requests_tranches_ready;
SELECT review_coverage_rebuild();
SELECT reports_due_rebuild();
SELECT tranches_ready_rebuild();
"#,
    ),
    (
        "sequences",
        r#"
SELECT setval(pg_get_serial_sequence(t, 'id'), greatest(1, (xpath('/row/m/text()',
       query_to_xml(format('SELECT max(id) AS m FROM %I', t), false, true, '')))[1]::text::bigint))
FROM unnest(ARRAY['users', 'organizations', 'funds', 'calls', 'rubric_criteria', 'applications', 'budget_lines',
                  'milestones', 'application_snapshots', 'reviews', 'awards', 'tranches', 'progress_reports',
                  'payment_requests', 'contributions', 'ledger_entries', 'ledger_postings',
                  'payment_batches', 'bank_changes', 'bank_statements', 'bank_statement_lines']) t;
"#,
    ),
];

/// The same rules as `ledger_check`, over the whole ledger at once, and the
/// kept balances equal to the ledger's sums.
const LEDGER_AUDIT: &str = r#"
SELECT
  (SELECT count(*) FROM ledger_balances_drift) +
  (SELECT count(*) FROM (SELECT entry_id FROM ledger_postings GROUP BY entry_id HAVING sum(amount) <> 0) x)
  + (SELECT count(*) FROM (SELECT fund_id FROM ledger_postings WHERE account = 'pool' GROUP BY fund_id HAVING sum(amount) < 0) x)
  + (SELECT count(*) FROM (SELECT award_id FROM ledger_postings WHERE account = 'committed' GROUP BY award_id HAVING sum(amount) < 0) x)
  + (SELECT count(*) FROM (SELECT p.award_id FROM ledger_postings p JOIN awards w ON w.id = p.award_id
                           WHERE p.account = 'disbursed' GROUP BY p.award_id, w.amount HAVING sum(p.amount) > w.amount) x)
  + (SELECT count(*) FROM ledger_postings p JOIN ledger_entries e ON e.id = p.entry_id WHERE p.fund_id <> e.fund_id)
  AS broken
"#;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    broken: i64,
}

#[derive(diesel::QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

fn fill(sql: &str, sizes: &Sizes, seed: u64, largest: i64, t0: DateTime<Utc>) -> String {
    sql.replace("{seed}", &(seed % 1_000_000).to_string())
        .replace("{orgs}", &sizes.organizations.to_string())
        .replace("{reviewers}", &sizes.reviewers.to_string())
        .replace("{funds}", &sizes.funds.to_string())
        .replace("{calls}", &sizes.calls.to_string())
        .replace("{apps}", &sizes.applications.to_string())
        .replace("{largest_apps}", &sizes.largest_call.to_string())
        .replace("{largest}", &largest.to_string())
        .replace("{donations}", &sizes.donations.to_string())
        .replace(
            "{t0}",
            &format!("'{}'::timestamptz", t0.format("%Y-%m-%d 00:00:00+00")),
        )
}

/// Splits a step into statements (none of ours has `;` inside a literal
/// except the function body, which is kept whole between `$$`).
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut in_body = false;
    for line in sql.lines() {
        if line.trim_start().starts_with("--") {
            continue;
        }
        current.push_str(line);
        current.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_body = !in_body;
        }
        if !in_body && line.trim_end().ends_with(';') {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

/// Fills an empty database; refuses one that already has organizations.
pub async fn seed(state: &AppState, scale: Scale, seed: u64) -> anyhow::Result<Accounts> {
    seed_sizes(state, scale.sizes(), seed).await
}

/// As `seed`, with sizes of the caller's choosing (tests use tiny ones).
pub async fn seed_sizes(state: &AppState, sizes: Sizes, seed: u64) -> anyhow::Result<Accounts> {
    let started = Instant::now();
    let t0 = state.clock.now();
    let mut conn = state.pool.get().await?;
    let existing: Vec<Id> = diesel::sql_query("SELECT id FROM organizations LIMIT 1")
        .load(&mut conn)
        .await?;
    if !existing.is_empty() {
        anyhow::bail!(
            "the database already has organizations; seed --scale fills an empty database (set DATABASE_URL to a new one)"
        );
    }
    let hash = crate::services::passwords::hash(PASSWORD.to_string()).await?;
    let orgs = organizations(sizes.organizations, seed);
    let ids: Vec<i64> = (1..=sizes.organizations).collect();
    let largest = sizes.largest_call_id();
    let steps = STEPS.len() + 2;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        diesel::sql_query("SET LOCAL max_parallel_workers_per_gather = 0")
            .execute(conn)
            .await?;
        for (n, (what, sql)) in STEPS.iter().enumerate() {
            for statement in statements(&fill(sql, &sizes, seed, largest, t0)) {
                let q = diesel::sql_query(statement.clone());
                let run = match *what {
                    "users" if statement.contains("$1") => {
                        q.bind::<Text, _>(&hash).execute(conn).await
                    }
                    "organizations" if statement.contains("$1") => {
                        q.bind::<Array<BigInt>, _>(&ids)
                            .bind::<Array<Text>, _>(&orgs.jurisdiction)
                            .bind::<Array<Nullable<Text>>, _>(&orgs.city)
                            .bind::<Array<Text>, _>(&orgs.org_type)
                            .bind::<Array<Text>, _>(&orgs.registration)
                            .execute(conn)
                            .await
                    }
                    _ => q.execute(conn).await,
                };
                run.map_err(|e| {
                    anyhow::anyhow!("seeding {what} failed: {e}\n{}", statement.trim())
                })?;
            }
            progress(n + 1, steps, what, started);
        }
        let audit: Count = diesel::sql_query(LEDGER_AUDIT).get_result(conn).await?;
        if audit.broken != 0 {
            anyhow::bail!(
                "the generated ledger breaks {} rule(s); nothing was saved",
                audit.broken
            );
        }
        progress(steps - 1, steps, "ledger checked", started);
        Ok(())
    })
    .await?;
    // The search index, cut in Rust from what the statements wrote.
    // Two connections of its own: this one goes back to the pool meanwhile.
    drop(conn);
    let indexed = crate::models::search::index_missing(&state.pool).await?;
    let mut conn = state.pool.get().await?;
    progress(
        steps,
        steps,
        &format!("search index: {indexed} documents"),
        started,
    );
    // Statistics for the planner, and the visibility map that lets
    // PostgreSQL answer from indexes alone.
    diesel::sql_query("VACUUM ANALYZE")
        .execute(&mut conn)
        .await?;
    progress(steps, steps, "vacuumed and analyzed", started);
    accounts(&mut conn, largest).await
}

#[derive(diesel::QueryableByName)]
struct Email {
    #[diesel(sql_type = Text)]
    email: String,
}

async fn email_of(conn: &mut Conn, user: i64) -> anyhow::Result<String> {
    let found: Email = diesel::sql_query("SELECT email FROM users WHERE id = $1")
        .bind::<BigInt, _>(user)
        .get_result(conn)
        .await?;
    Ok(found.email)
}

/// Whether the database was filled by `seed --scale`.
pub async fn seeded(conn: &mut Conn) -> anyhow::Result<bool> {
    let found: Vec<Id> =
        diesel::sql_query("SELECT id FROM users WHERE email = 'admin@scale.baygrants.test'")
            .load(conn)
            .await?;
    Ok(!found.is_empty())
}

/// The accounts and objects the benchmark uses.
pub async fn accounts(conn: &mut Conn, largest: i64) -> anyhow::Result<Accounts> {
    let one = |sql: &'static str| diesel::sql_query(sql);
    // The busiest lead organization's owner, and a reviewer on the largest
    // call's panel with reviews still open.
    let applicant: Id = one(
        "SELECT lead_org_id AS id FROM applications GROUP BY lead_org_id ORDER BY count(*) DESC, lead_org_id LIMIT 1",
    )
    .get_result(conn)
    .await?;
    let reviewer: Id = diesel::sql_query(
        "SELECT reviewer_id AS id FROM reviews WHERE call_id = $1 AND state IN ('assigned', 'draft') GROUP BY reviewer_id ORDER BY count(*) DESC, reviewer_id LIMIT 1",
    )
    .bind::<BigInt, _>(largest)
    .get_result(conn)
    .await?;
    let award: Id = one(
        "SELECT w.id FROM awards w JOIN payment_requests r ON r.award_id = w.id WHERE w.state = 'active' GROUP BY w.id ORDER BY count(*) DESC, w.id LIMIT 1",
    )
    .get_result(conn)
    .await?;
    let fund: Id = one(
        "SELECT fund_id AS id FROM awards GROUP BY fund_id ORDER BY count(*) DESC, fund_id LIMIT 1",
    )
    .get_result(conn)
    .await?;
    let batch: Option<Id> = one(
        "SELECT b.id FROM payment_batches b JOIN bank_statements s ON s.id = b.id
           JOIN payment_requests r ON r.batch_id = b.id
         GROUP BY b.id ORDER BY count(*) DESC, b.id LIMIT 1",
    )
    .get_result(conn)
    .await
    .map(Some)
    .or_else(|e| match e {
        diesel::result::Error::NotFound => Ok(None),
        e => Err(e),
    })?;
    Ok(Accounts {
        admin: email_of(conn, 1).await?,
        finance: [email_of(conn, 2).await?, email_of(conn, 3).await?],
        applicant: email_of(conn, 3 + applicant.id).await?,
        reviewer: email_of(conn, reviewer.id).await?,
        largest_call: largest,
        fund: fund.id,
        award: award.id,
        batch: batch.map_or(0, |b| b.id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_codes_carry_valid_check_characters() {
        let orgs = organizations(2_000, 42);
        let mainland = orgs
            .registration
            .iter()
            .zip(&orgs.jurisdiction)
            .filter(|(_, j)| *j == "mainland");
        let mut n = 0;
        for (code, _) in mainland {
            assert_eq!(
                uscc::check_char(&code[..17]),
                code.chars().nth(17),
                "{code}"
            );
            n += 1;
        }
        assert!(n > 1_500, "most organizations are on the mainland: {n}");
    }

    #[test]
    fn the_same_seed_gives_the_same_organizations() {
        let a = organizations(500, 7);
        let b = organizations(500, 7);
        let c = organizations(500, 8);
        assert_eq!(a.registration, b.registration);
        assert_ne!(a.registration, c.registration);
    }

    #[test]
    fn statements_keep_function_bodies_whole() {
        let s =
            statements("CREATE FUNCTION f() AS\n $$ SELECT 1; $$;\nSELECT 2;\n-- note;\nSELECT 3;");
        assert_eq!(s.len(), 3);
        assert!(s[0].contains("SELECT 1;"));
    }
}
