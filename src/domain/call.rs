//! Grant calls: their states, and what a valid call is (DESIGN §3).
//! The form is kept as the strings people typed, so a refused form comes
//! back exactly as it was; `CallForm::validate` turns it into typed values.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use rust_decimal::Decimal;
use serde::Deserialize;

use super::form::FormErrors;
use super::money::{Currency, parse_amount_in, parse_percent, parse_rate};
use super::organization::Jurisdiction;
use crate::clock::bay_area_offset;
use crate::domain::code::codes;

codes! {
    pub enum CallState {
        Draft = "draft",
        Published = "published",
        InReview = "in_review",
        Decided = "decided",
        Archived = "archived",
    }
}

impl CallState {
    /// The one state that may follow this one.
    pub fn next(self) -> Option<CallState> {
        match self {
            CallState::Draft => Some(CallState::Published),
            CallState::Published => Some(CallState::InReview),
            CallState::InReview => Some(CallState::Decided),
            CallState::Decided => Some(CallState::Archived),
            CallState::Archived => None,
        }
    }

    pub fn can_become(self, to: CallState) -> bool {
        self.next() == Some(to)
    }

    pub fn is_public(self) -> bool {
        self != CallState::Draft
    }
}

codes! {
    /// What a visitor sees about a call's dates.
    pub enum Phase {
        Upcoming = "upcoming",
        Open = "open",
        Closed = "closed",
    }
}

impl Phase {
    pub fn of(
        state: CallState,
        opens_at: DateTime<Utc>,
        closes_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Phase {
        if state != CallState::Published || now >= closes_at {
            Phase::Closed
        } else if now < opens_at {
            Phase::Upcoming
        } else {
            Phase::Open
        }
    }
}

/// At most this many rubric rows on the form.
pub const MAX_CRITERIA: usize = 10;

/// The call form as typed. Check boxes arrive as `Some("on")`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CallForm {
    pub fund_id: String,
    pub title_zh: String,
    pub title_hans: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_hans: String,
    pub description_en: String,
    pub focus: Vec<String>,
    pub opens_at: String,
    pub closes_at: String,
    pub budget: String,
    pub min_request: String,
    pub max_request: String,
    pub max_duration_months: String,
    pub joint_required: Option<String>,
    pub lead_jurisdictions: Vec<String>,
    pub verified_required: Option<String>,
    pub whitelist_required: Option<String>,
    pub min_registered_months: String,
    pub min_matching_percent: String,
    pub max_overhead_percent: String,
    pub max_applications_per_lead: String,
    pub no_debarred: Option<String>,
    pub declaration_required: Option<String>,
    pub anonymise_reviews: Option<String>,
    pub rate_cny: String,
    pub rate_hkd: String,
    pub rate_mop: String,
    pub crit_name_zh: Vec<String>,
    pub crit_name_en: Vec<String>,
    pub crit_guidance_zh: Vec<String>,
    pub crit_guidance_en: Vec<String>,
    pub crit_weight: Vec<String>,
    pub crit_max: Vec<String>,
    pub blind_review: Option<String>,
    pub show_peer_scores: Option<String>,
    pub evaluations: Option<String>,
    pub review_days: String,
    pub comp_name_zh: Vec<String>,
    pub comp_name_en: Vec<String>,
    pub comp_weight: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    pub joint_required: bool,
    /// Empty: any jurisdiction may lead.
    pub lead_jurisdictions: Vec<Jurisdiction>,
    pub verified_required: bool,
    pub whitelist_required: bool,
    pub min_registered_months: Option<i32>,
    pub min_matching_percent: Option<Decimal>,
    pub max_overhead_percent: Option<Decimal>,
    pub max_applications_per_lead: Option<i32>,
    pub no_debarred: bool,
    pub declaration_required: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Criterion {
    pub name_zh: String,
    pub name_en: String,
    pub guidance_zh: String,
    pub guidance_en: String,
    pub weight: i32,
    pub max_score: i32,
}

/// A part of the final score besides the calibrated panel score (DESIGN §5),
/// e.g. a public jury's score, entered by an admin on a 0–100 scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub name_zh: String,
    pub name_en: String,
    pub weight: i32,
}

pub const MAX_COMPONENTS: usize = 3;

/// How a call is reviewed.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewSettings {
    /// Reviewers see no organization names.
    pub blind: bool,
    /// A reviewer who has submitted sees the others' submitted scores.
    pub show_peer_scores: bool,
    /// Awards need a mid-term and a final evaluation before they close.
    pub evaluations: bool,
    /// Days from assignment to the review's due date.
    pub review_days: i32,
    pub components: Vec<Component>,
}

impl Default for ReviewSettings {
    fn default() -> Self {
        Self {
            blind: false,
            show_peer_scores: false,
            evaluations: false,
            review_days: 14,
            components: Vec::new(),
        }
    }
}

impl ReviewSettings {
    /// The calibrated panel score's weight: what the components leave.
    pub fn panel_weight(&self) -> i32 {
        100 - self.components.iter().map(|c| c.weight).sum::<i32>()
    }
}

#[derive(Debug, Clone)]
pub struct ValidCall {
    pub title_zh: String,
    pub title_hans: String,
    pub title_en: String,
    pub description_zh: String,
    pub description_hans: String,
    pub description_en: String,
    pub focus: Vec<String>,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub budget: Decimal,
    pub min_request: Decimal,
    pub max_request: Decimal,
    pub max_duration_months: i32,
    pub rules: Rules,
    pub anonymise_reviews: bool,
    /// Rate of CNY, HKD and MOP to the fund's currency (its own is 1).
    pub rates: [(Currency, Decimal); 3],
    pub criteria: Vec<Criterion>,
    pub review: ReviewSettings,
}

/// Reads `2026-12-01T09:00` (a `datetime-local` field) as Bay Area time.
pub fn parse_bay_area_time(raw: &str) -> Result<DateTime<Utc>, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("err-required");
    }
    let naive = NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%d %H:%M"))
        .or_else(|_| NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| "err-datetime-invalid")?;
    bay_area_offset()
        .from_local_datetime(&naive)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or("err-datetime-invalid")
}

/// The `datetime-local` value for a stored time.
pub fn to_bay_area_input(at: DateTime<Utc>) -> String {
    at.with_timezone(&bay_area_offset())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

fn text(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
) -> String {
    use super::text::{Lines, checked, required as nonempty};
    let lines = if max > 200 { Lines::Many } else { Lines::One };
    let result = if required {
        nonempty(value, max, lines)
    } else {
        checked(value, max, lines)
    };
    result.unwrap_or_else(|k| {
        errors.add(field, k);
        value.trim().to_string()
    })
}

fn whole(
    errors: &mut FormErrors,
    field: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<i32>,
) -> Option<i32> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    match raw.parse::<i32>() {
        Ok(n) if range.contains(&n) => Some(n),
        _ => {
            errors.add(field, "err-number-invalid");
            None
        }
    }
}

fn optional<T>(
    raw: &str,
    parse: impl Fn(&str) -> Result<T, &'static str>,
    errors: &mut FormErrors,
    field: &'static str,
) -> Option<T> {
    if raw.trim().is_empty() {
        return None;
    }
    parse(raw).map_err(|k| errors.add(field, k)).ok()
}

fn cell(v: &[String], i: usize) -> &str {
    v.get(i).map(String::as_str).unwrap_or("")
}

const CRITERION_FIELDS: [&str; MAX_CRITERIA] = [
    "criterion-1",
    "criterion-2",
    "criterion-3",
    "criterion-4",
    "criterion-5",
    "criterion-6",
    "criterion-7",
    "criterion-8",
    "criterion-9",
    "criterion-10",
];

impl CallForm {
    /// Checks every field; `base` is the fund's currency, whose rate is 1.
    /// `known_focus` are the catalogue codes that may be chosen.
    pub fn validate(
        &self,
        base: Currency,
        known_focus: &[String],
    ) -> Result<ValidCall, FormErrors> {
        let mut e = FormErrors::default();
        let title_zh = text(&mut e, "title_zh", &self.title_zh, 200, true);
        // Traditional Chinese is required; Simplified and English are
        // optional (readers of those get the Traditional text converted,
        // or in Chinese, and the page says so).
        let title_hans = text(&mut e, "title_hans", &self.title_hans, 200, false);
        let title_en = text(&mut e, "title_en", &self.title_en, 200, false);
        let description_zh = text(&mut e, "description_zh", &self.description_zh, 20_000, true);
        let description_hans = text(
            &mut e,
            "description_hans",
            &self.description_hans,
            20_000,
            false,
        );
        let description_en = text(
            &mut e,
            "description_en",
            &self.description_en,
            20_000,
            false,
        );
        let mut focus: Vec<String> = self
            .focus
            .iter()
            .map(|f| f.trim().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        focus.sort();
        focus.dedup();
        if focus.is_empty() {
            e.add("focus", "err-focus-required");
        } else if focus.iter().any(|f| !known_focus.contains(f)) {
            e.add("focus", "err-focus-unknown");
        }
        let opens_at = parse_bay_area_time(&self.opens_at)
            .map_err(|k| e.add("opens_at", k))
            .ok();
        let closes_at = parse_bay_area_time(&self.closes_at)
            .map_err(|k| e.add("closes_at", k))
            .ok();
        if let (Some(o), Some(c)) = (opens_at, closes_at)
            && c <= o
        {
            e.add("closes_at", "err-closes-before-opens");
        }
        let budget = parse_amount_in(&self.budget, Some(base))
            .map_err(|k| e.add("budget", k))
            .ok();
        let min_request = parse_amount_in(&self.min_request, Some(base))
            .map_err(|k| e.add("min_request", k))
            .ok();
        let max_request = parse_amount_in(&self.max_request, Some(base))
            .map_err(|k| e.add("max_request", k))
            .ok();
        if budget.is_some_and(|b| b.is_zero()) {
            e.add("budget", "err-amount-zero");
        }
        if max_request.is_some_and(|m| m.is_zero()) {
            e.add("max_request", "err-amount-zero");
        }
        if let (Some(min), Some(max)) = (min_request, max_request)
            && min > max
        {
            e.add("min_request", "err-min-above-max");
        }
        if let (Some(max), Some(b)) = (max_request, budget)
            && max > b
        {
            e.add("max_request", "err-max-above-budget");
        }
        let max_duration_months = whole(
            &mut e,
            "max_duration_months",
            &self.max_duration_months,
            1..=120,
        );
        if self.max_duration_months.trim().is_empty() {
            e.add("max_duration_months", "err-required");
        }

        let mut lead_jurisdictions = Vec::new();
        for code in &self.lead_jurisdictions {
            match Jurisdiction::from_code(code) {
                Some(j) if !lead_jurisdictions.contains(&j) => lead_jurisdictions.push(j),
                Some(_) => {}
                None => e.add("lead_jurisdictions", "err-choice-unknown"),
            }
        }
        let rules = Rules {
            joint_required: self.joint_required.is_some(),
            lead_jurisdictions,
            verified_required: self.verified_required.is_some(),
            whitelist_required: self.whitelist_required.is_some(),
            min_registered_months: whole(
                &mut e,
                "min_registered_months",
                &self.min_registered_months,
                0..=600,
            ),
            min_matching_percent: optional(
                &self.min_matching_percent,
                parse_percent,
                &mut e,
                "min_matching_percent",
            ),
            max_overhead_percent: optional(
                &self.max_overhead_percent,
                parse_percent,
                &mut e,
                "max_overhead_percent",
            ),
            max_applications_per_lead: whole(
                &mut e,
                "max_applications_per_lead",
                &self.max_applications_per_lead,
                1..=100,
            ),
            no_debarred: self.no_debarred.is_some(),
            declaration_required: self.declaration_required.is_some(),
        };

        let mut rate = |currency: Currency, raw: &str, field: &'static str| -> Decimal {
            if currency == base {
                return Decimal::ONE;
            }
            parse_rate(raw)
                .map_err(|k| e.add(field, k))
                .unwrap_or(Decimal::ONE)
        };
        let rates = [
            (
                Currency::Cny,
                rate(Currency::Cny, &self.rate_cny, "rate_cny"),
            ),
            (
                Currency::Hkd,
                rate(Currency::Hkd, &self.rate_hkd, "rate_hkd"),
            ),
            (
                Currency::Mop,
                rate(Currency::Mop, &self.rate_mop, "rate_mop"),
            ),
        ];

        let mut criteria = Vec::new();
        let rows = self
            .crit_name_zh
            .len()
            .max(self.crit_name_en.len())
            .max(self.crit_weight.len())
            .min(MAX_CRITERIA);
        for (i, field) in CRITERION_FIELDS.iter().copied().enumerate().take(rows) {
            let cells = [
                &self.crit_name_zh,
                &self.crit_name_en,
                &self.crit_guidance_zh,
                &self.crit_guidance_en,
                &self.crit_weight,
                &self.crit_max,
            ];
            if cells.iter().all(|c| cell(c, i).trim().is_empty()) {
                continue;
            }
            let name_zh = cell(&self.crit_name_zh, i).trim().to_string();
            let name_en = cell(&self.crit_name_en, i).trim().to_string();
            let weight = cell(&self.crit_weight, i)
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|w| (1..=100).contains(w));
            let max_score = cell(&self.crit_max, i)
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|m| (1..=100).contains(m));
            if name_zh.is_empty() || name_en.is_empty() {
                e.add(field, "err-criterion-names");
            } else if name_zh.chars().count() > 200 || name_en.chars().count() > 200 {
                e.add(field, "err-too-long");
            } else if weight.is_none() {
                e.add(field, "err-criterion-weight");
            } else if max_score.is_none() {
                e.add(field, "err-criterion-max");
            }
            criteria.push(Criterion {
                name_zh,
                name_en,
                guidance_zh: cell(&self.crit_guidance_zh, i)
                    .trim()
                    .chars()
                    .take(4000)
                    .collect(),
                guidance_en: cell(&self.crit_guidance_en, i)
                    .trim()
                    .chars()
                    .take(4000)
                    .collect(),
                weight: weight.unwrap_or(0),
                max_score: max_score.unwrap_or(0),
            });
        }
        if criteria.is_empty() {
            e.add("rubric", "err-rubric-empty");
        } else if criteria.iter().map(|c| c.weight).sum::<i32>() != 100 {
            e.add("rubric", "err-rubric-weights");
        }

        let review = self.review_settings(&mut e);

        if !e.is_empty() {
            return Err(e);
        }
        let (
            Some(opens_at),
            Some(closes_at),
            Some(budget),
            Some(min_request),
            Some(max_request),
            Some(max_duration_months),
        ) = (
            opens_at,
            closes_at,
            budget,
            min_request,
            max_request,
            max_duration_months,
        )
        else {
            return Err(e);
        };
        Ok(ValidCall {
            title_zh,
            title_hans,
            title_en,
            description_zh,
            description_hans,
            description_en,
            focus,
            opens_at,
            closes_at,
            budget,
            min_request,
            max_request,
            max_duration_months,
            rules,
            anonymise_reviews: self.anonymise_reviews.is_some(),
            rates,
            criteria,
            review,
        })
    }

    fn review_settings(&self, e: &mut FormErrors) -> ReviewSettings {
        let review_days = if self.review_days.trim().is_empty() {
            14
        } else {
            whole(e, "review_days", &self.review_days, 1..=120).unwrap_or(14)
        };
        let mut components = Vec::new();
        let rows = self
            .comp_name_zh
            .len()
            .max(self.comp_name_en.len())
            .max(self.comp_weight.len())
            .min(MAX_COMPONENTS);
        for i in 0..rows {
            let cells = [&self.comp_name_zh, &self.comp_name_en, &self.comp_weight];
            if cells.iter().all(|c| cell(c, i).trim().is_empty()) {
                continue;
            }
            let name_zh = cell(&self.comp_name_zh, i).trim().to_string();
            let name_en = cell(&self.comp_name_en, i).trim().to_string();
            let weight = cell(&self.comp_weight, i)
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|w| (1..=99).contains(w));
            if name_zh.is_empty() || name_en.is_empty() {
                e.add("components", "err-criterion-names");
            } else if name_zh.chars().count() > 200 || name_en.chars().count() > 200 {
                e.add("components", "err-too-long");
            } else if weight.is_none() {
                e.add("components", "err-component-weight");
            }
            components.push(Component {
                name_zh,
                name_en,
                weight: weight.unwrap_or(0),
            });
        }
        let settings = ReviewSettings {
            blind: self.blind_review.is_some(),
            show_peer_scores: self.show_peer_scores.is_some(),
            evaluations: self.evaluations.is_some(),
            review_days,
            components,
        };
        if settings.panel_weight() < 1 {
            e.add("components", "err-component-weight");
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn good_form() -> CallForm {
        CallForm {
            fund_id: "1".into(),
            title_zh: "長者服務創投".into(),
            title_en: "Elderly care venture grants".into(),
            description_zh: "說明".into(),
            description_en: "Description".into(),
            focus: vec!["elderly_care".into()],
            opens_at: "2026-12-01T09:00".into(),
            closes_at: "2027-01-31T17:00".into(),
            budget: "2,000,000".into(),
            min_request: "50,000".into(),
            max_request: "500,000".into(),
            max_duration_months: "24".into(),
            joint_required: Some("on".into()),
            rate_hkd: "0.92".into(),
            rate_mop: "0.89".into(),
            crit_name_zh: vec!["需要".into(), "方法".into(), String::new()],
            crit_name_en: vec!["Need".into(), "Approach".into(), String::new()],
            crit_guidance_zh: vec![String::new(); 3],
            crit_guidance_en: vec![String::new(); 3],
            crit_weight: vec!["40".into(), "60".into(), String::new()],
            crit_max: vec!["10".into(), "10".into(), String::new()],
            ..Default::default()
        }
    }

    fn catalogue() -> Vec<String> {
        vec!["elderly_care".into(), "education".into()]
    }

    #[test]
    fn components_leave_the_panel_some_weight() {
        let mut form = good_form();
        form.comp_name_zh = vec!["公眾評審團".into(), String::new()];
        form.comp_name_en = vec!["Public jury".into(), String::new()];
        form.comp_weight = vec!["30".into(), String::new()];
        let call = form.validate(Currency::Cny, &catalogue()).unwrap();
        assert_eq!(call.review.components.len(), 1, "blank rows are ignored");
        assert_eq!(call.review.panel_weight(), 70);
        assert_eq!(call.review.review_days, 14, "the default");
        form.comp_weight = vec!["100".into()];
        let e = form.validate(Currency::Cny, &catalogue()).unwrap_err();
        assert_eq!(e.get("components"), Some("err-component-weight"));
        form.comp_name_zh = vec!["公眾評審團".into(), "捐款".into()];
        form.comp_name_en = vec!["Public jury".into(), "Donations".into()];
        form.comp_weight = vec!["60".into(), "40".into()];
        let e = form.validate(Currency::Cny, &catalogue()).unwrap_err();
        assert_eq!(
            e.get("components"),
            Some("err-component-weight"),
            "nothing left for the panel"
        );
        form.comp_weight = vec!["20".into(), "20".into()];
        form.review_days = "0".into();
        let e = form.validate(Currency::Cny, &catalogue()).unwrap_err();
        assert_eq!(e.get("review_days"), Some("err-number-invalid"));
    }

    #[test]
    fn a_good_call_validates_with_bay_area_times() {
        let call = good_form().validate(Currency::Cny, &catalogue()).unwrap();
        assert_eq!(call.opens_at.to_rfc3339(), "2026-12-01T01:00:00+00:00");
        assert_eq!(call.criteria.len(), 2, "blank rubric rows are ignored");
        assert_eq!(
            call.rates[0].1,
            Decimal::ONE,
            "the fund's own currency converts at 1"
        );
        assert!(call.rules.joint_required);
        assert!(!call.rules.whitelist_required);
    }

    #[test]
    fn each_mistake_is_named_beside_its_field() {
        type Change = Box<dyn Fn(&mut CallForm)>;
        let cases: Vec<(Change, &str, &str)> = vec![
            (
                Box::new(|f| f.crit_weight[1] = "50".into()),
                "rubric",
                "err-rubric-weights",
            ),
            (
                Box::new(|f| f.closes_at = "2026-11-30T09:00".into()),
                "closes_at",
                "err-closes-before-opens",
            ),
            (
                Box::new(|f| f.min_request = "600,000".into()),
                "min_request",
                "err-min-above-max",
            ),
            (
                Box::new(|f| f.budget = "-5".into()),
                "budget",
                "err-amount-negative",
            ),
            (
                Box::new(|f| f.budget = "lots".into()),
                "budget",
                "err-amount-invalid",
            ),
            (
                Box::new(|f| f.rate_hkd = "0".into()),
                "rate_hkd",
                "err-rate-zero",
            ),
            (
                Box::new(|f| f.focus = vec!["astrology".into()]),
                "focus",
                "err-focus-unknown",
            ),
            (
                Box::new(|f| f.opens_at = "tomorrow".into()),
                "opens_at",
                "err-datetime-invalid",
            ),
            (
                Box::new(|f| f.crit_max[0] = "0".into()),
                "criterion-1",
                "err-criterion-max",
            ),
            (
                Box::new(|f| f.lead_jurisdictions = vec!["mars".into()]),
                "lead_jurisdictions",
                "err-choice-unknown",
            ),
        ];
        for (change, field, key) in cases {
            let mut form = good_form();
            change(&mut form);
            let errors = form.validate(Currency::Cny, &catalogue()).unwrap_err();
            assert_eq!(errors.get(field), Some(key), "{field}: {errors:?}");
        }
    }

    #[test]
    fn states_move_only_forward_one_step() {
        assert!(CallState::Draft.can_become(CallState::Published));
        assert!(!CallState::Draft.can_become(CallState::InReview));
        assert!(!CallState::Published.can_become(CallState::Draft));
        assert!(!CallState::Archived.can_become(CallState::Draft));
        assert_eq!(CallState::Decided.next(), Some(CallState::Archived));
    }

    #[test]
    fn phases_follow_the_clock() {
        let o = parse_bay_area_time("2026-12-01T09:00").unwrap();
        let c = parse_bay_area_time("2026-12-31T17:00").unwrap();
        let before = parse_bay_area_time("2026-11-30T09:00").unwrap();
        let during = parse_bay_area_time("2026-12-15T09:00").unwrap();
        assert_eq!(
            Phase::of(CallState::Published, o, c, before),
            Phase::Upcoming
        );
        assert_eq!(Phase::of(CallState::Published, o, c, during), Phase::Open);
        assert_eq!(
            Phase::of(CallState::Published, o, c, c),
            Phase::Closed,
            "closing time itself is closed"
        );
        assert_eq!(Phase::of(CallState::InReview, o, c, during), Phase::Closed);
    }
}
