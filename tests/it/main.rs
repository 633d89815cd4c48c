//! End-to-end tests: the real app on a real PostgreSQL (one database per
//! test, cloned from a migrated template), driven over HTTP, with emails
//! received by a real SMTP server.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod accounts;
mod admin;
mod applications;
mod authz;
mod awards;
mod backup;
mod bank;
mod browser;
mod calls;
mod charts;
mod crash;
mod dashboards;
mod decisions;
mod email;
mod hostile;
mod ledger;
mod metrics;
mod migrations;
mod organizations;
mod pages;
mod processes;
mod regressions;
mod review;
mod scale;
mod search;
mod second_factor;
mod sessions;
mod soak;
mod typed_input;
