//! The connection pool, database creation and the embedded migrations.

pub mod schema;

use std::time::Duration;

use diesel::prelude::*;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::deadpool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::{EmbeddedMigrations, MigrationHarness, embed_migrations};
use url::Url;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

pub type Pool = deadpool::Pool<AsyncPgConnection>;
pub type PooledConn = deadpool::Object<AsyncPgConnection>;

/// Why the database could not be prepared, worded for the person starting the app.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error(
        "PostgreSQL is not answering at {address} ({cause}). Start it, e.g. `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set DATABASE_URL."
    )]
    Unreachable { address: String, cause: String },
    #[error("could not create database {name:?}: {cause}")]
    Create { name: String, cause: String },
    #[error("migrations failed: {0}")]
    Migrate(String),
    #[error("could not build the connection pool: {0}")]
    Pool(String),
}

/// Splits `postgres://u@h:p/db` into the maintenance URL (`…/postgres`) and `db`.
fn maintenance_url(database_url: &str) -> Result<(String, String), SetupError> {
    let mut url = Url::parse(database_url).map_err(|e| SetupError::Unreachable {
        address: database_url.into(),
        cause: e.to_string(),
    })?;
    let name = url.path().trim_start_matches('/').to_string();
    url.set_path("/postgres");
    Ok((url.to_string(), name))
}

fn address_of(database_url: &str) -> String {
    Url::parse(database_url)
        .ok()
        .map(|u| {
            format!(
                "{}:{}",
                u.host_str().unwrap_or("localhost"),
                u.port().unwrap_or(5432)
            )
        })
        .unwrap_or_else(|| database_url.to_string())
}

pub async fn connect(database_url: &str) -> Result<AsyncPgConnection, SetupError> {
    AsyncPgConnection::establish(database_url)
        .await
        .map_err(|e| SetupError::Unreachable {
            address: address_of(database_url),
            cause: e.to_string(),
        })
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

/// Creates the database named in `database_url` unless it exists.
pub async fn ensure_database(database_url: &str) -> Result<(), SetupError> {
    let (maintenance, name) = maintenance_url(database_url)?;
    let mut conn = connect(&maintenance).await?;
    let found: Exists =
        diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result(&mut conn)
            .await
            .map_err(|e| SetupError::Create {
                name: name.clone(),
                cause: e.to_string(),
            })?;
    if !found.exists {
        let create = format!("CREATE DATABASE {}", quote_ident(&name));
        match diesel::sql_query(create).execute(&mut conn).await {
            Ok(_) => tracing::info!(database = %name, "created database"),
            // Another process created it between our check and our CREATE.
            Err(diesel::result::Error::DatabaseError(_, info))
                if info.message().contains("already exists") => {}
            Err(e) => {
                return Err(SetupError::Create {
                    name,
                    cause: e.to_string(),
                });
            }
        }
    }
    Ok(())
}

/// Double-quotes an SQL identifier.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// Runs the embedded migrations over a pure-Rust connection (no libpq).
pub async fn run_migrations(database_url: &str) -> Result<(), SetupError> {
    let conn = connect(database_url).await?;
    tokio::task::spawn_blocking(move || {
        let mut wrapper: AsyncConnectionWrapper<AsyncPgConnection> =
            AsyncConnectionWrapper::from(conn);
        wrapper
            .run_pending_migrations(MIGRATIONS)
            .map(|done| done.len())
            .map_err(|e| SetupError::Migrate(e.to_string()))
    })
    .await
    .map_err(|e| SetupError::Migrate(e.to_string()))?
    .map(|applied| {
        if applied > 0 {
            tracing::info!(applied, "ran migrations");
        }
    })
}

tokio::task_local! {
    /// Statements sent by the request being served (see `counting_queries`).
    static QUERIES: std::cell::Cell<u32>;
}

/// Counts each statement a connection sends for the request being served,
/// leaving out the session settings a new connection sends while it is
/// being established (they depend on the pool, not on the page).
#[derive(Default)]
struct StatementCounter {
    establishing: bool,
}

impl diesel::connection::Instrumentation for StatementCounter {
    fn on_connection_event(&mut self, event: diesel::connection::InstrumentationEvent<'_>) {
        use diesel::connection::InstrumentationEvent as E;
        match event {
            E::StartEstablishConnection { .. } => self.establishing = true,
            E::FinishEstablishConnection { .. } => self.establishing = false,
            E::StartQuery { .. } if !self.establishing => {
                let _ = QUERIES.try_with(|n| n.set(n.get() + 1));
            }
            _ => {}
        }
    }
}

/// Runs `work` and counts the SQL statements it sends on any connection of
/// the pool, for the request log and the query-count guard of the tests.
pub async fn counting_queries<F: std::future::Future>(work: F) -> (F::Output, u32) {
    QUERIES
        .scope(std::cell::Cell::new(0), async move {
            let out = work.await;
            (out, QUERIES.with(std::cell::Cell::get))
        })
        .await
}

pub fn build_pool(database_url: &str, size: usize) -> Result<Pool, SetupError> {
    // Every connection made from now on reports its statements to the
    // request that is counting them; outside a request nothing is counted.
    let _ = diesel::connection::set_default_instrumentation(|| {
        Some(Box::new(StatementCounter::default()))
    });
    // A connection goes back into use without a test query: one round trip
    // less per checkout (two per signed-in request). A connection whose
    // socket the server closed (a restart) is still discarded, since the
    // pool asks `is_broken`, which sees the closed socket.
    let mut manager_config = ManagerConfig::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        with_session_settings(database_url),
        manager_config,
    );
    deadpool::Pool::builder(manager)
        .max_size(size)
        .runtime(::deadpool::Runtime::Tokio1)
        // A request waits at most this long for a connection, then gets 503.
        .wait_timeout(Some(Duration::from_secs(5)))
        .create_timeout(Some(Duration::from_secs(5)))
        .recycle_timeout(Some(Duration::from_secs(5)))
        .build()
        .map_err(|e| SetupError::Pool(e.to_string()))
}

/// The settings of every pooled connection, sent in its startup packet (no
/// statement of its own): no parallel workers. A page reads a few dozen
/// rows, and starting two workers costs milliseconds (a generic plan of the
/// fund dashboard's recent postings did just that). Forcing generic plans
/// too (`plan_cache_mode`) saved a third of the planning on several pages
/// of the large seed, but the cost guard (`tests/it/scale.rs`) showed the
/// finance home and the dashboards reading whole tables with them, so the
/// server keeps choosing per execution.
pub const SESSION_SETTINGS: &str = "-c max_parallel_workers_per_gather=0";

/// `database_url` with [`SESSION_SETTINGS`] added to its `options`. The
/// query is written out by hand: tokio-postgres reads `%20`, not `+`, as a
/// space.
fn with_session_settings(database_url: &str) -> String {
    fn encode(v: &str) -> String {
        v.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    let Ok(mut url) = Url::parse(database_url) else {
        return database_url.to_string();
    };
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    match pairs.iter_mut().find(|(k, _)| k == "options") {
        Some((_, v)) => *v = format!("{v} {SESSION_SETTINGS}"),
        None => pairs.push(("options".into(), SESSION_SETTINGS.into())),
    }
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    url.set_query(Some(&query.join("&")));
    url.to_string()
}

/// `/readyz`: can we get a connection and run a query?
pub async fn ping(pool: &Pool) -> bool {
    let Ok(mut conn) = pool.get().await else {
        return false;
    };
    diesel::select(1.into_sql::<diesel::sql_types::Integer>())
        .get_result::<i32>(&mut conn)
        .await
        .is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maintenance_url_keeps_credentials_and_host() {
        let (url, name) = maintenance_url("postgres://postgres@127.0.0.1:5432/baygrants").unwrap();
        assert_eq!(url, "postgres://postgres@127.0.0.1:5432/postgres");
        assert_eq!(name, "baygrants");
    }

    #[test]
    fn pooled_connections_carry_the_session_settings() {
        let url = with_session_settings("postgres://postgres@127.0.0.1:5432/baygrants");
        let parsed = Url::parse(&url).unwrap();
        let options: Vec<_> = parsed
            .query_pairs()
            .filter(|(k, _)| k == "options")
            .collect();
        assert_eq!(options.len(), 1);
        assert_eq!(options[0].1, SESSION_SETTINGS);
        // Options the operator set are kept, ours follow.
        let url =
            with_session_settings("postgres://u@h/db?options=-c%20work_mem%3D8MB&sslmode=disable");
        let parsed = Url::parse(&url).unwrap();
        let options = parsed
            .query_pairs()
            .find(|(k, _)| k == "options")
            .unwrap()
            .1;
        assert_eq!(options, format!("-c work_mem=8MB {SESSION_SETTINGS}"));
        assert!(
            parsed
                .query_pairs()
                .any(|(k, v)| k == "sslmode" && v == "disable")
        );
        assert!(!url.contains('+') && url.contains("%20"), "{url}");
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_ident("a\"b"), "\"a\"\"b\"");
    }
}
