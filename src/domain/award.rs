//! Awards after the decision (DESIGN §6): the offer and its acceptance,
//! tranches paid against reports, refunds, and the support given alongside.
//! The codes here are the states and kinds the award page, the finance desk
//! and the ledger share.

use chrono::{DateTime, Months, Utc};
use rust_decimal::Decimal;

use crate::domain::application::ApplicationState;
use crate::domain::code::codes;

codes! {
    /// What the panel decided for one application.
    pub enum Outcome {
        Award = "award",
        Decline = "decline",
        Waitlist = "waitlist",
    }
}

impl Outcome {
    /// The state a published decision puts its application in.
    pub fn application_state(self) -> ApplicationState {
        match self {
            Outcome::Award => ApplicationState::Awarded,
            Outcome::Decline => ApplicationState::Declined,
            Outcome::Waitlist => ApplicationState::Waitlisted,
        }
    }
}

codes! {
    /// In the order awards move through them.
    pub enum AwardState {
        /// Offered; the lead organization has not accepted yet.
        Offered = "offered",
        Active = "active",
        Closed = "closed",
        /// Not accepted in time.
        Lapsed = "lapsed",
    }
}

codes! {
    pub enum PaymentKind {
        /// A tranche paid to the grantee.
        Tranche = "tranche",
        /// Money the grantee returns.
        Refund = "refund",
    }
}

codes! {
    /// A payment request or a ledger correction between maker and checker.
    pub enum Approval {
        Pending = "pending",
        Approved = "approved",
        Rejected = "rejected",
    }
}

codes! {
    /// Where an approved tranche payment stands at the bank (issue 25):
    /// ready to go in a batch, sent in a batch's file, then settled or
    /// returned as the bank's statement says.
    pub enum Transfer {
        Ready = "ready",
        Sent = "sent",
        Settled = "settled",
        Returned = "returned",
    }
}

/// What happens to a payment at the bank.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferEvent {
    /// Its batch's file was downloaded for the bank.
    Send,
    /// The bank's statement shows it paid.
    Settle,
    /// The bank sent it back (a closed account, a wrong name).
    Return,
}

impl Transfer {
    /// The state after `event`, or `None` where the event cannot happen:
    /// only a sent payment settles or comes back, and nothing follows
    /// either.
    pub fn after(self, event: TransferEvent) -> Option<Transfer> {
        match (self, event) {
            (Transfer::Ready, TransferEvent::Send) => Some(Transfer::Sent),
            (Transfer::Sent, TransferEvent::Settle) => Some(Transfer::Settled),
            (Transfer::Sent, TransferEvent::Return) => Some(Transfer::Returned),
            _ => None,
        }
    }
}

/// Whether a tranche of an award may be paid (again) to the account on
/// record: after a payment came back, only once finance has confirmed the
/// grantee's bank details since.
pub fn bank_confirmed(
    confirmed_at: Option<chrono::DateTime<chrono::Utc>>,
    last_return: Option<chrono::DateTime<chrono::Utc>>,
) -> bool {
    match (confirmed_at, last_return) {
        (_, None) => true,
        (Some(confirmed), Some(returned)) => confirmed > returned,
        (None, Some(_)) => false,
    }
}

codes! {
    pub enum ReportState {
        Submitted = "submitted",
        Approved = "approved",
        Returned = "returned",
    }
}

codes! {
    /// An evaluation of an award's outcomes.
    pub enum EvaluationKind {
        MidTerm = "mid_term",
        Final = "final",
    }
}

codes! {
    /// Non-financial support logged against an award.
    pub enum SupportKind {
        Mentoring = "mentoring",
        Training = "training",
        Introduction = "introduction",
        CapacityBuilding = "capacity_building",
    }
}

codes! {
    /// Where a tranche's payment stands, once one has been asked for
    /// (a rejected request leaves the tranche as if none had been).
    pub enum TranchePayment {
        Requested = "requested",
        Paid = "paid",
    }
}

/// What the next unpaid tranche of an award waits for, as its grantee's
/// dashboard says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrancheWait {
    /// Asked for; a finance officer must approve it.
    Requested,
    /// Its condition holds; finance will request it.
    Ready,
    /// The award must be accepted first.
    Acceptance,
    /// The report of this milestone must be approved first.
    Report(i32),
}

/// Why a tranche may or may not be paid yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// Tranche 1: the agreement is accepted.
    Acceptance { met: bool },
    /// Later tranches: the previous milestone's report is approved.
    Report { milestone: i32, met: bool },
}

impl Condition {
    pub fn met(&self) -> bool {
        match self {
            Condition::Acceptance { met } | Condition::Report { met, .. } => *met,
        }
    }
}

/// What the rules need of a report: its milestone and its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportFact {
    pub position: i32,
    pub state: ReportState,
}

/// What the rules need of a payment request: the tranche it pays (none
/// for a refund), where it stands, and whether the bank sent it back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PaymentFact {
    pub tranche: Option<i64>,
    pub state: Approval,
    pub returned: bool,
}

/// The condition of tranche `position` of an award in `state`: the first
/// waits for acceptance, each later one for the previous report's approval.
pub fn condition(state: AwardState, position: i32, reports: &[ReportFact]) -> Condition {
    if position <= 1 {
        Condition::Acceptance {
            met: matches!(state, AwardState::Active | AwardState::Closed),
        }
    } else {
        Condition::Report {
            milestone: position - 1,
            met: state == AwardState::Active
                && reports
                    .iter()
                    .any(|r| r.position == position - 1 && r.state == ReportState::Approved),
        }
    }
}

/// Where a tranche's payment stands; a rejected request, or a payment the
/// bank returned, counts as none.
pub fn payment_state(payments: &[PaymentFact], tranche: i64) -> Option<TranchePayment> {
    payments
        .iter()
        .find(|p| p.tranche == Some(tranche) && p.state != Approval::Rejected && !p.returned)
        .map(|p| {
            if p.state == Approval::Approved {
                TranchePayment::Paid
            } else {
                TranchePayment::Requested
            }
        })
}

/// A tranche may be requested when the award is active, nothing is waiting
/// or paid for it, and its condition holds.
pub fn requestable(
    state: AwardState,
    payment: Option<TranchePayment>,
    condition: &Condition,
) -> bool {
    state == AwardState::Active && payment.is_none() && condition.met()
}

/// Which of `tranches` (id, position), in order, is the next to pay — the
/// first with no payment waiting or made — and its condition. None once the
/// award has lapsed or closed.
pub fn next_tranche(
    state: AwardState,
    tranches: &[(i64, i32)],
    payments: &[PaymentFact],
    reports: &[ReportFact],
) -> Option<(usize, Condition)> {
    if matches!(state, AwardState::Lapsed | AwardState::Closed) {
        return None;
    }
    tranches
        .iter()
        .position(|(id, _)| payment_state(payments, *id).is_none())
        .map(|i| (i, condition(state, tranches[i].1, reports)))
}

/// When the report on a milestone is due: its month after acceptance.
pub fn report_due(accepted_at: Option<DateTime<Utc>>, month_due: i32) -> Option<DateTime<Utc>> {
    accepted_at?.checked_add_months(Months::new(month_due.max(0) as u32))
}

/// Whether the report on milestone `position` may be submitted now, as far
/// as order goes: reports come in milestone order, each after the previous
/// one is approved.
pub fn report_in_order(position: i32, reports: &[ReportFact]) -> bool {
    position <= 1
        || reports
            .iter()
            .any(|r| r.position == position - 1 && r.state == ReportState::Approved)
}

/// The milestones (position, month due) whose report is not in — a
/// returned report counts as not in — with their due dates.
pub fn outstanding_reports(
    accepted_at: Option<DateTime<Utc>>,
    milestones: &[(i32, i32)],
    reports: &[ReportFact],
) -> Vec<(i32, DateTime<Utc>)> {
    milestones
        .iter()
        .filter(|(position, _)| {
            !reports
                .iter()
                .any(|r| r.position == *position && r.state != ReportState::Returned)
        })
        .filter_map(|(position, month)| Some((*position, report_due(accepted_at, *month)?)))
        .collect()
}

/// A refund returns money that was paid: at most what the award disbursed.
pub fn refund_fits(amount: Decimal, disbursed: Decimal) -> bool {
    amount > Decimal::ZERO && amount <= disbursed
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn report(position: i32, state: ReportState) -> ReportFact {
        ReportFact { position, state }
    }

    fn paid(tranche: i64, state: Approval) -> PaymentFact {
        PaymentFact {
            tranche: Some(tranche),
            state,
            returned: false,
        }
    }

    #[test]
    fn reports_come_in_milestone_order_each_after_the_previous_is_approved() {
        assert!(report_in_order(1, &[]));
        assert!(!report_in_order(2, &[]));
        assert!(!report_in_order(2, &[report(1, ReportState::Submitted)]));
        assert!(report_in_order(2, &[report(1, ReportState::Approved)]));
        assert!(!report_in_order(3, &[report(1, ReportState::Approved)]));
    }

    #[test]
    fn the_first_tranche_waits_for_acceptance_and_later_ones_for_the_previous_report() {
        assert!(!condition(AwardState::Offered, 1, &[]).met());
        assert!(condition(AwardState::Active, 1, &[]).met());
        assert!(condition(AwardState::Closed, 1, &[]).met());
        let submitted = [report(1, ReportState::Submitted)];
        let approved = [report(1, ReportState::Approved)];
        assert_eq!(
            condition(AwardState::Active, 2, &submitted),
            Condition::Report {
                milestone: 1,
                met: false
            }
        );
        assert!(condition(AwardState::Active, 2, &approved).met());
        assert!(
            !condition(AwardState::Active, 3, &approved).met(),
            "report 2 is not in"
        );
        assert!(!condition(AwardState::Lapsed, 2, &approved).met());
    }

    #[test]
    fn a_rejected_request_leaves_the_tranche_payable_again() {
        assert_eq!(payment_state(&[], 7), None);
        assert_eq!(payment_state(&[paid(7, Approval::Rejected)], 7), None);
        assert_eq!(
            payment_state(
                &[paid(7, Approval::Rejected), paid(7, Approval::Pending)],
                7
            ),
            Some(TranchePayment::Requested)
        );
        assert_eq!(
            payment_state(&[paid(7, Approval::Approved)], 7),
            Some(TranchePayment::Paid)
        );
        assert_eq!(payment_state(&[paid(8, Approval::Approved)], 7), None);
        let refund = PaymentFact {
            tranche: None,
            state: Approval::Approved,
            returned: false,
        };
        assert_eq!(payment_state(&[refund], 7), None);
    }

    #[test]
    fn a_returned_payment_leaves_the_tranche_payable_again() {
        let returned = PaymentFact {
            returned: true,
            ..paid(7, Approval::Approved)
        };
        assert_eq!(payment_state(&[returned], 7), None);
        assert_eq!(
            payment_state(&[returned, paid(7, Approval::Pending)], 7),
            Some(TranchePayment::Requested)
        );
    }

    #[test]
    fn a_payment_goes_to_the_bank_once_and_settles_or_comes_back_once() {
        use Transfer::*;
        use TransferEvent::*;
        assert_eq!(Ready.after(Send), Some(Sent));
        assert_eq!(Sent.after(Settle), Some(Settled));
        assert_eq!(Sent.after(Return), Some(Returned));
        for (state, event) in [
            (Ready, Settle),
            (Ready, Return),
            (Sent, Send),
            (Settled, Return),
            (Settled, Settle),
            (Returned, Settle),
            (Returned, Send),
        ] {
            assert_eq!(state.after(event), None, "{state:?} after {event:?}");
        }
    }

    #[test]
    fn after_a_return_the_bank_details_are_confirmed_again_before_paying() {
        let at = |h| chrono::Utc.with_ymd_and_hms(2026, 5, 1, h, 0, 0).unwrap();
        assert!(bank_confirmed(Some(at(9)), None));
        assert!(bank_confirmed(None, None));
        assert!(!bank_confirmed(Some(at(9)), Some(at(10))));
        assert!(bank_confirmed(Some(at(11)), Some(at(10))));
        assert!(!bank_confirmed(None, Some(at(10))));
    }

    #[test]
    fn only_an_active_award_with_nothing_waiting_and_its_condition_met_is_requestable() {
        let met = Condition::Acceptance { met: true };
        let unmet = Condition::Acceptance { met: false };
        assert!(requestable(AwardState::Active, None, &met));
        assert!(!requestable(AwardState::Active, None, &unmet));
        assert!(!requestable(
            AwardState::Active,
            Some(TranchePayment::Requested),
            &met
        ));
        assert!(!requestable(AwardState::Offered, None, &met));
        assert!(!requestable(AwardState::Closed, None, &met));
    }

    #[test]
    fn the_next_tranche_is_the_first_unpaid_one_until_the_award_ends() {
        let tranches = [(10, 1), (11, 2), (12, 3)];
        let payments = [paid(10, Approval::Approved)];
        let reports = [report(1, ReportState::Approved)];
        assert_eq!(
            next_tranche(AwardState::Active, &tranches, &payments, &reports),
            Some((
                1,
                Condition::Report {
                    milestone: 1,
                    met: true
                }
            ))
        );
        assert_eq!(
            next_tranche(AwardState::Active, &tranches, &[], &[]),
            Some((0, Condition::Acceptance { met: true }))
        );
        let all: Vec<_> = tranches
            .iter()
            .map(|(id, _)| paid(*id, Approval::Approved))
            .collect();
        assert_eq!(next_tranche(AwardState::Active, &tranches, &all, &[]), None);
        assert_eq!(next_tranche(AwardState::Closed, &tranches, &[], &[]), None);
        assert_eq!(next_tranche(AwardState::Lapsed, &tranches, &[], &[]), None);
    }

    #[test]
    fn reports_fall_due_months_after_acceptance_and_a_returned_one_is_still_due() {
        let accepted = Utc.with_ymd_and_hms(2026, 1, 31, 2, 0, 0).unwrap();
        assert_eq!(report_due(None, 6), None, "not accepted, nothing due");
        assert_eq!(
            report_due(Some(accepted), 1),
            Some(Utc.with_ymd_and_hms(2026, 2, 28, 2, 0, 0).unwrap()),
            "the end of a shorter month"
        );
        let milestones = [(1, 6), (2, 12)];
        let due = outstanding_reports(
            Some(accepted),
            &milestones,
            &[report(1, ReportState::Returned)],
        );
        assert_eq!(due.iter().map(|(p, _)| *p).collect::<Vec<_>>(), [1, 2]);
        let due = outstanding_reports(
            Some(accepted),
            &milestones,
            &[report(1, ReportState::Submitted)],
        );
        assert_eq!(
            due,
            [(2, Utc.with_ymd_and_hms(2027, 1, 31, 2, 0, 0).unwrap())]
        );
        assert!(outstanding_reports(None, &milestones, &[]).is_empty());
    }

    #[test]
    fn a_refund_is_positive_and_at_most_what_was_paid() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert!(refund_fits(d("0.01"), d("100")));
        assert!(refund_fits(d("100"), d("100")));
        assert!(!refund_fits(d("100.01"), d("100")));
        assert!(!refund_fits(d("0"), d("100")));
        assert!(!refund_fits(d("1"), d("0")));
    }
}
