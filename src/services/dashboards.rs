//! The home page of a signed-in user: for each role they hold, what needs
//! them now. Read only; every section costs a fixed number of statements
//! however much data there is (tests/it/scale.rs checks it).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::applications::checklist_counts;
use super::awards::{
    DueReport, REPORT_REMINDER_BEFORE, condition, outstanding_reports_of, payment_facts,
    reports_outstanding,
};
use crate::domain::award::AwardState;
use crate::domain::award::Condition;
use crate::domain::award::{self as rules};
use crate::domain::award::{TranchePayment, TrancheWait};
use crate::domain::call::CallState;
use crate::domain::money::Currency;
use crate::domain::organization::MemberRole;
use crate::domain::organization::Verification;
use crate::domain::scoring::ReviewState;
use crate::error::AppError;
use crate::models::applications as apps;
use crate::models::awards::{self, Award, Payment};
use crate::models::calls::{self, Call};
use crate::models::organizations::{self as orgs, DirectoryFilter, Organization};
use crate::models::outbox::{self, OutboxEmail};
use crate::models::reviews::{self, Review};
use crate::models::{
    ApplicationId, AwardId, CallId, Conn, FundId, OrganizationId, UserId, funds, ledger,
};
use crate::policy::{self, Actor, Permission, may_approve_payment};

/// Items shown per list; the full page has the rest.
pub const SHOWN: usize = 10;

/// The first `SHOWN` items of a list and how many there are in all.
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: usize,
}

impl<T> Listed<T> {
    fn first(mut all: Vec<T>) -> Self {
        let total = all.len();
        all.truncate(SHOWN);
        Listed { items: all, total }
    }

    /// `items` are the first of `total`, counted apart.
    fn counted(items: Vec<T>, total: i64) -> Self {
        Listed {
            total: usize::try_from(total).unwrap_or_default().max(items.len()),
            items,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Whether the list goes on past what is shown.
    pub fn more(&self) -> bool {
        self.total > self.items.len()
    }
}

pub struct Dashboard {
    pub applicant: Option<ApplicantWork>,
    pub reviewer: Option<ReviewerWork>,
    pub admin: Option<AdminWork>,
    pub finance: Option<FinanceWork>,
}

/// Everything the user's sections show, one section per role they hold.
pub async fn of(
    conn: &mut Conn,
    rankings: &crate::services::review::RankingCache,
    actor: &Actor,
    now: DateTime<Utc>,
) -> Result<Dashboard, AppError> {
    let Some(user) = actor.user_id() else {
        return Err(AppError::NotFound);
    };
    Ok(Dashboard {
        applicant: applicant(conn, user, now).await?,
        reviewer: reviewer(conn, user, now).await?,
        admin: if policy::may(actor, Permission::ManageReview) {
            Some(admin(conn, rankings, now).await?)
        } else {
            None
        },
        finance: if policy::may(actor, Permission::HandleMoney) {
            Some(finance(conn, actor).await?)
        } else {
            None
        },
    })
}

// ---- applicants: members of an organization

pub struct DraftItem {
    pub id: ApplicationId,
    pub title: String,
    pub call: Call,
    /// Checklist items still missing before it can be submitted.
    pub missing: usize,
}

pub struct InvitationItem {
    pub application: ApplicationId,
    pub title: String,
    /// The user's organization that is invited as a partner.
    pub organization: Organization,
}

pub struct AwardItem {
    pub award: Award,
    pub title: String,
}

pub struct ReportItem {
    pub report: DueReport,
    pub overdue: bool,
}

pub struct PaymentItem {
    pub payment: Payment,
    pub title: String,
    pub currency: Currency,
}

/// The next tranche of an award not yet paid, and what it waits for.
pub struct TrancheItem {
    pub award: AwardId,
    pub title: String,
    pub position: i32,
    pub amount: Decimal,
    pub currency: Currency,
    pub status: TrancheWait,
}

pub struct ApplicantWork {
    /// Drafts of calls still open, the nearest deadline first.
    pub drafts: Listed<DraftItem>,
    /// Partner invitations that an owner of the user's organization answers.
    pub invitations: Listed<InvitationItem>,
    /// Offers the user (an owner of the grantee) may accept.
    pub offers: Listed<AwardItem>,
    /// Reports overdue or due within the reminder period, earliest first.
    pub reports: Listed<ReportItem>,
    /// Tranches the bank paid to the user's awards, latest first.
    pub payments: Listed<PaymentItem>,
    /// The next unpaid tranche of each offered or active award.
    pub tranches: Listed<TrancheItem>,
}

impl ApplicantWork {
    pub fn needs_nothing(&self) -> bool {
        self.drafts.is_empty()
            && self.invitations.is_empty()
            && self.offers.is_empty()
            && self.reports.is_empty()
    }
}

async fn applicant(
    conn: &mut Conn,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Option<ApplicantWork>, AppError> {
    let memberships = orgs::of_user(conn, user).await?;
    if memberships.is_empty() {
        return Ok(None);
    }
    let role_in: HashMap<OrganizationId, MemberRole> =
        memberships.iter().map(|(o, r)| (o.id, *r)).collect();

    // Drafts the user's organizations lead, in calls still taking them.
    let led: Vec<OrganizationId> = memberships.iter().map(|(o, _)| o.id).collect();
    let (open, open_total) = apps::open_drafts_led_by(conn, &led, now, SHOWN as i64).await?;
    let open_total = usize::try_from(open_total).unwrap_or_default();
    let missing = checklist_counts(&*conn, &open, now).await?;
    let drafts = Listed {
        items: open
            .into_iter()
            .map(|(a, call)| DraftItem {
                id: a.id,
                missing: missing.get(&a.id).copied().unwrap_or_default(),
                title: a.title,
                call,
            })
            .collect(),
        total: open_total,
    };

    let invitations = Listed::first(
        apps::invitations_for_user(conn, user)
            .await?
            .into_iter()
            .filter_map(|(application, org, title)| {
                let organization = memberships.iter().find(|(o, _)| o.id == org)?.0.clone();
                Some(InvitationItem {
                    application,
                    title,
                    organization,
                })
            })
            .collect(),
    );

    // Awards of the user's organizations, with their schedules.
    let mine = awards::of_user(conn, user).await?;
    let ids: Vec<AwardId> = mine.iter().map(|(a, _)| a.id).collect();
    let (tranches, payments, reports) = awards::schedule_of(&*conn, &ids).await?;
    let mut offers = Vec::new();
    let mut due = Vec::new();
    let mut paid = Vec::new();
    let mut waiting = Vec::new();
    for (award, title) in &mine {
        let t: Vec<_> = tranches
            .iter()
            .filter(|t| t.award_id == award.id)
            .cloned()
            .collect();
        let p: Vec<_> = payments
            .iter()
            .filter(|p| p.award_id == award.id)
            .cloned()
            .collect();
        let r: Vec<_> = reports
            .iter()
            .filter(|r| r.award_id == award.id)
            .cloned()
            .collect();
        let owner = role_in.get(&award.lead_org_id) == Some(&MemberRole::Owner);
        // An offer past its acceptance date can no longer be accepted.
        if award.state == AwardState::Offered && owner && award.accept_by > now {
            offers.push(AwardItem {
                award: award.clone(),
                title: title.clone(),
            });
        }
        if award.state == AwardState::Active {
            due.extend(
                outstanding_reports_of(award, title, &t, &r)
                    .into_iter()
                    .filter(|d| d.due < now + REPORT_REMINDER_BEFORE)
                    .map(|d| ReportItem {
                        overdue: d.due < now,
                        report: d,
                    }),
            );
        }
        paid.extend(
            p.iter()
                // Received: the bank's statement (or an officer reading it)
                // says it was paid.
                .filter(|p| p.transfer == Some(crate::domain::award::Transfer::Settled))
                .map(|p| PaymentItem {
                    payment: p.clone(),
                    title: title.clone(),
                    currency: award.currency,
                }),
        );
        let paid_facts = payment_facts(&p);
        let state_of =
            |t: &crate::models::awards::Tranche| rules::payment_state(&paid_facts, t.id.0);
        if matches!(award.state, AwardState::Offered | AwardState::Active)
            && let Some(next) = t.iter().find(|t| state_of(t) != Some(TranchePayment::Paid))
        {
            let status = if state_of(next) == Some(TranchePayment::Requested) {
                TrancheWait::Requested
            } else {
                match condition(award, next.position, &r) {
                    c if c.met() => TrancheWait::Ready,
                    Condition::Acceptance { .. } => TrancheWait::Acceptance,
                    Condition::Report { milestone, .. } => TrancheWait::Report(milestone),
                }
            };
            waiting.push(TrancheItem {
                award: award.id,
                title: title.clone(),
                position: next.position,
                amount: next.amount,
                currency: award.currency,
                status,
            });
        }
    }
    offers.sort_by_key(|o| o.award.accept_by);
    due.sort_by_key(|d| d.report.due);
    paid.sort_by_key(|p| std::cmp::Reverse((p.payment.settled_at, p.payment.id)));
    Ok(Some(ApplicantWork {
        drafts,
        invitations,
        offers: Listed::first(offers),
        reports: Listed::first(due),
        payments: Listed::first(paid),
        tranches: Listed::first(waiting),
    }))
}

// ---- reviewers: members of a panel

pub struct ReviewItem {
    pub review: Review,
    pub title: String,
    pub overdue: bool,
}

pub struct ReviewerWork {
    /// Reviews not yet submitted, overdue and soonest due first.
    pub open: Listed<ReviewItem>,
    /// Reviews submitted or handed back with a declared conflict.
    pub done: usize,
    pub total: usize,
}

/// `None` for someone on no panel with no review.
async fn reviewer(
    conn: &mut Conn,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Option<ReviewerWork>, AppError> {
    let c: &Conn = conn;
    let (mut c1, mut c2, mut c3) = (c, c, c);
    let (counts, on_panel, open) = tokio::try_join!(
        reviews::count_by_state_of(&mut c1, user),
        reviews::on_any_panel(&mut c2, user),
        reviews::open_by_due(&mut c3, user, SHOWN as i64),
    )?;
    let count = |states: &[ReviewState]| -> usize {
        counts
            .iter()
            .filter(|(s, _)| states.contains(s))
            .map(|(_, n)| usize::try_from(*n).unwrap_or_default())
            .sum()
    };
    let (to_do, done) = (
        count(&[ReviewState::Assigned, ReviewState::Draft]),
        count(&[ReviewState::Submitted, ReviewState::Conflict]),
    );
    if !on_panel && to_do + done == 0 {
        return Ok(None);
    }
    let items = open
        .into_iter()
        .map(|(review, title)| ReviewItem {
            overdue: review.due_at.is_some_and(|d| d < now),
            review,
            title,
        })
        .collect();
    Ok(Some(ReviewerWork {
        open: Listed::counted(items, to_do as i64),
        done,
        total: to_do + done,
    }))
}

// ---- fund administrators

pub struct Flagged {
    pub application: ApplicationId,
    pub call: CallId,
    pub title: String,
    pub reviews: usize,
    pub spread: f64,
}

pub struct AdminWork {
    /// Organizations waiting for verification, oldest first.
    pub verifications: Listed<Organization>,
    /// How many calls are in each state, in the order calls move.
    pub calls: Vec<(CallState, i64)>,
    /// Submitted applications of calls in review with no reviewer yet.
    pub unassigned: Listed<(ApplicationId, CallId, String)>,
    /// Applications whose reviewers disagree (DESIGN §5), widest spread first.
    pub flagged: Listed<Flagged>,
    /// Reports past their due date, the longest overdue first.
    pub overdue_reports: Listed<DueReport>,
    /// Emails that failed or keep failing, newest first.
    pub emails: Listed<OutboxEmail>,
    /// The calls the lists above name.
    pub calls_named: HashMap<CallId, Call>,
}

impl AdminWork {
    pub fn needs_nothing(&self) -> bool {
        self.verifications.is_empty()
            && self.unassigned.is_empty()
            && self.flagged.is_empty()
            && self.overdue_reports.is_empty()
            && self.emails.is_empty()
    }
}

async fn admin(
    conn: &mut Conn,
    rankings: &crate::services::review::RankingCache,
    now: DateTime<Utc>,
) -> Result<AdminWork, AppError> {
    let pending = DirectoryFilter {
        verification: Some(Verification::Pending),
        ..Default::default()
    };
    // Every list and count at once, pipelined on the one connection; then
    // the flags (from the cached rankings) and the calls the lists name.
    let c: &Conn = conn;
    let (mut c1, mut c2, mut c3, mut c4, mut c5) = (c, c, c, c, c);
    let (mut c6, mut c7, mut c8, mut c9) = (c, c, c, c);
    let (
        pending_orgs,
        pending_total,
        by_state,
        (waiting, waiting_total),
        overdue,
        overdue_total,
        in_review,
        emails,
        emails_total,
    ) = tokio::try_join!(
        orgs::search(&mut c1, &pending, None, SHOWN as i64),
        orgs::count_by_verification(&mut c2, Verification::Pending),
        calls::count_by_state(&mut c3),
        reviews::awaiting_assignment(&mut c4, SHOWN as i64),
        reports_outstanding(&mut c5, Some(now), Some(SHOWN as i64)),
        awards::count_due_before(&mut c6, now),
        calls::in_review_with_versions(&mut c7),
        outbox::problems(&mut c8, SHOWN as i64),
        outbox::count_problems(&mut c9),
    )?;
    let calls = CallState::ALL
        .into_iter()
        .map(|s| {
            let n = by_state
                .iter()
                .find(|(k, _)| *k == s)
                .map_or(0, |(_, n)| *n);
            (s, n)
        })
        .collect();
    let flagged = flagged_for_discussion(conn, rankings, in_review).await?;
    let named: Vec<CallId> = waiting
        .iter()
        .map(|(_, c, _)| *c)
        .chain(flagged.items.iter().map(|f| f.call))
        .collect();
    let calls_named = calls::find_many(conn, &named)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    Ok(AdminWork {
        verifications: Listed::counted(pending_orgs, pending_total),
        calls,
        unassigned: Listed::counted(waiting, waiting_total),
        flagged,
        calls_named,
        overdue_reports: Listed::counted(overdue, overdue_total),
        emails: Listed::counted(emails, emails_total),
    })
}

/// Applications in calls under review whose reviews' spread flags them for
/// discussion: the flags of each such call's ranking board, from the
/// rankings the board caches per review version (computed here only for a
/// call whose reviews changed since), so the work does not grow with the
/// reviews of the calls.
async fn flagged_for_discussion(
    conn: &mut Conn,
    rankings: &crate::services::review::RankingCache,
    in_review: Vec<(CallId, i64)>,
) -> Result<Listed<Flagged>, AppError> {
    let mut flagged = Vec::new();
    for (call, version) in in_review {
        let ranking = crate::services::review::ranking_at(
            rankings,
            conn,
            call,
            crate::services::review::RankBy::Calibrated,
            version,
        )
        .await?;
        flagged.extend(ranking.0.iter().filter(|r| r.discuss).map(|r| Flagged {
            application: r.application,
            call,
            title: r.title.clone(),
            reviews: r.reviews,
            spread: r.spread,
        }));
    }
    flagged.sort_by(|a, b| {
        b.spread
            .total_cmp(&a.spread)
            .then(a.application.cmp(&b.application))
    });
    Ok(Listed::first(flagged))
}

// ---- finance officers

pub struct FundPool {
    pub id: FundId,
    pub name_zh: String,
    pub name_en: String,
    pub currency: Currency,
    pub pool: Decimal,
}

/// A tranche whose condition holds and for which nothing is requested yet.
pub struct ReadyTranche {
    pub tranche: awards::Tranche,
    pub title: String,
    pub currency: Currency,
}

pub struct FinanceWork {
    /// Requests this officer may approve (another officer made them), oldest first.
    pub approvable: Listed<PaymentItem>,
    /// Tranches ready to request, in award order.
    pub ready: Listed<ReadyTranche>,
    /// This officer's own requests, waiting for another officer.
    pub own_waiting: usize,
    /// What each fund has left to commit.
    pub pools: Vec<FundPool>,
    /// Payments on their way to the bank, by stage.
    pub bank: awards::TransferCounts,
}

async fn finance(conn: &mut Conn, actor: &Actor) -> Result<FinanceWork, AppError> {
    let mut approvable = Vec::new();
    let mut own_waiting = 0;
    for (payment, title, currency) in awards::pending_payments(conn).await? {
        if may_approve_payment(actor, payment.requested_by) {
            approvable.push(PaymentItem {
                payment,
                title,
                currency,
            });
        } else if actor.user_id() == Some(payment.requested_by) {
            own_waiting += 1;
        }
    }
    let balances = ledger::pools(conn).await?;
    let pools = funds::all(conn)
        .await?
        .into_iter()
        .map(|f| FundPool {
            pool: balances.get(&f.id).copied().unwrap_or_default(),
            id: f.id,
            name_zh: f.name_zh,
            name_en: f.name_en,
            currency: f.currency,
        })
        .collect();
    let ready = awards::ready_tranches(conn, SHOWN as i64)
        .await?
        .into_iter()
        .map(|(tranche, title, currency)| ReadyTranche {
            tranche,
            title,
            currency,
        })
        .collect();
    let ready_count = awards::ready_tranche_count(conn).await?;
    let bank = awards::transfer_counts(conn).await?;
    Ok(FinanceWork {
        approvable: Listed::first(approvable),
        ready: Listed::counted(ready, ready_count),
        own_waiting,
        pools,
        bank,
    })
}
