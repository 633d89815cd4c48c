//! Use cases, one transaction each: check the rules, write rows, audit, and
//! queue email, all or nothing.

pub mod accounts;
pub mod applications;
pub mod audit;
pub mod awards;
pub mod calls;
pub mod dashboards;
pub mod decisions;
pub mod emails;
pub mod funds;
pub mod organizations;
pub mod passwords;
pub mod review;
pub mod roles;
pub mod second_factor;
pub mod verification;

/// Where a request came from, for the audit trail.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub ip: Option<String>,
}

impl Origin {
    pub fn cli() -> Self {
        Origin {
            ip: Some("cli".into()),
        }
    }
}
