//! Pure rules with no I/O: what a valid input is, who is throttled, which
//! roles exist. Everything here is unit-tested without a database.

pub mod account;
pub mod application;
pub mod assignment;
pub mod award;
pub mod bank;
pub mod call;
pub mod code;
pub mod form;
#[cfg(test)]
mod hostile;
pub mod ledger;
pub mod money;
pub mod organization;
pub mod role;
pub mod scoring;
pub mod search;
pub mod text;
pub mod throttle;
pub mod token;
pub mod totp;
pub mod uscc;
