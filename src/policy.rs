//! Who may do what: the one place authorization is decided. Handlers and
//! services ask here; templates only show what the handler already allowed.
//! A refusal is shown as 404 so that ids cannot be probed.

use crate::domain::award::{AwardState, ReportState};
use crate::domain::organization::MemberRole;
use crate::domain::role::Role;
use crate::models::UserId;

/// Whoever is acting: a signed-in user, or the operator at the command line.
#[derive(Debug, Clone)]
pub enum Actor {
    User { id: UserId, roles: Vec<Role> },
    System,
}

impl Actor {
    pub fn user_id(&self) -> Option<UserId> {
        match self {
            Actor::User { id, .. } => Some(*id),
            Actor::System => None,
        }
    }

    pub fn has_role(&self, role: Role) -> bool {
        match self {
            Actor::User { roles, .. } => roles.contains(&role),
            Actor::System => true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Grant and revoke admin and finance roles; see all users.
    ManageRoles,
    /// Read the audit trail.
    ViewAudit,
    /// See failed emails and queue them again.
    ManageEmails,
    /// Verify and return organizations; whitelist and debar them.
    VerifyOrganizations,
    /// Create funds and maintain the key-area catalogue.
    ManageFunds,
    /// Create, edit, publish and move calls through their states.
    ManageCalls,
    /// Panels, assignments, the ranking board and decisions.
    ManageReview,
    /// Approve or return progress reports; log non-financial support.
    ManageAwards,
    /// Record contributions; request and approve payments (maker–checker).
    HandleMoney,
    /// Read fund dashboards, ledgers and payment histories.
    ViewMoney,
}

pub fn may(actor: &Actor, permission: Permission) -> bool {
    match permission {
        Permission::ManageRoles
        | Permission::ViewAudit
        | Permission::ManageEmails
        | Permission::VerifyOrganizations
        | Permission::ManageFunds
        | Permission::ManageCalls
        | Permission::ManageReview
        | Permission::ManageAwards => actor.has_role(Role::Admin),
        Permission::HandleMoney => actor.has_role(Role::Finance),
        Permission::ViewMoney => actor.has_role(Role::Finance) || actor.has_role(Role::Admin),
    }
}

/// Admin and finance accounts move money and decide for others: they sign
/// in with a second factor (TOTP) as well as their password.
pub fn needs_second_factor(roles: &[Role]) -> bool {
    roles
        .iter()
        .any(|r| matches!(r, Role::Admin | Role::Finance))
}

/// What someone may do with one award.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwardAction {
    /// Its schedule, payments and reports.
    View,
    /// Accept the agreement and register the bank account.
    Accept,
    /// Submit progress reports.
    Report,
}

/// `lead_membership`: the actor's role in the grantee (lead) organization.
pub fn may_on_award(
    actor: &Actor,
    lead_membership: Option<MemberRole>,
    action: AwardAction,
) -> bool {
    match action {
        AwardAction::View => lead_membership.is_some() || may(actor, Permission::ViewMoney),
        AwardAction::Accept => lead_membership == Some(MemberRole::Owner),
        AwardAction::Report => lead_membership.is_some(),
    }
}

/// What the award page offers someone, from their standing and the
/// award's state: templates show these and test nothing themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AwardOffers {
    /// Accept the offer (the lead's owners, while it is on offer).
    pub accept: bool,
    /// Write progress reports and attach files (the lead's members, while active).
    pub report: bool,
    /// Request a refund (finance, once the offer was accepted).
    pub refund: bool,
    /// Record an evaluation (admins, while active).
    pub evaluate: bool,
    /// Approve or return submitted reports (admins).
    pub review_reports: bool,
}

pub fn award_offers(
    actor: &Actor,
    lead_membership: Option<MemberRole>,
    state: AwardState,
) -> AwardOffers {
    let admin = may(actor, Permission::ManageAwards);
    AwardOffers {
        accept: may_on_award(actor, lead_membership, AwardAction::Accept)
            && state == AwardState::Offered,
        report: may_on_award(actor, lead_membership, AwardAction::Report)
            && state == AwardState::Active,
        refund: may(actor, Permission::HandleMoney) && state != AwardState::Offered,
        evaluate: admin && state == AwardState::Active,
        review_reports: admin,
    }
}

impl AwardOffers {
    /// Files go on a report until it is approved.
    pub fn attach_to(&self, report: &ReportState) -> bool {
        self.report && *report != ReportState::Approved
    }

    /// Only a submitted report waits for a decision.
    pub fn review(&self, report: &ReportState) -> bool {
        self.review_reports && *report == ReportState::Submitted
    }
}

/// The checker of a payment is a finance officer other than its maker.
pub fn may_approve_payment(actor: &Actor, requested_by: UserId) -> bool {
    may(actor, Permission::HandleMoney) && actor.user_id().is_some_and(|u| u != requested_by)
}

/// What someone may do with one organization, given their membership.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrgAction {
    /// Address, website and contact email: any signed-in user (the directory
    /// exists so that organizations can find partners); never visitors.
    SeeContacts,
    /// The member list.
    SeeMembers,
    /// Start an application that the organization leads.
    Lead,
    /// Edit the profile.
    Edit,
    /// Invite, change roles, remove.
    ManageMembers,
}

/// `membership` is the actor's role in the organization, if any.
pub fn may_on_organization(
    actor: &Actor,
    membership: Option<MemberRole>,
    action: OrgAction,
) -> bool {
    match action {
        OrgAction::SeeContacts => actor.user_id().is_some(),
        OrgAction::SeeMembers => membership.is_some() || actor.has_role(Role::Admin),
        OrgAction::Lead => membership.is_some(),
        OrgAction::Edit | OrgAction::ManageMembers => membership == Some(MemberRole::Owner),
    }
}

/// What someone may do with one application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppAction {
    /// Read it, its budget and its attachments.
    View,
    /// Edit the draft, invite partners, upload, submit, withdraw.
    Edit,
}

/// `lead_membership`: the actor's role in the lead organization;
/// `partner_member`: whether they belong to a partner organization.
pub fn may_on_application(
    actor: &Actor,
    lead_membership: Option<MemberRole>,
    partner_member: bool,
    action: AppAction,
) -> bool {
    match action {
        AppAction::View => {
            lead_membership.is_some() || partner_member || actor.has_role(Role::Admin)
        }
        AppAction::Edit => lead_membership.is_some(),
    }
}

/// What the one search box finds for someone: never more than they may
/// open. Everyone signed in finds organizations (the directory) and their
/// own organizations' applications and awards, drafts included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchReach {
    /// Every submitted application (the admins' list), not only their own.
    pub all_applications: bool,
    /// Every award (whoever reads fund dashboards), not only their own.
    pub all_awards: bool,
    /// People by name and email (whoever manages roles).
    pub people: bool,
}

pub fn search_reach(actor: &Actor) -> SearchReach {
    SearchReach {
        all_applications: may(actor, Permission::ManageReview),
        all_awards: may(actor, Permission::ViewMoney),
        people: may(actor, Permission::ManageRoles),
    }
}

/// A review is its reviewer's alone (admins read it through the board).
pub fn may_work_on_review(actor: &Actor, reviewer: UserId) -> bool {
    actor.user_id() == Some(reviewer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(roles: &[Role]) -> Actor {
        Actor::User {
            id: UserId(1),
            roles: roles.to_vec(),
        }
    }

    #[test]
    fn owners_manage_their_organization_and_members_see_it() {
        let plain = user(&[]);
        let admin = user(&[Role::Admin]);
        for action in [OrgAction::Edit, OrgAction::ManageMembers] {
            assert!(may_on_organization(&plain, Some(MemberRole::Owner), action));
            assert!(!may_on_organization(
                &plain,
                Some(MemberRole::Member),
                action
            ));
            assert!(!may_on_organization(&plain, None, action));
            assert!(
                !may_on_organization(&admin, None, action),
                "admins verify, they do not edit"
            );
        }
        assert!(may_on_organization(
            &plain,
            Some(MemberRole::Member),
            OrgAction::SeeMembers
        ));
        assert!(!may_on_organization(&plain, None, OrgAction::SeeMembers));
        assert!(may_on_organization(&admin, None, OrgAction::SeeMembers));
    }

    #[test]
    fn the_lead_edits_partners_and_admins_read_others_see_nothing() {
        let plain = user(&[]);
        let admin = user(&[Role::Admin]);
        assert!(may_on_application(
            &plain,
            Some(MemberRole::Member),
            false,
            AppAction::Edit
        ));
        assert!(!may_on_application(&plain, None, true, AppAction::Edit));
        assert!(may_on_application(&plain, None, true, AppAction::View));
        assert!(!may_on_application(&plain, None, false, AppAction::View));
        assert!(may_on_application(&admin, None, false, AppAction::View));
        assert!(!may_on_application(&admin, None, false, AppAction::Edit));
    }

    #[test]
    fn search_finds_what_each_may_open() {
        let plain = search_reach(&user(&[]));
        assert!(!plain.all_applications && !plain.all_awards && !plain.people);
        let admin = search_reach(&user(&[Role::Admin]));
        assert!(admin.all_applications && admin.all_awards && admin.people);
        let finance = search_reach(&user(&[Role::Finance]));
        assert!(!finance.all_applications && finance.all_awards && !finance.people);
    }

    #[test]
    fn admin_and_finance_accounts_need_a_second_factor() {
        assert!(needs_second_factor(&[Role::Admin]));
        assert!(needs_second_factor(&[Role::Finance]));
        assert!(!needs_second_factor(&[]));
    }

    #[test]
    fn only_admins_manage_the_platform() {
        for p in [
            Permission::ManageRoles,
            Permission::ViewAudit,
            Permission::ManageEmails,
            Permission::VerifyOrganizations,
            Permission::ManageFunds,
            Permission::ManageCalls,
            Permission::ManageReview,
        ] {
            assert!(may(&user(&[Role::Admin]), p));
            assert!(!may(&user(&[Role::Finance]), p));
            assert!(!may(&user(&[]), p));
            assert!(may(&Actor::System, p));
        }
    }
}
