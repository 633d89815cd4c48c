//! Awards after the decision (DESIGN §6): the offer and its acceptance,
//! tranches paid against reports, refunds, and the support given alongside.
//! The codes here are the states and kinds the award page, the finance desk
//! and the ledger share.

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
