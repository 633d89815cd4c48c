//! Money: the three currencies, amounts as typed by people, conversion to a
//! fund's currency. Always `Decimal`, never floating point.

use rust_decimal::{Decimal, RoundingStrategy};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Currency {
    Cny,
    Hkd,
    Mop,
}

impl Currency {
    pub const ALL: [Currency; 3] = [Currency::Cny, Currency::Hkd, Currency::Mop];

    pub fn code(self) -> &'static str {
        match self {
            Currency::Cny => "CNY",
            Currency::Hkd => "HKD",
            Currency::Mop => "MOP",
        }
    }

    pub fn from_code(code: &str) -> Option<Currency> {
        Self::ALL
            .into_iter()
            .find(|c| c.code().eq_ignore_ascii_case(code.trim()))
    }
}

/// The largest amount a `NUMERIC(14,2)` column holds.
pub fn max_amount() -> Decimal {
    Decimal::new(99_999_999_999_999, 2)
}

/// Reads a non-negative amount as people type it: `12,345.60`, `12345.6`,
/// `¥ 1,000`. Refuses more than two decimals, signs, and anything else.
pub fn parse_amount(raw: &str) -> Result<Decimal, &'static str> {
    let cleaned: String = raw
        .trim()
        .trim_start_matches(['¥', '$', '￥'])
        .trim_start_matches("HK$")
        .trim_start_matches("MOP$")
        .trim()
        .chars()
        .filter(|c| *c != ',' && *c != '，' && *c != ' ')
        .collect();
    if cleaned.is_empty() {
        return Err("err-required");
    }
    if cleaned.starts_with('-') {
        return Err("err-amount-negative");
    }
    let well_formed = cleaned.chars().all(|c| c.is_ascii_digit() || c == '.')
        && cleaned.matches('.').count() <= 1
        && !cleaned.starts_with('.')
        && !cleaned.ends_with('.');
    if !well_formed {
        return Err("err-amount-invalid");
    }
    if cleaned.split('.').nth(1).is_some_and(|d| d.len() > 2) {
        return Err("err-amount-cents");
    }
    let value: Decimal = cleaned.parse().map_err(|_| "err-amount-too-large")?;
    if value > max_amount() {
        return Err("err-amount-too-large");
    }
    Ok(value.round_dp(2))
}

/// An exchange rate to a fund's currency: positive, at most six decimals.
pub fn parse_rate(raw: &str) -> Result<Decimal, &'static str> {
    let cleaned = raw.trim();
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
    let cleaned = raw.trim().trim_end_matches('%').trim();
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

/// `amount × rate`, rounded half away from zero to cents (DESIGN §4).
pub fn convert(amount: Decimal, rate: Decimal) -> Decimal {
    (amount * rate).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// `12,345.60`
pub fn format_amount(amount: Decimal) -> String {
    let fixed = format!("{:.2}", amount.round_dp(2));
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
        assert_eq!(parse_amount("¥1,000"), Ok(d("1000")));
        assert_eq!(parse_amount("-5"), Err("err-amount-negative"));
        assert_eq!(parse_amount("1.234"), Err("err-amount-cents"));
        assert_eq!(parse_amount("12abc"), Err("err-amount-invalid"));
        assert_eq!(parse_amount("1e5"), Err("err-amount-invalid"));
        assert_eq!(parse_amount("1..5"), Err("err-amount-invalid"));
        assert_eq!(parse_amount(""), Err("err-required"));
        assert_eq!(parse_amount("9999999999999"), Err("err-amount-too-large"));
        assert_eq!(
            parse_amount("99999999999999999999999999999999"),
            Err("err-amount-too-large")
        );
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
            assert!(Currency::from_code(&r[1]).is_some());
            assert_eq!(convert(d(&r[0]), d(&r[2])), d(&r[3]), "{r:?}");
            n += 1;
        }
        assert!(n >= 9);
        // Per line, then summed: three HKD 0.01 at 0.5 make 0.03, not 0.02.
        let total: Decimal = (0..3).map(|_| convert(d("0.01"), d("0.5"))).sum();
        assert_eq!(total, d("0.03"));
    }

    #[test]
    fn formats_with_thousands_separators() {
        assert_eq!(format_amount(d("1234567.5")), "1,234,567.50");
        assert_eq!(format_amount(d("0")), "0.00");
        assert_eq!(format_amount(d("999")), "999.00");
        assert_eq!(format_money(d("12345.6"), Currency::Hkd), "HKD 12,345.60");
    }
}
