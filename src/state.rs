//! What every request, use case and job shares: the pool, the
//! configuration, the clock and the ranking cache.

use std::sync::Arc;

use crate::clock::Clock;
use crate::config::Config;
use crate::db;
use crate::email::transport::Transport;
use crate::email::worker::Worker;
use crate::services;

/// What every request and use case shares.
#[derive(Clone)]
pub struct AppState {
    pub pool: db::Pool,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    /// Ranking boards, computed once per change of their call's reviews.
    pub rankings: Arc<services::review::RankingCache>,
    /// Request, job and pool figures for `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
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
            metrics: Arc::default(),
        })
    }

    pub fn worker(&self) -> anyhow::Result<Worker> {
        Ok(Worker {
            pool: self.pool.clone(),
            clock: self.clock.clone(),
            transport: Transport::new(self.config.smtp_url.as_deref(), &self.config.mail_dir)?,
            from: self.config.mail_from.clone(),
            poll: self.config.outbox_poll,
        })
    }
}
