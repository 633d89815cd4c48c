//! Platform-wide roles granted to a user. Applicant and reviewer rights come
//! from organization membership and panels, not from this list.

use crate::domain::code::codes;

codes! {
    pub enum Role {
        Admin = "admin",
        Finance = "finance",
    }
}

impl Role {
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
