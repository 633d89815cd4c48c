//! The double-entry rules of the disbursement ledger (DESIGN §6): which
//! accounts each kind of entry moves money between, and how an award is
//! split into tranches. Pure; the database keeps the rows.

use crate::domain::code::codes;
use rust_decimal::Decimal;

codes! {
    pub enum Account {
        Contributions = "contributions",
        /// Uncommitted money of the fund.
        Pool = "pool",
        /// Per award: promised, not yet paid.
        Committed = "committed",
        /// Per award: paid out.
        Disbursed = "disbursed",
    }
}

impl Account {
    pub fn per_award(self) -> bool {
        matches!(self, Account::Committed | Account::Disbursed)
    }
}

codes! {
    pub enum EntryKind {
        Contribution = "contribution",
        Commitment = "commitment",
        Disbursement = "disbursement",
        Decommitment = "decommitment",
        Refund = "refund",
        /// The reversal of an entry, made by an approved correction.
        Adjustment = "adjustment",
    }
}

impl EntryKind {
    /// Money moves from the first account to the second. An adjustment
    /// has no route of its own: it mirrors the postings of the entry it
    /// reverses.
    pub fn route(self) -> Option<(Account, Account)> {
        match self {
            EntryKind::Contribution => Some((Account::Contributions, Account::Pool)),
            EntryKind::Commitment => Some((Account::Pool, Account::Committed)),
            EntryKind::Disbursement => Some((Account::Committed, Account::Disbursed)),
            EntryKind::Decommitment => Some((Account::Committed, Account::Pool)),
            EntryKind::Refund => Some((Account::Disbursed, Account::Pool)),
            EntryKind::Adjustment => None,
        }
    }

    /// The two postings of an entry of `amount` (> 0): they sum to zero; none for an adjustment.
    pub fn postings(self, amount: Decimal) -> Option<[(Account, Decimal); 2]> {
        let (from, to) = self.route()?;
        Some([(from, -amount), (to, amount)])
    }
}

/// Whether a fund whose accounts stand at `totals` (account code to
/// balance) can take postings of `changes`: every total afterwards within
/// what a kept balance holds (`money::max_balance`), so no accepted entry
/// can overflow a column.
pub fn fits(
    totals: &std::collections::HashMap<Account, Decimal>,
    changes: &[(Account, Decimal)],
) -> bool {
    let mut after = totals.clone();
    for (account, change) in changes {
        *after.entry(*account).or_default() += *change;
    }
    after
        .values()
        .all(|b| b.abs() <= super::money::max_balance())
}

/// Splits `amount` by the milestones' percentages (which sum to 100), to
/// the cent; the last tranche takes what rounding leaves so that the
/// tranches add up to the award exactly.
pub fn split(amount: Decimal, percents: &[Decimal]) -> Vec<Decimal> {
    let mut out = Vec::with_capacity(percents.len());
    let mut given = Decimal::ZERO;
    for (i, p) in percents.iter().enumerate() {
        let part = if i + 1 == percents.len() {
            amount - given
        } else {
            super::money::round_cents(amount * p / Decimal::ONE_HUNDRED)
        };
        given += part;
        out.push(part);
    }
    out
}

/// One month of the fund's chart: the running totals at its end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MonthTotals {
    /// `YYYY-MM`.
    pub month: String,
    /// Promised to awards so far, net of decommitments and refunds: the
    /// `committed` and `disbursed` accounts together.
    pub committed: Decimal,
    /// Paid out so far, net of refunds: the `disbursed` account.
    pub disbursed: Decimal,
}

/// The running commitments and disbursements at the end of each of the last
/// `last` months from the fund's monthly flows (first day of the month,
/// account, net amount; any order): every month from the first with a
/// flow to the last, a quiet month repeating the month before.
pub fn running_months(
    flows: &[(chrono::NaiveDate, Account, Decimal)],
    last: usize,
) -> Vec<MonthTotals> {
    use chrono::Datelike;
    let index = |d: chrono::NaiveDate| d.year() * 12 + d.month0() as i32;
    let Some(first) = flows.iter().map(|f| index(f.0)).min() else {
        return Vec::new();
    };
    let end = flows.iter().map(|f| index(f.0)).max().unwrap_or(first);
    let mut per_month = vec![(Decimal::ZERO, Decimal::ZERO); (end - first + 1) as usize];
    for (month, account, amount) in flows {
        let slot = &mut per_month[(index(*month) - first) as usize];
        match account {
            Account::Committed => slot.0 += amount,
            Account::Disbursed => {
                slot.0 += amount;
                slot.1 += amount;
            }
            Account::Contributions | Account::Pool => {}
        }
    }
    let mut running = (Decimal::ZERO, Decimal::ZERO);
    let all: Vec<MonthTotals> = per_month
        .into_iter()
        .enumerate()
        .map(|(i, (committed, disbursed))| {
            running.0 += committed;
            running.1 += disbursed;
            let m = first + i as i32;
            MonthTotals {
                month: format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1),
                committed: running.0,
                disbursed: running.1,
            }
        })
        .collect();
    let skip = all.len().saturating_sub(last);
    all.into_iter().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn every_entry_balances_and_moves_money_the_right_way() {
        for kind in [
            EntryKind::Contribution,
            EntryKind::Commitment,
            EntryKind::Disbursement,
            EntryKind::Decommitment,
            EntryKind::Refund,
        ] {
            let p = kind.postings(d("1234.56")).unwrap();
            assert_eq!(p[0].1 + p[1].1, Decimal::ZERO, "{kind:?}");
            assert!(p[0].1 < Decimal::ZERO && p[1].1 > Decimal::ZERO);
        }
        assert_eq!(
            EntryKind::Disbursement.route(),
            Some((Account::Committed, Account::Disbursed))
        );
        assert_eq!(EntryKind::Adjustment.postings(d("1")), None);
    }

    #[test]
    fn a_fund_takes_money_up_to_what_its_totals_hold() {
        let max = crate::domain::money::max_balance();
        let totals: std::collections::HashMap<Account, Decimal> = [
            (Account::Contributions, -(max - d("0.99"))),
            (Account::Pool, max - d("0.99")),
        ]
        .into();
        let contribution = |a: &str| EntryKind::Contribution.postings(d(a)).unwrap();
        assert!(fits(&totals, &contribution("0.99")));
        assert!(!fits(&totals, &contribution("1.00")));
        // Money moved inside the fund fits whatever the totals.
        assert!(fits(
            &totals,
            &EntryKind::Commitment.postings(d("1000")).unwrap()
        ));
        assert!(fits(&Default::default(), &contribution("1000")));
    }

    #[test]
    fn tranches_add_up_to_the_award_to_the_cent() {
        let parts = split(d("100000.00"), &[d("33.33"), d("33.33"), d("33.34")]);
        assert_eq!(parts, [d("33330.00"), d("33330.00"), d("33340.00")]);
        let parts = split(d("1000.01"), &[d("50"), d("50")]);
        assert_eq!(parts.iter().sum::<Decimal>(), d("1000.01"));
        assert_eq!(
            parts,
            [d("500.01"), d("500.00")],
            "500.005 rounds half away from zero; the last takes the rest"
        );
        assert_eq!(split(d("10"), &[d("100")]), [d("10")]);
    }

    #[test]
    fn running_months_fill_quiet_months_and_keep_the_last() {
        use chrono::NaiveDate;
        let month = |y, m| NaiveDate::from_ymd_opt(y, m, 1).unwrap();
        let flows = [
            (month(2025, 11), Account::Committed, Decimal::from(1000)),
            (month(2025, 11), Account::Pool, Decimal::from(-1000)),
            (month(2026, 2), Account::Committed, Decimal::from(-400)),
            (month(2026, 2), Account::Disbursed, Decimal::from(400)),
            (month(2025, 12), Account::Contributions, Decimal::from(-50)),
        ];
        let all = running_months(&flows, 12);
        let got: Vec<(&str, Decimal, Decimal)> = all
            .iter()
            .map(|m| (m.month.as_str(), m.committed, m.disbursed))
            .collect();
        assert_eq!(
            got,
            vec![
                ("2025-11", Decimal::from(1000), Decimal::from(0)),
                ("2025-12", Decimal::from(1000), Decimal::from(0)),
                ("2026-01", Decimal::from(1000), Decimal::from(0)),
                ("2026-02", Decimal::from(1000), Decimal::from(400)),
            ]
        );
        let last_two = running_months(&flows, 2);
        assert_eq!(last_two[0].month, "2026-01");
        assert_eq!(last_two[1].committed, Decimal::from(1000));
        assert!(running_months(&[], 12).is_empty());
    }
}
