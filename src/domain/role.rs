//! Platform-wide roles granted to a user. Applicant and reviewer rights come
//! from organization membership and panels, not from this list.

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    Admin,
    Finance,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Finance];

    pub fn code(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Finance => "finance",
        }
    }

    pub fn from_code(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// Catalogue key of the role's name.
    pub fn label_key(self) -> &'static str {
        match self {
            Role::Admin => "role-admin",
            Role::Finance => "role-finance",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert_eq!(Role::from_code("root"), None);
    }
}
