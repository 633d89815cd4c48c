//! Row types and queries, one file per table family. No SQL lives elsewhere.

pub mod audit;
pub mod login_failures;
pub mod outbox;
pub mod sessions;
pub mod tokens;
pub mod users;

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

pub use diesel_async::AsyncPgConnection as Conn;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize,
)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
