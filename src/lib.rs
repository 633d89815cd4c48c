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
pub mod models;
pub mod policy;
pub mod services;
pub mod web;

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

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware::from_fn, web as aweb};

use crate::clock::Clock;
use crate::config::Config;
use crate::email::transport::Transport;
use crate::email::worker::Worker;

/// What every request and use case shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: db::Pool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Ranking boards, computed once per change of their call's reviews.
    pub rankings: Arc<services::review::RankingCache>,
}

impl AppState {
    /// Creates the database if needed, migrates it, and opens the pool.
    pub async fn connect(
        config: Config,
        clock: Arc<dyn Clock>,
    ) -> Result<AppState, db::SetupError> {
        db::ensure_database(&config.database_url).await?;
        db::run_migrations(&config.database_url).await?;
        let pool = db::build_pool(&config.database_url, config.db_pool_size)?;
        Ok(AppState {
            pool,
            config: Arc::new(config),
            clock,
            rankings: Arc::default(),
        })
    }

    pub fn worker(&self) -> anyhow::Result<Worker> {
        Ok(Worker {
            state: self.clone(),
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            transport: Transport::new(self.config.smtp_url.as_deref(), &self.config.mail_dir)?,
            from: self.config.mail_from.clone(),
            poll: self.config.outbox_poll,
        })
    }
}

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
        if state.config.run_worker {
            tokio::spawn(state.worker()?.run());
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
