//! Property tests: whatever a user types into the money, registration-number,
//! date, password and score fields, the parsers do not panic, every refusal
//! names a message all three catalogues have, and what they accept is in
//! bounds. The call's state machine only ever moves one step forward.

use proptest::prelude::*;
use rust_decimal::Decimal;

use super::account::NewPassword;
use super::call::{CallState, parse_bay_area_time, to_bay_area_input};
use super::money::{
    Currency, format_amount, max_amount, parse_amount, parse_amount_in, parse_percent, parse_rate,
};
use super::organization::{City, OrgType, validate_registration};
use super::scoring::{Criterion, parse_score, weighted};
use super::uscc;
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

/// Amounts as people type them: grouped or not, with commas, spaces or
/// full-width forms, with or without cents and a currency sign.
/// Each with its value and the currency of its sign.
fn amounts_people_type() -> impl Strategy<Value = (String, Decimal, Option<Currency>)> {
    (
        0i64..=999_999_999_999,
        0u8..=2,
        0i64..=99,
        prop_oneof![Just(""), Just(","), Just(" "), Just("，")],
        any::<bool>(),
        prop_oneof![
            Just(("", None)),
            Just(("HK$", Some(Currency::Hkd))),
            Just(("¥", Some(Currency::Cny))),
            Just(("MOP ", Some(Currency::Mop))),
            Just(("$", Some(Currency::Hkd))),
        ],
    )
        .prop_map(|(whole, decimals, cents, sep, wide, (mark, currency))| {
            let digits = whole.to_string();
            let mut int = String::new();
            for (i, c) in digits.chars().enumerate() {
                if i > 0 && (digits.len() - i) % 3 == 0 {
                    int.push_str(sep);
                }
                int.push(c);
            }
            let (typed, value) = match decimals {
                0 => (format!("{mark}{int}"), Decimal::new(whole, 0)),
                1 => (
                    format!("{mark}{int}.{}", cents % 10),
                    Decimal::new(whole * 10 + cents % 10, 1),
                ),
                _ => (
                    format!("{mark}{int}.{cents:02}"),
                    Decimal::new(whole * 100 + cents, 2),
                ),
            };
            let typed = if wide {
                typed
                    .chars()
                    .map(|c| match c {
                        '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap_or(c),
                        _ => c,
                    })
                    .collect()
            } else {
                typed
            };
            (typed, value, currency)
        })
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
    fn every_accepted_amount_reads_back_from_its_display(
        raw in prop_oneof![typed(), amounts_people_type().prop_map(|t| t.0)],
        currency in proptest::option::of(0..3usize),
    ) {
        let currency = currency.map(|c| Currency::ALL[c]);
        if let Ok(v) = parse_amount_in(&raw, currency) {
            prop_assert_eq!(parse_amount(&format_amount(v)), Ok(v), "{:?}", raw);
        }
    }

    #[test]
    fn amounts_as_people_type_them_are_read_exactly((typed, value, currency) in amounts_people_type()) {
        prop_assert_eq!(parse_amount_in(&typed, currency), Ok(value), "{:?}", typed);
    }

    #[test]
    fn no_misplaced_separator_is_accepted(
        cents in 1_000i64..=99_999_999_999_999,
        shift in prop_oneof![Just(-1i32), Just(1i32), Just(-2i32), Just(2i32)],
        which in any::<proptest::sample::Index>(),
        sep in prop_oneof![Just(","), Just(" "), Just("，"), Just("\u{3000}")],
    ) {
        // A correctly grouped amount with one separator moved off its place.
        let right = format_amount(Decimal::new(cents, 2));
        let int = right.split('.').next().unwrap_or("").replace(',', "");
        let places: Vec<usize> = (1..int.len()).filter(|p| (int.len() - p).is_multiple_of(3)).collect();
        prop_assume!(!places.is_empty());
        let from = places[which.index(places.len())];
        let to = from as i32 + shift;
        prop_assume!(to > 0 && (to as usize) < int.len());
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            let at = places.iter().any(|p| *p == i && i != from) || i == to as usize;
            if at {
                grouped.push_str(sep);
            }
            grouped.push(c);
        }
        let typed = format!("{grouped}.{}", right.split('.').nth(1).unwrap_or("00"));
        prop_assert!(parse_amount(&typed).is_err(), "{:?} accepted", typed);
        // And the same digits with every separator in its place are read right.
        let mut good = String::new();
        for (i, c) in int.chars().enumerate() {
            if places.contains(&i) {
                good.push_str(sep);
            }
            good.push(c);
        }
        let good = format!("{good}.{}", right.split('.').nth(1).unwrap_or("00"));
        prop_assert_eq!(parse_amount(&good), Ok(Decimal::new(cents, 2)), "{:?}", good);
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
            Err(key) => prop_assert!(clear(&key), "{raw:?} -> {key}"),
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
    fn passwords_are_accepted_exactly_when_the_rules_hold(
        password in prop_oneof![typed(), "[\\PC]{8,140}", "[a-z ]{10,30}"],
        same in any::<bool>(),
        confirmation in typed(),
    ) {
        // Half the time the confirmation is the password, so the accepting
        // path runs as often as the refusing ones.
        let confirmation = if same { password.clone() } else { confirmation };
        let chars = password.chars().count();
        let ok = (NewPassword::MIN_CHARS..=NewPassword::MAX_CHARS).contains(&chars)
            && !super::account::is_common(&password)
            && password == confirmation;
        match NewPassword::parse(&password, &confirmation) {
            Ok(p) => {
                prop_assert!(ok, "{password:?} accepted");
                prop_assert_eq!(p.expose(), password.as_str());
            }
            Err((field, key)) => {
                prop_assert!(!ok, "{password:?} refused: {key}");
                prop_assert!(field == "password" || field == "password_confirm");
                prop_assert!(clear(key), "{password:?} -> {key}");
            }
        }
    }

    #[test]
    fn valid_mainland_codes_are_accepted_however_they_are_grouped(
        kind in 0..OrgType::ALL.len(),
        city in 0..City::ALL.len(),
        district in 0u32..100,
        serial in 0u32..1_000_000_000,
        lower in any::<bool>(),
        sep in prop_oneof![Just(""), Just(" "), Just("-"), Just("\u{3000}")],
    ) {
        let (kind, city) = (OrgType::ALL[kind], City::ALL[city]);
        let Some(type_char) = kind.uscc_type_char() else {
            return Ok(());
        };
        let region = format!("{}{:0w$}", city.region_prefix(), district, w = 6 - city.region_prefix().len());
        let body = format!("5{type_char}{}{serial:09}", &region[..6]);
        let code = format!("{body}{}", uscc::check_char(&body).unwrap_or('?'));
        let typed: String = code
            .chars()
            .enumerate()
            .flat_map(|(i, c)| {
                let c = if lower { c.to_ascii_lowercase() } else { c };
                (i > 0 && i % 4 == 0).then_some(sep).into_iter().flat_map(str::chars).chain([c])
            })
            .collect();
        prop_assert_eq!(validate_registration(&typed, kind, Some(city)), Ok(code.clone()));
        // Any one character changed is refused.
        let mut changed: Vec<char> = code.chars().collect();
        let at = (serial % 18) as usize;
        changed[at] = if changed[at] == '7' { '8' } else { '7' };
        let changed: String = changed.into_iter().collect();
        prop_assert!(validate_registration(&changed, kind, Some(city)).is_err(), "{changed}");
    }

    #[test]
    fn a_rubric_weighing_100_scores_from_0_to_100(
        cuts in proptest::collection::btree_set(1i32..100, 0..6),
        maxima in proptest::collection::vec(1i32..=100, 7),
        typed_scores in proptest::collection::vec(typed(), 7),
        fallback in proptest::collection::vec(0.0f64..=1.0, 7),
        extreme in 0..4u8,
    ) {
        // Weights that add up to 100, as a call's rubric must.
        let mut bounds: Vec<i32> = cuts.into_iter().collect();
        bounds.insert(0, 0);
        bounds.push(100);
        let rubric: Vec<Criterion> = bounds
            .windows(2)
            .zip(&maxima)
            .map(|(w, m)| Criterion { weight: w[1] - w[0], max_score: *m })
            .collect();
        let mut scores = Vec::new();
        for ((raw, c), f) in typed_scores.iter().zip(&rubric).zip(&fallback) {
            match parse_score(raw, c) {
                Ok(n) => {
                    prop_assert!((0..=c.max_score).contains(&n));
                    scores.push(n);
                }
                Err(key) => {
                    prop_assert!(clear(key), "{raw:?} -> {key}");
                    // A score the reviewer could have typed instead.
                    scores.push((f * f64::from(c.max_score)).round() as i32);
                }
            }
        }
        // A quarter of the time every score is the top one, another quarter
        // every score is zero: both ends of the scale are reached.
        match extreme {
            0 => scores = rubric.iter().map(|c| c.max_score).collect(),
            1 => scores = vec![0; rubric.len()],
            _ => {}
        }
        let total = weighted(&rubric, &scores);
        prop_assert!(total.is_finite() && (-1e-9..=100.0 + 1e-9).contains(&total), "{total}");
        let all_max = rubric.iter().zip(&scores).all(|(c, s)| *s == c.max_score);
        let all_zero = scores.iter().all(|s| *s == 0);
        prop_assert_eq!((total - 100.0).abs() < 1e-9, all_max, "{} {:?}", total, scores);
        prop_assert_eq!(total.abs() < 1e-9, all_zero, "{} {:?}", total, scores);
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
