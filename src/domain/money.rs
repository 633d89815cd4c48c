//! Money: the three currencies, amounts as typed by people, conversion to a
//! fund's currency. Always `Decimal`, never floating point.
//!
//! # The amount grammar
//!
//! One grammar for every money field (README, "Amounts"):
//!
//! - full-width digits and punctuation (`１２，３４５．６０`) and the
//!   ideographic and no-break spaces are read as their ASCII forms first;
//! - a currency sign or code at either end (`HK$`, `¥`, `MOP`, `港元`, …) is
//!   ignored when it is the field's currency, and refused when it is not;
//! - then digits, with an optional `.` and one or two decimals;
//! - the whole part may be grouped, by commas or by spaces (one kind in one
//!   amount), but only in correct groups of three: `12,345.60`,
//!   `1 234 567`; anything else (`1,2,3`, `12,34`, `12 345,60`) is refused
//!   with a message that shows how to write it, never guessed at;
//! - at most [`max_amount`]: the largest a `NUMERIC(14, 2)` column holds.

use crate::domain::code::codes;
use rust_decimal::{Decimal, RoundingStrategy};

codes! {
    pub enum Currency {
        Cny = "CNY",
        Hkd = "HKD",
        Mop = "MOP",
    }
}

impl Currency {
    /// A currency code as a person writes it: any case, spaces around it
    /// allowed. Codes read from the database use `from_code`.
    pub fn parse(code: &str) -> Option<Currency> {
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// The largest amount a `NUMERIC(14, 2)` column holds, and so the largest
/// a person can enter: 999,999,999,999.99.
pub fn max_amount() -> Decimal {
    Decimal::new(99_999_999_999_999, 2)
}

/// The largest balance a kept ledger balance (`NUMERIC(16, 2)`) holds:
/// 99,999,999,999,999.99. A fund takes no entry that would carry one of its
/// totals past it (checked before posting), so no sequence of accepted
/// entries can overflow a column.
pub fn max_balance() -> Decimal {
    Decimal::new(9_999_999_999_999_999, 2)
}

/// Currency signs and codes people write beside an amount, longest first so
/// that `MOP$` is not read as `$` and `澳門元` not as `元`. `None`: a bare
/// dollar sign, the field's currency when that is a dollar.
const MARKS: [(&str, Option<Currency>); 19] = [
    ("澳門元", Some(Currency::Mop)),
    ("澳门元", Some(Currency::Mop)),
    ("人民幣", Some(Currency::Cny)),
    ("人民币", Some(Currency::Cny)),
    ("MOP$", Some(Currency::Mop)),
    ("HK$", Some(Currency::Hkd)),
    ("CNY", Some(Currency::Cny)),
    ("RMB", Some(Currency::Cny)),
    ("HKD", Some(Currency::Hkd)),
    ("MOP", Some(Currency::Mop)),
    ("港元", Some(Currency::Hkd)),
    ("港幣", Some(Currency::Hkd)),
    ("港币", Some(Currency::Hkd)),
    ("葡幣", Some(Currency::Mop)),
    ("葡币", Some(Currency::Mop)),
    ("¥", Some(Currency::Cny)),
    ("￥", Some(Currency::Cny)),
    ("元", Some(Currency::Cny)),
    ("$", None),
];

/// Full-width forms (U+FF01–U+FF5E) as their ASCII characters, and every
/// kind of space people's keyboards produce as a plain space.
pub fn normalize_width(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' | '\u{00A0}' | '\u{2007}' | '\u{2009}' | '\u{202F}' => ' ',
            _ => c,
        })
        .collect()
}

/// Takes one currency mark off the start (or the end) of `s`; a mark of
/// another currency than the field's is an error.
fn strip_mark(s: &str, currency: Option<Currency>, at_end: bool) -> Result<&str, &'static str> {
    for (mark, of) in MARKS {
        let n = mark.len();
        let found = s.len() >= n
            && if at_end {
                s.is_char_boundary(s.len() - n) && s[s.len() - n..].eq_ignore_ascii_case(mark)
            } else {
                s.is_char_boundary(n) && s[..n].eq_ignore_ascii_case(mark)
            };
        if !found {
            continue;
        }
        let same = match (of, currency) {
            (Some(of), Some(field)) => of == field,
            (None, Some(field)) => field != Currency::Cny,
            (_, None) => false,
        };
        if !same {
            return Err("err-amount-other-currency");
        }
        let rest = if at_end { &s[..s.len() - n] } else { &s[n..] };
        return Ok(rest.trim());
    }
    Ok(s)
}

/// Whether `int` is a whole number written as digits, plain or in correct
/// groups of three separated by `sep` alone.
fn grouped_digits(int: &str, sep: char) -> bool {
    let digits = |g: &str| !g.is_empty() && g.bytes().all(|b| b.is_ascii_digit());
    let mut groups = int.split(sep);
    let first = groups.next().unwrap_or("");
    if !digits(first) {
        return false;
    }
    let mut rest = groups.peekable();
    if rest.peek().is_none() {
        return true;
    }
    first.len() <= 3 && !first.starts_with('0') && rest.all(|g| g.len() == 3 && digits(g))
}

/// Reads a non-negative amount of the field's `currency` (when it has one)
/// as people type it, by the grammar above. The error is a catalogue key.
pub fn parse_amount_in(raw: &str, currency: Option<Currency>) -> Result<Decimal, &'static str> {
    let wide = normalize_width(raw);
    let s = wide.trim();
    if s.is_empty() {
        return Err("err-required");
    }
    let s = strip_mark(s, currency, false)?;
    let s = strip_mark(s, currency, true)?;
    if s.starts_with('-') && s.len() > 1 {
        return Err("err-amount-negative");
    }
    let edges_are_digits =
        s.starts_with(|c: char| c.is_ascii_digit()) && s.ends_with(|c: char| c.is_ascii_digit());
    if !edges_are_digits || !s.chars().all(|c| c.is_ascii_digit() || ",. ".contains(c)) {
        return Err("err-amount-invalid");
    }
    // A comma before one or two final digits, with no dot after it, is a
    // decimal comma (`12,34`, `12 345,60`, `1.234,56`): never guessed at.
    if let Some((before, after)) = s.rsplit_once(',') {
        let decimal_comma = (1..=2).contains(&after.len())
            && after.bytes().all(|b| b.is_ascii_digit())
            && [' ', '.']
                .into_iter()
                .any(|sep| grouped_digits(before, sep));
        if decimal_comma {
            return Err("err-amount-decimal-comma");
        }
    }
    let (int, frac) = match s.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (s, None),
    };
    if let Some(frac) = frac {
        if frac.contains(',') {
            return Err("err-amount-decimal-comma");
        }
        if !frac.bytes().all(|b| b.is_ascii_digit()) {
            return Err("err-amount-grouping");
        }
        if frac.len() > 2 {
            return Err("err-amount-cents");
        }
    }
    let sep = match (int.contains(','), int.contains(' ')) {
        (true, true) => return Err("err-amount-grouping"),
        (true, false) => ',',
        _ => ' ',
    };
    if !grouped_digits(int, sep) {
        return Err("err-amount-grouping");
    }
    let digits: String = int.chars().filter(char::is_ascii_digit).collect();
    if digits.trim_start_matches('0').len() > 12 {
        return Err("err-amount-too-large");
    }
    let plain = match frac {
        Some(f) => format!("{digits}.{f}"),
        None => digits,
    };
    let value: Decimal = plain.parse().map_err(|_| "err-amount-invalid")?;
    if value > max_amount() {
        return Err("err-amount-too-large");
    }
    Ok(value)
}

/// An amount in a field without a currency of its own: no currency mark is
/// accepted beside it.
pub fn parse_amount(raw: &str) -> Result<Decimal, &'static str> {
    parse_amount_in(raw, None)
}

/// An exchange rate to a fund's currency: positive, at most six decimals.
pub fn parse_rate(raw: &str) -> Result<Decimal, &'static str> {
    let wide = normalize_width(raw);
    let cleaned = wide.trim();
    if cleaned.is_empty() {
        return Err("err-required");
    }
    let ok = cleaned.chars().all(|c| c.is_ascii_digit() || c == '.')
        && cleaned.matches('.').count() <= 1;
    let value: Decimal = if ok {
        cleaned.parse().map_err(|_| "err-rate-invalid")?
    } else {
        return Err("err-rate-invalid");
    };
    if value.is_zero() {
        return Err("err-rate-zero");
    }
    if value.scale() > 6 || value > Decimal::new(1000, 0) {
        return Err("err-rate-invalid");
    }
    Ok(value)
}

/// A percentage from 0 to 100 with at most two decimals.
pub fn parse_percent(raw: &str) -> Result<Decimal, &'static str> {
    let wide = normalize_width(raw);
    let cleaned = wide.trim().trim_end_matches('%').trim();
    let value = parse_amount(cleaned).map_err(|k| {
        if k == "err-required" {
            k
        } else {
            "err-percent-invalid"
        }
    })?;
    if value > Decimal::ONE_HUNDRED {
        return Err("err-percent-invalid");
    }
    Ok(value)
}

/// The one rounding of money and percentages in the product: half away
/// from zero, to two decimals (DESIGN §4, §6). Nothing else rounds.
pub fn round_cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The rate the other way round, to the six places a rate is typed with:
/// a call's "1 HKD = 0.92 CNY" is 1.086957 HKD for 1 CNY. `None` for zero.
pub fn inverse_rate(rate: Decimal) -> Option<Decimal> {
    Decimal::ONE
        .checked_div(rate)
        .filter(|_| rate > Decimal::ZERO)
        .map(|r| {
            r.round_dp_with_strategy(6, RoundingStrategy::MidpointAwayFromZero)
                .normalize()
        })
}

/// `amount × rate`, rounded to cents (DESIGN §4): a budget line in the
/// fund's currency, or a payment in the payee's.
pub fn convert(amount: Decimal, rate: Decimal) -> Decimal {
    round_cents(amount * rate)
}

/// `amount × rate` to cents, or `None` when the product overflows.
pub fn checked_convert(amount: Decimal, rate: Decimal) -> Option<Decimal> {
    amount.checked_mul(rate).map(round_cents)
}

/// `part` as a percentage of `whole`, to two decimals (0 of nothing).
pub fn percent(part: Decimal, whole: Decimal) -> Decimal {
    if whole.is_zero() {
        Decimal::ZERO
    } else {
        round_cents(part * Decimal::ONE_HUNDRED / whole)
    }
}

/// `12,345.60`
pub fn format_amount(amount: Decimal) -> String {
    let fixed = format!("{:.2}", round_cents(amount));
    let (int, frac) = fixed.split_once('.').unwrap_or((&fixed, "00"));
    let (sign, digits) = int.strip_prefix('-').map_or(("", int), |d| ("-", d));
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{frac}")
}

/// `HKD 12,345.60`
pub fn format_money(amount: Decimal, currency: Currency) -> String {
    format!("{} {}", currency.code(), format_amount(amount))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn reads_amounts_as_people_type_them() {
        assert_eq!(parse_amount("12,345.60"), Ok(d("12345.60")));
        assert_eq!(parse_amount("12345.6"), Ok(d("12345.6")));
        assert_eq!(parse_amount(" 500000 "), Ok(d("500000")));
        assert_eq!(parse_amount("1 234 567"), Ok(d("1234567")));
        assert_eq!(parse_amount("12，345.60"), Ok(d("12345.60")));
        assert_eq!(parse_amount("１２３４５"), Ok(d("12345")));
        assert_eq!(parse_amount("１２，３４５．６０"), Ok(d("12345.60")));
        assert_eq!(parse_amount("1\u{3000}234"), Ok(d("1234")));
        assert_eq!(parse_amount("1\u{a0}234.5"), Ok(d("1234.5")));
        assert_eq!(parse_amount("0.5"), Ok(d("0.5")));
        assert_eq!(parse_amount("-5"), Err("err-amount-negative"));
        assert_eq!(parse_amount("1.234"), Err("err-amount-cents"));
        assert_eq!(parse_amount("12abc"), Err("err-amount-invalid"));
        assert_eq!(parse_amount("1e5"), Err("err-amount-invalid"));
        assert_eq!(parse_amount("1..5"), Err("err-amount-grouping"));
        assert_eq!(parse_amount("12."), Err("err-amount-invalid"));
        assert_eq!(parse_amount(".5"), Err("err-amount-invalid"));
        assert_eq!(parse_amount(""), Err("err-required"));
        assert_eq!(parse_amount("9999999999999"), Err("err-amount-too-large"));
        assert_eq!(parse_amount("999,999,999,999.99"), Ok(max_amount()));
        assert_eq!(
            parse_amount("1,000,000,000,000"),
            Err("err-amount-too-large")
        );
        assert_eq!(
            parse_amount("99999999999999999999999999999999"),
            Err("err-amount-too-large")
        );
    }

    #[test]
    fn refuses_separators_it_would_have_to_guess_at() {
        for grouping in [
            "1,2,3",
            "1,2345",
            "12,3456.7",
            "1 2",
            "1,234 567",
            "0,123",
            "1,,234",
            "1.234.567",
        ] {
            assert_eq!(
                parse_amount(grouping),
                Err("err-amount-grouping"),
                "{grouping}"
            );
        }
        for decimal_comma in [
            "12,34",
            "1,23",
            "12 345,60",
            "1.234,56",
            "0,5",
            "12,5",
            "1.234.567,89",
            "1,234.5,6",
        ] {
            assert_eq!(
                parse_amount(decimal_comma),
                Err("err-amount-decimal-comma"),
                "{decimal_comma}"
            );
        }
    }

    #[test]
    fn reads_the_fields_currency_at_either_end_and_refuses_another() {
        let hkd = Some(Currency::Hkd);
        let cny = Some(Currency::Cny);
        let mop = Some(Currency::Mop);
        assert_eq!(parse_amount_in("HK$ 1,000", hkd), Ok(d("1000")));
        assert_eq!(parse_amount_in("hkd1,000.50", hkd), Ok(d("1000.50")));
        assert_eq!(parse_amount_in("1,000 HKD", hkd), Ok(d("1000")));
        assert_eq!(parse_amount_in("$1,000", hkd), Ok(d("1000")));
        assert_eq!(parse_amount_in("1000港元", hkd), Ok(d("1000")));
        assert_eq!(parse_amount_in("¥1,000", cny), Ok(d("1000")));
        assert_eq!(parse_amount_in("￥１，０００", cny), Ok(d("1000")));
        assert_eq!(parse_amount_in("RMB 1000 元", cny), Ok(d("1000")));
        assert_eq!(parse_amount_in("MOP$1,000", mop), Ok(d("1000")));
        assert_eq!(parse_amount_in("1000澳門元", mop), Ok(d("1000")));
        assert_eq!(
            parse_amount_in("HK$1,000", cny),
            Err("err-amount-other-currency")
        );
        assert_eq!(
            parse_amount_in("1000澳門元", hkd),
            Err("err-amount-other-currency")
        );
        assert_eq!(
            parse_amount_in("$1,000", cny),
            Err("err-amount-other-currency")
        );
        assert_eq!(
            parse_amount_in("MOP$1,000", hkd),
            Err("err-amount-other-currency")
        );
        assert_eq!(parse_amount("¥1,000"), Err("err-amount-other-currency"));
        assert_eq!(parse_amount_in("HK$", hkd), Err("err-amount-invalid"));
        assert_eq!(parse_amount_in("HK$HK$5", hkd), Err("err-amount-invalid"));
    }

    #[test]
    fn a_rate_turned_round_keeps_six_places() {
        assert_eq!(inverse_rate(d("0.92")), Some(d("1.086957")));
        assert_eq!(inverse_rate(d("1.08")), Some(d("0.925926")));
        assert_eq!(inverse_rate(d("1")), Some(d("1")));
        assert_eq!(inverse_rate(d("0")), None);
    }

    #[test]
    fn rates_are_positive() {
        assert_eq!(parse_rate("0.92"), Ok(d("0.92")));
        assert_eq!(parse_rate("0"), Err("err-rate-zero"));
        assert_eq!(parse_rate("0.000"), Err("err-rate-zero"));
        assert_eq!(parse_rate("-1"), Err("err-rate-invalid"));
        assert_eq!(parse_rate("abc"), Err("err-rate-invalid"));
        assert_eq!(parse_rate("0.1234567"), Err("err-rate-invalid"));
    }

    #[test]
    fn percentages_stay_within_a_hundred() {
        assert_eq!(parse_percent("40"), Ok(d("40")));
        assert_eq!(parse_percent("12.5%"), Ok(d("12.5")));
        assert_eq!(parse_percent("１２．５％"), Ok(d("12.5")));
        assert_eq!(parse_percent("101"), Err("err-percent-invalid"));
        assert_eq!(parse_percent("x"), Err("err-percent-invalid"));
    }

    #[test]
    fn conversion_agrees_with_the_shared_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/vectors/conversion.csv"
        );
        let mut reader = csv::Reader::from_path(path).unwrap();
        let mut n = 0;
        for r in reader.records() {
            let r = r.unwrap();
            assert!(Currency::parse(&r[1]).is_some());
            assert_eq!(convert(d(&r[0]), d(&r[2])), d(&r[3]), "{r:?}");
            n += 1;
        }
        assert!(n >= 9);
        // Per line, then summed: three HKD 0.01 at 0.5 make 0.03, not 0.02.
        let total: Decimal = (0..3).map(|_| convert(d("0.01"), d("0.5"))).sum();
        assert_eq!(total, d("0.03"));
    }

    #[test]
    fn every_rounding_agrees_with_the_shared_vectors() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/vectors/rounding.csv"
        );
        let mut reader = csv::Reader::from_path(path).unwrap();
        let mut rules = std::collections::BTreeMap::new();
        for r in reader.records() {
            let r = r.unwrap();
            let got: Vec<Decimal> = match &r[0] {
                "remittance" => vec![convert(d(&r[1]), d(&r[2]))],
                "tranches" => {
                    let percents: Vec<Decimal> = r[3].split(';').map(d).collect();
                    crate::domain::ledger::split(d(&r[1]), &percents)
                }
                "percent" => vec![percent(d(&r[1]), d(&r[2]))],
                other => panic!("unknown rule {other}"),
            };
            let expected: Vec<Decimal> = r[4].split(';').map(d).collect();
            assert_eq!(got, expected, "{r:?}");
            *rules.entry(r[0].to_string()).or_insert(0) += 1;
        }
        assert_eq!(rules.len(), 3, "{rules:?}");
        assert!(rules.values().all(|n| *n >= 4), "{rules:?}");
    }

    /// One rule for rounding: no other module rounds an amount itself.
    #[test]
    fn nothing_outside_this_module_rounds() {
        let found: Vec<_> = crate::source_files::under("src", "rs")
            .into_iter()
            .filter(|path| {
                !path.ends_with("domain/money.rs")
                    && std::fs::read_to_string(path).unwrap().contains(".round_dp")
            })
            .collect();
        assert!(
            found.is_empty(),
            "rounding outside domain::money: {found:?}"
        );
    }

    #[test]
    fn formats_with_thousands_separators() {
        assert_eq!(format_amount(d("1234567.5")), "1,234,567.50");
        assert_eq!(format_amount(d("0")), "0.00");
        assert_eq!(format_amount(d("999")), "999.00");
        assert_eq!(format_money(d("12345.6"), Currency::Hkd), "HKD 12,345.60");
    }
}
