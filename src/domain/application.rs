//! What an application must satisfy before it can be submitted: every
//! eligibility rule its call sets (DESIGN §3) and every completeness rule
//! (§4). `check` is pure: the caller gathers the facts, this lists problems.

use chrono::{DateTime, Months, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::call::Rules;
use super::money::{Currency, convert};
use super::organization::Jurisdiction;
use crate::domain::code::codes;

codes! {
    pub enum ApplicationState {
        Draft = "draft",
        Submitted = "submitted",
        UnderReview = "under_review",
        Awarded = "awarded",
        Declined = "declined",
        Waitlisted = "waitlisted",
        Withdrawn = "withdrawn",
    }
}

impl ApplicationState {
    /// Counts against "at most K applications led by one organization".
    pub fn counts_as_application(self) -> bool {
        !matches!(self, ApplicationState::Draft | ApplicationState::Withdrawn)
    }
}

codes! {
    pub enum Source {
        Grant = "grant",
        Matching = "matching",
    }
}

codes! {
    /// What a budget line pays for.
    pub enum Category {
        Personnel = "personnel",
        Activities = "activities",
        Travel = "travel",
        Equipment = "equipment",
        Administration = "administration",
        Other = "other",
    }
}

#[derive(Debug, Clone)]
pub struct Line {
    pub category: Category,
    pub organization_id: i64,
    pub currency: Currency,
    pub amount: Decimal,
    pub source: Source,
}

/// Sums of a budget, each line converted to the fund's currency first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Totals {
    pub grant: Decimal,
    pub matching: Decimal,
    pub administration_grant: Decimal,
    /// (category, converted total) in `Category::ALL` order, only non-zero.
    pub by_category: Vec<(Category, Decimal)>,
    /// (currency, original-currency total).
    pub by_currency: Vec<(Currency, Decimal)>,
    /// (organization id, converted total).
    pub by_organization: Vec<(i64, Decimal)>,
}

impl Totals {
    pub fn total(&self) -> Decimal {
        self.grant + self.matching
    }

    /// Matching funds as a percentage of the total, to two decimals.
    pub fn matching_percent(&self) -> Decimal {
        super::money::percent(self.matching, self.total())
    }
}

pub fn totals(lines: &[Line], rate: impl Fn(Currency) -> Decimal) -> Totals {
    let mut t = Totals::default();
    for line in lines {
        let converted = convert(line.amount, rate(line.currency));
        match line.source {
            Source::Grant => t.grant += converted,
            Source::Matching => t.matching += converted,
        }
        if line.source == Source::Grant && line.category == Category::Administration {
            t.administration_grant += converted;
        }
        add(&mut t.by_category, line.category, converted);
        add(&mut t.by_currency, line.currency, line.amount);
        add(&mut t.by_organization, line.organization_id, converted);
    }
    t.by_category.sort_by_key(|(c, _)| *c);
    t
}

fn add<K: PartialEq>(v: &mut Vec<(K, Decimal)>, key: K, amount: Decimal) {
    match v.iter_mut().find(|(k, _)| *k == key) {
        Some((_, sum)) => *sum += amount,
        None => v.push((key, amount)),
    }
}

#[derive(Debug, Clone)]
pub struct OrgFacts {
    pub id: i64,
    pub name: String,
    pub jurisdiction: Jurisdiction,
    pub verified: bool,
    pub whitelisted: bool,
    pub debarred_until: Option<NaiveDate>,
    pub founded_on: NaiveDate,
}

codes! {
    /// A partner organization's answer to an invitation to join.
    pub enum PartnerStatus {
        Invited = "invited",
        Accepted = "accepted",
        Declined = "declined",
    }
}

pub struct CallFacts {
    pub open: bool,
    pub closes_at: DateTime<Utc>,
    pub min_request: Decimal,
    pub max_request: Decimal,
    pub max_duration_months: i32,
    pub rules: Rules,
    pub base: Currency,
    pub rates: [(Currency, Decimal); 3],
}

pub struct Facts {
    pub today: NaiveDate,
    pub call: CallFacts,
    pub lead: OrgFacts,
    pub partners: Vec<(OrgFacts, PartnerStatus)>,
    /// Other applications this lead has submitted to the call.
    pub other_lead_applications: i64,
    /// Names of required text fields left empty (`title`, `summary`, …).
    pub empty_fields: Vec<&'static str>,
    pub duration_months: Option<i32>,
    pub declaration: bool,
    pub lines: Vec<Line>,
    /// (month due, tranche percent)
    pub milestones: Vec<(i32, Decimal)>,
}

/// One thing to fix: a catalogue key, its arguments, and where to fix it.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub anchor: &'static str,
}

fn problem(key: &'static str, anchor: &'static str) -> Problem {
    Problem {
        key,
        args: Vec::new(),
        anchor,
    }
}

fn with(key: &'static str, anchor: &'static str, args: Vec<(&'static str, String)>) -> Problem {
    Problem { key, args, anchor }
}

/// Whether the call lets an organization registered where `lead` is lead.
fn may_lead_from(rules: &Rules, lead: &OrgFacts) -> bool {
    rules.lead_jurisdictions.is_empty() || rules.lead_jurisdictions.contains(&lead.jurisdiction)
}

/// An organization's own standing against the call: verified where the
/// call requires it, not debarred where the call excludes the debarred.
fn standing_problems(rules: &Rules, org: &OrgFacts, today: NaiveDate) -> Vec<Problem> {
    let mut out = Vec::new();
    if rules.verified_required && !org.verified {
        out.push(with(
            "sub-unverified",
            "partners",
            vec![("org", org.name.clone())],
        ));
    }
    if rules.no_debarred && org.debarred_until.is_some_and(|until| today <= until) {
        out.push(with(
            "sub-debarred",
            "partners",
            vec![("org", org.name.clone())],
        ));
    }
    out
}

/// The lead's age at the closing date and its other applications to the call.
fn lead_age_and_count_problems(
    rules: &Rules,
    lead: &OrgFacts,
    closes_at: DateTime<Utc>,
    other_lead_applications: i64,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if let Some(months) = rules.min_registered_months {
        let closing_day = closes_at
            .with_timezone(&crate::clock::bay_area_offset())
            .date_naive();
        let old_enough = lead
            .founded_on
            .checked_add_months(Months::new(months.max(0) as u32))
            .is_some_and(|d| d <= closing_day);
        if !old_enough {
            out.push(with(
                "sub-too-young",
                "top",
                vec![("months", months.to_string())],
            ));
        }
    }
    if let Some(k) = rules.max_applications_per_lead
        && other_lead_applications + 1 > i64::from(k)
    {
        out.push(with("sub-too-many", "top", vec![("count", k.to_string())]));
    }
    out
}

/// What stands between an organization and leading an application to the
/// call, judged before any draft exists: the rules about the lead alone
/// (where it is registered, its verification and debarment, its age at the
/// closing date, its other applications). Partners, budget and content are
/// for the draft.
pub fn lead_problems(
    rules: &Rules,
    lead: &OrgFacts,
    today: NaiveDate,
    closes_at: DateTime<Utc>,
    other_lead_applications: i64,
) -> Vec<Problem> {
    let mut out = Vec::new();
    if !may_lead_from(rules, lead) {
        out.push(problem("sub-lead-jurisdiction", "top"));
    }
    // Leading needs a verified organization whatever the call's rules.
    if !lead.verified && !rules.verified_required {
        out.push(with(
            "sub-unverified",
            "top",
            vec![("org", lead.name.clone())],
        ));
    }
    out.extend(standing_problems(rules, lead, today));
    out.extend(lead_age_and_count_problems(
        rules,
        lead,
        closes_at,
        other_lead_applications,
    ));
    out
}

pub fn check(f: &Facts) -> Vec<Problem> {
    let mut out = Vec::new();
    let rules = &f.call.rules;
    if !f.call.open {
        out.push(problem("sub-call-closed", "top"));
    }
    for field in &f.empty_fields {
        out.push(with(
            "sub-field-empty",
            "content",
            vec![("field", (*field).to_string())],
        ));
    }
    match f.duration_months {
        None => out.push(problem("sub-duration-missing", "content")),
        Some(d) if d > f.call.max_duration_months => out.push(with(
            "sub-duration-too-long",
            "content",
            vec![
                ("months", d.to_string()),
                ("max", f.call.max_duration_months.to_string()),
            ],
        )),
        Some(_) => {}
    }

    // The team: the lead and the partners who accepted.
    for (org, status) in &f.partners {
        if *status == PartnerStatus::Invited {
            out.push(with(
                "sub-partner-pending",
                "partners",
                vec![("org", org.name.clone())],
            ));
        }
    }
    let team: Vec<&OrgFacts> = std::iter::once(&f.lead)
        .chain(
            f.partners
                .iter()
                .filter(|(_, s)| *s == PartnerStatus::Accepted)
                .map(|(o, _)| o),
        )
        .collect();
    // Budget lines may be drafted for an invited partner (pending until it
    // answers), but not kept for one that declined or was removed.
    let mut outside: Vec<i64> = f
        .lines
        .iter()
        .map(|l| l.organization_id)
        .filter(|id| {
            *id != f.lead.id
                && !f
                    .partners
                    .iter()
                    .any(|(o, s)| o.id == *id && *s != PartnerStatus::Declined)
        })
        .collect();
    outside.sort_unstable();
    outside.dedup();
    for id in outside {
        let name = f
            .partners
            .iter()
            .find(|(o, _)| o.id == id)
            .map_or_else(|| format!("#{id}"), |(o, _)| o.name.clone());
        out.push(with(
            "sub-budget-outside-team",
            "budget",
            vec![("org", name)],
        ));
    }
    if rules.joint_required {
        let mainland = team
            .iter()
            .any(|o| o.jurisdiction == Jurisdiction::Mainland);
        let cross_border = team.iter().any(|o| o.jurisdiction.is_cross_border());
        if !(mainland && cross_border) {
            out.push(problem("sub-joint", "partners"));
        }
    }
    if !may_lead_from(rules, &f.lead) {
        out.push(problem("sub-lead-jurisdiction", "top"));
    }
    for org in &team {
        out.extend(standing_problems(rules, org, f.today));
    }
    if rules.whitelist_required {
        for (org, status) in &f.partners {
            if *status == PartnerStatus::Accepted
                && org.jurisdiction.is_cross_border()
                && !org.whitelisted
            {
                out.push(with(
                    "sub-not-whitelisted",
                    "partners",
                    vec![("org", org.name.clone())],
                ));
            }
        }
    }
    out.extend(lead_age_and_count_problems(
        rules,
        &f.lead,
        f.call.closes_at,
        f.other_lead_applications,
    ));
    if rules.declaration_required && !f.declaration {
        out.push(problem("sub-declaration", "declaration"));
    }

    // Budget.
    let rate = |c: Currency| {
        f.call
            .rates
            .iter()
            .find(|(k, _)| *k == c)
            .map_or(Decimal::ONE, |(_, r)| *r)
    };
    let t = totals(&f.lines, rate);
    let money = |d: Decimal| super::money::format_money(d, f.call.base);
    if t.grant.is_zero() {
        out.push(problem("sub-no-grant", "budget"));
    } else if t.grant < f.call.min_request || t.grant > f.call.max_request {
        out.push(with(
            "sub-request-range",
            "budget",
            vec![
                ("request", money(t.grant)),
                ("min", money(f.call.min_request)),
                ("max", money(f.call.max_request)),
            ],
        ));
    }
    if let Some(required) = rules.min_matching_percent {
        // Compared exactly (matching × 100 ≥ required × total), not rounded.
        if !t.total().is_zero() && t.matching * Decimal::ONE_HUNDRED < required * t.total() {
            out.push(with(
                "sub-matching",
                "budget",
                vec![
                    ("actual", t.matching_percent().normalize().to_string()),
                    ("required", required.normalize().to_string()),
                ],
            ));
        }
    }
    if let Some(limit) = rules.max_overhead_percent
        && !t.grant.is_zero()
        && t.administration_grant * Decimal::ONE_HUNDRED > limit * t.grant
    {
        out.push(with(
            "sub-overhead",
            "budget",
            vec![
                (
                    "actual",
                    super::money::percent(t.administration_grant, t.grant)
                        .normalize()
                        .to_string(),
                ),
                ("limit", limit.normalize().to_string()),
            ],
        ));
    }

    // Milestones.
    if f.milestones.is_empty() {
        out.push(problem("sub-no-milestones", "milestones"));
    } else {
        let sum: Decimal = f.milestones.iter().map(|(_, p)| *p).sum();
        if sum != Decimal::ONE_HUNDRED {
            out.push(with(
                "sub-tranches",
                "milestones",
                vec![("sum", sum.normalize().to_string())],
            ));
        }
        if let Some(d) = f.duration_months
            && f.milestones.iter().any(|(m, _)| *m > d)
        {
            out.push(problem("sub-milestone-late", "milestones"));
        }
    }
    out
}

#[cfg(test)]
mod lead_tests {
    use super::*;

    fn org(jurisdiction: Jurisdiction, verified: bool) -> OrgFacts {
        OrgFacts {
            id: 1,
            name: "Lead".into(),
            jurisdiction,
            verified,
            whitelisted: false,
            debarred_until: None,
            founded_on: NaiveDate::from_ymd_opt(2010, 1, 1).unwrap(),
        }
    }

    fn rules() -> Rules {
        Rules {
            joint_required: true,
            lead_jurisdictions: vec![Jurisdiction::Mainland],
            verified_required: false,
            whitelist_required: false,
            min_registered_months: Some(24),
            min_matching_percent: None,
            max_overhead_percent: None,
            max_applications_per_lead: Some(1),
            no_debarred: true,
            declaration_required: false,
        }
    }

    fn keys(p: Vec<Problem>) -> Vec<&'static str> {
        p.into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn what_stands_between_an_organization_and_leading_is_said_before_a_draft() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 7).unwrap();
        let closes = DateTime::parse_from_rfc3339("2027-01-31T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let ok = org(Jurisdiction::Mainland, true);
        assert!(lead_problems(&rules(), &ok, today, closes, 0).is_empty());
        // A partner is for the draft: a joint call does not stop a mainland lead.
        assert_eq!(
            keys(lead_problems(
                &rules(),
                &org(Jurisdiction::HongKong, false),
                today,
                closes,
                1
            )),
            ["sub-lead-jurisdiction", "sub-unverified", "sub-too-many"]
        );
        let mut young = ok.clone();
        young.founded_on = NaiveDate::from_ymd_opt(2025, 6, 1).unwrap();
        young.debarred_until = NaiveDate::from_ymd_opt(2027, 1, 1);
        assert_eq!(
            keys(lead_problems(&rules(), &young, today, closes, 0)),
            ["sub-debarred", "sub-too-young"]
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn org(id: i64, j: Jurisdiction) -> OrgFacts {
        OrgFacts {
            id,
            name: format!("org{id}"),
            jurisdiction: j,
            verified: true,
            whitelisted: true,
            debarred_until: None,
            founded_on: NaiveDate::from_ymd_opt(2015, 1, 1).unwrap(),
        }
    }

    fn rules() -> Rules {
        Rules {
            joint_required: true,
            lead_jurisdictions: vec![],
            verified_required: true,
            whitelist_required: true,
            min_registered_months: Some(12),
            min_matching_percent: Some(d("40")),
            max_overhead_percent: Some(d("15")),
            max_applications_per_lead: Some(2),
            no_debarred: true,
            declaration_required: true,
        }
    }

    fn line(org: i64, currency: Currency, amount: &str, source: Source, category: &str) -> Line {
        Line {
            category: Category::from_code(category).unwrap(),
            organization_id: org,
            currency,
            amount: d(amount),
            source,
        }
    }

    /// A Guangzhou lead with a Macau partner, complete and eligible.
    fn facts() -> Facts {
        Facts {
            today: NaiveDate::from_ymd_opt(2026, 11, 26).unwrap(),
            call: CallFacts {
                open: true,
                closes_at: DateTime::parse_from_rfc3339("2027-01-31T09:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc),
                min_request: d("50000"),
                max_request: d("500000"),
                max_duration_months: 24,
                rules: rules(),
                base: Currency::Cny,
                rates: [
                    (Currency::Cny, Decimal::ONE),
                    (Currency::Hkd, d("0.92")),
                    (Currency::Mop, d("0.89")),
                ],
            },
            lead: org(1, Jurisdiction::Mainland),
            partners: vec![(org(2, Jurisdiction::Macau), PartnerStatus::Accepted)],
            other_lead_applications: 0,
            empty_fields: vec![],
            duration_months: Some(18),
            declaration: true,
            lines: vec![
                line(1, Currency::Cny, "100000", Source::Grant, "personnel"),
                line(2, Currency::Mop, "100000", Source::Matching, "activities"),
            ],
            milestones: vec![(6, d("40")), (18, d("60"))],
        }
    }

    fn keys(f: &Facts) -> Vec<&'static str> {
        check(f).into_iter().map(|p| p.key).collect()
    }

    #[test]
    fn a_guangzhou_and_macau_team_passes() {
        assert_eq!(keys(&facts()), Vec::<&str>::new());
    }

    #[test]
    fn one_sided_teams_fail_the_joint_rule() {
        let mut mainland_only = facts();
        mainland_only.partners = vec![(org(2, Jurisdiction::Mainland), PartnerStatus::Accepted)];
        assert!(keys(&mainland_only).contains(&"sub-joint"));
        let mut hk_only = facts();
        hk_only.lead = org(1, Jurisdiction::HongKong);
        hk_only.partners = vec![(org(2, Jurisdiction::HongKong), PartnerStatus::Accepted)];
        assert!(keys(&hk_only).contains(&"sub-joint"));
        // A partner who has not accepted is not on the team.
        let mut pending = facts();
        pending.partners[0].1 = PartnerStatus::Invited;
        let k = keys(&pending);
        assert!(k.contains(&"sub-partner-pending") && k.contains(&"sub-joint"));
    }

    #[test]
    fn budget_lines_belong_to_the_team_or_an_invited_partner() {
        let mut f = facts();
        f.lines.push(line(
            2,
            Currency::Mop,
            "1000",
            Source::Matching,
            "personnel",
        ));
        assert!(!keys(&f).contains(&"sub-budget-outside-team"));
        // Drafted while the partner is invited: only the pending answer stands in the way.
        f.partners[0].1 = PartnerStatus::Invited;
        let k = keys(&f);
        assert!(k.contains(&"sub-partner-pending") && !k.contains(&"sub-budget-outside-team"));
        // The partner declined, or is gone: its lines must go.
        f.partners[0].1 = PartnerStatus::Declined;
        assert!(keys(&f).contains(&"sub-budget-outside-team"));
        f.partners.clear();
        assert!(keys(&f).contains(&"sub-budget-outside-team"));
    }

    #[test]
    fn matching_share_at_and_just_under_its_bound() {
        // Exactly 40 %: 60,000 grant + 40,000 matching.
        let mut f = facts();
        f.lines = vec![
            line(1, Currency::Cny, "60000", Source::Grant, "personnel"),
            line(2, Currency::Cny, "40000", Source::Matching, "other"),
        ];
        assert!(!keys(&f).contains(&"sub-matching"));
        // One cent short of 40 %.
        f.lines[1].amount = d("39999.99");
        assert!(keys(&f).contains(&"sub-matching"));
    }

    #[test]
    fn overhead_at_and_just_over_its_bound() {
        let mut f = facts();
        f.lines = vec![
            line(1, Currency::Cny, "85000", Source::Grant, "personnel"),
            line(1, Currency::Cny, "15000", Source::Grant, "administration"),
            line(2, Currency::Cny, "100000", Source::Matching, "other"),
        ];
        assert!(
            !keys(&f).contains(&"sub-overhead"),
            "15 % of the grant is allowed"
        );
        f.lines[1].amount = d("15000.01");
        assert!(keys(&f).contains(&"sub-overhead"));
    }

    #[test]
    fn the_request_is_converted_per_line_and_kept_within_the_range() {
        let mut f = facts();
        // HKD 0.01 at 0.5 three times is 0.03, not 0.02 — per line, then summed.
        f.call.rates[1].1 = d("0.5");
        f.lines = vec![
            line(1, Currency::Hkd, "0.01", Source::Grant, "other"),
            line(1, Currency::Hkd, "0.01", Source::Grant, "other"),
            line(1, Currency::Hkd, "0.01", Source::Grant, "other"),
        ];
        let t = totals(&f.lines, |c| {
            if c == Currency::Hkd {
                d("0.5")
            } else {
                Decimal::ONE
            }
        });
        assert_eq!(t.grant, d("0.03"));
        assert!(keys(&f).contains(&"sub-request-range"));
    }

    #[test]
    fn every_other_rule_reports_its_problem() {
        type Change = Box<dyn Fn(&mut Facts)>;
        let cases: Vec<(Change, &str)> = vec![
            (Box::new(|f| f.call.open = false), "sub-call-closed"),
            (
                Box::new(|f| f.empty_fields = vec!["title"]),
                "sub-field-empty",
            ),
            (
                Box::new(|f| f.duration_months = None),
                "sub-duration-missing",
            ),
            (
                Box::new(|f| f.duration_months = Some(30)),
                "sub-duration-too-long",
            ),
            (Box::new(|f| f.lead.verified = false), "sub-unverified"),
            (
                Box::new(|f| f.partners[0].0.whitelisted = false),
                "sub-not-whitelisted",
            ),
            (
                Box::new(|f| f.lead.founded_on = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()),
                "sub-too-young",
            ),
            (
                Box::new(|f| f.lead.debarred_until = NaiveDate::from_ymd_opt(2028, 1, 1)),
                "sub-debarred",
            ),
            (Box::new(|f| f.other_lead_applications = 2), "sub-too-many"),
            (Box::new(|f| f.declaration = false), "sub-declaration"),
            (Box::new(|f| f.lines.clear()), "sub-no-grant"),
            (Box::new(|f| f.milestones.clear()), "sub-no-milestones"),
            (Box::new(|f| f.milestones[1].1 = d("50")), "sub-tranches"),
            (Box::new(|f| f.milestones[1].0 = 20), "sub-milestone-late"),
            (
                Box::new(|f| f.lines[0].organization_id = 99),
                "sub-budget-outside-team",
            ),
            (
                Box::new(|f| f.call.rules.lead_jurisdictions = vec![Jurisdiction::HongKong]),
                "sub-lead-jurisdiction",
            ),
        ];
        for (change, key) in cases {
            let mut f = facts();
            change(&mut f);
            assert!(keys(&f).contains(&key), "{key}: {:?}", keys(&f));
        }
    }
}
