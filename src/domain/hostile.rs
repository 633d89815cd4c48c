//! Property tests: whatever a user types into the money, registration-number,
//! date, password and score fields, the parsers do not panic, every refusal
//! names a message all three catalogues have, and what they accept is in
//! bounds. The call's state machine only ever moves one step forward.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::account::NewPassword;
use super::call::{CallState, parse_bay_area_time, to_bay_area_input};
use super::money::{format_amount, max_amount, parse_amount, parse_percent, parse_rate};
use super::organization::{City, OrgType, validate_registration};
use super::scoring::{Criterion, parse_score, weighted};
use crate::i18n::Lang;

/// A refusal the user can read, in every language.
fn clear(key: &str) -> bool {
    Lang::ALL.iter().all(|l| l.has(key))
}

/// Text as hostile users type it: digits and separators, script, SQL, other
/// scripts, control characters, and anything at all.
fn typed() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9,.，¥$ -]{0,24}",
        "(HK\\$|MOP\\$|¥)? ?[0-9]{1,16}(\\.[0-9]{0,4})?",
        Just("<script>alert(1)</script>".to_string()),
        Just("1'; DROP TABLE ledger_postings; --".to_string()),
        "[\\PC]{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn amounts_are_in_bounds_or_refused_clearly(raw in typed()) {
        match parse_amount(&raw) {
            Ok(v) => {
                prop_assert!(v >= Decimal::ZERO && v <= max_amount(), "{raw:?} -> {v}");
                prop_assert!(v.scale() <= 2);
            }
            Err(key) => prop_assert!(clear(key), "{raw:?} -> {key}"),
        }
    }

    #[test]
    fn displayed_amounts_read_back_the_same(cents in 0i64..=99_999_999_999_999) {
        let amount = Decimal::new(cents, 2);
        prop_assert_eq!(parse_amount(&format_amount(amount)), Ok(amount));
    }

    #[test]
    fn rates_and_percentages_are_in_bounds_or_refused_clearly(raw in typed()) {
        match parse_rate(&raw) {
            Ok(v) => prop_assert!(v > Decimal::ZERO && v <= Decimal::new(1000, 0) && v.scale() <= 6),
            Err(key) => prop_assert!(clear(key), "{raw:?} -> {key}"),
        }
        match parse_percent(&raw) {
            Ok(v) => prop_assert!(v >= Decimal::ZERO && v <= Decimal::ONE_HUNDRED),
            Err(key) => prop_assert!(clear(key), "{raw:?} -> {key}"),
        }
    }

    #[test]
    fn registration_numbers_are_valid_or_refused_clearly(
        raw in prop_oneof![typed(), "[0-9A-Z]{18}", "5[0-9]{7}[0-9A-Z]{10}"],
        kind in 0..OrgType::ALL.len(),
        city in proptest::option::of(0..City::ALL.len()),
    ) {
        let (kind, city) = (OrgType::ALL[kind], city.map(|c| City::ALL[c]));
        match validate_registration(&raw, kind, city) {
            // What is kept passes again unchanged.
            Ok(kept) => prop_assert_eq!(validate_registration(&kept, kind, city), Ok(kept.clone())),
            Err(key) => prop_assert!(clear(key), "{raw:?} -> {key}"),
        }
    }

    #[test]
    fn times_read_back_or_are_refused_clearly(raw in prop_oneof![
        typed(),
        "20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]",
    ]) {
        match parse_bay_area_time(&raw) {
            Ok(at) => prop_assert_eq!(parse_bay_area_time(&to_bay_area_input(at)), Ok(at)),
            Err(key) => prop_assert!(clear(key), "{raw:?} -> {key}"),
        }
    }

    #[test]
    fn passwords_are_refused_clearly(password in typed(), confirmation in typed()) {
        if let Err((field, key)) = NewPassword::parse(&password, &confirmation) {
            prop_assert!(field == "password" || field == "password_confirm");
            prop_assert!(clear(key), "{password:?} -> {key}");
        }
    }

    #[test]
    fn scores_are_whole_and_in_range_and_weigh_at_most_100(
        typed_scores in proptest::collection::vec(typed(), 1..6),
        maxima in proptest::collection::vec(1i32..=100, 1..6),
    ) {
        let weight = 100 / i32::try_from(maxima.len()).unwrap_or(1);
        let rubric: Vec<Criterion> = maxima
            .iter()
            .map(|m| Criterion { weight, max_score: *m })
            .collect();
        let mut scores = Vec::new();
        for (raw, c) in typed_scores.iter().zip(&rubric) {
            match parse_score(raw, c) {
                Ok(n) => {
                    prop_assert!((0..=c.max_score).contains(&n));
                    scores.push(n);
                }
                Err(key) => {
                    prop_assert!(clear(key), "{raw:?} -> {key}");
                    scores.push(c.max_score);
                }
            }
        }
        let total = weighted(&rubric, &scores);
        prop_assert!(total.is_finite() && (0.0..=100.0).contains(&total), "{total}");
    }

    #[test]
    fn calls_only_move_one_step_forward(targets in proptest::collection::vec(0..CallState::ALL.len(), 0..20)) {
        let mut state = CallState::Draft;
        let mut moves = 0;
        let position = |s: CallState| CallState::ALL.iter().position(|x| *x == s).unwrap_or(usize::MAX);
        for t in targets {
            let to = CallState::ALL[t];
            if state.can_become(to) {
                prop_assert_eq!(position(to), position(state) + 1);
                state = to;
                moves += 1;
            }
        }
        // Never back, never skipped: the state is as far as the moves made.
        prop_assert_eq!(position(state), moves);
    }
}
