//! One database per test, cloned from a template that is migrated once per
//! version of the migrations (named by their hash), safely across parallel
//! tests and processes.

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

fn server_url() -> String {
    std::env::var("TEST_DATABASE_SERVER")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn migrations_hash() -> String {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");
    let mut files: Vec<_> = walk(std::path::Path::new(dir));
    files.sort();
    let mut h = Sha256::new();
    for f in files {
        h.update(f.to_string_lossy().as_bytes());
        h.update(std::fs::read(&f).unwrap());
    }
    h.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path))
        } else {
            out.push(path)
        }
    }
    out
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> diesel::QueryResult<usize> {
    diesel::sql_query(sql).execute(conn).await
}

#[derive(diesel::QueryableByName)]
struct Found {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

async fn ensure_template(admin: &mut AsyncPgConnection) -> String {
    let name = format!("baygrants_tpl_{}", migrations_hash());
    exec(admin, "SELECT pg_advisory_lock(724917)")
        .await
        .unwrap();
    let found: Found =
        diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(&name)
            .get_result(admin)
            .await
            .unwrap();
    if found.n == 0 {
        // Built under another name and renamed when complete, so a crash
        // halfway never leaves a broken template behind.
        let building = format!("{name}_building");
        exec(
            admin,
            &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        )
        .await
        .unwrap();
        exec(admin, &format!("CREATE DATABASE {building}"))
            .await
            .unwrap();
        baygrants::db::run_migrations(&format!("{}/{building}", server_url()))
            .await
            .unwrap();
        exec(
            admin,
            &format!("ALTER DATABASE {building} RENAME TO {name}"),
        )
        .await
        .unwrap();
    }
    exec(admin, "SELECT pg_advisory_unlock(724917)")
        .await
        .unwrap();
    name
}

pub struct TestDb {
    pub name: String,
    pub url: String,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let mut admin = AsyncPgConnection::establish(&format!("{}/postgres", server_url()))
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (see README)");
        let template = ensure_template(&mut admin).await;
        let name = format!("bg_test_{:016x}", rand::random::<u64>());
        // A just-closed connection to the template can linger for a moment.
        let mut tries = 0;
        loop {
            match exec(
                &mut admin,
                &format!("CREATE DATABASE {name} TEMPLATE {template}"),
            )
            .await
            {
                Ok(_) => break,
                Err(e) if tries < 100 && e.to_string().contains("being accessed") => {
                    tries += 1;
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                }
                Err(e) => panic!("cannot create test database: {e}"),
            }
        }
        TestDb {
            url: format!("{}/{name}", server_url()),
            name,
        }
    }
}

impl TestDb {
    /// An empty database (no schema), dropped like the others: the target
    /// of a restore.
    pub async fn empty() -> TestDb {
        let mut admin = AsyncPgConnection::establish(&format!("{}/postgres", server_url()))
            .await
            .expect("PostgreSQL must run on 127.0.0.1:5432 (see README)");
        let name = format!("bg_test_{:016x}", rand::random::<u64>());
        exec(
            &mut admin,
            &format!("CREATE DATABASE {name} TEMPLATE template0"),
        )
        .await
        .unwrap();
        TestDb {
            url: format!("{}/{name}", server_url()),
            name,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut admin) =
                    AsyncPgConnection::establish(&format!("{}/postgres", server_url())).await
                {
                    let _ = exec(
                        &mut admin,
                        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                    )
                    .await;
                }
            });
        })
        .join();
    }
}
