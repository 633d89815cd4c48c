//! Baygrants: grant management for venture philanthropy in the
//! Guangdong–Hong Kong–Macau Greater Bay Area.
//!
//! `build` prepares the database and returns a server that is bound but not
//! yet running; `main` and the tests both start the app through it.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod email;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod metrics;
pub mod models;
pub mod policy;
pub mod seed;
pub mod services;
pub mod state;
pub mod web;

pub use state::AppState;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware::from_fn, web as aweb};

use crate::clock::Clock;
use crate::config::Config;

pub struct Application {
    pub state: AppState,
    port: u16,
    server: Server,
}

impl Application {
    /// Binds the configured address (port 0 picks a free one) and, unless
    /// disabled, starts the outbox worker beside the server.
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
        workers: usize,
    ) -> anyhow::Result<Application> {
        let listener = TcpListener::bind(&config.bind)
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.bind))?;
        Self::build_on(listener, config, clock, workers).await
    }

    /// As `build`, on a socket the caller already bound (tests bind port 0
    /// first so that `BASE_URL` can name the port).
    pub async fn build_on(
        listener: TcpListener,
        config: Config,
        clock: Arc<dyn Clock>,
        workers: usize,
    ) -> anyhow::Result<Application> {
        let state = AppState::connect(config, clock).await?;
        i18n::script::warm();
        {
            // Things written before the search index existed (or by SQL
            // outside the application) are made findable before serving.
            let indexed = models::search::index_missing(&state.pool).await?;
            if indexed > 0 {
                tracing::info!(indexed, "search index completed");
            }
        }
        if state.config.run_worker {
            tokio::spawn(state.worker()?.run());
            tokio::spawn(jobs::run(state.clone()));
        }
        let port = listener.local_addr()?.port();
        let data = aweb::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(aweb::PayloadConfig::new(web::ctx::FORM_LIMIT))
                .app_data(
                    aweb::QueryConfig::default()
                        .error_handler(|_, _| error::AppError::BadRequest.into()),
                )
                .app_data(
                    aweb::PathConfig::default()
                        .error_handler(|_, _| error::AppError::NotFound.into()),
                )
                .configure(web::routes)
                .default_service(aweb::to(|| async {
                    Err::<actix_web::HttpResponse, _>(error::AppError::NotFound)
                }))
                .wrap(from_fn(web::middleware::finish))
                .wrap(web::middleware::security_headers())
        })
        .workers(workers.max(1))
        .listen(listener)?
        .run();
        Ok(Application {
            state,
            port,
            server,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// For tests that read the project's own files (which keys the code names,
/// where money is rounded).
#[cfg(test)]
pub(crate) mod source_files {
    use std::path::{Path, PathBuf};

    /// Every file under `dir` (relative to the crate) whose name ends in `.ext`.
    pub fn under(dir: &str, ext: &str) -> Vec<PathBuf> {
        fn walk(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    walk(&path, ext, out);
                } else if path.extension().is_some_and(|e| e == ext) {
                    out.push(path);
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join(dir),
            ext,
            &mut out,
        );
        out
    }
}

/// The arrows point down: `web` → `services` → `models` → `domain`, with
/// `email`, `jobs` and `policy` beside them. Checked on the paths the code
/// names, `use` lines and inline paths alike.
#[cfg(test)]
mod layers {
    /// Which top-level modules the files under `dir` name.
    fn named_from(dir: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for path in crate::source_files::under(dir, "rs") {
            let text = std::fs::read_to_string(&path).unwrap();
            for module in ["web", "services", "models", "email", "jobs", "error", "db"] {
                if text.contains(&format!("crate::{module}::"))
                    || text.contains(&format!("crate::{module};"))
                    || text.contains(&format!("crate::{{{module}"))
                {
                    out.push((path.display().to_string(), module.to_string()));
                }
            }
        }
        out
    }

    fn refused(dir: &str, forbidden: &[&str]) -> Vec<String> {
        named_from(dir)
            .into_iter()
            .filter(|(_, m)| forbidden.contains(&m.as_str()))
            .map(|(f, m)| format!("{f} names crate::{m}"))
            .collect()
    }

    #[test]
    fn no_module_below_web_names_web_and_email_names_no_service() {
        let mut found = Vec::new();
        for dir in ["src/domain", "src/i18n"] {
            found.extend(refused(
                dir,
                &["web", "services", "models", "email", "jobs", "error", "db"],
            ));
        }
        for dir in ["src/models", "src/services", "src/email", "src/db"] {
            found.extend(refused(dir, &["web"]));
        }
        found.extend(refused("src/models", &["services", "email", "jobs"]));
        found.extend(refused("src/email", &["services", "jobs"]));
        for file in ["src/error.rs", "src/policy.rs", "src/state.rs"] {
            let text = std::fs::read_to_string(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file),
            )
            .unwrap();
            if text.contains("crate::web") {
                found.push(format!("{file} names crate::web"));
            }
        }
        assert!(found.is_empty(), "{}", found.join("\n"));
    }
}
