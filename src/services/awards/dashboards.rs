//! What the dashboards show.

use super::*;

pub struct AwardLine {
    pub award: Award,
    pub title: String,
    pub paid: Decimal,
    pub committed: Decimal,
    /// The next tranche not yet paid or requested, and whether it may be.
    pub next: Option<(awards::Tranche, Condition)>,
}

impl AwardLine {
    pub fn outstanding(&self) -> Decimal {
        self.award.amount - self.paid
    }
}

pub struct FundSummary {
    pub contributed: Decimal,
    pub committed: Decimal,
    pub disbursed: Decimal,
    pub available: Decimal,
    /// How many awards are in each state.
    pub counts: Vec<(AwardState, i64)>,
    /// One page of awards in the chosen state.
    pub awards: Vec<AwardLine>,
    /// Whether awards follow this page.
    pub more: bool,
}

/// Awards per page of the fund dashboard.
pub const FUND_PAGE: i64 = 50;

/// The fund's totals, kept beside the ledger, and the position of one page
/// of its awards in `state` (after the award `after`): a fixed number of
/// statements however many awards the fund has.
pub async fn fund_summary(
    conn: &Conn,
    fund: FundId,
    state: AwardState,
    text: Option<&crate::domain::search::Query>,
    after: Option<AwardId>,
) -> Result<FundSummary, AppError> {
    // Two round trips: the totals, the page of awards and the counts
    // together, then the page's balances and schedules together.
    let (mut a, mut b, mut c) = (conn, conn, conn);
    let (totals, mut page, found) = tokio::try_join!(
        ledger::totals(&mut a, fund),
        awards::of_fund(&mut b, fund, state, text, after, FUND_PAGE + 1),
        awards::count_by_state(&mut c, fund),
    )?;
    let total = |account: Account| totals.get(&account).copied().unwrap_or_default();
    let more = page.len() as i64 > FUND_PAGE;
    page.truncate(FUND_PAGE as usize);
    let ids: Vec<AwardId> = page.iter().map(|(a, _)| a.id).collect();
    let mut d = conn;
    let (balances, (tranches, payments, reports)) = tokio::try_join!(
        ledger::of_awards(&mut d, &ids),
        awards::schedule_facts_of(conn, &ids),
    )?;
    let of = |account: Account, award: AwardId| -> Decimal {
        balances
            .iter()
            .filter(|(a, w, _)| *a == account && *w == award)
            .map(|(_, _, b)| *b)
            .sum()
    };
    let mut lines = Vec::new();
    for (award, title) in page {
        let t: Vec<_> = tranches
            .iter()
            .filter(|t| t.award_id == award.id)
            .cloned()
            .collect();
        let p: Vec<_> = payments
            .iter()
            .filter(|(a, _)| *a == award.id)
            .map(|(_, f)| *f)
            .collect();
        let r: Vec<_> = reports
            .iter()
            .filter(|(a, _)| *a == award.id)
            .map(|(_, f)| *f)
            .collect();
        let next = next_tranche(&award, t, &p, &r);
        lines.push(AwardLine {
            paid: of(Account::Disbursed, award.id),
            committed: of(Account::Committed, award.id),
            award,
            title,
            next,
        });
    }
    Ok(FundSummary {
        contributed: -total(Account::Contributions),
        committed: total(Account::Committed),
        disbursed: total(Account::Disbursed),
        available: total(Account::Pool),
        counts: {
            // Every state, in the order awards move through them.
            AwardState::ALL
                .into_iter()
                .map(|s| {
                    let n = found.iter().find(|(k, _)| *k == s).map_or(0, |(_, n)| *n);
                    (s, n)
                })
                .collect()
        },
        awards: lines,
        more,
    })
}

/// The first tranche with no payment waiting or made, and its condition.
pub fn next_tranche(
    award: &Award,
    mut tranches: Vec<awards::Tranche>,
    payments: &[PaymentFact],
    reports: &[ReportFact],
) -> Option<(awards::Tranche, Condition)> {
    let order: Vec<(i64, i32)> = tranches.iter().map(|t| (t.id.0, t.position)).collect();
    let (i, condition) = rules::next_tranche(award.state, &order, payments, reports)?;
    Some((tranches.swap_remove(i), condition))
}
