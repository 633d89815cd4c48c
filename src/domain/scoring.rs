//! Review scores (DESIGN §5): a review's weighted score, and per application
//! the mean, the spread, and the calibrated score that removes each
//! reviewer's harshness or leniency. Scores are statistics, not money, so
//! they are `f64`; every input score is a whole number checked against its
//! criterion's maximum before it gets here.

use std::collections::HashMap;

use crate::domain::code::codes;

codes! {
    /// A review from assignment to submission (DESIGN §5).
    pub enum ReviewState {
        Assigned = "assigned",
        /// The reviewer declared a conflict; the review takes no scores.
        Conflict = "conflict",
        Draft = "draft",
        Submitted = "submitted",
    }
}

codes! {
    pub enum Recommendation {
        Fund = "fund",
        FundWithChanges = "fund_with_changes",
        DoNotFund = "do_not_fund",
    }
}

/// Spread (population standard deviation) above this flags an application
/// for discussion.
pub const DISCUSSION_SPREAD: f64 = 15.0;

/// Reviewers with fewer reviews than this in a call keep their raw score.
pub const MIN_REVIEWS_TO_CALIBRATE: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Criterion {
    pub weight: i32,
    pub max_score: i32,
}

/// Σ weight × score / max, on a 0–100 scale when the weights sum to 100.
pub fn weighted(rubric: &[Criterion], scores: &[i32]) -> f64 {
    rubric
        .iter()
        .zip(scores)
        .map(|(c, s)| f64::from(c.weight) * f64::from(*s) / f64::from(c.max_score))
        .sum()
}

/// Checks one typed score for a criterion: a whole number from 0 to its max.
pub fn parse_score(raw: &str, criterion: &Criterion) -> Result<i32, &'static str> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err("err-required");
    }
    match raw.parse::<i32>() {
        Ok(n) if (0..=criterion.max_score).contains(&n) => Ok(n),
        Ok(_) => Err("err-score-range"),
        Err(_) => Err("err-score-whole"),
    }
}

pub fn mean(values: &[f64]) -> f64 {
    if values.is_empty() {
        0.0
    } else {
        values.iter().sum::<f64>() / values.len() as f64
    }
}

/// Population standard deviation.
pub fn pstdev(values: &[f64]) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    let m = mean(values);
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / values.len() as f64).sqrt()
}

/// One submitted review's weighted score.
#[derive(Debug, Clone)]
pub struct Review<R, A> {
    pub reviewer: R,
    pub application: A,
    pub weighted: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApplicationScore {
    pub reviews: usize,
    pub mean: f64,
    pub spread: f64,
    pub calibrated: f64,
    pub discuss: bool,
}

/// Aggregates every submitted review of a call.
pub fn aggregate<R, A>(reviews: &[Review<R, A>]) -> HashMap<A, ApplicationScore>
where
    R: Eq + std::hash::Hash + Clone,
    A: Eq + std::hash::Hash + Clone,
{
    let all: Vec<f64> = reviews.iter().map(|r| r.weighted).collect();
    let (call_mean, call_sd) = (mean(&all), pstdev(&all));
    let mut by_reviewer: HashMap<R, Vec<f64>> = HashMap::new();
    for r in reviews {
        by_reviewer
            .entry(r.reviewer.clone())
            .or_default()
            .push(r.weighted);
    }
    let reviewer_stats: HashMap<R, (usize, f64, f64)> = by_reviewer
        .into_iter()
        .map(|(k, v)| (k, (v.len(), mean(&v), pstdev(&v))))
        .collect();
    let calibrated = |r: &Review<R, A>| -> f64 {
        let (n, m, s) = reviewer_stats
            .get(&r.reviewer)
            .copied()
            .unwrap_or((0, 0.0, 0.0));
        if n < MIN_REVIEWS_TO_CALIBRATE {
            r.weighted
        } else if s == 0.0 {
            call_mean
        } else {
            call_mean + call_sd * (r.weighted - m) / s
        }
    };
    let mut per_app: HashMap<A, (Vec<f64>, Vec<f64>)> = HashMap::new();
    for r in reviews {
        let entry = per_app.entry(r.application.clone()).or_default();
        entry.0.push(r.weighted);
        entry.1.push(calibrated(r));
    }
    per_app
        .into_iter()
        .map(|(app, (raw, cal))| {
            let spread = pstdev(&raw);
            (
                app,
                ApplicationScore {
                    reviews: raw.len(),
                    mean: mean(&raw),
                    spread,
                    calibrated: mean(&cal),
                    discuss: spread > DISCUSSION_SPREAD,
                },
            )
        })
        .collect()
}

/// The final score (DESIGN §5): the calibrated panel score at the weight the
/// components leave, plus each component at its weight; `None` until the
/// panel and every component have a score.
pub fn final_score(
    settings: &crate::domain::call::ReviewSettings,
    calibrated: Option<f64>,
    components: &[Option<rust_decimal::Decimal>],
) -> Option<f64> {
    use rust_decimal::prelude::ToPrimitive;
    let mut total = f64::from(settings.panel_weight()) * calibrated? / 100.0;
    for (component, score) in settings.components.iter().zip(components) {
        total += f64::from(component.weight) * (*score)?.to_f64()? / 100.0;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_final_score_weighs_the_panel_and_each_component() {
        use crate::domain::call::{Component, ReviewSettings};
        let dec = |n: i64| rust_decimal::Decimal::from(n);
        let none = ReviewSettings::default();
        assert_eq!(
            final_score(&none, Some(61.5), &[]),
            Some(61.5),
            "panel alone"
        );
        assert_eq!(final_score(&none, None, &[]), None, "no reviews, no score");
        let jury = ReviewSettings {
            components: vec![
                Component {
                    name_zh: "評審團".into(),
                    name_en: "Jury".into(),
                    weight: 20,
                },
                Component {
                    name_zh: "捐款".into(),
                    name_en: "Donations".into(),
                    weight: 20,
                },
            ],
            ..ReviewSettings::default()
        };
        assert_eq!(jury.panel_weight(), 60);
        let score = final_score(&jury, Some(70.0), &[Some(dec(50)), Some(dec(90))]).unwrap();
        assert!((score - (42.0 + 10.0 + 18.0)).abs() < 1e-9, "{score}");
        assert_eq!(
            final_score(&jury, Some(70.0), &[Some(dec(50)), None]),
            None,
            "a missing component leaves the final score open"
        );
    }

    fn vectors() -> serde_json::Value {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/vectors/scoring.json"
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn agrees_with_the_shared_vectors() {
        let v = vectors();
        let rubric: Vec<Criterion> = v["rubric"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| Criterion {
                weight: c["weight"].as_i64().unwrap() as i32,
                max_score: c["max"].as_i64().unwrap() as i32,
            })
            .collect();
        let mut reviews = Vec::new();
        for r in v["reviews"].as_array().unwrap() {
            let scores: Vec<i32> = r["scores"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_i64().unwrap() as i32)
                .collect();
            let w = weighted(&rubric, &scores);
            assert!(close(w, r["weighted"].as_f64().unwrap()), "{r}: {w}");
            reviews.push(Review {
                reviewer: r["reviewer"].as_str().unwrap().to_string(),
                application: r["application"].as_str().unwrap().to_string(),
                weighted: w,
            });
        }
        let all: Vec<f64> = reviews.iter().map(|r| r.weighted).collect();
        assert!(close(mean(&all), v["call_mean"].as_f64().unwrap()));
        assert!(close(pstdev(&all), v["call_pstdev"].as_f64().unwrap()));
        let scores = aggregate(&reviews);
        let expected = v["applications"].as_object().unwrap();
        assert_eq!(scores.len(), expected.len());
        for (app, e) in expected {
            let got = &scores[app];
            assert!(
                close(got.mean, e["mean"].as_f64().unwrap()),
                "{app} mean {}",
                got.mean
            );
            assert!(
                close(got.spread, e["pstdev"].as_f64().unwrap()),
                "{app} spread {}",
                got.spread
            );
            assert!(
                close(got.calibrated, e["calibrated"].as_f64().unwrap()),
                "{app} calibrated {}",
                got.calibrated
            );
            assert_eq!(
                got.discuss,
                e["flag_discussion"].as_bool().unwrap(),
                "{app}"
            );
        }
    }

    #[test]
    fn few_reviews_stay_raw_and_equal_scores_give_the_call_mean() {
        // R1 reviews three times with equal scores; R2 once.
        let r = |reviewer: &str, app: &str, w: f64| Review {
            reviewer: reviewer.to_string(),
            application: app.to_string(),
            weighted: w,
        };
        let reviews = vec![
            r("R1", "A", 50.0),
            r("R1", "B", 50.0),
            r("R1", "C", 50.0),
            r("R2", "A", 90.0),
        ];
        let s = aggregate(&reviews);
        let call_mean = (50.0 * 3.0 + 90.0) / 4.0;
        assert!(
            close(s["B"].calibrated, call_mean),
            "no division by zero: {}",
            s["B"].calibrated
        );
        assert!(close(s["A"].calibrated, (call_mean + 90.0) / 2.0));
        assert!(s.values().all(|a| a.calibrated.is_finite()));
    }

    #[test]
    fn scores_must_be_whole_and_in_range() {
        let c = Criterion {
            weight: 40,
            max_score: 10,
        };
        assert_eq!(parse_score("7", &c), Ok(7));
        assert_eq!(parse_score(" 0 ", &c), Ok(0));
        assert_eq!(parse_score("11", &c), Err("err-score-range"));
        assert_eq!(parse_score("-1", &c), Err("err-score-range"));
        assert_eq!(parse_score("7.5", &c), Err("err-score-whole"));
        assert_eq!(parse_score("seven", &c), Err("err-score-whole"));
        assert_eq!(parse_score("", &c), Err("err-required"));
    }
}
