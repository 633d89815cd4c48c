//! Row types and queries, one file per table family. No SQL lives elsewhere.

pub mod applications;
pub mod audit;
pub mod awards;
pub mod calls;
pub mod decisions;
pub mod focus_areas;
pub mod funds;
pub mod job_runs;
pub mod ledger;
pub mod login_failures;
pub mod organizations;
pub mod outbox;
pub mod reviews;
pub mod search;
pub mod second_factor;
pub mod sessions;
pub mod tokens;
pub mod users;

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

pub use diesel_async::AsyncPgConnection as Conn;

/// What a read can run on: a connection of the pool, or a shared reference
/// to one (`&mut &*conn`), through which several reads awaited together
/// are pipelined: sent at once and answered in order, one round trip for
/// all of them (the fund dashboard's ten reads go in two).
pub trait Reader: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send {}

impl<T: diesel_async::AsyncConnectionCore<Backend = diesel::pg::Pg> + Send> Reader for T {}

macro_rules! id_type {
    ($($name:ident),*) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.trim().parse().map($name)
            }
        }
    )*};
}

id_type!(
    UserId,
    OrganizationId,
    FundId,
    CallId,
    ApplicationId,
    ReviewId,
    AwardId,
    TrancheId,
    PaymentId,
    BatchId
);

/// Whether a database error is a unique-constraint violation.
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}
