//! Who may do what: the one place authorization is decided. Handlers and
//! services ask here; templates only show what the handler already allowed.
//! A refusal is shown as 404 so that ids cannot be probed.

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
}

pub fn may(actor: &Actor, permission: Permission) -> bool {
    match permission {
        Permission::ManageRoles | Permission::ViewAudit | Permission::ManageEmails => {
            actor.has_role(Role::Admin)
        }
    }
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
    fn only_admins_manage_the_platform() {
        for p in [
            Permission::ManageRoles,
            Permission::ViewAudit,
            Permission::ManageEmails,
        ] {
            assert!(may(&user(&[Role::Admin]), p));
            assert!(!may(&user(&[Role::Finance]), p));
            assert!(!may(&user(&[]), p));
            assert!(may(&Actor::System, p));
        }
    }
}
